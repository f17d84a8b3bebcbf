/*
 * fuzz_virtio_net -- libFuzzer target for virtio-net (src/virtio/net.c):
 * a hostile guest's rx and tx chains against a device whose "tap" is one
 * end of a datagram socketpair, the other end played by this target.
 *
 * Input: one byte f (0..7 frames), f times a u16 frame length (14..1613
 * bytes: the 12-byte header the tap adds, then a patterned frame), one byte
 * r (0..8 rx chains), r chains, one byte t (0..8 tx chains), t chains; a
 * chain is one byte n (1..4 segments), then n times (u16 length, u8 flags:
 * bit 0 writable).  Each chain's segments lie back to back in its own
 * 8 KiB slot of guest memory.
 *
 * A run posts the rx chains, queues the frames on the tap, starts the
 * device (its rx thread) and kicks both queues; then it checks:
 *   - rx: buffers are used in order; one with fewer than 12 writable bytes
 *     comes back empty, every other one takes the next frame, cut to its
 *     writable bytes, with num_buffers = 1 -- so how many are used, and
 *     their lengths, are known in advance (the thread is waited for);
 *   - tx: every chain is used; one with more than 12 readable bytes comes
 *     out of the tap as a zeroed header and the readable bytes past the
 *     guest's header;
 *   - readable segments are never written, memory around the guest intact.
 * A driver error (NEEDS_RESET) ends the checks of that run, not the run.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_virtio_net FILE...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "virtio/devices.h"

#define GPA	0x100000ULL
#define MEM	0x100000ULL
#define QSIZE	16
#include "../unit/vq_guest.h"

#define GUARD	4096
#define RXQ	0
#define TXQ	1
#define HDR	12
#define SLOT	0x2000ULL
#define SLOTS	(GPA + 0x8000)	/* after the two queues */
#define MAXCH	8
#define MAXSEG	4
#define MAXFRAME (HDR + 1600)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chain {
	int n;
	uint16_t len[MAXSEG];
	uint8_t writable[MAXSEG];
	uint64_t at;		/* first segment's guest address */
	int head;		/* its first descriptor: the id the device returns */
};

struct input {
	int nframes, nrx, ntx;
	uint16_t frame_len[8];
	struct chain rx[MAXCH], tx[MAXCH];
};

static uint8_t *raw;

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

/* A little reader over the input: 0 once it runs dry. */
struct rd {
	const uint8_t *p;
	size_t left;
};

static unsigned int rd_u8(struct rd *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

static unsigned int rd_u16(struct rd *r)
{
	unsigned int lo = rd_u8(r);

	return lo | rd_u8(r) << 8;
}

static void parse_chains(struct rd *r, struct chain *c, int *count, uint64_t slot0)
{
	*count = (int)(rd_u8(r) % (MAXCH + 1));
	for (int i = 0; i < *count; i++) {
		c[i].n = (int)(rd_u8(r) % MAXSEG) + 1;
		c[i].at = slot0 + (uint64_t)i * SLOT;
		c[i].head = i ? c[i - 1].head + c[i - 1].n : 0;
		for (int k = 0; k < c[i].n; k++) {
			c[i].len[k] = (uint16_t)(rd_u16(r) % (SLOT / MAXSEG));
			c[i].writable[k] = rd_u8(r) & 1;
		}
	}
}

static void parse(const uint8_t *data, size_t size, struct input *in)
{
	struct rd r = { data, size };

	in->nframes = (int)(rd_u8(&r) % 8);
	for (int i = 0; i < in->nframes; i++)
		in->frame_len[i] = (uint16_t)(14 + rd_u16(&r) % (MAXFRAME - 13));
	parse_chains(&r, in->rx, &in->nrx, SLOTS);
	parse_chains(&r, in->tx, &in->ntx, SLOTS + MAXCH * SLOT);
}

static uint32_t chain_bytes(const struct chain *c, int writable)
{
	uint32_t n = 0;

	for (int k = 0; k < c->n; k++)
		if (c->writable[k] == writable)
			n += c->len[k];
	return n;
}

static uint8_t pattern(int frame, uint32_t off)
{
	return (uint8_t)(frame * 37 + off * 7 + 1);
}

/* Post chain @c on queue @q (descriptors c->head .. c->head + n - 1);
 * readable bytes carry @fill's pattern, writable ones 0xee. */
static void post(int q, const struct chain *c, int fill)
{
	uint64_t at = c->at;

	for (int k = 0; k < c->n; k++) {
		int i = c->head + k;

		memset(g(at), 0xee, c->len[k]);
		if (!c->writable[k])
			for (uint32_t b = 0; b < c->len[k]; b++)
				((uint8_t *)g(at))[b] = pattern(fill, (uint32_t)(at - c->at) + b);
		desc(q, i % QSIZE, at, c->len[k],
		     (uint16_t)((k + 1 < c->n ? 1 : 0) | (c->writable[k] ? 2 : 0)),
		     (uint16_t)((i + 1) % QSIZE));
		at += c->len[k];
	}
	avail_add(q, (uint16_t)(c->head % QSIZE));
}

/* the readable segments of @c still hold what post() put there */
static int readable_intact(const struct chain *c, int fill)
{
	uint64_t at = c->at;

	for (int k = 0; k < c->n; k++) {
		for (uint32_t b = 0; !c->writable[k] && b < c->len[k]; b++)
			if (((uint8_t *)g(at))[b] != pattern(fill, (uint32_t)(at - c->at) + b))
				return 0;
		at += c->len[k];
	}
	return 1;
}

/* Byte @off of the writable part of @c. */
static uint8_t writable_byte(const struct chain *c, uint32_t off)
{
	uint64_t at = c->at;

	for (int k = 0; k < c->n; k++) {
		if (c->writable[k] && off < c->len[k])
			return ((uint8_t *)g(at))[off];
		if (c->writable[k])
			off -= c->len[k];
		at += c->len[k];
	}
	return 0;
}

static void send_frames(int peer, const struct input *in)
{
	static uint8_t f[MAXFRAME];

	for (int i = 0; i < in->nframes; i++) {
		memset(f, 0, HDR);
		for (uint32_t b = HDR; b < in->frame_len[i]; b++)
			f[b] = pattern(i, b);
		check(send(peer, f, in->frame_len[i], 0) == in->frame_len[i], "frame queued");
	}
}

/* The rx buffers the device will use, and what each gets, in order. */
static int rx_expected(const struct input *in, uint32_t *len, int *frame)
{
	int used = 0, next = 0;

	for (int i = 0; i < in->nrx; i++) {
		uint32_t room = chain_bytes(&in->rx[i], 1);

		if (room < HDR) {
			frame[used] = -1;
			len[used++] = 0;
		} else if (next < in->nframes) {
			frame[used] = next;
			len[used++] = room < in->frame_len[next] ? room : in->frame_len[next];
			next++;
		} else {
			break;
		}
	}
	return used;
}

static int wait_used(struct virtio_dev *d, int q, int want)
{
	struct timespec ms = { 0, 1000000 };

	for (int t = 0; t < 5000; t++) {
		if (virtio_broken(d) || used_idx(q) == want)
			return !virtio_broken(d);
		nanosleep(&ms, NULL);
	}
	return 0;
}

static void check_rx(struct virtio_dev *d, const struct input *in)
{
	uint32_t len[MAXCH];
	int frame[MAXCH], n = rx_expected(in, len, frame);

	if (!wait_used(d, RXQ, n)) {
		check(virtio_broken(d), "rx: the expected buffers are used in time");
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct chain *c = &in->rx[i];

		check(used_elem(RXQ, i, 0) == (uint32_t)c->head, "rx: buffers used in order");
		check(used_elem(RXQ, i, 1) == len[i], "rx: the frame's length, cut to the buffer");
		check(readable_intact(c, 100 + i), "rx: readable segments untouched");
		if (frame[i] < 0)
			continue;
		check(writable_byte(c, 10) == 1 && writable_byte(c, 11) == 0, "rx: num_buffers 1");
		for (uint32_t b = HDR; b < len[i]; b++)
			check(writable_byte(c, b) == pattern(frame[i], b), "rx: the frame's bytes");
		for (uint32_t b = len[i]; b < chain_bytes(c, 1); b++)
			check(writable_byte(c, b) == 0xee, "rx: nothing written past the length");
	}
}

static void check_tx(struct virtio_dev *d, int peer, const struct input *in)
{
	static uint8_t f[SLOT + HDR];

	for (int i = 0; i < in->ntx && !virtio_broken(d); i++) {
		const struct chain *c = &in->tx[i];
		uint32_t out = chain_bytes(c, 0);
		uint64_t at = c->at;
		uint32_t seen = 0;
		ssize_t got;

		check(used_elem(TXQ, i, 0) == (uint32_t)c->head, "tx: chains used in order");
		if (out <= HDR)
			continue;
		got = recv(peer, f, sizeof(f), MSG_DONTWAIT);
		check(got == (ssize_t)out, "tx: one frame per chain, header and readable bytes");
		for (int b = 0; b < HDR; b++)
			check(f[b] == 0, "tx: the guest's header is not passed on");
		for (int k = 0; k < c->n; at += c->len[k++])
			for (uint32_t b = 0; !c->writable[k] && b < c->len[k]; b++, seen++)
				if (seen >= HDR)
					check(f[seen] == pattern(200 + i, (uint32_t)(at - c->at) + b),
					      "tx: the frame's bytes");
		check(readable_intact(c, 200 + i), "tx: readable segments untouched");
	}
}

static void run(const struct input *in, int tap, int peer)
{
	static struct gmem m = { .n = 1 };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };
	struct virtio_dev *d;
	struct err e = { 0 };

	m.r[0] = (struct gmem_region){ GPA, MEM, host };
	if (virtio_net_create(&m, tap, mac, &d, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	vq_driver_ok(d, 2);
	for (int i = 0; i < in->nrx; i++)
		post(RXQ, &in->rx[i], 100 + i);
	for (int i = 0; i < in->ntx; i++)
		post(TXQ, &in->tx[i], 200 + i);
	send_frames(peer, in);
	virtio_start(d);
	d->ops->notify(d, RXQ);
	d->ops->notify(d, TXQ);
	check_rx(d, in);
	check_tx(d, peer, in);
	d->ops->destroy(d);	/* joins the rx thread, closes the tap */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	int sv[2];

	if (!raw) {
		raw = malloc(MEM + 2 * GUARD);
		if (!raw)
			abort();
		host = raw + GUARD;
	}
	parse(data, size, &in);
	/* more than QSIZE descriptors would wrap onto each other */
	while (in.nrx && in.rx[in.nrx - 1].head + in.rx[in.nrx - 1].n > QSIZE)
		in.nrx--;
	while (in.ntx && in.tx[in.ntx - 1].head + in.tx[in.ntx - 1].n > QSIZE)
		in.ntx--;
	memset(raw, 0xa5, MEM + 2 * GUARD);
	memset(host, 0, MEM);
	/* the device's end is non-blocking, as a tap is */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		abort();
	run(&in, sv[0], sv[1]);
	close(sv[1]);
	for (int i = 0; i < GUARD; i++)
		check(raw[i] == 0xa5 && host[MEM + i] == 0xa5, "memory around the guest intact");
	return 0;
}
