#!/bin/sh
# Install what strata needs from Debian 12, idempotently: packages already
# present are not fetched again.
#
#   scripts/deps.sh        build and run strata (make, make run)
#   scripts/deps.sh test   also everything the test suite drives (make check):
#                          podman, containerd, runc, the riscv64 cross
#                          compiler and qemu-user, clang's libFuzzer, Go for
#                          the OCI validation suite, tmux, and for `strata vm
#                          image riscv64` (t-vm-image) linux-source-6.1, the
#                          kernel build tools and qemu-system-riscv64
set -e
BUILD="build-essential pkg-config libjansson-dev libmnl-dev libseccomp-dev libcap-dev zlib1g-dev"
RUN="busybox-static iproute2 iptables procps util-linux tar"
TEST="runc tcl tmux wget clang libclang-rt-14-dev podman conmon slirp4netns uidmap
containerd golang-go gcc-riscv64-linux-gnu libc6-riscv64-cross qemu-user-static xz-utils qemu-utils device-tree-compiler
qemu-system-misc linux-source-6.1 bc flex bison cpio dpkg-dev e2fsprogs acpica-tools python3"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			printf ' %s' "$p"
	done
}

install() {	# install [--no-install-recommends] PKG...
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$updated" ]; then
		apt-get update -qq
		updated=1
	fi
	apt-get install -y -qq "$@" >/dev/null
}

updated=""
# shellcheck disable=SC2086
need=$(missing $BUILD $RUN)
if [ -n "$need" ]; then
	echo "strata: installing:$need"
	# shellcheck disable=SC2086
	install --no-install-recommends $need
fi
if [ "${1:-}" = test ]; then
	# shellcheck disable=SC2086
	need=$(missing $TEST)
	if [ -n "$need" ]; then
		echo "strata: installing for the tests:$need"
		# podman and containerd as a user gets them (with recommends)
		# shellcheck disable=SC2086
		install $need
	fi
fi
