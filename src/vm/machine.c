/*
 * machine -- a microVM on KVM: memory, devices, the vCPUs, the run loop.
 *
 * vm_run() builds the machine in this order, and undoes it in reverse:
 * guest memory (one anonymous mapping), the KVM VM and its vCPUs with
 * the CPUID policy, the devices on the bus (UART at 0x3f8, i8042 at
 * 0x60, RTC at 0x70, debug-exit at 0x501), with more than one vCPU the MP and ACPI
 * tables, the kernel (ELF or bzImage, and initrd at the top of RAM), the
 * boot CPU state; then it runs vCPU 0 on this thread and the others on
 * a thread each (vcpu.c) until the guest stops.  The first vCPU to see
 * the end decides the outcome and kicks the others out of KVM_RUN.
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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "dev/rtc.h"
#include "dev/uart8250.h"
#include "dev/virtio_pci.h"
#include "disk/disk.h"
#include "lib/proc.h"
#include "vm/boot.h"
#include "vm/kvm_x86.h"
#include "vm/machine.h"
#include "vm/tables.h"
#include "vm/vcpu.h"
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
	ret = map_file(path, "initrd", &p, &len, e);
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
	ret = map_file(cfg->kernel, "kernel", &file, &len, e);
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
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->kvm.ncpus; i++)
		if (i != cpu && m->thread[i])
			vcpu_kick(m->thread[i], m->kvm.cpu[i].run);
}

static void machine_vcpu_loop(struct vcpu_run *v)
{
	struct machine *m = v->m;
	struct kvm_vcpu *c = &m->kvm.cpu[v->id];

	/* a vCPU whose thread started after the end was decided (its kick
	 * may have gone nowhere) must not block in KVM waiting for SIPI */
	while (!__atomic_load_n(&m->ended, __ATOMIC_ACQUIRE)) {
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				v->ret = err_set(&v->err, -errno, "KVM_RUN on vCPU %d",
						 v->id);
				break;
			}
		} else if (machine_exit(m, v->id, c->run, &v->res)) {
			break;
		}
		if (machine_ending(m, &v->res))
			break;
	}
	machine_end(m, v->id);
}

static void *machine_ap(void *arg)
{
	machine_vcpu_loop(arg);
	return NULL;
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
	m->thread[0] = pthread_self();
	vm_alarm_run = m->kvm.cpu[0].run;
	ret = machine_timer(cfg->timeout, e);
	if (ret == 0 && n > 1)
		ret = vcpu_kick_init(e);
	for (i = 1; i < n && ret == 0; i++)
		ret = vcpu_spawn(&m->thread[i], machine_ap, &v[i], e);
	res->stats.ms_to_first_run = ms_since(t0);
	if (ret == 0) {
		machine_vcpu_loop(&v[0]);
	} else {
		machine_end(m, 0);
	}
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
	m.cfg = cfg;
	pthread_mutex_init(&m.lock, NULL);
	ret = kvm_x86_create(&m.kvm, &m.mem, cfg->no_irqchip,
			     cfg->cpus > 0 ? cfg->cpus : 1, e);
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
	pthread_mutex_destroy(&m.lock);
	return ret;
}
