/*
 * pci -- a PCI host bridge for bus 0: configuration mechanism #1 (ports
 * 0xcf8 address, 0xcfc-0xcff data), a host bridge at 00:00.0 and up to
 * 31 single-function endpoints with type 0 headers.
 *
 * There is no firmware: the machine plugs devices with pci_plug(), which
 * gives each memory BAR an address in the MMIO window it was created
 * with, enables memory decoding and maps the BAR on the bus, as a BIOS
 * would.  The guest may size (write all ones) and move BARs; a BAR is on
 * the bus while memory decoding is on and it lies wholly inside the
 * window, and is remapped when it moves.
 *
 * A device model (virtio_pci.c) embeds struct pci_dev, fills its header
 * with pci_dev_init(), pci_dev_add_bar() and pci_dev_add_cap(), and gets
 * BAR accesses and config writes through struct pci_dev_ops.  Nothing
 * here knows the CPU backend: all goes through struct bus and dev_host.
 */
#ifndef STRATA_DEV_PCI_H
#define STRATA_DEV_PCI_H

#include <stdint.h>

#include "dev/bus.h"
#include "dev/dev.h"
#include "lib/err.h"

#define PCI_CONF_PORT		0xcf8
#define PCI_CONF_PORTS		8	/* 0xcf8 address, 0xcfc-0xcff data */
#define PCI_SLOTS		32	/* slot 0 is the host bridge */
#define PCI_CFG_SIZE		256
#define PCI_BARS		6

/* type 0 header */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		0x1
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT	0x8
#define PCI_STATUS_CAP_LIST	0x10

#define PCI_BAR_MEM64		0x4	/* BAR flags, as in the register */
#define PCI_BAR_PREFETCH	0x8

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_VNDR		0x09

#define PCI_HOST_VENDOR		0x8086	/* a virtual PCIe host bridge id */
#define PCI_HOST_DEVICE		0x0d57

struct pci;
struct pci_dev;

struct pci_dev_ops {
	const char *name;
	/* a guest access of @len (1..8) bytes at @off inside BAR @bar */
	void (*bar_read)(struct pci_dev *d, int bar, uint64_t off, void *data,
			 unsigned int len);
	void (*bar_write)(struct pci_dev *d, int bar, uint64_t off,
			  const void *data, unsigned int len);
	/* the guest is about to read config bytes [off, off+len): a
	 * device whose bytes have side effects fills them in now */
	void (*config_read)(struct pci_dev *d, uint32_t off, unsigned int len);
	/* the guest wrote config bytes [off, off+len) (after the masks) */
	void (*config_write)(struct pci_dev *d, uint32_t off, unsigned int len);
	void (*reset)(struct pci_dev *d);
	void (*destroy)(struct pci_dev *d);
};

/* one BAR: what the bus range of a mapped BAR points at */
struct pci_bar {
	struct pci_dev *dev;
	int index;
	uint64_t size;		/* 0: not implemented */
	uint8_t flags;		/* PCI_BAR_MEM64 | PCI_BAR_PREFETCH */
	int on_bus;
	uint64_t addr;		/* where it is on the bus, when on_bus */
};

struct pci_dev {
	const struct pci_dev_ops *ops;
	struct pci *pci;	/* set by pci_plug() */
	int slot;
	int irq;		/* INTx line on the machine, -1: none */
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may write */
	uint8_t w1c[PCI_CFG_SIZE];	/* bits a 1 written clears */
	struct pci_bar bar[PCI_BARS];
	uint8_t cap_end;	/* where the next capability goes */
	uint8_t cap_last;	/* offset of the last capability, 0: none */
};

/*
 * The host bridge; @mmio_base/@mmio_size is the window BARs are placed
 * in (x86: [3 GiB, 0xfec00000)).  Gives back the bridge and the ref the
 * machine maps at PCI_CONF_PORT (PCI_CONF_PORTS ports) on @bus; the
 * ref's destroy frees the bridge and every device plugged in.
 */
int pci_create(struct bus *bus, const struct dev_host *host, uint64_t mmio_base,
	       uint64_t mmio_size, struct pci **out, struct dev_ref *ref,
	       struct err *e);

/* Config header of a device: ids, class (base << 16 | sub << 8 | prog-if),
 * revision; command, cache line, latency and interrupt line writable. */
void pci_dev_init(struct pci_dev *d, const struct pci_dev_ops *ops,
		  uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id);

/* A memory BAR of @size bytes (a power of 2, >= 4 KiB); @flags
 * PCI_BAR_MEM64 takes BAR @bar and @bar+1.  0 or -EINVAL. */
int pci_dev_add_bar(struct pci_dev *d, int bar, uint64_t size, uint8_t flags);

/* Append capability @id with @len bytes of body (after id and next) to
 * the list.  Returns its config offset, or -ENOSPC. */
int pci_dev_add_cap(struct pci_dev *d, uint8_t id, const void *body,
		    unsigned int len);

/*
 * Put @d in the first free slot, INTx pin A on line @irq (-1: no INTx);
 * assign its BARs in the window, turn memory decoding on and map them.
 * On failure @d is not plugged and still the caller's.
 */
int pci_plug(struct pci *p, struct pci_dev *d, int irq, struct err *e);

/* Drive INTx (status bit 3; the line unless INTX_DISABLE is set). */
void pci_dev_intx(struct pci_dev *d, int level);

/* Send an MSI write if bus mastering is on (dev_host msi). */
void pci_dev_msi(struct pci_dev *d, uint64_t addr, uint32_t data);

/* little-endian config space helpers for device models */
static inline uint16_t pci_cfg16(const struct pci_dev *d, unsigned int off)
{
	return d->cfg[off] | d->cfg[off + 1] << 8;
}

static inline uint32_t pci_cfg32(const struct pci_dev *d, unsigned int off)
{
	return pci_cfg16(d, off) | (uint32_t)pci_cfg16(d, off + 2) << 16;
}

#endif
