/*
 * user -- one riscv64 Linux process on this host: the program and its
 * dynamic loader mapped, the initial stack as Linux's binfmt_elf builds
 * it, and the run loop that turns ecalls into system calls.
 *
 * Initial stack (System V psABI, RISC-V psABI; sp 16-byte aligned):
 *
 *	sp ->	argc
 *		argv[0..argc-1], NULL
 *		envp[0..], NULL
 *		auxv pairs (type, value) ..., AT_NULL
 *		padding
 *		16 random bytes (AT_RANDOM), argument and environment strings,
 *		the program's path (AT_EXECFN)
 *	top of the stack
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu/elf.h"
#include "emu/jit.h"
#include "emu/safe_syscall.h"
#include "emu/syscall.h"
#include "emu/user.h"

#define ARG_MAX_BYTES	(2U << 20)	/* strings on the stack: a quarter of it */
#define RUN_CHUNK	(1ULL << 24)

/* AT_HWCAP: one bit per single-letter extension ('a' is bit 0). */
#define HWCAP_RV64IMAFDC ((1UL << ('i' - 'a')) | (1UL << ('m' - 'a')) | \
			  (1UL << ('a' - 'a')) | (1UL << ('f' - 'a')) | \
			  (1UL << ('d' - 'a')) | (1UL << ('c' - 'a')))

static void user_unmap_all(struct emu_proc *p)
{
	int i;

	for (i = 0; i < p->vmas.n; i++)
		munmap((void *)(uintptr_t)p->vmas.v[i].start,
		       p->vmas.v[i].end - p->vmas.v[i].start);
	vma_free(&p->vmas);
	vma_free(&p->exec);
}

static int user_record(struct emu_proc *p, uint64_t start, uint64_t end,
		       struct err *e)
{
	if (vma_add(&p->vmas, start, end) < 0)
		return err_set(e, -ENOMEM, "guest memory map");
	return 0;
}

/* The program, and its interpreter from the sysroot when it has one. */
static int user_load(struct emu_proc *p, struct elf_image *prog,
		     struct elf_image *interp, struct err *e)
{
	const char *root = p->opts->sysroot ? p->opts->sysroot : "";
	char path[PATH_MAX];
	int ret;

	ret = elf_load(p->opts->path, EMU_PIE_BASE, prog, e);
	if (ret < 0)
		return ret;
	ret = user_record(p, prog->lo, prog->hi, e);
	if (ret < 0)
		return ret;
	user_proc_segments(p, p->opts->path, prog->bias, 1);	/* /proc only */
	if (!prog->interp[0])
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, prog->interp) >= sizeof(path))
		return err_msg(e, -ENAMETOOLONG, "%s: interpreter path too long", p->opts->path);
	/* as qemu-user's -L: not under the sysroot, then as it is (a riscv64
	 * root file system in a container has its loader in /lib) */
	if (access(path, F_OK) < 0 && root[0] && access(prog->interp, F_OK) == 0)
		snprintf(path, sizeof(path), "%s", prog->interp);
	if (access(path, F_OK) < 0) {
		if (root[0])
			return err_msg(e, -ENOENT, "%s: interpreter %s not found under %s (see -L)",
				       p->opts->path, prog->interp, root);
		return err_msg(e, -ENOENT, "%s: interpreter %s not found (see -L)",
			       p->opts->path, prog->interp);
	}
	ret = elf_load(path, 0, interp, e);
	if (ret < 0)
		return err_wrap(e, "interpreter");
	ret = user_record(p, interp->lo, interp->hi, e);
	if (ret == 0)
		user_proc_segments(p, path, interp->bias, 0);
	if (ret == 0 && interp->interp[0])
		ret = err_msg(e, -ENOEXEC, "interpreter %s wants an interpreter itself", path);
	return ret;
}

/* Copy the strings of @v onto the stack below *sp; @addrs gets their
 * guest addresses.  Returns the count. */
/* The strings of @v below *sp, in order and back to back as Linux lays
 * them out (v[0] lowest), so that they are one range for /proc. */
static int user_push_strings(uint64_t *sp, char *const *v, uint64_t *addrs)
{
	uint64_t at;
	size_t total = 0;
	int n;

	for (n = 0; v && v[n]; n++)
		total += strlen(v[n]) + 1;
	*sp -= total;
	at = *sp;
	for (n = 0; v && v[n]; n++) {
		size_t len = strlen(v[n]) + 1;

		memcpy((void *)(uintptr_t)at, v[n], len);
		addrs[n] = at;
		at += len;
	}
	return n;
}

/*
 * /proc/PID/cmdline and environ (ps, pgrep, pidof, top) read the ranges
 * the kernel keeps for the process: strata's own arguments ("strata-emu
 * /bin/sh sh -c ...", or "strata-emu emu run ... --argv0 cat -- /bin/cat"
 * after a guest execve).  PR_SET_MM_MAP points them at the guest's
 * strings instead, which also shows what the guest writes there, as
 * natively.  It needs no capability (CONFIG_CHECKPOINT_RESTORE, as
 * Debian's kernels have); the other fields must be given as they are,
 * from /proc/self/stat.  Where it is refused (a seccomp profile, an
 * older kernel) the host's view stays: nothing else depends on it.
 */
static void user_proc_args(uint64_t arg_lo, uint64_t arg_hi, uint64_t env_lo,
			   uint64_t env_hi)
{
	unsigned long long f[52] = { 0 };
	struct prctl_mm_map m;
	char buf[1024], *s, *end;
	FILE *fp;
	int i;

	fp = fopen("/proc/self/stat", "re");
	if (!fp)
		return;
	s = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	s = s ? strrchr(buf, ')') : NULL;
	if (!s)
		return;
	/* field 3 (state) follows the ")" of the name */
	for (i = 3, s += 2; i < 52 && *s; i++, s = end) {
		f[i] = strtoull(s, &end, 10);
		if (end == s)	/* the state letter */
			end = s + 1;
		while (*end == ' ')
			end++;
	}
	if (i < 52)
		return;
	m = (struct prctl_mm_map){
		.start_code = f[26], .end_code = f[27], .start_stack = f[28],
		.start_data = f[45], .end_data = f[46], .start_brk = f[47],
		.brk = (uint64_t)syscall(SYS_brk, 0),
		.arg_start = arg_lo, .arg_end = arg_hi,
		.env_start = env_lo, .env_end = env_hi, .exe_fd = (uint32_t)-1,
	};
	prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0);
}

static int strv_size(char *const *v, size_t *bytes)
{
	int n;

	for (n = 0; v && v[n]; n++)
		*bytes += strlen(v[n]) + 1;
	return n;
}

struct auxv_in {
	const struct elf_image *prog, *interp;
	uint64_t random, execfn;
};

static int user_auxv(uint64_t *w, const struct auxv_in *in)
{
	int n = 0;

#define AUX(t, v) do { w[n++] = (t); w[n++] = (v); } while (0)
	AUX(AT_PHDR, in->prog->phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, in->prog->phnum);
	AUX(AT_PAGESZ, PAGE);
	AUX(AT_BASE, in->interp ? in->interp->bias : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, in->prog->entry);
	AUX(AT_UID, getuid());
	AUX(AT_EUID, geteuid());
	AUX(AT_GID, getgid());
	AUX(AT_EGID, getegid());
	AUX(AT_HWCAP, HWCAP_RV64IMAFDC);
	AUX(AT_HWCAP2, 0);
	AUX(AT_CLKTCK, sysconf(_SC_CLK_TCK));
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, in->random);
	AUX(AT_EXECFN, in->execfn);
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

static int user_stack(struct emu_proc *p, struct rv_cpu *cpu,
		      const struct auxv_in *ain, struct err *e)
{
	const struct emu_opts *o = p->opts;
	struct auxv_in in = *ain;
	uint64_t *addrs, *w, sp, aux[64], arg_hi, env_hi;
	size_t bytes = strlen(o->path) + 1;
	int argc, envc, naux, nw, i, ret;
	void *stack;

	argc = strv_size(o->argv, &bytes);
	envc = strv_size(o->envp, &bytes);
	if (bytes > ARG_MAX_BYTES)
		return err_msg(e, -E2BIG, "arguments and environment above %u bytes",
			       ARG_MAX_BYTES);
	stack = mmap(NULL, EMU_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return err_set(e, -errno, "guest stack");
	ret = user_record(p, (uintptr_t)stack, (uintptr_t)stack + EMU_STACK_SIZE, e);
	if (ret < 0)
		return ret;
	p->stack_lo = (uintptr_t)stack;
	p->stack_hi = (uintptr_t)stack + EMU_STACK_SIZE;
	addrs = calloc(argc + envc + 2, sizeof(*addrs));
	if (!addrs)
		return err_set(e, -ENOMEM, "guest stack");
	sp = (uintptr_t)stack + EMU_STACK_SIZE;
	sp -= strlen(o->path) + 1;
	memcpy((void *)(uintptr_t)sp, o->path, strlen(o->path) + 1);
	in.execfn = sp;
	env_hi = sp;
	user_push_strings(&sp, o->envp, addrs + argc + 1);
	arg_hi = sp;
	user_push_strings(&sp, o->argv, addrs);
	user_proc_args(sp, arg_hi, arg_hi, env_hi);
	p->arg_lo = sp;
	p->arg_hi = arg_hi;
	sp = (sp - 16) & ~15ULL;
	if (getrandom((void *)(uintptr_t)sp, 16, 0) != 16)
		memset((void *)(uintptr_t)sp, 0x5a, 16);
	in.random = sp;

	naux = user_auxv(aux, &in);
	nw = 1 + argc + 1 + envc + 1 + naux;
	sp = (sp - nw * 8) & ~15ULL;
	w = (uint64_t *)(uintptr_t)sp;
	*w++ = argc;
	for (i = 0; i < argc; i++)
		*w++ = addrs[i];
	*w++ = 0;
	for (i = 0; i < envc; i++)
		*w++ = addrs[argc + 1 + i];
	*w++ = 0;
	memcpy(w, aux, naux * 8);
	free(addrs);
	cpu->x[2] = sp;
	p->start_stack = sp;
	p->nauxv = naux;	/* /proc/self/auxv */
	memcpy(p->auxv, aux, naux * 8);
	return 0;
}

/* The hart's fate when it stops on something that is not a system call:
 * what Linux would have done with no handler installed. */
static int user_signal(struct emu_result *res, const struct rv_cpu *cpu, int sig)
{
	res->signal = sig;
	res->exit_code = 128 + sig;
	res->pc = cpu->pc;
	res->addr = cpu->fault_addr;
	res->insn = cpu->fault_insn;
	return 1;
}

/*
 * Guest memory faults.  The interpreter touches guest memory without
 * checks (cpu->regions NULL): a bad guest access is a host SIGSEGV or
 * SIGBUS raised inside rv_interp_run(), with cpu->pc still at the
 * faulting instruction (cpu.h).  The handler jumps back out of the run
 * and the fault becomes RV_STOP_FAULT.  A fault outside a guest run is
 * strata's own bug: the previous handler (ASan's, or the default) takes
 * it over on the next attempt.  A SIGSEGV or SIGBUS sent by kill() is
 * no fault: it is recorded for the guest like any other signal.
 */
static __thread sigjmp_buf *user_jmp;
static __thread volatile uint64_t user_fault_addr;
static __thread volatile int user_fault_sig, user_fault_code;
static struct sigaction user_old_segv, user_old_bus;

static void user_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *j = user_jmp;

	if (si->si_code <= 0) {	/* kill(): the guest's, even mid-syscall */
		if (!rv_jit_kick_signal(si, uc))
			usig_catch(sig, si);
		return;
	}
	if (!j) {
		sigaction(sig, sig == SIGSEGV ? &user_old_segv : &user_old_bus, NULL);
		return;
	}
	user_jmp = NULL;
	rv_jit_fault(uc);
	user_fault_addr = (uint64_t)(uintptr_t)si->si_addr;
	user_fault_sig = sig;
	user_fault_code = si->si_code;
	siglongjmp(*j, 1);
}

static int user_faults_on;

/*
 * strata's own reads and writes of guest memory (system call arguments,
 * signal frames): a bad address is caught by the same handler and ends
 * the copy, at page granularity like process_vm_readv, so a string that
 * ends just before an unmapped page is read whole.  No system call per
 * copy, and none a container's seccomp filter may refuse
 * (process_vm_readv is often denied there).  The bytes copied, or
 * -ENOSYS when faults are not caught here (no guest run).
 */
long user_copy(void *dst, const void *src, size_t len)
{
	volatile size_t done = 0;
	sigjmp_buf jb;

	if (!__atomic_load_n(&user_faults_on, __ATOMIC_RELAXED) || user_jmp)
		return -ENOSYS;
	if (sigsetjmp(jb, 0)) {
		user_jmp = NULL;
		return done;
	}
	user_jmp = &jb;
	/* memcpy is a builtin that reads no user_jmp: without the fences
	 * the compiler may drop the store above as dead */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	while (done < len) {
		uintptr_t s = (uintptr_t)src + done, d = (uintptr_t)dst + done;
		size_t n = len - done, ps = PAGE - (s & (PAGE - 1)), pd = PAGE - (d & (PAGE - 1));

		n = n < ps ? n : ps;
		n = n < pd ? n : pd;
		memcpy((void *)d, (const void *)s, n);
		done += n;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	user_jmp = NULL;
	return done;
}

long user_cas32(uint64_t addr, uint32_t *old, uint32_t new)
{
	uint32_t *w = (uint32_t *)(uintptr_t)addr;
	volatile long ret = -EFAULT;
	sigjmp_buf jb;

	if (!__atomic_load_n(&user_faults_on, __ATOMIC_RELAXED) || user_jmp)
		return -ENOSYS;
	if (addr & 3)
		return -EFAULT;
	if (sigsetjmp(jb, 0)) {
		user_jmp = NULL;
		return ret;
	}
	user_jmp = &jb;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ret = __atomic_compare_exchange_n(w, old, new, 0, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	user_jmp = NULL;
	return ret;
}

static void user_catch_faults(int on)
{
	struct sigaction sa;

	__atomic_store_n(&user_faults_on, on, __ATOMIC_RELAXED);
	if (!on) {
		sigaction(SIGSEGV, &user_old_segv, NULL);
		sigaction(SIGBUS, &user_old_bus, NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = user_fault;
	/* SA_NODEFER: the jump out leaves the signal unblocked without a
	 * sigprocmask per run (sigsetjmp(.., 0) is cheap) */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, &user_old_segv);
	sigaction(SIGBUS, &sa, &user_old_bus);
}

static enum rv_stop user_run(struct rv_cpu *cpu)
{
	sigjmp_buf jb;
	enum rv_stop s;

	if (sigsetjmp(jb, 0)) {
		cpu->fault_addr = user_fault_addr - cpu->mem_base;
		cpu->fault_access = user_fault_sig == SIGBUS ? RV_FAULT_MISALIGNED : 0;
		cpu->stop = RV_STOP_FAULT;
		return RV_STOP_FAULT;
	}
	user_jmp = &jb;
	s = rv_jit_run(cpu, RUN_CHUNK);
	user_jmp = NULL;
	return s;
}

int emu_report(const struct emu_result *r)
{
	switch (r->signal) {
	case 0:
		break;
	case SIGILL:
		fprintf(stderr, "strata: illegal instruction at %#llx (%#010x)\n",
			(unsigned long long)r->pc, r->insn);
		break;
	case SIGSEGV:
		fprintf(stderr, "strata: segmentation fault: address %#llx, pc %#llx\n",
			(unsigned long long)r->addr, (unsigned long long)r->pc);
		break;
	default:
		fprintf(stderr, "strata: %s at %#llx\n", strsignal(r->signal),
			(unsigned long long)r->pc);
		break;
	}
	return r->exit_code;
}

/* The guest dies of @sig.  Alone, the main thread reports it through
 * @res (a message and exit 128+N, as before threads); with other threads
 * running, a fault ends the process with 128+N at once, and an
 * asynchronous signal takes its host default action (strata dies of it,
 * as the native process would). */
static void user_die(struct emu_thread *t, struct emu_result *res, int sig, int sync)
{
	struct sigaction dfl;
	sigset_t set;

	user_robust_exit_all(t->p);	/* the process dies: shared mutexes see it */
	if (sync) {
		user_signal(res, &t->cpu, sig);
		if (t->main && __atomic_load_n(&t->p->nthreads, __ATOMIC_SEQ_CST) == 1)
			return;
		emu_report(res);	/* qemu-user says it too */
	}
	if (!sync) {
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(sig_g2h(sig), &dfl, NULL);
		sigemptyset(&set);
		sigaddset(&set, sig_g2h(sig));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig_g2h(sig));
	}
	syscall(SYS_exit_group, 128 + sig);
}

/* A fault the guest may catch: 1 when it goes on (its handler runs). */
static int user_sync(struct emu_thread *t, struct emu_result *res, int sig,
		     int code, uint64_t addr)
{
	int ret = usig_fault(t, sig, code, addr);

	if (ret == 0)
		return 1;
	user_die(t, res, ret, 1);
	return 0;
}

/* The ecall the hart stopped at.  Returns 0 when the thread is done. */
static int user_ecall(struct emu_thread *t, struct emu_result *res)
{
	struct rv_cpu *cpu = &t->cpu;
	uint64_t a0 = cpu->x[10], kicks;
	unsigned long nr = cpu->x[17];
	int sig;

	/* a signal caught before the call: its handler first, then the
	 * ecall again (pc stays on it) */
	if (usig_next(t))
		return 1;
	if (nr == 139) {	/* rt_sigreturn */
		__atomic_fetch_add(&t->p->syscalls, 1, __ATOMIC_RELAXED);
		if (usig_sigreturn(t) == 0)
			return 1;
		return user_sync(t, res, SIGSEGV, SEGV_MAPERR, cpu->x[2]);
	}
	kicks = rv_jit_kicks();
	syscall_dispatch(t->p, cpu);
	if (t->p->exited || t->exited)
		return 0;
	sig = usig_next(t);
	if ((int64_t)cpu->x[10] == EMU_SAFE_NOT_STARTED)
		cpu->x[10] = a0;	/* never made: the handler, then the call */
	else if ((int64_t)cpu->x[10] == -EINTR && sig && usig_restarts(t, sig, nr))
		cpu->x[10] = a0;	/* the handler runs, then the call again */
	else if ((int64_t)cpu->x[10] == -EINTR && !sig && rv_jit_kicks() != kicks)
		cpu->x[10] = a0;	/* only strata's kick stopped it: again */
	else
		cpu->pc += 4;
	return 1;
}

/* One guest thread's run loop.  Returns when the thread or the process
 * exits, or the guest dies (@res says how). */
static void user_loop(struct emu_thread *t, struct emu_result *res)
{
	struct rv_cpu *cpu = &t->cpu;
	enum rv_stop s;
	int go = 1, sig;

	while (go) {
		s = user_run(cpu);
		switch (s) {
		case RV_STOP_NONE:
			break;
		case RV_STOP_ECALL:
			go = user_ecall(t, res);
			break;
		case RV_STOP_EXIT:
			/* a signal stopped the hart: clear the request, then
			 * look at what was caught (a later one sets it again) */
			if (t->p->exited || t->exited) {
				go = 0;
				break;
			}
			__atomic_compare_exchange_n(&cpu->stop, &s, RV_STOP_NONE, 0,
						    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			break;
		case RV_STOP_EBREAK:
			go = user_sync(t, res, SIGTRAP, TRAP_BRKPT, cpu->pc);
			break;
		case RV_STOP_ILLEGAL:
			go = user_sync(t, res, SIGILL, ILL_ILLOPC, cpu->pc);
			break;
		case RV_STOP_FAULT:
		default:
			if (cpu->fault_access & RV_FAULT_MISALIGNED)
				go = user_sync(t, res, SIGBUS, BUS_ADRALN, cpu->fault_addr);
			else
				go = user_sync(t, res, SIGSEGV,
					       user_fault_code == SEGV_ACCERR ? SEGV_ACCERR
									: SEGV_MAPERR,
					       cpu->fault_addr);
			break;
		}
		if (go && usig_next(t)) {
			sig = usig_deliver(t);
			if (sig) {
				user_die(t, res, sig, 0);
				go = 0;
			}
		}
	}
	if (t->p->exited)
		res->exit_code = t->p->exit_code;
	else if (t->exited)
		res->exit_code = t->exit_code;
}

/* ---- threads ----------------------------------------------------------- */

/* struct robust_list_head, the same on riscv64 and x86-64 */
struct robust_head {
	uint64_t next;		/* the first entry, bit 0: a PI futex */
	int64_t futex_offset;	/* from an entry to its futex word */
	uint64_t pending;	/* being locked or unlocked right now */
};

#define ROBUST_LIMIT	2048	/* the kernel's ROBUST_LIST_LIMIT: a loop ends */

/* Linux's handle_futex_death: the word still names @tid as owner, so
 * the owner died holding it. */
static void robust_death(uint64_t uaddr, uint32_t tid, int pi, int pending)
{
	uint32_t val, dead;
	long r;

	if (guest_read(&val, uaddr, 4) != 4)
		return;
	/* unlocked already, but a waiter may not have been woken */
	if (pending && !pi && !val) {
		syscall(SYS_futex, uaddr, FUTEX_WAKE, 1, NULL, NULL, 0);
		return;
	}
	do {
		if ((val & FUTEX_TID_MASK) != tid)
			return;
		dead = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		r = user_cas32(uaddr, &val, dead);
	} while (r == 0);
	/* robust mutexes wait on shared futexes (the kernel wakes them so);
	 * a PI futex's waiters are the host kernel's, at the thread's end */
	if (r == 1 && !pi && (val & FUTEX_WAITERS))
		syscall(SYS_futex, uaddr, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void robust_walk(uint64_t head, uint32_t tid)
{
	uint64_t entry, next, pending;
	struct robust_head h;
	int limit = ROBUST_LIMIT;

	if (!head || guest_read(&h, head, sizeof(h)) != sizeof(h))
		return;
	pending = h.pending & ~1ULL;
	for (entry = h.next; (entry & ~1ULL) != head && limit-- > 0; entry = next) {
		if (guest_read(&next, entry & ~1ULL, 8) != 8)
			return;
		if ((entry & ~1ULL) != pending)
			robust_death((entry & ~1ULL) + h.futex_offset, tid, entry & 1, 0);
	}
	if (pending)
		robust_death(pending + h.futex_offset, tid, h.pending & 1, 1);
}

void user_robust_exit(struct emu_thread *t)
{
	uint64_t head = __atomic_exchange_n(&t->robust_head, 0, __ATOMIC_SEQ_CST);

	robust_walk(head, (uint32_t)syscall(SYS_gettid));	/* once */
}

void user_robust_exit_all(struct emu_proc *p)
{
	struct { uint64_t head; uint32_t tid; } *l = NULL;
	struct emu_thread *t;
	int n = 0, i;

	/* the lists and tids taken under the lock, walked after it (the
	 * walk reads guest memory) */
	pthread_mutex_lock(&p->threads_lock);
	for (t = p->threads; t; t = t->next)
		n++;
	l = calloc(n ? n : 1, sizeof(*l));
	for (t = p->threads, i = 0; l && t; t = t->next, i++) {
		l[i].head = __atomic_exchange_n(&t->robust_head, 0, __ATOMIC_SEQ_CST);
		l[i].tid = t->tid;
	}
	pthread_mutex_unlock(&p->threads_lock);
	for (i = 0; l && i < n; i++)
		robust_walk(l[i].head, l[i].tid);
	free(l);
}

void user_thread_link(struct emu_thread *t)
{
	struct emu_proc *p = t->p;

	pthread_mutex_lock(&p->threads_lock);
	t->next = p->threads;
	p->threads = t;
	pthread_mutex_unlock(&p->threads_lock);
}

void user_thread_unlink(struct emu_thread *t)
{
	struct emu_proc *p = t->p;
	struct emu_thread **pp;

	pthread_mutex_lock(&p->threads_lock);
	for (pp = &p->threads; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	pthread_mutex_unlock(&p->threads_lock);
}

void user_threads_forked(struct emu_thread *t)
{
	/* the lock was held across the fork (sc_clone): free it here */
	t->p->threads = t;
	t->next = NULL;
	t->tid = (uint32_t)syscall(SYS_gettid);
}

/* A thread's end (exit, not exit_group): the count first, so a joiner
 * woken below sees it gone; then set_tid_address's clear and wake (the
 * guest's pthread_join waits on it).  The main thread waits for the
 * others: the process lives while one of its threads does. */
static void user_thread_end(struct emu_thread *t)
{
	struct emu_proc *p = t->p;
	uint32_t zero = 0;
	int left;

	/* an exiting thread takes no more signals: the others get them,
	 * and those it caught and did not deliver too */
	user_apply_sigmask(~0ULL);
	usig_exit_pending(t);
	user_robust_exit(t);
	user_thread_unlink(t);
	left = __atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST);
	if (left == 0)
		syscall(SYS_futex, &p->nthreads, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	if (t->clear_child_tid && guest_write(t->clear_child_tid, &zero, 4) == 0)
		syscall(SYS_futex, t->clear_child_tid, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (!t->main)
		return;
	while ((left = __atomic_load_n(&p->nthreads, __ATOMIC_SEQ_CST)) != 0)
		syscall(SYS_futex, &p->nthreads, FUTEX_WAIT, left, NULL, NULL, 0);
}

struct thread_start {
	struct emu_thread *t;
	uint64_t flags, ptid, ctid;
	uint32_t tid;
	sem_t ready;
};

static void *user_thread_main(void *arg)
{
	struct thread_start *s = arg;
	struct emu_thread *t = s->t;
	struct emu_result res;
	uint32_t tid = (uint32_t)syscall(SYS_gettid);

	/* both tids before the guest runs: the kernel writes them before
	 * either side returns from clone */
	if (s->flags & CLONE_PARENT_SETTID)
		guest_write(s->ptid, &tid, sizeof(tid));
	if (s->flags & CLONE_CHILD_SETTID)
		guest_write(s->ctid, &tid, sizeof(tid));
	if (s->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = s->ctid;
	s->tid = tid;
	t->tid = tid;
	sem_post(&s->ready);	/* @s is the parent's: not touched after */
	usig_thread_start(t);
	memset(&res, 0, sizeof(res));
	user_loop(t, &res);
	if (t->p->exited)	/* exit_group on a thread: the process ends */
		syscall(SYS_exit_group, t->p->exit_code);
	if (res.signal) {
		if (t->main)	/* a fork child's leader, alone (user_die) */
			emu_report(&res);
		syscall(SYS_exit_group, res.exit_code);
	}
	rv_jit_thread_exit();
	user_thread_end(t);
	/* a thread that forked is its child's leader (main): the child ends
	 * with its status when it and its threads are done, as the host's
	 * libc would end it with 0 */
	if (t->main)
		syscall(SYS_exit_group, t->exit_code);
	free(t);
	return NULL;
}

long user_clone_thread(struct emu_thread *parent, uint64_t flags, uint64_t newsp,
		       uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	struct emu_proc *p = parent->p;
	struct thread_start s = { .flags = flags, .ptid = ptid, .ctid = ctid };
	struct emu_thread *t;
	pthread_attr_t attr;
	pthread_t th;
	int ret;

	if ((flags & (CLONE_THREAD | CLONE_SIGHAND)) != (CLONE_THREAD | CLONE_SIGHAND))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cpu = parent->cpu;
	t->cpu.x[10] = 0;
	t->cpu.pc += 4;		/* after the ecall */
	if (newsp)
		t->cpu.x[2] = newsp;
	if (flags & CLONE_SETTLS)
		t->cpu.x[4] = tls;
	t->cpu.reservation = ~0ULL;
	t->cpu.stop = RV_STOP_NONE;
	t->cpu.insns = 0;
	t->p = p;
	t->sigmask = parent->sigmask;
	s.t = t;
	sem_init(&s.ready, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	__atomic_add_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST);
	user_thread_link(t);
	ret = pthread_create(&th, &attr, user_thread_main, &s);
	pthread_attr_destroy(&attr);
	if (ret) {
		user_thread_unlink(t);
		__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_SEQ_CST);
		sem_destroy(&s.ready);
		free(t);
		return -ret;
	}
	while (sem_wait(&s.ready) < 0 && errno == EINTR)
		;
	sem_destroy(&s.ready);
	return s.tid;
}

/*
 * The process's name (/proc/PID/comm, what ps, top, pidof and killall
 * show) is the program's, as the kernel names a process after the file
 * it executes: the last part of the path as given, not resolved
 * (/bin/ls -> busybox runs as "ls").  Natively strata's would show, and
 * "exe" for every program a guest execve()s (strata re-executes itself
 * through /proc/self/exe).
 */
static void set_comm(const char *path)
{
	const char *base = strrchr(path, '/');

	prctl(PR_SET_NAME, (unsigned long)(base ? base + 1 : path), 0, 0, 0);
}

int emu_run(const struct emu_opts *o, struct emu_result *res, struct err *e)
{
	struct elf_image prog, interp;
	struct auxv_in ain = { 0 };
	struct emu_thread *t;
	struct rv_cpu *cpu;
	struct emu_proc *p;
	ssize_t n;
	int ret;

	memset(res, 0, sizeof(*res));
	p = calloc(1, sizeof(*p));
	t = calloc(1, sizeof(*t));
	cpu = t ? &t->cpu : NULL;
	if (!p || !t) {
		ret = err_set(e, -ENOMEM, "emu");
		goto out_free;
	}
	p->opts = o;
	pthread_mutex_init(&p->mm_lock, NULL);
	pthread_mutex_init(&p->sig_lock, NULL);
	pthread_mutex_init(&p->threads_lock, NULL);
	if (!realpath(o->path, p->exe)) {
		ret = err_set(e, -errno, "%s", o->path);
		goto out_free;
	}
	n = readlink("/proc/self/exe", p->host_exe, sizeof(p->host_exe) - 1);
	if (n > 0)
		p->host_exe[n] = '\0';
	set_comm(o->path);
	memset(&interp, 0, sizeof(interp));
	ret = user_load(p, &prog, &interp, e);
	if (ret < 0)
		goto out_unmap;
	p->brk_start = p->brk_cur = p->brk_mapped = PAGE_UP(prog.end);
	ain.prog = &prog;
	ain.interp = prog.interp[0] ? &interp : NULL;
	ret = user_stack(p, cpu, &ain, e);
	if (ret < 0)
		goto out_unmap;
	ret = usig_init(p, e);
	if (ret < 0)
		goto out_unmap;
	cpu->pc = ain.interp ? interp.entry : prog.entry;
	cpu->reservation = ~0ULL;
	cpu->user = p;
	t->p = p;
	t->main = 1;
	t->tid = (uint32_t)syscall(SYS_gettid);
	p->nthreads = 1;
	p->threads = t;
	usig_thread_start(t);
	user_catch_faults(1);
	user_loop(t, res);
	if (!p->exited && !res->signal)
		user_thread_end(t);	/* exit(2) of the main thread */
	user_catch_faults(0);
	usig_thread_start(NULL);
	res->insns = cpu->insns;
	res->syscalls = p->syscalls;
	ret = 0;
out_unmap:
	if (p->sigtramp)
		munmap((void *)(uintptr_t)p->sigtramp, 4096);
	user_unmap_all(p);
out_free:
	free(t);
	free(p);
	return ret;
}
