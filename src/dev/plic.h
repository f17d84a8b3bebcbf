/*
 * plic -- a SiFive-compatible platform-level interrupt controller
 * (RISC-V PLIC specification 1.0.0; Linux's "riscv,plic0" /
 * "sifive,plic-1.0.0" driver), for the riscv64 machine.
 *
 * Sources 1..PLIC_SOURCES-1 are level lines from the devices
 * (plic_set_irq); source 0 does not exist.  Two contexts per hart, as on
 * SiFive parts: context 2n is hart n's M-mode (nobody uses it: strata is
 * the M-mode), 2n+1 its S-mode.  A context's external interrupt line
 * goes to the machine through a callback whenever it changes.
 *
 * Register map (32-bit accesses only):
 *	0x000000 + 4 s		priority of source s (0..7, 0: never)
 *	0x001000		pending bits (read only)
 *	0x002000 + 0x80 c	enable bits of context c
 *	0x200000 + 0x1000 c	priority threshold of context c
 *	0x200004 + 0x1000 c	claim (read) / complete (write)
 */
#ifndef STRATA_DEV_PLIC_H
#define STRATA_DEV_PLIC_H

#include "dev/dev.h"
#include "lib/err.h"

#define PLIC_SOURCES	32		/* riscv,ndev = PLIC_SOURCES - 1 */
#define PLIC_SIZE	0x600000	/* as QEMU's virt: room for 1024 contexts */
#define PLIC_MAX_HARTS	64

struct plic;

struct plic_cfg {
	int nharts;
	/* context @c's interrupt line is now @level; called with the
	 * PLIC's lock held, from whichever thread changed it */
	void (*eip)(void *ctx, int c, int level);
	void *ctx;
};

int plic_create(const struct plic_cfg *cfg, struct plic **pp,
		struct dev_ref *out, struct err *e);

/* A device's line @src (1..PLIC_SOURCES-1) is now @level; any thread. */
void plic_set_irq(struct plic *p, int src, int level);

#endif
