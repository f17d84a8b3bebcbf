/*
 * rv_hart_linux -- boot a real riscv64 Linux kernel on one system-mode
 * hart (src/vm/rv/hart.c) inside a minimal machine of its own: RAM, an
 * SBI (base, legacy console/timer/shutdown, TIME, SRST), a timer thread
 * and a 16550 transmit register.  The hart's integration test while the
 * real machine (src/vm/rv/machine.c) grows; not a replacement for it.
 *
 *	STRATA_RV_KERNEL=Image [STRATA_RV_INIT=program] \
 *	[STRATA_RV_EXPECT=text] [STRATA_RV_CMDLINE=...] [STRATA_RV_SV48=1] \
 *	build/debug/unit/rv_hart_linux
 *
 * The kernel is expected to power off through the SBI after printing
 * STRATA_RV_EXPECT (default: "init: ").  STRATA_RV_INIT names a static
 * riscv64 program that becomes /init of an initramfs made here (with
 * /dev/console), e.g. one of tests/rvsys/ (how to build them: there);
 * without it the kernel needs an initramfs of its own.  The device tree
 * is compiled with dtc.  Without STRATA_RV_KERNEL, or without dtc, the
 * test skips.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vm/rv/hart.h"
#include "unit/test.h"

#define RAM_BASE	0x80000000ull
#define RAM_SIZE	(128ull << 20)
#define KERNEL_AT	(RAM_BASE + 0x200000)
#define DTB_AT		(RAM_BASE + RAM_SIZE - 0x200000)
#define INITRD_AT	(RAM_BASE + RAM_SIZE - 0x2000000)
#define INITRD_MAX	0x1e00000ull
#define UART		0x10000000ull
#define TIMEBASE	10000000ull

#define SBI_EXT_BASE	0x10
#define SBI_EXT_TIME	0x54494d45
#define SBI_EXT_SRST	0x53525354
#define SBI_NOT_SUPPORTED	(-2)

static uint8_t *ram;
static struct gmem mem;
static struct rv_hart *hart;

static char console[1 << 16];
static size_t console_len;

static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tcond = PTHREAD_COND_INITIALIZER;
static uint64_t deadline = ~0ull;
static int done;

static uint64_t now_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * TIMEBASE + ts.tv_nsec / (1000000000 / TIMEBASE);
}

static void out(char c)
{
	if (console_len < sizeof(console) - 1)
		console[console_len++] = c;
	if (getenv("STRATA_RV_QUIET") == NULL)
		putchar(c);
}

static int m_read(void *ctx, uint64_t pa, void *data, unsigned len)
{
	uint64_t v = 0;

	if (pa < UART || pa >= UART + 8)
		return -1;
	if (pa - UART == 5)
		v = 0x60;		/* LSR: transmitter empty */
	memcpy(data, &v, len);
	return 0;
}

static int m_write(void *ctx, uint64_t pa, const void *data, unsigned len)
{
	if (pa < UART || pa >= UART + 8)
		return -1;
	if (pa == UART)
		out(*(const char *)data);
	return 0;
}

static void set_timer(uint64_t t)
{
	pthread_mutex_lock(&tlock);
	deadline = t;
	rv_hart_set_pending(hart, RV_IRQ_STI, 0);
	pthread_cond_signal(&tcond);
	pthread_mutex_unlock(&tlock);
}

static void *timer_thread(void *arg)
{
	pthread_mutex_lock(&tlock);
	while (!done) {
		uint64_t now = now_ticks();
		struct timespec ts;

		if (deadline <= now) {
			deadline = ~0ull;
			rv_hart_set_pending(hart, RV_IRQ_STI, 1);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (deadline == ~0ull) {
			ts.tv_sec += 1;
		} else {
			uint64_t ns = (deadline - now) * (1000000000 / TIMEBASE);

			ts.tv_sec += ns / 1000000000;
			ts.tv_nsec += ns % 1000000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
		}
		pthread_cond_timedwait(&tcond, &tlock, &ts);
	}
	pthread_mutex_unlock(&tlock);
	return NULL;
}

static int m_sbi(void *ctx, struct rv_hart *h)
{
	uint64_t ext = rv_hart_reg(h, 17), fid = rv_hart_reg(h, 16);
	uint64_t a0 = rv_hart_reg(h, 10);
	int64_t err = 0, val = 0;

	switch (ext) {
	case 0:			/* legacy set_timer */
		set_timer(a0);
		rv_hart_set_reg(h, 10, 0);
		return 0;
	case 1:			/* legacy putchar */
		out((char)a0);
		rv_hart_set_reg(h, 10, 0);
		return 0;
	case 2:			/* legacy getchar */
		rv_hart_set_reg(h, 10, (uint64_t)-1);
		return 0;
	case 8:			/* legacy shutdown */
		return 1;
	case SBI_EXT_BASE:
		switch (fid) {
		case 0: val = 1 << 24; break;	/* SBI 1.0 */
		case 3:
			val = a0 == SBI_EXT_TIME || a0 == SBI_EXT_SRST ||
			      a0 <= 8;
			break;
		default: val = 0; break;
		}
		break;
	case SBI_EXT_TIME:
		set_timer(a0);
		break;
	case SBI_EXT_SRST:
		return 1;
	default:
		err = SBI_NOT_SUPPORTED;
	}
	rv_hart_set_reg(h, 10, (uint64_t)err);
	rv_hart_set_reg(h, 11, (uint64_t)val);
	return 0;
}

static uint64_t m_time(void *ctx)
{
	return now_ticks();
}

static const struct rv_hart_ops ops = {
	.mmio_read = m_read,
	.mmio_write = m_write,
	.sbi_call = m_sbi,
	.time = m_time,
};

static long load_file(const char *path, uint8_t *dst, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(dst, 1, max, f);
	fclose(f);
	return (long)n;
}

/* one newc cpio entry at *at; returns false when it does not fit */
static bool cpio_add(uint64_t *at, const char *name, unsigned mode,
		     unsigned rdev_major, unsigned rdev_minor,
		     const uint8_t *data, size_t len)
{
	static unsigned ino = 1;
	size_t nlen = strlen(name) + 1, hdr = 110;
	char h[160];
	uint8_t *p = ram + (*at - RAM_BASE);
	size_t need = ((hdr + nlen + 3) & ~3ul) + ((len + 3) & ~3ul);

	if (*at + need > INITRD_AT + INITRD_MAX)
		return false;
	memset(p, 0, need);
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08zX"
		 "%08X%08X%08X%08X%08zX%08X", ino++, mode, 0, 0, 1, 0, len,
		 0, 0, rdev_major, rdev_minor, nlen, 0);
	memcpy(p, h, hdr);
	memcpy(p + hdr, name, nlen);
	if (len)
		memcpy(p + ((hdr + nlen + 3) & ~3ul), data, len);
	*at += need;
	return true;
}

/* an initramfs with /dev/console and @init as /init; its end, or 0 */
static uint64_t make_initrd(const char *init)
{
	uint64_t at = INITRD_AT;
	static uint8_t prog[16 << 20];
	long n = load_file(init, prog, sizeof(prog));

	if (n <= 0 ||
	    !cpio_add(&at, "dev", 040755, 0, 0, NULL, 0) ||
	    !cpio_add(&at, "dev/console", 020600, 5, 1, NULL, 0) ||
	    !cpio_add(&at, "init", 0100755, 0, 0, prog, (size_t)n) ||
	    !cpio_add(&at, "TRAILER!!!", 0, 0, 0, NULL, 0))
		return 0;
	return at;
}

/* the device tree, compiled by dtc into RAM at DTB_AT */
static int make_dtb(const char *cmdline, int sv48, uint64_t initrd_end)
{
	char dts[2048], initrd[160] = "", cmd[256];
	char path[] = "/tmp/rv_hart_linux.XXXXXX";
	int fd = mkstemp(path);
	FILE *p;
	long n;

	if (fd < 0)
		return -1;
	close(fd);
	if (initrd_end)
		snprintf(initrd, sizeof(initrd),
			 "linux,initrd-start = <0x0 0x%llx>; "
			 "linux,initrd-end = <0x0 0x%llx>;",
			 (unsigned long long)INITRD_AT,
			 (unsigned long long)initrd_end);
	snprintf(dts, sizeof(dts),
		"/dts-v1/;\n/ {\n #address-cells = <2>; #size-cells = <2>;\n"
		" compatible = \"riscv-virtio\"; model = \"strata rv_hart test\";\n"
		" chosen { bootargs = \"%s\"; stdout-path = \"/soc/serial@10000000\";\n"
		"  %s };\n"
		" cpus { #address-cells = <1>; #size-cells = <0>;\n"
		"  timebase-frequency = <%llu>;\n"
		"  cpu@0 { device_type = \"cpu\"; reg = <0>; status = \"okay\";\n"
		"   compatible = \"riscv\"; riscv,isa = \"rv64imafdc\";\n"
		"   mmu-type = \"riscv,%s\";\n"
		"   intc: interrupt-controller { #interrupt-cells = <1>;\n"
		"    interrupt-controller; compatible = \"riscv,cpu-intc\"; };\n"
		"  };\n };\n"
		" memory@80000000 { device_type = \"memory\";\n"
		"  reg = <0x0 0x80000000 0x0 0x%llx>; };\n"
		" soc { #address-cells = <2>; #size-cells = <2>;\n"
		"  compatible = \"simple-bus\"; ranges;\n"
		"  serial@10000000 { compatible = \"ns16550a\";\n"
		"   reg = <0x0 0x10000000 0x0 0x100>; clock-frequency = <3686400>; };\n"
		" };\n};\n",
		cmdline, initrd, (unsigned long long)TIMEBASE, sv48 ? "sv48" : "sv39",
		(unsigned long long)RAM_SIZE);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s -", path);
	p = popen(cmd, "w");
	if (!p) {
		unlink(path);
		return -1;
	}
	fputs(dts, p);
	if (pclose(p) != 0) {
		unlink(path);
		return -1;
	}
	n = load_file(path, ram + (DTB_AT - RAM_BASE), 0x200000);
	unlink(path);
	return n > 0 ? 0 : -1;
}

int main(void)
{
	const char *kernel = getenv("STRATA_RV_KERNEL");
	const char *expect = getenv("STRATA_RV_EXPECT");
	const char *cmdline = getenv("STRATA_RV_CMDLINE");
	const char *init = getenv("STRATA_RV_INIT");
	uint64_t initrd_end = 0;
	int sv48 = getenv("STRATA_RV_SV48") != NULL;
	struct rv_hart_cfg cfg = { .ram = &mem, .ops = &ops, .sv48 = sv48 };
	struct timespec a, b;
	enum rv_hart_end end;
	pthread_t timer;
	char why[256];
	double s;
	long n;

	if (!kernel || system("command -v dtc >/dev/null 2>&1") != 0) {
		printf("skip: STRATA_RV_KERNEL=Image (and dtc) to boot Linux\n");
		return test_report();
	}
	if (!expect)
		expect = "init: ";
	if (!cmdline)
		cmdline = "console=hvc0 earlycon=sbi";
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	mem.r[0].gpa = RAM_BASE;
	mem.r[0].size = RAM_SIZE;
	mem.r[0].host = ram;
	mem.n = 1;
	n = load_file(kernel, ram + (KERNEL_AT - RAM_BASE), 64 << 20);
	test_assert(n > 0, "the kernel loads");
	if (init) {
		initrd_end = make_initrd(init);
		test_assert(initrd_end != 0, "the initramfs is made");
	}
	test_assert(make_dtb(cmdline, sv48, initrd_end) == 0,
		    "dtc compiles the tree");
	if (n <= 0)
		return test_report();

	hart = rv_hart_new(&cfg);
	pthread_create(&timer, NULL, timer_thread, NULL);
	rv_hart_boot(hart, KERNEL_AT, DTB_AT);
	clock_gettime(CLOCK_MONOTONIC, &a);
	end = rv_hart_run(hart);
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_mutex_lock(&tlock);
	done = 1;
	pthread_cond_signal(&tcond);
	pthread_mutex_unlock(&tlock);
	pthread_join(timer, NULL);

	rv_hart_describe(hart, why, sizeof(why));
	s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("\nrv_hart_linux: %s after %.2f s, %llu instructions "
	       "(%.1f M/s)\n  %s\n", end == RV_HART_STOPPED ? "stopped" :
	       "CRASHED", s, (unsigned long long)rv_hart_insns(hart),
	       rv_hart_insns(hart) / s / 1e6, why);
	test_assert(end == RV_HART_STOPPED, "the kernel powers off");
	test_assert(strstr(console, expect) != NULL,
		    "the console shows the expected text");
	rv_hart_free(hart);
	munmap(ram, RAM_SIZE);
	return test_report();
}
