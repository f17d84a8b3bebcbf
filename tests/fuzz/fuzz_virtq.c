/*
 * fuzz_virtq -- libFuzzer target for the split virtqueue walker of
 * src/virtio/virtq.c, the first thing that reads what a guest writes.
 *
 * Input: a 16-byte queue configuration, then the guest memory image (up
 * to 16 KiB, zero-filled, at guest address 0x10000):
 *	u16 size, u16 desc, u16 avail, u16 used (offsets into the image),
 *	u16 last_avail, u16 used_idx, u8 flags (1 event_idx, 2 indirect),
 *	3 bytes unused.
 * The target pops and pushes until the ring is empty or refused.  Nothing
 * may crash or trip a sanitizer, and every popped chain must hold the
 * contract devices rely on: each segment inside guest memory, readable
 * segments before writable ones, lengths that add up.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_virtq FILE...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio.h"

#define GPA 0x10000ULL
#define MEM 0x4000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void check_chain(const struct virtq_chain *c, const uint8_t *host)
{
	uint32_t out = 0, in = 0;
	int i, seen_writable = 0;

	check(c->n >= 0 && c->n <= VIRTQ_MAX_SEGS, "segment count");
	for (i = 0; i < c->n; i++) {
		const struct virtq_seg *s = &c->seg[i];
		const uint8_t *p = s->p;

		check(s->len > 0, "no empty segments");
		check(p >= host && p < host + MEM && s->len <= MEM - (uint64_t)(p - host),
		      "segment inside guest memory");
		check(s->writable || !seen_writable, "readable before writable");
		seen_writable |= s->writable;
		if (s->writable)
			in += s->len;
		else
			out += s->len;
	}
	check(in == c->in_len && out == c->out_len, "lengths add up");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *host;
	struct gmem m = { .n = 1 };
	struct virtq q = { 0 };
	struct virtq_chain c;
	uint16_t old;
	int i, ret;

	if (size < 16)
		return 0;
	if (!host)
		host = malloc(MEM);
	memset(host, 0, MEM);
	memcpy(host, data + 16, size - 16 < MEM ? size - 16 : MEM);
	m.r[0] = (struct gmem_region){ GPA, MEM, host };

	q.size = get16(data);
	q.max_size = 256;
	q.desc = GPA + get16(data + 2);
	q.avail = GPA + get16(data + 4);
	q.used = GPA + get16(data + 6);
	q.last_avail = get16(data + 8);
	q.used_idx = get16(data + 10);
	q.event_idx = data[12] & 1;
	q.indirect = !!(data[12] & 2);
	q.ready = 1;
	if (!virtq_valid(&q, &m)) {
		check(virtq_pop(&q, &m, &c) == -EINVAL, "an invalid queue pops nothing");
		return 0;
	}
	/* bounded: a used ring laid over avail->idx moves it with every push */
	for (i = 0; i < 4 * q.size; i++) {
		ret = virtq_pop(&q, &m, &c);
		check(ret == -EINVAL || ret == 0 || ret == 1, "pop result");
		if (ret <= 0)
			break;
		check(c.head < q.size, "head inside the ring");
		check_chain(&c, host);
		old = q.used_idx;
		check(virtq_push(&q, &m, c.head, c.in_len) == 0, "push into a valid queue");
		virtq_should_notify(&q, &m, old);
	}
	return 0;
}
