/*
 * fuzz_virtio_mmio -- libFuzzer target for the virtio-mmio transport
 * (src/dev/virtio_mmio.c) with virtio-rng behind it: everything a guest
 * can do to it, register accesses in any order and width over guest
 * memory it controls.
 *
 * Input: u8 n, then n 8-byte accesses:
 *	u8 op (bit 0 write, bits 1-2 width 1/2/4/8), u8 pad,
 *	u16 offset (in the 4 KiB window), u32 value;
 * then guest memory at 0x80000000 (4 KiB, zero-filled when shorter).
 * Nothing may crash or trip a sanitizer, and the interrupt line must be
 * high exactly while InterruptStatus is not zero.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_virtio_mmio FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_mmio.h"
#include "virtio/devices.h"

#define GPA	0x80000000ULL
#define MEM	0x1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int line;

static void on_irq(void *ctx, int n, int level)
{
	line = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[MEM];
	const struct dev_host host = { .irq = on_irq };
	struct gmem mem = { .n = 1 };
	struct virtio_dev *v;
	struct err e = { 0 };
	struct dev_ref d;
	size_t nops, i;
	uint32_t st;

	if (size < 1)
		return 0;
	nops = data[0];
	if (size < 1 + 8 * nops)
		nops = (size - 1) / 8;
	memset(ram, 0, MEM);
	if (size > 1 + 8 * nops)
		memcpy(ram, data + 1 + 8 * nops,
		       size - 1 - 8 * nops < MEM ? size - 1 - 8 * nops : MEM);
	mem.r[0].gpa = GPA;
	mem.r[0].size = MEM;
	mem.r[0].host = ram;
	line = 0;
	if (virtio_rng_create(&mem, &v, &e) < 0 ||
	    virtio_mmio_create(v, &host, 1, &d, &e) < 0)
		abort();
	for (i = 0; i < nops; i++) {
		const uint8_t *op = data + 1 + 8 * i;
		unsigned int width = 1u << ((op[0] >> 1) & 3);
		uint64_t off = (op[2] | op[3] << 8) & (VIRTIO_MMIO_SIZE - 1);
		uint64_t val = 0;

		memcpy(&val, op + 4, 4);
		if (off + width > VIRTIO_MMIO_SIZE)
			continue;	/* the bus never passes these */
		if (op[0] & 1)
			d.ops->mmio_write(d.dev, off, &val, width);
		else
			d.ops->mmio_read(d.dev, off, &val, width);
		d.ops->mmio_read(d.dev, 0x060, &st, 4);
		if ((st != 0) != line) {
			fprintf(stderr, "interrupt line %d with status %u\n", line, st);
			abort();
		}
	}
	d.ops->destroy(d.dev);
	return 0;
}
