#!/bin/sh
# Install what strata needs to build, run and test on Debian 12.
# Idempotent: packages already present are not fetched again.
set -e
PKGS="build-essential pkg-config libjansson-dev libmnl-dev libseccomp-dev
libcap-dev busybox-static iproute2 iptables procps util-linux tar runc tmux
clang libclang-rt-14-dev podman conmon slirp4netns uidmap containerd wget
gcc-riscv64-linux-gnu libc6-riscv64-cross qemu-user-static"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "strata: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
