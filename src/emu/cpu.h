/*
 * cpu -- the state of one RISC-V hart (RV64GC) as the translator and the
 * reference interpreter see it, and the interface between the CPU core
 * and whoever runs it (user mode: src/emu/user*.c; later the RISC-V
 * machine in src/vm/rv).
 *
 * The core knows nothing about Linux: an ECALL, an illegal instruction or
 * a bad memory access stops the run loop with a reason, and the caller
 * decides (a syscall, SIGILL, SIGSEGV).  In user mode guest addresses are
 * host addresses plus @mem_base (0 when the guest layout fits, as qemu-user
 * does with guest_base).
 */
#ifndef STRATA_EMU_CPU_H
#define STRATA_EMU_CPU_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Optional guest memory map for the interpreter's access checks.  When
 * cpu->regions is NULL every access goes straight to mem_base + addr and
 * a bad one raises SIGSEGV/SIGBUS in the host; the user-mode layer then
 * catches it (cpu->pc still names the faulting instruction: the
 * interpreter commits pc and rd only after an instruction completes),
 * fills fault_addr and stops with RV_STOP_FAULT.  When regions is set,
 * the interpreter checks [addr, addr + len) against it before touching
 * memory and stops with RV_STOP_FAULT by itself.  Sorted or not; the
 * table is searched linearly (tests, small maps).
 */
#define RV_PROT_R	1
#define RV_PROT_W	2
#define RV_PROT_X	4

struct rv_region {
	uint64_t start, end;	/* [start, end) in guest addresses */
	unsigned prot;		/* RV_PROT_* */
};

/* cpu->fault_access: what the faulting access was */
#define RV_FAULT_READ		1
#define RV_FAULT_WRITE		2
#define RV_FAULT_EXEC		4
#define RV_FAULT_MISALIGNED	8	/* LR/SC/AMO on a misaligned address
					 * (Linux: SIGBUS, BUS_ADRALN) */

enum rv_stop {
	RV_STOP_NONE = 0,
	RV_STOP_ECALL,		/* pc points at the ecall */
	RV_STOP_EBREAK,
	RV_STOP_ILLEGAL,	/* pc at the instruction; cpu->fault_insn holds it */
	RV_STOP_FAULT,		/* memory fault: cpu->fault_addr, pc at the access */
	RV_STOP_EXIT,		/* the user-mode layer asked to stop (exit_group) */
};

struct rv_cpu {
	uint64_t x[32];		/* x[0] is kept 0 */
	uint64_t f[32];		/* raw bits; single values are NaN-boxed */
	uint64_t pc;
	uint32_t fcsr;		/* frm (bits 7:5) | fflags (bits 4:0) */
	uint64_t reservation;	/* LR/SC reserved address, or ~0 */
	uint64_t reservation_val; /* the value LR read: SC is a host
				   * compare-and-swap against it, so a store
				   * by another thread fails the SC */
	uint64_t mem_base;	/* host address of guest address 0 */
	const struct rv_region *regions;	/* NULL: no checks (see above) */
	unsigned nregions;

	/* why the last run stopped */
	enum rv_stop stop;
	uint64_t fault_addr;
	uint32_t fault_insn;	/* 16-bit parcel for a compressed one */
	unsigned fault_access;	/* RV_FAULT_* */

	/* statistics (strata emu --stats) */
	uint64_t insns;		/* retired, when counted */
	void *user;		/* owned by the layer that runs the hart */

	/* system mode (src/vm/rv): NULL in user mode */
	const struct rv_sys_ops *sys;
	/* system mode, for translated code: the software TLB of the current
	 * translation context (vm/rv/mmu.h, struct rv_tlb: per access kind
	 * R, W, X an array of RV_TLB_SIZE {tag, addend} pairs), kept up to
	 * date by the hart; a hit is plain RAM at va + addend */
	const void *tlb;
	/* system mode: changes whenever a translation the TLB gave may no
	 * longer hold (a flush: satp, SFENCE.VMA, MXR, a remote fence), in
	 * its upper bits, and holds the context in its low two (0 U-mode,
	 * 1 S-mode, 3 S-mode with SUM: bit 1 changes data accesses only),
	 * so translated code may keep copies of TLB entries while equal */
	uint64_t tlb_gen;
	/* system mode: when *poll is non-zero, a run returns at the next
	 * block it would look up (interrupts, stop, remote fences) */
	const int *poll;
};
#define RV_SYS_TLB_SIZE	256	/* entries per access kind (mmu.h checks) */

/*
 * System mode.  When cpu->sys is set the interpreter does not touch
 * memory itself (mem_base and regions are unused): every load, store
 * and atomic goes through these hooks, which translate the virtual
 * address (MMU, TLB), reach RAM or a device, and on a fault fill
 * cpu->fault_addr (and whatever cause they keep for themselves) and
 * return false/NULL; the interpreter then stops with RV_STOP_FAULT and
 * nothing changed.  Every CSR instruction goes to @csr (the
 * interpreter's own fflags/frm/fcsr/counters are not used): @op is 0
 * for csrrw, 1 csrrs, 2 csrrc, @src the operand, @write whether the
 * instruction writes (csrrs/c with x0/0 do not); return false for an
 * illegal instruction, else *old = the value before.  Instruction fetch
 * is the caller's (rv_interp_exec does not fetch).
 */
struct rv_sys_ops {
	bool (*load)(struct rv_cpu *cpu, uint64_t va, unsigned len,
		     uint64_t *v);
	bool (*store)(struct rv_cpu *cpu, uint64_t va, unsigned len,
		      uint64_t v);
	/* host pointer for an LR/SC/AMO (naturally aligned); @access is
	 * RV_FAULT_READ for LR, READ|WRITE for the others */
	void *(*atomic)(struct rv_cpu *cpu, uint64_t va, unsigned len,
			unsigned access);
	bool (*csr)(struct rv_cpu *cpu, unsigned num, unsigned op,
		    uint64_t src, bool write, uint64_t *old);
	/* for the translator: the host address of the code at @va through
	 * the fetch TLB (a page walk on a miss; nothing is raised), valid
	 * to the end of its page, or NULL (a fault, not RAM: the caller
	 * interprets); *fp = F/D instructions run without a trap and
	 * without changing the FP state (sstatus.FS Dirty) */
	const void *(*code)(struct rv_cpu *cpu, uint64_t va, bool *fp);
	/* for the translator: may a CSR instruction on @num (writing it or
	 * only reading) run inside translated code through @csr?  0: no,
	 * the run ends before it; 1: yes, it changes nothing translated
	 * code assumes; 2: yes, but the block ends after it (it may change
	 * the translation context, the FP state or what *poll says) */
	int (*csr_inline)(unsigned num, bool write);
};

/* Run until something stops the hart (interpreter: the reference
 * semantics; the translator must agree with it), or until @max_insns
 * instructions retired (0: no limit), which returns RV_STOP_NONE.
 * Setting cpu->stop = RV_STOP_EXIT from another thread stops the loop
 * between two instructions.  cpu->insns counts retired instructions. */
enum rv_stop rv_interp_run(struct rv_cpu *cpu, uint64_t max_insns);

/* Execute exactly one instruction (differential tests, single-step). */
enum rv_stop rv_interp_step(struct rv_cpu *cpu);

/* Execute one decoded instruction (struct rv_insn, emu/decode.h) at
 * cpu->pc: the translator's fallback for rare operations (F/D, CSRs,
 * AMOs) and the reference the differential fuzzer steps with.  Same
 * stop contract as rv_interp_step; does not fetch. */
struct rv_insn;
enum rv_stop rv_interp_exec(struct rv_cpu *cpu, const struct rv_insn *in);

#endif
