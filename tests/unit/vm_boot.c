/*
 * Unit tests for the strata vm ELF loader's validation (boot_elf_parse),
 * the PVH note, the start info it writes and guest_ptr()'s bounds.
 * ELF files are built in memory; no KVM needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vm/boot.h"
#include "vm/machine.h"

#define MiB (1ULL << 20)

struct img {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	struct {
		uint32_t type, flags;
		uint64_t offset, vaddr, paddr, filesz, memsz, align;
	} ph[2];
	uint32_t note[3];
	char name[4];
	uint32_t desc;
	uint8_t code[16];
};

static void img_init(struct img *i, int with_note)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->ident, "\177ELF\2\1\1", 7);
	i->type = 2;
	i->machine = 62;
	i->version = 1;
	i->entry = 0x200000 + offsetof(struct img, code);
	i->phoff = offsetof(struct img, ph);
	i->ehsize = 64;
	i->phentsize = sizeof(i->ph[0]);
	i->phnum = with_note ? 2 : 1;
	i->ph[0].type = 1;
	i->ph[0].offset = 0;
	i->ph[0].vaddr = i->ph[0].paddr = 0x200000;
	i->ph[0].filesz = sizeof(*i);
	i->ph[0].memsz = 0x3000;
	i->ph[1].type = 4;
	i->ph[1].offset = offsetof(struct img, note);
	i->ph[1].filesz = 12 + 4 + 4;
	i->note[0] = 4;
	i->note[1] = 4;
	i->note[2] = 18;
	memcpy(i->name, "Xen", 4);
	i->desc = 0x200000 + offsetof(struct img, code) + 4;
}

static int parse(const struct img *i, size_t size, uint64_t mem, struct boot_elf *k,
		 struct err *e)
{
	return boot_elf_parse(i, size, mem, k, e);
}

int main(void)
{
	struct img i;
	struct boot_elf k;
	struct err e = { 0 };
	struct vm_mem mem = { NULL, 64 * MiB };
	const uint32_t *si;

	img_init(&i, 0);
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) == 0, "a minimal 64-bit ELF is accepted");
	test_assert(!k.pvh && k.entry == i.entry && k.nseg == 1, "it enters at e_entry in 64-bit mode");
	test_assert(k.lo == 0x200000 && k.hi == 0x203000, "its span includes the bss");
	img_init(&i, 1);
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) == 0 && k.pvh &&
		    k.pvh_entry == i.desc, "a Xen PHYS32_ENTRY note selects the PVH entry");

	test_assert(parse(&i, 3, 64 * MiB, &k, &e) == -ENOEXEC && !strcmp(e.msg, "not an ELF file"),
		    "three bytes are not an ELF file");
	memcpy(i.ident, "MZ", 2);
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && !strcmp(e.msg, "not an ELF file"),
		    "a PE file is not an ELF file");
	img_init(&i, 0);
	i.ident[4] = 1;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "64-bit"),
		    "a 32-bit ELF is refused");
	img_init(&i, 0);
	i.machine = 243;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "not an x86-64"),
		    "a RISC-V ELF is refused");
	img_init(&i, 0);
	i.phnum = 60000;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "program header"),
		    "a program header table past the file is refused");
	img_init(&i, 0);
	test_assert(parse(&i, sizeof(i), 2 * MiB + 0x1000, &k, &e) == -E2BIG &&
		    strstr(e.msg, "segment outside guest memory"),
		    "a segment past the end of memory is refused");
	img_init(&i, 0);
	i.ph[0].paddr = ~0ULL - 0x100;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) == -E2BIG, "an address that wraps is refused");
	img_init(&i, 0);
	i.ph[0].paddr = 0x1000;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "below 1 MiB"),
		    "a segment over the boot area is refused");
	img_init(&i, 0);
	i.ph[0].filesz = 1 << 20;
	i.ph[0].memsz = 1 << 20;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "outside the file"),
		    "a segment past the end of the file is refused");
	img_init(&i, 0);
	i.entry = 0x900000;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "entry point"),
		    "an entry outside the segments is refused");
	img_init(&i, 1);
	i.note[0] = 0x7fffffff;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "note"),
		    "a note longer than its segment is refused");
	img_init(&i, 1);
	i.desc = 0x10;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "PVH entry"),
		    "a PVH entry outside the segments is refused");
	img_init(&i, 0);
	i.ph[0].type = 6;
	test_assert(parse(&i, sizeof(i), 64 * MiB, &k, &e) < 0 && strstr(e.msg, "no loadable"),
		    "a file without PT_LOAD is refused");

	mem.host = calloc(1, mem.size);
	test_assert(guest_ptr(&mem, 0, mem.size) == mem.host, "all of memory is one range");
	test_assert(!guest_ptr(&mem, mem.size - 4, 8), "a range crossing the end is refused");
	test_assert(!guest_ptr(&mem, 8, ~0ULL), "a length that wraps is refused");
	test_assert(!guest_ptr(&mem, mem.size, 1), "the first byte past the end is refused");
	test_assert(!guest_ptr(&mem, 0, 0), "an empty range is refused");
	img_init(&i, 0);
	test_assert(parse(&i, sizeof(i), mem.size, &k, &e) == 0 &&
		    boot_elf_load(&k, &i, &mem, &e) == 0 &&
		    !memcmp(mem.host + 0x200000, &i, sizeof(i)) &&
		    mem.host[0x200000 + sizeof(i)] == 0, "segments load by physical address");
	test_assert(boot_pvh_info(&mem, "console=ttyS0", 0x3000000, 100, &e) == 0,
		    "the PVH start info is written");
	si = (const uint32_t *)(mem.host + BOOT_START_INFO);
	test_assert(si[0] == 0x336ec578 && si[1] == 1 && si[3] == 1, "with magic, version and one module");
	test_assert(!strcmp((char *)mem.host + BOOT_CMDLINE, "console=ttyS0"), "and the command line");
	{
		char *huge = malloc(BOOT_CMDLINE_MAX + 1);

		memset(huge, 'a', BOOT_CMDLINE_MAX);
		huge[BOOT_CMDLINE_MAX] = 0;
		test_assert(boot_pvh_info(&mem, huge, 0, 0, &e) == -E2BIG,
			    "a command line too long is refused");
		free(huge);
	}
	free(mem.host);
	return test_report();
}
