#!/bin/sh
# strata as an OCI runtime, side by side with runc in one run:
#   1. `podman run --rm IMAGE true` with --runtime strata-runc vs runc
#   2. the bare runtime cycle create + start + (wait) + delete of one bundle
# Prints medians and the ratio strata/runc (goal for 2: <= 0.5x).
#
#   BENCH_N=20   runs per side
# Runs inside a network namespace made here; leaves nothing behind.
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SELF")/.." || exit 0
N=${BENCH_N:-20}
RUNC=$(command -v runc || echo /usr/sbin/runc)

if [ "${1:-}" != "--inner" ]; then
	[ -x build/release/strata ] || { echo "bench: make release first"; exit 0; }
	ns="bench-oci-$$"
	ip netns add "$ns" || exit 0
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sh "$SELF" --inner
	ip netns del "$ns"
	exit 0
fi

export STRATA="$PWD/build/release/strata" STRATA_TESTS="$PWD/build/tests"
export OCI_RUNTIME="$PWD/build/release/strata-runc"
OCI_LIB_DIR="$PWD/tests/system"
. "$PWD/tests/system/oci-lib.sh"
finish() { rm -rf "$STRATA_ROOT"; }	# no test counts in a benchmark

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

oci_begin >/dev/null || { echo "bench: podman setup failed"; exit 0; }
oci_image >/dev/null 2>&1 || { echo "bench: image import failed"; exit 0; }

# 1. podman run --rm IMAGE true, alternating runtimes
: > "$OCI_DIR/pm.strata"; : > "$OCI_DIR/pm.runc"
for i in $(seq "$N"); do
	for rt in strata runc; do
		[ $rt = strata ] && bin=$OCI_RUNTIME || bin=$RUNC
		t0=$(now_ms)
		$PM --runtime "$bin" run --rm --network none $PM_RUN "$OCI_IMAGE" true >/dev/null 2>&1 ||
			echo "podman run with $rt failed" >&2
		echo $(( $(now_ms) - t0 )) >> "$OCI_DIR/pm.$rt"
	done
done

# 2. the bare cycle on one bundle (runc's default spec, args true)
B="$OCI_DIR/bundle"
mkdir -p "$B/rootfs"
cp -a "$OCI_DIR/rootfs/." "$B/rootfs/"
(cd "$B" && "$RUNC" spec)
sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"true"/' "$B/config.json"
: > "$OCI_DIR/cy.strata"; : > "$OCI_DIR/cy.runc"
for i in $(seq "$N"); do
	for rt in strata runc; do
		[ $rt = strata ] && bin=$OCI_RUNTIME || bin=$RUNC
		root="$OCI_DIR/root-$rt"
		t0=$(now_ms)
		"$bin" --root "$root" create --bundle "$B" "cy$i" >/dev/null 2>&1 &&
			"$bin" --root "$root" start "cy$i" >/dev/null 2>&1 || echo "$rt cycle failed" >&2
		while [ "$("$bin" --root "$root" state "cy$i" 2>/dev/null | grep -c '"stopped"')" = 0 ]; do
			sleep 0.001
		done
		"$bin" --root "$root" delete "cy$i" >/dev/null 2>&1
		echo $(( $(now_ms) - t0 )) >> "$OCI_DIR/cy.$rt"
	done
done

row() {	# row LABEL STRATA_FILE RUNC_FILE
	s=$(median < "$2")
	r=$(median < "$3")
	printf '%-40s %8s ms %8s ms   %sx\n' "$1" "$s" "$r" \
		"$(awk -v s="$s" -v r="$r" 'BEGIN { printf "%.2f", r ? s / r : 0 }')"
}
printf '\n%-40s %11s %11s   %s\n' "bench (median of $N)" "strata" "runc" "ratio"
row "podman run --rm IMAGE true" "$OCI_DIR/pm.strata" "$OCI_DIR/pm.runc"
row "runtime create+start+delete (true)" "$OCI_DIR/cy.strata" "$OCI_DIR/cy.runc"
