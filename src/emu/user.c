/*
 * user -- one riscv64 Linux process on this host: the program and its
 * dynamic loader mapped, the initial stack as Linux's binfmt_elf builds
 * it, and the run loop that turns ecalls into system calls.
 *
 * Initial stack (System V psABI, RISC-V psABI; sp 16-byte aligned):
 *
 *	sp ->	argc
 *		argv[0..argc-1], NULL
 *		envp[0..], NULL
 *		auxv pairs (type, value) ..., AT_NULL
 *		padding
 *		16 random bytes (AT_RANDOM), argument and environment strings,
 *		the program's path (AT_EXECFN)
 *	top of the stack
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "emu/elf.h"
#include "emu/syscall.h"
#include "emu/user.h"

#define PAGE		4096ULL
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define ARG_MAX_BYTES	(2U << 20)	/* strings on the stack: a quarter of it */
#define RUN_CHUNK	(1ULL << 24)

/* AT_HWCAP: one bit per single-letter extension ('a' is bit 0). */
#define HWCAP_RV64IMAFDC ((1UL << ('i' - 'a')) | (1UL << ('m' - 'a')) | \
			  (1UL << ('a' - 'a')) | (1UL << ('f' - 'a')) | \
			  (1UL << ('d' - 'a')) | (1UL << ('c' - 'a')))

static void user_unmap_all(struct emu_proc *p)
{
	int i;

	for (i = 0; i < p->vmas.n; i++)
		munmap((void *)(uintptr_t)p->vmas.v[i].start,
		       p->vmas.v[i].end - p->vmas.v[i].start);
	vma_free(&p->vmas);
}

static int user_record(struct emu_proc *p, uint64_t start, uint64_t end,
		       struct err *e)
{
	if (vma_add(&p->vmas, start, end) < 0)
		return err_set(e, -ENOMEM, "guest memory map");
	return 0;
}

/* The program, and its interpreter from the sysroot when it has one. */
static int user_load(struct emu_proc *p, struct elf_image *prog,
		     struct elf_image *interp, struct err *e)
{
	const char *root = p->opts->sysroot ? p->opts->sysroot : "";
	char path[PATH_MAX];
	int ret;

	ret = elf_load(p->opts->path, EMU_PIE_BASE, prog, e);
	if (ret < 0)
		return ret;
	ret = user_record(p, prog->lo, prog->hi, e);
	if (ret < 0 || !prog->interp[0])
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, prog->interp) >= sizeof(path))
		return err_msg(e, -ENAMETOOLONG, "%s: interpreter path too long", p->opts->path);
	if (access(path, F_OK) < 0) {
		if (root[0])
			return err_msg(e, -ENOENT, "%s: interpreter %s not found under %s (see -L)",
				       p->opts->path, prog->interp, root);
		return err_msg(e, -ENOENT, "%s: interpreter %s not found (see -L)",
			       p->opts->path, prog->interp);
	}
	ret = elf_load(path, 0, interp, e);
	if (ret < 0)
		return err_wrap(e, "interpreter");
	ret = user_record(p, interp->lo, interp->hi, e);
	if (ret == 0 && interp->interp[0])
		ret = err_msg(e, -ENOEXEC, "interpreter %s wants an interpreter itself", path);
	return ret;
}

/* Copy the strings of @v onto the stack below *sp; @addrs gets their
 * guest addresses.  Returns the count. */
static int user_push_strings(uint64_t *sp, char *const *v, uint64_t *addrs)
{
	int n;

	for (n = 0; v && v[n]; n++) {
		size_t len = strlen(v[n]) + 1;

		*sp -= len;
		memcpy((void *)(uintptr_t)*sp, v[n], len);
		addrs[n] = *sp;
	}
	return n;
}

static int strv_size(char *const *v, size_t *bytes)
{
	int n;

	for (n = 0; v && v[n]; n++)
		*bytes += strlen(v[n]) + 1;
	return n;
}

struct auxv_in {
	const struct elf_image *prog, *interp;
	uint64_t random, execfn;
};

static int user_auxv(uint64_t *w, const struct auxv_in *in)
{
	int n = 0;

#define AUX(t, v) do { w[n++] = (t); w[n++] = (v); } while (0)
	AUX(AT_PHDR, in->prog->phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, in->prog->phnum);
	AUX(AT_PAGESZ, PAGE);
	AUX(AT_BASE, in->interp ? in->interp->bias : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, in->prog->entry);
	AUX(AT_UID, getuid());
	AUX(AT_EUID, geteuid());
	AUX(AT_GID, getgid());
	AUX(AT_EGID, getegid());
	AUX(AT_HWCAP, HWCAP_RV64IMAFDC);
	AUX(AT_HWCAP2, 0);
	AUX(AT_CLKTCK, sysconf(_SC_CLK_TCK));
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, in->random);
	AUX(AT_EXECFN, in->execfn);
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

static int user_stack(struct emu_proc *p, struct rv_cpu *cpu,
		      const struct auxv_in *ain, struct err *e)
{
	const struct emu_opts *o = p->opts;
	struct auxv_in in = *ain;
	uint64_t *addrs, *w, sp, aux[64];
	size_t bytes = strlen(o->path) + 1;
	int argc, envc, naux, nw, i, ret;
	void *stack;

	argc = strv_size(o->argv, &bytes);
	envc = strv_size(o->envp, &bytes);
	if (bytes > ARG_MAX_BYTES)
		return err_msg(e, -E2BIG, "arguments and environment above %u bytes",
			       ARG_MAX_BYTES);
	stack = mmap(NULL, EMU_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return err_set(e, -errno, "guest stack");
	ret = user_record(p, (uintptr_t)stack, (uintptr_t)stack + EMU_STACK_SIZE, e);
	if (ret < 0)
		return ret;
	addrs = calloc(argc + envc + 2, sizeof(*addrs));
	if (!addrs)
		return err_set(e, -ENOMEM, "guest stack");
	sp = (uintptr_t)stack + EMU_STACK_SIZE;
	sp -= strlen(o->path) + 1;
	memcpy((void *)(uintptr_t)sp, o->path, strlen(o->path) + 1);
	in.execfn = sp;
	user_push_strings(&sp, o->envp, addrs + argc + 1);
	user_push_strings(&sp, o->argv, addrs);
	sp = (sp - 16) & ~15ULL;
	if (getrandom((void *)(uintptr_t)sp, 16, 0) != 16)
		memset((void *)(uintptr_t)sp, 0x5a, 16);
	in.random = sp;

	naux = user_auxv(aux, &in);
	nw = 1 + argc + 1 + envc + 1 + naux;
	sp = (sp - nw * 8) & ~15ULL;
	w = (uint64_t *)(uintptr_t)sp;
	*w++ = argc;
	for (i = 0; i < argc; i++)
		*w++ = addrs[i];
	*w++ = 0;
	for (i = 0; i < envc; i++)
		*w++ = addrs[argc + 1 + i];
	*w++ = 0;
	memcpy(w, aux, naux * 8);
	free(addrs);
	cpu->x[2] = sp;
	return 0;
}

/* The hart's fate when it stops on something that is not a system call:
 * what Linux would have done with no handler installed. */
static int user_signal(struct emu_result *res, const struct rv_cpu *cpu, int sig)
{
	res->signal = sig;
	res->exit_code = 128 + sig;
	res->pc = cpu->pc;
	res->addr = cpu->fault_addr;
	res->insn = cpu->fault_insn;
	return 1;
}

/*
 * Guest memory faults.  The interpreter touches guest memory without
 * checks (cpu->regions NULL): a bad guest access is a host SIGSEGV or
 * SIGBUS raised inside rv_interp_run(), with cpu->pc still at the
 * faulting instruction (cpu.h).  The handler jumps back out of the run
 * and the fault becomes RV_STOP_FAULT.  A fault outside a guest run is
 * strata's own bug: the previous handler (ASan's, or the default) takes
 * it over on the next attempt.
 */
static __thread sigjmp_buf *user_jmp;
static __thread volatile uint64_t user_fault_addr;
static __thread volatile int user_fault_sig;
static struct sigaction user_old_segv, user_old_bus;

static void user_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *j = user_jmp;

	if (!j) {
		sigaction(sig, sig == SIGSEGV ? &user_old_segv : &user_old_bus, NULL);
		return;
	}
	user_jmp = NULL;
	user_fault_addr = (uint64_t)(uintptr_t)si->si_addr;
	user_fault_sig = sig;
	siglongjmp(*j, 1);
}

static void user_catch_faults(int on)
{
	struct sigaction sa;

	if (!on) {
		sigaction(SIGSEGV, &user_old_segv, NULL);
		sigaction(SIGBUS, &user_old_bus, NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = user_fault;
	/* SA_NODEFER: the jump out leaves the signal unblocked without a
	 * sigprocmask per run (sigsetjmp(.., 0) is cheap) */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, &user_old_segv);
	sigaction(SIGBUS, &sa, &user_old_bus);
}

static enum rv_stop user_run(struct rv_cpu *cpu)
{
	sigjmp_buf jb;
	enum rv_stop s;

	if (sigsetjmp(jb, 0)) {
		cpu->fault_addr = user_fault_addr - cpu->mem_base;
		cpu->fault_access = user_fault_sig == SIGBUS ? RV_FAULT_MISALIGNED : 0;
		cpu->stop = RV_STOP_FAULT;
		return RV_STOP_FAULT;
	}
	user_jmp = &jb;
	s = rv_interp_run(cpu, RUN_CHUNK);
	user_jmp = NULL;
	return s;
}

/* Returns when the guest exits or dies. */
static void user_loop(struct emu_proc *p, struct rv_cpu *cpu, struct emu_result *res)
{
	for (;;) {
		switch (user_run(cpu)) {
		case RV_STOP_NONE:
			break;
		case RV_STOP_ECALL:
			syscall_dispatch(p, cpu);
			if (p->exited) {
				res->exit_code = p->exit_code;
				return;
			}
			cpu->pc += 4;
			break;
		case RV_STOP_EXIT:
			res->exit_code = p->exit_code;
			return;
		case RV_STOP_EBREAK:
			user_signal(res, cpu, SIGTRAP);
			return;
		case RV_STOP_ILLEGAL:
			user_signal(res, cpu, SIGILL);
			return;
		case RV_STOP_FAULT:
		default:
			user_signal(res, cpu, cpu->fault_access & RV_FAULT_MISALIGNED ?
					      SIGBUS : SIGSEGV);
			return;
		}
	}
}

int emu_run(const struct emu_opts *o, struct emu_result *res, struct err *e)
{
	struct elf_image prog, interp;
	struct auxv_in ain = { 0 };
	struct rv_cpu *cpu;
	struct emu_proc *p;
	ssize_t n;
	int ret;

	memset(res, 0, sizeof(*res));
	p = calloc(1, sizeof(*p));
	cpu = calloc(1, sizeof(*cpu));
	if (!p || !cpu) {
		ret = err_set(e, -ENOMEM, "emu");
		goto out_free;
	}
	p->opts = o;
	if (!realpath(o->path, p->exe)) {
		ret = err_set(e, -errno, "%s", o->path);
		goto out_free;
	}
	n = readlink("/proc/self/exe", p->host_exe, sizeof(p->host_exe) - 1);
	if (n > 0)
		p->host_exe[n] = '\0';
	memset(&interp, 0, sizeof(interp));
	ret = user_load(p, &prog, &interp, e);
	if (ret < 0)
		goto out_unmap;
	p->brk_start = p->brk_cur = p->brk_mapped = PAGE_UP(prog.end);
	ain.prog = &prog;
	ain.interp = prog.interp[0] ? &interp : NULL;
	ret = user_stack(p, cpu, &ain, e);
	if (ret < 0)
		goto out_unmap;
	cpu->pc = ain.interp ? interp.entry : prog.entry;
	cpu->reservation = ~0ULL;
	cpu->user = p;
	user_catch_faults(1);
	user_loop(p, cpu, res);
	user_catch_faults(0);
	res->insns = cpu->insns;
	res->syscalls = p->syscalls;
	ret = 0;
out_unmap:
	user_unmap_all(p);
out_free:
	free(cpu);
	free(p);
	return ret;
}
