/*
 * mptable -- the Intel MultiProcessor Specification 1.4 tables: a
 * floating pointer structure ("_MP_", 16 bytes, 16-byte aligned in the
 * BIOS area) pointing at the configuration table ("PCMP"): one processor
 * entry per CPU (CPU 0 the bootstrap processor), an ISA bus, the I/O
 * APIC, an I/O interrupt entry per ISA IRQ and the local interrupts
 * (LINT0 ExtINT for the 8259 in virtual wire mode, LINT1 NMI).
 * Operating systems without ACPI (or told acpi=off) find the CPUs here.
 */
#include <errno.h>
#include <string.h>

#include "vm/tables.h"

#define MP_SPEC_REV		4	/* 1.4 */
#define MP_PROC			0
#define MP_BUS			1
#define MP_IOAPIC		2
#define MP_IOINT		3
#define MP_LINT			4
#define MP_CPU_ENABLED		0x01
#define MP_CPU_BSP		0x02
#define MP_INT			0
#define MP_NMI			1
#define MP_EXTINT		3
#define APIC_VERSION		0x14
#define IOAPIC_VERSION		0x11
#define CPU_SIGNATURE		0x600	/* family 6 */
#define CPU_FEATURES		0x201	/* FPU, APIC */

struct mp_float {
	char sig[4];
	uint32_t config;
	uint8_t length, rev, checksum, feature[5];
} __attribute__((packed));

struct mp_config {
	char sig[4];
	uint16_t length;
	uint8_t rev, checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mp_proc {
	uint8_t type, apic_id, apic_ver, flags;
	uint32_t signature, features, reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type, id, ver, flags;
	uint32_t addr;
} __attribute__((packed));

struct mp_int {
	uint8_t type, irq_type;
	uint16_t flags;
	uint8_t src_bus, src_irq, dst_apic, dst_pin;
} __attribute__((packed));

#define MP_SIZE_MAX (sizeof(struct mp_float) + sizeof(struct mp_config) + \
		     TABLES_CPUS_MAX * sizeof(struct mp_proc) +		\
		     sizeof(struct mp_bus) + sizeof(struct mp_ioapic) +	\
		     (TABLES_ISA_IRQS + 2) * sizeof(struct mp_int))

static uint8_t mp_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

static void mp_put(uint8_t **at, const void *ent, size_t len, uint16_t *count)
{
	memcpy(*at, ent, len);
	*at += len;
	(*count)++;
}

static void mp_entries(uint8_t **at, int ncpus, uint16_t *count)
{
	const struct mp_bus bus = { MP_BUS, 0, { 'I', 'S', 'A', ' ', ' ', ' ' } };
	const struct mp_ioapic io = { MP_IOAPIC, ncpus, IOAPIC_VERSION, 1,
				      TABLES_IOAPIC_ADDR };
	struct mp_proc cpu = { MP_PROC, 0, APIC_VERSION, 0, CPU_SIGNATURE,
			       CPU_FEATURES, { 0, 0 } };
	struct mp_int irq = { MP_IOINT, MP_INT, 0, 0, 0, ncpus, 0 };
	int i;

	for (i = 0; i < ncpus; i++) {
		cpu.apic_id = i;
		cpu.flags = MP_CPU_ENABLED | (i ? 0 : MP_CPU_BSP);
		mp_put(at, &cpu, sizeof(cpu), count);
	}
	mp_put(at, &bus, sizeof(bus), count);
	mp_put(at, &io, sizeof(io), count);
	for (i = 0; i < TABLES_ISA_IRQS; i++) {
		if (i == 2)	/* the 8259 cascade: never raised */
			continue;
		irq.src_irq = i;
		irq.dst_pin = i;
		mp_put(at, &irq, sizeof(irq), count);
	}
	/* LINT0: the 8259 through the local APIC; LINT1: NMI; all CPUs */
	irq = (struct mp_int){ MP_LINT, MP_EXTINT, 0, 0, 0, 0xff, 0 };
	mp_put(at, &irq, sizeof(irq), count);
	irq = (struct mp_int){ MP_LINT, MP_NMI, 0, 0, 0, 0xff, 1 };
	mp_put(at, &irq, sizeof(irq), count);
}

int mptable_write(const struct vm_mem *mem, int ncpus, struct err *e)
{
	uint8_t *base = guest_ptr(mem, TABLES_MP, MP_SIZE_MAX);
	struct mp_float *fp;
	struct mp_config *cfg;
	uint16_t count = 0;
	uint8_t *at;

	if (ncpus < 1 || ncpus > TABLES_CPUS_MAX)
		return err_msg(e, -EINVAL, "MP table: %d CPUs (1 to %d)", ncpus,
			       TABLES_CPUS_MAX);
	if (!base)
		return err_msg(e, -ENOMEM, "guest memory too small for the MP table");
	memset(base, 0, MP_SIZE_MAX);
	fp = (struct mp_float *)base;
	cfg = (struct mp_config *)(fp + 1);
	memcpy(fp->sig, "_MP_", 4);
	fp->config = TABLES_MP + sizeof(*fp);
	fp->length = 1;		/* in 16-byte units */
	fp->rev = MP_SPEC_REV;
	memcpy(cfg->sig, "PCMP", 4);
	cfg->rev = MP_SPEC_REV;
	memcpy(cfg->oem, "STRATA  ", 8);
	memcpy(cfg->product, "STRATA VM   ", 12);
	cfg->lapic = TABLES_LAPIC_ADDR;
	at = (uint8_t *)(cfg + 1);
	mp_entries(&at, ncpus, &count);
	cfg->count = count;
	cfg->length = at - (uint8_t *)cfg;
	cfg->checksum = mp_checksum(cfg, cfg->length);
	fp->checksum = mp_checksum(fp, sizeof(*fp));
	return 0;
}
