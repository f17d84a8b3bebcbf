/*
 * rv machine -- `strata vm run --arch riscv64`: a whole RISC-V machine
 * run by the translator.  See rv.h for the memory map.
 *
 * vm_rv_run() builds, in order: guest RAM at 0x80000000, the devices on
 * the bus (PLIC, UART, virtio-mmio, test device), one hart per --cpus,
 * the kernel (Image, ELF or raw at RAM + 2 MiB), the DTB at the top of
 * RAM with the initrd below it.  Hart 0 starts at the kernel entry in
 * S-mode with a0 = 0, a1 = the DTB; the others wait in the SBI HSM
 * STOPPED state until the guest starts them (hart_start), each on its
 * own host thread.
 *
 * The calling thread is the machine's supervisor: it sleeps until the
 * next timer deadline of any hart (SBI set_timer -> STIP), the timeout,
 * the end of the run, or 10 ms, whichever comes first, and polls the
 * console input for the UART on the way (the UART reads its input only
 * when the guest looks at it; this makes a waiting guest see it).
 *
 * How a run ends: SBI SRST or legacy shutdown (exit 0 for shutdown and
 * reboot alike, as the KVM machine does), the test device (its code), a
 * hart that crashes (1, with rv_hart_describe), --timeout (124).  The
 * first end wins; every hart is stopped and joined before teardown.
 *
 * Locks: m->lock serializes device accesses (as the KVM machine does);
 * m->slock covers hart states, timers and the outcome, and is taken
 * inside m->lock (a device asking to stop), never the other way round.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dev/bus.h"
#include "dev/plic.h"
#include "dev/uart8250.h"
#include "dev/virtio_mmio.h"
#include "disk/disk.h"
#include "lib/fs.h"
#include "vm/api.h"
#include "virtio/devices.h"
#include "virtio/tap.h"
#include "vm/rv/boot.h"
#include "vm/rv/dtb.h"
#include "vm/rv/hart.h"
#include "vm/rv/rv.h"
#include "vm/rv/sbi.h"
#include "vm/rv/syscon.h"

#define POLL_NS		10000000LL	/* console input, 10 ms */
#define NO_DEADLINE	(~0ULL)
#define NS_PER_TICK	(1000000000LL / RV_TIMEBASE)

struct rv_machine;

struct hart_slot {
	struct rv_machine *m;
	int id;
	struct rv_hart *h;
	struct rv_hart_ops ops;
	int state;		/* SBI_HSM_*, under slock */
	int thread_live;	/* a thread to join */
	int running;		/* in rv_hart_run(), under slock */
	int pause_stop;		/* rv_hart_stop() was a pause's, under slock */
	pthread_t thread;
	uint64_t deadline;	/* timer, in ticks; NO_DEADLINE */
};

struct rv_machine {
	const struct vm_config *cfg;
	uint8_t *ram;
	uint64_t ram_size;
	struct gmem gmem;
	struct bus bus;
	struct plic *plic;
	int nvirtio;
	pthread_mutex_t lock;	/* device accesses */
	pthread_mutex_t slock;	/* states, timers, the end */
	pthread_cond_t cond;	/* the supervisor's wake-up */
	struct timespec t0;
	int nharts;
	struct hart_slot hart[VM_CPUS_MAX];
	struct rv_sbi_ops sbi;
	uint64_t entry, dtb;
	int ended;
	int pause_req;		/* the API's pause, under slock */
	struct api_server *api;
	struct api_ops api_ops;
	struct vm_result *res;
	uint64_t mmio;		/* statistics */
	char vsock_uds[VM_VSOCK_UDS_MAX + 1];	/* "": no vsock socket made */
	uint64_t vsock_dev, vsock_ino;
};

static int64_t ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

static uint64_t ticks(struct rv_machine *m)
{
	return ns_since(&m->t0) / NS_PER_TICK;
}

/* The run is over: the first caller decides how.  slock held. */
static void end_locked(struct rv_machine *m, enum vm_end how, int code,
		       const char *diag)
{
	int i;

	if (m->ended)
		return;
	m->ended = 1;
	m->res->how = how;
	m->res->code = code;
	if (diag)
		snprintf(m->res->diag, sizeof(m->res->diag), "%s", diag);
	for (i = 0; i < m->nharts; i++)
		rv_hart_stop(m->hart[i].h);
	pthread_cond_broadcast(&m->cond);
}

static void end_run(struct rv_machine *m, enum vm_end how, int code,
		    const char *diag)
{
	pthread_mutex_lock(&m->slock);
	end_locked(m, how, code, diag);
	pthread_mutex_unlock(&m->slock);
}

/* ---- devices' view of the machine ---- */

static void dev_irq(void *ctx, int line, int level)
{
	struct rv_machine *m = ctx;

	plic_set_irq(m->plic, line, level);
}

static void dev_stop(void *ctx, enum dev_stop why, int code)
{
	struct rv_machine *m = ctx;

	if (why == DEV_STOP_RESET)
		end_run(m, VM_END_RESET, 0, NULL);
	else
		end_run(m, VM_END_POWEROFF, code, NULL);
}

/* PLIC context c: hart c / 2, odd contexts are S-mode */
static void plic_eip(void *ctx, int c, int level)
{
	struct rv_machine *m = ctx;

	if (c % 2 && c / 2 < m->nharts && m->hart[c / 2].h)
		rv_hart_set_pending(m->hart[c / 2].h, RV_IRQ_SEI, level);
}

/* ---- the harts' view of the machine ---- */

static int hart_mmio_read(void *ctx, uint64_t pa, void *data, unsigned int len)
{
	struct rv_machine *m = ((struct hart_slot *)ctx)->m;
	int ok;

	pthread_mutex_lock(&m->lock);
	m->mmio++;
	ok = bus_read(&m->bus, BUS_MMIO, pa, data, len);
	pthread_mutex_unlock(&m->lock);
	return ok ? 0 : -1;
}

static int hart_mmio_write(void *ctx, uint64_t pa, const void *data,
			   unsigned int len)
{
	struct rv_machine *m = ((struct hart_slot *)ctx)->m;
	int ok;

	pthread_mutex_lock(&m->lock);
	m->mmio++;
	ok = bus_write(&m->bus, BUS_MMIO, pa, data, len);
	pthread_mutex_unlock(&m->lock);
	return ok ? 0 : -1;
}

static uint64_t hart_time(void *ctx)
{
	return ticks(((struct hart_slot *)ctx)->m);
}

static int hart_sbi(void *ctx, struct rv_hart *h)
{
	struct hart_slot *s = ctx;
	struct rv_sbi_ret r;
	uint64_t a[8];
	int i;

	for (i = 0; i < 8; i++)
		a[i] = rv_hart_reg(h, 10 + i);
	rv_sbi_call(&s->m->sbi, s->id, a, &r);
	rv_hart_set_reg(h, 10, r.error);
	if (!r.legacy)
		rv_hart_set_reg(h, 11, r.value);
	return r.stop;
}

/* ---- what SBI calls do ---- */

static void sbi_set_timer(void *ctx, int hart, uint64_t when)
{
	struct rv_machine *m = ctx;
	struct hart_slot *s = &m->hart[hart];

	pthread_mutex_lock(&m->slock);
	rv_hart_set_pending(s->h, RV_IRQ_STI, 0);
	if (when <= ticks(m)) {
		s->deadline = NO_DEADLINE;
		rv_hart_set_pending(s->h, RV_IRQ_STI, 1);
	} else {
		s->deadline = when;
		pthread_cond_broadcast(&m->cond);
	}
	pthread_mutex_unlock(&m->slock);
}

static void sbi_send_ipi(void *ctx, int hart)
{
	struct rv_machine *m = ctx;

	rv_hart_set_pending(m->hart[hart].h, RV_IRQ_SSI, 1);
}

/* remote fence.i / sfence.vma: the hart drops its TLB and translations
 * before its next instruction; returns when that is sure */
static void sbi_rfence(void *ctx, int hart)
{
	struct rv_machine *m = ctx;

	rv_hart_remote_fence(m->hart[hart].h);
}

static void sbi_rfence_vma(void *ctx, int hart)
{
	struct rv_machine *m = ctx;

	rv_hart_remote_sfence_vma(m->hart[hart].h);
}

static void *hart_thread(void *arg);

static int sbi_hart_start(void *ctx, int hart, uint64_t pc, uint64_t opaque)
{
	struct rv_machine *m = ctx;
	struct hart_slot *s = &m->hart[hart];
	int ret = SBI_SUCCESS;

	if (!gmem_ptr(&m->gmem, pc, 4))
		return SBI_ERR_INVALID_ADDRESS;
	pthread_mutex_lock(&m->slock);
	if (m->ended) {
		ret = SBI_ERR_FAILED;
	} else if (s->state != SBI_HSM_STOPPED) {
		ret = SBI_ERR_ALREADY_AVAILABLE;
	} else {
		if (s->thread_live) {	/* stopped: its thread has finished */
			pthread_join(s->thread, NULL);
			s->thread_live = 0;
		}
		/* a started hart begins afresh: no IPI or timer from before */
		s->deadline = NO_DEADLINE;
		rv_hart_set_pending(s->h, RV_IRQ_SSI, 0);
		rv_hart_set_pending(s->h, RV_IRQ_STI, 0);
		rv_hart_boot(s->h, pc, opaque);
		s->state = SBI_HSM_STARTED;
		if (pthread_create(&s->thread, NULL, hart_thread, s) == 0) {
			s->thread_live = 1;
		} else {
			s->state = SBI_HSM_STOPPED;
			ret = SBI_ERR_FAILED;
		}
	}
	pthread_mutex_unlock(&m->slock);
	return ret;
}

static int sbi_hart_status(void *ctx, int hart)
{
	struct rv_machine *m = ctx;
	int st;

	pthread_mutex_lock(&m->slock);
	st = m->hart[hart].state;
	pthread_mutex_unlock(&m->slock);
	return st;
}

static void sbi_hart_stop(void *ctx, int hart)
{
	struct rv_machine *m = ctx;

	pthread_mutex_lock(&m->slock);
	m->hart[hart].state = SBI_HSM_STOP_PENDING;
	pthread_mutex_unlock(&m->slock);
}

/* HSM suspend of the calling hart: SUSPENDED to hart_get_status while
 * it sleeps (as WFI: until an interrupt it enables is pending) */
static int sbi_hart_suspend(void *ctx, int hart, int retentive,
			    uint64_t resume_addr, uint64_t opaque)
{
	struct rv_machine *m = ctx;
	struct hart_slot *s = &m->hart[hart];

	pthread_mutex_lock(&m->slock);
	s->state = SBI_HSM_SUSPENDED;
	pthread_mutex_unlock(&m->slock);
	rv_hart_suspend(s->h);
	pthread_mutex_lock(&m->slock);
	if (s->state == SBI_HSM_SUSPENDED)
		s->state = SBI_HSM_STARTED;
	pthread_mutex_unlock(&m->slock);
	if (!retentive)
		rv_hart_resume_at(s->h, resume_addr, opaque);
	return SBI_SUCCESS;
}

static void sbi_reset(void *ctx, uint32_t type, uint32_t reason)
{
	end_run(ctx, type == SBI_SRST_SHUTDOWN ? VM_END_POWEROFF : VM_END_RESET,
		0, NULL);
}

static void sbi_console_write(void *ctx, const void *buf, uint64_t len)
{
	struct rv_machine *m = ctx;
	const char *p = buf;
	ssize_t n;

	if (m->cfg->console_out < 0)
		return;
	while (len) {
		n = write(m->cfg->console_out, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

static int sbi_console_read(void *ctx)
{
	struct rv_machine *m = ctx;
	struct pollfd p = { .fd = m->cfg->console_in, .events = POLLIN };
	uint8_t c;

	if (p.fd < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
		return -1;
	return read(p.fd, &c, 1) == 1 ? c : -1;
}

/* ---- harts ---- */

static void hart_crashed(struct hart_slot *s)
{
	struct rv_machine *m = s->m;
	char where[256], diag[384];

	rv_hart_describe(s->h, where, sizeof(where));
	if (m->nharts > 1)
		snprintf(diag, sizeof(diag), "guest crashed at %s, on hart %d", where, s->id);
	else
		snprintf(diag, sizeof(diag), "guest crashed at %s", where);
	end_run(m, VM_END_CRASH, VM_EXIT_CRASH, diag);
}

/* Run the hart until it stops, parking while the machine is paused: a
 * pause stops the run (rv_hart_stop) and the loop runs it again after
 * the resume, from where it was. */
static enum rv_hart_end hart_run_pausable(struct hart_slot *s)
{
	struct rv_machine *m = s->m;
	enum rv_hart_end end;

	for (;;) {
		pthread_mutex_lock(&m->slock);
		while (m->pause_req && !m->ended)
			pthread_cond_wait(&m->cond, &m->slock);
		if (m->ended) {
			pthread_mutex_unlock(&m->slock);
			return RV_HART_STOPPED;
		}
		s->running = 1;
		pthread_mutex_unlock(&m->slock);
		end = rv_hart_run(s->h);
		pthread_mutex_lock(&m->slock);
		s->running = 0;
		pthread_cond_broadcast(&m->cond);
		/* A pause's stop that came after the run ended by itself
		 * (SBI hart stop) is still pending: the next run consumes it
		 * at once, so that the hart's next start is not cut short. */
		if (end == RV_HART_STOPPED && s->pause_stop && !m->ended) {
			s->pause_stop = 0;
			pthread_mutex_unlock(&m->slock);
			continue;
		}
		pthread_mutex_unlock(&m->slock);
		return end;
	}
}

static void *hart_thread(void *arg)
{
	struct hart_slot *s = arg;
	struct rv_machine *m = s->m;
	enum rv_hart_end end;

	end = hart_run_pausable(s);
	if (end == RV_HART_CRASHED) {
		pthread_mutex_lock(&m->slock);
		end = m->ended ? RV_HART_STOPPED : end;	/* stopped mid-way */
		pthread_mutex_unlock(&m->slock);
		if (end == RV_HART_CRASHED)
			hart_crashed(s);
	}
	pthread_mutex_lock(&m->slock);
	s->state = SBI_HSM_STOPPED;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->slock);
	return NULL;
}

static int harts_create(struct rv_machine *m, struct err *e)
{
	int i;

	for (i = 0; i < m->nharts; i++) {
		struct hart_slot *s = &m->hart[i];
		struct rv_hart_cfg hc = { .hartid = i, .ram = &m->gmem, .ops = &s->ops };

		s->m = m;
		s->id = i;
		s->state = SBI_HSM_STOPPED;
		s->deadline = NO_DEADLINE;
		s->ops = (struct rv_hart_ops){
			.ctx = s,
			.mmio_read = hart_mmio_read,
			.mmio_write = hart_mmio_write,
			.sbi_call = hart_sbi,
			.time = hart_time,
		};
		s->h = rv_hart_new(&hc);
		if (!s->h)
			return err_set(e, -ENOMEM, "hart %d", i);
	}
	return 0;
}

/* ---- devices ---- */

static int attach(struct rv_machine *m, int ret, uint64_t base, uint64_t len,
		  const struct dev_ref *d, struct err *e)
{
	if (ret < 0)
		return ret;
	ret = bus_add(&m->bus, BUS_MMIO, base, len, d->ops, d->dev, e);
	if (ret < 0 && d->ops->destroy)
		d->ops->destroy(d->dev);
	return ret;
}

static int add_virtio(struct rv_machine *m, int ret, struct virtio_dev *v,
		      struct err *e)
{
	const struct dev_host host = { m, dev_irq, dev_stop, NULL };
	struct dev_ref d;
	int n = m->nvirtio;

	if (ret < 0)
		return ret;
	if (n >= RV_VIRTIO_MAX) {
		if (v->ops->destroy)
			v->ops->destroy(v);
		return err_msg(e, -ENOSPC, "too many virtio devices");
	}
	ret = attach(m, virtio_mmio_create(v, &host, RV_VIRTIO_IRQ0 + n, &d, e),
		     RV_VIRTIO_BASE + RV_VIRTIO_STRIDE * n, RV_VIRTIO_STRIDE, &d, e);
	if (ret == 0)
		m->nvirtio++;
	return ret;
}

/* The socket file is removed at the end of the run (vm_rv_run). */
static int add_vsock(struct rv_machine *m, const struct vm_config *cfg,
		     struct err *e)
{
	struct virtio_dev *v;
	char uds[VM_VSOCK_UDS_MAX + 1];
	int ret;

	ret = vm_vsock_uds(cfg, uds, e);
	if (ret == 0)
		ret = virtio_vsock_create(&m->gmem, cfg->vsock_cid, uds, &v, e);
	if (ret < 0)
		return err_wrap(e, "--vsock");
	memcpy(m->vsock_uds, uds, sizeof(uds));
	virtio_vsock_ident(v, &m->vsock_dev, &m->vsock_ino);
	ret = add_virtio(m, ret, v, e);
	return ret < 0 ? err_wrap(e, "--vsock") : 0;
}

static int virtio_devices(struct rv_machine *m, const struct vm_config *cfg,
			  struct err *e)
{
	struct virtio_dev *v = NULL;
	struct disk *dk;
	int i, fd, ret = 0;

	for (i = 0; ret == 0 && i < cfg->ndisks; i++) {
		ret = cfg->disk[i].format
			? disk_open_fmt(cfg->disk[i].path, cfg->disk[i].format,
					cfg->disk[i].readonly, &dk, e)
			: disk_open(cfg->disk[i].path, cfg->disk[i].readonly, &dk, e);
		if (ret == 0)
			ret = virtio_blk_create(&m->gmem, dk, NULL, &v, e);
		ret = add_virtio(m, ret, v, e);
		if (ret < 0)
			return err_wrap(e, "disk %s", cfg->disk[i].path);
	}
	for (i = 0; ret == 0 && i < cfg->nnets; i++) {
		const struct vm_net *vn = &cfg->net[i];

		fd = tap_open(vn->tap, vn->bridge[0] ? vn->bridge : NULL, NULL, e);
		if (fd < 0)
			return err_wrap(e, "--net");
		ret = virtio_net_create(&m->gmem, fd, vn->mac, &v, e);
		ret = add_virtio(m, ret, v, e);
		if (ret < 0)
			return err_wrap(e, "--net");
	}
	if (ret == 0 && cfg->rng) {
		ret = virtio_rng_create(&m->gmem, &v, e);
		ret = add_virtio(m, ret, v, e);
	}
	if (ret == 0 && cfg->vsock_cid)
		ret = add_vsock(m, cfg, e);
	return ret;
}

static int devices(struct rv_machine *m, const struct vm_config *cfg,
		   struct err *e)
{
	const struct dev_host host = { m, dev_irq, dev_stop, NULL };
	const struct plic_cfg pc = { .nharts = m->nharts, .eip = plic_eip, .ctx = m };
	const struct uart8250_cfg uc = {
		.irq = RV_UART_IRQ,
		.in_fd = cfg->console_in,
		.out_fd = cfg->console_out,
	};
	struct dev_ref d;
	int ret;

	ret = attach(m, plic_create(&pc, &m->plic, &d, e), RV_PLIC_BASE,
		     PLIC_SIZE, &d, e);
	if (ret == 0)
		ret = attach(m, uart8250_create(&uc, &host, &d, e), RV_UART_BASE,
			     UART8250_REGS, &d, e);
	if (ret == 0)
		ret = attach(m, rv_syscon_create(&host, &d, e), RV_TEST_BASE,
			     RV_TEST_SIZE, &d, e);
	if (ret == 0)
		ret = virtio_devices(m, cfg, e);
	return ret;
}

/* ---- boot ---- */

/*
 * The DTB goes at the top of RAM, the initrd right below it, both page
 * aligned and above the kernel.  The DTB's size does not depend on the
 * initrd's address, so it is built once to learn it.
 */
static int boot_tables(struct rv_machine *m, const struct vm_config *cfg,
		       uint64_t kend, struct err *e)
{
	struct rv_dtb_cfg dc = {
		.nharts = m->nharts, .ram_size = m->ram_size,
		.bootargs = cfg->cmdline, .nvirtio = m->nvirtio,
	};
	uint64_t top = RV_RAM_BASE + m->ram_size, ird = 0;
	void *blob, *file = NULL;
	size_t len, flen = 0;
	int ret;

	if (cfg->initrd) {
		ret = fs_map_file(cfg->initrd, "initrd", &file, &flen, e);
		if (ret < 0)
			return ret;
		dc.initrd_start = 1;
		dc.initrd_end = 1 + flen;
	}
	ret = rv_dtb_build(&dc, &blob, &len, e);
	if (ret < 0)
		goto out;
	free(blob);
	m->dtb = (top - len) & ~0xfffULL;
	if (flen) {
		ird = (m->dtb - flen) & ~0xfffULL;
		if (flen > m->dtb - RV_RAM_BASE || ird < kend) {
			ret = err_msg(e, -E2BIG, "initrd %s: %zu bytes do not fit in guest memory above the kernel",
				      cfg->initrd, flen);
			goto out;
		}
		memcpy(gmem_ptr(&m->gmem, ird, flen), file, flen);
		dc.initrd_start = ird;
		dc.initrd_end = ird + flen;
	}
	if (m->dtb < kend) {
		ret = err_msg(e, -E2BIG, "no room for the device tree above the kernel");
		goto out;
	}
	ret = rv_dtb_build(&dc, &blob, &len, e);
	if (ret == 0) {
		memcpy(gmem_ptr(&m->gmem, m->dtb, len), blob, len);
		free(blob);
	}
out:
	if (flen)
		munmap(file, flen);
	return ret;
}

static int boot(struct rv_machine *m, const struct vm_config *cfg,
		struct err *e)
{
	struct rv_kernel k;
	void *file;
	size_t len;
	int ret;

	ret = fs_map_file(cfg->kernel, "kernel", &file, &len, e);
	if (ret < 0)
		return ret;
	ret = rv_boot_load(file, len, &m->gmem, &k, e);
	if (len)
		munmap(file, len);
	if (ret < 0)
		return err_wrap(e, "kernel %s", cfg->kernel);
	m->entry = k.entry;
	return boot_tables(m, cfg, k.end, e);
}

/* ---- the run ---- */

/* Fire due timers; returns the next deadline in ticks.  slock held. */
static uint64_t timers(struct rv_machine *m)
{
	uint64_t now = ticks(m), next = NO_DEADLINE;
	int i;

	for (i = 0; i < m->nharts; i++) {
		struct hart_slot *s = &m->hart[i];

		if (s->deadline <= now) {
			s->deadline = NO_DEADLINE;
			rv_hart_set_pending(s->h, RV_IRQ_STI, 1);
		} else if (s->deadline < next) {
			next = s->deadline;
		}
	}
	return next;
}

/* Console input waiting: let the UART take it (reading LSR polls). */
static void console_poll(struct rv_machine *m)
{
	struct pollfd p = { .fd = m->cfg->console_in, .events = POLLIN };
	uint8_t lsr;

	if (p.fd < 0 || poll(&p, 1, 0) <= 0)
		return;
	pthread_mutex_lock(&m->lock);
	bus_read(&m->bus, BUS_MMIO, RV_UART_BASE + 5, &lsr, 1);
	pthread_mutex_unlock(&m->lock);
}

/* SIGTERM is blocked in every thread of the machine (vm_rv_run), so it
 * stays pending until the supervisor takes it here. */
static int terminated(void)
{
	const struct timespec zero = { 0, 0 };
	sigset_t term;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	return sigtimedwait(&term, NULL, &zero) == SIGTERM;
}

static void supervise(struct rv_machine *m)
{
	int64_t timeout_ns = m->cfg->timeout > 0 ? m->cfg->timeout * 1e9 : 0;
	int64_t wake, now, poll_at = 0;
	uint64_t next;
	struct timespec ts;

	pthread_mutex_lock(&m->slock);
	while (!m->ended) {
		if (terminated()) {
			end_locked(m, VM_END_STOPPED, 0, NULL);
			break;
		}
		next = timers(m);
		now = ns_since(&m->t0);
		if (timeout_ns && now >= timeout_ns) {
			char diag[96];

			snprintf(diag, sizeof(diag), "guest still running after %g s (--timeout)",
				 m->cfg->timeout);
			end_locked(m, VM_END_TIMEOUT, VM_EXIT_TIMEOUT, diag);
			break;
		}
		if (now >= poll_at) {
			pthread_mutex_unlock(&m->slock);
			console_poll(m);
			pthread_mutex_lock(&m->slock);
			poll_at = now + POLL_NS;
			continue;
		}
		wake = poll_at;
		if (next < (uint64_t)wake / NS_PER_TICK)
			wake = next * NS_PER_TICK;
		if (timeout_ns && timeout_ns < wake)
			wake = timeout_ns;
		ts.tv_sec = m->t0.tv_sec + wake / 1000000000LL;
		ts.tv_nsec = m->t0.tv_nsec + wake % 1000000000LL;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->cond, &m->slock, &ts);
	}
	pthread_mutex_unlock(&m->slock);
}

/* ---- the API socket (api.h): pause, resume, stop, stats ---- */

static void api_state(struct rv_machine *m, struct api_stats *st)
{
	int i, running = 0;

	pthread_mutex_lock(&m->slock);
	for (i = 0; i < m->nharts; i++)
		running += m->hart[i].running;
	if (m->ended)
		st->state = "stopping";
	else if (m->pause_req)
		st->state = running ? "pausing" : "paused";
	else
		st->state = "running";
	pthread_mutex_unlock(&m->slock);
	st->vcpus = m->nharts;
	pthread_mutex_lock(&m->lock);
	st->exits = m->mmio;
	pthread_mutex_unlock(&m->lock);
	st->uptime = (ns_since(&m->t0) / 1e6 - m->res->stats.ms_to_first_run) / 1e3;
	st->mem = m->ram_size;
}

/* Stop every hart in a run and wait until none is (2 s at most). */
static int api_pause(struct rv_machine *m, struct err *e)
{
	struct timespec t;
	int i, running = 1, ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 2;
	pthread_mutex_lock(&m->slock);
	if (m->ended) {
		pthread_mutex_unlock(&m->slock);
		return err_msg(e, -ESRCH, "the VM is stopping");
	}
	m->pause_req = 1;
	for (i = 0; i < m->nharts; i++)
		if (m->hart[i].running && !m->hart[i].pause_stop) {
			m->hart[i].pause_stop = 1;
			rv_hart_stop(m->hart[i].h);
		}
	while (!m->ended && ret == 0) {
		for (running = 0, i = 0; i < m->nharts; i++)
			running += m->hart[i].running;
		if (!running)
			break;
		ret = pthread_cond_timedwait(&m->cond, &m->slock, &t);
	}
	if (m->ended)
		ret = err_msg(e, -ESRCH, "the VM is stopping");
	else if (running)
		ret = err_msg(e, -ETIMEDOUT, "harts did not stop within 2 s");
	else
		ret = 0;
	pthread_mutex_unlock(&m->slock);
	return ret;
}

static int api_act(void *ctx, enum api_action a, struct api_stats *st,
		   struct err *e)
{
	struct rv_machine *m = ctx;
	int ret = 0;

	switch (a) {
	case API_PAUSE:
		ret = api_pause(m, e);
		break;
	case API_RESUME:
		pthread_mutex_lock(&m->slock);
		m->pause_req = 0;
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->slock);
		break;
	case API_STOP:
		end_run(m, VM_END_STOPPED, 0, NULL);
		break;
	case API_STATS:
		break;
	}
	api_state(m, st);
	return ret;
}

static int run(struct rv_machine *m, struct err *e)
{
	struct hart_slot *s0 = &m->hart[0];
	int i;

	rv_hart_boot(s0->h, m->entry, m->dtb);
	s0->state = SBI_HSM_STARTED;
	if (pthread_create(&s0->thread, NULL, hart_thread, s0) != 0)
		return err_set(e, -EAGAIN, "hart 0 thread");
	s0->thread_live = 1;
	m->res->stats.ms_to_first_run = ns_since(&m->t0) / 1e6;
	supervise(m);
	/* no hart starts another once the run ended: join them all */
	for (i = 0; i < m->nharts; i++) {
		pthread_mutex_lock(&m->slock);
		if (m->hart[i].thread_live) {
			m->hart[i].thread_live = 0;
			pthread_mutex_unlock(&m->slock);
			pthread_join(m->hart[i].thread, NULL);
		} else {
			pthread_mutex_unlock(&m->slock);
		}
	}
	return 0;
}

static int machine_init(struct rv_machine *m, const struct vm_config *cfg,
			struct vm_result *res, struct err *e)
{
	pthread_condattr_t ca;

	m->cfg = cfg;
	m->res = res;
	m->nharts = cfg->cpus > 0 ? cfg->cpus : 1;
	if (m->nharts > VM_CPUS_MAX || m->nharts > PLIC_MAX_HARTS)
		return err_msg(e, -EINVAL, "%d harts: at most %d", m->nharts, PLIC_MAX_HARTS);
	if (cfg->mem_size < VM_MEM_MIN || cfg->mem_size > VM_MEM_MAX ||
	    cfg->mem_size % 4096)
		return err_msg(e, -EINVAL, "memory size must be a multiple of 4 KiB between %llu MiB and %llu GiB",
			       VM_MEM_MIN >> 20, VM_MEM_MAX >> 30);
	m->ram_size = cfg->mem_size;
	m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		return err_set(e, -errno, "guest memory (%llu MiB)",
			       (unsigned long long)(m->ram_size >> 20));
	}
	m->gmem.r[0] = (struct gmem_region){ RV_RAM_BASE, m->ram_size, m->ram };
	m->gmem.n = 1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->slock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	m->sbi = (struct rv_sbi_ops){
		.ctx = m, .nharts = m->nharts, .ram = &m->gmem,
		.set_timer = sbi_set_timer, .send_ipi = sbi_send_ipi,
		.rfence = sbi_rfence, .rfence_vma = sbi_rfence_vma,
		.hart_start = sbi_hart_start,
		.hart_status = sbi_hart_status, .hart_stop = sbi_hart_stop,
		.hart_suspend = sbi_hart_suspend,
		.reset = sbi_reset, .console_write = sbi_console_write,
		.console_read = sbi_console_read,
	};
	return 0;
}

/* The API socket, then the caller's ready(): what a background VM's
 * parent waits for. */
static int serve(struct rv_machine *m, const struct vm_config *cfg,
		 struct err *e)
{
	int ret = 0;

	if (cfg->api_sock)
		ret = api_listen(cfg->api_sock, &m->api, e);
	if (ret == 0 && cfg->ready)
		ret = cfg->ready(cfg->ready_arg, e);
	if (ret == 0 && m->api) {
		m->api_ops = (struct api_ops){ m, api_act };
		ret = api_start(m->api, &m->api_ops, e);
	}
	return ret;
}

/* The socket file goes with the run, if it is still the one we made
 * (no syscall filter here: the VMM removes it itself). */
static void unserve(struct rv_machine *m, const struct vm_config *cfg)
{
	uint64_t dev, ino;

	if (!m->api)
		return;
	api_ident(m->api, &dev, &ino);
	api_close(m->api);
	m->api = NULL;
	fs_unlink_ours(cfg->api_sock, dev, ino);
}

int vm_rv_run(const struct vm_config *cfg, struct vm_result *res, struct err *e)
{
	struct rv_machine *m;
	sigset_t term, old;
	int i, ret;

	memset(res, 0, sizeof(*res));
	m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(e, -ENOMEM, "machine");
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
	ret = machine_init(m, cfg, res, e);
	if (ret < 0) {
		free(m);
		return ret;
	}
	/* SIGTERM ends the run (VM_END_STOPPED): every thread made from
	 * here on blocks it, the supervisor takes it */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	ret = harts_create(m, e);
	if (ret == 0)
		ret = devices(m, cfg, e);
	if (ret == 0)
		ret = boot(m, cfg, e);
	if (ret == 0)
		ret = serve(m, cfg, e);
	if (ret == 0)
		ret = run(m, e);
	unserve(m, cfg);
	res->stats.mmio = m->mmio;
	res->stats.exits = m->mmio;
	res->stats.ms_total = ns_since(&m->t0) / 1e6;
	bus_destroy(&m->bus);
	fs_unlink_ours(m->vsock_uds, m->vsock_dev, m->vsock_ino);
	for (i = 0; i < m->nharts; i++)
		if (m->hart[i].h)
			rv_hart_free(m->hart[i].h);
	munmap(m->ram, m->ram_size);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->slock);
	pthread_mutex_destroy(&m->lock);
	free(m);
	terminated();	/* one that came after the end changes nothing */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
