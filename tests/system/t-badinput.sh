# Must show 5: bad input gets one line "strata: <what>: <why>", a non-zero
# exit, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

check "a first container is created" st ct create dup
check "a container with a fixed address is created" st ct create fixed --ip 10.77.9.9
before=$(ls -a "$STRATA_ROOT/containers" "$STRATA_ROOT/networks" 2>/dev/null)

# bad NAME ARGS...: one "strata: " line on stderr, nothing on stdout,
# exit status non-zero, the state root unchanged.
bad() {
	_name=$1
	shift
	_err=$(st "$@" 2>&1 >/dev/null)
	_rc=$?
	_lines=$(printf '%s\n' "$_err" | grep -c .)
	_after=$(ls -a "$STRATA_ROOT/containers" "$STRATA_ROOT/networks" 2>/dev/null)
	if [ "$_rc" -ne 0 ] && [ "$_lines" -eq 1 ] && [ "${_err#strata: }" != "$_err" ] &&
	   [ "$_after" = "$before" ]; then
		ok "$_name: $_err"
	else
		not_ok "$_name" "exit $_rc, $_lines lines: $_err"
	fi
}

bad "missing rootfs" ct create m1 --rootfs /nonexistent/rootfs
bad "rootfs that is a file" ct create m2 --rootfs /etc/hostname
bad "duplicate name" ct create dup
bad "bad container name" ct create 'no/slash'
bad "unknown template" ct create t1 --template no-such-template
bad "address already used" ct create a1 --ip 10.77.9.9
bad "address outside the subnet" ct create a2 --ip 10.9.0.1
bad "the gateway address" ct create a3 --ip 10.77.0.1
bad "not an address" ct create a4 --ip 10.77.0.300
bad "unknown network" ct create a5 --net no-such-net
bad "memory below the minimum" ct create l1 --memory 1k
bad "memory not a size" ct create l2 --memory lots
bad "cpus above the host's" ct create l3 --cpus 999
bad "cpus zero" ct create l4 --cpus 0
bad "pids zero" ct create l5 --pids 0
bad "pids not a number" ct create l6 --pids -5
bad "user map of host root" ct create u1 --user-map 0:65536
bad "user map without a count" ct create u2 --user-map 100000
bad "volume with a relative path" ct create v1 -v tmp:/tmp
bad "volume source missing" ct create v2 -v /nonexistent:/x
bad "unknown option" ct create o1 --frobnicate
bad "bad CIDR" ct network create n1 --subnet 10.0.0.1/24
bad "CIDR prefix too long" ct network create n2 --subnet 10.0.0.0/40
bad "CIDR not an address" ct network create n3 --subnet banana/16
bad "overlapping subnet" ct network create n4 --subnet 10.77.128.0/24
bad "network name too long" ct network create averyveryverylongname --subnet 10.5.0.0/24
bad "start of a missing container" ct start ghost
bad "exec in a stopped container" ct exec dup -- true
bad "rm of a missing container" ct rm ghost
bad "unknown subcommand" ct frobnicate

out=$(st ct run --rm -- /no/such/program 2>&1; echo "rc=$?")
expect_match "a missing program is one line" '^strata: .*exec /no/such/program: No such file or directory' "$out"
expect_match "and exits non-zero" 'rc=12[5-7]' "$out"
no_leftovers "failed commands leave nothing on the host" "ct-"
