/*
 * kvm_x86 -- the x86-64 KVM backend (Documentation/virt/kvm/api.rst).
 *
 * Creates the VM and vCPU, applies a CPUID policy, puts the vCPU in the
 * state a boot protocol promises (64-bit with identity paging, or PVH's
 * 32-bit flat protected mode) and, when a guest dies, reads the CPU back
 * to name the instruction: the bytes at cs.base + rip, through the
 * guest's own page tables when paging is on.
 *
 * The CPUID table itself (baseline, host, feature lists) is cpuid.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm/boot.h"
#include "vm/cpuid.h"
#include "vm/kvm_x86.h"

#define KVM_TSS_ADDR		0xfffbd000
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000
#define CPUID_MAX_ENTRIES	256

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL
#define PTE_ADDR	0x000ffffffffff000ULL

static int kvm_x86_vm_setup(struct kvm_vm *k, const struct vm_mem *mem,
			    struct err *e)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem->size,
		.userspace_addr = (uintptr_t)mem->host,
	};
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return err_set(e, -errno, "KVM_SET_TSS_ADDR");
	if (ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR,
		  &(uint64_t){ KVM_IDENTITY_MAP_ADDR }) < 0)
		return err_set(e, -errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return err_set(e, -errno, "KVM_SET_USER_MEMORY_REGION");
	if (!k->irqchip)
		return 0;
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP) < 0)
		return err_set(e, -errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_set(e, -errno, "KVM_CREATE_PIT2");
	return 0;
}

static int kvm_x86_vcpu(struct kvm_vm *k, int id, struct err *e)
{
	struct kvm_vcpu *c = &k->cpu[id];

	c->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, id);
	if (c->fd < 0)
		return err_set(e, -errno, "KVM_CREATE_VCPU %d", id);
	c->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return err_set(e, -errno, "mmap kvm_run");
	}
	/* KVM's default for an AP with the in-kernel LAPIC, said out loud:
	 * KVM_RUN waits for the guest's INIT and SIPI */
	if (id && k->irqchip &&
	    ioctl(c->fd, KVM_SET_MP_STATE,
		  &(struct kvm_mp_state){ KVM_MP_STATE_UNINITIALIZED }) < 0)
		return err_set(e, -errno, "KVM_SET_MP_STATE");
	return 0;
}

int kvm_x86_create(struct kvm_vm *k, const struct vm_mem *mem, int no_irqchip,
		   int ncpus, struct err *e)
{
	int ret, n, i;

	memset(k, 0, sizeof(*k));
	k->vm_fd = -1;
	for (i = 0; i < KVM_X86_CPUS_MAX; i++)
		k->cpu[i].fd = -1;
	if (ncpus < 1 || ncpus > KVM_X86_CPUS_MAX)
		return err_msg(e, -EINVAL, "%d vCPUs: 1 to %d", ncpus, KVM_X86_CPUS_MAX);
	k->irqchip = !no_irqchip;
	k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0)
		return err_set(e, -errno, "open /dev/kvm");
	if (ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		ret = err_msg(e, -ENOTSUP, "/dev/kvm: unsupported KVM API version");
		goto fail;
	}
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0) {
		ret = err_set(e, -errno, "KVM_CREATE_VM");
		goto fail;
	}
	ret = kvm_x86_vm_setup(k, mem, e);
	if (ret < 0)
		goto fail;
	n = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n < (int)sizeof(struct kvm_run)) {
		ret = err_set(e, n < 0 ? -errno : -EINVAL, "KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	k->run_size = n;
	for (i = 0; i < ncpus; i++) {
		k->ncpus = i + 1;
		ret = kvm_x86_vcpu(k, i, e);
		if (ret < 0)
			goto fail;
	}
	return 0;
fail:
	kvm_x86_destroy(k);
	return ret;
}

void kvm_x86_destroy(struct kvm_vm *k)
{
	int i;

	for (i = 0; i < k->ncpus; i++) {
		if (k->cpu[i].run)
			munmap(k->cpu[i].run, k->run_size);
		if (k->cpu[i].fd >= 0)
			close(k->cpu[i].fd);
		k->cpu[i].run = NULL;
		k->cpu[i].fd = -1;
	}
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
	k->vm_fd = k->kvm_fd = -1;
	k->ncpus = 0;
}

/* Each vCPU's APIC id where CPUID reports it: leaf 1 ebx[31:24] and
 * the x2APIC id of the topology leaves 0xb and 0x1f. */
static void cpuid_apic_id(struct kvm_cpuid2 *cpuid, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *c = &cpuid->entries[i];

		if (c->function == 1)
			c->ebx = (c->ebx & 0x00ffffff) | id << 24;
		else if (c->function == 0xb || c->function == 0x1f)
			c->edx = id;
	}
}

int kvm_x86_set_cpuid(struct kvm_vm *k, const struct vm_cpu_features *f,
		      struct err *e)
{
	struct kvm_cpuid2 *cpuid;
	int ret = 0, cpu;

	cpuid = calloc(1, sizeof(*cpuid) +
			   CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return err_set(e, -ENOMEM, "cpuid");
	cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		ret = err_set(e, -errno, "KVM_GET_SUPPORTED_CPUID");
		goto out;
	}
	ret = cpuid_policy_apply(f, cpuid->entries, cpuid->nent, e);
	for (cpu = 0; cpu < k->ncpus && !ret; cpu++) {
		cpuid_apic_id(cpuid, cpu);
		if (ioctl(k->cpu[cpu].fd, KVM_SET_CPUID2, cpuid) < 0)
			ret = err_set(e, -errno, "KVM_SET_CPUID2");
	}
out:
	free(cpuid);
	return ret;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type,
		     int code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

/* GDT descriptor for a flat segment with access byte @access and flags
 * nibble @flags (G, D/B, L). */
static uint64_t gdt_entry(uint8_t access, uint8_t flags)
{
	return 0xffffULL | (uint64_t)access << 40 | 0xfULL << 48 |
	       (uint64_t)flags << 52;
}

/* GDT, segment registers and TR, shared by both entries. */
static int x86_segments(struct kvm_sregs *s, struct vm_mem *mem, int code64)
{
	uint64_t *gdt = guest_ptr(mem, BOOT_GDT, 5 * 8);

	if (!gdt)
		return -EFAULT;
	gdt[0] = gdt[1] = 0;
	gdt[2] = gdt_entry(0x9b, code64 ? 0xa : 0xc);
	gdt[3] = gdt_entry(0x93, 0xc);
	gdt[4] = 0x67ULL | 0x8bULL << 40;	/* 32-bit TSS, busy, at 0 */
	s->gdt.base = BOOT_GDT;
	s->gdt.limit = 5 * 8 - 1;
	s->idt.base = 0;
	s->idt.limit = 0;	/* no IDT: any exception triple-faults */
	seg_flat(&s->cs, 0x10, 0xb, code64);
	seg_flat(&s->ds, 0x18, 0x3, 0);
	s->es = s->fs = s->gs = s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = 0x20;
	s->tr.limit = 0x67;
	s->tr.type = 0xb;
	s->tr.present = 1;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = 0x2;
	s->ldt.present = 1;
	s->ldt.limit = 0xffff;
	return 0;
}

static int x86_page_tables(struct vm_mem *mem)
{
	uint64_t *pml4 = guest_ptr(mem, BOOT_PML4, 4096);
	uint64_t *pdpt = guest_ptr(mem, BOOT_PDPT, 4096);
	uint64_t *pd = guest_ptr(mem, BOOT_PD, 4 * 4096);
	uint64_t i;

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 4096) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static int x86_enter(struct kvm_vm *k, const struct kvm_sregs *s,
		     const struct kvm_regs *r, struct err *e)
{
	if (ioctl(k->cpu[0].fd, KVM_SET_SREGS, s) < 0)
		return err_set(e, -errno, "KVM_SET_SREGS");
	if (ioctl(k->cpu[0].fd, KVM_SET_REGS, r) < 0)
		return err_set(e, -errno, "KVM_SET_REGS");
	return 0;
}

int kvm_x86_enter_long(struct kvm_vm *k, struct vm_mem *mem, uint64_t entry,
		       uint64_t rsi, struct err *e)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(k->cpu[0].fd, KVM_GET_SREGS, &s) < 0)
		return err_set(e, -errno, "KVM_GET_SREGS");
	if (x86_segments(&s, mem, 1) < 0 || x86_page_tables(mem) < 0)
		return err_msg(e, -ENOMEM, "guest memory too small for the boot area");
	s.cr3 = BOOT_PML4;
	s.cr4 = CR4_PAE;
	s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	s.efer = EFER_LME | EFER_LMA;
	r.rip = entry;
	r.rsi = rsi;
	r.rsp = BOOT_STACK;
	r.rflags = 2;
	return x86_enter(k, &s, &r, e);
}

/* 32-bit flat protected mode, paging off, interrupts off */
static int x86_enter32(struct kvm_vm *k, struct vm_mem *mem, uint32_t entry,
		       uint32_t ebx, uint32_t esi, struct err *e)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(k->cpu[0].fd, KVM_GET_SREGS, &s) < 0)
		return err_set(e, -errno, "KVM_GET_SREGS");
	if (x86_segments(&s, mem, 0) < 0)
		return err_msg(e, -ENOMEM, "guest memory too small for the boot area");
	s.cr0 = CR0_PE | CR0_ET | CR0_NE;
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	r.rip = entry;
	r.rbx = ebx;
	r.rsi = esi;
	r.rflags = 2;
	return x86_enter(k, &s, &r, e);
}

int kvm_x86_enter_pvh(struct kvm_vm *k, struct vm_mem *mem, uint32_t entry,
		      uint32_t info, struct err *e)
{
	/* esi is not in the ABI; handy for tiny guests */
	return x86_enter32(k, mem, entry, info, info, e);
}

int kvm_x86_enter_boot32(struct kvm_vm *k, struct vm_mem *mem, uint32_t entry,
			 uint32_t params, struct err *e)
{
	/* boot.rst: esi = boot_params, ebx, ebp and edi zero */
	return x86_enter32(k, mem, entry, 0, params, e);
}

void kvm_x86_irq(struct kvm_vm *k, int line, int level)
{
	struct kvm_irq_level l = { .irq = line, .level = level };

	if (k->irqchip)
		ioctl(k->vm_fd, KVM_IRQ_LINE, &l);
}

void kvm_x86_msi(struct kvm_vm *k, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = addr >> 32,
		.data = data,
	};

	if (k->irqchip)
		ioctl(k->vm_fd, KVM_SIGNAL_MSI, &msi);
}

/* One level of a page walk: the entry for @va at @shift in the table at
 * @table (8-byte entries, or 4-byte for legacy 32-bit paging). */
static int walk_entry(const struct vm_mem *mem, uint64_t table, uint64_t va,
		      int shift, int wide, uint64_t *ent)
{
	uint64_t idx = (va >> shift) & (wide ? 0x1ff : 0x3ff);
	void *p = guest_ptr(mem, (table & PTE_ADDR) + idx * (wide ? 8 : 4),
			    wide ? 8 : 4);

	if (!p)
		return -EFAULT;
	*ent = wide ? *(uint64_t *)p : *(uint32_t *)p;
	return (*ent & PTE_P) ? 0 : -EFAULT;
}

/* Guest linear to physical, through the page tables @s points at:
 * 4-level (long mode), PAE or legacy 32-bit (with PSE), or none. */
static int x86_translate(const struct kvm_sregs *s, const struct vm_mem *mem,
			 uint64_t va, uint64_t *pa)
{
	uint64_t t = s->cr3, ent;
	int shift, wide = 1;

	if (!(s->cr0 & CR0_PG)) {
		*pa = va & 0xffffffff;
		return 0;
	}
	if (s->efer & EFER_LMA) {
		shift = 39;
	} else if (s->cr4 & CR4_PAE) {
		shift = 30;
		t &= ~0x1fULL;
	} else {
		shift = 22;
		wide = 0;
	}
	for (;; shift -= wide ? 9 : 10) {
		if (walk_entry(mem, t, va, shift, wide, &ent) < 0)
			return -EFAULT;
		if (shift == 12)
			break;
		/* large page: 1 GiB / 2 MiB / 4 MiB (PSE); PAE's PDPTE has none */
		if ((ent & PTE_PS) && shift <= 30 &&
		    !(shift == 30 && !(s->efer & EFER_LMA)) &&
		    (wide || (s->cr4 & CR4_PSE))) {
			uint64_t base = wide ? ent & PTE_ADDR & ~((1ULL << shift) - 1)
					     : ent & 0xffc00000;
			*pa = base | (va & ((1ULL << shift) - 1));
			return 0;
		}
		t = wide ? ent : ent & 0xfffff000;
	}
	*pa = (ent & (wide ? PTE_ADDR : 0xfffff000)) | (va & 0xfff);
	return 0;
}

void kvm_x86_describe(struct kvm_vm *k, int cpu, const struct vm_mem *mem,
		      char *buf, size_t n)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *mode;
	uint64_t va, pa;
	size_t len;
	uint8_t *b;
	int i;

	if (ioctl(k->cpu[cpu].fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(k->cpu[cpu].fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, n, "cpu state unreadable");
		return;
	}
	mode = (s.efer & EFER_LMA) && s.cs.l ? "64-bit" :
	       !(s.cr0 & CR0_PE) ? "real mode" : s.cs.db ? "32-bit" : "16-bit";
	len = snprintf(buf, n, "rip %#llx (%s), bytes", (unsigned long long)r.rip,
		       mode);
	va = s.cs.base + r.rip;
	if (!(s.efer & EFER_LMA) || !s.cs.l)
		va &= 0xffffffff;
	for (i = 0; i < 8 && len < n; i++) {
		b = NULL;
		if (x86_translate(&s, mem, va + i, &pa) == 0)
			b = guest_ptr(mem, pa, 1);
		if (!b) {
			len += snprintf(buf + len, n - len, i ? "" : " unreadable");
			break;
		}
		len += snprintf(buf + len, n - len, " %02x", *b);
	}
}
