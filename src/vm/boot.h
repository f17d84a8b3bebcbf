/*
 * boot -- direct kernel boot: the ELF loader (64-bit entry or the PVH
 * note's 32-bit entry), the bzImage loader (Linux x86 boot protocol),
 * the memory map they share and the boot area in low guest memory.
 *
 * Boot area (guest physical), written by the VMM before the first run:
 *
 *   0x00500  GDT: null, null, code 0x10, data 0x18, tss 0x20
 *   0x01000  PML4 -> 0x2000 PDPT -> 0x3000..0x6fff four PDs (2 MiB pages,
 *            identity map of the first 4 GiB)
 *   0x07000  hvm_start_info, 0x7040 module list, 0x7080 memory map
 *   0x08000  command line (BOOT_CMDLINE_MAX bytes with its NUL)
 *   0x09000  boot_params, the bzImage "zero page" (4 KiB)
 *   0x7f000  initial stack top (64-bit entry)
 *   0x9fc00  .. 1 MiB: reserved (EBDA, VGA, BIOS), as on a PC; the
 *            ACPI tables and the MP table live in [0xe0000, 1 MiB)
 *
 * Kernels load at or above 1 MiB, so none of this can be overwritten.
 */
#ifndef STRATA_VM_BOOT_H
#define STRATA_VM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "vm/machine.h"

#define BOOT_GDT		0x500
#define BOOT_PML4		0x1000
#define BOOT_PDPT		0x2000
#define BOOT_PD			0x3000
#define BOOT_START_INFO		0x7000
#define BOOT_MODLIST		0x7040
#define BOOT_MEMMAP		0x7080
#define BOOT_MEMMAP_MAX		8
#define BOOT_CMDLINE		0x8000
#define BOOT_CMDLINE_MAX	4096
#define BOOT_PARAMS		0x9000
#define BOOT_STACK		0x7f000
#define BOOT_LOW_RAM_END	0x9fc00
#define BOOT_BIOS_START		0xe0000
#define BOOT_KERNEL_MIN		0x100000

/* The guest's memory map (E820 types), the same for every boot path. */
#define BOOT_E820_RAM		1
#define BOOT_E820_RESERVED	2
#define BOOT_E820_MAX		4

struct boot_e820 {
	uint64_t addr, size;
	uint32_t type;
};

/* Fill @map (BOOT_E820_MAX entries) for a guest of @mem_size bytes;
 * returns the number of entries. */
int boot_memmap(uint64_t mem_size, struct boot_e820 *map);

#define BOOT_ELF_MAX_SEGS	16

/* One PT_LOAD segment, validated: file part inside the file, memory
 * part inside [BOOT_KERNEL_MIN, mem_size). */
struct boot_elf_seg {
	uint64_t paddr, offset, filesz, memsz;
};

struct boot_elf {
	uint64_t entry;		/* physical address of the 64-bit entry */
	int pvh;		/* a XEN_ELFNOTE_PHYS32_ENTRY note was found */
	uint32_t pvh_entry;	/* its 32-bit physical entry */
	int nseg;
	struct boot_elf_seg seg[BOOT_ELF_MAX_SEGS];
	uint64_t lo, hi;	/* physical span of all segments */
};

/* Validate a whole ELF64 x86-64 file of @size bytes before using any of
 * it, for a guest of @mem_size bytes.  One-line errors ("not an ELF
 * file", "segment outside guest memory", ...). */
int boot_elf_parse(const void *file, size_t size, uint64_t mem_size,
		   struct boot_elf *out, struct err *e);

/* Copy the segments (zeroing bss) into guest memory. */
int boot_elf_load(const struct boot_elf *k, const void *file,
		  const struct vm_mem *mem, struct err *e);

/* Write hvm_start_info, the memory map, the command line, the initrd
 * module entry (when @initrd_size) and the ACPI RSDP address (0: none)
 * into the boot area. */
int boot_pvh_info(const struct vm_mem *mem, const char *cmdline,
		  uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp,
		  struct err *e);

/* Write the command line at BOOT_CMDLINE; at most @max bytes before
 * its NUL. */
int boot_cmdline(const struct vm_mem *mem, const char *cmdline, size_t max,
		 struct err *e);

/* A bzImage (Documentation/arch/x86/boot.rst), validated. */
struct boot_bzimage {
	uint16_t version;	/* boot protocol, 0x20f = 2.15 */
	uint64_t setup_size;	/* boot sector + setup code: file offset of the kernel */
	uint64_t kernel_size;	/* protected-mode kernel bytes in the file */
	uint64_t load;		/* guest address it is copied to */
	uint64_t end;		/* end of the memory it needs (init_size) */
	uint64_t entry;		/* load + 0x200 (64-bit) or load (32-bit) */
	int entry64;		/* xloadflags XLF_KERNEL_64 */
	uint32_t cmdline_max;	/* bytes before the NUL */
	uint64_t initrd_end;	/* the initrd must end at or below */
	uint32_t hdr_end;	/* the setup header is file [0x1f1, hdr_end) */
};

/* Does @file look like a bzImage ("HdrS" at 0x202)?  Then it must be
 * parsed as one: errors say what is wrong with it. */
int boot_is_bzimage(const void *file, size_t size);

/* Validate a whole bzImage of @size bytes for a guest of @mem_size
 * bytes before using any of it.  One-line errors ("boot protocol 2.02
 * is too old", "truncated bzImage", "kernel needs 40 MiB", ...). */
int boot_bzimage_parse(const void *file, size_t size, uint64_t mem_size,
		       struct boot_bzimage *out, struct err *e);

/* Copy the protected-mode kernel to k->load. */
int boot_bzimage_load(const struct boot_bzimage *k, const void *file,
		      const struct vm_mem *mem, struct err *e);

/* Fill boot_params at BOOT_PARAMS: the file's setup header with the
 * loader's fields, the command line, the E820 map, the initrd and (when
 * not 0) the ACPI RSDP address. */
int boot_bzimage_params(const struct boot_bzimage *k, const void *file,
			const struct vm_mem *mem, const char *cmdline,
			uint64_t initrd_addr, uint64_t initrd_size,
			uint64_t rsdp, struct err *e);

#endif
