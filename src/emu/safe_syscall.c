/*
 * safe_syscall -- see safe_syscall.h.  The window is the code between
 * emu_safe_syscall_start and emu_safe_syscall_end: from the load of the
 * pending set to the `syscall` instruction itself.  A signal that comes
 * while the thread is inside the kernel leaves the saved rip at
 * emu_safe_syscall_end (the instruction after `syscall`), outside the
 * window: the kernel answers EINTR then (strata's handlers have no
 * SA_RESTART), and the run loop restarts the call or not as the guest's
 * handler asked.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "emu/safe_syscall.h"

/*
 * rdi = pending, rsi = blocked, rdx = nr, rcx = args.  rbx and r12 keep
 * the two set pointers across the loads of the six arguments (callee-
 * saved, so pushed); rcx and r11 are the kernel's to clobber.
 */
__asm__(
	".text\n"
	".globl emu_safe_syscall\n"
	".hidden emu_safe_syscall\n"
	".type emu_safe_syscall, @function\n"
	"emu_safe_syscall:\n"
	"	.cfi_startproc\n"
	"	push %rbx\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbx, 0\n"
	"	push %r12\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %r12, 0\n"
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %r12\n"
	"	mov %rdx, %rax\n"
	"	mov %rcx, %r11\n"
	"	mov 0(%r11), %rdi\n"
	"	mov 8(%r11), %rsi\n"
	"	mov 16(%r11), %rdx\n"
	"	mov 24(%r11), %r10\n"
	"	mov 32(%r11), %r8\n"
	"	mov 40(%r11), %r9\n"
	".globl emu_safe_syscall_start\n"
	".hidden emu_safe_syscall_start\n"
	"emu_safe_syscall_start:\n"
	"	mov (%r12), %rcx\n"
	"	not %rcx\n"
	"	and (%rbx), %rcx\n"
	"	jnz emu_safe_syscall_interrupted\n"
	"	syscall\n"
	".globl emu_safe_syscall_end\n"
	".hidden emu_safe_syscall_end\n"
	"emu_safe_syscall_end:\n"
	"	.cfi_remember_state\n"
	"	pop %r12\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	.cfi_restore %r12\n"
	"	pop %rbx\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	.cfi_restore %rbx\n"
	"	ret\n"
	"	.cfi_restore_state\n"
	/* after the window, so a rewind never lands back in it */
	".globl emu_safe_syscall_interrupted\n"
	".hidden emu_safe_syscall_interrupted\n"
	"emu_safe_syscall_interrupted:\n"
	"	mov $-512, %rax\n"	/* EMU_SAFE_NOT_STARTED */
	"	jmp emu_safe_syscall_end\n"
	"	.cfi_endproc\n"
	".size emu_safe_syscall, .-emu_safe_syscall\n");

extern const char emu_safe_syscall_start[], emu_safe_syscall_end[],
	emu_safe_syscall_interrupted[] __attribute__((visibility("hidden")));

void emu_safe_syscall_rewind(void *ucontext)
{
	ucontext_t *uc = ucontext;
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];

	if (rip >= (uintptr_t)emu_safe_syscall_start &&
	    rip < (uintptr_t)emu_safe_syscall_end)
		uc->uc_mcontext.gregs[REG_RIP] =
			(greg_t)(uintptr_t)emu_safe_syscall_interrupted;
}
