/*
 * Unit tests for the riscv64 machine's pieces that need no hart: the
 * device tree (src/vm/rv/dtb.c), decoded by dtc without a warning, and
 * the kernel loader (src/vm/rv/boot.c) for an Image, an ELF, a raw
 * binary and bad files.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit/test.h"
#include "vm/rv/boot.h"
#include "vm/rv/dtb.h"
#include "vm/rv/rv.h"

#define RAM	(8u << 20)

static char dts[32768];

/* dtc's decoding of @blob into dts[], and its warnings count */
static int decode(const void *blob, size_t len, int *warnings)
{
	char in[] = "/tmp/strata-rvdtb-XXXXXX", cmd[160];
	size_t n;
	FILE *p;
	int fd, rc;

	fd = mkstemp(in);
	if (fd < 0 || write(fd, blob, len) != (ssize_t)len)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts %s 2>&1", in);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(dts, 1, sizeof(dts) - 1, p);
	dts[n] = 0;
	rc = pclose(p);
	unlink(in);
	*warnings = strstr(dts, "Warning") != NULL;
	return rc;
}

static void test_dtb(void)
{
	struct rv_dtb_cfg c = {
		.nharts = 3, .ram_size = 256 << 20, .bootargs = "console=ttyS0 quiet",
		.initrd_start = 0x8f000000, .initrd_end = 0x8f100000, .nvirtio = 2,
	};
	struct err e = { 0 };
	void *blob;
	size_t len;
	int warn;

	test_assert(rv_dtb_build(&c, &blob, &len, &e) == 0, "the DTB builds");
	if (access("/usr/bin/dtc", X_OK) != 0) {
		fprintf(stderr, "rv_machine: no dtc, the DTB is not decoded\n");
		free(blob);
		return;
	}
	test_assert(decode(blob, len, &warn) == 0, "dtc decodes it");
	test_assert(!warn, "without a warning");
	if (warn)
		fprintf(stderr, "%s", dts);
	test_assert(strstr(dts, "bootargs = \"console=ttyS0 quiet\";") != NULL, "bootargs");
	test_assert(strstr(dts, "stdout-path = \"/soc/serial@10000000\";") != NULL, "stdout-path");
	test_assert(strstr(dts, "linux,initrd-start = <0x00 0x8f000000>;") &&
		    strstr(dts, "linux,initrd-end = <0x00 0x8f100000>;"), "initrd");
	test_assert(strstr(dts, "reg = <0x00 0x80000000 0x00 0x10000000>;") != NULL, "memory");
	test_assert(strstr(dts, "timebase-frequency = <0x989680>;") != NULL, "10 MHz timebase");
	test_assert(strstr(dts, "cpu@2 {") && !strstr(dts, "cpu@3"), "one cpu node per hart");
	test_assert(strstr(dts, "riscv,isa = \"rv64imafdc\";") != NULL, "isa");
	test_assert(strstr(dts, "mmu-type = \"riscv,sv39\";") != NULL, "mmu-type");
	test_assert(strstr(dts, "compatible = \"riscv,cpu-intc\";") != NULL, "hart intc");
	test_assert(strstr(dts, "compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";") != NULL, "plic");
	test_assert(strstr(dts, "interrupts-extended = <0x01 0x0b 0x01 0x09 0x02 0x0b 0x02 0x09 0x03 0x0b 0x03 0x09>;") != NULL,
		    "PLIC contexts: M (11) and S (9) of each hart");
	test_assert(strstr(dts, "riscv,ndev = <0x1f>;") != NULL, "31 sources");
	test_assert(strstr(dts, "compatible = \"ns16550a\";") != NULL, "uart");
	test_assert(strstr(dts, "virtio_mmio@10002000 {") && !strstr(dts, "virtio_mmio@10003000"),
		    "one virtio,mmio node per device");
	test_assert(strstr(dts, "compatible = \"syscon-reboot\";") && !strstr(dts, "syscon-poweroff"),
		    "syscon-reboot, no syscon-poweroff (SBI SRST powers off)");
	free(blob);

	c.nharts = 64;
	c.nvirtio = RV_VIRTIO_MAX;
	c.initrd_start = c.initrd_end = 0;
	test_assert(rv_dtb_build(&c, &blob, &len, &e) == 0, "64 harts, 13 devices");
	if (decode(blob, len, &warn) == 0)
		test_assert(!strstr(dts, "linux,initrd") && strstr(dts, "cpu@3f {"), "no initrd, hart 63");
	free(blob);
	c.nharts = 65;
	test_assert(rv_dtb_build(&c, &blob, &len, &e) < 0, "65 harts are too many");
}

static uint8_t *ram;
static struct gmem mem;

static void test_image(void)
{
	uint8_t img[0x100] = { 0 };
	struct rv_kernel k;
	struct err e = { 0 };
	uint64_t v;

	memcpy(img + 0x38, "RSC\x05", 4);
	v = 0x200000;
	memcpy(img + 8, &v, 8);
	v = 0x3000;		/* image_size: more than the file */
	memcpy(img + 16, &v, 8);
	img[0x80] = 0xab;
	memset(ram + 0x200100, 0xee, 0x100);
	test_assert(rv_boot_load(img, sizeof(img), &mem, &k, &e) == 0, "an Image loads");
	test_assert(k.kind == RV_KERNEL_IMAGE && k.entry == 0x80200000, "at RAM + text_offset");
	test_assert(k.end == 0x80203000, "image_size counts");
	test_assert(ram[0x200080] == 0xab && ram[0x200100] == 0, "copied, the rest zeroed");
	v = 0x1234;
	memcpy(img + 8, &v, 8);
	test_assert(rv_boot_load(img, sizeof(img), &mem, &k, &e) < 0, "an unaligned text_offset");
	v = 0x200000;
	memcpy(img + 8, &v, 8);
	v = 64ULL << 20;
	memcpy(img + 16, &v, 8);
	test_assert(rv_boot_load(img, sizeof(img), &mem, &k, &e) < 0 && strstr(e.msg, "do not fit"),
		    "an image_size bigger than RAM");
}

static void test_elf(void)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
		uint8_t code[16];
	} f;
	struct rv_kernel k;
	struct err e = { 0 };

	memset(&f, 0, sizeof(f));
	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_type = ET_EXEC;
	f.eh.e_machine = EM_RISCV;
	f.eh.e_phoff = sizeof(f.eh);
	f.eh.e_phentsize = sizeof(Elf64_Phdr);
	f.eh.e_phnum = 2;
	f.eh.e_entry = 0xffffffff80000004ULL;	/* virtual, as vmlinux */
	f.ph[0].p_type = PT_LOAD;
	f.ph[0].p_offset = offsetof(typeof(f), code);
	f.ph[0].p_vaddr = 0xffffffff80000000ULL;
	f.ph[0].p_paddr = 0x80400000;
	f.ph[0].p_filesz = 16;
	f.ph[0].p_memsz = 0x1000;
	f.ph[1].p_type = PT_NOTE;
	memset(f.code, 0x13, 16);
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) == 0, "an ELF loads");
	test_assert(k.kind == RV_KERNEL_ELF && k.entry == 0x80400004,
		    "the entry is translated through its segment");
	test_assert(ram[0x400000] == 0x13 && k.end == 0x80401000, "by physical address");
	f.eh.e_entry = 0x1234;
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) < 0, "an entry in no segment");
	f.eh.e_entry = 0xffffffff80000004ULL;
	f.ph[0].p_paddr = 0x1000;
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) < 0, "a segment outside RAM");
	f.ph[0].p_paddr = 0x80400000;
	f.ph[0].p_filesz = 0x2000;
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) < 0, "filesz past the file");
	f.ph[0].p_filesz = 16;
	f.eh.e_machine = EM_X86_64;
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) < 0 &&
		    strstr(e.msg, "not a RISC-V executable"), "an x86 ELF");
	f.eh.e_machine = EM_RISCV;
	f.eh.e_phnum = 1000;
	test_assert(rv_boot_load(&f, sizeof(f), &mem, &k, &e) < 0, "too many program headers");
}

static void test_raw(void)
{
	static const uint8_t code[] = { 0x73, 0x00, 0x10, 0x00 };
	struct rv_kernel k;
	struct err e = { 0 };

	test_assert(rv_boot_load(code, sizeof(code), &mem, &k, &e) == 0, "a raw binary loads");
	test_assert(k.kind == RV_KERNEL_RAW && k.entry == 0x80200000 && ram[0x200000] == 0x73,
		    "at RAM + 2 MiB");
	test_assert(rv_boot_load(code, 0, &mem, &k, &e) < 0, "an empty file");
}

int main(void)
{
	ram = calloc(1, RAM);
	mem.r[0] = (struct gmem_region){ RV_RAM_BASE, RAM, ram };
	mem.n = 1;
	test_dtb();
	test_image();
	test_elf();
	test_raw();
	free(ram);
	return test_report();
}
