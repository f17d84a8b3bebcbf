/*
 * boot_bzimage -- direct boot of a Linux bzImage through the x86 boot
 * protocol (Documentation/arch/x86/boot.rst), as a boot loader that runs
 * no real-mode code: the protected-mode kernel is copied to memory, the
 * zero page (struct boot_params) is filled from the file's setup header
 * plus the loader's fields, and the CPU enters at the 64-bit entry
 * (load + 0x200, protocol 2.12 XLF_KERNEL_64) or the 32-bit one.
 *
 * File layout: a boot sector and setup_sects sectors of real-mode setup
 * code (the setup header at 0x1f1 inside them), then the protected-mode
 * kernel to the end of the file.  Everything is validated before a byte
 * is copied: the header inside the file, protocol 2.06 or newer (it
 * gives cmdline_size; 2.10 gives init_size and pref_address), a
 * bzImage (LOADED_HIGH), the kernel's memory (init_size) inside guest RAM.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vm/boot.h"

/* setup header fields, as offsets in the file and in boot_params */
#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_EXT_LOADER_VER	0x226
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_SETUP_DATA		0x250
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_206		0x23c	/* end of the 2.06 header */
#define HDR_END_210		0x264	/* end of init_size */

/* boot_params (the zero page), outside the setup header */
#define BP_SIZE			4096
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR_MAX		0x290	/* edd_mbr_sig_buffer starts here */
#define BP_E820_TABLE		0x2d0

#define LOADED_HIGH		0x01
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01
#define SETUP_SECTS_MAX		64	/* setup runs in a 64 KiB segment */
#define BOOT_FLAG		0xaa55
#define LOADER_UNDEFINED	0xff

static uint8_t rd8(const uint8_t *p, size_t off)
{
	return p[off];
}

static uint16_t rd16(const uint8_t *p, size_t off)
{
	return p[off] | p[off + 1] << 8;
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return rd16(p, off) | (uint32_t)rd16(p, off + 2) << 16;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	return rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}

static void wr8(uint8_t *p, size_t off, uint8_t v)
{
	p[off] = v;
}

static void wr16(uint8_t *p, size_t off, uint16_t v)
{
	wr8(p, off, v);
	wr8(p, off + 1, v >> 8);
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
	wr16(p, off, v);
	wr16(p, off + 2, v >> 16);
}

static void wr64(uint8_t *p, size_t off, uint64_t v)
{
	wr32(p, off, v);
	wr32(p, off + 4, v >> 32);
}

int boot_is_bzimage(const void *file, size_t size)
{
	return size >= HDR_MAGIC + 4 &&
	       !memcmp((const uint8_t *)file + HDR_MAGIC, "HdrS", 4);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

/* The boot sector, the setup header and the sizes in it. */
static int bz_header(const uint8_t *f, size_t size, struct boot_bzimage *k,
		     struct err *e)
{
	unsigned int sects;

	if (!boot_is_bzimage(f, size))
		return err_msg(e, -ENOEXEC, "not a bzImage (no HdrS header)");
	if (size < HDR_VERSION + 2)
		return err_msg(e, -ENOEXEC, "truncated bzImage (%zu bytes)", size);
	k->version = rd16(f, HDR_VERSION);
	if (k->version < 0x206)
		return err_msg(e, -ENOEXEC, "Linux boot protocol %u.%02u is too old (2.06 or newer needed)",
			       k->version >> 8, k->version & 0xff);
	sects = rd8(f, HDR_SETUP_SECTS);
	if (!sects)
		sects = 4;	/* as boot.rst says for old kernels */
	if (sects > SETUP_SECTS_MAX)
		return err_msg(e, -ENOEXEC, "setup_sects %u too big (at most %d)",
			       sects, SETUP_SECTS_MAX);
	k->setup_size = (sects + 1) * 512ULL;
	if (size < k->setup_size)
		return err_msg(e, -ENOEXEC, "truncated bzImage: %zu bytes, the setup code alone is %llu",
			       size, (unsigned long long)k->setup_size);
	if (rd16(f, HDR_BOOT_FLAG) != BOOT_FLAG)
		return err_msg(e, -ENOEXEC, "bad bzImage: no 0xaa55 boot flag");
	if (rd8(f, HDR_JUMP) != 0xeb)
		return err_msg(e, -ENOEXEC, "bad bzImage: no jump over the setup header");
	/* the header ends where its jump lands */
	k->hdr_end = HDR_JUMP + 2 + rd8(f, HDR_JUMP + 1);
	if (k->hdr_end < HDR_END_206)
		return err_msg(e, -ENOEXEC, "bad bzImage: setup header too short for protocol %u.%02u",
			       k->version >> 8, k->version & 0xff);
	if (k->hdr_end > BP_HDR_MAX)
		k->hdr_end = BP_HDR_MAX;
	if (!(rd8(f, HDR_LOADFLAGS) & LOADED_HIGH))
		return err_msg(e, -ENOEXEC, "a zImage (kernel loaded below 1 MiB) is not supported");
	k->kernel_size = size - k->setup_size;
	if (!k->kernel_size)
		return err_msg(e, -ENOEXEC, "bzImage without a protected-mode kernel");
	if (rd32(f, HDR_SYSSIZE) * 16ULL > k->kernel_size)
		return err_msg(e, -ENOEXEC, "truncated bzImage: syssize says %llu kernel bytes, the file has %llu",
			       rd32(f, HDR_SYSSIZE) * 16ULL,
			       (unsigned long long)k->kernel_size);
	return 0;
}

/*
 * Where the kernel goes and how much memory it needs from there.  A
 * relocatable kernel runs from its load address aligned up to
 * kernel_alignment (it moves itself); pref_address (2.10) is taken when
 * it fits, since the kernel need not move then; otherwise 1 MiB.
 */
static int bz_placement(const uint8_t *f, uint64_t mem_size,
			struct boot_bzimage *k, struct err *e)
{
	int v210 = k->version >= 0x20a && k->hdr_end >= HDR_END_210;
	int reloc = rd8(f, HDR_RELOCATABLE);
	uint64_t pref = v210 ? rd64(f, HDR_PREF_ADDRESS) : BOOT_KERNEL_MIN;
	uint64_t init = v210 ? rd32(f, HDR_INIT_SIZE) : 0;
	uint64_t align = reloc ? rd32(f, HDR_KERNEL_ALIGNMENT) : 0;
	uint64_t need;

	if (init < k->kernel_size)
		init = k->kernel_size;
	if (pref < BOOT_KERNEL_MIN || pref > VM_MEM_MAX)
		pref = BOOT_KERNEL_MIN;
	if (align > VM_MEM_MAX)
		return err_msg(e, -ENOEXEC, "bad bzImage: kernel_alignment %#llx",
			       (unsigned long long)align);
	k->load = pref;
	if (reloc && (pref > mem_size || init > mem_size - pref))
		k->load = BOOT_KERNEL_MIN;
	need = (reloc ? align_up(k->load, align) : k->load) + init;
	if (need > mem_size || k->load + k->kernel_size > mem_size)
		return err_msg(e, -E2BIG, "kernel needs %llu MiB of memory (init_size %#llx from %#llx), the guest has %llu MiB",
			       (unsigned long long)((need + (1 << 20) - 1) >> 20),
			       (unsigned long long)init,
			       (unsigned long long)(need - init),
			       (unsigned long long)(mem_size >> 20));
	k->end = need;
	return 0;
}

int boot_bzimage_parse(const void *file, size_t size, uint64_t mem_size,
		       struct boot_bzimage *out, struct err *e)
{
	const uint8_t *f = file;
	uint64_t max;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bz_header(f, size, out, e);
	if (ret == 0)
		ret = bz_placement(f, mem_size, out, e);
	if (ret < 0)
		return ret;
	out->entry64 = out->version >= 0x20c &&
		       (rd16(f, HDR_XLOADFLAGS) & XLF_KERNEL_64);
	out->entry = out->load + (out->entry64 ? 0x200 : 0);
	if (out->entry >= out->load + out->kernel_size)
		return err_msg(e, -ENOEXEC, "bad bzImage: the 64-bit entry is past the kernel's end");
	out->cmdline_max = rd32(f, HDR_CMDLINE_SIZE);
	max = rd32(f, HDR_INITRD_ADDR_MAX);
	/* initrd_addr_max is the last byte the initrd may use (0: the
	 * 0x37ffffff that boot.rst gives for old kernels) */
	out->initrd_end = max ? max + 1ULL : 0x38000000ULL;
	if (out->initrd_end > mem_size)
		out->initrd_end = mem_size;
	return 0;
}

int boot_bzimage_load(const struct boot_bzimage *k, const void *file,
		      const struct vm_mem *mem, struct err *e)
{
	uint8_t *dst = guest_ptr(mem, k->load, k->kernel_size);

	if (!dst)
		return err_msg(e, -E2BIG, "kernel outside guest memory");
	memcpy(dst, (const uint8_t *)file + k->setup_size, k->kernel_size);
	return 0;
}

static void bz_e820(const struct vm_mem *mem, uint8_t *bp)
{
	struct boot_e820 map[BOOT_E820_MAX];
	int i, n = boot_memmap(mem->size, map);

	for (i = 0; i < n; i++) {
		wr64(bp, BP_E820_TABLE + i * 20, map[i].addr);
		wr64(bp, BP_E820_TABLE + i * 20 + 8, map[i].size);
		wr32(bp, BP_E820_TABLE + i * 20 + 16, map[i].type);
	}
	wr8(bp, BP_E820_ENTRIES, n);
}

int boot_bzimage_params(const struct boot_bzimage *k, const void *file,
			const struct vm_mem *mem, const char *cmdline,
			uint64_t initrd_addr, uint64_t initrd_size,
			uint64_t rsdp, struct err *e)
{
	uint8_t *bp = guest_ptr(mem, BOOT_PARAMS, BP_SIZE);
	int ret;

	if (!bp)
		return err_msg(e, -ENOMEM, "guest memory too small for the boot area");
	ret = boot_cmdline(mem, cmdline, k->cmdline_max, e);
	if (ret < 0)
		return ret;
	if (initrd_size && (initrd_addr + initrd_size > k->initrd_end ||
			    initrd_addr + initrd_size > 0xffffffffULL))
		return err_msg(e, -E2BIG, "initrd above the kernel's initrd_addr_max");
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, (const uint8_t *)file + HDR_START,
	       k->hdr_end - HDR_START);
	wr8(bp, HDR_TYPE_OF_LOADER, LOADER_UNDEFINED);
	wr8(bp, HDR_EXT_LOADER_VER, 0);
	/* no real-mode setup code runs, so it has no heap to be told of */
	wr8(bp, HDR_LOADFLAGS, rd8(bp, HDR_LOADFLAGS) & ~CAN_USE_HEAP);
	wr16(bp, HDR_HEAP_END_PTR, 0);
	wr32(bp, HDR_CODE32_START, k->load);
	wr32(bp, HDR_CMD_LINE_PTR, BOOT_CMDLINE);
	wr32(bp, BP_EXT_CMD_LINE_PTR, 0);
	wr32(bp, HDR_RAMDISK_IMAGE, initrd_size ? initrd_addr : 0);
	wr32(bp, HDR_RAMDISK_SIZE, initrd_size);
	wr32(bp, BP_EXT_RAMDISK_IMAGE, 0);
	wr32(bp, BP_EXT_RAMDISK_SIZE, 0);
	if (k->hdr_end >= HDR_SETUP_DATA + 8)
		wr64(bp, HDR_SETUP_DATA, 0);
	if (k->version >= 0x20e)
		wr64(bp, BP_ACPI_RSDP_ADDR, rsdp);
	bz_e820(mem, bp);
	return 0;
}
