/*
 * vq_guest -- the driver's side of split virtqueues, for tests of the
 * device models that run several queues (virtio_net, virtio_vsock).
 * Guest memory starting at guest address GPA is mapped at @host; queue q
 * has its descriptor table at GPA + q * 0x3000, the available ring 0x1000
 * above it and the used ring 0x2000 above it, QSIZE entries each.
 * Include after defining GPA and QSIZE.
 */
#ifndef STRATA_TESTS_VQ_GUEST_H
#define STRATA_TESTS_VQ_GUEST_H

#include <stdint.h>
#include <string.h>

#include "virtio/virtio.h"

static uint8_t *host;

static void *g(uint64_t gpa)
{
	return host + (gpa - GPA);
}

static uint64_t qbase(int q)
{
	return GPA + (uint64_t)q * 0x3000;
}

static void desc(int q, int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	uint8_t *d = g(qbase(q) + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* publish @head to the device (release: the descriptors come first) */
static void avail_add(int q, uint16_t head)
{
	uint16_t *avail = g(qbase(q) + 0x1000);
	uint16_t idx = avail[1];

	avail[2 + (idx & (QSIZE - 1))] = head;
	__atomic_store_n(&avail[1], (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

static uint16_t used_idx(int q)
{
	return __atomic_load_n((uint16_t *)g(qbase(q) + 0x2002), __ATOMIC_ACQUIRE);
}

/* field 0: the head's id, 1: the length written */
static uint32_t used_elem(int q, int i, int field)
{
	return *(uint32_t *)g(qbase(q) + 0x2004 + 8ULL * (i & (QSIZE - 1)) + 4 * field);
}

/* The driver's side of DRIVER_OK: every offered feature taken, queues
 * 0 .. @nq - 1 laid out as above and ready; virtio_start() is the
 * caller's, so a test may kick before the device runs. */
static inline void vq_driver_ok(struct virtio_dev *d, int nq)
{
	d->driver_features = d->host_features;
	d->status = VIRTIO_S_DRIVER_OK;
	for (int q = 0; q < nq; q++) {
		d->vq[q].size = QSIZE;
		d->vq[q].desc = qbase(q);
		d->vq[q].avail = qbase(q) + 0x1000;
		d->vq[q].used = qbase(q) + 0x2000;
		d->vq[q].ready = 1;
	}
}

#endif
