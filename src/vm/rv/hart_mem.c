/*
 * hart_mem -- memory for the system-mode hart: the load, store and
 * atomic hooks the interpreter calls (struct rv_sys_ops), and instruction
 * fetch.  A TLB hit is a host access; a miss walks the page tables
 * (mmu.c) and reaches RAM or, outside it, the machine's devices.
 */
#include <string.h>

#include "vm/rv/hart_int.h"

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
	/*
	 * Still RUN_EXEC for remote fences: the access may come from
	 * translated code, which goes on after it with the TLB copies it
	 * checked at the block's entry, through blocks it enters without
	 * the dispatcher, until the slice ends -- a fence answered "outside"
	 * here would let kernel code use a stale mapping meanwhile.  No
	 * device waits for a hart (the device lock is never held across a
	 * fence), so the asker waits at most for the access and a slice.
	 */
	if (acc == RV_ACC_W)
		r = h->ops->mmio_write(h->ops->ctx, pa, buf, n);
	else
		r = h->ops->mmio_read(h->ops->ctx, pa, buf, n);
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

bool hart_load(struct rv_cpu *cpu, uint64_t va, unsigned len,
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

bool hart_store(struct rv_cpu *cpu, uint64_t va, unsigned len,
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
void *hart_atomic(struct rv_cpu *cpu, uint64_t va, unsigned len,
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

/* the translator's fetch: the host address of the code at @va, through
 * the fetch TLB of the current context, or NULL (nothing raised: the
 * hart's own step then fetches and takes the fault, or executes MMIO) */
const void *hart_code(struct rv_cpu *cpu, uint64_t va, bool *fp)
{
	struct rv_hart *h = hart_of(cpu);
	void *p = rv_tlb_lookup(&h->mmu, RV_ACC_X, va, 2);
	uint64_t pa;

	if (!p) {
		if (rv_mmu_translate(&h->mmu, va, RV_ACC_X, cur_ctx(h), &pa))
			return NULL;
		p = rv_tlb_lookup(&h->mmu, RV_ACC_X, va, 2);
		if (!p)
			return NULL;	/* not RAM */
	}
	*fp = (h->sstatus & SR_FS) == SR_FS;
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

/* hart_fetch() missed the TLB or crosses a page: a parcel at a time,
 * so a compressed instruction at the end of a page does not touch the
 * next */
bool hart_fetch_slow(struct rv_hart *h, uint32_t *raw)
{
	uint64_t pc = h->cpu.pc;
	uint16_t lo, hi = 0;

	if (!fetch_parcel(h, pc, &lo))
		return false;
	if (rv_insn_len(lo) == 4 && !fetch_parcel(h, pc + 2, &hi))
		return false;
	*raw = (uint32_t)hi << 16 | lo;
	return true;
}
