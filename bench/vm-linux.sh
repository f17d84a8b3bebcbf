#!/bin/sh
# Debian's stock kernel booting under `strata vm run --cpu-features
# baseline` (its ELF vmlinux through PVH, an initramfs from `strata vm
# initramfs`) side by side with `qemu-system-x86_64 -enable-kvm` given the
# same kernel, initrd and command line, in the same run.  On this host KVM
# emulates every guest instruction, so neither gets far: the figure is the
# wall time at which each boot milestone appears on the serial console,
# the last line reached in BENCH_S seconds, and strata's VM exits.
# QEMU goes through SeaBIOS and its linuxboot option ROM first; strata
# enters the kernel directly.  Installs qemu-system-x86 if missing.
#
#   BENCH_S=70  seconds per side      STRATA=path (default build/release/strata)
set -u
cd "$(dirname "$0")/.." || exit 0
STRATA=${STRATA:-$PWD/build/release/strata}
S=${BENCH_S:-70}
out=build/bench/vm-linux
mkdir -p "$out"

if [ ! -r /dev/kvm ] || [ ! -x "$STRATA" ]; then
	echo "bench vm-linux: needs /dev/kvm and $STRATA (make release)"
	exit 0
fi
command -v qemu-system-x86_64 >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1
kdir=$(scripts/stock-kernel.sh) || exit 0
"$STRATA" vm initramfs -o "$out/initrd.cpio" --modules "$(ls -d "$kdir"/lib/modules/*)" 2>/dev/null || exit 0
CMDLINE="console=ttyS0 earlyprintk=serial,ttyS0"
MILESTONES="Linux version|BIOS-e820|RAMDISK|Zone ranges|Booting paravirtualized|Memory:|rcu:"

# run CMD... for S seconds, its serial output in $out/$name.log; prints
# "milestone seconds" for each milestone as it first appears
watch() {
	name=$1
	shift
	log=$out/$name.log
	: > "$log"
	t0=$(date +%s%N)
	"$@" </dev/null >"$log" 2>"$out/$name.err" &
	pid=$!
	seen=""
	echo "$MILESTONES" | tr '|' '\n' > "$out/$name.want"
	while kill -0 $pid 2>/dev/null; do
		while read -r m; do
			case "$seen" in *"<$m>"*) continue ;; esac
			if grep -q "$m" "$log"; then
				seen="$seen<$m>"
				echo "$m $(( ($(date +%s%N) - t0) / 1000000 ))" >> "$out/$name.times"
			fi
		done < "$out/$name.want"
		sleep 0.2
	done
	wait $pid 2>/dev/null
}

rm -f "$out"/*.times
watch strata "$STRATA" vm run --kernel "$kdir/vmlinux" --initrd "$out/initrd.cpio" --mem 256M \
	--cpu-features baseline --cmdline "$CMDLINE" --timeout "$S" --stats
watch qemu timeout "$S" qemu-system-x86_64 -enable-kvm -cpu kvm64 -m 256 -nographic -nodefaults \
	-serial stdio -no-reboot -kernel "$kdir/vmlinux" -initrd "$out/initrd.cpio" -append "$CMDLINE"

printf '%-26s %10s %10s %8s\n' milestone "strata s" "qemu s" ratio
echo "$MILESTONES" | tr '|' '\n' | while read -r m; do
	a=$(grep "^$m " "$out/strata.times" 2>/dev/null | awk '{ print $NF }')
	b=$(grep "^$m " "$out/qemu.times" 2>/dev/null | awk '{ print $NF }')
	awk -v m="$m" -v a="${a:-}" -v b="${b:-}" 'BEGIN {
		r = (a != "" && b != "" && b > 0) ? sprintf("%.2fx", a / b) : "-"
		printf "%-26s %10s %10s %8s\n", m, a == "" ? "-" : sprintf("%.1f", a / 1000),
		       b == "" ? "-" : sprintf("%.1f", b / 1000), r }'
done
echo "lines in ${S}s: strata $(wc -l < "$out/strata.log"), qemu $(wc -l < "$out/qemu.log")"
echo "strata last: $(tail -n 1 "$out/strata.log" | tr -d '\r' | cut -c1-90)"
echo "qemu last:   $(tail -n 1 "$out/qemu.log" | tr -d '\r' | cut -c1-90)"
grep 'exits' "$out/strata.err" | sed 's/^strata: vm: /strata: /'
