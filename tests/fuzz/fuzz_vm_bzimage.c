/*
 * fuzz_vm_bzimage -- libFuzzer target for the bzImage validator and
 * loader of src/vm/boot_bzimage.c, which `strata vm run --kernel` puts
 * every file with a "HdrS" header through.  Nothing may crash or trip a
 * sanitizer, and an accepted file must hold the contract the loader
 * relies on: the kernel part inside the file, its load address and the
 * memory it needs (init_size) inside guest RAM above the boot area, the
 * entry inside it, the setup header inside the file and boot_params.
 * Accepted files are then loaded and get their boot_params written in a
 * 32 MiB guest, with a command line and an initrd.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_vm_bzimage FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm/boot.h"
#include "vm/machine.h"

#define MEM (32ULL << 20)

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
	static struct vm_mem mem;
	struct boot_bzimage k;
	struct err e = { 0 };
	uint64_t ird;

	if (!mem.host) {
		mem.host = calloc(1, MEM);
		mem.size = MEM;
	}
	if (!boot_is_bzimage(data, size))
		return 0;
	if (boot_bzimage_parse(data, size, MEM, &k, &e) < 0)
		return 0;
	check(k.version >= 0x206, "protocol 2.06 or newer");
	check(k.setup_size >= 1024 && k.setup_size <= size, "setup inside the file");
	check(k.kernel_size && k.kernel_size == size - k.setup_size, "kernel is the rest of the file");
	check(k.hdr_end >= 0x23c && k.hdr_end <= 0x290 && k.hdr_end <= k.setup_size,
	      "setup header inside the file and boot_params");
	check(k.load >= BOOT_KERNEL_MIN && k.load + k.kernel_size <= MEM, "kernel in RAM above the boot area");
	check(k.end >= k.load + k.kernel_size && k.end <= MEM, "init_size in RAM");
	check(k.entry >= k.load && k.entry < k.load + k.kernel_size, "entry in the kernel");
	check(k.initrd_end <= MEM, "initrd limit in RAM");
	check(boot_bzimage_load(&k, data, &mem, &e) == 0, "an accepted file loads");
	ird = k.initrd_end >= 0x1000 ? (k.initrd_end - 0x1000) & ~0xfffULL : 0;
	if (ird >= k.end)
		boot_bzimage_params(&k, data, &mem, "console=ttyS0", ird, 16, 0xe0000, &e);
	else
		boot_bzimage_params(&k, data, &mem, "", 0, 0, 0, &e);
	return 0;
}
