/*
 * virtio-net (virtio 1.2, 5.1) over a tap fd: queue 0 receives, queue 1
 * transmits, no control queue, no offloads.  Features: MAC (config space
 * holds it), STATUS (link always up), plus the ring features.
 *
 * Every packet carries the 12-byte virtio 1.x net header; the tap is
 * opened with the same header size (tap.c), so frames move between guest
 * buffers and the tap with readv/writev, without a copy.
 *   - transmit runs on the thread of the kick (notify of queue 1).  The
 *     guest's header is not handed to the kernel: we offered no offloads,
 *     so a zeroed header goes in its place.
 *   - receive runs on the device's own I/O thread: poll() on the tap and
 *     on an eventfd that the driver's kicks of queue 0 (new buffers) and
 *     stop requests write.  Only buffers the driver made available are
 *     filled; with none, the tap is left unread (the kernel queues, then
 *     drops) until the next kick.  The thread starts with DRIVER_OK and
 *     is joined on reset and destroy, before the transport forgets the
 *     queues.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio/devices.h"

#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_S_LINK_UP	1

#define NET_HDR_LEN		12	/* struct virtio_net_hdr, num_buffers included */
#define NET_HDR_NUM_BUFFERS	10
#define NET_CONFIG_LEN		10	/* mac, status, max_virtqueue_pairs */
#define NET_QUEUE_SIZE		256
#define NET_RXQ			0
#define NET_TXQ			1

struct virtio_net {
	struct virtio_dev vdev;		/* first: the transport's view */
	int tap;
	int wake;			/* eventfd: kick of the rx queue, stop */
	pthread_t rx_thread;
	int running;			/* rx_thread exists (start/reset/destroy
					 * run on the transport's thread) */
	int stop;			/* tells rx_thread to leave */
	pthread_mutex_t rx_lock;	/* queue 0: rx thread vs reset */
	pthread_mutex_t tx_lock;	/* queue 1: vCPUs may kick together */
	uint8_t config[NET_CONFIG_LEN];
};

/* iovecs for the readable (@writable 0) or writable segments of @c,
 * skipping the first @skip bytes; returns the count. */
static int chain_iov(const struct virtq_chain *c, int writable, uint32_t skip,
		     struct iovec *iov)
{
	int i, n = 0;

	for (i = 0; i < c->n; i++) {
		const struct virtq_seg *s = &c->seg[i];

		if (s->writable != writable)
			continue;
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		iov[n].iov_base = (uint8_t *)s->p + skip;
		iov[n].iov_len = s->len - skip;
		n++;
		skip = 0;
	}
	return n;
}

static void net_tx_one(struct virtio_net *n, const struct virtq_chain *c)
{
	static const uint8_t zero_hdr[NET_HDR_LEN];
	struct iovec iov[VIRTQ_MAX_SEGS + 1];
	int cnt;

	if (c->out_len <= NET_HDR_LEN)
		return;
	iov[0].iov_base = (void *)zero_hdr;
	iov[0].iov_len = NET_HDR_LEN;
	cnt = chain_iov(c, 0, NET_HDR_LEN, iov + 1);
	/* a full tap queue drops the frame, as a wire would */
	while (writev(n->tap, iov, cnt + 1) < 0 && errno == EINTR)
		;
}

static void net_tx(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq_chain c;
	int ret;

	pthread_mutex_lock(&n->tx_lock);
	while (!virtio_broken(d)) {
		ret = virtq_pop(&d->vq[NET_TXQ], d->mem, &c);
		if (ret < 0)
			virtio_needs_reset(d);
		if (ret <= 0)
			break;
		net_tx_one(n, &c);
		virtio_complete(d, NET_TXQ, c.head, 0);
	}
	pthread_mutex_unlock(&n->tx_lock);
}

/* num_buffers = 1 (we never merge buffers); the tap leaves those two
 * bytes of the header alone, and they may straddle two segments. */
static void net_rx_num_buffers(const struct iovec *iov, int cnt)
{
	uint8_t v[2] = { 1, 0 };
	size_t off = NET_HDR_NUM_BUFFERS;
	int i, k = 0;

	for (i = 0; i < cnt && k < 2; i++) {
		uint8_t *p = iov[i].iov_base;

		for (; off < iov[i].iov_len && k < 2; off++)
			p[off] = v[k++];
		off = off >= iov[i].iov_len ? off - iov[i].iov_len : 0;
	}
}

enum rx_result { RX_MOVED, RX_TAP_EMPTY, RX_RING_EMPTY, RX_BROKEN };

/* Move one frame from the tap into the next rx buffer. */
static enum rx_result net_rx_one(struct virtio_net *n)
{
	struct virtio_dev *d = &n->vdev;
	struct virtq *q = &d->vq[NET_RXQ];
	struct iovec iov[VIRTQ_MAX_SEGS];
	struct virtq_chain c;
	ssize_t len;
	int cnt, ret;

	if (virtio_broken(d))
		return RX_BROKEN;
	ret = virtq_pop(q, d->mem, &c);
	if (ret < 0) {
		virtio_needs_reset(d);
		return RX_BROKEN;
	}
	if (!ret)
		return RX_RING_EMPTY;
	cnt = chain_iov(&c, 1, 0, iov);
	if (c.in_len < NET_HDR_LEN) {
		/* no room for a header: a driver bug, give it back empty */
		virtio_complete(d, NET_RXQ, c.head, 0);
		return RX_MOVED;
	}
	do
		len = readv(n->tap, iov, cnt);
	while (len < 0 && errno == EINTR);
	if (len < NET_HDR_LEN) {
		/* nothing read (or a frame too big for the buffer, which the
		 * kernel dropped): the buffer stays available */
		virtq_unpop(q);
		return RX_TAP_EMPTY;
	}
	net_rx_num_buffers(iov, cnt);
	virtio_complete(d, NET_RXQ, c.head, (uint32_t)len);
	return RX_MOVED;
}

/* Fill rx buffers while the tap has frames and the ring has buffers. */
static enum rx_result net_rx(struct virtio_net *n)
{
	enum rx_result r;

	pthread_mutex_lock(&n->rx_lock);
	do
		r = net_rx_one(n);
	while (r == RX_MOVED);
	pthread_mutex_unlock(&n->rx_lock);
	return r;
}

static void *net_rx_thread(void *arg)
{
	struct virtio_net *n = arg;
	struct pollfd pfd[2] = { { n->wake, POLLIN, 0 }, { n->tap, POLLIN, 0 } };
	int tap_wanted = 1;
	uint64_t v;

	while (!__atomic_load_n(&n->stop, __ATOMIC_ACQUIRE)) {
		/* without buffers (or a tap that failed) wait for a kick */
		pfd[1].revents = 0;
		if (poll(pfd, tap_wanted ? 2 : 1, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			if (read(n->wake, &v, sizeof(v)) < 0) {
				/* EAGAIN: a spurious wakeup, nothing lost */
			}
			tap_wanted = 1;
		}
		if (__atomic_load_n(&n->stop, __ATOMIC_ACQUIRE))
			break;
		if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			tap_wanted = 0;
			continue;
		}
		if (tap_wanted)
			tap_wanted = net_rx(n) == RX_TAP_EMPTY;
	}
	return NULL;
}

static void net_wake(struct virtio_net *n)
{
	uint64_t one = 1;

	if (write(n->wake, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the thread is awake anyway */
	}
}

static void net_rx_stop(struct virtio_net *n)
{
	if (!n->running)
		return;
	__atomic_store_n(&n->stop, 1, __ATOMIC_RELEASE);
	net_wake(n);
	pthread_join(n->rx_thread, NULL);
	n->running = 0;
	n->stop = 0;
}

static void net_notify(struct virtio_dev *d, int q)
{
	struct virtio_net *n = (struct virtio_net *)d;

	/* a kick before start only makes the thread look once more */
	if (q == NET_TXQ)
		net_tx(n);
	else if (q == NET_RXQ)
		net_wake(n);
}

static void net_config_read(struct virtio_dev *d, uint32_t off, void *data,
			    unsigned int len)
{
	struct virtio_net *n = (struct virtio_net *)d;

	if (off <= NET_CONFIG_LEN && len <= NET_CONFIG_LEN - off)
		memcpy(data, n->config + off, len);
}

static void net_start(struct virtio_dev *d)
{
	struct virtio_net *n = (struct virtio_net *)d;
	sigset_t all, old;

	if (n->running)
		return;
	/* the I/O thread takes no signals: they are the vCPUs' business */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	n->running = pthread_create(&n->rx_thread, NULL, net_rx_thread, n) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!n->running)
		virtio_needs_reset(d);
}

static void net_reset(struct virtio_dev *d)
{
	struct virtio_net *n = (struct virtio_net *)d;

	net_rx_stop(n);
	/* and wait out a transmit another vCPU is doing */
	pthread_mutex_lock(&n->tx_lock);
	pthread_mutex_unlock(&n->tx_lock);
}

static void net_destroy(struct virtio_dev *d)
{
	struct virtio_net *n = (struct virtio_net *)d;

	net_rx_stop(n);
	close(n->tap);
	close(n->wake);
	pthread_mutex_destroy(&n->rx_lock);
	pthread_mutex_destroy(&n->tx_lock);
	free(n);
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nqueues = 2,
	.config_len = NET_CONFIG_LEN,
	/* read-only: the MAC is written only by legacy drivers */
	.config_read = net_config_read,
	.notify = net_notify,
	.start = net_start,
	.reset = net_reset,
	.destroy = net_destroy,
};

int virtio_net_create(const struct gmem *mem, int tap_fd,
		      const uint8_t mac[6], struct virtio_dev **out,
		      struct err *e)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	uint16_t status = htole16(VIRTIO_NET_S_LINK_UP);
	uint16_t pairs = htole16(1);

	if (!n) {
		close(tap_fd);
		return err_set(e, -ENOMEM, "virtio-net");
	}
	n->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->wake < 0) {
		int ret = err_set(e, -errno, "virtio-net: eventfd");

		close(tap_fd);
		free(n);
		return ret;
	}
	virtio_dev_init(&n->vdev, &net_ops, mem,
			1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS |
			1ULL << VIRTIO_F_INDIRECT_DESC | 1ULL << VIRTIO_F_EVENT_IDX,
			NET_QUEUE_SIZE);
	n->tap = tap_fd;
	memcpy(n->config, mac, 6);
	memcpy(n->config + 6, &status, 2);
	memcpy(n->config + 8, &pairs, 2);
	pthread_mutex_init(&n->rx_lock, NULL);
	pthread_mutex_init(&n->tx_lock, NULL);
	*out = &n->vdev;
	return 0;
}
