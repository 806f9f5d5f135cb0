#!/usr/bin/env bash
# Check the test bed end to end: a container from each image gets an address on the
# bridge, useradd works in both, a key pushed through the file API lets ssh in to the
# Debian one, a clean stop is fast, and the REST API answers on the socket. Creates
# only ctr-check-* instances in $CTR_PROJECT and deletes them again. Run testbed-up.sh
# first. Prints one line per check on stderr; exits non-zero on the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_lxd

project=(--project "$CTR_PROJECT")
tiny=ctr-check-tiny debian=ctr-check-debian
work=$(mktemp -d)
# delete_mine: delete this check's instances (one per call: `lxc delete a b` deletes
# nothing when a does not exist).
delete_mine() {
	local name
	for name in "$tiny" "$debian"; do
		lxc delete --force "${project[@]}" "$name" >/dev/null 2>&1 || true
	done
}
trap 'delete_mine; rm -rf "$work"' EXIT
delete_mine
ok() { log "ok: $*"; }

# ipv4_of NAME: wait up to 10 s for NAME's eth0 IPv4 on the bridge; print it.
ipv4_of() {
	local ip prefix=${CTR_BRIDGE_ADDR%.*}.
	for _ in $(seq 1 100); do
		ip=$(lxc list "${project[@]}" "^$1\$" -c 4 --format csv | cut -d' ' -f1)
		case $ip in "$prefix"*) echo "$ip"; return 0 ;; esac
		sleep 0.1
	done
	die "$1 got no IPv4 on $CTR_BRIDGE_ADDR in 10 s"
}

# timed_ms CMD...: run CMD, print its duration in ms.
timed_ms() {
	local t0
	t0=$(now_ms)
	"$@" >/dev/null
	echo $(($(now_ms) - t0))
}

ms=$(timed_ms lxc launch -q "$CTR_IMAGE_TINY" "$tiny" "${project[@]}")
ok "launch $CTR_IMAGE_TINY: $ms ms"
t0=$(now_ms)
ip=$(ipv4_of "$tiny")
ok "$tiny has $ip after $(($(now_ms) - t0)) ms"
lxc exec "${project[@]}" "$tiny" -- useradd -m -s /bin/sh -G sudo -U bob
[ "$(lxc exec "${project[@]}" "$tiny" -- id -u bob)" -ge 1000 ] || die "bob has a system uid"
lxc exec "${project[@]}" "$tiny" -- id bob | grep -q '(sudo)' || die "bob is not in sudo"
rc=0
lxc exec "${project[@]}" "$tiny" -- useradd bob 2>/dev/null || rc=$?
[ "$rc" -eq 9 ] || die "useradd of an existing user exited $rc, not 9"
ok "useradd in $tiny (and 9 for a duplicate)"
ms=$(timed_ms lxc stop "${project[@]}" "$tiny")
[ "$ms" -lt 2000 ] || die "non-forced stop of $tiny took $ms ms"
ok "stop $tiny: $ms ms"

ms=$(timed_ms lxc launch -q "$CTR_IMAGE_DEBIAN" "$debian" "${project[@]}")
ok "launch $CTR_IMAGE_DEBIAN: $ms ms"
t0=$(now_ms)
ip=$(ipv4_of "$debian")
ok "$debian has $ip after $(($(now_ms) - t0)) ms"
lxc exec "${project[@]}" "$debian" -- useradd -m -s /bin/bash -G sudo -U alice
uid=$(lxc exec "${project[@]}" "$debian" -- id -u alice)
lxc exec "${project[@]}" "$debian" -- install -d -m 700 -o alice -g alice /home/alice/.ssh
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
lxc file push -q --uid "$uid" --gid "$uid" --mode 0600 "$work/key.pub" \
	"$debian/home/alice/.ssh/authorized_keys" "${project[@]}"
who=
for _ in $(seq 1 50); do # sshd may still be generating host keys
	who=$(ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
		-o ConnectTimeout=2 -o LogLevel=ERROR -i "$work/key" "alice@$ip" whoami 2>/dev/null) && break
	sleep 0.1
done
[ "$who" = alice ] || die "ssh alice@$ip whoami printed '$who'"
ok "ssh alice@$ip whoami: alice"
ms=$(timed_ms lxc stop "${project[@]}" "$debian")
[ "$ms" -lt 2000 ] || die "non-forced stop of $debian took $ms ms"
ok "stop $debian: $ms ms"

curl -sf --unix-socket "$CTR_LXD_SOCKET" \
	"http://lxd/1.0/instances?recursion=2&project=$CTR_PROJECT" | grep -q "\"name\":\"$debian\"" ||
	die "GET /1.0/instances?recursion=2&project=$CTR_PROJECT does not list $debian"
ok "REST API on $CTR_LXD_SOCKET lists the instances of $CTR_PROJECT"
log "all checks passed"
