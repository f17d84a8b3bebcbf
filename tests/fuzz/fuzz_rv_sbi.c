/*
 * fuzz_rv_sbi -- libFuzzer target for the SBI of the riscv64 machine
 * (src/vm/rv/sbi.c): every ECALL a guest kernel makes from S-mode,
 * with a0..a7 of its choosing, reaches rv_sbi_call().
 *
 * The calls go in as a guest makes them: a system-mode hart
 * (src/vm/rv/hart.c) runs an `ecall` with the fuzzer's registers, its
 * sbi_call hook hands them to rv_sbi_call() as the machine does, and
 * a0/a1 and the pc are checked afterwards.  The machine behind struct
 * rv_sbi_ops is a small model (1-8 harts, 16 KiB of RAM from the heap, so
 * ASan sees a DBCN buffer that leaves it) that keeps HSM states and
 * checks each request against the SBI 2.0 spec:
 *	- every hart index handed to the machine exists; a timer is the
 *	  caller's own, armed at stime_value by set_timer (new or legacy)
 *	  and by nothing else; only the caller stops; hart_start passes
 *	  start_addr and opaque as they are;
 *	- IPI/RFENCE reach exactly the harts of (hart_mask, hart_mask_base),
 *	  or none and SBI_ERR_INVALID_PARAM when one of them does not exist;
 *	- a DBCN buffer is inside RAM, whole, and a write reports its size;
 *	- errors are SBI error codes; probe_extension answers 0 exactly for
 *	  the extensions whose calls are all SBI_ERR_NOT_SUPPORTED;
 *	- only HSM stop, SRST and the legacy shutdown end the hart's run.
 *
 * Machine mode (bit 7 of the first byte) makes the same calls through
 * the real machine (src/vm/rv/machine.c: its SBI handlers, hart threads,
 * HSM, timers, remote fences) with vm_rv_run(): a raw kernel of this
 * file's making loads a0..a7 from a table and ecalls, call after call,
 * then shuts down through SRST; a hart started at base + 4 stops itself
 * (HSM hart_stop) again and again.  The run must end (0.1 s at most,
 * when every hart stopped itself), with no sanitizer report and no
 * deadlock.  FUZZ_RV_SBI_DEBUG=1 prints how a run ended and keeps its
 * kernel (objdump -b binary -m riscv:rv64 -D FILE).
 *
 * Input: u8 harts (1 + n % 8), u8 harts started at first (bit mask),
 * then calls of 1 + 1 + 1 + 6 argument encodings:
 *	u8 extension (index into a table of the known ones; past it, a7 is
 *	a raw 32-bit value from the next 4 bytes), u8 function id (a6),
 *	u8 calling hart; each of a0..a5 is a tag byte: bits 0-1: 0 the
 *	value tag >> 2, 1 RAM + u16 (machine mode: the kernel + u16),
 *	2 ~0 - (tag >> 2), 3 a raw u64.
 * Console input is the remaining input bytes.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_rv_sbi FILE...
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "vm/machine.h"
#include "vm/rv/boot.h"
#include "vm/rv/hart.h"
#include "vm/rv/rv.h"
#include "vm/rv/sbi.h"

#define RAM_GPA		0x80000000ull
#define RAM_SZ		0x4000ull
#define MAX_HARTS	8
#define MAX_CALLS	64
#define ECALL		0x00000073u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t exts[] = {
	SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM,
	SBI_EXT_SRST, SBI_EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	0x4442434f, 0x735049ull | 1ull << 32,	/* near misses */
};
#define NEXTS (sizeof(exts) / sizeof(exts[0]))

struct input {
	const uint8_t *p, *end;
	uint64_t base;		/* what tag 1 is relative to */
};

/* the model machine */
struct model {
	int nharts;
	int state[MAX_HARTS];
	int caller;
	uint64_t hit;		/* harts an IPI/RFENCE reached */
	int resets, stops, writes, timers, starts;
	uint64_t when, start_pc, start_opaque;
	uint64_t written;	/* bytes the console got */
	struct input console;
	uint8_t *ram;
	struct gmem gmem;
	struct rv_sbi_ops ops;
	struct rv_sbi_ret ret;	/* what the hook got */
	int hooked;
};

static volatile uint8_t console_sink;

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static uint8_t next_u8(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

static uint64_t next_raw(struct input *in, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)next_u8(in) << (8 * i);
	return v;
}

static uint64_t next_arg(struct input *in)
{
	uint8_t tag = next_u8(in);

	switch (tag & 3) {
	case 0:
		return tag >> 2;
	case 1:
		return in->base + next_raw(in, 2);
	case 2:
		return ~0ull - (tag >> 2);
	}
	return next_raw(in, 8);
}

static struct model *ctx_model(void *ctx)
{
	struct model *m = ctx;

	check(m->hooked, "the machine is called only from an SBI call");
	return m;
}

static void hart_ok(struct model *m, int hart)
{
	check(hart >= 0 && hart < m->nharts, "a hart that exists");
}

static void set_timer(void *ctx, int hart, uint64_t when)
{
	struct model *m = ctx_model(ctx);

	check(hart == m->caller, "a hart sets its own timer");
	m->timers++;
	m->when = when;
}

static void mark(void *ctx, int hart)
{
	struct model *m = ctx_model(ctx);

	hart_ok(m, hart);
	check(!(m->hit >> hart & 1), "each hart is reached once");
	m->hit |= 1ull << hart;
}

static int hart_start(void *ctx, int hart, uint64_t pc, uint64_t opaque)
{
	struct model *m = ctx_model(ctx);

	hart_ok(m, hart);
	m->starts++;
	m->start_pc = pc;
	m->start_opaque = opaque;
	if (!gmem_ptr(&m->gmem, pc, 4))	/* the machine's own check */
		return SBI_ERR_INVALID_ADDRESS;
	if (m->state[hart] != SBI_HSM_STOPPED)
		return SBI_ERR_ALREADY_AVAILABLE;
	m->state[hart] = SBI_HSM_STARTED;
	return SBI_SUCCESS;
}

static int hart_status(void *ctx, int hart)
{
	struct model *m = ctx_model(ctx);

	hart_ok(m, hart);
	return m->state[hart];
}

static void hart_stop(void *ctx, int hart)
{
	struct model *m = ctx_model(ctx);

	check(hart == m->caller, "only the calling hart stops");
	m->state[hart] = SBI_HSM_STOPPED;
	m->stops++;
}

static void reset(void *ctx, uint32_t type, uint32_t reason)
{
	struct model *m = ctx_model(ctx);

	(void)reason;
	check(type <= SBI_SRST_WARM_REBOOT, "a reset type of SBI 2.0");
	m->resets++;
}

static void console_write(void *ctx, const void *buf, uint64_t len)
{
	struct model *m = ctx_model(ctx);
	const uint8_t *p = buf;
	uint64_t i;

	check(len > 0, "a console write of something");
	for (i = 0; i < len; i++)	/* ASan checks every byte */
		console_sink += p[i];
	m->writes++;
	m->written += len;
}

static int console_read(void *ctx)
{
	struct model *m = ctx_model(ctx);

	return m->console.p < m->console.end ? *m->console.p++ : -1;
}

static int known_error(int64_t e)
{
	return e <= SBI_SUCCESS && e >= SBI_ERR_ALREADY_STOPPED;
}

/* ---- the hart that makes the calls ---- */

static int hook(void *ctx, struct rv_hart *h)
{
	struct model *m = ctx;
	uint64_t a[8];
	int i;

	for (i = 0; i < 8; i++)
		a[i] = rv_hart_reg(h, 10 + i);
	m->hooked = 1;
	rv_sbi_call(&m->ops, m->caller, a, &m->ret);
	m->hooked = 0;
	rv_hart_set_reg(h, 10, m->ret.error);
	if (!m->ret.legacy)
		rv_hart_set_reg(h, 11, m->ret.value);
	return m->ret.stop;
}

static int no_mmio(void *ctx, uint64_t pa, void *data, unsigned int len)
{
	(void)ctx, (void)pa, (void)data, (void)len;
	return -1;
}

static int no_mmio_write(void *ctx, uint64_t pa, const void *data,
			 unsigned int len)
{
	(void)ctx, (void)pa, (void)data, (void)len;
	return -1;
}

static uint64_t ticks(void *ctx)
{
	(void)ctx;
	return 0;
}

/* a probe_extension of @ext, straight to the SBI */
static int64_t probe(struct model *m, uint64_t ext)
{
	uint64_t a[8] = { ext, 0, 0, 0, 0, 0, 0, SBI_EXT_BASE };
	struct rv_sbi_ret r;

	m->hooked = 1;
	rv_sbi_call(&m->ops, m->caller, a, &r);
	m->hooked = 0;
	check(r.error == SBI_SUCCESS && !r.stop && !r.legacy, "probe answers");
	return r.value;
}

/* the harts (@mask, @base) names, or -1 when one of them does not exist */
static int64_t want_harts(const struct model *m, uint64_t mask,
			  uint64_t base)
{
	uint64_t all = m->nharts == 64 ? ~0ull : (1ull << m->nharts) - 1;
	int i;

	if (base == ~0ull)
		return all;
	for (i = 0; i < 64; i++)
		if (mask >> i & 1 && (base >= (uint64_t)m->nharts ||
				      base + i >= (uint64_t)m->nharts))
			return -1;
	return base >= 64 ? 0 : (int64_t)((mask << base) & all);
}

static void check_call(struct model *m, const uint64_t a[8],
		       const struct model *before)
{
	const struct rv_sbi_ret *r = &m->ret;
	int64_t want;

	if (!r->legacy)
		check(known_error(r->error), "an SBI error code");
	if (r->error == SBI_ERR_NOT_SUPPORTED && !r->legacy)
		check(m->hit == 0 && m->writes == before->writes &&
		      m->resets == before->resets, "no effect when not supported");
	if (!probe(m, a[7]))
		check(r->error == SBI_ERR_NOT_SUPPORTED,
		      "an extension probed absent is not supported");
	check(!r->stop || m->stops > before->stops || m->resets > before->resets,
	      "only a stop or a reset ends the run");
	if ((a[7] == SBI_EXT_IPI && a[6] == 0) ||
	    (a[7] == SBI_EXT_RFENCE && a[6] <= 2)) {
		want = want_harts(m, a[0], a[1]);
		if (want < 0)
			check(r->error == SBI_ERR_INVALID_PARAM && !m->hit,
			      "a hart mask naming no hart is refused, nobody reached");
		else
			check(r->error == SBI_SUCCESS && m->hit == (uint64_t)want,
			      "exactly the harts of the mask are reached");
	} else {
		check(!m->hit, "only IPI and RFENCE reach harts");
	}
	if (a[7] == SBI_EXT_DBCN && a[6] <= 1 && r->error == SBI_SUCCESS) {
		check(a[2] == 0, "DBCN: the high half of the address is 0");
		check(!a[0] || (a[1] >= RAM_GPA && a[1] - RAM_GPA < RAM_SZ &&
				a[0] <= RAM_SZ - (a[1] - RAM_GPA)),
		      "DBCN: the buffer lies in RAM");
		check((uint64_t)r->value <= a[0], "DBCN: no more than asked");
		if (a[6] == 0)
			check((uint64_t)r->value == a[0] &&
			      m->written - before->written == a[0],
			      "DBCN: a write writes it all");
	}
	if (a[7] == SBI_EXT_HSM && a[6] == 0 && r->error == SBI_SUCCESS)
		check(a[0] < (uint64_t)m->nharts &&
		      before->state[a[0]] == SBI_HSM_STOPPED,
		      "HSM: only a stopped hart starts");
	if ((a[7] == SBI_EXT_TIME && a[6] == 0) || a[7] == 0)
		check(m->timers == before->timers + 1 && m->when == a[0],
		      "set_timer arms the caller's timer at stime_value");
	else
		check(m->timers == before->timers, "only set_timer arms a timer");
	if (m->starts > before->starts)
		check(a[7] == SBI_EXT_HSM && a[6] == 0 && m->start_pc == a[1] &&
		      m->start_opaque == a[2], "hart_start passes start_addr and opaque");
	if (a[7] == SBI_EXT_HSM && a[6] == 2 && r->error == SBI_SUCCESS)
		check(r->value >= SBI_HSM_STARTED &&
		      r->value <= SBI_HSM_STOP_PENDING, "HSM: a state");
}

static void one_call(struct model *m, struct rv_hart *h, struct input *in)
{
	uint8_t *code = m->ram;
	struct model before;
	uint64_t a[8];
	uint8_t sel;
	int i;

	sel = next_u8(in);
	a[7] = sel < NEXTS ? exts[sel] : next_raw(in, 4);
	a[6] = next_u8(in);
	m->caller = next_u8(in) % m->nharts;
	for (i = 0; i < 6; i++)
		a[i] = next_arg(in);
	/* a DBCN read may have written over the ecall */
	code[0] = ECALL & 0xff;
	code[1] = ECALL >> 8 & 0xff;
	code[2] = ECALL >> 16 & 0xff;
	code[3] = ECALL >> 24;
	rv_hart_boot(h, RAM_GPA, 0);
	for (i = 0; i < 8; i++)
		rv_hart_set_reg(h, 10 + i, a[i]);
	m->hit = 0;
	memcpy(&before, m, sizeof(before));
	rv_hart_run_max(h, 1);
	check(rv_hart_pc(h) == RAM_GPA + 4, "the hart goes on after the ecall");
	check(rv_hart_reg(h, 10) == (uint64_t)m->ret.error, "a0 is the error");
	check(rv_hart_reg(h, 11) == (m->ret.legacy ? a[1] : (uint64_t)m->ret.value),
	      "a1 is the value, kept by a legacy call");
	for (i = 12; i < 18; i++)
		check(rv_hart_reg(h, i) == a[i - 10], "a2..a7 are kept");
	check_call(m, a, &before);
}

/* ---- machine mode ---- */

#define KBASE		(RV_RAM_BASE + RV_KERNEL_OFFSET)
#define MACHINE_MEM	(4u << 20)

/* RV64 encodings of what the kernel needs (t0 = x5, t1 = x6) */
#define I_TYPE(imm, rs1, f3, rd, op) \
	((uint32_t)((imm) & 0xfff) << 20 | (rs1) << 15 | (f3) << 12 | (rd) << 7 | (op))
#define AUIPC_T0	0x00000297u
#define ADDI(rd, rs1, imm)	I_TYPE(imm, rs1, 0, rd, 0x13)
#define LD(rd, off)	I_TYPE(off, 5, 3, rd, 0x03)
#define ECALL_I		0x00000073u

static uint32_t jal0(int32_t off)	/* jal x0, off */
{
	uint32_t o = (uint32_t)off;

	return (o >> 20 & 1) << 31 | (o >> 1 & 0x3ff) << 21 |
	       (o >> 11 & 1) << 20 | (o >> 12 & 0xff) << 12 | 0x6f;
}

static uint32_t beqz_t1(int32_t off)	/* beq t1, x0, off */
{
	uint32_t o = (uint32_t)off;

	return (o >> 12 & 1) << 31 | (o >> 5 & 0x3f) << 25 | 0 << 20 |
	       6 << 15 | 0 << 12 | (o >> 1 & 0xf) << 8 | (o >> 11 & 1) << 7 | 0x63;
}

struct kernel {			/* the file, as it is written */
	uint32_t code[64];
	uint64_t table[(MAX_CALLS + 2) * 8];	/* park, the calls, the end */
	int n;				/* instructions so far (not written) */
};

static void emit(struct kernel *k, uint32_t insn)
{
	k->code[k->n++] = insn;
}

/* ld a0..a7 from t0 + @off, ecall */
static void emit_call(struct kernel *k, int off)
{
	int i;

	for (i = 0; i < 8; i++)
		emit(k, LD(10 + i, off + 8 * i));
	emit(k, ECALL_I);
}

/*
 *	0	j main
 *	4	park: auipc t0; ld a0..a7 from the park entry; ecall; j park
 *	main:	auipc t0; addi t0, t0, table + 64 - main; li t1, ncalls
 *	loop:	beqz t1, done; ld a0..a7; ecall; addi t0, 64; addi t1, -1; j loop
 *	done:	ld a0..a7 (the SRST entry); ecall; spin: j spin
 * The table follows the code (256 bytes of it).
 */
static void build_kernel(struct kernel *k, int ncalls)
{
	const int table = sizeof(k->code);
	int park, main_at, loop, done;

	k->n = 0;
	emit(k, 0);			/* j main, patched */
	park = 4 * k->n;
	emit(k, AUIPC_T0);
	emit_call(k, table - park);
	emit(k, jal0(park - 4 * k->n));
	main_at = 4 * k->n;
	k->code[0] = jal0(main_at);
	emit(k, AUIPC_T0);
	emit(k, ADDI(5, 5, table + 64 - main_at));
	emit(k, ADDI(6, 0, ncalls));
	loop = 4 * k->n;
	emit(k, 0);			/* beqz t1, done, patched */
	emit_call(k, 0);
	emit(k, ADDI(5, 5, 64));
	emit(k, ADDI(6, 6, -1));
	emit(k, jal0(loop - 4 * k->n));
	done = 4 * k->n;
	k->code[loop / 4] = beqz_t1(done - loop);
	emit_call(k, 0);
	emit(k, jal0(0));
	check(k->n <= 64, "the kernel fits");
}

static void machine_mode(const uint8_t *data, size_t size)
{
	static struct kernel k;
	struct input in = { data, data + size, KBASE };
	struct vm_config cfg = {
		.mem_size = MACHINE_MEM, .timeout = 0.1, .console_in = -1,
		.console_out = -1, .no_seccomp = 1,
	};
	char path[] = "/tmp/fuzz_rv_sbi-XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char tpath[256];
	struct vm_result res;
	struct err e = { 0 };
	uint64_t *t;
	int n, i, fd, ret;

	cfg.cpus = 1 + next_u8(&in) % MAX_HARTS;
	next_u8(&in);
	memset(&k, 0, sizeof(k));
	/* the park entry: hart_stop */
	k.table[7] = SBI_EXT_HSM;
	k.table[6] = 1;
	for (n = 0; n < MAX_CALLS && in.p < in.end; n++) {
		uint8_t sel = next_u8(&in);

		t = &k.table[8 * (n + 1)];
		t[7] = sel < NEXTS ? exts[sel] : next_raw(&in, 4);
		t[6] = next_u8(&in);
		next_u8(&in);	/* the caller: hart 0 makes every call here */
		for (i = 0; i < 6; i++)
			t[i] = next_arg(&in);
	}
	t = &k.table[8 * (n + 1)];	/* the end: SRST shutdown */
	t[7] = SBI_EXT_SRST;
	build_kernel(&k, n);
	if (tmp && strlen(tmp) < 200) {
		snprintf(tpath, sizeof(tpath), "%s/fuzz_rv_sbi-XXXXXX", tmp);
		fd = mkstemp(tpath);
		cfg.kernel = tpath;
	} else {
		fd = mkstemp(path);
		cfg.kernel = path;
	}
	check(fd >= 0, "a temporary kernel file");
	check(write(fd, &k, offsetof(struct kernel, n)) == (ssize_t)offsetof(struct kernel, n),
	      "the kernel written");
	close(fd);
	ret = vm_rv_run(&cfg, &res, &e);
	if (getenv("FUZZ_RV_SBI_DEBUG"))	/* replaying: keep the kernel */
		fprintf(stderr, "machine: kernel %s, end %d code %d %s\n",
			cfg.kernel, res.how, res.code, res.diag);
	else
		unlink(cfg.kernel);
	check(ret == 0, "the machine runs");
	check(res.how == VM_END_POWEROFF || res.how == VM_END_RESET ||
	      res.how == VM_END_CRASH || res.how == VM_END_TIMEOUT,
	      "the run ends in a known way");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct rv_hart_ops hops = {
		.ctx = &m, .mmio_read = no_mmio, .mmio_write = no_mmio_write,
		.sbi_call = hook, .time = ticks,
	};
	struct rv_hart_cfg cfg = { .ops = &hops };
	struct input in = { data, data + size, RAM_GPA };
	struct rv_hart *h;
	int i, started;

	if (size < 2)
		return 0;
	if (data[0] & 0x80) {
		machine_mode(data, size);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.nharts = 1 + next_u8(&in) % MAX_HARTS;
	started = next_u8(&in);
	for (i = 0; i < m.nharts; i++)
		m.state[i] = started >> i & 1 ? SBI_HSM_STARTED : SBI_HSM_STOPPED;
	/* page-aligned, as a machine's mmap()ed RAM (hart.h) */
	m.ram = aligned_alloc(4096, RAM_SZ);
	check(m.ram != NULL, "RAM");
	memset(m.ram, 0, RAM_SZ);
	m.gmem = (struct gmem){ .r = { { RAM_GPA, RAM_SZ, m.ram } }, .n = 1 };
	m.ops = (struct rv_sbi_ops){
		.ctx = &m, .nharts = m.nharts, .ram = &m.gmem,
		.set_timer = set_timer, .send_ipi = mark, .rfence = mark,
		.hart_start = hart_start, .hart_status = hart_status,
		.hart_stop = hart_stop, .reset = reset,
		.console_write = console_write, .console_read = console_read,
	};
	/* the console reads the input's second half */
	m.console.p = data + size / 2;
	m.console.end = data + size;
	in.end = data + size / 2 > in.p ? data + size / 2 : in.p;
	cfg.ram = &m.gmem;
	h = rv_hart_new(&cfg);
	check(h != NULL, "a hart");
	for (i = 0; i < MAX_CALLS && in.p < in.end; i++)
		one_call(&m, h, &in);
	rv_hart_free(h);
	free(m.ram);
	return 0;
}
