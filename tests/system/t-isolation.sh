# Must show 1: a container sees only its processes, has its own host name,
# is root inside but an unprivileged uid outside, and cannot reach the
# host's files outside its root.
. "$(dirname "$0")/lib.sh"

out=$(st ct run --rm --hostname box1 -- hostname 2>&1)
expect_eq "hostname is the container's own" "box1" "$out"

out=$(st ct run --rm -- sh -c 'ps -o pid,comm | tail -n +2' 2>&1)
n=$(echo "$out" | wc -l)
expect_match "ps inside shows pid 1" '^ *1 ' "$out"
[ "$n" -le 4 ] && ok "ps inside sees only the container's processes ($n)" ||
	not_ok "ps inside sees only the container's processes" "$out"

out=$(st ct run --rm -- id -u 2>&1)
expect_eq "id -u inside is 0" "0" "$out"

check "detached container starts" st ct run -d --name iso -- sleep 300
pid=$(st ct inspect iso | sed -n 's/.*"pid": \([0-9]*\).*/\1/p' | head -n 1)
uid=$(stat -c %u "/proc/$pid" 2>/dev/null)
expect_eq "the host sees the container's root as uid 100000" "100000" "$uid"
out=$(st ct exec iso -- sh -c 'ls -ln /bin/busybox' 2>&1)
expect_match "template files appear owned by the container's root" ' 0 +0 ' "$out"

marker=$(mktemp /tmp/strata-marker.XXXXXX)
out=$(st ct exec iso -- sh -c "test -e $marker && echo visible || echo hidden" 2>&1)
expect_eq "host files outside the root are unreachable" "hidden" "$out"
rm -f "$marker"

out=$(st ct exec iso -- ps -o pid,args 2>&1)
expect_match "exec joins the container's pid namespace" '^ *2 +sleep 300' "$out"
expect_match "where init is pid 1" '^ *1 +strata-init' "$out"

check "writes land in the container's own layer" \
	st ct exec iso -- sh -c 'echo hello > /root/f && cat /root/f'
tmpl=$(find "$STRATA_ROOT/templates/busybox/rootfs/root" -name f | wc -l)
expect_eq "the template is untouched" "0" "$tmpl"

out=$(st ct exec iso -- cat /proc/self/status 2>&1 | grep -E '^(CapEff|NoNewPrivs|Seccomp):' | tr -s '\t ' ' ')
expect_match "no_new_privs is set" 'NoNewPrivs: 1' "$out"
expect_match "seccomp filter is on" 'Seccomp: 2' "$out"
expect_match "capabilities are Docker's default set" 'CapEff: 00000000a80425fb' "$out"

out=$(st ct exec iso -- sh -c 'echo x > /proc/sys/kernel/domainname' 2>&1)
[ $? -ne 0 ] && ok "/proc/sys is read-only" || not_ok "/proc/sys is read-only" "$out"

out=$(st ct exec iso -- ls /dev 2>&1 | tr '\n' ' ')
expect_match "/dev is minimal" '^console full null ptmx pts random shm stderr stdin stdout tty urandom zero' "$(echo "$out" | sed 's/core //; s/fd //')"

check "stop ends the container" st ct stop --timeout 2 iso
out=$(st ct ls | awk '$1 == "iso" { print $2 }')
expect_eq "stopped container is listed as stopped" "stopped" "$out"
check "a stopped container starts again" st ct start iso
check "and answers exec" st ct exec iso -- true
check "rm -f removes a running container" st ct rm -f iso
out=$(st ct ls | grep -c '^iso ' || true)
expect_eq "removed container is gone" "0" "$out"

out=$(printf 'echo from-tty; exit 3\n' | st ct run --rm -i -- sh 2>&1; echo "rc=$?")
expect_match "stdin reaches the command and its exit code comes back" 'from-tty' "$out"
expect_match "exit code is the command's" 'rc=3' "$out"
