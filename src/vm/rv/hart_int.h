/*
 * hart_int -- what the parts of the system-mode hart share (hart.c: traps,
 * run loop, the contract; hart_mem.c: memory and fetch; hart_csr.c: the
 * CSRs).  Private to src/vm/rv/hart*.c; the machine sees hart.h only.
 */
#ifndef STRATA_VM_RV_HART_INT_H
#define STRATA_VM_RV_HART_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
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
	int fence_code;			/* atomic: one was a fence.i */
	int state;			/* atomic: enum run_state */
	int sleeping;			/* atomic: in WFI, under @lock */
	bool no_sleep;			/* rv_hart_run_max(): WFI is a nop */
	bool resume;			/* rv_hart_resume_at() during an SBI call */
	uint64_t resume_pc, resume_a1;
	bool jit;			/* run translated code (src/emu/jit.c) */
	pthread_mutex_t lock;		/* WFI */
	pthread_cond_t wake;
	char crash[80];			/* why the run crashed */
	struct dcache_entry dcache[1u << DCACHE_BITS];
};

static inline struct rv_hart *hart_of(struct rv_cpu *cpu)
{
	return (struct rv_hart *)cpu;
}

static inline void kick(struct rv_hart *h)
{
	__atomic_store_n(&h->kick, 1, __ATOMIC_SEQ_CST);
}

static inline void set_state(struct rv_hart *h, enum run_state s)
{
	__atomic_store_n(&h->state, s, __ATOMIC_SEQ_CST);
	if (s == RUN_EXEC)
		kick(h);	/* fences asked while we were away */
}

/* the TLB of the current privilege and SUM */
static inline void update_ctx(struct rv_hart *h)
{
	enum rv_mmu_ctx c = h->priv == PRV_U ? RV_CTX_U :
			    h->sstatus & SR_SUM ? RV_CTX_SUM : RV_CTX_S;

	rv_mmu_set_ctx(&h->mmu, c);
	h->cpu.tlb = h->mmu.cur;	/* translated code probes it */
}

static inline enum rv_mmu_ctx cur_ctx(const struct rv_hart *h)
{
	return (enum rv_mmu_ctx)(h->mmu.cur - h->mmu.tlb);
}

/* hart_mem.c: the interpreter's memory hooks, and instruction fetch */
bool hart_load(struct rv_cpu *cpu, uint64_t va, unsigned len, uint64_t *v);
bool hart_store(struct rv_cpu *cpu, uint64_t va, unsigned len, uint64_t v);
void *hart_atomic(struct rv_cpu *cpu, uint64_t va, unsigned len,
		  unsigned access);
bool hart_fetch_slow(struct rv_hart *h, uint32_t *raw);
const void *hart_code(struct rv_cpu *cpu, uint64_t va, bool *fp);

/* the instruction at pc, a compressed one in the low 16 bits (inline:
 * once per instruction) */
static inline bool hart_fetch(struct rv_hart *h, uint32_t *raw)
{
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_X, h->cpu.pc, 4);

	if (!p)
		return hart_fetch_slow(h, raw);
	memcpy(raw, p, 4);
	if (rv_insn_len((uint16_t)*raw) == 2)
		*raw &= 0xffff;
	return true;
}

/* hart_csr.c: the CSR hook */
bool hart_csr(struct rv_cpu *cpu, unsigned num, unsigned op, uint64_t src,
	      bool write, uint64_t *old);
int hart_csr_inline(unsigned num, bool write);
uint64_t hart_read_sstatus(const struct rv_hart *h);

#endif
