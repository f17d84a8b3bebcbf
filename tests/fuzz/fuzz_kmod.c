/*
 * fuzz_kmod -- libFuzzer target for kmod_depends() (src/vm/kmod.c), which
 * `strata vm initramfs` runs over every kernel module file it packs: an
 * ELF section walk to the .modinfo strings.  Nothing may crash or read
 * outside the image; an answer must be a terminated string that fits.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_kmod FILE...
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char deps[64];
	/* a copy of exactly @size bytes: ASan sees any read past the end */
	uint8_t *img = malloc(size ? size : 1);

	if (!img)
		return 0;
	memcpy(img, data, size);
	memset(deps, 0x55, sizeof(deps));
	if (kmod_depends(img, size, deps, sizeof(deps)) == 0 &&
	    !memchr(deps, 0, sizeof(deps)))
		abort();
	free(img);
	return 0;
}
