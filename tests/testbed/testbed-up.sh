#!/usr/bin/env bash
# Bring the whole test bed up: LXD (pool, bridge, profile, clean project), then the
# ctr-tiny and ctr-debian images. Idempotent; seconds when everything is in place.
# Prints one summary line on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

start=$(now_ms)
socket=$("$here/lxd-up.sh")
"$here/image-tiny.sh"
"$here/image-debian.sh"
elapsed=$(($(now_ms) - start))
printf 'testbed up in %d.%01d s: socket %s, project %s, bridge %s (%s), images %s %s\n' \
	$((elapsed / 1000)) $((elapsed % 1000 / 100)) "$socket" "$CTR_PROJECT" \
	"$CTR_BRIDGE" "$CTR_BRIDGE_ADDR" "$CTR_IMAGE_TINY" "$CTR_IMAGE_DEBIAN"
