/*
 * kvm_x86 -- the x86-64 KVM backend: VM and vCPU file descriptors, the
 * CPUID policy, the CPU state a boot protocol enters with, and reading
 * the CPU state back to explain a crash.
 */
#ifndef STRATA_VM_KVM_X86_H
#define STRATA_VM_KVM_X86_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "vm/machine.h"

struct kvm_run;

#define KVM_X86_CPUS_MAX	64

/* vCPU n has local APIC id n; vCPU 0 is the boot CPU. */
struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
};

struct kvm_vm {
	int kvm_fd, vm_fd;
	int ncpus;
	struct kvm_vcpu cpu[KVM_X86_CPUS_MAX];
	size_t run_size;
	int irqchip;		/* in-kernel PIC/IOAPIC/LAPIC + PIT */
};

/* Open /dev/kvm, make the VM with @mem as slot 0, the irqchip and PIT
 * (unless @no_irqchip) and @ncpus vCPUs.  With the irqchip, vCPUs other
 * than 0 start in KVM_MP_STATE_UNINITIALIZED: KVM_RUN waits inside KVM
 * until the guest sends them INIT and SIPI.  On failure everything is
 * undone. */
int kvm_x86_create(struct kvm_vm *k, const struct vm_mem *mem, int no_irqchip,
		   int ncpus, struct err *e);
void kvm_x86_destroy(struct kvm_vm *k);

/* The CPUID policy on every vCPU, each with its own APIC id. */
int kvm_x86_set_cpuid(struct kvm_vm *k, const struct vm_cpu_features *f,
		      struct err *e);

/* The entries below set up vCPU 0, the boot CPU. */

/* Enter at @entry in 64-bit mode: identity-mapped page tables (2 MiB
 * pages, 4 GiB) and a GDT written into the boot area, rsi = @rsi.
 * Linux's 64-bit boot protocol uses the same selectors (0x10, 0x18). */
int kvm_x86_enter_long(struct kvm_vm *k, struct vm_mem *mem, uint64_t entry,
		       uint64_t rsi, struct err *e);

/* Enter at @entry in 32-bit protected mode, paging off, ebx = @info
 * (the PVH boot ABI, xen/include/public/arch-x86/hvm/start_info.h). */
int kvm_x86_enter_pvh(struct kvm_vm *k, struct vm_mem *mem, uint32_t entry,
		      uint32_t info, struct err *e);

/* Enter at @entry in 32-bit protected mode, paging off, esi = @params:
 * the 32-bit Linux boot protocol (Documentation/arch/x86/boot.rst),
 * selectors __BOOT_CS 0x10 and __BOOT_DS 0x18. */
int kvm_x86_enter_boot32(struct kvm_vm *k, struct vm_mem *mem, uint32_t entry,
			 uint32_t params, struct err *e);

/* Raise/lower a line of the in-kernel irqchip (no-op without one). */
void kvm_x86_irq(struct kvm_vm *k, int line, int level);

/* Deliver an MSI (KVM_SIGNAL_MSI; no-op without the irqchip). */
void kvm_x86_msi(struct kvm_vm *k, uint64_t addr, uint32_t data);

/* "rip 0x... (64-bit) bytes 0f 0b ..." of vCPU @cpu for a diagnosis line. */
void kvm_x86_describe(struct kvm_vm *k, int cpu, const struct vm_mem *mem,
		      char *buf, size_t n);

#endif
