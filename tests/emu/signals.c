/* signals: guest handlers.  raise() with SA_SIGINFO, alarm + pause,
 * a blocked signal left pending then delivered on unblock, sigsuspend,
 * a SIGSEGV and a SIGILL handler that siglongjmp out, a handler on a
 * sigaltstack, SA_RESTART against EINTR on a pipe read, SA_RESETHAND,
 * registers and the FP state surviving a handler, then death by an
 * uncaught SIGTERM's default action (exit status 143 in the shell). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_code, got_signo;
static sigjmp_buf jb;
static volatile uintptr_t fault_addr;
static char altstack[65536];
static volatile int on_alt;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	got = sig;
	got_signo = si->si_signo;
	got_code = si->si_code;
}

static void on_plain(int sig)
{
	got = sig;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = (uintptr_t)si->si_addr;
	got_code = si->si_code;
	siglongjmp(jb, sig);
}

static void on_alt_handler(int sig)
{
	char here;

	on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
}

static double fp_work(double x)
{
	return x * 1.5 + 0.25;
}

static void on_fp(int sig)
{
	volatile double d = fp_work(3.0);

	got = (int)d;
}

/* a store to an address in the unmapped first page; through a volatile
 * pointer so the compiler neither warns about nor folds the access */
static void poke(unsigned long addr)
{
	volatile int *volatile p = (volatile int *)addr;

	*p = 1;
}

int main(void)
{
	struct sigaction sa;
	sigset_t set, old;
	struct itimerval it;
	int fd[2], r, status;
	char buf[16];
	pid_t pid;
	volatile double keep = 2.75;

	setvbuf(stdout, NULL, _IONBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("raise: handler got %d signo %d code %d\n", (int)got, (int)got_signo, (int)got_code);

	signal(SIGALRM, on_plain);
	got = 0;
	alarm(1);
	r = pause();
	printf("alarm: pause returned %d (%s), handler got %d\n", r, strerror(errno), (int)got);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	got = 0;
	raise(SIGUSR1);
	sigpending(&set);
	printf("blocked: handler ran %d, pending %d\n", got != 0, sigismember(&set, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("unblocked: handler got %d\n", (int)got);

	/* sigsuspend with SIGUSR2 blocked outside it */
	signal(SIGUSR2, on_plain);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	got = 0;
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	sigsuspend(&old);
	waitpid(pid, NULL, 0);
	sigprocmask(SIG_SETMASK, NULL, &set);
	printf("sigsuspend: handler got %d, mask restored %d\n", (int)got,
	       sigismember(&set, SIGUSR2));
	sigprocmask(SIG_SETMASK, &old, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	r = sigsetjmp(jb, 1);
	if (r == 0)
		poke(16);
	printf("segv: caught %d addr %#lx code %d\n", r, (unsigned long)fault_addr, (int)got_code);
	r = sigsetjmp(jb, 1);
	if (r == 0)
		__asm__ volatile(".4byte 0");
	printf("sigill: caught %d code %d\n", r, (int)got_code);
	r = sigsetjmp(jb, 1);
	if (r == 0)
		poke(24);
	printf("segv again (mask restored by siglongjmp): caught %d addr %#lx\n", r,
	       (unsigned long)fault_addr);

	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alt_handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("sigaltstack: handler on the alternate stack %d\n", on_alt);

	/* SA_RESTART: a read interrupted by a timer goes on */
	for (int restart = 1; restart >= 0; restart--) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_plain;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, NULL);
		pipe(fd);
		pid = fork();
		if (pid == 0) {
			usleep(300000);
			write(fd[1], "data", 4);
			_exit(0);
		}
		memset(&it, 0, sizeof(it));
		it.it_value.tv_usec = 50000;
		setitimer(ITIMER_REAL, &it, NULL);
		r = read(fd[0], buf, sizeof(buf));
		printf("read with%s SA_RESTART: %d %s\n", restart ? "" : "out",
		       r, r < 0 ? strerror(errno) : "");
		waitpid(pid, NULL, 0);
		close(fd[0]);
		close(fd[1]);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fp;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	got = 0;
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &sa);
	printf("resethand: got %d, now default %d, fp kept %g\n", (int)got,
	       sa.sa_handler == SIG_DFL, keep * 2);

	/* a child killed by a signal it does not catch */
	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("child: signaled %d sig %d\n", WIFSIGNALED(status), WTERMSIG(status));
	return 0;
}
