# Must show 3: a fork bomb stops at --pids, a memory hog is OOM-killed
# inside its container, and the host and other containers keep running.
. "$(dirname "$0")/lib.sh"

check "a neighbour container runs" st ct run -d --name neighbour -- sleep 300

# A bounded fork bomb: asks for 200 sleeping children, gets what --pids
# allows; the shell gives up at the first fork the kernel refuses.
out=$(st ct run --rm --pids 20 -- sh -c '
	for i in $(seq 200); do sleep 30 & echo started; done' 2>&1)
n=$(echo "$out" | grep -c started)
[ "$n" -ge 1 ] && [ "$n" -lt 20 ] && ok "fork bomb stops at --pids 20 ($n children)" ||
	not_ok "fork bomb stops at --pids 20" "children: $n"
expect_match "the refused fork is reported inside" "can't fork" "$out"

st ct run --rm --memory 32M -- sh -c \
	'x=$(dd if=/dev/zero bs=1M count=200 2>/dev/null | tr "\0" a); echo survived' >/dev/null 2>&1
rc=$?
expect_eq "memory hog is OOM-killed (137)" "137" "$rc"

check "the neighbour is still running" st ct exec neighbour -- true
check "the host still forks" sh -c 'true'

check "limits are written to the cgroup" st ct run -d --name lim --memory 64M --cpus 0.5 --pids 33 -- sleep 300
id=$(st ct inspect lim | sed -n 's/^  "id": "\(.*\)",/\1/p')
cg="lim-$id"
mem=$(cat /sys/fs/cgroup/memory/strata/$cg/memory.limit_in_bytes 2>/dev/null ||
	cat /sys/fs/cgroup/strata/$cg/memory.max 2>/dev/null ||
	cat /run/strata/cgroup/memory/strata/$cg/memory.limit_in_bytes 2>/dev/null)
expect_eq "memory limit is 64M" "67108864" "$mem"
quota=$(cat /sys/fs/cgroup/cpu/strata/$cg/cpu.cfs_quota_us 2>/dev/null ||
	cat /run/strata/cgroup/cpu/strata/$cg/cpu.cfs_quota_us 2>/dev/null ||
	cut -d' ' -f1 /sys/fs/cgroup/strata/$cg/cpu.max 2>/dev/null)
expect_eq "cpu quota is half a CPU" "50000" "$quota"
out=$(st ct exec lim -- cat /proc/self/cgroup 2>&1 | head -n 3)
expect_match "the container sees its cgroup as its root" ':/$' "$out"
check "stop removes the cgroup" st ct stop -t 1 lim
gone=$(find /sys/fs/cgroup /run/strata/cgroup -maxdepth 3 -name "$cg" 2>/dev/null | wc -l)
expect_eq "no cgroup left after stop" "0" "$gone"
