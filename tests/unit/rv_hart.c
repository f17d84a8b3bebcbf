/*
 * rv_hart -- unit tests for the system-mode RISC-V hart (src/vm/rv/hart.c,
 * mmu.c): small hand-assembled programs in a fake machine's RAM, whose
 * SBI hook records what the guest reports.
 *
 * Memory map of the fake machine: RAM at 0x80000000 (16 MiB), a device
 * at 0x10000000 (one page; reads answer 0x11223344 + offset, writes are
 * logged), nothing else (access fault).  Programs start at CODE in
 * S-mode; every test shares one trap handler at HANDLER that reports
 * scause, stval, sepc (SBI call REPORT), acknowledges an interrupt (SBI
 * call ACK lowers the line) or skips the faulting instruction, and
 * returns with sret.  SBI call EXIT (the legacy shutdown, 8) stops the
 * hart.
 *
 * The whole suite runs twice: with the reference interpreter, and with
 * translated code (src/emu/jit.c in system mode), which must agree; the
 * test_jit_* ones aim at what only translated code can get wrong.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vm/rv/hart.h"
#include "vm/rv/mmu.h"
#include "unit/rv_asm.h"
#include "unit/test.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(16ull << 20)
#define DEV_BASE	0x10000000ull
#define CODE		(RAM_BASE + 0x0000)
#define HANDLER		(RAM_BASE + 0x1000)
#define UCODE		(RAM_BASE + 0x3000)
#define DATA		(RAM_BASE + 0x10000)
#define PT		(RAM_BASE + 0x100000)	/* page tables, 4 KiB each */

#define SBI_EXIT	8
#define SBI_REPORT	0x10
#define SBI_ACK		0x12
#define SBI_SUSPEND	0x14	/* a0: 0 retentive, else resume at a1, a2 */

/* registers */
enum { ZERO, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5,
       A6, A7, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, T3, T4, T5, T6 };

/* CSRs */
#define SSTATUS		0x100
#define SIE		0x104
#define STVEC		0x105
#define SCOUNTEREN	0x106
#define SENVCFG		0x10a
#define SSCRATCH	0x140
#define SEPC		0x141
#define SCAUSE		0x142
#define STVAL		0x143
#define SIP		0x144
#define SATP		0x180
#define CYCLE		0xc00
#define TIME		0xc01
#define MSTATUS		0x300

static uint8_t *ram;
static struct gmem mem;

struct report {
	uint64_t cause, tval, epc;
};

static struct {
	struct report r[64];
	int n;
	uint64_t dev_reads, dev_last_read_pa;
	uint64_t dev_writes, dev_last_write_pa, dev_last_write_val;
	unsigned dev_last_len;
	uint64_t time;
} fm;

static struct rv_hart *hart;

/* ---- the fake machine ------------------------------------------------- */

static int fm_mmio_read(void *ctx, uint64_t pa, void *data, unsigned len)
{
	uint64_t v = 0x11223344 + (pa - DEV_BASE);

	if (pa < DEV_BASE || pa + len > DEV_BASE + 0x1000)
		return -1;
	fm.dev_reads++;
	fm.dev_last_read_pa = pa;
	fm.dev_last_len = len;
	memcpy(data, &v, len);
	return 0;
}

static int fm_mmio_write(void *ctx, uint64_t pa, const void *data,
			 unsigned len)
{
	uint64_t v = 0;

	if (pa < DEV_BASE || pa + len > DEV_BASE + 0x1000)
		return -1;
	memcpy(&v, data, len);
	fm.dev_writes++;
	fm.dev_last_write_pa = pa;
	fm.dev_last_write_val = v;
	fm.dev_last_len = len;
	return 0;
}

static int fm_sbi(void *ctx, struct rv_hart *h)
{
	uint64_t a7 = rv_hart_reg(h, A7);

	switch (a7) {
	case SBI_EXIT:
		return 1;
	case SBI_REPORT:
		if (fm.n < 64) {
			fm.r[fm.n].cause = rv_hart_reg(h, A0);
			fm.r[fm.n].tval = rv_hart_reg(h, A1);
			fm.r[fm.n].epc = rv_hart_reg(h, A2);
			fm.n++;
		}
		return 0;
	case SBI_ACK:
		rv_hart_set_pending(h, rv_hart_reg(h, A0) & 63, 0);
		return 0;
	case SBI_SUSPEND:	/* as the machine's HSM suspend */
		rv_hart_suspend(h);
		if (rv_hart_reg(h, A0))
			rv_hart_resume_at(h, rv_hart_reg(h, A1),
					  rv_hart_reg(h, A2));
		rv_hart_set_reg(h, A0, 0);
		return 0;
	}
	return 0;
}

static uint64_t fm_time(void *ctx)
{
	return fm.time;
}

static const struct rv_hart_ops fm_ops = {
	.mmio_read = fm_mmio_read,
	.mmio_write = fm_mmio_write,
	.sbi_call = fm_sbi,
	.time = fm_time,
};

static void *host(uint64_t pa)
{
	return ram + (pa - RAM_BASE);
}

static uint64_t rd64(uint64_t pa)
{
	uint64_t v;

	memcpy(&v, host(pa), 8);
	return v;
}

static void wr64(uint64_t pa, uint64_t v)
{
	memcpy(host(pa), &v, 8);
}

/* ---- an assembler ------------------------------------------------------ */

static uint64_t pc_emit;

static void emit(uint32_t w)
{
	memcpy(host(pc_emit), &w, 4);
	pc_emit += 4;
}

#define ADDI(rd, rs, imm)	emit(I(imm, rs, 0, rd, 0x13))
#define ORI(rd, rs, imm)	emit(I(imm, rs, 6, rd, 0x13))
#define ANDI(rd, rs, imm)	emit(I(imm, rs, 7, rd, 0x13))
#define SLLI(rd, rs, sh)	emit(I(sh, rs, 1, rd, 0x13))
#define ADD(rd, a, b)		emit(R(0, b, a, 0, rd, 0x33))
#define LD(rd, rs, off)		emit(I(off, rs, 3, rd, 0x03))
#define LW(rd, rs, off)		emit(I(off, rs, 2, rd, 0x03))
#define LB(rd, rs, off)		emit(I(off, rs, 0, rd, 0x03))
#define SD(rs2, rs1, off)	emit(S(off, rs2, rs1, 3))
#define SW(rs2, rs1, off)	emit(S(off, rs2, rs1, 2))
#define CSRRW(rd, csr, rs)	emit(I(csr, rs, 1, rd, 0x73))
#define CSRRS(rd, csr, rs)	emit(I(csr, rs, 2, rd, 0x73))
#define CSRRC(rd, csr, rs)	emit(I(csr, rs, 3, rd, 0x73))
#define CSRR(rd, csr)		CSRRS(rd, csr, ZERO)
#define CSRW(csr, rs)		CSRRW(ZERO, csr, rs)
#define ECALL()			emit(0x00000073)
#define EBREAK()		emit(0x00100073)
#define SRET()			emit(0x10200073)
#define WFI()			emit(0x10500073)
#define SFENCE_VMA(rs1)		emit(R(9, 0, rs1, 0, 0, 0x73))
#define BLT(a, b, off)		emit(B(off, b, a, 4))
#define BNE(a, b, off)		emit(B(off, b, a, 1))
#define J_SELF()		emit(0x0000006f)	/* jal x0, 0 */
#define AMOADD_D(rd, rs2, rs1)	emit(R(0x00 << 2, rs2, rs1, 3, rd, 0x2f))
#define LR_D(rd, rs1)		emit(R(0x02 << 2, 0, rs1, 3, rd, 0x2f))
#define SC_D(rd, rs2, rs1)	emit(R(0x03 << 2, rs2, rs1, 3, rd, 0x2f))
#define FMV_D_X(fd, rs)		emit(R(0x79, 0, rs, 0, fd, 0x53))
#define FADD_D(fd, a, b)	emit(R(0x01, b, a, 7, fd, 0x53))
#define FMV_X_D(rd, fs)		emit(R(0x71, 0, fs, 0, rd, 0x53))
#define JALR(rd, rs, off)	emit(I(off, rs, 0, rd, 0x67))
#define RET()			JALR(ZERO, RA, 0)
#define FENCE_I()		emit(0x0000100f)

/* any 64-bit constant: 11 bits at a time */
static void LI(unsigned rd, uint64_t v)
{
	ADDI(rd, ZERO, 0);
	for (int sh = 55; sh >= 0; sh -= 11) {
		SLLI(rd, rd, 11);
		ORI(rd, rd, (v >> sh) & 0x7ff);
	}
}

static void REPORT(unsigned a0, unsigned a1, unsigned a2)
{
	ADDI(A0, a0, 0);
	ADDI(A1, a1, 0);
	ADDI(A2, a2, 0);
	ADDI(A7, ZERO, SBI_REPORT);
	ECALL();
}

static void EXIT(void)
{
	ADDI(A7, ZERO, SBI_EXIT);
	ECALL();
}

/* the shared trap handler: report; an interrupt is acknowledged, a
 * fetch fault returns to ra, another exception skips the instruction */
static void emit_handler(void)
{
	pc_emit = HANDLER;
	CSRR(A0, SCAUSE);
	CSRR(A1, STVAL);
	CSRR(A2, SEPC);
	ADDI(A7, ZERO, SBI_REPORT);
	ECALL();
	BLT(A0, ZERO, 32);		/* interrupt: ack */
	ADDI(T5, ZERO, 12);
	BNE(A0, T5, 12);
	CSRW(SEPC, RA);			/* fetch page fault: back to ra */
	SRET();
	ADDI(A2, A2, 4);		/* exception: skip it */
	CSRW(SEPC, A2);
	SRET();
	ADDI(A7, ZERO, SBI_ACK);	/* a0 = cause */
	ECALL();
	SRET();
}

/* start a program at CODE: stvec = HANDLER */
static void begin(void)
{
	memset(&fm, 0, sizeof(fm));
	memset(ram, 0, RAM_SIZE);
	emit_handler();
	pc_emit = CODE;
	LI(T6, HANDLER);
	CSRW(STVEC, T6);
}

static enum rv_hart_end run(void)
{
	rv_hart_boot(hart, CODE, 0x1234);
	return rv_hart_run(hart);
}

static void expect_report(int i, uint64_t cause, uint64_t tval,
			  const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s: report %d is cause %#llx tval %#llx "
		 "(got %#llx %#llx, %d reports)", what, i,
		 (unsigned long long)cause, (unsigned long long)tval,
		 (unsigned long long)fm.r[i].cause,
		 (unsigned long long)fm.r[i].tval, fm.n);
	test_assert(i < fm.n && fm.r[i].cause == cause && fm.r[i].tval == tval,
		    msg);
}

/* ---- page tables -------------------------------------------------------- */

static uint64_t pt_next;

static uint64_t pt_alloc(void)
{
	uint64_t pa = pt_next;

	pt_next += 0x1000;
	memset(host(pa), 0, 0x1000);
	return pa;
}

static uint64_t pte(uint64_t pa, unsigned flags)
{
	return (pa >> 12) << 10 | flags;
}

/* map va -> pa at @level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB) under @root */
static void map(uint64_t root, unsigned levels, uint64_t va, uint64_t pa,
		int level, unsigned flags)
{
	uint64_t table = root;

	for (int l = levels - 1; l > level; l--) {
		uint64_t slot = table + ((va >> (12 + 9 * l)) & 511) * 8;
		uint64_t e = rd64(slot);

		if (!(e & RV_PTE_V)) {
			e = pte(pt_alloc(), RV_PTE_V);
			wr64(slot, e);
		}
		table = (e >> 10) << 12;
	}
	wr64(table + ((va >> (12 + 9 * level)) & 511) * 8, pte(pa, flags));
}

#define KRWX	(RV_PTE_V | RV_PTE_R | RV_PTE_W | RV_PTE_X | RV_PTE_A | RV_PTE_D)

/* root with RAM identity-mapped (1 GiB, kernel RWX) and the device page */
static uint64_t pt_begin(unsigned levels)
{
	uint64_t root;

	pt_next = PT;
	root = pt_alloc();
	map(root, levels, RAM_BASE, RAM_BASE, 2, KRWX);
	map(root, levels, DEV_BASE, DEV_BASE, 0,
	    RV_PTE_V | RV_PTE_R | RV_PTE_W | RV_PTE_A | RV_PTE_D);
	return root;
}

static void enable_paging(uint64_t root, uint64_t mode)
{
	LI(T6, mode << 60 | root >> 12);
	CSRW(SATP, T6);
	SFENCE_VMA(ZERO);
}

/* ---- tests -------------------------------------------------------------- */

static void test_boot_state(void)
{
	char buf[256];

	begin();
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "exit stops the hart");
	test_assert(rv_hart_reg(hart, A0) == 0 && rv_hart_reg(hart, A1) == 0x1234,
		    "a0 = hartid, a1 = dtb at boot");
	test_assert(rv_hart_pc(hart) == pc_emit, "pc after the ecall");
	test_assert(rv_hart_insns(hart) > 10, "instructions counted");
	rv_hart_describe(hart, buf, sizeof(buf));
	test_assert(strstr(buf, "priv S") != NULL, "describe names the priv");
}

static void test_csrs(void)
{
	begin();
	/* sscratch round trip */
	LI(S0, 0x123456789abcdef0ull);
	CSRW(SSCRATCH, S0);
	CSRR(S1, SSCRATCH);
	BNE(S0, S1, 8);
	REPORT(ZERO, ZERO, ZERO);	/* report 0: sscratch ok */
	CSRR(S2, SSTATUS);
	SLLI(S2, S2, 30);		/* UXL at bits 33:32 -> 63:62 */
	REPORT(S2, ZERO, ZERO);		/* report 1 */
	/* sie: only SSIE STIE SEIE */
	ADDI(S0, ZERO, -1);
	CSRW(SIE, S0);
	CSRR(S3, SIE);
	REPORT(S3, ZERO, ZERO);		/* report 2 */
	CSRW(SIE, ZERO);
	/* sip: SSIP writable, the others not */
	ADDI(S0, ZERO, -1);
	CSRW(SIP, S0);
	CSRR(S3, SIP);
	CSRW(SIP, ZERO);
	CSRR(S4, SIP);
	REPORT(S3, S4, ZERO);		/* report 3 */
	/* satp: Sv57 and Sv48 (not offered) are ignored */
	LI(S0, 10ull << 60 | 0x80123);
	CSRW(SATP, S0);
	CSRR(S3, SATP);
	LI(S0, 9ull << 60 | 0x80123);
	CSRW(SATP, S0);
	CSRR(S4, SATP);
	REPORT(S3, S4, ZERO);		/* report 4 */
	/* scounteren at boot, senvcfg masking, stvec modes */
	CSRR(S3, SCOUNTEREN);
	ADDI(S0, ZERO, -1);
	CSRW(SENVCFG, S0);
	CSRR(S4, SENVCFG);
	REPORT(S3, S4, ZERO);		/* report 5 */
	/* time from ops->time, cycle counts */
	CSRR(S3, TIME);
	CSRR(S4, CYCLE);
	REPORT(S3, S4, ZERO);		/* report 6 */
	/* an M-mode CSR: illegal, stval = the instruction */
	CSRR(S3, MSTATUS);		/* report 7 */
	/* a write to a read-only counter: illegal */
	CSRW(TIME, ZERO);		/* report 8 */
	/* sepc drops bit 0 */
	LI(S0, 0x1001);
	CSRW(SEPC, S0);
	CSRR(S3, SEPC);
	REPORT(S3, ZERO, ZERO);		/* report 9 */
	EBREAK();			/* report 10 */
	EXIT();
	fm.time = 4242;
	test_assert(run() == RV_HART_STOPPED, "csr program ends");
	expect_report(0, 0, 0, "sscratch reads back");
	expect_report(1, 2ull << 62, 0, "sstatus.UXL = 2");
	expect_report(2, 0x222, 0, "sie keeps SSIE STIE SEIE");
	expect_report(3, 2, 0, "sip: only SSIP written");
	expect_report(4, 0, 0, "satp: unsupported modes ignored");
	expect_report(5, 7, 1, "scounteren 7, senvcfg FIOM only");
	test_assert(fm.r[6].cause == 4242 && fm.r[6].tval > 0,
		    "time from ops, cycle counts");
	expect_report(7, 2, I(MSTATUS, ZERO, 2, S3, 0x73),
		      "M-mode CSR is illegal with stval = insn");
	expect_report(8, 2, I(TIME, ZERO, 1, ZERO, 0x73),
		      "writing time is illegal");
	expect_report(9, 0x1000, 0, "sepc bit 0 is zero");
	test_assert(fm.n > 10 && fm.r[10].cause == 3, "ebreak: breakpoint");
}

/* sret to U-mode; U ecall, U CSR access, privileged instructions in U */
static void test_user_mode(void)
{
	begin();
	LI(S0, UCODE);
	CSRW(SEPC, S0);
	LI(S0, 1ull << 8);		/* SPP = U */
	CSRRC(ZERO, SSTATUS, S0);
	SRET();
	pc_emit = UCODE;
	ECALL();			/* report 0: cause 8 */
	CSRR(S1, SSTATUS);		/* report 1: illegal */
	CSRR(S1, TIME);			/* allowed: scounteren = 7 */
	SRET();				/* report 2: illegal in U */
	WFI();				/* report 3: illegal in U */
	ADDI(A7, ZERO, SBI_EXIT);
	ECALL();			/* report 4: not an SBI call from U */
	EBREAK();			/* report 5 */
	J_SELF();
}

static void *run_thread(void *arg)
{
	enum rv_hart_end *end = arg;

	*end = rv_hart_run(hart);
	return NULL;
}

/* run in a thread until @n reports arrived (or 2 s), then stop it */
static enum rv_hart_end run_until_reports(int n)
{
	enum rv_hart_end end = RV_HART_CRASHED;
	pthread_t t;

	rv_hart_boot(hart, CODE, 0);
	pthread_create(&t, NULL, run_thread, &end);
	for (int i = 0; i < 2000 && __atomic_load_n(&fm.n, __ATOMIC_SEQ_CST) < n;
	     i++)
		usleep(1000);
	rv_hart_stop(hart);
	pthread_join(t, NULL);
	return end;
}

static void test_user(void)
{
	test_user_mode();
	test_assert(run_until_reports(6) == RV_HART_STOPPED,
		    "rv_hart_stop ends a spinning hart");
	expect_report(0, 8, 0, "U ecall: cause 8");
	test_assert(fm.r[0].epc == UCODE, "sepc = the U ecall");
	expect_report(1, 2, I(SSTATUS, ZERO, 2, S1, 0x73),
		      "U access to sstatus is illegal");
	expect_report(2, 2, 0x10200073, "sret in U is illegal");
	expect_report(3, 2, 0x10500073, "wfi in U is illegal");
	expect_report(4, 8, 0, "U ecall never reaches the SBI");
	expect_report(5, 3, UCODE + 28, "ebreak in U: stval = pc");
}

/* sstatus.SPP and SPIE after a trap from U; U rdtime without scounteren */
static void test_user_counters(void)
{
	begin();
	CSRW(SCOUNTEREN, ZERO);
	LI(S0, UCODE);
	CSRW(SEPC, S0);
	SRET();
	pc_emit = UCODE;
	CSRR(S1, TIME);			/* report 0: illegal */
	CSRR(S1, CYCLE);		/* report 1: illegal */
	ECALL();			/* report 2 */
	J_SELF();
	test_assert(run_until_reports(3) == RV_HART_STOPPED, "U program");
	expect_report(0, 2, I(TIME, ZERO, 2, S1, 0x73),
		      "U rdtime traps without scounteren.TM");
	expect_report(1, 2, I(CYCLE, ZERO, 2, S1, 0x73),
		      "U rdcycle traps without scounteren.CY");
	expect_report(2, 8, 0, "then the ecall");
}

static void test_fp_state(void)
{
	begin();
	LI(S0, 3ull << 13);
	CSRRC(ZERO, SSTATUS, S0);	/* FS = Off */
	FMV_D_X(1, ZERO);		/* report 0: illegal */
	CSRR(S1, 0x003);		/* report 1: fcsr illegal */
	LI(S0, 1ull << 13);
	CSRRS(ZERO, SSTATUS, S0);	/* FS = Initial */
	CSRR(S2, SSTATUS);
	LI(S0, 0x4000000000000000ull);	/* 2.0 */
	FMV_D_X(1, S0);
	FADD_D(2, 1, 1);
	FMV_X_D(S3, 2);
	CSRR(S4, SSTATUS);
	REPORT(S2, S3, S4);		/* report 2 */
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "fp program");
	expect_report(0, 2, R(0x79, 0, ZERO, 0, 1, 0x53),
		      "F/D with FS off is illegal");
	expect_report(1, 2, I(3, ZERO, 2, S1, 0x73), "fcsr with FS off");
	test_assert(fm.n > 2 && ((fm.r[2].cause >> 13) & 3) == 1,
		    "FS reads Initial");
	test_assert(fm.n > 2 && fm.r[2].tval == 0x4010000000000000ull,
		    "2.0 + 2.0 = 4.0");
	test_assert(fm.n > 2 && ((fm.r[2].epc >> 13) & 3) == 3 &&
		    (fm.r[2].epc >> 63),
		    "FS Dirty and SD after an FP instruction");
}

static void test_mmio_and_access_faults(void)
{
	begin();
	LI(S0, DEV_BASE + 0x10);
	LW(S1, S0, 0);
	LI(S2, 0xabcd);
	SD(S2, S0, 8);
	REPORT(S1, ZERO, ZERO);		/* report 0 */
	LI(S0, 0x20000000);
	LD(S1, S0, 0);			/* report 1: load access fault */
	SD(S1, S0, 0);			/* report 2: store access fault */
	AMOADD_D(S1, S1, S0);		/* report 3: store access fault */
	LI(S0, DEV_BASE);
	AMOADD_D(S1, S1, S0);		/* report 4: AMO on a device */
	LI(S0, DATA + 3);
	LR_D(S1, S0);			/* report 5: misaligned LR */
	AMOADD_D(S1, S1, S0);		/* report 6: misaligned AMO */
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "mmio program");
	expect_report(0, 0x11223354, 0, "device read reaches ops");
	test_assert(fm.dev_writes == 1 && fm.dev_last_write_pa == DEV_BASE + 0x18 &&
		    fm.dev_last_write_val == 0xabcd && fm.dev_last_len == 8,
		    "device write reaches ops");
	expect_report(1, 5, 0x20000000, "load access fault");
	expect_report(2, 7, 0x20000000, "store access fault");
	expect_report(3, 7, 0x20000000, "AMO access fault");
	expect_report(4, 7, DEV_BASE, "AMO on a device faults");
	expect_report(5, 4, DATA + 3, "misaligned LR");
	expect_report(6, 6, DATA + 3, "misaligned AMO");
}

static void test_paging(unsigned levels, uint64_t mode)
{
	uint64_t root, p4k = RAM_BASE + 0x200000, p2m = RAM_BASE + 0x400000;
	uint64_t va4k = 0x40000000, va2m = 0x40200000, vau = 0x40400000;
	uint64_t vax = 0x40401000, vabad = 0x40600000, vacross = 0x40402000;
	char what[64];

	begin();
	root = pt_begin(levels);
	map(root, levels, va4k, p4k, 0, RV_PTE_V | RV_PTE_R | RV_PTE_W);
	map(root, levels, va2m, p2m, 1, RV_PTE_V | RV_PTE_R | RV_PTE_A);
	map(root, levels, vau, p4k + 0x1000, 0,
	    RV_PTE_V | RV_PTE_R | RV_PTE_W | RV_PTE_U | RV_PTE_A | RV_PTE_D);
	map(root, levels, vax, p4k + 0x2000, 0,
	    RV_PTE_V | RV_PTE_X | RV_PTE_A);
	/* a misaligned 2 MiB superpage */
	map(root, levels, vabad, p2m + 0x1000, 1,
	    RV_PTE_V | RV_PTE_R | RV_PTE_A);
	/* the page after vacross is unmapped */
	map(root, levels, vacross, p4k + 0x3000, 0,
	    RV_PTE_V | RV_PTE_R | RV_PTE_W | RV_PTE_A | RV_PTE_D);
	wr64(p4k + 0x3ff8, 0x0807060504030201ull);
	wr64(p2m + 0x230, 0x5555);

	enable_paging(root, mode);
	LI(S0, va4k);
	LI(S1, 0x77);
	SD(S1, S0, 0x18);		/* sets A and D */
	LD(S2, S0, 0x18);
	LI(S0, va2m);
	LD(S3, S0, 0x230);		/* 2 MiB page: read ok */
	ADDI(S3, S3, 0);
	REPORT(S2, S3, ZERO);		/* report 0 */
	SD(S1, S0, 0x230);		/* report 1: store page fault */
	LI(S0, vau);
	LD(S2, S0, 0);			/* report 2: U page without SUM */
	LI(S4, 1ull << 18);
	CSRRS(ZERO, SSTATUS, S4);	/* SUM */
	LD(S2, S0, 0);			/* ok now */
	CSRRC(ZERO, SSTATUS, S4);
	LD(S2, S0, 0);			/* report 3: SUM off again */
	LI(S0, vax);
	LD(S2, S0, 0);			/* report 4: X-only page */
	LI(S4, 1ull << 19);
	CSRRS(ZERO, SSTATUS, S4);	/* MXR */
	LD(S2, S0, 0);			/* ok now */
	CSRRC(ZERO, SSTATUS, S4);
	LI(S0, vabad);
	LD(S2, S0, 0);			/* report 5: misaligned superpage */
	LI(S0, 0x0000008000000000ull);	/* not canonical in Sv39 */
	LD(S2, S0, 0);			/* report 6 (Sv39) or 6: unmapped */
	LI(S0, vacross + 0xffc);
	LD(S2, S0, 0);			/* report 7: crosses into unmapped */
	LW(S2, S0, 0);			/* in the page: fine */
	REPORT(S2, ZERO, ZERO);		/* report 8 */
	LI(S0, DEV_BASE + 4);
	LW(S2, S0, 0);			/* device through paging */
	REPORT(S2, ZERO, ZERO);		/* report 9 */
	/* jump to an unmapped page: fetch page fault; the handler
	 * skips to sepc + 4, which faults again... so use a mapped
	 * non-executable page instead and come back via ra */
	LI(S0, va4k);
	emit(I(0, S0, 0, RA, 0x67));	/* jalr ra, 0(s0): report 10 */
	/* sfence.vma with an address after clearing the PTE */
	LI(S0, va4k);
	LD(S2, S0, 0x18);		/* cached now */
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "paging program ends");
	snprintf(what, sizeof(what), "Sv%u", 12 + 9 * levels);
	expect_report(0, 0x77, 0x5555, what);
	expect_report(1, 15, va2m + 0x230, "store to a read-only superpage");
	expect_report(2, 13, vau, "S load from a U page without SUM");
	expect_report(3, 13, vau, "SUM cleared again");
	expect_report(4, 13, vax, "load from an execute-only page");
	expect_report(5, 13, vabad, "misaligned superpage");
	expect_report(6, 13, 0x0000008000000000ull,
		      "non-canonical or unmapped va");
	expect_report(7, 13, vacross + 0x1000, "page-crossing load faults on the second page");
	expect_report(8, 0x08070605, 0, "load at the end of the page");
	expect_report(9, 0x11223348, 0, "device behind a page table");
	expect_report(10, 12, va4k, "fetch from a non-executable page");
	{
		/* find the 4 KiB leaf for va4k and check A/D */
		uint64_t table = root, e = 0;

		for (int l = levels - 1; l >= 0; l--) {
			e = rd64(table + ((va4k >> (12 + 9 * l)) & 511) * 8);
			table = (e >> 10) << 12;
		}
		test_assert((e & (RV_PTE_A | RV_PTE_D)) == (RV_PTE_A | RV_PTE_D),
			    "a store sets A and D in the leaf PTE");
		test_assert(rd64(p4k + 0x18) == 0x77, "the store reached RAM");
	}
}

/* A is set by a load, D not */
static void test_accessed_only(void)
{
	uint64_t root, va = 0x40000000, pa = RAM_BASE + 0x200000, leaf;

	begin();
	root = pt_begin(3);
	map(root, 3, va, pa, 0, RV_PTE_V | RV_PTE_R | RV_PTE_W);
	enable_paging(root, 8);
	LI(S0, va);
	LD(S1, S0, 0);
	AMOADD_D(S1, S1, S0);		/* atomics through the TLB */
	LI(S2, 5);
	AMOADD_D(S1, S2, S0);
	LR_D(S1, S0);
	ADDI(S1, S1, 1);
	SC_D(S3, S1, S0);
	REPORT(S3, ZERO, ZERO);		/* report 0: sc ok (0) */
	EXIT();
	wr64(pa, 10);
	test_assert(run() == RV_HART_STOPPED, "A/D program");
	leaf = rd64(pt_next - 0x1000 + ((va >> 12) & 511) * 8);
	test_assert(leaf & RV_PTE_A, "load sets A");
	test_assert(leaf & RV_PTE_D, "AMO sets D");
	test_assert(rd64(pa) == 26, "amoadd twice then lr/sc +1 = 26");
	expect_report(0, 0, 0, "sc succeeds");
}

/* sfence.vma: a changed PTE is seen after the fence */
static void test_sfence(void)
{
	uint64_t root, va = 0x40000000, pa1 = RAM_BASE + 0x200000;
	uint64_t pa2 = RAM_BASE + 0x201000, slot;

	begin();
	root = pt_begin(3);
	map(root, 3, va, pa1, 0, KRWX);
	slot = pt_next - 0x1000 + ((va >> 12) & 511) * 8;
	enable_paging(root, 8);
	LI(S0, va);
	LD(S1, S0, 0);			/* 1 */
	LI(S2, slot);
	LI(S3, pte(pa2, KRWX));
	SD(S3, S2, 0);			/* remap to pa2 */
	LD(S4, S0, 0);			/* may still be 1 (TLB) */
	SFENCE_VMA(S0);
	LD(S5, S0, 0);			/* 2 */
	REPORT(S1, S5, ZERO);
	EXIT();
	wr64(pa1, 1);
	wr64(pa2, 2);
	test_assert(run() == RV_HART_STOPPED, "sfence program");
	expect_report(0, 1, 2, "sfence.vma vaddr drops the old translation");
}

/* vectored stvec; WFI woken by a timer interrupt from another thread */
static void test_wfi_timer(void)
{
	enum rv_hart_end end = RV_HART_CRASHED;
	pthread_t t;

	begin();
	LI(S0, HANDLER | 1);		/* vectored: irq 5 at HANDLER + 20 */
	CSRW(STVEC, S0);
	LI(S0, 1 << 5);
	CSRW(SIE, S0);
	CSRR(S2, SIP);
	REPORT(S2, ZERO, ZERO);		/* report 0: about to sleep */
	WFI();				/* SIE off: wakes, no trap yet */
	CSRR(S3, SIP);
	REPORT(S3, ZERO, ZERO);		/* report 1 */
	LI(S0, 1 << 1);
	CSRRS(ZERO, SSTATUS, S0);	/* SIE: the interrupt is taken */
	EXIT();
	/* the vector for cause 5: report with a marker, ack, sret */
	pc_emit = HANDLER + 20;
	CSRR(A0, SCAUSE);
	CSRR(A2, SEPC);
	ADDI(A1, ZERO, 0x55);
	ADDI(A7, ZERO, SBI_REPORT);
	ECALL();
	ADDI(A7, ZERO, SBI_ACK);
	ECALL();
	SRET();
	rv_hart_boot(hart, CODE, 0);
	pthread_create(&t, NULL, run_thread, &end);
	/* a loaded host may take long to get the hart to its WFI: wait for
	 * the report just before it, then give it the few steps left */
	for (int ms = 0; ms < 5000 && !__atomic_load_n(&fm.n, __ATOMIC_ACQUIRE); ms++)
		usleep(1000);
	usleep(50 * 1000);
	test_assert(fm.n == 1, "the hart sleeps in WFI");
	rv_hart_set_pending(hart, RV_IRQ_STI, 1);
	pthread_join(t, NULL);
	test_assert(end == RV_HART_STOPPED, "timer program ends");
	expect_report(0, 0, 0, "no timer pending before WFI");
	expect_report(1, 0x20, 0, "WFI wakes on STIP with SIE off");
	expect_report(2, (1ull << 63) | 5, 0x55, "vectored timer interrupt");
}

/*
 * SBI HSM suspend (the hart's side): retentive, it sleeps as WFI until
 * an interrupt enabled in sie is pending and the ecall returns;
 * non-retentive, it goes on at the resume address with a0 = hartid,
 * a1 = opaque, satp Bare, SIE off; with nothing enabled in sie it
 * returns at once (nothing could resume it).
 */
static void test_suspend(void)
{
	enum rv_hart_end end = RV_HART_CRASHED;
	uint64_t resume = CODE + 0x800, root;
	pthread_t t;

	begin();
	root = pt_begin(3);
	ADDI(A0, ZERO, 0);
	ADDI(A7, ZERO, SBI_SUSPEND);
	ECALL();			/* sie 0: back at once */
	REPORT(ZERO, ZERO, ZERO);	/* report 0 */
	LI(S0, 1 << 5);
	CSRW(SIE, S0);
	ADDI(A0, ZERO, 0);
	ADDI(A7, ZERO, SBI_SUSPEND);
	ECALL();			/* retentive: sleeps until STIP */
	CSRR(S2, SIP);
	REPORT(A0, S2, ZERO);		/* report 1 */
	ADDI(A7, ZERO, SBI_ACK);
	ADDI(A0, ZERO, 5);
	ECALL();
	enable_paging(root, 8);
	LI(S0, 1 << 1);
	CSRRS(ZERO, SSTATUS, S0);	/* SIE on: must be off after */
	CSRW(SIE, ZERO);		/* nothing to wait for */
	ADDI(A0, ZERO, 1);
	LI(A1, resume);
	LI(A2, 0x4321);
	ADDI(A7, ZERO, SBI_SUSPEND);
	ECALL();			/* non-retentive */
	EXIT();				/* not reached */
	pc_emit = resume;
	CSRR(S3, SATP);
	CSRR(S4, SSTATUS);
	ANDI(S4, S4, 2);
	REPORT(A0, A1, S3);		/* report 2 */
	REPORT(S4, ZERO, ZERO);		/* report 3 */
	EXIT();
	rv_hart_boot(hart, CODE, 0);
	pthread_create(&t, NULL, run_thread, &end);
	usleep(50 * 1000);
	test_assert(__atomic_load_n(&fm.n, __ATOMIC_SEQ_CST) == 1,
		    "a retentive suspend sleeps");
	rv_hart_set_pending(hart, RV_IRQ_STI, 1);
	pthread_join(t, NULL);
	test_assert(end == RV_HART_STOPPED, "suspend program ends");
	expect_report(0, 0, 0, "with sie 0 the suspend returns at once");
	expect_report(1, 0, 0x20, "a retentive suspend resumes on STIP, SBI_SUCCESS");
	expect_report(2, 0, 0x4321, "non-retentive: a0 hartid, a1 opaque");
	test_assert(fm.n > 2 && fm.r[2].epc == 0, "satp Bare after the resume");
	expect_report(3, 0, 0, "SIE off after the resume");
}

/* SEI > SSI > STI */
static void test_priority(void)
{
	begin();
	LI(S0, 0x222);
	CSRW(SIE, S0);
	LI(S0, 1 << 1);
	CSRRS(ZERO, SSTATUS, S0);
	EXIT();
	rv_hart_boot(hart, CODE, 0);
	rv_hart_set_pending(hart, RV_IRQ_STI, 1);
	rv_hart_set_pending(hart, RV_IRQ_SSI, 1);
	rv_hart_set_pending(hart, RV_IRQ_SEI, 1);
	test_assert(rv_hart_run(hart) == RV_HART_STOPPED, "priority program");
	test_assert(fm.n == 3, "three interrupts");
	expect_report(0, (1ull << 63) | 9, 0, "SEI first");
	expect_report(1, (1ull << 63) | 1, 0, "then SSI");
	expect_report(2, (1ull << 63) | 5, 0, "then STI");
}

static void test_crash(void)
{
	enum rv_hart_end end;
	char buf[256];

	begin();
	LI(S0, 0x1000);			/* stvec at a hole */
	CSRW(STVEC, S0);
	EBREAK();
	end = run();
	test_assert(end == RV_HART_CRASHED, "a trap vector that faults crashes");
	rv_hart_describe(hart, buf, sizeof(buf));
	test_assert(strstr(buf, "trap vector") != NULL, "describe says why");
}

/* a remote fence on a running hart returns (the hart answers) */
static void test_remote_fence(void)
{
	enum rv_hart_end end = RV_HART_CRASHED;
	pthread_t t;

	begin();
	J_SELF();
	rv_hart_boot(hart, CODE, 0);
	pthread_create(&t, NULL, run_thread, &end);
	usleep(10 * 1000);
	rv_hart_remote_fence(hart);
	rv_hart_remote_fence(hart);
	rv_hart_stop(hart);
	pthread_join(t, NULL);
	test_assert(end == RV_HART_STOPPED, "remote fences, then stop");
	rv_hart_remote_fence(hart);	/* not running: returns at once */
}

/* a bounded run: steps counted, WFI does not sleep, stop stays pending */
static void test_run_max(void)
{
	uint64_t before;

	begin();
	WFI();
	J_SELF();
	rv_hart_boot(hart, CODE, 0);
	before = rv_hart_insns(hart);
	test_assert(rv_hart_run_max(hart, 1000) == RV_HART_STOPPED,
		    "a bounded run ends");
	test_assert(rv_hart_insns(hart) - before == 1000,
		    "1000 steps, a WFI among them, retire 1000 instructions");
	test_assert(rv_hart_pc(hart) == pc_emit - 4, "spinning at the jump");
	rv_hart_stop(hart);
	test_assert(rv_hart_run_max(hart, 1000) == RV_HART_STOPPED &&
		    rv_hart_insns(hart) - before == 1000,
		    "a stop request ends the next run at once");
}

/* instructions per second with Sv39 on: a loop of loads, stores, adds */
static void bench(long iters, int jit)
{
	uint64_t root, va = 0x40000000;
	struct timespec a, b;
	double s;

	begin();
	root = pt_begin(3);
	for (int i = 0; i < 16; i++)
		map(root, 3, va + i * 0x1000, RAM_BASE + 0x200000 + i * 0x1000,
		    0, KRWX);
	enable_paging(root, 8);
	LI(S0, iters);
	LI(S1, va);
	LI(S4, va + 0x1000);
	/* loop: 8 instructions */
	LD(S2, S1, 0);
	ADDI(S2, S2, 1);
	SD(S2, S1, 0);
	LD(S3, S4, 8);
	ADD(S3, S3, S2);
	SD(S3, S4, 8);
	ADDI(S0, S0, -1);
	BNE(S0, ZERO, -28);
	EXIT();
	clock_gettime(CLOCK_MONOTONIC, &a);
	test_assert(run() == RV_HART_STOPPED, "bench loop");
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("rv_hart: %.1f M guest instructions/s (%s, Sv39)\n",
	       rv_hart_insns(hart) / s / 1e6, jit ? "translated" : "interpreter");
}

/* sfence.vma with the base of a superpage drops every 4 KiB piece of it
 * the TLB holds (and the copies translated code keeps) */
static void test_sfence_superpage(void)
{
	uint64_t root, va = 0x40000000, pa1 = RAM_BASE + 0x400000;
	uint64_t pa2 = RAM_BASE + 0x600000, slot;

	begin();
	root = pt_begin(3);
	map(root, 3, va, pa1, 1, KRWX);
	slot = pt_next - 0x1000 + ((va >> 21) & 511) * 8;
	enable_paging(root, 8);
	LI(S0, va + 0x3000);
	LI(S6, va);
	LD(S1, S0, 0);			/* 1 */
	LI(S2, slot);
	LI(S3, pte(pa2, KRWX));
	SD(S3, S2, 0);			/* remap the superpage */
	SFENCE_VMA(S6);			/* its base, not the piece used */
	LD(S5, S0, 0);			/* 2 */
	REPORT(S1, S5, ZERO);
	EXIT();
	wr64(pa1 + 0x3000, 1);
	wr64(pa2 + 0x3000, 2);
	test_assert(run() == RV_HART_STOPPED, "sfence superpage program");
	expect_report(0, 1, 2, "sfence.vma of a superpage drops its pieces");
}

/*
 * One load instruction reading two pages (a translated access keeps a
 * copy of the TLB entry it last hit): SFENCE.VMA of the second page,
 * the first read again (its copy is made again from the TLB, which
 * still holds it), the first page remapped and fenced: the load sees
 * the new page.  The copy once outlived that fence (issue 6: a read
 * after a COW fault saw the page the child kept).
 */
static void test_sfence_copy(void)
{
	uint64_t root, va = 0x40000000, pa1 = RAM_BASE + 0x200000;
	uint64_t pa2 = RAM_BASE + 0x201000, pa3 = RAM_BASE + 0x202000;
	uint64_t peek = CODE + 0x800, slot, save;

	begin();
	root = pt_begin(3);
	map(root, 3, va, pa1, 0, KRWX);
	map(root, 3, va + 0x1000, pa3, 0, KRWX);
	slot = pt_next - 0x1000 + ((va >> 12) & 511) * 8;
	save = pc_emit;
	pc_emit = peek;			/* a0 = [a0] */
	LD(A0, A0, 0);
	RET();
	pc_emit = save;
	enable_paging(root, 8);
	LI(S1, peek);
	LI(S0, va);
	LI(S6, va + 0x1000);
	ADDI(S5, ZERO, 3);
	ADDI(A0, S0, 0);		/* loop: peek(P), translated */
	JALR(RA, S1, 0);
	ADDI(S5, S5, -1);
	BNE(S5, ZERO, -12);
	ADDI(A0, S6, 0);
	JALR(RA, S1, 0);		/* peek(Q): the copy moves to Q */
	SFENCE_VMA(S6);
	ADDI(A0, S0, 0);
	JALR(RA, S1, 0);		/* peek(P): copied from the TLB again */
	ADDI(S4, A0, 0);		/* 1 */
	LI(S2, slot);
	LI(S3, pte(pa2, KRWX));
	SD(S3, S2, 0);			/* remap P to pa2 */
	SFENCE_VMA(S0);
	ADDI(A0, S0, 0);
	JALR(RA, S1, 0);
	ADDI(S5, A0, 0);		/* 2 */
	REPORT(S4, S5, ZERO);
	EXIT();
	wr64(pa1, 1);
	wr64(pa2, 2);
	wr64(pa3, 3);
	test_assert(run() == RV_HART_STOPPED, "sfence copy program");
	expect_report(0, 1, 2, "sfence.vma of a page drops translated copies of it");
}

/* ---- translated code ---------------------------------------------------- */

/* a function that sets a0 = v, at pa */
static void emit_fn(uint64_t pa, int v)
{
	uint64_t save = pc_emit;

	pc_emit = pa;
	ADDI(A0, ZERO, v);
	RET();
	pc_emit = save;
}

/* the guest rewrites code it ran, fence.i, runs the new code */
static void test_jit_code_change(void)
{
	uint64_t fn = CODE + 0x800;

	begin();
	emit_fn(fn, 1);
	LI(S1, fn);
	ADDI(S5, ZERO, 3);
	JALR(RA, S1, 0);		/* loop: translated after a round */
	ADDI(S5, S5, -1);
	BNE(S5, ZERO, -8);
	ADDI(S2, A0, 0);
	LI(S3, I(2, ZERO, 0, A0, 0x13));	/* addi a0, zero, 2 */
	SW(S3, S1, 0);
	FENCE_I();
	JALR(RA, S1, 0);
	ADDI(S4, A0, 0);
	REPORT(S2, S4, ZERO);
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "self-modifying code runs");
	expect_report(0, 1, 2, "after a store and fence.i the new code runs");
}

/* a fault in the middle of a block: the registers written before it are
 * in place for the handler, sepc names the access, the rest runs after */
static void test_jit_fault_in_block(void)
{
	uint64_t ld_pc;

	begin();
	LI(S5, 0x40000000);		/* nothing there: access fault */
	ADDI(S2, ZERO, 11);
	ADDI(S3, ZERO, 22);
	ADDI(T0, ZERO, 33);
	ld_pc = pc_emit;
	LD(S4, S5, 8);
	ADDI(S6, S2, 100);
	REPORT(S2, S3, T0);
	REPORT(S6, ZERO, ZERO);
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "a load faults mid-block");
	expect_report(0, 5, 0x40000008, "load access fault, stval");
	test_assert(fm.n > 0 && fm.r[0].epc == ld_pc, "sepc is the load");
	expect_report(1, 11, 22, "registers before the fault kept");
	test_assert(fm.n > 1 && fm.r[1].epc == 33, "all of them");
	expect_report(2, 111, 0, "the block goes on after the handler");
}

/* one virtual address, two physical code pages: a new satp runs the
 * other page's code, the old satp the first again */
static void test_jit_remap(void)
{
	uint64_t root1, root2, va = 0x40000000;
	uint64_t p1 = RAM_BASE + 0x20000, p2 = RAM_BASE + 0x21000;

	begin();
	root1 = pt_begin(3);
	map(root1, 3, va, p1, 0, KRWX);
	root2 = pt_alloc();
	map(root2, 3, RAM_BASE, RAM_BASE, 2, KRWX);
	map(root2, 3, va, p2, 0, KRWX);
	emit_fn(p1, 1);
	emit_fn(p2, 2);
	enable_paging(root1, 8);
	LI(S1, va);
	JALR(RA, S1, 0);
	ADDI(S2, A0, 0);
	enable_paging(root2, 8);
	JALR(RA, S1, 0);
	ADDI(S3, A0, 0);
	enable_paging(root1, 8);
	JALR(RA, S1, 0);
	ADDI(S4, A0, 0);
	REPORT(S2, S3, S4);
	EXIT();
	test_assert(run() == RV_HART_STOPPED, "code at one va, two mappings");
	expect_report(0, 1, 2, "each satp runs its own page's code");
	test_assert(fm.n > 0 && fm.r[0].epc == 1, "and the first one again");
}

static void suite(int jit)
{
	rv_hart_set_jit(hart, jit);
	test_boot_state();
	test_csrs();
	test_user();
	test_user_counters();
	test_fp_state();
	test_mmio_and_access_faults();
	test_paging(3, 8);
	test_accessed_only();
	test_sfence();
	test_sfence_superpage();
	test_sfence_copy();
	test_wfi_timer();
	test_suspend();
	test_priority();
	test_crash();
	test_remote_fence();
	test_run_max();
	test_jit_code_change();
	test_jit_fault_in_block();
	test_jit_remap();
}

int main(void)
{
	struct rv_hart_cfg cfg = { .hartid = 0, .ram = &mem, .ops = &fm_ops };

	alarm(60);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem.r[0].gpa = RAM_BASE;
	mem.r[0].size = RAM_SIZE;
	mem.r[0].host = ram;
	mem.n = 1;
	hart = rv_hart_new(&cfg);
	suite(0);
	suite(1);
	rv_hart_free(hart);

	cfg.sv48 = 1;
	hart = rv_hart_new(&cfg);
	for (int jit = 0; jit < 2; jit++) {
		rv_hart_set_jit(hart, jit);
		test_paging(4, 9);
		test_jit_remap();
		/* RV_HART_BENCH=N: N loop iterations (8 instructions each) */
		bench(getenv("RV_HART_BENCH") ? atol(getenv("RV_HART_BENCH")) :
		      200000, jit);
	}
	rv_hart_free(hart);
	munmap(ram, RAM_SIZE);
	return test_report();
}
