/*
 * hart -- one RISC-V hart in system mode, as the riscv64 machine
 * (src/vm/rv/machine.c) runs it: RV64GC from src/emu (decoder, reference
 * semantics, translator) plus the privileged architecture a Linux kernel
 * needs in S-mode: the supervisor CSRs, traps and interrupts, Sv39/Sv48
 * paging with a software TLB, SFENCE.VMA, WFI, U-mode.
 *
 * There is no M-mode firmware: strata is the SBI.  The kernel is entered
 * in S-mode; an ECALL from S-mode goes to ops->sbi_call; every trap is
 * taken in S-mode (as if medeleg/mideleg delegated all of them).  The
 * machine owns the devices and the clock; the hart only sees:
 *   - RAM: gmem regions (src/dev/gmem.h), accessed directly;
 *   - everything else physical: ops->mmio_read/mmio_write (access fault
 *     when they return -1);
 *   - interrupt lines: rv_hart_set_pending() for SSIP/STIP/SEIP, from
 *     any thread; it wakes a hart sleeping in WFI.
 */
#ifndef STRATA_VM_RV_HART_H
#define STRATA_VM_RV_HART_H

#include <stdint.h>

#include "dev/gmem.h"

/* sip/sie bits */
#define RV_IRQ_SSI	1
#define RV_IRQ_STI	5
#define RV_IRQ_SEI	9

struct rv_hart;

struct rv_hart_ops {
	void *ctx;
	/* physical accesses outside RAM; 0, or -1 for an access fault */
	int (*mmio_read)(void *ctx, uint64_t pa, void *data, unsigned int len);
	int (*mmio_write)(void *ctx, uint64_t pa, const void *data,
			  unsigned int len);
	/* ECALL from S-mode: the SBI call in a0..a7 (rv_hart_reg/set_reg);
	 * return 0 to resume after the ecall, or 1 to stop the hart's run
	 * loop (system reset, hart stop) */
	int (*sbi_call)(void *ctx, struct rv_hart *h);
	/* the time CSR: ticks of the machine's timebase */
	uint64_t (*time)(void *ctx);
};

struct rv_hart_cfg {
	uint64_t hartid;
	/* every region page-aligned in the guest and on the host: the TLB
	 * and the translator's code pages map whole pages */
	const struct gmem *ram;
	const struct rv_hart_ops *ops;
	int sv48;		/* offer Sv48 besides Sv39 */
};

/* Allocate a hart, reset: S-mode, paging off, pc 0. */
struct rv_hart *rv_hart_new(const struct rv_hart_cfg *cfg);
void rv_hart_free(struct rv_hart *h);

/* Kernel entry: pc, a0 = hartid, a1 = DTB, S-mode, interrupts off. */
void rv_hart_boot(struct rv_hart *h, uint64_t pc, uint64_t a1);

uint64_t rv_hart_reg(const struct rv_hart *h, int x);
void rv_hart_set_reg(struct rv_hart *h, int x, uint64_t v);
uint64_t rv_hart_pc(const struct rv_hart *h);

/* Raise or lower an interrupt line (RV_IRQ_*) of sip; any thread. */
void rv_hart_set_pending(struct rv_hart *h, int irq, int level);

enum rv_hart_end {
	RV_HART_STOPPED,	/* sbi_call returned 1, or rv_hart_stop() */
	RV_HART_CRASHED,	/* the hart cannot go on (see rv_hart_describe) */
};

/* Run until the hart stops.  WFI sleeps until an interrupt is pending
 * (or rv_hart_stop()). */
enum rv_hart_end rv_hart_run(struct rv_hart *h);

/* Tests, fuzzing, single-stepping: run at most @max_steps steps (an
 * instruction, or a trap taken); WFI does not sleep (it is a no-op, as
 * the spec allows).  RV_HART_STOPPED also when the steps ran out.
 * (Extension of the first contract.) */
enum rv_hart_end rv_hart_run_max(struct rv_hart *h, uint64_t max_steps);

/* From another thread: make rv_hart_run() return soon.  The request is
 * consumed by the run it ends; made while no run is active, it ends the
 * next one at once. */
void rv_hart_stop(struct rv_hart *h);

/*
 * From any thread (the SBI rfence calls, remote_sfence_vma[_asid] and
 * remote_fence_i, for each target hart): @h drops its TLB and anything
 * it caches by instruction address before it executes another
 * instruction.  Returns once that is guaranteed: at once when @h is in
 * an SBI call, in WFI or not running (it polls before going on), else
 * after @h answered.  A hart may fence itself from its own sbi_call.
 * (Extension of the first contract.)
 */
void rv_hart_remote_fence(struct rv_hart *h);

/* The same for a remote sfence.vma: the TLB only (translated code is
 * checked through it, as after a local SFENCE.VMA). */
void rv_hart_remote_sfence_vma(struct rv_hart *h);

/*
 * From the hart's own sbi_call (SBI HSM hart_suspend): sleep as WFI does
 * until an interrupt is pending and enabled in sie, or a stop; at once
 * when sie enables none (nothing could ever resume the hart: a retentive
 * suspend then returns as a spurious resume) and in rv_hart_run_max().
 */
void rv_hart_suspend(struct rv_hart *h);

/* From the hart's own sbi_call (a non-retentive resume): when the call
 * returns, the hart goes on at @pc instead of after its ecall, in S-mode
 * with satp Bare, sstatus.SIE 0, a0 = its hartid and a1 = @a1. */
void rv_hart_resume_at(struct rv_hart *h, uint64_t pc, uint64_t a1);

/* "pc 0x... priv S satp ... scause ..." for a diagnosis line. */
void rv_hart_describe(const struct rv_hart *h, char *buf, unsigned int n);

/* Run translated code (the default) or only the reference interpreter
 * (also STRATA_RV_INTERP=1 in the environment at rv_hart_new()).
 * Call it while the hart is not running.  (Extension of the first
 * contract.) */
void rv_hart_set_jit(struct rv_hart *h, int on);

/* Instructions retired (statistics). */
uint64_t rv_hart_insns(const struct rv_hart *h);

#endif
