/*
 * priv -- a bare-metal S-mode program that prints what the privileged
 * architecture does, one "priv: NAME VALUE" line per check, so the same
 * binary under strata's hart and under QEMU + OpenSBI can be diffed:
 * CSR masks, traps (scause, stval, sepc), U-mode, Sv39 faults, A/D
 * bits, SUM/MXR, FS tracking, vectored interrupts, LR/SC.
 *
 *	riscv64-linux-gnu-gcc -O2 -march=rv64gc -mabi=lp64d -mcmodel=medany \
 *		-ffreestanding -nostdlib -static -Wl,-Ttext=0x80200000 \
 *		-Wl,--build-id=none tests/rvsys/priv.c -o /tmp/priv.elf
 *	riscv64-linux-gnu-objcopy -O binary /tmp/priv.elf /tmp/priv.bin
 *	qemu-system-riscv64 -M virt -m 128M -nographic -bios default \
 *		-kernel /tmp/priv.bin | grep '^priv:' > /tmp/qemu.txt
 *	STRATA_RV_KERNEL=/tmp/priv.bin STRATA_RV_EXPECT="priv: done" \
 *		build/debug/unit/rv_hart_linux | grep '^priv:' > /tmp/strata.txt
 *	diff /tmp/qemu.txt /tmp/strata.txt
 *
 * Entered at 0x80200000 with a0 = hartid, a1 = DTB, S-mode, paging off,
 * as OpenSBI and strata both do.  Prints through the legacy SBI console
 * and ends with the legacy shutdown.
 *
 * Against QEMU 7.2 + OpenSBI 1.2 (Debian 12) all 71 lines agree but two,
 * where strata follows the spec: sepc[0] reads 0 (QEMU keeps it), and a
 * U-mode rdtime with scounteren.TM clear is illegal (OpenSBI emulates
 * the time CSR for U-mode whatever scounteren says), which shifts the
 * u.* lines after u.time by one.
 */
#include <stdint.h>

#define RAM		0x80000000ul
#define PT_ROOT		0x80400000ul	/* page tables: 3 pages */
#define PT_L1		0x80401000ul
#define PT_L0		0x80402000ul
#define PAGES		0x80410000ul	/* data pages mapped at 0x40000000+ */
#define VA		0x40000000ul

#define V 1ul
#define R 2ul
#define W 4ul
#define X 8ul
#define U 16ul
#define A 64ul
#define D 128ul

#define csr_read(c) ({ uint64_t v_; \
	asm volatile("csrr %0, " #c : "=r"(v_) :: "memory"); v_; })
#define csr_write(c, v) asm volatile("csrw " #c ", %0" :: "r"(v) : "memory")
#define csr_set(c, v) asm volatile("csrs " #c ", %0" :: "r"(v) : "memory")
#define csr_clear(c, v) asm volatile("csrc " #c ", %0" :: "r"(v) : "memory")

uint8_t stack_area[16384] __attribute__((aligned(16)));

/* first in the image (.text.unlikely leads the default linker script) */
void _start(void) __attribute__((naked, section(".text.unlikely")));
void _start(void)
{
	asm volatile(".option push\n.option norelax\n"
		     "lla gp, __global_pointer$\n.option pop\n"
		     "lla sp, stack_area + 16384\n\tj main");
}

static long sbi(long ext, long a0)
{
	register long r0 asm("a0") = a0;
	register long r7 asm("a7") = ext;

	asm volatile("ecall" : "+r"(r0) : "r"(r7) : "a1", "memory");
	return r0;
}

static void puts_(const char *s)
{
	while (*s)
		sbi(1, *s++);
}

static void put_hex(uint64_t v)
{
	char b[19] = "0x";
	int n = 2, i;

	for (i = 60; i > 0 && !(v >> i); i -= 4)
		;
	for (; i >= 0; i -= 4)
		b[n++] = "0123456789abcdef"[(v >> i) & 15];
	b[n] = 0;
	puts_(b);
}

static void show(const char *name, uint64_t v)
{
	puts_("priv: ");
	puts_(name);
	puts_(" ");
	put_hex(v);
	puts_("\n");
}

/* ---- traps: the handler records and skips the instruction ------------- */

static volatile uint64_t t_cause, t_tval, t_epc, t_status, t_count;
static volatile uint64_t t_log[16], t_nlog;	/* every cause, in order */
static volatile uint64_t u_resume;		/* where a7=0x99 ecall returns */

void trap_entry(void);
asm(".align 4\n"
    ".globl trap_entry\n"
    "trap_entry:\n"
    "	csrrw sp, sscratch, sp\n"	/* sscratch holds the trap stack */
    "	addi sp, sp, -64\n"
    "	sd t0, 0(sp)\n"
    "	sd t1, 8(sp)\n"
    "	sd t2, 16(sp)\n"
    "	csrr t0, scause\n"
    "	lla t1, t_cause\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, stval\n"
    "	lla t1, t_tval\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, sstatus\n"
    "	lla t1, t_status\n"
    "	sd t0, 0(t1)\n"
    "	lla t1, t_count\n"
    "	ld t2, 0(t1)\n"
    "	addi t2, t2, 1\n"
    "	sd t2, 0(t1)\n"
    "	lla t1, t_nlog\n"
    "	ld t2, 0(t1)\n"
    "	addi t0, t2, 1\n"
    "	sd t0, 0(t1)\n"
    "	andi t2, t2, 15\n"
    "	slli t2, t2, 3\n"
    "	lla t1, t_log\n"
    "	add t1, t1, t2\n"
    "	csrr t0, scause\n"
    "	sd t0, 0(t1)\n"
    "	csrr t0, sepc\n"
    "	lla t1, t_epc\n"
    "	sd t0, 0(t1)\n"
    "	csrr t1, scause\n"
    "	bltz t1, 2f\n"			/* interrupt: clear SSIP */
    "	li t2, 8\n"
    "	bne t1, t2, 5f\n"
    "	li t2, 0x99\n"
    "	bne a7, t2, 5f\n"
    "	lla t0, u_resume\n"		/* U ecall 0x99: back to S */
    "	ld t0, 0(t0)\n"
    "	csrw sepc, t0\n"
    "	li t1, 0x100\n"
    "	csrs sstatus, t1\n"
    "	j 4f\n"
    "5:\n"
    "	li t2, 12\n"
    "	beq t1, t2, 3f\n"		/* fetch fault: back to ra */
    "	lhu t1, 0(t0)\n"		/* skip 2 or 4 bytes */
    "	andi t1, t1, 3\n"
    "	li t2, 3\n"
    "	addi t0, t0, 2\n"
    "	bne t1, t2, 1f\n"
    "	addi t0, t0, 2\n"
    "1:	csrw sepc, t0\n"
    "	j 4f\n"
    "2:	li t0, 2\n"
    "	csrc sip, t0\n"
    "	j 4f\n"
    "3:	csrw sepc, ra\n"
    "4:	ld t0, 0(sp)\n"
    "	ld t1, 8(sp)\n"
    "	ld t2, 16(sp)\n"
    "	addi sp, sp, 64\n"
    "	csrrw sp, sscratch, sp\n"
    "	sret\n");

static uint8_t trap_stack[4096] __attribute__((aligned(16)));

static void expect_trap(const char *name)
{
	char n[64];
	int i = 0;

	for (; name[i] && i < 50; i++)
		n[i] = name[i];
	n[i] = 0;
	show(name, t_count ? t_cause : 0xdead);
	for (int k = 0; k < 5; k++)
		n[i + k] = ".tval"[k];
	n[i + 5] = 0;
	show(n, t_count ? t_tval : 0xdead);
	t_count = 0;
}

/* ---- paging ------------------------------------------------------------ */

static uint64_t *pt(uint64_t pa)
{
	return (uint64_t *)pa;
}

static uint64_t pte(uint64_t pa, uint64_t flags)
{
	return (pa >> 12) << 10 | flags;
}

static void map4k(unsigned i, uint64_t flags)
{
	pt(PT_L0)[i] = pte(PAGES + i * 4096, flags);
}

static uint64_t ld(uint64_t va)
{
	uint64_t v;

	asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(va) : "memory");
	return v;
}

static void sd(uint64_t va, uint64_t v)
{
	asm volatile("sd %0, 0(%1)" :: "r"(v), "r"(va) : "memory");
}

static void jump_to(uint64_t va)
{
	asm volatile("jalr ra, 0(%0)" :: "r"(va) : "ra", "memory");
}

static void sfence(void)
{
	asm volatile("sfence.vma" ::: "memory");
}

static void test_paging(void)
{
	uint64_t satp = 8ul << 60 | PT_ROOT >> 12;

	for (int i = 0; i < 512; i++)
		pt(PT_ROOT)[i] = pt(PT_L1)[i] = pt(PT_L0)[i] = 0;
	pt(PT_ROOT)[2] = pte(RAM, V | R | W | X | A | D);	/* 1 GiB */
	pt(PT_ROOT)[0] = pte(0, V | R | W | A | D);		/* devices */
	pt(PT_ROOT)[1] = pte(PT_L1, V);
	pt(PT_L1)[0] = pte(PT_L0, V);
	pt(PT_L1)[1] = pte(RAM + 0x200000, V | R | A);		/* 2 MiB RO */
	pt(PT_L1)[2] = pte(RAM + 0x201000, V | R | A);		/* misaligned */
	map4k(0, V | R | W);			/* A/D clear */
	map4k(1, V | R | A);			/* read-only */
	map4k(2, V | R | W | U | A | D);	/* user */
	map4k(3, V | X | A);			/* execute-only */
	map4k(4, V | R | W | A | D);		/* no X */
	map4k(5, V | W | A | D);		/* reserved W without R */
	for (int i = 0; i < 8; i++)
		sd(PAGES + i * 4096, 0x1111 * (i + 1));
	csr_write(satp, satp);
	sfence();
	show("satp", csr_read(satp));

	show("ld.4k", ld(VA));
	show("pte.after_load", pt(PT_L0)[0] & (A | D));
	sd(VA + 8, 5);
	show("pte.after_store", pt(PT_L0)[0] & (A | D));
	sd(VA + 0x1000, 1);
	expect_trap("store.readonly");
	show("ld.2m", ld(VA + 0x200000 + 0x10));
	sd(VA + 0x200000, 1);
	expect_trap("store.2m.readonly");
	ld(VA + 0x400000);
	expect_trap("ld.misaligned_superpage");
	ld(VA + 0x2000);
	expect_trap("ld.user_without_sum");
	csr_set(sstatus, 1ul << 18);
	show("ld.user_with_sum", ld(VA + 0x2000));
	csr_clear(sstatus, 1ul << 18);
	ld(VA + 0x3000);
	expect_trap("ld.execute_only");
	csr_set(sstatus, 1ul << 19);
	show("ld.execute_only_mxr", ld(VA + 0x3000));
	csr_clear(sstatus, 1ul << 19);
	ld(VA + 0x5000);
	expect_trap("ld.w_without_r");
	ld(VA + 0x6000);
	expect_trap("ld.unmapped");
	ld(0x4000000000ul);
	expect_trap("ld.noncanonical");
	jump_to(VA + 0x4000);
	expect_trap("fetch.no_x");
	jump_to(VA + 0x2000);
	expect_trap("fetch.user_page_in_s");
	/* remap page 7 to page 6's frame: stale until sfence.vma */
	map4k(7, V | R | W | A | D);
	sfence();
	show("ld.page7", ld(VA + 0x7000));
	pt(PT_L0)[7] = pte(PAGES + 6 * 4096, V | R | W | A | D);
	asm volatile("sfence.vma %0" :: "r"(VA + 0x7000) : "memory");
	show("ld.page7_remapped", ld(VA + 0x7000));
	/* a misaligned load across into an unmapped page */
	ld(VA + 0x4ffc);
	expect_trap("ld.cross_into_unmapped");
	csr_write(satp, 0ul);
	sfence();
}

/* ---- U-mode ------------------------------------------------------------ */

static void user_code(void) __attribute__((naked, aligned(4)));
static void user_code(void)
{
	asm volatile("li a7, 0\n"
		     "ecall\n"
		     "csrr t0, sstatus\n"	/* illegal */
		     "csrr t0, cycle\n"		/* scounteren.CY = 0: illegal */
		     "csrr t0, time\n"		/* scounteren.TM = 0: illegal */
		     "ebreak\n"
		     "wfi\n"			/* illegal in U */
		     "sret\n"			/* illegal in U */
		     "li a7, 0x99\n"
		     "ecall\n"
		     "1: j 1b\n");
}

static void test_user(void)
{
	static const char *names[] = {
		"u.ecall", "u.csr_sstatus", "u.cycle", "u.time", "u.ebreak",
		"u.wfi", "u.sret", "u.back",
	};

	csr_write(scounteren, 0ul);
	csr_write(sepc, (uint64_t)user_code);
	csr_clear(sstatus, 1ul << 8);			/* SPP = U */
	t_nlog = 0;
	asm volatile("lla t0, 1f\n"
		     "sd t0, 0(%0)\n"
		     "sret\n"
		     "1:\n" :: "r"(&u_resume) : "t0", "memory");
	for (unsigned i = 0; i < 8; i++)
		show(names[i], i < t_nlog ? t_log[i] : 0xdead);
	show("u.count", t_nlog);
	t_count = 0;
}

/* ---- main -------------------------------------------------------------- */

int main(void);
int main(void)
{
	uint64_t v;

	csr_write(sscratch, (uint64_t)(trap_stack + sizeof(trap_stack)));
	csr_write(stvec, (uint64_t)trap_entry);

	/* masks */
	v = csr_read(sstatus);
	show("sstatus.uxl", (v >> 32) & 3);
	csr_write(sie, ~0ul);
	show("sie.all", csr_read(sie) & 0x222);
	csr_write(sie, 0ul);
	csr_write(sepc, 0x1235ul);
	show("sepc.bit0", csr_read(sepc));
	csr_write(stvec, 0x80200002ul);
	show("stvec.mode2", csr_read(stvec) & 3);
	csr_write(stvec, (uint64_t)trap_entry);
	csr_write(sscratch, 0x55ul);
	show("sscratch", csr_read(sscratch));
	csr_write(sscratch, (uint64_t)(trap_stack + sizeof(trap_stack)));
	csr_write(sip, ~0ul);
	show("sip.ssip", csr_read(sip) & 2);
	csr_write(sip, 0ul);
	show("sip.cleared", csr_read(sip) & 2);

	/* illegal and other synchronous traps */
	t_count = 0;
	asm volatile("csrr t0, mstatus" ::: "t0");
	expect_trap("illegal.mstatus");
	asm volatile(".word 0x00000000" ::: "memory");
	expect_trap("illegal.zero");
	asm volatile("csrw time, zero" ::: "memory");
	expect_trap("illegal.write_time");
	asm volatile("mret" ::: "memory");
	expect_trap("illegal.mret");
	asm volatile("c.ebreak" ::: "memory");
	show("ebreak.cause", t_cause);
	t_count = 0;
	show("sstatus.spp_after_trap", (t_status >> 8) & 1);

	/* FS */
	csr_clear(sstatus, 3ul << 13);
	asm volatile("fmv.d.x f1, zero" ::: "memory");
	expect_trap("fp.off");
	csr_set(sstatus, 1ul << 13);
	show("fs.initial", (csr_read(sstatus) >> 13) & 3);
	asm volatile("fmv.d.x f1, zero" ::: "memory");
	v = csr_read(sstatus);
	show("fs.after_fp", (v >> 13) & 3);
	show("sd.after_fp", v >> 63);
	csr_clear(sstatus, 3ul << 13);

	/* LR/SC and AMOs */
	{
		static volatile uint64_t word = 40;
		uint64_t old, fail;

		asm volatile("amoadd.d %0, %2, (%1)" : "=r"(old)
			     : "r"(&word), "r"(2ul) : "memory");
		asm volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
			     : "=&r"(old), "=&r"(fail)
			     : "r"(&word), "r"(100ul) : "memory");
		show("amo.lr", old);
		show("amo.sc", fail);
		show("amo.word", word);
		asm volatile("lr.d %0, (%1)" : "=r"(old)
			     : "r"((uint64_t)&word + 4) : "memory");
		expect_trap("lr.misaligned");
	}

	/* a self-inflicted software interrupt, vectored */
	t_count = 0;
	csr_write(sie, 2ul);
	csr_set(sip, 2ul);
	show("irq.masked_count", t_count);
	csr_set(sstatus, 2ul);
	csr_clear(sstatus, 2ul);
	show("irq.cause", t_count ? t_cause : 0xdead);
	show("irq.spie", (t_status >> 5) & 1);
	csr_write(sie, 0ul);
	t_count = 0;

	test_paging();
	test_user();
	puts_("priv: done\n");
	sbi(8, 0);
	for (;;)
		;
}
