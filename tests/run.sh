#!/bin/sh
# The whole suite: unit tests, fuzz targets (a short run each, when
# built), then system tests against the real build/debug/strata (ASan +
# UBSan).  System tests run inside a network namespace made here, so
# bridges and veths never touch the host's own network.
# Last line: "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
export STRATA="$PWD/build/debug/strata"
export STRATA_TESTS="$PWD/build/tests"
# LeakSanitizer cannot work inside containers (no ptrace); leaks are
# checked by the unit tests.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
pass=0
fail=0

add_counts() {	# add "...: N passed, N failed" of a log to the totals
	set -- $(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 |
		awk '{ for (i = 2; i <= NF; i++) {
			if ($i == "passed,") p = $(i - 1)
			if ($i ~ /^failed/) f = $(i - 1) }
		} END { print p + 0, f + 0 }')
	pass=$((pass + ${1:-0}))
	fail=$((fail + ${2:-0}))
}

log=$(mktemp)
for t in build/debug/unit/*; do
	[ -x "$t" ] || continue
	echo "== unit $(basename "$t")"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	add_counts "$log"
	if [ $rc -ne 0 ] && ! grep -qE '[0-9]+ passed, [1-9][0-9]* failed' "$log"; then
		echo "unit $(basename "$t"): crashed (exit $rc)"
		fail=$((fail + 1))
	fi
done

# Fuzz targets (make fuzz; absent without clang): each runs for
# FUZZ_TIME seconds (FUZZ_RUNS inputs at most) on a copy of its corpus,
# so the repository is never written, and counts as one test.  A crash
# input is kept in build/fuzz/crashes/ for replay: build/fuzz/TARGET FILE.
for t in build/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$ONLY" ] && [ "${name#*"$ONLY"}" = "$name" ] && continue
	echo "== fuzz $name"
	work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
	mkdir "$work/corpus" "$work/tmp"
	cp tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	# shellcheck disable=SC2086
	TMPDIR="$work/tmp" ASAN_OPTIONS="detect_leaks=1" "$t" \
		-max_total_time="${FUZZ_TIME:-15}" -runs="${FUZZ_RUNS:--1}" \
		-artifact_prefix="$work/" $dict "$work/corpus" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok fuzz $name ($(grep -oE 'Done [0-9]+ runs' "$log" | cut -d' ' -f2) runs)"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz $name (exit $rc)"
		grep -E 'ERROR|SUMMARY|runtime error|broken|cannot|changed|^ +#[0-9]+ .* in ' "$log" |
			grep -vE 'in (fuzzer::|__sanitizer|__asan|__interceptor|__libc_start|_start|main )' |
			head -n 25
		mkdir -p build/fuzz/crashes
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
			[ -f "$a" ] || continue
			cp "$a" "build/fuzz/crashes/$name-${a##*/}"
			echo "input: build/fuzz/crashes/$name-${a##*/}"
		done
		fail=$((fail + 1))
	fi
	rm -rf "$work"
done

ns="strata-test-$$"
ip netns add "$ns" || { echo "cannot create network namespace"; exit 1; }
ip -n "$ns" link set lo up
for t in tests/system/t-*.sh; do
	[ -n "$ONLY" ] && [ "${t#*$ONLY}" = "$t" ] && continue
	echo "== system $(basename "$t")"
	ip netns exec "$ns" sh "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	add_counts "$log"
	if [ $rc -ne 0 ] && ! grep -qE '[0-9]+ passed, [0-9]+ failed' "$log"; then
		echo "system $(basename "$t"): aborted (exit $rc)"
		fail=$((fail + 1))
	fi
done
ip netns del "$ns"
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
