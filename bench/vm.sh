#!/bin/sh
# strata vm start-up against the bare-KVM floor (bench/vm-floor.c): the
# whole `strata vm run` of the tiny 64-bit guest (build/guests/hello64,
# --mem 64M) vs a program that creates a VM, one slot, one vCPU and runs
# 4 instructions.  Median wall ms over BENCH_N runs and max RSS (KiB,
# /usr/bin/time), side by side with ratios; also strata's own "first
# KVM_RUN after" figure, and what the seccomp filter costs (the same run
# with --no-seccomp).  Goals (issue 4): <= 2x the floor end to end,
# <= 4 MiB max RSS.  Always exits 0.
#
#   BENCH_N=20  runs per side      STRATA=path  (default build/release/strata)
set -u
cd "$(dirname "$0")/.." || exit 0
STRATA=${STRATA:-$PWD/build/release/strata}
N=${BENCH_N:-20}
GUEST=build/guests/hello64
FLOOR=build/bench/vm-floor

if [ ! -r /dev/kvm ] || [ ! -x "$STRATA" ] || [ ! -f "$GUEST" ]; then
	echo "bench vm: needs /dev/kvm, $STRATA (make release) and $GUEST (make guests)"
	exit 0
fi
mkdir -p build/bench
${CC:-cc} -O2 -w bench/vm-floor.c -o "$FLOOR" || exit 0

now_ns() { date +%s%N; }

# median of N wall times in ms (3 decimals), then max RSS of one run
measure() {
	i=0
	: > build/bench/times
	while [ $i -lt "$N" ]; do
		t0=$(now_ns)
		"$@" </dev/null >/dev/null 2>&1
		t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 )) >> build/bench/times
		i=$((i + 1))
	done
	ms=$(sort -n build/bench/times | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }')
	rss=$(/usr/bin/time -f %M "$@" </dev/null 2>&1 >/dev/null | tail -n 1)
	echo "$ms $rss"
}

set -- $(measure "$FLOOR")
floor_ms=$1 floor_rss=$2
set -- $(measure "$STRATA" vm run --kernel "$GUEST" --mem 64M)
vm_ms=$1 vm_rss=$2
set -- $(measure "$STRATA" vm run --kernel "$GUEST" --mem 64M --irqchip off)
noirq_ms=$1 noirq_rss=$2
set -- $(measure "$STRATA" vm run --kernel "$GUEST" --mem 64M --no-seccomp)
noseccomp_ms=$1 noseccomp_rss=$2
first=$("$STRATA" vm run --kernel "$GUEST" --mem 64M --stats </dev/null 2>&1 >/dev/null |
	sed -n 's/.*first KVM_RUN after \([0-9.]*\) ms.*/\1/p')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '%-44s %10s %8s %12s %8s\n' "vm start-up (median of $N)" "wall ms" "ratio" "max RSS KiB" "ratio"
printf '%-44s %10s %8s %12s %8s\n' "bare KVM floor (bench/vm-floor.c)" "$floor_ms" "1.00x" "$floor_rss" "1.00x"
printf '%-44s %10s %8s %12s %8s\n' "strata vm run hello64 --mem 64M" "$vm_ms" "$(ratio "$vm_ms" "$floor_ms")" "$vm_rss" "$(ratio "$vm_rss" "$floor_rss")"
printf '%-44s %10s %8s %12s %8s\n' "  same, --irqchip off" "$noirq_ms" "$(ratio "$noirq_ms" "$floor_ms")" "$noirq_rss" "$(ratio "$noirq_rss" "$floor_rss")"
printf '%-44s %10s %8s %12s %8s\n' "  same, --no-seccomp" "$noseccomp_ms" "$(ratio "$noseccomp_ms" "$floor_ms")" "$noseccomp_rss" "$(ratio "$noseccomp_rss" "$floor_rss")"
echo "strata: VMM start to first KVM_RUN: ${first:-?} ms (goals: <= 2x floor wall, <= 4096 KiB RSS)"
exit 0
