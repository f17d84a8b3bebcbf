/*
 * gmem -- guest physical memory as the VMM sees it: a few regions, each
 * one host mapping.  Shared by every CPU backend (x86 RAM starts at 0,
 * RISC-V RAM at 0x80000000) and by every device that reads or writes
 * guest memory (virtqueues, DMA of virtio-blk/net).
 *
 * Every guest-supplied address goes through gmem_ptr(): a range is only
 * valid when all of it lies inside one region.
 */
#ifndef STRATA_DEV_GMEM_H
#define STRATA_DEV_GMEM_H

#include <stdint.h>

#define GMEM_MAX_REGIONS 4

struct gmem_region {
	uint64_t gpa, size;
	uint8_t *host;
};

struct gmem {
	struct gmem_region r[GMEM_MAX_REGIONS];
	int n;
};

/* The host address of guest physical [gpa, gpa+len), or NULL when the
 * range is empty or not wholly inside one region. */
void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len);

#endif
