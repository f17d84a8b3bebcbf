/*
 * fuzz_pci -- libFuzzer target for the PCI host bridge (src/dev/pci.c)
 * and the virtio-pci transport (src/dev/virtio_pci.c) with a virtio-rng
 * behind it: everything a guest can do to them through ports 0xcf8-0xcff
 * and the MMIO window, in any order and width, with guest memory (where
 * the virtqueues live) taken from the input too.
 *
 * Input: operations of 8 bytes (kind, width, 2-byte offset, 4-byte
 * value); the same bytes are also guest memory at 0x1000 of a 64 KiB
 * guest, for the virtqueues the operations point there.
 * Nothing may crash or trip a sanitizer, and a BAR may only ever be on
 * the bus inside the window.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_pci FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/bus.h"
#include "dev/pci.h"
#include "dev/virtio_pci.h"
#include "virtio/devices.h"

#define WIN	0xc0000000ULL
#define WINSZ	0x100000ULL
#define MEMSZ	0x10000
#define MEMSEED	0x1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_irq(void *ctx, int line, int level)
{
}

static void on_stop(void *ctx, enum dev_stop why, int code)
{
}

static void on_msi(void *ctx, uint64_t addr, uint32_t v)
{
}

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static void one_op(struct bus *b, const uint8_t *op)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	unsigned int len = widths[op[1] & 3];
	uint16_t off = op[2] | op[3] << 8;
	uint64_t v = 0;

	memcpy(&v, op + 4, 4);
	switch (op[0] % 6) {
	case 0:		/* CONFIG_ADDRESS, mostly to a device that exists */
		v = (v & 0x80ffff00) | (op[2] & 0xfc);
		if (op[3] & 1)
			v = 0x80000000u | (op[3] >> 1 & 3) << 11 | (op[2] & 0xfc);
		bus_write(b, BUS_PIO, 0xcf8, &v, 4);
		break;
	case 1:
		bus_read(b, BUS_PIO, 0xcf8 + (off & 7), &v, len > 4 ? 4 : len);
		break;
	case 2:
		bus_write(b, BUS_PIO, 0xcf8 + (off & 7), &v, len > 4 ? 4 : len);
		break;
	case 3:		/* BAR 0 of the first device, where pci_plug put it */
		bus_read(b, BUS_MMIO, WIN + (off & 0xfff), &v, len);
		break;
	case 4:
		bus_write(b, BUS_MMIO, WIN + (off & 0xfff), &v, len);
		break;
	case 5:		/* anywhere in the window (a moved BAR) */
		bus_write(b, BUS_MMIO, WIN + ((uint64_t)off << 4), &v, len);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	const struct dev_host host = { NULL, on_irq, on_stop, on_msi };
	struct gmem mem = { .n = 1 };
	struct virtio_dev *rng;
	struct bus b = { 0 };
	struct err e = { 0 };
	struct dev_ref ref;
	struct pci *p;
	size_t i;

	if (!ram)
		ram = malloc(MEMSZ);
	memset(ram, 0, MEMSZ);
	memcpy(ram + MEMSEED, data, size < 4096 ? size : 4096);
	mem.r[0].gpa = 0;
	mem.r[0].size = MEMSZ;
	mem.r[0].host = ram;
	check(pci_create(&b, &host, WIN, WINSZ, &p, &ref, &e) == 0, "pci_create");
	check(bus_add(&b, BUS_PIO, PCI_CONF_PORT, PCI_CONF_PORTS, ref.ops, ref.dev, &e) == 0,
	      "conf1 mapped");
	check(virtio_rng_create(&mem, &rng, &e) == 0, "virtio_rng_create");
	check(virtio_pci_create(p, rng, 10, &e) == 0, "virtio_pci_create");
	for (i = 0; i + 8 <= size; i += 8)
		one_op(&b, data + i);
	for (i = 0; i < (size_t)b.n; i++)
		if (!strcmp(b.r[i].ops->name, "pci-bar"))
			check(b.r[i].base >= WIN && b.r[i].base + b.r[i].len <= WIN + WINSZ,
			      "a BAR on the bus lies inside the window");
	bus_destroy(&b);
	return 0;
}
