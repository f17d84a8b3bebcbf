#!/bin/sh
# The riscv64 machine against QEMU, side by side in one run: the
# reference guest of `strata vm image riscv64` (Linux 6.1, busybox
# initramfs) booted to its shell prompt by `strata vm run --arch riscv64`
# and by qemu-system-riscv64 -M virt (TCG, its default OpenSBI firmware),
# same kernel, same initramfs, 256 MiB, one hart.  Then a CPU-bound
# program inside each guest: bench/emu/crc.c built -O2 -static for
# riscv64 and appended to a copy of the initramfs as a second newc cpio
# archive (the kernel unpacks concatenated archives), timed inside the
# guest by busybox `time` and from the host (command typed to its end
# marker on the console).  BENCH_N runs per side, alternating, medians.
# Goals (issue 6): boot at most 0.5x QEMU's time, guest code at least 2x
# faster (ratio at most 0.5).
#
#   BENCH_N=5            runs per side
#   BENCH_ROUNDS=40      rounds of crc over its 1 MiB buffer
#   STRATA=path          default build/release/strata
#   STRATA_IMAGES=dir    default build/cache/images
#
# Always exits 0: a failure is reported in the output.
set -u
cd "$(dirname "$0")/.." || exit 0
STRATA=${STRATA:-$PWD/build/release/strata}
N=${BENCH_N:-5}
ROUNDS=${BENCH_ROUNDS:-40}
RV_CC=${RV_CC:-riscv64-linux-gnu-gcc}
QEMU=qemu-system-riscv64
OUT=build/bench-rv

for t in "$RV_CC" "$QEMU" cpio; do
	if ! command -v "$t" >/dev/null; then
		echo "bench rv: skipped (no $t)"
		exit 0
	fi
done
if [ ! -x "$STRATA" ]; then
	echo "bench rv: $STRATA not built (make release)"
	exit 0
fi
img=$(STRATA_IMAGES=${STRATA_IMAGES:-build/cache/images} "$STRATA" vm image riscv64 --cached 2>&1) || {
	echo "bench rv: no reference guest ($img): strata vm image riscv64"
	exit 0
}
K=$(echo "$img" | awk '$1 == "kernel" { print $2 }')
I=$(echo "$img" | awk '$1 == "initrd" { print $2 }')

rm -rf "$OUT"
mkdir -p "$OUT/root"
if ! "$RV_CC" -O2 -static -o "$OUT/root/crc" bench/emu/crc.c; then
	echo "bench rv: cannot build bench/emu/crc.c for riscv64"
	exit 0
fi
cp "$I" "$OUT/initrd.cpio"
(cd "$OUT/root" && echo crc | cpio -o -H newc --quiet -R 0:0) >> "$OUT/initrd.cpio"

pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	exec 3>&-
	pid=""
}
trap 'cleanup; exit 0' INT TERM HUP
trap cleanup EXIT

now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}
# wait_for REGEX LOG SECONDS: 0 once it shows up, 1 when the VM is gone or
# the time is up; polls every 20 ms (grep on a small file)
wait_for() {
	_end=$(( $(now_ms) + $3 * 1000 ))
	while [ "$(now_ms)" -lt $_end ]; do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# one NAME RUN: boots, times the prompt, runs crc, powers off; appends
# "boot_ms guest_s host_ms" to $OUT/NAME.times (or "fail" fields)
one() {
	name=$1 run=$2
	log=$OUT/$name.$run.log
	fifo=$OUT/$name.in
	rm -f "$fifo"
	mkfifo "$fifo"
	t0=$(now_ms)
	case $name in
	strata)
		"$STRATA" vm run --arch riscv64 --kernel "$K" --initrd "$OUT/initrd.cpio" \
			--cmdline console=ttyS0 --mem 256M --cpus 1 --timeout 600 \
			<"$fifo" >"$log" 2>&1 &
		;;
	qemu)
		"$QEMU" -M virt -nographic -m 256 -smp 1 -kernel "$K" \
			-initrd "$OUT/initrd.cpio" -append console=ttyS0 \
			<"$fifo" >"$log" 2>&1 &
		;;
	esac
	pid=$!
	exec 3>"$fifo"
	boot=fail guest=fail host=fail
	if wait_for '^/ # ' "$log" 300; then
		boot=$(( $(now_ms) - t0 ))
		t1=$(now_ms)
		printf 'time /crc %s; echo CRC-END-$((40+2))\n' "$ROUNDS" >&3
		if wait_for '^CRC-END-42' "$log" 600; then
			host=$(( $(now_ms) - t1 ))
			# busybox time: "real	0m 1.23s"
			guest=$(sed -n 's/^real[[:space:]]*\([0-9]*\)m \([0-9.]*\)s.*/\1 \2/p' "$log" |
				awk '{ printf "%.2f", $1 * 60 + $2 }')
			[ -n "$guest" ] || guest=fail
		fi
		printf 'poweroff -f\n' >&3
		_i=0
		while kill -0 "$pid" 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	fi
	cleanup
	grep -q '^crc [0-9a-f]* fnv' "$log" || [ "$guest" = fail ] ||
		{ guest=fail; host=fail; }
	echo "$boot $guest $host" >> "$OUT/$name.times"
}

median() {	# median of column $1 of file $2, "fail" lines left out
	awk -v c="$1" '$c != "fail" { print $c }' "$2" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "fail";
			else if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {
	case "$1$2" in *fail*) echo "-" ;; *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' ;; esac
}

echo "bench rv: $N runs per side, crc $ROUNDS rounds; kernel $K"
echo "  $("$QEMU" --version | head -n 1)"
r=1
while [ $r -le "$N" ]; do
	one strata $r
	one qemu $r
	echo "  run $r: strata $(tail -n 1 "$OUT/strata.times")  qemu $(tail -n 1 "$OUT/qemu.times")  (boot ms, crc s inside, crc ms from host)"
	r=$((r + 1))
done
grep -h '^crc ' "$OUT"/*.log | sort | uniq -c | sed 's/^/  output: /'

sb=$(median 1 "$OUT/strata.times") qb=$(median 1 "$OUT/qemu.times")
sg=$(median 2 "$OUT/strata.times") qg=$(median 2 "$OUT/qemu.times")
sh=$(median 3 "$OUT/strata.times") qh=$(median 3 "$OUT/qemu.times")
echo
printf '%-34s %10s %10s %14s %8s\n' "riscv64 Linux guest (median of $N)" strata qemu "strata/qemu" goal
printf '%-34s %10s %10s %14s %8s\n' "boot to shell prompt (ms)" "$sb" "$qb" "$(ratio "$sb" "$qb")" "<= 0.5"
printf '%-34s %10s %10s %14s %8s\n' "crc $ROUNDS rounds, inside (s)" "$sg" "$qg" "$(ratio "$sg" "$qg")" "<= 0.5"
printf '%-34s %10s %10s %14s %8s\n' "crc $ROUNDS rounds, from host (ms)" "$sh" "$qh" "$(ratio "$sh" "$qh")" "<= 0.5"
echo "  logs in $OUT; load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
exit 0
