/*
 * rv_interp -- unit tests for the reference interpreter (src/emu/interp.c)
 * against the semantics of the RISC-V Unprivileged ISA manual.
 *
 * Instructions are hand-assembled with the format helpers below (the
 * decoder tests check those formats against GNU as) into a small guest
 * memory with a region table: code at 0x1000 (r-x), data at 0x8000 (rw-).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "emu/cpu.h"
#include "emu/decode.h"
#include "unit/rv_asm.h"
#include "unit/test.h"

#define CODE	0x1000
#define DATA	0x8000
#define MEMSZ	0x10000

static uint8_t guest[MEMSZ] __attribute__((aligned(16)));

static const struct rv_region regions[] = {
	{ CODE, CODE + 0x1000, RV_PROT_R | RV_PROT_X },
	{ DATA, MEMSZ, RV_PROT_R | RV_PROT_W },
};

/* ---- instructions (encoders: rv_asm.h) -------------------------------- */

#define ADDI(rd, rs1, imm)	I(imm, rs1, 0, rd, 0x13)
#define ECALL			0x00000073u
#define OP(f7, f3, rd, a, b)	R(f7, b, a, f3, rd, 0x33)
#define OPW(f7, f3, rd, a, b)	R(f7, b, a, f3, rd, 0x3b)
#define FP(f7, rm, rd, a, b)	R(f7, b, a, rm, rd, 0x53)

enum { RNE, RTZ, RDN, RUP, RMM, DYN = 7 };

/* ---- running code ------------------------------------------------------ */

static void reset(struct rv_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	memset(guest, 0, sizeof(guest));
	cpu->mem_base = (uint64_t)(uintptr_t)guest;
	cpu->regions = regions;
	cpu->nregions = 2;
	cpu->reservation = ~0ull;
	cpu->pc = CODE;
}

/* place 32-bit words at CODE, then an ecall; run to it */
static enum rv_stop run(struct rv_cpu *cpu, const uint32_t *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		memcpy(guest + CODE + 4 * i, &w[i], 4);
	memcpy(guest + CODE + 4 * n, &(uint32_t){ ECALL }, 4);
	cpu->pc = CODE;
	return rv_interp_run(cpu, 1000);
}

/* 16-bit parcels (compressed code) */
static enum rv_stop run16(struct rv_cpu *cpu, const uint16_t *h, unsigned n)
{
	uint32_t e = ECALL;

	memcpy(guest + CODE, h, 2 * n);
	memcpy(guest + CODE + 2 * n, &e, 4);
	cpu->pc = CODE;
	return rv_interp_run(cpu, 1000);
}

/* one instruction at CODE */
static enum rv_stop exec1(struct rv_cpu *cpu, uint32_t w)
{
	memcpy(guest + CODE, &w, 4);
	cpu->pc = CODE;
	return rv_interp_step(cpu);
}

/* ---- integer ----------------------------------------------------------- */

static void test_x0_stays_zero(void)
{
	struct rv_cpu c;
	uint32_t p[] = { ADDI(0, 0, 5), OP(0, 0, 0, 0, 0), J(8, 0), ECALL,
			 ADDI(1, 0, 1) };

	reset(&c);
	test_assert(run(&c, p, 5) == RV_STOP_ECALL && c.x[0] == 0,
		    "writes to x0 are dropped, jal x0 links nothing");
	test_assert(c.pc == CODE + 20 && c.x[1] == 1,
		    "jal skipped one instruction, ecall stops with pc on it");
	test_assert(c.insns == 4, "four instructions retired before ecall");
}

static uint64_t alu(uint32_t w, uint64_t a, uint64_t b)
{
	struct rv_cpu c;

	reset(&c);
	c.x[1] = a;
	c.x[2] = b;
	exec1(&c, w);
	return c.x[3];
}

static void test_arithmetic_edge_cases(void)
{
	uint64_t min = 1ull << 63;

	test_assert(alu(I(1, 1, 0, 3, 0x1b), 0x7fffffff, 0) ==
		    0xffffffff80000000ull, "addiw sign-extends its 32-bit sum");
	test_assert(alu(OPW(0, 0, 3, 1, 2), 0x100000000ull, 5) == 5,
		    "addw ignores the upper halves");
	test_assert(alu(OPW(0x20, 0, 3, 1, 2), 0, 1) == ~0ull,
		    "subw of 0 - 1 is -1 sign-extended");
	test_assert(alu(I(63, 1, 1, 3, 0x13), 1, 0) == min, "slli by 63");
	test_assert(alu(I(0x400 | 63, 1, 5, 3, 0x13), min, 0) == ~0ull,
		    "srai by 63 spreads the sign");
	test_assert(alu(I(63, 1, 5, 3, 0x13), min, 0) == 1, "srli by 63");
	test_assert(alu(OP(0x20, 5, 3, 1, 2), min, 127) == ~0ull,
		    "sra takes the shift amount mod 64");
	test_assert(alu(OPW(0, 1, 3, 1, 2), 1, 31) == 0xffffffff80000000ull,
		    "sllw by 31 sign-extends bit 31");
	test_assert(alu(OPW(0x20, 5, 3, 1, 2), 0x80000000, 32) ==
		    0xffffffff80000000ull, "sraw takes the amount mod 32");
	test_assert(alu(I(-1, 1, 3, 3, 0x13), 5, 0) == 1,
		    "sltiu -1 compares against all ones");
	test_assert(alu(OP(0, 2, 3, 1, 2), ~0ull, 0) == 1, "slt is signed");
	test_assert(alu(OP(0, 3, 3, 1, 2), ~0ull, 0) == 0, "sltu is unsigned");
}

static void test_multiply_and_divide(void)
{
	uint64_t min = 1ull << 63;

	test_assert(alu(OP(1, 4, 3, 1, 2), min, ~0ull) == min,
		    "div INT64_MIN / -1 overflows to INT64_MIN");
	test_assert(alu(OP(1, 6, 3, 1, 2), min, ~0ull) == 0,
		    "rem INT64_MIN % -1 is 0");
	test_assert(alu(OP(1, 4, 3, 1, 2), 7, 0) == ~0ull,
		    "div by zero is -1");
	test_assert(alu(OP(1, 5, 3, 1, 2), 7, 0) == ~0ull,
		    "divu by zero is all ones");
	test_assert(alu(OP(1, 6, 3, 1, 2), (uint64_t)-7, 0) == (uint64_t)-7,
		    "rem by zero is the dividend");
	test_assert(alu(OP(1, 7, 3, 1, 2), 7, 0) == 7,
		    "remu by zero is the dividend");
	test_assert(alu(OP(1, 4, 3, 1, 2), (uint64_t)-7, 2) == (uint64_t)-3,
		    "div rounds towards zero");
	test_assert(alu(OP(1, 6, 3, 1, 2), (uint64_t)-7, 2) == (uint64_t)-1,
		    "rem takes the dividend's sign");
	test_assert(alu(OPW(1, 4, 3, 1, 2), 0x80000000, ~0ull) ==
		    0xffffffff80000000ull, "divw INT32_MIN / -1 overflows");
	test_assert(alu(OPW(1, 6, 3, 1, 2), 0x80000000, ~0ull) == 0,
		    "remw INT32_MIN % -1 is 0");
	test_assert(alu(OPW(1, 5, 3, 1, 2), 0x80000000, 0) == ~0ull,
		    "divuw by zero is all ones");
	test_assert(alu(OPW(1, 7, 3, 1, 2), 0x80000000, 0) ==
		    0xffffffff80000000ull,
		    "remuw by zero is the dividend sign-extended");
	test_assert(alu(OPW(1, 5, 3, 1, 2), 0xfffffffe, 1) ==
		    0xfffffffffffffffeull, "divuw sign-extends its result");
	test_assert(alu(OP(1, 1, 3, 1, 2), ~0ull, ~0ull) == 0,
		    "mulh -1 * -1 is 0 high");
	test_assert(alu(OP(1, 3, 3, 1, 2), ~0ull, ~0ull) == ~0ull - 1,
		    "mulhu (2^64-1)^2 high is 2^64-2");
	test_assert(alu(OP(1, 2, 3, 1, 2), ~0ull, ~0ull) == ~0ull,
		    "mulhsu -1 * (2^64-1) high is -1");
	test_assert(alu(OP(1, 1, 3, 1, 2), min, min) == 1ull << 62,
		    "mulh INT64_MIN^2 high is 2^62");
	test_assert(alu(OPW(1, 0, 3, 1, 2), 0x10000, 0x10000) == 0,
		    "mulw keeps the low 32 bits");
	test_assert(alu(OPW(1, 0, 3, 1, 2), 0x40000000, 2) ==
		    0xffffffff80000000ull, "mulw sign-extends");
}

static void test_upper_immediates_and_jumps(void)
{
	struct rv_cpu c;
	uint32_t p[] = {
		0x800000b7,		/* lui x1, 0x80000 */
		0x00000117,		/* auipc x2, 0 */
		I(13, 2, 0, 3, 0x67),	/* jalr x3, 13(x2): bit 0 cleared */
		ADDI(4, 0, 1),		/* skipped */
		ADDI(5, 0, 1),
	};

	reset(&c);
	test_assert(run(&c, p, 5) == RV_STOP_ECALL, "runs to the ecall");
	test_assert(c.x[1] == 0xffffffff80000000ull, "lui sign-extends");
	test_assert(c.x[2] == CODE + 4, "auipc adds the pc");
	test_assert(c.x[3] == CODE + 12 && c.x[4] == 0 && c.x[5] == 1,
		    "jalr links and clears bit 0 of the target");
}

static void test_branches(void)
{
	static const struct { unsigned f3; uint64_t a, b; bool taken; } t[] = {
		{ 0, 5, 5, true }, { 1, 5, 5, false },
		{ 4, ~0ull, 0, true }, { 5, ~0ull, 0, false },
		{ 6, ~0ull, 0, false }, { 7, ~0ull, 0, true },
	};
	struct rv_cpu c;
	unsigned i;

	for (i = 0; i < 6; i++) {
		reset(&c);
		c.x[1] = t[i].a;
		c.x[2] = t[i].b;
		exec1(&c, B(-16, 2, 1, t[i].f3));
		test_assert(c.pc == (t[i].taken ? CODE - 16 : CODE + 4),
			    "branches compare signed or unsigned as named");
	}
}

static void test_loads_stores_and_misalignment(void)
{
	struct rv_cpu c;
	uint32_t p[] = {
		S(1, 2, 1, 3),	/* sd x2, 1(x1): misaligned */
		I(1, 1, 0, 3, 0x03),	/* lb x3, 1(x1) */
		I(1, 1, 4, 4, 0x03),	/* lbu x4, 1(x1) */
		I(5, 1, 2, 5, 0x03),	/* lw x5, 5(x1) */
		I(5, 1, 6, 6, 0x03),	/* lwu x6, 5(x1) */
		I(3, 1, 1, 7, 0x03),	/* lh x7, 3(x1) */
		I(1, 1, 3, 8, 0x03),	/* ld x8, 1(x1) */
	};

	reset(&c);
	c.x[1] = DATA;
	c.x[2] = 0x80ff00008000ff80ull;
	test_assert(run(&c, p, 7) == RV_STOP_ECALL, "misaligned access is fine");
	test_assert(c.x[3] == ~0ull - 0x7f, "lb sign-extends 0x80");
	test_assert(c.x[4] == 0x80, "lbu zero-extends");
	test_assert(c.x[5] == 0xffffffff80ff0000ull, "lw sign-extends");
	test_assert(c.x[6] == 0x80ff0000ull, "lwu zero-extends");
	test_assert(c.x[7] == 0xffffffffffff8000ull, "lh sign-extends");
	test_assert(c.x[8] == c.x[2], "ld reads back what sd wrote");
}

static void test_faults_stop_at_the_instruction(void)
{
	struct rv_cpu c;
	uint32_t p[] = { ADDI(5, 0, 1), I(0, 1, 3, 3, 0x03) };

	reset(&c);
	c.x[1] = 0x100;
	c.x[3] = 42;
	test_assert(run(&c, p, 2) == RV_STOP_FAULT && c.stop == RV_STOP_FAULT,
		    "a load from unmapped memory stops with a fault");
	test_assert(c.pc == CODE + 4 && c.fault_addr == 0x100 &&
		    c.fault_access == RV_FAULT_READ && c.x[3] == 42,
		    "pc on the load, fault_addr set, rd untouched");

	reset(&c);
	c.x[1] = CODE;
	test_assert(exec1(&c, S(0, 2, 1, 3)) == RV_STOP_FAULT &&
		    c.fault_access == RV_FAULT_WRITE,
		    "a store to read-only code faults");
	reset(&c);
	c.x[1] = MEMSZ - 4;
	test_assert(exec1(&c, I(0, 1, 3, 3, 0x03)) == RV_STOP_FAULT,
		    "a load crossing the end of a region faults");
	reset(&c);
	c.pc = DATA;
	test_assert(rv_interp_step(&c) == RV_STOP_FAULT &&
		    c.fault_access == RV_FAULT_EXEC && c.fault_addr == DATA,
		    "fetching from a non-executable region faults");
	reset(&c);
	c.pc = CODE + 0x1000 - 2;
	memcpy(guest + CODE + 0x1000 - 2, &(uint16_t){ 0x0505 }, 2);
	test_assert(rv_interp_step(&c) == RV_STOP_NONE,
		    "a compressed insn at the end of a region runs");
	c.pc = CODE + 0x1000 - 2;
	memcpy(guest + CODE + 0x1000 - 2, &(uint16_t){ 0x0013 }, 2);
	test_assert(rv_interp_step(&c) == RV_STOP_FAULT &&
		    c.fault_addr == CODE + 0x1000,
		    "a 32-bit insn straddling the end faults on its 2nd half");
}

static void test_stops(void)
{
	struct rv_cpu c;

	reset(&c);
	test_assert(exec1(&c, 0x00100073) == RV_STOP_EBREAK && c.pc == CODE,
		    "ebreak stops with pc on it");
	test_assert(exec1(&c, 0xffffffff) == RV_STOP_ILLEGAL &&
		    c.fault_insn == 0xffffffff && c.pc == CODE,
		    "an illegal word stops with it in fault_insn");
	memset(guest + CODE, 0, 4);
	c.pc = CODE;
	test_assert(rv_interp_step(&c) == RV_STOP_ILLEGAL && c.fault_insn == 0,
		    "the all-zero parcel is illegal");
	test_assert(exec1(&c, ADDI(1, 1, 1)) == RV_STOP_NONE && c.pc == CODE + 4,
		    "a plain step continues");
	memcpy(guest + CODE, (uint32_t[]){ J(0, 0) }, 4);
	c.pc = CODE;
	test_assert(rv_interp_run(&c, 10) == RV_STOP_NONE && c.insns == 11,
		    "run returns after max_insns");
	c.stop = RV_STOP_EXIT;
	test_assert(rv_interp_run(&c, 10) == RV_STOP_EXIT && c.insns == 11,
		    "an exit request stops the loop before any instruction");
}

/* ---- compressed ------------------------------------------------------- */

static void test_compressed_code_runs(void)
{
	struct rv_cpu c;
	uint16_t p[] = {
		0x7501,		/* c.lui x10, 0xfffe0 */
		0x7101,		/* c.addi16sp -512 */
		0x53fd,		/* c.li x7, -1 */
		0x237d,		/* c.addiw x6, 31 */
		0xa011,		/* c.j .+4 */
		0x0285,		/* c.addi x5, 1 (skipped) */
		0x929a,		/* c.add x5, x6 */
	};

	reset(&c);
	c.x[2] = 0x9000;
	c.x[6] = 0x7fffffe1;
	test_assert(run16(&c, p, 7) == RV_STOP_ECALL && c.pc == CODE + 14,
		    "compressed code advances by 2");
	test_assert(c.x[10] == 0xfffffffffffe0000ull, "c.lui sign-extends bit 17");
	test_assert(c.x[2] == 0x9000 - 512, "c.addi16sp adds a scaled imm");
	test_assert(c.x[7] == ~0ull, "c.li -1");
	test_assert(c.x[6] == 0xffffffff80000000ull, "c.addiw sign-extends");
	test_assert(c.x[5] == c.x[6], "c.j skipped one parcel");
	test_assert(c.insns == 6, "six compressed instructions retired");

	reset(&c);
	memcpy(guest + CODE, (uint16_t[]){ 0x9382 }, 2);	/* c.jalr x7 */
	c.x[7] = DATA;
	rv_interp_step(&c);
	test_assert(c.x[1] == CODE + 2 && c.pc == DATA,
		    "c.jalr links pc + 2");
	reset(&c);
	memcpy(guest + CODE, (uint16_t[]){ 0xb001 }, 2);	/* c.j .-2048 */
	c.pc = CODE;
	rv_interp_step(&c);
	test_assert(c.pc == CODE - 2048, "c.j reaches -2048");
}

/* ---- A ---------------------------------------------------------------- */

static void test_lr_sc_and_amos(void)
{
	struct rv_cpu c;
	uint64_t *d = (uint64_t *)(guest + DATA);

	reset(&c);
	c.x[1] = DATA;
	c.x[2] = 7;
	*d = 0xffffffff80000000ull;
	exec1(&c, AMO(2, 0, 1, 2, 3));		/* lr.w x3, (x1) */
	test_assert(c.x[3] == 0xffffffff80000000ull && c.reservation == DATA,
		    "lr.w sign-extends and reserves");
	exec1(&c, AMO(3, 2, 1, 2, 4));		/* sc.w x4, x2, (x1) */
	test_assert(c.x[4] == 0 && *d == 0xffffffff00000007ull,
		    "sc.w succeeds on the reservation, writes 32 bits");
	exec1(&c, AMO(3, 2, 1, 2, 4));
	test_assert(c.x[4] == 1, "a second sc.w fails: the reservation is gone");

	exec1(&c, AMO(2, 0, 1, 3, 3));		/* lr.d */
	*d = 1;					/* another hart's store */
	exec1(&c, AMO(3, 2, 1, 3, 4));		/* sc.d */
	test_assert(c.x[4] == 1 && *d == 1,
		    "sc.d fails when the value changed after lr.d");

	*d = 5;
	c.x[2] = (uint64_t)-3;
	exec1(&c, AMO(0, 2, 1, 2, 3));		/* amoadd.w */
	test_assert(c.x[3] == 5 && *d == 2, "amoadd.w returns the old value");
	exec1(&c, AMO(0x10, 2, 1, 3, 3));	/* amomin.d */
	test_assert(*d == (uint64_t)-3, "amomin.d is signed");
	c.x[2] = 1;
	exec1(&c, AMO(0x1c, 2, 1, 3, 3));	/* amomaxu.d */
	test_assert(*d == (uint64_t)-3, "amomaxu.d is unsigned");
	c.x[2] = 0x0f;
	exec1(&c, AMO(0x0c, 2, 1, 2, 3));	/* amoand.w */
	test_assert(c.x[3] == ~0ull - 2 && *d == 0xffffffff0000000dull,
		    "amoand.w sign-extends the old word, leaves the high word");
	c.x[2] = 99;
	exec1(&c, AMO(1, 2, 1, 3, 3));		/* amoswap.d */
	test_assert(*d == 99 && c.x[3] == 0xffffffff0000000dull, "amoswap.d");

	c.x[1] = DATA + 4;
	test_assert(exec1(&c, AMO(0, 2, 1, 3, 3)) == RV_STOP_FAULT &&
		    (c.fault_access & RV_FAULT_MISALIGNED),
		    "a misaligned amo faults as misaligned");
}

/* ---- F and D ---------------------------------------------------------- */

static uint64_t dbits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static uint64_t sbox(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return 0xffffffff00000000ull | b;
}

#define CNAN_D	0x7ff8000000000000ull
#define CNAN_S	0xffffffff7fc00000ull
#define SNAN_D	0x7ff0000000000001ull

/* one F/D op on f1, f2 (f3 for fma) with fflags cleared first */
static struct rv_cpu fop(uint32_t w, uint64_t a, uint64_t b, uint64_t x)
{
	struct rv_cpu c;

	reset(&c);
	c.f[1] = a;
	c.f[2] = b;
	c.f[3] = x;
	c.x[1] = a;
	exec1(&c, w);
	return c;
}

static void test_fmin_fmax(void)
{
	struct rv_cpu c;

	c = fop(FP(0x15, 0, 4, 1, 2), dbits(-0.0), dbits(0.0), 0);
	test_assert(c.f[4] == dbits(-0.0), "fmin.d(-0, +0) is -0");
	c = fop(FP(0x15, 1, 4, 1, 2), dbits(-0.0), dbits(0.0), 0);
	test_assert(c.f[4] == dbits(0.0), "fmax.d(-0, +0) is +0");
	c = fop(FP(0x15, 0, 4, 1, 2), dbits(0.0), dbits(-0.0), 0);
	test_assert(c.f[4] == dbits(-0.0), "fmin.d(+0, -0) is -0");
	c = fop(FP(0x15, 0, 4, 1, 2), CNAN_D, dbits(1.0), 0);
	test_assert(c.f[4] == dbits(1.0) && c.fcsr == 0,
		    "fmin.d(qNaN, 1) is 1, quietly");
	c = fop(FP(0x15, 1, 4, 1, 2), SNAN_D, dbits(1.0), 0);
	test_assert(c.f[4] == dbits(1.0) && c.fcsr == RV_FFLAG_NV,
		    "fmax.d(sNaN, 1) is 1 and raises NV");
	c = fop(FP(0x15, 0, 4, 1, 2), SNAN_D, CNAN_D | 1, 0);
	test_assert(c.f[4] == CNAN_D, "fmin.d of two NaNs is the canonical NaN");
	c = fop(FP(0x14, 0, 4, 1, 2), sbox(-0.0f), sbox(0.0f), 0);
	test_assert(c.f[4] == sbox(-0.0f), "fmin.s(-0, +0) is -0, boxed");
}

static void test_fcvt_saturates_with_nv(void)
{
	const struct {
		uint32_t w; double v; uint64_t want; unsigned flags;
		const char *what;
	} t[] = {
		{ FP(0x61, RTZ, 4, 1, 0), NAN, 0x7fffffff, RV_FFLAG_NV,
		  "fcvt.w.d NaN is INT32_MAX with NV" },
		{ FP(0x61, RTZ, 4, 1, 0), INFINITY, 0x7fffffff, RV_FFLAG_NV,
		  "fcvt.w.d +inf is INT32_MAX with NV" },
		{ FP(0x61, RTZ, 4, 1, 0), -INFINITY, 0xffffffff80000000ull,
		  RV_FFLAG_NV, "fcvt.w.d -inf is INT32_MIN with NV" },
		{ FP(0x61, RTZ, 4, 1, 0), 3e9, 0x7fffffff, RV_FFLAG_NV,
		  "fcvt.w.d 3e9 saturates" },
		{ FP(0x61, RTZ, 4, 1, 0), -2147483648.5, 0xffffffff80000000ull,
		  RV_FFLAG_NX, "fcvt.w.d -2^31-0.5 rtz fits, inexact" },
		{ FP(0x61, RNE, 4, 1, 0), 2.5, 2, RV_FFLAG_NX,
		  "fcvt.w.d 2.5 rne is 2" },
		{ FP(0x61, RMM, 4, 1, 0), 2.5, 3, RV_FFLAG_NX,
		  "fcvt.w.d 2.5 rmm is 3" },
		{ FP(0x61, RDN, 4, 1, 0), -0.5, ~0ull, RV_FFLAG_NX,
		  "fcvt.w.d -0.5 rdn is -1" },
		{ FP(0x61, RUP, 4, 1, 0), 0.5, 1, RV_FFLAG_NX,
		  "fcvt.w.d 0.5 rup is 1" },
		{ FP(0x61, RTZ, 4, 1, 1), -1.0, 0, RV_FFLAG_NV,
		  "fcvt.wu.d -1 is 0 with NV" },
		{ FP(0x61, RTZ, 4, 1, 1), -0.5, 0, RV_FFLAG_NX,
		  "fcvt.wu.d -0.5 rtz is 0, only inexact" },
		{ FP(0x61, RTZ, 4, 1, 1), 4294967295.0, ~0ull, 0,
		  "fcvt.wu.d 2^32-1 is all ones (sign-extended)" },
		{ FP(0x61, RTZ, 4, 1, 2), 9223372036854775808.0, INT64_MAX,
		  RV_FFLAG_NV, "fcvt.l.d 2^63 saturates" },
		{ FP(0x61, RTZ, 4, 1, 2), -9223372036854775808.0, 1ull << 63, 0,
		  "fcvt.l.d -2^63 is exact" },
		{ FP(0x61, RTZ, 4, 1, 3), 18446744073709549568.0,
		  18446744073709549568ull, 0, "fcvt.lu.d of 2^64-2048" },
		{ FP(0x61, RTZ, 4, 1, 3), NAN, ~0ull, RV_FFLAG_NV,
		  "fcvt.lu.d NaN is all ones" },
	};
	struct rv_cpu c;
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = fop(t[i].w, dbits(t[i].v), 0, 0);
		test_assert(c.x[4] == t[i].want && c.fcsr == t[i].flags,
			    t[i].what);
	}
	c = fop(FP(0x60, RTZ, 4, 1, 0), sbox(-3.9f), 0, 0);
	test_assert(c.x[4] == (uint64_t)-3 && c.fcsr == RV_FFLAG_NX,
		    "fcvt.w.s -3.9 rtz is -3");
}

static void test_fp_arithmetic_flags_and_nans(void)
{
	struct rv_cpu c;

	c = fop(FP(0x0d, RNE, 4, 1, 2), dbits(1.0), dbits(0.0), 0);
	test_assert(c.f[4] == dbits(INFINITY) && c.fcsr == RV_FFLAG_DZ,
		    "fdiv.d 1/0 is inf with DZ");
	c = fop(FP(0x0d, RNE, 4, 1, 2), dbits(0.0), dbits(0.0), 0);
	test_assert(c.f[4] == CNAN_D && c.fcsr == RV_FFLAG_NV,
		    "fdiv.d 0/0 is the canonical NaN with NV");
	c = fop(FP(0x2d, RNE, 4, 1, 0), dbits(-1.0), 0, 0);
	test_assert(c.f[4] == CNAN_D && c.fcsr == RV_FFLAG_NV,
		    "fsqrt.d of -1 is the canonical NaN with NV");
	c = fop(FP(0x01, RNE, 4, 1, 2), 0xfff8000000000123ull, dbits(1.0), 0);
	test_assert(c.f[4] == CNAN_D && c.fcsr == 0,
		    "a NaN payload does not propagate");
	c = fop(FP(0x01, RNE, 4, 1, 2), dbits(1.0), dbits(0x1p-60), 0);
	test_assert(c.f[4] == dbits(1.0) && c.fcsr == RV_FFLAG_NX,
		    "1 + 2^-60 rounds to 1, inexact");
	c = fop(FP(0x01, RUP, 4, 1, 2), dbits(1.0), dbits(0x1p-60), 0);
	test_assert(c.f[4] == dbits(1.0 + 0x1p-52), "rup rounds up");
	c = fop(FP(0x09, RNE, 4, 1, 2), dbits(0x1p1000), dbits(0x1p1000), 0);
	test_assert(c.f[4] == dbits(INFINITY) &&
		    c.fcsr == (RV_FFLAG_OF | RV_FFLAG_NX), "overflow: OF|NX");
	c = fop(FP(0x09, RNE, 4, 1, 2), dbits(0x1p-1000), dbits(0x1p-100), 0);
	test_assert(c.fcsr == (RV_FFLAG_UF | RV_FFLAG_NX), "underflow: UF|NX");

	/* dynamic rounding from frm */
	reset(&c);
	c.f[1] = dbits(1.0);
	c.f[2] = dbits(0x1p-60);
	c.fcsr = RDN << 5;
	exec1(&c, FP(0x05, DYN, 4, 1, 2));	/* fsub.d dyn */
	test_assert(c.f[4] == dbits(1.0 - 0x1p-53),
		    "dyn uses frm (round down)");
	c.fcsr = 5 << 5;
	test_assert(exec1(&c, FP(0x05, DYN, 4, 1, 2)) == RV_STOP_ILLEGAL,
		    "dyn with an invalid frm is illegal");

	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x43), dbits(2.0), dbits(3.0),
		dbits(1.0));
	test_assert(c.f[4] == dbits(7.0), "fmadd.d 2*3+1");
	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x4f), dbits(2.0), dbits(3.0),
		dbits(1.0));
	test_assert(c.f[4] == dbits(-7.0), "fnmadd.d -(2*3)-1");
	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x4b), dbits(2.0), dbits(3.0),
		dbits(1.0));
	test_assert(c.f[4] == dbits(-5.0), "fnmsub.d -(2*3)+1");
	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x47), dbits(1.0 + 0x1p-30),
		dbits(1.0 - 0x1p-30), dbits(1.0));
	test_assert(c.f[4] == dbits(-0x1p-60), "fmsub.d rounds once");
	c = fop(R4(3, 0, 2, 1, RNE, 4, 0x43), sbox(2.0f), sbox(3.0f),
		sbox(1.0f));
	test_assert(c.f[4] == sbox(7.0f), "fmadd.s 2*3+1, boxed");

	/* inf * 0 signals even with a quiet NaN addend (rv_diff seed
	 * 0xf7f6de61ceba50e9 block 390: fnmsub.d f12, f0, f24, f22, rup) */
	c = fop(R4(3, 1, 2, 1, RUP, 4, 0x4b), dbits(0.0), dbits(INFINITY),
		CNAN_D);
	test_assert(c.f[4] == CNAN_D && c.fcsr == RV_FFLAG_NV,
		    "fnmsub.d 0*inf+qNaN is the canonical NaN with NV");
	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x43), dbits(-INFINITY), dbits(-0.0),
		CNAN_D | 1ull << 63);
	test_assert(c.f[4] == CNAN_D && c.fcsr == RV_FFLAG_NV,
		    "fmadd.d -inf*-0+qNaN raises NV");
	c = fop(R4(3, 0, 2, 1, RNE, 4, 0x47), sbox(INFINITY), sbox(0.0f),
		CNAN_S);
	test_assert(c.f[4] == CNAN_S && c.fcsr == RV_FFLAG_NV,
		    "fmsub.s inf*0-qNaN raises NV");
	c = fop(R4(3, 1, 2, 1, RNE, 4, 0x43), dbits(0.0), CNAN_D,
		dbits(1.0));
	test_assert(c.f[4] == CNAN_D && c.fcsr == 0,
		    "fmadd.d 0*qNaN+1 is quiet");
}

static void test_nan_boxing(void)
{
	struct rv_cpu c;

	c = fop(FP(0x00, RNE, 4, 1, 1), 0x3f800000, 0, 0);
	test_assert(c.f[4] == CNAN_S && c.fcsr == 0,
		    "an unboxed single reads as the canonical NaN");
	c = fop(FP(0x00, RNE, 4, 1, 2), sbox(1.0f), sbox(2.0f), 0);
	test_assert(c.f[4] == sbox(3.0f), "fadd.s boxes its result");
	c = fop(FP(0x70, 0, 4, 1, 0), 0x12345678bf800000ull, 0, 0);
	test_assert(c.x[4] == 0xffffffffbf800000ull,
		    "fmv.x.w takes the low bits even when unboxed");
	c = fop(FP(0x78, 0, 4, 1, 0), 0x1234567840000000ull, 0, 0);
	test_assert(c.f[4] == sbox(2.0f), "fmv.w.x boxes");
	c = fop(FP(0x10, 0, 4, 1, 2), 0x3f800000, sbox(-1.0f), 0);
	test_assert(c.f[4] == 0xffffffffffc00000ull,
		    "fsgnj.s on an unboxed input uses the canonical NaN");
	c = fop(FP(0x70, 1, 4, 1, 0), 0x3f800000, 0, 0);
	test_assert(c.x[4] == 1u << 9, "fclass.s of an unboxed value: qNaN");
	c = fop(FP(0x21, RNE, 4, 1, 0), 0x3f800000, 0, 0);
	test_assert(c.f[4] == CNAN_D, "fcvt.d.s of an unboxed value is NaN");

	reset(&c);
	c.x[1] = DATA;
	c.f[2] = 0xdeadbeef40490fdbull;
	memcpy(guest + DATA + 8, &(uint32_t){ 0x40490fdb }, 4);
	exec1(&c, FS(0, 2, 1, 2));		/* fsw f2, 0(x1) */
	exec1(&c, I(8, 1, 2, 5, 0x07));		/* flw f5, 8(x1) */
	test_assert(!memcmp(guest + DATA, &(uint32_t){ 0x40490fdb }, 4) &&
		    c.f[5] == 0xffffffff40490fdbull,
		    "fsw stores the low word, flw boxes");
}

static void test_compare_classify_sign(void)
{
	struct rv_cpu c;

	c = fop(FP(0x51, 2, 4, 1, 2), CNAN_D, dbits(1.0), 0);
	test_assert(c.x[4] == 0 && c.fcsr == 0, "feq.d with qNaN is quiet");
	c = fop(FP(0x51, 2, 4, 1, 2), SNAN_D, dbits(1.0), 0);
	test_assert(c.x[4] == 0 && c.fcsr == RV_FFLAG_NV,
		    "feq.d with sNaN signals");
	c = fop(FP(0x51, 1, 4, 1, 2), CNAN_D, dbits(1.0), 0);
	test_assert(c.x[4] == 0 && c.fcsr == RV_FFLAG_NV,
		    "flt.d with qNaN signals");
	c = fop(FP(0x51, 0, 4, 1, 2), dbits(-0.0), dbits(0.0), 0);
	test_assert(c.x[4] == 1, "fle.d -0 <= +0");
	c = fop(FP(0x51, 2, 4, 1, 2), dbits(-0.0), dbits(0.0), 0);
	test_assert(c.x[4] == 1, "feq.d -0 == +0");
	c = fop(FP(0x50, 1, 4, 1, 2), sbox(1.0f), sbox(2.0f), 0);
	test_assert(c.x[4] == 1, "flt.s 1 < 2");

	c = fop(FP(0x71, 1, 4, 1, 0), dbits(-INFINITY), 0, 0);
	test_assert(c.x[4] == 1, "fclass.d -inf");
	c = fop(FP(0x71, 1, 4, 1, 0), dbits(-0.0), 0, 0);
	test_assert(c.x[4] == 1 << 3, "fclass.d -0");
	c = fop(FP(0x71, 1, 4, 1, 0), dbits(0x1p-1070), 0, 0);
	test_assert(c.x[4] == 1 << 5, "fclass.d +subnormal");
	c = fop(FP(0x71, 1, 4, 1, 0), dbits(1.0), 0, 0);
	test_assert(c.x[4] == 1 << 6, "fclass.d +normal");
	c = fop(FP(0x71, 1, 4, 1, 0), SNAN_D, 0, 0);
	test_assert(c.x[4] == 1 << 8, "fclass.d sNaN");
	c = fop(FP(0x71, 1, 4, 1, 0), CNAN_D, 0, 0);
	test_assert(c.x[4] == 1 << 9, "fclass.d qNaN");

	c = fop(FP(0x11, 1, 4, 1, 2), dbits(2.0), dbits(3.0), 0);
	test_assert(c.f[4] == dbits(-2.0), "fsgnjn.d");
	c = fop(FP(0x11, 2, 4, 1, 2), dbits(-2.0), dbits(-3.0), 0);
	test_assert(c.f[4] == dbits(2.0), "fsgnjx.d");
	c = fop(FP(0x11, 0, 4, 1, 2), CNAN_D, dbits(-1.0), 0);
	test_assert(c.f[4] == (CNAN_D | 1ull << 63),
		    "fsgnj.d moves the sign of a NaN without canonicalizing");
}

static void test_fp_conversions(void)
{
	struct rv_cpu c;

	c = fop(FP(0x69, RNE, 4, 1, 0), (uint64_t)-5, 0, 0);
	test_assert(c.f[4] == dbits(-5.0), "fcvt.d.w -5");
	c = fop(FP(0x69, RNE, 4, 1, 1), 0xffffffffull, 0, 0);
	test_assert(c.f[4] == dbits(4294967295.0), "fcvt.d.wu 2^32-1");
	c = fop(FP(0x69, RNE, 4, 1, 3), ~0ull, 0, 0);
	test_assert(c.f[4] == dbits(0x1p64) && c.fcsr == RV_FFLAG_NX,
		    "fcvt.d.lu 2^64-1 rounds up, inexact");
	c = fop(FP(0x69, RTZ, 4, 1, 3), ~0ull, 0, 0);
	test_assert(c.f[4] == dbits(0x1p64 - 0x1p11),
		    "fcvt.d.lu 2^64-1 rtz rounds down");
	c = fop(FP(0x68, RNE, 4, 1, 2), 16777217, 0, 0);
	test_assert(c.f[4] == sbox(16777216.0f) && c.fcsr == RV_FFLAG_NX,
		    "fcvt.s.l 2^24+1 rounds to even, boxed");
	c = fop(FP(0x20, RNE, 4, 1, 1), dbits(0.1), 0, 0);
	test_assert(c.f[4] == sbox(0.1f) && c.fcsr == RV_FFLAG_NX,
		    "fcvt.s.d 0.1, inexact");
	c = fop(FP(0x20, RNE, 4, 1, 1), SNAN_D, 0, 0);
	test_assert(c.f[4] == CNAN_S && c.fcsr == RV_FFLAG_NV,
		    "fcvt.s.d sNaN: canonical NaN, NV");
	c = fop(FP(0x21, RNE, 4, 1, 0), sbox(1.5f), 0, 0);
	test_assert(c.f[4] == dbits(1.5) && c.fcsr == 0, "fcvt.d.s 1.5 exact");
	c = fop(FP(0x79, 0, 4, 1, 0), 0x4000000000000000ull, 0, 0);
	test_assert(c.f[4] == dbits(2.0), "fmv.d.x");
}

static void test_csrs(void)
{
	struct rv_cpu c;

	reset(&c);
	c.x[2] = 0xff;
	exec1(&c, I(3, 2, 1, 1, 0x73));		/* csrrw x1, fcsr, x2 */
	test_assert(c.fcsr == 0xff && c.x[1] == 0, "csrrw fcsr");
	exec1(&c, I(2, 0, 2, 1, 0x73));		/* csrrs x1, frm, x0 */
	test_assert(c.x[1] == 7, "frm reads bits 7:5");
	exec1(&c, I(1, 0x1f, 7, 1, 0x73));	/* csrrci x1, fflags, 31 */
	test_assert(c.x[1] == 0x1f && c.fcsr == 0xe0, "csrrci clears fflags");
	exec1(&c, I(2, 1, 5, 1, 0x73));		/* csrrwi x1, frm, 1 */
	test_assert(c.fcsr == 0x20, "csrrwi frm");
	c.insns = 41;
	exec1(&c, I(0xc02, 0, 2, 1, 0x73));	/* rdinstret */
	test_assert(c.x[1] == 41, "instret counts retired instructions");
	test_assert(exec1(&c, I(0xc00, 1, 1, 1, 0x73)) == RV_STOP_ILLEGAL,
		    "writing cycle is illegal");
	test_assert(exec1(&c, I(0x300, 0, 2, 1, 0x73)) == RV_STOP_ILLEGAL,
		    "mstatus is not visible in user mode");
	c = fop(FP(0x0d, RNE, 4, 1, 2), dbits(1.0), dbits(0.0), 0);
	c.f[1] = dbits(1.0);
	c.f[2] = dbits(3.0);
	exec1(&c, FP(0x0d, RNE, 4, 1, 2));
	test_assert(c.fcsr == (RV_FFLAG_DZ | RV_FFLAG_NX),
		    "fflags accumulate");
}

/* RMM (round to nearest, ties to max magnitude): x86 has no such mode,
 * fprmm.c computes it; ties, negative ties, subnormals, overflow, flags */
static void test_fp_rmm(void)
{
	const uint32_t NXUF = RV_FFLAG_NX | RV_FFLAG_UF;
	const uint32_t NXOF = RV_FFLAG_NX | RV_FFLAG_OF;
	struct rv_cpu c;

	c = fop(FP(0x01, RMM, 4, 1, 2), dbits(1.0), dbits(0x1p-53), 0);
	test_assert(c.f[4] == dbits(1.0 + 0x1p-52) && c.fcsr == RV_FFLAG_NX,
		    "fadd.d 1 + 2^-53 rmm: the tie goes up (rne keeps 1)");
	c = fop(FP(0x01, RMM, 4, 1, 2), dbits(-1.0), dbits(-0x1p-53), 0);
	test_assert(c.f[4] == dbits(-1.0 - 0x1p-52),
		    "fadd.d -1 - 2^-53 rmm: a negative tie goes down");
	c = fop(FP(0x01, RMM, 4, 1, 2), dbits(1.0), dbits(0x1p-54), 0);
	test_assert(c.f[4] == dbits(1.0) && c.fcsr == RV_FFLAG_NX,
		    "fadd.d 1 + 2^-54 rmm: below the tie");
	c = fop(FP(0x05, RMM, 4, 1, 2), dbits(1.0), dbits(1.0), 0);
	test_assert(c.f[4] == 0 && c.fcsr == 0, "fsub.d 1 - 1 rmm is +0, exact");
	c = fop(FP(0x09, RMM, 4, 1, 2), 3, dbits(0.5), 0);
	test_assert(c.f[4] == 2 && c.fcsr == NXUF,
		    "fmul.d 3*2^-1074 * 0.5 rmm: subnormal tie up, UF|NX");
	c = fop(FP(0x09, RMM, 4, 1, 2), 1, dbits(0.5), 0);
	test_assert(c.f[4] == 1 && c.fcsr == NXUF,
		    "fmul.d half the smallest subnormal rmm rounds to it");
	c = fop(FP(0x09, RMM, 4, 1, 2), dbits(2.0 - 0x1p-52), dbits(0x1p-1023), 0);
	test_assert(c.f[4] == dbits(0x1p-1022) && c.fcsr == NXUF,
		    "fmul.d tie to the smallest normal: tiny after rounding, UF");
	c = fop(FP(0x01, RMM, 4, 1, 2), dbits(0x1.fffffffffffffp1023),
		dbits(0x1p970), 0);
	test_assert(c.f[4] == dbits(INFINITY) && c.fcsr == NXOF,
		    "fadd.d max + half an ulp rmm overflows to inf, OF|NX");
	c = fop(FP(0x0d, RMM, 4, 1, 2), 3, dbits(2.0), 0);
	test_assert(c.f[4] == 2 && c.fcsr == NXUF, "fdiv.d subnormal tie rmm");
	c = fop(FP(0x2d, RMM, 4, 1, 0), dbits(2.0), 0, 0);
	test_assert(c.f[4] == dbits(0x1.6a09e667f3bcdp0) && c.fcsr == RV_FFLAG_NX,
		    "fsqrt.d 2 rmm");
	c = fop(R4(3, 1, 2, 1, RMM, 4, 0x43), dbits(1.0 + 0x1p-52),
		dbits(1.0 + 0x1p-52), dbits(-1.0));
	test_assert(c.f[4] == dbits(0x1p-51 + 0x1p-103) && c.fcsr == RV_FFLAG_NX,
		    "fmadd.d (1+2^-52)^2 - 1 rmm: the tie 2^-51 + 2^-104 goes up");
	c = fop(R4(3, 1, 2, 1, RMM, 4, 0x4f), dbits(1.0), dbits(1.0),
		dbits(0x1p-53));
	test_assert(c.f[4] == dbits(-1.0 - 0x1p-52), "fnmadd.d rmm tie");
	c = fop(R4(3, 1, 2, 1, RMM, 4, 0x43), dbits(-0.0), dbits(1.0),
		dbits(-0.0));
	test_assert(c.f[4] == dbits(-0.0) && c.fcsr == 0, "fmadd.d -0*1 + -0 rmm is -0");
	c = fop(FP(0x00, RMM, 4, 1, 2), sbox(1.0f), sbox(0x1p-24f), 0);
	test_assert(c.f[4] == sbox(1.0f + 0x1p-23f) && c.fcsr == RV_FFLAG_NX,
		    "fadd.s 1 + 2^-24 rmm, boxed");
	c = fop(FP(0x08, RMM, 4, 1, 2), 0xffffffff00000003ull, sbox(0.5f), 0);
	test_assert(c.f[4] == 0xffffffff00000002ull && c.fcsr == NXUF,
		    "fmul.s subnormal tie rmm");
	c = fop(FP(0x20, RMM, 4, 1, 1), dbits(1.0 + 0x1p-24), 0, 0);
	test_assert(c.f[4] == sbox(1.0f + 0x1p-23f) && c.fcsr == RV_FFLAG_NX,
		    "fcvt.s.d tie rmm");
	c = fop(FP(0x20, RMM, 4, 1, 1), dbits(0x1.fffffffp127), 0, 0);
	test_assert(c.f[4] == sbox(INFINITY) && c.fcsr == NXOF,
		    "fcvt.s.d max single + half an ulp rmm overflows");
	c = fop(FP(0x68, RMM, 4, 1, 0), (uint64_t)-16777217, 0, 0);
	test_assert(c.f[4] == sbox(-16777218.0f) && c.fcsr == RV_FFLAG_NX,
		    "fcvt.s.w -(2^24+1) rmm: away from zero");
	c = fop(FP(0x69, RMM, 4, 1, 2), (1ull << 53) + 1, 0, 0);
	test_assert(c.f[4] == dbits(0x1p53 + 2), "fcvt.d.l 2^53+1 rmm");
	c = fop(FP(0x01, RMM, 4, 1, 2), dbits(INFINITY), dbits(1.0), 0);
	test_assert(c.f[4] == dbits(INFINITY) && c.fcsr == 0, "fadd.d inf + 1 rmm");
	c = fop(FP(0x0d, RMM, 4, 1, 2), dbits(1.0), 0, 0);
	test_assert(c.f[4] == dbits(INFINITY) && c.fcsr == RV_FFLAG_DZ,
		    "fdiv.d 1/0 rmm: DZ");

	reset(&c);		/* frm = rmm, rm = dyn */
	c.f[1] = dbits(1.0);
	c.f[2] = dbits(0x1p-53);
	c.fcsr = RMM << 5;
	exec1(&c, FP(0x01, DYN, 4, 1, 2));
	test_assert(c.f[4] == dbits(1.0 + 0x1p-52) &&
		    c.fcsr == (RMM << 5 | RV_FFLAG_NX), "dyn with frm rmm");
}

int main(void)
{
	test_x0_stays_zero();
	test_arithmetic_edge_cases();
	test_multiply_and_divide();
	test_upper_immediates_and_jumps();
	test_branches();
	test_loads_stores_and_misalignment();
	test_faults_stop_at_the_instruction();
	test_stops();
	test_compressed_code_runs();
	test_lr_sc_and_amos();
	test_fmin_fmax();
	test_fcvt_saturates_with_nv();
	test_fp_arithmetic_flags_and_nans();
	test_nan_boxing();
	test_compare_classify_sign();
	test_fp_conversions();
	test_csrs();
	test_fp_rmm();
	return test_report();
}
