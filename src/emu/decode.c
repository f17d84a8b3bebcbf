/*
 * decode -- RV64GC instruction decoder (see decode.h).
 *
 * Bit positions follow the tables of the Unprivileged ISA manual,
 * chapters 2 (RV32I/RV64I base formats), 24 (opcode map) and 16 (RVC).
 * Every compressed form is expanded to its 32-bit equivalent here, so the
 * interpreter and the translator only know one set of operations.
 */
#include <string.h>

#include "emu/decode.h"

static const char *const rv_op_names[RV_OP_COUNT] = {
#define RV_OP_NAME(name, mnem) [RV_OP_##name] = mnem,
	RV_OPS(RV_OP_NAME)
#undef RV_OP_NAME
};

const char *rv_op_name(unsigned op)
{
	return op < RV_OP_COUNT ? rv_op_names[op] : "illegal";
}

bool rv_op_ends_block(unsigned op)
{
	switch (op) {
	case RV_OP_JAL: case RV_OP_JALR:
	case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT: case RV_OP_BGE:
	case RV_OP_BLTU: case RV_OP_BGEU:
	case RV_OP_ECALL: case RV_OP_EBREAK: case RV_OP_FENCE_I:
	case RV_OP_ILLEGAL:
		return true;
	default:
		return op >= RV_OP_COUNT;
	}
}

/* bits hi..lo of x, right-aligned */
static inline uint32_t bits(uint32_t x, unsigned hi, unsigned lo)
{
	return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* sign-extend the low @n bits of x */
static inline int32_t sext(uint32_t x, unsigned n)
{
	return (int32_t)(x << (32 - n)) >> (32 - n);
}

static bool set(struct rv_insn *in, unsigned op, unsigned rd, unsigned rs1,
		unsigned rs2, int32_t imm)
{
	in->op = op;
	in->rd = rd;
	in->rs1 = rs1;
	in->rs2 = rs2;
	in->imm = imm;
	return op != RV_OP_ILLEGAL;
}

static bool illegal(struct rv_insn *in)
{
	return set(in, RV_OP_ILLEGAL, 0, 0, 0, 0);
}

/* ---- 32-bit encodings ---------------------------------------------- */

static int32_t imm_i(uint32_t w) { return (int32_t)w >> 20; }

static int32_t imm_s(uint32_t w)
{
	return sext(bits(w, 31, 25) << 5 | bits(w, 11, 7), 12);
}

static int32_t imm_b(uint32_t w)
{
	uint32_t v = bits(w, 31, 31) << 12 | bits(w, 7, 7) << 11 |
		     bits(w, 30, 25) << 5 | bits(w, 11, 8) << 1;
	return sext(v, 13);
}

static int32_t imm_j(uint32_t w)
{
	uint32_t v = bits(w, 31, 31) << 20 | bits(w, 19, 12) << 12 |
		     bits(w, 20, 20) << 11 | bits(w, 30, 21) << 1;
	return sext(v, 21);
}

static bool dec_op_imm(uint32_t w, struct rv_insn *in)
{
	static const uint16_t ops[8] = {
		RV_OP_ADDI, RV_OP_SLLI, RV_OP_SLTI, RV_OP_SLTIU,
		RV_OP_XORI, RV_OP_SRLI, RV_OP_ORI, RV_OP_ANDI,
	};
	unsigned f3 = bits(w, 14, 12), f6 = bits(w, 31, 26);
	unsigned op = ops[f3];
	int32_t imm = imm_i(w);

	if (f3 == 1 || f3 == 5) {
		imm = bits(w, 25, 20);
		if (f3 == 1 && f6 != 0)
			return illegal(in);
		if (f3 == 5) {
			if (f6 == 0x10)
				op = RV_OP_SRAI;
			else if (f6 != 0)
				return illegal(in);
		}
	}
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), 0, imm);
}

static bool dec_op_imm32(uint32_t w, struct rv_insn *in)
{
	unsigned f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
	unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15);

	switch (f3) {
	case 0:
		return set(in, RV_OP_ADDIW, rd, rs1, 0, imm_i(w));
	case 1:
		if (f7 != 0)
			return illegal(in);
		return set(in, RV_OP_SLLIW, rd, rs1, 0, bits(w, 24, 20));
	case 5:
		if (f7 == 0)
			return set(in, RV_OP_SRLIW, rd, rs1, 0, bits(w, 24, 20));
		if (f7 == 0x20)
			return set(in, RV_OP_SRAIW, rd, rs1, 0, bits(w, 24, 20));
		return illegal(in);
	}
	return illegal(in);
}

static bool dec_op(uint32_t w, struct rv_insn *in)
{
	static const uint16_t base[8] = {
		RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
		RV_OP_XOR, RV_OP_SRL, RV_OP_OR, RV_OP_AND,
	};
	static const uint16_t mul[8] = {
		RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
		RV_OP_DIV, RV_OP_DIVU, RV_OP_REM, RV_OP_REMU,
	};
	unsigned f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
	unsigned op;

	if (f7 == 0)
		op = base[f3];
	else if (f7 == 1)
		op = mul[f3];
	else if (f7 == 0x20 && f3 == 0)
		op = RV_OP_SUB;
	else if (f7 == 0x20 && f3 == 5)
		op = RV_OP_SRA;
	else
		return illegal(in);
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), bits(w, 24, 20), 0);
}

static bool dec_op32(uint32_t w, struct rv_insn *in)
{
	unsigned f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
	unsigned op = RV_OP_ILLEGAL;

	if (f7 == 0) {
		op = f3 == 0 ? RV_OP_ADDW : f3 == 1 ? RV_OP_SLLW :
		     f3 == 5 ? RV_OP_SRLW : RV_OP_ILLEGAL;
	} else if (f7 == 0x20) {
		op = f3 == 0 ? RV_OP_SUBW : f3 == 5 ? RV_OP_SRAW : RV_OP_ILLEGAL;
	} else if (f7 == 1) {
		static const uint16_t mw[8] = {
			RV_OP_MULW, RV_OP_ILLEGAL, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
			RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW,
		};
		op = mw[f3];
	}
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), bits(w, 24, 20), 0);
}

static bool dec_system(uint32_t w, struct rv_insn *in)
{
	static const uint16_t csr[8] = {
		RV_OP_ILLEGAL, RV_OP_CSRRW, RV_OP_CSRRS, RV_OP_CSRRC,
		RV_OP_ILLEGAL, RV_OP_CSRRWI, RV_OP_CSRRSI, RV_OP_CSRRCI,
	};
	unsigned f3 = bits(w, 14, 12);

	if (f3 == 0) {
		/* the privileged instructions (wfi, mret, sfence.vma...)
		 * are illegal in user mode */
		if (bits(w, 19, 7) != 0)
			return illegal(in);
		if (bits(w, 31, 20) == 0)
			return set(in, RV_OP_ECALL, 0, 0, 0, 0);
		if (bits(w, 31, 20) == 1)
			return set(in, RV_OP_EBREAK, 0, 0, 0, 0);
		return illegal(in);
	}
	return set(in, csr[f3], bits(w, 11, 7), bits(w, 19, 15), 0,
		   bits(w, 31, 20));
}

static bool dec_amo(uint32_t w, struct rv_insn *in)
{
	unsigned f3 = bits(w, 14, 12), f5 = bits(w, 31, 27);
	unsigned op;

	if (f3 != 2 && f3 != 3)
		return illegal(in);
	switch (f5) {
	case 0x02: op = RV_OP_LR_W; break;
	case 0x03: op = RV_OP_SC_W; break;
	case 0x01: op = RV_OP_AMOSWAP_W; break;
	case 0x00: op = RV_OP_AMOADD_W; break;
	case 0x04: op = RV_OP_AMOXOR_W; break;
	case 0x0c: op = RV_OP_AMOAND_W; break;
	case 0x08: op = RV_OP_AMOOR_W; break;
	case 0x10: op = RV_OP_AMOMIN_W; break;
	case 0x14: op = RV_OP_AMOMAX_W; break;
	case 0x18: op = RV_OP_AMOMINU_W; break;
	case 0x1c: op = RV_OP_AMOMAXU_W; break;
	default: return illegal(in);
	}
	if (op == RV_OP_LR_W && bits(w, 24, 20) != 0)
		return illegal(in);
	/* the .D list repeats the .W list in the same order */
	if (f3 == 3)
		op += RV_OP_LR_D - RV_OP_LR_W;
	in->aqrl = bits(w, 26, 25);
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), bits(w, 24, 20), 0);
}

static bool rm_ok(unsigned rm)
{
	return rm != 5 && rm != 6;
}

static bool dec_fma(uint32_t w, unsigned opc, struct rv_insn *in)
{
	unsigned fmt = bits(w, 26, 25), rm = bits(w, 14, 12);
	unsigned op;

	if (fmt > 1 || !rm_ok(rm))
		return illegal(in);
	/* opcodes 0x43, 0x47, 0x4b, 0x4f: fmadd, fmsub, fnmsub, fnmadd */
	op = (fmt ? RV_OP_FMADD_D : RV_OP_FMADD_S) + ((opc >> 2) & 3);
	in->rs3 = bits(w, 31, 27);
	in->rm = rm;
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), bits(w, 24, 20), 0);
}

/* OP-FP with funct7 = @f7; the .D form of each operation is its .S form
 * with fmt (bit 25) set, and the enum keeps the two lists parallel
 * through the offsets below. */
static unsigned dec_op_fp_s(uint32_t w, unsigned f7, bool *uses_rm)
{
	unsigned f3 = bits(w, 14, 12), rs2 = bits(w, 24, 20);

	*uses_rm = true;
	switch (f7 >> 1) {
	case 0x00: return RV_OP_FADD_S;
	case 0x02: return RV_OP_FSUB_S;
	case 0x04: return RV_OP_FMUL_S;
	case 0x06: return RV_OP_FDIV_S;
	case 0x16: return rs2 == 0 ? RV_OP_FSQRT_S : RV_OP_ILLEGAL;
	case 0x30:
		return rs2 == 0 ? RV_OP_FCVT_W_S : rs2 == 1 ? RV_OP_FCVT_WU_S :
		       rs2 == 2 ? RV_OP_FCVT_L_S : rs2 == 3 ? RV_OP_FCVT_LU_S :
		       RV_OP_ILLEGAL;
	case 0x34:
		return rs2 == 0 ? RV_OP_FCVT_S_W : rs2 == 1 ? RV_OP_FCVT_S_WU :
		       rs2 == 2 ? RV_OP_FCVT_S_L : rs2 == 3 ? RV_OP_FCVT_S_LU :
		       RV_OP_ILLEGAL;
	}
	*uses_rm = false;
	switch (f7 >> 1) {
	case 0x08:
		return f3 == 0 ? RV_OP_FSGNJ_S : f3 == 1 ? RV_OP_FSGNJN_S :
		       f3 == 2 ? RV_OP_FSGNJX_S : RV_OP_ILLEGAL;
	case 0x0a:
		return f3 == 0 ? RV_OP_FMIN_S : f3 == 1 ? RV_OP_FMAX_S :
		       RV_OP_ILLEGAL;
	case 0x28:
		return f3 == 0 ? RV_OP_FLE_S : f3 == 1 ? RV_OP_FLT_S :
		       f3 == 2 ? RV_OP_FEQ_S : RV_OP_ILLEGAL;
	case 0x38:
		if (rs2 != 0)
			return RV_OP_ILLEGAL;
		return f3 == 0 ? RV_OP_FMV_X_W : f3 == 1 ? RV_OP_FCLASS_S :
		       RV_OP_ILLEGAL;
	case 0x3c:
		return rs2 == 0 && f3 == 0 ? RV_OP_FMV_W_X : RV_OP_ILLEGAL;
	}
	return RV_OP_ILLEGAL;
}

/* .S -> .D for the operations dec_op_fp_s() returns */
static unsigned fp_to_d(unsigned op)
{
	switch (op) {
	case RV_OP_FMV_X_W: return RV_OP_FMV_X_D;
	case RV_OP_FMV_W_X: return RV_OP_FMV_D_X;
	case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S:
	case RV_OP_FCVT_L_S: case RV_OP_FCVT_LU_S:
		return op - RV_OP_FCVT_W_S + RV_OP_FCVT_W_D;
	case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S:
	case RV_OP_FCLASS_S:
		return op - RV_OP_FEQ_S + RV_OP_FEQ_D;
	case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU:
	case RV_OP_FCVT_S_L: case RV_OP_FCVT_S_LU:
		return op - RV_OP_FCVT_S_W + RV_OP_FCVT_D_W;
	case RV_OP_ILLEGAL:
		return op;
	}
	/* fadd..fmax: same order in both lists */
	return op - RV_OP_FADD_S + RV_OP_FADD_D;
}

static bool dec_op_fp(uint32_t w, struct rv_insn *in)
{
	unsigned f7 = bits(w, 31, 25), rm = bits(w, 14, 12);
	unsigned rs2 = bits(w, 24, 20);
	bool uses_rm;
	unsigned op;

	if (f7 == 0x20 || f7 == 0x21) {
		/* fcvt.s.d (rs2 = 1) and fcvt.d.s (rs2 = 0) */
		if (f7 == 0x20 && rs2 == 1)
			op = RV_OP_FCVT_S_D;
		else if (f7 == 0x21 && rs2 == 0)
			op = RV_OP_FCVT_D_S;
		else
			return illegal(in);
		uses_rm = true;
	} else {
		if ((f7 & 1) == 0)
			op = dec_op_fp_s(w, f7, &uses_rm);
		else
			op = fp_to_d(dec_op_fp_s(w, f7 & ~1u, &uses_rm));
	}
	if (uses_rm && !rm_ok(rm))
		return illegal(in);
	in->rm = uses_rm ? rm : 0;
	return set(in, op, bits(w, 11, 7), bits(w, 19, 15), rs2, 0);
}

static bool dec32(uint32_t w, struct rv_insn *in)
{
	unsigned opc = bits(w, 6, 0), f3 = bits(w, 14, 12);
	unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15);
	unsigned rs2 = bits(w, 24, 20);

	in->len = 4;
	switch (opc) {
	case 0x37:
		return set(in, RV_OP_LUI, rd, 0, 0, (int32_t)(w & 0xfffff000));
	case 0x17:
		return set(in, RV_OP_AUIPC, rd, 0, 0, (int32_t)(w & 0xfffff000));
	case 0x6f:
		return set(in, RV_OP_JAL, rd, 0, 0, imm_j(w));
	case 0x67:
		if (f3 != 0)
			return illegal(in);
		return set(in, RV_OP_JALR, rd, rs1, 0, imm_i(w));
	case 0x63:
		if (f3 == 2 || f3 == 3)
			return illegal(in);
		return set(in, RV_OP_BEQ + (f3 > 3 ? f3 - 2 : f3), 0, rs1, rs2,
			   imm_b(w));
	case 0x03:
		if (f3 == 7)
			return illegal(in);
		{
			static const uint16_t ld[7] = {
				RV_OP_LB, RV_OP_LH, RV_OP_LW, RV_OP_LD,
				RV_OP_LBU, RV_OP_LHU, RV_OP_LWU,
			};
			return set(in, ld[f3], rd, rs1, 0, imm_i(w));
		}
	case 0x23:
		if (f3 > 3)
			return illegal(in);
		return set(in, RV_OP_SB + f3, 0, rs1, rs2, imm_s(w));
	case 0x13:
		return dec_op_imm(w, in);
	case 0x1b:
		return dec_op_imm32(w, in);
	case 0x33:
		return dec_op(w, in);
	case 0x3b:
		return dec_op32(w, in);
	case 0x0f:
		if (f3 == 0)
			return set(in, RV_OP_FENCE, 0, 0, 0, bits(w, 31, 20));
		if (f3 == 1)
			return set(in, RV_OP_FENCE_I, 0, 0, 0, 0);
		return illegal(in);
	case 0x73:
		return dec_system(w, in);
	case 0x2f:
		return dec_amo(w, in);
	case 0x07:
		if (f3 == 2)
			return set(in, RV_OP_FLW, rd, rs1, 0, imm_i(w));
		if (f3 == 3)
			return set(in, RV_OP_FLD, rd, rs1, 0, imm_i(w));
		return illegal(in);
	case 0x27:
		if (f3 == 2)
			return set(in, RV_OP_FSW, 0, rs1, rs2, imm_s(w));
		if (f3 == 3)
			return set(in, RV_OP_FSD, 0, rs1, rs2, imm_s(w));
		return illegal(in);
	case 0x43: case 0x47: case 0x4b: case 0x4f:
		return dec_fma(w, opc, in);
	case 0x53:
		return dec_op_fp(w, in);
	}
	return illegal(in);
}

/* ---- compressed (RVC, chapter 16) ------------------------------------ */

/* the 3-bit register fields name x8..x15 */
static unsigned creg(uint32_t h, unsigned lo)
{
	return 8 + bits(h, lo + 2, lo);
}

/* offset of c.lw/c.sw: uimm[5:3] = [12:10], uimm[2] = [6], uimm[6] = [5] */
static int32_t cimm_w(uint32_t h)
{
	return bits(h, 12, 10) << 3 | bits(h, 6, 6) << 2 | bits(h, 5, 5) << 6;
}

/* offset of c.ld/c.sd/c.fld/c.fsd: uimm[5:3] = [12:10], uimm[7:6] = [6:5] */
static int32_t cimm_d(uint32_t h)
{
	return bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6;
}

/* 6-bit immediate of c.addi/c.li/c.andi: imm[5] = [12], imm[4:0] = [6:2] */
static int32_t cimm6(uint32_t h)
{
	return sext(bits(h, 12, 12) << 5 | bits(h, 6, 2), 6);
}

static unsigned cshamt(uint32_t h)
{
	return bits(h, 12, 12) << 5 | bits(h, 6, 2);
}

static bool dec_c0(uint32_t h, struct rv_insn *in)
{
	unsigned rd = creg(h, 2), rs1 = creg(h, 7);
	int32_t imm;

	switch (bits(h, 15, 13)) {
	case 0:	/* c.addi4spn; nzuimm[5:4|9:6|2|3] = [12:11|10:7|6|5] */
		imm = bits(h, 12, 11) << 4 | bits(h, 10, 7) << 6 |
		      bits(h, 6, 6) << 2 | bits(h, 5, 5) << 3;
		if (imm == 0)	/* includes the all-zero parcel */
			return illegal(in);
		return set(in, RV_OP_ADDI, rd, 2, 0, imm);
	case 1:
		return set(in, RV_OP_FLD, rd, rs1, 0, cimm_d(h));
	case 2:
		return set(in, RV_OP_LW, rd, rs1, 0, cimm_w(h));
	case 3:
		return set(in, RV_OP_LD, rd, rs1, 0, cimm_d(h));
	case 5:
		return set(in, RV_OP_FSD, 0, rs1, rd, cimm_d(h));
	case 6:
		return set(in, RV_OP_SW, 0, rs1, rd, cimm_w(h));
	case 7:
		return set(in, RV_OP_SD, 0, rs1, rd, cimm_d(h));
	}
	return illegal(in);
}

/* c.j offset[11|4|9:8|10|6|7|3:1|5] = [12|11|10:9|8|7|6|5:3|2] */
static int32_t cimm_j(uint32_t h)
{
	uint32_t v = bits(h, 12, 12) << 11 | bits(h, 11, 11) << 4 |
		     bits(h, 10, 9) << 8 | bits(h, 8, 8) << 10 |
		     bits(h, 7, 7) << 6 | bits(h, 6, 6) << 7 |
		     bits(h, 5, 3) << 1 | bits(h, 2, 2) << 5;
	return sext(v, 12);
}

/* c.beqz/c.bnez offset[8|4:3] = [12|11:10], offset[7:6|2:1|5] = [6:5|4:3|2] */
static int32_t cimm_b(uint32_t h)
{
	uint32_t v = bits(h, 12, 12) << 8 | bits(h, 11, 10) << 3 |
		     bits(h, 6, 5) << 6 | bits(h, 4, 3) << 1 |
		     bits(h, 2, 2) << 5;
	return sext(v, 9);
}

static bool dec_c1_alu(uint32_t h, struct rv_insn *in)
{
	static const uint16_t ops[8] = {
		RV_OP_SUB, RV_OP_XOR, RV_OP_OR, RV_OP_AND,
		RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
	};
	unsigned rd = creg(h, 7), rs2 = creg(h, 2);

	switch (bits(h, 11, 10)) {
	case 0:
		return set(in, RV_OP_SRLI, rd, rd, 0, cshamt(h));
	case 1:
		return set(in, RV_OP_SRAI, rd, rd, 0, cshamt(h));
	case 2:
		return set(in, RV_OP_ANDI, rd, rd, 0, cimm6(h));
	}
	return set(in, ops[bits(h, 12, 12) << 2 | bits(h, 6, 5)], rd, rd, rs2, 0);
}

static bool dec_c1(uint32_t h, struct rv_insn *in)
{
	unsigned rd = bits(h, 11, 7);
	int32_t imm;

	switch (bits(h, 15, 13)) {
	case 0:	/* c.addi, c.nop (rd = 0) */
		return set(in, RV_OP_ADDI, rd, rd, 0, cimm6(h));
	case 1:	/* c.addiw */
		if (rd == 0)
			return illegal(in);
		return set(in, RV_OP_ADDIW, rd, rd, 0, cimm6(h));
	case 2:	/* c.li */
		return set(in, RV_OP_ADDI, rd, 0, 0, cimm6(h));
	case 3:
		if (rd == 2) {
			/* c.addi16sp nzimm[9] = [12],
			 * nzimm[4|6|8:7|5] = [6|5|4:3|2] */
			imm = sext(bits(h, 12, 12) << 9 | bits(h, 6, 6) << 4 |
				   bits(h, 5, 5) << 6 | bits(h, 4, 3) << 7 |
				   bits(h, 2, 2) << 5, 10);
			if (imm == 0)
				return illegal(in);
			return set(in, RV_OP_ADDI, 2, 2, 0, imm);
		}
		/* c.lui nzimm[17] = [12], nzimm[16:12] = [6:2] */
		imm = sext(bits(h, 12, 12) << 17 | bits(h, 6, 2) << 12, 18);
		if (imm == 0)
			return illegal(in);
		return set(in, RV_OP_LUI, rd, 0, 0, imm);
	case 4:
		return dec_c1_alu(h, in);
	case 5:
		return set(in, RV_OP_JAL, 0, 0, 0, cimm_j(h));
	case 6:
		return set(in, RV_OP_BEQ, 0, creg(h, 7), 0, cimm_b(h));
	case 7:
		return set(in, RV_OP_BNE, 0, creg(h, 7), 0, cimm_b(h));
	}
	return illegal(in);
}

static bool dec_c2(uint32_t h, struct rv_insn *in)
{
	unsigned rd = bits(h, 11, 7), rs2 = bits(h, 6, 2);
	/* ldsp/fldsp: uimm[5] = [12], uimm[4:3|8:6] = [6:5|4:2] */
	int32_t dsp = bits(h, 12, 12) << 5 | bits(h, 6, 5) << 3 |
		      bits(h, 4, 2) << 6;
	/* sdsp/fsdsp: uimm[5:3|8:6] = [12:10|9:7] */
	int32_t sdsp = bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6;

	switch (bits(h, 15, 13)) {
	case 0:	/* c.slli */
		return set(in, RV_OP_SLLI, rd, rd, 0, cshamt(h));
	case 1:
		return set(in, RV_OP_FLD, rd, 2, 0, dsp);
	case 2:	/* c.lwsp uimm[5] = [12], uimm[4:2|7:6] = [6:4|3:2] */
		if (rd == 0)
			return illegal(in);
		return set(in, RV_OP_LW, rd, 2, 0, bits(h, 12, 12) << 5 |
			   bits(h, 6, 4) << 2 | bits(h, 3, 2) << 6);
	case 3:
		if (rd == 0)
			return illegal(in);
		return set(in, RV_OP_LD, rd, 2, 0, dsp);
	case 4:
		if (bits(h, 12, 12) == 0) {
			if (rs2 != 0)	/* c.mv */
				return set(in, RV_OP_ADD, rd, 0, rs2, 0);
			if (rd == 0)
				return illegal(in);
			return set(in, RV_OP_JALR, 0, rd, 0, 0);	/* c.jr */
		}
		if (rs2 != 0)		/* c.add */
			return set(in, RV_OP_ADD, rd, rd, rs2, 0);
		if (rd == 0)
			return set(in, RV_OP_EBREAK, 0, 0, 0, 0);
		return set(in, RV_OP_JALR, 1, rd, 0, 0);		/* c.jalr */
	case 5:
		return set(in, RV_OP_FSD, 0, 2, rs2, sdsp);
	case 6:	/* c.swsp uimm[5:2|7:6] = [12:9|8:7] */
		return set(in, RV_OP_SW, 0, 2, rs2, bits(h, 12, 9) << 2 |
			   bits(h, 8, 7) << 6);
	case 7:
		return set(in, RV_OP_SD, 0, 2, rs2, sdsp);
	}
	return illegal(in);
}

bool rv_decode(uint32_t raw, struct rv_insn *in)
{
	memset(in, 0, sizeof(*in));
	in->raw = raw;
	if ((raw & 3) == 3) {
		in->len = 4;
		/* 48-bit and longer encodings (bits 4:2 = 111) are not
		 * defined by any extension we implement */
		if ((raw & 0x1c) == 0x1c)
			return illegal(in);
		return dec32(raw, in);
	}
	in->raw = raw & 0xffff;
	in->len = 2;
	/* the rm of an expanded instruction is dynamic; nothing in RVC
	 * rounds, but keep the field meaningful */
	in->rm = RV_RM_DYN;
	switch (raw & 3) {
	case 0:
		return dec_c0(raw & 0xffff, in);
	case 1:
		return dec_c1(raw & 0xffff, in);
	default:
		return dec_c2(raw & 0xffff, in);
	}
}
