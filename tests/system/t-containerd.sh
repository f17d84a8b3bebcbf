# containerd (its own config, root, state and socket, started here) and
# its runc shim drive the OCI runtime under test through ctr
# --runc-binary: run, a detached task, exec, kill, delete.
. "$(dirname "$0")/oci-lib.sh"
oci_begin || exit 1

# the image: made as for podman, saved as a docker archive, imported
if oci_image >"$OCI_DIR/import.log" 2>&1 &&
	PM_TIMEOUT=$T_LONG pm save --format docker-archive -o "$OCI_DIR/image.tar" \
		"$OCI_IMAGE" >>"$OCI_DIR/import.log" 2>&1; then
	ok "the busybox image is saved as a docker archive"
else
	not_ok "the busybox image is saved as a docker archive" "$(tail -n 8 "$OCI_DIR/import.log")"
	exit 1
fi
if oci_containerd_start; then ok "containerd starts with its own config"
else not_ok "containerd starts with its own config" "$(tail -n 8 "$OCI_DIR/containerd/log")"; exit 1; fi
check "ctr imports the archive" timeout -k 5 "$T_LONG" \
	ctr -a "$CTRD_SOCK" -n "$CTR_NS" image import "$OCI_DIR/image.tar"
IMG=$(c image ls -q 2>/dev/null | grep strata-busybox | head -n 1)
expect_match "the image is listed" 'strata-busybox:test$' "$IMG"

RT="--runc-binary $OCI_RUNTIME --runc-root $OCI_DIR/runc-root"
# cr CTR-ARGS...: ctr run with the runtime under test
cr() {
	# shellcheck disable=SC2086
	c run $RT "$@"
}

# a plain run
out=$(CTR_TIMEOUT=$T_LONG cr --rm "$IMG" one echo hi 2>&1)
expect_eq "ctr run prints the command's output" "hi" "$out"
cr --rm "$IMG" two sh -c 'exit 3' >/dev/null 2>&1
expect_eq "the exit code comes back" "3" "$?"
out=$(cr --rm --env GREETING=hallo --cwd /tmp "$IMG" three sh -c 'echo $GREETING; pwd' 2>&1 | tr '\n' ' ')
expect_eq "--env and --cwd" "hallo /tmp " "$out"
# (ctr 1.6 run has no --user; and it never closes the task's stdin, so
# a command that waits for EOF would hang)
out=$(echo piped | cr --rm "$IMG" five head -n 1 2>&1)
expect_eq "standard input reaches the command" "piped" "$out"
out=$(cr --rm "$IMG" six sh -c 'echo $$' 2>&1)
expect_eq "the command is pid 1" "1" "$out"

# a detached task: exec, kill, delete, container rm
check "a detached task runs" cr -d --memory-limit 33554432 "$IMG" bg sleep 300
# ctr mounts no cgroups inside: the limit is read from the host's side
# (the cgroup path is /NAMESPACE/ID by default)
cg=$(ls -d /sys/fs/cgroup/memory/"$CTR_NS"/bg /sys/fs/cgroup/"$CTR_NS"/bg 2>/dev/null | head -n 1)
expect_match "--memory-limit is set" '^33554432$' \
	"$(cat "$cg/memory.limit_in_bytes" "$cg/memory.max" 2>/dev/null)"
expect_match "it is running" '^bg +[0-9]+ +RUNNING' "$(c task ls 2>&1 | grep '^bg ')"
out=$(c task exec --exec-id e1 bg id -u 2>&1)
expect_eq "task exec runs a command inside" "0" "$out"
c task exec --exec-id e2 bg sh -c 'exit 4' >/dev/null 2>&1
expect_eq "exec's exit code comes back" "4" "$?"
out=$(c task exec --exec-id e3 bg ps -o pid,comm 2>&1 | awk '$2 == "sleep" { print $1 }')
expect_eq "exec shares the task's processes" "1" "$out"
out=$(c task exec --exec-id e4 --user 1000 --cwd /home/tester bg sh -c 'id -u; pwd' 2>&1 | tr '\n' ' ')
expect_eq "exec takes --user and --cwd" "1000 /home/tester " "$out"
check "task pause" c task pause bg
expect_match "it is paused" '^bg +[0-9]+ +PAUSED' "$(c task ls 2>&1 | grep '^bg ')"
check "task resume" c task resume bg
expect_match "it runs again" '^bg +[0-9]+ +RUNNING' "$(c task ls 2>&1 | grep '^bg ')"
out=$(c task ps bg 2>&1 | awk 'NR > 1 { print $1 }' | head -n 1)
expect_match "task ps lists its pid" '^[0-9]+$' "$out"
check "task kill" c task kill -s KILL bg
st=""
i=0
while [ $i -lt 50 ]; do
	st=$(c task ls 2>&1 | grep '^bg ')
	echo "$st" | grep -q STOPPED && break
	sleep 0.1
	i=$((i + 1))
done
expect_match "it stops" 'STOPPED' "$st"
check "task delete" c task delete bg
check "container rm" c container rm bg
expect_eq "no container is left" "" "$(c container ls -q 2>&1)"
expect_eq "no task is left" "" "$(c task ls -q 2>&1)"
expect_eq "the runtime's state is gone" "" "$(ls -A "$OCI_DIR/runc-root/$CTR_NS" 2>/dev/null)"
expect_eq "and the tasks' cgroups" "" "$(ls -d /sys/fs/cgroup/*/"$CTR_NS"/*/ /sys/fs/cgroup/"$CTR_NS"/*/ 2>/dev/null)"

# a task that traps TERM gets TERM from kill, and its status comes back
check "a task that traps TERM runs" cr -d "$IMG" trap \
	sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
sleep 0.5
check "task kill sends TERM" c task kill trap
out=$(c task ls 2>&1 | grep '^trap ')
i=0
while ! echo "$out" | grep -q STOPPED && [ $i -lt 50 ]; do
	sleep 0.1
	out=$(c task ls 2>&1 | grep '^trap ')
	i=$((i + 1))
done
expect_match "it stops on TERM" 'STOPPED' "$out"
out=$(c task delete trap 2>&1)
expect_match "its exit status is 42" '42' "$out"
check "its container is removed" c container rm trap
