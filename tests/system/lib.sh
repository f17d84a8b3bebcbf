# Shared by the system tests: a private state root, checks that count,
# and a cleanup that also proves nothing was left on the host.
set -u
: "${STRATA:?set STRATA to the strata binary}"
STRATA_ROOT=$(mktemp -d /var/tmp/strata-test.XXXXXX)
export STRATA_ROOT
T_PASS=0
T_FAIL=0

ok() {
	T_PASS=$((T_PASS + 1))
	echo "ok   $1"
}

not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL $1"
	[ -n "${2:-}" ] && echo "$2" | sed 's/^/     /'
	return 0
}

# check NAME CMD...: passes when CMD exits 0
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then ok "$_name"; else not_ok "$_name" "$(echo "$_out" | tail -n 8)"; fi
}

# refuse NAME CMD...: passes when CMD exits non-zero
refuse() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then not_ok "$_name" "succeeded: $(echo "$_out" | tail -n 4)"; else ok "$_name"; fi
}

# expect_eq NAME WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want '$2'
got  '$3'"; fi
}

# expect_match NAME REGEX TEXT
expect_match() {
	if echo "$3" | grep -qE -- "$2"; then ok "$1"; else not_ok "$1" "no match for /$2/ in:
$3"; fi
}

st() {
	"$STRATA" "$@"
}

# leftovers PREFIX: host objects that containers named PREFIX* could have
# left: veths, cgroups, mounts under the state root, staging folders.
leftovers() {
	ip -o link show type veth 2>/dev/null | grep -o ' sv[0-9a-f]\{10\}' || true
	find /sys/fs/cgroup /run/strata/cgroup -maxdepth 3 -path '*/strata/*' \
		-name "$1*" 2>/dev/null || true
	grep -F " $STRATA_ROOT/" /proc/self/mountinfo || true
	ls -a "$STRATA_ROOT/containers" 2>/dev/null | grep -E '^\.(tmp|rm)-' || true
}

# no_leftovers NAME PREFIX: the kernel drops a container's veth with its
# network namespace from a work queue, so give it a moment.
no_leftovers() {
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		_left=$(leftovers "$2")
		[ -z "$_left" ] && break
		sleep 0.1
	done
	if [ -z "$_left" ]; then ok "$1"; else not_ok "$1" "$_left"; fi
}

finish() {
	for n in $(st ct ls --json 2>/dev/null | sed -n 's/.*"name": "\(.*\)".*/\1/p'); do
		st ct rm -f "$n" >/dev/null 2>&1
	done
	st ct gc >/dev/null 2>&1
	rm -rf "$STRATA_ROOT"
	echo "system: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
trap finish EXIT
