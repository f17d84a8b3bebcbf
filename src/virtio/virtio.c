/*
 * virtio -- the device-side helpers every virtio device model shares:
 * initial state of a device and its queues, completing a request (used
 * ring + interrupt when the driver wants one), and giving up on a driver
 * that broke the rules (NEEDS_RESET).
 *
 * The ISR bits are set here, atomically, before the transport's interrupt
 * hook runs: a device may complete requests from its own I/O thread while
 * a vCPU reads (and clears) the ISR through the transport.
 */
#include <string.h>

#include "virtio/virtio.h"

#define VIRTIO_MSI_NO_VECTOR 0xffff

void virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		     const struct gmem *mem, uint64_t device_features,
		     uint16_t queue_size)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->mem = mem;
	d->host_features = device_features | (1ULL << VIRTIO_F_VERSION_1);
	if (queue_size > VIRTQ_MAX_SIZE)
		queue_size = VIRTQ_MAX_SIZE;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		d->vq[i].msix_vector = VIRTIO_MSI_NO_VECTOR;
		if (i >= ops->nqueues)
			continue;
		d->vq[i].max_size = queue_size;
		d->vq[i].size = queue_size;
	}
}

void virtio_start(struct virtio_dev *d)
{
	int i;

	for (i = 0; i < d->ops->nqueues && i < VIRTIO_MAX_QUEUES; i++) {
		d->vq[i].event_idx = virtio_has(d, VIRTIO_F_EVENT_IDX);
		d->vq[i].indirect = virtio_has(d, VIRTIO_F_INDIRECT_DESC);
	}
	if (d->ops->start)
		d->ops->start(d);
}

static void virtio_raise(struct virtio_dev *d, int q, uint8_t isr_bit)
{
	__atomic_fetch_or(&d->isr, isr_bit, __ATOMIC_SEQ_CST);
	if (d->interrupt)
		d->interrupt(d, q);
}

void virtio_complete(struct virtio_dev *d, int q, uint16_t head,
		     uint32_t written)
{
	struct virtq *vq = &d->vq[q];
	uint16_t old = vq->used_idx;

	if (virtq_push(vq, d->mem, head, written) < 0) {
		virtio_needs_reset(d);
		return;
	}
	if (virtq_should_notify(vq, d->mem, old))
		virtio_raise(d, q, 1);
}

void virtio_needs_reset(struct virtio_dev *d)
{
	uint8_t old = __atomic_fetch_or(&d->status, VIRTIO_S_NEEDS_RESET,
					__ATOMIC_SEQ_CST);

	/* one config interrupt, and only to a driver that is running */
	if (!(old & VIRTIO_S_NEEDS_RESET) && (old & VIRTIO_S_DRIVER_OK))
		virtio_raise(d, -1, 2);
}

static int features_ok(const struct virtio_dev *d)
{
	return !(d->driver_features & ~d->host_features) &&
	       virtio_has(d, VIRTIO_F_VERSION_1);
}

int virtio_write_status(struct virtio_dev *d, uint8_t v)
{
	uint8_t old = d->status;

	if ((v & VIRTIO_S_FEATURES_OK) && !(old & VIRTIO_S_FEATURES_OK) &&
	    !features_ok(d))
		v &= ~VIRTIO_S_FEATURES_OK;
	__atomic_store_n(&d->status, v | (old & VIRTIO_S_NEEDS_RESET),
			 __ATOMIC_RELEASE);
	return (v & VIRTIO_S_DRIVER_OK) && !(old & VIRTIO_S_DRIVER_OK);
}

void virtio_reset_state(struct virtio_dev *d)
{
	for (int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		uint16_t max = d->vq[i].max_size;

		memset(&d->vq[i], 0, sizeof(d->vq[i]));
		d->vq[i].max_size = max;
		d->vq[i].size = max;
	}
	d->driver_features = 0;
	d->status = 0;
	__atomic_store_n(&d->isr, 0, __ATOMIC_SEQ_CST);
}

void virtio_queue_enable(struct virtio_dev *d, struct virtq *q)
{
	q->event_idx = virtio_has(d, VIRTIO_F_EVENT_IDX);
	q->indirect = virtio_has(d, VIRTIO_F_INDIRECT_DESC);
	q->last_avail = q->used_idx = 0;
	if (virtq_valid(q, d->mem))
		q->ready = 1;
	else
		virtio_needs_reset(d);	/* rings outside guest memory */
}
