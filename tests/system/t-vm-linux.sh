# strata vm with Debian's stock kernel (scripts/stock-kernel.sh fetches and
# unpacks linux-image-amd64, never installing it): `strata vm initramfs`
# packs its virtio modules, and the kernel's ELF vmlinux boots through the
# PVH note as far as this host's KVM allows.  KVM here emulates every guest
# instruction (~0.6 M/s): the kernel prints its first lines after ~15 s
# and reaches the initrd after ~40 s, so the boot is watched and cut off
# as soon as the lines looked for have appeared.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; finish' EXIT
root=$(cd "$(dirname "$0")/../.." && pwd)

# bad input first: it needs no kernel
out=$(st vm initramfs 2>&1); rc=$?
expect_eq "initramfs without --output is a usage error" "2" "$rc"
out=$(st vm initramfs -o "$tmp/x.cpio" --modules "$tmp/none" 2>&1); rc=$?
expect_match "a missing module tree is one line" "^strata: vm initramfs: modules $tmp/none: " "$out"
check "and leaves no file" test ! -e "$tmp/x.cpio"
out=$(st vm initramfs -o "$tmp/x.cpio" --busybox /etc/passwd --no-default-modules 2>&1); rc=$?
expect_match "a busybox that is not a program is refused" "busybox /etc/passwd: not an ELF program" "$out"
check "and leaves nothing" sh -c "! ls $tmp | grep -q x.cpio"

if ! kdir=$("$root/scripts/stock-kernel.sh" 2>"$tmp/err"); then
	echo "skip: no stock kernel: $(cat "$tmp/err")"
	exit 0
fi
moddir=$(ls -d "$kdir"/lib/modules/*)

printf '#!/bin/sh\necho hello from the user init\n' > "$tmp/init.sh"
out=$(st vm initramfs -o "$tmp/initrd.cpio" --modules "$moddir" --init "$tmp/init.sh" 2>&1); rc=$?
expect_eq "initramfs builds from the stock kernel's modules" "0" "$rc"
expect_match "and says what it packed" "initrd.cpio: busybox, [0-9]+ modules, init " "$out"
list=$(busybox cpio -it < "$tmp/initrd.cpio" 2>/dev/null)
for f in init bin/busybox dev/console etc/strata/init lib/modules/virtio_pci.ko \
	 lib/modules/virtio_blk.ko lib/modules/virtio_net.ko lib/modules/virtio-rng.ko; do
	expect_match "the archive holds $f" "^$f\$" "$list"
done
mkdir "$tmp/x"
(cd "$tmp/x" && busybox cpio -id < "$tmp/initrd.cpio" 2>/dev/null)
order=$(tr '\n' ' ' < "$tmp/x/lib/modules/load-order")
expect_match "virtio loads before virtio_pci and virtio_blk" \
	"(^| )virtio\.ko .*virtio_pci\.ko.* virtio_blk\.ko" "$order"
check "busybox is the host's static one" cmp "$tmp/x/bin/busybox" /bin/busybox

# the same kernel as Debian ships it, a bzImage: its decompressor starts
# and speaks (decompressing would take minutes here)
out=$("$STRATA" vm run --kernel "$kdir/vmlinuz" --mem 256M --timeout 15 \
	--cmdline "earlyprintk=serial,ttyS0 nokaslr" </dev/null 2>&1)
expect_match "the stock bzImage is entered and its decompressor runs" \
	"KASLR disabled: 'nokaslr' on cmdline" "$out"

# boot through PVH until the kernel has shown the boot protocol worked
log=$tmp/serial.log
: > "$log"
"$STRATA" vm run --kernel "$kdir/vmlinux" --initrd "$tmp/initrd.cpio" --mem 256M \
	--cpu-features baseline --cmdline "console=ttyS0 earlyprintk=serial,ttyS0 strata.mark=42" \
	--timeout 120 </dev/null >"$log" 2>"$tmp/vm.err" &
pid=$!
for _ in $(seq 240); do
	grep -q 'RAMDISK: \[mem' "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.5
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
expect_match "the stock kernel starts and prints its banner" '^\[ *0\.0+\] Linux version 6\.' "$(cat "$log")"
expect_match "it got our command line (hvm_start_info)" 'Command line: console=ttyS0 earlyprintk=serial,ttyS0 strata.mark=42' "$(cat "$log")"
expect_match "it got our memory map: RAM from 1 MiB to 256 MiB" 'BIOS-e820: \[mem 0x0000000000100000-0x000000000fffffff\] usable' "$(cat "$log")"
size=$(stat -c %s "$tmp/initrd.cpio")
start=$(printf '%d' "$(sed -n 's/.*RAMDISK: \[mem \(0x[0-9a-f]*\)-.*/\1/p' "$log")" 2>/dev/null || echo 0)
expect_eq "it found the initrd at the top of RAM, page aligned" \
	"$(( (0x10000000 - size) / 4096 * 4096 ))" "$start"
