/*
 * virtio-vsock (virtio 1.2, 5.10): stream sockets between the guest and
 * the host, carried to unix sockets on the host the way Firecracker does:
 *   - the guest connects to host port P  -> we connect to "UDS_P";
 *   - a host program connects to UDS and writes "CONNECT P\n" -> we open
 *     a connection to guest port P and, once the guest accepts, answer
 *     "OK <hostport>\n"; bytes then flow both ways on that socket.
 * Queues: 0 rx (device -> driver), 1 tx (driver -> device), 2 event
 * (buffers kept, never used: no transport reset without migration).
 * Config space: guest_cid, le64.
 *
 * Every packet starts with the 44-byte struct virtio_vsock_hdr.  What the
 * guest sends is hostile: a packet whose source is not the guest's CID is
 * dropped, one for another CID, another type than stream, or an unknown
 * connection is answered with RST, and one that breaks the rules of a
 * connection (data beyond the credit we gave, a length past its buffers,
 * an op out of place) resets that connection.
 *
 * Flow control is the spec's credit scheme.  Guest -> host bytes go into
 * a per-connection ring of VSOCK_BUF_ALLOC bytes (our buf_alloc) and from
 * there into the unix socket; fwd_cnt counts what left the ring, so the
 * guest never sends more than the ring holds.  Host -> guest bytes are
 * read from the socket only while the guest's credit (its buf_alloc minus
 * what is in flight) and rx buffers last.
 *
 * Threads: the tx queue is processed on the thread of the kick, the unix
 * sockets by the device's I/O thread (poll on them, the listener and an
 * eventfd that kicks and stop requests write).  One lock covers the
 * connections and the rx queue.  The thread starts with DRIVER_OK and is
 * joined on reset (which also drops every connection) and destroy.  The
 * listening socket lives as long as the device; removing its file is the
 * machine's business (virtio_vsock_ident), as a VMM under its syscall
 * filter may not unlink.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/devices.h"

#define VIRTIO_VSOCK_F_STREAM	0

#define VSOCK_HDR_LEN		44
#define VSOCK_HOST_CID		2
#define VSOCK_TYPE_STREAM	1
#define VSOCK_SHUT_RCV		1
#define VSOCK_SHUT_SEND		2
#define VSOCK_SHUT_BOTH		3

enum vsock_op {
	OP_INVALID, OP_REQUEST, OP_RESPONSE, OP_RST, OP_SHUTDOWN, OP_RW,
	OP_CREDIT_UPDATE, OP_CREDIT_REQUEST,
};

#define VSOCK_QUEUE_SIZE	256
#define VSOCK_RXQ		0
#define VSOCK_TXQ		1
#define VSOCK_EVQ		2
#define VSOCK_BUF_ALLOC		(64 * 1024)	/* per connection, a power of 2 */
#define VSOCK_MAX_CONNS		64
#define VSOCK_MAX_RSTS		64	/* RSTs waiting for rx buffers */
#define VSOCK_LINE_MAX		32	/* "CONNECT 4294967295\n" fits */
#define VSOCK_HOST_PORT0	(1U << 30)	/* ports we pick for the host */
#define VSOCK_RX_BURST		16	/* packets per socket per wakeup */

/* what a connection still owes the guest on the rx queue */
#define P_REQUEST	1
#define P_RESPONSE	2
#define P_CREDIT	4
#define P_SHUTDOWN	8

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

enum conn_state {
	C_FREE,
	C_HANDSHAKE,	/* host side: reading "CONNECT P\n" */
	C_CONNECTING,	/* host side: REQUEST sent, waiting for RESPONSE */
	C_OPEN,
};

struct vsock_conn {
	enum conn_state state;
	unsigned int gen;		/* tells a reused slot from the old one */
	int fd;
	uint32_t local_port;		/* our (host) side */
	uint32_t peer_port;		/* the guest's side */
	uint32_t peer_buf_alloc, peer_fwd_cnt;	/* the guest's credit */
	uint32_t to_guest;		/* bytes sent to the guest */
	uint32_t fwd_cnt;		/* guest bytes written to the socket */
	uint32_t fwd_cnt_sent;		/* last fwd_cnt the guest was told */
	uint8_t *buf;			/* guest -> host ring, VSOCK_BUF_ALLOC */
	uint32_t head, fill;
	uint8_t pending;		/* P_* */
	uint8_t peer_shut;		/* VSOCK_SHUT_* the guest sent */
	int host_eof;			/* the socket reached its end */
	int wr_shut;			/* shutdown(SHUT_WR) done */
	int hup;			/* poll said POLLHUP/POLLERR */
	unsigned int line_len;
	char line[VSOCK_LINE_MAX];
};

struct vsock_rst {
	uint32_t local_port, peer_port;
};

struct virtio_vsock {
	struct virtio_dev vdev;		/* first: the transport's view */
	uint64_t cid;
	char uds[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	uint64_t uds_dev, uds_ino;	/* the socket file we made */
	int wake;			/* eventfd: kicks, stop */
	pthread_t thread;
	int running, stop;
	pthread_mutex_t lock;
	int rx_starved;			/* no rx buffer: wait for a kick */
	int accept_paused;		/* out of fds: until a connection goes */
	uint32_t next_port;
	int nrst;
	struct vsock_rst rst[VSOCK_MAX_RSTS];
	struct vsock_conn conn[VSOCK_MAX_CONNS];
	uint8_t config[8];
};

/* ---- packets in guest buffers ---- */

static void hdr_parse(const uint8_t *b, struct vsock_hdr *h)
{
	memcpy(&h->src_cid, b, 8);
	memcpy(&h->dst_cid, b + 8, 8);
	memcpy(&h->src_port, b + 16, 4);
	memcpy(&h->dst_port, b + 20, 4);
	memcpy(&h->len, b + 24, 4);
	memcpy(&h->type, b + 28, 2);
	memcpy(&h->op, b + 30, 2);
	memcpy(&h->flags, b + 32, 4);
	memcpy(&h->buf_alloc, b + 36, 4);
	memcpy(&h->fwd_cnt, b + 40, 4);
	h->src_cid = le64toh(h->src_cid);
	h->dst_cid = le64toh(h->dst_cid);
	h->src_port = le32toh(h->src_port);
	h->dst_port = le32toh(h->dst_port);
	h->len = le32toh(h->len);
	h->type = le16toh(h->type);
	h->op = le16toh(h->op);
	h->flags = le32toh(h->flags);
	h->buf_alloc = le32toh(h->buf_alloc);
	h->fwd_cnt = le32toh(h->fwd_cnt);
}

static void hdr_build(const struct vsock_hdr *h, uint8_t *b)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	v64 = htole64(h->src_cid), memcpy(b, &v64, 8);
	v64 = htole64(h->dst_cid), memcpy(b + 8, &v64, 8);
	v32 = htole32(h->src_port), memcpy(b + 16, &v32, 4);
	v32 = htole32(h->dst_port), memcpy(b + 20, &v32, 4);
	v32 = htole32(h->len), memcpy(b + 24, &v32, 4);
	v16 = htole16(h->type), memcpy(b + 28, &v16, 2);
	v16 = htole16(h->op), memcpy(b + 30, &v16, 2);
	v32 = htole32(h->flags), memcpy(b + 32, &v32, 4);
	v32 = htole32(h->buf_alloc), memcpy(b + 36, &v32, 4);
	v32 = htole32(h->fwd_cnt), memcpy(b + 40, &v32, 4);
}

/* Copy @len bytes of the @writable (or readable) segments of @c, from
 * byte @off on, to or from @p.  The caller checked the lengths. */
static void chain_copy(const struct virtq_chain *c, int writable,
		       uint32_t off, void *p, uint32_t len)
{
	uint8_t *q = p;
	int i;

	for (i = 0; i < c->n && len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint32_t n;

		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off < len ? s->len - off : len;
		if (writable)
			memcpy((uint8_t *)s->p + off, q, n);
		else
			memcpy(q, (uint8_t *)s->p + off, n);
		q += n;
		len -= n;
		off = 0;
	}
}

/* iovecs for at most @max writable bytes of @c after the header */
static int chain_rx_iov(const struct virtq_chain *c, uint32_t max,
			struct iovec *iov)
{
	uint32_t skip = VSOCK_HDR_LEN;
	int i, n = 0;

	for (i = 0; i < c->n && max; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint32_t len;

		if (!s->writable)
			continue;
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		len = s->len - skip < max ? s->len - skip : max;
		iov[n].iov_base = (uint8_t *)s->p + skip;
		iov[n].iov_len = len;
		n++;
		max -= len;
		skip = 0;
	}
	return n;
}

/* ---- connections ---- */

static uint32_t conn_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->to_guest - c->peer_fwd_cnt;

	return in_flight > c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static struct vsock_conn *conn_find(struct virtio_vsock *v, uint32_t local,
				    uint32_t peer)
{
	int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &v->conn[i];

		if (c->state > C_HANDSHAKE && c->local_port == local &&
		    c->peer_port == peer)
			return c;
	}
	return NULL;
}

/* A free slot with its ring, taking @fd; NULL (and @fd closed) when full. */
static struct vsock_conn *conn_new(struct virtio_vsock *v, int fd,
				   enum conn_state state)
{
	int i;

	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &v->conn[i];
		unsigned int gen = c->gen;

		if (c->state != C_FREE)
			continue;
		memset(c, 0, sizeof(*c));
		c->gen = gen + 1;
		c->buf = malloc(VSOCK_BUF_ALLOC);
		if (!c->buf)
			break;
		c->fd = fd;
		c->state = state;
		return c;
	}
	close(fd);
	return NULL;
}

static void conn_close(struct virtio_vsock *v, struct vsock_conn *c)
{
	v->accept_paused = 0;
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
	c->state = C_FREE;
}

static void queue_rst(struct virtio_vsock *v, uint32_t local, uint32_t peer)
{
	/* with no room the guest's side times out instead */
	if (v->nrst < VSOCK_MAX_RSTS)
		v->rst[v->nrst++] = (struct vsock_rst){ local, peer };
}

/* Drop @c and tell the guest, if it knows the connection. */
static void conn_kill(struct virtio_vsock *v, struct vsock_conn *c)
{
	if (c->state > C_HANDSHAKE)
		queue_rst(v, c->local_port, c->peer_port);
	conn_close(v, c);
}

/* ---- device -> driver (rx queue) ---- */

/* The next rx buffer with room for a header; 0 when none (rx_starved). */
static int rx_pop(struct virtio_vsock *v, struct virtq_chain *ch)
{
	struct virtio_dev *d = &v->vdev;
	int ret;

	for (;;) {
		if (virtio_broken(d))
			return 0;
		ret = virtq_pop(&d->vq[VSOCK_RXQ], d->mem, ch);
		if (ret < 0)
			virtio_needs_reset(d);
		if (ret <= 0) {
			v->rx_starved = 1;
			return 0;
		}
		if (ch->in_len >= VSOCK_HDR_LEN)
			return 1;
		/* no room for a header: a driver bug, give it back empty */
		virtio_complete(d, VSOCK_RXQ, ch->head, 0);
	}
}

static void rx_hdr(struct virtio_vsock *v, struct vsock_conn *c,
		   struct vsock_hdr *h, uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = VSOCK_HOST_CID;
	h->dst_cid = v->cid;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
	h->buf_alloc = VSOCK_BUF_ALLOC;
	if (c) {
		h->src_port = c->local_port;
		h->dst_port = c->peer_port;
		h->fwd_cnt = c->fwd_cnt;
		c->fwd_cnt_sent = c->fwd_cnt;
	}
}

/* Header @h (and h->len payload bytes already in place) into @ch. */
static void rx_put(struct virtio_vsock *v, const struct virtq_chain *ch,
		   const struct vsock_hdr *h)
{
	uint8_t b[VSOCK_HDR_LEN];

	hdr_build(h, b);
	chain_copy(ch, 1, 0, b, VSOCK_HDR_LEN);
	virtio_complete(&v->vdev, VSOCK_RXQ, ch->head, VSOCK_HDR_LEN + h->len);
}

/* Send one packet without payload; 0 when no rx buffer was there. */
static int rx_ctrl(struct virtio_vsock *v, struct vsock_conn *c,
		   const struct vsock_rst *rst, uint16_t op, uint32_t flags)
{
	struct virtq_chain ch;
	struct vsock_hdr h;

	if (!rx_pop(v, &ch))
		return 0;
	rx_hdr(v, c, &h, op);
	if (rst) {
		h.src_port = rst->local_port;
		h.dst_port = rst->peer_port;
		h.buf_alloc = 0;
	}
	h.flags = flags;
	rx_put(v, &ch, &h);
	return 1;
}

/* One owed control packet of @c; 0 when no rx buffer was there. */
static int rx_pending_one(struct virtio_vsock *v, struct vsock_conn *c)
{
	static const struct { uint8_t bit; uint16_t op; uint32_t flags; } owed[] = {
		{ P_REQUEST, OP_REQUEST, 0 },
		{ P_RESPONSE, OP_RESPONSE, 0 },
		{ P_CREDIT, OP_CREDIT_UPDATE, 0 },
		{ P_SHUTDOWN, OP_SHUTDOWN, VSOCK_SHUT_BOTH },
	};
	size_t i;

	for (i = 0; i < sizeof(owed) / sizeof(owed[0]); i++) {
		if (!(c->pending & owed[i].bit))
			continue;
		if (!rx_ctrl(v, c, NULL, owed[i].op, owed[i].flags))
			return 0;
		c->pending &= ~owed[i].bit;
	}
	return 1;
}

/* Send what is owed: RSTs first, then each connection's packets. */
static void rx_flush(struct virtio_vsock *v)
{
	int i, n = 0;

	while (n < v->nrst && rx_ctrl(v, NULL, &v->rst[n], OP_RST, 0))
		n++;
	memmove(v->rst, v->rst + n, (v->nrst - n) * sizeof(v->rst[0]));
	v->nrst -= n;
	if (v->nrst)
		return;
	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &v->conn[i];

		if (c->state > C_HANDSHAKE && c->pending && !rx_pending_one(v, c))
			return;
	}
}

/* Socket bytes into rx buffers while credit and buffers last. */
static void rx_data(struct virtio_vsock *v, struct vsock_conn *c)
{
	struct virtio_dev *d = &v->vdev;
	struct iovec iov[VIRTQ_MAX_SEGS];
	struct virtq_chain ch;
	struct vsock_hdr h;
	int burst, cnt;
	ssize_t n;

	/* the guest hears of a connection before its first bytes */
	if (c->pending & (P_REQUEST | P_RESPONSE))
		return;
	for (burst = 0; burst < VSOCK_RX_BURST; burst++) {
		uint32_t credit = conn_credit(c);

		if (!credit || !rx_pop(v, &ch))
			return;
		if (ch.in_len == VSOCK_HDR_LEN) {
			/* room for a header only: it carries a credit update */
			rx_hdr(v, c, &h, OP_CREDIT_UPDATE);
			rx_put(v, &ch, &h);
			continue;
		}
		cnt = chain_rx_iov(&ch, credit, iov);
		do
			n = readv(c->fd, iov, cnt);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			virtq_unpop(&d->vq[VSOCK_RXQ]);
			if (n == 0) {
				c->host_eof = 1;
				c->pending |= P_SHUTDOWN;
			} else if (errno != EAGAIN) {
				conn_kill(v, c);
			}
			return;
		}
		rx_hdr(v, c, &h, OP_RW);
		h.len = (uint32_t)n;
		c->to_guest += (uint32_t)n;
		rx_put(v, &ch, &h);
	}
}

/* ---- driver -> device (tx queue) ---- */

/* Move ring bytes into the socket; -1 when the connection died. */
static int ring_flush(struct virtio_vsock *v, struct vsock_conn *c)
{
	while (c->fill) {
		uint32_t chunk = VSOCK_BUF_ALLOC - c->head;
		ssize_t n;

		if (chunk > c->fill)
			chunk = c->fill;
		n = send(c->fd, c->buf + c->head, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			conn_kill(v, c);
			return -1;
		}
		c->head = (c->head + (uint32_t)n) % VSOCK_BUF_ALLOC;
		c->fill -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n;
	}
	/* the guest stalls on credit it has not heard of: tell it early */
	if (c->fwd_cnt - c->fwd_cnt_sent >= VSOCK_BUF_ALLOC / 4)
		c->pending |= P_CREDIT;
	if (c->fill)
		return 0;
	if (c->peer_shut == VSOCK_SHUT_BOTH) {
		/* the guest closed and all it sent is out: done */
		conn_kill(v, c);
		return -1;
	}
	if ((c->peer_shut & VSOCK_SHUT_SEND) && !c->wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = 1;
	}
	return 0;
}

/* RW payload of @len bytes (checked against the chain) into the ring. */
static void guest_data(struct virtio_vsock *v, struct vsock_conn *c,
		       const struct virtq_chain *ch, uint32_t len)
{
	uint32_t tail, first;

	if (len > VSOCK_BUF_ALLOC - c->fill) {
		/* more than the credit we gave */
		conn_kill(v, c);
		return;
	}
	tail = (c->head + c->fill) % VSOCK_BUF_ALLOC;
	first = VSOCK_BUF_ALLOC - tail < len ? VSOCK_BUF_ALLOC - tail : len;
	chain_copy(ch, 0, VSOCK_HDR_LEN, c->buf + tail, first);
	chain_copy(ch, 0, VSOCK_HDR_LEN + first, c->buf, len - first);
	c->fill += len;
	ring_flush(v, c);
}

/* A guest REQUEST to host port h->dst_port: connect to "UDS_PORT". */
static void guest_connect(struct virtio_vsock *v, const struct vsock_hdr *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vsock_conn *c;
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", v->uds, h->dst_port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (n >= (int)sizeof(sa.sun_path) ||
			connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)) {
		close(fd);
		fd = -1;
	}
	c = fd >= 0 ? conn_new(v, fd, C_OPEN) : NULL;
	if (!c) {
		queue_rst(v, h->dst_port, h->src_port);
		return;
	}
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->pending = P_RESPONSE;
}

/* The guest accepted a connection the host asked for. */
static void guest_accepted(struct virtio_vsock *v, struct vsock_conn *c)
{
	char ok[24];
	int n;

	n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);
	/* a fresh socket has room for a line; if not, the host is gone */
	if (send(c->fd, ok, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		conn_kill(v, c);
		return;
	}
	c->state = C_OPEN;
}

static void guest_shutdown(struct virtio_vsock *v, struct vsock_conn *c,
			   uint32_t flags)
{
	c->peer_shut |= flags & VSOCK_SHUT_BOTH;
	ring_flush(v, c);
}

/* One packet of a known connection. */
static void conn_packet(struct virtio_vsock *v, struct vsock_conn *c,
			const struct vsock_hdr *h, const struct virtq_chain *ch)
{
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case OP_RESPONSE:
		if (c->state == C_CONNECTING)
			guest_accepted(v, c);
		else
			conn_kill(v, c);
		break;
	case OP_RW:
		if (c->state != C_OPEN || (c->peer_shut & VSOCK_SHUT_SEND))
			conn_kill(v, c);
		else
			guest_data(v, c, ch, h->len);
		break;
	case OP_CREDIT_UPDATE:
		break;		/* the I/O thread looks at the new credit */
	case OP_CREDIT_REQUEST:
		c->pending |= P_CREDIT;
		break;
	case OP_SHUTDOWN:
		if (c->state == C_OPEN)
			guest_shutdown(v, c, h->flags);
		else
			conn_kill(v, c);
		break;
	case OP_RST:
		conn_close(v, c);	/* no answer to a reset */
		break;
	default:		/* a second REQUEST, INVALID, unknown */
		conn_kill(v, c);
		break;
	}
}

static void tx_packet(struct virtio_vsock *v, const struct virtq_chain *ch)
{
	uint8_t b[VSOCK_HDR_LEN];
	struct vsock_conn *c;
	struct vsock_hdr h;

	if (ch->out_len < VSOCK_HDR_LEN)
		return;		/* not even a header: nothing to answer */
	chain_copy(ch, 0, 0, b, VSOCK_HDR_LEN);
	hdr_parse(b, &h);
	if (h.src_cid != v->cid)
		return;		/* spoofed: dropped, as Firecracker does */
	if (h.dst_cid != VSOCK_HOST_CID || h.type != VSOCK_TYPE_STREAM ||
	    (h.op == OP_RW && h.len > ch->out_len - VSOCK_HDR_LEN)) {
		c = conn_find(v, h.dst_port, h.src_port);
		if (c && h.dst_cid == VSOCK_HOST_CID)
			conn_kill(v, c);
		else if (h.op != OP_RST)
			queue_rst(v, h.dst_port, h.src_port);
		return;
	}
	c = conn_find(v, h.dst_port, h.src_port);
	if (c)
		conn_packet(v, c, &h, ch);
	else if (h.op == OP_REQUEST)
		guest_connect(v, &h);
	else if (h.op != OP_RST)
		queue_rst(v, h.dst_port, h.src_port);
}

static void vsock_tx(struct virtio_vsock *v)
{
	struct virtio_dev *d = &v->vdev;
	struct virtq_chain ch;
	int ret;

	while (!virtio_broken(d)) {
		ret = virtq_pop(&d->vq[VSOCK_TXQ], d->mem, &ch);
		if (ret < 0)
			virtio_needs_reset(d);
		if (ret <= 0)
			break;
		tx_packet(v, &ch);
		virtio_complete(d, VSOCK_TXQ, ch.head, 0);
	}
}

/* ---- host side: the listener and the sockets (I/O thread) ---- */

static uint32_t host_port(struct virtio_vsock *v, uint32_t peer)
{
	uint32_t p;

	do {
		p = v->next_port++;
		if (v->next_port < VSOCK_HOST_PORT0)
			v->next_port = VSOCK_HOST_PORT0;
	} while (conn_find(v, p, peer));
	return p;
}

/* "CONNECT <port>" (the newline stripped); -1 when it is not that */
static int64_t parse_connect(const char *s)
{
	uint64_t port = 0;
	int digits = 0;

	if (strncmp(s, "CONNECT ", 8))
		return -1;
	for (s += 8; *s >= '0' && *s <= '9' && digits < 11; s++, digits++)
		port = port * 10 + (uint64_t)(*s - '0');
	if (*s == '\r')
		s++;
	if (*s || !digits || port > UINT32_MAX)
		return -1;
	return (int64_t)port;
}

/* Read the host's "CONNECT P\n" byte by byte: nothing after it may be
 * taken from the socket before the guest accepted. */
static void host_handshake(struct virtio_vsock *v, struct vsock_conn *c)
{
	int64_t port;
	ssize_t n;
	char ch;

	for (;;) {
		n = recv(c->fd, &ch, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || c->line_len >= VSOCK_LINE_MAX - 1) {
			conn_close(v, c);
			return;
		}
		if (ch == '\n')
			break;
		c->line[c->line_len++] = ch;
	}
	c->line[c->line_len] = 0;
	port = parse_connect(c->line);
	if (port < 0) {
		conn_close(v, c);
		return;
	}
	c->peer_port = (uint32_t)port;
	c->local_port = host_port(v, c->peer_port);
	c->state = C_CONNECTING;
	c->pending |= P_REQUEST;
}

static void host_accept(struct virtio_vsock *v)
{
	int fd;

	while ((fd = accept4(v->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		conn_new(v, fd, C_HANDSHAKE);	/* full: the host sees EOF */
	/* out of fds (or memory) the listener would stay readable: stop
	 * polling it rather than spin */
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		v->accept_paused = 1;
}

static short conn_events(const struct virtio_vsock *v,
			 const struct vsock_conn *c)
{
	short ev = 0;

	if (c->state == C_HANDSHAKE)
		return POLLIN;
	if (c->state != C_OPEN)
		return 0;
	if (!c->host_eof && !(c->peer_shut & VSOCK_SHUT_RCV) &&
	    !v->rx_starved && conn_credit(c))
		ev |= POLLIN;
	if (c->fill)
		ev |= POLLOUT;
	return ev;
}

static void conn_event(struct virtio_vsock *v, struct vsock_conn *c,
		       short revents)
{
	if (revents & (POLLHUP | POLLERR))
		c->hup = 1;
	if (c->state == C_HANDSHAKE) {
		host_handshake(v, c);
		return;
	}
	if (c->state == C_CONNECTING) {
		if (c->hup)
			conn_kill(v, c);
		return;
	}
	if ((revents & POLLOUT) || c->hup) {
		if (ring_flush(v, c) < 0)
			return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rx_data(v, c);
}

struct poll_set {
	struct pollfd pfd[2 + VSOCK_MAX_CONNS];
	struct vsock_conn *conn[2 + VSOCK_MAX_CONNS];
	unsigned int gen[2 + VSOCK_MAX_CONNS];
	int n;
};

/* What to wait for: the eventfd, the listener, then each connection.  A
 * socket that hung up is left out while we want nothing of it (poll
 * would report the hangup forever). */
static void poll_build(struct virtio_vsock *v, struct poll_set *ps)
{
	int i;

	ps->pfd[0] = (struct pollfd){ v->wake, POLLIN, 0 };
	ps->pfd[1] = (struct pollfd){ v->accept_paused ? -1 : v->listen_fd, POLLIN, 0 };
	ps->n = 2;
	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &v->conn[i];
		short ev;

		if (c->state == C_FREE)
			continue;
		ev = conn_events(v, c);
		if (c->hup && !ev)
			continue;
		ps->pfd[ps->n] = (struct pollfd){ c->fd, ev, 0 };
		ps->conn[ps->n] = c;
		ps->gen[ps->n] = c->gen;
		ps->n++;
	}
}

static void vsock_drain_wake(struct virtio_vsock *v)
{
	uint64_t cnt;

	if (read(v->wake, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: a spurious wakeup, nothing lost */
	}
}

static void *vsock_thread(void *arg)
{
	struct virtio_vsock *v = arg;
	struct poll_set *ps = malloc(sizeof(*ps));
	int i;

	if (!ps) {
		virtio_needs_reset(&v->vdev);
		return NULL;
	}
	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&v->lock);
		poll_build(v, ps);
		pthread_mutex_unlock(&v->lock);
		if (poll(ps->pfd, (nfds_t)ps->n, -1) < 0)
			continue;
		if (__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE))
			break;
		pthread_mutex_lock(&v->lock);
		if (ps->pfd[0].revents & POLLIN)
			vsock_drain_wake(v);
		if (ps->pfd[1].revents & POLLIN)
			host_accept(v);
		for (i = 2; i < ps->n; i++) {
			struct vsock_conn *c = ps->conn[i];

			/* the tx path may have closed it meanwhile */
			if (ps->pfd[i].revents && c->state != C_FREE &&
			    c->gen == ps->gen[i])
				conn_event(v, c, ps->pfd[i].revents);
		}
		if (!virtio_broken(&v->vdev))
			rx_flush(v);
		pthread_mutex_unlock(&v->lock);
	}
	free(ps);
	return NULL;
}

/* ---- virtio_dev_ops ---- */

static void vsock_wake(struct virtio_vsock *v)
{
	uint64_t one = 1;

	if (write(v->wake, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the thread is awake anyway */
	}
}

static void vsock_notify(struct virtio_dev *d, int q)
{
	struct virtio_vsock *v = (struct virtio_vsock *)d;

	if (q != VSOCK_TXQ && q != VSOCK_RXQ)
		return;		/* event queue buffers wait for an event */
	pthread_mutex_lock(&v->lock);
	if (q == VSOCK_TXQ)
		vsock_tx(v);
	else
		v->rx_starved = 0;
	if (!virtio_broken(d))
		rx_flush(v);
	pthread_mutex_unlock(&v->lock);
	vsock_wake(v);
}

static void vsock_config_read(struct virtio_dev *d, uint32_t off, void *data,
			      unsigned int len)
{
	struct virtio_vsock *v = (struct virtio_vsock *)d;

	if (off <= sizeof(v->config) && len <= sizeof(v->config) - off)
		memcpy(data, v->config + off, len);
}

static void vsock_start(struct virtio_dev *d)
{
	struct virtio_vsock *v = (struct virtio_vsock *)d;
	sigset_t all, old;

	if (v->running)
		return;
	/* the I/O thread takes no signals: they are the vCPUs' business */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	v->running = pthread_create(&v->thread, NULL, vsock_thread, v) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!v->running)
		virtio_needs_reset(d);
}

static void vsock_thread_stop(struct virtio_vsock *v)
{
	if (!v->running)
		return;
	__atomic_store_n(&v->stop, 1, __ATOMIC_RELEASE);
	vsock_wake(v);
	pthread_join(v->thread, NULL);
	v->running = 0;
	v->stop = 0;
}

/* Every connection goes: the driver that knew them is gone. */
static void vsock_reset(struct virtio_dev *d)
{
	struct virtio_vsock *v = (struct virtio_vsock *)d;
	int i;

	vsock_thread_stop(v);
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < VSOCK_MAX_CONNS; i++)
		if (v->conn[i].state != C_FREE)
			conn_close(v, &v->conn[i]);
	v->nrst = 0;
	v->rx_starved = 0;
	pthread_mutex_unlock(&v->lock);
}

static void vsock_destroy(struct virtio_dev *d)
{
	struct virtio_vsock *v = (struct virtio_vsock *)d;

	vsock_reset(d);
	close(v->listen_fd);
	close(v->wake);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static const struct virtio_dev_ops vsock_ops = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.nqueues = 3,
	.config_len = 8,
	.config_read = vsock_config_read,	/* guest_cid, read-only */
	.notify = vsock_notify,
	.start = vsock_start,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
};

/* The listening socket at @path; a file already there is an error (it
 * may be another VM's). */
static int vsock_listen(const char *path, struct stat *st, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	/* room for "_4294967295" too: the guest's ports are appended */
	if (!path[0] || strlen(path) + 11 >= sizeof(sa.sun_path))
		return err_msg(e, -ENAMETOOLONG, "%s: a unix socket path of at most %zu bytes",
			       path, sizeof(sa.sun_path) - 12);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, -errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = err_set(e, -errno, "%s", path);

		close(fd);
		return ret;
	}
	if (listen(fd, 16) < 0 || lstat(path, st) < 0) {
		int ret = err_set(e, -errno, "%s", path);

		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

int virtio_vsock_create(const struct gmem *mem, uint64_t cid,
			const char *uds, struct virtio_dev **out,
			struct err *e)
{
	struct virtio_vsock *v;
	uint64_t le_cid = htole64(cid);
	struct stat st;
	int ret;

	if (cid < VSOCK_CID_MIN || cid > VSOCK_CID_MAX)
		return err_msg(e, -EINVAL, "CID %llu: between %u and %u",
			       (unsigned long long)cid, VSOCK_CID_MIN, VSOCK_CID_MAX);
	v = calloc(1, sizeof(*v));
	if (!v)
		return err_set(e, -ENOMEM, "virtio-vsock");
	v->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->wake < 0) {
		ret = err_set(e, -errno, "virtio-vsock: eventfd");
		free(v);
		return ret;
	}
	v->listen_fd = vsock_listen(uds, &st, e);
	if (v->listen_fd < 0) {
		ret = v->listen_fd;
		close(v->wake);
		free(v);
		return ret;
	}
	v->uds_dev = st.st_dev;
	v->uds_ino = st.st_ino;
	virtio_dev_init(&v->vdev, &vsock_ops, mem,
			1ULL << VIRTIO_VSOCK_F_STREAM |
			1ULL << VIRTIO_F_INDIRECT_DESC | 1ULL << VIRTIO_F_EVENT_IDX,
			VSOCK_QUEUE_SIZE);
	v->cid = cid;
	snprintf(v->uds, sizeof(v->uds), "%s", uds);
	v->next_port = VSOCK_HOST_PORT0;
	memcpy(v->config, &le_cid, 8);
	pthread_mutex_init(&v->lock, NULL);
	*out = &v->vdev;
	return 0;
}

void virtio_vsock_ident(const struct virtio_dev *d, uint64_t *dev,
			uint64_t *ino)
{
	const struct virtio_vsock *v = (const struct virtio_vsock *)d;

	*dev = v->uds_dev;
	*ino = v->uds_ino;
}
