/*
 * fuzz_plic -- libFuzzer target for the PLIC (src/dev/plic.c): guest
 * register accesses and device line changes in any order.  Nothing may
 * crash or trip a sanitizer, and each context's line, as last given to
 * the callback, must say whether a claim would return a source.
 *
 * Input: 8-byte steps: u8 op (0 read, 1 write, 2 line), u8 src/level,
 * u16 (offset >> 2, scaled into the 0x600000 window), u32 value.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_plic FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/plic.h"

#define HARTS	2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int eip[2 * HARTS];

static void on_eip(void *ctx, int c, int level)
{
	if (c < 0 || c >= 2 * HARTS)
		abort();
	eip[c] = level;
}

/* offsets that matter, most of the time; anywhere, sometimes */
static uint64_t offset(uint16_t o)
{
	switch (o >> 14) {
	case 0:
		return (o & 0x3f) * 4;				/* priorities */
	case 1:
		return 0x1000 + (o & 1) * 4;			/* pending */
	case 2:
		return 0x2000 + (o & 7) * 0x80 + (o >> 3 & 1) * 4;	/* enables */
	default:
		return 0x200000 + (o & 7) * 0x1000 + (o >> 3 & 1) * 4;	/* ctx */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct plic_cfg cfg = { .nharts = HARTS, .eip = on_eip };
	struct err e = { 0 };
	struct dev_ref d;
	struct plic *p;
	size_t i;
	int c;

	memset(eip, 0, sizeof(eip));
	if (plic_create(&cfg, &p, &d, &e) < 0)
		abort();
	for (i = 0; i + 8 <= size; i += 8) {
		const uint8_t *s = data + i;
		uint32_t v;
		uint16_t o;

		memcpy(&o, s + 2, 2);
		memcpy(&v, s + 4, 4);
		switch (s[0] % 3) {
		case 0:
			d.ops->mmio_read(d.dev, offset(o), &v, 4);
			break;
		case 1:
			d.ops->mmio_write(d.dev, offset(o), &v, 4);
			break;
		default:
			plic_set_irq(p, s[1] & 0x3f, s[1] >> 7);
		}
	}
	/* a context whose line is low has nothing to claim */
	for (c = 0; c < 2 * HARTS; c++) {
		uint32_t id;

		if (eip[c])
			continue;
		d.ops->mmio_read(d.dev, 0x200004 + 0x1000 * c, &id, 4);
		if (id) {
			fprintf(stderr, "context %d claims %u with its line low\n", c, id);
			abort();
		}
	}
	d.ops->destroy(d.dev);
	return 0;
}
