#!/usr/bin/env bash
# Ensure a running LXD (the Incus-API server the integration tests talk to), configured
# for the test bed: a `dir` pool, the ctrbr0 bridge, a default profile on both, and an
# empty `containarium-test` project. Safe to re-run; seconds when all is in place.
# Prints the API socket path on stdout; everything else goes to stderr.
# The project is shared by whoever uses this machine: the wipe at start deletes their
# instances too. CTR_PROJECT=<name> gives a run its own project; CTR_KEEP_INSTANCES=1
# skips the wipe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ "$(id -u)" -eq 0 ] || die "must run as root (LXD daemon and its socket)"
command -v lxd >/dev/null || die "lxd is not installed (apt-get install -y lxd lxd-client)"

# start_lxd: start the daemon detached from this shell (own session, no tty, no SIGHUP),
# unless one is already running and merely slow to answer.
start_lxd() {
	if pgrep -x lxd >/dev/null 2>&1; then
		log "an lxd process exists but does not answer yet; waiting for it"
	else
		log "starting lxd (log: $CTR_LXD_LOG)"
		mkdir -p "$(dirname "$CTR_LXD_LOG")"
		# --logfile gets the log; stdout/stderr (a Go panic, say) go next to it.
		setsid nohup lxd --group root --logfile "$CTR_LXD_LOG" \
			</dev/null >>"${CTR_LXD_LOG%.log}.stderr.log" 2>&1 &
	fi
	lxd waitready --timeout=60 ||
		die "lxd did not become ready in 60 s; see $CTR_LXD_LOG"
	lxd_alive || die "lxd says ready but 'lxc info' fails; see $CTR_LXD_LOG"
}

# ensure_pool: `lxd init --auto` cannot work here (no subnet to pick, no iptables), so
# the pool comes from a preseed, and only when it is missing.
ensure_pool() {
	lxc storage show "$CTR_POOL" >/dev/null 2>&1 && return 0
	log "creating storage pool $CTR_POOL (dir) by preseed"
	lxd init --preseed <<-EOF
	storage_pools:
	- name: $CTR_POOL
	  driver: dir
	EOF
}

# ensure_bridge: the bridge with every address choice explicit and no firewall (there
# is no iptables/nft on the machine; LXD would fail trying to add rules).
ensure_bridge() {
	local want=(
		ipv4.address="$CTR_BRIDGE_ADDR" ipv4.nat=false ipv4.dhcp=true
		ipv6.address=none ipv4.firewall=false ipv6.firewall=false
	)
	if ! lxc network show "$CTR_BRIDGE" >/dev/null 2>&1; then
		log "creating bridge $CTR_BRIDGE ($CTR_BRIDGE_ADDR)"
		lxc network create "$CTR_BRIDGE" "${want[@]}" >&2
		return 0
	fi
	local kv key value
	for kv in "${want[@]}"; do
		key=${kv%%=*} value=${kv#*=}
		if [ "$(lxc network get "$CTR_BRIDGE" "$key")" != "$value" ]; then
			log "bridge $CTR_BRIDGE: setting $key=$value"
			lxc network set "$CTR_BRIDGE" "$key=$value"
		fi
	done
}

# profile_device_is NAME KEY=VALUE...: true when the default profile's device NAME
# exists and has each KEY=VALUE.
profile_device_is() {
	local dev=$1 kv
	shift
	for kv in "$@"; do
		[ "$(lxc profile device get default "$dev" "${kv%%=*}" 2>/dev/null)" = "${kv#*=}" ] ||
			return 1
	done
}

# ensure_profile_device NAME TYPE KEY=VALUE...: (re)make the default profile's device.
ensure_profile_device() {
	local dev=$1 type=$2
	shift 2
	profile_device_is "$dev" type="$type" "$@" && return 0
	log "default profile: setting device $dev ($type $*)"
	lxc profile device remove default "$dev" >/dev/null 2>&1 || true
	lxc profile device add default "$dev" "$type" "$@" >/dev/null
}

# ensure_project: the project exists with its own instances only (images and profiles
# come from the default project), and holds no instance left by an earlier run.
ensure_project() {
	if ! lxc project show "$CTR_PROJECT" >/dev/null 2>&1; then
		log "creating project $CTR_PROJECT"
		lxc project create "$CTR_PROJECT" \
			-c features.images=false -c features.profiles=false >&2
		return 0
	fi
	local leftovers
	leftovers=$(lxc list --project "$CTR_PROJECT" --format csv -c n | tr '\n' ' ')
	leftovers=${leftovers% }
	if [ -n "$leftovers" ] && [ "${CTR_KEEP_INSTANCES:-0}" = 1 ]; then
		log "CTR_KEEP_INSTANCES=1: keeping the instances in $CTR_PROJECT: $leftovers"
	elif [ -n "$leftovers" ]; then
		log "deleting leftover instances in $CTR_PROJECT: $leftovers"
		# One name per call: `lxc delete a b` deletes nothing when a is already gone.
		local name
		for name in $leftovers; do
			lxc delete --force --project "$CTR_PROJECT" "$name" && continue
			# Gone meanwhile (another run) is fine; still there is not.
			if lxc info --project "$CTR_PROJECT" "$name" >/dev/null 2>&1; then
				die "cannot delete instance $name in $CTR_PROJECT"
			fi
		done
	fi
	local key
	for key in features.images features.profiles; do
		if [ "$(lxc project get "$CTR_PROJECT" "$key")" != false ]; then
			log "project $CTR_PROJECT: setting $key=false"
			lxc project set "$CTR_PROJECT" "$key" false
		fi
	done
}

if lxd_alive; then
	log "reusing the running LXD on $CTR_LXD_SOCKET"
else
	start_lxd
fi
ensure_pool
ensure_bridge
ensure_profile_device root disk path=/ pool="$CTR_POOL"
ensure_profile_device eth0 nic name=eth0 nictype=bridged parent="$CTR_BRIDGE"
ensure_project
log "ready: project $CTR_PROJECT, bridge $CTR_BRIDGE ($CTR_BRIDGE_ADDR), pool $CTR_POOL"
echo "$CTR_LXD_SOCKET"
