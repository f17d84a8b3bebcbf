/*
 * usignal -- signals with guest handlers, as Linux delivers them on
 * riscv64 (arch/riscv/kernel/signal.c).
 *
 * A guest handler gets a host handler of strata's (usig_catch) that only
 * records the signal for the thread it hit and stops that thread's hart
 * (cpu->stop = RV_STOP_EXIT).  The run loop then delivers it between two
 * instructions: an rt_sigframe on the guest stack, pc at the handler,
 * ra at a page of strata's holding `li a7, 139; ecall` (riscv64 has no
 * SA_RESTORER; the kernel points ra at the vDSO's __vdso_rt_sigreturn).
 *
 *	sp ->	siginfo (128 bytes, the generic layout, same as x86-64's)
 *	+128	ucontext: uc_flags, uc_link, uc_stack (24), uc_sigmask (8),
 *		120 reserved bytes, then at +176 (16-aligned) the mcontext:
 *		__gregs[32] (pc in [0], x1..x31 after it) and the F/D state
 *		f[32], fcsr in a 528-byte union (the rest zero: an END header)
 *
 * a0 = signo, a1 = &siginfo, a2 = &ucontext.  rt_sigreturn (139) reads
 * the registers and the mask back from the ucontext at sp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu/jit.h"
#include "emu/safe_syscall.h"
#include "emu/syscall.h"
#include "emu/user.h"

#define RV_NR_RT_SIGRETURN	139
#define BIT(sig)		(1ULL << ((sig) - 1))

struct rv_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t sigmask;
	uint8_t reserved[120];
	struct {
		uint64_t gregs[32];
		union {
			struct {
				uint64_t f[32];
				uint32_t fcsr;
			} d;
			uint8_t q[528];
		} fp __attribute__((aligned(16)));
	} mc __attribute__((aligned(16)));
};

struct rv_sigframe {
	uint8_t info[128];
	struct rv_ucontext uc;
};

_Static_assert(offsetof(struct rv_ucontext, mc) == 176, "riscv64 mcontext at 176");
_Static_assert(sizeof(struct rv_ucontext) == 960, "riscv64 ucontext is 960 bytes");
_Static_assert(sizeof(struct rv_sigframe) == 1088, "riscv64 rt_sigframe");
_Static_assert(sizeof(siginfo_t) == 128, "siginfo is 128 bytes");

static __thread struct emu_thread *usig_self;

int usig_init(struct emu_proc *p, struct err *e)
{
	static const uint32_t code[] = {
		0x08b00893,	/* addi a7, zero, 139 */
		0x00000073,	/* ecall */
	};
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return err_set(e, -errno, "sigreturn page");
	memcpy(m, code, sizeof(code));
	/* not in the guest's vmas: it can neither unmap nor replace it */
	mprotect(m, 4096, PROT_READ);
	p->sigtramp = (uint64_t)(uintptr_t)m;
	return 0;
}

void usig_thread_start(struct emu_thread *t)
{
	usig_self = t;
}

/* Handler context: async-signal-safe, atomics only. */
void usig_catch(int hsig, siginfo_t *si)
{
	struct emu_thread *t = usig_self;
	int sig = sig_h2g(hsig);

	if (!t || sig < 1 || sig >= EMU_NSIG)
		return;
	memcpy(&t->si[sig], si, sizeof(*si));
	t->si[sig].si_signo = sig;
	__atomic_fetch_or(&t->pending, BIT(sig), __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->cpu.stop, RV_STOP_EXIT, __ATOMIC_SEQ_CST);
}

static void usig_host_handler(int sig, siginfo_t *si, void *uc)
{
	usig_catch(sig, si);
	rv_jit_kick(uc);	/* delivered now, not at the end of a run */
	emu_safe_syscall_rewind(uc);
}

/* Signals strata keeps for itself (faults of the CPU core, ASan), and
 * the guest's with no host number: recorded only. */
static int usig_is_strata(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGKILL || sig == SIGSTOP ||
	       !sig_g2h(sig);
}

void user_host_action(int sig, const struct emu_sigaction *act)
{
	struct sigaction h;

	if (usig_is_strata(sig))
		return;
	memset(&h, 0, sizeof(h));
	if (act->handler == (uint64_t)(uintptr_t)SIG_IGN) {
		h.sa_handler = SIG_IGN;
	} else if (act->handler == (uint64_t)(uintptr_t)SIG_DFL) {
		h.sa_handler = SIG_DFL;
	} else {
		/* no SA_RESTART: the interrupted call comes back to the run
		 * loop, which restarts it after the guest's handler if the
		 * guest asked for SA_RESTART */
		h.sa_sigaction = usig_host_handler;
		h.sa_flags = SA_SIGINFO;
		sigfillset(&h.sa_mask);
	}
	sigaction(sig_g2h(sig), &h, NULL);
}

void user_apply_sigmask(uint64_t mask)
{
	uint64_t set = sigset_g2h(mask) & ~(BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) |
					   BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS));

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8);
}

void usig_action(struct emu_proc *p, int sig, struct emu_sigaction *act)
{
	pthread_mutex_lock(&p->sig_lock);
	*act = p->sigact[sig];
	pthread_mutex_unlock(&p->sig_lock);
}

/* The action a delivery uses, and SA_RESETHAND's reset with it: a
 * signal of another thread, or an rt_sigaction, sees one or the other,
 * never half. */
static void usig_take_action(struct emu_proc *p, int sig, struct emu_sigaction *act)
{
	pthread_mutex_lock(&p->sig_lock);
	*act = p->sigact[sig];
	if (act->handler > 1 && (act->flags & SA_RESETHAND)) {
		memset(&p->sigact[sig], 0, sizeof(p->sigact[sig]));
		user_host_action(sig, &p->sigact[sig]);
	}
	pthread_mutex_unlock(&p->sig_lock);
}

int usig_next(struct emu_thread *t)
{
	uint64_t ready = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask;

	return ready ? __builtin_ctzll(ready) + 1 : 0;
}

void usig_exit_pending(struct emu_thread *t)
{
	uint64_t held = __atomic_exchange_n(&t->pending, 0, __ATOMIC_SEQ_CST);
	pid_t pid = getpid();

	while (held) {
		int sig = __builtin_ctzll(held) + 1;
		siginfo_t si = t->si[sig];

		held &= held - 1;
		if (si.si_code == SI_TKILL)
			continue;	/* tkill/tgkill: this thread's, gone */
		si.si_signo = sig_g2h(sig);
		/* the sender's siginfo where the kernel lets a thread queue
		 * one (negative codes), a plain kill() otherwise */
		if (syscall(SYS_rt_sigqueueinfo, pid, si.si_signo, &si) < 0)
			kill(pid, si.si_signo);
	}
}

/* The calls signal(7) lists as never restarted after a handler. */
int usig_restarts(struct emu_thread *t, int sig, unsigned long nr)
{
	struct emu_sigaction act;

	usig_action(t->p, sig, &act);
	if (!(act.flags & SA_RESTART) || act.handler <= 1)
		return 0;
	switch (nr) {
	case 4: case 22: case 72: case 73: case 101: case 115: case 133:
	case 137: case 188: case 192: case 193: case 292: case 441:
		return 0;	/* io_getevents, epoll_pwait, pselect6, ppoll,
				 * nanosleep, clock_nanosleep, rt_sigsuspend,
				 * rt_sigtimedwait, msgrcv, semtimedop, semop,
				 * io_pgetevents, epoll_pwait2 */
	default:
		return 1;
	}
}

static int usig_on_altstack(const struct emu_thread *t, uint64_t sp)
{
	return t->ss_size && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

/* Build the frame for @sig (info @si) and enter the handler of @act
 * (taken with usig_take_action). */
static int usig_push(struct emu_thread *t, int sig, const siginfo_t *si,
		     const struct emu_sigaction *act)
{
	struct rv_cpu *cpu = &t->cpu;
	struct rv_sigframe f;
	uint64_t sp = cpu->x[2];
	int i;

	if ((act->flags & SA_ONSTACK) && t->ss_size && !(t->ss_flags & SS_DISABLE) &&
	    !usig_on_altstack(t, sp))
		sp = t->ss_sp + t->ss_size;
	sp = (sp - sizeof(f)) & ~15ULL;
	memset(&f, 0, sizeof(f));
	memcpy(f.info, si, sizeof(f.info));
	f.uc.ss_sp = t->ss_sp;
	f.uc.ss_size = t->ss_size;
	f.uc.ss_flags = t->ss_size ? (usig_on_altstack(t, cpu->x[2]) ? SS_ONSTACK : 0)
				   : SS_DISABLE;
	f.uc.sigmask = t->mask_saved ? t->saved_mask : t->sigmask;
	f.uc.mc.gregs[0] = cpu->pc;
	for (i = 1; i < 32; i++)
		f.uc.mc.gregs[i] = cpu->x[i];
	memcpy(f.uc.mc.fp.d.f, cpu->f, sizeof(cpu->f));
	f.uc.mc.fp.d.fcsr = cpu->fcsr;
	if (guest_write(sp, &f, sizeof(f)) < 0)
		return SIGSEGV;

	t->sigmask = f.uc.sigmask | act->mask;
	if (!(act->flags & SA_NODEFER))
		t->sigmask |= BIT(sig);
	t->sigmask &= ~(BIT(SIGKILL) | BIT(SIGSTOP));
	t->mask_saved = 0;
	user_apply_sigmask(t->sigmask);
	cpu->x[1] = t->p->sigtramp;
	cpu->x[2] = sp;
	cpu->x[10] = (uint64_t)sig;
	cpu->x[11] = sp + offsetof(struct rv_sigframe, info);
	cpu->x[12] = sp + offsetof(struct rv_sigframe, uc);
	cpu->pc = act->handler;
	cpu->reservation = ~0ULL;
	return 0;
}

/* A signal whose action is SIG_DFL reached the run loop (its host
 * action changed while it was in flight): ignored, or fatal. */
static int usig_default(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
		return 0;
	default:
		return sig;
	}
}

int usig_deliver(struct emu_thread *t)
{
	struct emu_sigaction act;
	siginfo_t si;
	uint64_t h;
	int sig, ret;

	while ((sig = usig_next(t)) != 0) {
		memcpy(&si, &t->si[sig], sizeof(si));
		__atomic_fetch_and(&t->pending, ~BIT(sig), __ATOMIC_SEQ_CST);
		usig_take_action(t->p, sig, &act);
		h = act.handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			continue;
		if (h == (uint64_t)(uintptr_t)SIG_DFL) {
			ret = usig_default(sig);
			if (ret)
				return ret;
			continue;
		}
		ret = usig_push(t, sig, &si, &act);
		if (ret)
			return ret;
		/* one frame at a time: the next signal, if any, nests on
		 * top of this one as on Linux, with the handler's mask */
	}
	if (t->mask_saved) {
		t->sigmask = t->saved_mask;
		t->mask_saved = 0;
		user_apply_sigmask(t->sigmask);
	}
	return 0;
}

int usig_fault(struct emu_thread *t, int sig, int code, uint64_t addr)
{
	struct emu_sigaction act;
	siginfo_t si;

	/* Linux's force_sig_fault: blocked or ignored means the default */
	if (t->sigmask & BIT(sig))
		return sig;
	usig_take_action(t->p, sig, &act);
	if (act.handler <= 1)
		return sig;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_addr = (void *)(uintptr_t)addr;
	return usig_push(t, sig, &si, &act);
}

int usig_sigreturn(struct emu_thread *t)
{
	struct rv_cpu *cpu = &t->cpu;
	struct rv_ucontext uc;
	int i;

	if (guest_read(&uc, cpu->x[2] + offsetof(struct rv_sigframe, uc),
		       sizeof(uc)) != sizeof(uc))
		return SIGSEGV;
	cpu->pc = uc.mc.gregs[0];
	for (i = 1; i < 32; i++)
		cpu->x[i] = uc.mc.gregs[i];
	memcpy(cpu->f, uc.mc.fp.d.f, sizeof(cpu->f));
	cpu->fcsr = uc.mc.fp.d.fcsr & 0xff;
	cpu->reservation = ~0ULL;
	t->sigmask = uc.sigmask & ~(BIT(SIGKILL) | BIT(SIGSTOP));
	user_apply_sigmask(t->sigmask);
	return 0;
}
