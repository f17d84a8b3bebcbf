/*
 * rv_diff -- differential test of the reference interpreter against
 * qemu-riscv64-static.
 *
 * Builds one static riscv64 program out of many blocks.  Each block loads
 * x1, x3..x31, f0..f31 and fcsr from a table, runs some instructions
 * (hand-written snippets, then randomly generated ALU/M/F/D words), dumps
 * every register and fcsr with a write(2) to stdout.  The same ELF runs
 * under qemu, under rv_interp_run and under rv_jit_run (with a loader of a few lines here:
 * the real one is the user-mode layer's), the latter twice: at a host
 * address, and at the guest's own when it is free (mem_base 0, as
 * strata emu runs programs); the outputs must be equal,
 * byte for byte.  Skips (passes, saying so) without riscv64-linux-gnu-gcc
 * or qemu-riscv64-static.  The random part is new each run (seed from the
 * clock, printed); RV_DIFF_SEED replays one, RV_DIFF_BLOCKS (default 200)
 * sets its size.
 */
#include <elf.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/cpu.h"
#include "emu/decode.h"
#include "emu/jit.h"
#include "unit/test.h"

#define BASE	0x10000ull
#define SPAN	(4u << 20)
#define DUMP	(33 * 8 + 32 * 8)	/* x0..x31 slots, f0..f31, fcsr */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* interesting integer and floating-point bit patterns */
static uint64_t rnd_value(bool fp)
{
	static const uint64_t ints[] = {
		0, 1, ~0ull, 1ull << 63, (1ull << 63) - 1, 0x80000000,
		0x7fffffff, 0xffffffff, 0xffffffff80000000ull, 63, 64, 32,
	};
	static const uint64_t fps[] = {
		0x0000000000000000ull, 0x8000000000000000ull,	/* +-0 */
		0x7ff0000000000000ull, 0xfff0000000000000ull,	/* +-inf */
		0x7ff8000000000000ull, 0x7ff0000000000001ull,	/* qNaN sNaN */
		0x0000000000000001ull, 0x3ff0000000000000ull,	/* sub, 1 */
		0xffffffff7fc00000ull, 0xffffffff7f800001ull,	/* s qNaN sNaN */
		0xffffffff80000000ull, 0xffffffff3f800000ull,	/* s -0, 1 */
		0xffffffff00000001ull, 0x41e0000000000000ull,	/* s sub, 2^31 */
		0x43e0000000000000ull, 0xffffffff4f000000ull,	/* 2^63, s 2^31 */
		0x3fe0000000000000ull, 0xbff8000000000000ull,	/* 0.5 -1.5 */
	};
	uint64_t r = rnd();

	switch (r % 4) {
	case 0:
		return fp ? fps[(r >> 8) % (sizeof(fps) / 8)] :
			    ints[(r >> 8) % (sizeof(ints) / 8)];
	case 1:		/* a small number, or a small float */
		if (fp)
			return (r & 1) ? 0xffffffff00000000ull |
				(0x3c000000 + ((r >> 9) & 0x07ffffff)) :
				0x3f00000000000000ull + ((r >> 9) & 0x00ffffffffffffffull);
		return (uint64_t)((int64_t)(r >> 8) % 1000);
	default:
		return rnd();
	}
}

/* ---- random instructions (never write x2, the dump base) --------------- */

static unsigned rreg(void)
{
	unsigned r;

	do
		r = rnd() % 32;
	while (r == 2);
	return r;
}

static uint32_t gen_int(void)
{
	static const unsigned op_f7[] = { 0, 0, 0, 1, 0x20 };
	uint64_t r = rnd();
	unsigned rd = rreg(), a = rreg(), b = rreg(), f3 = (r >> 8) % 8;
	unsigned f7 = op_f7[(r >> 12) % 5];

	if (f7 == 0x20)
		f3 = (r >> 16) & 1 ? 5 : 0;
	switch (r % 6) {
	case 0:
		return f7 << 25 | b << 20 | a << 15 | f3 << 12 | rd << 7 | 0x33;
	case 1:
		return f7 << 25 | b << 20 | a << 15 | f3 << 12 | rd << 7 | 0x3b;
	case 2:		/* op-imm; shifts get a valid funct6 */
		if (f3 == 1)
			return (r >> 20 & 63) << 20 | a << 15 | 1 << 12 |
			       rd << 7 | 0x13;
		if (f3 == 5)
			return ((r >> 30) & 1) << 30 | (r >> 20 & 63) << 20 |
			       a << 15 | 5 << 12 | rd << 7 | 0x13;
		return (uint32_t)(r >> 20) << 20 | a << 15 | f3 << 12 |
		       rd << 7 | 0x13;
	case 3:		/* op-imm-32 */
		f3 = (r >> 16) % 3;
		if (f3 == 0)
			return (uint32_t)(r >> 20) << 20 | a << 15 | rd << 7 | 0x1b;
		if (f3 == 1)
			return (r >> 20 & 31) << 20 | a << 15 | 1 << 12 |
			       rd << 7 | 0x1b;
		return ((r >> 30) & 1) << 30 | (r >> 20 & 31) << 20 |
		       a << 15 | 5 << 12 | rd << 7 | 0x1b;
	case 4:
		return (uint32_t)(r >> 32) << 12 | rd << 7 | 0x37;	/* lui */
	default:
		return (uint32_t)(r >> 20) << 20 | a << 15 | f3 << 12 |
		       rd << 7 | 0x13;
	}
}

/* an F/D operation with any rounding mode (RMM: fprmm.c) */
static uint32_t gen_fp(void)
{
	static const unsigned f7s[] = {
		0x00, 0x04, 0x08, 0x0c, 0x2c, 0x10, 0x14, 0x50, 0x60, 0x68,
		0x70, 0x78, 0x20,
	};
	static const unsigned rms[] = { 0, 1, 2, 3, 4, 7 };
	uint64_t r = rnd();
	unsigned rd = rreg(), a = rnd() % 32, b = rnd() % 32;
	unsigned f7 = f7s[(r >> 8) % 13] | ((r >> 16) & 1);
	unsigned rm = rms[(r >> 20) % 6];

	if (r % 5 == 0)		/* fused multiply-add */
		return (uint32_t)(rnd() % 32) << 27 | (f7 & 1) << 25 |
		       b << 20 | a << 15 | rm << 12 | rd << 7 |
		       (0x43 + 4 * ((r >> 24) & 3));
	switch (f7 & ~1u) {
	case 0x2c: b = 0; break;
	case 0x10: rm = (r >> 24) % 3; break;
	case 0x14: rm = (r >> 24) & 1; break;
	case 0x50: rm = (r >> 24) % 3; break;
	case 0x60:	/* fcvt to an integer: rmm is exact there */
		b = (r >> 28) & 3;
		rm = (r >> 24) % 6;
		rm = rm == 5 ? 7 : rm;
		break;
	case 0x68:
		b = (r >> 28) & 3;
		break;
	case 0x70: b = 0; rm = (r >> 24) & 1; break;
	case 0x78: b = 0; rm = 0; break;
	case 0x20: b = !(f7 & 1); break;	/* fcvt.s.d / fcvt.d.s */
	}
	return f7 << 25 | b << 20 | a << 15 | rm << 12 | rd << 7 | 0x53;
}

/* ---- building the program --------------------------------------------- */

/* hand-written blocks: the classes random words do not reach */
static const char *const snippets[] = {
	/* branches and jumps */
	"li x5, 3\n1: addi x6, x6, 7\naddi x5, x5, -1\nbnez x5, 1b\n"
	"jal x7, 2f\nli x6, 0\n2: auipc x8, 0\nsub x7, x8, x7\n",
	"sltu x9, x10, x11\nbltu x10, x11, 1f\nli x9, 5\n1: bge x10, x11, 2f\n"
	"addi x9, x9, 100\n2: la x12, 3f\njalr x13, 0(x12)\n3:\n"
	"sub x13, x13, x12\n",
	/* jalr to odd targets (bit 0 cleared after the table compares
	 * them), through its own link register, with an offset */
	"la x5, 1f\naddi x5, x5, 1\njalr x0, 0(x5)\n1: la x6, 2f\n"
	"jalr x6, 0(x6)\n2: la x7, 2b\nsub x6, x6, x7\nla x9, 3f\n"
	"addi x9, x9, 3\njalr x10, -2(x9)\n3: la x11, 3b\nsub x10, x10, x11\n"
	"sub x5, x5, x11\nsub x9, x9, x11\nsub x7, x7, x11\n",
	/* jumps a block goes on through: forward, backward, a call, a
	 * chain longer than the translator follows, a loop closed by one,
	 * a cmov and an lea fusion after one, memory after one */
	"j 3f\n2: addi x6, x6, 1\nj 4f\n3: addi x7, x7, 2\nj 2b\n"
	"4: jal x8, 5f\naddi x9, x9, 3\n5: auipc x10, 0\nsub x8, x10, x8\n"
	"j 6f\n6: j 7f\n7: j 8f\n8: j 9f\n9: j 10f\n10: j 11f\n11: addi x11, x11, 5\n"
	"li x12, 4\n12: addi x13, x13, 9\naddi x12, x12, -1\nbeqz x12, 13f\nj 12b\n"
	"13: bltu x14, x15, 14f\nj 15f\n14: addi x16, x16, 1\n15: beqz x17, 16f\n"
	"addi x18, x18, 1\n16: j 17f\n17: slli x19, x20, 3\naddi x19, x19, 8\n"
	"add x19, x19, x21\naddi x22, sp, 560\nj 18f\n18: sd x23, 0(x22)\n"
	"ld x24, 0(x22)\n",
	/* cmovs whose skipped instruction reads the register it writes
	 * (in a host register it is read in place, the new value goes to
	 * rdx): in a loop, once with that register pinned, once not */
	"li x5, 6\n1: bne x6, x7, 2f\naddw x9, x9, 1\n2: beqz x8, 3f\n"
	"sub x9, x6, x9\n3: bltu x10, x9, 4f\nadd x9, x9, x9\n"
	"4: bge x9, x11, 5f\nslt x15, x15, x9\n5: bnez x12, 6f\n"
	"addiw x15, x15, -3\n6: addi x5, x5, -1\nandi x7, x9, 1\nbnez x5, 1b\n"
	"bltu x13, x14, 7f\nxor x13, x13, x14\n7: bne x13, x0, 8f\n"
	"ori x13, x13, 5\n8: addi x16, x16, 1\n",
	/* loops whose rounds take different paths: each side exit's path
	 * back to the start is a tail of the loop's block (through a jump,
	 * with F/D arithmetic, a store and a side exit of its own; closed by
	 * a branch or by a jal) */
	"li x5, 24\n1: andi x8, x5, 3\nbeqz x8, 3f\nandi x9, x5, 4\nbnez x9, 5f\n"
	"addi x6, x6, 1\naddi x5, x5, -1\nbnez x5, 1b\nj 7f\n"
	"3: addi x7, x7, 5\nslli x10, x7, 1\nj 4f\n"
	"5: fadd.d f1, f1, f2\nsd x6, 560(sp)\nbeqz x9, 6f\nsub x11, x11, x5\n"
	"addi x5, x5, -1\nbnez x5, 1b\n6: j 7f\n4: addi x5, x5, -1\nbnez x5, 1b\n"
	"7: li x12, 10\n8: addi x12, x12, -1\nandi x14, x12, 1\nbnez x14, 9f\n"
	"addi x16, x16, 1\nbnez x12, 8b\nj 10f\n"
	"9: addi x15, x15, 3\nfmul.d f3, f3, f4\nbeqz x12, 10f\nj 8b\n10:\n",
	/* a block that never branches back itself, whose first side exit
	 * comes back to its start (glibc's strlen: the word test, then the
	 * loop's branch in another block) is a loop with that tail; so is
	 * the block of that branch (its side exit's path comes back) */
	"li x5, 21\nli x8, 0\nli x10, 1\nli x12, 0\n1: andi x6, x5, 3\n"
	"beqz x6, 2f\naddi x7, x7, 1\nbltu x5, x8, 3f\naddi x9, x9, 2\n"
	"beqz x10, 3f\nsd x9, 560(sp)\nbnez x12, 3f\naddi x13, x13, 1\n"
	"2: addi x5, x5, -1\nbnez x5, 1b\n3: ld x14, 560(sp)\n",
	/* a register without a host one, read right after it was stored
	 * (taken from the host register it came from): as an address, both
	 * operands, a shift count, a memory operand, after a mv, a mulh,
	 * and not after a division or a branch */
	"addi x20, sp, 520\nld x21, 8(x20)\nadd x22, x21, x21\n"
	"sll x23, x22, x21\nsub x24, x21, x23\nmv x25, x24\nsd x25, 0(x20)\n"
	"slt x26, x25, x23\nmulh x27, x26, x25\nxor x28, x27, x27\n"
	"add x29, x20, x26\nlbu x30, 3(x29)\ndivu x31, x30, x21\n"
	"add x5, x31, x31\nbeqz x22, 1f\naddi x6, x5, 1\n1: or x7, x6, x5\n"
	"addw x8, x7, x9\nsraw x10, x9, x8\nand x11, x10, x8\n",
	/* inner loops: a loop's block with branches back to an earlier
	 * instruction of its body (not its start), their rounds in it: a
	 * store, F/D, a helper (single precision) in the rounds, more
	 * registers than host ones; one whose target is a cmov's skipped
	 * instruction (no join there: a side exit) */
	"li x5, 3\n1: li x6, 0\nli x7, 1\n2: addi x6, x6, 1\nadd x7, x7, x6\n"
	"xor x8, x8, x7\nsd x8, 560(sp)\nfadd.d f1, f1, f2\nadd x10, x10, x8\n"
	"sub x11, x11, x10\nli x9, 4\nbltu x6, x9, 2b\nfadd.s f3, f3, f4\n"
	"li x12, 0\n3: addi x12, x12, 1\nfadd.s f5, f5, f6\nor x13, x13, x12\n"
	"sltu x14, x12, x9\nbnez x14, 3b\naddi x5, x5, -1\nbnez x5, 1b\n"
	"li x15, 2\n4: li x16, 0\n5: bnez x17, 6f\n7: addi x18, x18, 1\n"
	"6: addi x16, x16, 1\nsltiu x19, x16, 3\nbnez x19, 7b\n"
	"addi x15, x15, -1\nbnez x15, 4b\n"
	/* ... whose target reads a register without a host one, stored
	 * just before it (forwarded on the way in, not in the rounds);
	 * three times, the loop's exit chained to a jalr (its table in
	 * r14, which the loop took for a guest register) */
	"li x26, 3\n12: li x5, 2\n8: li x6, 0\naddi x20, sp, 552\n9: ld x21, 8(x20)\n"
	"add x7, x7, x21\nadd x8, x8, x7\nadd x9, x9, x8\nadd x11, x11, x9\n"
	"add x16, x16, x11\nadd x17, x17, x16\nadd x7, x7, x17\n"
	"add x8, x8, x9\nadd x11, x11, x16\nadd x16, x16, x7\n"
	"add x17, x17, x8\naddi x6, x6, 1\nsltiu x22, x6, 3\nbnez x22, 9b\n"
	"addi x5, x5, -1\nbnez x5, 8b\n"
	"la x23, 10f\njalr x24, 0(x23)\n10: la x25, 11f\njalr x0, 0(x25)\n"
	"11: sub x24, x24, x23\naddi x26, x26, -1\nbnez x26, 12b\n",
	/* a pointer chase in a loop (a4 = x < key ? left : right; ld
	 * through a4): a branch with the taken path as a tail, not a cmov;
	 * and one whose load goes through another register (a cmov) */
	"addi x20, sp, 560\nsd x20, 8(x20)\nsd x20, 16(x20)\nsw x24, 0(x20)\n"
	"li x21, 5\n1: lw x22, 0(x20)\naddi x23, x20, 16\nbgeu x24, x22, 2f\n"
	"addi x23, x20, 8\n2: ld x20, 0(x23)\naddi x24, x24, 1\naddi x21, x21, -1\n"
	"bnez x21, 1b\nli x21, 3\n3: lw x22, 0(x20)\naddi x23, x20, 16\n"
	"bltu x22, x25, 4f\naddi x23, x20, 8\n4: ld x26, 0(x20)\n"
	"add x27, x27, x23\naddi x21, x21, -1\nbnez x21, 3b\n",
	/* memory: loads and stores around the dump area, misaligned */
	"sd x10, 520(sp)\nsw x11, 531(sp)\nsh x12, 537(sp)\nsb x13, 540(sp)\n"
	"ld x14, 521(sp)\nlw x15, 527(sp)\nlwu x16, 531(sp)\nlh x17, 537(sp)\n"
	"lhu x18, 537(sp)\nlb x19, 540(sp)\nlbu x20, 540(sp)\n"
	"fsw f1, 544(sp)\nfsd f2, 549(sp)\nflw f3, 544(sp)\nfld f4, 549(sp)\n",
	/* atomics */
	"addi x5, sp, 560\nsd x10, 0(x5)\namoadd.d x6, x11, (x5)\n"
	"amoswap.w x7, x12, (x5)\namomin.w x8, x13, (x5)\n"
	"amomaxu.d x9, x14, (x5)\namoxor.d x15, x16, (x5)\n"
	"amoor.w x17, x18, (x5)\namoand.d x19, x20, (x5)\n"
	"amominu.w x21, x22, (x5)\namomax.d x23, x24, (x5)\n"
	"lr.d x25, (x5)\nsc.d x26, x27, (x5)\nsc.d x28, x29, (x5)\n"
	"lr.w x30, (x5)\nsc.w x31, x1, (x5)\nld x1, 0(x5)\n",
	/* compressed forms */
	"c.li x10, -5\nc.addi x10, 3\nc.slli x11, 7\nc.srli x8, 3\nc.srai x9, 60\n"
	"c.andi x12, -9\nc.mv x13, x10\nc.add x13, x11\nc.sub x8, x9\n"
	"c.xor x12, x13\nc.or x14, x15\nc.and x13, x14\nc.addw x8, x9\n"
	"c.subw x12, x13\nc.addiw x14, -1\nc.lui x15, 0xfffe1\n"
	"c.addi4spn x9, sp, 520\nc.sdsp x10, 496(sp)\nc.ldsp x11, 496(sp)\n"
	"c.swsp x12, 252(sp)\nc.lwsp x13, 252(sp)\nc.fsdsp f1, 504(sp)\n"
	"c.fldsp f5, 504(sp)\nc.sd x14, 0(x9)\nc.ld x15, 0(x9)\n"
	"c.sw x8, 4(x9)\nc.lw x12, 4(x9)\nc.fsd f9, 8(x9)\nc.fld f8, 8(x9)\n"
	"c.beqz x8, 1f\nc.li x10, 1\n1: c.bnez x10, 2f\nc.li x11, 1\n"
	"2: c.j 3f\nc.li x12, 1\n3:\n",
	/* csrs and rounding modes */
	"fsrmi 2\nfadd.d f1, f2, f3\nfcvt.w.d x5, f4\nfrrm x6\nfsrmi 3\n"
	"fmul.s f7, f8, f9\nfcvt.l.s x7, f10\nfrflags x8\nfsflags x0\n"
	"fdiv.d f11, f12, f0\ncsrrs x9, fcsr, x0\nfscsr x10\n",
	/* fflags gathered in MXCSR (the inline fast paths), read and written inline */
	"fsrmi 0\nfadd.d f1, f2, f3\nfdiv.d f4, f5, f6\nfrflags x8\nfmul.d f7, f8, f9\n"
	"fsflags x9, x10\nfadd.d f11, f12, f13\nfrcsr x11\nfscsr x12, x13\n"
	"fsrmi x19, 1\n"	/* x13 may have set a reserved frm: fsqrt.d (dyn) is then illegal */
	"fsqrt.d f14, f15\nflt.d x15, f16, f17\ncsrrs x14, fflags, x0\nfsflags x14\n"
	"fmadd.d f18, f19, f20, f21\nfscsr x16\nfeq.d x17, f22, f23\nfrcsr x18\n",
	/* frflags a; f{lt,le,eq}.d; fsflags a (a quiet compare, fused by
	 * the translator) with ordered, quiet and signaling NaN operands,
	 * flags set before, in a loop, and near misses it must not fuse */
	"fsrmi 0\nfadd.d f1, f2, f3\nfrflags x5\nflt.d x6, f4, f5\nfsflags x5\n"
	"frflags x7\nfle.d x8, f6, f6\nfsflags x7\n"
	"frflags x9\nfeq.d x10, f7, f8\nfsflags x9\n"
	"li x11, 0x7ff4000000000000\nfmv.d.x f9, x11\n"
	"frflags x12\nflt.d x13, f9, f1\nfsflags x12\n"
	"frflags x14\nfeq.d x15, f9, f1\nfsflags x14\n"
	"li x16, 0x7ff8000000000000\nfmv.d.x f10, x16\n"
	"frflags x17\nfle.d x18, f10, f1\nfsflags x17\n"
	"frflags x19\nfeq.d x0, f10, f1\nfsflags x19\n"
	"frflags x19\nfeq.d x3, f1, f10\nfsflags x19\nfadd.d f12, f1, f10\n"
	"frflags x20\nflt.d x20, f1, f2\nfsflags x20\n"
	"frflags x21\nflt.d x22, f10, f2\nfsflags x23, x21\n"
	"fsflags x0\nfrflags x24\nflt.d x25, f2, f3\nfsflags x24\nfrflags x26\n"
	"li x27, 3\n1: frflags x28\nflt.d x29, f11, f12\nfsflags x28\n"
	"fadd.d f11, f11, f13\naddi x27, x27, -1\nbnez x27, 1b\n"
	"frflags x30\nfle.d x31, f3, f1\nfsflags x30\n",
	/* ... whose flags are read lazily (the block's first register of
	 * such a sequence): paid for by a read, a store, a helper, an exit */
	"li x11, 0x4000000000000000\nfmv.d.x f20, x11\nli x11, 0x4008000000000000\n"
	"fmv.d.x f21, x11\nfsflags x0\nli x5, 0x3ff\nfrflags x5\nflt.d x6, f20, f21\n"
	"fsflags x5\naddi x7, x5, 1\nfdiv.d f22, f20, f21\nli x5, 0x3ff\nfrflags x5\n"
	"fle.d x6, f21, f20\nfsflags x5\nsd x5, 560(sp)\nld x9, 560(sp)\nli x5, 0x3ff\n"
	"frflags x5\nflt.d x6, f20, f21\nfsflags x5\nfcvt.w.d x8, f21\nsub x12, x0, x5\n"
	"li x5, 0x3ff\nfrflags x5\nflt.d x6, f20, f21\nfsflags x5\nbnez x6, 1f\n"
	"li x5, 7\nli x17, 1\n1: addi x10, x5, 0\nli x13, 0x3ff\nli x14, 4\n"
	"2: frflags x13\nfle.d x15, f20, f21\nfsflags x13\naddi x14, x14, -1\n"
	"fmv.d.x f25, x14\nfdiv.d f24, f20, f25\nbnez x14, 2b\nmv x16, x13\n",
	/* fused multiply-adds: inf * 0 signals NV even with a quiet NaN
	 * addend (seed 0xf7f6de61ceba50e9 block 390), on the fast path too */
	"li x5, 0x7ff0000000000000\nli x6, 0x7ff8000000000000\n"
	"fmv.d.x f1, x0\nfmv.d.x f2, x5\nfmv.d.x f3, x6\nfsflags x0\n"
	"fnmsub.d f4, f1, f2, f3, rup\nfrflags x7\nfsrmi 0\n"
	"fmadd.d f5, f2, f1, f3\nfsflags x8, x0\nfmsub.d f6, f1, f3, f2\n"
	"fsflags x9, x0\nli x10, 0x7f800000\nli x11, 0x7fc00000\n"
	"fmv.w.x f7, x10\nfmv.w.x f8, x0\nfmv.w.x f9, x11\n"
	"fnmadd.s f10, f8, f7, f9\nfsflags x12, x0\n"
	"fmadd.s f11, f7, f8, f9, rtz\nfrflags x13\n",
	/* array indexing the translator fuses into one lea (and near
	 * misses it must not): slli [; addi] ; add, a load through it, the
	 * slli as a cmov's skipped instruction */
	"slli x5, x6, 3\naddi x5, x5, -2040\nadd x5, x5, x7\n"
	"slli x8, x8, 1\nadd x8, x9, x8\nslli x10, x11, 2\nadd x10, x10, x11\n"
	"slli x12, x0, 2\nadd x12, x12, x13\nslli x14, x15, 3\naddi x14, x14, 7\n"
	"add x14, x14, x14\nslli x16, x17, 2\naddi x16, x16, 5\nsub x16, x16, x18\n"
	"slli x19, x20, 4\nadd x19, x19, x21\nslli x22, x23, 1\nadd x22, x22, x0\n"
	"andi x24, x24, 7\nslli x24, x24, 2\naddi x24, x24, 1024\nadd x24, x24, sp\n"
	"lw x24, -768(x24)\nandi x25, x25, 15\nslli x25, x25, 3\nadd x25, sp, x25\n"
	"ld x26, 256(x25)\nbnez x27, 1f\nslli x28, x29, 2\n1: add x28, x28, x30\n"
	"slli x10, x10, 3\naddi x10, x10, 1\nadd x10, x10, x31\n",
	/* ... with the addi into another register (a stack array) */
	"andi x6, x6, 7\nslli x5, x6, 2\naddi x7, x5, 848\nadd x5, x7, sp\n"
	"lw x8, -592(x5)\nslli x9, x10, 2\naddi x10, x9, 5\nadd x9, x10, x11\n"
	"slli x12, x13, 3\naddi x14, x12, -7\nadd x12, x14, x13\n"
	"slli x15, x15, 1\naddi x16, x15, 100\nadd x15, x16, x17\n"
	"addiw x18, x19, 1\nslli x20, x21, 2\naddi x18, x20, 4\nadd x20, x18, x22\n"
	"addiw x18, x18, 0\nslli x23, x24, 2\naddi x25, x23, 9\nadd x23, x26, x25\n"
	"slli x27, x28, 1\naddi x29, x27, 3\nadd x27, x29, x27\n"
	"slli x30, x31, 2\naddi x1, x30, -2048\nadd x30, x1, x1\n",
	/* ... and the load after into u (u's lea left out), near misses:
	 * y is x, a load into another register, the loop case */
	"andi x6, x6, 7\nslli x5, x6, 2\naddi x7, x5, 848\nadd x5, x7, sp\n"
	"lw x7, -592(x5)\nandi x9, x9, 7\nslli x8, x9, 3\naddi x10, x8, 256\n"
	"add x8, x10, sp\nld x10, 8(x8)\nandi x11, x11, 7\nslli x11, x11, 2\n"
	"addi x12, x11, 600\nadd x11, x12, sp\nlwu x12, 0(x11)\n"
	"andi x13, x13, 15\nslli x14, x13, 1\naddi x15, x14, 512\n"
	"add x14, sp, x15\nlh x16, 0(x14)\naddi x15, x15, 1\n"
	"li x20, 6\n1: andi x21, x20, 3\nslli x22, x21, 3\naddi x23, x22, 64\n"
	"add x22, x23, sp\nld x23, 0(x22)\nadd x24, x24, x23\naddi x20, x20, -1\n"
	"bnez x20, 1b\n",
	/* multiply and divide extremes */
	"li x5, -1\nli x6, 1\nslli x6, x6, 63\ndiv x7, x6, x5\nrem x8, x6, x5\n"
	"divu x9, x6, x0\nremu x10, x6, x0\nmulh x11, x6, x6\nmulhsu x12, x6, x5\n"
	"mulhu x13, x5, x5\ndivw x14, x6, x5\nsraiw x15, x5, 31\n"
	"li x16, 0x80000000\ndivw x17, x16, x5\nremw x18, x16, x5\n"
	"divuw x19, x16, x0\nremuw x20, x16, x0\nmulw x21, x16, x16\n",
	/* rd == rs2 != rs1: a commutative op is computed in rd's place
	 * (rs1 the operand), sub not; in a loop (its registers in host
	 * registers) and straight (some in memory) */
	"li x5, 3\n1: mulw x6, x7, x6\nxor x6, x6, x8\nand x9, x10, x9\n"
	"addw x11, x12, x11\nsubw x13, x14, x13\nsub x15, x16, x15\n"
	"mul x17, x18, x17\nor x19, x20, x19\nadd x21, x22, x21\n"
	"addi x5, x5, -1\nbnez x5, 1b\nmulw x23, x24, x23\nand x25, x26, x25\n"
	"subw x27, x28, x27\naddw x29, x30, x29\nmul x31, x1, x31\n"
	"add x28, x0, x28\nand x26, x0, x26\nmulw x24, x31, x24\n",
};

static void emit_values(FILE *f)
{
	unsigned i;

	for (i = 0; i < 32; i++)
		fprintf(f, ".dword 0x%016llx\n",
			(unsigned long long)(i == 2 ? 0 : rnd_value(false)));
	for (i = 0; i < 32; i++)
		fprintf(f, ".dword 0x%016llx\n",
			(unsigned long long)rnd_value(true));
	/* fcsr: frm one of rne..rmm */
	fprintf(f, ".dword 0x%x\n", (unsigned)(rnd() % 5) << 5);
}

/* block @n: load state from table @n, run @body, dump to stdout */
static void emit_block(FILE *f, unsigned n, const char *body, unsigned nrand)
{
	unsigned i;
	struct rv_insn in;
	uint32_t w;

	fprintf(f, ".data\n.balign 8\nstate%u:\n", n);
	emit_values(f);
	fprintf(f, ".space 128\n.text\nla sp, state%u\n", n);
	for (i = 1; i < 32; i++)
		if (i != 2)
			fprintf(f, "ld x%u, %u(sp)\n", i, 8 * i);
	for (i = 0; i < 32; i++)
		fprintf(f, "fld f%u, %u(sp)\n", i, 256 + 8 * i);
	fprintf(f, "ld x1, 512(sp)\nfscsr x1\nld x1, 8(sp)\n");
	if (body)	/* its fscsr may leave frm reserved (5-7): then a random
			 * dynamic-rounding insn is illegal, on qemu too */
		fprintf(f, "%sfsrmi %u\n", body, (unsigned)(rnd() % 4));
	if (!body && n % 4 == 3) {
		/* every fourth: in two nested loops (3 x 3 rounds, counted
		 * in x30 and x31, which the random words do not write), so
		 * that the translator's loops, tails and inner loops meet
		 * random code: 8 words, the inner loop's 16, then 8 */
		fprintf(f, "li x30, 3\n1: li x31, 3\n");
		for (i = 0; i < 32; i++) {
			if (i == 8)
				fprintf(f, "2:\n");
			do
				w = rnd() % 3 ? gen_int() : gen_fp();
			while (!rv_decode(w, &in) || in.rd == 30 || in.rd == 31);
			fprintf(f, ".word 0x%08x\t# %s\n", w, rv_op_name(in.op));
			if (i == 23)
				fprintf(f, "addi x31, x31, -1\nbnez x31, 2b\n");
		}
		fprintf(f, "addi x30, x30, -1\nbnez x30, 1b\n");
		nrand = 0;
	}
	for (i = 0; i < nrand; i++) {
		do
			w = rnd() % 3 ? gen_int() : gen_fp();
		while (!rv_decode(w, &in));
		fprintf(f, ".word 0x%08x\t# %s\n", w, rv_op_name(in.op));
	}
	for (i = 1; i < 32; i++)
		if (i != 2)
			fprintf(f, "sd x%u, %u(sp)\n", i, 8 * i);
	for (i = 0; i < 32; i++)
		fprintf(f, "fsd f%u, %u(sp)\n", i, 256 + 8 * i);
	fprintf(f, "frcsr x1\nsd x1, 512(sp)\nsd x0, 16(sp)\n"
		"li a0, 1\nmv a1, sp\nli a2, %u\nli a7, 64\necall\n", DUMP);
}

static int build(const char *dir, unsigned blocks)
{
	char path[256], cmd[1024];
	unsigned i, ns = sizeof(snippets) / sizeof(snippets[0]);
	FILE *f;

	snprintf(path, sizeof(path), "%s/prog.S", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, ".option norelax\n.text\n.globl _start\n_start:\n");
	for (i = 0; i < ns + blocks; i++)
		emit_block(f, i, i < ns ? snippets[i] : NULL, i < ns ? 0 : 64);
	fprintf(f, "li a0, 0\nli a7, 93\necall\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d -nostdlib "
		 "-static -Wl,--build-id=none -Wl,-Ttext=0x11000 -o %s/prog %s/prog.S && "
		 "qemu-riscv64-static %s/prog > %s/qemu.out", dir, dir, dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- running it here -------------------------------------------------- */

static uint8_t *load_elf(const char *path, uint64_t *entry)
{
	static uint8_t file[SPAN];
	uint8_t *mem = calloc(1, SPAN);
	Elf64_Ehdr eh;
	size_t n;
	FILE *f = fopen(path, "rb");
	int i;

	if (!f || !mem)
		goto fail;
	n = fread(file, 1, sizeof(file), f);
	fclose(f);
	f = NULL;
	if (n < sizeof(eh))
		goto fail;
	memcpy(&eh, file, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr < BASE || ph.p_vaddr + ph.p_memsz > BASE + SPAN ||
		    ph.p_offset + ph.p_filesz > n)
			goto fail;
		memcpy(mem + ph.p_vaddr - BASE, file + ph.p_offset, ph.p_filesz);
	}
	*entry = eh.e_entry;
	return mem;
fail:
	if (f)
		fclose(f);
	free(mem);
	return NULL;
}

/* run to exit; append what the guest writes to stdout into @out */
static size_t interp_run(uint8_t *mem, uint64_t entry, uint8_t *out,
			 size_t max, bool jit)
{
	struct rv_region all = { BASE, BASE + SPAN, 7 };
	struct rv_cpu c;
	size_t len = 0;

	memset(&c, 0, sizeof(c));
	c.mem_base = (uint64_t)(uintptr_t)mem - BASE;
	c.regions = jit ? NULL : &all;	/* the translator does not check */
	c.nregions = jit ? 0 : 1;
	c.reservation = ~0ull;
	c.pc = entry;
	c.x[2] = BASE + SPAN - 16;
	for (;;) {
		enum rv_stop s = jit ? rv_jit_run(&c, 10000000) :
				       rv_interp_run(&c, 10000000);

		if (s != RV_STOP_ECALL) {
			fprintf(stderr, "rv_diff: stop %d at pc %#llx insn %#x\n",
				s, (unsigned long long)c.pc, c.fault_insn);
			return len;
		}
		if (c.x[17] == 93)
			return len;
		if (c.x[17] == 64 && len + c.x[12] <= max) {
			memcpy(out + len, mem + c.x[11] - BASE, c.x[12]);
			len += c.x[12];
		}
		c.x[10] = c.x[12];
		c.pc += 4;
	}
}

static void report_mismatch(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t x, y;
		unsigned slot = (i % DUMP) / 8;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			fprintf(stderr, "  block %zu %s%u: qemu %#llx, strata %#llx\n",
				i / DUMP, slot < 32 ? "x" : slot < 64 ? "f" : "fcsr",
				slot < 32 ? slot : slot < 64 ? slot - 32 : 0,
				(unsigned long long)x, (unsigned long long)y);
	}
}

int main(void)
{
	char dir[] = "/tmp/rv_diff.XXXXXX", path[300];
	static uint8_t want[SPAN], got[SPAN];
	const char *seed = getenv("RV_DIFF_SEED");
	const char *nb = getenv("RV_DIFF_BLOCKS");
	unsigned blocks = nb ? atoi(nb) : 200;
	size_t nwant, ngot;
	uint8_t *mem;
	uint64_t entry;
	FILE *f;

	if (system("command -v riscv64-linux-gnu-gcc >/dev/null && "
		   "command -v qemu-riscv64-static >/dev/null") != 0) {
		printf("rv_diff: skipped (no riscv64-linux-gnu-gcc or "
		       "qemu-riscv64-static)\n");
		return test_report();
	}
	/* a new random part each run, bounded (RV_DIFF_BLOCKS), its seed
	 * printed so that a mismatch found in CI can be run again */
	if (seed)
		rng_state = strtoull(seed, NULL, 0) | 1;
	else
		rng_state = ((uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid()) | 1;
	printf("rv_diff: seed %#llx, %u blocks (again: RV_DIFF_SEED=%#llx RV_DIFF_BLOCKS=%u)\n",
	       (unsigned long long)rng_state, blocks, (unsigned long long)rng_state, blocks);
	if (!mkdtemp(dir))
		return 1;
	test_assert(build(dir, blocks) == 0, "the program builds and runs in qemu");
	snprintf(path, sizeof(path), "%s/qemu.out", dir);
	f = fopen(path, "rb");
	nwant = f ? fread(want, 1, sizeof(want), f) : 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/prog", dir);
	mem = load_elf(path, &entry);
	test_assert(mem != NULL, "the program loads");
	ngot = mem ? interp_run(mem, entry, got, sizeof(got), false) : 0;
	printf("rv_diff: %zu blocks, %zu bytes from qemu, %zu here\n",
	       nwant / DUMP, nwant, ngot);
	test_assert(nwant > 0 && nwant == ngot,
		    "the interpreter writes as many dumps as qemu");
	if (nwant == ngot && memcmp(want, got, nwant))
		report_mismatch(want, got, nwant);
	test_assert(nwant == ngot && !memcmp(want, got, nwant),
		    "every register after every block matches qemu");
	free(mem);

	/* the same program through the translator */
	mem = load_elf(path, &entry);
	ngot = mem ? interp_run(mem, entry, got, sizeof(got), true) : 0;
	{
		struct rv_jit_stats js;

		rv_jit_get_stats(&js);
		printf("rv_diff: translated %llu blocks, %llu chained, %llu loop tails, %llu inner loops\n",
		       (unsigned long long)js.blocks, (unsigned long long)js.chains,
		       (unsigned long long)js.tails, (unsigned long long)js.inner);
		test_assert(js.blocks > 0, "the translator ran");
	}
	test_assert(nwant > 0 && nwant == ngot,
		    "the translator writes as many dumps as qemu");
	if (nwant == ngot && memcmp(want, got, nwant))
		report_mismatch(want, got, nwant);
	test_assert(nwant == ngot && !memcmp(want, got, nwant),
		    "translated: every register after every block matches qemu");

	/* ... and with guest addresses as host addresses (mem_base 0, as
	 * strata emu runs programs: r15 is a guest register, no index
	 * register, the fusions that need that), when BASE is free here */
	if (mem) {
		void *at = mmap((void *)(uintptr_t)BASE, SPAN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (at == (void *)(uintptr_t)BASE) {
			free(mem);
			mem = load_elf(path, &entry);
			if (mem)
				memcpy(at, mem, SPAN);
			ngot = mem ? interp_run(at, entry, got, sizeof(got), true) : 0;
			test_assert(nwant == ngot && !memcmp(want, got, nwant),
				    "translated at mem_base 0: every register matches qemu");
			if (nwant == ngot && memcmp(want, got, nwant))
				report_mismatch(want, got, nwant);
			munmap(at, SPAN);
		} else {
			if (at != MAP_FAILED)
				munmap(at, SPAN);
			printf("rv_diff: %#llx is taken here: no run at mem_base 0\n",
			       (unsigned long long)BASE);
		}
	}
	free(mem);
	if (!test_failed) {
		snprintf(path, sizeof(path), "rm -rf %s", dir);
		if (system(path) != 0)
			return 1;
	} else {
		fprintf(stderr, "rv_diff: program kept in %s\n", dir);
	}
	return test_report();
}
