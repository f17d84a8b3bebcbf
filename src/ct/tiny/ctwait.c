/*
 * strata-ctwait -- the resident part of a running container, kept tiny.
 *
 * A container that runs for long keeps two strata processes alive: its
 * init (pid 1: reaps orphans, passes signals on to the command) and, for
 * `run -d`/`start`, the monitor (waits for init, then records the exit).
 * Both are cheap in work and dear as full strata processes: a dynamic
 * binary with eight libraries costs ~200 KiB of copied-on-write data,
 * heap and stack and ~50 KiB of page tables each.  Once the container
 * runs they exec this program instead: no libc, no heap, one page of data
 * and a small stack.  Built freestanding (-nostdlib, static, no PIE).
 *
 *   strata-init PID [FD]       as pid 1: reap everything, forward every
 *                              signal to PID, exit with PID's status (and
 *                              write it as one byte to FD first: the pipe
 *                              the supervisor of background containers
 *                              reads, src/ct/supervisor.c)
 *   strata-monitor PID FD ARG...
 *                              as the monitor: forward SIGINT, SIGTERM,
 *                              SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 to PID,
 *                              wait for it, then exec strata (FD, an
 *                              O_PATH descriptor of its binary) as
 *                              `strata ct _finish CODE ARG...` to record
 *                              the exit and clean up
 *
 * The caller blocks the signals before the exec (the mask survives it),
 * so none is lost in between; a child that ended before is still there
 * to be reaped.
 */

#define SIGHUP	1
#define SIGINT	2
#define SIGQUIT	3
#define SIGUSR1	10
#define SIGUSR2	12
#define SIGTERM	15
#define SIGCHLD	17

#define P_ALL	0
#define P_PID	1
#define WNOHANG	1
#define WEXITED	4
#define CLD_EXITED	1

#define SIG_BLOCK	0
#define PR_SET_PDEATHSIG 1
#define PR_SET_NAME	15
#define PR_SET_DUMPABLE	4
#define AT_EMPTY_PATH	0x1000
#define SIGKILL	9

#if defined(__x86_64__)
#define NR_exit_group	231
#define NR_waitid	247
#define NR_kill		62
#define NR_prctl	157
#define NR_rt_sigprocmask 14
#define NR_rt_sigtimedwait 128
#define NR_execveat	322
#define NR_write	1

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

__asm__(".text\n.global _start\n_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call ctwait_main\n"
	"	hlt\n");
#elif defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
#define NR_exit_group	94
#define NR_waitid	95
#define NR_kill		129
#define NR_prctl	167
#define NR_rt_sigprocmask 135
#define NR_rt_sigtimedwait 137
#define NR_execveat	281
#define NR_write	64

#if defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0" : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

__asm__(".text\n.global _start\n_start:\n"
	"	mov x0, sp\n"
	"	bl ctwait_main\n");
#else
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;

	__asm__ volatile("ecall" : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}

__asm__(".text\n.global _start\n_start:\n"
	"	mv a0, sp\n"
	"	call ctwait_main\n");
#endif
#else
#error "strata-ctwait: no system call glue for this architecture"
#endif

#define EINTR	4

/* The kernel's siginfo as waitid() fills it (64-bit layout). */
struct child_info {
	int signo, errnum, code, pad;
	int pid, uid, status;
	int rest[25];
};

void ctwait_main(long *sp) __attribute__((noreturn, used));

static void __attribute__((noreturn)) exit_with(long code)
{
	for (;;)
		sys6(NR_exit_group, code, 0, 0, 0, 0, 0);
}

/* 0 when @pid (or, with pid 0, any child) has not ended; else its
 * status as a shell shows it: the code, or 128 + the signal. */
static int reaped(int pid, int *code)
{
	struct child_info ci;
	long ret;
	int i;

	for (;;) {
		/* volatile: a plain loop may become a call to memset, which
		 * nothing here provides */
		for (i = 0; i < (int)(sizeof(ci) / sizeof(int)); i++)
			((volatile int *)&ci)[i] = 0;
		ret = sys6(NR_waitid, pid ? P_PID : P_ALL, pid, (long)&ci,
			   WEXITED | WNOHANG, 0, 0);
		if (ret == -EINTR)
			continue;
		if (ret < 0 || ci.pid == 0)
			return 0;
		*code = ci.code == CLD_EXITED ? ci.status & 0xff : 128 + ci.status;
		return ci.pid;
	}
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long number(const char *s)
{
	long n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

static void put_number(char *buf, int n)
{
	char tmp[12];
	int i = 0;

	do
		tmp[i++] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	while (i > 0)
		*buf++ = tmp[--i];
	*buf = '\0';
}

static int next_signal(unsigned long set)
{
	long sig;

	do
		sig = sys6(NR_rt_sigtimedwait, (long)&set, 0, 0, 8, 0, 0);
	while (sig < 0);
	return (int)sig;
}

/* pid 1: every child is ours to reap, every signal goes to the command.
 * Not dumpable: the container's processes run as the same user, and must
 * not take the status pipe from it (pidfd_getfd, /proc/1/fd). */
static void __attribute__((noreturn)) run_init(int child, int status_fd)
{
	unsigned long all = ~0UL;
	int code, pid, sig;

	sys6(NR_prctl, PR_SET_NAME, (long)"strata-init", 0, 0, 0, 0);
	sys6(NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
	sys6(NR_rt_sigprocmask, SIG_BLOCK, (long)&all, 0, 8, 0, 0);
	for (;;) {
		while ((pid = reaped(0, &code)) > 0)
			if (pid == child) {
				unsigned char byte = (unsigned char)code;

				if (status_fd >= 0)
					sys6(NR_write, status_fd, (long)&byte, 1, 0, 0, 0);
				exit_with(code);
			}
		sig = next_signal(all);
		if (sig != SIGCHLD)
			sys6(NR_kill, child, sig, 0, 0, 0, 0);
	}
}

#define BIT(sig) (1UL << ((sig) - 1))

static void __attribute__((noreturn)) run_monitor(int child, int exe, char **args,
						  char **envp)
{
	unsigned long set = BIT(SIGCHLD) | BIT(SIGINT) | BIT(SIGTERM) |
			    BIT(SIGHUP) | BIT(SIGQUIT) | BIT(SIGUSR1) | BIT(SIGUSR2);
	char *argv[16], code_str[12];
	int code, i, n = 0;

	sys6(NR_prctl, PR_SET_NAME, (long)"strata-monitor", 0, 0, 0, 0);
	sys6(NR_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8, 0, 0);
	for (;;) {
		int sig;

		if (reaped(child, &code) == child)
			break;
		sig = next_signal(set);
		if (sig != SIGCHLD)
			sys6(NR_kill, child, sig, 0, 0, 0, 0);
	}
	put_number(code_str, code);
	argv[n++] = "strata";
	argv[n++] = "ct";
	argv[n++] = "_finish";
	argv[n++] = code_str;
	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = 0;
	sys6(NR_execveat, exe, (long)"", (long)argv, (long)envp, AT_EMPTY_PATH, 0);
	/* strata is gone: `strata ct gc` tidies up after a dead monitor */
	exit_with(code);
}

void ctwait_main(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	if (argc < 2)
		exit_with(125);
	/* argv[0] says the role; "strata-init" stays what ps shows as pid 1 */
	if (same(argv[0], "strata-init"))
		run_init((int)number(argv[1]), argc > 2 ? (int)number(argv[2]) : -1);
	if (argc < 3)
		exit_with(125);
	run_monitor((int)number(argv[1]), (int)number(argv[2]), argv + 3, envp);
}
