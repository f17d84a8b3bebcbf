#!/bin/sh
# strata emu benchmarks (make bench): CPU-bound C programs (bench/emu/*.c)
# built -O2 for x86-64 and for riscv64 (static), each run natively, under
# strata emu (the translator) and under qemu-riscv64-static, best of
# BENCH_EMU_N runs.  Prints the times, emu/native, qemu/emu, and the
# geometric means.  Goal: emu <= 2x native, >= 3x faster than qemu.
#
# Then the process-heavy one: bench/emu/procs.sh run by a riscv64 busybox
# (scripts/rv-busybox.sh) starts BENCH_EMU_ROUNDS x 8 short commands, each
# a fork + execve of busybox, under strata-emu and under qemu-riscv64-static
# (both invoked explicitly).  Goal: strata <= 0.5x qemu's time.  strata
# runs a guest's execve of a riscv64 program itself; qemu-user hands it to
# the kernel, so for qemu's side a binfmt_misc entry strata-bench-qemu
# (qemu-riscv64-static, flag F) is registered for the run and removed
# after -- only as root, and only when no entry of that name exists.
#
#   BENCH_EMU_N=3        runs per program and side (the best counts)
#   BENCH_EMU_ROUNDS=250 rounds of the process-heavy script (8 commands each)
#   BENCH_EMU_ONLY=cpu|procs   one of the two
#   STRATA=path      binary to measure (default build/release/strata)
#
# Always exits 0: a failure is reported in the output, not as a status.
set -u
cd "$(dirname "$0")/.." || exit 0
STRATA=${STRATA:-$PWD/build/release/strata}
N=${BENCH_EMU_N:-3}
RV_CC=${RV_CC:-riscv64-linux-gnu-gcc}
QEMU=qemu-riscv64-static
OUT=build/bench-emu

for t in "$RV_CC" "$QEMU" cc; do
	if ! command -v "$t" >/dev/null; then
		echo "bench emu: skipped (no $t)"
		exit 0
	fi
done
if [ ! -x "$STRATA" ]; then
	echo "bench emu: $STRATA not built (make release)"
	exit 0
fi
mkdir -p "$OUT"

now() { date +%s.%N; }

# best N wall time of "$@", stdout to $OUT/last.out
best() {
	_best=
	_i=0
	while [ "$_i" -lt "$N" ]; do
		_t0=$(now)
		"$@" >"$OUT/last.out" 2>/dev/null || { echo fail; return; }
		_t1=$(now)
		_best=$(echo "$_t0 $_t1 ${_best:-1e9}" | awk '{ d = $2 - $1; print (d < $3 ? d : $3) }')
		_i=$((_i + 1))
	done
	echo "$_best"
}

cpu_bench() {
printf '%-8s %9s %9s %9s %11s %11s\n' program native emu qemu emu/native qemu/emu
rows=
for src in bench/emu/*.c; do
	name=$(basename "$src" .c)
	if [ ! "$OUT/$name" -nt "$src" ] || [ ! "$OUT/$name.rv" -nt "$src" ]; then
		cc -O2 -o "$OUT/$name" "$src" -lm &&
			"$RV_CC" -O2 -static -o "$OUT/$name.rv" "$src" -lm ||
			{ echo "$name: build failed"; continue; }
	fi
	tn=$(best "$OUT/$name"); cp "$OUT/last.out" "$OUT/$name.native.out"
	te=$(best "$STRATA" emu run "$OUT/$name.rv"); cp "$OUT/last.out" "$OUT/$name.emu.out"
	tq=$(best "$QEMU" "$OUT/$name.rv"); cp "$OUT/last.out" "$OUT/$name.qemu.out"
	note=
	if ! cmp -s "$OUT/$name.emu.out" "$OUT/$name.qemu.out" ||
	   [ "$te" = fail ] || [ "$tq" = fail ]; then
		note="  (emu output differs from qemu or a run failed)"
	fi
	if [ "$tn" = fail ] || [ "$te" = fail ] || [ "$tq" = fail ]; then
		echo "$name: a run failed$note"
		continue
	fi
	echo "$name $tn $te $tq" | awk -v note="$note" \
		'{ printf "%-8s %8.3fs %8.3fs %8.3fs %10.2fx %10.2fx%s\n", $1, $2, $3, $4, $3 / $2, $4 / $3, note }'
	rows="$rows$name $tn $te $tq
"
done
printf '%s' "$rows" | awk '
	NF == 4 { n++; en += log($3 / $2); qe += log($4 / $3); qn += log($4 / $2) }
	END {
		if (!n) exit
		printf "geometric mean: emu %.2fx native (goal <= 2), %.2fx faster than qemu (goal >= 3); qemu %.2fx native\n",
		       exp(en / n), exp(qe / n), exp(qn / n)
	}'
}

BINFMT=/proc/sys/fs/binfmt_misc
QENTRY=$BINFMT/strata-bench-qemu
qemu_binfmt_off() {
	[ -n "${qemu_reg:-}" ] && [ -e "$QENTRY" ] && echo -1 >"$QENTRY"
	qemu_reg=
}

# best N wall and CPU (user + system of the whole process tree) times of
# "$@": "WALL CPU", or fail.  CPU time is what load on a shared machine
# disturbs least.
best_wall_cpu() {
	if [ ! -x /usr/bin/time ]; then	# Debian package time
		echo "$(best "$@") 0"
		return
	fi
	_bw=1e9 _bc=1e9 _i=0
	while [ "$_i" -lt "$N" ]; do
		/usr/bin/time -f '%e %U %S' -o "$OUT/time" "$@" >"$OUT/last.out" 2>/dev/null ||
			{ echo fail; return; }
		read -r _e _u _s <"$OUT/time"
		_bw=$(echo "$_e $_bw" | awk '{ print ($1 < $2 ? $1 : $2) }')
		_bc=$(echo "$_u $_s $_bc" | awk '{ c = $1 + $2; print (c < $3 ? c : $3) }')
		_i=$((_i + 1))
	done
	echo "$_bw $_bc"
}

procs_bench() {
	rounds=${BENCH_EMU_ROUNDS:-250}
	emu=${STRATA_EMU:-$(dirname "$STRATA")/strata-emu}
	[ -x "$emu" ] || emu=$STRATA
	root=$(scripts/rv-busybox.sh 2>"$OUT/rv-busybox.err") || {
		echo "procs: skipped (no riscv64 busybox: $(tail -n 1 "$OUT/rv-busybox.err"))"
		return
	}
	bb=$root/bin/busybox
	path=$root/bin:$root/usr/bin:$root/sbin:$root/usr/sbin
	qemu=$(command -v "$QEMU")
	work=$(mktemp -d)
	te=$(best_wall_cpu env PATH="$path" "$emu" run "$bb" sh "$PWD/bench/emu/procs.sh" "$rounds" "$work")
	cp "$OUT/last.out" "$OUT/procs.emu.out"
	tq=skipped
	if [ "$(id -u)" != 0 ] || [ -e "$QENTRY" ]; then
		echo "procs: qemu side skipped (needs root and no $QENTRY)"
	else
		(mount | grep -q binfmt_misc) || mount -t binfmt_misc binfmt_misc "$BINFMT"
		qemu_reg=1
		trap 'qemu_binfmt_off' EXIT
		trap 'exit 1' INT TERM
		printf ':strata-bench-qemu:M::%s:%s:%s:F' \
			'\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00' \
			'\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff' \
			"$qemu" >"$BINFMT/register"
		tq=$(best_wall_cpu env PATH="$path" "$qemu" "$bb" sh "$PWD/bench/emu/procs.sh" "$rounds" "$work")
		cp "$OUT/last.out" "$OUT/procs.qemu.out"
		qemu_binfmt_off
	fi
	rm -rf "$work"
	note=
	[ "$tq" != skipped ] && ! cmp -s "$OUT/procs.emu.out" "$OUT/procs.qemu.out" &&
		note="  (output differs from qemu's)"
	echo "procs: $((rounds * 8)) commands by a riscv64 busybox sh (wall, CPU): strata $te s, qemu $tq s$note"
	case "$te $tq" in
	*fail*|*skipped*) ;;
	*) echo "$te $tq" | awk -v n=$((rounds * 8)) '{
		printf "procs: strata/qemu %.2fx wall, %.2fx CPU (goal <= 0.5); per command %.1f ms wall, %.1f ms CPU under strata, %.1f and %.1f under qemu\n",
		       $1 / $3, $4 ? $2 / $4 : 0, $1 * 1000 / n, $2 * 1000 / n, $3 * 1000 / n, $4 * 1000 / n }' ;;
	esac
}

case ${BENCH_EMU_ONLY:-} in
cpu) cpu_bench ;;
procs) procs_bench ;;
*) cpu_bench; procs_bench ;;
esac
exit 0
