/*
 * tables -- the firmware tables a guest OS reads to find its CPUs and
 * interrupt controllers: the Intel MP table (mptable.c) and ACPI
 * (acpi.c), written into the reserved BIOS area [0xe0000, 1 MiB) where
 * both specifications tell the OS to scan.
 *
 *   0xe0000  ACPI: RSDP, then XSDT, RSDT, FADT, DSDT, MADT
 *   0xf0000  MP floating pointer, then the MP configuration table
 *
 * CPU n is vCPU n with local APIC id n (KVM gives each vCPU its index as
 * APIC id); the I/O APIC gets id ncpus.  ISA IRQs are wired to the I/O
 * APIC pin of the same number, as KVM's default GSI routing does
 * (its PIT raises GSI 0, not pin 2 as on a PC chipset).
 */
#ifndef STRATA_VM_TABLES_H
#define STRATA_VM_TABLES_H

#include <stdint.h>

#include "lib/err.h"
#include "vm/machine.h"

#define TABLES_CPUS_MAX		64
#define TABLES_ACPI		0xe0000
#define TABLES_MP		0xf0000
#define TABLES_LAPIC_ADDR	0xfee00000
#define TABLES_IOAPIC_ADDR	0xfec00000
#define TABLES_ISA_IRQS		16
#define TABLES_PCI_SLOTS	31	/* bus 0 slots 1..31 (0: the host bridge) */

/* The MP floating pointer and configuration table for @ncpus CPUs. */
int mptable_write(const struct vm_mem *mem, int ncpus, struct err *e);

/* The I/O APIC input INTx @pin (0 = INTA) of bus 0 slot @slot is wired
 * to; the DSDT's _PRT says so. */
int acpi_pci_gsi(int slot, int pin);

/* RSDP, XSDT, RSDT, FADT (hardware-reduced, reset register = i8042 port
 * 0x64 value 0xfe), DSDT (the PCI host bridge with _CRS and _PRT), MADT (a local APIC per
 * CPU, the I/O APIC, an override for IRQ 0, LINT1 as NMI).  *@rsdp gets
 * the RSDP's address. */
int acpi_write(const struct vm_mem *mem, int ncpus, uint64_t *rsdp,
	       struct err *e);

#endif
