/*
 * fuzz_rv_boot -- libFuzzer target for the riscv64 kernel loader
 * (src/vm/rv/boot.c): any file as a kernel into 4 MiB of guest RAM at
 * 0x80000000.  Nothing may crash or trip a sanitizer, and a kernel that
 * loads must have its entry inside RAM and inside what it occupies.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_rv_boot FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv/boot.h"

#define GPA	0x80000000ULL
#define MEM	(4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct gmem mem = { .n = 1 };
	struct rv_kernel k;
	struct err e = { 0 };

	if (!ram)
		ram = malloc(MEM);
	mem.r[0].gpa = GPA;
	mem.r[0].size = MEM;
	mem.r[0].host = ram;
	if (rv_boot_load(data, size, &mem, &k, &e) < 0)
		return 0;
	if (k.entry < GPA || k.entry >= GPA + MEM || k.start > k.end ||
	    (k.kind != RV_KERNEL_ELF && (k.entry < k.start || k.entry >= k.end))) {
		fprintf(stderr, "entry %#llx outside [%#llx, %#llx)\n",
			(unsigned long long)k.entry, (unsigned long long)k.start,
			(unsigned long long)k.end);
		abort();
	}
	return 0;
}
