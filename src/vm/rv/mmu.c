/*
 * mmu -- the Sv39/Sv48 page walk and the software TLB (see mmu.h).
 *
 * Page tables live in guest RAM and are shared with the other harts and
 * the guest kernel, which may change them at any time: every PTE is read
 * once with an atomic load, and A/D are set with a compare-and-swap
 * against the value the checks were made on (spec 4.3.2 step 7: the
 * update must be atomic with the check), retrying the level when the
 * PTE changed under us.
 */
#include <stddef.h>
#include <string.h>

#include "emu/cpu.h"
#include "vm/rv/mmu.h"

/* translated code (src/emu/jit.c) probes the TLB with this layout */
_Static_assert(RV_TLB_SIZE == RV_SYS_TLB_SIZE, "TLB size");
_Static_assert(sizeof(struct rv_tlb_entry) == 16 &&
	       offsetof(struct rv_tlb_entry, addend) == 8, "TLB entry");
_Static_assert(RV_ACC_R == 0 && RV_ACC_W == 1, "TLB kinds");
_Static_assert(offsetof(struct rv_tlb, e[1]) == RV_TLB_SIZE * 16, "TLB rows");

#define PTE_PPN_SHIFT	10
#define PTE_PPN_MASK	((1ull << 44) - 1)
#define PTE_RESERVED	(~0ull << 54)	/* N, PBMT and reserved: no Svnapot,
					 * no Svpbmt here */

/* copies of TLB entries (translated code) may be stale: drop them */
static void gen_bump(struct rv_mmu *m)
{
	if (m->gen)
		*m->gen += 4;
}

/*
 * The filter of pages entered is emptied only with the TLB itself.  A
 * copy (a translated access's slot, an indirect-branch entry) may be
 * made again, after a bump, from any entry still in the TLB: had a
 * bump for one page emptied the filter, a later SFENCE.VMA of another
 * page still in the TLB would leave that page's new copies alone -- a
 * load seeing the page a COW fault just replaced (issue 6).
 */
void rv_mmu_flush(struct rv_mmu *m)
{
	for (int c = 0; c < RV_CTX_N; c++)
		for (int a = 0; a < RV_ACC_N; a++)
			for (unsigned i = 0; i < RV_TLB_SIZE; i++)
				m->tlb[c].e[a][i].tag = RV_TLB_EMPTY;
	m->sp_lo = ~0ull;
	m->sp_last = 0;
	memset(m->filled, 0, sizeof(m->filled));
	gen_bump(m);
}

void rv_mmu_init(struct rv_mmu *m, const struct gmem *ram)
{
	m->ram = ram;
	m->levels = 0;
	m->root = 0;
	m->mxr = false;
	m->gen = NULL;
	m->cur = &m->tlb[RV_CTX_S];
	rv_mmu_flush(m);
}

void rv_mmu_set_satp(struct rv_mmu *m, uint64_t satp)
{
	uint64_t mode = satp >> RV_SATP_MODE_SHIFT;

	m->levels = mode == RV_SATP_SV48 ? 4 : mode == RV_SATP_SV39 ? 3 : 0;
	m->root = (satp & RV_SATP_PPN_MASK) << RV_PAGE_SHIFT;
	rv_mmu_flush(m);
}

void rv_mmu_flush_va(struct rv_mmu *m, uint64_t va)
{
	unsigned i = (va >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1);
	unsigned page = (unsigned)(va >> RV_PAGE_SHIFT) & 4095;

	if (va >= m->sp_lo && va <= m->sp_last) {
		rv_mmu_flush(m);
		return;
	}
	for (int c = 0; c < RV_CTX_N; c++)
		for (int a = 0; a < RV_ACC_N; a++)
			m->tlb[c].e[a][i].tag = RV_TLB_EMPTY;
	if (m->filled[page / 64] >> (page % 64) & 1)
		gen_bump(m);
}

static int page_fault(enum rv_acc acc)
{
	return acc == RV_ACC_X ? RV_EXC_INSN_PAGE :
	       acc == RV_ACC_W ? RV_EXC_STORE_PAGE : RV_EXC_LOAD_PAGE;
}

static int access_fault(enum rv_acc acc)
{
	return acc == RV_ACC_X ? RV_EXC_INSN_ACCESS :
	       acc == RV_ACC_W ? RV_EXC_STORE_ACCESS : RV_EXC_LOAD_ACCESS;
}

/* enter va -> pa in the TLB when pa is RAM */
static void tlb_fill(struct rv_mmu *m, enum rv_mmu_ctx ctx, enum rv_acc acc,
		     uint64_t va, uint64_t pa)
{
	uint64_t vpage = va & ~(RV_PAGE_SIZE - 1);
	uint8_t *host = gmem_ptr(m->ram, pa & ~(RV_PAGE_SIZE - 1),
				 RV_PAGE_SIZE);
	struct rv_tlb_entry *e;

	unsigned page = (unsigned)(va >> RV_PAGE_SHIFT) & 4095;

	if (!host)
		return;
	m->filled[page / 64] |= 1ull << (page % 64);
	e = &m->tlb[ctx].e[acc][(va >> RV_PAGE_SHIFT) & (RV_TLB_SIZE - 1)];
	e->tag = vpage;
	e->addend = (uintptr_t)host - (uintptr_t)vpage;
}

/* may a leaf PTE be used for this access? */
static bool leaf_allows(const struct rv_mmu *m, uint64_t pte, enum rv_acc acc,
			enum rv_mmu_ctx ctx)
{
	if (ctx == RV_CTX_U) {
		if (!(pte & RV_PTE_U))
			return false;
	} else if (pte & RV_PTE_U) {
		/* S-mode never executes user pages; it reads and writes
		 * them only with SUM */
		if (acc == RV_ACC_X || ctx != RV_CTX_SUM)
			return false;
	}
	switch (acc) {
	case RV_ACC_R:
		return (pte & RV_PTE_R) || (m->mxr && (pte & RV_PTE_X));
	case RV_ACC_W:
		return pte & RV_PTE_W;
	default:
		return pte & RV_PTE_X;
	}
}

int rv_mmu_translate(struct rv_mmu *m, uint64_t va, enum rv_acc acc,
		     enum rv_mmu_ctx ctx, uint64_t *pa)
{
	unsigned vabits = RV_PAGE_SHIFT + 9 * m->levels;
	uint64_t table = m->root, pte, need, ppn, off_mask;
	uint64_t *ptep;
	int level;

	if (!m->levels) {
		*pa = va;
		tlb_fill(m, ctx, acc, va, va);
		return 0;
	}
	/* bits 63..vabits must all equal bit vabits - 1 */
	if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
		return page_fault(acc);

	for (level = m->levels - 1; ; level--) {
		unsigned idx = (va >> (RV_PAGE_SHIFT + 9 * level)) & 511;

		ptep = gmem_ptr(m->ram, table + idx * 8, 8);
		if (!ptep)
			return access_fault(acc);
retry:
		pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
		if (!(pte & RV_PTE_V) ||
		    (!(pte & RV_PTE_R) && (pte & RV_PTE_W)) ||
		    (pte & PTE_RESERVED))
			return page_fault(acc);
		if (pte & (RV_PTE_R | RV_PTE_X))
			break;
		if (level == 0)
			return page_fault(acc);
		table = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << RV_PAGE_SHIFT;
	}

	if (!leaf_allows(m, pte, acc, ctx))
		return page_fault(acc);
	ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
	/* a superpage must be aligned to its size */
	if (ppn & ((1ull << (9 * level)) - 1))
		return page_fault(acc);

	need = RV_PTE_A | (acc == RV_ACC_W ? RV_PTE_D : 0);
	if ((pte & need) != need &&
	    !__atomic_compare_exchange_n(ptep, &pte, pte | need, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		goto retry;

	off_mask = (1ull << (RV_PAGE_SHIFT + 9 * level)) - 1;
	*pa = ((ppn << RV_PAGE_SHIFT) & ~off_mask) | (va & off_mask);
	if (level > 0) {
		if ((va & ~off_mask) < m->sp_lo)
			m->sp_lo = va & ~off_mask;
		if ((va | off_mask) > m->sp_last)
			m->sp_last = va | off_mask;
	}
	tlb_fill(m, ctx, acc, va, *pa);
	return 0;
}
