/*
 * fuzz_vm_elf -- libFuzzer target for the kernel ELF validator of
 * src/vm/boot_elf.c, which every `strata vm run --kernel` puts an
 * untrusted file through.  Nothing may crash or trip a sanitizer, and an
 * accepted file must hold the contract the loader relies on: every
 * segment's file part inside the file, its memory part inside guest RAM
 * above the boot area, segments disjoint, the entry (and the PVH entry)
 * inside a segment.  Accepted files are then loaded into a 4 MiB guest.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_vm_elf FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm/boot.h"
#include "vm/machine.h"

#define MEM (4ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static int inside(const struct boot_elf *k, uint64_t a)
{
	int i;

	for (i = 0; i < k->nseg; i++)
		if (a >= k->seg[i].paddr && a - k->seg[i].paddr < k->seg[i].memsz)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_mem mem;
	struct boot_elf k;
	struct err e = { 0 };
	int i, j;

	if (!mem.host) {
		mem.host = calloc(1, MEM);
		mem.size = MEM;
	}
	if (boot_elf_parse(data, size, MEM, &k, &e) < 0)
		return 0;
	check(k.nseg > 0 && k.nseg <= BOOT_ELF_MAX_SEGS, "segment count");
	for (i = 0; i < k.nseg; i++) {
		const struct boot_elf_seg *s = &k.seg[i];

		check(s->offset <= size && s->filesz <= size - s->offset, "file part in file");
		check(s->filesz <= s->memsz, "filesz <= memsz");
		check(s->paddr >= BOOT_KERNEL_MIN && s->paddr <= MEM &&
		      s->memsz <= MEM - s->paddr, "memory part in RAM above the boot area");
		for (j = 0; j < i; j++)
			check(s->paddr >= k.seg[j].paddr + k.seg[j].memsz ||
			      k.seg[j].paddr >= s->paddr + s->memsz, "segments disjoint");
	}
	/* a PVH kernel is entered through its note; its e_entry is not used */
	check(k.pvh || inside(&k, k.entry), "entry inside a segment");
	check(!k.pvh || inside(&k, k.pvh_entry), "PVH entry inside a segment");
	check(boot_elf_load(&k, data, &mem, &e) == 0, "an accepted file loads");
	return 0;
}
