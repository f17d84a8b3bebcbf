# strata emu + strata ct: a riscv64 busybox container template
# (scripts/rv-busybox.sh, built from Debian's busybox source package with
# the cross compiler, cached in build/cache) runs through binfmt_misc with
# the static strata-emu as interpreter.
#
# binfmt_misc is the host's: strata-riscv64 is registered only when no
# such entry exists, and removed after (trap); another registration
# (qemu-user-static's qemu-riscv64) is never written, and checked to be
# the same after.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
EMU=${STRATA_EMU:-$TOP/build/release/strata-emu}
BINFMT=/proc/sys/fs/binfmt_misc

# the build (no network inside the test's namespace) happens in `make
# check` (target rv-busybox); here only the cached one is used
rootfs=$("$TOP/scripts/rv-busybox.sh" --cached 2>"$STRATA_ROOT/rv-busybox.err")
rc=$?
if [ "$rc" != 0 ] || [ ! -x "$rootfs/bin/busybox" ]; then
	echo "skip: no riscv64 busybox (make rv-busybox): $(tail -n 1 "$STRATA_ROOT/rv-busybox.err")"
	finish
	exit
fi
if [ ! -x "$EMU" ]; then
	echo "skip: no static $EMU (make release)"
	finish
	exit
fi
if [ "$(id -u)" != 0 ]; then
	echo "skip: binfmt_misc needs root"
	finish
	exit
fi
if [ -e "$BINFMT/strata-riscv64" ]; then
	echo "skip: a strata-riscv64 registration exists already: not ours to replace"
	finish
	exit
fi

mine=
cleanup() {
	if [ -n "$mine" ] && [ -e "$BINFMT/strata-riscv64" ]; then
		echo -1 >"$BINFMT/strata-riscv64" 2>/dev/null
	fi
}
trap 'cleanup; finish' EXIT
trap 'exit 1' INT TERM

qemu_before=$(cat "$BINFMT/qemu-riscv64" 2>/dev/null || echo absent)
check "rv-busybox imports as a template" st ct template import rv-busybox "$rootfs"
mine=1
out=$(st emu binfmt install --interpreter "$EMU" 2>&1)
expect_match "strata-emu registers as strata-riscv64" "^installed strata-riscv64: $EMU\$" "$out"
entry=$(cat "$BINFMT/strata-riscv64" 2>/dev/null)
expect_match "with flag F (the interpreter opened now)" '^flags: POF$' "$entry"
if cat "$BINFMT/qemu-riscv64" 2>/dev/null | grep -q '^enabled'; then
	# the kernel takes the registration made last: ours, made just now
	echo "note: qemu-riscv64 is enabled too; strata-riscv64 was registered after it"
fi

out=$(timeout 120 "$STRATA" ct run --rm --name rvbb --template rv-busybox -- \
	sh -c 'uname -m; echo $((6*7)); ls / | wc -l' 2>&1)
want=$(printf 'riscv64\n42\n%s' "$(ls -A "$rootfs" | wc -l)")
expect_eq "sh -c runs in a riscv64 container: uname, arithmetic, ls | wc" "$want" "$out"

out=$(timeout 120 "$STRATA" ct run --rm --name rvbb --template rv-busybox -- sh -c '
	seq 1 100 >/tmp/n
	awk "{ s += \$1 } END { print s }" /tmp/n
	grep -c 7 /tmp/n
	echo "b a c" | tr " " "\n" | sort | tr "\n" " "; echo
	echo hello | sed s/h/H/
	sh -c "echo nested \$0" x
	cat /proc/self/exe >/dev/null && echo exe' 2>&1)
want=$(printf '5050\n19\na b c \nHello\nnested x\nexe')
expect_eq "pipes, forks and execs of busybox applets give the right results" "$want" "$out"

# what ps shows: each process under the name and arguments of its
# riscv64 program, not strata-emu's (comm, /proc/PID/cmdline)
out=$(timeout 120 "$STRATA" ct run --rm --name rvbb --template rv-busybox -- sh -c '
	readlink /proc/self/exe
	cat /proc/self/comm
	sleep 30 &
	# until its strata-emu has loaded it (natively: until the exec)
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		ps -o comm,args | grep -q "^sleep *sleep 30" && break
		sleep 0.2
	done
	ps -o comm,args | grep "^sleep"
	kill $!' 2>&1)
expect_match "/proc/self/exe names the applet's busybox" '^/bin/busybox$' "$out"
expect_match "comm is the program's name" '^cat$' "$out"
expect_match "ps shows the guest's name and arguments" '^sleep +sleep 30$' "$out"

timeout 120 "$STRATA" ct run --rm --name rvbb --template rv-busybox -- sh -c 'exit 7' >/dev/null 2>&1
expect_eq "the exit code comes through" "7" "$?"

out=$(timeout 120 "$STRATA" ct run --rm --name rvbb --template rv-busybox -- id 2>&1)
expect_match "a program started directly (no shell) runs too" '^uid=0\(root\) gid=0\(root\)' "$out"

# (not pid 1: init ignores a signal it has no handler for)
out=$(timeout 120 "$STRATA" ct run --rm --net none --name rvbb-sig --template rv-busybox -- \
	sh -c 'sh -c "kill -SEGV \$\$"; echo $?' 2>/dev/null)
expect_eq "a riscv64 process killed by a signal: 128+N for its parent" "139" "$out"

# dynamic programs: the loader and libraries of the Debian cross sysroot
# in the container's /lib (the default -L does not exist there: strata
# then takes PT_INTERP as it is, as qemu-user does)
EMU_TESTS=$TOP/build/emu-tests
if [ -x "$EMU_TESTS/args-dynamic" ] && [ -d /usr/riscv64-linux-gnu/lib ]; then
	out=$(timeout 120 "$STRATA" ct run --rm --net none --name rvbb-dyn --template rv-busybox \
		-v /usr/riscv64-linux-gnu/lib:/lib:ro -v "$EMU_TESTS:/t:ro" -- \
		sh -c '/t/hello-dynamic; /t/args-dynamic a "b c"' 2>&1)
	expect_match "a dynamic riscv64 program runs in the container" '^hello, riscv64' "$out"
	expect_match "with its arguments" '^argv\[2\]=b c$' "$out"
	expect_match "and /proc/self/exe naming it" '^exe=/t/args-dynamic$' "$out"
else
	echo "skip: dynamic programs in the container (make emu-tests)"
fi

out=$(st emu binfmt remove 2>&1)
expect_match "binfmt remove drops strata-riscv64" '^removed strata-riscv64$' "$out"
mine=
expect_eq "and it is gone" "absent" "$(cat "$BINFMT/strata-riscv64" 2>/dev/null || echo absent)"
expect_eq "qemu-riscv64's registration is untouched" "$qemu_before" \
	"$(cat "$BINFMT/qemu-riscv64" 2>/dev/null || echo absent)"
check "the template goes when unused" st ct template rm rv-busybox
no_leftovers "nothing left behind" rvbb
