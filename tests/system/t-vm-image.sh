# strata vm image riscv64: the reference riscv64 guest, built once from
# Debian's linux-source-6.1 and busybox source package and cached (here in
# build/cache/images, or $STRATA_IMAGES, so a test run after the first
# costs nothing; a cold build takes several minutes on 2 cores).  The
# image is checked as files (Image header, kernel .config, cpio, ext4) and
# booted under QEMU (Debian's qemu-system-misc, with its OpenSBI): from the
# initramfs and from the root disk over virtio-blk, each to a shell that
# answers `uname -m` and powers off.  strata's own riscv64 machine boots
# the same image in its own test.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	exec 3>&-
	rm -rf "$tmp"
	finish
}
trap cleanup EXIT
root=$(cd "$(dirname "$0")/../.." && pwd)
STRATA_IMAGES=${STRATA_IMAGES:-$root/build/cache/images}
export STRATA_IMAGES

# usage errors need nothing built
out=$(st vm image 2>&1); rc=$?
expect_eq "vm image without an architecture is a usage error" "2" "$rc"
out=$(st vm image arm64 2>&1); rc=$?
expect_eq "an architecture without a reference guest is a usage error" "2" "$rc"
expect_match "and says which there is" "arm64: no reference guest .*riscv64 only" "$out"
out=$(st vm image riscv64 --jobs x 2>&1); rc=$?
expect_eq "--jobs must be a number" "2" "$rc"
out=$(STRATA_IMAGES=$tmp/none st vm image riscv64 --cached 2>&1); rc=$?
expect_eq "--cached with nothing built exits 3" "3" "$rc"
check "and builds nothing" test ! -e "$tmp/none"

if ! command -v riscv64-linux-gnu-gcc >/dev/null; then
	echo "skip: no riscv64-linux-gnu-gcc (scripts/deps.sh test)"
	exit 0
fi

# an interrupted build leaves nothing: stop it once it is past step 1
mkdir "$tmp/intr"
STRATA_IMAGES=$tmp/intr "$STRATA" vm image riscv64 --jobs 2 >/dev/null 2>"$tmp/intr.err" &
ipid=$!
for _ in $(seq 600); do
	grep -q "step 2/" "$tmp/intr.err" && break
	kill -0 "$ipid" 2>/dev/null || break
	sleep 0.1
done
kill -INT "$ipid" 2>/dev/null
wait "$ipid"; rc=$?
expect_eq "an interrupted build fails" "1" "$rc"
expect_match "and says so" "vm image riscv64: interrupted \(signal 2\) in step 2/7" "$(cat "$tmp/intr.err")"
expect_eq "and leaves only its lock" ".lock" "$(ls -A "$tmp/intr/riscv64")"

# the build (cold: minutes; cached: at once).  tests/run.sh runs us in a
# network namespace with no way out, and a cold build fetches busybox's
# source from the Debian archive: then that one command runs in the
# network namespace of run.sh (our parent), which has the host's network.
net=
if ! st vm image riscv64 --cached >/dev/null 2>&1 && [ -z "$(ip route show default 2>/dev/null)" ]; then
	if nsenter --net="/proc/$PPID/ns/net" true 2>/dev/null; then
		net="nsenter --net=/proc/$PPID/ns/net"
	else
		echo "skip: the reference image is not built and this network namespace has no route to the Debian archive (run strata vm image riscv64 first)"
		exit 0
	fi
fi
t0=$(date +%s)
$net "$STRATA" vm image riscv64 --jobs 2 >"$tmp/paths" 2>"$tmp/build.err"; rc=$?
t1=$(date +%s)
expect_eq "vm image riscv64 builds or finds the image" "0" "$rc"
[ "$rc" = 0 ] || { tail -n 40 "$tmp/build.err"; exit 1; }
if grep -q "step 1/7" "$tmp/build.err"; then
	echo "     built cold in $((t1 - t0)) s"
	expect_match "a build shows its progress" "step 4/7: building the kernel \(Image\) \([0-9]+:[0-9]{2} elapsed\)" \
		"$(cat "$tmp/build.err")"
fi
expect_eq "it prints three paths" "kernel initrd disk" "$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$tmp/paths")"
kernel=$(awk '$1 == "kernel" { print $2 }' "$tmp/paths")
initrd=$(awk '$1 == "initrd" { print $2 }' "$tmp/paths")
disk=$(awk '$1 == "disk" { print $2 }' "$tmp/paths")
dir=$(dirname "$kernel")
for f in "$kernel" "$initrd" "$disk" "$dir/kernel.config" "$dir/versions"; do
	check "$(basename "$f") is there" test -s "$f"
done
expect_match "under the cache, keyed by the source versions" \
	"^$STRATA_IMAGES/riscv64/r[0-9]+-linux-6\.1\.[0-9.+_-]+-busybox-[0-9]" "$kernel"
expect_eq "no build folder is left" "" "$(find "$STRATA_IMAGES/riscv64" -maxdepth 1 -name '.build-*')"

t0=$(date +%s%N)
out=$(st vm image riscv64 2>&1); rc=$?
t1=$(date +%s%N)
expect_eq "a second call prints the same paths" "$(cat "$tmp/paths")" "$out"
check "at once (under 2 s, was $(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 2000
expect_eq "--cached prints them too" "$(cat "$tmp/paths")" "$(st vm image riscv64 --cached 2>&1)"

# the RISC-V Image header: "RISCV\0\0\0" at 0x30, "RSC\x05" at 0x38
expect_eq "Image has the RISC-V header magic" "RISCV000RSC005" \
	"$(od -An -c -j48 -N12 "$kernel" | tr -d ' \\\n')"
missing=
for o in MMU 64BIT SOC_VIRT RISCV_SBI RISCV_SBI_V01 FPU RISCV_ISA_C SMP SIFIVE_PLIC \
	 TTY PRINTK SERIAL_8250 SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM VIRTIO_MMIO \
	 VIRTIO_BLK VIRTIO_NET VIRTIO_CONSOLE HW_RANDOM_VIRTIO EXT4_FS DEVTMPFS \
	 DEVTMPFS_MOUNT BLK_DEV_INITRD BINFMT_ELF BINFMT_SCRIPT PROC_FS SYSFS NET \
	 INET UNIX POWER_RESET POWER_RESET_SYSCON_POWEROFF HVC_RISCV_SBI; do
	grep -qx "CONFIG_$o=y" "$dir/kernel.config" || missing="$missing $o"
done
expect_eq "the kernel .config has what the guest needs" "" "$missing"
check "and is portable (NONPORTABLE off)" grep -qx "# CONFIG_NONPORTABLE is not set" "$dir/kernel.config"
check "and has no modules" grep -qx "# CONFIG_MODULES is not set" "$dir/kernel.config"

list=$(busybox cpio -itv < "$initrd" 2>/dev/null)
for f in init bin/busybox bin/sh sbin/init etc/init.d/rcS; do
	expect_match "the initramfs holds $f" " $f( -> .*)?\$" "$list"
done
expect_match "and a /dev/console node" "^crw------- .* dev/console\$" "$list"
mkdir "$tmp/x"
(cd "$tmp/x" && busybox cpio -id bin/busybox < "$initrd" 2>/dev/null)
expect_eq "its busybox is a static riscv64 program" "243 0" \
	"$(od -An -tu2 -j18 -N2 "$tmp/x/bin/busybox" | tr -d ' ') $(riscv64-linux-gnu-readelf -lW "$tmp/x/bin/busybox" | grep -c INTERP)"

check "the root disk is a clean ext4" e2fsck -fn "$disk"
expect_match "with busybox and its init" "busybox" "$(debugfs -R 'ls -l /bin' "$disk" 2>/dev/null)"
check "and an inittab" sh -c "debugfs -R 'cat /etc/inittab' '$disk' 2>/dev/null | grep -q respawn"

if ! command -v qemu-system-riscv64 >/dev/null; then
	echo "skip: no qemu-system-riscv64 (scripts/deps.sh test)"
	exit 0
fi

# qemu_boot NAME COMMANDS QEMU-ARGS...: boot under QEMU (OpenSBI, TCG);
# once the guest's banner is out, type COMMANDS on its console; the guest
# must power off by itself (within 90 s).  Output in $tmp/NAME.log.
qemu_boot() {
	_log=$tmp/$1.log
	_cmds=$2
	shift 2
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	timeout 90 qemu-system-riscv64 -M virt -m 256M -smp 2 -display none \
		-monitor none -serial stdio -no-reboot -kernel "$kernel" "$@" \
		<"$tmp/in" >"$_log" 2>&1 &
	qpid=$!
	exec 3>"$tmp/in"
	_t0=$(date +%s%N)
	for _ in $(seq 900); do
		grep -q "strata reference guest" "$_log" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	boot_ms=$((($(date +%s%N) - _t0) / 1000000))
	sleep 0.3
	printf '%s\n' "$_cmds" >&3
	wait "$qpid"
	qrc=$?
	qpid=
	exec 3>&-
	tr -d '\r' <"$_log" >"$_log.txt"
}

qemu_boot initramfs 'uname -m; cat /sys/class/misc/hw_random/rng_available; echo /sys/class/net/*; poweroff -f' \
	-initrd "$initrd" -append "console=ttyS0 quiet" \
	-device virtio-rng-device -netdev user,id=n0 -device virtio-net-device,netdev=n0
echo "     QEMU: initramfs banner after $boot_ms ms"
expect_eq "QEMU boots the kernel and initramfs and powers off cleanly" "0" "$qrc"
log=$(cat "$tmp/initramfs.log.txt")
expect_match "/init prints its banner with both cpus" "^strata reference guest: Linux 6\.1\.[0-9]+ riscv64, 2 cpus" "$log"
expect_match "the shell answers uname -m: riscv64" "^riscv64\$" "$log"
expect_match "virtio-rng over virtio-mmio feeds hw_random" "virtio_rng" "$log"
expect_match "virtio-net is eth0" "/sys/class/net/eth0" "$log"
expect_match "poweroff goes through SBI" "reboot: Power down" "$log"

qemu_boot rootdisk 'uname -m; touch /written; mount | grep " / "; poweroff -f' \
	-append "console=ttyS0 root=/dev/vda rw" \
	-drive "file=$disk,format=raw,if=none,id=d0,snapshot=on" -device virtio-blk-device,drive=d0
expect_eq "QEMU boots the root disk over virtio-blk and powers off" "0" "$qrc"
log=$(cat "$tmp/rootdisk.log.txt")
expect_match "busybox init runs rcS" "^strata reference guest: Linux" "$log"
expect_match "the shell answers riscv64" "^riscv64\$" "$log"
expect_match "/ is the ext4 disk, read-write" "^/dev/root on / type ext4 \(rw" "$log"
check "the cached disk is unchanged (snapshot)" sh -c "! debugfs -R 'stat /written' '$disk' 2>&1 | grep -q Inode:"
