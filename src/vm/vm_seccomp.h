/*
 * vm_seccomp -- the syscall allowlist a VMM runs under once its machine
 * is built, as Firecracker does: whatever a guest manages to do to the
 * VMM's threads afterwards, it cannot open files, make sockets, exec or
 * fork.  Anything outside the list kills the whole process.
 */
#ifndef STRATA_VM_VM_SECCOMP_H
#define STRATA_VM_VM_SECCOMP_H

#include "lib/err.h"

/* Load the filter on every thread of the process (TSYNC); threads made
 * later inherit it. */
int vm_seccomp_apply(struct err *e);

#endif
