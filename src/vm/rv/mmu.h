/*
 * mmu -- Sv39/Sv48 address translation for a system-mode RISC-V hart:
 * the page walk (privileged spec 1.12, 4.3-4.4) with A/D updates, the
 * permission checks, and a software TLB.
 *
 * The TLB is built for translated code as much as for the interpreter: a
 * direct-mapped array per translation context (U-mode, S-mode, S-mode
 * with SUM) and per access kind (read, write, fetch) of {page tag, host
 * addend}.  A hit is one compare:
 *
 *	e = &mmu->cur->e[kind][(va >> 12) & (RV_TLB_SIZE - 1)];
 *	if (e->tag == (va & ~0xfff) && access does not cross the page)
 *		host = va + e->addend;
 *
 * Only RAM is ever entered, so a hit is always plain memory; devices,
 * faults and page-crossing accesses take the slow path.  A write entry
 * exists only once the PTE's D bit is set, a read or fetch entry once A
 * is.  Switching between U, S and S+SUM only moves @cur (Linux flips SUM
 * around every user copy); MXR, satp and SFENCE.VMA flush.
 */
#ifndef STRATA_VM_RV_MMU_H
#define STRATA_VM_RV_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/gmem.h"

/* access kinds (index into the TLB) */
enum rv_acc { RV_ACC_R, RV_ACC_W, RV_ACC_X, RV_ACC_N };

/* translation contexts */
enum rv_mmu_ctx { RV_CTX_U, RV_CTX_S, RV_CTX_SUM, RV_CTX_N };

/* exception causes (scause without the interrupt bit) */
#define RV_EXC_INSN_ACCESS	1
#define RV_EXC_ILLEGAL		2
#define RV_EXC_BREAKPOINT	3
#define RV_EXC_LOAD_MISALIGNED	4
#define RV_EXC_LOAD_ACCESS	5
#define RV_EXC_STORE_MISALIGNED	6
#define RV_EXC_STORE_ACCESS	7
#define RV_EXC_ECALL_U		8
#define RV_EXC_ECALL_S		9
#define RV_EXC_INSN_PAGE	12
#define RV_EXC_LOAD_PAGE	13
#define RV_EXC_STORE_PAGE	15

/* satp */
#define RV_SATP_MODE_SHIFT	60
#define RV_SATP_BARE		0ull
#define RV_SATP_SV39		8ull
#define RV_SATP_SV48		9ull
#define RV_SATP_PPN_MASK	((1ull << 44) - 1)

/* PTE bits */
#define RV_PTE_V	0x01
#define RV_PTE_R	0x02
#define RV_PTE_W	0x04
#define RV_PTE_X	0x08
#define RV_PTE_U	0x10
#define RV_PTE_G	0x20
#define RV_PTE_A	0x40
#define RV_PTE_D	0x80

#define RV_PAGE_SHIFT	12
#define RV_PAGE_SIZE	(1ull << RV_PAGE_SHIFT)
#define RV_TLB_BITS	8
#define RV_TLB_SIZE	(1u << RV_TLB_BITS)
#define RV_TLB_EMPTY	1ull	/* never a page-aligned tag */

struct rv_tlb_entry {
	uint64_t tag;		/* va of the page, or RV_TLB_EMPTY */
	uintptr_t addend;	/* host address = va + addend */
};

struct rv_tlb {
	struct rv_tlb_entry e[RV_ACC_N][RV_TLB_SIZE];
};

struct rv_mmu {
	const struct gmem *ram;
	unsigned levels;	/* 0: Bare, 3: Sv39, 4: Sv48 */
	uint64_t root;		/* physical address of the root table */
	bool mxr;		/* sstatus.MXR */
	/* [sp_lo, sp_last]: covers every superpage entered since the last
	 * flush (an SFENCE.VMA vaddr inside flushes all: the TLB holds a
	 * superpage as the 4 KiB pieces used); empty when lo > last */
	uint64_t sp_lo, sp_last;
	/* pages entered since the last full flush (hashed, 4096 bits): an
	 * SFENCE.VMA vaddr of a page never entered (Linux fences after
	 * every page fault it fixes) leaves copies of other entries alone.
	 * Not emptied when @gen moves for one page: the entries of the
	 * others stay in the TLB, and copies are made from them again */
	uint64_t filled[64];
	struct rv_tlb *cur;	/* tlb[the current context] */
	uint64_t *gen;		/* NULL, or bumped by a flush (+4) and set to
				 * the context in its low bits (rv_cpu.tlb_gen) */
	struct rv_tlb tlb[RV_CTX_N];
};

void rv_mmu_init(struct rv_mmu *m, const struct gmem *ram);

/* A new satp (already checked: Bare, Sv39 or Sv48); flushes. */
void rv_mmu_set_satp(struct rv_mmu *m, uint64_t satp);

void rv_mmu_flush(struct rv_mmu *m);

/* SFENCE.VMA with rs1 != x0: the entries for @va (all of them when a
 * superpage may be cached) */
void rv_mmu_flush_va(struct rv_mmu *m, uint64_t va);

static inline void rv_mmu_set_ctx(struct rv_mmu *m, enum rv_mmu_ctx ctx)
{
	m->cur = &m->tlb[ctx];
	if (m->gen)	/* SUM as a bit of its own (see rv_cpu.tlb_gen) */
		*m->gen = (*m->gen & ~3ull) | (ctx == RV_CTX_SUM ? 3 : ctx);
}

/* The TLB hit for [va, va + len) of kind @acc, or NULL. */
static inline void *rv_tlb_lookup(const struct rv_mmu *m, enum rv_acc acc,
				  uint64_t va, unsigned len)
{
	const struct rv_tlb_entry *e =
		&m->cur->e[acc][(va >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1)];

	if (e->tag != (va & ~(RV_PAGE_SIZE - 1)) ||
	    (va & (RV_PAGE_SIZE - 1)) + len > RV_PAGE_SIZE)
		return NULL;
	return (void *)(uintptr_t)(va + e->addend);
}

/*
 * The slow path: walk the page tables for @va, an access of kind @acc
 * in context @ctx, setting A (and D for a write) in the leaf PTE.
 * Returns 0 with *pa, and enters the page in the TLB of @ctx when it is
 * RAM; or the exception cause (page fault, or access fault when a page
 * table lies outside RAM).
 */
int rv_mmu_translate(struct rv_mmu *m, uint64_t va, enum rv_acc acc,
		     enum rv_mmu_ctx ctx, uint64_t *pa);

#endif
