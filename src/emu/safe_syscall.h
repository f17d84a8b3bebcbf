/*
 * safe_syscall -- a host system call for a guest thread that a guest
 * signal cannot miss.
 *
 * A guest signal is caught by a host handler that only marks it pending;
 * the run loop delivers it between two guest instructions.  A signal
 * caught after the loop's last look but before a blocking call entered
 * the kernel would wait for that call to end (for ever, for a read of an
 * idle pipe).  emu_safe_syscall() looks at the pending set itself, right
 * before the `syscall` instruction, and the host handler, when it
 * interrupts that window, moves the thread to the exit that says the
 * call did not start (emu_safe_syscall_rewind): either the call never
 * starts, or the kernel interrupts it.  As qemu-user's safe_syscall does.
 */
#ifndef STRATA_EMU_SAFE_SYSCALL_H
#define STRATA_EMU_SAFE_SYSCALL_H

#include <stdint.h>

/* What emu_safe_syscall() returns when a signal came before the call
 * entered the kernel: nothing happened, the run loop delivers the signal
 * and then makes the call (the kernel's own ERESTARTSYS, which never
 * reaches user space otherwise). */
#define EMU_SAFE_NOT_STARTED	(-512)

/* System call @nr with args[0..5]; EMU_SAFE_NOT_STARTED without calling
 * when a bit of *@pending is clear in *@blocked.  Returns the kernel's
 * result (-errno on failure), errno untouched. */
long emu_safe_syscall(const uint64_t *pending, const uint64_t *blocked,
		      long nr, const uint64_t *args);

/* From a host signal handler, with its ucontext: a thread stopped in
 * emu_safe_syscall() before its `syscall` instruction resumes at the
 * not-started exit.  Async-signal-safe. */
void emu_safe_syscall_rewind(void *ucontext);

#endif
