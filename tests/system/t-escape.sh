# Must show 4: escape probes are refused inside a container.  The same
# probes are first shown to succeed for root on the host (where that is
# harmless), so a refusal inside means the container stopped them.
. "$(dirname "$0")/lib.sh"

probe="$STRATA_TESTS/probe"
host_ok=$("$probe" mount_tmpfs fsopen bpf perf_event userfaultfd open_by_handle \
	add_key unshare_user unshare_mnt clone_newns personality cgroup_write 2>&1 |
	grep -c '^ESCAPE')
[ "$host_ok" -ge 8 ] && ok "probes escape when run unconfined on the host ($host_ok)" ||
	not_ok "probes escape when run unconfined on the host" "only $host_ok"

out=$(st ct run --rm -v "$probe:/probe:ro" -- /probe all 2>&1)
rc=$?
echo "$out" | sed 's/^/     /'
refused=$(echo "$out" | grep -c '^ok ')
[ "$refused" -ge 20 ] && ok "at least 20 escape probes refused ($refused)" ||
	not_ok "at least 20 escape probes refused" "only $refused"
expect_eq "no probe escapes" "0" "$rc"

out=$(st ct run --rm -- sh -c 'echo 1 > /proc/sysrq-trigger' 2>&1)
[ $? -ne 0 ] && ok "shell cannot write /proc/sysrq-trigger" || not_ok "sysrq" "$out"
out=$(st ct run --rm -- sh -c 'mount -t tmpfs x /mnt' 2>&1)
[ $? -ne 0 ] && ok "busybox mount is refused" || not_ok "mount" "$out"
out=$(st ct run --rm -- sh -c 'ip link add dummy0 type dummy' 2>&1)
[ $? -ne 0 ] && ok "no CAP_NET_ADMIN: links cannot be added" || not_ok "ip link add" "$out"
out=$(st ct run --rm -- sh -c 'ls /sys/fs/cgroup/memory 2>/dev/null | wc -l; touch /sys/x' 2>&1)
[ $? -ne 0 ] && ok "/sys is read-only" || not_ok "/sys" "$out"
out=$(st ct run --rm -- sh -c 'cat /proc/timer_list /proc/keys | wc -c' 2>&1)
expect_eq "/proc/timer_list and /proc/keys are masked" "0" "$out"
