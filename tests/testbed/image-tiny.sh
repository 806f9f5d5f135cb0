#!/usr/bin/env bash
# Build and import the `ctr-tiny` image: busybox-static, a PID 1 that stops at once on
# SIGPWR, DHCP on eth0, and a small useradd (busybox has none). A container from it
# starts in a fraction of a second. Skipped when the alias already names an image
# built from this very recipe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ "$(id -u)" -eq 0 ] || die "must run as root (the rootfs is owned by root)"
busybox=/bin/busybox
if ! { [ -x "$busybox" ] && "$busybox" --list | grep -qx udhcpc; }; then
	die "$busybox with udhcpc is needed (apt-get install -y busybox-static)"
fi
require_lxd

recipe=$(recipe_hash "$0" "$busybox")
if [ "$(image_recipe "$CTR_IMAGE_TINY")" = "$recipe" ]; then
	log "image $CTR_IMAGE_TINY is up to date (recipe $recipe)"
	exit 0
fi

mkdir -p "$CTR_CACHE"
work=$(mktemp -d "$CTR_CACHE/tiny.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
log "building $CTR_IMAGE_TINY (recipe $recipe) in $work"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/udhcpc,dev,proc,sys,run,home,root,tmp,var/tmp,var/log}
chmod 700 "$root/root"
chmod 1777 "$root/tmp" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"
# One symlink per applet at the path busybox itself gives (bin/ls, usr/bin/id, ...),
# except init: PID 1 is the script below.
"$busybox" --list-full | while read -r applet; do
	case $applet in bin/busybox | sbin/init | linuxrc) continue ;; esac
	ln -sf /bin/busybox "$root/$applet"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
sudo:x:27:
users:x:100:
nogroup:x:65534:
EOF
cat >"$root/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 600 "$root/etc/shadow"
echo "127.0.0.1 localhost" >"$root/etc/hosts"
: >"$root/etc/resolv.conf"

cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
# PID 1 of the ctr-tiny test image. LXD stops a container with SIGPWR and kills it after
# a timeout; busybox init ignores SIGPWR, so this script exits on it instead, at once.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
trap 'exit 0' PWR TERM INT
[ -e /proc/self ] || mount -t proc proc /proc 2>/dev/null
[ -e /sys/class ] || mount -t sysfs sysfs /sys 2>/dev/null
ip link set lo up 2>/dev/null
# Foreground udhcpc in the background: it keeps renewing, and dies with PID 1.
udhcpc -f -i eth0 -s /etc/udhcpc/default.script -t 10 -T 1 -A 2 \
	-x "hostname:$(hostname)" >/dev/null 2>&1 &
while :; do
	sleep 3600 &
	wait $! # a trapped signal interrupts wait; the trap then runs
done
EOF

cat >"$root/etc/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc event script: apply the lease to $interface ($ip, $mask as a prefix length,
# $router, $dns, $domain come from udhcpc).
case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip link set "$interface" up
	current=$(ip -4 -o addr show dev "$interface" | awk '{print $4; exit}')
	if [ "$current" != "$ip/${mask:-24}" ]; then
		ip -4 addr flush dev "$interface"
		ip addr add "$ip/${mask:-24}" dev "$interface"
	fi
	if [ -n "$router" ]; then
		set -- $router
		ip route replace default via "$1" dev "$interface"
	fi
	{
		[ -n "$domain" ] && echo "search $domain"
		for server in $dns; do echo "nameserver $server"; done
	} >/etc/resolv.conf.new && mv /etc/resolv.conf.new /etc/resolv.conf
	;;
esac
exit 0
EOF

cat >"$root/usr/sbin/useradd" <<'EOF'
#!/bin/sh
# useradd for the ctr-tiny TEST image (busybox has none). Does what shadow's useradd
# does for: useradd [-m|-M] [-U|-N] [-s SHELL] [-G G1,G2] [-g GROUP] [-d HOME]
# [-c COMMENT] [-u UID] LOGIN (long forms too). Debian defaults: a user group unless
# -N or -g, next uid/gid above the highest in 1000..59999, home 0755 from /etc/skel.
# Exit codes as useradd(8): 2 usage, 3 bad argument, 4 uid in use, 6 no such group,
# 9 name in use, 12 cannot create home.
set -u
fail() { code=$1; shift; echo "useradd: $*" >&2; exit "$code"; }
usage() {
	echo "Usage: useradd [-m|-M] [-U|-N] [-s SHELL] [-G GROUPS] [-g GROUP] [-d HOME] [-c COMMENT] [-u UID] LOGIN" >&2
	exit 2
}
create_home=0 user_group=1 shell=/bin/sh groups= group= home= comment= uid=
while [ $# -gt 0 ]; do
	opt=$1 arg=
	case $opt in
	--*=*) arg=${opt#*=} opt=${opt%%=*} ;;
	-[sGgdcu] | --shell | --groups | --gid | --home-dir | --home | --comment | --uid)
		[ $# -ge 2 ] || usage
		arg=$2
		shift ;;
	esac
	case $opt in
	-m | --create-home) create_home=1 ;;
	-M | --no-create-home) create_home=0 ;;
	-U | --user-group) user_group=1 ;;
	-N | --no-user-group) user_group=0 ;;
	-s | --shell) shell=$arg ;;
	-G | --groups) groups=$arg ;;
	-g | --gid) group=$arg user_group=0 ;;
	-d | --home-dir | --home) home=$arg ;;
	-c | --comment) comment=$arg ;;
	-u | --uid) uid=$arg ;;
	--) shift; break ;;
	-*) echo "useradd: unsupported option '$opt'" >&2; usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || usage
name=$1
case $name in
'' | [!a-z_]* | *[!a-z0-9_-]*) fail 3 "invalid user name '$name'" ;;
esac
[ ${#name} -le 32 ] || fail 3 "invalid user name '$name'"
: "${home:=/home/$name}"
for field in "$shell" "$home" "$comment"; do
	case $field in *:* | *'
'*) fail 3 "invalid field '$field'" ;; esac
done
case $uid in *[!0-9]*) fail 3 "invalid user ID '$uid'" ;; esac

# Lock out a concurrent useradd (busybox has no flock): a directory made atomically.
lock=/etc/.useradd.lock
tries=0
until mkdir "$lock" 2>/dev/null; do
	tries=$((tries + 1))
	[ "$tries" -lt 100 ] || fail 10 "cannot lock /etc/passwd; try again later."
	usleep 50000
done
trap 'rmdir "$lock"' EXIT
trap 'exit 1' INT TERM

grep -q "^$name:" /etc/passwd && fail 9 "user '$name' already exists"
groups=$(echo "$groups" | tr ',' ' ')
for g in $groups; do
	case $g in *[!a-z0-9_-]*) fail 6 "group '$g' does not exist" ;; esac
	grep -q "^$g:" /etc/group || fail 6 "group '$g' does not exist"
done

# next_id FILE: one above the highest id (3rd field) in 1000..59999, or 1000.
next_id() {
	awk -F: 'BEGIN { n = 999 } $3 >= 1000 && $3 < 60000 && $3 > n { n = $3 } END { print n + 1 }' "$1"
}
id_used() { awk -F: -v id="$2" '$3 == id { found = 1 } END { exit !found }' "$1"; }

if [ -n "$uid" ]; then
	id_used /etc/passwd "$uid" && fail 4 "UID $uid is not unique"
else
	uid=$(next_id /etc/passwd)
fi
if [ "$user_group" = 1 ]; then
	grep -q "^$name:" /etc/group &&
		fail 9 "group $name exists - if you want to add this user to that group, use -g."
	gid=$uid
	id_used /etc/group "$gid" && gid=$(next_id /etc/group)
elif [ -n "$group" ]; then
	case $group in
	*[!0-9]*) gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' /etc/group) ;;
	*) gid=$(awk -F: -v g="$group" '$3 == g { print $3 }' /etc/group) ;;
	esac
	[ -n "$gid" ] || fail 6 "group '$group' does not exist"
else
	gid=100
fi

# replace FILE MODE: move FILE.new over FILE with MODE.
replace() { chmod "$2" "$1.new" && mv "$1.new" "$1"; }
today=$(( $(date +%s) / 86400 ))
{ cat /etc/passwd; echo "$name:x:$uid:$gid:$comment:$home:$shell"; } >/etc/passwd.new
{ cat /etc/shadow; echo "$name:!:$today:0:99999:7:::"; } >/etc/shadow.new
awk -F: -v OFS=: -v u="$name" -v list=" $groups " '
	index(list, " " $1 " ") { $4 = ($4 == "" ? u : $4 "," u) } { print }' \
	/etc/group >/etc/group.new
[ "$user_group" = 1 ] && echo "$name:x:$gid:" >>/etc/group.new
replace /etc/passwd 644 && replace /etc/shadow 600 && replace /etc/group 644 ||
	fail 1 "cannot rewrite the account files"

if [ "$create_home" = 1 ]; then
	if [ -e "$home" ]; then
		echo "useradd: warning: the home directory $home already exists." >&2
	else
		mkdir -p "$(dirname "$home")" && mkdir -m 755 "$home" ||
			fail 12 "cannot create directory $home"
		[ -d /etc/skel ] && cp -a /etc/skel/. "$home/"
		chown -R "$uid:$gid" "$home"
	fi
fi
exit 0
EOF
chmod 755 "$root/sbin/init" "$root/etc/udhcpc/default.script" "$root/usr/sbin/useradd"

cat >"$work/metadata.yaml" <<EOF
architecture: x86_64
creation_date: $(date +%s)
properties:
  architecture: x86_64
  os: busybox
  release: "$("$busybox" | head -1 | awk '{print $2}')"
  description: Containarium test image ctr-tiny (busybox-static)
  recipe: "$recipe"
EOF

tarball=$work/$CTR_IMAGE_TINY.tar.gz
tar -C "$work" --numeric-owner -czf "$tarball" metadata.yaml rootfs
image_install "$CTR_IMAGE_TINY" "$tarball"
image_prune_orphans
log "image $CTR_IMAGE_TINY ready ($(du -h "$tarball" | cut -f1) compressed)"
