/*
 * boot -- direct kernel boot: the ELF loader (64-bit entry or the PVH
 * note's 32-bit entry) and the boot area in low guest memory.
 *
 * Boot area (guest physical), written by the VMM before the first run:
 *
 *   0x00500  GDT: null, null, code 0x10, data 0x18, tss 0x20
 *   0x01000  PML4 -> 0x2000 PDPT -> 0x3000..0x6fff four PDs (2 MiB pages,
 *            identity map of the first 4 GiB)
 *   0x07000  hvm_start_info, 0x7040 module list, 0x7080 memory map
 *   0x08000  command line (BOOT_CMDLINE_MAX bytes with its NUL)
 *   0x7f000  initial stack top (64-bit entry)
 *   0x9fc00  .. 1 MiB: reserved (EBDA, VGA, BIOS), as on a PC
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
#define BOOT_STACK		0x7f000
#define BOOT_LOW_RAM_END	0x9fc00
#define BOOT_KERNEL_MIN		0x100000

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

/* Write hvm_start_info, the memory map, the command line and the initrd
 * module entry (when @initrd_size) into the boot area. */
int boot_pvh_info(const struct vm_mem *mem, const char *cmdline,
		  uint64_t initrd_addr, uint64_t initrd_size, struct err *e);

#endif
