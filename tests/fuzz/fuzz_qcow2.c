/*
 * fuzz_qcow2 -- libFuzzer target for the qcow2 reader/writer in src/disk:
 * the input is a whole image file.  It is put in a memfd, opened through
 * /proc/self/fd (read-only or read-write, chosen by the input), and a few
 * reads and writes derived from the input are done on it.  Nothing may
 * crash, leak, hang or trip a sanitizer; errors are fine.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_qcow2 FILE...
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk/disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IO (64 << 10)

static int memfd = -1;
static char path[64];
static uint8_t buf[MAX_IO];

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disk *d;
	struct err e;
	uint64_t seed = 1469598103934665603ULL, dsize, off;
	size_t i, len;
	int ops, nops;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_qcow2", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) < 0 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 1099511628211ULL;
	if (disk_open(path, (int)(seed & 1), &d, &e) < 0)
		return 0;
	dsize = disk_size(d);
	/* up to 32 writes of 64 KiB: enough to fill a small image's refcount
	 * table (seeds with 512-byte clusters, 64-bit refcounts) and grow it */
	nops = 8 + (int)(seed >> 8) % 25;
	for (ops = 0; ops < nops && dsize; ops++) {
		off = next(&seed) % dsize;
		len = next(&seed) % MAX_IO + 1;
		if (len > dsize - off)
			len = (size_t)(dsize - off);
		if (next(&seed) & 1) {
			memset(buf, (int)ops, len);
			disk_write(d, off, buf, len);
		} else {
			disk_read(d, off, buf, len);
		}
	}
	disk_flush(d);
	disk_close(d);
	return 0;
}
