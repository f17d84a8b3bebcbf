/*
 * Unit tests for the PCI host bridge (src/dev/pci.c): conf1 address and
 * data ports at every width, the host bridge, read-only and
 * write-1-to-clear bits, BAR sizing, BAR assignment and remapping on the
 * bus, capabilities, INTx and MSI through dev_host; then the virtio-pci
 * transport (src/dev/virtio_pci.c) with a virtio-rng over a fake guest
 * memory: its header and capabilities, feature negotiation, queue setup,
 * notify, ISR/INTx, MSI-X masking and pending bits, reset.  No KVM.
 */
#include <errno.h>
#include <string.h>

#include "dev/bus.h"
#include "dev/pci.h"
#include "dev/virtio_pci.h"
#include "virtio/devices.h"
#include "test.h"

#define WIN	0xc0000000ULL
#define WINSZ	0x3ec00000ULL

static int irq_line = -1, irq_level = -1, stopped;
static uint64_t msi_addr;
static uint32_t msi_data;
static int bar_reads, bar_writes, last_bar;
static uint64_t last_off;

static void on_irq(void *ctx, int line, int level)
{
	irq_line = line;
	irq_level = level;
}

static void on_stop(void *ctx, enum dev_stop why, int code)
{
	stopped = why;
}

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	msi_addr = addr;
	msi_data = data;
}

static void fake_read(struct pci_dev *d, int bar, uint64_t off, void *data,
		      unsigned int len)
{
	bar_reads++;
	last_bar = bar;
	last_off = off;
	memset(data, 0x5a, len);
}

static void fake_write(struct pci_dev *d, int bar, uint64_t off,
		       const void *data, unsigned int len)
{
	bar_writes++;
	last_bar = bar;
	last_off = off;
}

static const struct pci_dev_ops fake_ops = {
	.name = "fake",
	.bar_read = fake_read,
	.bar_write = fake_write,
};

static struct bus b;

static void conf_addr(int slot, int reg)
{
	uint32_t a = 0x80000000u | slot << 11 | reg;

	bus_write(&b, BUS_PIO, 0xcf8, &a, 4);
}

static uint32_t cfg_read(int slot, int reg, unsigned int len)
{
	uint32_t v = 0;

	conf_addr(slot, reg & ~3);
	bus_read(&b, BUS_PIO, 0xcfc + (reg & 3), &v, len);
	return v;
}

static void cfg_write(int slot, int reg, uint32_t v, unsigned int len)
{
	conf_addr(slot, reg & ~3);
	bus_write(&b, BUS_PIO, 0xcfc + (reg & 3), &v, len);
}

static uint64_t mm_read(uint64_t addr, unsigned int len)
{
	uint64_t v = 0;

	bus_read(&b, BUS_MMIO, addr, &v, len);
	return v;
}

static void mm_write(uint64_t addr, uint64_t v, unsigned int len)
{
	bus_write(&b, BUS_MMIO, addr, &v, len);
}

/* offset of the virtio vendor capability of @type in slot 1, or 0 */
static int vcap(int type)
{
	int p = cfg_read(1, PCI_CAPABILITY_LIST, 1);

	while (p) {
		if (cfg_read(1, p, 1) == PCI_CAP_ID_VNDR && cfg_read(1, p + 3, 1) == (uint32_t)type)
			return p;
		p = cfg_read(1, p + 1, 1);
	}
	return 0;
}

static int cap(int id)
{
	int p = cfg_read(1, PCI_CAPABILITY_LIST, 1);

	while (p && cfg_read(1, p, 1) != (uint32_t)id)
		p = cfg_read(1, p + 1, 1);
	return p;
}

static void test_virtio_pci(void)
{
	const struct dev_host host = { NULL, on_irq, on_stop, on_msi };
	static uint8_t ram[0x10000];
	struct gmem mem = { .n = 1, .r = { { 0, sizeof(ram), ram } } };
	struct virtio_dev *rng;
	struct dev_ref ref;
	struct err e = { 0 };
	struct pci *p;
	uint64_t c, notify;
	uint16_t *avail = (uint16_t *)(ram + 0x2000);
	uint16_t *used = (uint16_t *)(ram + 0x3000);
	uint64_t *desc = (uint64_t *)(ram + 0x1000);
	int mx, i;

	memset(&b, 0, sizeof(b));
	test_assert(pci_create(&b, &host, WIN, WINSZ, &p, &ref, &e) == 0 &&
		    bus_add(&b, BUS_PIO, PCI_CONF_PORT, PCI_CONF_PORTS, ref.ops, ref.dev, &e) == 0,
		    "a second host bridge");
	test_assert(virtio_rng_create(&mem, &rng, &e) == 0, "a virtio-rng");
	test_assert(virtio_pci_create(p, rng, 11, &e) == 0, "carried by virtio-pci");
	test_assert(cfg_read(1, 0, 4) == 0x10441af4, "1af4:1044 (0x1040 + rng)");
	test_assert(cfg_read(1, PCI_REVISION_ID, 1) == 1, "revision 1");
	test_assert(cfg_read(1, PCI_SUBSYSTEM_VENDOR_ID, 4) == 0x00041af4, "subsystem 1af4:0004");
	test_assert(cfg_read(1, PCI_BAR0, 4) == (WIN | PCI_BAR_MEM64), "a 64-bit BAR 0");
	test_assert(vcap(VIRTIO_PCI_CAP_COMMON_CFG) && vcap(VIRTIO_PCI_CAP_ISR_CFG) &&
		    vcap(VIRTIO_PCI_CAP_NOTIFY_CFG), "common, ISR and notify capabilities");
	test_assert(!vcap(VIRTIO_PCI_CAP_DEVICE_CFG), "no device config for rng");
	test_assert(cfg_read(1, vcap(VIRTIO_PCI_CAP_NOTIFY_CFG) + 16, 4) == 4, "notify_off_multiplier 4");
	mx = cap(PCI_CAP_ID_MSIX);
	test_assert(mx && (cfg_read(1, mx + 2, 2) & 0x7ff) == 1, "MSI-X with 2 vectors");
	c = WIN + cfg_read(1, vcap(VIRTIO_PCI_CAP_COMMON_CFG) + 8, 4);
	notify = WIN + cfg_read(1, vcap(VIRTIO_PCI_CAP_NOTIFY_CFG) + 8, 4);

	test_assert(mm_read(c + 0x12, 2) == 1, "num_queues 1");
	i = vcap(VIRTIO_PCI_CAP_PCI_CFG);
	test_assert(i != 0, "a PCI_CFG window");
	cfg_write(1, i + 8, 0x12, 4);
	cfg_write(1, i + 12, 2, 4);
	test_assert(cfg_read(1, i + 16, 4) == 1, "that reads num_queues through config space");
	cfg_write(1, i + 8, 0x00, 4);
	cfg_write(1, i + 12, 4, 4);
	cfg_write(1, i + 16, 1, 4);
	test_assert(mm_read(c + 0x00, 4) == 1, "and writes device_feature_select");
	cfg_write(1, i + 12, 3, 4);
	cfg_write(1, i + 16, 0, 4);
	test_assert(mm_read(c + 0x00, 4) == 1, "a length of 3 does nothing");
	mm_write(c + 0x00, 1, 4);
	test_assert(mm_read(c + 0x04, 4) & 1, "VERSION_1 offered");
	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER, 1);
	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK, 1);
	test_assert(!(mm_read(c + 0x14, 1) & VIRTIO_S_FEATURES_OK), "FEATURES_OK refused without VERSION_1");
	mm_write(c + 0x08, 1, 4);
	mm_write(c + 0x0c, 3, 4);	/* VERSION_1 and ACCESS_PLATFORM, not offered */
	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK, 1);
	test_assert(!(mm_read(c + 0x14, 1) & VIRTIO_S_FEATURES_OK), "and with a feature not offered");
	mm_write(c + 0x0c, 1, 4);
	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK, 1);
	test_assert(mm_read(c + 0x14, 1) & VIRTIO_S_FEATURES_OK, "accepted with VERSION_1");
	mm_write(c + 0x0c, 0, 4);
	test_assert(mm_read(c + 0x0c, 4) == 1, "features are fixed after FEATURES_OK");

	mm_write(c + 0x16, 0, 2);
	test_assert(mm_read(c + 0x18, 2) == 256, "queue 0 offers 256 entries");
	mm_write(c + 0x18, 3, 2);
	test_assert(mm_read(c + 0x18, 2) == 256, "a size that is no power of 2 is ignored");
	mm_write(c + 0x18, 4, 2);
	mm_write(c + 0x20, 0xfff000, 8);	/* outside guest memory */
	mm_write(c + 0x1c, 1, 2);
	test_assert(mm_read(c + 0x1c, 2) == 0 && (mm_read(c + 0x14, 1) & VIRTIO_S_NEEDS_RESET),
		    "a ring outside guest memory: queue off, NEEDS_RESET");
	mm_write(c + 0x14, 0, 1);
	test_assert(mm_read(c + 0x14, 1) == 0 && mm_read(c + 0x18, 2) == 256 && mm_read(c + 0x0c, 4) == 0,
		    "status 0 resets status, queues and features");

	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER, 1);
	mm_write(c + 0x08, 1, 4);
	mm_write(c + 0x0c, 1, 4);
	mm_write(c + 0x14, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK, 1);
	mm_write(c + 0x18, 4, 2);
	mm_write(c + 0x20, 0x1000, 4);		/* two 32-bit halves */
	mm_write(c + 0x24, 0, 4);
	mm_write(c + 0x28, 0x2000, 8);
	mm_write(c + 0x30, 0x3000, 8);
	test_assert(mm_read(c + 0x20, 8) == 0x1000 && mm_read(c + 0x28, 4) == 0x2000,
		    "ring addresses read back at any width");
	mm_write(c + 0x1c, 1, 2);
	test_assert(mm_read(c + 0x1c, 2) == 1, "the queue is enabled");
	mm_write(c + 0x14, 0xf, 1);
	notify += 4 * mm_read(c + 0x1e, 2);

	/* one 16-byte buffer, INTx (MSI-X off) */
	desc[0] = 0x8000;
	desc[1] = 16 | (uint64_t)2 << 32;	/* len, flags WRITE */
	avail[1] = 1;
	irq_level = -1;
	mm_write(notify, 0, 2);
	test_assert(used[1] == 1 && *(uint32_t *)(ram + 0x3008) == 16, "a kick fills the buffer");
	test_assert(irq_line == 11 && irq_level == 1, "and raises INTx on line 11");
	test_assert(cfg_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, "interrupt status set");
	test_assert(mm_read(WIN + VP_ISR, 1) == 1 && irq_level == 0, "reading the ISR gives 1 and lowers it");
	test_assert(mm_read(WIN + VP_ISR, 1) == 0, "and clears it");

	/* MSI-X: masked entry -> pending bit, unmask -> message */
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	cfg_write(1, mx + 2, 0x8000, 2);
	test_assert(cfg_read(1, mx + 2, 2) == 0x8001, "MSI-X enabled, table size read-only");
	mm_write(c + 0x1a, 0, 2);
	test_assert(mm_read(c + 0x1a, 2) == 0xffff, "a live queue's vector is fixed");
	mm_write(c + 0x10, 5, 2);
	test_assert(mm_read(c + 0x10, 2) == 0xffff, "a vector beyond the table reads NO_VECTOR");
	rng->vq[0].msix_vector = 0;
	mm_write(WIN + VP_MSIX_TABLE, 0xfee00000, 4);
	mm_write(WIN + VP_MSIX_TABLE + 8, 0x41, 4);
	msi_addr = 0;
	avail[2] = 0;
	avail[1] = 2;
	mm_write(notify, 0, 2);
	test_assert(used[1] == 2 && msi_addr == 0, "a masked vector sends nothing");
	test_assert(mm_read(WIN + VP_MSIX_PBA, 4) == 1, "but is pending");
	mm_write(WIN + VP_MSIX_TABLE + 12, 0, 4);
	test_assert(msi_addr == 0xfee00000 && msi_data == 0x41, "unmasking sends it");
	test_assert(mm_read(WIN + VP_MSIX_PBA, 4) == 0, "and clears the pending bit");
	for (i = 0; i < 16; i++)
		mm_write(WIN + VP_MSIX_PBA + i, 0xff, 1);
	test_assert(mm_read(WIN + VP_MSIX_PBA, 4) == 0, "the PBA is read-only");
	bus_destroy(&b);
}

int main(void)
{
	const struct dev_host host = { NULL, on_irq, on_stop, on_msi };
	struct pci_dev d, d2;
	struct dev_ref ref;
	struct err e = { 0 };
	struct pci *p;
	uint32_t v;
	uint8_t b8;
	int off;

	test_assert(pci_create(&b, &host, WIN, WINSZ, &p, &ref, &e) == 0, "a host bridge is created");
	test_assert(bus_add(&b, BUS_PIO, PCI_CONF_PORT, PCI_CONF_PORTS, ref.ops, ref.dev, &e) == 0,
		    "and mapped at 0xcf8");

	/* Linux's type 1 probe */
	b8 = 1;
	bus_write(&b, BUS_PIO, 0xcfb, &b8, 1);
	v = 0x80000000u;
	bus_write(&b, BUS_PIO, 0xcf8, &v, 4);
	v = 0;
	bus_read(&b, BUS_PIO, 0xcf8, &v, 4);
	test_assert(v == 0x80000000u, "CONFIG_ADDRESS reads back");
	b8 = 0;
	bus_read(&b, BUS_PIO, 0xcf8, &b8, 1);
	test_assert(b8 == 0xff, "a byte read of 0xcf8 is not CONFIG_ADDRESS");
	test_assert(cfg_read(0, 0, 4) == (PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR), "00:00.0 is the host bridge");
	test_assert(cfg_read(0, 0x0a, 2) == 0x0600, "of class host bridge");
	test_assert(cfg_read(0, 2, 2) == PCI_HOST_DEVICE, "a 16-bit read at 0xcfe");
	test_assert(cfg_read(0, 1, 1) == (PCI_HOST_VENDOR >> 8), "an 8-bit read at 0xcfd");
	test_assert(cfg_read(3, 0, 4) == 0xffffffffu, "an empty slot reads all ones");
	v = 0x80010000u;	/* bus 1 */
	bus_write(&b, BUS_PIO, 0xcf8, &v, 4);
	bus_read(&b, BUS_PIO, 0xcfc, &v, 4);
	test_assert(v == 0xffffffffu, "bus 1 reads all ones");
	v = 0x80000100u;	/* function 1 */
	bus_write(&b, BUS_PIO, 0xcf8, &v, 4);
	bus_read(&b, BUS_PIO, 0xcfc, &v, 4);
	test_assert(v == 0xffffffffu, "function 1 reads all ones");
	v = 0;			/* enable bit off */
	bus_write(&b, BUS_PIO, 0xcf8, &v, 4);
	bus_read(&b, BUS_PIO, 0xcfc, &v, 4);
	test_assert(v == 0xffffffffu, "with the enable bit off data reads all ones");
	cfg_write(0, 0, 0x12345678, 4);
	test_assert(cfg_read(0, 0, 4) == (PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR), "ids are read-only");

	/* an endpoint: one 64-bit BAR and a 32-bit one, a capability */
	pci_dev_init(&d, &fake_ops, 0x1af4, 0x1042, 0x010000, 1, 0x1af4, 2);
	test_assert(pci_dev_add_bar(&d, 5, 4096, PCI_BAR_MEM64) == -EINVAL, "a 64-bit BAR 5 is refused");
	test_assert(pci_dev_add_bar(&d, 0, 3000, 0) == -EINVAL, "a size that is no power of 2 is refused");
	test_assert(pci_dev_add_bar(&d, 0, 0x4000, PCI_BAR_MEM64) == 0, "a 64-bit BAR");
	test_assert(pci_dev_add_bar(&d, 1, 0x1000, 0) == -EINVAL, "its upper half is taken");
	test_assert(pci_dev_add_bar(&d, 2, 0x1000, 0) == 0, "a 32-bit BAR");
	off = pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, "\x06xyzw", 5);
	test_assert(off == 0x40, "the first capability at 0x40");
	test_assert(pci_dev_add_cap(&d, PCI_CAP_ID_MSIX, "0123456789", 10) == 0x48,
		    "the next at the next dword");
	test_assert(pci_plug(p, &d, 10, &e) == 0, "the endpoint is plugged");
	test_assert(d.slot == 1, "into slot 1");
	test_assert(cfg_read(1, 0, 4) == 0x10421af4, "it answers at 00:01.0");
	test_assert(cfg_read(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, "with a capability list");
	test_assert(cfg_read(1, PCI_CAPABILITY_LIST, 1) == 0x40 && cfg_read(1, 0x41, 1) == 0x48 &&
		    cfg_read(1, 0x49, 1) == 0, "chained 0x40 -> 0x48 -> end");
	test_assert(cfg_read(1, PCI_INTERRUPT_PIN, 1) == 1 && cfg_read(1, PCI_INTERRUPT_LINE, 1) == 10,
		    "INTA# on line 10");
	test_assert(cfg_read(1, PCI_BAR0, 4) == (WIN | PCI_BAR_MEM64) && cfg_read(1, PCI_BAR0 + 4, 4) == 0,
		    "the 64-bit BAR is at the start of the window");
	test_assert(cfg_read(1, PCI_BAR0 + 8, 4) == WIN + 0x4000, "the 32-bit BAR after it");
	test_assert(cfg_read(1, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY, "memory decoding is on");

	v = 0;
	test_assert(bus_read(&b, BUS_MMIO, WIN + 0x10, &v, 4) == 1 && v == 0x5a5a5a5a &&
		    last_bar == 0 && last_off == 0x10, "BAR 0 is on the bus");
	test_assert(bus_write(&b, BUS_MMIO, WIN + 0x4008, &v, 2) == 1 && last_bar == 2 &&
		    last_off == 8, "BAR 2 too");

	/* sizing: decode off, all ones, read back, restore */
	cfg_write(1, PCI_COMMAND, 0, 2);
	test_assert(bus_read(&b, BUS_MMIO, WIN, &v, 4) == 0, "decode off: the BAR leaves the bus");
	cfg_write(1, PCI_BAR0, 0xffffffff, 4);
	cfg_write(1, PCI_BAR0 + 4, 0xffffffff, 4);
	test_assert(cfg_read(1, PCI_BAR0, 4) == (0xffffc000u | PCI_BAR_MEM64) &&
		    cfg_read(1, PCI_BAR0 + 4, 4) == 0xffffffffu, "sizing the 64-bit BAR gives 16 KiB");
	cfg_write(1, PCI_BAR0 + 8, 0xffffffff, 4);
	test_assert(cfg_read(1, PCI_BAR0 + 8, 4) == 0xfffff000u, "sizing the 32-bit BAR gives 4 KiB");
	cfg_write(1, PCI_ROM_ADDRESS, 0xffffffff, 4);
	test_assert(cfg_read(1, PCI_ROM_ADDRESS, 4) == 0, "no expansion ROM");
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	test_assert(bus_read(&b, BUS_MMIO, 0xfffffffffffff000ULL, &v, 4) == 0,
		    "an all-ones BAR never goes on the bus");
	/* move BAR 0 */
	cfg_write(1, PCI_BAR0, 0xd0000000, 4);
	cfg_write(1, PCI_BAR0 + 4, 0, 4);
	cfg_write(1, PCI_BAR0 + 8, WIN + 0x4000, 4);
	test_assert(bus_read(&b, BUS_MMIO, 0xd0000004, &v, 4) == 1 && last_bar == 0 && last_off == 4,
		    "a moved BAR answers at its new address");
	test_assert(bus_read(&b, BUS_MMIO, WIN, &v, 4) == 0, "and not at the old one");
	cfg_write(1, PCI_BAR0, 0x10000000, 4);
	test_assert(bus_read(&b, BUS_MMIO, 0x10000000, &v, 4) == 0, "outside the window it is off the bus");
	cfg_write(1, PCI_BAR0, WIN + 0x4000, 4);
	test_assert(bus_read(&b, BUS_MMIO, WIN + 0x4000, &v, 4) == 1 && last_bar == 2,
		    "a BAR moved over another does not take its place");
	cfg_write(1, PCI_BAR0, WIN, 4);
	test_assert(bus_read(&b, BUS_MMIO, WIN, &v, 4) == 1 && last_bar == 0, "moved back");

	/* masks */
	cfg_write(1, PCI_INTERRUPT_LINE, 0x0b, 1);
	test_assert(cfg_read(1, PCI_INTERRUPT_LINE, 1) == 0x0b, "interrupt line is writable");
	cfg_write(1, PCI_INTERRUPT_PIN, 3, 1);
	test_assert(cfg_read(1, PCI_INTERRUPT_PIN, 1) == 1, "interrupt pin is not");
	cfg_write(1, PCI_STATUS, 0xffff, 2);
	test_assert(cfg_read(1, PCI_STATUS, 2) == PCI_STATUS_CAP_LIST, "status bits are read-only or write-1-to-clear");
	d.cfg[PCI_STATUS + 1] = 0x80;	/* parity error seen */
	cfg_write(1, PCI_STATUS, 0x8000, 2);
	test_assert(!(cfg_read(1, PCI_STATUS, 2) & 0x8000), "writing 1 clears a status error bit");
	cfg_write(1, 0x42, 0xffffffff, 4);
	test_assert(cfg_read(1, 0x43, 1) == 'x', "capability bodies are read-only unless the device says");

	/* INTx and MSI */
	pci_dev_intx(&d, 1);
	test_assert(irq_line == 10 && irq_level == 1, "INTx raises the line");
	test_assert(cfg_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, "and sets the status bit");
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	test_assert(irq_level == 0, "INTx disable lowers it");
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	test_assert(irq_level == 1, "enabling raises it again");
	pci_dev_intx(&d, 0);
	test_assert(irq_level == 0 && !(cfg_read(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT), "and it goes down");
	pci_dev_msi(&d, 0xfee00000, 0x41);
	test_assert(msi_addr == 0, "no MSI without bus mastering");
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	pci_dev_msi(&d, 0xfee00000, 0x41);
	test_assert(msi_addr == 0xfee00000 && msi_data == 0x41, "an MSI goes to the host");

	/* a second device goes after the first in the window */
	pci_dev_init(&d2, &fake_ops, 0x1af4, 0x1044, 0x00ff00, 1, 0x1af4, 4);
	test_assert(pci_dev_add_bar(&d2, 0, 0x1000, 0) == 0, "a second endpoint");
	test_assert(pci_plug(p, &d2, -1, &e) == 0 && d2.slot == 2, "in slot 2");
	test_assert(cfg_read(2, PCI_BAR0, 4) == WIN + 0x5000, "its BAR after the others");
	test_assert(cfg_read(2, PCI_INTERRUPT_PIN, 1) == 0, "without INTx no pin");

	/* slots run out after 31 endpoints; the window too */
	{
		static struct pci_dev many[30];
		struct pci_dev big;
		int k, okp = 1;

		for (k = 0; k < 29; k++) {
			pci_dev_init(&many[k], &fake_ops, 0x1234, k, 0xff0000, 0, 0, 0);
			okp &= pci_plug(p, &many[k], -1, &e) == 0;
		}
		test_assert(okp && many[28].slot == 31, "31 endpoints fit");
		pci_dev_init(&many[29], &fake_ops, 0x1234, 99, 0xff0000, 0, 0, 0);
		test_assert(pci_plug(p, &many[29], -1, &e) == -ENOSPC, "a 32nd does not");
		test_assert(cfg_read(31, 0, 2) == 0x1234, "00:1f.0 answers");
		{
			struct bus b2 = { 0 };
			struct dev_ref r2;
			struct pci *p2;

			pci_create(&b2, &host, WIN, 0x100000, &p2, &r2, &e);
			pci_dev_init(&big, &fake_ops, 0x1234, 100, 0xff0000, 0, 0, 0);
			pci_dev_add_bar(&big, 0, 0x200000, 0);
			test_assert(pci_plug(p2, &big, -1, &e) == -ENOSPC,
				    "a BAR larger than the window is refused");
			r2.ops->destroy(r2.dev);
		}
	}

	/* reset control register */
	b8 = 0x02;
	bus_write(&b, BUS_PIO, 0xcf9, &b8, 1);
	test_assert(!stopped, "0xcf9 = 2 only prepares");
	b8 = 0;
	bus_read(&b, BUS_PIO, 0xcf9, &b8, 1);
	test_assert(b8 == 2, "and reads back");
	b8 = 0x06;
	bus_write(&b, BUS_PIO, 0xcf9, &b8, 1);
	test_assert(stopped == DEV_STOP_RESET, "0xcf9 = 6 resets the machine");

	bus_destroy(&b);
	test_virtio_pci();
	return test_report();
}
