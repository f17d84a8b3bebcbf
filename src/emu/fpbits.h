/*
 * fpbits -- a float or double from its IEEE bits and back, for the
 * interpreter and the exact-RMM code (memcpy: no aliasing tricks).
 */
#ifndef STRATA_EMU_FPBITS_H
#define STRATA_EMU_FPBITS_H

#include <stdint.h>
#include <string.h>

static inline float f32(uint32_t b)
{
	float f;

	memcpy(&f, &b, 4);
	return f;
}

static inline uint32_t b32(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return b;
}

static inline double f64(uint64_t b)
{
	double d;

	memcpy(&d, &b, 8);
	return d;
}

static inline uint64_t b64(double d)
{
	uint64_t b;

	memcpy(&b, &d, 8);
	return b;
}

#endif
