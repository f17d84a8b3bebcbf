/*
 * uart8250 -- the 8250/16550A UART of a PC's COM1 (ttyS0).
 *
 * Register map after the National Semiconductor PC16550D data sheet:
 * offset 0 RBR/THR (DLL when LCR.DLAB), 1 IER (DLM), 2 IIR/FCR, 3 LCR,
 * 4 MCR, 5 LSR, 6 MSR, 7 SCR.  Transmission is instantaneous: a THR
 * write goes straight to the output fd, so LSR always reads THRE|TEMT.
 * Input is polled from the input fd (non-blocking) into a small ring
 * whenever the guest looks at RBR, LSR or IIR.  Loopback (MCR bit 4)
 * behaves as the data sheet says, because Linux's autoconfig probes it.
 *
 * Interrupts: THR-empty (IER bit 1) and received-data (IER bit 0) are
 * reported in IIR and drive the irq line through the dev_host, as QEMU
 * does (OUT2 is not a gate).  Received data raises the line only when
 * the guest polls; a console thread that raises it on arrival is later
 * work.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/uart8250.h"

#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define FCR_ENABLE	0x01
#define FCR_CLR_RX	0x02

#define RX_RING		256

struct uart {
	struct dev_host host;
	int irq, in_fd, out_fd, in_eof;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int thr_pending;		/* THR-empty interrupt waiting for IIR read */
	uint8_t rx[RX_RING];
	unsigned int rx_head, rx_tail;	/* tail - head bytes queued */
};

static unsigned int uart_rx_count(const struct uart *u)
{
	return u->rx_tail - u->rx_head;
}

static void uart_rx_push(struct uart *u, uint8_t c)
{
	if (uart_rx_count(u) < RX_RING)
		u->rx[u->rx_tail++ % RX_RING] = c;
}

/* Pull what the input fd has ready, without ever blocking the vCPU. */
static void uart_poll_input(struct uart *u)
{
	struct pollfd p = { .fd = u->in_fd, .events = POLLIN };
	uint8_t buf[RX_RING];
	unsigned int room = RX_RING - uart_rx_count(u);
	ssize_t i, n;

	if (u->in_fd < 0 || u->in_eof || !room || (u->mcr & MCR_LOOP))
		return;
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return;
	n = read(u->in_fd, buf, room);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			u->in_eof = 1;
		return;
	}
	for (i = 0; i < n; i++)
		uart_rx_push(u, buf[i]);
}

static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && uart_rx_count(u))
		return IIR_RDI | fifo;
	if ((u->ier & IER_THRI) && u->thr_pending)
		return IIR_THRI | fifo;
	return IIR_NONE | fifo;
}

static void uart_update_irq(struct uart *u)
{
	if (u->host.irq)
		u->host.irq(u->host.ctx, u->irq, !(uart_iir(u) & IIR_NONE));
}

static void uart_put(struct uart *u, uint8_t c)
{
	ssize_t n;

	if (u->mcr & MCR_LOOP) {
		uart_rx_push(u, c);
		return;
	}
	if (u->out_fd < 0)
		return;
	do
		n = write(u->out_fd, &c, 1);
	while (n < 0 && errno == EINTR);
}

/* Modem status: in loopback the outputs come back on the inputs
 * (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD); otherwise a cable with
 * carrier, DSR and CTS. */
static uint8_t uart_msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return 0xb0;
	return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) |
	       ((m & 0x08) << 4);
}

static void uart_pio_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct uart *u = dev;
	uint8_t v = 0;

	switch (off) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		uart_poll_input(u);
		if (uart_rx_count(u))
			v = u->rx[u->rx_head++ % RX_RING];
		break;
	case 1:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		uart_poll_input(u);
		v = uart_iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thr_pending = 0;	/* reading IIR acknowledges THRE */
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		uart_poll_input(u);
		v = LSR_THRE | LSR_TEMT | (uart_rx_count(u) ? LSR_DR : 0);
		break;
	case 6:
		v = uart_msr(u);
		break;
	case 7:
		v = u->scr;
		break;
	}
	memset(data, v, len);
	uart_update_irq(u);
}

static void uart_pio_write(void *dev, uint64_t off, const void *data, unsigned int len)
{
	struct uart *u = dev;
	uint8_t v = *(const uint8_t *)data;

	switch (off) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			break;
		}
		uart_put(u, v);
		u->thr_pending = 1;	/* sent at once: THR is empty again */
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* enabling THRI while THR is empty interrupts at once */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_pending = 1;
		u->ier = v & 0x0f;
		break;
	case 2:
		u->fcr = v & 0xc9;
		if (v & FCR_CLR_RX)
			u->rx_head = u->rx_tail;
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		break;
	case 7:
		u->scr = v;
		break;
	}
	uart_update_irq(u);
}

static void uart_reset(void *dev)
{
	struct uart *u = dev;

	u->ier = u->lcr = u->mcr = u->scr = u->dlm = u->fcr = 0;
	u->dll = 0x0c;		/* 9600 baud */
	u->thr_pending = 0;
	u->rx_head = u->rx_tail = 0;
	uart_update_irq(u);
}

static void uart_destroy(void *dev)
{
	free(dev);
}

static const struct dev_ops uart8250_ops = {
	.name = "uart8250",
	.min_width = 1,
	.max_width = 1,
	.pio_read = uart_pio_read,
	.pio_write = uart_pio_write,
	.mmio_read = uart_pio_read,	/* same registers on an MMIO UART */
	.mmio_write = uart_pio_write,
	.reset = uart_reset,
	.destroy = uart_destroy,
};

int uart8250_create(const struct uart8250_cfg *cfg, const struct dev_host *host,
		    struct dev_ref *out, struct err *e)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		return err_set(e, -ENOMEM, "uart8250");
	u->host = *host;
	u->irq = cfg->irq;
	u->in_fd = cfg->in_fd;
	u->out_fd = cfg->out_fd;
	u->dll = 0x0c;
	out->ops = &uart8250_ops;
	out->dev = u;
	return 0;
}
