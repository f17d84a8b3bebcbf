/*
 * Unit tests for virtio-net (src/virtio/net.c) and tap_open()
 * (src/virtio/tap.c), end to end inside a network namespace of this
 * process's own (unshare; it goes away with the process, nothing is left
 * on the host): the test plays the guest's driver on a fake guest memory,
 * sends an ARP request for the tap's address through the tx queue and
 * waits for the kernel's ARP reply in the rx queue -- first with no rx
 * buffers (the reply must wait in the tap), then after a kick with some.
 * Skipped, with a note, without /dev/net/tun or where a network namespace
 * cannot be made.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/nl.h"
#include "virtio/devices.h"
#include "virtio/tap.h"
#include "test.h"

#define GPA	0x100000ULL
#define MEM	0x80000ULL
#define QSIZE	16
#include "vq_guest.h"
#define RXQ	0
#define TXQ	1
#define RXBUF_LEN 2048
#define RXBUFS	(GPA + 0x10000)
#define TXBUF	(GPA + 0x8000)

static struct gmem gm = { .n = 1 };
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static int irqs;

static void on_interrupt(struct virtio_dev *d, int q)
{
	__atomic_fetch_add(&irqs, 1, __ATOMIC_SEQ_CST);
}

static void send_arp_request(struct virtio_dev *d)
{
	uint8_t *hdr = g(TXBUF), *f = g(TXBUF + 64);
	static const uint8_t spa[4] = { 10, 0, 0, 2 }, tpa[4] = { 10, 0, 0, 1 };

	/* a header the device must not pass on: we negotiated no GSO */
	memset(hdr, 0, 12);
	hdr[0] = 1;	/* NEEDS_CSUM */
	hdr[1] = 4;	/* GSO_TCPV6 */
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = 1;
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tpa, 4);
	desc(TXQ, 0, TXBUF, 12, 1, 1);
	desc(TXQ, 1, TXBUF + 64, 42, 0, 0);
	avail_add(TXQ, 0);
	d->ops->notify(d, TXQ);
}

/* Is used rx entry @i an ARP reply from 10.0.0.1 to us? */
static int is_arp_reply(int i)
{
	uint32_t id = used_elem(RXQ, i, 0), len = used_elem(RXQ, i, 1);
	uint8_t *p = g(RXBUFS + (uint64_t)id * RXBUF_LEN), *f = p + 12;
	uint16_t nbuf;

	memcpy(&nbuf, p + 10, 2);
	return id < QSIZE && len >= 12 + 42 && nbuf == 1 && !memcmp(f, mac, 6) &&
	       f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
	       f[28] == 10 && f[29] == 0 && f[30] == 0 && f[31] == 1;
}

/* Wait up to @ms for an ARP reply among the used rx entries from @from. */
static int wait_arp_reply(int from, int ms)
{
	for (int t = 0; t < ms; t++) {
		for (int i = from; i != used_idx(RXQ); i++)
			if (is_arp_reply(i))
				return 1;
		usleep(1000);
	}
	return 0;
}

static void add_rx_buffers(int first, int n)
{
	for (int i = first; i < first + n; i++) {
		/* header and frame in separate buffers, as a driver may */
		desc(RXQ, i, RXBUFS + (uint64_t)i * RXBUF_LEN, 10, 3, (uint16_t)(i + QSIZE / 2));
		desc(RXQ, i + QSIZE / 2, RXBUFS + (uint64_t)i * RXBUF_LEN + 10, RXBUF_LEN - 10, 2, 0);
		avail_add(RXQ, (uint16_t)i);
	}
}

static void test_tap(void)
{
	struct err e = { 0 };
	char name[IFNAMSIZ];
	int fd;

	fd = tap_open(NULL, NULL, name, &e);
	test_assert(fd >= 0 && !strncmp(name, "tap", 3), "the kernel names an unnamed tap");
	if (fd >= 0)
		close(fd);
	test_assert(nl_bridge_add("vbr0", &e) == 0, "a bridge for the tap");
	fd = tap_open("vtap1", "vbr0", name, &e);
	test_assert(fd >= 0 && !strcmp(name, "vtap1"), "a tap attached to a bridge");
	if (fd >= 0)
		close(fd);
	test_assert(tap_open("vtap2", "nobridge", name, &e) == -ENODEV,
		    "a missing bridge is an error");
	test_assert(!nl_link_exists("vtap2"), "and leaves no tap behind");
	test_assert(tap_open("0123456789abcdefg", NULL, name, &e) == -EINVAL,
		    "a name too long is refused");
}

static void test_net(void)
{
	struct virtio_dev *d;
	struct err e = { 0 };
	char name[IFNAMSIZ];
	uint8_t cfg[10];
	uint16_t before;
	int fd;

	fd = tap_open("vtap0", NULL, name, &e);
	test_assert(fd >= 0, "tap vtap0 opens");
	if (fd < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	test_assert(nl_addr_add("vtap0", 0x0a000001, 24, &e) == 0, "the tap gets 10.0.0.1/24");
	test_assert(virtio_net_create(&gm, fd, mac, &d, &e) == 0, "a virtio-net is created");
	test_assert(d->ops->device_id == 1 && d->ops->nqueues == 2, "device id 1, two queues");
	test_assert((d->host_features >> 5 & 1) && (d->host_features >> 16 & 1),
		    "MAC and STATUS offered");
	d->ops->config_read(d, 0, cfg, 8);
	test_assert(!memcmp(cfg, mac, 6) && cfg[6] == 1 && cfg[7] == 0,
		    "config: the MAC, link up");

	d->interrupt = on_interrupt;
	vq_driver_ok(d, 2);
	virtio_start(d);
	d->ops->notify(d, RXQ);

	send_arp_request(d);
	test_assert(used_idx(TXQ) == 1 && used_elem(TXQ, 0, 0) == 0,
		    "the frame was sent and its buffer used");
	usleep(200 * 1000);
	test_assert(used_idx(RXQ) == 0, "without rx buffers nothing is received");

	add_rx_buffers(0, QSIZE / 2);
	d->ops->notify(d, RXQ);
	test_assert(wait_arp_reply(0, 2000), "after a kick the ARP reply arrives, num_buffers 1");
	test_assert(__atomic_load_n(&irqs, __ATOMIC_SEQ_CST) >= 2, "the driver was interrupted");

	/* a second round trip on the running device */
	before = used_idx(RXQ);
	send_arp_request(d);
	test_assert(used_idx(TXQ) == 2, "a second frame is sent");
	test_assert(wait_arp_reply(before, 2000) || before == QSIZE / 2,
		    "and answered while buffers last");

	d->ops->reset(d);
	test_assert(!virtio_broken(d), "the driver never broke a rule");
	virtio_start(d);	/* start again after a reset, then destroy */
	d->ops->destroy(d);
	test_assert(!nl_link_exists("vtap0"), "the tap is gone with the device");
}

int main(void)
{
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("virtio_net: no /dev/net/tun (%s): skipped\n", strerror(errno));
		return test_report();
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("virtio_net: no network namespace (%s): skipped\n", strerror(errno));
		return test_report();
	}
	host = calloc(1, MEM);
	gm.r[0] = (struct gmem_region){ GPA, MEM, host };
	test_tap();
	test_net();
	free(host);
	return test_report();
}
