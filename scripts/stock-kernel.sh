#!/bin/sh
# stock-kernel.sh -- Debian's stock kernel (linux-image-amd64) for strata vm,
# unpacked once under build/cache/linux/VERSION (or $STRATA_CACHE/linux/...),
# never installed on the host.  Prints that directory, which holds:
#   vmlinuz             the bzImage as Debian ships it
#   vmlinux             the ELF inside it, extracted the way the kernel's
#                       scripts/extract-vmlinux does (find the xz stream,
#                       decompress, keep what is an ELF): its PVH note lets
#                       strata enter it without running the decompressor
#   lib/modules/VERSION the modules (virtio_pci, virtio_blk, ...)
set -eu
cache=${STRATA_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/build/cache}/linux

pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

name=$(pkg)
if [ -z "$name" ]; then
	apt-get update -qq
	name=$(pkg)
fi
[ -n "$name" ] || { echo "strata: stock-kernel: no linux-image-amd64 in the package archive" >&2; exit 1; }
dir=$cache/${name#linux-image-}
if [ -f "$dir/vmlinux" ]; then
	echo "$dir"
	exit 0
fi

tmp=$cache/.tmp-$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
(cd "$tmp" && apt-get download -q "$name" >/dev/null 2>&1) ||
	{ echo "strata: stock-kernel: apt-get download $name failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
mkdir -p "$tmp/out"
mv "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
mv "$tmp/x/lib" "$tmp/out/lib"

# every offset where an xz stream may start; the first that decompresses
# to an ELF is the kernel
for off in $(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$tmp/out/vmlinuz" | cut -d: -f1); do
	tail -c +$((off + 1)) "$tmp/out/vmlinuz" | xz -dcq > "$tmp/out/vmlinux" 2>/dev/null || true
	if [ "$(head -c 4 "$tmp/out/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		mkdir -p "$cache"
		rm -rf "$dir"
		mv "$tmp/out" "$dir"
		echo "$dir"
		exit 0
	fi
done
echo "strata: stock-kernel: no xz-compressed ELF found in $name's vmlinuz" >&2
exit 1
