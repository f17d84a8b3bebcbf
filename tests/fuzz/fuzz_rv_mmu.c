/*
 * fuzz_rv_mmu -- libFuzzer target for the Sv39/Sv48 page walk and the
 * software TLB of src/vm/rv/mmu.c, which read page tables the guest
 * wrote.
 *
 * Input: a 4-byte header, up to 16 accesses of 9 bytes, then guest RAM
 * (up to 64 KiB, zero-filled, at guest physical 0x80000000):
 *	u8 mode (bit 0: Sv48, bit 1: Bare, bit 2: MXR), u8 root page
 *	(0..15), u8 number of accesses, u8 unused;
 *	each access: u64 va (little-endian), u8 kind (bits 0-1: read,
 *	write, fetch; bits 2-3: U, S, S+SUM; bit 4: flush the va first).
 * Nothing may crash or trip a sanitizer; every translation gives a
 * known cause or a physical address whose page offset is the va's; every
 * TLB hit is a host pointer inside RAM, and the one for the translated
 * va is that physical address's.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_rv_mmu FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv/mmu.h"

#define RAM_GPA	0x80000000ull
#define RAM_SZ	0x10000ull
#define NACC	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t ram[RAM_SZ] __attribute__((aligned(4096)));
static struct rv_mmu mmu;

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static int known_cause(int e)
{
	return e == RV_EXC_INSN_ACCESS || e == RV_EXC_LOAD_ACCESS ||
	       e == RV_EXC_STORE_ACCESS || e == RV_EXC_INSN_PAGE ||
	       e == RV_EXC_LOAD_PAGE || e == RV_EXC_STORE_PAGE;
}

static void check_hit(enum rv_acc acc, uint64_t va)
{
	uint8_t *p = rv_tlb_lookup(&mmu, acc, va, 1);

	check(!p || (p >= ram && p < ram + RAM_SZ), "TLB hit inside RAM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gmem mem = { .r = { { RAM_GPA, RAM_SZ, ram } }, .n = 1 };
	unsigned mode, root, n, i;
	uint64_t satp;
	const uint8_t *acc;

	if (size < 4)
		return 0;
	mode = data[0];
	root = data[1] & 15;
	n = data[2] % (NACC + 1);
	if (size < 4 + 9 * n)
		return 0;
	acc = data + 4;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 4 + 9 * n,
	       size - 4 - 9 * n < RAM_SZ ? size - 4 - 9 * n : RAM_SZ);

	rv_mmu_init(&mmu, &mem);
	satp = ((mode & 1) ? RV_SATP_SV48 : RV_SATP_SV39) << RV_SATP_MODE_SHIFT |
	       ((RAM_GPA >> 12) + root);
	if (mode & 2)
		satp = 0;
	rv_mmu_set_satp(&mmu, satp);
	mmu.mxr = mode & 4;

	for (i = 0; i < n; i++, acc += 9) {
		uint64_t va, pa = 0;
		enum rv_acc kind = (enum rv_acc)((acc[8] & 3) % RV_ACC_N);
		enum rv_mmu_ctx ctx = (enum rv_mmu_ctx)(((acc[8] >> 2) & 3) %
							RV_CTX_N);
		uint8_t *p;
		int e;

		memcpy(&va, acc, 8);
		if (acc[8] & 16)
			rv_mmu_flush_va(&mmu, va);
		rv_mmu_set_ctx(&mmu, ctx);
		e = rv_mmu_translate(&mmu, va, kind, ctx, &pa);
		check(e == 0 || known_cause(e), "a known exception cause");
		if (e == 0) {
			check((pa & 0xfff) == (va & 0xfff), "page offset kept");
			p = rv_tlb_lookup(&mmu, kind, va, 1);
			if (pa >= RAM_GPA && pa < RAM_GPA + RAM_SZ)
				check(p == ram + (pa - RAM_GPA),
				      "the TLB holds the translation");
			else
				check(p == NULL, "no TLB entry outside RAM");
		}
		for (unsigned k = 0; k < RV_ACC_N; k++)
			check_hit((enum rv_acc)k, va);
	}
	/* every entry of every TLB points into RAM */
	for (unsigned c = 0; c < RV_CTX_N; c++)
		for (unsigned k = 0; k < RV_ACC_N; k++)
			for (unsigned j = 0; j < RV_TLB_SIZE; j++) {
				const struct rv_tlb_entry *t = &mmu.tlb[c].e[k][j];
				uintptr_t h = t->tag + t->addend;

				if (t->tag == RV_TLB_EMPTY)
					continue;
				check(h >= (uintptr_t)ram &&
				      h + RV_PAGE_SIZE <= (uintptr_t)ram + RAM_SZ,
				      "TLB page inside RAM");
			}
	return 0;
}
