/*
 * rv dtb -- the machine's device tree.  See dtb.h; the bindings are
 * Linux's (Documentation/devicetree/bindings: riscv/cpus.yaml,
 * interrupt-controller/sifive,plic-1.0.0.yaml, serial/8250.yaml,
 * virtio/mmio.yaml, power/reset/syscon-poweroff.yaml).
 */
#include <errno.h>
#include <stdio.h>

#include "dev/plic.h"
#include "lib/fdt.h"
#include "vm/rv/dtb.h"
#include "vm/rv/rv.h"

#define PH_CPU_INTC(n)	(1 + (n))	/* phandles */
#define PH_PLIC		0x1000
#define PH_TEST		0x1001

#define IRQ_S_EXT	9
#define IRQ_M_EXT	11

static void reg(struct fdt *f, uint64_t base, uint64_t size)
{
	uint32_t c[4] = { base >> 32, (uint32_t)base, size >> 32, (uint32_t)size };

	fdt_prop_cells(f, "reg", c, 4);
}

static void node_at(struct fdt *f, const char *name, uint64_t addr)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
	fdt_begin_node(f, buf);
}

static void cpus(struct fdt *f, const struct rv_dtb_cfg *c)
{
	int i;

	fdt_begin_node(f, "cpus");
	fdt_prop_u32(f, "#address-cells", 1);
	fdt_prop_u32(f, "#size-cells", 0);
	fdt_prop_u32(f, "timebase-frequency", RV_TIMEBASE);
	for (i = 0; i < c->nharts; i++) {
		node_at(f, "cpu", i);
		fdt_prop_str(f, "device_type", "cpu");
		fdt_prop_u32(f, "reg", i);
		fdt_prop_str(f, "status", "okay");
		fdt_prop_str(f, "compatible", "riscv");
		fdt_prop_str(f, "riscv,isa", "rv64imafdc");
		fdt_prop_str(f, "mmu-type", c->sv48 ? "riscv,sv48" : "riscv,sv39");
		fdt_begin_node(f, "interrupt-controller");
		fdt_prop_u32(f, "#interrupt-cells", 1);
		fdt_prop_u32(f, "#address-cells", 0);
		fdt_prop_empty(f, "interrupt-controller");
		fdt_prop_str(f, "compatible", "riscv,cpu-intc");
		fdt_prop_u32(f, "phandle", PH_CPU_INTC(i));
		fdt_end_node(f);
		fdt_end_node(f);
	}
	fdt_end_node(f);
}

static void plic(struct fdt *f, const struct rv_dtb_cfg *c)
{
	static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	uint32_t ie[4 * PLIC_MAX_HARTS];
	int i;

	for (i = 0; i < c->nharts; i++) {
		ie[4 * i + 0] = PH_CPU_INTC(i);
		ie[4 * i + 1] = IRQ_M_EXT;
		ie[4 * i + 2] = PH_CPU_INTC(i);
		ie[4 * i + 3] = IRQ_S_EXT;
	}
	node_at(f, "plic", RV_PLIC_BASE);
	fdt_prop_strs(f, "compatible", compat, sizeof(compat));
	fdt_prop_u32(f, "#interrupt-cells", 1);
	fdt_prop_u32(f, "#address-cells", 0);
	fdt_prop_empty(f, "interrupt-controller");
	reg(f, RV_PLIC_BASE, PLIC_SIZE);
	fdt_prop_u32(f, "riscv,ndev", PLIC_SOURCES - 1);
	fdt_prop_cells(f, "interrupts-extended", ie, 4 * c->nharts);
	fdt_prop_u32(f, "phandle", PH_PLIC);
	fdt_end_node(f);
}

static void soc(struct fdt *f, const struct rv_dtb_cfg *c)
{
	static const char test[] = "sifive,test1\0sifive,test0\0syscon";
	int i;

	fdt_begin_node(f, "soc");
	fdt_prop_u32(f, "#address-cells", 2);
	fdt_prop_u32(f, "#size-cells", 2);
	fdt_prop_str(f, "compatible", "simple-bus");
	fdt_prop_empty(f, "ranges");
	plic(f, c);
	node_at(f, "serial", RV_UART_BASE);
	fdt_prop_str(f, "compatible", "ns16550a");
	reg(f, RV_UART_BASE, RV_UART_SIZE);
	fdt_prop_u32(f, "clock-frequency", RV_UART_CLOCK);
	fdt_prop_u32(f, "reg-shift", 0);
	fdt_prop_u32(f, "reg-io-width", 1);
	fdt_prop_u32(f, "interrupt-parent", PH_PLIC);
	fdt_prop_u32(f, "interrupts", RV_UART_IRQ);
	fdt_end_node(f);
	for (i = 0; i < c->nvirtio; i++) {
		node_at(f, "virtio_mmio", RV_VIRTIO_BASE + RV_VIRTIO_STRIDE * i);
		fdt_prop_str(f, "compatible", "virtio,mmio");
		reg(f, RV_VIRTIO_BASE + RV_VIRTIO_STRIDE * i, RV_VIRTIO_STRIDE);
		fdt_prop_u32(f, "interrupt-parent", PH_PLIC);
		fdt_prop_u32(f, "interrupts", RV_VIRTIO_IRQ0 + i);
		fdt_end_node(f);
	}
	node_at(f, "test", RV_TEST_BASE);
	fdt_prop_strs(f, "compatible", test, sizeof(test));
	reg(f, RV_TEST_BASE, RV_TEST_SIZE);
	fdt_prop_u32(f, "phandle", PH_TEST);
	fdt_end_node(f);
	fdt_end_node(f);
}

static void syscon(struct fdt *f, const char *name, uint32_t value)
{
	char compat[32];

	snprintf(compat, sizeof(compat), "syscon-%s", name);
	fdt_begin_node(f, name);
	fdt_prop_str(f, "compatible", compat);
	fdt_prop_u32(f, "regmap", PH_TEST);
	fdt_prop_u32(f, "offset", 0);
	fdt_prop_u32(f, "value", value);
	fdt_end_node(f);
}

int rv_dtb_build(const struct rv_dtb_cfg *c, void **blob, size_t *len,
		 struct err *e)
{
	static const char compat[] = "strata,rv64\0riscv-virtio";
	char stdout_path[64];
	struct fdt f;

	if (c->nharts < 1 || c->nharts > PLIC_MAX_HARTS || c->nvirtio < 0 ||
	    c->nvirtio > RV_VIRTIO_MAX)
		return err_msg(e, -EINVAL, "device tree: %d harts, %d devices",
			       c->nharts, c->nvirtio);
	snprintf(stdout_path, sizeof(stdout_path), "/soc/serial@%llx",
		 (unsigned long long)RV_UART_BASE);
	fdt_init(&f);
	fdt_begin_node(&f, "");
	fdt_prop_u32(&f, "#address-cells", 2);
	fdt_prop_u32(&f, "#size-cells", 2);
	fdt_prop_strs(&f, "compatible", compat, sizeof(compat));
	fdt_prop_str(&f, "model", "strata riscv64");
	fdt_begin_node(&f, "chosen");
	fdt_prop_str(&f, "bootargs", c->bootargs ? c->bootargs : "");
	fdt_prop_str(&f, "stdout-path", stdout_path);
	if (c->initrd_end > c->initrd_start) {
		fdt_prop_u64(&f, "linux,initrd-start", c->initrd_start);
		fdt_prop_u64(&f, "linux,initrd-end", c->initrd_end);
	}
	fdt_end_node(&f);
	node_at(&f, "memory", RV_RAM_BASE);
	fdt_prop_str(&f, "device_type", "memory");
	reg(&f, RV_RAM_BASE, c->ram_size);
	fdt_end_node(&f);
	cpus(&f, c);
	soc(&f, c);
	/* no syscon-poweroff: Linux powers off through SBI SRST, and a
	 * second poweroff driver only fails its probe (-EBUSY) */
	syscon(&f, "reboot", 0x7777);
	fdt_end_node(&f);
	return fdt_finish(&f, blob, len, e);
}
