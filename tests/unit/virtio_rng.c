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
#include "vq_guest.h"

static int irqs;

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

	host = calloc(1, MEM);
	gm.r[0] = (struct gmem_region){ GPA, MEM, host };
	test_assert(virtio_rng_create(&gm, &d, &e) == 0, "a virtio-rng is created");
	test_assert(d->ops->device_id == 4 && d->ops->nqueues == 1, "device id 4, one queue");
	d->interrupt = on_interrupt;
	vq_driver_ok(d, 1);
	virtio_start(d);

	desc(0, 0, GPA + 0x4000, 64, 2, 0);
	desc(0, 1, GPA + 0x5000, 4096, 3, 2);
	desc(0, 2, GPA + 0x8000, 4096, 2, 0);
	avail_add(0, 0);
	avail_add(0, 1);
	d->ops->notify(d, 0);
	test_assert(used_idx(0) == 2, "both requests were used");
	test_assert(used_elem(0, 0, 0) == 0 && used_elem(0, 0, 1) == 64 &&
		    used_elem(0, 1, 0) == 1 && used_elem(0, 1, 1) == 8192,
		    "used lengths are the writable bytes");
	test_assert(!all_zero(g(GPA + 0x4000), 64) && !all_zero(g(GPA + 0x5000), 4096) &&
		    !all_zero(g(GPA + 0x8000), 4096), "random bytes arrived");
	test_assert(all_zero(g(GPA + 0x4040), 64), "and nothing past the buffer");
	test_assert(irqs >= 1 && (d->isr & 1), "the driver was interrupted");

	desc(0, 3, GPA + MEM - 8, 64, 2, 0);
	avail_add(0, 3);
	d->ops->notify(d, 0);
	test_assert(virtio_broken(d), "a buffer outside memory sets NEEDS_RESET");
	d->ops->reset(d);
	d->ops->destroy(d);
	free(host);
	return test_report();
}
