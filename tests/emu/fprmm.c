/* fprmm: F/D operations rounded to nearest, ties to max magnitude (RMM),
 * with the rounding mode in the instruction and in frm: results and
 * fflags of hand-picked ties (positive, negative, subnormal, at the
 * overflow threshold, at the smallest normal) and of many random
 * operands chosen to hit ties often, compared with qemu (softfloat).
 * "fprmm all" prints every random case instead of the per-kind hashes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef unsigned long ul;

#define OPD2(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	(void)c;							\
	__asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t"	\
			 "csrw fflags, zero\n\t"			\
			 insn " ft2, ft0, ft1" rm "\n\t"		\
			 "fmv.x.d %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a), "r"(b)		\
			 : "ft0", "ft1", "ft2");			\
	return r;							\
}
#define OPD1(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	(void)b; (void)c;						\
	__asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t"	\
			 insn " ft2, ft0" rm "\n\t"			\
			 "fmv.x.d %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a) : "ft0", "ft2");	\
	return r;							\
}
#define OPD3(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	__asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t"	\
			 "fmv.d.x ft3, %4\n\tcsrw fflags, zero\n\t"	\
			 insn " ft2, ft0, ft1, ft3" rm "\n\t"		\
			 "fmv.x.d %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a), "r"(b), "r"(c)	\
			 : "ft0", "ft1", "ft2", "ft3");			\
	return r;							\
}
/* single precision: the operands are the low 32 bits, NaN-boxed */
#define OPS2(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	(void)c;							\
	__asm__ volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\t"	\
			 "csrw fflags, zero\n\t"			\
			 insn " ft2, ft0, ft1" rm "\n\t"		\
			 "fmv.x.w %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a), "r"(b)		\
			 : "ft0", "ft1", "ft2");			\
	return (uint32_t)r;						\
}
#define OPS1(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	(void)b; (void)c;						\
	__asm__ volatile("fmv.w.x ft0, %2\n\tcsrw fflags, zero\n\t"	\
			 insn " ft2, ft0" rm "\n\t"			\
			 "fmv.x.w %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a) : "ft0", "ft2");	\
	return (uint32_t)r;						\
}
#define OPS3(name, insn, rm)						\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	__asm__ volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\t"	\
			 "fmv.w.x ft3, %4\n\tcsrw fflags, zero\n\t"	\
			 insn " ft2, ft0, ft1, ft3" rm "\n\t"		\
			 "fmv.x.w %0, ft2\n\tfrflags %1"		\
			 : "=r"(r), "=r"(*fl) : "r"(a), "r"(b), "r"(c)	\
			 : "ft0", "ft1", "ft2", "ft3");			\
	return (uint32_t)r;						\
}
/* conversions: from an x register, or double to single */
#define CVTX(name, insn, rm, mv)					\
static uint64_t name(uint64_t a, uint64_t b, uint64_t c, ul *fl)	\
{									\
	uint64_t r;							\
	(void)b; (void)c;						\
	__asm__ volatile("csrw fflags, zero\n\t"			\
			 insn " ft2, %2" rm "\n\t"			\
			 mv " %0, ft2\n\tfrflags %1"			\
			 : "=r"(r), "=r"(*fl) : "r"(a) : "ft2");	\
	return r;							\
}

#define RMM ", rmm"
#define DYN ""

#define BOTH(M, base, insn)	M(base, insn, RMM) M(base##_dyn, insn, DYN)
BOTH(OPD2, fadd_d, "fadd.d")
BOTH(OPD2, fsub_d, "fsub.d")
BOTH(OPD2, fmul_d, "fmul.d")
BOTH(OPD2, fdiv_d, "fdiv.d")
BOTH(OPD1, fsqrt_d, "fsqrt.d")
BOTH(OPD3, fmadd_d, "fmadd.d")
BOTH(OPD3, fmsub_d, "fmsub.d")
BOTH(OPD3, fnmsub_d, "fnmsub.d")
BOTH(OPD3, fnmadd_d, "fnmadd.d")
BOTH(OPS2, fadd_s, "fadd.s")
BOTH(OPS2, fsub_s, "fsub.s")
BOTH(OPS2, fmul_s, "fmul.s")
BOTH(OPS2, fdiv_s, "fdiv.s")
BOTH(OPS1, fsqrt_s, "fsqrt.s")
BOTH(OPS3, fmadd_s, "fmadd.s")
BOTH(OPS3, fnmadd_s, "fnmadd.s")
BOTH(OPD1, fcvt_s_d, "fcvt.s.d")
CVTX(fcvt_s_w, "fcvt.s.w", RMM, "fmv.x.w")
CVTX(fcvt_s_wu, "fcvt.s.wu", RMM, "fmv.x.w")
CVTX(fcvt_s_l, "fcvt.s.l", RMM, "fmv.x.w")
CVTX(fcvt_s_lu, "fcvt.s.lu", RMM, "fmv.x.w")
CVTX(fcvt_s_l_dyn, "fcvt.s.l", DYN, "fmv.x.w")
CVTX(fcvt_d_l, "fcvt.d.l", RMM, "fmv.x.d")
CVTX(fcvt_d_lu, "fcvt.d.lu", RMM, "fmv.x.d")
CVTX(fcvt_d_l_dyn, "fcvt.d.l", DYN, "fmv.x.d")

/* fcvt.s.d leaves a boxed single in ft2: fmv.x.d above shows the box too */

typedef uint64_t (*opfn)(uint64_t, uint64_t, uint64_t, ul *);

enum kind { D, S, I64, I32 };	/* what the random operands are */

static const struct op {
	const char *name;
	opfn fn;
	enum kind k;
} ops[] = {
	{ "fadd.d", fadd_d, D }, { "fadd.d dyn", fadd_d_dyn, D },
	{ "fsub.d", fsub_d, D }, { "fsub.d dyn", fsub_d_dyn, D },
	{ "fmul.d", fmul_d, D }, { "fmul.d dyn", fmul_d_dyn, D },
	{ "fdiv.d", fdiv_d, D }, { "fdiv.d dyn", fdiv_d_dyn, D },
	{ "fsqrt.d", fsqrt_d, D }, { "fsqrt.d dyn", fsqrt_d_dyn, D },
	{ "fmadd.d", fmadd_d, D }, { "fmadd.d dyn", fmadd_d_dyn, D },
	{ "fmsub.d", fmsub_d, D }, { "fmsub.d dyn", fmsub_d_dyn, D },
	{ "fnmsub.d", fnmsub_d, D }, { "fnmsub.d dyn", fnmsub_d_dyn, D },
	{ "fnmadd.d", fnmadd_d, D }, { "fnmadd.d dyn", fnmadd_d_dyn, D },
	{ "fadd.s", fadd_s, S }, { "fadd.s dyn", fadd_s_dyn, S },
	{ "fsub.s", fsub_s, S }, { "fsub.s dyn", fsub_s_dyn, S },
	{ "fmul.s", fmul_s, S }, { "fmul.s dyn", fmul_s_dyn, S },
	{ "fdiv.s", fdiv_s, S }, { "fdiv.s dyn", fdiv_s_dyn, S },
	{ "fsqrt.s", fsqrt_s, S }, { "fsqrt.s dyn", fsqrt_s_dyn, S },
	{ "fmadd.s", fmadd_s, S }, { "fmadd.s dyn", fmadd_s_dyn, S },
	{ "fnmadd.s", fnmadd_s, S }, { "fnmadd.s dyn", fnmadd_s_dyn, S },
	{ "fcvt.s.d", fcvt_s_d, D }, { "fcvt.s.d dyn", fcvt_s_d_dyn, D },
	{ "fcvt.s.w", fcvt_s_w, I32 }, { "fcvt.s.wu", fcvt_s_wu, I32 },
	{ "fcvt.s.l", fcvt_s_l, I64 }, { "fcvt.s.lu", fcvt_s_lu, I64 },
	{ "fcvt.s.l dyn", fcvt_s_l_dyn, I64 },
	{ "fcvt.d.l", fcvt_d_l, I64 }, { "fcvt.d.lu", fcvt_d_lu, I64 },
	{ "fcvt.d.l dyn", fcvt_d_l_dyn, I64 },
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a significand of few or many bits, so that sums, products and
 * conversions land on ties often */
static uint64_t sig_bits(unsigned p)
{
	uint64_t m;

	switch (next() % 5) {
	case 0:	m = 1; break;
	case 1: m = (1ull << (next() % p)) | 1; break;
	case 2: m = (1ull << p) - 1 - (next() % 4); break;
	case 3: m = next() & 3; m = m ? m : 3; break;
	default: m = next(); break;
	}
	return m & ((1ull << p) - 1);
}

/* exponent field: normal around 1, subnormal, near overflow, anywhere */
static uint64_t exp_field(unsigned bias, uint64_t near)
{
	switch (next() % 6) {
	case 0:	return 0;
	case 1:	return 1 + next() % 3;
	case 2:	return 2 * bias - next() % 3;
	case 3:	return near;
	case 4:	return bias + next() % 60 - 30;
	default: return 1 + next() % (2 * bias);
	}
}

static uint64_t rand_d(uint64_t near)
{
	return (next() & 1ull << 63) | (exp_field(1023, near) & 0x7ff) << 52 |
	       sig_bits(52);
}

static uint64_t rand_s(uint64_t near)
{
	return (next() & 1ull << 31) | (exp_field(127, near) & 0xff) << 23 |
	       sig_bits(23);
}

static uint64_t rand_int(unsigned bits)
{
	uint64_t v;

	switch (next() % 3) {
	case 0: v = sig_bits(25) << (next() % 40); break;
	case 1: v = sig_bits(54) << (next() % 11); break;
	default: v = next(); break;
	}
	if (bits == 32)
		v = (uint64_t)(int64_t)(int32_t)v;
	return v;
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void set_frm_rmm(void)
{
	__asm__ volatile("fsrmi 4");
}

/* hand-picked: name, the operation, operands, what RMM gives */
struct fixed {
	const char *what;
	opfn fn;
	uint64_t a, b, c;
};

static const struct fixed fixed[] = {
	{ "1 + 2^-53 (tie, even below)", fadd_d, 0x3ff0000000000000ull, 0x3ca0000000000000ull, 0 },
	{ "-1 - 2^-53 (negative tie)", fadd_d, 0xbff0000000000000ull, 0xbca0000000000000ull, 0 },
	{ "1+2^-52 + 2^-53 (tie, odd below)", fadd_d, 0x3ff0000000000001ull, 0x3ca0000000000000ull, 0 },
	{ "1 + 2^-54 (below the tie)", fadd_d, 0x3ff0000000000000ull, 0x3c90000000000000ull, 0 },
	{ "max + half ulp (tie to overflow)", fadd_d, 0x7fefffffffffffffull, 0x7c90000000000000ull, 0 },
	{ "-max - half ulp", fsub_d, 0xffefffffffffffffull, 0x7c90000000000000ull, 0 },
	{ "3 * 2^-1074 * 0.5 (subnormal tie)", fmul_d, 0x0000000000000003ull, 0x3fe0000000000000ull, 0 },
	{ "2^-1074 * 0.5 (half the smallest)", fmul_d, 0x0000000000000001ull, 0x3fe0000000000000ull, 0 },
	{ "2^-1074 * 0.25", fmul_d, 0x0000000000000001ull, 0x3fd0000000000000ull, 0 },
	{ "(2^53-1) * 2^-1075 (tie to 2^-1022)", fmul_d, 0x3fffffffffffffffull, 0x0008000000000000ull, 0 },
	{ "3 * 2^-1074 / 2", fdiv_d, 0x0000000000000003ull, 0x4000000000000000ull, 0 },
	{ "fma 1 * 1 + 2^-53", fmadd_d, 0x3ff0000000000000ull, 0x3ff0000000000000ull, 0x3ca0000000000000ull },
	{ "fma (1+2^-52)^2 - 1 (tie)", fmadd_d, 0x3ff0000000000001ull, 0x3ff0000000000001ull, 0xbff0000000000000ull },
	{ "fma -0 * 1 + -0", fmadd_d, 0x8000000000000000ull, 0x3ff0000000000000ull, 0x8000000000000000ull },
	{ "fma x * 1 - x", fmsub_d, 0x4000000000000000ull, 0x3ff0000000000000ull, 0x4000000000000000ull },
	{ "fnmadd 1 * 1 + 2^-53", fnmadd_d, 0x3ff0000000000000ull, 0x3ff0000000000000ull, 0x3ca0000000000000ull },
	{ "fadd.s 1 + 2^-24", fadd_s, 0x3f800000, 0x33800000, 0 },
	{ "fadd.s -1 - 2^-24", fadd_s, 0xbf800000, 0xb3800000, 0 },
	{ "fmul.s 3 * 2^-149 * 0.5", fmul_s, 0x00000003, 0x3f000000, 0 },
	{ "fmul.s (2^24-1) * 2^-150 (tie to 2^-126)", fmul_s, 0x3fffffff, 0x00400000, 0 },
	{ "fmul.s max * (1 + 2^-24)? overflow", fmul_s, 0x7f7fffff, 0x3f800001, 0 },
	{ "fadd.s max + half ulp", fadd_s, 0x7f7fffff, 0x73000000, 0 },
	{ "fdiv.s 1 / 3", fdiv_s, 0x3f800000, 0x40400000, 0 },
	{ "fsqrt.s 2", fsqrt_s, 0x40000000, 0, 0 },
	{ "fsqrt.d 2", fsqrt_d, 0x4000000000000000ull, 0, 0 },
	{ "fmadd.s 1 * 1 + 2^-24", fmadd_s, 0x3f800000, 0x3f800000, 0x33800000 },
	{ "fcvt.s.d 1 + 2^-24 (tie)", fcvt_s_d, 0x3ff0000010000000ull, 0, 0 },
	{ "fcvt.s.d -(1 + 2^-24)", fcvt_s_d, 0xbff0000010000000ull, 0, 0 },
	{ "fcvt.s.d 1.5 * 2^-149 (subnormal tie)", fcvt_s_d, 0x36a8000000000000ull, 0, 0 },
	{ "fcvt.s.d max single + half ulp", fcvt_s_d, 0x47efffffff000000ull, 0, 0 },
	{ "fcvt.s.w 2^24 + 1", fcvt_s_w, 0x1000001, 0, 0 },
	{ "fcvt.s.w -(2^24 + 1)", fcvt_s_w, (uint64_t)-0x1000001ll, 0, 0 },
	{ "fcvt.s.wu 2^32 - 1", fcvt_s_wu, 0xffffffffffffffffull, 0, 0 },
	{ "fcvt.s.lu 2^64 - 1", fcvt_s_lu, 0xffffffffffffffffull, 0, 0 },
	{ "fcvt.s.l -2^63", fcvt_s_l, 0x8000000000000000ull, 0, 0 },
	{ "fcvt.d.l 2^53 + 1", fcvt_d_l, 0x20000000000001ull, 0, 0 },
	{ "fcvt.d.l -(2^53 + 1)", fcvt_d_l, (uint64_t)-0x20000000000001ll, 0, 0 },
	{ "fcvt.d.lu 2^64 - 1", fcvt_d_lu, 0xffffffffffffffffull, 0, 0 },
	{ "dyn fadd.d 1 + 2^-53", fadd_d_dyn, 0x3ff0000000000000ull, 0x3ca0000000000000ull, 0 },
	{ "dyn fmul.s 3 * 2^-149 * 0.5", fmul_s_dyn, 0x00000003, 0x3f000000, 0 },
	{ "dyn fcvt.d.l 2^53 + 1", fcvt_d_l_dyn, 0x20000000000001ull, 0, 0 },
};

int main(int argc, char **argv)
{
	bool all = argc > 1 && !strcmp(argv[1], "all");
	unsigned i, n;
	ul fl;
	uint64_t r;

	set_frm_rmm();
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		r = fixed[i].fn(fixed[i].a, fixed[i].b, fixed[i].c, &fl);
		printf("%-45s %016llx fflags %02lx\n", fixed[i].what,
		       (unsigned long long)r, fl);
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *o = &ops[i];
		uint64_t h = 0xcbf29ce484222325ull, a, b, c;

		for (n = 0; n < 20000; n++) {
			switch (o->k) {
			case D:
				a = rand_d(1023);
				b = rand_d((a >> 52 & 0x7ff) - 53 + next() % 3);
				c = rand_d((a >> 52 & 0x7ff) + (b >> 52 & 0x7ff) -
					   1023 - next() % 60);
				break;
			case S:
				a = rand_s(127);
				b = rand_s((a >> 23 & 0xff) - 24 + next() % 3);
				c = rand_s((a >> 23 & 0xff) + (b >> 23 & 0xff) -
					   127 - next() % 30);
				break;
			case I32: a = rand_int(32); b = c = 0; break;
			default: a = rand_int(64); b = c = 0; break;
			}
			r = o->fn(a, b, c, &fl);
			if (all)
				printf("%s %llx %llx %llx = %llx %lx\n", o->name,
				       (unsigned long long)a, (unsigned long long)b,
				       (unsigned long long)c, (unsigned long long)r, fl);
			h = fnv(fnv(h, r), fl);
		}
		if (!all)
			printf("%-14s 20000 random: %016llx\n", o->name,
			       (unsigned long long)h);
	}
	return 0;
}
