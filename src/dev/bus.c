/*
 * bus -- address ranges to devices, for port I/O and MMIO.  See bus.h.
 */
#include <errno.h>
#include <string.h>

#include "dev/bus.h"

int bus_add(struct bus *b, enum bus_space space, uint64_t base, uint64_t len,
	    const struct dev_ops *ops, void *dev, struct err *e)
{
	struct bus_range *r;
	int i;

	if (!len || base + len < base)
		return err_msg(e, -EINVAL, "%s: bad range %#llx+%#llx", ops->name,
			       (unsigned long long)base, (unsigned long long)len);
	for (i = 0; i < b->n; i++) {
		r = &b->r[i];
		if (r->space == space && base < r->base + r->len &&
		    r->base < base + len)
			return err_msg(e, -EEXIST, "%s: range %#llx overlaps %s",
				       ops->name, (unsigned long long)base,
				       r->ops->name);
	}
	if (b->n == BUS_MAX_RANGES)
		return err_msg(e, -ENOSPC, "%s: bus full", ops->name);
	r = &b->r[b->n++];
	r->space = space;
	r->base = base;
	r->len = len;
	r->ops = ops;
	r->dev = dev;
	return 0;
}

int bus_remove(struct bus *b, enum bus_space space, uint64_t base, void *dev)
{
	int i;

	for (i = 0; i < b->n; i++) {
		if (b->r[i].space != space || b->r[i].base != base ||
		    b->r[i].dev != dev)
			continue;
		memmove(&b->r[i], &b->r[i + 1], (b->n - i - 1) * sizeof(b->r[0]));
		b->n--;
		return 0;
	}
	return -ENOENT;
}

/* The range holding all of [addr, addr+len), with a width the device
 * takes, or NULL. */
static struct bus_range *bus_find(struct bus *b, enum bus_space space,
				  uint64_t addr, unsigned int len)
{
	struct bus_range *r;
	int i;

	for (i = 0; i < b->n; i++) {
		r = &b->r[i];
		if (r->space != space || addr < r->base ||
		    addr - r->base >= r->len)
			continue;
		if (len > r->len - (addr - r->base) ||
		    len < r->ops->min_width || len > r->ops->max_width) {
			b->bad_width++;
			return NULL;
		}
		return r;
	}
	b->unclaimed++;
	return NULL;
}

int bus_read(struct bus *b, enum bus_space space, uint64_t addr, void *data,
	     unsigned int len)
{
	struct bus_range *r = bus_find(b, space, addr, len);
	void (*rd)(void *, uint64_t, void *, unsigned int);

	memset(data, 0xff, len);
	if (!r)
		return 0;
	rd = space == BUS_PIO ? r->ops->pio_read : r->ops->mmio_read;
	if (!rd)
		return 0;
	rd(r->dev, addr - r->base, data, len);
	return 1;
}

int bus_write(struct bus *b, enum bus_space space, uint64_t addr,
	      const void *data, unsigned int len)
{
	struct bus_range *r = bus_find(b, space, addr, len);
	void (*wr)(void *, uint64_t, const void *, unsigned int);

	if (!r)
		return 0;
	wr = space == BUS_PIO ? r->ops->pio_write : r->ops->mmio_write;
	if (!wr)
		return 0;
	wr(r->dev, addr - r->base, data, len);
	return 1;
}

/* A device mapped at several ranges is reset and destroyed once: at its
 * first range. */
static int bus_first_of_dev(const struct bus *b, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (b->r[j].dev == b->r[i].dev)
			return 0;
	return 1;
}

void bus_reset(struct bus *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (b->r[i].ops->reset && bus_first_of_dev(b, i))
			b->r[i].ops->reset(b->r[i].dev);
}

void bus_destroy(struct bus *b)
{
	int i;

	for (i = b->n - 1; i >= 0; i--)
		if (b->r[i].ops->destroy && bus_first_of_dev(b, i))
			b->r[i].ops->destroy(b->r[i].dev);
	b->n = 0;
}
