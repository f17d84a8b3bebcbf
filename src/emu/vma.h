/*
 * vma -- the set of address ranges that belong to the guest.
 *
 * In user mode guest addresses are host addresses (mem_base 0), so the
 * guest's mmap(MAP_FIXED), munmap, mprotect and mremap could reach
 * strata's own code, heap and stacks.  Every range the guest receives
 * (segments, stack, brk, mmap results) is recorded here, and a request
 * that touches anything else is refused unless that part is unmapped.
 */
#ifndef STRATA_EMU_VMA_H
#define STRATA_EMU_VMA_H

#include <stdint.h>

/* the guest's page: 4 KiB, as the host's (ranges are host mappings) */
#define PAGE		4096ULL
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define PAGE_DOWN(x)	((x) & ~(PAGE - 1))

struct vma_range {
	uint64_t start, end;	/* [start, end), page aligned */
};

struct vma_set {
	struct vma_range *v;	/* sorted, disjoint, adjacent ones merged */
	int n, cap;
};

/* 0 or -ENOMEM.  Adding merges; removing splits. */
int vma_add(struct vma_set *s, uint64_t start, uint64_t end);
int vma_remove(struct vma_set *s, uint64_t start, uint64_t end);

/* 1 when every byte of [start, end) is the guest's. */
int vma_covers(const struct vma_set *s, uint64_t start, uint64_t end);

/* 1 when the parts of [start, end) that are not the guest's hold no
 * host mapping at all (read from /proc/self/maps): safe for MAP_FIXED. */
int vma_free_or_guest(const struct vma_set *s, uint64_t start, uint64_t end);

/* The guest's parts of [lo, hi), one per call, in order: start with
 * *@pos = 0; 1 with the part in [*@ps, *@pe), 0 when there is no more.
 *	for (pos = 0; vma_clip_next(s, &pos, lo, hi, &ps, &pe); ) ... */
int vma_clip_next(const struct vma_set *s, int *pos, uint64_t lo, uint64_t hi,
		  uint64_t *ps, uint64_t *pe);

void vma_free(struct vma_set *s);

#endif
