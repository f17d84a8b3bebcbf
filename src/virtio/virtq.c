/*
 * virtq -- the split virtqueue (virtio 1.2, 2.7) as the device sees it.
 *
 * The rings live in guest memory, which running vCPUs write while we read
 * it, so everything here treats that memory as hostile and volatile:
 *   - ring indexes are read with acquire loads (the driver writes ring
 *     entries before it bumps avail->idx) and used->idx is published with
 *     a release store (our used entries and the data written into the
 *     buffers must be visible before the index that announces them);
 *   - a descriptor is copied once into a local before it is checked, so
 *     the driver cannot change a field between check and use;
 *   - every index is checked against the ring size, every buffer against
 *     guest memory (gmem_ptr), every chain against a length limit, which
 *     also ends loops.
 * Addresses are resolved on every call rather than cached, so a queue the
 * transport reconfigures can never leave a stale host pointer behind.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio/virtio.h"

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Host views of the three parts of a queue, all checked against gmem. */
struct vring {
	uint8_t *desc;		/* size * 16 bytes */
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint16_t *used;		/* flags, idx, {id, len}[size], avail_event */
};

static uint64_t desc_bytes(uint16_t size)
{
	return 16ULL * size;
}

static uint64_t avail_bytes(uint16_t size)
{
	return 6ULL + 2ULL * size;
}

static uint64_t used_bytes(uint16_t size)
{
	return 6ULL + 8ULL * size;
}

static int virtq_map(const struct virtq *q, const struct gmem *m,
		     struct vring *r)
{
	if (!q->size || (q->size & (q->size - 1)) || q->size > VIRTQ_MAX_SIZE ||
	    (q->max_size && q->size > q->max_size))
		return -EINVAL;
	/* the alignments of 2.7 (also what makes the atomics below legal) */
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return -EINVAL;
	r->desc = gmem_ptr(m, q->desc, desc_bytes(q->size));
	r->avail = gmem_ptr(m, q->avail, avail_bytes(q->size));
	r->used = gmem_ptr(m, q->used, used_bytes(q->size));
	if (!r->desc || !r->avail || !r->used)
		return -EINVAL;
	return 0;
}

int virtq_valid(const struct virtq *q, const struct gmem *m)
{
	struct vring r;

	return virtq_map(q, m, &r) == 0;
}

static uint16_t load16_acquire(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

/* One fetch of a descriptor: the compiler barrier keeps the compiler from
 * reading guest memory again instead of using the copy. */
static void desc_fetch(const uint8_t *table, uint32_t i, struct vdesc *d)
{
	struct vdesc raw;

	memcpy(&raw, table + 16ULL * i, sizeof(raw));
	__asm__ __volatile__("" ::: "memory");
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* Add the buffer of @d to @c, keeping readable buffers before writable. */
static int chain_add(struct virtq_chain *c, const struct gmem *m,
		     const struct vdesc *d)
{
	int writable = !!(d->flags & VIRTQ_DESC_F_WRITE);
	struct virtq_seg *s;
	void *p;

	if (!writable && c->in_len)
		return -EINVAL;
	if (!d->len)	/* nothing to carry; legal, but no segment */
		return 0;
	if (c->n >= VIRTQ_MAX_SEGS)
		return -EINVAL;
	p = gmem_ptr(m, d->addr, d->len);
	if (!p)
		return -EINVAL;
	if (writable) {
		if (d->len > UINT32_MAX - c->in_len)
			return -EINVAL;
		c->in_len += d->len;
	} else {
		if (d->len > UINT32_MAX - c->out_len)
			return -EINVAL;
		c->out_len += d->len;
	}
	s = &c->seg[c->n++];
	s->p = p;
	s->len = d->len;
	s->writable = writable;
	return 0;
}

/* Walk the indirect table of @d (2.7.5.3): up to len/16 descriptors, no
 * nesting, chained by next inside the table. */
static int chain_indirect(struct virtq_chain *c, const struct gmem *m,
			  const struct vdesc *d)
{
	const uint8_t *table;
	uint32_t n = d->len / 16, i = 0, walked;
	struct vdesc in;
	int ret;

	if (!d->len || d->len % 16 || (d->flags & VIRTQ_DESC_F_NEXT))
		return -EINVAL;
	table = gmem_ptr(m, d->addr, d->len);
	if (!table)
		return -EINVAL;
	/* a chain is no longer than a ring can be (2.7.5.3.1), however
	 * big the table: bounds the walk over empty descriptors */
	for (walked = 0; walked < n && walked < VIRTQ_MAX_SIZE; walked++) {
		desc_fetch(table, i, &in);
		if (in.flags & VIRTQ_DESC_F_INDIRECT)
			return -EINVAL;
		ret = chain_add(c, m, &in);
		if (ret < 0)
			return ret;
		if (!(in.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = in.next;
		if (i >= n)
			return -EINVAL;
	}
	return -EINVAL;	/* more links than entries (a loop), or too many */
}

static int chain_walk(const struct virtq *q, const struct gmem *m,
		      const struct vring *r, uint16_t head,
		      struct virtq_chain *c)
{
	uint32_t i = head, walked;
	struct vdesc d;
	int ret;

	c->head = head;
	c->n = 0;
	c->out_len = c->in_len = 0;
	for (walked = 0; walked < q->size; walked++) {
		desc_fetch(r->desc, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* the only descriptor of its chain (2.7.5.3.1) */
			if (!q->indirect || walked)
				return -EINVAL;
			return chain_indirect(c, m, &d);
		}
		ret = chain_add(c, m, &d);
		if (ret < 0)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= q->size)
			return -EINVAL;
	}
	return -EINVAL;	/* longer than the ring: a loop */
}

/*
 * With EVENT_IDX the driver kicks only when avail->idx passes
 * used->avail_event, so tell it where we are.  Before reporting the ring
 * empty, re-read avail->idx after a full barrier: the driver may have
 * added a buffer between our first look and our avail_event store, and
 * then saw the old avail_event and did not kick.
 */
static uint16_t avail_idx_recheck(struct virtq *q, const struct vring *r,
				  uint16_t idx)
{
	if (!q->event_idx || idx != q->last_avail)
		return idx;
	store16(&r->used[2 + 4 * q->size], q->last_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16_acquire(&r->avail[1]);
}

int virtq_pop(struct virtq *q, const struct gmem *m, struct virtq_chain *c)
{
	struct vring r;
	uint16_t idx, head;
	int ret;

	if (!q->ready)
		return 0;
	if (virtq_map(q, m, &r) < 0)
		return -EINVAL;
	idx = avail_idx_recheck(q, &r, load16_acquire(&r.avail[1]));
	if (idx == q->last_avail)
		return 0;
	/* the driver cannot have more in flight than the ring holds */
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return -EINVAL;
	head = load16(&r.avail[2 + (q->last_avail & (q->size - 1))]);
	if (head >= q->size)
		return -EINVAL;
	ret = chain_walk(q, m, &r, head, c);
	if (ret < 0)
		return ret;
	q->last_avail++;
	if (q->event_idx)
		store16(&r.used[2 + 4 * q->size], q->last_avail);
	return 1;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

int virtq_push(struct virtq *q, const struct gmem *m, uint16_t head,
	       uint32_t written)
{
	struct vring r;
	uint32_t *elem;

	if (virtq_map(q, m, &r) < 0 || head >= q->size)
		return -EINVAL;
	elem = (uint32_t *)&r.used[2 + 4 * (q->used_idx & (q->size - 1))];
	__atomic_store_n(&elem[0], htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&elem[1], htole32(written), __ATOMIC_RELAXED);
	q->used_idx++;
	/* the entry and the buffer contents before the index (2.7.13.3) */
	__atomic_store_n(&r.used[1], htole16(q->used_idx), __ATOMIC_RELEASE);
	return 0;
}

int virtq_should_notify(struct virtq *q, const struct gmem *m,
			uint16_t old_used)
{
	uint16_t new_used = q->used_idx, event;
	struct vring r;

	if (new_used == old_used || virtq_map(q, m, &r) < 0)
		return 0;
	/* our used->idx store before the driver's flags/used_event load */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(&r.avail[0]) & VRING_AVAIL_F_NO_INTERRUPT);
	event = load16(&r.avail[2 + q->size]);
	/* did used->idx step past used_event? (2.7.10) */
	return (uint16_t)(new_used - event - 1) < (uint16_t)(new_used - old_used);
}
