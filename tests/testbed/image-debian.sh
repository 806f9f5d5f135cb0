#!/usr/bin/env bash
# Build and import the `ctr-debian` image: Debian bookworm minbase with sshd, sudo,
# useradd and DHCP, and a small PID 1 script (minbase has no init). The built tarball is
# cached under $CTR_CACHE by a hash of this recipe, so a rerun costs seconds; the
# package mirror is read from the machine's apt sources, never written here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

suite=bookworm
packages=openssh-server,sudo,passwd,iproute2,isc-dhcp-client,procps

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
require_lxd

# apt_mirror: the first Debian archive URI (not the security one) in the apt sources.
apt_mirror() {
	local uri=
	if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
		# deb822 stanzas: take URIs from a stanza whose Suites list $suite itself.
		uri=$(awk -v suite="$suite" '
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
			tolower($1) == "uris:" { u = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) s = 1 }
			END { if (u != "" && s) print u }
		' /etc/apt/sources.list.d/*.sources | head -n1)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk -v suite="$suite" '
			$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) {
				if ($(i + 1) == suite) { print $i; exit } } }
		' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no $suite archive URI found in /etc/apt/sources.list{,.d/*.sources}"
	echo "${uri%/}"
}

# customize ROOT: turn the debootstrapped tree into a container image.
customize() {
	local root=$1
	# Per-machine identity must not be baked in: hostname and resolv.conf copied from
	# the build host, sshd host keys made by openssh-server's postinst, machine-id.
	rm -f "$root"/etc/hostname "$root"/etc/ssh/ssh_host_*
	: >"$root/etc/resolv.conf"
	: >"$root/etc/machine-id"
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

	# Keep it small now and after any later apt-get install in a test.
	chroot "$root" apt-get clean
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
		"$root"/var/log/*.log "$root"/var/cache/debconf/*-old "$root"/tmp/*
	find "$root"/usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
	rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
	cat >"$root/etc/dpkg/dpkg.cfg.d/01-containarium-nodoc" <<-'EOF'
	path-exclude /usr/share/doc/*
	path-include /usr/share/doc/*/copyright
	path-exclude /usr/share/man/*
	path-exclude /usr/share/info/*
	path-exclude /usr/share/locale/*
	EOF

	# (<<- strips leading tabs: the script's own indentation is spaces.)
	cat >"$root/sbin/init" <<-'EOF'
	#!/bin/sh
	# PID 1 of the ctr-debian test image (minbase has no init). LXD stops a container
	# with SIGPWR, then kills it after a timeout: exit at once on it instead.
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export PATH
	stop() {
	    [ -f /run/sshd.pid ] && kill "$(cat /run/sshd.pid)" 2>/dev/null
	    exit 0
	}
	trap stop PWR TERM INT
	mountpoint -q /proc || mount -t proc proc /proc
	mountpoint -q /sys || mount -t sysfs sysfs /sys 2>/dev/null
	mountpoint -q /run || mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
	mkdir -p /run/lock /run/sshd /dev/shm
	mountpoint -q /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm 2>/dev/null
	ip link set lo up
	# -nw: do not wait for the lease; dhclient keeps renewing in the background.
	dhclient -4 -nw eth0
	ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ssh-keygen -A
	/usr/sbin/sshd
	while :; do
	    sleep 3600 &
	    wait $! # a trapped signal interrupts wait; the trap then runs
	done
	EOF
	chmod 755 "$root/sbin/init"
}

# build_tarball OUT: debootstrap, customize and pack the image into OUT.
build_tarball() {
	local out=$1 mirror work
	mirror=$(apt_mirror)
	work=$(mktemp -d "$CTR_CACHE/debian.XXXXXX")
	# shellcheck disable=SC2064 # expand $work now
	trap "rm -rf '$work'" EXIT
	log "debootstrap $suite (minbase + $packages) from the apt sources' mirror into $work"
	debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" \
		>"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	customize "$work/rootfs"

	mkdir -p "$work/templates"
	echo '{{ container.name }}' >"$work/templates/hostname.tpl"
	printf '127.0.0.1 localhost\n127.0.1.1 {{ container.name }}\n::1 localhost ip6-localhost ip6-loopback\n' \
		>"$work/templates/hosts.tpl"
	cat >"$work/metadata.yaml" <<-EOF
	architecture: x86_64
	creation_date: $(date +%s)
	properties:
	  architecture: x86_64
	  os: debian
	  release: $suite
	  variant: minbase-sshd
	  description: Containarium test image ctr-debian (Debian $suite minbase with sshd)
	  recipe: "$recipe"
	templates:
	  /etc/hostname:
	    when: [create, copy]
	    template: hostname.tpl
	  /etc/hosts:
	    when: [create, copy]
	    template: hosts.tpl
	EOF
	log "packing $(du -sh "$work/rootfs" | cut -f1) rootfs"
	tar -C "$work" --numeric-owner --xattrs --xattrs-include='security.capability' \
		-I 'zstd -T0 -3 -q' -cf "$out.tmp" metadata.yaml templates rootfs
	mv "$out.tmp" "$out"
	rm -rf "$work"
	trap - EXIT
}

recipe=$(recipe_hash "$0")
if [ "$(image_recipe "$CTR_IMAGE_DEBIAN")" = "$recipe" ]; then
	log "image $CTR_IMAGE_DEBIAN is up to date (recipe $recipe)"
	exit 0
fi
mkdir -p "$CTR_CACHE"
tarball=$CTR_CACHE/$CTR_IMAGE_DEBIAN-$recipe.tar.zst
if [ -f "$tarball" ]; then
	log "using the cached $tarball"
else
	build_tarball "$tarball"
	# Tarballs of earlier recipes are dead weight.
	find "$CTR_CACHE" -maxdepth 1 -name "$CTR_IMAGE_DEBIAN-*.tar.*" ! -name "${tarball##*/}" -delete
fi
image_install "$CTR_IMAGE_DEBIAN" "$tarball"
image_prune_orphans
log "image $CTR_IMAGE_DEBIAN ready ($(du -h "$tarball" | cut -f1) compressed)"
