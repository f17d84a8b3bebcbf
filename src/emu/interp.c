/*
 * interp -- the reference interpreter for RV64GC user-level code.
 *
 * It implements the semantics of the Unprivileged ISA manual (20191213)
 * as literally as we can, one instruction at a time, and is what the
 * translator is checked against; it is never the fast path.
 *
 * An instruction either completes (rd and pc updated, cpu->insns counted)
 * or stops the hart with everything unchanged and pc at the instruction:
 * ECALL, EBREAK, an illegal instruction, a memory fault.
 *
 * The same code serves the system-mode hart (src/vm/rv/hart.c): with
 * cpu->sys set, memory and CSR accesses go to its hooks (cpu.h) instead
 * of mem_base/regions and the user-level CSRs below.
 *
 * Floating point uses the host FPU (SSE on x86-64) for the arithmetic and
 * its exception flags for fflags, with the rounding mode of the
 * instruction set around each operation; what IEEE 754 leaves open and
 * RISC-V pins down (canonical NaN results, fmin/fmax of NaNs and zeros,
 * saturating conversions, compare signalling) is computed here by hand.
 * Operands go through volatile locals so the compiler cannot move the
 * arithmetic across fesetround()/fetestexcept() (gcc has no
 * FENV_ACCESS).  The host has no round-to-nearest-max-magnitude (RMM)
 * mode: operations that round by RMM go to fprmm.c (exact, by rounding to
 * odd in a wider format), but for NaN and infinite operands, whose results
 * are the same in every mode; float-to-integer conversions round by RMM
 * with round().
 */
#include <fenv.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "emu/cpu.h"
#include "emu/decode.h"
#include "emu/fpbits.h"
#include "emu/fprmm.h"

#define CANON_NAN_S	0x7fc00000u
#define CANON_NAN_D	0x7ff8000000000000ull
#define BOX_S		0xffffffff00000000ull

/* ---- memory ---------------------------------------------------------- */

static void *fault(struct rv_cpu *cpu, uint64_t addr, unsigned access)
{
	cpu->fault_addr = addr;
	cpu->fault_access = access;
	cpu->stop = RV_STOP_FAULT;
	return NULL;
}

static bool region_ok(const struct rv_cpu *cpu, uint64_t addr, uint64_t len,
		      unsigned prot)
{
	unsigned i;

	for (i = 0; i < cpu->nregions; i++) {
		const struct rv_region *r = &cpu->regions[i];

		if (addr >= r->start && addr < r->end && len <= r->end - addr)
			return (r->prot & prot) == prot;
	}
	return false;
}

/*
 * The host address of guest [addr, addr + len) for an access of kind
 * @access (RV_FAULT_READ/WRITE/EXEC), or NULL with the fault recorded.
 */
static void *mem_at(struct rv_cpu *cpu, uint64_t addr, uint64_t len,
		    unsigned access)
{
	unsigned prot = 0;

	if (cpu->regions) {
		if (access & RV_FAULT_READ)
			prot |= RV_PROT_R;
		if (access & RV_FAULT_WRITE)
			prot |= RV_PROT_W;
		if (access & RV_FAULT_EXEC)
			prot |= RV_PROT_X;
		if (!region_ok(cpu, addr, len, prot))
			return fault(cpu, addr, access);
	}
	return (void *)(uintptr_t)(cpu->mem_base + addr);
}

/*
 * Misaligned accesses are allowed: memcpy (the host is little-endian),
 * of a constant size each, so that an aligned access is one host load
 * or store -- a memcpy of a variable length may be done in overlapping
 * pieces, and a piece's store could undo another thread's AMO.
 */
static inline uint64_t host_load(const void *p, unsigned len)
{
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t d;

	switch (len) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	default: memcpy(&d, p, 8); return d;
	}
}

static inline void host_store(void *p, unsigned len, uint64_t v)
{
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;

	switch (len) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &h, 2); break;
	case 4: memcpy(p, &w, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

static bool load(struct rv_cpu *cpu, uint64_t addr, unsigned len, uint64_t *v)
{
	void *p;

	if (cpu->sys) {
		if (cpu->sys->load(cpu, addr, len, v))
			return true;
		cpu->stop = RV_STOP_FAULT;
		return false;
	}
	p = mem_at(cpu, addr, len, RV_FAULT_READ);
	if (!p)
		return false;
	*v = host_load(p, len);
	return true;
}

static bool store(struct rv_cpu *cpu, uint64_t addr, unsigned len, uint64_t v)
{
	void *p;

	if (cpu->sys) {
		if (cpu->sys->store(cpu, addr, len, v))
			return true;
		cpu->stop = RV_STOP_FAULT;
		return false;
	}
	p = mem_at(cpu, addr, len, RV_FAULT_WRITE);
	if (!p)
		return false;
	host_store(p, len, v);
	return true;
}

static inline uint64_t sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

/* ---- integer --------------------------------------------------------- */

static uint64_t div_s(uint64_t a, uint64_t b)
{
	if (b == 0)
		return ~0ull;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static uint64_t rem_s(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static uint64_t divw(uint64_t a, uint64_t b, bool rem)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return rem ? sext32(a) : ~0ull;
	if (x == INT32_MIN && y == -1)
		return rem ? 0 : sext32(a);
	return sext32((uint32_t)(rem ? x % y : x / y));
}

static uint64_t divuw(uint64_t a, uint64_t b, bool rem)
{
	uint32_t x = a, y = b;

	if (y == 0)
		return rem ? sext32(x) : ~0ull;
	return sext32(rem ? x % y : x / y);
}

/* the ALU operations: register-register and register-immediate */
static bool alu(const struct rv_insn *in, uint64_t a, uint64_t b,
		uint64_t *r)
{
	switch (in->op) {
	case RV_OP_ADD: case RV_OP_ADDI:	*r = a + b; break;
	case RV_OP_SUB:				*r = a - b; break;
	case RV_OP_SLL: case RV_OP_SLLI:	*r = a << (b & 63); break;
	case RV_OP_SRL: case RV_OP_SRLI:	*r = a >> (b & 63); break;
	case RV_OP_SRA: case RV_OP_SRAI:
		*r = (uint64_t)((int64_t)a >> (b & 63));
		break;
	case RV_OP_SLT: case RV_OP_SLTI:	*r = (int64_t)a < (int64_t)b; break;
	case RV_OP_SLTU: case RV_OP_SLTIU:	*r = a < b; break;
	case RV_OP_XOR: case RV_OP_XORI:	*r = a ^ b; break;
	case RV_OP_OR: case RV_OP_ORI:		*r = a | b; break;
	case RV_OP_AND: case RV_OP_ANDI:	*r = a & b; break;
	case RV_OP_ADDW: case RV_OP_ADDIW:	*r = sext32(a + b); break;
	case RV_OP_SUBW:			*r = sext32(a - b); break;
	case RV_OP_SLLW: case RV_OP_SLLIW:
		*r = sext32((uint32_t)a << (b & 31));
		break;
	case RV_OP_SRLW: case RV_OP_SRLIW:
		*r = sext32((uint32_t)a >> (b & 31));
		break;
	case RV_OP_SRAW: case RV_OP_SRAIW:
		*r = sext32((uint32_t)((int32_t)a >> (b & 31)));
		break;
	case RV_OP_MUL:		*r = a * b; break;
	case RV_OP_MULH:
		*r = (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
		break;
	case RV_OP_MULHSU:
		*r = (uint64_t)(((__int128)(int64_t)a *
				 (__int128)(unsigned __int128)b) >> 64);
		break;
	case RV_OP_MULHU:
		*r = (uint64_t)(((unsigned __int128)a * b) >> 64);
		break;
	case RV_OP_DIV:		*r = div_s(a, b); break;
	case RV_OP_DIVU:	*r = b ? a / b : ~0ull; break;
	case RV_OP_REM:		*r = rem_s(a, b); break;
	case RV_OP_REMU:	*r = b ? a % b : a; break;
	case RV_OP_MULW:	*r = sext32(a * b); break;
	case RV_OP_DIVW:	*r = divw(a, b, false); break;
	case RV_OP_DIVUW:	*r = divuw(a, b, false); break;
	case RV_OP_REMW:	*r = divw(a, b, true); break;
	case RV_OP_REMUW:	*r = divuw(a, b, true); break;
	default:
		return false;
	}
	return true;
}

static bool branch_taken(unsigned op, uint64_t a, uint64_t b)
{
	switch (op) {
	case RV_OP_BEQ:		return a == b;
	case RV_OP_BNE:		return a != b;
	case RV_OP_BLT:		return (int64_t)a < (int64_t)b;
	case RV_OP_BGE:		return (int64_t)a >= (int64_t)b;
	case RV_OP_BLTU:	return a < b;
	default:		return a >= b;	/* BGEU */
	}
}

/* ---- A: LR/SC and AMOs ----------------------------------------------- */

/* AMO ops in enum order after LR/SC: swap add xor and or min max minu maxu */
static uint64_t amo_new(unsigned k, uint64_t old, uint64_t v, bool w)
{
	int64_t so = w ? (int32_t)old : (int64_t)old;
	int64_t sv = w ? (int32_t)v : (int64_t)v;
	uint64_t uo = w ? (uint32_t)old : old, uv = w ? (uint32_t)v : v;

	switch (k) {
	case 0: return v;
	case 1: return old + v;
	case 2: return old ^ v;
	case 3: return old & v;
	case 4: return old | v;
	case 5: return so < sv ? old : v;
	case 6: return so > sv ? old : v;
	case 7: return uo < uv ? old : v;
	default: return uo > uv ? old : v;
	}
}

/*
 * One LR, SC or AMO.  Guest memory may be shared with other guest threads
 * running on other host threads, so every access is a host atomic on the
 * guest address; SC is a compare-and-swap against the value LR saw
 * (like qemu-user: an ABA store in between goes unnoticed, which the
 * LR/SC forward-progress rules of the spec tolerate).
 */
static bool amo(struct rv_cpu *cpu, const struct rv_insn *in, uint64_t *r)
{
	bool w = in->op < RV_OP_LR_D;
	unsigned k = in->op - (w ? RV_OP_LR_W : RV_OP_LR_D);
	unsigned size = w ? 4 : 8;
	uint64_t addr = cpu->x[in->rs1], v = cpu->x[in->rs2];
	unsigned access = k == 0 ? RV_FAULT_READ : RV_FAULT_READ | RV_FAULT_WRITE;
	void *p;

	if (addr & (size - 1)) {
		fault(cpu, addr, access | RV_FAULT_MISALIGNED);
		return false;
	}
	if (cpu->sys) {
		p = cpu->sys->atomic(cpu, addr, size, access);
		if (!p)
			cpu->stop = RV_STOP_FAULT;
	} else {
		p = mem_at(cpu, addr, size, access);
	}
	if (!p)
		return false;
	if (k == 0) {			/* LR */
		uint64_t old = w ? __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST)
				 : __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);

		cpu->reservation = addr;
		cpu->reservation_val = old;
		*r = w ? sext32(old) : old;
		return true;
	}
	if (k == 1) {			/* SC */
		bool ok = false;

		if (cpu->reservation == addr) {
			if (w) {
				uint32_t exp = cpu->reservation_val;

				ok = __atomic_compare_exchange_n((uint32_t *)p,
					&exp, (uint32_t)v, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			} else {
				uint64_t exp = cpu->reservation_val;

				ok = __atomic_compare_exchange_n((uint64_t *)p,
					&exp, v, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			}
		}
		cpu->reservation = ~0ull;
		*r = !ok;
		return true;
	}
	k -= 2;
	if (w) {
		uint32_t old = __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED);

		while (!__atomic_compare_exchange_n((uint32_t *)p, &old,
				(uint32_t)amo_new(k, old, v, true), true,
				__ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			;
		*r = sext32(old);
	} else {
		uint64_t old = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED);

		while (!__atomic_compare_exchange_n((uint64_t *)p, &old,
				amo_new(k, old, v, false), true,
				__ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			;
		*r = old;
	}
	return true;
}

/* ---- F and D ---------------------------------------------------------- */

static uint32_t unbox(const struct rv_cpu *cpu, unsigned r)
{
	uint64_t v = cpu->f[r];

	return (v >> 32) == 0xffffffffu ? (uint32_t)v : CANON_NAN_S;
}

static bool is_nan_s(uint32_t b) { return (b & 0x7fffffff) > 0x7f800000; }
static bool is_snan_s(uint32_t b) { return is_nan_s(b) && !(b & 0x00400000); }

static bool is_nan_d(uint64_t b)
{
	return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

static bool is_snan_d(uint64_t b)
{
	return is_nan_d(b) && !(b & 0x0008000000000000ull);
}

/* the rounding mode to use, or -1 when the instruction is illegal
 * (reserved rm, or dynamic with an invalid frm) */
static int rm_of(const struct rv_cpu *cpu, const struct rv_insn *in)
{
	unsigned rm = in->rm;

	if (rm == RV_RM_DYN)
		rm = (cpu->fcsr >> 5) & 7;
	return rm <= RV_RM_RMM ? (int)rm : -1;
}

static void fenv_enter(int rm)
{
	static const int host[5] = {
		FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD,
		FE_TONEAREST,	/* RMM: see the top of the file */
	};

	fesetround(host[rm]);
	feclearexcept(FE_ALL_EXCEPT);
}

/* fold the host exception flags into fflags; back to the default mode */
static void fenv_leave(struct rv_cpu *cpu)
{
	int e = fetestexcept(FE_ALL_EXCEPT);
	uint32_t fl = 0;

	if (e & FE_INEXACT)
		fl |= RV_FFLAG_NX;
	if (e & FE_UNDERFLOW)
		fl |= RV_FFLAG_UF;
	if (e & FE_OVERFLOW)
		fl |= RV_FFLAG_OF;
	if (e & FE_DIVBYZERO)
		fl |= RV_FFLAG_DZ;
	if (e & FE_INVALID)
		fl |= RV_FFLAG_NV;
	cpu->fcsr |= fl;
	fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
}

static uint32_t canon_s(float f)
{
	return isnan(f) ? CANON_NAN_S : b32(f);
}

static uint64_t canon_d(double d)
{
	return isnan(d) ? CANON_NAN_D : b64(d);
}

/*
 * inf * 0 in a fused multiply-add: RISC-V requires NV even when the addend
 * is a quiet NaN, which IEEE 754 leaves open and the host (x86 FMA3, glibc
 * fma()) answers by returning the NaN silently.
 */
static bool fma_inf_zero(double a, double b)
{
	return (isinf(a) && b == 0) || (a == 0 && isinf(b));
}

static bool finite_of(uint64_t b, bool dbl)
{
	return dbl ? (b & 0x7ff0000000000000ull) != 0x7ff0000000000000ull :
		     (b & 0x7f800000u) != 0x7f800000u;
}

/*
 * fadd..fsqrt and the fused multiply-adds by RMM into *r (fprmm.c);
 * false when the operands or the result are not finite: the caller's
 * path answers those (no rounding is involved).
 */
static bool arith_rmm(struct rv_cpu *cpu, unsigned op, bool dbl,
		      uint64_t a, uint64_t b, uint64_t c, uint64_t *r)
{
	static const enum fprmm_op kind[] = {
		FPRMM_FMA, FPRMM_FMA, FPRMM_FMA, FPRMM_FMA,
		FPRMM_ADD, FPRMM_SUB, FPRMM_MUL, FPRMM_DIV, FPRMM_SQRT,
	};
	unsigned i = op - (dbl ? RV_OP_FMADD_D : RV_OP_FMADD_S);
	uint64_t sign = dbl ? 1ull << 63 : 1ull << 31;
	uint32_t fl = 0, rs;
	bool ok;

	if (!finite_of(a, dbl) || (kind[i] != FPRMM_SQRT && !finite_of(b, dbl)) ||
	    (kind[i] == FPRMM_FMA && !finite_of(c, dbl)))
		return false;
	if (i == 1 || i == 3)		/* fmsub, fnmadd: - rs3 */
		c ^= sign;
	if (i == 2 || i == 3)		/* fnmsub, fnmadd: -(rs1 * rs2) */
		a ^= sign;
	if (dbl) {
		ok = fprmm_d(kind[i], a, b, c, r, &fl);
	} else {
		ok = fprmm_s(kind[i], a, b, c, &rs, &fl);
		*r = rs;
	}
	if (ok)
		cpu->fcsr |= fl;
	return ok;
}

/* fadd..fsqrt and the fused multiply-adds, single precision */
static uint32_t arith_s(struct rv_cpu *cpu, unsigned op, int rm,
			uint32_t a, uint32_t b, uint32_t c)
{
	volatile float va, vb, vc, r;
	uint64_t rmm;

	if (rm == RV_RM_RMM && arith_rmm(cpu, op, false, a, b, c, &rmm))
		return (uint32_t)rmm;
	fenv_enter(rm);
	va = f32(a);
	vb = f32(b);
	vc = f32(c);
	switch (op) {
	case RV_OP_FADD_S:	r = va + vb; break;
	case RV_OP_FSUB_S:	r = va - vb; break;
	case RV_OP_FMUL_S:	r = va * vb; break;
	case RV_OP_FDIV_S:	r = va / vb; break;
	case RV_OP_FSQRT_S:	r = sqrtf(va); break;
	case RV_OP_FMADD_S:	r = fmaf(va, vb, vc); break;
	case RV_OP_FMSUB_S:	r = fmaf(va, vb, -vc); break;
	case RV_OP_FNMSUB_S:	r = fmaf(-va, vb, vc); break;
	default:		r = fmaf(-va, vb, -vc); break;	/* FNMADD */
	}
	fenv_leave(cpu);
	if (op >= RV_OP_FMADD_S && op <= RV_OP_FNMADD_S &&
	    fma_inf_zero(va, vb))
		cpu->fcsr |= RV_FFLAG_NV;
	return canon_s(r);
}

static uint64_t arith_d(struct rv_cpu *cpu, unsigned op, int rm,
			uint64_t a, uint64_t b, uint64_t c)
{
	volatile double va, vb, vc, r;
	uint64_t rmm;

	if (rm == RV_RM_RMM && arith_rmm(cpu, op, true, a, b, c, &rmm))
		return rmm;
	fenv_enter(rm);
	va = f64(a);
	vb = f64(b);
	vc = f64(c);
	switch (op) {
	case RV_OP_FADD_D:	r = va + vb; break;
	case RV_OP_FSUB_D:	r = va - vb; break;
	case RV_OP_FMUL_D:	r = va * vb; break;
	case RV_OP_FDIV_D:	r = va / vb; break;
	case RV_OP_FSQRT_D:	r = sqrt(va); break;
	case RV_OP_FMADD_D:	r = fma(va, vb, vc); break;
	case RV_OP_FMSUB_D:	r = fma(va, vb, -vc); break;
	case RV_OP_FNMSUB_D:	r = fma(-va, vb, vc); break;
	default:		r = fma(-va, vb, -vc); break;	/* FNMADD */
	}
	fenv_leave(cpu);
	if (op >= RV_OP_FMADD_D && op <= RV_OP_FNMADD_D &&
	    fma_inf_zero(va, vb))
		cpu->fcsr |= RV_FFLAG_NV;
	return canon_d(r);
}

/* round @v to an integral value by @rm, without raising anything */
static double round_rm(double v, int rm)
{
	switch (rm) {
	case RV_RM_RTZ:	return trunc(v);
	case RV_RM_RDN:	return floor(v);
	case RV_RM_RUP:	return ceil(v);
	case RV_RM_RMM:	return round(v);
	default:	return nearbyint(v);	/* RNE: the default mode */
	}
}

/*
 * fcvt.{w,wu,l,lu}.{s,d}: @v converted by @rm to a @bits-bit integer,
 * saturating with NV when out of range or NaN (NaN -> the maximum), NX
 * when inexact.  32-bit results come back sign-extended, as the spec
 * writes them to rd (fcvt.wu.s of 2^32-1 is all ones).
 */
static uint64_t fcvt_to_int(struct rv_cpu *cpu, double v, int rm,
			    bool is_signed, unsigned bits)
{
	double lo = is_signed ? -ldexp(1, bits - 1) : 0;
	double hi = is_signed ? ldexp(1, bits - 1) : ldexp(1, bits); /* excl. */
	uint64_t max = is_signed ? (1ull << (bits - 1)) - 1 :
		       bits == 64 ? ~0ull : (1ull << bits) - 1;
	uint64_t min = is_signed ? (uint64_t)-(int64_t)(max) - 1 : 0;
	uint64_t r;
	double t;

	if (isnan(v)) {
		cpu->fcsr |= RV_FFLAG_NV;
		r = max;
	} else {
		t = round_rm(v, rm);
		if (t < lo || t >= hi) {
			cpu->fcsr |= RV_FFLAG_NV;
			r = t < lo ? min : max;
		} else {
			if (t != v)
				cpu->fcsr |= RV_FFLAG_NX;
			r = is_signed ? (uint64_t)(int64_t)t : (uint64_t)t;
		}
	}
	return bits == 32 ? sext32(r) : r;
}

/* fcvt.{s,d}.{w,wu,l,lu} (k: 0-3) by RMM */
static uint64_t fcvt_from_int_rmm(struct rv_cpu *cpu, bool dbl, unsigned k,
				  uint64_t x)
{
	uint32_t fl = 0;
	uint64_t r;
	bool neg = false;

	if (k == 0)
		x = sext32(x);
	else if (k == 1)
		x = (uint32_t)x;
	if (!(k & 1) && (int64_t)x < 0) {
		neg = true;
		x = -x;
	}
	r = dbl ? fprmm_d_from_int(neg, x, &fl) :
		  BOX_S | fprmm_s_from_int(neg, x, &fl);
	cpu->fcsr |= fl;
	return r;
}

/* fcvt.{s,d}.{w,wu,l,lu}: rounds by the host in mode @rm */
static uint64_t fcvt_from_int(struct rv_cpu *cpu, unsigned op, int rm,
			      uint64_t x)
{
	volatile uint64_t vx;
	volatile float rs = 0;
	volatile double rd = 0;
	bool dbl = op >= RV_OP_FCVT_D_W;
	unsigned k = op - (dbl ? RV_OP_FCVT_D_W : RV_OP_FCVT_S_W);

	if (rm == RV_RM_RMM)
		return fcvt_from_int_rmm(cpu, dbl, k, x);
	fenv_enter(rm);
	vx = x;
	switch (k) {
	case 0:
		if (dbl) rd = (int32_t)vx; else rs = (int32_t)vx;
		break;
	case 1:
		if (dbl) rd = (uint32_t)vx; else rs = (uint32_t)vx;
		break;
	case 2:
		if (dbl) rd = (int64_t)vx; else rs = (int64_t)vx;
		break;
	default:
		if (dbl) rd = vx; else rs = vx;
		break;
	}
	fenv_leave(cpu);
	return dbl ? b64(rd) : BOX_S | b32(rs);
}

/* fmin/fmax (2.2 semantics: minimumNumber, -0 < +0, sNaN signals) */
static uint64_t fminmax(struct rv_cpu *cpu, bool dbl, bool max,
			uint64_t a, uint64_t b)
{
	bool na = dbl ? is_nan_d(a) : is_nan_s(a);
	bool nb = dbl ? is_nan_d(b) : is_nan_s(b);
	double x, y;

	if (dbl ? is_snan_d(a) || is_snan_d(b) : is_snan_s(a) || is_snan_s(b))
		cpu->fcsr |= RV_FFLAG_NV;
	if (na && nb)
		return dbl ? CANON_NAN_D : CANON_NAN_S;
	if (na)
		return b;
	if (nb)
		return a;
	x = dbl ? f64(a) : f32(a);
	y = dbl ? f64(b) : f32(b);
	if (x == y) {		/* equal, or -0 and +0: pick by sign */
		bool sa = dbl ? a >> 63 : a >> 31;

		return max != sa ? a : b;
	}
	return (x < y) != max ? a : b;
}

/* feq (quiet: only sNaN signals), flt and fle (signalling: any NaN) */
static uint64_t fcmp(struct rv_cpu *cpu, unsigned k, bool dbl,
		     uint64_t a, uint64_t b)
{
	bool nan = dbl ? is_nan_d(a) || is_nan_d(b) : is_nan_s(a) || is_nan_s(b);
	bool snan = dbl ? is_snan_d(a) || is_snan_d(b) :
		    is_snan_s(a) || is_snan_s(b);
	double x, y;

	if (nan) {
		if (snan || k != 0)
			cpu->fcsr |= RV_FFLAG_NV;
		return 0;
	}
	x = dbl ? f64(a) : f32(a);
	y = dbl ? f64(b) : f32(b);
	switch (k) {
	case 0:		return x == y;
	case 1:		return x < y;
	default:	return x <= y;
	}
}

/* fclass: one of ten bits (-inf, -normal, -subnormal, -0, +0, +subnormal,
 * +normal, +inf, sNaN, qNaN) */
static uint64_t fclass(uint64_t b, bool dbl)
{
	unsigned ebits = dbl ? 11 : 8, mbits = dbl ? 52 : 23;
	bool neg = dbl ? b >> 63 : (b >> 31) & 1;
	uint64_t exp = (b >> mbits) & ((1ull << ebits) - 1);
	uint64_t man = b & ((1ull << mbits) - 1);
	uint64_t emax = (1ull << ebits) - 1;

	if (exp == emax) {
		if (man == 0)
			return neg ? 1u << 0 : 1u << 7;
		return man >> (mbits - 1) ? 1u << 9 : 1u << 8;
	}
	if (exp == 0)
		return man == 0 ? (neg ? 1u << 3 : 1u << 4) :
			(neg ? 1u << 2 : 1u << 5);
	return neg ? 1u << 1 : 1u << 6;
}

static uint64_t fsgnj(unsigned k, bool dbl, uint64_t a, uint64_t b)
{
	uint64_t sign = dbl ? 1ull << 63 : 1ull << 31;

	switch (k) {
	case 0:		return (a & ~sign) | (b & sign);
	case 1:		return (a & ~sign) | (~b & sign);
	default:	return a ^ (b & sign);
	}
}

/* the results of an F/D operation: an x register, an f register or
 * nothing (stores) */
enum fp_dst { FP_X, FP_F };

/*
 * Execute one F/D computational instruction.  Returns false when it is
 * illegal (bad rounding mode).
 */
static bool fp(struct rv_cpu *cpu, const struct rv_insn *in)
{
	unsigned op = in->op;
	bool dbl = op >= RV_OP_FLD;
	uint64_t a, b, c, r = 0;
	enum fp_dst dst = FP_F;
	int rm = rm_of(cpu, in);

	a = dbl ? cpu->f[in->rs1] : unbox(cpu, in->rs1);
	b = dbl ? cpu->f[in->rs2] : unbox(cpu, in->rs2);
	c = dbl ? cpu->f[in->rs3] : unbox(cpu, in->rs3);

	switch (op) {
	case RV_OP_FADD_S: case RV_OP_FSUB_S: case RV_OP_FMUL_S:
	case RV_OP_FDIV_S: case RV_OP_FSQRT_S:
	case RV_OP_FMADD_S: case RV_OP_FMSUB_S:
	case RV_OP_FNMSUB_S: case RV_OP_FNMADD_S:
		if (rm < 0)
			return false;
		r = BOX_S | arith_s(cpu, op, rm, a, b, c);
		break;
	case RV_OP_FADD_D: case RV_OP_FSUB_D: case RV_OP_FMUL_D:
	case RV_OP_FDIV_D: case RV_OP_FSQRT_D:
	case RV_OP_FMADD_D: case RV_OP_FMSUB_D:
	case RV_OP_FNMSUB_D: case RV_OP_FNMADD_D:
		if (rm < 0)
			return false;
		r = arith_d(cpu, op, rm, a, b, c);
		break;
	case RV_OP_FSGNJ_S: case RV_OP_FSGNJN_S: case RV_OP_FSGNJX_S:
		r = BOX_S | fsgnj(op - RV_OP_FSGNJ_S, false, a, b);
		break;
	case RV_OP_FSGNJ_D: case RV_OP_FSGNJN_D: case RV_OP_FSGNJX_D:
		r = fsgnj(op - RV_OP_FSGNJ_D, true, a, b);
		break;
	case RV_OP_FMIN_S: case RV_OP_FMAX_S:
		r = BOX_S | fminmax(cpu, false, op == RV_OP_FMAX_S, a, b);
		break;
	case RV_OP_FMIN_D: case RV_OP_FMAX_D:
		r = fminmax(cpu, true, op == RV_OP_FMAX_D, a, b);
		break;
	case RV_OP_FCVT_S_D: {
		volatile double v;
		volatile float f;

		if (rm < 0)
			return false;
		if (rm == RV_RM_RMM && finite_of(cpu->f[in->rs1], true)) {
			uint32_t fl = 0;

			r = BOX_S | fprmm_s_from_d(cpu->f[in->rs1], &fl);
			cpu->fcsr |= fl;
			break;
		}
		fenv_enter(rm);
		v = f64(cpu->f[in->rs1]);
		f = (float)v;
		fenv_leave(cpu);
		r = BOX_S | canon_s(f);
		break;
	}
	case RV_OP_FCVT_D_S: {
		volatile float f;
		volatile double v;

		if (rm < 0)
			return false;
		fenv_enter(rm);
		f = f32(unbox(cpu, in->rs1));
		v = f;
		fenv_leave(cpu);
		r = canon_d(v);
		break;
	}
	case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S:
	case RV_OP_FCVT_L_S: case RV_OP_FCVT_LU_S:
	case RV_OP_FCVT_W_D: case RV_OP_FCVT_WU_D:
	case RV_OP_FCVT_L_D: case RV_OP_FCVT_LU_D: {
		unsigned k = op - (dbl ? RV_OP_FCVT_W_D : RV_OP_FCVT_W_S);

		if (rm < 0)
			return false;
		r = fcvt_to_int(cpu, dbl ? f64(a) : f32(a), rm, !(k & 1),
				k < 2 ? 32 : 64);
		dst = FP_X;
		break;
	}
	case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU:
	case RV_OP_FCVT_S_L: case RV_OP_FCVT_S_LU:
	case RV_OP_FCVT_D_W: case RV_OP_FCVT_D_WU:
	case RV_OP_FCVT_D_L: case RV_OP_FCVT_D_LU:
		if (rm < 0)
			return false;
		r = fcvt_from_int(cpu, op, rm, cpu->x[in->rs1]);
		break;
	case RV_OP_FMV_X_W:
		r = sext32(cpu->f[in->rs1]);	/* raw bits, no unboxing */
		dst = FP_X;
		break;
	case RV_OP_FMV_X_D:
		r = cpu->f[in->rs1];
		dst = FP_X;
		break;
	case RV_OP_FMV_W_X:
		r = BOX_S | (uint32_t)cpu->x[in->rs1];
		break;
	case RV_OP_FMV_D_X:
		r = cpu->x[in->rs1];
		break;
	case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
		r = fcmp(cpu, op - RV_OP_FEQ_S, false, a, b);
		dst = FP_X;
		break;
	case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
		r = fcmp(cpu, op - RV_OP_FEQ_D, true, a, b);
		dst = FP_X;
		break;
	case RV_OP_FCLASS_S: case RV_OP_FCLASS_D:
		r = fclass(a, dbl);
		dst = FP_X;
		break;
	default:
		return false;
	}
	if (dst == FP_X)
		cpu->x[in->rd] = r;
	else
		cpu->f[in->rd] = r;
	return true;
}

/* ---- Zicsr ------------------------------------------------------------ */

static bool csr_read(struct rv_cpu *cpu, unsigned csr, uint64_t *v)
{
	struct timespec ts;

	switch (csr) {
	case RV_CSR_FFLAGS:	*v = cpu->fcsr & 0x1f; return true;
	case RV_CSR_FRM:	*v = (cpu->fcsr >> 5) & 7; return true;
	case RV_CSR_FCSR:	*v = cpu->fcsr & 0xff; return true;
	case RV_CSR_CYCLE:
	case RV_CSR_INSTRET:	*v = cpu->insns; return true;
	case RV_CSR_TIME:
		/* a 10 MHz timebase, as QEMU's virt machine reports */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		*v = (uint64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
		return true;
	}
	return false;
}

static bool csr_write(struct rv_cpu *cpu, unsigned csr, uint64_t v)
{
	switch (csr) {
	case RV_CSR_FFLAGS:
		cpu->fcsr = (cpu->fcsr & ~0x1fu) | (v & 0x1f);
		return true;
	case RV_CSR_FRM:
		cpu->fcsr = (cpu->fcsr & ~0xe0u) | ((v & 7) << 5);
		return true;
	case RV_CSR_FCSR:
		cpu->fcsr = v & 0xff;
		return true;
	}
	return false;	/* counters are read-only */
}

static bool csr(struct rv_cpu *cpu, const struct rv_insn *in)
{
	bool imm = in->op >= RV_OP_CSRRWI;
	unsigned k = in->op - (imm ? RV_OP_CSRRWI : RV_OP_CSRRW);
	uint64_t src = imm ? in->rs1 : cpu->x[in->rs1];
	unsigned num = (uint32_t)in->imm & 0xfff;
	uint64_t old = 0, nv;

	if (cpu->sys) {
		if (!cpu->sys->csr(cpu, num, k, src, k == 0 || in->rs1 != 0,
				   &old))
			return false;
		cpu->x[in->rd] = old;
		return true;
	}
	/* csrrw with rd = x0 does not read; csrrs/c with a zero source
	 * does not write */
	if ((k != 0 || in->rd != 0) && !csr_read(cpu, num, &old))
		return false;
	if (k == 0 || in->rs1 != 0) {
		nv = k == 0 ? src : k == 1 ? old | src : old & ~src;
		if (!csr_write(cpu, num, nv))
			return false;
	}
	cpu->x[in->rd] = old;
	return true;
}

/* ---- one instruction -------------------------------------------------- */

static bool mem_op(struct rv_cpu *cpu, const struct rv_insn *in)
{
	uint64_t addr = cpu->x[in->rs1] + (int64_t)in->imm, v;

	switch (in->op) {
	case RV_OP_LB: case RV_OP_LH: case RV_OP_LW: case RV_OP_LD:
	case RV_OP_LBU: case RV_OP_LHU: case RV_OP_LWU: {
		static const uint8_t size[] = { 1, 2, 4, 8, 1, 2, 4 };
		unsigned k = in->op - RV_OP_LB, n = size[k];

		if (!load(cpu, addr, n, &v))
			return false;
		if (k < 3)	/* sign-extend lb, lh, lw */
			v = (uint64_t)((int64_t)(v << (64 - 8 * n)) >> (64 - 8 * n));
		cpu->x[in->rd] = v;
		return true;
	}
	case RV_OP_SB: case RV_OP_SH: case RV_OP_SW: case RV_OP_SD:
		return store(cpu, addr, 1u << (in->op - RV_OP_SB),
			     cpu->x[in->rs2]);
	case RV_OP_FLW:
		if (!load(cpu, addr, 4, &v))
			return false;
		cpu->f[in->rd] = BOX_S | v;
		return true;
	case RV_OP_FLD:
		if (!load(cpu, addr, 8, &v))
			return false;
		cpu->f[in->rd] = v;
		return true;
	case RV_OP_FSW:
		return store(cpu, addr, 4, cpu->f[in->rs2]);
	default:	/* FSD */
		return store(cpu, addr, 8, cpu->f[in->rs2]);
	}
}

static bool is_mem_op(unsigned op)
{
	return (op >= RV_OP_LB && op <= RV_OP_SD) || op == RV_OP_FLW ||
	       op == RV_OP_FSW || op == RV_OP_FLD || op == RV_OP_FSD;
}

static enum rv_stop stop_illegal(struct rv_cpu *cpu, const struct rv_insn *in)
{
	cpu->fault_insn = in->raw;
	return cpu->stop = RV_STOP_ILLEGAL;
}

enum rv_stop rv_interp_exec(struct rv_cpu *cpu, const struct rv_insn *in)
{
	uint64_t pc = cpu->pc, npc = pc + in->len;
	uint64_t a = cpu->x[in->rs1], b = cpu->x[in->rs2], r;
	unsigned op = in->op;

	if (op == RV_OP_ILLEGAL)
		return stop_illegal(cpu, in);
	if (op == RV_OP_ECALL)
		return cpu->stop = RV_STOP_ECALL;
	if (op == RV_OP_EBREAK)
		return cpu->stop = RV_STOP_EBREAK;

	if (alu(in, a, (op >= RV_OP_ADDI && op <= RV_OP_SRAI) ||
		    (op >= RV_OP_ADDIW && op <= RV_OP_SRAIW) ?
		    (uint64_t)(int64_t)in->imm : b, &r)) {
		cpu->x[in->rd] = r;
	} else if (is_mem_op(op)) {
		if (!mem_op(cpu, in))
			return cpu->stop;
	} else if (op >= RV_OP_BEQ && op <= RV_OP_BGEU) {
		if (branch_taken(op, a, b))
			npc = pc + (int64_t)in->imm;
	} else if (op >= RV_OP_LR_W && op <= RV_OP_AMOMAXU_D) {
		if (!amo(cpu, in, &r))
			return cpu->stop;
		cpu->x[in->rd] = r;
	} else if (op >= RV_OP_CSRRW && op <= RV_OP_CSRRCI) {
		if (!csr(cpu, in))
			return stop_illegal(cpu, in);
	} else if (op >= RV_OP_FMADD_S) {
		if (!fp(cpu, in))
			return stop_illegal(cpu, in);
	} else {
		switch (op) {
		case RV_OP_LUI:
			cpu->x[in->rd] = (uint64_t)(int64_t)in->imm;
			break;
		case RV_OP_AUIPC:
			cpu->x[in->rd] = pc + (int64_t)in->imm;
			break;
		case RV_OP_JAL:
			cpu->x[in->rd] = npc;
			npc = pc + (int64_t)in->imm;
			break;
		case RV_OP_JALR:
			cpu->x[in->rd] = npc;
			npc = (a + (int64_t)in->imm) & ~1ull;
			break;
		case RV_OP_FENCE:
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			break;
		case RV_OP_FENCE_I:
			/* nothing cached here; the translator flushes */
			break;
		default:
			return stop_illegal(cpu, in);
		}
	}
	cpu->x[0] = 0;
	cpu->pc = npc;
	cpu->insns++;
	return RV_STOP_NONE;
}

/* fetch and decode the instruction at pc: 16 bits, then 16 more for a
 * 32-bit one, so a compressed instruction at the end of a mapping does
 * not fault on the bytes after it */
static bool fetch(struct rv_cpu *cpu, struct rv_insn *in)
{
	uint16_t lo, hi = 0;
	void *p = mem_at(cpu, cpu->pc, 2, RV_FAULT_EXEC);

	if (!p)
		return false;
	memcpy(&lo, p, 2);
	if (rv_insn_len(lo) == 4) {
		p = mem_at(cpu, cpu->pc + 2, 2, RV_FAULT_EXEC);
		if (!p)
			return false;
		memcpy(&hi, p, 2);
	}
	rv_decode((uint32_t)hi << 16 | lo, in);
	return true;
}

static enum rv_stop step(struct rv_cpu *cpu)
{
	struct rv_insn in;

	if (!fetch(cpu, &in))
		return cpu->stop;
	return rv_interp_exec(cpu, &in);
}

enum rv_stop rv_interp_step(struct rv_cpu *cpu)
{
	cpu->stop = RV_STOP_NONE;
	return step(cpu);
}

enum rv_stop rv_interp_run(struct rv_cpu *cpu, uint64_t max_insns)
{
	enum rv_stop s = cpu->stop;
	uint64_t n;

	/* keep an exit request that came in before we started */
	if (s != RV_STOP_EXIT)
		__atomic_compare_exchange_n(&cpu->stop, &s, RV_STOP_NONE, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	for (n = 0; max_insns == 0 || n < max_insns; n++) {
		if (__atomic_load_n(&cpu->stop, __ATOMIC_RELAXED) == RV_STOP_EXIT)
			return RV_STOP_EXIT;
		s = step(cpu);
		if (s != RV_STOP_NONE)
			return s;
	}
	return RV_STOP_NONE;
}
