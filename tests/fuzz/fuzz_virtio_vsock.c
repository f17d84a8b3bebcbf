/*
 * fuzz_virtio_vsock -- libFuzzer target for virtio-vsock's tx packet
 * handling (src/virtio/vsock.c): a hostile guest's packets against a
 * device whose host side has a listener at UDS_1234 (connections to it
 * succeed, nobody reads them) and nothing at any other port.
 *
 * Input: packets, each the 44-byte struct virtio_vsock_hdr as the guest
 * writes it, one control byte (bit 0: keep the header's CIDs and type as
 * they are, else the guest's CID, the host's and stream; bit 1:
 * destination port 1234; bit 2: len = the payload bytes that follow;
 * bit 3: give the rx queue its 16 buffers again), one byte n (1..4
 * buffers), then n times (u16 length, u8 flags: bit 0 writable).  The
 * buffers lie back to back in a 64 KiB guest memory, header then payload
 * (a pattern) written at the start of the readable bytes, and the chain
 * is kicked.  The I/O thread is not started: the device answers on the
 * rx queue from the kick, so a run is reproducible.  Nothing may crash or
 * trip a sanitizer; every tx request is used; every rx packet fits its
 * buffer, comes from CID 2 to the guest's CID and says its length; memory
 * around the guest is intact.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_virtio_vsock FILE...
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/devices.h"

#define GPA	0x100000ULL
#define MEM	0x10000ULL
#define QSIZE	16
#include "../unit/vq_guest.h"

#define GUARD	4096
#define RXQ	0
#define TXQ	1
#define RXBUFS	(GPA + 0x6000)	/* after the two queues */
#define RXBUF_LEN 256
#define TXBUFS	(GPA + 0x7000)
#define HDR	44
#define CID	3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *raw;
static char dir[] = "/tmp/fuzz-vsock-XXXXXX", uds[64];
static int listener = -1;
static uint16_t rx_seen, rx_avail;

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

/* the folder goes with the process */
static void cleanup(void)
{
	char path[80];

	snprintf(path, sizeof(path), "%s_1234", uds);
	unlink(path);
	unlink(uds);
	rmdir(dir);
}

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	raw = malloc(MEM + 2 * GUARD);
	host = raw + GUARD;
	if (!raw || !mkdtemp(dir))
		abort();
	snprintf(uds, sizeof(uds), "%s/v.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_1234", uds);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listener, 128) < 0)
		abort();
	atexit(cleanup);
}

/* rx buffer i: 32 + 14 * i bytes, so some cannot hold a header */
static uint32_t rx_len(int i)
{
	return 32 + 14 * (uint32_t)i;
}

static void rx_refill(void)
{
	for (int i = 0; i < QSIZE && (uint16_t)(rx_avail - rx_seen) < QSIZE; i++) {
		desc(RXQ, rx_avail % QSIZE, RXBUFS + (uint64_t)(rx_avail % QSIZE) * RXBUF_LEN,
		     rx_len(rx_avail % QSIZE), 2, 0);
		avail_add(RXQ, rx_avail % QSIZE);
		rx_avail++;
	}
}

static void rx_check(void)
{
	for (; rx_seen != used_idx(RXQ); rx_seen++) {
		uint32_t id = used_elem(RXQ, rx_seen, 0), len = used_elem(RXQ, rx_seen, 1);
		uint32_t plen;
		uint64_t src, dst;
		uint8_t *p;

		check(id < QSIZE, "rx: a used id we gave");
		check(len <= rx_len((int)id), "rx: within the buffer");
		if (len < HDR)
			continue;
		p = g(RXBUFS + (uint64_t)id * RXBUF_LEN);
		memcpy(&src, p, 8);
		memcpy(&dst, p + 8, 8);
		memcpy(&plen, p + 24, 4);
		check(src == 2 && dst == CID, "rx: from the host to the guest");
		check(plen + HDR == len, "rx: the header says the length");
	}
}

/* Build and kick one packet from @p; the bytes it used, 0 at the end. */
static size_t one_packet(struct virtio_dev *d, const uint8_t *p, size_t left)
{
	uint64_t at = TXBUFS, readable_at = 0, room;
	uint16_t used_before = used_idx(TXQ);
	uint8_t hdr[HDR], ctl, pat[512];
	uint32_t out_len = 0, plen;
	size_t need;
	int i, n;

	if (left < HDR + 2)
		return 0;
	memcpy(hdr, p, HDR);
	ctl = p[HDR];
	n = p[HDR + 1] % 4 + 1;
	need = HDR + 2 + 3 * (size_t)n;
	if (left < need)
		return 0;
	for (i = 0; i < n; i++) {
		const uint8_t *s = p + HDR + 2 + 3 * i;
		uint32_t len = (uint32_t)(s[0] | s[1] << 8) % 4096;
		int writable = s[2] & 1;

		if (at + len > GPA + MEM)
			len = (uint32_t)(GPA + MEM - at);
		if (!writable && !readable_at)
			readable_at = at;
		if (!writable)
			out_len += len;
		desc(TXQ, i, at, len, (uint16_t)((i + 1 < n ? 1 : 0) | (writable ? 2 : 0)),
		     (uint16_t)(i + 1));
		at += len;
	}
	if (!(ctl & 1)) {
		uint64_t cid = CID, host_cid = 2;
		uint16_t stream = 1;

		memcpy(hdr, &cid, 8);
		memcpy(hdr + 8, &host_cid, 8);
		memcpy(hdr + 28, &stream, 2);
	}
	if (ctl & 2) {
		uint32_t port = 1234;

		memcpy(hdr + 20, &port, 4);
	}
	plen = out_len > HDR ? out_len - HDR : 0;
	if (ctl & 4)
		memcpy(hdr + 24, &plen, 4);
	if (readable_at) {
		room = GPA + MEM - readable_at;
		memcpy(g(readable_at), hdr, room < HDR ? room : HDR);
		for (i = 0; i < (int)sizeof(pat); i++)
			pat[i] = (uint8_t)('a' + i % 26);
		if (room > HDR)
			memcpy(g(readable_at + HDR), pat,
			       room - HDR < sizeof(pat) ? room - HDR : sizeof(pat));
	}
	if (ctl & 8) {
		rx_refill();
		d->ops->notify(d, RXQ);
	}
	avail_add(TXQ, 0);
	d->ops->notify(d, TXQ);
	if (!virtio_broken(d))
		check(used_idx(TXQ) == (uint16_t)(used_before + 1), "every packet is used");
	rx_check();
	return need;
}

/* Connections the device made to UDS_1234 go, as a host program's would. */
static void drain_listener(void)
{
	int fd;

	while ((fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gmem m = { .n = 1 };
	struct virtio_dev *d;
	struct err e = { 0 };
	size_t used;

	if (!raw) {
		setup();
		m.r[0] = (struct gmem_region){ GPA, MEM, host };
	}
	memset(raw, 0xa5, MEM + 2 * GUARD);
	memset(host, 0, MEM);
	rx_seen = rx_avail = 0;
	if (virtio_vsock_create(&m, CID, uds, &d, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	/* no virtio_start(): no I/O thread, everything on this thread */
	vq_driver_ok(d, 2);
	rx_refill();
	while (!virtio_broken(d) && (used = one_packet(d, data, size)) > 0) {
		data += used;
		size -= used;
	}
	d->ops->destroy(d);
	unlink(uds);
	drain_listener();
	for (int i = 0; i < GUARD; i++)
		check(raw[i] == 0xa5 && host[MEM + i] == 0xa5, "memory around the guest intact");
	return 0;
}
