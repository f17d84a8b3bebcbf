/*
 * machine -- a microVM on KVM: memory, devices, one vCPU, the run loop.
 *
 * vm_run() builds the machine in this order, and undoes it in reverse:
 * guest memory (one anonymous mapping), the KVM VM and vCPU with the
 * CPUID policy, the devices on the bus (UART at 0x3f8, i8042 at 0x60,
 * debug-exit at 0x501), the kernel (and initrd at the top of RAM), the
 * boot CPU state; then it runs the vCPU until the guest stops.
 *
 * How a run ends:
 *   - a device asks (i8042 reset, debug-exit port)       -> that code
 *   - KVM_EXIT_HLT, only seen without the in-kernel irqchip: a single
 *     vCPU halted with interrupts off can never wake      -> poweroff, 0
 *     (with interrupts on, the halt is waited out in the kernel)
 *   - KVM_EXIT_SHUTDOWN (triple fault), _INTERNAL_ERROR (the instruction
 *     emulator gave up), _FAIL_ENTRY, anything unknown   -> crash, 1
 *   - --timeout                                          -> 124
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dev/debug_exit.h"
#include "dev/gmem.h"
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/uart8250.h"
#include "dev/virtio_pci.h"
#include "disk/disk.h"
#include "lib/proc.h"
#include "vm/boot.h"
#include "vm/kvm_x86.h"
#include "vm/machine.h"
#include "virtio/devices.h"
#include "virtio/tap.h"

#define RFLAGS_IF	0x200

struct machine {
	struct vm_mem mem;
	struct kvm_vm kvm;
	struct bus bus;
	struct gmem gmem;	/* guest RAM as the devices see it */
	struct pci *pci;
	enum dev_stop stop;
	int stop_code;
};

/* The timeout: a SIGALRM whose handler makes the next (or current)
 * KVM_RUN return at once (KVM_CAP_IMMEDIATE_EXIT). */
static volatile sig_atomic_t vm_timed_out;
static struct kvm_run *volatile vm_alarm_run;

void *guest_ptr(const struct vm_mem *mem, uint64_t gpa, uint64_t len)
{
	if (!len || gpa >= mem->size || len > mem->size - gpa)
		return NULL;
	return mem->host + gpa;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void machine_irq(void *ctx, int line, int level)
{
	struct machine *m = ctx;

	kvm_x86_irq(&m->kvm, line, level);
}

static void machine_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct machine *m = ctx;

	kvm_x86_msi(&m->kvm, addr, data);
}

static void machine_stop(void *ctx, enum dev_stop why, int code)
{
	struct machine *m = ctx;

	if (m->stop == DEV_STOP_NONE) {
		m->stop = why;
		m->stop_code = code;
	}
}

/* Map a device its constructor made (@ret is the constructor's result);
 * a device that cannot be mapped is destroyed here. */
static int machine_attach(struct machine *m, int ret, uint64_t port,
			  uint64_t len, const struct dev_ref *d, struct err *e)
{
	if (ret < 0)
		return ret;
	ret = bus_add(&m->bus, BUS_PIO, port, len, d->ops, d->dev, e);
	if (ret < 0 && d->ops->destroy)
		d->ops->destroy(d->dev);
	return ret;
}

/* INTx lines for PCI devices: free ISA lines, alternating */
static int pci_irq(int n)
{
	return n % 2 ? 11 : 10;
}

static int machine_disk(struct machine *m, const struct vm_disk *vd, int irq,
			struct err *e)
{
	struct virtio_dev *v;
	struct disk *d;
	int ret;

	ret = disk_open(vd->path, vd->readonly, &d, e);
	if (ret == 0)
		ret = virtio_blk_create(&m->gmem, d, NULL, &v, e);
	if (ret == 0)
		ret = virtio_pci_create(m->pci, v, irq, e);
	if (ret < 0)
		return err_wrap(e, "disk %s", vd->path);
	return 0;
}

static int machine_net(struct machine *m, const struct vm_net *vn, int irq,
		       struct err *e)
{
	struct virtio_dev *v;
	int fd, ret;

	fd = tap_open(vn->tap, vn->bridge[0] ? vn->bridge : NULL, NULL, e);
	if (fd < 0)
		return err_wrap(e, "--net");
	ret = virtio_net_create(&m->gmem, fd, vn->mac, &v, e);
	if (ret == 0)
		ret = virtio_pci_create(m->pci, v, irq, e);
	return ret < 0 ? err_wrap(e, "--net") : 0;
}

/* The host bridge at 0xcf8 and the virtio devices behind it. */
static int machine_pci(struct machine *m, const struct vm_config *cfg,
		       const struct dev_host *host, struct err *e)
{
	struct virtio_dev *v;
	struct dev_ref d;
	int i, n = 0, ret;

	m->gmem.r[0].gpa = 0;
	m->gmem.r[0].size = m->mem.size;
	m->gmem.r[0].host = m->mem.host;
	m->gmem.n = 1;
	ret = machine_attach(m, pci_create(&m->bus, host, VM_PCI_MMIO,
					   VM_PCI_MMIO_END - VM_PCI_MMIO,
					   &m->pci, &d, e),
			     PCI_CONF_PORT, PCI_CONF_PORTS, &d, e);
	for (i = 0; ret == 0 && i < cfg->ndisks; i++)
		ret = machine_disk(m, &cfg->disk[i], pci_irq(n++), e);
	for (i = 0; ret == 0 && i < cfg->nnets; i++)
		ret = machine_net(m, &cfg->net[i], pci_irq(n++), e);
	if (ret == 0 && cfg->rng) {
		ret = virtio_rng_create(&m->gmem, &v, e);
		if (ret == 0)
			ret = virtio_pci_create(m->pci, v, pci_irq(n++), e);
	}
	return ret;
}

static int machine_devices(struct machine *m, const struct vm_config *cfg,
			   struct err *e)
{
	const struct dev_host host = { m, machine_irq, machine_stop, machine_msi };
	const struct uart8250_cfg ucfg = {
		.irq = UART8250_COM1_IRQ,
		.in_fd = cfg->console_in,
		.out_fd = cfg->console_out,
	};
	struct dev_ref d;
	int ret;

	ret = machine_attach(m, uart8250_create(&ucfg, &host, &d, e),
			     UART8250_COM1_PORT, UART8250_REGS, &d, e);
	if (ret == 0)
		ret = machine_attach(m, i8042_create(&host, &d, e), I8042_PORT,
				     I8042_PORTS, &d, e);
	if (ret == 0)
		ret = machine_attach(m, debug_exit_create(&host, &d, e),
				     DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, &d, e);
	if (ret == 0)
		ret = machine_pci(m, cfg, &host, e);
	return ret;
}

/* Map a whole file read-only; *len = 0 maps nothing. */
static int map_file(const char *path, const char *what, void **p, size_t *len,
		    struct err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s %s", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_msg(e, -EINVAL, "%s %s: not a regular file", what, path);
	}
	*len = st.st_size;
	*p = NULL;
	if (*len)
		*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*p == MAP_FAILED)
		return err_set(e, -errno, "%s %s: mmap", what, path);
	return 0;
}

/* The initrd goes at the top of RAM, page aligned, above the kernel. */
static int machine_initrd(struct machine *m, const char *path, uint64_t kend,
			  uint64_t *addr, uint64_t *size, struct err *e)
{
	void *p;
	size_t len;
	int ret;

	*addr = *size = 0;
	if (!path)
		return 0;
	ret = map_file(path, "initrd", &p, &len, e);
	if (ret < 0)
		return ret;
	if (len > m->mem.size || ((m->mem.size - len) & ~0xfffULL) < kend) {
		ret = err_msg(e, -E2BIG, "initrd %s: %zu bytes do not fit in guest memory above the kernel",
			      path, len);
		goto out;
	}
	*addr = (m->mem.size - len) & ~0xfffULL;
	*size = len;
	if (len)
		memcpy(guest_ptr(&m->mem, *addr, len), p, len);
out:
	if (len)
		munmap(p, len);
	return ret;
}

static int machine_boot(struct machine *m, const struct vm_config *cfg,
			struct err *e)
{
	struct boot_elf k;
	uint64_t ird, irdsz;
	void *file;
	size_t len;
	int ret;

	ret = map_file(cfg->kernel, "kernel", &file, &len, e);
	if (ret < 0)
		return ret;
	ret = boot_elf_parse(file, len, m->mem.size, &k, e);
	if (ret == 0)
		ret = boot_elf_load(&k, file, &m->mem, e);
	if (len)
		munmap(file, len);
	if (ret < 0)
		return err_wrap(e, "kernel %s", cfg->kernel);
	ret = machine_initrd(m, cfg->initrd, k.hi, &ird, &irdsz, e);
	if (ret == 0)
		ret = boot_pvh_info(&m->mem, cfg->cmdline, ird, irdsz, e);
	if (ret < 0)
		return ret;
	if (k.pvh)
		return kvm_x86_enter_pvh(&m->kvm, &m->mem, k.pvh_entry,
					 BOOT_START_INFO, e);
	return kvm_x86_enter_long(&m->kvm, &m->mem, k.entry, BOOT_START_INFO, e);
}

static void machine_io(struct machine *m, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&m->bus, BUS_PIO, run->io.port, data, run->io.size);
		else
			bus_read(&m->bus, BUS_PIO, run->io.port, data, run->io.size);
	}
}

static void machine_mmio(struct machine *m, struct kvm_run *run)
{
	if (run->mmio.len > 8)
		return;
	if (run->mmio.is_write)
		bus_write(&m->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data,
			  run->mmio.len);
	else
		bus_read(&m->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data,
			 run->mmio.len);
}

static int machine_crash(struct machine *m, struct vm_result *res,
			 const char *what)
{
	char where[160];

	kvm_x86_describe(&m->kvm, &m->mem, where, sizeof(where));
	snprintf(res->diag, sizeof(res->diag), "guest crashed: %s at %s", what,
		 where);
	res->how = VM_END_CRASH;
	res->code = VM_EXIT_CRASH;
	return 1;
}

/* A halt the single vCPU can never leave is a poweroff; with interrupts
 * on there is nothing without an irqchip to wake it either: a crash. */
static int machine_halt(struct machine *m, struct vm_result *res)
{
	struct kvm_regs r;

	if (ioctl(m->kvm.vcpu_fd, KVM_GET_REGS, &r) == 0 &&
	    (r.rflags & RFLAGS_IF))
		return machine_crash(m, res, "hlt with interrupts on and no interrupt source");
	res->how = VM_END_HALT;
	res->code = 0;
	return 1;
}

/* Handle one exit: 0 to run again, 1 when the run ended (res filled). */
static int machine_exit(struct machine *m, struct kvm_run *run,
			struct vm_result *res)
{
	char what[96];

	res->stats.exits++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		res->stats.io++;
		machine_io(m, run);
		return 0;
	case KVM_EXIT_MMIO:
		res->stats.mmio++;
		machine_mmio(m, run);
		return 0;
	case KVM_EXIT_HLT:
		res->stats.hlt++;
		return machine_halt(m, res);
	case KVM_EXIT_SHUTDOWN:
		return machine_crash(m, res, "triple fault (KVM_EXIT_SHUTDOWN)");
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM could not run an instruction (KVM_EXIT_INTERNAL_ERROR, suberror %u)",
			 run->internal.suberror);
		return machine_crash(m, res, what);
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "entry failed (KVM_EXIT_FAIL_ENTRY, reason %#llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return machine_crash(m, res, what);
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			machine_stop(m, DEV_STOP_RESET, 0);
			return 0;
		}
		machine_stop(m, DEV_STOP_POWEROFF, 0);
		return 0;
	default:
		res->stats.other++;
		snprintf(what, sizeof(what), "unexpected KVM exit %u", run->exit_reason);
		return machine_crash(m, res, what);
	}
}

static void vm_alarm(int sig)
{
	vm_timed_out = 1;
	if (vm_alarm_run)
		vm_alarm_run->immediate_exit = 1;
}

static int machine_timer(double seconds, struct err *e)
{
	struct sigaction sa = { .sa_handler = vm_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	vm_timed_out = 0;
	if (seconds <= 0)
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return err_set(e, -errno, "sigaction");
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (time_t)seconds) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return err_set(e, -errno, "setitimer");
	return 0;
}

static int machine_loop(struct machine *m, const struct vm_config *cfg,
			struct vm_result *res, const struct timespec *t0,
			struct err *e)
{
	struct kvm_run *run = m->kvm.run;
	int ret;

	vm_alarm_run = run;
	ret = machine_timer(cfg->timeout, e);
	if (ret < 0)
		return ret;
	res->stats.ms_to_first_run = ms_since(t0);
	for (;;) {
		if (ioctl(m->kvm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				ret = err_set(e, -errno, "KVM_RUN");
				break;
			}
		} else if (machine_exit(m, run, res)) {
			break;
		}
		if (m->stop != DEV_STOP_NONE) {
			res->how = m->stop == DEV_STOP_RESET ? VM_END_RESET
							     : VM_END_POWEROFF;
			res->code = m->stop == DEV_STOP_RESET ? 0 : m->stop_code;
			break;
		}
		if (vm_timed_out) {
			res->how = VM_END_TIMEOUT;
			res->code = VM_EXIT_TIMEOUT;
			snprintf(res->diag, sizeof(res->diag),
				 "guest still running after %g s (--timeout)",
				 cfg->timeout);
			break;
		}
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	vm_alarm_run = NULL;
	return ret;
}

/*
 * Closing the last reference to a VM with an in-kernel irqchip takes
 * 5-14 ms here (KVM tears the interrupt controllers down), which the
 * user would wait for.  A child keeps a reference, we close ours (not the
 * last, so at once), then the child drops the last one while nobody
 * waits.  Without a child (fork failed) we pay the wait ourselves.
 */
static void machine_release_kvm(struct kvm_vm *k)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = proc_fork_detached()) < 0) {
		kvm_x86_destroy(k);
		return;
	}
	if (pid == 0) {
		close(p[1]);
		/* EOF once the parent has closed its references */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		kvm_x86_destroy(k);
		_exit(0);
	}
	close(p[0]);
	kvm_x86_destroy(k);
	close(p[1]);
}

int vm_run(const struct vm_config *cfg, struct vm_result *res, struct err *e)
{
	struct machine m;
	struct timespec t0;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	if (cfg->mem_size < VM_MEM_MIN || cfg->mem_size > VM_MEM_MAX ||
	    cfg->mem_size % 4096)
		return err_msg(e, -EINVAL, "memory size must be a multiple of 4 KiB between %llu MiB and %llu GiB",
			       VM_MEM_MIN >> 20, VM_MEM_MAX >> 30);
	m.mem.size = cfg->mem_size;
	m.mem.host = mmap(NULL, m.mem.size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.mem.host == MAP_FAILED)
		return err_set(e, -errno, "guest memory (%llu MiB)",
			       (unsigned long long)(m.mem.size >> 20));
	/* a helper we fork (machine_release_kvm) needs none of it */
	madvise(m.mem.host, m.mem.size, MADV_DONTFORK);
	ret = kvm_x86_create(&m.kvm, &m.mem, cfg->no_irqchip, e);
	if (ret < 0)
		goto out_mem;
	ret = kvm_x86_set_cpuid(&m.kvm, cfg->cpu, e);
	if (ret == 0)
		ret = machine_devices(&m, cfg, e);
	if (ret == 0)
		ret = machine_boot(&m, cfg, e);
	if (ret == 0)
		ret = machine_loop(&m, cfg, res, &t0, e);
	res->stats.ms_total = ms_since(&t0);
	bus_destroy(&m.bus);
	machine_release_kvm(&m.kvm);
out_mem:
	munmap(m.mem.host, m.mem.size);
	return ret;
}
