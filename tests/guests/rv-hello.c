/*
 * rv-hello -- the riscv64 machine's smoke test guest (S-mode, no MMU):
 * prints through the SBI (legacy putchar and DBCN) and the 16550A UART,
 * checks a0/a1 (hart 0, the DTB's magic), the SBI base extension, the
 * time CSR and an SBI timer interrupt (sip.STIP), then shuts down through
 * SBI SRST.  A failed check ends through the test device with exit 3.
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

void rv_main(uint64_t hartid, const uint8_t *dtb);

void rv_main(uint64_t hartid, const uint8_t *dtb)
{
	static const char msg[] = "hello via SBI DBCN\n";
	char buf[24];
	struct sbiret r;

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
	sbi(0x53525354, 0, 0, 0, 0);	/* shutdown */
	fail("still running after SRST shutdown");
}
