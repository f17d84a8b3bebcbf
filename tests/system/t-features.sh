# The rest of what `strata ct` promises: templates, volumes, user maps,
# logs, signal forwarding and zombie reaping by the tiny init, a terminal.
. "$(dirname "$0")/lib.sh"

# templates: import a folder and a tarball, start from them
src=$(mktemp -d)
st ct run --rm -- true >/dev/null 2>&1	# makes the busybox template
cp -a "$STRATA_ROOT/templates/busybox/rootfs/." "$src/"
echo "made by hand" > "$src/etc/motd"
check "a folder imports as a template" st ct template import mine "$src"
out=$(st ct run --rm --template mine -- cat /etc/motd 2>&1)
expect_eq "a container starts from the imported template" "made by hand" "$out"
tar -C "$src" -czf "$src.tar.gz" .
check "a tarball imports as a template" st ct template import tarred "$src.tar.gz"
out=$(st ct run --rm --template tarred -- cat /etc/motd 2>&1)
expect_eq "a container starts from the tarball's template" "made by hand" "$out"
out=$(st ct template ls 2>&1 | tr '\n' ' ')
expect_match "templates are listed" 'busybox.*mine.*tarred|busybox.*tarred.*mine' "$out"
refuse "a template name is taken once" st ct template import mine "$src"
refuse "garbage does not import" st ct template import junk /etc/hostname
expect_eq "a failed import leaves no folder" "" "$(ls -a "$STRATA_ROOT/templates" | grep -E 'junk|^\.tmp')"
rm -rf "$src" "$src.tar.gz"

# --rootfs: a folder used in place
root=$(mktemp -d)
cp -a "$STRATA_ROOT/templates/busybox/rootfs/." "$root/"
out=$(st ct run --rm --rootfs "$root" -- sh -c 'echo in-place > /root/note; id -u' 2>&1)
expect_eq "a --rootfs container runs as root inside" "0" "$out"
expect_eq "its writes land in the folder" "in-place" "$(cat "$root/root/note" 2>/dev/null)"
rm -rf "$root"

# volumes
vol=$(mktemp -d)
echo "from host" > "$vol/in"
out=$(st ct run --rm -v "$vol:/data" -- cat /data/in 2>&1)
expect_eq "a volume shows the host's files" "from host" "$out"
refuse "a read-only volume refuses writes" st ct run --rm -v "$vol:/data:ro" -- sh -c 'echo x > /data/new'
check "a writable volume takes writes" st ct run --rm -v "$vol:/data" -- sh -c 'echo y > /data/new'
expect_eq "they are the host's root's files" "0 y" "$(stat -c %u "$vol/new") $(cat "$vol/new")"
out=$(st ct run --rm -v "$vol/in:/etc/in.txt:ro" -- cat /etc/in.txt 2>&1)
expect_eq "a file can be a volume" "from host" "$out"
rm -rf "$vol"

# user maps
check "a container with its own uid range starts" st ct run -d --name um --user-map 300000:65536 -- sleep 300
pid=$(st ct inspect um | sed -n 's/^  "pid": \([0-9]*\),/\1/p')
expect_eq "its root is host uid 300000" "300000" "$(stat -c %u "/proc/$pid" 2>/dev/null)"
out=$(st ct exec um -- sh -c 'echo bob:x:1000:1000::/:/bin/sh >> /etc/passwd; su bob -c "id -u"' 2>&1)
expect_eq "a user inside keeps its own uid" "1000" "$out"
st ct exec um -- su bob -c 'sleep 30' >/dev/null 2>&1 &
sleep 0.5
expect_match "the host sees that user as 301000" '^301000 ' "$(ps -o uid=,comm= -C sleep | sed 's/^ *//' | grep '^301000 ')"
kill $! 2>/dev/null
st ct rm -f um >/dev/null

# logs of a background container
check "a background container runs" st ct run -d --name lg -- sh -c 'echo out-line; echo err-line >&2; sleep 300'
sleep 0.5
out=$(st ct logs lg 2>&1 | tr '\n' ' ')
expect_match "logs hold stdout and stderr" 'out-line err-line|err-line out-line' "$out"

# the tiny init: signals are forwarded, orphans are reaped
check "a container that traps TERM runs" st ct run -d --name sig -- sh -c \
	'trap "echo got-term; exit 42" TERM; while :; do sleep 0.1; done'
sleep 0.3
check "stop sends TERM through init" st ct stop --timeout 5 sig
expect_match "the command saw TERM" 'got-term' "$(st ct logs sig)"
expect_match "and its exit code is recorded" 'stopped \(42\)' "$(st ct ls | grep '^sig ')"
check "a container that ignores TERM runs" st ct run -d --name stubborn -- sh -c \
	'trap "" TERM; while :; do sleep 0.1; done'
sleep 0.3
check "stop falls back to KILL after the timeout" st ct stop --timeout 1 stubborn
expect_match "it is stopped" '^stubborn +stopped' "$(st ct ls | grep '^stubborn ')"
out=$(st ct run --rm -- sh -c '(sleep 0.2 &) ; sleep 0.6; ps -o stat,comm | grep -c "^Z"' 2>&1)
expect_eq "orphaned zombies are reaped by init" "0" "$out"

# a terminal, driven through tmux as a person would
if command -v tmux >/dev/null; then
	sock="strata-test-$$"
	tmux -L "$sock" new-session -d -x 80 -y 24 \
		"STRATA_ROOT=$STRATA_ROOT $STRATA ct run -it --rm --name tty1 --hostname ttybox; echo EXIT=\$?; sleep 3"
	sleep 1.5
	tmux -L "$sock" send-keys 'hostname; tty; stty size' Enter
	sleep 0.7
	tmux -L "$sock" send-keys 'exit 9' Enter
	sleep 0.8
	screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
	tmux -L "$sock" kill-server 2>/dev/null
	expect_match "-it gives the shell a terminal" '/dev/pts/0' "$screen"
	expect_match "with the window size of the user's" '24 80' "$screen"
	expect_match "the host name shows on the terminal" 'ttybox' "$screen"
	expect_match "the shell's exit code comes back" 'EXIT=9' "$screen"
else
	not_ok "tmux is installed for the terminal test" "scripts/deps.sh installs it"
fi

# a template in use stays
check "a container on an imported template" st ct create keep --template mine
refuse "its template cannot be removed" st ct template rm mine
check "a template nobody uses is removed" st ct template rm tarred
expect_eq "and is gone" "" "$(st ct template ls | grep -x tarred)"

# the command may follow the options without "--"; its own options stay its own
out=$(st ct run --rm --net none sh -c 'echo $0 "$1"' zero -n 2>&1)
expect_eq "a command without -- keeps its own options" "zero -n" "$out"
