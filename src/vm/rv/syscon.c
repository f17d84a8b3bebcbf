/*
 * rv syscon -- the SiFive test device.  See syscon.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv/syscon.h"

#define TEST_FAIL	0x3333
#define TEST_PASS	0x5555
#define TEST_RESET	0x7777

struct syscon {
	struct dev_host host;
};

static void syscon_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	memset(data, 0, len);
}

static void syscon_write(void *dev, uint64_t off, const void *data,
			 unsigned int len)
{
	struct syscon *s = dev;
	uint32_t v;
	int code;

	if (off || !s->host.stop)
		return;
	memcpy(&v, data, 4);
	switch (v & 0xffff) {
	case TEST_PASS:
		s->host.stop(s->host.ctx, DEV_STOP_POWEROFF, 0);
		break;
	case TEST_RESET:
		s->host.stop(s->host.ctx, DEV_STOP_RESET, 0);
		break;
	case TEST_FAIL:
		code = (v >> 16) & 0xff;
		s->host.stop(s->host.ctx, DEV_STOP_POWEROFF, code ? code : 1);
		break;
	}
}

static void syscon_destroy(void *dev)
{
	free(dev);
}

static const struct dev_ops syscon_ops = {
	.name = "sifive-test",
	.min_width = 4,
	.max_width = 4,
	.mmio_read = syscon_read,
	.mmio_write = syscon_write,
	.destroy = syscon_destroy,
};

int rv_syscon_create(const struct dev_host *host, struct dev_ref *out,
		     struct err *e)
{
	struct syscon *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, -ENOMEM, "test device");
	s->host = *host;
	out->ops = &syscon_ops;
	out->dev = s;
	return 0;
}
