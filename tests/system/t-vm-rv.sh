# strata vm run --arch riscv64: the RISC-V machine run by the translator,
# with the bare-metal guest tests/guests/rv-hello (built into build/guests
# by `make guests` when riscv64-linux-gnu-gcc is there): an Image and an
# ELF, SBI console/timer/HSM/IPI/SRST, the UART, the DTB, virtio-mmio
# devices through the PLIC, every way a run ends, and setup errors; then
# background riscv64 VMs (run -d, ls, the API, stop, attach, rm).
. "$(dirname "$0")/lib.sh"

G=${STRATA_GUESTS:-$(dirname "$0")/../../build/guests}
tmp=$(mktemp -d)
rv() {
	"$STRATA" vm run --arch riscv64 "$@" </dev/null
}

if [ ! -f "$G/rv-hello.img" ]; then
	echo "skip: no riscv64 guests in $G (make guests, gcc-riscv64-linux-gnu)"
	rm -rf "$tmp"
	exit 0
fi

out=$(rv --kernel "$G/rv-hello.img" --mem 64M --timeout 30 2>&1); rc=$?
expect_eq "an Image guest shuts down through SBI SRST with 0" "0" "$rc"
expect_match "it prints through the legacy SBI console" '^hello via SBI$' "$out"
expect_match "and through the 16550A UART" '^hello via UART$' "$out"
expect_match "and through SBI DBCN" '^hello via SBI DBCN$' "$out"
expect_match "a0 is hart 0, a1 the DTB" '^dtb ok$' "$out"
expect_match "SBI spec version 2.0" '^sbi spec 0x0000000002000000$' "$out"
expect_match "the SBI timer raises STIP after its deadline" '^timer ok$' "$out"

out=$(rv --kernel "$G/rv-hello.img" --stats --timeout 30 2>&1 >/dev/null)
expect_match "--stats counts MMIO accesses and times" '^strata: vm: [0-9]+ MMIO accesses, first instruction after [0-9.]+ ms, [0-9.]+ ms in all$' "$out"

out=$(rv --kernel "$G/rv-hello" --mem 64M --timeout 30 2>&1); rc=$?
expect_eq "the same guest as an ELF" "0" "$rc"
expect_match "prints the same" '^timer ok$' "$out"

out=$(rv --kernel "$G/rv-hello.img" --cpus 4 --mem 64M --timeout 30 2>&1); rc=$?
expect_eq "--cpus 4: the guest starts harts 1-3 (SBI HSM), IPIs and stops them" "0" "$rc"
expect_match "every hart came up" '^harts up 0x0000000000000004$' "$out"

printf 'STRATA-RV-DISK-0 and more' > "$tmp/disk.raw"
truncate -s 1M "$tmp/disk.raw"
out=$(rv --kernel "$G/rv-hello.img" --mem 64M --disk "$tmp/disk.raw,ro" --rng --timeout 30 2>&1); rc=$?
expect_eq "virtio-blk and virtio-rng over virtio-mmio" "0" "$rc"
expect_match "the guest reads sector 0, the PLIC delivers source 2" \
	'^blk 0, irq 2: sector 0 "STRATA-RV-DISK-0"$' "$out"
expect_match "the rng fills 16 bytes, source 3" '^rng 1, irq 3: 16 bytes$' "$out"

rv --kernel "$G/rv-hello.img" --cmdline end=reboot --timeout 30 >/dev/null 2>&1; rc=$?
expect_eq "SRST reboot ends the run with 0" "0" "$rc"
rv --kernel "$G/rv-hello.img" --cmdline end=legacy --timeout 30 >/dev/null 2>&1; rc=$?
expect_eq "legacy SBI shutdown ends with 0" "0" "$rc"
rv --kernel "$G/rv-hello.img" --cmdline "quiet end=exit:7" --timeout 30 >/dev/null 2>&1; rc=$?
expect_eq "the test device (syscon) sets the exit code" "7" "$rc"
out=$(rv --kernel "$G/rv-hello.img" --cmdline end=crash --timeout 30 2>&1); rc=$?
expect_eq "a crashed guest exits 1" "1" "$rc"
expect_match "with a diagnosis from the hart" '^strata: vm run: guest crashed at pc 0x[0-9a-f]+ priv S .*scause' \
	"$(echo "$out" | tail -n 1)"
out=$(rv --kernel "$G/rv-hello.img" --cmdline end=spin --timeout 0.5 2>&1); rc=$?
expect_eq "--timeout stops a spinning guest with 124" "124" "$rc"
expect_match "and says why" '^strata: vm run: guest still running after 0.5 s' "$(echo "$out" | tail -n 1)"

printf 'initrd' > "$tmp/initrd"
rv --kernel "$G/rv-hello.img" --initrd "$tmp/initrd" --timeout 30 >/dev/null 2>&1; rc=$?
expect_eq "an initrd is placed below the DTB" "0" "$rc"
head -c 8M /dev/zero > "$tmp/big"
out=$(rv --kernel "$G/rv-hello.img" --mem 4M --initrd "$tmp/big" 2>&1); rc=$?
expect_eq "an initrd too big for --mem: setup failure 125" "125" "$rc"
expect_match "one line says so" 'initrd .*do not fit in guest memory' "$out"
out=$(rv --kernel "$tmp/nonexistent" 2>&1); rc=$?
expect_eq "a missing kernel: 125" "125" "$rc"
printf '\177ELF\002\001\001' > "$tmp/bad.elf"
head -c 64 /dev/zero >> "$tmp/bad.elf"
out=$(rv --kernel "$tmp/bad.elf" 2>&1); rc=$?
expect_eq "an ELF that is not a RISC-V executable: 125" "125" "$rc"
expect_match "one line says so" 'not a RISC-V executable' "$out"
out=$("$STRATA" vm run --arch sparc --kernel "$G/rv-hello.img" 2>&1); rc=$?
expect_eq "an unknown --arch is a usage error" "2" "$rc"

# Linux, when a riscv64 Image and a busybox initramfs (its /init ends in a
# shell on the console) are given: STRATA_RV_KERNEL, STRATA_RV_INITRD.
# The commands go in once the prompt is there (the 8250 driver drops
# what came before it opened the port).
wait_for() {	# wait_for REGEX FILE PID: 0 when it shows up in 120 s
	_i=0
	while [ $_i -lt 2400 ]; do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
# the reference guest of `strata vm image riscv64` when t-vm-image.sh (or
# a user) has built it into build/cache/images; STRATA_RV_KERNEL and
# STRATA_RV_INITRD name another one
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${STRATA_RV_KERNEL:-}" ] &&
   img=$(STRATA_IMAGES=${STRATA_IMAGES:-$root/build/cache/images} "$STRATA" vm image riscv64 --cached 2>/dev/null); then
	STRATA_RV_KERNEL=$(echo "$img" | awk '$1 == "kernel" { print $2 }')
	STRATA_RV_INITRD=$(echo "$img" | awk '$1 == "initrd" { print $2 }')
	STRATA_RV_DISK=$(echo "$img" | awk '$1 == "disk" { print $2 }')
fi
# boot_shell NAME CPUS EXTRA...: Linux up to its shell, console on fd 3
boot_shell() {
	_name=$1 _cpus=$2
	shift 2
	mkfifo "$tmp/$_name.in"
	"$STRATA" vm run --arch riscv64 --kernel "$STRATA_RV_KERNEL" --initrd "$STRATA_RV_INITRD" \
		--cmdline console=ttyS0 --mem 256M --cpus "$_cpus" "$@" \
		--timeout 150 <"$tmp/$_name.in" >"$tmp/$_name.log" 2>&1 &
	pid=$!
	exec 3>"$tmp/$_name.in"
	wait_for '^/ # ' "$tmp/$_name.log" $pid
}
if [ -f "${STRATA_RV_KERNEL:-}" ] && [ -f "${STRATA_RV_INITRD:-}" ]; then
	boot_shell linux 2 --rng --disk "$tmp/disk.raw,ro"
	printf 'echo MARK-$((6*7)) $(uname -m) $(nproc) $(sed -n "s/MemTotal: *//p" /proc/meminfo); head -c 16 /dev/vda; echo\n' >&3
	wait_for '^STRATA-RV-DISK-0' "$tmp/linux.log" $pid
	printf 'head -c 16 /dev/hwrng | od -An -tx1; echo RNG-DONE-$((1+2))\n' >&3
	wait_for '^RNG-DONE-3' "$tmp/linux.log" $pid
	printf 'poweroff -f\n' >&3
	wait $pid; rc=$?
	exec 3>&-
	out=$(cat "$tmp/linux.log")
	expect_eq "Linux boots to a shell and powers off with 0" "0" "$rc"
	expect_match "SBI 2.0 with every extension it probes" '^SBI HSM extension detected' "$out"
	expect_match "both harts come up" '^smp: Brought up 1 node, 2 CPUs' "$out"
	expect_match "the shell answers: uname -m is riscv64, nproc is --cpus 2" '^MARK-42 riscv64 2 ' "$out"
	mem=$(echo "$out" | sed -n 's/^MARK-42 riscv64 2 \([0-9]*\) kB.*/\1/p')
	check "MemTotal fits --mem 256M (${mem:-?} kB)" test "${mem:-0}" -gt 200000 -a "${mem:-0}" -le 262144
	expect_match "virtio-blk over virtio-mmio reads the disk" '^STRATA-RV-DISK-0' "$out"
	# od prints the 16 bytes the guest's hw_random core read from virtio-rng
	expect_match "virtio-rng feeds /dev/hwrng: 16 bytes" '^( [0-9a-f]{2}){16}$' "$(echo "$out" | tr -d '\r')"

	# the root disk of the reference guest: the guest mounts it, writes a
	# file, syncs and powers off; the host reads the file back
	if [ -f "${STRATA_RV_DISK:-}" ] && command -v debugfs >/dev/null; then
		cp "$STRATA_RV_DISK" "$tmp/root.ext4"
		boot_shell ext4 1 --disk "$tmp/root.ext4"
		printf 'mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo written-by-the-guest > /mnt/hello && sync && umount /mnt && echo DONE-$((1+1))\n' >&3
		wait_for '^DONE-2' "$tmp/ext4.log" $pid
		printf 'poweroff -f\n' >&3
		wait $pid; rc=$?
		exec 3>&-
		expect_eq "the guest mounts the ext4 disk, writes, powers off with 0" "0" "$rc"
		expect_eq "the host reads the file it wrote" "written-by-the-guest" \
			"$(debugfs -R 'cat /hello' "$tmp/root.ext4" 2>/dev/null)"
		check "the file system is clean (e2fsck -n)" e2fsck -fn "$tmp/root.ext4"
	fi

	# virtio-net through a tap in a network namespace of this test's own
	# (nested in the suite's): the host side is 10.0.3.1 with busybox
	# httpd on it, the guest 10.0.3.2 pings it and fetches a file
	ns=strata-rvnet-$$
	rvnet_cleanup() {
		[ -n "${httpd:-}" ] && kill "$httpd" 2>/dev/null && wait "$httpd" 2>/dev/null
		httpd=""
		ip netns del "$ns" 2>/dev/null
	}
	if command -v busybox >/dev/null && ip netns add "$ns" 2>/dev/null; then
		trap 'rvnet_cleanup; finish' EXIT
		ip -n "$ns" link set lo up
		ip -n "$ns" tuntap add dev rvtap0 mode tap
		ip -n "$ns" addr add 10.0.3.1/24 dev rvtap0
		ip -n "$ns" link set rvtap0 up
		mkdir -p "$tmp/www"
		echo "served-by-the-host-$$" > "$tmp/www/file"
		ip netns exec "$ns" busybox httpd -f -p 10.0.3.1:8080 -h "$tmp/www" &
		httpd=$!
		mkfifo "$tmp/net.in"
		ip netns exec "$ns" "$STRATA" vm run --arch riscv64 --kernel "$STRATA_RV_KERNEL" \
			--initrd "$STRATA_RV_INITRD" --cmdline console=ttyS0 --mem 256M --cpus 1 \
			--net tap=rvtap0 --timeout 150 <"$tmp/net.in" >"$tmp/net.log" 2>&1 &
		pid=$!
		exec 3>"$tmp/net.in"
		wait_for '^/ # ' "$tmp/net.log" $pid
		printf 'cat /sys/class/net/eth0/address; ip addr add 10.0.3.2/24 dev eth0; ip link set eth0 up; ping -c 1 10.0.3.1; timeout 30 wget -q -O - http://10.0.3.1:8080/file; echo NET-DONE-$((2+2))\n' >&3
		wait_for '^NET-DONE-4' "$tmp/net.log" $pid
		printf 'poweroff -f\n' >&3
		wait $pid; rc=$?
		exec 3>&-
		out=$(tr -d '\r' < "$tmp/net.log")
		expect_eq "a guest with --net tap= boots and powers off with 0" "0" "$rc"
		expect_match "Linux finds virtio-net: eth0 has a MAC of QEMU's prefix" '^52:54:00(:[0-9a-f]{2}){3}$' "$out"
		expect_match "the guest pings the host through the tap" '^64 bytes from 10\.0\.3\.1' "$out"
		expect_match "and fetches a file from the host's httpd (TCP)" "^served-by-the-host-$$\$" "$out"
		rvnet_cleanup
		trap finish EXIT
		expect_eq "the network namespace is gone" "" "$(ip netns list | grep -F "$ns")"
	else
		echo "skip: virtio-net checks (no busybox, or cannot make a network namespace)"
	fi
else
	echo "skip: Linux boot (no reference guest: strata vm image riscv64, or STRATA_RV_KERNEL/STRATA_RV_INITRD)"
fi

# background riscv64 VMs, as the KVM ones: run -d, --name, ls, the API
# (stats, pause, resume, stop), stop, logs, attach, rm, how they ended
vmm_pid() {
	sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$STRATA_ROOT/vms/$1/state.json"
}
cpu_ticks() {	# PID: user + system clock ticks so far
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}
ended() {	# NAME: wait for end.json
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -e "$STRATA_ROOT/vms/$1/end.json" ] && return 0
		sleep 0.1
	done
	return 1
}
out=$("$STRATA" vm run -d --arch riscv64 --name r1 --kernel "$G/rv-hello.img" --mem 64M \
	--cmdline end=spin 2>&1); rc=$?
expect_eq "run -d --arch riscv64 prints the name" "r1" "$out"
expect_eq "and exits 0" "0" "$rc"
rpid=$(vmm_pid r1)
expect_match "ls shows it running" '^r1 +[0-9]+ +running +64M +1 ' "$("$STRATA" vm ls)"
out=$("$STRATA" vm api r1 '{"action":"stats"}')
expect_match "the API's stats: running, 1 hart, MMIO accesses, uptime, memory" \
	'^\{"ok":true,"state":"running","vcpus":1,"exits":[0-9]+,"uptime":[0-9.e-]+,"mem":67108864\}$' "$out"
expect_eq "pause" '{"ok":true,"state":"paused"}' "$("$STRATA" vm api r1 '{"action":"pause"}')"
expect_match "ls says paused" '^r1 +[0-9]+ +paused ' "$("$STRATA" vm ls)"
t0=$(cpu_ticks "$rpid"); sleep 1; t1=$(cpu_ticks "$rpid")
check "a paused machine's harts do not run (< 10 ticks of CPU in 1 s: $((t1 - t0)))" test $((t1 - t0)) -lt 10
expect_eq "resume" '{"ok":true,"state":"running"}' "$("$STRATA" vm api r1 '{"action":"resume"}')"
t0=$(cpu_ticks "$rpid"); sleep 1; t1=$(cpu_ticks "$rpid")
check "the spinning hart runs again (> 30 ticks in 1 s: $((t1 - t0)))" test $((t1 - t0)) -gt 30
check "stop (SIGTERM) ends it" "$STRATA" vm stop r1
expect_match "ls: stopped, no pid" '^r1 +- +stopped ' "$("$STRATA" vm ls)"
expect_eq "the log has the console and how it ended" "timer ok
strata: vm: stopped" "$("$STRATA" vm logs r1 | tail -n 2)"
check "the API socket is removed" test ! -e "$STRATA_ROOT/vms/r1/api.sock"
check "rm removes it" "$STRATA" vm rm r1
"$STRATA" vm run -d --arch riscv64 --name r2 --kernel "$G/rv-hello.img" --mem 64M \
	--cmdline "quiet end=exit:7" >/dev/null
"$STRATA" vm run -d --arch riscv64 --name r3 --kernel "$G/rv-hello.img" --mem 64M \
	--cmdline end=crash >/dev/null
"$STRATA" vm run -d --arch riscv64 --name r4 --kernel "$G/rv-hello.img" --mem 64M \
	--cmdline end=spin >/dev/null
expect_eq "stop through the API" '{"ok":true,"state":"stopping"}' "$("$STRATA" vm api r4 '{"action":"stop"}')"
for n in r2 r3 r4; do
	check "$n: its end is written down" ended $n
done
out=$("$STRATA" vm ls)
expect_match "the test device's code: exited (7)" '^r2 +- +exited \(7\) ' "$out"
expect_match "a crashed hart: crashed" '^r3 +- +crashed ' "$out"
expect_match "the API's stop: stopped" '^r4 +- +stopped ' "$out"
out=$("$STRATA" vm run -d --arch riscv64 --name r5 --kernel "$tmp/nonexistent" 2>&1); rc=$?
expect_eq "a riscv64 VM that cannot be built: 125" "125" "$rc"
check "and no folder is left" test ! -e "$STRATA_ROOT/vms/r5"
"$STRATA" vm run --arch riscv64 --kernel "$G/rv-hello.img" --mem 64M --cmdline end=spin \
	--api-sock "$tmp/rv.sock" </dev/null >/dev/null 2>&1 &
fg=$!
for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -S "$tmp/rv.sock" ] && break
	sleep 0.1
done
expect_match "a foreground riscv64 run serves --api-sock" '^\{"ok":true,"state":"running"' \
	"$("$STRATA" vm api "$tmp/rv.sock" '{"action":"stats"}')"
kill -TERM "$fg"
wait "$fg"; rc=$?
expect_eq "SIGTERM ends a foreground riscv64 run with 0" "0" "$rc"
check "and its socket file goes" test ! -e "$tmp/rv.sock"
check "rm of the ended ones" "$STRATA" vm rm r2 r3 r4

# Linux in the background: its shell through attach, pause and resume
# with 2 harts, poweroff
if [ -f "${STRATA_RV_KERNEL:-}" ] && [ -f "${STRATA_RV_INITRD:-}" ]; then
	"$STRATA" vm run -d --arch riscv64 --name lx --kernel "$STRATA_RV_KERNEL" \
		--initrd "$STRATA_RV_INITRD" --cmdline console=ttyS0 --mem 256M --cpus 2 \
		--timeout 150 >/dev/null
	lpid=$(vmm_pid lx)
	for _i in $(seq 1 1200); do
		"$STRATA" vm logs lx | grep -q '^/ # ' && break
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	out=$( (sleep 0.3; printf 'echo ATT-$((3*4)) $(nproc)\n'; sleep 3; printf '\035') |
		"$STRATA" vm attach lx 2>&1)
	expect_match "attach: the background Linux's shell answers (2 harts)" '^ATT-12 2' "$(echo "$out" | tr -d '\r')"
	expect_eq "pause with 2 harts" '{"ok":true,"state":"paused"}' "$("$STRATA" vm api lx '{"action":"pause"}')"
	expect_eq "resume" '{"ok":true,"state":"running"}' "$("$STRATA" vm api lx '{"action":"resume"}')"
	out=$( (sleep 0.3; printf 'echo AGAIN-$((1+1))\n'; sleep 3; printf 'poweroff -f\n'; sleep 1) |
		"$STRATA" vm attach lx 2>&1)
	expect_match "the shell goes on after the pause" '^AGAIN-2' "$(echo "$out" | tr -d '\r')"
	expect_match "attach follows it to its poweroff" '^strata: vm attach: lx exited \(0\)$' "$out"
	check "its end is written down" ended lx
	expect_match "ls: exited (0)" '^lx +- +exited \(0\) +256M +2 ' "$("$STRATA" vm ls)"
	check "rm" "$STRATA" vm rm lx
fi
expect_eq "no VM folder is left" "" "$(ls "$STRATA_ROOT/vms")"
rm -rf "$tmp"
