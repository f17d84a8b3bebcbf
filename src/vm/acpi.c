/*
 * acpi -- the ACPI tables of a hardware-reduced platform (ACPI 6.x,
 * chapter 5): RSDP -> XSDT (and RSDT for 32-bit readers) -> FADT and
 * MADT; FADT -> DSDT.
 *
 * Hardware-reduced (FADT flag HW_REDUCED_ACPI) means no PM1 blocks, no
 * PM timer, no SCI and no GPEs to emulate, as Firecracker and
 * cloud-hypervisor do.  The FADT's reset register is the i8042 command
 * port (write 0xfe), which ends the run like any other reset.  The DSDT
 * holds one device, the PCI host bridge (PNP0A03, bus 0, conf1 ports,
 * I/O ports and the hole from 3 GiB to the I/O APIC as windows): an OS
 * that uses ACPI finds PCI root buses only there.  Its _PRT routes INTx
 * of every slot straight to I/O APIC inputs (GSIs), as the machine
 * wires them (acpi_pci_gsi); without one an ACPI OS cannot use INTx
 * once it runs the I/O APIC, only MSI-X.  The MADT lists a local
 * APIC per CPU, the I/O APIC, ISA IRQ 0 on GSI 0 (see tables.h) and the
 * LINT1 NMI.  Every table's bytes sum to 0, as the RSDP's first 20 bytes
 * and all its 36 do.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vm/tables.h"

#define ACPI_SIZE		0x1000	/* all tables, at TABLES_ACPI */
#define OFF_RSDP		0x000
#define OFF_XSDT		0x040
#define OFF_RSDT		0x080
#define OFF_FADT		0x0c0
#define OFF_MADT		0x200	/* at most 0x250 bytes (64 CPUs) */
#define OFF_DSDT		0x500
#define DSDT_MAX		(ACPI_SIZE - OFF_DSDT)

#define FADT_LENGTH		276	/* ACPI 6.0 and later */
#define FADT_REV		6
#define FADT_DSDT		40
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_X_DSDT		140
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_F_HW_REDUCED	(1u << 20)
#define BOOT_ARCH_LEGACY	(1u << 0)
#define BOOT_ARCH_8042		(1u << 1)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

#define MADT_PCAT_COMPAT	1
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_NMI		4
#define MADT_ENABLED		1
#define MADT_NMI_FLAGS		0x5	/* active high, edge */

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t rev;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

struct acpi_hdr {
	char sig[4];
	uint32_t length;
	uint8_t rev, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev;
	char creator[4];
	uint32_t creator_rev;
} __attribute__((packed));

static uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

static void put(uint8_t *t, size_t off, const void *v, size_t len)
{
	memcpy(t + off, v, len);
}

static void put16(uint8_t *t, size_t off, uint16_t v)
{
	put(t, off, &v, 2);
}

static void put32(uint8_t *t, size_t off, uint32_t v)
{
	put(t, off, &v, 4);
}

static void put64(uint8_t *t, size_t off, uint64_t v)
{
	put(t, off, &v, 8);
}

/* Fill the common header of a table of @length bytes and checksum it
 * (the body must be written first). */
static void acpi_seal(uint8_t *t, const char *sig, uint32_t length, uint8_t rev)
{
	struct acpi_hdr h = { .length = length, .rev = rev, .oem_rev = 1,
			      .creator_rev = 1 };

	memcpy(h.sig, sig, 4);
	memcpy(h.oem, "STRATA", 6);
	memcpy(h.oem_table, "STRATAVM", 8);
	memcpy(h.creator, "STRA", 4);
	memcpy(t, &h, sizeof(h));
	t[offsetof(struct acpi_hdr, checksum)] = 0;
	t[offsetof(struct acpi_hdr, checksum)] = acpi_sum(t, length);
}

/* AML PkgLength (ACPI 6.4, 20.2.4) for @len bytes that follow it: one
 * byte up to 63 in all, two up to 4095.  Returns its size. */
static size_t aml_pkglen(uint8_t *p, size_t len)
{
	if (len + 1 <= 63) {
		p[0] = len + 1;
		return 1;
	}
	p[0] = 0x40 | ((len + 2) & 0xf);
	p[1] = (len + 2) >> 4;
	return 2;
}

/* @op, a PkgLength, then @body: a Scope, Device or Buffer */
static size_t aml_pkg(uint8_t *p, const void *op, size_t oplen,
		      const void *body, size_t len)
{
	size_t n;

	memcpy(p, op, oplen);
	n = oplen + aml_pkglen(p + oplen, len);
	memmove(p + n, body, len);
	return n + len;
}

/*
 * The PCI host bridge's resources: ResourceTemplate () {
 *	WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *		       0, 0, 0, 0, 1)			bus 0
 *	IO (Decode16, 0xcf8, 0xcf8, 1, 8)		conf1 ports
 *	WordIO (..., EntireRange, 0, 0, 0xcf7, 0, 0xcf8)
 *	WordIO (..., EntireRange, 0, 0xd00, 0xffff, 0, 0xf300)
 *	DWordMemory (..., NonCacheable, ReadWrite, 0, VM_MEM_MAX,
 *		     IOAPIC - 1, 0, IOAPIC - VM_MEM_MAX)	the PCI hole
 * }  Linux creates no PCI root bus for a PNP0A03 without a _CRS.
 */
static size_t aml_crs(uint8_t *p)
{
	static const uint8_t head[] = {
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
		0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x00, 0xf7, 0x0c,
		0, 0, 0xf8, 0x0c,
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff,
		0, 0, 0x00, 0xf3,
		0x87, 0x17, 0x00, 0x00, 0x0c, 0x01,
	};
	const uint32_t mem[5] = { 0, VM_MEM_MAX, TABLES_IOAPIC_ADDR - 1, 0,
				  TABLES_IOAPIC_ADDR - VM_MEM_MAX };
	uint8_t tmpl[sizeof(head) + sizeof(mem) + 2 + 2], *t = tmpl;

	*t++ = 0x0a;				/* BufferSize: ByteConst */
	*t++ = sizeof(tmpl) - 2;
	memcpy(t, head, sizeof(head));
	t += sizeof(head);
	memcpy(t, mem, sizeof(mem));
	t += sizeof(mem);
	*t++ = 0x79;				/* end tag, checksum 0 */
	*t++ = 0;
	memcpy(p, "\x08_CRS", 5);		/* NameOp _CRS */
	return 5 + aml_pkg(p + 5, "\x11", 1, tmpl, sizeof(tmpl));
}

/*
 * Name (_PRT, Package () { Package () { 0xSSFFFF, PIN, Zero, GSI }, ... })
 * for slots 1 to 31, pins INTA-INTD (ACPI 6.4, 6.2.13): a Source of
 * Zero makes the last field a global system interrupt, i.e. an I/O APIC
 * input (level-triggered, active low).
 */
static size_t aml_prt(uint8_t *p)
{
	uint8_t pkgs[TABLES_PCI_SLOTS * 4 * 16], *q = pkgs;
	int slot, pin;

	for (slot = 1; slot <= TABLES_PCI_SLOTS; slot++)
		for (pin = 0; pin < 4; pin++) {
			uint8_t e[16], *b = e;
			uint32_t addr = (uint32_t)slot << 16 | 0xffff;

			*b++ = 0x04;			/* NumElements */
			*b++ = 0x0c;			/* DWordConst */
			memcpy(b, &addr, 4);
			b += 4;
			*b++ = 0x0a;			/* ByteConst: the pin */
			*b++ = pin;
			*b++ = 0x00;			/* ZeroOp: no link device */
			*b++ = 0x0a;			/* ByteConst: the GSI */
			*b++ = acpi_pci_gsi(slot, pin);
			q += aml_pkg(q, "\x12", 1, e, b - e);	/* PackageOp */
		}
	memmove(pkgs + 1, pkgs, q - pkgs);
	pkgs[0] = TABLES_PCI_SLOTS * 4;			/* NumElements */
	memcpy(p, "\x08_PRT", 5);			/* NameOp _PRT */
	return 5 + aml_pkg(p + 5, "\x12", 1, pkgs, q - pkgs + 1);
}

int acpi_pci_gsi(int slot, int pin)
{
	/* device n (slot n + 1) raises pin A on 10 for even n, 11 for odd:
	 * machine.c's pci_irq(); other pins follow the usual swizzle */
	return (slot - 1 + pin) % 2 ? 11 : 10;
}

/*
 * DefinitionBlock: Scope (\_SB) { Device (PCI0) {
 *	Name (_HID, EisaId ("PNP0A03")) Name (_UID, 0) Name (_BBN, 0)
 *	Name (_CRS, ...) Name (_PRT, ...) } }
 */
static uint32_t acpi_dsdt(uint8_t *t)
{
	static const uint8_t names[] = {
		'P', 'C', 'I', '0',
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'B', 'B', 'N', 0x00,
	};
	uint8_t dev[DSDT_MAX], scope[DSDT_MAX];
	size_t ndev, nscope;
	uint8_t *p = t + sizeof(struct acpi_hdr);

	memcpy(dev, names, sizeof(names));
	ndev = sizeof(names) + aml_crs(dev + sizeof(names));
	ndev += aml_prt(dev + ndev);
	memcpy(scope, "\\_SB_", 5);
	nscope = 5 + aml_pkg(scope + 5, "\x5b\x82", 2, dev, ndev);	/* DeviceOp */
	p += aml_pkg(p, "\x10", 1, scope, nscope);			/* ScopeOp */
	acpi_seal(t, "DSDT", p - t, 2);
	return p - t;
}

static void acpi_fadt(uint8_t *t, uint64_t dsdt)
{
	const uint8_t reset_reg[12] = { GAS_SYSTEM_IO, 8, 0, GAS_ACCESS_BYTE,
					0x64 };

	put32(t, FADT_DSDT, dsdt);
	put16(t, FADT_IAPC_BOOT_ARCH, BOOT_ARCH_LEGACY | BOOT_ARCH_8042);
	put32(t, FADT_FLAGS, FADT_F_WBINVD | FADT_F_RESET_REG_SUP | FADT_F_HW_REDUCED);
	put(t, FADT_RESET_REG, reset_reg, sizeof(reset_reg));
	t[FADT_RESET_VALUE] = 0xfe;
	put64(t, FADT_X_DSDT, dsdt);
	acpi_seal(t, "FACP", FADT_LENGTH, FADT_REV);
}

static uint32_t acpi_madt(uint8_t *t, int ncpus)
{
	uint8_t *p = t + sizeof(struct acpi_hdr);
	int i;

	put32(p, 0, TABLES_LAPIC_ADDR);
	put32(p, 4, MADT_PCAT_COMPAT);
	p += 8;
	for (i = 0; i < ncpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = i;		/* ACPI processor UID */
		p[3] = i;		/* APIC id */
		put32(p, 4, MADT_ENABLED);
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = ncpus;
	p[3] = 0;
	put32(p, 4, TABLES_IOAPIC_ADDR);
	put32(p, 8, 0);			/* GSI base */
	p += 12;
	p[0] = MADT_OVERRIDE;		/* ISA IRQ 0 -> GSI 0, bus defaults */
	p[1] = 10;
	p[2] = 0;
	p[3] = 0;
	put32(p, 4, 0);
	put16(p, 8, 0);
	p += 10;
	p[0] = MADT_LAPIC_NMI;		/* LINT1 of every CPU */
	p[1] = 6;
	p[2] = 0xff;
	put16(p, 3, MADT_NMI_FLAGS);
	p[5] = 1;
	p += 6;
	acpi_seal(t, "APIC", p - t, 5);
	return p - t;
}

static void acpi_roots(uint8_t *base)
{
	struct acpi_rsdp r = { .rev = 2, .length = sizeof(r) };
	uint8_t *xsdt = base + OFF_XSDT, *rsdt = base + OFF_RSDT;
	size_t h = sizeof(struct acpi_hdr);

	put64(xsdt, h, TABLES_ACPI + OFF_FADT);
	put64(xsdt, h + 8, TABLES_ACPI + OFF_MADT);
	acpi_seal(xsdt, "XSDT", h + 16, 1);
	put32(rsdt, h, TABLES_ACPI + OFF_FADT);
	put32(rsdt, h + 4, TABLES_ACPI + OFF_MADT);
	acpi_seal(rsdt, "RSDT", h + 8, 1);
	memcpy(r.sig, "RSD PTR ", 8);
	memcpy(r.oem, "STRATA", 6);
	r.rsdt = TABLES_ACPI + OFF_RSDT;
	r.xsdt = TABLES_ACPI + OFF_XSDT;
	r.checksum = acpi_sum(&r, 20);
	r.ext_checksum = acpi_sum(&r, sizeof(r));
	memcpy(base + OFF_RSDP, &r, sizeof(r));
}

int acpi_write(const struct vm_mem *mem, int ncpus, uint64_t *rsdp,
	       struct err *e)
{
	uint8_t *base = guest_ptr(mem, TABLES_ACPI, ACPI_SIZE);

	if (ncpus < 1 || ncpus > TABLES_CPUS_MAX)
		return err_msg(e, -EINVAL, "ACPI tables: %d CPUs (1 to %d)", ncpus,
			       TABLES_CPUS_MAX);
	if (!base)
		return err_msg(e, -ENOMEM, "guest memory too small for the ACPI tables");
	memset(base, 0, ACPI_SIZE);
	acpi_dsdt(base + OFF_DSDT);
	acpi_fadt(base + OFF_FADT, TABLES_ACPI + OFF_DSDT);
	acpi_madt(base + OFF_MADT, ncpus);
	acpi_roots(base);
	*rsdp = TABLES_ACPI + OFF_RSDP;
	return 0;
}
