/*
 * virtio -- the core shared by every virtio device and transport
 * (virtio 1.x: "modern" only, little endian, split virtqueues).
 *
 * Three parts, kept apart so the RISC-V machine (virtio-mmio) and the
 * KVM machine (virtio-pci) share the devices unchanged:
 *   - struct virtq and virtq_pop()/virtq_push(): the split virtqueue walker
 *     (src/virtio/virtq.c).  Everything it reads comes from the guest and
 *     is checked: ring addresses and sizes, descriptor indexes, chain
 *     length and loops, every buffer against guest memory (gmem_ptr).
 *   - struct virtio_dev: the state a transport keeps for one device
 *     (status, features, queues) and the hooks into the transport.
 *   - struct virtio_dev_ops: what a device model implements (blk.c,
 *     rng.c, net.c, ...).  A device never knows its transport.
 *
 * Threading: a transport calls ops->notify() from the thread that saw the
 * guest's kick (a vCPU thread).  A device that has its own I/O thread (net
 * receive) takes its own lock around virtq_pop/virtq_push on the queues
 * that thread uses.  Such a thread calls d->interrupt() too, and
 * ops->reset()/destroy() wait for it to stop: the transport must not hold
 * a lock its interrupt hook takes while it calls them.
 */
#ifndef STRATA_VIRTIO_VIRTIO_H
#define STRATA_VIRTIO_VIRTIO_H

#include <stdint.h>

#include "dev/gmem.h"
#include "lib/err.h"

/* device status bits (virtio 1.2, 2.1) */
#define VIRTIO_S_ACKNOWLEDGE	1
#define VIRTIO_S_DRIVER		2
#define VIRTIO_S_DRIVER_OK	4
#define VIRTIO_S_FEATURES_OK	8
#define VIRTIO_S_NEEDS_RESET	64
#define VIRTIO_S_FAILED		128

/* transport-independent feature bits */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* device ids */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_VSOCK		19

#define VIRTQ_MAX_SIZE		1024	/* largest queue a device offers */
#define VIRTQ_MAX_SEGS		64	/* buffers in one chain we accept */
#define VIRTIO_MAX_QUEUES	8

/* one split virtqueue, as the driver configured it through the transport */
struct virtq {
	uint16_t size;		/* entries, a power of 2, <= max_size */
	uint16_t max_size;	/* what the device offers */
	int ready;
	uint64_t desc, avail, used;	/* guest physical addresses */
	uint16_t last_avail;	/* next avail ring entry to take */
	uint16_t used_idx;	/* our copy of used->idx */
	uint16_t msix_vector;	/* transport's business (virtio-pci) */
	int event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	int indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
};

/* one request taken from the avail ring: its readable (driver -> device)
 * buffers first, then its writable ones, in chain order */
struct virtq_seg {
	void *p;		/* host address, checked against gmem */
	uint32_t len;
	int writable;
};

struct virtq_chain {
	uint16_t head;		/* give it back to virtq_push() */
	int n;
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
	uint32_t out_len;	/* total readable bytes */
	uint32_t in_len;	/* total writable bytes */
};

/*
 * Take the next available request of @q.  Returns 1 with @c filled, 0 when
 * the ring is empty, -EINVAL when the driver broke the rules (bad index,
 * loop, buffer outside guest memory, writable before readable, too many
 * segments): the caller then sets VIRTIO_S_NEEDS_RESET and stops using
 * the queue, as the spec allows.
 */
int virtq_pop(struct virtq *q, const struct gmem *m, struct virtq_chain *c);

/* Give the last popped request back to the avail ring, untouched (a
 * receive path that found nothing to put in it).  Only right after a
 * virtq_pop() that returned 1, under the same lock. */
void virtq_unpop(struct virtq *q);

/* Return request @head with @written bytes written into its writable
 * buffers.  Returns 0, or -EINVAL when the used ring is not in memory. */
int virtq_push(struct virtq *q, const struct gmem *m, uint16_t head,
	       uint32_t written);

/* After pushes: does the driver want an interrupt for them?  (Honours
 * VRING_AVAIL_F_NO_INTERRUPT and, with event_idx, used_event.)
 * @old_used is used_idx before the pushes. */
int virtq_should_notify(struct virtq *q, const struct gmem *m,
			uint16_t old_used);

/* Does the queue's configuration fit in guest memory?  The transport
 * checks this when the driver enables a queue. */
int virtq_valid(const struct virtq *q, const struct gmem *m);

struct virtio_dev;

struct virtio_dev_ops {
	const char *name;	/* "virtio-blk", ... */
	uint16_t device_id;	/* VIRTIO_ID_* */
	int nqueues;
	uint32_t config_len;	/* bytes of device-specific config space */
	/* device config space; the transport checks off+len <= config_len.
	 * Every hook below but notify may be NULL: no config space, a
	 * read-only one, nothing to start, reset or free beyond the
	 * transport's own work. */
	void (*config_read)(struct virtio_dev *d, uint32_t off, void *data,
			    unsigned int len);
	void (*config_write)(struct virtio_dev *d, uint32_t off,
			     const void *data, unsigned int len);
	/* the driver kicked queue @q (its ready flag is set) */
	void (*notify)(struct virtio_dev *d, int q);
	/* DRIVER_OK was set: queues are configured and started
	 * (virtio_start), start any I/O thread */
	void (*start)(struct virtio_dev *d);
	/* the driver reset the device (status 0); stop I/O, forget queues
	 * state (the transport clears struct virtq itself) */
	void (*reset)(struct virtio_dev *d);
	void (*destroy)(struct virtio_dev *d);
};

/* A device model embeds this first in its own struct. */
struct virtio_dev {
	const struct virtio_dev_ops *ops;
	const struct gmem *mem;
	uint64_t host_features;		/* offered, VERSION_1 included */
	uint64_t driver_features;	/* accepted by the driver */
	uint8_t status;
	uint8_t isr;			/* bit 0 queue, bit 1 config */
	struct virtq vq[VIRTIO_MAX_QUEUES];
	/* set by the transport: tell the driver queue @q has used buffers
	 * (callers check virtq_should_notify first), or (q < 0) that the
	 * config space changed.  The isr bit is already set (atomically:
	 * a device's I/O thread may call this); the transport reads and
	 * clears isr with __atomic_exchange_n. */
	void *transport;
	void (*interrupt)(struct virtio_dev *d, int q);
};

/* Helpers for device models. */
void virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		     const struct gmem *mem, uint64_t device_features,
		     uint16_t queue_size);
/* DRIVER_OK: copy the negotiated ring features (EVENT_IDX, INDIRECT_DESC)
 * into every queue, then call the model's start() if it has one.
 * Transports call this; a model never needs to. */
void virtio_start(struct virtio_dev *d);
/* Push one request back and interrupt the driver when it wants one
 * (sets isr bit 0, atomically, then calls d->interrupt(d, q)). */
void virtio_complete(struct virtio_dev *d, int q, uint16_t head,
		     uint32_t written);
/* The driver wrote a non-zero device status @v (a transport resets the
 * device itself on 0).  FEATURES_OK is refused -- left clear for the driver
 * to read back -- unless it took VERSION_1 and nothing that was not
 * offered; NEEDS_RESET stays.  Returns 1 when DRIVER_OK is new: start. */
int virtio_write_status(struct virtio_dev *d, uint8_t v);
/* The transport-independent part of a device reset (status 0 written;
 * the model's reset() came first): queues back to their offered size,
 * features, status and isr cleared. */
void virtio_reset_state(struct virtio_dev *d);
/* The driver enabled queue @q: take the negotiated ring features and
 * check the rings lie in guest memory (else NEEDS_RESET). */
void virtio_queue_enable(struct virtio_dev *d, struct virtq *q);
/* A driver error: NEEDS_RESET, config interrupt (isr bit 1, then
 * d->interrupt(d, -1), once, when DRIVER_OK was set); the device models
 * stop taking requests until the driver resets the device. */
void virtio_needs_reset(struct virtio_dev *d);
/* Has the device given up on the driver (NEEDS_RESET)? */
static inline int virtio_broken(const struct virtio_dev *d)
{
	return __atomic_load_n(&d->status, __ATOMIC_ACQUIRE) &
	       VIRTIO_S_NEEDS_RESET;
}
static inline int virtio_has(const struct virtio_dev *d, int bit)
{
	return (d->driver_features >> bit) & 1;
}

#endif
