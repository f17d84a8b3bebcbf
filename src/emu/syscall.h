/*
 * syscall -- the riscv64 Linux system call table (asm-generic numbers)
 * answered on x86-64: most calls pass straight to the host kernel, the
 * rest are translated (struct stat layout, memory map, paths under the
 * sysroot, /proc/self/exe, uname) or emulated (brk, signal dispositions).
 */
#ifndef STRATA_EMU_SYSCALL_H
#define STRATA_EMU_SYSCALL_H

#include <stddef.h>

#include "emu/cpu.h"
#include "emu/user.h"

/* Answer the ecall the hart stopped at: number in a7, arguments in
 * a0..a5, result (or -errno) into a0.  Sets p->exited on exit_group.
 * Does not move the pc. */
void syscall_dispatch(struct emu_proc *p, struct rv_cpu *cpu);

/* Guest memory read or written by strata itself: a bad address is an
 * error (-EFAULT), never a crash.  guest_read returns the bytes read. */
long guest_read(void *dst, uint64_t src, size_t len);
long guest_write(uint64_t dst, const void *src, size_t len);

/* Name of riscv64 system call @nr, or NULL when strata does not know it. */
const char *syscall_name(unsigned long nr);

#endif
