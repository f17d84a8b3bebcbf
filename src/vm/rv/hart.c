/*
 * hart -- one RISC-V hart in system mode (see hart.h): traps and
 * interrupts, SRET/WFI/SFENCE.VMA, and the run loop.  The loop runs
 * translated code (src/emu/jit.c in system mode, run_jit()) and steps
 * what that leaves to it -- privileged and trapping instructions, most
 * CSR writes, fetch faults -- with the reference interpreter of src/emu
 * (rv_interp_exec), fetching through the MMU; both reach memory and the
 * CSRs through struct rv_sys_ops (hart_mem.c, hart_csr.c).
 * STRATA_RV_INTERP=1 or rv_hart_set_jit(h, 0): the interpreter only.
 *
 * Privileged spec 1.12 with S and U only: strata is the M-mode, so every
 * trap goes to S (as if medeleg/mideleg delegated everything), ECALL from
 * S is an SBI call to the machine, and mcounteren allows S-mode all
 * three counters.  Misaligned loads and stores are done in place, never
 * trapped (as an M-mode emulation would, faster); misaligned LR/SC/AMOs
 * trap with the misaligned causes.
 *
 * Threads: the hart's own thread runs rv_hart_run(); other threads only
 * raise interrupt lines (sip is atomic), ask for a stop or a remote TLB
 * flush.  Each of those sets @kick, which the loop polls between two
 * instructions or runs of translated code (and translated code at its
 * dispatcher); WFI sleeps on a condition variable.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/jit.h"
#include "vm/rv/hart_int.h"

/* translated code runs at most this many instructions between two polls
 * of @kick (timer interrupts, stop, remote fences wait for it) */
#define JIT_SLICE	32768

static const struct rv_sys_ops sys_ops = {
	.load = hart_load,
	.store = hart_store,
	.atomic = hart_atomic,
	.csr = hart_csr,
	.code = hart_code,
	.csr_inline = hart_csr_inline,
};

/* ---- traps ------------------------------------------------------------ */

static void trap(struct rv_hart *h, uint64_t cause, uint64_t tval)
{
	uint64_t s = h->sstatus & ~(SR_SPP | SR_SPIE | SR_SIE);

	if (h->priv == PRV_S)
		s |= SR_SPP;
	if (h->sstatus & SR_SIE)
		s |= SR_SPIE;
	h->sstatus = s;
	h->sepc = h->cpu.pc;
	h->scause = cause;
	h->stval = tval;
	h->priv = PRV_S;
	update_ctx(h);
	h->cpu.pc = h->stvec & ~3ull;
	if ((cause & CAUSE_IRQ) && (h->stvec & 1))
		h->cpu.pc += 4 * (cause & 63);
	h->cpu.reservation = ~0ull;
}

/* A synchronous exception.  One at the handler's first instruction,
 * with nothing retired since the last, would loop for ever: crash. */
static enum step_end exception(struct rv_hart *h, int cause, uint64_t tval)
{
	if (h->cpu.insns == h->last_trap_insns &&
	    h->cpu.pc == h->last_trap_pc) {
		snprintf(h->crash, sizeof(h->crash),
			 "exception %d (stval 0x%llx) at the trap vector",
			 cause, (unsigned long long)tval);
		return STEP_CRASH;
	}
	trap(h, cause, tval);
	h->last_trap_insns = h->cpu.insns;
	h->last_trap_pc = h->cpu.pc;
	return STEP_ON;
}

/* the highest-priority interrupt pending and enabled: SEI, SSI, STI */
static void take_interrupt(struct rv_hart *h)
{
	uint64_t p = __atomic_load_n(&h->sip, __ATOMIC_SEQ_CST) & h->sie;
	static const int order[] = { RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI };

	if (!p || (h->priv == PRV_S && !(h->sstatus & SR_SIE)))
		return;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (p & IRQ_BIT(order[i])) {
			trap(h, CAUSE_IRQ | order[i], 0);
			return;
		}
	}
}

static void retire(struct rv_hart *h)
{
	h->cpu.pc += 4;
	h->cpu.insns++;
}

static void sret(struct rv_hart *h)
{
	uint64_t s = h->sstatus;

	h->priv = s & SR_SPP ? PRV_S : PRV_U;
	s &= ~(SR_SPP | SR_SIE);
	if (s & SR_SPIE)
		s |= SR_SIE;
	h->sstatus = s | SR_SPIE;
	update_ctx(h);
	h->cpu.pc = h->sepc;
	h->cpu.insns++;
	kick(h);
}

/* until an interrupt is pending and enabled in sie or a stop (WFI, SBI
 * suspend); the caller is outside its run loop for remote fences */
static void sleep_irq(struct rv_hart *h)
{
	pthread_mutex_lock(&h->lock);
	/* @sleeping before looking at sip: a waker either sees it set and
	 * signals under the lock, or raised sip before we look */
	__atomic_store_n(&h->sleeping, 1, __ATOMIC_SEQ_CST);
	/* wakes on pending & enabled in sie, whatever sstatus.SIE says */
	while (!(__atomic_load_n(&h->sip, __ATOMIC_SEQ_CST) & h->sie) &&
	       !__atomic_load_n(&h->stop, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&h->wake, &h->lock);
	__atomic_store_n(&h->sleeping, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&h->lock);
}

static void wfi(struct rv_hart *h)
{
	retire(h);
	if (h->no_sleep)
		return;		/* WFI may be a no-op (spec 3.3.3) */
	set_state(h, RUN_OUTSIDE);
	sleep_irq(h);
	set_state(h, RUN_EXEC);
}

void rv_hart_suspend(struct rv_hart *h)
{
	if (!h->no_sleep && (h->sie & IRQ_ALL))
		sleep_irq(h);
}

void rv_hart_resume_at(struct rv_hart *h, uint64_t pc, uint64_t a1)
{
	h->resume = true;
	h->resume_pc = pc;
	h->resume_a1 = a1;
}

/* a non-retentive resume (SBI HSM suspend, spec 2.0 9.4): S-mode, satp
 * Bare, SIE off; the other registers are as the suspend left them */
static void resume(struct rv_hart *h)
{
	h->resume = false;
	h->priv = PRV_S;
	h->sstatus &= ~SR_SIE;
	h->satp = 0;
	rv_mmu_set_satp(&h->mmu, 0);
	update_ctx(h);
	h->cpu.reservation = ~0ull;
	h->cpu.pc = h->resume_pc;
	h->cpu.x[10] = h->hartid;
	h->cpu.x[11] = h->resume_a1;
	h->cpu.insns++;
}

/* the privileged instructions, which the shared decoder calls illegal */
static enum step_end system_insn(struct rv_hart *h, uint32_t raw)
{
	bool s_mode = h->priv == PRV_S;

	if (raw == INSN_SRET && s_mode) {
		sret(h);
	} else if (raw == INSN_WFI && s_mode) {
		wfi(h);
	} else if ((raw & MASK_SFENCE_VMA) == INSN_SFENCE_VMA && s_mode) {
		unsigned rs1 = (raw >> 15) & 31;

		if (rs1)
			rv_mmu_flush_va(&h->mmu, h->cpu.x[rs1]);
		else
			rv_mmu_flush(&h->mmu);
		retire(h);
	} else {
		return exception(h, RV_EXC_ILLEGAL, raw);
	}
	return STEP_ON;
}

static enum step_end sbi(struct rv_hart *h)
{
	int r;

	set_state(h, RUN_OUTSIDE);
	r = h->ops->sbi_call(h->ops->ctx, h);
	set_state(h, RUN_EXEC);
	if (h->resume)
		resume(h);
	else
		retire(h);
	return r ? STEP_STOP : STEP_ON;
}

static enum step_end handle_stop(struct rv_hart *h, enum rv_stop s)
{
	struct rv_cpu *cpu = &h->cpu;
	int cause;

	switch (s) {
	case RV_STOP_ECALL:
		if (h->priv == PRV_U)
			return exception(h, RV_EXC_ECALL_U, 0);
		return sbi(h);
	case RV_STOP_EBREAK:
		return exception(h, RV_EXC_BREAKPOINT, cpu->pc);
	case RV_STOP_ILLEGAL:
		return system_insn(h, cpu->fault_insn);
	case RV_STOP_FAULT:
		if (cpu->fault_access & RV_FAULT_MISALIGNED)
			cause = cpu->fault_access & RV_FAULT_WRITE ?
				RV_EXC_STORE_MISALIGNED : RV_EXC_LOAD_MISALIGNED;
		else
			cause = h->exc;
		return exception(h, cause, cpu->fault_addr);
	default:
		snprintf(h->crash, sizeof(h->crash), "core stopped (%d)", s);
		return STEP_CRASH;
	}
}

/* F and D need sstatus.FS on; using them makes the state dirty (Linux
 * saves the registers of a task whose FS is Dirty at a switch) */
static bool fp_enabled(struct rv_hart *h)
{
	if (!(h->sstatus & SR_FS))
		return false;
	h->sstatus |= SR_FS;
	return true;
}

/* between two instructions: stop, remote fences, interrupts */
static bool service(struct rv_hart *h)
{
	unsigned req;

	__atomic_store_n(&h->kick, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->stop, __ATOMIC_SEQ_CST))
		return true;
	req = __atomic_load_n(&h->fence_req, __ATOMIC_SEQ_CST);
	if (req != h->fence_done) {
		rv_mmu_flush(&h->mmu);
		/* a remote fence.i: code may have changed (set before its
		 * request is counted, so never missed here) */
		if (__atomic_exchange_n(&h->fence_code, 0, __ATOMIC_SEQ_CST) &&
		    h->jit)
			rv_jit_flush_thread();
		__atomic_store_n(&h->fence_done, req, __ATOMIC_RELEASE);
	}
	take_interrupt(h);
	return false;
}

/* rv_decode() through a cache indexed by pc (neighbours share cache
 * lines) and tagged by the bits (never stale) */
static const struct rv_insn *decode(struct rv_hart *h, uint32_t raw)
{
	struct dcache_entry *e =
		&h->dcache[(h->cpu.pc >> 1) & ((1u << DCACHE_BITS) - 1)];

	if (e->raw != raw) {
		rv_decode(raw, &e->in);
		e->raw = raw;
	}
	return &e->in;
}

static void dcache_init(struct rv_hart *h)
{
	for (unsigned i = 0; i < 1u << DCACHE_BITS; i++) {
		h->dcache[i].raw = 0;
		rv_decode(0, &h->dcache[i].in);
	}
}

static enum step_end step(struct rv_hart *h)
{
	const struct rv_insn *in;
	enum rv_stop s;
	uint32_t raw;

	if (!hart_fetch(h, &raw))
		return exception(h, h->exc, h->cpu.fault_addr);
	in = decode(h, raw);
	if (in->op >= RV_OP_FLW && !fp_enabled(h))
		return exception(h, RV_EXC_ILLEGAL, in->raw);
	s = rv_interp_exec(&h->cpu, in);
	if (in->op == RV_OP_FENCE_I && h->jit)
		rv_jit_flush_thread();
	return s == RV_STOP_NONE ? STEP_ON : handle_stop(h, s);
}

/*
 * Translated code for up to a slice of the steps left (*max); what it
 * leaves to the hart (CSRs, traps, privileged instructions, fetch
 * faults, F/D with FS not Dirty, a budget smaller than the next block)
 * makes no progress, and the interpreter steps that one instruction.
 */
static enum step_end run_jit(struct rv_hart *h, uint64_t *max)
{
	uint64_t slice = *max < JIT_SLICE ? *max : JIT_SLICE;
	uint64_t before = h->cpu.insns, done;
	enum rv_stop s;

	s = rv_jit_run(&h->cpu, slice);
	done = h->cpu.insns - before;
	*max -= done < *max ? done : *max;
	if (s != RV_STOP_NONE)
		return handle_stop(h, s);
	if (done || !*max)
		return STEP_ON;
	(*max)--;
	return step(h);
}

/* the run loop: @max steps (instructions or traps) at most */
static enum rv_hart_end run(struct rv_hart *h, uint64_t max)
{
	enum step_end e = STEP_ON;

	h->crash[0] = 0;
	set_state(h, RUN_EXEC);
	while (e == STEP_ON) {
		if (__atomic_load_n(&h->kick, __ATOMIC_RELAXED) && service(h))
			e = STEP_STOP;
		else if (max == 0)
			break;
		else if (h->jit)
			e = run_jit(h, &max);
		else
			e = step(h), max--;
	}
	set_state(h, RUN_IDLE);
	if (e == STEP_STOP)
		__atomic_store_n(&h->stop, 0, __ATOMIC_SEQ_CST);
	return e == STEP_CRASH ? RV_HART_CRASHED : RV_HART_STOPPED;
}

enum rv_hart_end rv_hart_run(struct rv_hart *h)
{
	h->no_sleep = false;
	return run(h, ~0ull);
}

enum rv_hart_end rv_hart_run_max(struct rv_hart *h, uint64_t max_steps)
{
	h->no_sleep = true;
	return run(h, max_steps);
}

/* ---- the contract ----------------------------------------------------- */

static void reset(struct rv_hart *h)
{
	memset(h->cpu.x, 0, sizeof(h->cpu.x));
	h->cpu.reservation = ~0ull;
	h->priv = PRV_S;
	h->sstatus = 0;
	h->sie = h->stvec = h->sscratch = h->sepc = h->scause = h->stval = 0;
	h->senvcfg = 0;
	/* what OpenSBI leaves for Linux: user mode may read all three */
	h->scounteren = 7;
	h->satp = 0;
	h->mmu.mxr = false;
	rv_mmu_set_satp(&h->mmu, 0);
	update_ctx(h);
	h->last_trap_insns = ~0ull;
}

struct rv_hart *rv_hart_new(const struct rv_hart_cfg *cfg)
{
	struct rv_hart *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->hartid = cfg->hartid;
	h->ram = cfg->ram;
	h->ops = cfg->ops;
	h->sv48 = cfg->sv48;
	h->cpu.sys = &sys_ops;
	h->cpu.poll = &h->kick;
	h->jit = !getenv("STRATA_RV_INTERP") ||
		 !strcmp(getenv("STRATA_RV_INTERP"), "0");
	rv_mmu_init(&h->mmu, cfg->ram);
	h->mmu.gen = &h->cpu.tlb_gen;
	dcache_init(h);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	reset(h);
	return h;
}

void rv_hart_free(struct rv_hart *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	free(h);
}

void rv_hart_boot(struct rv_hart *h, uint64_t pc, uint64_t a1)
{
	/* RAM holds a new image, written by no guest instruction */
	if (h->jit)
		rv_jit_invalidate_all();
	reset(h);
	h->cpu.pc = pc;
	h->cpu.x[10] = h->hartid;
	h->cpu.x[11] = a1;
}

uint64_t rv_hart_reg(const struct rv_hart *h, int x)
{
	return x > 0 && x < 32 ? h->cpu.x[x] : 0;
}

void rv_hart_set_reg(struct rv_hart *h, int x, uint64_t v)
{
	if (x > 0 && x < 32)
		h->cpu.x[x] = v;
}

uint64_t rv_hart_pc(const struct rv_hart *h)
{
	return h->cpu.pc;
}

void rv_hart_set_jit(struct rv_hart *h, int on)
{
	h->jit = on;
}

/* after changing sip or stop: poll, and leave WFI (the lock only when
 * the hart sleeps: raising a line on a running hart costs no syscall) */
static void wake(struct rv_hart *h)
{
	kick(h);
	if (!__atomic_load_n(&h->sleeping, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&h->lock);
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

void rv_hart_set_pending(struct rv_hart *h, int irq, int level)
{
	if (irq != RV_IRQ_SSI && irq != RV_IRQ_STI && irq != RV_IRQ_SEI)
		return;
	if (!level) {
		__atomic_and_fetch(&h->sip, ~IRQ_BIT(irq), __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_or_fetch(&h->sip, IRQ_BIT(irq), __ATOMIC_SEQ_CST);
	wake(h);
}

void rv_hart_stop(struct rv_hart *h)
{
	__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
	wake(h);
}

static void remote_fence(struct rv_hart *h)
{
	unsigned req = __atomic_add_fetch(&h->fence_req, 1, __ATOMIC_SEQ_CST);

	kick(h);
	/* a hart outside its loop (SBI call, WFI, not running) polls
	 * before its next instruction; one executing must answer */
	while (__atomic_load_n(&h->state, __ATOMIC_SEQ_CST) == RUN_EXEC &&
	       (int)(__atomic_load_n(&h->fence_done, __ATOMIC_ACQUIRE) -
		     req) < 0)
		sched_yield();
}

void rv_hart_remote_fence(struct rv_hart *h)
{
	__atomic_store_n(&h->fence_code, 1, __ATOMIC_SEQ_CST);
	remote_fence(h);
}

void rv_hart_remote_sfence_vma(struct rv_hart *h)
{
	remote_fence(h);
}

void rv_hart_describe(const struct rv_hart *h, char *buf, unsigned int n)
{
	snprintf(buf, n, "pc 0x%llx priv %c satp 0x%llx sstatus 0x%llx "
		 "scause 0x%llx stval 0x%llx sepc 0x%llx stvec 0x%llx%s%s",
		 (unsigned long long)h->cpu.pc, h->priv == PRV_S ? 'S' : 'U',
		 (unsigned long long)h->satp,
		 (unsigned long long)hart_read_sstatus(h),
		 (unsigned long long)h->scause, (unsigned long long)h->stval,
		 (unsigned long long)h->sepc, (unsigned long long)h->stvec,
		 h->crash[0] ? ": " : "", h->crash);
}

uint64_t rv_hart_insns(const struct rv_hart *h)
{
	return h->cpu.insns;
}
