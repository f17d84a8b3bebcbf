/*
 * guest -- what the tiny strata vm test guests share: port I/O, the
 * 8250 UART at 0x3f8, the i8042 reset, the debug-exit port 0x501, and
 * the PVH start info (xen/include/public/arch-x86/hvm/start_info.h).
 * 64-bit C, freestanding; each guest's .S gets it to main(info).
 */
#ifndef STRATA_GUEST_H
#define STRATA_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	u64 addr, size;
	u32 type, reserved;
};

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void putc(char c)
{
	while (!(inb(0x3f8 + 5) & 0x20))	/* LSR.THRE */
		;
	outb(0x3f8, c);
}

static inline void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static inline void puthex(u64 v)
{
	int i, started = 0;

	puts("0x");
	for (i = 60; i >= 0; i -= 4) {
		int d = (v >> i) & 0xf;

		if (d || started || i == 0) {
			putc(d < 10 ? '0' + d : 'a' + d - 10);
			started = 1;
		}
	}
}

static inline void putdec(u64 v)
{
	char b[24];
	int n = 0;

	do
		b[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		putc(b[--n]);
}

static inline int streq_prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

/* The value of "key=" in a command line, or 0 */
static inline const char *cmdline_arg(const char *cl, const char *key)
{
	while (cl && *cl) {
		if (streq_prefix(cl, key))
			return cl + __builtin_strlen(key);
		while (*cl && *cl != ' ')
			cl++;
		while (*cl == ' ')
			cl++;
	}
	return 0;
}

static inline void debug_exit(u8 code)
{
	outb(0x501, code);
}

static inline void i8042_reset(void)
{
	outb(0x64, 0xfe);
}

static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
