/*
 * virtio -- a 64-bit test guest with a tiny virtio-pci driver.
 *
 * Enumerates bus 0 over configuration mechanism #1 and prints each
 * function ("pci 00:01.0 1af4:1042 class 010000"), then drives every
 * virtio device it knows through the modern virtio-pci transport:
 *   - virtio-blk: prints the capacity and the first 16 bytes of sector 0;
 *     with "write" on the command line it writes sectors 1, 2 and 9 full
 *     of 0xa0 + sector, flushes, reads them back and compares;
 *   - virtio-rng: prints 16 random bytes;
 *   - virtio-net: prints its MAC, sends an ARP request for 10.0.2.2 (as
 *     10.0.2.15) and waits for the reply on the receive queue;
 *   - virtio-vsock: prints its CID, connects from port 5000 to host port
 *     1234, sends "hello from the guest\n", prints what the host answers,
 *     shuts the connection down; then accepts a connection the host opens
 *     to guest port 52, prints what comes on it and resets it.
 * Requests are polled on the used ring; the interrupt the device raised
 * is then checked in the PCI status (INTx pending), cleared by reading
 * the ISR; with "msix" on the command line the guest instead turns MSI-X
 * on and counts the interrupts its IDT handler takes; with "intx" it
 * routes the device's INTx line (Interrupt Line register) through the
 * I/O APIC as a level interrupt and counts those, its handler reading
 * the ISR to lower the line.
 * Ends with debug-exit 0, or 3 when something did not work.
 */
#include "guest.h"

#define QSZ		8
#define VIRTQ_F_NEXT	1
#define VIRTQ_F_WRITE	2
#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_T_FLUSH	4
#define BLK_F_RO	5
#define BLK_F_FLUSH	9
#define MSI_VECTOR	0x40
#define INTX_VECTOR	0x41

void main(const struct hvm_start_info *si);
void *memset(void *s, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
unsigned long strlen(const char *s);
void irq_entry(void);
void irq_handler(void);
void intx_entry(void);
void intx_handler(void);

struct desc {
	u64 addr;
	u32 len;
	u16 flags, next;
};

struct vq {
	struct desc d[QSZ];
	u16 avail_flags, avail_idx, avail_ring[QSZ], used_event;
	u8 pad[4096 - 16 * QSZ - 6 - 2 * QSZ];
	volatile u16 used_flags, used_idx;
	volatile struct { u32 id, len; } used_ring[QSZ];
	u16 last_used;
} __attribute__((aligned(4096)));

struct vdev {
	int slot;
	volatile u8 *common, *isr, *devcfg, *notify;
	u32 mult;
	struct vq *q[3];
	volatile u8 *qnotify[3];
};

static struct vq queues[8];
static int nqueues, failed, use_msix, use_intx;
static volatile int msix_count, intx_count;
static volatile u8 *cur_isr;	/* the device the INTx handler serves */
static u8 sector[512];

void *memset(void *s, int c, unsigned long n)
{
	u8 *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

unsigned long strlen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void conf_addr(int slot, int off)
{
	outl(0xcf8, 0x80000000u | slot << 11 | (off & 0xfc));
}

static u32 cfg32(int slot, int off)
{
	conf_addr(slot, off);
	return inl(0xcfc);
}

static u16 cfg16(int slot, int off)
{
	conf_addr(slot, off);
	return inw(0xcfc + (off & 2));
}

static u8 cfg8(int slot, int off)
{
	conf_addr(slot, off);
	return inb(0xcfc + (off & 3));
}

static void cfg_write16(int slot, int off, u16 v)
{
	conf_addr(slot, off);
	outw(0xcfc + (off & 2), v);
}

static void puthexn(u64 v, int digits)
{
	while (digits--) {
		int d = (v >> (4 * digits)) & 0xf;

		putc(d < 10 ? '0' + d : 'a' + d - 10);
	}
}

static void fail(const char *what)
{
	puts("FAIL ");
	puts(what);
	putc('\n');
	failed = 1;
}

static inline void barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static u64 bar_addr(int slot, int bar)
{
	u32 lo = cfg32(slot, 0x10 + 4 * bar);
	u64 a = lo & ~0xfu;

	if ((lo & 6) == 4)
		a |= (u64)cfg32(slot, 0x14 + 4 * bar) << 32;
	return a;
}

static void w8(volatile u8 *b, int off, u8 v) { b[off] = v; }
static void w16(volatile u8 *b, int off, u16 v) { *(volatile u16 *)(b + off) = v; }
static void w32(volatile u8 *b, int off, u32 v) { *(volatile u32 *)(b + off) = v; }
static u8 r8(volatile u8 *b, int off) { return b[off]; }
static u16 r16(volatile u8 *b, int off) { return *(volatile u16 *)(b + off); }
static u32 r32(volatile u8 *b, int off) { return *(volatile u32 *)(b + off); }

static void w64(volatile u8 *b, int off, u64 v)
{
	w32(b, off, (u32)v);	/* two halves, as the spec asks */
	w32(b, off + 4, v >> 32);
}

/* The virtio vendor capabilities: where each structure is. */
static int find_caps(struct vdev *v)
{
	int p = cfg8(v->slot, 0x34);

	while (p) {
		if (cfg8(v->slot, p) == 0x09) {
			int type = cfg8(v->slot, p + 3);
			volatile u8 *at = (volatile u8 *)(bar_addr(v->slot, cfg8(v->slot, p + 4)) +
							  cfg32(v->slot, p + 8));

			if (type == 1)
				v->common = at;
			else if (type == 2) {
				v->notify = at;
				v->mult = cfg32(v->slot, p + 16);
			} else if (type == 3)
				v->isr = at;
			else if (type == 4)
				v->devcfg = at;
		}
		p = cfg8(v->slot, p + 1);
	}
	return v->common && v->notify && v->isr;
}

static int msix_cap(int slot)
{
	int p = cfg8(slot, 0x34);

	while (p && cfg8(slot, p) != 0x11)
		p = cfg8(slot, p + 1);
	return p;
}

/* MSI-X: entry 0 for queue 0, to the boot CPU's LAPIC, MSI_VECTOR. */
static void msix_setup(struct vdev *v)
{
	int cap = msix_cap(v->slot);
	u32 table = cfg32(v->slot, cap + 4);
	volatile u8 *t = (volatile u8 *)(bar_addr(v->slot, table & 7) + (table & ~7u));

	w32(t, 0, 0xfee00000);
	w32(t, 4, 0);
	w32(t, 8, MSI_VECTOR);
	w32(t, 12, 0);		/* unmasked */
	cfg_write16(v->slot, cap + 2, 0x8000);
}

/* Queue @qi: QSZ entries in queues[], its vector, enabled. */
static int queue_setup(struct vdev *v, int qi)
{
	volatile u8 *c = v->common;
	struct vq *q;

	q = v->q[qi] = &queues[nqueues++];
	w16(c, 0x16, qi);
	if (r16(c, 0x18) < QSZ) {
		fail("queue too small");
		return -1;
	}
	w16(c, 0x18, QSZ);
	if (use_msix)
		w16(c, 0x1a, 0);
	w64(c, 0x20, (u64)q->d);
	w64(c, 0x28, (u64)&q->avail_flags);
	w64(c, 0x30, (u64)&q->used_flags);
	v->qnotify[qi] = v->notify + r16(c, 0x1e) * v->mult;
	w16(c, 0x1c, 1);
	return 0;
}

/* I/O APIC pin @pin: level, active high, fixed, to APIC id 0, @vector */
static void ioapic_route(int pin, u8 vector)
{
	volatile u32 *sel = (volatile u32 *)0xfec00000, *win = sel + 4;

	*sel = 0x11 + 2 * pin;
	*win = 0;
	*sel = 0x10 + 2 * pin;
	*win = vector | 1 << 15;
}

/* Reset, features, @nq queues, DRIVER_OK; the accepted features back. */
static u64 virtio_init(struct vdev *v, u64 want, int nq)
{
	volatile u8 *c = v->common;
	u64 have, acc;
	int i;

	cfg_write16(v->slot, 4, cfg16(v->slot, 4) | 6);	/* memory, master */
	w8(c, 0x14, 0);
	while (r8(c, 0x14))
		;
	w8(c, 0x14, S_ACK);
	w8(c, 0x14, S_ACK | S_DRIVER);
	w32(c, 0x00, 0);
	have = r32(c, 0x04);
	w32(c, 0x00, 1);
	have |= (u64)r32(c, 0x04) << 32;
	acc = have & (want | 1ULL << 32);
	w32(c, 0x08, 0);
	w32(c, 0x0c, (u32)acc);
	w32(c, 0x08, 1);
	w32(c, 0x0c, acc >> 32);
	w8(c, 0x14, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(r8(c, 0x14) & S_FEATURES_OK)) {
		fail("FEATURES_OK not accepted");
		return 0;
	}
	if (use_msix) {
		msix_setup(v);
		w16(c, 0x10, 0xffff);	/* no config vector */
	}
	if (use_intx) {
		cur_isr = v->isr;
		ioapic_route(cfg8(v->slot, 0x3c), INTX_VECTOR);
	}
	for (i = 0; i < nq; i++)
		if (queue_setup(v, i) < 0)
			return 0;
	w8(c, 0x14, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return acc;
}

/* Make the chain at descriptor @head available on queue @qi, kick. */
static void kick(struct vdev *v, int qi, u16 head)
{
	struct vq *q = v->q[qi];

	q->avail_ring[q->avail_idx % QSZ] = head;
	barrier();
	q->avail_idx++;
	barrier();
	w16(v->qnotify[qi], 0, qi);
}

/* The next used element of queue @qi: 1 with its id and length, 0 when
 * nothing came within @spins polls. */
static int wait_used(struct vdev *v, int qi, long spins, u32 *id, u32 *len)
{
	struct vq *q = v->q[qi];

	while (q->used_idx == q->last_used)
		if (--spins < 0)
			return 0;
	barrier();
	*id = q->used_ring[q->last_used % QSZ].id;
	*len = q->used_ring[q->last_used % QSZ].len;
	q->last_used++;
	return 1;
}

/* The chain at descriptor 0 of queue 0: in, kick, wait. */
static u32 submit(struct vdev *v)
{
	u32 id, len;

	kick(v, 0, 0);
	if (!wait_used(v, 0, 1000000, &id, &len)) {
		fail("no answer from the device");
		return 0;
	}
	return len;
}

/* The device raised its interrupt: INTx pending in the PCI status and
 * the ISR until the ISR is read (or, with MSI-X, an IDT hit). */
static void check_irq(struct vdev *v, const char *who)
{
	int before = !!(cfg16(v->slot, 6) & 8), isr, after;

	if (use_msix || use_intx)
		return;
	isr = r8(v->isr, 0);
	after = !!(cfg16(v->slot, 6) & 8);
	if (!before || !(isr & 1) || after || r8(v->isr, 0)) {
		fail("INTx state");
		return;
	}
	puts(who);
	puts(" intx raised, isr 1, lowered by reading it\n");
}

static u8 blk_req(struct vdev *v, u32 type, u64 sec, void *buf, u32 len)
{
	static struct { u32 type, reserved; u64 sector; } hdr;
	static volatile u8 status;
	struct desc *d = v->q[0]->d;
	int st = len ? 2 : 1;

	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sec;
	status = 0xff;
	d[0].addr = (u64)&hdr;
	d[0].len = sizeof(hdr);
	d[0].flags = VIRTQ_F_NEXT;
	d[0].next = 1;
	if (len) {
		d[1].addr = (u64)buf;
		d[1].len = len;
		d[1].flags = VIRTQ_F_NEXT | (type == BLK_T_IN ? VIRTQ_F_WRITE : 0);
		d[1].next = 2;
	}
	d[st].addr = (u64)&status;
	d[st].len = 1;
	d[st].flags = VIRTQ_F_WRITE;
	d[st].next = 0;
	if (!len)
		d[0].next = st;
	submit(v);
	return status;
}

static void blk_write_test(struct vdev *v)
{
	static const int secs[] = { 1, 2, 9 };
	int i, j, st;

	for (i = 0; i < 3; i++) {
		memset(sector, 0xa0 + secs[i], 512);
		st = blk_req(v, BLK_T_OUT, secs[i], sector, 512);
		puts("blk write sector ");
		putdec(secs[i]);
		puts(" status ");
		putdec(st);
		putc('\n');
	}
	puts("blk flush status ");
	putdec(blk_req(v, BLK_T_FLUSH, 0, 0, 0));
	putc('\n');
	for (i = 0; i < 3; i++) {
		blk_req(v, BLK_T_IN, secs[i], sector, 512);
		for (j = 0; j < 512 && sector[j] == 0xa0 + secs[i]; j++)
			;
		puts(j == 512 ? "blk readback sector " : "blk readback differs sector ");
		putdec(secs[i]);
		putc('\n');
	}
}

static void blk(struct vdev *v, const char *cl)
{
	u64 f = virtio_init(v, 1ULL << BLK_F_RO | 1ULL << BLK_F_FLUSH, 1);
	int i, st;

	if (failed)
		return;
	puts("blk capacity ");
	putdec(r32(v->devcfg, 0) | (u64)r32(v->devcfg, 4) << 32);
	puts(f & (1ULL << BLK_F_RO) ? " sectors, read-only\n" : " sectors\n");
	st = blk_req(v, BLK_T_IN, 0, sector, 512);
	puts("blk sector 0 status ");
	putdec(st);
	puts(" \"");
	for (i = 0; i < 16; i++)
		putc(sector[i] >= 32 && sector[i] < 127 ? sector[i] : '.');
	puts("\"\n");
	check_irq(v, "blk");
	if (cmdline_arg(cl, "write"))
		blk_write_test(v);
}

static void rng(struct vdev *v)
{
	static u8 buf[16];
	struct desc *d;
	u32 n;
	int i;

	virtio_init(v, 0, 1);
	if (failed)
		return;
	d = v->q[0]->d;
	d[0].addr = (u64)buf;
	d[0].len = sizeof(buf);
	d[0].flags = VIRTQ_F_WRITE;
	n = submit(v);
	puts("rng ");
	putdec(n);
	puts(" bytes ");
	for (i = 0; i < 16; i++)
		puthexn(buf[i], 2);
	putc('\n');
	check_irq(v, "rng");
}

static void putmac(const volatile u8 *m)
{
	int i;

	for (i = 0; i < 6; i++) {
		puthexn(m[i], 2);
		if (i < 5)
			putc(':');
	}
}

static int is_arp_reply(const u8 *f, u32 len)
{
	return len >= 42 && f[12] == 8 && f[13] == 6 && f[20] == 0 && f[21] == 2 &&
	       f[28] == 10 && f[29] == 0 && f[30] == 2 && f[31] == 2;
}

/* rx is queue 0, tx queue 1; frames carry a 12-byte virtio-net header */
static void net(struct vdev *v)
{
	static u8 rx[2][12 + 1514], tx[12 + 42];
	static const u8 arp[] = { 8, 6, 0, 1, 8, 0, 6, 4, 0, 1 };
	struct desc *rd, *td;
	u8 *f = tx + 12;
	u32 id, len;
	int i, tries;

	virtio_init(v, 1ULL << 5 /* MAC */, 2);
	if (failed)
		return;
	puts("net mac ");
	putmac(v->devcfg);
	putc('\n');
	rd = v->q[0]->d;
	for (i = 0; i < 2; i++) {
		rd[i].addr = (u64)rx[i];
		rd[i].len = sizeof(rx[i]);
		rd[i].flags = VIRTQ_F_WRITE;
		kick(v, 0, i);
	}
	memset(f, 0xff, 6);			/* broadcast */
	for (i = 0; i < 6; i++)
		f[6 + i] = f[22 + i] = v->devcfg[i];
	memcpy(f + 12, arp, sizeof(arp));
	f[28] = 10, f[29] = 0, f[30] = 2, f[31] = 15;	/* 10.0.2.15 */
	memset(f + 32, 0, 6);
	f[38] = 10, f[39] = 0, f[40] = 2, f[41] = 2;	/* who has 10.0.2.2 */
	td = v->q[1]->d;
	td[0].addr = (u64)tx;
	td[0].len = sizeof(tx);
	td[0].flags = 0;
	kick(v, 1, 0);
	if (!wait_used(v, 1, 1000000, &id, &len)) {
		fail("net: the frame was not sent");
		return;
	}
	puts("net sent arp request\n");
	for (tries = 0; tries < 16; tries++) {
		if (!wait_used(v, 0, 3000000, &id, &len) || id > 1)
			break;
		if (is_arp_reply(rx[id] + 12, len - 12)) {
			puts("net arp reply: 10.0.2.2 is at ");
			putmac(rx[id] + 12 + 22);
			putc('\n');
			return;
		}
		kick(v, 0, id);		/* not for us: the buffer goes back */
	}
	fail("net: no arp reply");
}

/* virtio-vsock: rx queue 0, tx queue 1, event queue 2 (left empty) */
struct vsock_hdr {
	u64 src_cid, dst_cid;
	u32 src_port, dst_port, len;
	u16 type, op;
	u32 flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

enum { VS_REQUEST = 1, VS_RESPONSE, VS_RST, VS_SHUTDOWN, VS_RW };

#define VS_RXBUF	256
#define VS_SPINS	4000000000L

static u64 vs_cid;
static u32 vs_fwd[2];	/* bytes taken, connection to 1234 and from the host */

/* Send one packet of ours; @data may be 0. */
static void vs_send(struct vdev *v, u16 op, u32 src, u32 dst, u32 flags,
		    const char *data, u32 len, u32 fwd)
{
	static struct vsock_hdr h;
	static char payload[64];
	struct desc *d = v->q[1]->d;
	u32 id, n;

	memset(&h, 0, sizeof(h));
	h.src_cid = vs_cid;
	h.dst_cid = 2;
	h.src_port = src;
	h.dst_port = dst;
	h.len = len;
	h.type = 1;
	h.op = op;
	h.flags = flags;
	h.buf_alloc = 4096;
	h.fwd_cnt = fwd;
	memcpy(payload, data, len);
	d[0].addr = (u64)&h;
	d[0].len = sizeof(h);
	d[0].flags = len ? VIRTQ_F_NEXT : 0;
	d[0].next = 1;
	d[1].addr = (u64)payload;
	d[1].len = len;
	d[1].flags = 0;
	kick(v, 1, 0);
	if (!wait_used(v, 1, VS_SPINS, &id, &n))
		fail("vsock: a packet was not sent");
}

static void vs_print(const char *what, const u8 *p, u32 len)
{
	u32 i;

	puts(what);
	for (i = 0; i < len; i++)
		if (p[i] >= 32 && p[i] < 127)
			putc(p[i]);
	putc('\n');
}

/* One packet from the host; returns 1 when the run is over. */
static int vs_packet(struct vdev *v, const struct vsock_hdr *h, const u8 *p)
{
	int c = h->dst_port == 52;

	if (h->op == VS_RESPONSE && h->src_port == 1234) {
		puts("vsock connected to host port 1234\n");
		vs_send(v, VS_RW, 5000, 1234, 0, "hello from the guest\n", 21, 0);
	} else if (h->op == VS_REQUEST && c) {
		puts("vsock host connects to port 52\n");
		vs_send(v, VS_RESPONSE, 52, h->src_port, 0, 0, 0, 0);
	} else if (h->op == VS_RW) {
		vs_fwd[c] += h->len;
		vs_print(c ? "vsock port 52 got: " : "vsock host says: ", p, h->len);
		if (c) {
			vs_send(v, VS_RST, 52, h->src_port, 0, 0, 0, vs_fwd[c]);
			return 1;
		}
		vs_send(v, VS_SHUTDOWN, 5000, 1234, 3, 0, 0, vs_fwd[c]);
	} else if (h->op == VS_RST && h->src_port == 1234) {
		puts("vsock port 1234 closed\n");
	} else if (h->op == VS_SHUTDOWN) {
		vs_send(v, VS_RST, h->dst_port, h->src_port, 0, 0, 0, vs_fwd[c]);
	}
	return 0;
}

static void vsock(struct vdev *v)
{
	static u8 rx[4][VS_RXBUF];
	struct desc *rd;
	u32 id, len;
	int i;

	virtio_init(v, 0, 3);
	if (failed)
		return;
	vs_cid = r32(v->devcfg, 0) | (u64)r32(v->devcfg, 4) << 32;
	puts("vsock cid ");
	putdec(vs_cid);
	putc('\n');
	rd = v->q[0]->d;
	for (i = 0; i < 4; i++) {
		rd[i].addr = (u64)rx[i];
		rd[i].len = VS_RXBUF;
		rd[i].flags = VIRTQ_F_WRITE;
		kick(v, 0, i);
	}
	vs_send(v, VS_REQUEST, 5000, 1234, 0, 0, 0, 0);
	for (;;) {
		const struct vsock_hdr *h;

		if (!wait_used(v, 0, VS_SPINS, &id, &len) || id > 3 ||
		    len < sizeof(*h) || len > VS_RXBUF) {
			fail("vsock: no packet from the host");
			return;
		}
		h = (const struct vsock_hdr *)rx[id];
		if (h->dst_cid != vs_cid || len != sizeof(*h) + h->len) {
			fail("vsock: a bad packet");
			return;
		}
		if (vs_packet(v, h, rx[id] + sizeof(*h)))
			return;
		kick(v, 0, id);
	}
}

/* IDT with one interrupt gate (MSI_VECTOR), LAPIC on, PIC masked. */
static struct { u16 lo, sel; u8 ist, attr; u16 mid; u32 hi, zero; } idt[256]
	__attribute__((aligned(16)));

#define IRQ_STUB(entry, handler)					\
	__asm__(".text\n.globl " #entry "\n" #entry ":\n"		\
		"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n" \
		"push %r8\npush %r9\npush %r10\npush %r11\n"		\
		"call " #handler "\n"					\
		"pop %r11\npop %r10\npop %r9\npop %r8\n"		\
		"pop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\niretq\n")
IRQ_STUB(irq_entry, irq_handler);
IRQ_STUB(intx_entry, intx_handler);

void irq_handler(void)
{
	msix_count++;
	*(volatile u32 *)0xfee000b0 = 0;	/* LAPIC EOI */
}

/* Reading the ISR lowers the line before the EOI, so the level
 * interrupt does not come straight back. */
void intx_handler(void)
{
	if (cur_isr)
		(void)*cur_isr;
	intx_count++;
	*(volatile u32 *)0xfee000b0 = 0;
}

static void set_gate(int vec, void (*entry)(void), u16 cs)
{
	u64 h = (u64)entry;

	idt[vec].lo = h;
	idt[vec].sel = cs;
	idt[vec].attr = 0x8e;
	idt[vec].mid = h >> 16;
	idt[vec].hi = h >> 32;
}

static void interrupts_on(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (u64)idt };
	u16 cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	set_gate(MSI_VECTOR, irq_entry, cs);
	set_gate(INTX_VECTOR, intx_entry, cs);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	outb(0x21, 0xff);	/* both PICs masked */
	outb(0xa1, 0xff);
	*(volatile u32 *)0xfee00350 = 0x10000;	/* LVT LINT0 masked */
	*(volatile u32 *)0xfee000f0 = 0x1ff;	/* APIC software enable */
	__asm__ volatile("sti");
}

void main(const struct hvm_start_info *si)
{
	const char *cl = si && si->magic == 0x336ec578 ?
			 (const char *)si->cmdline_paddr : 0;
	struct vdev devs[8];
	int n = 0, slot, i;

	use_msix = cmdline_arg(cl, "msix") != 0;
	use_intx = !use_msix && cmdline_arg(cl, "intx") != 0;
	if (use_msix || use_intx)
		interrupts_on();
	for (slot = 0; slot < 32; slot++) {
		u32 id = cfg32(slot, 0);

		if ((id & 0xffff) == 0xffff)
			continue;
		puts("pci 00:");
		puthexn(slot, 2);
		puts(".0 ");
		puthexn(id & 0xffff, 4);
		putc(':');
		puthexn(id >> 16, 4);
		puts(" class ");
		puthexn(cfg32(slot, 8) >> 8, 6);
		putc('\n');
		if ((id & 0xffff) == 0x1af4 && n < 8) {
			memset(&devs[n], 0, sizeof(devs[n]));
			devs[n++].slot = slot;
		}
	}
	for (i = 0; i < n && !failed; i++) {
		u16 dev = cfg32(devs[i].slot, 0) >> 16;

		if (!find_caps(&devs[i])) {
			fail("virtio capabilities");
			break;
		}
		if (dev == 0x1042)
			blk(&devs[i], cl);
		else if (dev == 0x1044)
			rng(&devs[i]);
		else if (dev == 0x1041)
			net(&devs[i]);
		else if (dev == 0x1053)
			vsock(&devs[i]);
	}
	if (use_msix) {
		puts("msix interrupts ");
		putdec(msix_count);
		putc('\n');
	}
	if (use_intx) {
		puts("intx interrupts ");
		putdec(intx_count);
		putc('\n');
	}
	puts(failed ? "virtio guest failed\n" : "virtio guest done\n");
	debug_exit(failed ? 3 : 0);
}
