/*
 * pvh -- a guest entered through the PVH note: prints back what it finds
 * in hvm_start_info (magic, version, command line, memory map, modules
 * with the first bytes of each), then powers off with code 0 through
 * the debug-exit port (or 3 when the magic is wrong).
 */
#include "guest.h"

void main(const struct hvm_start_info *si);

static void print_module(const struct hvm_modlist_entry *m)
{
	const char *p = (const char *)m->paddr;
	u64 i;

	puts("module ");
	puthex(m->paddr);
	puts(" size ");
	putdec(m->size);
	puts(" starts \"");
	for (i = 0; i < m->size && i < 16 && p[i] >= ' ' && p[i] <= '~'; i++)
		putc(p[i]);
	puts("\"\n");
}

void main(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *mm;
	const struct hvm_modlist_entry *mod;
	u32 i;

	puts("pvh entry\n");
	puts("magic ");
	puthex(si->magic);
	puts(" version ");
	putdec(si->version);
	putc('\n');
	if (si->magic != 0x336ec578)
		debug_exit(3);
	puts("cmdline \"");
	puts((const char *)si->cmdline_paddr);
	puts("\"\n");
	mm = (const struct hvm_memmap_entry *)si->memmap_paddr;
	for (i = 0; i < si->memmap_entries; i++) {
		puts("memmap ");
		puthex(mm[i].addr);
		putc(' ');
		puthex(mm[i].size);
		putc(' ');
		putdec(mm[i].type);
		putc('\n');
	}
	mod = (const struct hvm_modlist_entry *)si->modlist_paddr;
	for (i = 0; i < si->nr_modules; i++)
		print_module(&mod[i]);
	debug_exit(0);
	halt_forever();
}
