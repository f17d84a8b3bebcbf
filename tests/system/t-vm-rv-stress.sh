# The stock riscv64 guest's own test (issue 6): inside the reference
# guest (`strata vm image riscv64`, 2 harts) a short stress runs from an
# ext4 disk made here -- the riscv64 programs of tests/emu (static) and a
# busybox loop (generated data through sort, md5sum, gzip, sed, awk in
# parallel jobs) -- and the same script runs on the host under `strata
# emu` with the guest's own busybox, taken from its initramfs.  Both
# sides must print the same: the hart, its MMU and SMP under Linux
# agree with the user-mode translator, program by program.  First,
# tests/rvsys/race.c runs as the guest's /init on 2 and 4 harts: the
# translator's SMP races of issue 6, each part checking its own data.
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
EMU_TESTS=${STRATA_EMU_TESTS:-$root/build/emu-tests}
# the programs whose output does not depend on where they run (args
# prints its path and environment, netecho needs a network)
PROGS="hello compute files malloc procs threads signals"
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -rf "$tmp"
}
trap 'cleanup; finish' EXIT
trap 'exit 1' INT TERM

if [ -z "${STRATA_RV_KERNEL:-}" ] &&
   img=$(STRATA_IMAGES=${STRATA_IMAGES:-$root/build/cache/images} "$STRATA" vm image riscv64 --cached 2>/dev/null); then
	STRATA_RV_KERNEL=$(echo "$img" | awk '$1 == "kernel" { print $2 }')
	STRATA_RV_INITRD=$(echo "$img" | awk '$1 == "initrd" { print $2 }')
fi
if [ ! -f "${STRATA_RV_KERNEL:-}" ] || [ ! -f "${STRATA_RV_INITRD:-}" ]; then
	echo "skip: no reference guest (strata vm image riscv64, or STRATA_RV_KERNEL/STRATA_RV_INITRD)"
	exit 0
fi
# tests/rvsys/race.c as /init, appended to the reference initramfs (the
# later archive's /init wins): the races of issue 6 -- a load after a
# COW fault, fork under threads, mmap/munmap/mprotect churn under a
# writer, malloc across threads, LR/SC and AMOs -- on 2 and 4 harts
# under the translator.  Each part checks its own data and takes
# RACE_SECS of guest time; a panic (init killed) reboots at once.
race() {
	_cpus=$1 _secs=$2
	out=$("$STRATA" vm run --arch riscv64 --kernel "$STRATA_RV_KERNEL" \
		--initrd "$tmp/race-initrd.cpio" --mem 256M --cpus "$_cpus" --timeout 90 \
		--cmdline "console=ttyS0 quiet panic=-1 print-fatal-signals=1 RACE_SECS=$_secs" \
		</dev/null 2>&1 | tr -d '\r')
	expect_match "race.c on $_cpus harts: every part checks out (race: PASS)" '^race: PASS$' "$out"
	echo "$out" | grep -q '^race: PASS$' ||
		echo "$out" | grep -v '^\[<' | tail -n 20 | sed 's/^/     console: /'
}
if command -v riscv64-linux-gnu-gcc >/dev/null && command -v cpio >/dev/null; then
	mkdir -p "$tmp/race"
	riscv64-linux-gnu-gcc -O2 -static -pthread "$root/tests/rvsys/race.c" -o "$tmp/race/init"
	(cd "$tmp/race" && echo init | cpio -o -H newc --quiet -R 0:0) >"$tmp/race.cpio"
	cat "$STRATA_RV_INITRD" "$tmp/race.cpio" >"$tmp/race-initrd.cpio"
	race 2 1
	race 4 0.5
else
	echo "skip: race.c (no riscv64-linux-gnu-gcc or cpio)"
fi

for p in $PROGS; do
	if [ ! -x "$EMU_TESTS/$p-static" ]; then
		echo "skip: no riscv64 test programs in $EMU_TESTS (make emu-tests)"
		exit 0
	fi
done
if ! command -v mkfs.ext4 >/dev/null || ! command -v cpio >/dev/null; then
	echo "skip: no mkfs.ext4 or cpio (scripts/deps.sh: e2fsprogs, cpio)"
	exit 0
fi

# The stress, a POSIX sh script run by busybox sh on both sides:
#   sh stress.sh BINDIR WORKDIR
# Every output goes through a file and is printed in a fixed order, so
# the parallel jobs cannot interleave.
mkdir -p "$tmp/disk/bin"
for p in $PROGS; do
	cp "$EMU_TESTS/$p-static" "$tmp/disk/bin/$p"
done
cat >"$tmp/disk/stress.sh" <<'EOF'
b=$1 w=$2
mkdir -p "$w" && cd "$w" || exit 1
# the programs two at a time, as many as there are harts
set -- hello compute files malloc procs threads signals
while [ $# -gt 0 ]; do
	for p in "$1" "${2:-}"; do
		[ -n "$p" ] || continue
		{ "$b/$p"; echo "exit $?"; } >"$p.out" 2>&1 &
	done
	wait
	for p in "$1" "${2:-}"; do
		[ -n "$p" ] || continue
		echo "== $p"
		cat "$p.out"
	done
	shift; [ $# -gt 0 ] && shift
done
# busybox: 4 parallel jobs over the same generated data
seq 1 600 | awk '{ printf "%d %d %s\n", ($1 * 7919) % 10007, $1 * $1, substr("abcdefghij", $1 % 10 + 1) }' >data
job() {
	sort -n data | md5sum
	sort -k3,3 -k2,2nr data | uniq -c -f2 | tail -n 3
	gzip -c <data >"data.$1.gz"
	md5sum <"data.$1.gz"
	gzip -dc <"data.$1.gz" | cmp - data && echo "gzip round trip $1"
	sed "s/^/$1 /" data | sort -k2,2n -k3,3n | tail -n 1
	tr 'a-j' 'A-J' <data | grep -c F
	awk '{ s += $2 } END { print s }' data
}
for j in 1 2 3 4; do
	job "$j" >"job.$j" 2>&1 &
done
wait
for j in 1 2 3 4; do
	echo "== job $j"
	cat "job.$j"
done
cd / && rm -rf "$w"
EOF
mkfs.ext4 -q -F -d "$tmp/disk" "$tmp/stress.ext4" 32M >/dev/null 2>&1
check "the programs and the script go on an ext4 disk (mkfs.ext4 -d)" test -s "$tmp/stress.ext4"

# the same busybox as the guest's: its initramfs holds a static one
(cd "$tmp" && cpio -id --quiet bin/busybox <"$STRATA_RV_INITRD")
mkdir -p "$tmp/hostbin"
if [ -x "$tmp/bin/busybox" ]; then
	for a in $("$STRATA" emu run "$tmp/bin/busybox" --list); do
		ln -s "$tmp/bin/busybox" "$tmp/hostbin/$a"
	done
fi
t0=$(date +%s.%N)
PATH="$tmp/hostbin" "$STRATA" emu run "$tmp/bin/busybox" sh "$tmp/disk/stress.sh" \
	"$tmp/disk/bin" "$tmp/emu-work" >"$tmp/emu.out" 2>&1
t1=$(date +%s.%N)
expect_match "under strata emu the stress ends with the busybox jobs" '^gzip round trip 4$' \
	"$(cat "$tmp/emu.out")"

# wait_for REGEX: 0 when the console shows it (in 120 s)
wait_for() {
	_i=0
	while [ $_i -lt 2400 ]; do
		grep -qE -- "$1" "$tmp/vm.log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
# The commands go in once the prompt is there (the 8250 driver drops what
# came before it opened the port); the end marker is computed so that the
# echo of the command line does not match it.
mkfifo "$tmp/vm.in"
"$STRATA" vm run --arch riscv64 --kernel "$STRATA_RV_KERNEL" --initrd "$STRATA_RV_INITRD" \
	--cmdline "console=ttyS0 quiet" --mem 256M --cpus 2 --disk "$tmp/stress.ext4" \
	--timeout 150 <"$tmp/vm.in" >"$tmp/vm.log" 2>&1 &
pid=$!
exec 3>"$tmp/vm.in"
t2=$(date +%s.%N)
wait_for '^/ # '
t3=$(date +%s.%N)
printf 'mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && sh /mnt/stress.sh /mnt/bin /tmp/stress >/mnt/guest.out 2>&1; echo STRESS-BEGIN-$((2*2)); cat /mnt/guest.out; echo STRESS-END-$((3*3)); umount /mnt\n' >&3
wait_for '^STRESS-END-9'
t4=$(date +%s.%N)
printf 'poweroff -f\n' >&3
wait "$pid"; rc=$?
pid=""
exec 3>&-
expect_eq "the guest runs the stress and powers off with 0" "0" "$rc"
[ "$rc" = 0 ] || tr -d '\r' <"$tmp/vm.log" | tail -n 25 | sed 's/^/     console: /'
tr -d '\r' <"$tmp/vm.log" | sed -n '/^STRESS-BEGIN-4/,/^STRESS-END-9/p' | sed '1d;$d' >"$tmp/guest.out"
expect_match "the guest prints the stress between the markers" '^gzip round trip 4$' \
	"$(cat "$tmp/guest.out")"
for p in $PROGS; do
	want=$(sed -n "/^== $p\$/,/^exit /p" "$tmp/emu.out")
	got=$(sed -n "/^== $p\$/,/^exit /p" "$tmp/guest.out")
	expect_eq "$p prints the same in the guest as under strata emu" "$want" "$got"
done
expect_eq "the busybox jobs print the same in the guest as under strata emu" \
	"$(sed -n '/^== job 1$/,$p' "$tmp/emu.out")" "$(sed -n '/^== job 1$/,$p' "$tmp/guest.out")"
check "and the disk is clean after the guest's writes (e2fsck -n)" e2fsck -fn "$tmp/stress.ext4"
echo "timing: strata emu $(echo "$t1 - $t0" | bc) s; guest boot $(echo "$t3 - $t2" | bc) s, stress $(echo "$t4 - $t3" | bc) s"
