/*
 * bzimage -- a guest in bzImage format: prints back what the loader put
 * in boot_params (entry, protocol, loader type, the fields it must
 * rewrite, command line, E820 map, initrd with its first bytes), then
 * powers off with code 0 through the debug-exit port.
 */
#include "guest.h"

void main(const u8 *bp, u32 entry);

#define BP16(o)	(*(const u16 *)(bp + (o)))
#define BP32(o)	(*(const u32 *)(bp + (o)))
#define BP64(o)	(*(const u64 *)(bp + (o)))

static void print_e820(const u8 *bp)
{
	u32 i, n = bp[0x1e8];

	puts("e820 entries ");
	putdec(n);
	putc('\n');
	for (i = 0; i < n && i < 128; i++) {
		const u8 *ent = bp + 0x2d0 + i * 20;

		puts("e820 ");
		puthex(*(const u64 *)ent);
		putc(' ');
		puthex(*(const u64 *)(ent + 8));
		putc(' ');
		putdec(*(const u32 *)(ent + 16));
		putc('\n');
	}
}

static void print_initrd(const u8 *bp)
{
	const char *p = (const char *)(u64)BP32(0x218);
	u32 i, size = BP32(0x21c);

	puts("initrd ");
	puthex(BP32(0x218));
	puts(" size ");
	putdec(size);
	puts(" starts \"");
	for (i = 0; i < size && i < 16 && p[i] >= ' ' && p[i] <= '~'; i++)
		putc(p[i]);
	puts("\"\n");
}

void main(const u8 *bp, u32 entry)
{
	puts("bzimage entry ");
	putdec(entry);
	puts(" boot_params ");
	puthex((u64)bp);
	putc('\n');
	puts("protocol ");
	puthex(BP16(0x206));
	puts(" loader ");
	puthex(bp[0x210]);
	puts(" loadflags ");
	puthex(bp[0x211]);
	puts(" heap_end ");
	puthex(BP16(0x224));
	puts(" code32_start ");
	puthex(BP32(0x214));
	putc('\n');
	puts("cmdline \"");
	puts((const char *)(u64)BP32(0x228));
	puts("\"\n");
	print_e820(bp);
	print_initrd(bp);
	puts("rsdp ");
	puthex(BP64(0x70));
	putc('\n');
	debug_exit(0);
	halt_forever();
}
