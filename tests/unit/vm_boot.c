/*
 * Unit tests for the strata vm ELF loader's validation (boot_elf_parse),
 * the PVH note, the start info it writes and guest_ptr()'s bounds.
 * ELF files are built in memory; no KVM needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vm/boot.h"
#include "vm/machine.h"
#include "vm/tables.h"

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

/* A bzImage: boot sector + 1 setup sector + 4 KiB of kernel */
#define BZ_SIZE (0x400 + 0x1000)

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, 2);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static uint64_t get(const uint8_t *b, size_t off, size_t len)
{
	uint64_t v = 0;

	memcpy(&v, b + off, len);
	return v;
}

static void bz_init(uint8_t *b)
{
	memset(b, 0, BZ_SIZE);
	b[0x1f1] = 1;				/* setup_sects */
	put32(b, 0x1f4, 0x1000 / 16);		/* syssize */
	put16(b, 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x26c - 0x202;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, 0x20f);
	b[0x211] = 0x81;			/* LOADED_HIGH | CAN_USE_HEAP */
	put32(b, 0x214, 0x100000);
	put16(b, 0x224, 0x1234);
	put32(b, 0x22c, 0x7fffffff);
	put32(b, 0x230, 0x200000);
	b[0x234] = 1;
	put16(b, 0x236, 1);			/* XLF_KERNEL_64 */
	put32(b, 0x238, 100);
	put64(b, 0x250, 0xdead);		/* setup_data: junk to clear */
	put64(b, 0x258, 0x1000000);
	put32(b, 0x260, 0x20000);		/* init_size */
	memcpy(b + 0x400, "kernel!", 8);
}

static void test_bzimage(void)
{
	static uint8_t b[BZ_SIZE];
	struct vm_mem mem = { NULL, 64 * MiB };
	struct boot_bzimage k;
	struct err e = { 0 };
	uint8_t *bp;

	bz_init(b);
	test_assert(boot_is_bzimage(b, BZ_SIZE) && !boot_is_bzimage(b, 0x205),
		    "HdrS at 0x202 marks a bzImage");
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) == 0, "a minimal bzImage is accepted");
	test_assert(k.setup_size == 0x400 && k.kernel_size == 0x1000, "the kernel follows the setup sectors");
	test_assert(k.load == 0x1000000 && k.entry == 0x1000200 && k.entry64,
		    "it loads at pref_address and enters 0x200 further in 64-bit mode");
	test_assert(k.end == 0x1020000 && k.initrd_end == 64 * MiB && k.cmdline_max == 100,
		    "init_size, initrd_addr_max and cmdline_size are read");
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 16 * MiB, &k, &e) == 0 && k.load == 0x100000 &&
		    k.end == 0x220000, "a relocatable kernel whose pref_address does not fit goes to 1 MiB");
	put16(b, 0x236, 0);
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) == 0 && !k.entry64 &&
		    k.entry == k.load, "without XLF_KERNEL_64 it enters at the start in 32-bit mode");

	bz_init(b);
	put16(b, 0x206, 0x204);
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) == -ENOEXEC &&
		    strstr(e.msg, "2.04 is too old"), "protocol 2.04 is refused");
	bz_init(b);
	test_assert(boot_bzimage_parse(b, 0x300, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "truncated"),
		    "a file cut in the setup sectors is refused");
	test_assert(boot_bzimage_parse(b, 0x400 + 0x800, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "syssize"),
		    "a file shorter than syssize says is refused");
	test_assert(boot_bzimage_parse(b, 0x400, 64 * MiB, &k, &e) < 0,
		    "a file without a protected-mode kernel is refused");
	b[0x1f1] = 200;
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "setup_sects 200 too big"),
		    "setup_sects too big is refused");
	bz_init(b);
	put32(b, 0x260, 0x10000000);
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) == -E2BIG && strstr(e.msg, "kernel needs 258 MiB of memory (init_size 0x10000000 from 0x200000)"),
		    "a kernel bigger than memory is refused");
	bz_init(b);
	b[0x211] = 0;
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "zImage"),
		    "a zImage is refused");
	bz_init(b);
	put16(b, 0x1fe, 0);
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "0xaa55"),
		    "a missing boot flag is refused");
	bz_init(b);
	b[0x201] = 0x10;
	test_assert(boot_bzimage_parse(b, BZ_SIZE, 64 * MiB, &k, &e) < 0 && strstr(e.msg, "too short"),
		    "a setup header shorter than 2.06's is refused");

	bz_init(b);
	mem.host = calloc(1, mem.size);
	test_assert(boot_bzimage_parse(b, BZ_SIZE, mem.size, &k, &e) == 0 &&
		    boot_bzimage_load(&k, b, &mem, &e) == 0 &&
		    !memcmp(mem.host + 0x1000000, "kernel!", 8), "the kernel is copied to its load address");
	test_assert(boot_bzimage_params(&k, b, &mem, "root=/dev/vda", 0x3000000, 77, 0xe0000, &e) == 0,
		    "boot_params are written");
	bp = mem.host + BOOT_PARAMS;
	test_assert(!memcmp(bp + 0x202, "HdrS", 4) && bp[0x210] == 0xff,
		    "the setup header is copied, type_of_loader 0xff");
	test_assert(bp[0x211] == 0x01 && get(bp, 0x224, 2) == 0,
		    "CAN_USE_HEAP and heap_end_ptr are cleared");
	test_assert(get(bp, 0x228, 4) == BOOT_CMDLINE &&
		    !strcmp((char *)mem.host + BOOT_CMDLINE, "root=/dev/vda"), "cmd_line_ptr points at the command line");
	test_assert(get(bp, 0x218, 4) == 0x3000000 && get(bp, 0x21c, 4) == 77,
		    "ramdisk_image and ramdisk_size are set");
	test_assert(bp[0x1e8] == 4 && get(bp, 0x2d0 + 3 * 20, 8) == 0x100000 &&
		    get(bp, 0x2d0 + 3 * 20 + 8, 8) == mem.size - 0x100000,
		    "the E820 map is the PVH one");
	test_assert(get(bp, 0x250, 8) == 0 && get(bp, 0x70, 8) == 0xe0000,
		    "setup_data is cleared, acpi_rsdp_addr set");
	test_assert(boot_bzimage_params(&k, b, &mem, "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789x",
					0, 0, 0, &e) == -E2BIG, "a command line over cmdline_size is refused");
	free(mem.host);
}

static int sums_to_zero(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static const uint8_t *acpi_table(const uint8_t *ram, uint64_t at, const char *sig)
{
	const uint8_t *t = ram + at;

	if (memcmp(t, sig, 4) || !sums_to_zero(t, get(t, 4, 4)))
		return NULL;
	return t;
}

/* Every _PRT entry: slot n's INTA on the GSI machine.c gives the
 * device in that slot (10, 11, alternating from slot 1). */
static void test_prt(const uint8_t *dsdt)
{
	const uint8_t *p = dsdt ? memmem(dsdt, get(dsdt, 4, 4), "_PRT", 4) : NULL;
	const uint8_t *end = dsdt ? dsdt + get(dsdt, 4, 4) : NULL;
	int n = 0, ok = 1;

	if (!p)
		return;
	p += 4;
	test_assert(p[0] == 0x12 && (p[1] & 0xc0) == 0x40 && p[3] == 124,
		    "_PRT is a package of 124 entries (31 slots, 4 pins)");
	for (p += 4; p + 13 <= end && p[0] == 0x12; p += 13, n++) {
		uint32_t addr = get(p, 4, 4);
		int slot = addr >> 16, pin = p[9];

		ok &= p[1] == 12 && p[2] == 4 && p[3] == 0x0c && (addr & 0xffff) == 0xffff &&
		      slot == 1 + n / 4 && pin == n % 4 && p[10] == 0 &&
		      p[12] == ((slot - 1 + pin) % 2 ? 11 : 10);
	}
	test_assert(n == 124 && ok, "each entry: slot, pin, no link, GSI 10/11 by slot and pin");
	test_assert(acpi_pci_gsi(1, 0) == 10 && acpi_pci_gsi(2, 0) == 11 && acpi_pci_gsi(3, 0) == 10,
		    "devices 0, 1, 2 (slots 1-3) on 10, 11, 10");
}

/* iasl -d (acpica-tools) decompiles the DSDT and MADT without an
 * error, and finds the routing in the DSDT. */
static void iasl_check(const uint8_t *ram, const uint8_t *dsdt, const uint8_t *madt)
{
	char dir[] = "/tmp/vm_boot_iasl.XXXXXX", cmd[512], line[256];
	int errors = -1, prt = 0, slot1 = 0;
	FILE *f;

	(void)ram;
	if (!dsdt || !madt || system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("skip: no iasl (acpica-tools)\n");
		return;
	}
	if (!mkdtemp(dir))
		return;
	snprintf(cmd, sizeof(cmd), "%s/dsdt.dat", dir);
	f = fopen(cmd, "w");
	fwrite(dsdt, 1, get(dsdt, 4, 4), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/apic.dat", dir);
	f = fopen(cmd, "w");
	fwrite(madt, 1, get(madt, 4, 4), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat apic.dat 2>&1 | grep -ci error; "
		 "cat dsdt.dsl", dir);
	f = popen(cmd, "r");
	if (fgets(line, sizeof(line), f))
		errors = atoi(line);
	while (fgets(line, sizeof(line), f)) {
		prt |= strstr(line, "Name (_PRT, Package (0x7C)") != NULL;
		slot1 |= strstr(line, "0x0001FFFF") != NULL;
	}
	pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
	test_assert(errors == 0, "iasl -d decompiles the DSDT and MADT without an error");
	test_assert(prt && slot1, "and reads the _PRT, slot 1 in it");
}

static void test_tables(void)
{
	struct vm_mem mem = { NULL, 4 * MiB };
	const uint8_t *ram, *rsdp, *xsdt, *madt, *fadt, *dsdt, *p, *fp, *cfg;
	struct err e = { 0 };
	uint64_t at = 0;
	int cpus = 0, i;

	mem.host = calloc(1, mem.size);
	ram = mem.host;
	test_assert(acpi_write(&mem, 4, &at, &e) == 0 && at == 0xe0000, "the ACPI tables are written, RSDP at 0xe0000");
	rsdp = ram + at;
	test_assert(!memcmp(rsdp, "RSD PTR ", 8) && rsdp[15] == 2 && sums_to_zero(rsdp, 20) &&
		    sums_to_zero(rsdp, 36), "the RSDP (revision 2) checksums over 20 and 36 bytes");
	xsdt = acpi_table(ram, get(rsdp, 24, 8), "XSDT");
	test_assert(xsdt && get(xsdt, 4, 4) == 36 + 16, "the XSDT checksums and holds two tables");
	test_assert(acpi_table(ram, get(rsdp, 16, 4), "RSDT") != NULL, "so does the RSDT");
	fadt = xsdt ? acpi_table(ram, get(xsdt, 36, 8), "FACP") : NULL;
	madt = xsdt ? acpi_table(ram, get(xsdt, 44, 8), "APIC") : NULL;
	test_assert(fadt && get(fadt, 4, 4) == 276 && (get(fadt, 112, 4) & (1u << 20)) &&
		    get(fadt, 116, 1) == 1 && get(fadt, 120, 8) == 0x64 && fadt[128] == 0xfe,
		    "the FADT is hardware-reduced, reset by 0xfe to port 0x64");
	dsdt = fadt ? acpi_table(ram, get(fadt, 140, 8), "DSDT") : NULL;
	test_assert(dsdt && get(fadt, 40, 4) == get(fadt, 140, 8) && memmem(dsdt, get(dsdt, 4, 4), "PCI0", 4) &&
		    memmem(dsdt, get(dsdt, 4, 4), "_CRS", 4),
		    "the DSDT checksums and holds the PCI host bridge with its resources");
	test_assert(madt && get(madt, 36, 4) == 0xfee00000, "the MADT checksums, local APICs at 0xfee00000");
	for (p = madt ? madt + 44 : NULL; p && p < madt + get(madt, 4, 4); p += p[1]) {
		if (p[0] == 0)
			test_assert(p[3] == cpus++ && (p[4] & 1), "local APIC n is CPU n, enabled");
		if (p[0] == 1)
			test_assert(p[2] == 4 && get(p, 4, 4) == 0xfec00000, "the I/O APIC has id 4, at 0xfec00000");
		if (!p[1])
			break;
	}
	test_assert(cpus == 4, "the MADT lists the 4 CPUs");
	test_assert(dsdt && memmem(dsdt, get(dsdt, 4, 4), "_PRT", 4),
		    "the host bridge has an INTx routing table");
	test_prt(dsdt);
	iasl_check(ram, dsdt, madt);
	test_assert(acpi_write(&mem, 64, &at, &e) == 0 && acpi_table(ram, get(xsdt, 44, 8), "APIC") &&
		    acpi_table(ram, get(fadt, 140, 8), "DSDT"),
		    "with 64 CPUs the MADT still fits before the DSDT");
	test_assert(acpi_write(&mem, 0, &at, &e) < 0 && acpi_write(&mem, 65, &at, &e) < 0,
		    "0 or 65 CPUs are refused");

	test_assert(mptable_write(&mem, 4, &e) == 0, "the MP table is written");
	fp = ram + 0xf0000;
	test_assert(!memcmp(fp, "_MP_", 4) && fp[8] == 1 && fp[9] == 4 && sums_to_zero(fp, 16),
		    "the MP floating pointer (spec 1.4) checksums");
	cfg = ram + get(fp, 4, 4);
	test_assert(!memcmp(cfg, "PCMP", 4) && sums_to_zero(cfg, get(cfg, 4, 2)),
		    "the MP configuration table checksums");
	test_assert(get(cfg, 34, 2) == 4 + 1 + 1 + 15 + 2, "4 processors, a bus, an I/O APIC, 15 ISA IRQs, 2 LINTs");
	p = cfg + 44;
	for (i = 0, cpus = 0; i < 4; i++, p += 20)
		cpus += p[0] == 0 && p[1] == i && (p[3] & 1) && !!(p[3] & 2) == (i == 0);
	test_assert(cpus == 4, "processor n has APIC id n, CPU 0 is the BSP");
	free(mem.host);
}

static void test_vmlinux_entry(void)
{
	struct img i;
	struct boot_elf k;
	struct err e = { 0 };

	/* Linux: segments linked high, e_entry physical */
	img_init(&i, 1);
	i.ph[0].vaddr = 0xffffffff81000000ULL;
	i.entry = 0x200000 + offsetof(struct img, code);
	test_assert(boot_elf_parse(&i, sizeof(i), 64 * MiB, &k, &e) == 0 && k.entry == i.entry,
		    "a physical e_entry, as Linux's vmlinux has, is accepted");
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
	test_assert(boot_pvh_info(&mem, "console=ttyS0", 0x3000000, 100, 0, &e) == 0,
		    "the PVH start info is written");
	si = (const uint32_t *)(mem.host + BOOT_START_INFO);
	test_assert(si[0] == 0x336ec578 && si[1] == 1 && si[3] == 1, "with magic, version and one module");
	test_assert(!strcmp((char *)mem.host + BOOT_CMDLINE, "console=ttyS0"), "and the command line");
	{
		char *huge = malloc(BOOT_CMDLINE_MAX + 1);

		memset(huge, 'a', BOOT_CMDLINE_MAX);
		huge[BOOT_CMDLINE_MAX] = 0;
		test_assert(boot_pvh_info(&mem, huge, 0, 0, 0, &e) == -E2BIG,
			    "a command line too long is refused");
		free(huge);
	}
	free(mem.host);
	test_bzimage();
	test_tables();
	test_vmlinux_entry();
	return test_report();
}
