/*
 * jit_x86 -- the few x86-64 encodings the translator emits (Intel SDM
 * vol. 2, chapter 2: REX, ModRM, SIB).  Only what jit.c needs: integer
 * moves and ALU operations on 64/32-bit registers and [base + index*s +
 * disp] memory operands, shifts, multiply/divide, setcc, jumps and calls.
 * The caller reserves room in the buffer; nothing here checks bounds.
 */
#ifndef STRATA_EMU_JIT_X86_H
#define STRATA_EMU_JIT_X86_H

#include <stdint.h>
#include <string.h>

enum {
	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* condition codes (the low nibble of jcc/setcc) */
enum {
	CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
	CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* x_*() flags */
#define XW	1	/* REX.W: 64-bit operand */
#define X66	2	/* 0x66: 16-bit operand, or an SSE2 "pd" form */
#define XF2	4	/* 0xf2: an SSE2 "sd" form */
#define XF3	8	/* 0xf3: an SSE "ss" form */
#define XNOIDX	(-1)

/* group-1 ALU /digit (0x81/0x83 forms) and the reg, r/m opcodes */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
#define ALU_RM(n)	((uint32_t)(n) * 8 + 3)	/* add r, r/m = 03 ... cmp = 3b */

/* shift group /digit (0xc1, 0xd3) */
enum { SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

struct xbuf {
	uint8_t *p;
};

static inline void e8(struct xbuf *b, uint8_t v)
{
	*b->p++ = v;
}

static inline void e32(struct xbuf *b, uint32_t v)
{
	memcpy(b->p, &v, 4);
	b->p += 4;
}

static inline void e64(struct xbuf *b, uint64_t v)
{
	memcpy(b->p, &v, 8);
	b->p += 8;
}

static inline void x_pfx(struct xbuf *b, unsigned f, int reg, int index, int base)
{
	uint8_t rex = 0x40;

	if (f & X66)
		e8(b, 0x66);
	if (f & XF2)
		e8(b, 0xf2);
	if (f & XF3)
		e8(b, 0xf3);
	if (f & XW)
		rex |= 8;
	if (reg & 8)
		rex |= 4;
	if (index >= 0 && (index & 8))
		rex |= 2;
	if (base & 8)
		rex |= 1;
	if (rex != 0x40)
		e8(b, rex);
}

/* opcodes of one to three bytes, high byte first (0x0fb6: movzx) */
static inline void x_opc(struct xbuf *b, uint32_t op)
{
	if (op > 0xffff)
		e8(b, op >> 16);
	if (op > 0xff)
		e8(b, op >> 8);
	e8(b, op);
}

/* op reg, [base + index << sc + disp] */
static inline void x_mem(struct xbuf *b, unsigned f, uint32_t op, int reg,
			 int base, int index, int sc, int32_t disp)
{
	int mod = disp == 0 && (base & 7) != 5 ? 0 :
		  disp >= -128 && disp <= 127 ? 1 : 2;

	x_pfx(b, f, reg, index, base);
	x_opc(b, op);
	if (index < 0 && (base & 7) != 4) {
		e8(b, mod << 6 | (reg & 7) << 3 | (base & 7));
	} else {
		e8(b, mod << 6 | (reg & 7) << 3 | 4);
		e8(b, sc << 6 | ((index < 0 ? 4 : index) & 7) << 3 | (base & 7));
	}
	if (mod == 1)
		e8(b, (uint8_t)disp);
	else if (mod == 2)
		e32(b, (uint32_t)disp);
}

/* lea reg, [index << sc + disp32]: no base (SIB base 101, mod 00) */
static inline void x_lea_nobase(struct xbuf *b, int reg, int index, int sc,
				int32_t disp)
{
	x_pfx(b, XW, reg, index, 0);
	e8(b, 0x8d);
	e8(b, (uint8_t)((reg & 7) << 3 | 4));
	e8(b, (uint8_t)(sc << 6 | (index & 7) << 3 | 5));
	e32(b, (uint32_t)disp);
}

/* op reg, [base + disp] */
static inline void x_mb(struct xbuf *b, unsigned f, uint32_t op, int reg,
			int base, int32_t disp)
{
	x_mem(b, f, op, reg, base, XNOIDX, 0, disp);
}

/* op reg, rm (register direct) */
static inline void x_rr(struct xbuf *b, unsigned f, uint32_t op, int reg, int rm)
{
	x_pfx(b, f, reg, XNOIDX, rm);
	x_opc(b, op);
	e8(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* reg = imm, in the shortest form */
static inline void x_mov_imm(struct xbuf *b, int reg, uint64_t imm)
{
	if (imm <= 0xffffffffull) {		/* mov r32, imm32 */
		x_pfx(b, 0, 0, XNOIDX, reg);
		e8(b, 0xb8 + (reg & 7));
		e32(b, (uint32_t)imm);
	} else if ((int64_t)imm == (int32_t)imm) {	/* mov r/m64, simm32 */
		x_rr(b, XW, 0xc7, 0, reg);
		e32(b, (uint32_t)imm);
	} else {
		x_pfx(b, XW, 0, XNOIDX, reg);
		e8(b, 0xb8 + (reg & 7));
		e64(b, imm);
	}
}

/* ALU reg, imm */
static inline void x_alu_ri(struct xbuf *b, unsigned f, int n, int reg, int32_t imm)
{
	if (imm >= -128 && imm <= 127) {
		x_rr(b, f, 0x83, n, reg);
		e8(b, (uint8_t)imm);
	} else {
		x_rr(b, f, 0x81, n, reg);
		e32(b, (uint32_t)imm);
	}
}

static inline void x_shift_ri(struct xbuf *b, unsigned f, int n, int reg, unsigned imm)
{
	x_rr(b, f, 0xc1, n, reg);
	e8(b, imm);
}

/* VEX.66.0F38.W1 op xmm reg, xmm v, xmm rm (the FMA3 scalar double forms) */
static inline void x_vex_fma(struct xbuf *b, uint8_t op, int reg, int v, int rm)
{
	e8(b, 0xc4);
	e8(b, (uint8_t)((reg & 8 ? 0 : 0x80) | 0x40 | (rm & 8 ? 0 : 0x20) | 0x02));
	e8(b, (uint8_t)(0x80 | (~v & 15) << 3 | 0x01));
	e8(b, op);
	e8(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* VEX.LIG.F2.0F op xmm reg, xmm v, xmm rm (AVX add/sub/mul/div sd:
 * three operands, no copy of the first) */
static inline void x_vex_sd(struct xbuf *b, uint8_t op, int reg, int v, int rm)
{
	e8(b, 0xc4);
	e8(b, (uint8_t)((reg & 8 ? 0 : 0x80) | 0x40 | (rm & 8 ? 0 : 0x20) | 0x01));
	e8(b, (uint8_t)((~v & 15) << 3 | 0x03));
	e8(b, op);
	e8(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* jcc/jmp rel32 with the target still unknown: returns the rel32 field */
static inline uint8_t *x_jcc(struct xbuf *b, int cc)
{
	e8(b, 0x0f);
	e8(b, 0x80 | cc);
	e32(b, 0);
	return b->p - 4;
}

static inline uint8_t *x_jmp(struct xbuf *b)
{
	e8(b, 0xe9);
	e32(b, 0);
	return b->p - 4;
}

/* point the rel32 field at @site to @target */
static inline void x_patch(uint8_t *site, const uint8_t *target)
{
	int32_t rel = (int32_t)(target - (site + 4));

	memcpy(site, &rel, 4);
}

#endif
