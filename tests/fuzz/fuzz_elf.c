/*
 * fuzz_elf -- libFuzzer target for the riscv64 ELF header validator of
 * src/emu/elf.c, the one parser every `strata emu run` puts an untrusted
 * file through.  Nothing may crash or trip a sanitizer, and an accepted
 * file must hold the contract the loader relies on: every segment's file
 * part inside the file, segments ascending and disjoint inside [lo, hi),
 * the entry point inside a segment, the span bounded.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_elf FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_info info;
	uint64_t prev = 0;
	struct err e;
	int i, entry_in = 0;

	if (elf_parse(data, size, &info, &e) < 0) {
		check(e.msg[0] != '\0', "a refusal says why");
		return 0;
	}
	check(info.nsegs > 0 && info.nsegs <= ELF_MAX_LOADS, "segment count");
	check(info.lo <= info.hi && info.hi - info.lo <= ELF_MAX_SPAN, "bounded span");
	for (i = 0; i < info.nsegs; i++) {
		const struct elf_seg *s = &info.segs[i];

		check(s->offset <= size && s->filesz <= size - s->offset, "file part inside the file");
		check(s->filesz <= s->memsz, "file part inside the segment");
		check(s->vaddr >= prev, "ascending, disjoint");
		check(s->vaddr >= info.lo && s->vaddr + s->memsz <= info.hi, "inside the span");
		check(s->vaddr + s->memsz <= ELF_TOP, "inside the address space");
		prev = s->vaddr + s->memsz;
		if (info.entry >= s->vaddr && info.entry < prev)
			entry_in = 1;
	}
	check(entry_in, "entry inside a segment");
	return 0;
}
