#!/bin/sh
# shellcheck disable=SC2002,SC2010,SC2045,SC2046,SC2086,SC2116
# strata benchmarks (make bench).  Results are printed as ratios against
# runc on the same root file system, or against the goals in
# bench/README.md.  Everything runs inside a network namespace made here,
# with a private state root; nothing is left on the host.
#
#   BENCH_N=30       runs per side of the start/exit benchmark
#   BENCH_COUNT=100  containers in the density benchmark
#   STRATA=path      binary to measure (default build/release/strata)
#
# Always exits 0: a failure is reported in the output, not as a status.
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SELF")/.." || exit 0
STRATA=${STRATA:-$PWD/build/release/strata}
N=${BENCH_N:-30}
COUNT=${BENCH_COUNT:-100}

# ---- outer: make the namespace and the work folder, run inner, clean ----
if [ "${1:-}" != "--inner" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: needs root (containers, network namespaces)"
		exit 0
	fi
	if [ ! -x "$STRATA" ]; then
		echo "bench: $STRATA not built (make release)"
		exit 0
	fi
	ns="bench-$$"
	work=$(mktemp -d /var/tmp/strata-bench.XXXXXX) || exit 0
	# Containers reach their rootfs as an unprivileged uid: every folder
	# above the state root must be searchable (a mktemp -d is not).
	chmod 711 "$work"
	# `ip netns exec` mounts a fresh /sys, hiding /sys/fs/cgroup; the inner
	# part mounts the same hierarchies again from this list, so strata and
	# runc both see the host's usual layout.
	awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) ~ /^cgroup2?$/) print $5, $(i + 1), $(i + 3) }' \
		/proc/self/mountinfo >"$work/cgmounts"
	if ! ip netns add "$ns"; then
		echo "bench: cannot create network namespace $ns"
		rm -rf "$work"
		exit 0
	fi
	ip -n "$ns" link set lo up
	# On ^C the inner part cleans up; this part then still removes the rest.
	trap : INT TERM
	ip netns exec "$ns" sh "$SELF" --inner "$work"
	ip netns del "$ns"
	rm -rf "$work"
	exit 0
fi

# ---- inner: inside the namespace ---------------------------------------
work=$2
export STRATA_ROOT="$work/root"
RUNC_ROOT="$work/runc"
BUNDLE="$work/bundle"
mkdir -p "$STRATA_ROOT" "$RUNC_ROOT"

say() { printf '%s\n' "$*"; }

# Whatever a failure or ^C left: containers, runc state.
inner_cleanup() {
	for n in $("$STRATA" ct ls --json 2>/dev/null | sed -n 's/.*"name": "\(.*\)".*/\1/p'); do
		"$STRATA" ct rm -f "$n" >/dev/null 2>&1
	done
	for c in $(ls "$RUNC_ROOT" 2>/dev/null); do
		runc --root "$RUNC_ROOT" delete -f "$c" >/dev/null 2>&1
	done
}
trap 'trap - INT TERM; echo "bench: interrupted, cleaning up"; inner_cleanup; exit 0' INT TERM

# Mount the host's cgroup hierarchies where they were (private mount ns).
restore_cgroups() {
	grep -q ' - cgroup2\{0,1\} ' /proc/self/mountinfo && return 0
	[ -s "$work/cgmounts" ] || return 0
	if ! awk '$1 == "/sys/fs/cgroup" { f = 1 } END { exit !f }' "$work/cgmounts"; then
		mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup || return 1
	fi
	while read -r mp type opts; do
		mkdir -p "$mp"
		if [ "$type" = cgroup2 ]; then
			mount -t cgroup2 -o nosuid,nodev,noexec cgroup "$mp"
		else
			mount -t cgroup -o "nosuid,nodev,noexec,${opts#rw,}" cgroup "$mp"
		fi
	done <"$work/cgmounts"
}
restore_cgroups || say "bench: could not mount the cgroup hierarchies again (runc may fail)"

now_us() { echo $(($(date +%s%N) / 1000)); }

# stats FILE -> "median p90 min max n" in ms (input: one value in us per line)
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 / 1000 }
		END {
			if (NR == 0) { print "- - - - 0"; exit }
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			r = int(0.9 * NR + 0.999999); if (r < 1) r = 1
			printf "%.1f %.1f %.1f %.1f %d\n", med, v[r], v[1], v[NR], NR
		}'
}

ratio() {	# ratio A B -> "0.37x" or "-"
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'
}

SUMMARY="$work/summary"
: >"$SUMMARY"
row() {	# row BENCH STRATA ANCHOR RATIO
	printf '%-40s %-14s %-16s %s\n' "$1" "$2" "$3" "$4" >>"$SUMMARY"
}

# ---- 1. start, run /bin/true, exit, clean up ---------------------------
say "== 1. ct run --rm -- /bin/true vs runc run (same busybox rootfs), $N runs each"

# First use makes the template and the bridge: not part of the measurement.
if ! out=$("$STRATA" ct run --rm -- /bin/true 2>&1); then
	say "strata: first run failed:"
	say "$out" | sed 's/^/    /'
fi
TEMPLATE="$STRATA_ROOT/templates/busybox/rootfs"

runc_ok=0
if ! command -v runc >/dev/null 2>&1; then
	say "runc: not installed (apt-get install runc); strata only"
elif [ ! -d "$TEMPLATE" ]; then
	say "runc: no template rootfs at $TEMPLATE; strata only"
else
	mkdir -p "$BUNDLE"
	cp -a "$TEMPLATE" "$BUNDLE/rootfs"
	if out=$(runc spec -b "$BUNDLE" 2>&1); then
		# The default spec runs an interactive "sh" on a read-only root in
		# new pid, net, ipc, uts and mount namespaces; make it /bin/true,
		# no terminal, writable root (strata's overlay is writable too).
		sed -i -e 's/"terminal": true/"terminal": false/' \
		       -e '/"args": \[/,/\]/s/"sh"/"\/bin\/true"/' \
		       -e 's/"readonly": true/"readonly": false/' "$BUNDLE/config.json"
		if out=$(runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" bench-warm 2>&1); then
			runc_ok=1
		else
			say "runc: run failed; strata only. Its error:"
			say "$out" | sed 's/^/    /'
			runc --root "$RUNC_ROOT" delete -f bench-warm >/dev/null 2>&1
		fi
	else
		say "runc: spec failed: $out"
	fi
fi

: >"$work/t-strata"
: >"$work/t-none"
: >"$work/t-runc"
fails_strata=0
fails_none=0
fails_runc=0
first_err=""
i=1
while [ "$i" -le "$N" ]; do
	t0=$(now_us)
	if out=$("$STRATA" ct run --rm -- /bin/true 2>&1); then
		echo $(($(now_us) - t0)) >>"$work/t-strata"
	else
		fails_strata=$((fails_strata + 1))
		[ -z "$first_err" ] && first_err="ct run --rm: $out"
	fi
	if [ "$runc_ok" = 1 ]; then
		t0=$(now_us)
		if out=$(runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" "bench-$i" 2>&1); then
			echo $(($(now_us) - t0)) >>"$work/t-runc"
		else
			fails_runc=$((fails_runc + 1))
			[ -z "$first_err" ] && first_err="runc: $out"
			runc --root "$RUNC_ROOT" delete -f "bench-$i" >/dev/null 2>&1
		fi
	fi
	t0=$(now_us)
	if out=$("$STRATA" ct run --rm --net none -- /bin/true 2>&1); then
		echo $(($(now_us) - t0)) >>"$work/t-none"
	else
		fails_none=$((fails_none + 1))
		[ -z "$first_err" ] && first_err="ct run --rm --net none: $out"
	fi
	i=$((i + 1))
done

set -- $(stats "$work/t-strata"); s_med=$1 s_p90=$2 s_min=$3 s_max=$4 s_n=$5
set -- $(stats "$work/t-none"); n_med=$1 n_p90=$2 n_min=$3 n_max=$4 n_n=$5
set -- $(stats "$work/t-runc"); r_med=$1 r_p90=$2 r_min=$3 r_max=$4 r_n=$5
printf '  %-28s %8s %8s %8s %8s  (ms, %s)\n' "" median p90 min max "ok runs"
printf '  %-28s %8s %8s %8s %8s  %s/%s\n' "strata (bridge + veth)" "$s_med" "$s_p90" "$s_min" "$s_max" "$s_n" "$N"
printf '  %-28s %8s %8s %8s %8s  %s/%s\n' "strata --net none" "$n_med" "$n_p90" "$n_min" "$n_max" "$n_n" "$N"
if [ "$runc_ok" = 1 ]; then
	printf '  %-28s %8s %8s %8s %8s  %s/%s\n' "runc run" "$r_med" "$r_p90" "$r_min" "$r_max" "$r_n" "$N"
fi
[ -n "$first_err" ] && say "  first failure: $first_err"
anchor_med="-" anchor_p90="-"
[ "$runc_ok" = 1 ] && anchor_med="$r_med ms" anchor_p90="$r_p90 ms"
row "ct run --rm /bin/true (median)" "$s_med ms" "$anchor_med" "$(ratio "$s_med" "$r_med")"
row "ct run --rm /bin/true (p90)" "$s_p90 ms" "$anchor_p90" "$(ratio "$s_p90" "$r_p90")"
row "ct run --rm --net none (median)" "$n_med ms" "$anchor_med" "$(ratio "$n_med" "$r_med")"
row "ct run --rm --net none (p90)" "$n_p90 ms" "$anchor_p90" "$(ratio "$n_p90" "$r_p90")"
row "  veth cost (median, bridge - none)" \
	"$(awk -v a="$s_med" -v b="$n_med" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f ms\n", a - b }')" "" ""
if [ "$runc_ok" = 1 ]; then
	ls "$RUNC_ROOT" 2>/dev/null | grep -q . && say "  note: runc left state behind: $(ls "$RUNC_ROOT")"
fi

# ---- 2. COUNT containers from one template -----------------------------
say ""
say "== 2. $COUNT containers from one template, each with its own address"

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }	# kB
mem_used() {	# what free(1) calls used, in kB
	awk '{ m[$1] = $2 } END { print m["MemTotal:"] - m["MemFree:"] - m["Buffers:"] - m["Cached:"] - m["SReclaimable:"] }' /proc/meminfo
}
pss() {	# pss PID -> kB (0 when gone)
	cat "/proc/$1/smaps_rollup" 2>/dev/null | awk '$1 == "Pss:" { p = $2 } END { print p + 0 }'
}
pte() {	# pte PID -> kB of page tables (0 when gone)
	awk '$1 == "VmPTE:" { p = $2 } END { print p + 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}
state_field() {	# state_field NAME FIELD -> number from state.json
	sed -n "s/.*\"$2\": *\([0-9-]*\).*/\1/p" "$STRATA_ROOT/containers/$1/state.json" 2>/dev/null
}
cgroup_procs() {	# pids in the container's cgroup (any hierarchy)
	for d in /sys/fs/cgroup/*/strata/"$1"-* /sys/fs/cgroup/strata/"$1"-*; do
		[ -r "$d/cgroup.procs" ] || continue
		cat "$d/cgroup.procs"
		return 0
	done
	return 1
}

sync
sleep 1
snap() { grep -E '^(MemAvailable|AnonPages|Slab|SUnreclaim|KernelStack|PageTables|Percpu):' /proc/meminfo >"$1"; }
avail0=$(meminfo MemAvailable)
used0=$(mem_used)
snap "$work/mem0"
start_fail=0
start_err=""
: >"$work/t-start"
t0=$(now_us)
i=1
while [ "$i" -le "$COUNT" ]; do
	t1=$(now_us)
	if out=$("$STRATA" ct run -d --name "b$i" -- sleep 1000 2>&1); then
		echo $(($(now_us) - t1)) >>"$work/t-start"
	else
		start_fail=$((start_fail + 1))
		[ -z "$start_err" ] && start_err="b$i: $out"
	fi
	i=$((i + 1))
done
t_start=$(($(now_us) - t0))
sleep 1
avail1=$(meminfo MemAvailable)
used1=$(mem_used)
snap "$work/mem1"

# Pss of the monitors (state.json "monitor") and of the processes in each
# container's cgroup (the container's init and the sleep).
pss_mon=0
pss_ct=0
pte_mon=0
pte_ct=0
nmon=0
nproc=0
: >"$work/monitors"
i=1
while [ "$i" -le "$COUNT" ]; do
	m=$(state_field "b$i" monitor)
	st=$(sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' "$STRATA_ROOT/containers/b$i/state.json" 2>/dev/null)
	if [ "$st" = running ] && [ -n "$m" ] && [ "$m" -gt 0 ] 2>/dev/null; then
		echo "$m" >>"$work/monitors"
	fi
	procs=$(cgroup_procs "b$i") || procs=$(state_field "b$i" pid)
	for p in $procs; do
		k=$(pss "$p")
		pss_ct=$((pss_ct + k))
		pte_ct=$((pte_ct + $(pte "$p")))
		[ "$k" -gt 0 ] && nproc=$((nproc + 1))
	done
	i=$((i + 1))
done

# A monitor per container, or one supervisor for all of them: each
# process counted once.
for m in $(sort -u "$work/monitors"); do
	k=$(pss "$m")
	pss_mon=$((pss_mon + k))
	pte_mon=$((pte_mon + $(pte "$m")))
	[ "$k" -gt 0 ] && nmon=$((nmon + 1))
done

# Every container running, each with its own address.
ls_json=$("$STRATA" ct ls --json 2>&1)
running_ips() {	# addresses of the running containers, one a line
	printf '%s\n' "$ls_json" | awk -F'"' '
		$2 == "status" { st = $4 }
		$2 == "ip" { ip = $4 }
		/^  }/ { if (st == "running" && ip != "") print ip; st = ""; ip = "" }'
}
nrun=$(printf '%s\n' "$ls_json" | grep -c '"status": "running"')
nip=$(running_ips | wc -l)
nuniq=$(running_ips | sort -u | wc -l)
nveth=$(ip -o link show type veth 2>/dev/null | grep -c 'sv[0-9a-f]\{10\}')

names=""
i=1
while [ "$i" -le "$COUNT" ]; do
	names="$names b$i"
	i=$((i + 1))
done
t0=$(now_us)
# shellcheck disable=SC2086
rm_out=$("$STRATA" ct rm -f $names 2>&1)
rm_rc=$?
t_rm=$(($(now_us) - t0))
# The kernel frees network namespaces from a work queue: give it a moment.
sleep 3
avail2=$(meminfo MemAvailable)
snap "$work/mem2"

# What the teardown left behind.
left_ct=$("$STRATA" ct ls --json 2>/dev/null | grep -c '"name"')
left_veth=$(ip -o link show type veth 2>/dev/null | grep -o 'sv[0-9a-f]\{10\}' | sort -u)
left_cg=$(find /sys/fs/cgroup -maxdepth 3 -path '*/strata/*' -type d 2>/dev/null |
	grep -E '/strata/b[0-9]+-[0-9a-f]{12}$')
left_mnt=$(grep -cF "$STRATA_ROOT" /proc/self/mountinfo)
left_mon=""
for m in $(sort -u "$work/monitors"); do
	[ -d "/proc/$m" ] && grep -q strata "/proc/$m/cmdline" 2>/dev/null && left_mon="$left_mon $m"
done
left_dirs=$(ls -A "$STRATA_ROOT/containers" 2>/dev/null | grep -v '^\.lock$')

per=$((COUNT > 0 ? COUNT : 1))
kib() { awk -v v="$1" -v n="$per" 'BEGIN { printf "%.0f KiB\n", v / n }'; }
printf '  started %d/%d in %.2f s (%.1f ms each); %d running, %d addresses, %d distinct, %d veths\n' \
	$((COUNT - start_fail)) "$COUNT" "$(awk -v t="$t_start" 'BEGIN { print t / 1e6 }')" \
	"$(awk -v t="$t_start" -v n="$per" 'BEGIN { print t / 1e3 / n }')" "$nrun" "$nip" "$nuniq" "$nveth"
[ -n "$start_err" ] && say "  first start failure: $start_err"
dec=$((COUNT / 10 > 0 ? COUNT / 10 : 1))
head -n "$dec" "$work/t-start" >"$work/t-first"
tail -n "$dec" "$work/t-start" >"$work/t-last"
t_sum=$(awk '{ s += $1 } END { print s + 0 }' "$work/t-start")
set -- $(stats "$work/t-start")
say "  one start (ct run -d): median $1 ms, p90 $2 ms, max $4 ms; sum of the starts $(awk -v t="$t_sum" 'BEGIN { printf "%.2f", t / 1e6 }') s (the rest of the total is this script's loop)"
f_med=$(stats "$work/t-first" | cut -d' ' -f1)
l_med=$(stats "$work/t-last" | cut -d' ' -f1)
say "  first $dec starts median $f_med ms, last $dec starts median $l_med ms (growth with the count: $(ratio "$l_med" "$f_med"))"
say "  host memory per container: MemAvailable $(kib $((avail0 - avail1))), used $(kib $((used1 - used0)))"
say "    of which (meminfo deltas per container):$(paste "$work/mem0" "$work/mem1" |
	awk -v n="$per" '$1 != "MemAvailable:" { sub(":", "", $1); printf " %s %.0f", $1, ($5 - $2) / n }') KiB"
say "  Pss per container: monitors $(kib "$pss_mon") ($nmon monitor processes), container processes $(kib "$pss_ct") ($nproc processes)"
# What the processes alone cost, free of the host's noise: Pss, page
# tables, and a kernel stack each (16 KiB on x86-64, the kernel's
# THREAD_SIZE; KernelStack in meminfo grows by that per task).
own=$((pss_mon + pss_ct + pte_mon + pte_ct + 16 * (nmon + nproc)))
say "  processes' own per container: $(kib "$own") (Pss $(kib $((pss_mon + pss_ct))), page tables $(kib $((pte_mon + pte_ct))) (monitor $(kib "$pte_mon")), kernel stacks $(kib $((16 * (nmon + nproc)))))"
say "  3 s after teardown, against the start (whole host, so anything else running shows too): MemAvailable $(((avail2 - avail0) / 1024)) MiB,$(paste "$work/mem0" "$work/mem2" |
	awk '$1 != "MemAvailable:" { sub(":", "", $1); printf " %s %+.1f", $1, ($5 - $2) / 1024 }') MiB"
printf '  teardown (one ct rm -f of all): %.2f s (%.1f ms each), exit %d\n' "$(awk -v t="$t_rm" 'BEGIN { print t / 1e6 }')" "$(awk -v t="$t_rm" -v n="$per" 'BEGIN { print t / 1e3 / n }')" "$rm_rc"
[ "$rm_rc" != 0 ] && printf '%s\n' "$rm_out" | head -n 5 | sed 's/^/    /'
[ "$left_ct" != 0 ] && say "  LEAK: $left_ct containers still listed"
[ -n "$left_veth" ] && say "  LEAK: veths left: $(echo $left_veth)"
[ -n "$left_cg" ] && say "  LEAK: cgroups left: $(echo "$left_cg" | wc -l) (e.g. $(echo "$left_cg" | head -n 1))"
[ "$left_mnt" != 0 ] && say "  LEAK: $left_mnt mounts under $STRATA_ROOT"
[ -n "$left_mon" ] && say "  LEAK: monitors still running:$left_mon"
[ -n "$left_dirs" ] && say "  LEAK: container folders left: $(echo $left_dirs | head -c 200)"
[ "$left_ct$left_veth$left_cg$left_mnt$left_mon$left_dirs" = "00" ] && say "  teardown left nothing behind (containers, veths, cgroups, mounts, monitors)"

row "start $COUNT x ct run -d (total)" "$(awk -v t="$t_start" 'BEGIN { printf "%.2f s\n", t / 1e6 }')" "goal 2 s" \
	"$(awk -v t="$t_start" 'BEGIN { printf "%.2fx\n", t / 1e6 / 2 }')"
row "host memory per container (MemAvail)" "$(kib $((avail0 - avail1)))" "goal 256 KiB" \
	"$(awk -v v="$((avail0 - avail1))" -v n="$per" 'BEGIN { printf "%.2fx\n", v / n / 256 }')"
row "host memory per container (used)" "$(kib $((used1 - used0)))" "goal 256 KiB" \
	"$(awk -v v="$((used1 - used0))" -v n="$per" 'BEGIN { printf "%.2fx\n", v / n / 256 }')"
row "Pss per container: monitor" "$(kib "$pss_mon")" "" ""
row "Pss per container: its processes" "$(kib "$pss_ct")" "" ""
row "processes' own (Pss+tables+stacks)" "$(kib "$own")" "" ""
row "distinct addresses" "$nuniq/$COUNT" "" ""
row "teardown of $COUNT (ct rm -f)" "$(awk -v t="$t_rm" 'BEGIN { printf "%.2f s\n", t / 1e6 }')" "" ""

# ---- summary --------------------------------------------------------------
say ""
printf '%-40s %-14s %-16s %s\n' bench strata "anchor(runc/goal)" ratio
cat "$SUMMARY"

inner_cleanup
exit 0
