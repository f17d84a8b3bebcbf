# strata vm: background VMs and their lifecycle (run -d, ls, api, stop,
# logs, rm, gc), the API socket of a foreground run, SIGTERM, a VMM
# killed with -9, and the seccomp filter on every thread of the VMM.
. "$(dirname "$0")/lib.sh"

G=${STRATA_GUESTS:-$(dirname "$0")/../../build/guests}
tmp=$(mktemp -d)

if [ ! -r /dev/kvm ] || [ ! -x "$G/hello64" ]; then
	echo "skip: no /dev/kvm or no guests in $G (make guests)"
	rm -rf "$tmp"
	exit 0
fi

spin() {	# NAME [ARGS...]: a background VM that keeps running
	_n=$1
	shift
	st vm run -d --name "$_n" --kernel "$G/hello64" --mem 64M --cmdline end=spin "$@"
	_rc=$?
	[ -f "$STRATA_ROOT/vms/$_n/state.json" ] && vmm_pid "$_n" >> "$tmp/pids"
	return $_rc
}

gone() {	# PID: exited (a zombie waiting for a reaper counts)
	[ ! -e /proc/"$1"/status ] || grep -qs '^State:.*zombie' /proc/"$1"/status
}

vmm_pid() {
	sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$STRATA_ROOT/vms/$1/state.json"
}

field() {	# JSON KEY: a scalar member of a one-line JSON object
	echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

# run -d and ls
out=$(spin v1 2>&1); rc=$?
expect_eq "run -d prints the name" "v1" "$out"
expect_eq "and exits 0 once the machine is built" "0" "$rc"
expect_match "ls shows it running, with pid, memory and vCPUs" \
	'^v1 +[0-9]+ +running +64M +1 ' "$(st vm ls)"
json=$(st vm ls --json)
expect_match "ls --json has the name" '"name": "v1"' "$json"
expect_match "and the state" '"state": "running"' "$json"
pid=$(vmm_pid v1)
check "the VMM runs in the background" kill -0 "$pid"
expect_eq "its stdin is /dev/null" "/dev/null" "$(readlink /proc/"$pid"/fd/0)"
expect_match "its console goes to the log" "vms/v1/console.log" "$(readlink /proc/"$pid"/fd/1)"

# seccomp: every thread of the VMM is filtered (mode 2)
modes=$(cat /proc/"$pid"/task/*/status | sed -n 's/^Seccomp:[[:space:]]*//p' | sort -u)
expect_eq "every thread of the VMM runs under a seccomp filter" "2" "$modes"

# the API
out=$(st vm api v1 '{"action":"stats"}')
expect_match "stats: ok, running, vCPUs, exits, uptime" \
	'^\{"ok":true,"state":"running","vcpus":1,"exits":[0-9]+,"uptime":[0-9.e-]+,"mem":67108864\}$' "$out"
expect_eq "pause" '{"ok":true,"state":"paused"}' "$(st vm api v1 '{"action":"pause"}')"
expect_eq "stats says paused" "paused" "$(field "$(st vm api v1 '{"action":"stats"}')" state)"
expect_match "so does ls" '^v1 +[0-9]+ +paused ' "$(st vm ls)"
expect_eq "resume" '{"ok":true,"state":"running"}' "$(st vm api v1 '{"action":"resume"}')"
expect_eq "stats says running" "running" "$(field "$(st vm api v1 '{"action":"stats"}')" state)"
out=$(st vm api v1 '{"action":"reboot"}'); rc=$?
expect_match "an unknown action is an error reply" '^\{"ok":false,"error":"unknown action' "$out"
expect_eq "and the client exits 1" "1" "$rc"
out=$(st vm api v1 'not json')
expect_match "so is a line that is not JSON" '^\{"ok":false,"error":"not JSON' "$out"
out=$(st vm api v1 '{"action":"stats","x":1}')
expect_match "and an object with other members" '^\{"ok":false' "$out"
check "the VMM survives bad requests" kill -0 "$pid"

# names
out=$(spin v1 2>&1); rc=$?
expect_eq "a name in use is refused" "125" "$rc"
expect_eq "in one line" "strata: vm run: v1: name in use (strata vm rm v1)" "$out"
out=$(spin 'a/b' 2>&1); rc=$?
expect_match "a bad name is refused in one line" '^strata: vm run: a/b: letters' "$out"
out=$(st vm run -d --name v2 --kernel "$tmp/none" 2>&1); rc=$?
expect_eq "a VM that cannot be built: exit 125" "125" "$rc"
expect_eq "with the setup's error" "strata: vm run: kernel $tmp/none: No such file or directory" "$out"
check "and no folder is left for it" test ! -e "$STRATA_ROOT/vms/v2"
out=$(st vm run --name v3 --kernel "$G/hello64" 2>&1); rc=$?
expect_eq "--name without -d is a usage error" "2" "$rc"
out=$(st vm stop nosuch 2>&1); rc=$?
expect_eq "stop of an unknown VM: one line" "strata: vm stop: no such VM: nosuch" "$out"
expect_eq "non-zero" "1" "$rc"

# rm of a running VM needs -f
out=$(st vm rm v1 2>&1); rc=$?
expect_match "rm of a running VM is refused" '^strata: vm rm: v1: is running' "$out"
check "and it keeps running" kill -0 "$pid"

# stop: SIGTERM, the VMM ends the run and exits 0
t0=$(date +%s%N)
check "stop ends it" st vm stop v1
t1=$(date +%s%N)
check "at once, not by the timeout (< 3 s)" test $(( (t1 - t0) / 1000000 )) -lt 3000
expect_match "ls: stopped, no pid" '^v1 +- +stopped ' "$(st vm ls)"
check "the VMM is gone" gone "$pid"
expect_eq "the log has the console output and how it ended" \
	"hello from 64-bit
strata: vm: stopped" "$(st vm logs v1)"
check "the API socket is removed" test ! -e "$STRATA_ROOT/vms/v1/api.sock"
check "stop of a stopped VM is fine" st vm stop v1
check "rm removes it" st vm rm v1
check "and its folder" test ! -e "$STRATA_ROOT/vms/v1"

# a VMM killed with -9 is a stopped VM; rm cleans it
spin k1 >/dev/null
kpid=$(vmm_pid k1)
kill -9 "$kpid"
for _i in 1 2 3 4 5 6 7 8 9 10; do
	gone "$kpid" && break
	sleep 0.1
done
for _i in 1 2 3 4 5 6 7 8 9 10; do
	[ -e "$STRATA_ROOT/vms/k1/end.json" ] && break
	sleep 0.1
done
expect_match "a VMM killed with -9 shows as killed" '^k1 +- +killed \(SIGKILL\) ' "$(st vm ls)"
json=$(st vm ls --json)
expect_match "ls --json: state killed" '"state": "killed"' "$json"
expect_match "with the signal" '"signal": 9' "$json"
for _i in 1 2 3 4 5 6 7 8 9 10; do
	[ -e "$STRATA_ROOT/vms/k1/api.sock" ] || break
	sleep 0.1
done
check "its API socket is removed all the same" test ! -e "$STRATA_ROOT/vms/k1/api.sock"
check "rm cleans it" st vm rm k1

# rm -f of a running one, stop -f, 2 vCPUs
spin f1 --cpus 2 >/dev/null
expect_eq "pause with 2 vCPUs" '{"ok":true,"state":"paused"}' "$(st vm api f1 '{"action":"pause"}')"
expect_eq "resume with 2 vCPUs" '{"ok":true,"state":"running"}' "$(st vm api f1 '{"action":"resume"}')"
fpid=$(vmm_pid f1)
check "rm -f kills and removes a running VM" st vm rm -f f1
check "its VMM is gone" gone "$fpid"
spin f2 >/dev/null
check "stop -f kills at once" st vm stop -f f2
expect_match "and it is killed" '^f2 +- +killed \(SIGKILL\) ' "$(st vm ls)"
spin f3 >/dev/null
expect_eq "stop through the API" '{"ok":true,"state":"stopping"}' "$(st vm api f3 '{"action":"stop"}')"
f3pid=$(vmm_pid f3)
for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	gone "$f3pid" && break
	sleep 0.1
done
for _i in 1 2 3 4 5 6 7 8 9 10; do
	[ -e "$STRATA_ROOT/vms/f3/end.json" ] && break
	sleep 0.1
done
expect_match "ends the VMM" '^f3 +- +stopped ' "$(st vm ls)"
check "rm of several" st vm rm f2 f3

# how a background VM ended: ls and ls --json
ended() {	# NAME: wait for end.json
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -e "$STRATA_ROOT/vms/$1/end.json" ] && return 0
		sleep 0.1
	done
	return 1
}
st vm run -d --name e1 --kernel "$G/hello64" --mem 64M --cmdline end=exit:7 >/dev/null
st vm run -d --name e2 --kernel "$G/hello64" --mem 64M >/dev/null
st vm run -d --name e3 --kernel "$G/crash" --mem 64M >/dev/null
st vm run -d --name e4 --kernel "$G/hello64" --mem 64M --cmdline end=spin --timeout 0.3 >/dev/null
for n in e1 e2 e3 e4; do
	check "$n: its end is written down" ended $n
done
out=$(st vm ls)
expect_match "a guest that wrote 7 to the exit port: exited (7)" '^e1 +- +exited \(7\) +64M' "$out"
expect_match "a guest that reset: exited (0)" '^e2 +- +exited \(0\) ' "$out"
expect_match "a guest that crashed: crashed" '^e3 +- +crashed ' "$out"
expect_match "a guest stopped by --timeout: timed out" '^e4 +- +timed out ' "$out"
json=$(st vm ls --json | tr -d ' \n')
expect_match "ls --json: exited, the end and the code" \
	'"name":"e1",[^}]*"state":"exited",[^}]*"end":"poweroff","exit_code":7' "$json"
expect_match "ls --json: a reset" '"name":"e2",[^}]*"state":"exited",[^}]*"end":"reset","exit_code":0' "$json"
expect_match "ls --json: crashed, code 1" '"name":"e3",[^}]*"state":"crashed",[^}]*"end":"crash","exit_code":1' "$json"
expect_match "ls --json: timed-out, code 124" '"name":"e4",[^}]*"state":"timed-out",[^}]*"end":"timeout","exit_code":124' "$json"
expect_match "the crash's diagnosis is in its log" '^strata: vm run: guest crashed: triple fault' "$(st vm logs e3)"
check "rm of the ended ones" st vm rm e1 e2 e3 e4

# attach: the console of a background VM (the guest echoes "[c]" per byte, 'q' ends it)
st vm run -d --name c1 --kernel "$G/hello64" --mem 64M --cmdline end=echo >/dev/null
vmm_pid c1 >> "$tmp/pids"
check "the VMM's console input is a FIFO in its folder" test -p "$STRATA_ROOT/vms/c1/console.in"
out=$( (printf 'hi'; sleep 1; printf 'z\035') | st vm attach c1 2>&1); rc=$?
expect_match "attach passes keys to the serial port and shows the output" '\[h\]\[i\]' "$out"
expect_eq "Ctrl-] detaches with 0" "0" "$rc"
check "and the VM keeps running" kill -0 "$(vmm_pid c1)"
expect_match "what was typed is in the log too" '\[h\]\[i\]' "$(st vm logs c1)"
if command -v tmux >/dev/null; then
	sock="strata-test-$$"
	tmux -L "$sock" new-session -d -x 80 -y 24 \
		"STRATA_ROOT=$STRATA_ROOT $STRATA vm console c1; echo EXIT=\$?; sleep 3"
	sleep 1
	tmux -L "$sock" send-keys 'ok'
	sleep 0.7
	tmux -L "$sock" send-keys C-]
	sleep 0.7
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
	tmux -L "$sock" kill-server 2>/dev/null
	expect_match "on a terminal: it says how to detach" 'attached to c1 \(Ctrl-\] detaches\)' "$screen"
	expect_match "keys go through one by one (raw mode)" '\[o\]\[k\]' "$screen"
	expect_match "Ctrl-] detaches" 'detached from c1' "$screen"
	expect_match "with 0" 'EXIT=0' "$screen"
else
	not_ok "tmux is installed for the terminal test" "scripts/deps.sh installs it"
fi
out=$( (printf 'q'; sleep 0.2) | st vm attach c1 2>&1); rc=$?
expect_match "attach follows the VM to its end" 'bye' "$out"
expect_match "and says how it ended" '^strata: vm attach: c1 exited \(0\)$' "$out"
expect_eq "with 0" "0" "$rc"
out=$(st vm attach c1 2>&1); rc=$?
expect_eq "attach to a VM that is not running: one line" "strata: vm attach: c1: not running" "$out"
expect_eq "exit 1" "1" "$rc"
out=$(st vm attach nosuch 2>&1)
expect_eq "attach to an unknown VM" "strata: vm attach: no such VM: nosuch" "$out"
check "rm of the attached one" st vm rm c1
st vm run -d --name c2 --kernel "$G/hello64" --mem 64M --cmdline end=echo-irq >/dev/null
vmm_pid c2 >> "$tmp/pids"
modes=$(cat /proc/"$(vmm_pid c2)"/task/*/status | sed -n 's/^Seccomp:[[:space:]]*//p' | sort -u)
expect_eq "with its console thread, every VMM thread is filtered" "2" "$modes"
out=$( (printf 'xy'; sleep 1; printf 'q'; sleep 0.5) | st vm attach c2 2>&1)
expect_match "a guest asleep in hlt gets the keys by the UART's interrupt" '\[x\]\[y\]' "$out"
expect_match "and ends" '^strata: vm attach: c2 exited \(0\)$' "$out"
check "rm" st vm rm c2
out=$( (sleep 0.3; printf 'abq') | "$STRATA" vm run --kernel "$G/hello64" --mem 64M \
	--cmdline end=echo-irq --timeout 20 2>&1); rc=$?
expect_match "a foreground run's piped input wakes a guest in hlt too" '\[a\]\[b\]' "$out"
expect_eq "which then ends with 0" "0" "$rc"

# a foreground run with --api-sock; SIGTERM ends it with 0
"$STRATA" vm run --kernel "$G/hello64" --mem 64M --cmdline end=spin \
	--api-sock "$tmp/api" </dev/null >"$tmp/out" 2>&1 &
fg=$!
for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -S "$tmp/api" ] && break
	sleep 0.1
done
out=$(st vm api "$tmp/api" '{"action":"stats"}')
expect_match "a foreground run serves --api-sock" '^\{"ok":true,"state":"running"' "$out"
out=$(st vm run --kernel "$G/hello64" --api-sock "$tmp/api" 2>&1); rc=$?
expect_match "a socket in use is refused" '^strata: vm run: --api-sock: .*in use' "$out"
kill -TERM "$fg"
wait "$fg"; rc=$?
expect_eq "SIGTERM ends a foreground run with 0" "0" "$rc"
check "and the socket file goes" test ! -e "$tmp/api"
"$STRATA" vm run --kernel "$G/hello64" --mem 64M --cmdline end=spin --timeout 1 \
	--api-sock "$tmp/api2" </dev/null >/dev/null 2>&1 &
fg=$!
for _i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S "$tmp/api2" ] && break
	sleep 0.1
done
st vm api "$tmp/api2" '{"action":"pause"}' >/dev/null
wait "$fg"; rc=$?
expect_eq "--timeout ends a paused run (124)" "124" "$rc"
out=$(st vm run --kernel "$G/hello64" --mem 64M --no-seccomp --timeout 20 </dev/null 2>&1)
expect_eq "--no-seccomp runs a guest too" "hello from 64-bit" "$out"

# gc: staging folders of commands that died
mkdir -p "$STRATA_ROOT/vms/.tmp-x-999999"
check "gc runs" st vm gc
check "and removes a dead command's staging folder" test ! -e "$STRATA_ROOT/vms/.tmp-x-999999"

# nothing left behind
expect_eq "no VM folder is left" "" "$(ls "$STRATA_ROOT/vms")"
left=
for p in $(sort -u "$tmp/pids"); do
	gone "$p" || left="$left $p"
done
expect_eq "no VMM is left" "" "$left"
for n in $(ls "$STRATA_ROOT/vms" 2>/dev/null); do	# after a failure
	st vm rm -f "$n" >/dev/null 2>&1
done

rm -rf "$tmp"
finish
