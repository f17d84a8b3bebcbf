# strata as an OCI runtime, driven with runc's command line on hand-written
# config.json files: each field of the spec is checked inside the container.
. "$(dirname "$0")/lib.sh"

RUNC="$(dirname "$STRATA")/strata-runc"
ROOT=$(mktemp -d /var/tmp/strata-oci.XXXXXX)
B=$(mktemp -d /var/tmp/strata-bundle.XXXXXX)
LOG="$B/log.json"
oci() { "$RUNC" --root "$ROOT" --log "$LOG" --log-format json "$@"; }
st ct run --rm --net none -- true >/dev/null 2>&1	# makes the busybox template
mkdir -p "$B/rootfs"
cp -a "$STRATA_ROOT/templates/busybox/rootfs/." "$B/rootfs/"
echo 'tester:x:1000:1000::/tmp:/bin/sh' >> "$B/rootfs/etc/passwd"
trap 'oci_finish' EXIT
oci_finish() {
	for id in $(oci list -q 2>/dev/null); do oci delete -f "$id" >/dev/null 2>&1; done
	rm -rf "$ROOT" "$B"
	finish
}

# config ARGS [PROCESS_EXTRA] [LINUX_EXTRA] [MOUNTS_EXTRA] [TOP_EXTRA]
config() {
	cat > "$B/config.json" <<JSON
{
  "ociVersion": "1.1.0",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": $1,
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"],
      "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"],
      "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"]
    },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }],
    "noNewPrivileges": true${2:-}
  },
  "root": { "path": "rootfs", "readonly": false },
  "hostname": "ocibox",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": ["nosuid", "noexec", "nodev", "ro"] }${4:-}
  ],
  "linux": {
    "namespaces": [{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
                   { "type": "uts" }, { "type": "mount" }],
    "maskedPaths": ["/proc/kcore", "/proc/timer_list", "/proc/keys"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]${3:-}
  }${5:-}
}
JSON
}

n=0
run() {	# run ARGS...: strata-runc run of the current config, output only
	n=$((n + 1))
	oci run --bundle "$B" "t$n" 2>&1
}

config '["sh", "-c", "echo hello; hostname; id -u"]'
out=$(run)
expect_eq "run prints the process's output" "hello
ocibox
0" "$out"

config '["sh", "-c", "exit 7"]'
run >/dev/null
expect_eq "run returns the process's exit code" "7" "$?"

config '["sh", "-c", "pwd; id -u; id -G; echo $FOO; umask"]' ',
    "cwd": "/tmp", "user": { "uid": 1000, "gid": 1000, "additionalGids": [5, 6], "umask": 18 },
    "env": ["PATH=/bin", "FOO=bar"]'
out=$(run)
expect_eq "cwd, user, groups, env and umask are the process's" "/tmp
1000
1000 5 6
bar
0022" "$out"

config '["sh", "-c", "grep -E \"^Cap(Eff|Bnd)\" /proc/self/status; ulimit -n"]'
out=$(run)
expect_match "the effective set is the listed capabilities" 'CapEff:.*00000000000004e1' "$out"
expect_match "and so is the bounding set" 'CapBnd:.*00000000000004e1' "$out"
expect_match "rlimits are set" '^1024$' "$out"

config '["sh", "-c", "wc -c < /proc/kcore 2>/dev/null || echo none; echo 1 > /proc/sysrq-trigger && echo wrote"]'
out=$(run)
expect_match "masked paths read empty" '^(0|none)$' "$out"
if echo "$out" | grep -q wrote; then not_ok "read-only paths refuse writes" "$out"; else ok "read-only paths refuse writes"; fi

host=$(mktemp -d)
echo from-host > "$host/f"
config '["sh", "-c", "cat /data/f; echo x 2>/dev/null > /data/g && echo wrote; grep -c \" /scratch tmpfs\" /proc/mounts"]' '' '' ',
    { "destination": "/data", "type": "bind", "source": "'"$host"'", "options": ["rbind", "ro"] },
    { "destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] }'
out=$(run)
expect_eq "a read-only bind mount shows the host's file and refuses writes; a tmpfs is mounted" \
	"from-host
1" "$out"
rm -rf "$host"

config '["sh", "-c", "mkdir /tmp/x && echo made; echo done"]' '' ',
    "seccomp": { "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }] }'
out=$(run)
expect_eq "a seccomp rule denies mkdir" "done" "$(echo "$out" | grep -v 'Operation not permitted')"

config '["sh", "-c", "cat /proc/sys/kernel/msgmax"]' '' ',
    "sysctl": { "kernel.msgmax": "4242" }'
expect_eq "sysctl is written" "4242" "$(run)"

config '["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; cat /proc/self/cgroup | grep -c pids"]' '' ',
    "resources": { "memory": { "limit": 33554432 }, "pids": { "limit": 30 } },
    "cgroupsPath": "/strata-oci-test/t-limits"'
out=$(run)
n=$((n))
lim=$(cat /sys/fs/cgroup/memory/strata-oci-test/t-limits/memory.limit_in_bytes \
	/run/strata/cgroup/memory/strata-oci-test/t-limits/memory.limit_in_bytes 2>/dev/null | head -n 1)
[ -z "$lim" ] && ok "the cgroup is removed after run" || not_ok "the cgroup is removed after run" "$lim"

# idmapped mounts (runtime-spec 1.1): a host root file seen as uid 1000
# through the mount's own maps; a file of 1000 is unmapped (nobody)
host=$(mktemp -d)
chmod 755 "$host"
touch "$host/root-file" "$host/user-file"
chown 1000:1000 "$host/user-file"
config '["sh", "-c", "stat -c %u:%g /idm/root-file /idm/user-file"]' '' '' ',
    { "destination": "/idm", "type": "bind", "source": "'"$host"'", "options": ["rbind"],
      "uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 1 }],
      "gidMappings": [{ "containerID": 0, "hostID": 1000, "size": 1 }] }'
expect_eq "an idmapped bind mount shows files through its maps" "1000:1000
65534:65534" "$(run)"
stat -c %u "$host/root-file" | grep -qx 0 && ok "the host's files keep their owner" ||
	not_ok "the host's files keep their owner" "$(stat -c %u "$host/root-file")"

# "idmap" with the container's maps, in a user namespace: a host root file
# is root inside too (without idmap it would be nobody); the bundle must
# be reachable for the namespace's root, and its mount points made (the
# rootfs belongs to the host's root, whom the namespace does not map)
chmod 755 "$B"
mkdir -p "$B/rootfs/idm" "$B/rootfs/plain"
userns=',
    "namespaces": [{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
                   { "type": "uts" }, { "type": "mount" }, { "type": "user" }],
    "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
    "gidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }]'
config '["sh", "-c", "stat -c %u /idm/root-file /plain/root-file; touch /idm/new && echo wrote"]' '' \
	"$userns" ',
    { "destination": "/idm", "type": "bind", "source": "'"$host"'", "options": ["bind", "idmap"] },
    { "destination": "/plain", "type": "bind", "source": "'"$host"'", "options": ["bind"] }'
expect_eq "idmap in a user namespace: root's files are root's, writable; not so without" "0
65534
wrote" "$(run)"
expect_eq "a file made through the idmapped mount belongs to root on the host" "0:0" \
	"$(stat -c %u:%g "$host/new" 2>&1)"

config '["true"]' '' '' ',
    { "destination": "/idm", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"] }'
refuse "idmap on a mount that is not a bind is refused" oci create --bundle "$B" badidmap
config '["true"]' '' '' ',
    { "destination": "/idm", "type": "bind", "source": "'"$host"'", "options": ["bind", "idmap"] }'
refuse "idmap without any maps is refused" oci create --bundle "$B" badidmap

# recursive mount attributes: "rro" reaches a submount, "ro" does not
mkdir -p "$host/sub"
mount -t tmpfs -o size=1m tmpfs "$host/sub"
echo 'for d in /r /r/sub; do touch $d/x 2>/dev/null && echo "$d rw" || echo "$d ro"; done' \
	> "$B/rootfs/try.sh"
config '["sh", "/try.sh"]' '' '' ',
    { "destination": "/r", "type": "bind", "source": "'"$host"'", "options": ["rbind", "ro"] }'
expect_eq "ro makes the top mount read-only only" "/r ro
/r/sub rw" "$(run)"
rm -f "$host/sub/x"
config '["sh", "-c", "sh /try.sh; grep \" /r/sub \" /proc/mounts | grep -c nosuid,nodev,noexec"]' '' '' ',
    { "destination": "/r", "type": "bind", "source": "'"$host"'",
      "options": ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnoatime"] }'
expect_eq "rro, rnosuid, rnodev, rnoexec reach the submount" "/r ro
/r/sub ro
1" "$(run)"
expect_eq "recursive attributes stay inside the container" "" \
	"$(grep " $host/sub " /proc/self/mountinfo | grep -E ' ro,|noexec')"
# an rbind's maps reach its submounts (ridmap implied); "idmap" keeps
# them to the top mount
rm -f "$host/sub/x"
touch "$host/sub/f"
maps='"uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 1 }],
      "gidMappings": [{ "containerID": 0, "hostID": 1000, "size": 1 }]'
config '["sh", "-c", "stat -c %u /m/root-file /m/sub/f"]' '' '' ',
    { "destination": "/m", "type": "bind", "source": "'"$host"'", "options": ["rbind"], '"$maps"' }'
expect_eq "an rbind with maps idmaps its submounts too" "1000
1000" "$(run)"
config '["sh", "-c", "stat -c %u /m/root-file /m/sub/f"]' '' '' ',
    { "destination": "/m", "type": "bind", "source": "'"$host"'", "options": ["rbind", "idmap"], '"$maps"' }'
expect_eq "idmap on an rbind maps the top mount only" "1000
0" "$(run)"
umount "$host/sub"
rm -rf "$host" "$B/rootfs/try.sh"

# namespaces left out are the host's (here: the test's network namespace)
nsof() { readlink "/proc/${1:-self}/ns/$2"; }
config '["sh", "-c", "echo $$; for n in pid net ipc; do readlink /proc/self/ns/$n; done"]' '' ',
    "namespaces": [{ "type": "mount" }, { "type": "uts" }]'
expect_eq "without pid, network and ipc namespaces the host's are shared" \
	"$(nsof self pid)
$(nsof self net)
$(nsof self ipc)" "$(run | sed 1d)"
config '["sh", "-c", "echo $$"]' '' ',
    "namespaces": [{ "type": "mount" }, { "type": "uts" }]'
out=$(run)
[ -n "$out" ] && [ "$out" != 1 ] && ok "without a pid namespace the process is not pid 1 ($out)" ||
	not_ok "without a pid namespace the process is not pid 1" "$out"

hn=$(hostname)
config '["true"]' '' ',
    "namespaces": [{ "type": "mount" }]'
refuse "a hostname without a UTS namespace is refused (it would be the host's)" \
	oci run --bundle "$B" nouts
config '["true"]' '' ',
    "namespaces": [{ "type": "mount" }, { "type": "uts" }], "sysctl": { "net.core.somaxconn": "100" }'
refuse "a network sysctl without a network namespace is refused" oci run --bundle "$B" nonet
expect_eq "the host's hostname is untouched" "$hn" "$(hostname)"

# joining by path: a second container in the first one's namespaces
config '["sleep", "300"]'
oci run -d --bundle "$B" holder >/dev/null 2>&1
hp=$(oci state holder 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
if [ -n "$hp" ]; then
	config '["sh", "-c", "hostname; for n in pid net ipc uts; do readlink /proc/self/ns/$n; done; ps -o comm | grep -cx sleep"]' '' ',
    "namespaces": [{ "type": "mount" }, { "type": "pid", "path": "/proc/'"$hp"'/ns/pid" },
                   { "type": "network", "path": "/proc/'"$hp"'/ns/net" },
                   { "type": "ipc", "path": "/proc/'"$hp"'/ns/ipc" },
                   { "type": "uts", "path": "/proc/'"$hp"'/ns/uts" }]'
	expect_eq "namespaces given by path are joined (pid, network, ipc, uts)" "ocibox
$(nsof "$hp" pid)
$(nsof "$hp" net)
$(nsof "$hp" ipc)
$(nsof "$hp" uts)
1" "$(run)"
	oci delete -f holder >/dev/null 2>&1
else
	not_ok "namespaces given by path are joined" "the holder container did not start"
fi
config '["sleep", "300"]' '' "$userns"
oci run -d --bundle "$B" uholder >/dev/null 2>&1
hp=$(oci state uholder 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
config '["sh", "-c", "readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map"]' '' ',
    "namespaces": [{ "type": "mount" }, { "type": "pid" }, { "type": "uts" },
                   { "type": "user", "path": "/proc/'"${hp:-0}"'/ns/user" }]'
expect_eq "a user namespace given by path is joined, its maps kept" "$(nsof "${hp:-0}" user 2>&1)
0
0 100000 65536" "$(run | tr -s ' ' | sed 's/^ //')"
oci delete -f uholder >/dev/null 2>&1

# --no-pivot: the rootfs moved over / and chroot()ed into; the host's
# other mounts are gone from the container's namespace
config '["sh", "-c", "cat /etc/hostname-probe; grep -c \" /proc proc\" /proc/mounts; wc -l < /proc/mounts; cat /proc/self/mountinfo | grep -c \" / / \""]'
echo inside-rootfs > "$B/rootfs/etc/hostname-probe"
out=$(n=$((n + 1)); oci run --no-pivot --bundle "$B" "t$n" 2>&1)
mounts_pivot=$(run | sed -n 3p)
expect_eq "--no-pivot runs the process in the rootfs, with its mounts" "inside-rootfs
1" "$(echo "$out" | sed -n 1,2p)"
[ -n "$mounts_pivot" ] && [ "$(echo "$out" | sed -n 3p)" = "$mounts_pivot" ] &&
	ok "--no-pivot shows the container's mounts only (as many as with pivot_root: $mounts_pivot)" ||
	not_ok "--no-pivot shows the container's mounts only" "pivot: $mounts_pivot, no-pivot: $out"
config '["sleep", "300"]'
oci create --no-pivot --bundle "$B" nopivot >/dev/null 2>&1 && oci start nopivot >/dev/null 2>&1
expect_eq "exec enters a --no-pivot container's root" "inside-rootfs" \
	"$(oci exec nopivot cat /etc/hostname-probe 2>&1)"
oci delete -f nopivot >/dev/null 2>&1
rm -f "$B/rootfs/etc/hostname-probe"

# cgroup v2 device rules (an eBPF program on the container's group): the
# runtime runs in a mount namespace of its own that shows it a v2 host --
# v1 memory and pids, the v2 hierarchy, no v1 devices or freezer (they
# would take the container) -- so the container's group is a v2 one.
# Without rules the v2 group has no program and /dev/fuse opens (v1's
# devices group would have strata's default list)
v2run() {	# v2run ID: strata-runc run of the current config on a "v2 host"
	unshare -m --propagation private sh -c '
		# (only in this namespace: private, nothing reaches the host)
		for m in $(findmnt -rn -t cgroup,cgroup2 -o TARGET | sort -r); do
			umount -l "$m" || exit 99
		done
		mount -t tmpfs tmpfs /sys/fs/cgroup || exit 99
		for c in memory pids; do
			mkdir /sys/fs/cgroup/$c
			mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c || exit 99
		done
		mkdir /sys/fs/cgroup/unified
		mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified || exit 99
		had=$(ls -d /sys/fs/cgroup/unified/strata 2>/dev/null)
		"$@"; rc=$?
		[ -z "$had" ] && rmdir /sys/fs/cgroup/unified/strata 2>/dev/null
		exit $rc' sh "$RUNC" --root "$ROOT" run --bundle "$B" "$1" 2>&1
}
probe='(exec 3< /dev/fuse) 2>/dev/null && echo fuse-open || echo fuse-denied; echo x > /dev/null && echo null-ok; grep ^0:: /proc/self/cgroup'
fuse=',
    "devices": [{ "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438 }]'
config '["sh", "-c", "'"$probe"'"]' '' "$fuse"
expect_eq "v2: without device rules /dev/fuse opens (the process is in a v2 group)" "fuse-open
null-ok
0::/strata/oci-v2a" "$(v2run v2a)"
config '["sh", "-c", "'"$probe"'"]' '' "$fuse"',
    "resources": { "devices": [{ "allow": false, "access": "rwm" }] }'
expect_eq "v2: deny-all refuses opening /dev/fuse (EPERM), the default list keeps /dev/null" "fuse-denied
null-ok
0::/strata/oci-v2b" "$(v2run v2b)"
config '["sh", "-c", "'"$probe"'"]' '' "$fuse"',
    "resources": { "devices": [{ "allow": false, "access": "rwm" },
      { "allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw" }] }'
expect_eq "v2: a later allow rule lets /dev/fuse open again" "fuse-open
null-ok
0::/strata/oci-v2c" "$(v2run v2c)"

# create / start / state / kill / delete, with hooks
hooklog="$B/hooks.log"
printf '#!/bin/sh\n{ echo "$1"; cat; echo; } >> %s\n' "$hooklog" > "$B/hook.sh"
chmod +x "$B/hook.sh"
config '["sleep", "300"]' '' '' '' ',
  "hooks": {
    "prestart": [{ "path": "'"$B"'/hook.sh", "args": ["hook.sh", "prestart"] }],
    "createRuntime": [{ "path": "'"$B"'/hook.sh", "args": ["hook.sh", "createRuntime"] }],
    "poststart": [{ "path": "'"$B"'/hook.sh", "args": ["hook.sh", "poststart"] }],
    "poststop": [{ "path": "'"$B"'/hook.sh", "args": ["hook.sh", "poststop"] }]
  },
  "annotations": { "org.example.key": "value" }'
# the process keeps create's stdio (as with runc): not a pipe the test waits on
oci create --bundle "$B" --pid-file "$B/pid" life >"$B/life.out" 2>&1
expect_eq "create" "0" "$?"
expect_match "state after create is created" '"status": "created"' "$(oci state life)"
pid=$(cat "$B/pid")
expect_match "the pid file holds the process" '^[0-9]+$' "$pid"
expect_match "state shows the pid and annotations" "\"pid\": $pid.*org.example.key|org.example.key.*\"pid\": $pid" "$(oci state life | tr -d '\n')"
check "start" oci start life
expect_match "state after start is running" '"status": "running"' "$(oci state life)"
expect_match "list shows it" '^life +[0-9]+ +running' "$(oci list)"
expect_match "ps lists its pid" "^$pid\$" "$(oci ps life)"
check "pause" oci pause life
expect_match "state after pause is paused" '"status": "paused"' "$(oci state life)"
check "resume" oci resume life
out=$(oci exec life sh -c 'hostname; echo $$' 2>&1)
expect_match "exec runs in the container" '^ocibox' "$out"
printf '{"args":["sh","-c","id -u; pwd"],"cwd":"/tmp","user":{"uid":1000,"gid":1000},"env":["PATH=/bin"]}' > "$B/process.json"
out=$(oci exec --process "$B/process.json" life 2>&1)
expect_eq "exec --process takes the process's user and cwd" "1000
/tmp" "$out"
refuse "delete of a running container is refused" oci delete life
check "kill" oci kill life KILL
sleep 0.3
expect_match "state after kill is stopped" '"status": "stopped"' "$(oci state life)"
check "delete" oci delete life
refuse "state of a deleted container fails" oci state life
hooks=$(cut -c1-14 "$hooklog" | grep -E '^(prestart|createRuntime|poststart|poststop)$' | tr '\n' ' ')
expect_eq "hooks ran in order" "prestart createRuntime poststart poststop " "$hooks"
expect_match "hooks got the state on stdin" '"id": *"life"|"id":"life"' "$(cat "$hooklog")"

# errors: one line, non-zero, a JSON log line, nothing left behind
before=$(ls "$ROOT")
echo '{ "ociVersion": "1.1.0", "process": ' > "$B/config.json"
: > "$LOG"
out=$(oci create --bundle "$B" bad1 2>&1); rc=$?
[ $rc -ne 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && ok "malformed config.json: $out" ||
	not_ok "malformed config.json" "rc=$rc $out"
expect_match "the error is in the JSON log" '"level": *"error"' "$(cat "$LOG")"
config '["true"]' '' ',
    "namespaces": [{ "type": "pid" }, { "type": "mount" }, { "type": "bogus" }]'
refuse "an unknown namespace type is refused" oci create --bundle "$B" bad2
config '["true"]' '' '' '' ',
  "hooks": { "prestart": [{ "path": "/bin/false" }] }'
refuse "a failing hook fails create" oci create --bundle "$B" bad3
config '["/no/such/program"]'
refuse "a missing program fails create" oci create --bundle "$B" bad4
expect_eq "failed creates leave no state" "$before" "$(ls "$ROOT")"
no_leftovers "failed creates leave no cgroup" "oci-bad"
