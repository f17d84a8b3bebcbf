# Must show 6: kill -9 of strata during create and during run, then
# `strata ct gc`: no veth, mount, cgroup or state file is left.
. "$(dirname "$0")/lib.sh"

# The template is made once, outside the timing games below.
check "template is ready" st ct run --rm -- true

# kill -9 at a range of moments during create.
for d in 0.001 0.003 0.005 0.01 0.02 0.05; do
	"$STRATA" ct create "crc-$d" >/dev/null 2>&1 &
	sleep "$d"
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
done
check "gc after killed creates" st ct gc
bad_state=0
for n in $(ls "$STRATA_ROOT/containers"); do
	[ -f "$STRATA_ROOT/containers/$n/config.json" ] &&
		[ -f "$STRATA_ROOT/containers/$n/state.json" ] || bad_state=$((bad_state + 1))
done
expect_eq "every container left is whole" "0" "$bad_state"
no_leftovers "killed creates leave no staging folder" "crc-"
for n in $(ls "$STRATA_ROOT/containers"); do st ct rm "$n" >/dev/null; done

# kill -9 of a foreground run once the container runs.
"$STRATA" ct run --name crr -- sleep 300 >/dev/null 2>&1 &
runpid=$!
for i in $(seq 50); do
	st ct ls | grep -q '^crr .*running' && break
	sleep 0.1
done
init=$(st ct inspect crr | sed -n 's/^  "pid": \([0-9]*\),/\1/p')
kill -9 "$runpid"
wait "$runpid" 2>/dev/null
sleep 0.3
state=$(cut -d')' -f2 "/proc/$init/stat" 2>/dev/null | cut -c2)
[ -n "$init" ] && { [ -z "$state" ] || [ "$state" = Z ]; } && ok "the container dies with its killed monitor" ||
	not_ok "the container dies with its killed monitor" "init $init still there"
check "gc after a killed run" st ct gc
out=$(st ct ls | awk '$1 == "crr" { print $2 }')
expect_eq "the killed container is recorded as stopped" "stopped" "$out"
no_leftovers "a killed run leaves no veth, cgroup or mount after gc" "crr-"
st ct rm crr >/dev/null

# kill -9 at a range of moments during `run --rm` start-up.
for d in 0.005 0.01 0.02 0.04 0.08 0.15 0.3; do
	"$STRATA" ct run --rm --name "crs-$d" --memory 64M -- sleep 300 >/dev/null 2>&1 &
	sleep "$d"
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
done
sleep 0.3
check "gc after killed start-ups" st ct gc
out=$(st ct ls | grep -c '^crs-' || true)
expect_eq "killed --rm containers are gone after gc" "0" "$out"
no_leftovers "killed start-ups leave no veth, cgroup, mount or state" "crs-"
