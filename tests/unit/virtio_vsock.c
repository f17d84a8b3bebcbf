/*
 * Unit tests for virtio-vsock (src/virtio/vsock.c): the test plays the
 * guest's driver on a fake guest memory (rx, tx and event queues) and the
 * host's programs on unix sockets in a temporary folder:
 *   - a guest REQUEST with nothing listening at UDS_P is answered RST;
 *   - with a listener at UDS_1234 it is accepted (RESPONSE), and bytes
 *     flow both ways; the guest's credit limits what it is sent, and our
 *     fwd_cnt tells it what reached the host;
 *   - the host's "CONNECT P\n" on UDS becomes a REQUEST; the guest's
 *     RESPONSE makes it "OK <port>\n", its RST an EOF;
 *   - packets that lie (source CID, destination, lengths) are dropped
 *     or reset, and never break the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/devices.h"
#include "test.h"

#define GPA	0x100000ULL
#define MEM	0x100000ULL
#define QSIZE	16
#include "vq_guest.h"
#define RXQ	0
#define TXQ	1
#define EVQ	2
#define HDR	44
#define RXBUF_LEN 4096
#define RXBUFS	(GPA + 0x10000)
#define TXBUFS	(GPA + 0x30000)
#define TXBUF_LEN 0x2000
#define CID	42

enum { REQUEST = 1, RESPONSE, RST, SHUTDOWN, RW, CREDIT_UPDATE, CREDIT_REQUEST };

struct hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

static struct gmem gm = { .n = 1 };
static char dir[] = "/tmp/strata-vsock-XXXXXX", uds[64];
static uint16_t rx_seen, tx_head;

static void rx_post(struct virtio_dev *d, int i)
{
	desc(RXQ, i, RXBUFS + (uint64_t)i * RXBUF_LEN, RXBUF_LEN, 2, 0);
	avail_add(RXQ, (uint16_t)i);
	d->ops->notify(d, RXQ);
}

/* The next packet the device put on the rx queue, within @ms; its
 * payload goes to @data (at most @max bytes).  The buffer is posted
 * again.  0 when none came. */
static int rx_next(struct virtio_dev *d, struct hdr *h, void *data,
		   size_t max, int ms)
{
	uint32_t id, len;
	uint8_t *p;

	for (int t = 0; used_idx(RXQ) == rx_seen; t++) {
		if (t >= ms)
			return 0;
		usleep(1000);
	}
	id = used_elem(RXQ, rx_seen, 0);
	len = used_elem(RXQ, rx_seen, 1);
	rx_seen++;
	if (id >= QSIZE || len < HDR || len > RXBUF_LEN)
		return -1;
	p = g(RXBUFS + (uint64_t)id * RXBUF_LEN);
	memcpy(h, p, HDR);
	if (data)
		memcpy(data, p + HDR, h->len < max ? h->len : max);
	rx_post(d, (int)id);
	return len == HDR + h->len ? 1 : -1;
}

/* Send a packet: header and payload in two descriptors. */
static void tx(struct virtio_dev *d, const struct hdr *h, const void *data,
	       uint32_t len)
{
	int slot = tx_head % (QSIZE / 2);
	uint64_t buf = TXBUFS + (uint64_t)slot * TXBUF_LEN;

	memcpy(g(buf), h, HDR);
	if (len)
		memcpy(g(buf + 64), data, len);
	desc(TXQ, 2 * slot, buf, HDR, len ? 1 : 0, (uint16_t)(2 * slot + 1));
	desc(TXQ, 2 * slot + 1, buf + 64, len, 0, 0);
	avail_add(TXQ, (uint16_t)(2 * slot));
	tx_head++;
	d->ops->notify(d, TXQ);
}

static struct hdr pkt(uint16_t op, uint32_t src_port, uint32_t dst_port,
		      uint32_t buf_alloc, uint32_t fwd_cnt)
{
	return (struct hdr){ .src_cid = CID, .dst_cid = 2, .src_port = src_port,
			     .dst_port = dst_port, .type = 1, .op = op,
			     .buf_alloc = buf_alloc, .fwd_cnt = fwd_cnt };
}

static int unix_listen(const char path[80])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0)
		return -1;
	return fd;
}

static int unix_connect(const char path[64])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

/* read with a timeout: bytes read, 0 at EOF (or reset), -1 on timeout */
static ssize_t read_wait(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = read(fd, buf, len);
	return n < 0 && errno == ECONNRESET ? 0 : n;
}

static void test_refused(struct virtio_dev *d)
{
	struct hdr h = pkt(REQUEST, 1000, 5555, 65536, 0), r;

	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST &&
		    r.src_cid == 2 && r.dst_cid == CID && r.src_port == 5555 &&
		    r.dst_port == 1000, "a REQUEST to a port nobody listens on is reset");
}

/* guest port 1000 -> host port 1234; returns the host's end */
static int test_guest_connect(struct virtio_dev *d, int lfd)
{
	struct hdr h = pkt(REQUEST, 1000, 1234, 8, 0), r;
	char buf[64];
	int fd;

	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RESPONSE &&
		    r.src_port == 1234 && r.dst_port == 1000 && r.type == 1 &&
		    r.buf_alloc == 65536 && r.fwd_cnt == 0,
		    "a REQUEST to a listening port is answered RESPONSE");
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	test_assert(fd >= 0, "the VMM connected to UDS_1234");
	h = pkt(RW, 1000, 1234, 8, 0);
	h.len = 5;
	tx(d, &h, "hello", 5);
	test_assert(read_wait(fd, buf, sizeof(buf), 2000) == 5 && !memcmp(buf, "hello", 5),
		    "guest bytes reach the host");

	/* the guest gave 8 bytes of credit: 20 come in three goes */
	test_assert(write(fd, "0123456789abcdefghij", 20) == 20, "the host writes 20 bytes");
	test_assert(rx_next(d, &r, buf, sizeof(buf), 2000) == 1 && r.op == RW &&
		    r.len == 8 && !memcmp(buf, "01234567", 8) && r.fwd_cnt == 5,
		    "the guest gets what its credit allows, and our fwd_cnt");
	test_assert(rx_next(d, &r, NULL, 0, 200) == 0, "and nothing more without credit");
	h = pkt(CREDIT_UPDATE, 1000, 1234, 8, 8);
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, buf, sizeof(buf), 2000) == 1 && r.op == RW &&
		    r.len == 8 && !memcmp(buf, "89abcdef", 8),
		    "a CREDIT_UPDATE lets the next 8 come");
	h = pkt(CREDIT_REQUEST, 1000, 1234, 64, 16);
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == CREDIT_UPDATE &&
		    r.fwd_cnt == 5 && r.buf_alloc == 65536,
		    "a CREDIT_REQUEST is answered with our credit");
	test_assert(rx_next(d, &r, buf, sizeof(buf), 2000) == 1 && r.op == RW &&
		    r.len == 4 && !memcmp(buf, "ghij", 4),
		    "and the credit it carried lets the rest come");
	return fd;
}

static void test_guest_close(struct virtio_dev *d, int fd)
{
	struct hdr h = pkt(SHUTDOWN, 1000, 1234, 64, 20), r;
	char buf[8];

	h.len = 0;
	h.flags = 3;
	tx(d, &h, NULL, 0);
	test_assert(read_wait(fd, buf, sizeof(buf), 2000) == 0, "a guest SHUTDOWN is the host's EOF");
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST &&
		    r.src_port == 1234 && r.dst_port == 1000,
		    "and the connection ends with RST");
	close(fd);
	h = pkt(RW, 1000, 1234, 64, 20);
	h.len = 1;
	tx(d, &h, "x", 1);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST,
		    "data on a closed connection is reset");
}

static void test_host_connect(struct virtio_dev *d)
{
	struct hdr h, r;
	char buf[64];
	uint32_t port;
	int fd, n;

	fd = unix_connect(uds);
	test_assert(fd >= 0, "the host connects to UDS");
	test_assert(write(fd, "CONNECT 52\n", 11) == 11, "and asks for guest port 52");
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == REQUEST &&
		    r.dst_port == 52 && r.src_port >= 1U << 30 && r.dst_cid == CID,
		    "the guest gets a REQUEST from a host port");
	port = r.src_port;
	h = pkt(RESPONSE, 52, port, 4096, 0);
	tx(d, &h, NULL, 0);
	n = (int)read_wait(fd, buf, sizeof(buf) - 1, 2000);
	buf[n > 0 ? n : 0] = 0;
	test_assert(n > 0 && (uint32_t)atol(buf + 3) == port && !strncmp(buf, "OK ", 3) &&
		    buf[n - 1] == '\n', "its RESPONSE becomes OK <hostport>");
	test_assert(write(fd, "ping", 4) == 4, "the host writes");
	test_assert(rx_next(d, &r, buf, sizeof(buf), 2000) == 1 && r.op == RW &&
		    r.len == 4 && !memcmp(buf, "ping", 4) && r.src_port == port,
		    "the guest reads it");
	h = pkt(RW, 52, port, 4096, 4);
	h.len = 4;
	tx(d, &h, "pong", 4);
	test_assert(read_wait(fd, buf, sizeof(buf), 2000) == 4 && !memcmp(buf, "pong", 4),
		    "and answers");
	close(fd);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == SHUTDOWN &&
		    r.flags == 3, "the host's close is a SHUTDOWN");
	h = pkt(RST, 52, port, 4096, 4);
	tx(d, &h, NULL, 0);

	/* a port the guest does not listen on */
	fd = unix_connect(uds);
	test_assert(fd >= 0 && write(fd, "CONNECT 53\n", 11) == 11, "a second CONNECT");
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == REQUEST &&
		    r.dst_port == 53 && r.src_port != port, "another REQUEST, another port");
	h = pkt(RST, 53, r.src_port, 0, 0);
	tx(d, &h, NULL, 0);
	test_assert(read_wait(fd, buf, sizeof(buf), 2000) == 0, "the guest's RST is an EOF");
	close(fd);

	static const char *const bad[] = {
		"HELLO\n", "CONNECT \n", "CONNECT 12a\n", "CONNECT 4294967296\n",
		"CONNECT 000000000000000000000000000001\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fd = unix_connect(uds);
		test_assert(fd >= 0 && write(fd, bad[i], strlen(bad[i])) == (ssize_t)strlen(bad[i]),
			    "a host that says something else");
		test_assert(read_wait(fd, buf, sizeof(buf), 2000) == 0, "is hung up on");
		close(fd);
	}
	test_assert(rx_next(d, &r, NULL, 0, 100) == 0, "and the guest hears nothing of it");
}

static void test_hostile(struct virtio_dev *d, int lfd)
{
	static char big[TXBUF_LEN - 64];
	struct hdr h, r;
	int fd, i;

	h = pkt(REQUEST, 7, 5555, 0, 0);
	h.src_cid = 3;
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 200) == 0, "a spoofed source CID is dropped");
	h = pkt(REQUEST, 7, 1234, 0, 0);
	h.dst_cid = 5;
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST,
		    "another destination CID is reset");
	h = pkt(REQUEST, 7, 1234, 0, 0);
	h.type = 2;
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST,
		    "a SEQPACKET request is reset");

	h = pkt(REQUEST, 8, 1234, 65536, 0);
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RESPONSE, "a new connection");
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	h = pkt(RW, 8, 1234, 65536, 0);
	h.len = 100;	/* but only 4 bytes follow */
	tx(d, &h, "abcd", 4);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RST && r.src_port == 1234 &&
		    r.dst_port == 8, "a length beyond the buffers resets the connection");
	test_assert(fd >= 0 && read_wait(fd, &r, 1, 2000) == 0, "and the host sees EOF");
	if (fd >= 0)
		close(fd);

	/* a guest that ignores our credit, to a host that does not read */
	h = pkt(REQUEST, 9, 1234, 65536, 0);
	tx(d, &h, NULL, 0);
	test_assert(rx_next(d, &r, NULL, 0, 2000) == 1 && r.op == RESPONSE, "another connection");
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	memset(big, 'z', sizeof(big));
	r.op = 0;
	for (i = 0; i < 200 && r.op != RST; i++) {
		h = pkt(RW, 9, 1234, 65536, 0);
		h.len = sizeof(big);
		tx(d, &h, big, sizeof(big));
		while (r.op != RST && rx_next(d, &r, NULL, 0, 0) == 1)
			;	/* credit updates while the socket takes bytes */
	}
	test_assert(r.op == RST && r.dst_port == 9 && (size_t)i * sizeof(big) > 65536,
		    "is reset once its bytes are past the socket and our 64 KiB");
	if (fd >= 0)
		close(fd);
	test_assert(!virtio_broken(d), "none of it broke the device");
}

static void test_vsock(void)
{
	struct virtio_dev *d;
	struct err e = { 0 };
	char port_path[80];
	uint64_t cid;
	int lfd, fd;

	test_assert(virtio_vsock_create(&gm, 2, uds, &d, &e) == -EINVAL, "CID 2 is the host's");
	test_assert(virtio_vsock_create(&gm, 1ULL << 32, uds, &d, &e) == -EINVAL,
		    "a CID wider than 32 bits is refused");
	err_clear(&e);
	test_assert(virtio_vsock_create(&gm, CID, uds, &d, &e) == 0, "a virtio-vsock is created");
	if (e.code) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	test_assert(virtio_vsock_create(&gm, CID + 1, uds, &d, &e) == -EADDRINUSE,
		    "a second one on the same socket path is refused");
	test_assert(d->ops->device_id == 19 && d->ops->nqueues == 3, "device id 19, three queues");
	d->ops->config_read(d, 0, &cid, 8);
	test_assert(cid == CID, "config: the guest CID");

	vq_driver_ok(d, 3);
	virtio_start(d);
	for (int i = 0; i < QSIZE; i++)
		rx_post(d, i);

	snprintf(port_path, sizeof(port_path), "%s_1234", uds);
	lfd = unix_listen(port_path);
	test_assert(lfd >= 0, "a host program listens on UDS_1234");
	test_refused(d);
	fd = test_guest_connect(d, lfd);
	test_guest_close(d, fd);
	test_host_connect(d);
	test_hostile(d, lfd);

	d->ops->reset(d);
	test_assert(!virtio_broken(d), "the driver never broke a rule");
	d->ops->destroy(d);
	close(lfd);
	unlink(port_path);
	test_assert(access(uds, F_OK) == 0, "the device leaves the socket file to its owner");
	unlink(uds);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(uds, sizeof(uds), "%s/v.sock", dir);
	host = calloc(1, MEM);
	gm.r[0] = (struct gmem_region){ GPA, MEM, host };
	test_vsock();
	free(host);
	rmdir(dir);
	return test_report();
}
