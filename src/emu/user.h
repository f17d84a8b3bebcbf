/*
 * user -- user mode: one riscv64 Linux process run on this x86-64.
 * Loads the program (and its dynamic loader), builds the initial stack
 * (argv, envp, auxv as the Linux ELF loader does), then runs the hart
 * and answers its system calls (src/emu/syscall.c).
 */
#ifndef STRATA_EMU_USER_H
#define STRATA_EMU_USER_H

#include <signal.h>
#include <stdint.h>

#include "emu/cpu.h"
#include "emu/vma.h"
#include "lib/err.h"

#define EMU_DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"
#define EMU_STACK_SIZE	(8ULL << 20)
#define EMU_PIE_BASE	0x4000000000ULL	/* ET_DYN programs, when free */
#define EMU_NSIG	65

struct emu_opts {
	const char *sysroot;		/* prefix for PT_INTERP and absolute paths */
	const char *path;		/* the program */
	char *const *argv;		/* argv[0] included */
	char *const *envp;
	int strace;			/* one stderr line per system call */
};

/* How the guest ended, for the CLI to report. */
struct emu_result {
	int exit_code;			/* exit_group status, or 128 + signal */
	int signal;			/* nonzero when the guest "died" of one */
	uint64_t pc;			/* where, for SIGILL/SIGSEGV */
	uint64_t addr;			/* faulting address (SIGSEGV) */
	uint32_t insn;			/* offending instruction (SIGILL) */
	uint64_t insns, syscalls;	/* --stats */
};

/* A guest's rt_sigaction, as the riscv64 kernel lays it out (no
 * sa_restorer: riscv64 has no SA_RESTORER). */
struct emu_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t mask;
};

/* The process around the hart: cpu->user points here. */
struct emu_proc {
	const struct emu_opts *opts;
	char exe[4096];			/* absolute path: /proc/self/exe, AT_EXECFN */
	char host_exe[4096];		/* strata itself, for execve */
	struct vma_set vmas;		/* what the guest may map over and unmap */
	uint64_t brk_start, brk_cur, brk_mapped;
	struct emu_sigaction sigact[EMU_NSIG];	/* recorded, not yet delivered */
	uint64_t sigmask;
	uint64_t clear_child_tid;
	int exited;
	int exit_code;
	uint64_t syscalls;
};

/* Run the program to its end.  Returns 0 with @res filled when the guest
 * ran (whatever its exit code), or -errno when it could not start. */
int emu_run(const struct emu_opts *o, struct emu_result *res, struct err *e);

#endif
