/*
 * fprmm -- RISC-V's round-to-nearest, ties-to-max-magnitude (RMM) on x86.
 *
 * x86 has no RMM rounding mode; the interpreter sends every F/D operation
 * whose rounding mode is RMM here.  Each function takes finite operands
 * (the caller answers NaN and infinity itself: those results are exact,
 * the same in every rounding mode) and returns false when the result is
 * not finite either (0/0, sqrt(-1), x/0), for the caller's usual path.
 * The RISC-V flags the operation raises (RV_FFLAG_*) are ORed into *fl.
 */
#ifndef STRATA_EMU_FPRMM_H
#define STRATA_EMU_FPRMM_H

#include <stdbool.h>
#include <stdint.h>

enum fprmm_op {
	FPRMM_ADD, FPRMM_SUB, FPRMM_MUL, FPRMM_DIV, FPRMM_SQRT,
	FPRMM_FMA,	/* a * b + c (negate operands for fmsub and friends) */
};

bool fprmm_s(enum fprmm_op op, uint32_t a, uint32_t b, uint32_t c,
	     uint32_t *r, uint32_t *fl);
bool fprmm_d(enum fprmm_op op, uint64_t a, uint64_t b, uint64_t c,
	     uint64_t *r, uint32_t *fl);
/* fcvt.s.d of a finite @a */
uint32_t fprmm_s_from_d(uint64_t a, uint32_t *fl);
/* fcvt.{s,d}.{w,wu,l,lu}: the integer is (-1)^neg * mag */
uint32_t fprmm_s_from_int(bool neg, uint64_t mag, uint32_t *fl);
uint64_t fprmm_d_from_int(bool neg, uint64_t mag, uint32_t *fl);

#endif
