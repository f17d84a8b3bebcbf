/*
 * emu_vma -- the guest's address ranges (src/emu/vma.c): adding merges,
 * removing splits, coverage is exact, and host mappings are never
 * mistaken for free space.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "emu/vma.h"
#include "test.h"

int main(void)
{
	struct vma_set s = { 0 };
	void *host;

	vma_add(&s, 0x1000, 0x3000);
	vma_add(&s, 0x5000, 0x6000);
	test_assert(s.n == 2, "two apart ranges stay two");
	vma_add(&s, 0x3000, 0x5000);
	test_assert(s.n == 1 && s.v[0].start == 0x1000 && s.v[0].end == 0x6000,
		    "a range that fills the gap merges all three");
	test_assert(vma_covers(&s, 0x2000, 0x6000), "a covered range is covered");
	test_assert(!vma_covers(&s, 0x2000, 0x7000), "a range past the end is not");
	vma_remove(&s, 0x2000, 0x3000);
	test_assert(s.n == 2 && s.v[0].end == 0x2000 && s.v[1].start == 0x3000,
		    "removing the middle splits");
	test_assert(!vma_covers(&s, 0x1000, 0x4000), "a hole breaks coverage");
	vma_remove(&s, 0x0, 0x10000);
	test_assert(s.n == 0, "removing everything empties the set");
	vma_add(&s, 0x10000, 0x20000);
	vma_add(&s, 0x8000, 0x12000);
	vma_add(&s, 0x30000, 0x40000);
	vma_add(&s, 0x1f000, 0x31000);
	test_assert(s.n == 1 && s.v[0].start == 0x8000 && s.v[0].end == 0x40000,
		    "overlapping adds merge into one range");
	vma_remove(&s, 0x8000, 0x9000);
	vma_remove(&s, 0x3f000, 0x40000);
	test_assert(s.n == 1 && s.v[0].start == 0x9000 && s.v[0].end == 0x3f000,
		    "trimming both ends keeps one range");

	host = malloc(1 << 20);
	test_assert(!vma_free_or_guest(&s, (uintptr_t)host & ~0xfffULL,
				       ((uintptr_t)host & ~0xfffULL) + 0x1000),
		    "strata's own heap is not free for the guest");
	test_assert(vma_free_or_guest(&s, 0x9000, 0x3f000), "the guest's own range is");
	free(host);
	host = mmap(NULL, 0x3000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(host, 0x3000);
	test_assert(vma_free_or_guest(&s, (uintptr_t)host, (uintptr_t)host + 0x3000),
		    "unmapped space is free");
	vma_free(&s);
	vma_free(&s);
	vma_add(&s, 0x1000, 0x3000);
	vma_add(&s, 0x5000, 0x6000);
	vma_add(&s, 0x8000, 0x9000);
	{
		uint64_t ps, pe, got[6] = { 0 };
		int pos, k = 0;

		for (pos = 0; k < 6 && vma_clip_next(&s, &pos, 0x2000, 0x8800, &ps, &pe); k += 2) {
			got[k] = ps;
			got[k + 1] = pe;
		}
		test_assert(k == 6 && got[0] == 0x2000 && got[1] == 0x3000 &&
			    got[2] == 0x5000 && got[3] == 0x6000 &&
			    got[4] == 0x8000 && got[5] == 0x8800,
			    "clip: the guest's parts of a range, cut to it, in order");
		pos = 0;
		test_assert(!vma_clip_next(&s, &pos, 0x3000, 0x5000, &ps, &pe),
			    "clip: a range in a hole has no part");
		pos = 0;
		test_assert(!vma_clip_next(&s, &pos, 0x9000, 0x20000, &ps, &pe),
			    "clip: nor one past the last");
	}
	vma_free(&s);
	return test_report();
}
