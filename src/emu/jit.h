/*
 * jit -- the dynamic binary translator: RV64GC basic blocks become
 * x86-64 machine code in a code cache.  Same contract as the reference
 * interpreter (cpu.h): rv_jit_run() is a drop-in for rv_interp_run().
 *
 * Each host thread that runs a hart has its own code cache (no locks on
 * the fast path).  A guest fault inside translated code is a host SIGSEGV
 * or SIGBUS with cpu->pc naming the faulting instruction and every guest
 * register written so far in *cpu, exactly as with the interpreter, so the
 * user-mode layer's handler works unchanged.  cpu->regions is not
 * supported by translated code: with it set, rv_jit_run() interprets.
 */
#ifndef STRATA_EMU_JIT_H
#define STRATA_EMU_JIT_H

#include <signal.h>
#include <stdint.h>

#include "emu/cpu.h"

/* Run until something stops the hart, or about @max_insns instructions
 * (0: no limit; counted per block, so a run may go a block past it).
 *
 * System mode (cpu->sys set, src/vm/rv): memory goes through cpu->tlb
 * inline and the cpu->sys hooks on a miss; the run returns RV_STOP_NONE
 * at the budget's end (never past it) and whenever the instruction at
 * cpu->pc is for the caller to execute (CSRs, ECALL, EBREAK, privileged
 * or illegal encodings, F/D while sstatus.FS is not Dirty, code the
 * fetch TLB does not give): the caller steps it with its interpreter and
 * calls again.  A memory fault returns RV_STOP_FAULT with cpu->pc at the
 * access and every register written back, as the interpreter leaves it.
 * STRATA_EMU_INTERP does not apply (the hart has its own switch). */
enum rv_stop rv_jit_run(struct rv_cpu *cpu, uint64_t max_insns);

/* System mode: the calling thread's translations are dropped before it
 * enters translated code again (FENCE.I, a remote fence.i). */
void rv_jit_flush_thread(void);

/* Every thread drops its translations (guest code was replaced behind
 * the translator's back: a machine loads a new image into RAM). */
void rv_jit_invalidate_all(void);

/* Guest code in [start, start + len) changed or went away (munmap,
 * mprotect, a write the layer knows of): every thread drops its
 * translations before it enters translated code again.  Cheap when the
 * range holds no translated code. */
void rv_jit_invalidate(uint64_t start, uint64_t len);

/* Force the interpreter (strata emu run --interp) or the translator;
 * by default the translator, unless STRATA_EMU_INTERP is set non-zero. */
void rv_jit_set_enabled(int on);

/* From the SIGSEGV/SIGBUS handler, with its ucontext: when the fault is
 * a guest access in the calling thread's translated code, write the
 * guest registers held in host registers back to *cpu and set cpu->pc to
 * the access (translated code does not keep them in *cpu).  Otherwise
 * nothing to do.  Async-signal-safe. */
void rv_jit_fault(void *ucontext);

/* From a host signal handler on this thread: translated code it
 * interrupted comes back to the dispatcher at its next block or loop
 * round.  Async-signal-safe. */
void rv_jit_kick(void *ucontext);

/* rv_jit_invalidate(), and return only when no other thread can run a
 * block of the range any more (riscv_flush_icache: done on every hart
 * when it returns). */
void rv_jit_invalidate_sync(uint64_t start, uint64_t len);

/* From the SIGSEGV handler: 1 when @si is another thread's kick
 * (rv_jit_invalidate_sync()), taken as rv_jit_kick() does; 0 when it is
 * a signal like any other.  Async-signal-safe. */
int rv_jit_kick_signal(const siginfo_t *si, void *ucontext);

/* How many kicks the calling thread took: a system call that failed with
 * EINTR while this changed, and for no guest signal, is made again. */
uint64_t rv_jit_kicks(void);

/* In a forked child: the caller's is the only thread (and cache). */
void rv_jit_forked(void);

/* Release the calling thread's code cache (a guest thread ends). */
void rv_jit_thread_exit(void);

/* Counters for --stats, summed over the calling thread's runs. */
struct rv_jit_stats {
	uint64_t blocks;	/* translated */
	uint64_t flushes;	/* whole-cache flushes */
	uint64_t chains;	/* direct branches patched */
	uint64_t lookups;	/* dispatcher lookups (cache misses of chaining) */
	uint64_t tails;		/* loop paths translated into their loop's block */
	uint64_t inner;		/* inner loops' branches kept in their block */
	uint64_t run_ns;	/* in translated code (rv_jit_set_timing) */
	uint64_t translate_ns;	/* translating */
};
void rv_jit_get_stats(struct rv_jit_stats *s);

/* Count run_ns and translate_ns from now on (off: they stay 0). */
void rv_jit_set_timing(int on);

#endif
