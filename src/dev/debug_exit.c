/*
 * debug_exit -- powers the machine off with a code the guest chooses.
 *
 * Like QEMU's isa-debug-exit (port 0x501), but the code is the value
 * written (low 8 bits), not QEMU's (value << 1) | 1: a guest writes 0 to
 * say "passed".  Accesses of 1, 2 or 4 bytes; reads return 0.  For test
 * guests and for guests without ACPI; a production machine may leave it
 * out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/debug_exit.h"

struct debug_exit {
	struct dev_host host;
};

static void debug_exit_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	memset(data, 0, len);
}

static void debug_exit_write(void *dev, uint64_t off, const void *data, unsigned int len)
{
	struct debug_exit *d = dev;
	uint8_t code = *(const uint8_t *)data;	/* little endian: low byte */

	if (d->host.stop)
		d->host.stop(d->host.ctx, DEV_STOP_POWEROFF, code);
}

static void debug_exit_destroy(void *dev)
{
	free(dev);
}

static const struct dev_ops debug_exit_ops = {
	.name = "debug-exit",
	.min_width = 1,
	.max_width = 4,
	.pio_read = debug_exit_read,
	.pio_write = debug_exit_write,
	.destroy = debug_exit_destroy,
};

int debug_exit_create(const struct dev_host *host, struct dev_ref *out,
		      struct err *e)
{
	struct debug_exit *d = calloc(1, sizeof(*d));

	if (!d)
		return err_set(e, -ENOMEM, "debug-exit");
	d->host = *host;
	out->ops = &debug_exit_ops;
	out->dev = d;
	return 0;
}
