#!/bin/sh
# strata emu benchmarks (make bench): CPU-bound C programs (bench/emu/*.c)
# built -O2 for x86-64 and for riscv64 (static), each run natively, under
# strata emu (the translator) and under qemu-riscv64-static, best of
# BENCH_EMU_N runs.  Prints the times, emu/native, qemu/emu, and the
# geometric means.  Goal: emu <= 2x native, >= 3x faster than qemu.
#
#   BENCH_EMU_N=3    runs per program and side (the best counts)
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
exit 0
