/*
 * uart8250 -- the 8250/16550A UART (COM1 at port 0x3f8, irq 4 on a PC).
 */
#ifndef STRATA_DEV_UART8250_H
#define STRATA_DEV_UART8250_H

#include "dev/dev.h"
#include "lib/err.h"

#define UART8250_COM1_PORT	0x3f8
#define UART8250_COM1_IRQ	4
#define UART8250_REGS		8

struct uart8250_cfg {
	int irq;	/* line driven through dev_host.irq */
	int in_fd;	/* guest input (non-blocking reads); -1: none */
	int out_fd;	/* guest output; -1: dropped */
};

int uart8250_create(const struct uart8250_cfg *cfg, const struct dev_host *host,
		    struct dev_ref *out, struct err *e);

#endif
