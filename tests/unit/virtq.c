/*
 * Unit tests for the split virtqueue (src/virtio/virtq.c) and the device
 * helpers of src/virtio/virtio.c.  The test plays the driver: it builds
 * descriptor tables and avail rings by hand in a fake guest memory (one
 * gmem region over a malloc'd buffer with guard zones on both sides) and
 * checks what the device side takes and gives back -- and that every
 * broken ring is refused without a byte outside guest memory touched.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio.h"
#include "test.h"

#define GPA	0x100000ULL	/* guest memory starts here */
#define MEM	0x10000ULL	/* 64 KiB of it */
#define GUARD	0x1000
#define QSIZE	128

#define DESC	(GPA + 0x0000)
#define AVAIL	(GPA + 0x1000)
#define USED	(GPA + 0x2000)
#define BUF	(GPA + 0x4000)	/* data buffers from here */
#define ITAB	(GPA + 0x3000)	/* an indirect table */

#define F_NEXT	1
#define F_WRITE	2
#define F_INDIR	4

static uint8_t *raw;		/* guard + memory + guard */
static uint8_t *host;		/* guest memory */
static struct gmem gm;

static void *g(uint64_t gpa)
{
	return host + (gpa - GPA);
}

static void mem_reset(void)
{
	memset(raw, 0xa5, GUARD);
	memset(host, 0, MEM);
	memset(host + MEM, 0xa5, GUARD);
}

static int guards_intact(void)
{
	for (int i = 0; i < GUARD; i++)
		if (raw[i] != 0xa5 || host[MEM + i] != 0xa5)
			return 0;
	return 1;
}

static void qinit(struct virtq *q, uint16_t size)
{
	memset(q, 0, sizeof(*q));
	q->size = q->max_size = size;
	q->desc = DESC;
	q->avail = AVAIL;
	q->used = USED;
	q->ready = 1;
}

static void desc_at(uint64_t table, int i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	uint8_t *d = g(table + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

static uint16_t *avail16(int i)
{
	return (uint16_t *)g(AVAIL + 2ULL * i);	/* 0 flags, 1 idx, 2.. ring */
}

/* the driver makes chain @head available */
static void avail_add(const struct virtq *q, uint16_t head)
{
	uint16_t idx = *avail16(1);

	*avail16(2 + (idx & (q->size - 1))) = head;
	*avail16(1) = idx + 1;
}

static uint16_t used_idx(void)
{
	return *(uint16_t *)g(USED + 2);
}

static uint32_t used_elem(int i, int field)
{
	return *(uint32_t *)g(USED + 4 + 8ULL * i + 4 * field);
}

static uint16_t avail_event(const struct virtq *q)
{
	return *(uint16_t *)g(USED + 4 + 8ULL * q->size);
}

static void test_valid(void)
{
	struct virtq q;

	qinit(&q, QSIZE);
	test_assert(virtq_valid(&q, &gm), "a queue inside memory is valid");
	q.size = 100;
	test_assert(!virtq_valid(&q, &gm), "a size that is no power of 2 is refused");
	q.size = 256;
	test_assert(!virtq_valid(&q, &gm), "a size above max_size is refused");
	q.size = 0;
	test_assert(!virtq_valid(&q, &gm), "size 0 is refused");
	qinit(&q, QSIZE);
	q.desc = DESC + 8;
	test_assert(!virtq_valid(&q, &gm), "a descriptor table not 16-aligned is refused");
	qinit(&q, QSIZE);
	q.used = USED + 2;
	test_assert(!virtq_valid(&q, &gm), "a used ring not 4-aligned is refused");
	qinit(&q, QSIZE);
	q.used = GPA + MEM - 8 * QSIZE;
	test_assert(!virtq_valid(&q, &gm), "a used ring crossing the end of memory is refused");
	qinit(&q, QSIZE);
	q.desc = GPA - 0x1000;
	test_assert(!virtq_valid(&q, &gm), "a table below memory is refused");
	qinit(&q, QSIZE);
	q.avail = 0xfffffffffffffffeULL;
	test_assert(!virtq_valid(&q, &gm), "an avail ring at the top of the address space is refused");
}

static void test_pop_push(void)
{
	struct virtq q;
	struct virtq_chain c;

	mem_reset();
	qinit(&q, QSIZE);
	test_assert(virtq_pop(&q, &gm, &c) == 0, "an empty ring pops nothing");
	q.ready = 0;
	avail_add(&q, 0);
	test_assert(virtq_pop(&q, &gm, &c) == 0, "a queue that is not ready pops nothing");

	mem_reset();
	qinit(&q, QSIZE);
	desc(5, BUF, 16, F_NEXT, 9);
	desc(9, BUF + 0x100, 512, F_NEXT | F_WRITE, 2);
	desc(2, BUF + 0x400, 1, F_WRITE, 0);
	avail_add(&q, 5);
	test_assert(virtq_pop(&q, &gm, &c) == 1, "a three-buffer chain pops");
	test_assert(c.head == 5 && c.n == 3, "head and buffer count");
	test_assert(c.out_len == 16 && c.in_len == 513, "readable and writable lengths");
	test_assert(c.seg[0].p == g(BUF) && !c.seg[0].writable &&
		    c.seg[1].p == g(BUF + 0x100) && c.seg[1].writable &&
		    c.seg[2].p == g(BUF + 0x400) && c.seg[2].len == 1,
		    "segments map guest addresses in chain order");
	test_assert(q.last_avail == 1, "last_avail moved on");
	test_assert(virtq_pop(&q, &gm, &c) == 0, "then the ring is empty");

	test_assert(virtq_push(&q, &gm, 5, 513) == 0, "the request is pushed back");
	test_assert(used_idx() == 1 && used_elem(0, 0) == 5 && used_elem(0, 1) == 513,
		    "used ring holds id and length, used->idx is 1");
	test_assert(virtq_push(&q, &gm, QSIZE, 0) == -EINVAL, "pushing an id beyond the ring is refused");

	/* zero-length descriptors carry nothing but are legal */
	desc(0, BUF, 0, F_NEXT, 1);
	desc(1, BUF, 8, 0, 0);
	avail_add(&q, 0);
	test_assert(virtq_pop(&q, &gm, &c) == 1 && c.n == 1 && c.out_len == 8,
		    "a zero-length descriptor is skipped");
	test_assert(guards_intact(), "nothing outside guest memory was touched");
}

static void test_wrap(void)
{
	struct virtq q;
	struct virtq_chain c;
	int i, ok = 1;

	mem_reset();
	qinit(&q, 4);
	q.last_avail = q.used_idx = 65534;
	*avail16(1) = 65534;
	*(uint16_t *)g(USED + 2) = 65534;
	for (i = 0; i < 4; i++) {
		desc(i, BUF + 64 * i, 64, F_WRITE, 0);
		avail_add(&q, (uint16_t)i);
	}
	test_assert(*avail16(1) == 2, "the avail index wrapped");
	for (i = 0; i < 4; i++) {
		ok &= virtq_pop(&q, &gm, &c) == 1 && c.head == i;
		ok &= virtq_push(&q, &gm, c.head, 64) == 0;
	}
	test_assert(ok, "four requests pop across the 16-bit wrap");
	test_assert(virtq_pop(&q, &gm, &c) == 0 && used_idx() == 2, "used->idx wrapped too");
	test_assert(used_elem(1, 0) == 3, "ring slots are taken modulo the size");
}

static void test_notify(void)
{
	struct virtq q;
	struct virtq_chain c;
	uint16_t old;

	mem_reset();
	qinit(&q, QSIZE);
	test_assert(!virtq_should_notify(&q, &gm, q.used_idx), "no push, no interrupt");
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	test_assert(virtq_should_notify(&q, &gm, old), "a push interrupts by default");
	*avail16(0) = 1;	/* VRING_AVAIL_F_NO_INTERRUPT */
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	test_assert(!virtq_should_notify(&q, &gm, old), "NO_INTERRUPT suppresses it");

	mem_reset();
	qinit(&q, QSIZE);
	q.event_idx = 1;
	*avail16(0) = 1;	/* ignored with event_idx */
	*avail16(2 + QSIZE) = 0;	/* used_event: interrupt after entry 0 */
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	test_assert(virtq_should_notify(&q, &gm, old), "event_idx: used->idx passes used_event 0");
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	test_assert(!virtq_should_notify(&q, &gm, old), "event_idx: not again before used_event moves");
	*avail16(2 + QSIZE) = 4;
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	virtq_push(&q, &gm, 0, 0);
	test_assert(!virtq_should_notify(&q, &gm, old), "event_idx: 2..4 does not pass 4");
	old = q.used_idx;
	virtq_push(&q, &gm, 0, 0);
	virtq_push(&q, &gm, 0, 0);
	test_assert(virtq_should_notify(&q, &gm, old), "event_idx: a batch crossing used_event interrupts once");

	/* the device publishes avail_event as it takes buffers */
	mem_reset();
	qinit(&q, QSIZE);
	q.event_idx = 1;
	*(uint16_t *)g(USED + 4 + 8 * QSIZE) = 0xffff;
	test_assert(virtq_pop(&q, &gm, &c) == 0 && avail_event(&q) == 0,
		    "an empty pop asks for a kick at the next buffer");
	desc(0, BUF, 8, 0, 0);
	avail_add(&q, 0);
	avail_add(&q, 0);
	virtq_pop(&q, &gm, &c);
	test_assert(avail_event(&q) == 1, "avail_event follows last_avail");
	virtq_pop(&q, &gm, &c);
	test_assert(avail_event(&q) == 2, "avail_event follows last_avail again");
}

static void test_indirect(void)
{
	struct virtq q;
	struct virtq_chain c;

	mem_reset();
	qinit(&q, QSIZE);
	q.indirect = 1;
	desc_at(ITAB, 0, BUF, 16, F_NEXT, 2);
	desc_at(ITAB, 2, BUF + 0x100, 4096, F_NEXT | F_WRITE, 1);
	desc_at(ITAB, 1, BUF + 0x2000, 1, F_WRITE, 0);
	desc(7, ITAB, 3 * 16, F_INDIR, 0);
	avail_add(&q, 7);
	test_assert(virtq_pop(&q, &gm, &c) == 1 && c.head == 7 && c.n == 3,
		    "an indirect table pops as one chain under its head");
	test_assert(c.out_len == 16 && c.in_len == 4097 && c.seg[2].p == g(BUF + 0x2000),
		    "indirect buffers in table-chain order");

#define BAD_INDIRECT(what) do {						\
		avail_add(&q, 7);					\
		test_assert(virtq_pop(&q, &gm, &c) == -EINVAL, what);	\
		q.last_avail = *avail16(1);				\
	} while (0)

	q.indirect = 0;
	BAD_INDIRECT("INDIRECT without the feature is refused");
	q.indirect = 1;
	desc(7, ITAB, 3 * 16, F_INDIR | F_NEXT, 0);
	BAD_INDIRECT("INDIRECT with NEXT is refused");
	desc(7, ITAB, 40, F_INDIR, 0);
	BAD_INDIRECT("an indirect length not a multiple of 16 is refused");
	desc(7, ITAB, 0, F_INDIR, 0);
	BAD_INDIRECT("an empty indirect table is refused");
	desc(7, GPA + MEM - 32, 64, F_INDIR, 0);
	BAD_INDIRECT("an indirect table crossing the end of memory is refused");
	desc(7, ITAB, 3 * 16, F_INDIR, 0);
	desc_at(ITAB, 1, ITAB, 16, F_INDIR, 0);
	BAD_INDIRECT("a nested indirect table is refused");
	desc_at(ITAB, 1, BUF + 0x2000, 1, F_WRITE | F_NEXT, 3);
	BAD_INDIRECT("an indirect next beyond the table is refused");
	desc_at(ITAB, 1, BUF + 0x2000, 1, F_WRITE | F_NEXT, 0);
	BAD_INDIRECT("a loop inside an indirect table is refused");
	/* 2048 empty descriptors linked in a row: more than a chain can be */
	for (int k = 0; k < 2048; k++)
		desc_at(BUF, k, BUF, 0, k < 2047 ? F_NEXT : 0, (uint16_t)(k + 1));
	desc(7, BUF, 2048 * 16, F_INDIR, 0);
	BAD_INDIRECT("an indirect chain longer than the largest ring is refused");
	desc(7, BUF, 1024 * 16, F_INDIR, 0);
	desc_at(BUF, 1023, BUF, 8, 0, 0);
	avail_add(&q, 7);
	test_assert(virtq_pop(&q, &gm, &c) == 1 && c.n == 1,
		    "one of 1024 links is the largest indirect chain");
	desc(7, ITAB, 3 * 16, F_INDIR, 0);
	desc(6, BUF, 8, F_NEXT, 7);
	desc_at(ITAB, 1, BUF + 0x2000, 1, F_WRITE, 0);
	avail_add(&q, 6);
	test_assert(virtq_pop(&q, &gm, &c) == -EINVAL,
		    "an INDIRECT descriptor after a direct one is refused");
	test_assert(guards_intact(), "nothing outside guest memory was touched");
}

static void bad(struct virtq *q, uint16_t head, const char *what)
{
	struct virtq_chain c;

	avail_add(q, head);
	test_assert(virtq_pop(q, &gm, &c) == -EINVAL, what);
	test_assert(q->last_avail == (uint16_t)(*avail16(1) - 1),
		    "a refused chain is not consumed");
	q->last_avail = *avail16(1);
}

static void test_bad_rings(void)
{
	struct virtq q;
	struct virtq_chain c;
	int i;

	mem_reset();
	qinit(&q, QSIZE);
	bad(&q, QSIZE, "a head index beyond the ring is refused");
	desc(0, BUF, 8, F_NEXT, QSIZE + 3);
	bad(&q, 0, "a next index beyond the ring is refused");
	desc(0, BUF, 8, F_NEXT, 1);
	desc(1, BUF, 8, F_NEXT, 0);
	bad(&q, 0, "a two-descriptor loop is refused");
	desc(0, BUF, 8, F_NEXT, 0);
	bad(&q, 0, "a self loop is refused");
	desc(0, GPA + MEM, 8, 0, 0);
	bad(&q, 0, "a buffer just past memory is refused");
	desc(0, GPA + MEM - 8, 16, 0, 0);
	bad(&q, 0, "a buffer crossing the end of memory is refused");
	desc(0, GPA - 8, 16, F_WRITE, 0);
	bad(&q, 0, "a buffer crossing the start of memory is refused");
	desc(0, 0xfffffffffffffff0ULL, 0x20, F_WRITE, 0);
	bad(&q, 0, "a buffer whose end wraps the address space is refused");
	desc(0, BUF, 8, F_WRITE | F_NEXT, 1);
	desc(1, BUF, 8, 0, 0);
	bad(&q, 0, "a readable buffer after a writable one is refused");
	for (i = 0; i <= VIRTQ_MAX_SEGS; i++)
		desc(i, BUF, 8, i < VIRTQ_MAX_SEGS ? F_NEXT : 0, (uint16_t)(i + 1));
	bad(&q, 0, "a chain of more than VIRTQ_MAX_SEGS buffers is refused");
	desc(VIRTQ_MAX_SEGS - 1, BUF, 8, 0, 0);
	avail_add(&q, 0);
	test_assert(virtq_pop(&q, &gm, &c) == 1 && c.n == VIRTQ_MAX_SEGS,
		    "a chain of exactly VIRTQ_MAX_SEGS buffers pops");
	for (i = 0; i < 3; i++)
		desc(i, BUF, 0x7fffffff, i < 2 ? F_NEXT : 0, (uint16_t)(i + 1));
	desc(0, BUF, 8, F_NEXT, 1);
	*(uint32_t *)g(DESC + 16 + 8) = 0x8000;
	*(uint32_t *)g(DESC + 32 + 8) = 0x8000;
	avail_add(&q, 0);
	test_assert(virtq_pop(&q, &gm, &c) == 1, "large in-memory buffers pop");

	/* the avail index cannot run more than a ring ahead */
	mem_reset();
	qinit(&q, QSIZE);
	desc(0, BUF, 8, 0, 0);
	*avail16(1) = QSIZE + 1;
	test_assert(virtq_pop(&q, &gm, &c) == -EINVAL, "avail->idx more than size ahead is refused");
	*avail16(1) = QSIZE;
	test_assert(virtq_pop(&q, &gm, &c) == 1, "exactly size ahead is fine");

	qinit(&q, QSIZE);
	q.used = GPA + MEM;
	test_assert(virtq_pop(&q, &gm, &c) == -EINVAL, "pop on a queue outside memory is refused");
	test_assert(virtq_push(&q, &gm, 0, 0) == -EINVAL, "push on a queue outside memory is refused");
	test_assert(guards_intact(), "nothing outside guest memory was touched");
}

static int irqs[2], last_irq_q = 99;

static void on_interrupt(struct virtio_dev *d, int q)
{
	irqs[q < 0]++;
	last_irq_q = q;
}

static const struct virtio_dev_ops test_ops = { .name = "test", .nqueues = 2 };

static void test_dev(void)
{
	struct virtio_dev d;
	struct virtq_chain c;

	mem_reset();
	virtio_dev_init(&d, &test_ops, &gm, 1ULL << VIRTIO_F_EVENT_IDX, 2048);
	test_assert(d.host_features == (1ULL << VIRTIO_F_EVENT_IDX | 1ULL << VIRTIO_F_VERSION_1),
		    "VERSION_1 is always offered");
	test_assert(d.vq[0].max_size == VIRTQ_MAX_SIZE && d.vq[1].size == VIRTQ_MAX_SIZE &&
		    d.vq[2].max_size == 0, "queue sizes capped, only nqueues queues");
	d.interrupt = on_interrupt;
	d.driver_features = d.host_features;
	qinit(&d.vq[1], QSIZE);
	virtio_start(&d);
	test_assert(d.vq[1].event_idx && !d.vq[1].indirect, "negotiated ring features reach the queues");
	d.vq[1].event_idx = 0;
	desc(0, BUF, 8, F_WRITE, 0);
	avail_add(&d.vq[1], 0);
	virtq_pop(&d.vq[1], &gm, &c);
	virtio_complete(&d, 1, c.head, 8);
	test_assert(used_idx() == 1 && irqs[0] == 1 && last_irq_q == 1 && d.isr == 1,
		    "virtio_complete pushes, sets isr bit 0 and interrupts the queue");
	*avail16(0) = 1;
	virtio_complete(&d, 1, 0, 8);
	test_assert(irqs[0] == 1, "no interrupt the driver did not want");

	d.status = VIRTIO_S_DRIVER_OK;
	virtio_needs_reset(&d);
	virtio_needs_reset(&d);
	test_assert(virtio_broken(&d) && irqs[1] == 1 && (d.isr & 2),
		    "needs_reset: status bit, one config interrupt");
	d.status = VIRTIO_S_DRIVER_OK;
	d.vq[1].used = GPA + MEM;
	virtio_complete(&d, 1, 0, 8);
	test_assert(virtio_broken(&d), "a used ring outside memory sets NEEDS_RESET");
	test_assert(guards_intact(), "nothing outside guest memory was touched");
}

/*
 * A driver thread and a device thread on one queue, as a vCPU and an I/O
 * thread would be: the driver keeps up to the ring size of requests in
 * flight, each carrying a sequence number; the device copies the number
 * into the writable buffer and pushes.  The driver must see, for every
 * used entry, the number its device wrote -- what the acquire/release
 * pairs on avail->idx and used->idx promise.
 */
#define STRESS_N 200000
#define STRESS_Q 16		/* in flight; the ring holds twice that */

static struct virtq stress_q;
static int stress_errors;

static void *stress_device(void *arg)
{
	struct virtq_chain c;
	uint32_t v;
	int done = 0, ret;

	while (done < STRESS_N) {
		ret = virtq_pop(&stress_q, &gm, &c);
		if (ret < 0) {
			stress_errors++;
			break;
		}
		if (!ret)
			continue;
		if (c.n != 2 || c.seg[0].len != 4 || c.seg[1].len != 4) {
			stress_errors++;
			break;
		}
		memcpy(&v, c.seg[0].p, 4);
		v = ~v;
		memcpy(c.seg[1].p, &v, 4);
		virtq_push(&stress_q, &gm, c.head, 4);
		done++;
	}
	return NULL;
}

static void test_threads(void)
{
	uint16_t *avail_idx = avail16(1), *used = g(USED + 2);
	uint16_t next_avail = 0, seen_used = 0;
	uint32_t sent = 0, got = 0, v;
	pthread_t t;

	mem_reset();
	qinit(&stress_q, 2 * STRESS_Q);
	for (int i = 0; i < STRESS_Q; i++) {
		/* descriptor pair i, 16 + i: seq in, ~seq out */
		desc(i, BUF + 8ULL * i, 4, F_NEXT, (uint16_t)(i + STRESS_Q));
		desc(i + STRESS_Q, BUF + 0x1000 + 8ULL * i, 4, F_WRITE, 0);
	}
	pthread_create(&t, NULL, stress_device, NULL);
	while (got < STRESS_N && !stress_errors) {
		while (sent < STRESS_N && (uint16_t)(next_avail - seen_used) < STRESS_Q) {
			/* slot next_avail % Q is free again: reuse its chain */
			int i = next_avail & (STRESS_Q - 1);

			memcpy(g(BUF + 8ULL * i), &sent, 4);
			*avail16(2 + (next_avail & (2 * STRESS_Q - 1))) = (uint16_t)i;
			next_avail++;
			__atomic_store_n(avail_idx, next_avail, __ATOMIC_RELEASE);
			sent++;
		}
		while (seen_used != __atomic_load_n(used, __ATOMIC_ACQUIRE)) {
			uint32_t id = used_elem(seen_used & (2 * STRESS_Q - 1), 0);

			memcpy(&v, g(BUF + 0x1000 + 8ULL * id), 4);
			if (v != ~got || id != (got & (STRESS_Q - 1)))
				stress_errors++;
			seen_used++;
			got++;
		}
	}
	pthread_join(t, NULL);
	test_assert(!stress_errors && got == STRESS_N,
		    "a driver and a device thread agree on 200000 requests");
}

int main(void)
{
	raw = malloc(MEM + 2 * GUARD);
	if (!raw)
		return 1;
	host = raw + GUARD;
	gm.n = 1;
	gm.r[0].gpa = GPA;
	gm.r[0].size = MEM;
	gm.r[0].host = host;

	test_valid();
	test_pop_push();
	test_wrap();
	test_notify();
	test_indirect();
	test_bad_rings();
	test_dev();
	test_threads();
	free(raw);
	return test_report();
}
