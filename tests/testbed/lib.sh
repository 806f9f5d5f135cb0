# shellcheck shell=bash
# Shared names and helpers for the test-bed scripts. Sourced, never run.
#
# Every name a test needs is here once; each may be overridden from the environment
# (for instance to run two test beds side by side), but the defaults are what the
# integration tests expect.

: "${CTR_LXD_DIR:=/var/lib/lxd}"
: "${CTR_LXD_SOCKET:=$CTR_LXD_DIR/unix.socket}"
: "${CTR_LXD_LOG:=/var/log/containarium-testbed-lxd.log}"
: "${CTR_POOL:=default}"
: "${CTR_BRIDGE:=ctrbr0}"
: "${CTR_BRIDGE_ADDR:=10.77.13.1/24}"
: "${CTR_PROJECT:=containarium-test}"
: "${CTR_IMAGE_TINY:=ctr-tiny}"
: "${CTR_IMAGE_DEBIAN:=ctr-debian}"
: "${CTR_CACHE:=/var/cache/containarium-testbed}"

export LXD_DIR="$CTR_LXD_DIR"
# lxd runs dnsmasq and ip from the sbin directories; a minimal PATH may lack them.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH="$PATH:/sbin" ;; esac
export PATH

testbed_name=$(basename "$0" .sh)

log() { printf '%s: %s\n' "$testbed_name" "$*" >&2; }
die() { printf '%s: error: %s\n' "$testbed_name" "$*" >&2; exit 1; }

# Say which command failed, rather than stopping silently under set -e.
set -E
trap 'printf "%s: error: line %s: \"%s\" failed (status %s)\n" \
	"$testbed_name" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

# lxd_alive: true when the LXD API answers on the socket within a few seconds.
lxd_alive() {
	[ -S "$CTR_LXD_SOCKET" ] && timeout 10 lxc info >/dev/null 2>&1
}

# require_lxd: stop with a clear message when LXD is not answering.
require_lxd() {
	lxd_alive || die "LXD does not answer on $CTR_LXD_SOCKET; run tests/testbed/lxd-up.sh first"
}

# image_alias_exists ALIAS: true when ALIAS names an image in the default project.
image_alias_exists() {
	lxc image alias list --project default --format csv 2>/dev/null | cut -d, -f1 | grep -qxF "$1"
}

# now_ms: monotonic-enough wall clock in milliseconds, for the timings printed.
now_ms() { date +%s%3N; }

# recipe_hash FILE...: a short hash of the files (and of stdin when "-" is given), used
# to tell whether an image built earlier still matches its recipe.
recipe_hash() {
	cat "$@" | sha256sum | cut -c1-16
}

# image_recipe ALIAS: the recipe hash stored in the image ALIAS names, or nothing.
image_recipe() {
	lxc image get-property "$1" recipe --project default 2>/dev/null || true
}

# alias_target ALIAS: the full fingerprint ALIAS points at, or nothing.
alias_target() {
	{ lxc query "/1.0/images/aliases/$1" 2>/dev/null || true; } |
		sed -n 's/.*"target": *"\([0-9a-f]*\)".*/\1/p'
}

# image_install ALIAS TARBALL: import the unified image TARBALL into the default project
# (unless an image with its fingerprint is there already) and point ALIAS at it. The
# image ALIAS named before is deleted; containers made from it keep working (the dir
# pool copies the rootfs).
image_install() {
	local alias=$1 tarball=$2 fingerprint old
	fingerprint=$(sha256sum "$tarball" | cut -d' ' -f1)
	if ! lxc image info "$fingerprint" --project default >/dev/null 2>&1; then
		log "importing $tarball"
		lxc image import "$tarball" --project default >&2
	fi
	old=$(alias_target "$alias")
	[ "$old" = "$fingerprint" ] && return 0
	if [ -n "$old" ]; then
		lxc image alias delete "$alias" --project default
	fi
	lxc image alias create "$alias" "$fingerprint" --project default
	log "alias $alias -> ${fingerprint:0:12}"
	if [ -n "$old" ]; then
		lxc image delete "$old" --project default 2>/dev/null ||
			log "note: could not delete the previous image ${old:0:12}"
	fi
}

# image_prune_orphans: delete test-bed images (description "Containarium test image...")
# that no alias names any more, e.g. left by an interrupted run.
image_prune_orphans() {
	local alias fingerprint description
	lxc image list --project default --format csv -c lfd |
		while IFS=, read -r alias fingerprint description; do
			[ -z "$alias" ] || continue
			case $description in *"Containarium test image"*) ;; *) continue ;; esac
			log "deleting unaliased test image $fingerprint"
			lxc image delete "$fingerprint" --project default || true
		done
}
