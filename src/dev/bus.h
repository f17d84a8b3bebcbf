/*
 * bus -- address ranges to devices, for port I/O and MMIO.
 *
 * A sorted-by-insertion small table (machines have a handful of devices);
 * lookups are linear.  The bus checks access width against the device's
 * min_width/max_width, as RVVM's min_op_size does: a bad-width access
 * reads as all ones and writes are dropped, the device never sees it.
 * Unclaimed addresses behave the same way (reads 0xff.., writes ignored),
 * as on a PC.
 */
#ifndef STRATA_DEV_BUS_H
#define STRATA_DEV_BUS_H

#include <stdint.h>

#include "dev/dev.h"
#include "lib/err.h"

#define BUS_MAX_RANGES 64	/* legacy ports, PCI BARs */

enum bus_space {
	BUS_PIO,
	BUS_MMIO,
};

struct bus_range {
	enum bus_space space;
	uint64_t base, len;
	const struct dev_ops *ops;
	void *dev;
};

struct bus {
	struct bus_range r[BUS_MAX_RANGES];
	int n;
	uint64_t unclaimed;	/* accesses nobody answered (statistics) */
	uint64_t bad_width;	/* accesses refused for their width */
};

/* Map [base, base+len) of @space to @dev. -EEXIST on overlap, -ENOSPC
 * when the table is full. */
int bus_add(struct bus *b, enum bus_space space, uint64_t base, uint64_t len,
	    const struct dev_ops *ops, void *dev, struct err *e);

/* Unmap the range of @space at @base that maps @dev (a PCI BAR the
 * guest moves); the order of the others is kept.  0 or -ENOENT. */
int bus_remove(struct bus *b, enum bus_space space, uint64_t base, void *dev);

/* One guest access of @len bytes (1..8).  Returns 1 when a device took
 * it, 0 when nobody did or the width was refused. */
int bus_read(struct bus *b, enum bus_space space, uint64_t addr, void *data,
	     unsigned int len);
int bus_write(struct bus *b, enum bus_space space, uint64_t addr,
	      const void *data, unsigned int len);

/* reset every device, then destroy every device (in reverse order) */
void bus_reset(struct bus *b);
void bus_destroy(struct bus *b);

#endif
