/*
 * emu_safe_syscall -- a guest signal caught before a blocking host call
 * enters the kernel stops the call (src/emu/safe_syscall.c): with a
 * pending, unblocked signal the call is not made; a blocked one does not
 * count; a signal handler that finds the thread in the window before the
 * `syscall` instruction moves it to the not-started exit, and nowhere
 * else; a signal during the call makes the kernel answer EINTR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "emu/safe_syscall.h"
#include "test.h"

extern const char emu_safe_syscall_start[], emu_safe_syscall_end[],
	emu_safe_syscall_interrupted[];

static uint64_t pending, blocked;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	pending |= 1;
	emu_safe_syscall_rewind(uc);
}

static void *kick(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static uintptr_t rewound(uintptr_t rip)
{
	ucontext_t uc;

	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)rip;
	emu_safe_syscall_rewind(&uc);
	return (uintptr_t)uc.uc_mcontext.gregs[REG_RIP];
}

int main(void)
{
	uintptr_t start = (uintptr_t)emu_safe_syscall_start;
	uintptr_t end = (uintptr_t)emu_safe_syscall_end;
	uintptr_t out = (uintptr_t)emu_safe_syscall_interrupted;
	struct sigaction sa;
	pthread_t self = pthread_self(), th;
	uint64_t args[6] = { 0 };
	int fds[2];
	char c = 'x';
	long r;

	test_assert(pipe(fds) == 0, "a pipe");
	args[0] = (uint64_t)fds[0];
	args[1] = (uint64_t)(uintptr_t)&c;
	args[2] = 1;

	test_assert(write(fds[1], &c, 1) == 1 &&
		    emu_safe_syscall(&pending, &blocked, SYS_read, args) == 1,
		    "with nothing pending the call is made and returns its result");
	test_assert(emu_safe_syscall(&pending, &blocked, SYS_close, (uint64_t[6]){ 9999 }) == -EBADF,
		    "a failure comes back as -errno");
	pending = 1;
	test_assert(emu_safe_syscall(&pending, &blocked, SYS_read, args) == EMU_SAFE_NOT_STARTED,
		    "a pending signal: the read of an empty pipe is not made (no hang)");
	blocked = 1;
	test_assert(write(fds[1], &c, 1) == 1 &&
		    emu_safe_syscall(&pending, &blocked, SYS_read, args) == 1,
		    "a pending but blocked signal does not stop the call");
	pending = blocked = 0;

	test_assert(rewound(start) == out && rewound(end - 1) == out,
		    "in the window before `syscall`: moved to the not-started exit");
	test_assert(rewound(end) == end, "after `syscall` (in the kernel): left alone");
	test_assert(rewound(start - 1) == start - 1 && rewound(out) == out,
		    "outside the window: left alone");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&th, NULL, kick, &self);
	r = emu_safe_syscall(&pending, &blocked, SYS_read, args);
	pthread_join(th, NULL);
	test_assert((r == -EINTR || r == EMU_SAFE_NOT_STARTED) && pending == 1,
		    "a signal while blocked in the call ends it");
	return test_report();
}
