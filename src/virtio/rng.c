/*
 * virtio-rng (virtio 1.2, 5.4): one queue of writable buffers the device
 * fills with random bytes from getrandom(2).  No features, no config.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>

#include "virtio/devices.h"

struct virtio_rng {
	struct virtio_dev vdev;		/* first: the transport's view */
	pthread_mutex_t lock;		/* vCPUs may kick at the same time */
};

/* Fill @len bytes; getrandom() returns short counts for large requests
 * and may be interrupted by a signal. */
static uint32_t rng_fill(uint8_t *p, uint32_t len)
{
	uint32_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom(p + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	return done;
}

static void rng_notify(struct virtio_dev *d, int q)
{
	struct virtio_rng *r = (struct virtio_rng *)d;
	struct virtq_chain c;
	uint32_t written, n;
	int i, ret;

	if (q != 0)
		return;
	pthread_mutex_lock(&r->lock);
	while (!virtio_broken(d)) {
		ret = virtq_pop(&d->vq[0], d->mem, &c);
		if (ret < 0)
			virtio_needs_reset(d);
		if (ret <= 0)
			break;
		written = 0;
		for (i = 0; i < c.n; i++) {
			if (!c.seg[i].writable)
				continue;
			n = rng_fill(c.seg[i].p, c.seg[i].len);
			written += n;
			if (n < c.seg[i].len)
				break;
		}
		virtio_complete(d, 0, c.head, written);
	}
	pthread_mutex_unlock(&r->lock);
}

/* Wait out a request another vCPU is serving: the transport forgets the
 * queue as soon as this returns. */
static void rng_reset(struct virtio_dev *d)
{
	struct virtio_rng *r = (struct virtio_rng *)d;

	pthread_mutex_lock(&r->lock);
	pthread_mutex_unlock(&r->lock);
}

static void rng_destroy(struct virtio_dev *d)
{
	struct virtio_rng *r = (struct virtio_rng *)d;

	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.config_len = 0,
	.notify = rng_notify,
	.reset = rng_reset,
	.destroy = rng_destroy,
};

int virtio_rng_create(const struct gmem *mem, struct virtio_dev **out,
		      struct err *e)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return err_set(e, -ENOMEM, "virtio-rng");
	virtio_dev_init(&r->vdev, &rng_ops, mem,
			1ULL << VIRTIO_F_INDIRECT_DESC |
			1ULL << VIRTIO_F_EVENT_IDX, 256);
	pthread_mutex_init(&r->lock, NULL);
	*out = &r->vdev;
	return 0;
}
