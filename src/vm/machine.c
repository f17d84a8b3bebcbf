/*
 * machine -- a microVM on KVM: memory, devices, the vCPUs, the run loop.
 *
 * vm_run() builds the machine in this order, and undoes it in reverse:
 * guest memory (one anonymous mapping), the KVM VM and its vCPUs with
 * the CPUID policy, the devices on the bus (UART at 0x3f8, i8042 at
 * 0x60, RTC at 0x70, debug-exit at 0x501), with more than one vCPU the
 * MP and ACPI tables, the kernel (ELF or bzImage, and initrd at the top
 * of RAM), the boot CPU state; then it runs vCPU 0 on this thread and
 * the others on a thread each (vcpu.c) until the guest stops.  The
 * first vCPU to see the end decides the outcome and kicks the others
 * out of KVM_RUN.
 *
 * How a run ends:
 *   - a device asks (i8042 reset, debug-exit port)       -> that code
 *   - KVM_EXIT_HLT, only seen without the in-kernel irqchip: a single
 *     vCPU halted with interrupts off can never wake      -> poweroff, 0
 *     (with interrupts on, the halt is waited out in the kernel)
 *   - KVM_EXIT_SHUTDOWN (triple fault), _INTERNAL_ERROR (the instruction
 *     emulator gave up), _FAIL_ENTRY, anything unknown   -> crash, 1
 *   - --timeout                                          -> 124
 *   - SIGTERM, or {"action":"stop"} on the API socket    -> stopped, 0
 *
 * Lifecycle from another thread (the API, api.h): pause sets pause_req
 * and kicks every vCPU out of KVM_RUN (vcpu.h); each parks on a
 * condition variable until resume, stop or the end.  A vCPU clears its
 * immediate_exit before each KVM_RUN and then looks for a reason to
 * stop or park, and whoever kicks sets the reason first: so no kick is
 * lost between the two.  SIGTERM goes to vCPU 0's thread only (the
 * others, the devices' and the API's threads block it).
 *
 * Once built, the process forks a small releaser (machine_releaser) and
 * goes under the syscall filter (vm_seccomp.h).  The releaser keeps a
 * reference to the KVM VM and, when the VMM is gone (exited, killed,
 * crashed), drops it and removes the API socket file: things the
 * filtered VMM may no longer do, or would make the user wait for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dev/debug_exit.h"
#include "dev/gmem.h"
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/rtc.h"
#include "dev/uart8250.h"
#include "dev/virtio_pci.h"
#include "disk/disk.h"
#include "lib/fs.h"
#include "lib/proc.h"
#include "vm/api.h"
#include "vm/boot.h"
#include "vm/kvm_x86.h"
#include "vm/machine.h"
#include "vm/tables.h"
#include "vm/vcpu.h"
#include "vm/vm_seccomp.h"
#include "virtio/devices.h"
#include "virtio/tap.h"

#define RFLAGS_IF	0x200

struct machine {
	struct vm_mem mem;
	struct kvm_vm kvm;
	struct bus bus;
	const struct vm_config *cfg;
	/* taken around device accesses and to end the run: vCPU threads
	 * share the bus and the outcome */
	pthread_mutex_t lock;
	struct gmem gmem;	/* guest RAM as the devices see it */
	struct pci *pci;
	enum dev_stop stop;
	int stop_code;
	int ended;		/* the run is over: every vCPU leaves */
	int winner;		/* the vCPU that ended it, its result counts */
	pthread_t thread[KVM_X86_CPUS_MAX];
	pthread_cond_t cond;	/* parked vCPUs, and pause waiting for them */
	int pause_req;		/* vCPUs park until it clears */
	int gate;		/* same, until the syscall filter is on */
	int parked;		/* how many are parked */
	int host_stop;		/* SIGTERM or the API's stop */
	struct vcpu_run *v;	/* per-vCPU results: the API reads the exits */
	struct timespec t_start;	/* the guest's first instruction */
	struct api_server *api;
	struct api_ops api_ops;
	int release_fd;		/* closing it lets the releaser go */
	pthread_t console;	/* cfg->console_wake's thread, 0: none */
	int console_stop[2];	/* a byte on it ends that thread */
	/* socket files the run made, removed at its end (releaser_main) */
	struct sock_file {
		const char *path;	/* NULL: none */
		uint64_t dev, ino;	/* only while it is still ours */
	} api_file, vsock_file;
	char vsock_uds[VM_VSOCK_UDS_MAX + 1];
};

/* One vCPU's share of a run. */
struct vcpu_run {
	struct machine *m;
	int id;
	int ret;
	struct vm_result res;
	struct err err;
};

/* The timeout: a SIGALRM whose handler makes the next (or current)
 * KVM_RUN return at once (KVM_CAP_IMMEDIATE_EXIT). */
static volatile sig_atomic_t vm_timed_out;
static struct kvm_run *volatile vm_alarm_run;
static volatile sig_atomic_t vm_terminated;	/* SIGTERM */

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

/* Devices call it with m->lock held (machine_io/machine_mmio). */
static void machine_stop(void *ctx, enum dev_stop why, int code)
{
	struct machine *m = ctx;

	if (m->stop == DEV_STOP_NONE) {
		m->stop_code = code;
		__atomic_store_n(&m->stop, why, __ATOMIC_RELEASE);
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

/* INTx of the n-th device (slot n + 1), as the DSDT's _PRT says */
static int pci_irq(int n)
{
	return acpi_pci_gsi(n + 1, 0);
}

static int machine_disk(struct machine *m, const struct vm_disk *vd, int irq,
			struct err *e)
{
	struct virtio_dev *v;
	struct disk *d;
	int ret;

	ret = vd->format ? disk_open_fmt(vd->path, vd->format, vd->readonly, &d, e)
			 : disk_open(vd->path, vd->readonly, &d, e);
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

int vm_vsock_uds(const struct vm_config *cfg, char buf[VM_VSOCK_UDS_MAX + 1],
		 struct err *e)
{
	const char *slash;
	int n;

	if (cfg->vsock_uds[0]) {
		n = snprintf(buf, VM_VSOCK_UDS_MAX + 1, "%s", cfg->vsock_uds);
	} else if (cfg->api_sock) {
		slash = strrchr(cfg->api_sock, '/');
		n = slash ? snprintf(buf, VM_VSOCK_UDS_MAX + 1, "%.*s/vsock.sock",
				     (int)(slash - cfg->api_sock), cfg->api_sock)
			  : snprintf(buf, VM_VSOCK_UDS_MAX + 1, "vsock.sock");
	} else {
		return err_msg(e, -EINVAL, "--vsock: no uds=PATH and no API socket to put it next to");
	}
	if (n > VM_VSOCK_UDS_MAX)
		return err_msg(e, -ENAMETOOLONG, "--vsock: socket path longer than %d bytes",
			       VM_VSOCK_UDS_MAX);
	return 0;
}

/* Remove the socket file @f names if it is still the one we made. */
static void sock_file_remove(const struct sock_file *f)
{
	fs_unlink_ours(f->path, f->dev, f->ino);
}

static int machine_vsock(struct machine *m, const struct vm_config *cfg,
			 int irq, struct err *e)
{
	struct virtio_dev *v;
	int ret;

	ret = vm_vsock_uds(cfg, m->vsock_uds, e);
	if (ret == 0)
		ret = virtio_vsock_create(&m->gmem, cfg->vsock_cid, m->vsock_uds, &v, e);
	if (ret < 0)
		return err_wrap(e, "--vsock");
	m->vsock_file.path = m->vsock_uds;
	virtio_vsock_ident(v, &m->vsock_file.dev, &m->vsock_file.ino);
	ret = virtio_pci_create(m->pci, v, irq, e);
	return ret < 0 ? err_wrap(e, "--vsock") : 0;
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
	if (ret == 0 && cfg->vsock_cid)
		ret = machine_vsock(m, cfg, pci_irq(n++), e);
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
	const struct rtc_cfg rcfg = { .mem_size = cfg->mem_size };
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
		ret = machine_attach(m, rtc_create(&rcfg, &d, e), RTC_PORT,
				     RTC_PORTS, &d, e);
	if (ret == 0)
		ret = machine_pci(m, cfg, &host, e);
	return ret;
}

/* The initrd goes at the top of RAM (or below @limit), page aligned,
 * above the kernel. */
static int machine_initrd(struct machine *m, const char *path, uint64_t kend,
			  uint64_t limit, uint64_t *addr, uint64_t *size,
			  struct err *e)
{
	void *p;
	size_t len;
	int ret;

	*addr = *size = 0;
	if (!path)
		return 0;
	ret = fs_map_file(path, "initrd", &p, &len, e);
	if (ret < 0)
		return ret;
	if (limit > m->mem.size)
		limit = m->mem.size;
	if (len > limit || ((limit - len) & ~0xfffULL) < kend) {
		ret = err_msg(e, -E2BIG, "initrd %s: %zu bytes do not fit in guest memory above the kernel",
			      path, len);
		goto out;
	}
	*addr = (limit - len) & ~0xfffULL;
	*size = len;
	if (len)
		memcpy(guest_ptr(&m->mem, *addr, len), p, len);
out:
	if (len)
		munmap(p, len);
	return ret;
}

static int machine_boot_elf(struct machine *m, const struct vm_config *cfg,
			    const void *file, size_t len, uint64_t rsdp,
			    struct err *e)
{
	struct boot_elf k;
	uint64_t ird, irdsz;
	int ret;

	ret = boot_elf_parse(file, len, m->mem.size, &k, e);
	if (ret == 0)
		ret = boot_elf_load(&k, file, &m->mem, e);
	if (ret < 0)
		return err_wrap(e, "kernel %s", cfg->kernel);
	ret = machine_initrd(m, cfg->initrd, k.hi, m->mem.size, &ird, &irdsz, e);
	if (ret == 0)
		ret = boot_pvh_info(&m->mem, cfg->cmdline, ird, irdsz, rsdp, e);
	if (ret < 0)
		return ret;
	if (k.pvh)
		return kvm_x86_enter_pvh(&m->kvm, &m->mem, k.pvh_entry,
					 BOOT_START_INFO, e);
	return kvm_x86_enter_long(&m->kvm, &m->mem, k.entry, BOOT_START_INFO, e);
}

static int machine_boot_bzimage(struct machine *m, const struct vm_config *cfg,
				const void *file, size_t len, uint64_t rsdp,
				struct err *e)
{
	struct boot_bzimage k;
	uint64_t ird, irdsz;
	int ret;

	ret = boot_bzimage_parse(file, len, m->mem.size, &k, e);
	if (ret == 0)
		ret = boot_bzimage_load(&k, file, &m->mem, e);
	if (ret < 0)
		return err_wrap(e, "kernel %s", cfg->kernel);
	ret = machine_initrd(m, cfg->initrd, k.end, k.initrd_end, &ird, &irdsz, e);
	if (ret == 0)
		ret = boot_bzimage_params(&k, file, &m->mem, cfg->cmdline, ird,
					  irdsz, rsdp, e);
	if (ret < 0)
		return ret;
	if (k.entry64)
		return kvm_x86_enter_long(&m->kvm, &m->mem, k.entry, BOOT_PARAMS, e);
	return kvm_x86_enter_boot32(&m->kvm, &m->mem, k.entry, BOOT_PARAMS, e);
}

/*
 * With more than one vCPU the guest needs tables to find the others: the
 * MP table and ACPI (tables.h).  One vCPU boots without them, as before:
 * a hardware-reduced ACPI platform changes how Linux sets up its timer
 * and interrupt controllers, and needs nothing of it on one CPU.
 */
static int machine_tables(struct machine *m, uint64_t *rsdp, struct err *e)
{
	int ret;

	if (m->kvm.ncpus < 2)
		return 0;
	ret = mptable_write(&m->mem, m->kvm.ncpus, e);
	if (ret == 0)
		ret = acpi_write(&m->mem, m->kvm.ncpus, rsdp, e);
	return ret;
}

static int machine_boot(struct machine *m, const struct vm_config *cfg,
			struct err *e)
{
	void *file;
	size_t len;
	int ret;

	uint64_t rsdp = 0;

	ret = machine_tables(m, &rsdp, e);
	if (ret < 0)
		return ret;
	ret = fs_map_file(cfg->kernel, "kernel", &file, &len, e);
	if (ret < 0)
		return ret;
	if (boot_is_bzimage(file, len))
		ret = machine_boot_bzimage(m, cfg, file, len, rsdp, e);
	else
		ret = machine_boot_elf(m, cfg, file, len, rsdp, e);
	if (len)
		munmap(file, len);
	return ret;
}

static void machine_io(struct machine *m, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&m->bus, BUS_PIO, run->io.port, data, run->io.size);
		else
			bus_read(&m->bus, BUS_PIO, run->io.port, data, run->io.size);
	}
	pthread_mutex_unlock(&m->lock);
}

static void machine_mmio(struct machine *m, struct kvm_run *run)
{
	if (run->mmio.len > 8)
		return;
	pthread_mutex_lock(&m->lock);
	if (run->mmio.is_write)
		bus_write(&m->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data,
			  run->mmio.len);
	else
		bus_read(&m->bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data,
			 run->mmio.len);
	pthread_mutex_unlock(&m->lock);
}

static int machine_crash(struct machine *m, int cpu, struct vm_result *res,
			 const char *what)
{
	char where[160];

	kvm_x86_describe(&m->kvm, cpu, &m->mem, where, sizeof(where));
	if (m->kvm.ncpus > 1)
		snprintf(res->diag, sizeof(res->diag), "guest crashed: %s at %s, on vCPU %d",
			 what, where, cpu);
	else
		snprintf(res->diag, sizeof(res->diag), "guest crashed: %s at %s",
			 what, where);
	res->how = VM_END_CRASH;
	res->code = VM_EXIT_CRASH;
	return 1;
}

/* A halt the single vCPU can never leave is a poweroff; with interrupts
 * on there is nothing without an irqchip to wake it either: a crash.
 * (Only one vCPU runs without the irqchip.) */
static int machine_halt(struct machine *m, int cpu, struct vm_result *res)
{
	struct kvm_regs r;

	if (ioctl(m->kvm.cpu[cpu].fd, KVM_GET_REGS, &r) == 0 &&
	    (r.rflags & RFLAGS_IF))
		return machine_crash(m, cpu, res, "hlt with interrupts on and no interrupt source");
	res->how = VM_END_HALT;
	res->code = 0;
	return 1;
}

/* Handle one exit of vCPU @cpu: 0 to run again, 1 when the run ended
 * (res filled). */
static int machine_exit(struct machine *m, int cpu, struct kvm_run *run,
			struct vm_result *res)
{
	char what[96];

	/* the API reads it from another thread; only this one writes */
	__atomic_store_n(&res->stats.exits, res->stats.exits + 1, __ATOMIC_RELAXED);
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
		return machine_halt(m, cpu, res);
	case KVM_EXIT_SHUTDOWN:
		return machine_crash(m, cpu, res, "triple fault (KVM_EXIT_SHUTDOWN)");
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM could not run an instruction (KVM_EXIT_INTERNAL_ERROR, suberror %u)",
			 run->internal.suberror);
		return machine_crash(m, cpu, res, what);
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "entry failed (KVM_EXIT_FAIL_ENTRY, reason %#llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return machine_crash(m, cpu, res, what);
	case KVM_EXIT_SYSTEM_EVENT:
		pthread_mutex_lock(&m->lock);
		machine_stop(m, run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
				DEV_STOP_RESET : DEV_STOP_POWEROFF, 0);
		pthread_mutex_unlock(&m->lock);
		return 0;
	default:
		res->stats.other++;
		snprintf(what, sizeof(what), "unexpected KVM exit %u", run->exit_reason);
		return machine_crash(m, cpu, res, what);
	}
}

static void vm_alarm(int sig)
{
	vm_timed_out = 1;
	if (vm_alarm_run)
		vm_alarm_run->immediate_exit = 1;
}

static void vm_term(int sig)
{
	vm_terminated = 1;
	if (vm_alarm_run)
		vm_alarm_run->immediate_exit = 1;
}

/* The handlers go in before the filter, which refuses rt_sigaction. */
static int machine_signals(struct err *e)
{
	struct sigaction sa = { .sa_handler = vm_alarm };	/* no SA_RESTART */

	vm_timed_out = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return err_set(e, -errno, "sigaction");
	sa.sa_handler = vm_term;
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		return err_set(e, -errno, "sigaction");
	return vcpu_kick_init(e);
}

static int machine_timer(double seconds, struct err *e)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	if (seconds <= 0)
		return 0;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (time_t)seconds) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return err_set(e, -errno, "setitimer");
	return 0;
}

/* Has the run ended for a reason outside this vCPU's last exit?  A
 * device's stop, the timeout, another vCPU. */
static int machine_ending(struct machine *m, struct vm_result *res)
{
	enum dev_stop stop = __atomic_load_n(&m->stop, __ATOMIC_ACQUIRE);

	if (stop != DEV_STOP_NONE) {
		res->how = stop == DEV_STOP_RESET ? VM_END_RESET : VM_END_POWEROFF;
		res->code = stop == DEV_STOP_RESET ? 0 : m->stop_code;
		return 1;
	}
	if (vm_timed_out) {
		res->how = VM_END_TIMEOUT;
		res->code = VM_EXIT_TIMEOUT;
		snprintf(res->diag, sizeof(res->diag),
			 "guest still running after %g s (--timeout)",
			 m->cfg->timeout);
		return 1;
	}
	if (vm_terminated || __atomic_load_n(&m->host_stop, __ATOMIC_ACQUIRE)) {
		res->how = VM_END_STOPPED;
		res->code = 0;
		return 1;
	}
	return __atomic_load_n(&m->ended, __ATOMIC_ACQUIRE);
}

/* vCPU @cpu leaves the run: the first to leave decides the outcome and
 * gets the others out of KVM_RUN. */
static void machine_end(struct machine *m, int cpu)
{
	int i;

	pthread_mutex_lock(&m->lock);
	if (m->ended) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->winner = cpu;
	__atomic_store_n(&m->ended, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&m->cond);	/* parked vCPUs leave too */
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->kvm.ncpus; i++)
		if (i != cpu && m->thread[i])
			vcpu_kick(m->thread[i], m->kvm.cpu[i].run);
}

static void machine_kick_all(struct machine *m)
{
	int i;

	for (i = 0; i < m->kvm.ncpus; i++)
		if (m->thread[i])
			vcpu_kick(m->thread[i], m->kvm.cpu[i].run);
}

static void deadline_in(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Wait while paused.  SIGTERM and the --timeout alarm cannot wake a
 * condition wait, so the wait looks at them every 100 ms. */
static void machine_park(struct machine *m)
{
	struct timespec t;

	pthread_mutex_lock(&m->lock);
	m->parked++;
	pthread_cond_broadcast(&m->cond);
	while ((m->pause_req || m->gate) && !m->ended && !m->host_stop &&
	       !vm_terminated && !vm_timed_out) {
		deadline_in(&t, 100);
		pthread_cond_timedwait(&m->cond, &m->lock, &t);
	}
	m->parked--;
	pthread_mutex_unlock(&m->lock);
}

static void machine_vcpu_loop(struct vcpu_run *v)
{
	struct machine *m = v->m;
	struct kvm_vcpu *c = &m->kvm.cpu[v->id];

	/* Reasons are looked at after immediate_exit is cleared: a kick
	 * sets its reason before the flag, so one that came earlier is
	 * seen here and one that comes later makes KVM_RUN return.  (So a
	 * vCPU whose thread started after the end was decided does not
	 * block in KVM waiting for SIPI either.) */
	for (;;) {
		__atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (machine_ending(m, &v->res))
			break;
		if (__atomic_load_n(&m->pause_req, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&m->gate, __ATOMIC_SEQ_CST)) {
			machine_park(m);
			continue;
		}
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				v->ret = err_set(&v->err, -errno, "KVM_RUN on vCPU %d",
						 v->id);
				break;
			}
		} else if (machine_exit(m, v->id, c->run, &v->res)) {
			break;
		}
	}
	machine_end(m, v->id);
}

static void *machine_ap(void *arg)
{
	machine_vcpu_loop(arg);
	return NULL;
}

static void machine_stats(struct machine *m, struct api_stats *s)
{
	int i;

	s->vcpus = m->kvm.ncpus;
	s->mem = m->mem.size;
	s->exits = 0;
	for (i = 0; i < m->kvm.ncpus; i++)
		s->exits += __atomic_load_n(&m->v[i].res.stats.exits, __ATOMIC_RELAXED);
	s->uptime = ms_since(&m->t_start) / 1e3;
	pthread_mutex_lock(&m->lock);
	if (m->ended || m->host_stop || vm_terminated)
		s->state = "stopping";
	else if (m->pause_req)
		s->state = m->parked == m->kvm.ncpus ? "paused" : "pausing";
	else
		s->state = "running";
	pthread_mutex_unlock(&m->lock);
}

/* Park every vCPU and wait until they are (2 s at most). */
static int machine_pause(struct machine *m, struct err *e)
{
	struct timespec t;
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	if (m->ended || m->host_stop) {
		pthread_mutex_unlock(&m->lock);
		return err_msg(e, -ESRCH, "the VM is stopping");
	}
	__atomic_store_n(&m->pause_req, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&m->lock);
	machine_kick_all(m);
	deadline_in(&t, 2000);
	pthread_mutex_lock(&m->lock);
	while (m->parked < m->kvm.ncpus && !m->ended && ret == 0)
		ret = pthread_cond_timedwait(&m->cond, &m->lock, &t);
	if (m->ended)
		ret = err_msg(e, -ESRCH, "the VM is stopping");
	else if (m->parked < m->kvm.ncpus)
		ret = err_msg(e, -ETIMEDOUT, "vCPUs did not stop within 2 s");
	else
		ret = 0;
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int machine_act(void *ctx, enum api_action a, struct api_stats *s,
		       struct err *e)
{
	struct machine *m = ctx;
	int ret = 0;

	switch (a) {
	case API_PAUSE:
		ret = machine_pause(m, e);
		break;
	case API_RESUME:
		pthread_mutex_lock(&m->lock);
		__atomic_store_n(&m->pause_req, 0, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
		break;
	case API_STOP:
		pthread_mutex_lock(&m->lock);
		__atomic_store_n(&m->host_stop, 1, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
		machine_kick_all(m);
		break;
	case API_STATS:
		break;
	}
	machine_stats(m, s);
	return ret;
}

/* The outcome is the winner's; the statistics are everybody's. */
static int machine_result(struct machine *m, struct vcpu_run *v, int n,
			  struct vm_result *res, struct err *e)
{
	int i, ret = v[m->winner].ret;

	res->how = v[m->winner].res.how;
	res->code = v[m->winner].res.code;
	memcpy(res->diag, v[m->winner].res.diag, sizeof(res->diag));
	if (ret < 0)
		*e = v[m->winner].err;
	for (i = 0; i < n; i++) {
		res->stats.exits += v[i].res.stats.exits;
		res->stats.io += v[i].res.stats.io;
		res->stats.mmio += v[i].res.stats.mmio;
		res->stats.hlt += v[i].res.stats.hlt;
		res->stats.other += v[i].res.stats.other;
	}
	return ret;
}

/*
 * The UART takes its input when the guest reads its registers; a guest
 * idle in hlt waiting for the receive interrupt would wait for ever.
 * This thread waits for input and then reads LSR, as a vCPU would,
 * which pulls the input in and raises the line (the riscv64 machine's
 * supervisor does the same).  Only for input whose end poll() reports
 * (a FIFO, a pipe, a terminal): /dev/null or a file would always look
 * readable.
 */
static void *machine_console(void *arg)
{
	struct machine *m = arg;
	struct pollfd p[2] = {
		{ .fd = m->cfg->console_in, .events = POLLIN },
		{ .fd = m->console_stop[0], .events = POLLIN },
	};
	const struct timespec pace = { 0, 10000000 };	/* 10 ms */
	uint8_t lsr;

	while (!__atomic_load_n(&m->ended, __ATOMIC_ACQUIRE)) {
		if (poll(p, 2, -1) < 0 || p[1].revents)
			break;
		if (!(p[0].revents & POLLIN)) {
			if (p[0].revents)	/* the writer is gone: no more input */
				break;
			continue;
		}
		pthread_mutex_lock(&m->lock);
		bus_read(&m->bus, BUS_PIO, UART8250_COM1_PORT + 5, &lsr, 1);
		pthread_mutex_unlock(&m->lock);
		/* input the guest has not taken yet stays readable */
		nanosleep(&pace, NULL);
	}
	return NULL;
}

static int machine_console_start(struct machine *m, struct err *e)
{
	if (!m->cfg->console_wake || m->cfg->console_in < 0)
		return 0;
	if (pipe2(m->console_stop, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	return vcpu_spawn(&m->console, machine_console, m, e);
}

static void machine_console_stop(struct machine *m)
{
	if (m->console) {
		if (write(m->console_stop[1], "", 1) != 1)
			return;	/* cannot happen: the pipe is empty */
		pthread_join(m->console, NULL);
		m->console = 0;
	}
}

/* vCPU 0 runs here, the others on their own threads (vcpu.c). */
static int machine_loop(struct machine *m, const struct vm_config *cfg,
			struct vm_result *res, const struct timespec *t0,
			struct err *e)
{
	int n = m->kvm.ncpus, i, ret;
	struct vcpu_run *v;

	v = calloc(n, sizeof(*v));
	if (!v)
		return err_set(e, -ENOMEM, "vCPUs");
	for (i = 0; i < n; i++) {
		v[i].m = m;
		v[i].id = i;
	}
	m->v = v;
	m->thread[0] = pthread_self();
	vm_alarm_run = m->kvm.cpu[0].run;
	clock_gettime(CLOCK_MONOTONIC, &m->t_start);
	/*
	 * Threads start before the filter goes on (glibc sets a signal
	 * handler up at the first pthread_create, which the filter
	 * refuses) but wait at the gate, so no guest code runs unfiltered;
	 * TSYNC puts the filter on them.
	 */
	m->gate = 1;
	ret = machine_timer(cfg->timeout, e);
	for (i = 1; i < n && ret == 0; i++)
		ret = vcpu_spawn(&m->thread[i], machine_ap, &v[i], e);
	if (ret == 0)
		ret = machine_console_start(m, e);
	if (ret == 0 && m->api) {
		m->api_ops = (struct api_ops){ m, machine_act };
		ret = api_start(m->api, &m->api_ops, e);
	}
	if (ret == 0 && !cfg->no_seccomp)
		ret = vm_seccomp_apply(e);
	if (ret == 0) {	/* else machine_end() below sends them home */
		pthread_mutex_lock(&m->lock);
		__atomic_store_n(&m->gate, 0, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
	}
	res->stats.ms_to_first_run = ms_since(t0);
	if (ret == 0) {
		sigset_t term;

		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		pthread_sigmask(SIG_UNBLOCK, &term, NULL);	/* vCPU 0 takes it */
		machine_vcpu_loop(&v[0]);
		pthread_sigmask(SIG_BLOCK, &term, NULL);
	} else {
		machine_end(m, 0);
	}
	api_close(m->api);	/* before the vCPUs' results go */
	m->api = NULL;
	machine_console_stop(m);
	for (i = 1; i < n; i++)
		if (m->thread[i])
			pthread_join(m->thread[i], NULL);
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	vm_alarm_run = NULL;
	if (ret == 0)
		ret = machine_result(m, v, n, res, e);
	free(v);
	return ret;
}

/*
 * Closing the last reference to a VM with an in-kernel irqchip takes
 * 5-14 ms here (KVM tears the interrupt controllers down), which the
 * user would wait for.  A child forked before the guest runs keeps a
 * reference to the VM fd; when the VMM is gone (its end of the pipe
 * closes, however it ended) the child drops it while nobody waits, and
 * removes the API socket file, which the filtered VMM cannot.
 */
static void __attribute__((noreturn)) releaser_main(int vm_fd, int pipe_fd,
						     const struct machine *m)
{
	unsigned int lo = vm_fd < pipe_fd ? vm_fd : pipe_fd;
	unsigned int hi = vm_fd < pipe_fd ? pipe_fd : vm_fd;
	char c;

	/* nothing of the VMM's (disks, taps, sockets, a parent's pipe)
	 * may outlive it here */
	syscall(SYS_close_range, 3, lo - 1, 0);
	syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
	while (read(pipe_fd, &c, 1) < 0 && errno == EINTR)
		;
	sock_file_remove(&m->api_file);
	sock_file_remove(&m->vsock_file);
	close(vm_fd);
	_exit(0);
}

static int machine_releaser(struct machine *m, const char *api_path,
			    struct err *e)
{
	int p[2];
	pid_t pid;

	if (m->api) {
		m->api_file.path = api_path;
		api_ident(m->api, &m->api_file.dev, &m->api_file.ino);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	pid = proc_fork_detached();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(e, -errno, "fork");
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		releaser_main(m->kvm.vm_fd, p[0], m);
	}
	close(p[0]);
	m->release_fd = p[1];
	return 0;
}

/* SIGTERM waits until vCPU 0 runs the guest: it ends a run, not a
 * build half done. */
static void machine_block_term(sigset_t *old)
{
	sigset_t term;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, old);
}

static int machine_setup(struct machine *m, const struct vm_config *cfg,
			 struct err *e)
{
	int ret;

	ret = kvm_x86_set_cpuid(&m->kvm, &cfg->cpu, e);
	if (ret == 0)
		ret = machine_devices(m, cfg, e);
	if (ret == 0)
		ret = machine_boot(m, cfg, e);
	if (ret == 0 && cfg->api_sock)
		ret = api_listen(cfg->api_sock, &m->api, e);
	if (ret == 0)
		ret = machine_signals(e);
	if (ret == 0)
		ret = machine_releaser(m, cfg->api_sock, e);
	if (ret == 0 && cfg->ready)
		ret = cfg->ready(cfg->ready_arg, e);
	return ret;
}

int vm_run(const struct vm_config *cfg, struct vm_result *res, struct err *e)
{
	struct machine m;
	struct timespec t0;
	sigset_t old;
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
	m.cfg = cfg;
	m.release_fd = -1;
	m.console_stop[0] = m.console_stop[1] = -1;
	vm_terminated = 0;
	machine_block_term(&old);
	pthread_mutex_init(&m.lock, NULL);
	pthread_cond_init(&m.cond, NULL);
	ret = kvm_x86_create(&m.kvm, &m.mem, cfg->no_irqchip,
			     cfg->cpus > 0 ? cfg->cpus : 1, e);
	if (ret < 0)
		goto out_mem;
	ret = machine_setup(&m, cfg, e);
	if (ret == 0)
		ret = machine_loop(&m, cfg, res, &t0, e);
	res->stats.ms_total = ms_since(&t0);
	if (m.api && m.release_fd < 0)	/* the build failed half way */
		unlink(cfg->api_sock);
	api_close(m.api);
	bus_destroy(&m.bus);
	if (m.release_fd < 0)
		sock_file_remove(&m.vsock_file);
	kvm_x86_destroy(&m.kvm);
	if (m.release_fd >= 0)
		close(m.release_fd);
	if (m.console_stop[0] >= 0) {
		close(m.console_stop[0]);
		close(m.console_stop[1]);
	}
out_mem:
	munmap(m.mem.host, m.mem.size);
	pthread_cond_destroy(&m.cond);
	pthread_mutex_destroy(&m.lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
