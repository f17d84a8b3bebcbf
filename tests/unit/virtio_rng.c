/*
 * Unit tests for virtio-rng (src/virtio/rng.c), driven through its ops
 * like a transport would, on a fake guest memory: random bytes arrive in
 * the writable buffers, the used length says how many, a broken chain
 * sets NEEDS_RESET.
 */
#include <stdlib.h>
#include <string.h>

#include "virtio/devices.h"
#include "test.h"

#define GPA	0x80000000ULL
#define MEM	0x20000ULL
#define QSIZE	16

static uint8_t *host;
static int irqs;

static void *g(uint64_t gpa)
{
	return host + (gpa - GPA);
}

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = g(GPA + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void avail_add(uint16_t head)
{
	uint16_t *avail = g(GPA + 0x1000);

	avail[2 + (avail[1] & (QSIZE - 1))] = head;
	avail[1]++;
}

static void on_interrupt(struct virtio_dev *d, int q)
{
	irqs++;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int main(void)
{
	struct gmem gm = { .n = 1 };
	struct virtio_dev *d;
	struct err e = { 0 };
	uint32_t *used;

	host = calloc(1, MEM);
	gm.r[0] = (struct gmem_region){ GPA, MEM, host };
	test_assert(virtio_rng_create(&gm, &d, &e) == 0, "a virtio-rng is created");
	test_assert(d->ops->device_id == 4 && d->ops->nqueues == 1, "device id 4, one queue");
	d->interrupt = on_interrupt;
	d->driver_features = d->host_features;
	d->status = VIRTIO_S_DRIVER_OK;
	d->vq[0].size = QSIZE;
	d->vq[0].desc = GPA;
	d->vq[0].avail = GPA + 0x1000;
	d->vq[0].used = GPA + 0x2000;
	d->vq[0].ready = 1;
	virtio_start(d);

	desc(0, GPA + 0x4000, 64, 2, 0);
	desc(1, GPA + 0x5000, 4096, 3, 2);
	desc(2, GPA + 0x8000, 4096, 2, 0);
	avail_add(0);
	avail_add(1);
	d->ops->notify(d, 0);
	used = g(GPA + 0x2000 + 4);
	test_assert(*(uint16_t *)g(GPA + 0x2002) == 2, "both requests were used");
	test_assert(used[0] == 0 && used[1] == 64 && used[2] == 1 && used[3] == 8192,
		    "used lengths are the writable bytes");
	test_assert(!all_zero(g(GPA + 0x4000), 64) && !all_zero(g(GPA + 0x5000), 4096) &&
		    !all_zero(g(GPA + 0x8000), 4096), "random bytes arrived");
	test_assert(all_zero(g(GPA + 0x4040), 64), "and nothing past the buffer");
	test_assert(irqs >= 1 && (d->isr & 1), "the driver was interrupted");

	desc(3, GPA + MEM - 8, 64, 2, 0);
	avail_add(3);
	d->ops->notify(d, 0);
	test_assert(virtio_broken(d), "a buffer outside memory sets NEEDS_RESET");
	d->ops->reset(d);
	d->ops->destroy(d);
	free(host);
	return test_report();
}
