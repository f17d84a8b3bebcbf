/*
 * rv -- the riscv64 machine of `strata vm run --arch riscv64`: harts run
 * by the translator (hart.h), strata as the SBI (sbi.h), a PLIC, a
 * 16550A UART, virtio-mmio devices, a device tree (dtb.c).
 *
 * Physical memory map (a subset of QEMU's "virt" board):
 *	0x00100000	test/poweroff device (sifive,test0: syscon-poweroff)
 *	0x0c000000	PLIC (PLIC_SIZE)
 *	0x10000000	UART, ns16550a, reg-shift 0, PLIC source 1
 *	0x10001000	virtio-mmio device n at + 0x1000 n, PLIC source 2 + n
 *	0x80000000	RAM (--mem)
 */
#ifndef STRATA_VM_RV_RV_H
#define STRATA_VM_RV_RV_H

#include "vm/machine.h"

#define RV_TEST_BASE		0x100000ULL
#define RV_TEST_SIZE		0x1000
#define RV_PLIC_BASE		0xc000000ULL
#define RV_UART_BASE		0x10000000ULL
#define RV_UART_SIZE		0x100
#define RV_UART_IRQ		1
#define RV_UART_CLOCK		3686400
#define RV_VIRTIO_BASE		0x10001000ULL
#define RV_VIRTIO_STRIDE	0x1000
#define RV_VIRTIO_IRQ0		2
#define RV_VIRTIO_MAX		(VM_MAX_DISKS + VM_MAX_NICS + 1)
#define RV_RAM_BASE		0x80000000ULL
#define RV_TIMEBASE		10000000	/* 10 MHz: time CSR ticks */

/* Same contract as vm_run() (machine.h), for a riscv64 guest. */
int vm_rv_run(const struct vm_config *cfg, struct vm_result *res,
	      struct err *e);

#endif
