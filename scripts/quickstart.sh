#!/usr/bin/env bash
# The README's first command: install what is needed, build, make sure an
# Incus API is there (a local LXD is set up when no Incus is present), run
# the daemon, and show the CLI making a container you can SSH into.
#
# Re-running is safe: it reuses what is already in place. Stop the daemon
# with: kill "$(cat build/quickstart/daemon.pid)"
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
state=$top/build/quickstart
mkdir -p "$state"

say() { printf '\n== %s\n' "$*" >&2; }

say "Installing the Debian packages Containarium needs"
./scripts/install-deps.sh

say "Building"
make -s

incus_socket=/var/lib/incus/unix.socket
project=default
image=ubuntu:24.04
if [ ! -S "$incus_socket" ]; then
	say "No Incus here: setting up a local LXD (it serves the same API)"
	export CTR_PROJECT=containarium CTR_KEEP_INSTANCES=1
	incus_socket=$(tests/testbed/lxd-up.sh)
	say "Building a Debian image with sshd (about 40 s the first time, cached after)"
	tests/testbed/image-debian.sh
	project=containarium
	image=ctr-debian
fi

cat > "$state/containarium.ini" <<INI
# Written by scripts/quickstart.sh; see conf/containarium.ini for every key.
[server]
listen = 127.0.0.1:50051
admin_socket = $state/admin.sock
[incus]
socket = $incus_socket
project = $project
[containers]
image = $image
cpu = 1
memory = 512MiB
disk =
docker = false
[logging]
target = stderr
INI

if [ -f "$state/daemon.pid" ] && kill -0 "$(cat "$state/daemon.pid")" 2>/dev/null; then
	say "The daemon is already running (pid $(cat "$state/daemon.pid"))"
else
	say "Starting the daemon (log: $state/daemon.log)"
	setsid build/containarium daemon --config "$state/containarium.ini" \
		>"$state/daemon.log" 2>&1 < /dev/null &
	echo $! > "$state/daemon.pid"
fi
cli() { build/containarium --server "unix:$state/admin.sock" "$@"; }
for _ in $(seq 50); do
	cli list >/dev/null 2>&1 && break
	sleep 0.2
done

[ -f "$state/demo_key" ] || ssh-keygen -q -t ed25519 -N '' -C demo -f "$state/demo_key"
say "containarium create demo --ssh-key $state/demo_key.pub"
if ! cli info demo >/dev/null 2>&1; then
	cli create demo --ssh-key "$state/demo_key.pub"
fi
say "containarium list"
cli list
ip=$(cli --output json info demo | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["container"]["ip_address"])' 2>/dev/null || true)
cat >&2 <<MSG

Containarium is running. Try:
  build/containarium --server unix:$state/admin.sock list
  ssh -i $state/demo_key demo@${ip:-<ip>}
  build/containarium --server 127.0.0.1:50051 delete demo --force
Stop it with: kill \$(cat $state/daemon.pid)
MSG
