/*
 * rv_asm -- RISC-V instruction encoders for the tests that write guest
 * programs word by word (rv_interp, rv_hart, rv_sysjit): the base formats
 * of the unprivileged spec, chapter 2 and 34 ("RV32/64G Instruction Set
 * Listings").  Immediates are masked to their field; the caller keeps
 * them in range.
 */
#ifndef STRATA_TESTS_RV_ASM_H
#define STRATA_TESTS_RV_ASM_H

#include <stdint.h>

static inline uint32_t R(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3,
			 unsigned rd, unsigned opc)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static inline uint32_t I(int32_t imm, unsigned rs1, unsigned f3, unsigned rd,
			 unsigned opc)
{
	return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 |
	       opc;
}

static inline uint32_t S_fmt(int32_t imm, unsigned rs2, unsigned rs1,
			     unsigned f3, unsigned opc)
{
	uint32_t u = imm & 0xfff;

	return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	       (u & 31) << 7 | opc;
}

/* integer stores (f3: 0 sb .. 3 sd) and FP stores (2 fsw, 3 fsd) */
static inline uint32_t S(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
	return S_fmt(imm, rs2, rs1, f3, 0x23);
}

static inline uint32_t FS(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
	return S_fmt(imm, rs2, rs1, f3, 0x27);
}

static inline uint32_t B(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
	uint32_t u = imm & 0x1fff;

	return (u >> 12) << 31 | ((u >> 5) & 63) << 25 | rs2 << 20 |
	       rs1 << 15 | f3 << 12 | ((u >> 1) & 15) << 8 |
	       ((u >> 11) & 1) << 7 | 0x63;
}

static inline uint32_t J(int32_t imm, unsigned rd)
{
	uint32_t u = imm & 0x1fffff;

	return (u >> 20) << 31 | ((u >> 1) & 0x3ff) << 21 |
	       ((u >> 11) & 1) << 20 | ((u >> 12) & 0xff) << 12 | rd << 7 |
	       0x6f;
}

static inline uint32_t R4(unsigned rs3, unsigned fmt, unsigned rs2,
			  unsigned rs1, unsigned rm, unsigned rd, unsigned opc)
{
	return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 |
	       rd << 7 | opc;
}

static inline uint32_t AMO(unsigned f5, unsigned rs2, unsigned rs1,
			   unsigned f3, unsigned rd)
{
	return f5 << 27 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x2f;
}

#endif
