# What stays resident of running containers (issue 3, memory per
# container): pid 1 is strata-ctwait, background containers share one
# supervisor instead of a monitor each, exits are still recorded, and a
# killed supervisor leaves nothing behind after stop/gc.
. "$(dirname "$0")/lib.sh"

field() {	# field NAME KEY -> number from state.json
	sed -n "s/.*\"$2\": *\([0-9-]*\).*/\1/p" "$STRATA_ROOT/containers/$1/state.json" 2>/dev/null
}
status() {	# status NAME -> the STATUS column of ct ls
	st ct ls | awk -v n="$1" '$1 == n { print $2, $3 }'
}
until_true() {	# until_true TENTHS CMD...: poll CMD
	_n=$1
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
gone() { [ ! -d "/proc/$1" ] || [ "$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -c2)" = Z ]; }

check "template is ready" st ct run --rm -- true
for n in rs1 rs2 rs3; do
	st ct run -d --name "$n" -- sleep 300 >/dev/null
done

init=$(field rs1 pid)
expect_eq "pid 1 of a running container is strata-ctwait" "strata-ctwait" \
	"$(basename "$(readlink "/proc/$init/exe")")"
expect_eq "and calls itself strata-init" "strata-init" "$(cat "/proc/$init/comm")"
priv=$(awk '$1 == "Private_Dirty:" { print $2 }' "/proc/$init/smaps_rollup")
[ "${priv:-999}" -le 32 ] && ok "its private memory is a few pages ($priv KiB)" ||
	not_ok "its private memory is a few pages" "Private_Dirty: $priv KiB"

# `run -d` returns once the container runs; the monitor hands it over
# to the supervisor just after, which then names itself in the state
same_monitor() { [ "$(field rs1 monitor)" = "$(field rs2 monitor)" ] &&
	[ "$(field rs2 monitor)" = "$(field rs3 monitor)" ] &&
	[ "$(cat "/proc/$(field rs1 monitor)/comm" 2>/dev/null)" = strata-sup ]; }
until_true 50 same_monitor
sup=$(field rs1 monitor)
expect_eq "one supervisor watches every background container" "$sup $sup" \
	"$(field rs2 monitor) $(field rs3 monitor)"
expect_eq "it is strata-sup" "strata-sup" "$(cat "/proc/$sup/comm" 2>/dev/null)"
others=$(ps -eo ppid=,comm= | awk -v p="$init" '$1 == p' | wc -l)
expect_eq "init's only child is the command" "1" "$others"

st ct run -d --name rsx -- sh -c 'sleep 0.2; exit 7' >/dev/null
until_true 50 sh -c "[ \"\$($STRATA ct ls | awk '\$1 == \"rsx\" { print \$2 }')\" = stopped ]"
expect_eq "a background container's exit code is recorded" "stopped (7)" "$(status rsx)"
st ct run -d --rm --name rsr -- sh -c 'sleep 0.2' >/dev/null
until_true 50 sh -c "! $STRATA ct ls | grep -q '^rsr '"
refuse "a --rm background container is removed when it ends" sh -c "$STRATA ct ls | grep '^rsr '"

check "stop ends a supervised container" st ct stop rs1
expect_eq "and its status is the signal's" "stopped (143)" "$(status rs1)"

kill -9 "$sup"
until_true 20 gone "$sup"
check "a killed supervisor leaves its containers running" st ct exec rs2 -- true
check "stop after the supervisor died" st ct stop rs2
expect_eq "records the end (code unknown)" "stopped (-1)" "$(status rs2)"
st ct run -d --name rs4 -- sleep 300 >/dev/null
sup2=$(field rs4 monitor)
[ -n "$sup2" ] && [ "$sup2" != "$sup" ] && [ -d "/proc/$sup2" ] &&
	ok "the next background container starts a new supervisor" ||
	not_ok "the next background container starts a new supervisor" "monitor $sup2 (old $sup)"
check "rm -f of the rest" st ct rm -f rs1 rs2 rs3 rs4 rsx
no_leftovers "nothing left behind" "rs"
until_true 50 gone "$sup2"
gone "$sup2" && ok "the supervisor ends after its last container" ||
	not_ok "the supervisor ends after its last container" "pid $sup2 still there"

# Without strata-ctwait beside the binary, strata waits itself.
alone=$(mktemp -d /var/tmp/strata-alone.XXXXXX)
cp "$STRATA" "$alone/strata"
"$alone/strata" ct run -d --name rsa -- sh -c 'sleep 0.3; exit 5' >/dev/null
init=$(field rsa pid)
mon=$(field rsa monitor)
expect_eq "without strata-ctwait init stays strata" "strata" \
	"$(basename "$(readlink "/proc/$init/exe" 2>/dev/null)")"
until_true 50 sh -c "[ \"\$($STRATA ct ls | awk '\$1 == \"rsa\" { print \$2 }')\" = stopped ]"
expect_eq "and its exit is recorded" "stopped (5)" "$(status rsa)"
until_true 20 gone "$mon"
st ct rm rsa >/dev/null
rm -rf "$alone"
no_leftovers "nothing left behind either" "rsa"
