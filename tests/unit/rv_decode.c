/*
 * rv_decode -- unit tests for the RV64GC decoder (src/emu/decode.c).
 *
 * The 32-bit words were assembled by GNU as (riscv64-linux-gnu-as
 * -march=rv64gc, -M no-aliases) from the source shown next to each row;
 * exact conversions (fcvt.d.s, fcvt.d.w[u]) carry rm = 0 as GNU as
 * writes them; the compressed ones likewise, with their expansion written out by hand
 * from the RVC chapter of the ISA manual.
 */
#include <stdint.h>
#include <string.h>

#include "emu/decode.h"
#include "unit/test.h"

struct row {
	uint32_t word;
	unsigned op, rd, rs1, rs2, rs3;
	int32_t imm;
	unsigned rm;
};

static const struct row rows32[] = {
	{ 0xfffff2b7, RV_OP_LUI, 5, 0, 0, 0, -4096, 0 },	/* lui x5, 0xfffff */
	{ 0x80000317, RV_OP_AUIPC, 6, 0, 0, 0, -2147483648, 0 },	/* auipc x6, 0x80000 */
	{ 0x800000ef, RV_OP_JAL, 1, 0, 0, 0, -1048576, 0 },	/* jal x1, .-1048576 */
	{ 0x7ffff06f, RV_OP_JAL, 0, 0, 0, 0, 1048574, 0 },	/* jal x0, .+1048574 */
	{ 0x800100e7, RV_OP_JALR, 1, 2, 0, 0, -2048, 0 },	/* jalr x1, -2048(x2) */
	{ 0x80208063, RV_OP_BEQ, 0, 1, 2, 0, -4096, 0 },	/* beq x1, x2, .-4096 */
	{ 0x7e419fe3, RV_OP_BNE, 0, 3, 4, 0, 4094, 0 },	/* bne x3, x4, .+4094 */
	{ 0x0062c463, RV_OP_BLT, 0, 5, 6, 0, 8, 0 },	/* blt x5, x6, .+8 */
	{ 0xfe62dce3, RV_OP_BGE, 0, 5, 6, 0, -8, 0 },	/* bge x5, x6, .-8 */
	{ 0x0083e863, RV_OP_BLTU, 0, 7, 8, 0, 16, 0 },	/* bltu x7, x8, .+16 */
	{ 0x0283f063, RV_OP_BGEU, 0, 7, 8, 0, 32, 0 },	/* bgeu x7, x8, .+32 */
	{ 0xfff10083, RV_OP_LB, 1, 2, 0, 0, -1, 0 },	/* lb x1, -1(x2) */
	{ 0x7ff11083, RV_OP_LH, 1, 2, 0, 0, 2047, 0 },	/* lh x1, 2047(x2) */
	{ 0x80012083, RV_OP_LW, 1, 2, 0, 0, -2048, 0 },	/* lw x1, -2048(x2) */
	{ 0x00813083, RV_OP_LD, 1, 2, 0, 0, 8, 0 },	/* ld x1, 8(x2) */
	{ 0x00114083, RV_OP_LBU, 1, 2, 0, 0, 1, 0 },	/* lbu x1, 1(x2) */
	{ 0x00215083, RV_OP_LHU, 1, 2, 0, 0, 2, 0 },	/* lhu x1, 2(x2) */
	{ 0x00416083, RV_OP_LWU, 1, 2, 0, 0, 4, 0 },	/* lwu x1, 4(x2) */
	{ 0xfe320fa3, RV_OP_SB, 0, 4, 3, 0, -1, 0 },	/* sb x3, -1(x4) */
	{ 0x7e321fa3, RV_OP_SH, 0, 4, 3, 0, 2047, 0 },	/* sh x3, 2047(x4) */
	{ 0x80322023, RV_OP_SW, 0, 4, 3, 0, -2048, 0 },	/* sw x3, -2048(x4) */
	{ 0x00323823, RV_OP_SD, 0, 4, 3, 0, 16, 0 },	/* sd x3, 16(x4) */
	{ 0xfff10093, RV_OP_ADDI, 1, 2, 0, 0, -1, 0 },	/* addi x1, x2, -1 */
	{ 0x00512093, RV_OP_SLTI, 1, 2, 0, 0, 5, 0 },	/* slti x1, x2, 5 */
	{ 0xfff13093, RV_OP_SLTIU, 1, 2, 0, 0, -1, 0 },	/* sltiu x1, x2, -1 */
	{ 0x7ff14093, RV_OP_XORI, 1, 2, 0, 0, 2047, 0 },	/* xori x1, x2, 0x7ff */
	{ 0x80016093, RV_OP_ORI, 1, 2, 0, 0, -2048, 0 },	/* ori x1, x2, -2048 */
	{ 0x0ff17093, RV_OP_ANDI, 1, 2, 0, 0, 255, 0 },	/* andi x1, x2, 0xff */
	{ 0x03f11093, RV_OP_SLLI, 1, 2, 0, 0, 63, 0 },	/* slli x1, x2, 63 */
	{ 0x03f15093, RV_OP_SRLI, 1, 2, 0, 0, 63, 0 },	/* srli x1, x2, 63 */
	{ 0x43f15093, RV_OP_SRAI, 1, 2, 0, 0, 63, 0 },	/* srai x1, x2, 63 */
	{ 0x003100b3, RV_OP_ADD, 1, 2, 3, 0, 0, 0 },	/* add x1, x2, x3 */
	{ 0x403100b3, RV_OP_SUB, 1, 2, 3, 0, 0, 0 },	/* sub x1, x2, x3 */
	{ 0x003110b3, RV_OP_SLL, 1, 2, 3, 0, 0, 0 },	/* sll x1, x2, x3 */
	{ 0x003120b3, RV_OP_SLT, 1, 2, 3, 0, 0, 0 },	/* slt x1, x2, x3 */
	{ 0x003130b3, RV_OP_SLTU, 1, 2, 3, 0, 0, 0 },	/* sltu x1, x2, x3 */
	{ 0x003140b3, RV_OP_XOR, 1, 2, 3, 0, 0, 0 },	/* xor x1, x2, x3 */
	{ 0x003150b3, RV_OP_SRL, 1, 2, 3, 0, 0, 0 },	/* srl x1, x2, x3 */
	{ 0x403150b3, RV_OP_SRA, 1, 2, 3, 0, 0, 0 },	/* sra x1, x2, x3 */
	{ 0x003160b3, RV_OP_OR, 1, 2, 3, 0, 0, 0 },	/* or x1, x2, x3 */
	{ 0x003170b3, RV_OP_AND, 1, 2, 3, 0, 0, 0 },	/* and x1, x2, x3 */
	{ 0xfff1009b, RV_OP_ADDIW, 1, 2, 0, 0, -1, 0 },	/* addiw x1, x2, -1 */
	{ 0x01f1109b, RV_OP_SLLIW, 1, 2, 0, 0, 31, 0 },	/* slliw x1, x2, 31 */
	{ 0x01f1509b, RV_OP_SRLIW, 1, 2, 0, 0, 31, 0 },	/* srliw x1, x2, 31 */
	{ 0x41f1509b, RV_OP_SRAIW, 1, 2, 0, 0, 31, 0 },	/* sraiw x1, x2, 31 */
	{ 0x003100bb, RV_OP_ADDW, 1, 2, 3, 0, 0, 0 },	/* addw x1, x2, x3 */
	{ 0x403100bb, RV_OP_SUBW, 1, 2, 3, 0, 0, 0 },	/* subw x1, x2, x3 */
	{ 0x003110bb, RV_OP_SLLW, 1, 2, 3, 0, 0, 0 },	/* sllw x1, x2, x3 */
	{ 0x003150bb, RV_OP_SRLW, 1, 2, 3, 0, 0, 0 },	/* srlw x1, x2, x3 */
	{ 0x403150bb, RV_OP_SRAW, 1, 2, 3, 0, 0, 0 },	/* sraw x1, x2, x3 */
	{ 0x0330000f, RV_OP_FENCE, 0, 0, 0, 0, 51, 0 },	/* fence rw, rw */
	{ 0x0000100f, RV_OP_FENCE_I, 0, 0, 0, 0, 0, 0 },	/* fence.i */
	{ 0x00000073, RV_OP_ECALL, 0, 0, 0, 0, 0, 0 },	/* ecall */
	{ 0x00100073, RV_OP_EBREAK, 0, 0, 0, 0, 0, 0 },	/* ebreak */
	{ 0x003110f3, RV_OP_CSRRW, 1, 2, 0, 0, 3, 0 },	/* csrrw x1, fcsr, x2 */
	{ 0x001020f3, RV_OP_CSRRS, 1, 0, 0, 0, 1, 0 },	/* csrrs x1, fflags, x0 */
	{ 0x0021b0f3, RV_OP_CSRRC, 1, 3, 0, 0, 2, 0 },	/* csrrc x1, frm, x3 */
	{ 0x003fd0f3, RV_OP_CSRRWI, 1, 31, 0, 0, 3, 0 },	/* csrrwi x1, fcsr, 31 */
	{ 0x0010e0f3, RV_OP_CSRRSI, 1, 1, 0, 0, 1, 0 },	/* csrrsi x1, fflags, 1 */
	{ 0x0023f0f3, RV_OP_CSRRCI, 1, 7, 0, 0, 2, 0 },	/* csrrci x1, frm, 7 */
	{ 0xc00020f3, RV_OP_CSRRS, 1, 0, 0, 0, 3072, 0 },	/* csrrs x1, cycle, x0 */
	{ 0xc01020f3, RV_OP_CSRRS, 1, 0, 0, 0, 3073, 0 },	/* csrrs x1, time, x0 */
	{ 0xc02020f3, RV_OP_CSRRS, 1, 0, 0, 0, 3074, 0 },	/* csrrs x1, instret, x0 */
	{ 0x023100b3, RV_OP_MUL, 1, 2, 3, 0, 0, 0 },	/* mul x1, x2, x3 */
	{ 0x023110b3, RV_OP_MULH, 1, 2, 3, 0, 0, 0 },	/* mulh x1, x2, x3 */
	{ 0x023120b3, RV_OP_MULHSU, 1, 2, 3, 0, 0, 0 },	/* mulhsu x1, x2, x3 */
	{ 0x023130b3, RV_OP_MULHU, 1, 2, 3, 0, 0, 0 },	/* mulhu x1, x2, x3 */
	{ 0x023140b3, RV_OP_DIV, 1, 2, 3, 0, 0, 0 },	/* div x1, x2, x3 */
	{ 0x023150b3, RV_OP_DIVU, 1, 2, 3, 0, 0, 0 },	/* divu x1, x2, x3 */
	{ 0x023160b3, RV_OP_REM, 1, 2, 3, 0, 0, 0 },	/* rem x1, x2, x3 */
	{ 0x023170b3, RV_OP_REMU, 1, 2, 3, 0, 0, 0 },	/* remu x1, x2, x3 */
	{ 0x023100bb, RV_OP_MULW, 1, 2, 3, 0, 0, 0 },	/* mulw x1, x2, x3 */
	{ 0x023140bb, RV_OP_DIVW, 1, 2, 3, 0, 0, 0 },	/* divw x1, x2, x3 */
	{ 0x023150bb, RV_OP_DIVUW, 1, 2, 3, 0, 0, 0 },	/* divuw x1, x2, x3 */
	{ 0x023160bb, RV_OP_REMW, 1, 2, 3, 0, 0, 0 },	/* remw x1, x2, x3 */
	{ 0x023170bb, RV_OP_REMUW, 1, 2, 3, 0, 0, 0 },	/* remuw x1, x2, x3 */
	{ 0x100120af, RV_OP_LR_W, 1, 2, 0, 0, 0, 0 },	/* lr.w x1, (x2) */
	{ 0x183120af, RV_OP_SC_W, 1, 2, 3, 0, 0, 0 },	/* sc.w x1, x3, (x2) */
	{ 0x083120af, RV_OP_AMOSWAP_W, 1, 2, 3, 0, 0, 0 },	/* amoswap.w x1, x3, (x2) */
	{ 0x003120af, RV_OP_AMOADD_W, 1, 2, 3, 0, 0, 0 },	/* amoadd.w x1, x3, (x2) */
	{ 0x203120af, RV_OP_AMOXOR_W, 1, 2, 3, 0, 0, 0 },	/* amoxor.w x1, x3, (x2) */
	{ 0x603120af, RV_OP_AMOAND_W, 1, 2, 3, 0, 0, 0 },	/* amoand.w x1, x3, (x2) */
	{ 0x403120af, RV_OP_AMOOR_W, 1, 2, 3, 0, 0, 0 },	/* amoor.w x1, x3, (x2) */
	{ 0x803120af, RV_OP_AMOMIN_W, 1, 2, 3, 0, 0, 0 },	/* amomin.w x1, x3, (x2) */
	{ 0xa03120af, RV_OP_AMOMAX_W, 1, 2, 3, 0, 0, 0 },	/* amomax.w x1, x3, (x2) */
	{ 0xc03120af, RV_OP_AMOMINU_W, 1, 2, 3, 0, 0, 0 },	/* amominu.w x1, x3, (x2) */
	{ 0xe03120af, RV_OP_AMOMAXU_W, 1, 2, 3, 0, 0, 0 },	/* amomaxu.w x1, x3, (x2) */
	{ 0x140130af, RV_OP_LR_D, 1, 2, 0, 0, 0, 0 },	/* lr.d.aq x1, (x2) */
	{ 0x1a3130af, RV_OP_SC_D, 1, 2, 3, 0, 0, 0 },	/* sc.d.rl x1, x3, (x2) */
	{ 0x0e3130af, RV_OP_AMOSWAP_D, 1, 2, 3, 0, 0, 0 },	/* amoswap.d.aqrl x1, x3, (x2) */
	{ 0x003130af, RV_OP_AMOADD_D, 1, 2, 3, 0, 0, 0 },	/* amoadd.d x1, x3, (x2) */
	{ 0x203130af, RV_OP_AMOXOR_D, 1, 2, 3, 0, 0, 0 },	/* amoxor.d x1, x3, (x2) */
	{ 0x603130af, RV_OP_AMOAND_D, 1, 2, 3, 0, 0, 0 },	/* amoand.d x1, x3, (x2) */
	{ 0x403130af, RV_OP_AMOOR_D, 1, 2, 3, 0, 0, 0 },	/* amoor.d x1, x3, (x2) */
	{ 0x803130af, RV_OP_AMOMIN_D, 1, 2, 3, 0, 0, 0 },	/* amomin.d x1, x3, (x2) */
	{ 0xa03130af, RV_OP_AMOMAX_D, 1, 2, 3, 0, 0, 0 },	/* amomax.d x1, x3, (x2) */
	{ 0xc03130af, RV_OP_AMOMINU_D, 1, 2, 3, 0, 0, 0 },	/* amominu.d x1, x3, (x2) */
	{ 0xe03130af, RV_OP_AMOMAXU_D, 1, 2, 3, 0, 0, 0 },	/* amomaxu.d x1, x3, (x2) */
	{ 0xffc12087, RV_OP_FLW, 1, 2, 0, 0, -4, 0 },	/* flw f1, -4(x2) */
	{ 0x00312427, RV_OP_FSW, 0, 2, 3, 0, 8, 0 },	/* fsw f3, 8(x2) */
	{ 0x203100c3, RV_OP_FMADD_S, 1, 2, 3, 4, 0, 0 },	/* fmadd.s f1, f2, f3, f4, rne */
	{ 0x203110c7, RV_OP_FMSUB_S, 1, 2, 3, 4, 0, 1 },	/* fmsub.s f1, f2, f3, f4, rtz */
	{ 0x203120cb, RV_OP_FNMSUB_S, 1, 2, 3, 4, 0, 2 },	/* fnmsub.s f1, f2, f3, f4, rdn */
	{ 0x203130cf, RV_OP_FNMADD_S, 1, 2, 3, 4, 0, 3 },	/* fnmadd.s f1, f2, f3, f4, rup */
	{ 0x003140d3, RV_OP_FADD_S, 1, 2, 3, 0, 0, 4 },	/* fadd.s f1, f2, f3, rmm */
	{ 0x083170d3, RV_OP_FSUB_S, 1, 2, 3, 0, 0, 7 },	/* fsub.s f1, f2, f3 */
	{ 0x103170d3, RV_OP_FMUL_S, 1, 2, 3, 0, 0, 7 },	/* fmul.s f1, f2, f3 */
	{ 0x183170d3, RV_OP_FDIV_S, 1, 2, 3, 0, 0, 7 },	/* fdiv.s f1, f2, f3 */
	{ 0x580170d3, RV_OP_FSQRT_S, 1, 2, 0, 0, 0, 7 },	/* fsqrt.s f1, f2 */
	{ 0x203100d3, RV_OP_FSGNJ_S, 1, 2, 3, 0, 0, 0 },	/* fsgnj.s f1, f2, f3 */
	{ 0x203110d3, RV_OP_FSGNJN_S, 1, 2, 3, 0, 0, 0 },	/* fsgnjn.s f1, f2, f3 */
	{ 0x203120d3, RV_OP_FSGNJX_S, 1, 2, 3, 0, 0, 0 },	/* fsgnjx.s f1, f2, f3 */
	{ 0x283100d3, RV_OP_FMIN_S, 1, 2, 3, 0, 0, 0 },	/* fmin.s f1, f2, f3 */
	{ 0x283110d3, RV_OP_FMAX_S, 1, 2, 3, 0, 0, 0 },	/* fmax.s f1, f2, f3 */
	{ 0xc00110d3, RV_OP_FCVT_W_S, 1, 2, 0, 0, 0, 1 },	/* fcvt.w.s x1, f2, rtz */
	{ 0xc01170d3, RV_OP_FCVT_WU_S, 1, 2, 1, 0, 0, 7 },	/* fcvt.wu.s x1, f2 */
	{ 0xc02170d3, RV_OP_FCVT_L_S, 1, 2, 2, 0, 0, 7 },	/* fcvt.l.s x1, f2 */
	{ 0xc03170d3, RV_OP_FCVT_LU_S, 1, 2, 3, 0, 0, 7 },	/* fcvt.lu.s x1, f2 */
	{ 0xe00100d3, RV_OP_FMV_X_W, 1, 2, 0, 0, 0, 0 },	/* fmv.x.w x1, f2 */
	{ 0xa03120d3, RV_OP_FEQ_S, 1, 2, 3, 0, 0, 0 },	/* feq.s x1, f2, f3 */
	{ 0xa03110d3, RV_OP_FLT_S, 1, 2, 3, 0, 0, 0 },	/* flt.s x1, f2, f3 */
	{ 0xa03100d3, RV_OP_FLE_S, 1, 2, 3, 0, 0, 0 },	/* fle.s x1, f2, f3 */
	{ 0xe00110d3, RV_OP_FCLASS_S, 1, 2, 0, 0, 0, 0 },	/* fclass.s x1, f2 */
	{ 0xd00170d3, RV_OP_FCVT_S_W, 1, 2, 0, 0, 0, 7 },	/* fcvt.s.w f1, x2 */
	{ 0xd01170d3, RV_OP_FCVT_S_WU, 1, 2, 1, 0, 0, 7 },	/* fcvt.s.wu f1, x2 */
	{ 0xd02170d3, RV_OP_FCVT_S_L, 1, 2, 2, 0, 0, 7 },	/* fcvt.s.l f1, x2 */
	{ 0xd03170d3, RV_OP_FCVT_S_LU, 1, 2, 3, 0, 0, 7 },	/* fcvt.s.lu f1, x2 */
	{ 0xf00100d3, RV_OP_FMV_W_X, 1, 2, 0, 0, 0, 0 },	/* fmv.w.x f1, x2 */
	{ 0xff813087, RV_OP_FLD, 1, 2, 0, 0, -8, 0 },	/* fld f1, -8(x2) */
	{ 0x00313827, RV_OP_FSD, 0, 2, 3, 0, 16, 0 },	/* fsd f3, 16(x2) */
	{ 0x223170c3, RV_OP_FMADD_D, 1, 2, 3, 4, 0, 7 },	/* fmadd.d f1, f2, f3, f4 */
	{ 0x223170c7, RV_OP_FMSUB_D, 1, 2, 3, 4, 0, 7 },	/* fmsub.d f1, f2, f3, f4 */
	{ 0x223170cb, RV_OP_FNMSUB_D, 1, 2, 3, 4, 0, 7 },	/* fnmsub.d f1, f2, f3, f4 */
	{ 0x223170cf, RV_OP_FNMADD_D, 1, 2, 3, 4, 0, 7 },	/* fnmadd.d f1, f2, f3, f4 */
	{ 0x023170d3, RV_OP_FADD_D, 1, 2, 3, 0, 0, 7 },	/* fadd.d f1, f2, f3 */
	{ 0x0a3170d3, RV_OP_FSUB_D, 1, 2, 3, 0, 0, 7 },	/* fsub.d f1, f2, f3 */
	{ 0x123170d3, RV_OP_FMUL_D, 1, 2, 3, 0, 0, 7 },	/* fmul.d f1, f2, f3 */
	{ 0x1a3170d3, RV_OP_FDIV_D, 1, 2, 3, 0, 0, 7 },	/* fdiv.d f1, f2, f3 */
	{ 0x5a0170d3, RV_OP_FSQRT_D, 1, 2, 0, 0, 0, 7 },	/* fsqrt.d f1, f2 */
	{ 0x223100d3, RV_OP_FSGNJ_D, 1, 2, 3, 0, 0, 0 },	/* fsgnj.d f1, f2, f3 */
	{ 0x223110d3, RV_OP_FSGNJN_D, 1, 2, 3, 0, 0, 0 },	/* fsgnjn.d f1, f2, f3 */
	{ 0x223120d3, RV_OP_FSGNJX_D, 1, 2, 3, 0, 0, 0 },	/* fsgnjx.d f1, f2, f3 */
	{ 0x2a3100d3, RV_OP_FMIN_D, 1, 2, 3, 0, 0, 0 },	/* fmin.d f1, f2, f3 */
	{ 0x2a3110d3, RV_OP_FMAX_D, 1, 2, 3, 0, 0, 0 },	/* fmax.d f1, f2, f3 */
	{ 0x401170d3, RV_OP_FCVT_S_D, 1, 2, 1, 0, 0, 7 },	/* fcvt.s.d f1, f2 */
	{ 0x420100d3, RV_OP_FCVT_D_S, 1, 2, 0, 0, 0, 0 },	/* fcvt.d.s f1, f2 */
	{ 0xc20170d3, RV_OP_FCVT_W_D, 1, 2, 0, 0, 0, 7 },	/* fcvt.w.d x1, f2 */
	{ 0xc21170d3, RV_OP_FCVT_WU_D, 1, 2, 1, 0, 0, 7 },	/* fcvt.wu.d x1, f2 */
	{ 0xc22170d3, RV_OP_FCVT_L_D, 1, 2, 2, 0, 0, 7 },	/* fcvt.l.d x1, f2 */
	{ 0xc23170d3, RV_OP_FCVT_LU_D, 1, 2, 3, 0, 0, 7 },	/* fcvt.lu.d x1, f2 */
	{ 0xe20100d3, RV_OP_FMV_X_D, 1, 2, 0, 0, 0, 0 },	/* fmv.x.d x1, f2 */
	{ 0xa23120d3, RV_OP_FEQ_D, 1, 2, 3, 0, 0, 0 },	/* feq.d x1, f2, f3 */
	{ 0xa23110d3, RV_OP_FLT_D, 1, 2, 3, 0, 0, 0 },	/* flt.d x1, f2, f3 */
	{ 0xa23100d3, RV_OP_FLE_D, 1, 2, 3, 0, 0, 0 },	/* fle.d x1, f2, f3 */
	{ 0xe20110d3, RV_OP_FCLASS_D, 1, 2, 0, 0, 0, 0 },	/* fclass.d x1, f2 */
	{ 0xd20100d3, RV_OP_FCVT_D_W, 1, 2, 0, 0, 0, 0 },	/* fcvt.d.w f1, x2 */
	{ 0xd21100d3, RV_OP_FCVT_D_WU, 1, 2, 1, 0, 0, 0 },	/* fcvt.d.wu f1, x2 */
	{ 0xd22170d3, RV_OP_FCVT_D_L, 1, 2, 2, 0, 0, 7 },	/* fcvt.d.l f1, x2 */
	{ 0xd23170d3, RV_OP_FCVT_D_LU, 1, 2, 3, 0, 0, 7 },	/* fcvt.d.lu f1, x2 */
	{ 0xf20100d3, RV_OP_FMV_D_X, 1, 2, 0, 0, 0, 0 },	/* fmv.d.x f1, x2 */
};

/* compressed: the 32-bit instruction each one stands for */
static const struct row rows16[] = {
	{ 0x1fe0, RV_OP_ADDI, 8, 2, 0, 0, 1020, 0 },	/* c.addi4spn x8, x2, 1020 */
	{ 0x3fe0, RV_OP_FLD, 8, 15, 0, 0, 248, 0 },	/* c.fld f8, 248(x15) */
	{ 0x5d64, RV_OP_LW, 9, 10, 0, 0, 124, 0 },	/* c.lw x9, 124(x10) */
	{ 0x7d64, RV_OP_LD, 9, 10, 0, 0, 248, 0 },	/* c.ld x9, 248(x10) */
	{ 0xa404, RV_OP_FSD, 0, 8, 9, 0, 8, 0 },	/* c.fsd f9, 8(x8) */
	{ 0xc024, RV_OP_SW, 0, 8, 9, 0, 64, 0 },	/* c.sw x9, 64(x8) */
	{ 0xe05c, RV_OP_SD, 0, 8, 15, 0, 128, 0 },	/* c.sd x15, 128(x8) */
	{ 0x0001, RV_OP_ADDI, 0, 0, 0, 0, 0, 0 },	/* c.nop */
	{ 0x1281, RV_OP_ADDI, 5, 5, 0, 0, -32, 0 },	/* c.addi x5, -32 */
	{ 0x237d, RV_OP_ADDIW, 6, 6, 0, 0, 31, 0 },	/* c.addiw x6, 31 */
	{ 0x53fd, RV_OP_ADDI, 7, 0, 0, 0, -1, 0 },	/* c.li x7, -1 */
	{ 0x7101, RV_OP_ADDI, 2, 2, 0, 0, -512, 0 },	/* c.addi16sp -512 */
	{ 0x617d, RV_OP_ADDI, 2, 2, 0, 0, 496, 0 },	/* c.addi16sp 496 */
	{ 0x7501, RV_OP_LUI, 10, 0, 0, 0, -131072, 0 },	/* c.lui x10, 0xfffe0 */
	{ 0x657d, RV_OP_LUI, 10, 0, 0, 0, 0x1f000, 0 },	/* c.lui x10, 0x1f */
	{ 0x907d, RV_OP_SRLI, 8, 8, 0, 0, 63, 0 },	/* c.srli x8, 63 */
	{ 0x8485, RV_OP_SRAI, 9, 9, 0, 0, 1, 0 },	/* c.srai x9, 1 */
	{ 0x9941, RV_OP_ANDI, 10, 10, 0, 0, -16, 0 },	/* c.andi x10, -16 */
	{ 0x8c05, RV_OP_SUB, 8, 8, 9, 0, 0, 0 },	/* c.sub x8, x9 */
	{ 0x8c25, RV_OP_XOR, 8, 8, 9, 0, 0, 0 },	/* c.xor x8, x9 */
	{ 0x8c45, RV_OP_OR, 8, 8, 9, 0, 0, 0 },		/* c.or x8, x9 */
	{ 0x8c65, RV_OP_AND, 8, 8, 9, 0, 0, 0 },	/* c.and x8, x9 */
	{ 0x9c05, RV_OP_SUBW, 8, 8, 9, 0, 0, 0 },	/* c.subw x8, x9 */
	{ 0x9c25, RV_OP_ADDW, 8, 8, 9, 0, 0, 0 },	/* c.addw x8, x9 */
	{ 0xb001, RV_OP_JAL, 0, 0, 0, 0, -2048, 0 },	/* c.j .-2048 */
	{ 0xaffd, RV_OP_JAL, 0, 0, 0, 0, 2046, 0 },	/* c.j .+2046 */
	{ 0xd001, RV_OP_BEQ, 0, 8, 0, 0, -256, 0 },	/* c.beqz x8, .-256 */
	{ 0xeffd, RV_OP_BNE, 0, 15, 0, 0, 254, 0 },	/* c.bnez x15, .+254 */
	{ 0x12fe, RV_OP_SLLI, 5, 5, 0, 0, 63, 0 },	/* c.slli x5, 63 */
	{ 0x30fe, RV_OP_FLD, 1, 2, 0, 0, 504, 0 },	/* c.fldsp f1, 504(x2) */
	{ 0x51fe, RV_OP_LW, 3, 2, 0, 0, 252, 0 },	/* c.lwsp x3, 252(x2) */
	{ 0x727e, RV_OP_LD, 4, 2, 0, 0, 504, 0 },	/* c.ldsp x4, 504(x2) */
	{ 0x8082, RV_OP_JALR, 0, 1, 0, 0, 0, 0 },	/* c.jr x1 */
	{ 0x829a, RV_OP_ADD, 5, 0, 6, 0, 0, 0 },	/* c.mv x5, x6 */
	{ 0x9002, RV_OP_EBREAK, 0, 0, 0, 0, 0, 0 },	/* c.ebreak */
	{ 0x9382, RV_OP_JALR, 1, 7, 0, 0, 0, 0 },	/* c.jalr x7 */
	{ 0x929a, RV_OP_ADD, 5, 5, 6, 0, 0, 0 },	/* c.add x5, x6 */
	{ 0xbf8a, RV_OP_FSD, 0, 2, 2, 0, 504, 0 },	/* c.fsdsp f2, 504(x2) */
	{ 0xdf8e, RV_OP_SW, 0, 2, 3, 0, 252, 0 },	/* c.swsp x3, 252(x2) */
	{ 0xff92, RV_OP_SD, 0, 2, 4, 0, 504, 0 },	/* c.sdsp x4, 504(x2) */
};

static void check_row(const struct row *r, unsigned len, bool rm)
{
	struct rv_insn in;
	char what[128];
	bool ok = rv_decode(r->word, &in);

	snprintf(what, sizeof(what), "0x%08x decodes as %s", r->word,
		 rv_op_name(r->op));
	ok = ok && in.op == r->op && in.rd == r->rd && in.rs1 == r->rs1 &&
	     in.rs2 == r->rs2 && in.rs3 == r->rs3 && in.imm == r->imm &&
	     in.len == len && (!rm || in.rm == r->rm);
	if (!ok)
		fprintf(stderr, "  got %s rd=%u rs1=%u rs2=%u rs3=%u imm=%d rm=%u len=%u\n",
			rv_op_name(in.op), in.rd, in.rs1, in.rs2, in.rs3,
			in.imm, in.rm, in.len);
	test_assert(ok, what);
}

static void test_every_32bit_form_decodes_with_its_fields(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows32) / sizeof(rows32[0]); i++)
		check_row(&rows32[i], 4, true);
}

static void test_every_compressed_form_expands_to_its_32bit_twin(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows16) / sizeof(rows16[0]); i++)
		check_row(&rows16[i], 2, false);
}

static bool illegal(uint32_t w)
{
	struct rv_insn in;

	return !rv_decode(w, &in) && in.op == RV_OP_ILLEGAL;
}

static void test_reserved_encodings_are_illegal(void)
{
	test_assert(illegal(0x0000), "the all-zero parcel is illegal");
	test_assert(illegal(0xffffffff), "all ones is illegal");
	test_assert(illegal(0x0000001f), "a 48-bit encoding is illegal");
	test_assert(illegal(0x6101), "c.addi16sp with imm 0 is reserved");
	test_assert(illegal(0x6501), "c.lui with imm 0 is reserved");
	test_assert(illegal(0x2001), "c.addiw with rd x0 is reserved");
	test_assert(illegal(0x4002), "c.lwsp with rd x0 is reserved");
	test_assert(illegal(0x6002), "c.ldsp with rd x0 is reserved");
	test_assert(illegal(0x8002), "c.jr with rs1 x0 is reserved");
	test_assert(illegal(0x8000), "quadrant 0 funct3 100 is reserved");
	test_assert(illegal(0x9c45), "c.subw's reserved neighbour is illegal");
	test_assert(illegal(0x10500073), "wfi is illegal in user mode");
	test_assert(illegal(0x30200073), "mret is illegal in user mode");
	test_assert(illegal(0x003150d3),
		    "fadd.s with rm 5 is reserved");
	test_assert(illegal(0x023160d3),
		    "fadd.d with rm 6 is reserved");
	test_assert(illegal(0x0420f0d3), "fadd.h (Zfh) is not implemented");
	test_assert(illegal(0x06000053), "fadd.q is not implemented");
	test_assert(illegal(0x40011093),
		    "slli with funct6 0x10 is illegal");
	test_assert(illegal(0x00000003 | (7u << 12)),
		    "load funct3 7 is illegal");
	test_assert(illegal(0x0001700b), "custom-0 is illegal");
	test_assert(illegal(0x0000f0b3 | (3u << 25)),
		    "op with funct7 3 is illegal");
	test_assert(illegal(0x0000f003), "ldu (funct3 7) does not exist");
	test_assert(illegal(0x0000c023), "store funct3 4 does not exist");
	test_assert(illegal(0x00002063), "branch funct3 2 does not exist");
	test_assert(illegal(0x00001067),
		    "jalr with funct3 1 is illegal");
	test_assert(illegal(0x1011212f), "lr.w with rs2 set is reserved");
	test_assert(illegal(0x0011412f), "amo with funct3 4 is illegal");
	test_assert(illegal(0x023130bb),
		    "op-32 m with funct3 3 is illegal");
	test_assert(illegal(0x581170d3),
		    "fsqrt.s with rs2 1 is illegal");
	test_assert(illegal(0xe00130d3), "fclass.s with funct3 3 is illegal");
}

static void test_lengths_follow_the_low_bits(void)
{
	test_assert(rv_insn_len(0x0001) == 2, "quadrant 1 is 16 bits");
	test_assert(rv_insn_len(0x0002) == 2, "quadrant 2 is 16 bits");
	test_assert(rv_insn_len(0x0013) == 4, "bits 1:0 = 11 is 32 bits");
}

static void test_block_ends_are_the_control_flow_ops(void)
{
	test_assert(rv_op_ends_block(RV_OP_JAL), "jal ends a block");
	test_assert(rv_op_ends_block(RV_OP_BGEU), "bgeu ends a block");
	test_assert(rv_op_ends_block(RV_OP_ECALL), "ecall ends a block");
	test_assert(rv_op_ends_block(RV_OP_FENCE_I), "fence.i ends a block");
	test_assert(!rv_op_ends_block(RV_OP_ADD), "add does not end a block");
	test_assert(!rv_op_ends_block(RV_OP_FENCE), "fence does not end one");
}

static void test_names_match_the_assembler(void)
{
	test_assert(!strcmp(rv_op_name(RV_OP_AMOMAXU_D), "amomaxu.d"),
		    "amomaxu.d is named");
	test_assert(!strcmp(rv_op_name(RV_OP_FCVT_LU_S), "fcvt.lu.s"),
		    "fcvt.lu.s is named");
	test_assert(!strcmp(rv_op_name(9999), "illegal"),
		    "out of range is illegal");
}

int main(void)
{
	test_every_32bit_form_decodes_with_its_fields();
	test_every_compressed_form_expands_to_its_32bit_twin();
	test_reserved_encodings_are_illegal();
	test_lengths_follow_the_low_bits();
	test_block_ends_are_the_control_flow_ops();
	test_names_match_the_assembler();
	return test_report();
}
