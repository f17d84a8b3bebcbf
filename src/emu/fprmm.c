/*
 * fprmm -- round to nearest, ties to max magnitude, exactly (see fprmm.h).
 *
 * The method is "round to odd": the operation is done once in a wider
 * format (double for single precision, the x87's 64-bit long double or
 * __float128 for double precision) rounding toward zero, and when that
 * was inexact the lowest bit of the wide result is set.  With at least
 * two more bits than the target, every value RMM must decide on (the
 * target's numbers and the midpoints between them) is even in the wide
 * format, so the odd stand-in lies strictly on the same side of each as
 * the exact result: rounding it to the target by hand (round_rmm(), an
 * integer job) gives the correctly rounded result and its flags.
 *
 * The wide formats cannot overflow or go subnormal for these operations
 * on finite target operands (a single product is at most 2^256 and at
 * least 2^-298; a double one 2^2048 and 2^-2148), so the wide step is
 * exact but for its last bit.  Flags follow RISC-V: underflow is
 * detected after rounding (tiny: the result rounded with an unbounded
 * exponent is below the smallest normal) and raised only when inexact;
 * an RMM overflow gives infinity.
 */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "emu/decode.h"
#include "emu/fpbits.h"
#include "emu/fprmm.h"

struct fmt {
	unsigned p;		/* significand bits, the hidden one included */
	int emin, emax;		/* exponent range of normal numbers */
};

static const struct fmt fmt_s = { 24, -126, 127 };
static const struct fmt fmt_d = { 53, -1022, 1023 };

/*
 * (-1)^neg * sig * 2^e (sig != 0, its lowest bit possibly a sticky bit)
 * rounded to @f by RMM: the result's bits, flags into *fl.
 */
static uint64_t round_rmm(const struct fmt *f, bool neg, uint64_t sig, int e,
			  uint32_t *fl)
{
	unsigned lz = __builtin_clzll(sig);
	unsigned shift = 64 - f->p;
	uint64_t sign = (uint64_t)neg << (f->p + (f->p == 24 ? 7 : 10));
	uint64_t m, rem;
	bool up, tiny = false;
	int ex;

	sig <<= lz;
	ex = e - (int)lz + 63;		/* the value is 1.xxx * 2^ex */
	if (ex < f->emin) {
		/* tiny unless rounding to p bits with an unbounded exponent
		 * carries it up to 2^emin */
		bool carry = (sig >> (shift - 1) & 1) &&
			     sig >> shift == (1ull << f->p) - 1;

		tiny = !(ex == f->emin - 1 && carry);
		shift += f->emin - ex;
	}
	if (shift > 64) {		/* below half the smallest subnormal */
		m = 0;
		rem = 1;
		up = false;
	} else if (shift == 64) {	/* half of it or more: ties go up */
		m = 0;
		rem = sig;
		up = true;
	} else {
		m = sig >> shift;
		rem = sig & ((1ull << shift) - 1);
		up = rem >> (shift - 1) & 1;
	}
	m += up;
	if (rem) {
		*fl |= RV_FFLAG_NX;
		if (tiny)
			*fl |= RV_FFLAG_UF;
	}
	if (ex < f->emin)	/* subnormal; 2^(p-1) is the smallest normal */
		return sign | m;
	if (m >> f->p) {
		m >>= 1;
		ex++;
	}
	if (ex > f->emax) {
		*fl |= RV_FFLAG_OF | RV_FFLAG_NX;
		return sign | (uint64_t)(2 * f->emax + 1) << (f->p - 1);
	}
	return sign | (uint64_t)(ex + f->emax) << (f->p - 1) |
	       (m & ((1ull << (f->p - 1)) - 1));
}

static void wide_enter(void)
{
	fesetround(FE_TOWARDZERO);
	feclearexcept(FE_ALL_EXCEPT);
}

/* was the wide operation inexact?  Back to the default environment
 * (the interpreter's fenv_leave() leaves it so) */
static bool wide_leave(void)
{
	bool inexact = fetestexcept(FE_INEXACT);

	fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
	return inexact;
}

/* a finite double as sig * 2^e; sig 0 for a zero */
static void split_d(uint64_t b, uint64_t *sig, int *e)
{
	unsigned ex = b >> 52 & 0x7ff;

	*sig = b & ((1ull << 52) - 1);
	if (ex) {
		*sig |= 1ull << 52;
		*e = (int)ex - 1075;
	} else {
		*e = -1074;
	}
}

bool fprmm_s(enum fprmm_op op, uint32_t a, uint32_t b, uint32_t c,
	     uint32_t *r, uint32_t *fl)
{
	volatile double x = f32(a), y = f32(b), z = f32(c), w;
	bool inexact;
	uint64_t bits, sig;
	int e;

	wide_enter();
	switch (op) {
	case FPRMM_ADD:		w = x + y; break;
	case FPRMM_SUB:		w = x - y; break;
	case FPRMM_MUL:		w = x * y; break;
	case FPRMM_DIV:		w = x / y; break;
	case FPRMM_SQRT:	w = sqrt(x); break;
	default:		w = fma(x, y, z); break;
	}
	inexact = wide_leave();
	if (!isfinite(w))
		return false;
	memcpy(&bits, (const void *)&w, 8);
	split_d(bits, &sig, &e);
	if (!sig) {
		*r = (uint32_t)(bits >> 32) & 0x80000000u;
		return true;
	}
	*r = round_rmm(&fmt_s, bits >> 63, sig | inexact, e, fl);
	return true;
}

/* a finite, non-zero long double (x87: explicit integer bit) */
static void split_ld(long double v, bool *neg, uint64_t *sig, int *e)
{
	unsigned char raw[16];
	uint16_t se;

	memcpy(raw, &v, sizeof(v) < 16 ? sizeof(v) : 16);
	memcpy(sig, raw, 8);
	memcpy(&se, raw + 8, 2);
	*neg = se >> 15;
	*e = (int)(se & 0x7fff) - 16383 - 63;
}

/* a finite, non-zero __float128, its 113 bits folded into 64 (sticky) */
static void split_q(__float128 v, bool *neg, uint64_t *sig, int *e)
{
	uint64_t w[2];		/* little endian: w[1] has sign and exponent */
	unsigned ex;
	uint64_t hi, lo;

	memcpy(w, &v, 16);
	*neg = w[1] >> 63;
	ex = w[1] >> 48 & 0x7fff;
	hi = (w[1] & ((1ull << 48) - 1)) | 1ull << 48;	/* bits 112..64 */
	lo = w[0];
	/* >> 49: the hidden bit lands on bit 63 */
	*sig = hi << 15 | lo >> 49 | ((lo & ((1ull << 49) - 1)) != 0);
	*e = (int)ex - 16383 - 112 + 49;
}

bool fprmm_d(enum fprmm_op op, uint64_t a, uint64_t b, uint64_t c,
	     uint64_t *r, uint32_t *fl)
{
	volatile long double x = f64(a), y = f64(b), w = 0;
	volatile __float128 qx = f64(a), qy = f64(b), qz = f64(c), qw = 0;
	bool inexact, neg;
	uint64_t sig;
	int e;

	/* a * b of doubles is exact in __float128 (106 of its 113 bits):
	 * one rounding, in the add */
	wide_enter();
	switch (op) {
	case FPRMM_ADD:		w = x + y; break;
	case FPRMM_SUB:		w = x - y; break;
	case FPRMM_MUL:		w = x * y; break;
	case FPRMM_DIV:		w = x / y; break;
	case FPRMM_SQRT:	w = sqrtl(x); break;
	default:		qw = qx * qy + qz; break;
	}
	inexact = wide_leave();
	if (op == FPRMM_FMA) {
		if (qw == 0) {
			/* exact: -0 only for -0 + -0 (as in every mode but RDN) */
			bool pz = f64(a) == 0 || f64(b) == 0;
			bool pneg = (a >> 63) != (b >> 63);

			*r = (uint64_t)(pz && f64(c) == 0 && pneg && c >> 63) << 63;
			return true;
		}
		split_q(qw, &neg, &sig, &e);
	} else {
		if (!isfinite(w))
			return false;
		if (w == 0) {
			*r = (uint64_t)(signbit(w) != 0) << 63;
			return true;
		}
		split_ld(w, &neg, &sig, &e);
	}
	*r = round_rmm(&fmt_d, neg, sig | inexact, e, fl);
	return true;
}

uint32_t fprmm_s_from_d(uint64_t a, uint32_t *fl)
{
	uint64_t sig;
	int e;

	split_d(a, &sig, &e);
	if (!sig)
		return (uint32_t)(a >> 32) & 0x80000000u;
	return round_rmm(&fmt_s, a >> 63, sig, e, fl);
}

uint32_t fprmm_s_from_int(bool neg, uint64_t mag, uint32_t *fl)
{
	return mag ? round_rmm(&fmt_s, neg, mag, 0, fl) : 0;
}

uint64_t fprmm_d_from_int(bool neg, uint64_t mag, uint32_t *fl)
{
	return mag ? round_rmm(&fmt_d, neg, mag, 0, fl) : 0;
}
