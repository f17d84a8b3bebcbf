/*
 * pci -- the PCI host bridge, configuration mechanism #1.  See pci.h.
 *
 * CONFIG_ADDRESS (0xcf8) only answers 32-bit accesses, as on Intel
 * chipsets: Linux's type 1 probe writes a byte to 0xcfb first and must
 * see that ignored.  A byte write with bit 2 set at 0xcf9 is the reset
 * control register (Linux reboot=pci).  CONFIG_DATA (0xcfc-0xcff) takes
 * 1, 2 and 4-byte accesses at any offset that stays inside the dword.
 * Bus 0 only, function 0 only: anything else reads all ones.
 *
 * Every config byte has a write mask and a write-1-to-clear mask, so
 * read-only fields, BAR size probing (the low bits of a BAR are not
 * writable) and status bits need no special cases.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/pci.h"

#define CONF_ENABLE	0x80000000u

struct pci {
	struct bus *bus;
	struct dev_host host;
	uint32_t addr;			/* CONFIG_ADDRESS */
	uint8_t rst_cnt;		/* 0xcf9: bits 1 and 3 read back */
	uint64_t win_base, win_size, win_next;
	struct pci_dev *slot[PCI_SLOTS];
	struct pci_dev bridge;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint64_t bar_addr(const struct pci_dev *d, int i)
{
	uint64_t a = pci_cfg32(d, PCI_BAR0 + 4 * i) & ~0xfULL;

	if (d->bar[i].flags & PCI_BAR_MEM64)
		a |= (uint64_t)pci_cfg32(d, PCI_BAR0 + 4 * i + 4) << 32;
	return a;
}

static void bar_mmio_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct pci_bar *b = dev;

	if (b->dev->ops->bar_read)
		b->dev->ops->bar_read(b->dev, b->index, off, data, len);
}

static void bar_mmio_write(void *dev, uint64_t off, const void *data,
			   unsigned int len)
{
	struct pci_bar *b = dev;

	if (b->dev->ops->bar_write)
		b->dev->ops->bar_write(b->dev, b->index, off, data, len);
}

static const struct dev_ops pci_bar_ops = {
	.name = "pci-bar",
	.min_width = 1,
	.max_width = 8,
	.mmio_read = bar_mmio_read,
	.mmio_write = bar_mmio_write,
};

/* Is [a, a+size) a place the BAR may decode at?  Only inside the window:
 * a half-written or all-ones BAR (size probing) stays off the bus. */
static int bar_placeable(const struct pci *p, uint64_t a, uint64_t size)
{
	return a >= p->win_base && a - p->win_base < p->win_size &&
	       size <= p->win_size - (a - p->win_base);
}

/* Bring the bus in line with the BARs and the command register. */
static void pci_dev_map_bars(struct pci_dev *d)
{
	struct pci *p = d->pci;
	int mem_on = pci_cfg16(d, PCI_COMMAND) & PCI_COMMAND_MEMORY;
	struct err e;
	int i;

	for (i = 0; i < PCI_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t a = bar_addr(d, i);
		int want = b->size && mem_on && bar_placeable(p, a, b->size);

		if (b->on_bus && (!want || b->addr != a)) {
			bus_remove(p->bus, BUS_MMIO, b->addr, b);
			b->on_bus = 0;
		}
		/* a BAR moved over another stays off the bus */
		if (want && !b->on_bus &&
		    bus_add(p->bus, BUS_MMIO, a, b->size, &pci_bar_ops, b, &e) == 0) {
			b->on_bus = 1;
			b->addr = a;
		}
	}
}

static void pci_dev_update_intx(struct pci_dev *d)
{
	struct pci *p = d->pci;
	int level = (pci_cfg16(d, PCI_STATUS) & PCI_STATUS_INTERRUPT) &&
		    !(pci_cfg16(d, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);

	if (p && d->irq >= 0 && p->host.irq)
		p->host.irq(p->host.ctx, d->irq, level);
}

void pci_dev_intx(struct pci_dev *d, int level)
{
	if (level)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		d->cfg[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
	pci_dev_update_intx(d);
}

void pci_dev_msi(struct pci_dev *d, uint64_t addr, uint32_t data)
{
	struct pci *p = d->pci;

	if (p && p->host.msi &&
	    (pci_cfg16(d, PCI_COMMAND) & PCI_COMMAND_MASTER))
		p->host.msi(p->host.ctx, addr, data);
}

static int touches(uint32_t off, unsigned int len, uint32_t lo, uint32_t hi)
{
	return off < hi && lo < off + len;
}

static void pci_dev_config_write(struct pci_dev *d, uint32_t off,
				 const uint8_t *v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		uint32_t o = off + i;

		d->cfg[o] = (d->cfg[o] & ~d->wmask[o]) | (v[i] & d->wmask[o]);
		d->cfg[o] &= ~(v[i] & d->w1c[o]);
	}
	if (touches(off, len, PCI_COMMAND, PCI_COMMAND + 2) ||
	    touches(off, len, PCI_BAR0, PCI_BAR0 + 4 * PCI_BARS))
		pci_dev_map_bars(d);
	if (touches(off, len, PCI_COMMAND, PCI_COMMAND + 2))
		pci_dev_update_intx(d);
	if (d->ops && d->ops->config_write)
		d->ops->config_write(d, off, len);
}

/* The device CONFIG_ADDRESS selects, or NULL; *reg = its dword offset. */
static struct pci_dev *conf_target(struct pci *p, uint32_t *reg)
{
	uint32_t a = p->addr;

	if (!(a & CONF_ENABLE) || ((a >> 16) & 0xff) || ((a >> 8) & 7))
		return NULL;
	*reg = a & 0xfc;
	return p->slot[(a >> 11) & 0x1f];
}

static void conf_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct pci *p = dev;
	struct pci_dev *d;
	uint32_t reg;

	memset(data, 0xff, len);
	if (off < 4) {
		if (off == 0 && len == 4)
			memcpy(data, &(uint32_t){ p->addr }, 4);
		else if (off == 1 && len == 1)
			*(uint8_t *)data = p->rst_cnt;
		return;
	}
	d = conf_target(p, &reg);
	if (!d)
		return;
	if (d->ops->config_read)
		d->ops->config_read(d, reg + (off - 4), len);
	memcpy(data, d->cfg + reg + (off - 4), len);
}

/* 0xcf9: setting bit 2 (RST_CPU) resets; Linux reads the register,
 * writes it with bit 1 (SYS_RST) and then with bits 1 and 2. */
static void reset_control(struct pci *p, uint8_t v)
{
	p->rst_cnt = v & 0x0a;
	if ((v & 4) && p->host.stop)
		p->host.stop(p->host.ctx, DEV_STOP_RESET, 0);
}

static void conf_write(void *dev, uint64_t off, const void *data,
		       unsigned int len)
{
	struct pci *p = dev;
	const uint8_t *v = data;
	struct pci_dev *d;
	uint32_t reg;

	if (off < 4) {
		if (off == 0 && len == 4)
			p->addr = (v[0] | v[1] << 8 | v[2] << 16 |
				   (uint32_t)v[3] << 24) & 0x80fffffc;
		else if (off == 1 && len == 1)
			reset_control(p, v[0]);
		return;
	}
	d = conf_target(p, &reg);
	if (d)
		pci_dev_config_write(d, reg + (off - 4), v, len);
}

static void pci_reset(void *dev)
{
	struct pci *p = dev;
	int i;

	p->addr = 0;
	for (i = 1; i < PCI_SLOTS; i++)
		if (p->slot[i] && p->slot[i]->ops->reset)
			p->slot[i]->ops->reset(p->slot[i]);
}

/* The bus is being torn down too: nothing is unmapped here. */
static void pci_destroy(void *dev)
{
	struct pci *p = dev;
	int i;

	for (i = 1; i < PCI_SLOTS; i++)
		if (p->slot[i] && p->slot[i]->ops->destroy)
			p->slot[i]->ops->destroy(p->slot[i]);
	free(p);
}

static const struct dev_ops pci_conf_ops = {
	.name = "pci-conf1",
	.min_width = 1,
	.max_width = 4,
	.pio_read = conf_read,
	.pio_write = conf_write,
	.reset = pci_reset,
	.destroy = pci_destroy,
};

static const struct pci_dev_ops pci_bridge_ops = {
	.name = "host-bridge",
};

void pci_dev_init(struct pci_dev *d, const struct pci_dev_ops *ops,
		  uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->irq = -1;
	put16(d->cfg + PCI_VENDOR_ID, vendor);
	put16(d->cfg + PCI_DEVICE_ID, device);
	d->cfg[PCI_REVISION_ID] = revision;
	d->cfg[PCI_CLASS_PROG] = class_code;
	d->cfg[PCI_CLASS_PROG + 1] = class_code >> 8;
	d->cfg[PCI_CLASS_PROG + 2] = class_code >> 16;
	put16(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	put16(d->cfg + PCI_SUBSYSTEM_ID, subsys_id);
	d->cfg[PCI_INTERRUPT_LINE] = 0xff;
	/* command: io, memory, master, parity, serr, intx disable */
	put16(d->wmask + PCI_COMMAND, 0x0547);
	/* status: the error bits are write-1-to-clear */
	put16(d->w1c + PCI_STATUS, 0xf900);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	for (i = 0; i < PCI_BARS; i++) {
		d->bar[i].dev = d;
		d->bar[i].index = i;
	}
	d->cap_end = 0x40;
}

int pci_dev_add_bar(struct pci_dev *d, int bar, uint64_t size, uint8_t flags)
{
	int is64 = flags & PCI_BAR_MEM64;
	uint64_t mask = ~(size - 1) & ~0xfULL;
	int i, n = is64 ? 8 : 4;

	if (bar < 0 || bar + (is64 ? 1 : 0) >= PCI_BARS || size < 4096 ||
	    (size & (size - 1)) || (!is64 && size > (1ULL << 31)) ||
	    (flags & ~(PCI_BAR_MEM64 | PCI_BAR_PREFETCH)) || d->bar[bar].size ||
	    (is64 && d->bar[bar + 1].size) ||
	    (bar > 0 && (d->bar[bar - 1].flags & PCI_BAR_MEM64)))
		return -EINVAL;
	d->bar[bar].size = size;
	d->bar[bar].flags = flags;
	d->cfg[PCI_BAR0 + 4 * bar] = flags;
	for (i = 0; i < n; i++)
		d->wmask[PCI_BAR0 + 4 * bar + i] = mask >> (8 * i);
	return 0;
}

int pci_dev_add_cap(struct pci_dev *d, uint8_t id, const void *body,
		    unsigned int len)
{
	unsigned int off = d->cap_end;

	if (off + 2 + len > PCI_CFG_SIZE)
		return -ENOSPC;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	memcpy(d->cfg + off + 2, body, len);
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = off;
	else
		d->cfg[PCI_CAPABILITY_LIST] = off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->cap_last = off;
	d->cap_end = (off + 2 + len + 3) & ~3u;
	return off;
}

/* Give each BAR a naturally aligned address in the window, as firmware
 * would; nothing is written unless all fit. */
static int pci_assign_bars(struct pci *p, struct pci_dev *d, struct err *e)
{
	uint64_t next = p->win_next, at[PCI_BARS];
	int i;

	for (i = 0; i < PCI_BARS; i++) {
		uint64_t size = d->bar[i].size;

		if (!size)
			continue;
		at[i] = (next + size - 1) & ~(size - 1);
		if (at[i] < next || !bar_placeable(p, at[i], size))
			return err_msg(e, -ENOSPC, "%s: no room for a %llu KiB BAR in the PCI window",
				       d->ops->name, (unsigned long long)(size >> 10));
		next = at[i] + size;
	}
	for (i = 0; i < PCI_BARS; i++) {
		if (!d->bar[i].size)
			continue;
		put32(d->cfg + PCI_BAR0 + 4 * i, (uint32_t)at[i] | d->bar[i].flags);
		if (d->bar[i].flags & PCI_BAR_MEM64)
			put32(d->cfg + PCI_BAR0 + 4 * i + 4, at[i] >> 32);
	}
	p->win_next = next;
	return 0;
}

int pci_plug(struct pci *p, struct pci_dev *d, int irq, struct err *e)
{
	int s, ret;

	for (s = 1; s < PCI_SLOTS && p->slot[s]; s++)
		;
	if (s == PCI_SLOTS)
		return err_msg(e, -ENOSPC, "%s: no free PCI slot", d->ops->name);
	ret = pci_assign_bars(p, d, e);
	if (ret < 0)
		return ret;
	d->pci = p;
	d->slot = s;
	d->irq = irq;
	d->cfg[PCI_INTERRUPT_LINE] = irq >= 0 ? irq : 0xff;
	d->cfg[PCI_INTERRUPT_PIN] = irq >= 0 ? 1 : 0;
	d->cfg[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
	p->slot[s] = d;
	pci_dev_map_bars(d);
	return 0;
}

int pci_create(struct bus *bus, const struct dev_host *host, uint64_t mmio_base,
	       uint64_t mmio_size, struct pci **out, struct dev_ref *ref,
	       struct err *e)
{
	struct pci *p;

	if (!mmio_size || mmio_base + mmio_size < mmio_base)
		return err_msg(e, -EINVAL, "pci: bad MMIO window");
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, -ENOMEM, "pci");
	p->bus = bus;
	p->host = *host;
	p->win_base = p->win_next = mmio_base;
	p->win_size = mmio_size;
	pci_dev_init(&p->bridge, &pci_bridge_ops, PCI_HOST_VENDOR,
		     PCI_HOST_DEVICE, 0x060000, 0, 0, 0);
	p->bridge.pci = p;
	p->slot[0] = &p->bridge;
	*out = p;
	ref->ops = &pci_conf_ops;
	ref->dev = p;
	return 0;
}
