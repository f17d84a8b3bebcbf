/*
 * fuzz_rv_mmu -- libFuzzer target for the Sv39/Sv48 page walk and the
 * software TLB of src/vm/rv/mmu.c, which read page tables the guest
 * wrote, and for the whole system-mode hart (src/vm/rv/hart.c) running
 * what a hostile guest could.
 *
 * Input: a 4-byte header, then as the mode says:
 *	u8 mode (bit 0: Sv48, bit 1: Bare, bit 2: MXR, bit 3: hart mode),
 *	u8 root page (0..15), u8 number of accesses, u8 unused.
 * Walk mode: up to 16 accesses of 9 bytes, then guest RAM (up to 64 KiB,
 *	zero-filled, at guest physical 0x80000000); each access: u64 va
 *	(little-endian), u8 kind (bits 0-1: read, write, fetch; bits 2-3:
 *	U, S, S+SUM; bit 4: flush the va first).  Every translation gives a
 *	known cause or a physical address whose page offset is the va's;
 *	every TLB hit is a host pointer inside RAM, and the one for the
 *	translated va is that physical address's.
 * Hart mode: guest RAM straight after the header; the hart boots at
 *	0x80000000 in S-mode, paging off (the code may turn it on), with
 *	the interrupt lines of the root byte's bits 4-6 raised, and runs
 *	4000 steps (devices: odd addresses fault; the SBI stops on a7 = 8).
 * Nothing may crash or trip a sanitizer.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_rv_mmu FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv/hart.h"
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

static int dev_read(void *ctx, uint64_t pa, void *data, unsigned len)
{
	memset(data, (int)pa, len);
	return pa & 1 ? -1 : 0;
}

static int dev_write(void *ctx, uint64_t pa, const void *data, unsigned len)
{
	return pa & 1 ? -1 : 0;
}

static int sbi(void *ctx, struct rv_hart *h)
{
	return rv_hart_reg(h, 17) == 8;
}

static uint64_t ticks(void *ctx)
{
	static uint64_t t;

	return t++;
}

static const struct rv_hart_ops ops = {
	.mmio_read = dev_read, .mmio_write = dev_write,
	.sbi_call = sbi, .time = ticks,
};

/* the hart runs the input; interrupt lines as the root byte's high bits */
static void run_hart(const struct gmem *mem, unsigned mode, unsigned irqs)
{
	struct rv_hart_cfg cfg = { .ram = mem, .ops = &ops, .sv48 = mode & 1 };
	struct rv_hart *h = rv_hart_new(&cfg);
	char buf[256];

	check(h != NULL, "a hart");
	rv_hart_boot(h, RAM_GPA, RAM_GPA);
	rv_hart_set_pending(h, RV_IRQ_SSI, irqs & 1);
	rv_hart_set_pending(h, RV_IRQ_STI, irqs & 2);
	rv_hart_set_pending(h, RV_IRQ_SEI, irqs & 4);
	rv_hart_run_max(h, 4000);
	rv_hart_describe(h, buf, sizeof(buf));
	rv_hart_free(h);
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
	if (mode & 8) {
		memset(ram, 0, sizeof(ram));
		memcpy(ram, data + 4, size - 4 < RAM_SZ ? size - 4 : RAM_SZ);
		run_hart(&mem, mode, data[1] >> 4);
		return 0;
	}
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
