#!/bin/sh
# A static riscv64 busybox from Debian's busybox source package, built with
# the cross compiler (gcc-riscv64-linux-gnu), for the rv-busybox container
# template of strata emu (docs/emu.md).
#
#   scripts/rv-busybox.sh            build once; print the rootfs folder
#   scripts/rv-busybox.sh --import   also `strata ct template import
#                                    rv-busybox` it (STRATA=binary to use)
#   scripts/rv-busybox.sh --cached   the cached build only: never apt or
#                                    a compiler (exit 3 when there is none)
#
# The result is cached in $RV_BUSYBOX_CACHE (default build/cache/rv-busybox)
# under the source version, so a second run costs nothing: no apt, no
# compiler.  The source version is the one of the host's busybox-static
# (same applets as the host's busybox template), else apt's newest.
# `apt-get source` needs a deb-src line: one is added for the suites of
# the deb lines (bookworm, -updates, -security) when there is none.
#
# Exit: 0 built or cached; 3 cannot build here (no cross compiler, no
# source package: says why on stderr); 1 a build failure.
set -eu
cd "$(dirname "$0")/.."
CACHE=${RV_BUSYBOX_CACHE:-$PWD/build/cache/rv-busybox}
CROSS=${RV_CROSS:-riscv64-linux-gnu-}
DEB_SRC_WHO=rv-busybox
. scripts/deb-src.sh
import= cached=
case ${1:-} in
--import) import=1 ;;
--cached) cached=1 ;;
esac

# the source version to build, without asking apt when busybox-static is in
version() {
	v=$(dpkg-query -W -f '${source:Version}' busybox-static 2>/dev/null || true)
	if [ -z "$v" ]; then
		v=$(src_version busybox)
	fi
	echo "$v"
}

# set (y) or clear (n) a busybox .config option
kconf() {
	sed -i -e "/^$1=/d" -e "/^# $1 is not set/d" .config
	if [ "$2" = y ]; then
		echo "$1=y" >>.config
	else
		echo "# $1 is not set" >>.config
	fi
}

build() {	# build VERSION OUT: OUT/rootfs
	work=$(mktemp -d /var/tmp/rv-busybox.XXXXXX)
	stage="$2.tmp.$$"
	trap 'rm -rf "$work" "$stage"' EXIT
	src=$(fetch_source busybox "$1" "$work")
	cd "$src"
	mk="make -s -j${RV_BUSYBOX_JOBS:-2} CROSS_COMPILE=$CROSS"
	$mk defconfig >/dev/null
	kconf CONFIG_STATIC y
	# tc needs kernel headers newer than 1.35's code (CBQ gone in 6.x):
	# it does not cross build against Debian's linux-libc-dev
	kconf CONFIG_TC n
	kconf CONFIG_FEATURE_TC_INGRESS n
	yes '' | $mk oldconfig >/dev/null
	$mk busybox >"$work/build.log" 2>&1 || {
		tail -n 30 "$work/build.log" >&2
		echo "rv-busybox: build failed" >&2
		exit 1
	}
	is_riscv64 busybox ||
		{ echo "rv-busybox: busybox is not a riscv64 program" >&2; exit 1; }
	rm -rf "$stage"
	mkdir -p "$stage/rootfs"
	$mk install CONFIG_PREFIX="$stage/rootfs" >/dev/null
	skeleton "$stage/rootfs"
	cp .config "$stage/config"
	cd - >/dev/null
	rm -rf "$2"
	mv "$stage" "$2"
	rm -rf "$work"
	trap - EXIT
}

# the same /etc basics and folders as the host busybox template
skeleton() {
	for d in etc root home proc sys dev tmp var/tmp var/log run mnt; do
		mkdir -p "$1/$d"
	done
	chmod 1777 "$1/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		>"$1/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
	printf '127.0.0.1\tlocalhost\n' >"$1/etc/hosts"
	: >"$1/etc/resolv.conf"
}

command -v "${CROSS}gcc" >/dev/null || cannot "no ${CROSS}gcc (scripts/deps.sh test)"
ver=$(version)
out="$CACHE/$(cache_key "$ver")"
if [ ! -x "$out/rootfs/bin/busybox" ]; then
	[ -z "$cached" ] || cannot "not built yet (make rv-busybox)"
	mkdir -p "$CACHE"
	t0=$(date +%s)
	echo "rv-busybox: building busybox $ver for riscv64 (a few minutes, once)" >&2
	build "$ver" "$out"
	echo "rv-busybox: built in $(($(date +%s) - t0)) s: $out/rootfs" >&2
fi
if [ -n "$import" ]; then
	STRATA=${STRATA:-$PWD/build/debug/strata}
	if ! "$STRATA" ct template ls | grep -qx rv-busybox; then
		"$STRATA" ct template import rv-busybox "$out/rootfs"
	fi
fi
echo "$out/rootfs"
