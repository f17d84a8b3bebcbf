/*
 * rv_sysjit -- differential test of the system-mode translator: random
 * S-mode programs with Sv39 on run once on the reference interpreter and
 * once on translated code (rv_hart_set_jit), and must leave the same
 * registers, memory, device accesses and trap reports.
 *
 * A program is a loop of random instructions: ALU and M operations,
 * loads and stores of every size around a page boundary (read-write on
 * one side, read-only on the other, misaligned ones crossing it) and
 * into an unmapped page, device reads and writes, sscratch, an AMO, D
 * moves and adds (FS starts Initial), forward branches.  The trap
 * handler reports scause/stval/sepc through the SBI and skips the
 * faulting instruction.  A run reads f0..f3 and fcsr into registers
 * at its end.  RV_SYSJIT_SEED=N RV_SYSJIT_N=M pick the runs (default:
 * 300 from the pid); RV_SYSJIT_V=1 prints what differs, and
 * RV_SYSJIT_DUMP=file writes the last program (objdump -b binary).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm/rv/hart.h"
#include "unit/rv_asm.h"
#include "unit/test.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(16ull << 20)
#define DEV_BASE	0x10000000ull
#define CODE		(RAM_BASE + 0x0000)
#define HANDLER		(RAM_BASE + 0x8000)
#define DATA_PA		(RAM_BASE + 0x20000)	/* 4 pages */
#define PT		(RAM_BASE + 0x100000)
#define DATA_VA		0x40000000ull		/* pages 0, 1 RW, 2 RO (at
						 * DATA_PA + 0x3000), 3 none */

#define SBI_EXIT	8
#define SBI_REPORT	0x10

enum { ZERO, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5,
       A6, A7, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, T3, T4, T5, T6 };

static uint8_t *ram;
static struct gmem mem;
static struct rv_hart *hart;

/* what a run leaves */
struct outcome {
	uint64_t x[32], pc;
	uint64_t rep[64][3];
	int nrep;
	uint64_t dev_writes, dev_sum;
	uint8_t data[4 * 4096];
};

static struct outcome cur;

static int m_read(void *ctx, uint64_t pa, void *data, unsigned len)
{
	uint64_t v = 0x1122334455667788ull + (pa - DEV_BASE);

	if (pa < DEV_BASE || pa + len > DEV_BASE + 0x1000)
		return -1;
	memcpy(data, &v, len);
	return 0;
}

static int m_write(void *ctx, uint64_t pa, const void *data, unsigned len)
{
	uint64_t v = 0;

	if (pa < DEV_BASE || pa + len > DEV_BASE + 0x1000)
		return -1;
	memcpy(&v, data, len);
	cur.dev_writes++;
	cur.dev_sum = cur.dev_sum * 31 + v + (pa - DEV_BASE) * 7 + len;
	return 0;
}

static int m_sbi(void *ctx, struct rv_hart *h)
{
	if (rv_hart_reg(h, A7) == SBI_EXIT)
		return 1;
	if (rv_hart_reg(h, A7) == SBI_REPORT && cur.nrep < 64) {
		cur.rep[cur.nrep][0] = rv_hart_reg(h, A0);
		cur.rep[cur.nrep][1] = rv_hart_reg(h, A1);
		cur.rep[cur.nrep][2] = rv_hart_reg(h, A2);
		cur.nrep++;
	}
	return 0;
}

static uint64_t m_time(void *ctx)
{
	return 1000;
}

static const struct rv_hart_ops ops = {
	.mmio_read = m_read, .mmio_write = m_write, .sbi_call = m_sbi,
	.time = m_time,
};

/* ---- an assembler ------------------------------------------------------ */

static uint64_t pc_emit;

static void *host(uint64_t pa)
{
	return ram + (pa - RAM_BASE);
}

static void emit(uint32_t w)
{
	memcpy(host(pc_emit), &w, 4);
	pc_emit += 4;
}

#define ADDI(rd, rs, imm)	emit(I(imm, rs, 0, rd, 0x13))
#define ORI(rd, rs, imm)	emit(I(imm, rs, 6, rd, 0x13))
#define SLLI(rd, rs, sh)	emit(I(sh, rs, 1, rd, 0x13))
#define CSRRW(rd, csr, rs)	emit(I(csr, rs, 1, rd, 0x73))
#define CSRRS(rd, csr, rs)	emit(I(csr, rs, 2, rd, 0x73))
#define ECALL()			emit(0x00000073)
#define SRET()			emit(0x10200073)

static void LI(unsigned rd, uint64_t v)
{
	ADDI(rd, ZERO, 0);
	for (int sh = 55; sh >= 0; sh -= 11) {
		SLLI(rd, rd, 11);
		ORI(rd, rd, (v >> sh) & 0x7ff);
	}
}

/* report scause, stval, sepc; skip the instruction (all are 4 bytes) */
static void emit_handler(void)
{
	pc_emit = HANDLER;
	CSRRS(A0, 0x142, ZERO);
	CSRRS(A1, 0x143, ZERO);
	CSRRS(A2, 0x141, ZERO);
	ADDI(A7, ZERO, SBI_REPORT);
	ECALL();
	ADDI(A2, A2, 4);
	CSRRW(ZERO, 0x141, A2);
	SRET();
}

/* ---- page tables -------------------------------------------------------- */

static uint64_t pt_next;

static uint64_t pt_alloc(void)
{
	uint64_t pa = pt_next;

	pt_next += 0x1000;
	memset(host(pa), 0, 0x1000);
	return pa;
}

#define V	0x01
#define RD	0x02
#define WR	0x04
#define EX	0x08
#define AD	0xc0

static void map(uint64_t root, uint64_t va, uint64_t pa, int level,
		unsigned flags)
{
	uint64_t table = root;

	for (int l = 2; l > level; l--) {
		uint64_t *slot = host(table + ((va >> (12 + 9 * l)) & 511) * 8);

		if (!(*slot & V))
			*slot = (pt_alloc() >> 12) << 10 | V;
		table = (*slot >> 10) << 12;
	}
	*(uint64_t *)host(table + ((va >> (12 + 9 * level)) & 511) * 8) =
		(pa >> 12) << 10 | flags;
}

/* ---- random programs ---------------------------------------------------- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* registers a program may write: not s0 (data), s1 (device), s9 (a
 * moving address), s10 (the
 * AMOs' address), s11 (the unmapped page), t6 (loop); stores never reach
 * the code (executing code written without fence.i may see either) */
static unsigned rd_any(void)
{
	static const uint8_t r[] = { T0, T1, T2, A0, A1, A2, A3, A4, A5, A6,
				     S2, S3, S4, S5, S6, S7, T3, T4 };

	return r[rnd(sizeof(r))];
}

static unsigned rs_any(void)
{
	return rnd(4) ? rd_any() : rnd(2) ? S0 : ZERO;
}

static void random_insn(int left)
{
	static const struct { unsigned f7, f3; } rr[] = {
		{ 0, 0 }, { 0x20, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 }, { 0, 4 },
		{ 0, 5 }, { 0x20, 5 }, { 0, 6 }, { 0, 7 },	/* RV64I */
		{ 1, 0 }, { 1, 1 }, { 1, 3 }, { 1, 4 }, { 1, 5 }, { 1, 6 },
		{ 1, 7 },					/* M */
	};
	unsigned k = rnd(100), f3 = rnd(8);
	int off;

	if (k < 25) {			/* op, op-32 */
		unsigned i = rnd(sizeof(rr) / sizeof(rr[0]));

		emit(R(rr[i].f7, rs_any(), rs_any(), rr[i].f3, rd_any(),
		       rnd(3) ? 0x33 : 0x3b));
	} else if (k < 40) {		/* op-imm */
		if (f3 == 1 || f3 == 5)
			emit(I((int32_t)(rnd(64) | (f3 == 5 && rnd(2) ? 0x400 : 0)),
			       rs_any(), f3, rd_any(), 0x13));
		else
			emit(I((int32_t)rnd(4096) - 2048, rs_any(), f3, rd_any(),
			       0x13));
	} else if (k < 60) {		/* loads around the RW/RO boundary */
		off = (int)rnd(64) - 32 + (rnd(4) ? 0 : (int)rnd(4000) - 2000);
		emit(I(rnd(3) ? off : (int)rnd(4) * 8, rnd(3) ? S0 : S9, rnd(7),
		       rd_any(), 0x03));
	} else if (k < 75) {		/* stores */
		off = (int)rnd(64) - 40 + (rnd(4) ? 0 : (int)rnd(4000) - 2000);
		emit(S(rnd(3) ? off : (int)rnd(4) * 8, rs_any(), rnd(3) ? S0 : S9,
		       rnd(4)));
	} else if (k < 80) {		/* the device; the unmapped page */
		if (rnd(2))
			emit(I((int)rnd(64), S1, rnd(4), rd_any(), 0x03));
		else if (rnd(2))
			emit(S((int)rnd(64), rs_any(), S1, rnd(4)));
		else
			emit(I((int)rnd(64), S11, 3, rd_any(), 0x03));
	} else if (k < 84 && left > 2) {	/* forward branch */
		unsigned skip = 1 + rnd(left < 4 ? left - 1 : 3);

		emit(B((int32_t)(4 * (skip + 1)), rs_any(), rs_any(),
		       (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd(6)]));
	} else if (k < 88) {		/* sscratch */
		emit(I(0x140, rs_any(), 1 + rnd(2), rd_any(), 0x73));
	} else if (k < 90) {		/* amoadd.d / amoswap.w at s10 */
		emit(R(rnd(2) ? 0x00 : 0x04, rs_any(), S10, rnd(2) ? 3 : 2,
		       rd_any(), 0x2f));
	} else if (k < 95) {		/* fmv.d.x, fadd.d, fmv.x.d */
		unsigned f = rnd(4);

		if (rnd(2))
			emit(R(0x79, 0, rs_any(), 0, f, 0x53));
		else if (rnd(2))
			emit(R(0x01, rnd(4), rnd(4), 0, f, 0x53));	/* rne */
		else
			emit(R(0x71, 0, f, 0, rd_any(), 0x53));
	} else {			/* sd around s0, then ld it back */
		off = (int)rnd(16) * 8 - 64;
		emit(S(off, rs_any(), S0, 3));
		emit(I(off, S0, 3, rd_any(), 0x03));
	}
}

static void build(uint64_t seed)
{
	uint64_t root;
	int n, iters, i;

	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	memset(ram, 0, 0x200000);
	memset(host(PT), 0, 0x10000);
	for (i = 0; i < 4 * 4096; i++)	/* data: a pattern of the seed */
		((uint8_t *)host(DATA_PA))[i] = (uint8_t)(rnd(256));
	emit_handler();
	pt_next = PT;
	root = pt_alloc();
	map(root, RAM_BASE, RAM_BASE, 2, V | RD | WR | EX | AD);
	map(root, DEV_BASE, DEV_BASE, 0, V | RD | WR | AD);
	map(root, DATA_VA, DATA_PA, 0, V | RD | WR | AD);
	map(root, DATA_VA + 0x1000, DATA_PA + 0x1000, 0, V | RD | WR | AD);
	/* not after page 1 in RAM: an access crossing the boundary must
	 * be put together from two pages */
	map(root, DATA_VA + 0x2000, DATA_PA + 0x3000, 0, V | RD | AD);

	pc_emit = CODE;
	LI(T6, HANDLER);
	CSRRW(ZERO, 0x105, T6);			/* stvec */
	LI(T6, 1ull << 13);
	CSRRS(ZERO, 0x100, T6);			/* FS Initial */
	LI(T6, 8ull << 60 | root >> 12);
	CSRRW(ZERO, 0x180, T6);			/* satp: Sv39 */
	emit(R(9, 0, 0, 0, 0, 0x73));		/* sfence.vma */
	for (i = T0; i <= T6; i++)
		if (i != S0 && i != S1 && i != S9 && i != S10 && i != S11)
			LI(i, rng ^ ((uint64_t)i << 40));
	for (i = 0; i < 4; i++)			/* fmv.d.x fi, t0+i */
		emit(R(0x79, 0, T0 + i, 0, i, 0x53));
	CSRRW(ZERO, 0x003, ZERO);		/* fcsr = 0 */
	LI(S0, DATA_VA + 0x2000);		/* the RW | RO boundary */
	LI(S1, DEV_BASE);
	LI(S10, DATA_VA + 0x2000 - 16);
	LI(S11, DATA_VA + 0x3000);
	iters = 1 + rnd(20);
	LI(T6, iters);
	n = 20 + rnd(120);
	{
		uint64_t loop = pc_emit;

		/* s9 = s0 + 20 - 3 * t6: an address that moves up across
		 * the boundary, aligned or not, from one round to the next */
		ADDI(S9, T6, 0);
		SLLI(S9, S9, 1);
		emit(R(0, T6, S9, 0, S9, 0x33));
		emit(R(0x20, S9, S0, 0, S9, 0x33));	/* sub */
		ADDI(S9, S9, 20);

		for (i = 0; i < n; i++)
			random_insn(n - i);
		ADDI(T6, T6, -1);
		emit(B((int32_t)(loop - pc_emit), ZERO, T6, 1));	/* bnez */
	}
	for (i = 0; i < 4; i++)			/* fmv.x.d t0+i, fi */
		emit(R(0x71, 0, i, 0, T0 + i, 0x53));
	CSRRS(T4, 0x003, ZERO);			/* fcsr: the flags */
	ADDI(A7, ZERO, SBI_EXIT);
	ECALL();
}

static void run(uint64_t seed, int jit, struct outcome *o)
{
	memset(&cur, 0, sizeof(cur));
	build(seed);
	rv_hart_set_jit(hart, jit);
	rv_hart_boot(hart, CODE, 0);
	rv_hart_run_max(hart, 2000000);
	for (int i = 0; i < 32; i++)
		cur.x[i] = rv_hart_reg(hart, i);
	cur.pc = rv_hart_pc(hart);
	memcpy(cur.data, host(DATA_PA), sizeof(cur.data));
	*o = cur;
	if (getenv("RV_SYSJIT_DUMP")) {
		FILE *f = fopen(getenv("RV_SYSJIT_DUMP"), "w");

		if (f) {
			fwrite(host(CODE), 1, pc_emit - CODE, f);
			fclose(f);
		}
	}
}

static bool same(const struct outcome *a, const struct outcome *b,
		 char *why, size_t n)
{
	for (int i = 0; i < 32; i++)
		if (a->x[i] != b->x[i]) {
			snprintf(why, n, "x%d %#llx vs %#llx", i,
				 (unsigned long long)a->x[i],
				 (unsigned long long)b->x[i]);
			return false;
		}
	if (a->pc != b->pc || a->nrep != b->nrep ||
	    memcmp(a->rep, b->rep, sizeof(a->rep)) ||
	    a->dev_writes != b->dev_writes || a->dev_sum != b->dev_sum ||
	    memcmp(a->data, b->data, sizeof(a->data))) {
		snprintf(why, n, "pc %#llx/%#llx reports %d/%d, devices, or memory",
			 (unsigned long long)a->pc, (unsigned long long)b->pc,
			 a->nrep, b->nrep);
		return false;
	}
	return true;
}

int main(void)
{
	struct rv_hart_cfg cfg = { .hartid = 0, .ram = &mem, .ops = &ops };
	static struct outcome ref, got;
	uint64_t seed0 = getenv("RV_SYSJIT_SEED") ?
			 strtoull(getenv("RV_SYSJIT_SEED"), NULL, 0) :
			 (uint64_t)getpid();
	int n = getenv("RV_SYSJIT_N") ? atoi(getenv("RV_SYSJIT_N")) : 300;
	int bad = 0, traps = 0;
	char why[160], msg[256];

	alarm(120);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem.r[0].gpa = RAM_BASE;
	mem.r[0].size = RAM_SIZE;
	mem.r[0].host = ram;
	mem.n = 1;
	hart = rv_hart_new(&cfg);
	for (int i = 0; i < n && bad < 3; i++) {
		uint64_t seed = seed0 + (uint64_t)i;

		run(seed, 0, &ref);
		run(seed, 1, &got);
		traps += ref.nrep;
		if (getenv("RV_SYSJIT_V")) {
			for (int r = 0; r < ref.nrep || r < got.nrep; r++)
				printf("rep %2d: %llx %llx %llx | %llx %llx %llx\n", r,
				       (unsigned long long)ref.rep[r][0], (unsigned long long)ref.rep[r][1],
				       (unsigned long long)ref.rep[r][2], (unsigned long long)got.rep[r][0],
				       (unsigned long long)got.rep[r][1], (unsigned long long)got.rep[r][2]);
			for (int r = 0; r < 32; r++)
				if (ref.x[r] != got.x[r])
					printf("x%d %llx %llx\n", r, (unsigned long long)ref.x[r], (unsigned long long)got.x[r]);
			for (int r = 0; r < 4 * 4096; r++)
				if (ref.data[r] != got.data[r])
					printf("data %x %02x %02x\n", r, ref.data[r], got.data[r]);
			printf("dev %llu %llu | %llu %llu\n", (unsigned long long)ref.dev_writes, (unsigned long long)ref.dev_sum, (unsigned long long)got.dev_writes, (unsigned long long)got.dev_sum);
		}
		if (!same(&ref, &got, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "seed %llu: the translated "
				 "run differs: %s (again: RV_SYSJIT_SEED=%llu "
				 "RV_SYSJIT_N=1)", (unsigned long long)seed, why,
				 (unsigned long long)seed);
			test_assert(0, msg);
			bad++;
		}
	}
	snprintf(msg, sizeof(msg), "%d random programs (seeds %llu..) agree, "
		 "%d traps among them", n, (unsigned long long)seed0, traps);
	test_assert(bad == 0, msg);
	test_assert(ref.pc != 0 && ref.nrep >= 0, "the programs ran");
	rv_hart_free(hart);
	munmap(ram, RAM_SIZE);
	return test_report();
}
