#!/bin/sh
# Installs the Debian packages Containarium's build, tests and test bed need.
set -eu
PACKAGES="build-essential pkg-config
 libgrpc-dev protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev
 libinih-dev libjwt-dev libseccomp-dev libsystemd-dev libjansson-dev
 libcmocka-dev libcrypt-dev libssl-dev openssl
 python3-grpcio python3-protobuf python3-pytest protobuf-compiler
 protobuf-compiler-grpc
 lxd lxd-client dnsmasq-base zstd busybox-static debootstrap openssh-client
 mandoc clang-14 libclang-rt-14-dev systemd nghttp2-client
 libwslay-dev gnuplot-nox
 selinux-policy-dev selinux-policy-default setools strace gdb"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: every package is installed"
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Recommends stay on: LXD's (dnsmasq for the bridge's DHCP, AppArmor) are
# part of a working test bed.
# shellcheck disable=SC2086
apt-get install -y -qq $missing
