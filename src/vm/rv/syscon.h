/*
 * rv syscon -- the SiFive test device ("sifive,test0", QEMU virt's
 * 0x100000): a 32-bit write of 0x5555 powers off (exit 0), 0x7777
 * resets (exit 0), (code << 16) | 0x3333 powers off with exit code
 * @code (1 when 0), as test guests report failure.  Linux drives it
 * through syscon-poweroff and syscon-reboot.
 */
#ifndef STRATA_VM_RV_SYSCON_H
#define STRATA_VM_RV_SYSCON_H

#include "dev/dev.h"
#include "lib/err.h"

int rv_syscon_create(const struct dev_host *host, struct dev_ref *out,
		     struct err *e);

#endif
