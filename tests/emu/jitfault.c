/* jitfault: loads that fault in the middle of sequences the translator
 * fuses, the SIGSEGV handler printing the registers the sequence had
 * written by then (from its ucontext) and stepping over the load:
 *   - fsqrt (NX); frflags a; flt.d; fsflags a (one compare, a's read
 *     deferred) then a faulting load: a holds the flags read, and the
 *     handler's fcsr has NX (a host handler starts with a fresh MXCSR:
 *     the flags gathered there were once lost);
 *   - slli x; [addi x;] add x, b; l{b,h,w,d,bu,hu,wu} x, d(x) (one load
 *     from b + x << s + c + d): at the fault x holds the address sum
 *     the add made, not yet the loaded value;
 *   - slli x, y; addi u, x, c; add x, u, b; l{w,d} u, d(x) (u's lea left
 *     out: the load overwrites it): at the fault u holds y << s + c;
 *   - five non-pinned registers written before a faulting load, more
 *     than the block's own host registers (r10, r11, r14, r15): each
 *     holds its new value at the fault, wherever the block kept it;
 *   - the same in an inner loop (a branch back into the middle of a
 *     loop's block), the load faulting in its third round: what the
 *     rounds wrote is there, what was written before them too.
 * Run as is under qemu and compared. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile uint64_t seen_x5, seen_x6, seen_x14, seen_fcsr;
static volatile uint64_t seen_x[32];

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	seen_x5 = uc->uc_mcontext.__gregs[5];
	seen_x6 = uc->uc_mcontext.__gregs[6];
	seen_x14 = uc->uc_mcontext.__gregs[14];
	seen_fcsr = uc->uc_mcontext.__fpregs.__d.__fcsr;
	for (int i = 0; i < 32; i++)
		seen_x[i] = uc->uc_mcontext.__gregs[i];
	uc->uc_mcontext.__gregs[0] += 4;	/* the load: never compressed */
	(void)sig, (void)si;
}

/* a4 = the flags (NX of sqrt(2)), a5 = 1.0 < 2.0, then a load from 8 */
static void quiet_compare(void)
{
	uint64_t a4, a5, fl;
	double one = 1.0, two = 2.0;

	__asm__ volatile(".option push\n.option norvc\n"
			 "li a4, 77\n"
			 "fsflags x0\n"
			 "fsqrt.d ft0, %[y]\n"
			 "frflags a4\n"
			 "flt.d a5, %[x], %[y]\n"
			 "fsflags a4\n"
			 "li t4, 8\n"
			 "ld t4, 0(t4)\n"
			 "mv %[a4], a4\n"
			 "mv %[a5], a5\n"
			 "frflags %[fl]\n"
			 ".option pop\n"
			 : [a4] "=r"(a4), [a5] "=r"(a5), [fl] "=r"(fl)
			 : [x] "f"(one), [y] "f"(two)
			 : "t4", "a4", "a5", "ft0", "memory");
	printf("quiet compare: at the fault a4=%llu fflags=%llu; after a4=%llu a5=%llu fflags=%llu\n",
	       (unsigned long long)seen_x14, (unsigned long long)(seen_fcsr & 31),
	       (unsigned long long)a4, (unsigned long long)a5, (unsigned long long)fl);
}

/* t1 = index; slli t1, t1, S; [addi t1, t1, C;] add t1, t1, t0 (t0 = 0);
 * LOAD t1, 4(t1): address 0 + (index << S) + C + 4, unmapped */
#define LEA_LOAD(name, load, shift, addi)					\
	static void name(void)							\
	{									\
		uint64_t t1 = 0x10;						\
										\
		__asm__ volatile(".option push\n.option norvc\n"		\
				 "mv t1, %[i]\n"				\
				 "li t0, 0\n"					\
				 "slli t1, t1, " #shift "\n"			\
				 addi						\
				 "add t1, t1, t0\n"				\
				 load " t1, 4(t1)\n"				\
				 "mv %[o], t1\n"				\
				 ".option pop\n"				\
				 : [o] "=r"(t1) : [i] "r"(t1)			\
				 : "t0", "t1", "memory");			\
		printf("%s: at the fault t1=%#llx t0=%#llx; after t1=%#llx\n",	\
		       #name, (unsigned long long)seen_x6,			\
		       (unsigned long long)seen_x5, (unsigned long long)t1);	\
	}

LEA_LOAD(lw_addi, "lw", 3, "addi t1, t1, 16\n")
LEA_LOAD(lb_plain, "lb", 1, "")
LEA_LOAD(lh_addi, "lh", 2, "addi t1, t1, -8\n")
LEA_LOAD(ld_plain, "ld", 3, "")
LEA_LOAD(lbu_addi, "lbu", 2, "addi t1, t1, 100\n")
LEA_LOAD(lhu_plain, "lhu", 1, "")
LEA_LOAD(lwu_addi, "lwu", 3, "addi t1, t1, 1\n")

/* a5 (pinned: in a host register) = index; t2 = u */
#define U_DEAD(name, load, shift, c)						\
	static void name(void)							\
	{									\
		uint64_t t2 = 0;						\
										\
		__asm__ volatile(".option push\n.option norvc\n"		\
				 "mv a5, %[i]\n"				\
				 "li t0, 0\n"					\
				 "slli t1, a5, " #shift "\n"			\
				 "addi t2, t1, " #c "\n"			\
				 "add t1, t2, t0\n"				\
				 load " t2, 4(t1)\n"				\
				 "mv %[o], t2\n"				\
				 ".option pop\n"				\
				 : [o] "=r"(t2) : [i] "r"((uint64_t)0x10)	\
				 : "t0", "t1", "t2", "a5", "memory");		\
		printf("%s: at the fault t2=%#llx t1=%#llx; after t2=%#llx\n",	\
		       #name, (unsigned long long)seen_x[7],			\
		       (unsigned long long)seen_x[6], (unsigned long long)t2);	\
	}

U_DEAD(u_dead_lw, "lw", 2, 16)
U_DEAD(u_dead_ld, "ld", 3, -8)

/* t0, t1, t2, t3, t5 each used four times, all new at the fault, in a
 * loop (a loop's block has one host register more: r14) of 3 rounds */
static void many_dirty(void)
{
	uint64_t o[5];

	__asm__ volatile(".option push\n.option norvc\n"
			 "li t6, 3\n"
			 "1: li t0, 1\n"
			 "li t1, 2\n"
			 "li t2, 3\n"
			 "li t3, 4\n"
			 "li t5, 5\n"
			 "add t0, t0, t1\n"
			 "add t1, t1, t2\n"
			 "add t2, t2, t3\n"
			 "add t3, t3, t5\n"
			 "add t5, t5, t0\n"
			 "li t4, 8\n"
			 "ld t4, 0(t4)\n"
			 "addi t6, t6, -1\n"
			 "bnez t6, 1b\n"
			 "sd t0, 0(%[o])\n"
			 "sd t1, 8(%[o])\n"
			 "sd t2, 16(%[o])\n"
			 "sd t3, 24(%[o])\n"
			 "sd t5, 32(%[o])\n"
			 ".option pop\n"
			 : : [o] "r"(o)
			 : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
	printf("many dirty: at the fault t0=%llu t1=%llu t2=%llu t3=%llu t5=%llu; after %llu %llu %llu %llu %llu\n",
	       (unsigned long long)seen_x[5], (unsigned long long)seen_x[6],
	       (unsigned long long)seen_x[7], (unsigned long long)seen_x[28],
	       (unsigned long long)seen_x[30], (unsigned long long)o[0],
	       (unsigned long long)o[1], (unsigned long long)o[2],
	       (unsigned long long)o[3], (unsigned long long)o[4]);
}

/* an outer loop (2 rounds) whose block holds an inner loop (4 rounds);
 * its load faults in the third inner round of each outer round */
static void inner_loop(void)
{
	uint64_t buf[2] = { 0, 0 }, o[6];

	__asm__ volatile(".option push\n.option norvc\n"
			 "li t6, 2\n"
			 "1: li t0, 0\n"
			 "li t1, 7\n"
			 "li t2, 5\n"
			 "addi t3, t6, 40\n"
			 "2: addi t0, t0, 1\n"
			 "add t1, t1, t0\n"
			 "xor t2, t2, t1\n"
			 "add t3, t3, t2\n"
			 "mv t5, %[b]\n"
			 "li t4, 3\n"
			 "bne t0, t4, 3f\n"
			 "li t5, 8\n"
			 "3: ld t4, 0(t5)\n"
			 "li t4, 4\n"
			 "bltu t0, t4, 2b\n"
			 "addi t6, t6, -1\n"
			 "bnez t6, 1b\n"
			 "sd t0, 0(%[o])\n"
			 "sd t1, 8(%[o])\n"
			 "sd t2, 16(%[o])\n"
			 "sd t3, 24(%[o])\n"
			 "sd t5, 32(%[o])\n"
			 "sd t6, 40(%[o])\n"
			 ".option pop\n"
			 : : [o] "r"(o), [b] "r"(buf)
			 : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
	printf("inner loop: at the fault t0=%llu t1=%llu t2=%llu t3=%llu t5=%llu t6=%llu; after %llu %llu %llu %llu %llu\n",
	       (unsigned long long)seen_x[5], (unsigned long long)seen_x[6],
	       (unsigned long long)seen_x[7], (unsigned long long)seen_x[28],
	       (unsigned long long)seen_x[30], (unsigned long long)seen_x[31],
	       (unsigned long long)o[0], (unsigned long long)o[1],
	       (unsigned long long)o[2], (unsigned long long)o[3],
	       (unsigned long long)o[5]);
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	for (int round = 0; round < 2; round++) {	/* cold, then translated */
		quiet_compare();
		lw_addi();
		lb_plain();
		lh_addi();
		ld_plain();
		lbu_addi();
		lhu_plain();
		lwu_addi();
		many_dirty();
		u_dead_lw();
		u_dead_ld();
		inner_loop();
	}
	return 0;
}
