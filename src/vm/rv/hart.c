/*
 * hart -- one RISC-V hart in system mode (see hart.h): the supervisor
 * CSRs, traps and interrupts, SRET/WFI/SFENCE.VMA, and the run loop that
 * fetches through the MMU and executes with the reference interpreter
 * of src/emu (rv_interp_exec), whose memory and CSR accesses come back
 * here through struct rv_sys_ops.
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
 * instructions; WFI sleeps on a condition variable.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cpu.h"
#include "emu/decode.h"
#include "vm/rv/hart.h"
#include "vm/rv/mmu.h"

#define PRV_U	0
#define PRV_S	1

/* sstatus */
#define SR_SIE		(1ull << 1)
#define SR_SPIE		(1ull << 5)
#define SR_SPP		(1ull << 8)
#define SR_FS		(3ull << 13)	/* Off 0, Initial 1, Clean 2, Dirty 3 */
#define SR_SUM		(1ull << 18)
#define SR_MXR		(1ull << 19)
#define SR_UXL_64	(2ull << 32)
#define SR_SD		(1ull << 63)
#define SR_WRITABLE	(SR_SIE | SR_SPIE | SR_SPP | SR_FS | SR_SUM | SR_MXR)

#define IRQ_BIT(i)	(1ull << (i))
#define IRQ_ALL		(IRQ_BIT(RV_IRQ_SSI) | IRQ_BIT(RV_IRQ_STI) | \
			 IRQ_BIT(RV_IRQ_SEI))
#define CAUSE_IRQ	(1ull << 63)

#define CSR_SSTATUS	0x100
#define CSR_SIE		0x104
#define CSR_STVEC	0x105
#define CSR_SCOUNTEREN	0x106
#define CSR_SENVCFG	0x10a
#define CSR_SSCRATCH	0x140
#define CSR_SEPC	0x141
#define CSR_SCAUSE	0x142
#define CSR_STVAL	0x143
#define CSR_SIP		0x144
#define CSR_SATP	0x180

/* SYSTEM instructions the user-mode decoder calls illegal */
#define INSN_SRET	0x10200073u
#define INSN_WFI	0x10500073u
#define INSN_SFENCE_VMA	0x12000073u	/* rs1, rs2 in bits 19..15, 24..20 */
#define MASK_SFENCE_VMA	0xfe007fffu

/* decoded instructions, by pc, tagged by their bits (never stale) */
#define DCACHE_BITS	12
struct dcache_entry {
	uint32_t raw;
	struct rv_insn in;
};

/* where the hart's thread is, for remote fences */
enum run_state { RUN_IDLE, RUN_EXEC, RUN_OUTSIDE };

/* what handling a stop asks of the run loop */
enum step_end { STEP_ON, STEP_STOP, STEP_CRASH };

struct rv_hart {
	struct rv_cpu cpu;		/* first: the hooks get &h->cpu */
	struct rv_mmu mmu;
	uint64_t hartid;
	const struct gmem *ram;
	const struct rv_hart_ops *ops;
	bool sv48;

	int priv;
	uint64_t sstatus;		/* SR_WRITABLE bits only */
	uint64_t sie, stvec, sscratch, sepc, scause, stval, satp;
	uint64_t scounteren, senvcfg;
	uint64_t sip;			/* atomic: lines raised by the machine */

	int exc;			/* cause of the fault a hook reported */
	uint64_t last_trap_insns;	/* cpu.insns at the last exception */
	uint64_t last_trap_pc;		/* and the handler it entered */

	int kick;			/* atomic: poll stop, fences, irqs */
	int stop;			/* atomic: rv_hart_stop() */
	unsigned fence_req, fence_done;	/* atomic: rv_hart_remote_fence() */
	int state;			/* atomic: enum run_state */
	int sleeping;			/* atomic: in WFI, under @lock */
	bool no_sleep;			/* rv_hart_run_max(): WFI is a nop */
	pthread_mutex_t lock;		/* WFI */
	pthread_cond_t wake;
	char crash[80];			/* why the run crashed */
	struct dcache_entry dcache[1u << DCACHE_BITS];
};

static struct rv_hart *hart_of(struct rv_cpu *cpu)
{
	return (struct rv_hart *)cpu;
}

static void kick(struct rv_hart *h)
{
	__atomic_store_n(&h->kick, 1, __ATOMIC_SEQ_CST);
}

static void set_state(struct rv_hart *h, enum run_state s)
{
	__atomic_store_n(&h->state, s, __ATOMIC_SEQ_CST);
	if (s == RUN_EXEC)
		kick(h);	/* fences asked while we were away */
}

/* the TLB of the current privilege and SUM */
static void update_ctx(struct rv_hart *h)
{
	enum rv_mmu_ctx c = h->priv == PRV_U ? RV_CTX_U :
			    h->sstatus & SR_SUM ? RV_CTX_SUM : RV_CTX_S;

	rv_mmu_set_ctx(&h->mmu, c);
}

static enum rv_mmu_ctx cur_ctx(const struct rv_hart *h)
{
	return (enum rv_mmu_ctx)(h->mmu.cur - h->mmu.tlb);
}

/* ---- memory ----------------------------------------------------------- */

static bool fail(struct rv_hart *h, int cause, uint64_t va)
{
	h->exc = cause;
	h->cpu.fault_addr = va;
	h->cpu.fault_access = 0;	/* not misaligned (see handle_stop) */
	return false;
}

static bool xlate(struct rv_hart *h, uint64_t va, enum rv_acc acc,
		  uint64_t *pa)
{
	int e = rv_mmu_translate(&h->mmu, va, acc, cur_ctx(h), pa);

	return e ? fail(h, e, va) : true;
}

/* single-copy atomic for aligned accesses: one host load or store */
static void copy_in(void *dst, const void *src, unsigned len)
{
	switch (len) {
	case 8: memcpy(dst, src, 8); break;
	case 4: memcpy(dst, src, 4); break;
	case 2: memcpy(dst, src, 2); break;
	default: memcpy(dst, src, len); break;
	}
}

/* @n bytes at guest physical @pa: RAM, else a device */
static bool phys_rw(struct rv_hart *h, uint64_t va, uint64_t pa, void *buf,
		    unsigned n, enum rv_acc acc)
{
	void *p = gmem_ptr(h->ram, pa, n);
	int r;

	if (p) {
		if (acc == RV_ACC_W)
			copy_in(p, buf, n);
		else
			copy_in(buf, p, n);
		return true;
	}
	if (acc == RV_ACC_X)
		return fail(h, RV_EXC_INSN_ACCESS, va);
	/* a device may block (on a lock another hart holds while it
	 * waits for our remote fence): we are outside meanwhile */
	set_state(h, RUN_OUTSIDE);
	if (acc == RV_ACC_W)
		r = h->ops->mmio_write(h->ops->ctx, pa, buf, n);
	else
		r = h->ops->mmio_read(h->ops->ctx, pa, buf, n);
	set_state(h, RUN_EXEC);
	if (r)
		return fail(h, acc == RV_ACC_W ? RV_EXC_STORE_ACCESS :
				 RV_EXC_LOAD_ACCESS, va);
	return true;
}

/*
 * The TLB missed: walk, then RAM or a device.  An access that crosses a
 * page is translated on both pages before any byte moves, so a fault
 * on the second page leaves memory and devices untouched.
 */
static bool access_slow(struct rv_hart *h, uint64_t va, unsigned len,
			void *buf, enum rv_acc acc)
{
	unsigned first = RV_PAGE_SIZE - (va & (RV_PAGE_SIZE - 1));
	uint64_t pa0, pa1 = 0;

	if (first > len)
		first = len;
	if (!xlate(h, va, acc, &pa0))
		return false;
	if (first < len && !xlate(h, va + first, acc, &pa1))
		return false;
	if (!phys_rw(h, va, pa0, buf, first, acc))
		return false;
	return first == len ||
	       phys_rw(h, va + first, pa1, (uint8_t *)buf + first,
		       len - first, acc);
}

static bool sys_load(struct rv_cpu *cpu, uint64_t va, unsigned len,
		     uint64_t *v)
{
	struct rv_hart *h = hart_of(cpu);
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_R, va, len);

	*v = 0;
	if (p) {
		copy_in(v, p, len);
		return true;
	}
	return access_slow(h, va, len, v, RV_ACC_R);
}

static bool sys_store(struct rv_cpu *cpu, uint64_t va, unsigned len,
		      uint64_t v)
{
	struct rv_hart *h = hart_of(cpu);
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_W, va, len);

	if (p) {
		copy_in(p, &v, len);
		return true;
	}
	return access_slow(h, va, len, &v, RV_ACC_W);
}

/* LR/SC/AMO: RAM only (a device gets an access fault) */
static void *sys_atomic(struct rv_cpu *cpu, uint64_t va, unsigned len,
			unsigned access)
{
	struct rv_hart *h = hart_of(cpu);
	enum rv_acc acc = access & RV_FAULT_WRITE ? RV_ACC_W : RV_ACC_R;
	void *p = rv_tlb_lookup(&h->mmu, acc, va, len);
	uint64_t pa;

	if (p)
		return p;
	if (!xlate(h, va, acc, &pa))
		return NULL;
	p = gmem_ptr(h->ram, pa, len);
	if (!p)
		fail(h, acc == RV_ACC_W ? RV_EXC_STORE_ACCESS :
			RV_EXC_LOAD_ACCESS, va);
	return p;
}

/* one 16-bit parcel of an instruction */
static bool fetch_parcel(struct rv_hart *h, uint64_t va, uint16_t *v)
{
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_X, va, 2);
	uint64_t pa;

	if (p) {
		memcpy(v, p, 2);
		return true;
	}
	if (!xlate(h, va, RV_ACC_X, &pa))
		return false;
	return phys_rw(h, va, pa, v, 2, RV_ACC_X);
}

/* the instruction at pc: a compressed one in the low 16 bits; a
 * compressed one at the end of a page does not touch the next */
static bool fetch(struct rv_hart *h, uint32_t *raw)
{
	uint64_t pc = h->cpu.pc;
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_X, pc, 4);
	uint16_t lo, hi = 0;

	if (p) {
		memcpy(raw, p, 4);
		if (rv_insn_len((uint16_t)*raw) == 2)
			*raw &= 0xffff;
		return true;
	}
	if (!fetch_parcel(h, pc, &lo))
		return false;
	if (rv_insn_len(lo) == 4 && !fetch_parcel(h, pc + 2, &hi))
		return false;
	*raw = (uint32_t)hi << 16 | lo;
	return true;
}

/* ---- CSRs ------------------------------------------------------------- */

static uint64_t read_sstatus(const struct rv_hart *h)
{
	uint64_t s = h->sstatus | SR_UXL_64;

	if ((s & SR_FS) == SR_FS)
		s |= SR_SD;
	return s;
}

static void write_sstatus(struct rv_hart *h, uint64_t v)
{
	uint64_t old = h->sstatus;

	h->sstatus = v & SR_WRITABLE;
	if ((old ^ h->sstatus) & SR_MXR) {
		h->mmu.mxr = h->sstatus & SR_MXR;
		rv_mmu_flush(&h->mmu);
	}
	update_ctx(h);
	kick(h);		/* SIE may have been set */
}

static bool write_satp(struct rv_hart *h, uint64_t v)
{
	uint64_t mode = v >> RV_SATP_MODE_SHIFT;

	if (mode == RV_SATP_BARE)
		v = 0;
	else if (mode != RV_SATP_SV39 && !(mode == RV_SATP_SV48 && h->sv48))
		return true;	/* unsupported mode: the write is ignored */
	/* no ASID bits: Linux then flushes on every switch, as we do */
	h->satp = v & (0xfull << RV_SATP_MODE_SHIFT | RV_SATP_PPN_MASK);
	rv_mmu_set_satp(&h->mmu, h->satp);
	return true;
}

/* a user-level counter, as scounteren (U) and our mcounteren (S) allow */
static bool read_counter(struct rv_hart *h, unsigned num, uint64_t *v)
{
	unsigned i = num - RV_CSR_CYCLE;

	if (i > 2 || (h->priv == PRV_U && !(h->scounteren & (1u << i))))
		return false;
	if (num == RV_CSR_TIME)
		*v = h->ops->time(h->ops->ctx);
	else
		*v = h->cpu.insns;
	return true;
}

static bool csr_read(struct rv_hart *h, unsigned num, uint64_t *v)
{
	switch (num) {
	case RV_CSR_FFLAGS: *v = h->cpu.fcsr & 0x1f; break;
	case RV_CSR_FRM: *v = (h->cpu.fcsr >> 5) & 7; break;
	case RV_CSR_FCSR: *v = h->cpu.fcsr & 0xff; break;
	case CSR_SSTATUS: *v = read_sstatus(h); break;
	case CSR_SIE: *v = h->sie; break;
	case CSR_SIP:
		*v = __atomic_load_n(&h->sip, __ATOMIC_RELAXED) & IRQ_ALL;
		break;
	case CSR_STVEC: *v = h->stvec; break;
	case CSR_SCOUNTEREN: *v = h->scounteren; break;
	case CSR_SENVCFG: *v = h->senvcfg; break;
	case CSR_SSCRATCH: *v = h->sscratch; break;
	case CSR_SEPC: *v = h->sepc; break;
	case CSR_SCAUSE: *v = h->scause; break;
	case CSR_STVAL: *v = h->stval; break;
	case CSR_SATP: *v = h->satp; break;
	default:
		return read_counter(h, num, v);
	}
	return true;
}

static bool csr_write(struct rv_hart *h, unsigned num, uint64_t v)
{
	switch (num) {
	case RV_CSR_FFLAGS: h->cpu.fcsr = (h->cpu.fcsr & ~0x1fu) | (v & 0x1f);
		break;
	case RV_CSR_FRM: h->cpu.fcsr = (h->cpu.fcsr & ~0xe0u) | (v & 7) << 5;
		break;
	case RV_CSR_FCSR: h->cpu.fcsr = v & 0xff; break;
	case CSR_SSTATUS: write_sstatus(h, v); break;
	case CSR_SIE:
		h->sie = v & IRQ_ALL;
		kick(h);
		break;
	case CSR_SIP:		/* only SSIP is the software's */
		if (v & IRQ_BIT(RV_IRQ_SSI))
			__atomic_or_fetch(&h->sip, IRQ_BIT(RV_IRQ_SSI),
					  __ATOMIC_SEQ_CST);
		else
			__atomic_and_fetch(&h->sip, ~IRQ_BIT(RV_IRQ_SSI),
					   __ATOMIC_SEQ_CST);
		kick(h);
		break;
	case CSR_STVEC:		/* modes: direct, vectored */
		h->stvec = (v & 3) < 2 ? v : v & ~3ull;
		break;
	case CSR_SCOUNTEREN: h->scounteren = v & 7; break;
	case CSR_SENVCFG: h->senvcfg = v & 1; break;	/* FIOM only */
	case CSR_SSCRATCH: h->sscratch = v; break;
	case CSR_SEPC: h->sepc = v & ~1ull; break;
	case CSR_SCAUSE: h->scause = v; break;
	case CSR_STVAL: h->stval = v; break;
	case CSR_SATP: return write_satp(h, v);
	default:
		return false;
	}
	return true;
}

static bool is_fp_csr(unsigned num)
{
	return num >= RV_CSR_FFLAGS && num <= RV_CSR_FCSR;
}

static bool sys_csr(struct rv_cpu *cpu, unsigned num, unsigned op,
		    uint64_t src, bool write, uint64_t *old)
{
	struct rv_hart *h = hart_of(cpu);
	uint64_t v;

	/* bits 9..8: the lowest privilege; 11..10 == 3: read-only */
	if (((num >> 8) & 3) > (unsigned)h->priv)
		return false;
	if (write && (num >> 10) == 3)
		return false;
	if (is_fp_csr(num) && !(h->sstatus & SR_FS))
		return false;
	if (!csr_read(h, num, old))
		return false;
	if (!write)
		return true;
	v = op == 0 ? src : op == 1 ? *old | src : *old & ~src;
	if (!csr_write(h, num, v))
		return false;
	if (is_fp_csr(num))
		h->sstatus |= SR_FS;
	return true;
}

static const struct rv_sys_ops sys_ops = {
	.load = sys_load,
	.store = sys_store,
	.atomic = sys_atomic,
	.csr = sys_csr,
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

static void wfi(struct rv_hart *h)
{
	retire(h);
	if (h->no_sleep)
		return;		/* WFI may be a no-op (spec 3.3.3) */
	set_state(h, RUN_OUTSIDE);
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
	set_state(h, RUN_EXEC);
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

	if (!fetch(h, &raw))
		return exception(h, h->exc, h->cpu.fault_addr);
	in = decode(h, raw);
	if (in->op >= RV_OP_FLW && !fp_enabled(h))
		return exception(h, RV_EXC_ILLEGAL, in->raw);
	s = rv_interp_exec(&h->cpu, in);
	return s == RV_STOP_NONE ? STEP_ON : handle_stop(h, s);
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
		else if (max-- == 0)
			break;
		else
			e = step(h);
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
	rv_mmu_init(&h->mmu, cfg->ram);
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

void rv_hart_remote_fence(struct rv_hart *h)
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

void rv_hart_describe(const struct rv_hart *h, char *buf, unsigned int n)
{
	snprintf(buf, n, "pc 0x%llx priv %c satp 0x%llx sstatus 0x%llx "
		 "scause 0x%llx stval 0x%llx sepc 0x%llx stvec 0x%llx%s%s",
		 (unsigned long long)h->cpu.pc, h->priv == PRV_S ? 'S' : 'U',
		 (unsigned long long)h->satp,
		 (unsigned long long)read_sstatus(h),
		 (unsigned long long)h->scause, (unsigned long long)h->stval,
		 (unsigned long long)h->sepc, (unsigned long long)h->stvec,
		 h->crash[0] ? ": " : "", h->crash);
}

uint64_t rv_hart_insns(const struct rv_hart *h)
{
	return h->cpu.insns;
}
