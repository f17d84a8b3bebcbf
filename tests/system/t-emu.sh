# strata emu: riscv64 programs (tests/emu, built by `make emu-tests`)
# give the same stdout and exit code under strata as under Debian's
# qemu-riscv64-static; bad input fails with one line and a non-zero exit.
. "$(dirname "$0")/lib.sh"

EMU_TESTS=${STRATA_EMU_TESTS:-$(cd "$(dirname "$0")/../.." && pwd)/build/emu-tests}
QEMU=qemu-riscv64-static
SYSROOT=/usr/riscv64-linux-gnu

if [ ! -x "$EMU_TESTS/hello-static" ] || ! command -v "$QEMU" >/dev/null; then
	echo "skip: no riscv64 test programs or no $QEMU (scripts/deps.sh, make emu-tests)"
	exit 0
fi
work=$(mktemp -d)

# same_as_qemu NAME PROGRAM ARGS...: stdout and exit code agree
same_as_qemu() {
	_name=$1
	shift
	_s=$(cd "$work" && EMU_TEST_VAR=from-env "$STRATA" emu run "$@" 2>"$work/err")
	_src=$?
	_q=$(cd "$work" && EMU_TEST_VAR=from-env "$QEMU" -L "$SYSROOT" "$@" 2>/dev/null)
	_qrc=$?
	if [ "$_s" = "$_q" ] && [ "$_src" = "$_qrc" ]; then
		ok "$_name"
	else
		not_ok "$_name" "strata (exit $_src): $(echo "$_s" | head -n 6)
$(head -n 4 "$work/err")
qemu (exit $_qrc): $(echo "$_q" | head -n 6)"
	fi
}

for prog in "$EMU_TESTS"/*-static "$EMU_TESTS"/*-dynamic; do
	name=$(basename "$prog")
	# qemu-user 7.2 dies of SIGUSR1 in sigactthreads every run (its
	# rt_sigaction races as strata's did) and leaves /proc/cpuinfo and
	# smaps the host's (procinfo): checked on their own below
	case $name in illegal-*|sigactthreads-*|procinfo-*) continue ;; esac
	same_as_qemu "$name runs as under qemu" "$prog" one "two words" --three
done

# the environment and argv[0]
out=$(st emu run --env EMU_TEST_VAR=by-flag "$EMU_TESTS/args-static" 2>&1)
expect_match "--env sets a variable of the program" '^EMU_TEST_VAR=by-flag$' "$out"
out=$(EMU_TEST_VAR=x st emu run --env EMU_TEST_VAR "$EMU_TESTS/args-dynamic" 2>&1)
expect_match "--env K alone unsets it" '^EMU_TEST_VAR=\(unset\)$' "$out"
out=$(st emu run "$EMU_TESTS/args-dynamic" 2>&1)
expect_match "/proc/self/exe names the program" "^exe=$EMU_TESTS/args-dynamic\$" "$out"
expect_match "uname says riscv64" '^machine=riscv64$' "$out"
out=$(st emu run "$EMU_TESTS/procself-dynamic" strict 2>&1)
expect_eq "/proc/self/stat, statm, status: the guest's code bounds and sizes" "strict ok" "$out"
for f in static dynamic; do
	out=$(st emu run "$EMU_TESTS/robust-$f" process 2>&1)
	expect_eq "robust-$f: a child that exits holding a shared robust mutex (qemu: ETIMEDOUT)" \
		"after a child process exits holding it: EOWNERDEAD
after a child process exits while another thread of it is holding it: EOWNERDEAD" "$out"
done
for f in static dynamic; do
	out=$(st emu run "$EMU_TESTS/procinfo-$f" 2>&1)
	expect_eq "procinfo-$f: a riscv64 /proc/cpuinfo, /proc/self/smaps as maps" \
		"cpuinfo: a block per online CPU: yes
cpuinfo: each with processor, hart, isa, mmu, uarch: yes
cpuinfo: isa rv64 with i, m, a, f, d, c: yes
smaps: the mappings of maps, in order: yes
smaps: each Size its range's: yes
smaps: VmFlags ex where maps says x: yes" "$out"
	out=$(st emu run "$EMU_TESTS/sigactthreads-$f" 2>&1)
	expect_eq "sigactthreads-$f: rt_sigaction from threads swaps whole, as Linux" \
		"40 rounds: swaps chained whole in 40, a signal met the action in place in 40" "$out"
done
out=$(st emu run "$EMU_TESTS/args-static" -L --strace 2>&1)
expect_match "options after PROGRAM are the program's" '^argv\[1\]=-L$' "$out"

# an illegal instruction is a SIGILL death, not a crash of strata
out=$(st emu run "$EMU_TESTS/illegal-static" 2>"$work/err")
rc=$?
expect_eq "an illegal instruction exits 132, like SIGILL" "132 before" "$rc $out"
expect_match "and says where" '^strata: illegal instruction at 0x[0-9a-f]+' "$(cat "$work/err")"

# --strace and --stats
out=$(st emu run --strace "$EMU_TESTS/hello-static" 2>&1 >/dev/null)
expect_match "--strace shows the system calls" 'write\(0x1, .*\) = 30' "$out"
out=$(st emu run --stats "$EMU_TESTS/hello-static" 2>&1 >/dev/null)
expect_match "--stats counts instructions" '[0-9]+ instructions, [0-9]+ system calls' "$out"
expect_match "--stats shows the translator's cache" '[1-9][0-9]* blocks translated, [0-9]+ jumps chained, [1-9][0-9]* cache lookups \([0-9]+ hits\)' "$out"
expect_match "--stats shows the time in translated code" '[0-9]+\.[0-9]{3} s in translated code, [0-9]+\.[0-9]{3} s translating' "$out"

# bad input: one line on stderr, non-zero exit
bad() {	# bad NAME REGEX ARGS...
	_name=$1 _re=$2
	shift 2
	"$STRATA" emu run "$@" >/dev/null 2>"$work/err"
	_rc=$?
	_lines=$(wc -l <"$work/err")
	if [ "$_rc" -ne 0 ] && [ "$_lines" -eq 1 ] && grep -qE -- "$_re" "$work/err"; then
		ok "$_name"
	else
		not_ok "$_name" "exit $_rc, $_lines lines: $(head -n 5 "$work/err")"
	fi
}
echo "just text" >"$work/text"
bad "a text file is not an ELF file" 'not an ELF file$' "$work/text"
bad "an x86-64 program is the wrong architecture" 'wrong architecture: x86-64, expected riscv64$' /bin/true
head -c 3000 "$EMU_TESTS/hello-static" >"$work/truncated"
bad "a truncated program is refused" 'truncated segment$' "$work/truncated"
head -c 40 "$EMU_TESTS/hello-static" >"$work/short"
bad "a truncated header is refused" 'truncated ELF header$' "$work/short"
bad "a missing interpreter is named" 'interpreter /lib/ld-linux-riscv64-lp64d.so.1 not found under' \
	-L "$work/no-sysroot" "$EMU_TESTS/hello-dynamic"
bad "a missing program is named" 'no-such-program: No such file or directory$' "$work/no-such-program"
bad "no program is a usage error" 'no PROGRAM given'
"$STRATA" emu run "$work/no-such-program" 2>/dev/null
expect_eq "a missing program exits 127" "127" "$?"
"$STRATA" emu run "$work/text" 2>/dev/null
expect_eq "a program that cannot load exits 126" "126" "$?"

# threads, signals and sockets (threads-*, signals-*, netecho-* above
# compare with qemu); what only strata says:
out=$(st emu run "$EMU_TESTS/signals-static" 2>&1)
expect_match "a SIGSEGV handler gets the faulting address" '^segv: caught 11 addr 0x10 code 1$' "$out"
expect_match "SA_RESTART restarts a read, its absence gives EINTR" \
	'^read without SA_RESTART: -1 Interrupted system call$' "$out"
sh -c '"$1" emu run "$2"; exit $?' sh "$STRATA" "$EMU_TESTS/threads-dynamic" >/dev/null 2>&1
expect_eq "exit_group with a thread still running ends the process" "3" "$?"

# The self-pipe trick under a stream of one-shot alarms: the handler
# writes the byte the main loop's read waits for, so however close to the
# read an alarm comes, the read must end (a signal caught just before a
# blocking call stops it: src/emu/safe_syscall.c).
if command -v riscv64-linux-gnu-gcc >/dev/null; then
	cat >"$work/selfpipe.c" <<'EOF'
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
static int fds[2];
static void on_alarm(int sig)
{
	char c = 'x';

	if (write(fds[1], &c, 1) != 1)
		_exit(3);
}
int main(void)
{
	struct sigaction sa;
	unsigned seed = 1;
	int got = 0;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(fds) < 0)
		return 1;
	for (int i = 0; i < 3000; i++) {
		struct itimerval it = { { 0, 0 }, { 0, 1 + (seed = seed * 1103515245 + 12345) % 100 } };
		ssize_t r;

		setitimer(ITIMER_REAL, &it, NULL);
		while ((r = read(fds[0], &c, 1)) < 0 && errno == EINTR)
			;
		got += r == 1;
	}
	printf("%d\n", got);
	return 0;
}
EOF
	riscv64-linux-gnu-gcc -O2 -static "$work/selfpipe.c" -o "$work/selfpipe"
	out=$(timeout 60 "$STRATA" emu run "$work/selfpipe" 2>&1)
	expect_eq "3000 alarms, each handler's byte read (self-pipe)" "3000" "$out"
fi

# clone3 answers ENOSYS, so that glibc falls back to clone (the cross
# glibc of Debian 12 does not try clone3 on riscv64: a program of its own)
if command -v riscv64-linux-gnu-gcc >/dev/null; then
	cat >"$work/clone3.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	unsigned long long args[11] = { [4] = 17 };	/* exit_signal SIGCHLD */
	long r = syscall(435, args, sizeof(args));

	if (r == 0)
		_exit(0);
	printf("clone3 %s\n", r < 0 && errno == ENOSYS ? "ENOSYS" : "answered");
	return 0;
}
EOF
	riscv64-linux-gnu-gcc -O2 -static "$work/clone3.c" -o "$work/clone3"
	out=$(st emu run "$work/clone3" 2>&1)
	expect_eq "clone3 is ENOSYS (glibc then uses clone)" "clone3 ENOSYS" "$out"
fi

# busybox applets (the riscv64 busybox of make rv-busybox), against what
# the same calls do natively
TOP=$(cd "$(dirname "$0")/../.." && pwd)
bbroot=$("$TOP/scripts/rv-busybox.sh" --cached 2>/dev/null)
if [ -x "$bbroot/bin/busybox" ]; then
	bb=$(realpath "$bbroot/bin/busybox")
	mkdir -p "$work/bin"
	for a in sh cat ls stat readlink ionice chrt setpriv unshare ipcs true tr ifconfig route lsattr; do
		ln -s "$bb" "$work/bin/$a"
	done
	out=$(PATH="$work/bin" "$STRATA" emu run "$work/bin/sh" -c \
		'cat /proc/self/comm; cat /proc/$$/comm; readlink /proc/self/exe; readlink /proc/thread-self/exe; stat -c %F /proc/self/exe' 2>&1)
	expect_eq "a process is named after its program (comm), also one a guest execs; /proc/self/exe is a link to it" \
		"$(printf 'cat\nsh\n%s\n%s\nsymbolic link' "$bb" "$bb")" "$out"
	out=$(PATH="$work/bin" EMU_TEST_VAR=in-environ "$STRATA" emu run "$work/bin/sh" -c \
		'cat /proc/self/cmdline | tr "\0" " "; echo; cat /proc/self/environ | tr "\0" "\n"' 2>&1)
	expect_match "/proc/self/cmdline is the guest's argv (ps, pgrep), not strata's" \
		'^cat /proc/self/cmdline $' "$out"
	expect_match "/proc/self/environ is the guest's environment" '^EMU_TEST_VAR=in-environ$' "$out"
	out=$(st emu run "$bb" ls -l /proc/self/exe 2>&1)
	expect_eq "ls -l shows /proc/self/exe as a link to the program" "l $bb" \
		"$(echo "$out" | sed -n 's|^\(.\).* /proc/self/exe -> \(.*\)|\1 \2|p')"
	touch "$work/attr"
	for cmd in "ionice -p $$" "chrt -p $$" "setpriv -d" "unshare true" "ipcs -l" \
		   "ifconfig lo" "route -n" "lsattr $work/attr"; do
		_out=$(PATH="$work/bin" "$STRATA" emu run --strace "$work/bin/sh" -c "$cmd" 2>&1 >/dev/null)
		_rc=$?
		if [ "$_rc" = 0 ] && ! echo "$_out" | grep -qE 'unknown syscall|not translated|= -38$'; then
			ok "busybox $cmd: no system call or ioctl missing"
		else
			not_ok "busybox $cmd: no system call or ioctl missing" \
				"exit $_rc: $(echo "$_out" | grep -E 'unknown|not translated|= -38$|^[a-z]+:' | head -n 4)"
		fi
	done
	out=$("$STRATA" emu run "$bb" ifconfig lo 2>&1)
	expect_match "ifconfig reads lo through the interface ioctls" 'inet addr:127\.0\.0\.1 +Mask:255\.0\.0\.0' "$out"
else
	echo "skip: busybox applets (no riscv64 busybox: make rv-busybox)"
fi

# binfmt_misc: strata registers as the riscv64 interpreter, and only
# ever touches its own registration (qemu-user-static may hold
# qemu-riscv64: its entry must be the same after).
BINFMT=/proc/sys/fs/binfmt_misc
binfmt_cleanup() {
	[ -e "$BINFMT/strata-riscv64" ] && echo -1 >"$BINFMT/strata-riscv64" 2>/dev/null
	rm -rf "$work"
}
trap 'binfmt_cleanup; finish' EXIT
trap 'exit 1' INT TERM
if [ "$(id -u)" != 0 ] || [ -e "$BINFMT/strata-riscv64" ]; then
	echo "skip: binfmt tests (need root, and no strata-riscv64 registered already)"
else
	qemu_before=$(cat "$BINFMT/qemu-riscv64" 2>/dev/null || echo absent)
	out=$(st emu binfmt install 2>&1)
	expect_match "binfmt install registers strata-riscv64" '^installed strata-riscv64: /' "$out"
	entry=$(cat "$BINFMT/strata-riscv64" 2>/dev/null)
	# the static strata-emu next to strata when there is one (make release)
	want=$(realpath "$STRATA")
	[ -x "$(dirname "$STRATA")/strata-emu" ] && want=$(realpath "$(dirname "$STRATA")/strata-emu")
	expect_match "the registration names this strata (or its strata-emu)" "^interpreter $want\$" "$entry"
	expect_match "with qemu's riscv64 magic" '^magic 7f454c460201010000000000000000000200f300$' "$entry"
	expect_match "and flags P, O and F" '^flags: POF$' "$entry"
	out=$(st emu binfmt status 2>&1)
	expect_match "binfmt status lists it" '^strata-riscv64: enabled, interpreter /' "$out"
	_q=$(cd "$work" && "$QEMU" -L "$SYSROOT" "$EMU_TESTS/args-dynamic" a "b c" 2>/dev/null)
	_s=$(cd "$work" && "$EMU_TESTS/args-dynamic" a "b c" 2>/dev/null)
	expect_eq "a riscv64 program runs directly, as under qemu" "$_q" "$_s"
	_s=$(cd "$work" && "$EMU_TESTS/hello-static" 2>/dev/null)
	expect_match "a static one too" '^hello, riscv64' "$_s"
	out=$(STRATA_EMU_STRACE=1 "$EMU_TESTS/hello-static" 2>&1 >/dev/null)
	expect_match "it ran through strata (STRATA_EMU_STRACE)" 'exit_group\(' "$out"
	out=$(STRATA_EMU_STRACE=1 "$EMU_TESTS/args-static" x 2>&1)
	expect_match "the arguments arrive in place (flag P)" '^argv\[1\]=x$' "$out"
	out=$(st emu binfmt remove 2>&1)
	expect_match "binfmt remove drops it" '^removed strata-riscv64$' "$out"
	expect_eq "and it is gone" "absent" "$(cat "$BINFMT/strata-riscv64" 2>/dev/null || echo absent)"
	out=$(st emu binfmt remove 2>&1)
	expect_match "a second remove says so" 'was not installed$' "$out"
	expect_eq "qemu-riscv64's registration is untouched" "$qemu_before" \
		"$(cat "$BINFMT/qemu-riscv64" 2>/dev/null || echo absent)"
fi
