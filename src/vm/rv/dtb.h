/*
 * rv dtb -- the device tree the riscv64 machine hands its kernel in a1:
 * /cpus (one cpu per hart with its interrupt controller), /memory,
 * /chosen (bootargs, stdout-path, initrd), /soc (PLIC, UART, virtio-mmio
 * devices, the test device) and syscon poweroff/reboot.
 */
#ifndef STRATA_VM_RV_DTB_H
#define STRATA_VM_RV_DTB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct rv_dtb_cfg {
	int nharts;
	int sv48;			/* mmu-type riscv,sv48, else sv39 */
	uint64_t ram_size;
	const char *bootargs;		/* NULL: none */
	uint64_t initrd_start, initrd_end;	/* equal: no initrd */
	int nvirtio;			/* devices at RV_VIRTIO_BASE on */
};

/* A malloc'd DTB. */
int rv_dtb_build(const struct rv_dtb_cfg *c, void **blob, size_t *len,
		 struct err *e);

#endif
