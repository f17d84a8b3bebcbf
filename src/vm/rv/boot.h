/*
 * rv boot -- loading a riscv64 kernel into guest RAM: a Linux RISC-V
 * Image (Documentation/arch/riscv/boot-image-header.rst: "RSC\x05" at
 * 0x38, text_offset, image_size), an ELF64 EM_RISCV executable (segments
 * by physical address), or anything else as a raw binary at RAM + 2 MiB.
 *
 * The file is untrusted: every header field is checked, every byte is
 * copied into guest RAM through gmem_ptr().
 */
#ifndef STRATA_VM_RV_BOOT_H
#define STRATA_VM_RV_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "dev/gmem.h"
#include "lib/err.h"

#define RV_KERNEL_OFFSET	0x200000	/* raw binaries: RAM + 2 MiB */

enum rv_kernel_kind {
	RV_KERNEL_IMAGE,
	RV_KERNEL_ELF,
	RV_KERNEL_RAW,
};

struct rv_kernel {
	enum rv_kernel_kind kind;
	uint64_t entry;		/* guest physical */
	uint64_t start, end;	/* what it occupies, image_size included */
};

/* Load @file into the first region of @ram. */
int rv_boot_load(const void *file, size_t len, const struct gmem *ram,
		 struct rv_kernel *k, struct err *e);

#endif
