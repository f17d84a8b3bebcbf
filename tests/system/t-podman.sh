# podman drives the OCI runtime under test (OCI_RUNTIME; strata-runc by
# default): create/start through conmon, exec, kill, pause/resume,
# delete; terminals, limits, a published port, stop and rm.
. "$(dirname "$0")/oci-lib.sh"
oci_begin || exit 1
IMG=$OCI_IMAGE

# the image
if oci_image >"$OCI_DIR/import.log" 2>&1; then ok "the busybox image imports"
else not_ok "the busybox image imports" "$(tail -n 8 "$OCI_DIR/import.log")"; exit 1; fi

# plain runs
out=$(PM_TIMEOUT=$T_LONG pmr --rm --network none "$IMG" echo hello 2>&1)
expect_eq "a command runs and its output comes back" "hello" "$out"
expect_match "podman used the runtime under test" "^$OCI_RUNTIME\$" \
	"$(pm info --format '{{.Host.OCIRuntime.Path}}' 2>&1)"
pmr --rm --network none "$IMG" sh -c 'exit 7' >/dev/null 2>&1
expect_eq "the exit code comes back" "7" "$?"
out=$(pmr --rm --network none -e GREETING=bonjour -w /tmp "$IMG" sh -c 'echo $GREETING; pwd' 2>&1 | tr '\n' ' ')
expect_eq "-e sets the environment and -w the working folder" "bonjour /tmp " "$out"
out=$(pmr --rm --network none --user 1000 "$IMG" sh -c 'id -u; id -g; echo $HOME' 2>&1 | tr '\n' ' ')
expect_eq "--user 1000 runs as uid 1000 with its home" "1000 1000 /home/tester " "$out"
out=$(pmr --rm --network none --user nobody "$IMG" id -u 2>&1)
expect_eq "--user takes a name from the image's passwd" "65534" "$out"
out=$(pmr --rm --network none --hostname boxy "$IMG" hostname 2>&1)
expect_eq "--hostname is the container's host name" "boxy" "$out"
out=$(pmr --rm --network none "$IMG" sh -c 'echo $$ /proc/[0-9]*' 2>&1)
expect_eq "the command is pid 1 and sees only its own processes" "1 /proc/1" "$out"
out=$(pmr --rm --network none --read-only "$IMG" sh -c 'touch /x 2>/dev/null && echo wrote || echo refused' 2>&1)
expect_eq "--read-only makes the root read-only" "refused" "$out"
vol=$(mktemp -d "$OCI_DIR/vol.XXXXXX")
echo "from host" > "$vol/in"
out=$(pmr --rm --network none -v "$vol:/data" "$IMG" sh -c 'cat /data/in; echo back > /data/out' 2>&1)
expect_eq "a volume shows the host's files" "from host" "$out"
expect_eq "and takes writes" "back" "$(cat "$vol/out" 2>/dev/null)"
out=$(echo piped | pmr --rm -i --network none "$IMG" cat 2>&1)
expect_eq "-i passes standard input" "piped" "$out"

# a terminal, driven through tmux as a person would
sock="strata-oci-$$"
tmux -L "$sock" new-session -d -x 80 -y 24 \
	"timeout --foreground -k 5 60 $PM run $PM_RUN --rm -it --network none $IMG sh; echo EXIT=\$?; sleep 5"
sleep 3
tmux -L "$sock" send-keys 'tty; stty size' Enter
sleep 1
tmux -L "$sock" send-keys 'exit 9' Enter
sleep 2
screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
tmux -L "$sock" kill-server 2>/dev/null
expect_match "-it gives the shell a terminal" '^/dev/pts/[0-9]+' "$screen"
expect_match "with the window size of the user's" '^24 80' "$screen"
expect_match "the shell's exit code comes back" 'EXIT=9' "$screen"

# limits
out=$(pmr --rm --network none --memory 32m "$IMG" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null)
expect_match "--memory 32m sets the limit" '^(33554432|33554432)$' "$out"
# (from OCI_DIR: conmon drops a file named "oom" in its working folder)
(cd "$OCI_DIR" && pmr --rm --network none --memory 32m --memory-swap 32m "$IMG" \
	sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived') >"$OCI_DIR/oom.out" 2>&1
rc=$?
expect_eq "a memory hog is killed (137)" "137" "$rc"
out=$(pmr --rm --network none --pids-limit 20 "$IMG" cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null)
expect_eq "--pids-limit 20 sets the limit" "20" "$out"
# (ash gives up at the first failed fork, hence the subshell; read is a
# builtin: it needs no fork once the limit is reached)
out=$(pmr --rm --network none --pids-limit 20 "$IMG" sh -c \
	'(n=0; while [ $n -lt 40 ]; do sleep 5 & n=$((n + 1)); done) 2>/tmp/err
	read p < /sys/fs/cgroup/pids/pids.current; read e < /tmp/err; echo "$p $e"' 2>&1)
case $out in
[0-9]*" "*fork*) n=${out%% *} ;;
*) n=999 ;;
esac
if [ "$n" -le 20 ]; then ok "no more than 20 processes start"
else not_ok "no more than 20 processes start" "$out"; fi

# a port published from the host (slirp4netns, never the bridge)
port=$((20000 + $$ % 20000))
check "a web server starts with a published port" pmr -d --name web \
	--network slirp4netns -p "127.0.0.1:$port:8080" "$IMG" httpd -f -p 8080 -h /www
got=""
i=0
while [ $i -lt 50 ]; do
	got=$(wget -q -T 2 -O - "http://127.0.0.1:$port/index.html" 2>/dev/null) && break
	sleep 0.2
	i=$((i + 1))
done
expect_eq "the host fetches a file through the published port" "served by busybox" "$got"
check "the web server is removed" pm rm -f -t 0 web

# a detached container: exec, pause/resume, stop, rm
check "a detached container runs" pmr -d --name bg --network none "$IMG" sleep 300
expect_eq "it is running" "running" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
out=$(pm exec bg sh -c 'echo in-exec; id -u' 2>&1 | tr '\n' ' ')
expect_eq "exec runs a command inside" "in-exec 0 " "$out"
out=$(pm exec --user 1000 -e X=42 -w /home/tester bg sh -c 'id -u; echo $X; pwd' 2>&1 | tr '\n' ' ')
expect_eq "exec takes --user, -e and -w" "1000 42 /home/tester " "$out"
pm exec bg sh -c 'exit 5' >/dev/null 2>&1
expect_eq "exec's exit code comes back" "5" "$?"
out=$(pm exec bg ps -o pid,comm 2>&1 | awk '$2 == "sleep" { print $1 }')
expect_eq "exec shares the container's processes" "1" "$out"
out=$(pm exec -t bg tty 2>&1 | tr -d '\r')
expect_match "exec -t gets a terminal" '^/dev/pts/[0-9]+$' "$out"
check "exec -d starts in the background" pm exec -d bg sh -c 'echo bg > /tmp/mark'
sleep 0.5
expect_eq "and it ran" "bg" "$(pm exec bg cat /tmp/mark 2>&1)"
check "pause" pm pause bg
expect_eq "it is paused" "paused" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
check "unpause" pm unpause bg
expect_eq "it runs again" "running" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
t0=$(date +%s)
check "stop -t 2" pm stop -t 2 bg
t1=$(date +%s)
if [ $((t1 - t0)) -le 8 ]; then ok "stop is timely ($((t1 - t0))s)"
else not_ok "stop is timely" "took $((t1 - t0))s"; fi
expect_eq "it is stopped" "exited" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
check "a stopped container starts again" pm start bg
expect_eq "and runs" "running" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
check "kill" pm kill bg
pm wait bg >/dev/null 2>&1
expect_eq "it is stopped by the kill" "exited" "$(pm inspect --format '{{.State.Status}}' bg 2>&1)"
check "rm" pm rm bg
expect_eq "it is gone" "" "$(pm ps -a --format '{{.Names}}' 2>&1 | grep -x bg)"

# a container that handles TERM stops on TERM
check "a container that traps TERM runs" pmr -d --name trap --network none "$IMG" \
	sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
sleep 0.5
check "stop sends TERM" pm stop -t 10 trap
expect_eq "its exit code is kept" "42" "$(pm inspect --format '{{.State.ExitCode}}' trap 2>&1)"
check "a stopped container is removed" pm rm trap
check "rm -f removes a running container" sh -c "$PM run $PM_RUN -d --name rf --network none $IMG sleep 300 >/dev/null && $PM rm -f -t 0 rf"

# nothing left behind: podman's containers, the runtime's state of each
expect_eq "no containers are left" "" "$(pm ps -aq 2>&1)"
left=""
for id in $(pm events --stream=false --filter type=container --format '{{.ID}}' 2>/dev/null | sort -u); do
	"$OCI_RUNTIME" state "$id" >/dev/null 2>&1 && left="$left $id"
	ls -d /sys/fs/cgroup/*/libpod_parent/libpod-"$id" /sys/fs/cgroup/libpod_parent/libpod-"$id" 2>/dev/null
done >"$OCI_DIR/cgroups-left"
expect_eq "the runtime's state is gone" "" "$left"
expect_eq "and the containers' cgroups" "" "$(cat "$OCI_DIR/cgroups-left")"
