/*
 * rv-hello -- the riscv64 machine's smoke test guest (S-mode, no MMU):
 * prints through the SBI (legacy putchar and DBCN) and the 16550A UART,
 * checks a0/a1 (hart 0, the DTB's magic), the SBI base extension, the
 * time CSR and an SBI timer interrupt (sip.STIP), starts the other harts
 * (SBI HSM) and sends each an IPI (hart 1 is stopped and started twice),
 * then ends as /chosen/bootargs says:
 *	end=shutdown (default)	SBI SRST shutdown
 *	end=reboot		SBI SRST cold reboot
 *	end=legacy		legacy SBI shutdown (0x08)
 *	end=exit:N		the test device, exit code N (1..9)
 *	end=spin		loop forever (--timeout)
 *	end=crash		jump to an address where nothing is
 * Then every virtio-mmio device it finds (0x10001000 + 0x1000 n) gets one
 * request, completed through the PLIC (sip.SEIP polled, claim, complete):
 * virtio-rng 16 bytes ("rng n: 16 bytes, irq k"), virtio-blk sector 0
 * ("blk n: sector 0 "<first 16 bytes>"").
 * A failed check ends through the test device with exit 3.
 */
#include <stdint.h>

#define UART		((volatile uint8_t *)0x10000000)
#define TEST_DEV	((volatile uint32_t *)0x100000)

struct sbiret {
	long error, value;
};

static struct sbiret sbi(long ext, long fid, long a0, long a1, long a2)
{
	register long r0 asm("a0") = a0;
	register long r1 asm("a1") = a1;
	register long r2 asm("a2") = a2;
	register long r6 asm("a6") = fid;
	register long r7 asm("a7") = ext;

	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ r0, r1 };
}

static void sbi_putc(char c)
{
	sbi(0x01, 0, c, 0, 0);
}

static void sbi_puts(const char *s)
{
	while (*s)
		sbi_putc(*s++);
}

static void uart_puts(const char *s)
{
	for (; *s; s++) {
		while (!(UART[5] & 0x20))
			;
		UART[0] = *s;
	}
}

static void hex(char *buf, uint64_t v)
{
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	buf[18] = 0;
}

static void fail(const char *what)
{
	sbi_puts("FAIL ");
	sbi_puts(what);
	sbi_putc('\n');
	*TEST_DEV = (3 << 16) | 0x3333;
	for (;;)
		;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t rdtime(void)
{
	uint64_t t;

	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

static void timer_check(void)
{
	uint64_t sip, t0 = rdtime();
	long i;

	if (sbi(0x10, 3, 0x54494d45, 0, 0).value != 1)
		fail("TIME extension");
	sbi(0x54494d45, 0, t0 + 10000, 0, 0);	/* 1 ms */
	for (i = 0; i < 100000000; i++) {
		asm volatile("csrr %0, sip" : "=r"(sip));
		if (sip & (1 << 5))
			break;
	}
	if (!(sip & (1 << 5)))
		fail("no STIP after set_timer");
	if (rdtime() - t0 < 10000)
		fail("STIP before the deadline");
	sbi(0x54494d45, 0, ~0UL, 0, 0);
	asm volatile("csrr %0, sip" : "=r"(sip));
	if (sip & (1 << 5))
		fail("set_timer did not clear STIP");
	sbi_puts("timer ok\n");
}

#define MAX_HARTS	8
#define FDT_PROP	3
#define FDT_END		9

uint8_t rv_stacks[MAX_HARTS][4096] __attribute__((aligned(16)));
static volatile int hart_up[MAX_HARTS];
void rv_secondary_entry(void);
void rv_secondary(uint64_t hartid, uint64_t opaque);

/* A secondary hart: say so, wait for hart 0's IPI, stop. */
void rv_secondary(uint64_t hartid, uint64_t opaque)
{
	uint64_t sip;

	if (hartid >= MAX_HARTS || opaque != 0x5eed + hartid)
		return;
	__atomic_store_n(&hart_up[hartid], 1, __ATOMIC_SEQ_CST);
	do
		asm volatile("csrr %0, sip" : "=r"(sip));
	while (!(sip & 2));
	asm volatile("csrc sip, %0" : : "r"(2UL));
	__atomic_store_n(&hart_up[hartid], 2, __ATOMIC_SEQ_CST);
	sbi(0x48534d, 1, 0, 0, 0);	/* hart_stop */
	for (;;)
		;
}

static int wait_for(int h, int v)
{
	long i;

	for (i = 0; i < 200000000; i++)
		if (__atomic_load_n(&hart_up[h], __ATOMIC_SEQ_CST) == v)
			return 1;
	return 0;
}

static void smp_check(void)
{
	struct sbiret r;
	int h, n = 1;
	long i;

	for (h = 1; h < MAX_HARTS; h++) {
		r = sbi(0x48534d, 0, h, 0x1000, 0);
		if (r.error != -3 && r.error != -5)
			fail("hart_start outside RAM is not INVALID_ADDRESS");
		r = sbi(0x48534d, 0, h, (long)rv_secondary_entry, 0x5eed + h);
		if (r.error == -3)	/* no such hart */
			break;
		if (r.error)
			fail("hart_start");
		if (!wait_for(h, 1))
			fail("a started hart did not run");
		if (sbi(0x48534d, 0, h, (long)rv_secondary_entry, 0).error != -6)
			fail("a started hart can be started again");
		sbi(0x735049, 0, 1, h, 0);	/* send_ipi */
		if (!wait_for(h, 2))
			fail("no IPI on the started hart");
		for (i = 0; i < 100000000; i++)
			if (sbi(0x48534d, 2, h, 0, 0).value == 1)
				break;
		if (sbi(0x48534d, 2, h, 0, 0).value != 1)
			fail("a hart that called hart_stop is not STOPPED");
		if (h == 1) {		/* once more: a stopped hart restarts */
			hart_up[h] = 0;
			if (sbi(0x48534d, 0, h, (long)rv_secondary_entry, 0x5eed + h).error)
				fail("hart_start of a stopped hart");
			if (!wait_for(h, 1))
				fail("a restarted hart did not run");
			sbi(0x735049, 0, 1, h, 0);
			if (!wait_for(h, 2))
				fail("no IPI on the restarted hart");
		}
		n++;
	}
	if (n > 1) {
		char buf[24];

		hex(buf, n);
		sbi_puts("harts up ");
		sbi_puts(buf);
		sbi_putc('\n');
	}
}

static int streq_n(const char *a, const char *b, int n)
{
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* Walk the DTB's properties: the value of the first named @name whose
 * value starts with @val, and in *count how many there are. */
static const char *dtb_find(const uint8_t *dtb, const char *name, int nlen,
			    const char *val, int vlen, int *count)
{
	const uint8_t *st = dtb + be32(dtb + 8), *strs = dtb + be32(dtb + 12);
	uint32_t size = be32(dtb + 36), off = 0, tok, len;
	const char *found = 0;

	*count = 0;

	while (off + 4 <= size) {
		tok = be32(st + off);
		off += 4;
		if (tok == 1) {		/* begin node: skip the name */
			while (st[off])
				off++;
			off = (off + 4) & ~3u;
		} else if (tok == FDT_PROP) {
			len = be32(st + off);
			if (streq_n((const char *)strs + be32(st + off + 4), name, nlen) &&
			    (int)len >= vlen && streq_n((const char *)st + off + 8, val, vlen)) {
				if (!found)
					found = (const char *)st + off + 8;
				++*count;
			}
			off = (off + 8 + len + 3) & ~3u;
		} else if (tok == FDT_END) {
			break;
		}
	}
	return found;
}

static const char *bootargs(const uint8_t *dtb)
{
	int n;
	const char *s = dtb_find(dtb, "bootargs", 9, "", 0, &n);

	return s ? s : "";
}

static void end(const char *args)
{
	const char *p;

	for (p = args; *p; p++)
		if (streq_n(p, "end=", 4))
			break;
	if (!*p)
		p = "end=shutdown";
	p += 4;
	if (streq_n(p, "reboot", 6))
		sbi(0x53525354, 0, 1, 0, 0);
	else if (streq_n(p, "legacy", 6))
		sbi(0x08, 0, 0, 0, 0);
	else if (streq_n(p, "exit:", 5))
		*TEST_DEV = ((p[5] - '0') << 16) | 0x3333;
	else if (streq_n(p, "spin", 4))
		for (;;)
			;
	else if (streq_n(p, "crash", 5))
		((void (*)(void))0x1000)();
	else
		sbi(0x53525354, 0, 0, 0, 0);
	fail("still running after the end");
}

/* ---- virtio-mmio with one 8-entry queue, interrupts through the PLIC */
#define VIO(n, off)	(*(volatile uint32_t *)(0x10001000UL + 0x1000 * (n) + (off)))
#define PLIC(off)	(*(volatile uint32_t *)(0x0c000000UL + (off)))
#define QSIZE		8

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct {
	struct vdesc desc[QSIZE];
	uint16_t avail[3 + QSIZE];
	uint8_t pad[4096];
	struct {
		uint16_t flags, idx;
		struct { uint32_t id, len; } ring[QSIZE];
		uint16_t event;
	} used;
	uint8_t hdr[16];
	uint8_t data[512];
	uint8_t status;
} __attribute__((aligned(4096))) vq;

static void put_num(unsigned long v)
{
	char buf[24];
	int i = 23;

	buf[i] = 0;
	do
		buf[--i] = '0' + v % 10;
	while (v /= 10);
	sbi_puts(buf + i);
}

static int vio_setup(int n)
{
	VIO(n, 0x70) = 0;
	VIO(n, 0x70) = 3;
	VIO(n, 0x24) = 1;
	VIO(n, 0x20) = 1;		/* VERSION_1 only */
	VIO(n, 0x24) = 0;
	VIO(n, 0x20) = 0;
	VIO(n, 0x70) = 11;
	if (!(VIO(n, 0x70) & 8))
		return -1;
	VIO(n, 0x30) = 0;
	if (VIO(n, 0x34) < QSIZE)
		return -1;
	VIO(n, 0x38) = QSIZE;
	VIO(n, 0x80) = (uint32_t)(uintptr_t)vq.desc;
	VIO(n, 0x84) = 0;
	VIO(n, 0x90) = (uint32_t)(uintptr_t)vq.avail;
	VIO(n, 0x94) = 0;
	VIO(n, 0xa0) = (uint32_t)(uintptr_t)&vq.used;
	VIO(n, 0xa4) = 0;
	VIO(n, 0x44) = 1;
	VIO(n, 0x70) = 15;
	return 0;
}

/* Post descriptor chain 0 (@ndesc long), kick, wait for the irq through
 * the PLIC; returns the used length. */
static uint32_t vio_request(int n, int ndesc)
{
	int irq = 2 + n, id;
	uint64_t sip;
	long i;

	(void)ndesc;
	PLIC(4 * irq) = 1;			/* priority */
	PLIC(0x2080) = 1u << irq;		/* hart 0 S-mode enable */
	PLIC(0x201000) = 0;			/* threshold */
	vq.avail[2] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq.avail[1]++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	VIO(n, 0x50) = 0;
	for (i = 0; i < 100000000; i++) {
		asm volatile("csrr %0, sip" : "=r"(sip));
		if (sip & (1 << 9))
			break;
	}
	if (!(sip & (1 << 9)))
		fail("no external interrupt from the device");
	id = PLIC(0x201004);
	if (id != irq)
		fail("the PLIC claim is not the device's source");
	if (!(VIO(n, 0x60) & 1))
		fail("InterruptStatus has no used-buffer bit");
	VIO(n, 0x64) = VIO(n, 0x60);
	PLIC(0x201004) = id;
	asm volatile("csrr %0, sip" : "=r"(sip));
	if (sip & (1 << 9))
		fail("SEIP still up after ack and complete");
	if (vq.used.idx != vq.avail[1])
		fail("the used ring did not move");
	sbi_puts(", irq ");
	put_num(irq);
	return vq.used.ring[(vq.used.idx - 1) % QSIZE].len;
}

static void vio_rng(int n)
{
	vq.desc[0] = (struct vdesc){ (uintptr_t)vq.data, 16, 2, 0 };
	sbi_puts("rng ");
	put_num(n);
	if (vio_request(n, 1) != 16)
		fail("rng: not 16 bytes");
	sbi_puts(": 16 bytes\n");
}

static void vio_blk(int n)
{
	int i;

	for (i = 0; i < 16; i++)
		vq.hdr[i] = 0;			/* VIRTIO_BLK_T_IN, sector 0 */
	vq.status = 0xff;
	vq.desc[0] = (struct vdesc){ (uintptr_t)vq.hdr, 16, 1, 1 };
	vq.desc[1] = (struct vdesc){ (uintptr_t)vq.data, 512, 3, 2 };
	vq.desc[2] = (struct vdesc){ (uintptr_t)&vq.status, 1, 2, 0 };
	sbi_puts("blk ");
	put_num(n);
	if (vio_request(n, 3) != 513 || vq.status != 0)
		fail("blk: read of sector 0");
	sbi_puts(": sector 0 \"");
	for (i = 0; i < 16 && vq.data[i] >= ' ' && vq.data[i] < 127; i++)
		sbi_putc(vq.data[i]);
	sbi_puts("\"\n");
}

static void virtio_check(int ndev)
{
	int n;

	for (n = 0; n < ndev; n++) {
		if (VIO(n, 0) != 0x74726976 || VIO(n, 4) != 2)
			fail("virtio-mmio magic and version");
		vq.avail[1] = 0;
		if (vio_setup(n) < 0)
			fail("virtio setup");
		if (VIO(n, 8) == 4)
			vio_rng(n);
		else if (VIO(n, 8) == 2)
			vio_blk(n);
		VIO(n, 0x70) = 0;
	}
}

void rv_main(uint64_t hartid, const uint8_t *dtb);

void rv_main(uint64_t hartid, const uint8_t *dtb)
{
	static const char msg[] = "hello via SBI DBCN\n";
	char buf[24];
	struct sbiret r;
	int n;

	sbi_puts("hello via SBI\n");
	uart_puts("hello via UART\n");
	if (hartid != 0)
		fail("a0 is not hart 0");
	if (be32(dtb) != 0xd00dfeed)
		fail("no DTB magic at a1");
	sbi_puts("dtb ok\n");
	r = sbi(0x10, 0, 0, 0, 0);
	hex(buf, r.value);
	sbi_puts("sbi spec ");
	sbi_puts(buf);
	sbi_putc('\n');
	if (sbi(0x10, 3, 0x4442434e, 0, 0).value == 1)
		sbi(0x4442434e, 0, sizeof(msg) - 1, (long)msg, 0);
	if (sbi(0x12345678, 0, 0, 0, 0).error != -2)
		fail("unknown extension");
	timer_check();
	smp_check();
	dtb_find(dtb, "compatible", 11, "virtio,mmio", 12, &n);
	virtio_check(n);
	end(bootargs(dtb));
}
