/*
 * Unit tests for src/dev/virtio_mmio.c: a driver's walk through the
 * version 2 registers (as Linux's virtio_mmio.c does it) over a fake
 * guest memory, with virtio-rng behind the transport: identification,
 * feature negotiation, queue setup, a request served, the interrupt line
 * raised and acknowledged, a bad ring refused, reset.
 */
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_mmio.h"
#include "unit/test.h"
#include "virtio/devices.h"

#define GPA	0x80000000ULL
#define MEM	0x10000ULL
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define BUF	0x4000

static int line = -1, line_no, irq_calls;

static void on_irq(void *ctx, int n, int level)
{
	line = level;
	line_no = n;
	irq_calls++;
}

static uint32_t rd(struct dev_ref *d, uint64_t off)
{
	uint32_t v;

	d->ops->mmio_read(d->dev, off, &v, 4);
	return v;
}

static void wr(struct dev_ref *d, uint64_t off, uint32_t v)
{
	d->ops->mmio_write(d->dev, off, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

int main(void)
{
	const struct dev_host host = { .irq = on_irq };
	struct gmem mem = { .n = 1 };
	struct virtio_dev *v;
	struct err e = { 0 };
	struct dev_ref d;
	uint8_t *ram = calloc(1, MEM), *desc = ram + DESC;
	uint64_t a = GPA + BUF;
	uint32_t len = 64, u;
	uint16_t flags = 2, idx;

	mem.r[0].gpa = GPA;
	mem.r[0].size = MEM;
	mem.r[0].host = ram;
	test_assert(virtio_rng_create(&mem, &v, &e) == 0, "rng");
	test_assert(virtio_mmio_create(v, &host, 7, &d, &e) == 0, "transport");

	test_assert(rd(&d, 0x000) == 0x74726976, "magic");
	test_assert(rd(&d, 0x004) == 2, "version 2");
	test_assert(rd(&d, 0x008) == VIRTIO_ID_RNG, "device id");
	wr(&d, 0x070, 0);
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	wr(&d, 0x014, 1);
	test_assert(rd(&d, 0x010) & 1, "VERSION_1 offered");
	wr(&d, 0x024, 1);
	wr(&d, 0x020, 0x80000000);	/* something not offered */
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	test_assert(!(rd(&d, 0x070) & VIRTIO_S_FEATURES_OK), "unoffered features refused");
	wr(&d, 0x020, 1);
	wr(&d, 0x024, 0);
	wr(&d, 0x020, 0);
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	test_assert(rd(&d, 0x070) & VIRTIO_S_FEATURES_OK, "VERSION_1 accepted");

	wr(&d, 0x030, 1);
	test_assert(rd(&d, 0x034) == 0, "no queue 1");
	wr(&d, 0x030, 0);
	test_assert(rd(&d, 0x034) >= 8, "queue 0 max");
	test_assert(rd(&d, 0x044) == 0, "not ready");
	wr(&d, 0x038, 6);
	test_assert(rd(&d, 0x038) != 6, "size must be a power of two");
	wr(&d, 0x038, 8);
	test_assert(rd(&d, 0x038) == 8, "size 8");
	wr(&d, 0x080, (uint32_t)(GPA + DESC));
	wr(&d, 0x084, (GPA + DESC) >> 32);
	wr(&d, 0x090, (uint32_t)(GPA + AVAIL));
	wr(&d, 0x094, 0);
	wr(&d, 0x0a0, (uint32_t)(GPA + USED));
	wr(&d, 0x0a4, 0);
	wr(&d, 0x044, 1);
	test_assert(rd(&d, 0x044) == 1, "ready");
	wr(&d, 0x080, 0);
	test_assert(rd(&d, 0x080) == (uint32_t)(GPA + DESC), "a live queue's setup is fixed");
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK |
	   VIRTIO_S_DRIVER_OK);

	memcpy(desc, &a, 8);
	memcpy(desc + 8, &len, 4);
	memcpy(desc + 12, &flags, 2);
	put16(ram + AVAIL + 4, 0);	/* ring[0] = desc 0 */
	put16(ram + AVAIL + 2, 1);	/* idx */
	wr(&d, 0x050, 0);
	memcpy(&idx, ram + USED + 2, 2);
	memcpy(&u, ram + USED + 8, 4);
	test_assert(idx == 1 && u == 64, "the request was served, 64 bytes");
	test_assert(rd(&d, 0x060) == 1 && line == 1 && line_no == 7, "used buffer interrupt");
	wr(&d, 0x064, 1);
	test_assert(rd(&d, 0x060) == 0 && line == 0, "acknowledged: line low");

	test_assert(rd(&d, 0x0b0) == 0xffffffff, "no shared memory");
	test_assert(rd(&d, 0x0fc) == 0, "config generation");
	u = 0xdeadbeef;
	d.ops->mmio_read(d.dev, 0x000, &u, 2);
	test_assert(u == 0xdead0000, "registers are 32-bit only: a narrow read gives 0");

	wr(&d, 0x070, 0);
	test_assert(rd(&d, 0x070) == 0 && rd(&d, 0x044) == 0, "reset");
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	wr(&d, 0x024, 1);
	wr(&d, 0x020, 1);
	wr(&d, 0x070, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	wr(&d, 0x080, 0x1000);		/* outside guest memory */
	wr(&d, 0x044, 1);
	test_assert(rd(&d, 0x044) == 0, "a ring outside memory is not enabled");
	test_assert(rd(&d, 0x070) & VIRTIO_S_NEEDS_RESET, "NEEDS_RESET");
	d.ops->reset(d.dev);
	test_assert(rd(&d, 0x070) == 0 && line == 0, "machine reset");
	d.ops->destroy(d.dev);
	free(ram);
	return test_report();
}
