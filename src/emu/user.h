/*
 * user -- user mode: one riscv64 Linux process run on this x86-64.
 * Loads the program (and its dynamic loader), builds the initial stack
 * (argv, envp, auxv as the Linux ELF loader does), then runs the hart
 * and answers its system calls (src/emu/syscall.c).
 */
#ifndef STRATA_EMU_USER_H
#define STRATA_EMU_USER_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "emu/cpu.h"
#include "emu/vma.h"
#include "lib/err.h"

#define EMU_DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"
#define EMU_STACK_SIZE	(8ULL << 20)
#define EMU_PIE_BASE	0x4000000000ULL	/* ET_DYN programs, when free */
#define EMU_NSIG	65

struct emu_opts {
	const char *sysroot;		/* prefix for PT_INTERP and absolute paths */
	const char *path;		/* the program */
	char *const *argv;		/* argv[0] included */
	char *const *envp;
	int strace;			/* one stderr line per system call */
};

/* How the guest ended, for the CLI to report. */
struct emu_result {
	int exit_code;			/* exit_group status, or 128 + signal */
	int signal;			/* nonzero when the guest "died" of one */
	uint64_t pc;			/* where, for SIGILL/SIGSEGV */
	uint64_t addr;			/* faulting address (SIGSEGV) */
	uint32_t insn;			/* offending instruction (SIGILL) */
	uint64_t insns, syscalls;	/* --stats */
};

/* A guest's rt_sigaction, as the riscv64 kernel lays it out (no
 * sa_restorer: riscv64 has no SA_RESTORER). */
struct emu_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t mask;
};

/* The process around the harts: every thread's cpu->user points here. */
struct emu_proc {
	const struct emu_opts *opts;
	char exe[4096];			/* absolute path: /proc/self/exe, AT_EXECFN */
	char host_exe[4096];		/* strata itself, for execve */
	/* the guest's threads map and unmap at once: vmas, exec and the
	 * break change under mm_lock, with the host call that makes them
	 * true (a range found free must still be free when it is mapped) */
	pthread_mutex_t mm_lock;
	struct vma_set vmas;		/* what the guest may map over and unmap */
	struct vma_set exec;		/* the parts of it the guest made PROT_EXEC
					 * (the host maps them readable) */
	/* the guest's view of /proc/self (userproc.c): what Linux's ELF
	 * loader would have recorded for it */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t stack_lo, stack_hi, start_stack;
	uint64_t arg_lo, arg_hi;
	uint64_t auxv[64];
	int nauxv;			/* words, the AT_NULL pair included */
	uint64_t brk_start, brk_cur, brk_mapped;
	/* the dispositions are the process's: a change (with its host
	 * side) and a read at delivery are whole under sig_lock, so two
	 * threads' rt_sigaction swap in turn and a handler never runs with
	 * another action's flags */
	pthread_mutex_t sig_lock;
	struct emu_sigaction sigact[EMU_NSIG];	/* the guest's dispositions */
	uint64_t sigtramp;		/* guest address of `li a7, 139; ecall` */
	int nthreads;			/* live guest threads (atomic) */
	/* every live thread, for what the process's end does to each
	 * (robust lists): linked under threads_lock */
	pthread_mutex_t threads_lock;
	struct emu_thread *threads;
	int exited;
	int exit_code;
	uint64_t syscalls;		/* --stats: every thread adds (atomic) */
};

/*
 * One guest thread: a hart run by one host thread (threads are host
 * threads, so the guest's tids, futexes and tgkill are the host's).
 * The cpu comes first: syscall.c finds the thread from its cpu.
 * Signal state is per thread, as in Linux: the blocked mask (mirrored
 * on the host thread, minus the signals strata needs), the signals the
 * host handler caught for this thread and not yet delivered, the
 * alternate stack.
 */
struct emu_thread {
	struct rv_cpu cpu;
	struct emu_proc *p;
	int main;			/* the thread emu_run() runs on */
	int exited;			/* exit(2) of this thread alone */
	int exit_code;
	uint64_t clear_child_tid;	/* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t robust_head;		/* set_robust_list: the guest's list */
	uint32_t tid;
	struct emu_thread *next;	/* p->threads */
	uint64_t sigmask;		/* bit N-1 blocks signal N */
	uint64_t pending;		/* caught, not delivered (atomic) */
	siginfo_t si[EMU_NSIG];		/* their siginfo, as the host saw it */
	uint64_t ss_sp, ss_size;	/* sigaltstack */
	int ss_flags;
	int mask_saved;			/* rt_sigsuspend, ppoll...: a temporary */
	uint64_t saved_mask;		/* mask, the frame restores this one */
};

/*
 * Signal numbers.  The host's 32 and 33 are strata's own libc's (thread
 * cancellation and set*id across threads): a guest's 32 and 33 (its
 * libc's same two) sent there would run strata's handlers on strata's
 * threads (a threaded guest's setuid() crashed strata).  The guest's 32
 * and 33 are the host's 64 and 63 instead, as qemu-user moves them; the
 * guest's 63 and 64 have no host signal (kill() of them is EINVAL, a
 * handler for them never runs).  Masks and sets follow.
 */
static inline int sig_g2h(int g)
{
	return g == 32 ? 64 : g == 33 ? 63 : g == 63 || g == 64 ? 0 : g;
}

static inline int sig_h2g(int h)
{
	return h == 64 ? 32 : h == 63 ? 33 : h == 32 || h == 33 ? 0 : h;
}

#define SIGSET_BIT(sig)	(1ULL << ((sig) - 1))

static inline uint64_t sigset_g2h(uint64_t g)
{
	uint64_t h = g & ~(SIGSET_BIT(32) | SIGSET_BIT(33) | SIGSET_BIT(63) | SIGSET_BIT(64));

	if (g & SIGSET_BIT(32))
		h |= SIGSET_BIT(64);
	if (g & SIGSET_BIT(33))
		h |= SIGSET_BIT(63);
	return h;
}

static inline uint64_t sigset_h2g(uint64_t h)
{
	uint64_t g = h & ~(SIGSET_BIT(32) | SIGSET_BIT(33) | SIGSET_BIT(63) | SIGSET_BIT(64));

	if (h & SIGSET_BIT(64))
		g |= SIGSET_BIT(32);
	if (h & SIGSET_BIT(63))
		g |= SIGSET_BIT(33);
	return g;
}

static inline struct emu_thread *emu_thread_of(struct rv_cpu *cpu)
{
	return (struct emu_thread *)cpu;
}

/* A new guest thread (clone with CLONE_VM | CLONE_THREAD) on a new host
 * thread; it starts after the parent's ecall with a0 = 0.  Returns its
 * tid (written to @ptid/@ctid as the flags ask) or -errno. */
long user_clone_thread(struct emu_thread *parent, uint64_t flags, uint64_t newsp,
		       uint64_t ptid, uint64_t ctid, uint64_t tls);

/* The calling thread's guest mask onto its host thread (never blocking
 * SEGV, BUS, ILL, FPE, TRAP, SYS, which strata needs; guest numbers). */
void user_apply_sigmask(uint64_t mask);

/* The host side of a guest disposition change: a guest handler gets
 * strata's catching handler, SIG_IGN and SIG_DFL act on the host.
 * Under p->sig_lock. */
void user_host_action(int sig, const struct emu_sigaction *act);

/* The guest's action for @sig, read whole (p->sig_lock). */
void usig_action(struct emu_proc *p, int sig, struct emu_sigaction *act);

/* Guest signals (src/emu/usignal.c), for the run loop in user.c. */
int usig_init(struct emu_proc *p, struct err *e);	/* the sigreturn page */
void usig_thread_start(struct emu_thread *t);	/* the host thread runs @t */
/* @t ends, every host signal blocked: the signals caught for it and not
 * delivered that were sent to the process go back to the process, for
 * a thread that takes them (Linux hands them on so at a thread's exit);
 * tkill's go with the thread. */
void usig_exit_pending(struct emu_thread *t);
/* The first signal caught for @t and not blocked by it, or 0. */
int usig_next(struct emu_thread *t);
/* 1 when system call @nr, interrupted (EINTR) with signal @sig on the
 * way, is to be restarted after its handler (SA_RESTART, signal(7)). */
int usig_restarts(struct emu_thread *t, int sig, unsigned long nr);
/* Deliver the caught signals that are not blocked: a frame on the guest
 * stack and pc at the handler, or the action with no handler.  Returns
 * 0, or a signal the guest dies of. */
int usig_deliver(struct emu_thread *t);
/* A synchronous fault (SIGSEGV, SIGBUS, SIGILL, SIGTRAP) at cpu->pc: the
 * guest's handler runs, 0; no handler, or the signal blocked: returns
 * @sig, the guest dies of it. */
int usig_fault(struct emu_thread *t, int sig, int code, uint64_t addr);
/* rt_sigreturn: registers and mask from the frame at sp.  0 or SIGSEGV. */
int usig_sigreturn(struct emu_thread *t);
/* Record a signal the host delivered to this thread (handler context);
 * @sig is the host's number. */
void usig_catch(int sig, siginfo_t *si);

/* Copy between strata and guest memory, a bad guest address caught:
 * the bytes copied (page granular), or -ENOSYS outside a guest run. */
long user_copy(void *dst, const void *src, size_t len);

/* Compare-and-swap of the guest's 32-bit word at @addr, a bad address
 * caught: 1 swapped, 0 not (*@old gets the word), -EFAULT, or -ENOSYS
 * outside a guest run. */
long user_cas32(uint64_t addr, uint32_t *old, uint32_t new);

/* What the kernel does with a dying thread's robust list (the guest's
 * set_robust_list): each futex @t still holds gets FUTEX_OWNER_DIED and
 * a waiter is woken.  Before its clear_child_tid (a joiner may free the
 * list's memory), at exit, exit_group and a fatal signal. */
void user_robust_exit(struct emu_thread *t);
/* The process ends (exit_group, a fatal signal): every thread's list,
 * as Linux walks each as it kills them. */
void user_robust_exit_all(struct emu_proc *p);
/* @t joins or leaves p->threads; user_threads_forked: the forking
 * thread @t is the child's only one. */
void user_thread_link(struct emu_thread *t);
void user_thread_unlink(struct emu_thread *t);
void user_threads_forked(struct emu_thread *t);

/* Run the program to its end.  Returns 0 with @res filled when the guest
 * ran (whatever its exit code), or -errno when it could not start. */
int emu_run(const struct emu_opts *o, struct emu_result *res, struct err *e);

/* One stderr line for a guest that died of a fault (nothing for an exit
 * or a signal sent to it); returns its exit code. */
int emu_report(const struct emu_result *r);

/*
 * userproc.c: /proc/self/{maps,stat,statm,status,auxv,cmdline} as the
 * guest would see them natively.  @path is the guest's (translated) path
 * of an openat with @flags; when it is one of those files, opened for
 * reading, *@fd gets a memory file with the guest's view (or -errno) and
 * the result is 1; 0 when the host's file is the right one.
 */
int user_proc_open(struct emu_proc *p, const char *path, int flags, long *fd);

/* The executable ranges of the ELF file at @path loaded at @bias, and
 * for the program (@is_prog) its code and data bounds.  0 or -errno. */
int user_proc_segments(struct emu_proc *p, const char *path, uint64_t bias,
		       int is_prog);

/* Record the guest's PROT_EXEC for [start, end) (the host's pages are
 * never executable, so /proc/self/maps learns it here). */
void user_note_exec(struct emu_proc *p, uint64_t start, uint64_t end, int exec);

#endif
