# strata vm: tiny freestanding guests (tests/guests, built into
# build/guests by `make guests`) through each boot path and way to end,
# and the one-line errors for bad input.
. "$(dirname "$0")/lib.sh"

G=${STRATA_GUESTS:-$(dirname "$0")/../../build/guests}
tmp=$(mktemp -d)
vm() {
	"$STRATA" vm run "$@" </dev/null
}

if [ ! -r /dev/kvm ] || [ ! -x "$G/hello64" ]; then
	echo "skip: no /dev/kvm or no guests in $G (make guests)"
	exit 0
fi

# 64-bit ELF entry
out=$(vm --kernel "$G/hello64" --mem 64M --timeout 20 2>&1); rc=$?
expect_eq "a 64-bit ELF guest prints on the UART" "hello from 64-bit" "$out"
expect_eq "an i8042 reset ends the run with exit 0" "0" "$rc"
out=$(vm --kernel "$G/hello64" --cmdline end=exit:7 --timeout 20 2>&1); rc=$?
expect_eq "the debug-exit port sets the exit code" "7" "$rc"
vm --kernel "$G/hello64" --cmdline end=halt --irqchip off --timeout 20 >/dev/null 2>&1; rc=$?
expect_eq "hlt with interrupts off powers off (no irqchip)" "0" "$rc"
out=$(vm --kernel "$G/hello64" --cmdline end=spin --timeout 0.5 2>&1); rc=$?
expect_eq "--timeout stops a spinning guest with 124" "124" "$rc"
expect_match "and says why" '^strata: vm run: guest still running after 0.5 s' "$(echo "$out" | tail -n 1)"
vm --kernel "$G/hello64" --cpu-features host --timeout 20 >/dev/null 2>&1; rc=$?
expect_eq "--cpu-features host runs it too" "0" "$rc"
vm --kernel "$G/hello64" --cpu-features host,-avx512f,-xsave,-x2apic --timeout 20 >/dev/null 2>&1; rc=$?
expect_eq "--cpu-features host,-avx512f,-xsave,-x2apic: KVM takes the table" "0" "$rc"
vm --kernel "$G/hello64" --cpu-features baseline,+cx16,-smep --timeout 20 >/dev/null 2>&1; rc=$?
expect_eq "--cpu-features baseline,+cx16,-smep too" "0" "$rc"
out=$(vm --kernel "$G/hello64" --cpu-features host,-frob 2>&1); rc=$?
expect_eq "an unknown feature is a usage error" "2" "$rc"
expect_eq "named in one line" "strata: --cpu-features: unknown feature 'frob'" "$out"
out=$(vm --kernel "$G/hello64" --cpu-features baseline,+amx_tile --timeout 20 2>&1); rc=$?
expect_eq "a feature KVM lacks cannot be added (125)" "125" "$rc"
expect_match "and says so" "^strata: vm run: --cpu-features: \+amx_tile: not supported by KVM on this host" "$out"
out=$(vm --kernel "$G/hello64" --stats --timeout 20 2>&1 >/dev/null)
expect_match "--stats counts exits and times" 'exits \(io [0-9]+.*first KVM_RUN after [0-9.]+ ms' "$out"

# PVH entry: the guest prints back hvm_start_info
printf 'initrd-says-hi, and more bytes after' > "$tmp/initrd"
out=$(vm --kernel "$G/pvh" --mem 64M --cmdline "console=ttyS0 quiet x=1" \
	--initrd "$tmp/initrd" --timeout 20 2>&1); rc=$?
expect_eq "a PVH guest powers off with 0" "0" "$rc"
expect_match "it is entered through the PVH note" '^pvh entry$' "$out"
expect_match "it finds the start info magic, version 1" '^magic 0x336ec578 version 1$' "$out"
expect_match "it reads the command line" '^cmdline "console=ttyS0 quiet x=1"$' "$out"
expect_match "low memory is RAM up to the EBDA" '^memmap 0x0 0x9fc00 1$' "$out"
expect_match "RAM from 1 MiB to the end of --mem" '^memmap 0x100000 0x3f00000 1$' "$out"
expect_match "the initrd is a module at the top of memory" \
	'^module 0x3fff000 size 36 starts "initrd-says-hi, "$' "$out"
out=$(vm --kernel "$G/pvh" --timeout 20 2>&1)
expect_match "without --initrd there is no module" '^cmdline ""$' "$out"
expect_eq "and no module line" "" "$(echo "$out" | grep '^module')"

# crashes: diagnosis and non-zero exit
out=$(vm --kernel "$G/crash" --timeout 20 2>&1); rc=$?
expect_eq "a triple fault exits 1" "1" "$rc"
expect_match "and names the exit, rip and the instruction bytes" \
	'^strata: vm run: guest crashed: triple fault \(KVM_EXIT_SHUTDOWN\) at rip 0x[0-9a-f]+ \(64-bit\), bytes 0f 0b' \
	"$(echo "$out" | tail -n 1)"
out=$(vm --kernel "$G/crash" --cmdline do=int3 --timeout 20 2>&1); rc=$?
expect_eq "an instruction KVM refuses (or a fault) exits 1" "1" "$rc"
expect_match "and the diagnosis shows the int3 byte" \
	'^strata: vm run: guest crashed: .* at rip 0x[0-9a-f]+ \(64-bit\), bytes cc' \
	"$(echo "$out" | tail -n 1)"

# bad input: one line, non-zero
one_line() {	# NAME REGEX ARGS...
	_n=$1 _re=$2
	shift 2
	_out=$(vm "$@" 2>&1)
	_rc=$?
	if [ $_rc -ne 0 ] && [ "$(echo "$_out" | wc -l)" -eq 1 ] &&
	   echo "$_out" | grep -qE -- "^strata: $_re"; then
		ok "$_n"
	else
		not_ok "$_n" "exit $_rc: $_out"
	fi
}
one_line "a missing kernel is one line" 'vm run: kernel /nonexistent: No such file' --kernel /nonexistent
one_line "a garbage kernel is one line" 'vm run: kernel .*: not an ELF file' --kernel /etc/passwd
one_line "a kernel of another kind is one line" 'vm run: kernel .*: not an executable ELF' --kernel "$STRATA"
one_line "no --kernel is one line" 'vm run: no --kernel given'
one_line "--mem too small is one line" 'vm run: --mem 1M: must be between' --kernel "$G/hello64" --mem 1M
one_line "--mem too big is one line" 'vm run: --mem 64G: must be between' --kernel "$G/hello64" --mem 64G
one_line "a bad --mem is one line" "vm run: bad size 'lots'" --kernel "$G/hello64" --mem lots
head -c 5000000 /dev/zero > "$tmp/big"
one_line "an initrd larger than memory is one line" 'vm run: initrd .*: 5000000 bytes do not fit' \
	--kernel "$G/hello64" --mem 4M --initrd "$tmp/big"
one_line "a missing initrd is one line" 'vm run: initrd /nonexistent: No such file' \
	--kernel "$G/hello64" --initrd /nonexistent
cp "$G/hello64" "$tmp/far"
printf '\000\000\000\100\000\000\000\000' | dd of="$tmp/far" bs=1 seek=88 conv=notrunc 2>/dev/null
one_line "a segment outside guest memory is one line" 'vm run: kernel .*: segment outside guest memory' \
	--kernel "$tmp/far" --mem 64M
one_line "--cpus 0 is one line" 'vm run: --cpus: 0 is out of range \(1 to 64\)' --kernel "$G/hello64" --cpus 0
one_line "--cpus 65 is one line" 'vm run: --cpus: 65 is out of range' --kernel "$G/hello64" --cpus 65
one_line "--cpus 2 without the irqchip is one line" 'vm run: --cpus 2 needs the in-kernel irqchip' \
	--kernel "$G/hello64" --cpus 2 --irqchip off
one_line "a disk that does not exist is one line" "vm run: disk $tmp/none.img: .*No such file" \
	--kernel "$G/hello64" --disk "$tmp/none.img"
vm --kernel "$G/hello64" --disk "$tmp/none.img" >/dev/null 2>&1; rc=$?
expect_eq "and exits 125" "125" "$rc"
expect_eq "and leaves no file behind" "no" "$([ -e "$tmp/none.img" ] && echo yes || echo no)"
one_line "an unknown option is one line" 'vm run: ' --kernel "$G/hello64" --frobnicate
out=$("$STRATA" vm --help 2>&1)
expect_match "strata vm --help reads like a man page" 'SYNOPSIS' "$out"

# bzImage: the guest prints back boot_params (64-bit entry, and the
# 32-bit one once XLF_KERNEL_64 is cleared in a copy)
if [ -f "$G/bzimage" ]; then
	out=$(vm --kernel "$G/bzimage" --mem 64M --cmdline "console=ttyS0 bz=1" \
		--initrd "$tmp/initrd" --timeout 20 2>&1); rc=$?
	expect_eq "a bzImage guest powers off with 0" "0" "$rc"
	expect_match "it is entered at the 64-bit entry with rsi = boot_params" \
		'^bzimage entry 64 boot_params 0x9000$' "$out"
	expect_match "the loader sets type_of_loader, clears the heap, sets code32_start" \
		'^protocol 0x20f loader 0xff loadflags 0x1 heap_end 0x0 code32_start 0x100000$' "$out"
	expect_match "it reads the command line through cmd_line_ptr" '^cmdline "console=ttyS0 bz=1"$' "$out"
	expect_match "it finds the E820 map" '^e820 entries 4$' "$out"
	expect_match "the same map as PVH" '^e820 0x100000 0x3f00000 1$' "$out"
	expect_match "the initrd is at the top of memory, below initrd_addr_max" \
		'^initrd 0x3fff000 size 36 starts "initrd-says-hi, "$' "$out"
	cp "$G/bzimage" "$tmp/bz32"
	printf '\000' | dd of="$tmp/bz32" bs=1 seek=566 conv=notrunc 2>/dev/null
	out=$(vm --kernel "$tmp/bz32" --mem 64M --timeout 20 2>&1); rc=$?
	expect_eq "without XLF_KERNEL_64 it powers off with 0 too" "0" "$rc"
	expect_match "entered at the 32-bit entry with esi = boot_params" \
		'^bzimage entry 32 boot_params 0x9000$' "$out"
	cp "$G/bzimage" "$tmp/bzold"
	printf '\004' | dd of="$tmp/bzold" bs=1 seek=518 conv=notrunc 2>/dev/null
	one_line "an old boot protocol is refused in one line" \
		'vm run: kernel .*: Linux boot protocol 2.04 is too old \(2.06 or newer needed\)' --kernel "$tmp/bzold"
	head -c 700 "$G/bzimage" > "$tmp/bzcut"
	one_line "a truncated bzImage is one line" 'vm run: kernel .*: truncated bzImage' --kernel "$tmp/bzcut"
	cp "$G/bzimage" "$tmp/bzsects"
	printf '\310' | dd of="$tmp/bzsects" bs=1 seek=497 conv=notrunc 2>/dev/null
	one_line "setup_sects too big is one line" 'vm run: kernel .*: setup_sects 200 too big' --kernel "$tmp/bzsects"
	cp "$G/bzimage" "$tmp/bzhuge"
	printf '\000\000\000\100' | dd of="$tmp/bzhuge" bs=1 seek=608 conv=notrunc 2>/dev/null
	one_line "a kernel bigger than memory is one line" 'vm run: kernel .*: kernel needs 1026 MiB of memory \(init_size 0x40000000 from 0x200000\), the guest has 64 MiB' \
		--kernel "$tmp/bzhuge" --mem 64M
fi

# SMP: the boot CPU finds the others in the MADT and the MP table and
# starts them with INIT-SIPI-SIPI; each prints from its trampoline
if [ -f "$G/smp" ]; then
	for n in 2 4; do
		out=$(vm --kernel "$G/smp" --cpus $n --timeout 30 2>&1); rc=$?
		expect_eq "--cpus $n: the smp guest powers off with 0" "0" "$rc"
		expect_match "--cpus $n: the MADT lists $n CPUs, an I/O APIC and an override" \
			"^madt cpus $n ioapics 1 overrides 1$" "$out"
		expect_match "--cpus $n: the MP table lists $n CPUs and the ISA IRQs" \
			"^mptable cpus $n irqs 15$" "$out"
		expect_eq "--cpus $n: every AP says it is up, by APIC id" \
			"$(seq 1 $((n - 1)) | sed 's/.*/cpu & up/')" \
			"$(echo "$out" | grep '^cpu [0-9]* up$' | sort -n -k2)"
		expect_match "--cpus $n: the boot CPU counts them all" "^smp: $n cpus up$" "$out"
	done
	out=$(vm --kernel "$G/smp" --timeout 30 2>&1); rc=$?
	expect_eq "one vCPU: no tables, the guest runs alone" "0 no MADT" \
		"$rc $(echo "$out" | grep '^no MADT')"
	out=$(vm --kernel "$G/smp" --cpus 3 --cmdline crash-ap --timeout 30 2>&1); rc=$?
	expect_eq "an AP that crashes ends the run with 1" "1" "$rc"
	expect_match "and the diagnosis names its vCPU" \
		'^strata: vm run: guest crashed: .* at rip 0x[0-9a-f]+ \(real mode\), bytes 0f 0b.*, on vCPU 2$' \
		"$(echo "$out" | tail -n 1)"
	out=$(vm --kernel "$G/hello64" --cpus 4 --cmdline end=spin --timeout 0.5 2>&1); rc=$?
	expect_eq "--timeout stops a 4-vCPU guest whose APs wait for SIPI" "124" "$rc"
	vm --kernel "$G/hello64" --cpus 4 --cmdline end=exit:7 --timeout 20 >/dev/null 2>&1; rc=$?
	expect_eq "the debug-exit port ends a 4-vCPU run with its code" "7" "$rc"
	vm --kernel "$G/bzimage" --cpus 2 --timeout 20 >"$tmp/bzsmp" 2>&1; rc=$?
	expect_eq "a bzImage with 2 vCPUs boots" "0" "$rc"
	expect_match "and boot_params carries the RSDP address" '^rsdp 0xe0000$' "$(cat "$tmp/bzsmp")"
fi

# a stock bzImage (Debian's vmlinuz, when the host has one): its
# decompressor starts and speaks; decompressing takes minutes where KVM
# emulates every instruction, so only its first words are awaited
vmlinuz=${STRATA_VMLINUZ:-$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)}
if [ -n "$vmlinuz" ] && [ -r "$vmlinuz" ]; then
	out=$(vm --kernel "$vmlinuz" --mem 256M --cmdline "earlyprintk=serial,ttyS0 nokaslr" \
		--timeout 15 2>&1)
	expect_match "a stock bzImage's decompressor runs (prints KASLR disabled)" \
		"KASLR disabled: 'nokaslr' on cmdline" "$out"
fi

# PCI and virtio-pci: tests/guests/virtio enumerates bus 0 over conf1 and
# drives virtio-blk / virtio-rng with its own small driver
sectors_of() {	# FILE: the 512-byte sectors holding 0xa0+N, "1 2 9"
	for _s in 1 2 9; do
		_want=$(printf '%x' $((0xa0 + _s)))
		[ "$(od -An -v -tx1 -j $((_s * 512)) -N 512 "$1" | tr -s ' \n' '\n\n' |
		     grep -v '^$' | sort -u)" = "$_want" ] && printf '%s ' "$_s"
	done
}
printf 'STRATA-DISK-0123 the first bytes' > "$tmp/disk.raw"
truncate -s 1M "$tmp/disk.raw"
cp "$tmp/disk.raw" "$tmp/disk.want"
out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/disk.raw" --rng --cmdline write --timeout 30 2>&1); rc=$?
expect_eq "the virtio guest ends with 0" "0" "$rc"
expect_eq "it finds the host bridge, a virtio-blk and a virtio-rng" \
	"pci 00:00.0 8086:0d57 class 060000
pci 00:01.0 1af4:1042 class 010000
pci 00:02.0 1af4:1044 class 00ff00" "$(echo "$out" | grep '^pci ')"
expect_match "virtio-blk tells its capacity" '^blk capacity 2048 sectors$' "$out"
expect_match "the guest reads sector 0 of the host file" '^blk sector 0 status 0 "STRATA-DISK-0123"$' "$out"
expect_match "a completion raises INTx until the ISR is read" '^blk intx raised, isr 1, lowered by reading it$' "$out"
expect_eq "its writes succeed" "3" "$(echo "$out" | grep -c '^blk write sector [0-9]* status 0$')"
expect_match "so does the flush" '^blk flush status 0$' "$out"
expect_eq "and it reads them back" "3" "$(echo "$out" | grep -c '^blk readback sector')"
expect_eq "the host file holds the sectors the guest wrote" "1 2 9 " "$(sectors_of "$tmp/disk.raw")"
for s in 1 2 9; do	# what the file should be: the same writes made here
	head -c 512 /dev/zero | tr '\000' "\\$(printf '%o' $((0xa0 + s)))" |
		dd of="$tmp/disk.want" bs=512 seek=$s conv=notrunc 2>/dev/null
done
check "and nothing else in it changed" cmp "$tmp/disk.raw" "$tmp/disk.want"
expect_match "virtio-rng gives 16 bytes" '^rng 16 bytes [0-9a-f]{32}$' "$out"
expect_eq "that are not all zero" "" "$(echo "$out" | grep '^rng 16 bytes 0\{32\}$')"

printf 'STRATA-READ-ONLY' > "$tmp/ro.raw"
truncate -s 1M "$tmp/ro.raw"
sum=$(md5sum < "$tmp/ro.raw")
out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/ro.raw,ro" --cmdline write --timeout 30 2>&1)
expect_match "a ,ro disk says read-only" '^blk capacity 2048 sectors, read-only$' "$out"
expect_eq "and refuses every write (VIRTIO_BLK_S_IOERR)" "3" "$(echo "$out" | grep -c '^blk write sector [0-9]* status 1$')"
expect_eq "the file is untouched" "$sum" "$(md5sum < "$tmp/ro.raw")"

out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/disk.raw" --disk "$tmp/ro.raw,ro" --rng --timeout 30 2>&1)
expect_eq "two disks and an rng take slots 1, 2 and 3" \
	"pci 00:01.0 1af4:1042 class 010000
pci 00:02.0 1af4:1042 class 010000
pci 00:03.0 1af4:1044 class 00ff00" "$(echo "$out" | grep '^pci 00:0[1-9]')"
expect_eq "each disk answers with its own sector 0" \
	'blk sector 0 status 0 "STRATA-DISK-0123"
blk sector 0 status 0 "STRATA-READ-ONLY"' "$(echo "$out" | grep '^blk sector 0')"

out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/disk.raw" --rng --cmdline intx --timeout 30 2>&1); rc=$?
expect_match "INTx through the in-kernel I/O APIC reaches the guest's IDT (level, line 10/11)" \
	'^intx interrupts [1-9]' "$out"
expect_eq "and the guest ends with 0" "0" "$rc"

out=$(vm --kernel "$G/virtio" --mem 64M --rng --cmdline msix --timeout 30 2>&1); rc=$?
expect_match "with MSI-X on, the guest's IDT takes the rng interrupt" '^msix interrupts 1$' "$out"
expect_eq "and it ends with 0" "0" "$rc"

# virtio-vsock: the guest connects to host port 1234 (UDS_1234) and says a
# line; the host then connects to the guest's port 52 through UDS
if command -v python3 >/dev/null; then
	uds=$tmp/v.sock
	python3 "$(dirname "$0")/vsock-host.py" "$uds" > "$tmp/vsock-host.out" 2>&1 &
	host=$!
	for _ in $(seq 50); do
		[ -S "${uds}_1234" ] && break
		sleep 0.1
	done
	out=$(vm --kernel "$G/virtio" --mem 64M --vsock "7,uds=$uds" --timeout 30 2>&1); rc=$?
	wait "$host"
	hostout=$(cat "$tmp/vsock-host.out")
	expect_eq "a virtio-vsock guest ends with 0" "0" "$rc"
	expect_match "virtio-vsock is 1af4:1053" '^pci 00:01.0 1af4:1053 class ' "$out"
	expect_match "the guest reads its CID" '^vsock cid 7$' "$out"
	expect_match "its connection to host port 1234 is accepted" '^vsock connected to host port 1234$' "$out"
	expect_match "the host program on UDS_1234 gets its line" '^guest line: hello from the guest$' "$hostout"
	expect_match "and the guest its answer" '^vsock host says: ack$' "$out"
	expect_match "the guest's shutdown is the host's EOF" "^guest eof after: b''$" "$hostout"
	expect_match "and the connection ends with RST" '^vsock port 1234 closed$' "$out"
	expect_match "CONNECT 52 on UDS reaches the guest's port 52" '^vsock host connects to port 52$' "$out"
	expect_match "the host reads OK and the port it got" '^answer: OK [0-9]+$' "$hostout"
	expect_match "bytes flow host to guest" '^vsock port 52 got: hi 52$' "$out"
	expect_match "the guest's RST is the host's EOF" "^port 52 eof after: b''$" "$hostout"
	expect_eq "the run removes its socket file" "no" "$([ -e "$uds" ] && echo yes || echo no)"
	rm -f "${uds}_1234"
else
	echo "skip: no python3 for the virtio-vsock checks"
fi
if [ -f "$G/rv-hello.img" ]; then
	# the riscv64 machine: the same flag, a virtio-mmio device
	"$STRATA" vm run --arch riscv64 --kernel "$G/rv-hello.img" --mem 64M --cmdline end=spin \
		--vsock "9,uds=$tmp/rv.sock" --timeout 3 </dev/null >"$tmp/rv.out" 2>&1 &
	rvpid=$!
	seen=no
	for _ in $(seq 30); do
		[ -S "$tmp/rv.sock" ] && seen=yes && break
		sleep 0.1
	done
	wait "$rvpid"; rc=$?
	expect_eq "riscv64 --vsock: the machine listens on its socket" "yes" "$seen"
	expect_eq "and runs the guest to its --timeout" "124" "$rc"
	expect_eq "the socket file goes with the run" "no" "$([ -e "$tmp/rv.sock" ] && echo yes || echo no)"
fi
one_line "--vsock 2 is refused" '--vsock 2: the guest CID must be between 3 and 4294967294' \
	--kernel "$G/virtio" --vsock 2,uds="$tmp/x"
one_line "--vsock 2^32-1 is refused" '--vsock 4294967295: ' --kernel "$G/virtio" --vsock 4294967295
one_line "a second --vsock is refused" '--vsock: given twice' \
	--kernel "$G/virtio" --vsock 3,uds="$tmp/x" --vsock 4,uds="$tmp/y"
one_line "--vsock without uds= nor an API socket" '--vsock 3: uds=PATH needed' \
	--kernel "$G/virtio" --vsock 3
touch "$tmp/taken"
out=$(vm --kernel "$G/virtio" --vsock 3,uds="$tmp/taken" 2>&1); rc=$?
expect_eq "a socket path that exists: exit 125" "125" "$rc"
expect_match "in one line" '^strata: vm run: --vsock: .*taken: Address already in use' "$out"

# virtio-net: the guest ARPs for 10.0.2.2 through a tap, in a network
# namespace of this test's own
ns=strata-vm-$$
if ip netns add "$ns" 2>/dev/null; then
	ip -n "$ns" tuntap add dev vmtap0 mode tap
	ip -n "$ns" addr add 10.0.2.2/24 dev vmtap0
	ip -n "$ns" link set vmtap0 up
	hostmac=$(ip netns exec "$ns" cat /sys/class/net/vmtap0/address)
	out=$(ip netns exec "$ns" "$STRATA" vm run --kernel "$G/virtio" --mem 64M \
		--net tap=vmtap0,mac=52:54:00:12:34:56 --timeout 30 </dev/null 2>&1); rc=$?
	expect_eq "a virtio-net guest ends with 0" "0" "$rc"
	expect_match "virtio-net is 1af4:1041, an ethernet controller" '^pci 00:01.0 1af4:1041 class 020000$' "$out"
	expect_match "the guest reads the MAC given with --net" '^net mac 52:54:00:12:34:56$' "$out"
	expect_match "its ARP request crosses the tap and the host's reply comes back" \
		"^net arp reply: 10.0.2.2 is at $hostmac\$" "$out"
	ip -n "$ns" link del vmtap0
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" link set br0 address 02:00:00:00:00:01	# fixed, whatever its ports
	ip -n "$ns" addr add 10.0.2.2/24 dev br0
	ip -n "$ns" link set br0 up
	brmac=$(ip netns exec "$ns" cat /sys/class/net/br0/address)
	out=$(ip netns exec "$ns" "$STRATA" vm run --kernel "$G/virtio" --mem 64M \
		--net bridge=br0 --cmdline msix --timeout 30 </dev/null 2>&1); rc=$?
	expect_match "with bridge=, a new tap on the bridge carries the ARP exchange" \
		"^net arp reply: 10.0.2.2 is at $brmac\$" "$out"
	expect_match "with a MAC of QEMU's prefix" '^net mac 52:54:00:' "$out"
	expect_match "and MSI-X interrupts" '^msix interrupts [1-9]' "$out"
	expect_eq "the tap is gone after the run" "" "$(ip -n "$ns" -o link show master br0)"
	out=$(ip netns exec "$ns" "$STRATA" vm run --kernel "$G/virtio" --net bridge=nobr0 </dev/null 2>&1); rc=$?
	expect_eq "a bridge that does not exist: exit 125" "125" "$rc"
	expect_match "and one line" '^strata: vm run: --net: .*nobr0' "$out"
	expect_eq "and no tap left behind" "0" "$(ip -n "$ns" -o link show | grep -vc '^1: lo\|br0')"
	ip netns del "$ns"
else
	echo "skip: cannot make a network namespace for the virtio-net checks"
fi

if command -v qemu-img >/dev/null; then
	printf 'STRATA-BASE-DISK' > "$tmp/base.raw"
	truncate -s 1M "$tmp/base.raw"
	sum=$(md5sum < "$tmp/base.raw")
	qemu-img create -q -f qcow2 -b "$tmp/base.raw" -F raw "$tmp/ov.qcow2"
	out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/ov.qcow2" --cmdline write --timeout 30 2>&1); rc=$?
	expect_eq "a qcow2 overlay: the guest ends with 0" "0" "$rc"
	expect_match "it reads the base through the overlay" '^blk sector 0 status 0 "STRATA-BASE-DISK"$' "$out"
	expect_eq "its writes succeed" "3" "$(echo "$out" | grep -c '^blk write sector [0-9]* status 0$')"
	check "qemu-img check finds the overlay clean" qemu-img check -q "$tmp/ov.qcow2"
	expect_match "qemu-img compare: the first difference is sector 1" 'Content mismatch at offset 512!' \
		"$(qemu-img compare "$tmp/base.raw" "$tmp/ov.qcow2" 2>&1)"
	qemu-img convert -O raw "$tmp/ov.qcow2" "$tmp/ov.raw"
	expect_eq "exactly the sectors written differ from the base" "1 2 9" \
		"$(cmp -l "$tmp/base.raw" "$tmp/ov.raw" | awk '{ print int(($1 - 1) / 512) }' | uniq | xargs)"
	expect_eq "the base is untouched" "$sum" "$(md5sum < "$tmp/base.raw")"

	# format=raw: the guest sees the image's bytes, never its header's
	# backing file (what a guest that wrote a qcow2 header would want)
	out=$(vm --kernel "$G/virtio" --mem 64M --disk "$tmp/ov.qcow2,format=raw,ro" --timeout 30 2>&1)
	expect_eq "--disk ...,format=raw serves a qcow2 file as raw bytes" \
		"blk capacity $(( $(stat -c %s "$tmp/ov.qcow2") / 512 )) sectors, read-only" \
		"$(echo "$out" | grep '^blk capacity')"
	expect_match "starting with its QFI header" '^blk sector 0 status 0 "QFI' "$out"
	one_line "an unknown format is one line" 'vm run: --disk .*: format must be raw or qcow2' \
		--kernel "$G/virtio" --disk "$tmp/ov.qcow2,format=vmdk"
else
	echo "skip: no qemu-img (qemu-utils) for the qcow2 checks"
fi
rm -rf "$tmp"
