/*
 * smp -- the boot CPU finds the others in the firmware tables (the ACPI
 * MADT through RSDP and XSDT, and the MP table; checksums checked), then
 * starts each with INIT-SIPI-SIPI through its local APIC (xAPIC MMIO at
 * 0xfee00000) at a real-mode trampoline at 0x10000 (smp.S).  Each AP
 * prints "cpu N up" and counts itself; the BSP waits for all of them,
 * prints the count and powers off with code 0 through the debug-exit
 * port (2 when the tables are broken).  With "crash-ap" on the command
 * line the last AP is started at code that triple-faults instead.
 */
#include "guest.h"

#define LAPIC		0xfee00000UL
#define LAPIC_ID	0x20
#define LAPIC_SVR	0xf0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_PENDING	0x1000
#define ICR_INIT	0x4500		/* INIT, level assert */
#define ICR_SIPI	0x4600		/* start-up, level assert */
#define TRAMPOLINE	0x10000
#define CPUS_MAX	64

extern char trampoline[], trampoline_end[], tr_count[];

void main(const struct hvm_start_info *si);

/* real mode at 0x11000: ds = cs; lidt of a zero-limit IDT at 0x10; ud2.
 * The #UD cannot be delivered: a triple fault. */
static const u8 crash_code[] = { 0x8c, 0xc8, 0x8e, 0xd8, 0x0f, 0x01, 0x1e,
				 0x10, 0x00, 0x0f, 0x0b };
#define CRASH_AT	0x11000

static u32 lapic_read(u32 reg)
{
	return *(volatile u32 *)(LAPIC + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(LAPIC + reg) = v;
}

static int sum_ok(const u8 *p, u32 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s == 0;
}

static int same(const void *a, const char *b, int n)
{
	const char *p = a;

	while (n--)
		if (*p++ != *b++)
			return 0;
	return 1;
}

static const u8 *find_rsdp(void)
{
	const u8 *p;

	for (p = (const u8 *)0xe0000; p < (const u8 *)0x100000; p += 16)
		if (same(p, "RSD PTR ", 8) && sum_ok(p, 20) && sum_ok(p, 36))
			return p;
	return 0;
}

static const u8 *find_madt(void)
{
	const u8 *rsdp = find_rsdp(), *xsdt, *t;
	u32 i, n;

	if (!rsdp)
		return 0;
	xsdt = (const u8 *)*(const u64 *)(rsdp + 24);
	if (!same(xsdt, "XSDT", 4) || !sum_ok(xsdt, *(const u32 *)(xsdt + 4)))
		return 0;
	n = (*(const u32 *)(xsdt + 4) - 36) / 8;
	for (i = 0; i < n; i++) {
		t = (const u8 *)*(const u64 *)(xsdt + 36 + 8 * i);
		if (same(t, "APIC", 4) && sum_ok(t, *(const u32 *)(t + 4)))
			return t;
	}
	return 0;
}

/* APIC ids of the enabled CPUs in the MADT; -1 without one */
static int madt_cpus(u8 *ids)
{
	const u8 *madt = find_madt(), *p, *end;
	int n = 0, ioapics = 0, overrides = 0;

	if (!madt)
		return -1;
	end = madt + *(const u32 *)(madt + 4);
	for (p = madt + 44; p + 2 <= end && p[1]; p += p[1]) {
		if (p[0] == 0 && (*(const u32 *)(p + 4) & 1) && n < CPUS_MAX)
			ids[n++] = p[3];
		ioapics += p[0] == 1;
		overrides += p[0] == 2;
	}
	puts("madt cpus ");
	putdec(n);
	puts(" ioapics ");
	putdec(ioapics);
	puts(" overrides ");
	putdec(overrides);
	putc('\n');
	return n;
}

/* processors in the MP configuration table; -1 without one */
static int mptable_cpus(void)
{
	const u8 *p, *cfg = 0, *e;
	int cpus = 0, ints = 0;
	u32 i;

	for (p = (const u8 *)0xf0000; p < (const u8 *)0x100000 && !cfg; p += 16)
		if (same(p, "_MP_", 4) && sum_ok(p, 16))
			cfg = (const u8 *)(u64)*(const u32 *)(p + 4);
	if (!cfg || !same(cfg, "PCMP", 4) || !sum_ok(cfg, *(const u16 *)(cfg + 4)))
		return -1;
	e = cfg + 44;
	for (i = 0; i < *(const u16 *)(cfg + 34); i++) {
		cpus += e[0] == 0;
		ints += e[0] == 3;
		e += e[0] == 0 ? 20 : 8;
	}
	puts("mptable cpus ");
	putdec(cpus);
	puts(" irqs ");
	putdec(ints);
	putc('\n');
	return cpus;
}

static void ipi(u32 apic, u32 icr)
{
	lapic_write(LAPIC_ICR_HI, apic << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		;
}

static void put_crash_code(void)
{
	u8 *p = (u8 *)CRASH_AT;
	u32 i;

	for (i = 0; i < 0x20; i++)
		p[i] = i < sizeof(crash_code) ? crash_code[i] : 0;
}

void main(const struct hvm_start_info *si)
{
	int crash = cmdline_arg((const char *)si->cmdline_paddr, "crash-ap") != 0;
	volatile u32 *count = (volatile u32 *)(TRAMPOLINE + (tr_count - trampoline));
	u8 ids[CPUS_MAX];
	u32 self = lapic_read(LAPIC_ID) >> 24, i, aps = 0;
	int n, mp;
	char *dst = (char *)TRAMPOLINE;

	puts("smp: bsp apic id ");
	putdec(self);
	putc('\n');
	n = madt_cpus(ids);
	mp = mptable_cpus();
	if (n < 0 || mp != n) {
		puts(n < 0 ? "no MADT\n" : "MADT and MP table disagree\n");
		if (n >= 0 || mp >= 0)
			debug_exit(2);
		n = 1;
		ids[0] = self;
	}
	for (i = 0; i < (u32)(trampoline_end - trampoline); i++)
		dst[i] = trampoline[i];
	*count = 0;
	put_crash_code();
	lapic_write(LAPIC_SVR, 0x1ff);		/* software enable */
	for (i = 0; i < (u32)n; i++) {
		if (ids[i] == self)
			continue;
		aps++;
		if (crash && aps == (u32)n - 1) {
			ipi(ids[i], ICR_INIT);
			ipi(ids[i], ICR_SIPI | CRASH_AT >> 12);
			continue;
		}
		ipi(ids[i], ICR_INIT);
		ipi(ids[i], ICR_SIPI | TRAMPOLINE >> 12);
		ipi(ids[i], ICR_SIPI | TRAMPOLINE >> 12);
	}
	while (*count < aps)
		__asm__ volatile("pause");
	puts("smp: ");
	putdec(*count + 1);
	puts(" cpus up\n");
	debug_exit(0);
	halt_forever();
}
