/*
 * dev -- the interface between a machine and its device models.
 *
 * A device is one .c file with a private struct, static handlers and one
 * const struct dev_ops.  The machine creates its devices and maps each on
 * its bus (bus.h); a device never registers itself.  Nothing here knows
 * which CPU backend (KVM x86, RISC-V translator) drives the bus.
 *
 * A device reaches the machine through struct dev_host only: raise or
 * lower an interrupt line, send an MSI, ask the machine to stop (reset,
 * poweroff).
 */
#ifndef STRATA_DEV_DEV_H
#define STRATA_DEV_DEV_H

#include <stdint.h>

/* Why a device asked the machine to stop. */
enum dev_stop {
	DEV_STOP_NONE,
	DEV_STOP_POWEROFF,	/* poweroff: exit with the given code */
	DEV_STOP_RESET,		/* reset requested (i8042 0xfe): exit 0 */
};

struct dev_host {
	void *ctx;
	/* Drive interrupt line @line to @level (0/1). May be NULL. */
	void (*irq)(void *ctx, int line, int level);
	/* Ask the machine to stop once the current access completes. */
	void (*stop)(void *ctx, enum dev_stop why, int code);
	/* Deliver a message-signalled interrupt: a 32-bit write of @data
	 * to guest physical @addr (x86: the LAPIC window).  May be NULL. */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);
};

/*
 * Handlers get the offset inside the device's range and a buffer of
 * @len bytes (little endian).  The bus has already checked @len against
 * min_width/max_width and that [off, off+len) lies inside the range.
 * A read fills all @len bytes.
 */
struct dev_ops {
	const char *name;
	unsigned int min_width, max_width;	/* bytes, powers of two */
	void (*pio_read)(void *dev, uint64_t off, void *data, unsigned int len);
	void (*pio_write)(void *dev, uint64_t off, const void *data, unsigned int len);
	void (*mmio_read)(void *dev, uint64_t off, void *data, unsigned int len);
	void (*mmio_write)(void *dev, uint64_t off, const void *data, unsigned int len);
	void (*reset)(void *dev);
	void (*destroy)(void *dev);
};

/* What a constructor hands the machine to map on its bus. */
struct dev_ref {
	const struct dev_ops *ops;
	void *dev;
};

#endif
