/*
 * decode -- the RV64GC instruction decoder shared by the reference
 * interpreter and the translator.
 *
 * Implements the encodings of "The RISC-V Instruction Set Manual, Volume I:
 * Unprivileged ISA" (20191213): RV64I, M, A, F, D, Zicsr, Zifencei and C.
 * Compressed instructions are expanded to the 32-bit instruction they
 * stand for (C.ADDI16SP becomes ADDI x2, x2, imm), so executors handle one
 * form; @len says how far the pc moves.  Reserved and unsupported
 * encodings decode to RV_OP_ILLEGAL, so a guest gets SIGILL as on
 * hardware.  Decoding has no side effects and reads nothing but @raw.
 */
#ifndef STRATA_EMU_DECODE_H
#define STRATA_EMU_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* X(name, mnemonic): one line per operation after expansion. */
#define RV_OPS(X)							\
	X(ILLEGAL, "illegal")						\
	/* RV64I */							\
	X(LUI, "lui") X(AUIPC, "auipc") X(JAL, "jal") X(JALR, "jalr")	\
	X(BEQ, "beq") X(BNE, "bne") X(BLT, "blt") X(BGE, "bge")	\
	X(BLTU, "bltu") X(BGEU, "bgeu")					\
	X(LB, "lb") X(LH, "lh") X(LW, "lw") X(LD, "ld")			\
	X(LBU, "lbu") X(LHU, "lhu") X(LWU, "lwu")			\
	X(SB, "sb") X(SH, "sh") X(SW, "sw") X(SD, "sd")			\
	X(ADDI, "addi") X(SLTI, "slti") X(SLTIU, "sltiu")		\
	X(XORI, "xori") X(ORI, "ori") X(ANDI, "andi")			\
	X(SLLI, "slli") X(SRLI, "srli") X(SRAI, "srai")			\
	X(ADD, "add") X(SUB, "sub") X(SLL, "sll") X(SLT, "slt")		\
	X(SLTU, "sltu") X(XOR, "xor") X(SRL, "srl") X(SRA, "sra")	\
	X(OR, "or") X(AND, "and")					\
	X(ADDIW, "addiw") X(SLLIW, "slliw") X(SRLIW, "srliw")		\
	X(SRAIW, "sraiw") X(ADDW, "addw") X(SUBW, "subw")		\
	X(SLLW, "sllw") X(SRLW, "srlw") X(SRAW, "sraw")			\
	X(FENCE, "fence") X(FENCE_I, "fence.i")				\
	X(ECALL, "ecall") X(EBREAK, "ebreak")				\
	/* Zicsr: imm is the csr number, rs1 the register or uimm */	\
	X(CSRRW, "csrrw") X(CSRRS, "csrrs") X(CSRRC, "csrrc")		\
	X(CSRRWI, "csrrwi") X(CSRRSI, "csrrsi") X(CSRRCI, "csrrci")	\
	/* M */								\
	X(MUL, "mul") X(MULH, "mulh") X(MULHSU, "mulhsu")		\
	X(MULHU, "mulhu") X(DIV, "div") X(DIVU, "divu") X(REM, "rem")	\
	X(REMU, "remu") X(MULW, "mulw") X(DIVW, "divw")			\
	X(DIVUW, "divuw") X(REMW, "remw") X(REMUW, "remuw")		\
	/* A */								\
	X(LR_W, "lr.w") X(SC_W, "sc.w") X(AMOSWAP_W, "amoswap.w")	\
	X(AMOADD_W, "amoadd.w") X(AMOXOR_W, "amoxor.w")			\
	X(AMOAND_W, "amoand.w") X(AMOOR_W, "amoor.w")			\
	X(AMOMIN_W, "amomin.w") X(AMOMAX_W, "amomax.w")			\
	X(AMOMINU_W, "amominu.w") X(AMOMAXU_W, "amomaxu.w")		\
	X(LR_D, "lr.d") X(SC_D, "sc.d") X(AMOSWAP_D, "amoswap.d")	\
	X(AMOADD_D, "amoadd.d") X(AMOXOR_D, "amoxor.d")			\
	X(AMOAND_D, "amoand.d") X(AMOOR_D, "amoor.d")			\
	X(AMOMIN_D, "amomin.d") X(AMOMAX_D, "amomax.d")			\
	X(AMOMINU_D, "amominu.d") X(AMOMAXU_D, "amomaxu.d")		\
	/* F */								\
	X(FLW, "flw") X(FSW, "fsw")					\
	X(FMADD_S, "fmadd.s") X(FMSUB_S, "fmsub.s")			\
	X(FNMSUB_S, "fnmsub.s") X(FNMADD_S, "fnmadd.s")			\
	X(FADD_S, "fadd.s") X(FSUB_S, "fsub.s") X(FMUL_S, "fmul.s")	\
	X(FDIV_S, "fdiv.s") X(FSQRT_S, "fsqrt.s")			\
	X(FSGNJ_S, "fsgnj.s") X(FSGNJN_S, "fsgnjn.s")			\
	X(FSGNJX_S, "fsgnjx.s") X(FMIN_S, "fmin.s") X(FMAX_S, "fmax.s")	\
	X(FCVT_W_S, "fcvt.w.s") X(FCVT_WU_S, "fcvt.wu.s")		\
	X(FCVT_L_S, "fcvt.l.s") X(FCVT_LU_S, "fcvt.lu.s")		\
	X(FMV_X_W, "fmv.x.w") X(FEQ_S, "feq.s") X(FLT_S, "flt.s")	\
	X(FLE_S, "fle.s") X(FCLASS_S, "fclass.s")			\
	X(FCVT_S_W, "fcvt.s.w") X(FCVT_S_WU, "fcvt.s.wu")		\
	X(FCVT_S_L, "fcvt.s.l") X(FCVT_S_LU, "fcvt.s.lu")		\
	X(FMV_W_X, "fmv.w.x")						\
	/* D */								\
	X(FLD, "fld") X(FSD, "fsd")					\
	X(FMADD_D, "fmadd.d") X(FMSUB_D, "fmsub.d")			\
	X(FNMSUB_D, "fnmsub.d") X(FNMADD_D, "fnmadd.d")			\
	X(FADD_D, "fadd.d") X(FSUB_D, "fsub.d") X(FMUL_D, "fmul.d")	\
	X(FDIV_D, "fdiv.d") X(FSQRT_D, "fsqrt.d")			\
	X(FSGNJ_D, "fsgnj.d") X(FSGNJN_D, "fsgnjn.d")			\
	X(FSGNJX_D, "fsgnjx.d") X(FMIN_D, "fmin.d") X(FMAX_D, "fmax.d")	\
	X(FCVT_S_D, "fcvt.s.d") X(FCVT_D_S, "fcvt.d.s")			\
	X(FCVT_W_D, "fcvt.w.d") X(FCVT_WU_D, "fcvt.wu.d")		\
	X(FCVT_L_D, "fcvt.l.d") X(FCVT_LU_D, "fcvt.lu.d")		\
	X(FMV_X_D, "fmv.x.d") X(FEQ_D, "feq.d") X(FLT_D, "flt.d")	\
	X(FLE_D, "fle.d") X(FCLASS_D, "fclass.d")			\
	X(FCVT_D_W, "fcvt.d.w") X(FCVT_D_WU, "fcvt.d.wu")		\
	X(FCVT_D_L, "fcvt.d.l") X(FCVT_D_LU, "fcvt.d.lu")		\
	X(FMV_D_X, "fmv.d.x")

enum rv_op {
#define RV_OP_ENUM(name, mnem) RV_OP_##name,
	RV_OPS(RV_OP_ENUM)
#undef RV_OP_ENUM
	RV_OP_COUNT
};

/* Rounding modes (the rm field and fcsr.frm). */
enum rv_rm {
	RV_RM_RNE = 0,		/* to nearest, ties to even */
	RV_RM_RTZ = 1,		/* towards zero */
	RV_RM_RDN = 2,		/* down */
	RV_RM_RUP = 3,		/* up */
	RV_RM_RMM = 4,		/* to nearest, ties to max magnitude */
	RV_RM_DYN = 7,		/* use fcsr.frm */
};

/* fflags bits */
#define RV_FFLAG_NX	0x01	/* inexact */
#define RV_FFLAG_UF	0x02	/* underflow */
#define RV_FFLAG_OF	0x04	/* overflow */
#define RV_FFLAG_DZ	0x08	/* divide by zero */
#define RV_FFLAG_NV	0x10	/* invalid */

/* CSRs visible to user mode */
#define RV_CSR_FFLAGS	0x001
#define RV_CSR_FRM	0x002
#define RV_CSR_FCSR	0x003
#define RV_CSR_CYCLE	0xc00
#define RV_CSR_TIME	0xc01
#define RV_CSR_INSTRET	0xc02

/*
 * One decoded instruction.  Register fields are 0..31 and name x or f
 * registers as the operation implies (FCVT.W.S: rd is x, rs1 is f).
 * @imm is sign-extended and already scaled: byte offsets for loads,
 * stores, branches and jumps, the shifted value for LUI/AUIPC (imm<<12),
 * the shift amount for shifts, the csr number (unsigned) for Zicsr.
 * @rm is the rounding-mode field of F/D operations that round (RV_RM_*).
 * @aqrl holds the aq (bit 1) and rl (bit 0) bits of A operations.
 */
struct rv_insn {
	uint16_t op;		/* enum rv_op */
	uint8_t rd, rs1, rs2, rs3;
	uint8_t rm;
	uint8_t aqrl;
	uint8_t len;		/* 2 (compressed) or 4 */
	int32_t imm;
	uint32_t raw;		/* the instruction as fetched (16 or 32 bits) */
};

/* Length in bytes of the instruction whose first 16 bits are @lo:
 * 2 or 4.  Longer encodings (48-bit and up) also answer 4; they decode
 * as illegal. */
static inline unsigned rv_insn_len(uint16_t lo)
{
	return (lo & 3) == 3 ? 4 : 2;
}

/* Decode @raw (a 16-bit parcel in the low half when compressed) into
 * @in.  Returns false, with in->op = RV_OP_ILLEGAL, for reserved or
 * unknown encodings. */
bool rv_decode(uint32_t raw, struct rv_insn *in);

/* The mnemonic of @op, "illegal" for out-of-range values. */
const char *rv_op_name(unsigned op);

/* True when @op may change the pc other than by falling through, or
 * must end a translation block (ecall, ebreak, fence.i, illegal): the
 * translator ends a basic block after it. */
bool rv_op_ends_block(unsigned op);

#endif
