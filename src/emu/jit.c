/*
 * jit -- RV64GC to x86-64 dynamic binary translation (see jit.h).
 *
 * A block (a superblock) is the guest code from one pc up to a jump, an
 * ecall/ebreak/fence.i/illegal instruction, a branch back to its own
 * start, JIT_MAX_INSNS instructions or the end of the guest page (so a
 * block never reads a page the guest would not have reached); a jal
 * into the same page does not end it, the block goes on at its target
 * (jit_follow()).  Conditional branches inside it are side exits; a
 * branch over a single ALU instruction becomes a cmov.  A loop's side
 * exits whose path comes back to its start are its tails, translated
 * after the body with the body's registers (struct jit_tail).  Its host
 * code:
 *
 *	entry:	sub rbp, N		; the run's instruction budget
 *		jle out_of_budget
 *		(a loop -- a block that branches to its start: load its
 *		 registers; the back edge does sub rbp, N and jumps here)
 *		...one host sequence per guest instruction...
 *		jcc side_exit ...	; exit stubs: write back the registers
 *		jmp exit		; dirty there, give back the budget a
 *					; side exit skips, jump on (patched to
 *					; the next block once it is translated)
 *		cold paths		; the helper when an inline F/D
 *					; operation needs it (NaN, frm)
 *
 * Register convention inside translated code: rbx = cpu + 128 (so every
 * x[i] is a disp8 away), r14 = this thread's struct jit in system mode
 * (its first field is the indirect-branch table; a guest register in
 * user mode), r15 = cpu->mem_base (a guest register when that is 0),
 * rbp = the instruction budget; rax, rcx, rdx and xmm0,
 * xmm1, xmm15 are scratch.  sp, a0, a2-a5 are pinned in r12, r13, rsi,
 * rdi, r8, r9 across blocks (the trampoline loads them, the epilogue and
 * helper calls store them); other guest registers live in *cpu between
 * blocks, and within a block the most used ones stay in r10, r11 (r15;
 * r14 in a user mode loop: outside them it holds the jalr table, as in
 * system mode), F registers in xmm2-xmm14 (see jit_alloc()),
 * written back at exits and helper calls.  The stack frame made by the
 * entry trampoline holds the exit's patchable jump at [rsp + 8].
 *
 * A few peepholes translate what compilers emit in fewer host
 * instructions: array indexing (slli [; addi] ; add) as one lea
 * (fuse_lea()), c.mv as a mov, a three-register add as a lea, a quiet
 * F/D compare (frflags; flt.d; fsflags) as the compare and one MXCSR
 * store (fuse_fcmp(), lazy_emit()).
 *
 * Instructions without a host sequence here (single precision, FP
 * conversions, A, most CSRs, ecall, ebreak, illegal) call
 * rv_interp_exec() on a copy of their decoded form: the reference
 * semantics, one instruction, pc in the cpu.
 *
 * Faults: each guest memory access is a fault site in a per-thread
 * table (host code range -> guest pc and which host registers, integer
 * and xmm, hold guest registers newer than *cpu); the SIGSEGV/SIGBUS
 * handler calls rv_jit_fault(), which completes cpu->x, cpu->f and
 * cpu->pc from the signal's ucontext, so a fault leaves cpu exactly as
 * the interpreter would.  Before a helper call the dirty registers are
 * written back and the pc stored (the low half; the first store of a
 * block stores all of it).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "emu/decode.h"
#include "emu/jit.h"
#include "emu/jit_x86.h"

#define JIT_CODE_SIZE	(32u << 20)	/* per thread */
#define JIT_DATA_SIZE	(8u << 20)	/* after the code: system mode's
					 * per-access TLB copies (own pages:
					 * stores there are not near code) */
#define JIT_MAX_INSNS	64
#define JIT_MAX_SIDE	4	/* conditional branches in a block: more cost
				 * start-up (translated, rarely run) for
				 * nothing measurable in bench/emu */
#define JIT_BLOCK_ROOM	(JIT_MAX_INSNS * 1024)	/* bytes one block may take */
#define JIT_HASH_BITS	16	/* at most; a thread starts with ... */
#define JIT_HASH_BITS0	12	/* ... this, and grows by 4x (start-up: a short
				 * process touches a few pages, not 256) */
#define JIT_POOL	(1u << 16)	/* decoded instructions for helpers */
#define JIT_IBTC	4096		/* indirect-branch table entries */
#define JIT_SITES	(1u << 18)	/* fault sites (guest memory accesses) */

#define RBX_BIAS	128
/* the trampoline's frame: [rsp + 8] the exit's site to patch, [rsp + 16]
 * stmxcsr's scratch, [rsp + 20] the MXCSR of a lazy frflags and
 * [rsp + 0] whether x[lazy_a] is owed from it (fflags_lazy()) */
#define LAZY_OWED	0
#define LAZY_MXCSR	20
#define OFF_X(r)	((int32_t)((r) * 8) - RBX_BIAS)
#define OFF_F(r)	((int32_t)(offsetof(struct rv_cpu, f) + (r) * 8) - RBX_BIAS)
#define OFF_PC		((int32_t)offsetof(struct rv_cpu, pc) - RBX_BIAS)
#define OFF_FCSR	((int32_t)offsetof(struct rv_cpu, fcsr) - RBX_BIAS)
#define OFF_TLB		((int32_t)offsetof(struct rv_cpu, tlb) - RBX_BIAS)
#define OFF_TLBGEN	((int32_t)offsetof(struct rv_cpu, tlb_gen) - RBX_BIAS)

/* what the trampoline returns: the budget left, and the exit's rel32
 * field to patch (NULL: not a direct exit; JIT_OUT_OF_BUDGET) */
struct jit_ret {
	int64_t budget;
	uint8_t *site;
};
#define JIT_OUT_OF_BUDGET	((uint8_t *)1)
#define JIT_INTERP_ONE		((uint8_t *)2)	/* frm is not round-to-nearest:
						 * interpret the instruction
						 * at cpu->pc */

typedef struct jit_ret (*jit_enter_fn)(struct rv_cpu *cpu, const uint8_t *code,
				      int64_t budget);

struct jit_ibtc {
	uint64_t pc;		/* odd (never a target) when empty */
	const uint8_t *code;
};

struct jit_hent {
	uint64_t pc;
	uintptr_t key;		/* system mode: what the block was translated
				 * from (see jit_run_sys()); 0 in user mode */
	uint32_t gen;		/* system mode: of its code page (jit_page) */
	uint8_t *code;		/* NULL: empty */
};

/*
 * System mode: the guest code pages blocks were translated from, by host
 * address, each with a copy of its bytes as translated (every live
 * block's bytes equal the copy's).  A fence.i (the guest wrote code)
 * only makes every page suspect (a new epoch); a lookup in a suspect page
 * compares the page with its copy, and when they differ the page's
 * blocks are dropped by a new generation, which block keys include.
 * Linux fences for every static key it patches and every executable
 * page it maps: dropping every translation each time cost more than the
 * translated code saved.
 */
#define JIT_PAGES	4096	/* slots; half full: a flush */
struct jit_page {
	uintptr_t host;		/* the page; 0: empty slot */
	uint32_t gen;
	uint32_t epoch;		/* jit->epoch when last found unchanged */
	uint8_t *copy;
};

/* a guest memory access in translated code: the host instruction at
 * [buf + start, buf + start + len), the guest pc, and which guest
 * register each pool register (jit_pool_regs[]) holds newer than cpu->x
 * (0: none); 24 bytes, as a short process writes thousands (an x86
 * instruction is at most 15 bytes, the cache 32 MiB) */
struct jit_site {
	uint64_t pc;
	uint32_t start : 27;
	uint32_t len : 5;
	uint8_t dirty[10];	/* per pool register (jit_pool_regs) */
	uint16_t fsite;		/* 1 + its F registers in fsites[], or 0 */
};
_Static_assert(sizeof(struct jit_site) == 24, "a fault site's size");
_Static_assert(JIT_CODE_SIZE <= 1u << 27, "a site's start");

/* per xmm register: 1 + the F register it holds newer than cpu->f, or 0 */
struct jit_fsite {
	uint8_t fdirty[16];
	uint8_t lazy;		/* x[lazy] may be owed (see lazy_emit()) */
	/* a load fused with the lea of its address (fuse_lea()): x[lea_x]
	 * = host lea_base + host lea_index << lea_sc + lea_disp, when not 0 */
	uint8_t lea_x, lea_base, lea_index, lea_sc;
	int32_t lea_disp;
};
#define JIT_FSITES	65535u
#define LEA_NOBASE	0xff	/* jit_fsite.lea_base: an lea without one */

struct jit {
	struct jit_ibtc ibtc[JIT_IBTC];	/* first: r14 points here */
	/* system mode: an entry of ibtc[] holds while its ibtc_key[] is
	 * ibtc_now, made of what a lookup checks (the TLB generation and
	 * context, a fence.i's epoch, the FP state; a flush empties ibtc[]),
	 * so going back to a context (U -> S -> U) finds its entries again */
	uint64_t ibtc_key[JIT_IBTC];
	uint64_t ibtc_now;
	uint8_t flush_pending;		/* set by fence.i in translated code */
	uint8_t *buf, *code_start, *cur;
	uint8_t *data_cur;		/* system mode: the next slot (data area) */
	uint8_t *epilogue;		/* a direct exit: [rsp+8] the site */
	uint8_t *epilogue_nochain;	/* after a helper: cpu->x is current */
	uint8_t *epilogue_nochain_st;	/* the pinned registers are not */
	jit_enter_fn enter;
	struct jit_hent *hash;		/* room for 1 << JIT_HASH_BITS */
	unsigned nhash, hbits;		/* entries, the table's size in use */
	struct rv_insn *pool;
	unsigned npool;
	struct jit_site *sites;		/* ascending start */
	unsigned nsites;
	struct jit_fsite *fsites;	/* of the sites with dirty F registers */
	unsigned nfsites;
	struct rv_cpu *cpu;		/* of the current run */
	uint64_t mem_base;		/* the code's: 0 saves an index register */
	int perfmap;			/* fd of /tmp/perf-PID.map, or -1 */
	uint64_t gen;			/* jit_gen when last flushed */
	bool sys;			/* the blocks are system mode ones */
	bool sys_fp;			/* translating: F/D may run inline */
	struct jit_page *pages;		/* system mode: JIT_PAGES slots */
	unsigned npages;
	uint32_t epoch;
	struct jit_page *tr_page;	/* of the block being translated */
	const struct rv_cpu *sys_cpu;	/* the hart the blocks ran for */
	uint64_t nflush;
	int64_t kicked;			/* budget rv_jit_kick() took from rbp */
	int running;			/* user mode: in rv_jit_run() (atomic) */
	pid_t tid;			/* the host thread's */
	uint64_t kicks;			/* rv_jit_kick_signal()s taken */
	struct jit *next_thread;	/* jit_threads */
	struct rv_jit_stats st;
};

/* invalidation: a generation every thread compares against, and the
 * range of guest pcs translated by anyone */
static uint64_t jit_gen;
static uint64_t jit_lo = ~0ull, jit_hi;
static int jit_enabled = -1;		/* -1: ask STRATA_EMU_INTERP */
static __thread struct jit *jit_self;

void rv_jit_set_enabled(int on)
{
	jit_enabled = on;
}

/* The new generation, or 0 when nothing translated is in the range. */
static uint64_t jit_invalidate(uint64_t start, uint64_t len)
{
	uint64_t lo = __atomic_load_n(&jit_lo, __ATOMIC_RELAXED);
	uint64_t hi = __atomic_load_n(&jit_hi, __ATOMIC_RELAXED);

	if (len && start < hi && start + len > lo)
		return __atomic_add_fetch(&jit_gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void rv_jit_invalidate(uint64_t start, uint64_t len)
{
	jit_invalidate(start, len);
}

/*
 * The user-mode threads' caches.  Linux's riscv_flush_icache is done on
 * every hart when it returns: a guest thread that writes code, flushes
 * and then tells another, has that one run the new code.  A thread's
 * blocks (chained, or through the inline jalr table) take a new
 * generation only at its dispatcher: rv_jit_invalidate_sync() waits for
 * that in every other thread inside a run, and hurries each with a kick
 * (a SIGSEGV queued with this process's mark: rv_jit_kick_signal()), as
 * Linux sends the other harts an IPI.  A kick that lands in a blocking
 * call the thread entered meanwhile makes it fail with EINTR: the run
 * loop makes such a call again (rv_jit_kicks()).
 */
static pthread_mutex_t jit_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct jit *jit_threads;

static void jit_thread_link(struct jit *j)
{
	pthread_mutex_lock(&jit_threads_lock);
	j->next_thread = jit_threads;
	jit_threads = j;
	pthread_mutex_unlock(&jit_threads_lock);
}

static void jit_thread_unlink(struct jit *j)
{
	struct jit **pp;

	pthread_mutex_lock(&jit_threads_lock);
	for (pp = &jit_threads; *pp; pp = &(*pp)->next_thread)
		if (*pp == j) {
			*pp = j->next_thread;
			break;
		}
	pthread_mutex_unlock(&jit_threads_lock);
}

/* the mark of a kick: this process's, and an address of strata's */
static void jit_send_kick(pid_t tid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = &jit_threads;
	syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGSEGV, &si);
}

static bool jit_behind(const struct jit *o, uint64_t gen)
{
	return __atomic_load_n(&o->running, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&o->gen, __ATOMIC_ACQUIRE) < gen;
}

void rv_jit_invalidate_sync(uint64_t start, uint64_t len)
{
	uint64_t gen = jit_invalidate(start, len);
	struct jit *o;
	int spins;

	if (!gen)
		return;
	pthread_mutex_lock(&jit_threads_lock);
	for (o = jit_threads; o; o = o->next_thread) {
		if (o == jit_self)
			continue;
		/* a kick lost in a helper or the dispatcher is sent again */
		while (jit_behind(o, gen)) {
			jit_send_kick(o->tid);
			for (spins = 0; spins < 1000 && jit_behind(o, gen); spins++)
				sched_yield();
		}
	}
	pthread_mutex_unlock(&jit_threads_lock);
}

int rv_jit_kick_signal(const siginfo_t *si, void *ucontext)
{
	if (si->si_signo != SIGSEGV || si->si_code != SI_QUEUE ||
	    si->si_pid != getpid() || si->si_value.sival_ptr != &jit_threads)
		return 0;
	if (jit_self)
		jit_self->kicks++;
	rv_jit_kick(ucontext);
	return 1;
}

uint64_t rv_jit_kicks(void)
{
	return jit_self ? jit_self->kicks : 0;
}

void rv_jit_forked(void)
{
	/* the other threads' caches are not the child's to wait for (the
	 * lock may have been held by one of them: made anew) */
	pthread_mutex_init(&jit_threads_lock, NULL);
	jit_threads = jit_self;
	if (jit_self) {
		jit_self->next_thread = NULL;
		jit_self->tid = (pid_t)syscall(SYS_gettid);
	}
}

void rv_jit_invalidate_all(void)
{
	__atomic_add_fetch(&jit_gen, 1, __ATOMIC_RELEASE);
}

void rv_jit_flush_thread(void)
{
	if (jit_self)
		jit_self->flush_pending = 1;
}

static void jit_note_range(uint64_t lo, uint64_t hi)
{
	uint64_t v = __atomic_load_n(&jit_lo, __ATOMIC_RELAXED);

	while (lo < v && !__atomic_compare_exchange_n(&jit_lo, &v, lo, true,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	v = __atomic_load_n(&jit_hi, __ATOMIC_RELAXED);
	while (hi > v && !__atomic_compare_exchange_n(&jit_hi, &v, hi, true,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* ---- the code cache --------------------------------------------------- */

static void jit_flush(struct jit *j)
{
	unsigned i;

	/* empty: odd (never a target), and of another slot's index, as
	 * user mode jumps compare their target before clearing bit 0 */
	for (i = 0; i < JIT_IBTC; i++) {
		j->ibtc[i].pc = (uint64_t)(i ^ 1) << 1 | 1;
		j->ibtc[i].code = NULL;
	}
	if (j->nhash)	/* a new table (calloc) is clear: leave its pages alone */
		memset(j->hash, 0, sizeof(*j->hash) << j->hbits);
	j->nhash = 0;
	j->hbits = JIT_HASH_BITS0;
	j->npool = 0;
	j->nsites = 0;
	j->nfsites = 0;
	j->cur = j->code_start;
	j->data_cur = j->buf + JIT_CODE_SIZE;
	j->flush_pending = 0;
	__atomic_store_n(&j->gen, __atomic_load_n(&jit_gen, __ATOMIC_SEQ_CST),
			 __ATOMIC_RELEASE);
	j->nflush++;
	j->st.flushes++;
}

/* drop every page copy (the blocks must go too: their keys name
 * generations that a page made again would repeat) */
static void jit_pages_clear(struct jit *j)
{
	unsigned i;

	for (i = 0; i < JIT_PAGES && j->npages; i++) {
		if (j->pages[i].host) {
			free(j->pages[i].copy);
			j->npages--;
		}
		j->pages[i].host = 0;
		j->pages[i].copy = NULL;
	}
	j->npages = 0;
}

/* the entry of the code page at @host (page-aligned), made with a copy
 * when new; NULL when the table is half full or out of memory */
static struct jit_page *jit_page(struct jit *j, uintptr_t host)
{
	unsigned mask = JIT_PAGES - 1;
	unsigned i = (unsigned)((host >> 12) * 0x9e3779b97f4a7c15ull >> 52) & mask;
	struct jit_page *p;

	for (;; i = (i + 1) & mask) {
		p = &j->pages[i];
		if (p->host == host)
			return p;
		if (!p->host)
			break;
	}
	if (j->npages >= JIT_PAGES / 2 || !(p->copy = malloc(4096)))
		return NULL;
	p->host = host;
	memcpy(p->copy, (const void *)host, 4096);
	p->gen = 0;
	p->epoch = j->epoch;
	j->npages++;
	return p;
}

/* a lookup in @p: after a fence.i, is the page still what its blocks
 * were translated from? */
static void jit_page_check(struct jit *j, struct jit_page *p)
{
	if (p->epoch == j->epoch)
		return;
	p->epoch = j->epoch;
	if (memcmp(p->copy, (const void *)p->host, 4096)) {
		memcpy(p->copy, (const void *)p->host, 4096);
		p->gen++;
	}
}

/* a block was decoded from @buf, @len bytes at @off in page @p: when
 * they are not the copy's (written without a fence.i since), the page's
 * other blocks go, and the copy takes the block's bytes */
static void jit_page_sync(struct jit_page *p, const uint8_t *buf,
			  unsigned off, unsigned len)
{
	if (!memcmp(p->copy + off, buf, len))
		return;
	memcpy(p->copy, (const void *)p->host, 4096);
	memcpy(p->copy + off, buf, len);
	p->gen++;
}

static unsigned jit_hash(uint64_t pc, unsigned bits)
{
	return (unsigned)((pc >> 1) * 0x9e3779b97f4a7c15ull >> (64 - bits));
}

static uint8_t *jit_lookup(struct jit *j, uint64_t pc, uintptr_t key,
			   uint32_t gen)
{
	unsigned mask = (1u << j->hbits) - 1, i;

	for (i = jit_hash(pc, j->hbits); j->hash[i].code; i = (i + 1) & mask)
		if (j->hash[i].pc == pc && j->hash[i].key == key &&
		    j->hash[i].gen == gen)
			return j->hash[i].code;
	return NULL;
}

static void jit_put(struct jit *j, uint64_t pc, uintptr_t key, uint32_t gen,
		    uint8_t *code)
{
	unsigned mask = (1u << j->hbits) - 1, i;

	for (i = jit_hash(pc, j->hbits); j->hash[i].code; i = (i + 1) & mask)
		;
	j->hash[i].pc = pc;
	j->hash[i].key = key;
	j->hash[i].gen = gen;
	j->hash[i].code = code;
}

/* Half full: 4x the entries in use (the memory is there), or false when
 * it cannot grow (at JIT_HASH_BITS, or no memory for the move). */
static bool jit_hash_grow(struct jit *j)
{
	unsigned n = 1u << j->hbits, i, k = 0;
	struct jit_hent *old;

	if (j->hbits + 2 > JIT_HASH_BITS)
		return false;
	old = malloc(sizeof(*old) * j->nhash);
	if (!old)
		return false;
	for (i = 0; i < n; i++)
		if (j->hash[i].code)
			old[k++] = j->hash[i];
	memset(j->hash, 0, sizeof(*j->hash) * n);
	j->hbits += 2;
	for (i = 0; i < k; i++)
		jit_put(j, old[i].pc, old[i].key, old[i].gen, old[i].code);
	free(old);
	return true;
}

static void jit_insert(struct jit *j, uint64_t pc, uintptr_t key,
		       uint32_t gen, uint8_t *code)
{
	jit_put(j, pc, key, gen, code);
	j->nhash++;
	if (j->nhash >= (1u << j->hbits) / 2)
		jit_hash_grow(j);
}

/*
 * Guest registers in host registers.  A few hot ones are pinned: they
 * live in their host register in every block and across chained jumps,
 * loaded by the entry trampoline and stored by the epilogue (and around
 * helper calls, which read cpu->x).  The rest of the pool is handed out
 * per block to its most used registers (lazily loaded on first use);
 * dirty ones are written back before exits and helper calls (a fault at
 * a memory access finds them through its fault site); after a helper
 * call every loaded one is read again (the caller-saved ones are
 * clobbered, and the helper may have written any x[i]).  rax, rcx, rdx
 * stay scratch.
 */
/* r14 last: a loop that takes it for a guest register gives the jalr
 * table back at each exit (emit_jalr_user()) */
static const int jit_pool_regs[] = {
	R12, R13, RSI, RDI, R8, R9, R10, R11, R15, R14
};
#define JIT_NREGS	((int)(sizeof(jit_pool_regs) / sizeof(jit_pool_regs[0])))
/* sp, a0, a2-a5: gcc's riscv64 code keeps its temporaries in a5, a4, a3
 * first (measured on bench/emu: 6 pinned beat 4 and 7) */
static const uint8_t jit_pin[] = { 2, 10, 14, 15, 12, 13 };
#define JIT_NPIN	((int)sizeof(jit_pin))
#define JIT_PIN_MASK	(1u << 2 | 1u << 10 | 1u << 14 | 1u << 15 | 1u << 12 | 1u << 13)

/* may a block (@loop: a loop) hand out pool register @h?  r15 is free
 * when guest addresses are host addresses (mem_base 0), r14 in a loop
 * in user mode (system mode keeps the table's struct jit there: its
 * jumps look up several fields).  A fourth register paid in loops (sort,
 * tree) but not in straight blocks: words lost 5-10% with it there (a
 * register used twice costs a load and the write-backs in every exit
 * stub, where memory operands cost nothing more) */
static bool jit_pool_free(const struct jit *j, int h, bool loop)
{
	if (h == R15)
		return !j->mem_base;
	if (h == R14)
		return !j->sys && loop;
	return true;
}

/* store (0x89) or load (0x8b) the pinned registers */
static void x_pinned(struct xbuf *b, uint32_t op)
{
	int k;

	for (k = 0; k < JIT_NPIN; k++)
		x_mb(b, XW, op, jit_pool_regs[k], RBX, OFF_X(jit_pin[k]));
}

/* the entry trampoline and the shared exit, at the start of the cache */
static void jit_emit_trampoline(struct jit *j)
{
	static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
	struct xbuf b = { j->buf };
	uint8_t *common;
	int i;

	/* a few int3 first: nothing jumps to the very start of the map */
	for (i = 0; i < 16; i++)
		e8(&b, 0xcc);
	j->enter = (jit_enter_fn)(void *)b.p;
	for (i = 0; i < 6; i++) {		/* push */
		x_pfx(&b, 0, 0, XNOIDX, saved[i]);
		e8(&b, 0x50 + (saved[i] & 7));
	}
	x_alu_ri(&b, XW, ALU_SUB, RSP, 24);	/* 7 pushes + 24: aligned */
	x_mem(&b, 0, 0xc6, 0, RSP, XNOIDX, 0, LAZY_OWED);	/* nothing owed */
	e8(&b, 0);
	x_rr(&b, XW, 0x8b, RBP, RDX);			/* rbp = budget */
	x_mb(&b, XW, 0x8d, RBX, RDI, RBX_BIAS);		/* lea rbx, [rdi+128] */
	x_mb(&b, XW, 0x8b, R15, RDI, offsetof(struct rv_cpu, mem_base));
	x_mov_imm(&b, R14, (uint64_t)(uintptr_t)j);
	x_rr(&b, XW, 0x8b, RAX, RSI);
	x_pinned(&b, 0x8b);
	x_rr(&b, 0, 0xff, 4, RAX);			/* jmp rax */

	j->epilogue_nochain_st = b.p;
	x_pinned(&b, 0x89);
	j->epilogue_nochain = b.p;
	x_mem(&b, XW, 0xc7, 0, RSP, XNOIDX, 0, 8);	/* [rsp+8] = 0 */
	e32(&b, 0);
	common = x_jmp(&b);
	j->epilogue = b.p;
	x_pinned(&b, 0x89);
	x_patch(common, b.p);
	x_rr(&b, XW, 0x8b, RAX, RBP);
	x_mem(&b, XW, 0x8b, RDX, RSP, XNOIDX, 0, 8);
	x_alu_ri(&b, XW, ALU_ADD, RSP, 24);
	for (i = 5; i >= 0; i--) {		/* pop */
		x_pfx(&b, 0, 0, XNOIDX, saved[i]);
		e8(&b, 0x58 + (saved[i] & 7));
	}
	e8(&b, 0xc3);
	j->code_start = (uint8_t *)(((uintptr_t)b.p + 63) & ~(uintptr_t)63);
}

static void jit_free(struct jit *j);

/* a thread that ends without rv_jit_thread_exit() (a hart's) */
static pthread_key_t jit_key;
static pthread_once_t jit_key_once = PTHREAD_ONCE_INIT;

static void jit_key_dtor(void *p)
{
	if (p == jit_self)
		jit_self = NULL;
	jit_free(p);
}

static void jit_key_init(void)
{
	if (pthread_key_create(&jit_key, jit_key_dtor))
		jit_key = (pthread_key_t)-1;
}

static struct jit *jit_get(void)
{
	struct jit *j = jit_self;

	if (j)
		return j;
	pthread_once(&jit_key_once, jit_key_init);
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->hash = calloc(1u << JIT_HASH_BITS, sizeof(*j->hash));
	j->pool = calloc(JIT_POOL, sizeof(*j->pool));
	j->sites = calloc(JIT_SITES, sizeof(*j->sites));
	j->fsites = calloc(JIT_FSITES, sizeof(*j->fsites));
	j->pages = calloc(JIT_PAGES, sizeof(*j->pages));
	j->buf = mmap(NULL, JIT_CODE_SIZE + JIT_DATA_SIZE,
		      PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!j->hash || !j->pool || !j->sites || !j->fsites || !j->pages ||
	    j->buf == MAP_FAILED) {
		if (j->buf != MAP_FAILED)
			munmap(j->buf, JIT_CODE_SIZE + JIT_DATA_SIZE);
		free(j->hash);
		free(j->pool);
		free(j->sites);
		free(j->fsites);
		free(j->pages);
		free(j);
		return NULL;
	}
	jit_emit_trampoline(j);
	jit_flush(j);
	j->st.flushes = 0;
	j->tid = (pid_t)syscall(SYS_gettid);
	jit_thread_link(j);
	jit_self = j;
	if (jit_key != (pthread_key_t)-1)
		pthread_setspecific(jit_key, j);
	return j;
}

void rv_jit_thread_exit(void)
{
	struct jit *j = jit_self;

	if (!j)
		return;
	jit_self = NULL;
	if (jit_key != (pthread_key_t)-1)
		pthread_setspecific(jit_key, NULL);
	jit_free(j);
}

static void jit_free(struct jit *j)
{
	jit_thread_unlink(j);
	munmap(j->buf, JIT_CODE_SIZE + JIT_DATA_SIZE);
	if (j->perfmap > 0)
		close(j->perfmap);
	free(j->hash);
	free(j->pool);
	free(j->sites);
	free(j->fsites);
	jit_pages_clear(j);
	free(j->pages);
	free(j);
}

void rv_jit_get_stats(struct rv_jit_stats *s)
{
	if (jit_self)
		*s = jit_self->st;
	else
		memset(s, 0, sizeof(*s));
}

/* ---- translation ------------------------------------------------------ */

/* a direct exit: its stub writes back the registers dirty there and
 * gives back the budget of the instructions a side exit skips, then
 * jumps on (the jump patched to chain) */
struct jit_exit {
	uint8_t *site;		/* rel32 to the stub */
	uint64_t target;
	uint32_t dirty, fdirty;
	int refund;
	bool lazy;		/* x[lazy_a] may be owed (see fflags_lazy()) */
};

/* the slow path of an inline F/D operation, emitted after the block's
 * exits: the helper on the instruction, then back to the main line */
struct jit_cold {
	uint8_t *from[2];	/* rel32s that jump here */
	int nfrom;
	uint8_t *back;		/* where the main line continues */
	const struct rv_insn *in;	/* the pool's copy */
	uint64_t pc;
	uint32_t dirty, fdirty;		/* to write back first (before the op) */
	uint32_t loaded, floaded;	/* to read again after (the op's state after) */
	int refund;		/* >= 0: not the helper but an exit to the
				 * interpreter (frm), giving back this budget */
	int idx;		/* of the instruction in the block */
	bool lazy;		/* x[lazy_a] may be owed */
	/* system mode memory access: its TLB copy (16 bytes: page, addend),
	 * the add of the addend to come back to, what to probe */
	uint8_t *slot, *addp;
	unsigned len, kind;
	int base;		/* va = base + disp (rax: va itself) */
	int32_t disp;
};


/*
 * A tail of a loop block: the path from one of its side exits back to
 * its start, translated after the body with the body's registers (the
 * state at the branch), so a loop whose rounds take different paths
 * (words: a letter, a space, a word's end) stays in one block.
 */
#define JIT_MAX_TAILS	4
#define JIT_TAIL_LEN	16
struct jit_tail {
	int from;		/* the branch's index */
	int start, end;		/* its instructions: ins[start, end) */
	uint64_t next;		/* the pc after it, when it falls off */
	uint8_t *site;		/* the branch's rel32 */
	/* the translation state at the branch */
	uint32_t loaded, dirty, floaded, fdirty, sx;
	uint64_t pc_stored;
	bool pc_hi_stored, frm_ok, lazy_maybe;
	int done;		/* instructions run when the branch is taken */
};

/*
 * An inner loop of a block: a branch of the body back to an earlier
 * instruction of the body (not the start: that is the block's own loop),
 * as sort's partition loops (while (a[i] < p) i++) inside the block of
 * their outer loop.  The taken branch goes to a stub that writes back
 * what is dirty at the branch and not at the target, pays the rounds'
 * budget and jumps to the target's code (a join: struct jit_join); out
 * of budget, it leaves to the target's pc.
 */
struct jit_join {
	uint8_t *at;		/* the instruction's code, or NULL: no join */
	uint32_t loaded, dirty, floaded, fdirty;	/* the state there */
};

struct jit_back {
	uint8_t *site;		/* the branch's rel32 */
	int k, ran, refund;	/* its target ins[k], k..branch, the refund */
	uint32_t dirty, fdirty;	/* at the branch */
};

struct jit_tr {
	struct xbuf b;
	const struct rv_insn *ins;	/* the block's */
	struct jit *j;
	uint64_t pc;		/* of the instruction being translated */
	uint64_t pc_stored;	/* what cpu->pc holds, as far as we know */
	bool pc_hi_stored;
	int nexits;
	int8_t host[32];	/* host register of guest x[i], or -1 */
	int8_t pool_k[32];	/* ... as an index of jit_pool_regs[] */
	/* not 0: x[pend_x] = host pend_index << pend_sc + pend_disp, a
	 * lea left out (fuse_lea()) that the next fault site records */
	uint8_t pend_x, pend_index, pend_sc;
	int32_t pend_disp;
	uint8_t cmov_rd;	/* not 0: writes of x[cmov_rd] go to rdx (a
				 * cmov's skipped instruction, cmov_compute()) */
	/* not 0: x[fwd_r], in memory, was just stored from host fwd_h, the
	 * last thing emitted (at fwd_at): a read right after takes it from
	 * there (see put()) */
	uint8_t fwd_r;
	int8_t fwd_h;
	uint8_t *fwd_at;
	uint32_t loaded;	/* x[i] is in its host register */
	uint32_t dirty;		/* ... and newer than cpu->x[i] */
	uint64_t pc0;		/* the block's first pc */
	uint8_t *head;		/* loop head (all registers loaded, none
				 * dirty), when the block branches to itself */
	int nloops;
	int idx, n;		/* the instruction being translated, of n */
	int8_t fhost[32];	/* xmm register of guest f[i], or -1 */
	uint32_t floaded, fdirty;
	int nfx;		/* xmm registers handed out */
	int ncold;
	int end;		/* of the part being translated (body, tail) */
	int done_off;		/* instructions run = idx + 1 + done_off */
	int noob;
	uint8_t *oob[JIT_MAX_TAILS + 1];	/* rel32s to the out-of-budget path */
	int skip;		/* the instructions after this one it
				 * translated too (a cmov, a fused lea) */
	bool frm_ok;		/* frm was checked to be round-to-nearest */
	uint32_t sx;		/* x[i] known to be a sign-extended 32-bit value */
	uint8_t sx_rd;		/* 1 + what a fused sequence left in rd's */
	int nslots;		/* system mode: TLB copies of the block */
	int sys_base;		/* the access at [sys_base + rdx + sys_disp] */
	int32_t sys_disp;
	uint8_t *gen_jne;	/* rel32 to the copies' reset, or NULL */
	uint8_t *gen_back;	/* where the reset returns */
	uint8_t *gen_word;	/* the tlb_gen the copies hold for */
	const uint64_t *pcs;	/* the pc of each instruction */
	uint64_t follow;	/* bit i: ins[i] is a jal the block goes
				 * on through (its target is ins[i + 1]) */
	int8_t tail_of[JIT_MAX_INSNS];	/* the tail a branch starts, or -1 */
	uint8_t lazy_a;		/* the register of the block's lazy frflags */
	bool lazy_maybe;	/* ... whose value may be owed here */
	struct jit_tail tails[JIT_MAX_TAILS];
	int8_t back_to[JIT_MAX_INSNS];	/* an inner loop's branch: its target
					 * ins[k], or -1 */
	uint64_t join;		/* bit k: ins[k] is an inner loop's target */
	int nbacks;
	struct jit_back backs[JIT_MAX_SIDE];
	bool r14_guest;		/* user mode: a loop's guest register is in
				 * r14 (else it holds the jalr table) */
	/* the lists, last: only the fields above are cleared per block */
	struct jit_join joins[JIT_MAX_INSNS];
	uint8_t *slots[JIT_MAX_INSNS];
	struct jit_exit exits[JIT_MAX_INSNS + 1];
	struct jit_exit loops[JIT_MAX_INSNS];	/* jumps back to the head */
	struct jit_cold cold[2 * JIT_MAX_INSNS];
};

static void jit_alloc(struct jit_tr *t, const struct rv_insn *ins, int n, bool loop)
{
	unsigned cnt[32] = { 0 }, wi[JIT_MAX_INSNS], w;
	uint8_t cand[32];
	int i, k, r, nc = 0;

	memset(t->host, -1, sizeof(t->host));
	memset(t->pool_k, -1, sizeof(t->pool_k));
	t->loaded = t->dirty = 0;
	memset(t->fhost, -1, sizeof(t->fhost));
	t->floaded = t->fdirty = 0;
	t->nfx = 0;
	/* past each side exit a use counts half as much (it runs less often);
	 * a loop's tail as much as its branch (taken as often as not) */
	for (i = 0, w = 16; i < n; i++) {
		for (k = 0; k < JIT_MAX_TAILS; k++)
			if (t->tails[k].end && t->tails[k].start == i)
				w = wi[t->tails[k].from];
		wi[i] = w;
		cnt[ins[i].rd] += w;
		cnt[ins[i].rs1] += w;
		cnt[ins[i].rs2] += w;
		if (ins[i].op >= RV_OP_BEQ && ins[i].op <= RV_OP_BGEU && w > 2)
			w /= 2;
	}
	cnt[0] = 0;
	for (k = 0; k < JIT_NPIN; k++) {
		cnt[jit_pin[k]] = 0;
		t->host[jit_pin[k]] = (int8_t)jit_pool_regs[k];
		t->pool_k[jit_pin[k]] = (int8_t)k;
	}
	t->loaded = JIT_PIN_MASK;
	/* the candidates (used twice or more: once, memory operands do), in
	 * register order; a short block has few, and this runs per block */
	for (r = 1; r < 32; r++)
		if (cnt[r] > (loop ? 0u : 16u))	/* a loop loads them once */
			cand[nc++] = (uint8_t)r;
	for (k = JIT_NPIN; k < JIT_NREGS && nc; k++) {
		int best = 0;

		if (!jit_pool_free(t->j, jit_pool_regs[k], loop))
			continue;

		for (i = 1; i < nc; i++)	/* the first of the most used */
			if (cnt[cand[i]] > cnt[cand[best]])
				best = i;
		t->host[cand[best]] = (int8_t)jit_pool_regs[k];
		t->pool_k[cand[best]] = (int8_t)k;
		memmove(&cand[best], &cand[best + 1], nc - best - 1);
		nc--;
	}
}

static void mov_rr(struct jit_tr *t, int d, int s);

/* is x[r] (in memory) still in the host register it was stored from?
 * Only when nothing was emitted since: no other path joins there (put()
 * records it, emit_insn() forgets it after instructions that may branch
 * inside their code) */
static bool fwd_ok(const struct jit_tr *t, unsigned r)
{
	return r && t->fwd_r == r && t->fwd_at == t->b.p;
}

/* a host register holding x[r]: its own, or @scratch loaded */
static int gx(struct jit_tr *t, unsigned r, int scratch)
{
	int h = t->host[r];

	if (!r) {
		x_rr(&t->b, 0, 0x31, scratch, scratch);	/* xor */
		return scratch;
	}
	if (h < 0) {
		if (fwd_ok(t, r)) {
			mov_rr(t, scratch, t->fwd_h);
			t->fwd_at = t->b.p;
			return scratch;
		}
		x_mb(&t->b, XW, 0x8b, scratch, RBX, OFF_X(r));
		return scratch;
	}
	if (!(t->loaded >> r & 1)) {
		x_mb(&t->b, XW, 0x8b, h, RBX, OFF_X(r));
		t->loaded |= 1u << r;
	}
	return h;
}

/* where to compute a new x[r]: its host register, or @scratch */
static int dreg(struct jit_tr *t, unsigned r, int scratch)
{
	if (r && r == t->cmov_rd)
		return RDX;
	return r && t->host[r] >= 0 ? t->host[r] : scratch;
}

/* x[r] = host register h */
static void put(struct jit_tr *t, unsigned r, int h)
{
	int d;

	if (!r)
		return;
	if (r == t->cmov_rd) {
		if (h != RDX)
			x_rr(&t->b, XW, 0x8b, RDX, h);
		return;
	}
	d = t->host[r];
	if (d < 0) {
		/* a register without a host one, read by the next
		 * instruction (sort: add a6, s2, a5; lw a3, 0(a6)), would
		 * wait for this store to forward to its load */
		x_mb(&t->b, XW, 0x89, h, RBX, OFF_X(r));
		t->fwd_r = (uint8_t)r;
		t->fwd_h = (int8_t)h;
		t->fwd_at = t->b.p;
		return;
	}
	if (d != h)
		x_rr(&t->b, XW, 0x8b, d, h);
	t->loaded |= 1u << r;
	t->dirty |= 1u << r;
}

/* "op reg, x[r]": register direct when x[r] has a host register */
static void op_x(struct jit_tr *t, unsigned f, uint32_t op, int reg, unsigned r)
{
	if (r && t->host[r] >= 0)
		x_rr(&t->b, f, op, reg, gx(t, r, RCX));
	else if (fwd_ok(t, r))
		x_rr(&t->b, f, op, reg, t->fwd_h);
	else
		x_mb(&t->b, f, op, reg, RBX, OFF_X(r));
}

static void mov_rr(struct jit_tr *t, int d, int s)
{
	if (d != s)
		x_rr(&t->b, XW, 0x8b, d, s);
}

/* write the dirty registers back to cpu->x */
static void wb_masks(struct jit_tr *t, uint32_t dirty, uint32_t fdirty)
{
	unsigned r;

	for (r = 1; r < 32; r++)
		if (dirty >> r & 1)
			x_mb(&t->b, XW, 0x89, t->host[r], RBX, OFF_X(r));
	for (r = 0; r < 32; r++)
		if (fdirty >> r & 1)	/* movsd [f], xmm */
			x_mb(&t->b, XF2, 0x0f11, t->fhost[r], RBX, OFF_F(r));
}

static void wb(struct jit_tr *t)
{
	wb_masks(t, t->dirty & ~JIT_PIN_MASK, t->fdirty);
	t->dirty = 0;
	t->fdirty = 0;
}

static void reload_masks(struct jit_tr *t, uint32_t loaded, uint32_t floaded)
{
	unsigned r;

	for (r = 1; r < 32; r++)
		if (loaded >> r & 1)
			x_mb(&t->b, XW, 0x8b, t->host[r], RBX, OFF_X(r));
	for (r = 0; r < 32; r++)
		if (floaded >> r & 1)	/* movsd xmm, [f] */
			x_mb(&t->b, XF2, 0x0f10, t->fhost[r], RBX, OFF_F(r));
}

/* after a helper call: read every loaded register again (every xmm
 * register is caller-saved, and the helper may write any x[i], f[i]) */
static void reload(struct jit_tr *t)
{
	reload_masks(t, t->loaded, t->floaded);
}

/*
 * Guest F registers in xmm registers: handed out on first use in a
 * block (xmm2-xmm14; xmm0, xmm1 and xmm15 are scratch), loaded lazily,
 * written back with the integer ones.  Only the operations translated
 * inline touch them; helpers see cpu->f.
 */
#define XMM_FIRST	2
#define XMM_LAST	14
#define XMM_S0		0
#define XMM_S1		1
#define XMM_S2		15

static int fhost_of(struct jit_tr *t, unsigned r)
{
	if (t->fhost[r] < 0 && XMM_FIRST + t->nfx <= XMM_LAST)
		t->fhost[r] = (int8_t)(XMM_FIRST + t->nfx++);
	return t->fhost[r];
}

/* an xmm register holding f[r]: its own, or @scratch loaded */
static int gf(struct jit_tr *t, unsigned r, int scratch)
{
	int h = fhost_of(t, r);

	if (h < 0) {
		x_mb(&t->b, XF2, 0x0f10, scratch, RBX, OFF_F(r));
		return scratch;
	}
	if (!(t->floaded >> r & 1)) {
		x_mb(&t->b, XF2, 0x0f10, h, RBX, OFF_F(r));
		t->floaded |= 1u << r;
	}
	return h;
}

/* where to compute a new f[r]: its xmm register, or @scratch */
static int fdst(struct jit_tr *t, unsigned r, int scratch)
{
	int h = fhost_of(t, r);

	return h < 0 ? scratch : h;
}

static void movapd(struct jit_tr *t, int d, int s)
{
	if (d != s)
		x_rr(&t->b, X66, 0x0f28, d, s);
}

/* f[r] = xmm h */
static void putf(struct jit_tr *t, unsigned r, int h)
{
	int d = fhost_of(t, r);

	if (d < 0) {
		x_mb(&t->b, XF2, 0x0f11, h, RBX, OFF_F(r));
		return;
	}
	movapd(t, d, h);
	t->floaded |= 1u << r;
	t->fdirty |= 1u << r;
}

static void ld(struct jit_tr *t, int h, unsigned r)
{
	mov_rr(t, h, gx(t, r, h));
}

static void st(struct jit_tr *t, int h, unsigned r)
{
	put(t, r, h);
}

/* cpu->pc = t->pc: the whole value once per block, then the low half */
static void sync_pc(struct jit_tr *t)
{
	if (t->pc_hi_stored && t->pc_stored == t->pc)
		return;
	if (t->pc_hi_stored && (t->pc_stored >> 32) == (t->pc >> 32)) {
		x_mb(&t->b, 0, 0xc7, 0, RBX, OFF_PC);
		e32(&t->b, (uint32_t)t->pc);
	} else {
		x_mov_imm(&t->b, RAX, t->pc);
		x_mb(&t->b, XW, 0x89, RAX, RBX, OFF_PC);
	}
	t->pc_stored = t->pc;
	t->pc_hi_stored = true;
}

static void exit_direct(struct jit_tr *t, uint8_t *site, uint64_t target)
{
	struct jit_exit *e = t->head && target == t->pc0 ?
		&t->loops[t->nloops++] : &t->exits[t->nexits++];

	e->site = site;
	e->target = target;
	e->dirty = t->dirty & ~JIT_PIN_MASK;
	e->fdirty = t->fdirty;
	e->refund = t->n - (t->idx + 1 + t->done_off);
	e->lazy = t->lazy_maybe;
}

/* a branch to a tail: what the tail starts from */
static void tail_fork(struct jit_tr *t, struct jit_tail *tl, uint8_t *site)
{
	tl->site = site;
	tl->loaded = t->loaded;
	tl->dirty = t->dirty;
	tl->floaded = t->floaded;
	tl->fdirty = t->fdirty;
	tl->sx = t->sx;
	tl->pc_stored = t->pc_stored;
	tl->pc_hi_stored = t->pc_hi_stored;
	tl->frm_ok = t->frm_ok;
	tl->lazy_maybe = t->lazy_maybe;
	tl->done = t->idx + 1 + t->done_off;
}

/* is the branch being translated an inner loop's, whose target's code
 * holds (what is loaded there is loaded here too)? */
static bool back_ok(const struct jit_tr *t)
{
	const struct jit_join *jn;
	int k = t->back_to[t->idx];

	if (k < 0 || t->done_off || t->nbacks == JIT_MAX_SIDE)
		return false;
	jn = &t->joins[k];
	return jn->at && (t->loaded & jn->loaded) == jn->loaded &&
	       (t->floaded & jn->floaded) == jn->floaded;
}

static void back_fork(struct jit_tr *t, uint8_t *site)
{
	struct jit_back *bk = &t->backs[t->nbacks++];

	t->j->st.inner++;
	bk->site = site;
	bk->k = t->back_to[t->idx];
	bk->ran = t->idx + 1 - bk->k;
	bk->refund = t->n - (t->idx + 1);
	bk->dirty = t->dirty & ~JIT_PIN_MASK;
	bk->fdirty = t->fdirty;
}

/* ins[k] is an inner loop's target: a join, where the translation state
 * must hold for the rounds too (what it knows of sign extensions, the
 * pc stored, frm, a forwarded register, is forgotten) */
static void join_mark(struct jit_tr *t, int k)
{
	struct jit_join *jn = &t->joins[k];

	jn->at = NULL;
	if (t->lazy_a || t->pend_x || t->cmov_rd)
		return;
	jn->at = t->b.p;
	jn->loaded = t->loaded;
	jn->dirty = t->dirty & ~JIT_PIN_MASK;
	jn->floaded = t->floaded;
	jn->fdirty = t->fdirty;
	t->sx = 1;
	t->pc_hi_stored = false;
	t->frm_ok = false;
	t->fwd_r = 0;
}

/* the stubs of the inner loops' branches: write back what the join does
 * not have dirty, pay the round, go to the join; out of budget, an exit
 * to its pc */
static void back_stubs(struct jit_tr *t)
{
	int i;

	for (i = 0; i < t->nbacks; i++) {
		const struct jit_back *bk = &t->backs[i];
		const struct jit_join *jn = &t->joins[bk->k];
		struct jit_exit *e;

		x_patch(bk->site, t->b.p);
		wb_masks(t, bk->dirty & ~jn->dirty, bk->fdirty & ~jn->fdirty);
		x_rr(&t->b, XW, 0x83, 5, RBP);		/* sub rbp, ran */
		e8(&t->b, (uint8_t)bk->ran);
		x_patch(x_jcc(&t->b, CC_G), jn->at);
		x_rr(&t->b, XW, 0x83, 0, RBP);		/* add rbp, ran */
		e8(&t->b, (uint8_t)bk->ran);
		e = &t->exits[t->nexits++];
		e->site = x_jmp(&t->b);
		e->target = t->pcs[bk->k];
		e->dirty = bk->dirty & jn->dirty;
		e->fdirty = bk->fdirty & jn->fdirty;
		e->refund = bk->refund;
		e->lazy = false;
	}
}

/* op reg, [rip + target]; @imm bytes of immediate follow the
 * displacement (rip is the end of the instruction) */
static void x_rip(struct xbuf *b, unsigned f, uint32_t op, int reg,
		  const uint8_t *target, unsigned imm)
{
	x_pfx(b, f, reg, XNOIDX, 0);
	x_opc(b, op);
	e8(b, (uint8_t)((reg & 7) << 3 | 5));
	e32(b, (uint32_t)(int32_t)(target - (b->p + 4 + imm)));
}

/*
 * System mode: the address of an access of @len bytes at x[rs1] + imm,
 * translated to a host address in rax.  Each access has its own copy of
 * the TLB entry it last hit (a "slot" in the data area: page, addend),
 * checked first: the host address then costs one add after the
 * address (the TLB probe's index and loads sit on the path of a loop
 * that loads through a value it computed, as a table-driven CRC does).
 * A block's slots hold for the cpu->tlb_gen it checks at entry.  A miss,
 * or an access not aligned to its size (it could cross a page), goes to
 * a cold path: the TLB probe, which fills the slot, and on a TLB miss
 * the interpreter on the instruction (the hart's hooks: page walk, MMIO,
 * the fault), then back after the access (sys_tlb_done()).
 */
static struct jit_cold *sys_tlb(struct jit_tr *t, const struct rv_insn *in,
				unsigned kind, unsigned len)
{
	struct xbuf *b = &t->b;
	struct jit *j = t->j;
	struct rv_insn *copy = &j->pool[j->npool++];
	struct jit_cold *c = &t->cold[t->ncold++];
	uint8_t *slot = j->data_cur;
	int a = gx(t, in->rs1, RAX);

	j->data_cur += 16;
	memset(slot, 0, 16);
	slot[0] = 1;			/* never a page: empty */
	t->slots[t->nslots++] = slot;
	*copy = *in;
	c->nfrom = 0;
	c->refund = -1;
	c->idx = t->idx;
	c->in = copy;
	c->pc = t->pc;
	c->dirty = t->dirty;
	c->fdirty = t->fdirty;
	c->slot = slot;
	c->lazy = false;
	c->len = len;
	c->kind = kind;
	if (a == RAX && in->imm)	/* rax is a copy of x[rs1]: va */
		x_mb(b, XW, 0x8d, RAX, RAX, in->imm);
	c->base = a;
	c->disp = a == RAX ? 0 : in->imm;
	if (c->disp)
		x_mb(b, XW, 0x8d, RDX, a, c->disp);		/* lea rdx, va */
	else
		x_rr(b, XW, 0x8b, RDX, a);
	x_alu_ri(b, XW, ALU_AND, RDX, -4096);
	x_rip(b, XW, ALU_RM(ALU_CMP), RDX, slot, 0);		/* page */
	c->from[c->nfrom++] = x_jcc(b, CC_NE);
	if (len > 1) {		/* aligned: no page crossing */
		int v = a;

		if (c->disp & (len - 1)) {
			x_mb(b, 0, 0x8d, RCX, a, c->disp);
			v = RCX;
		}
		x_rr(b, 0, 0xf7, 0, v);				/* test v, len-1 */
		e32(b, len - 1);
		c->from[c->nfrom++] = x_jcc(b, CC_NE);
	}
	/* the access is [x[rs1] + addend + imm]: the checks above are
	 * predicted, so the loaded value waits only on x[rs1] */
	c->addp = b->p;
	x_rip(b, XW, 0x8b, RDX, slot + 8, 0);			/* addend */
	t->sys_base = a;
	t->sys_disp = a == RAX ? 0 : in->imm;
	return c;
}

/* the cold path's TLB probe (rax = va): a hit fills the slot and goes
 * back to the add; a miss falls through to the helper */
static void sys_tlb_cold(struct jit_tr *t, const struct jit_cold *c)
{
	struct xbuf *b = &t->b;
	int32_t e = (int32_t)(c->kind * RV_SYS_TLB_SIZE * 16);
	uint8_t *miss;

	if (c->base != RAX)		/* the helper and the probe want va */
		x_mb(b, XW, 0x8d, RAX, c->base, c->disp);
	x_rr(b, 0, 0x8b, RCX, RAX);
	x_shift_ri(b, 0, SH_SHR, RCX, 8);
	x_alu_ri(b, 0, ALU_AND, RCX, (RV_SYS_TLB_SIZE - 1) << 4);
	x_mb(b, XW, ALU_RM(ALU_ADD), RCX, RBX, OFF_TLB);	/* the entry */
	/* the entry of va's page must hold the page of the last byte:
	 * that also rules out crossing into the next page */
	x_mb(b, XW, 0x8d, RDX, RAX, (int32_t)c->len - 1);
	x_alu_ri(b, XW, ALU_AND, RDX, -4096);
	x_mb(b, XW, ALU_RM(ALU_CMP), RDX, RCX, e);
	miss = x_jcc(b, CC_NE);
	x_mb(b, XW, 0x8b, RDX, RCX, e + 8);
	x_rip(b, XW, 0x89, RDX, c->slot + 8, 0);
	x_mb(b, XW, 0x8b, RDX, RCX, e);
	x_rip(b, XW, 0x89, RDX, c->slot, 0);
	x_patch(x_jmp(b), c->addp);
	x_patch(miss, b->p);
}

/* at block entry: the slots hold for this tlb_gen, or are emptied */
static void sys_gen_check(struct jit_tr *t)
{
	struct xbuf *b = &t->b;

	t->gen_word = t->j->data_cur;
	t->j->data_cur += 16;
	memset(t->gen_word, 0xff, 8);
	x_mb(b, XW, 0x8b, RCX, RBX, OFF_TLBGEN);
	x_rip(b, XW, ALU_RM(ALU_CMP), RCX, t->gen_word, 0);
	t->gen_jne = x_jcc(b, CC_NE);
	t->gen_back = b->p;
}

static void sys_gen_reset(struct jit_tr *t)
{
	struct xbuf *b = &t->b;
	int i;

	if (!t->gen_jne)
		return;
	x_patch(t->gen_jne, b->p);
	for (i = 0; i < t->nslots; i++) {	/* mov qword [slot], 1 */
		x_rip(b, XW, 0xc7, 0, t->slots[i], 4);
		e32(b, 1);
	}
	x_rip(b, XW, 0x89, RCX, t->gen_word, 0);
	x_patch(x_jmp(b), t->gen_back);
}

static void sys_tlb_done(struct jit_tr *t, struct jit_cold *c)
{
	if (!c)
		return;
	c->back = t->b.p;
	c->loaded = t->loaded;
	c->floaded = t->floaded;
}

/* the access itself, recorded as a fault site: the dirty registers stay
 * in host registers, and rv_jit_fault() finds them there.  System mode:
 * at [rax], a TLB hit (never faults). */
static struct jit_fsite *emit_site(struct jit_tr *t, unsigned f, uint32_t op,
				   int reg, int base, int index, int sc,
				   int32_t disp, bool fsite);

static void emit_mem(struct jit_tr *t, unsigned f, uint32_t op, int reg,
		     int base, const struct rv_insn *in)
{
	if (t->j->sys) {
		x_mem(&t->b, f, op, reg, t->sys_base, RDX, 0, t->sys_disp);
		return;
	}
	emit_site(t, f, op, reg, base, t->j->mem_base ? R15 : XNOIDX, 0, in->imm,
		  false);
}

/* user mode: the access at [base + index << sc + disp] as a fault site;
 * its F registers' entry (made when @fsite too) */
static struct jit_fsite *emit_site(struct jit_tr *t, unsigned f, uint32_t op,
				   int reg, int base, int index, int sc,
				   int32_t disp, bool fsite)
{
	struct jit *j = t->j;
	struct jit_fsite *fs = NULL;
	struct jit_site *s;
	uint32_t m;
	unsigned r;

	s = &j->sites[j->nsites++];

	memset(s, 0, sizeof(*s));
	s->start = (uint32_t)(t->b.p - j->buf);
	s->pc = t->pc;
	for (m = (t->dirty | JIT_PIN_MASK) & ~1u; m; m &= m - 1) {	/* the dirty ones only */
		r = (unsigned)__builtin_ctz(m);
		if (t->pool_k[r] >= 0)
			s->dirty[t->pool_k[r]] = (uint8_t)r;
	}
	if (t->fdirty || t->lazy_maybe || fsite || t->pend_x) {
		fs = &j->fsites[j->nfsites++];
		memset(fs, 0, sizeof(*fs));
		s->fsite = (uint16_t)j->nfsites;
		fs->lazy = t->lazy_maybe ? t->lazy_a : 0;
		for (m = t->fdirty; m; m &= m - 1) {
			r = (unsigned)__builtin_ctz(m);
			fs->fdirty[t->fhost[r]] = (uint8_t)(r + 1);
		}
		if (t->pend_x) {
			fs->lea_x = t->pend_x;
			fs->lea_base = LEA_NOBASE;
			fs->lea_index = t->pend_index;
			fs->lea_sc = t->pend_sc;
			fs->lea_disp = t->pend_disp;
			t->pend_x = 0;
		}
	}
	x_mem(&t->b, f, op, reg, base, index, sc, disp);
	s->len = (uint8_t)(t->b.p - j->buf - s->start);
	return fs;
}

/* the access's base: x[rs1] in a host register ([base + r15 + imm]);
 * system mode: the host address in rax after the TLB probe (*c: its
 * cold path) */
static int addr(struct jit_tr *t, const struct rv_insn *in,
		struct jit_cold **c)
{
	static const uint8_t len[] = {
		[RV_OP_LB - RV_OP_LB] = 1, [RV_OP_LH - RV_OP_LB] = 2,
		[RV_OP_LW - RV_OP_LB] = 4, [RV_OP_LD - RV_OP_LB] = 8,
		[RV_OP_LBU - RV_OP_LB] = 1, [RV_OP_LHU - RV_OP_LB] = 2,
		[RV_OP_LWU - RV_OP_LB] = 4, [RV_OP_SB - RV_OP_LB] = 1,
		[RV_OP_SH - RV_OP_LB] = 2, [RV_OP_SW - RV_OP_LB] = 4,
		[RV_OP_SD - RV_OP_LB] = 8,
	};
	unsigned op = in->op, n, kind;

	*c = NULL;
	if (!t->j->sys)
		return gx(t, in->rs1, RAX);
	if (op >= RV_OP_LB && op <= RV_OP_SD)
		n = len[op - RV_OP_LB];
	else
		n = op == RV_OP_FLD || op == RV_OP_FSD ? 8 : 4;
	kind = (op >= RV_OP_SB && op <= RV_OP_SD) || op == RV_OP_FSW ||
	       op == RV_OP_FSD ? 1 : 0;
	*c = sys_tlb(t, in, kind, n);
	return t->sys_base;
}

/*
 * System mode, cpu->pc = rax = a jump's target in another page (or any
 * page: jalr): through the indirect-branch table when its entry holds
 * for the lookup state of now (else the dispatcher checks the target).
 * The registers are written back, the pinned ones live.
 */
static void sys_ibtc_jump(struct jit_tr *t)
{
	struct xbuf *b = &t->b;

	x_rr(b, 0, 0x8b, RCX, RAX);
	x_alu_ri(b, 0, ALU_AND, RCX, (JIT_IBTC - 1) << 1);
	x_mem(b, XW, ALU_RM(ALU_CMP), RAX, R14, RCX, 3, 0);
	x_patch(x_jcc(b, CC_NE), t->j->epilogue_nochain_st);
	x_mem(b, XW, 0x8b, RDX, R14, RCX, 2,
	      (int32_t)offsetof(struct jit, ibtc_key));
	x_mb(b, XW, ALU_RM(ALU_CMP), RDX, R14,
	     (int32_t)offsetof(struct jit, ibtc_now));
	x_patch(x_jcc(b, CC_NE), t->j->epilogue_nochain_st);
	x_mem(b, 0, 0xff, 4, R14, RCX, 3, 8);		/* jmp [..+8] */
}

/* x[rd] = sext32(low half of h) */
static void sext_put(struct jit_tr *t, unsigned rd, int h)
{
	int d = dreg(t, rd, RAX);

	x_rr(&t->b, XW, 0x63, d, h);		/* movsxd d, h */
	put(t, rd, d);
}

/* the M division family with RISC-V's results for x/0 and MIN/-1 */
static void emit_div(struct jit_tr *t, const struct rv_insn *in)
{
	struct xbuf *b = &t->b;
	unsigned op = in->op;
	bool w = op >= RV_OP_DIVW, rem = op == RV_OP_REM || op == RV_OP_REMU ||
		op == RV_OP_REMW || op == RV_OP_REMUW;
	bool sgn = op == RV_OP_DIV || op == RV_OP_REM || op == RV_OP_DIVW ||
		op == RV_OP_REMW;
	unsigned f = w ? 0 : XW;
	uint8_t *jz, *jnm1 = NULL, *jd1, *jd2 = NULL;

	ld(t, RAX, in->rs1);
	ld(t, RCX, in->rs2);
	x_rr(b, f, 0x85, RCX, RCX);		/* test rcx, rcx */
	jz = x_jcc(b, CC_E);
	if (sgn) {
		x_alu_ri(b, f, ALU_CMP, RCX, -1);
		jnm1 = x_jcc(b, CC_NE);
		if (rem)
			x_rr(b, 0, 0x31, RAX, RAX);	/* x % -1 = 0 */
		else
			x_rr(b, f, 0xf7, 3, RAX);	/* neg: MIN / -1 = MIN */
		jd2 = x_jmp(b);
		x_patch(jnm1, b->p);
		if (w)
			e8(b, 0x99);			/* cdq */
		else {
			e8(b, 0x48);
			e8(b, 0x99);			/* cqo */
		}
		x_rr(b, f, 0xf7, 7, RCX);		/* idiv */
	} else {
		x_rr(b, 0, 0x31, RDX, RDX);
		x_rr(b, f, 0xf7, 6, RCX);		/* div */
	}
	if (rem)
		x_rr(b, XW, 0x8b, RAX, RDX);		/* mov rax, rdx */
	jd1 = x_jmp(b);
	x_patch(jz, b->p);				/* divisor 0 */
	if (!rem)
		x_mov_imm(b, RAX, ~0ull);
	x_patch(jd1, b->p);
	if (jd2)
		x_patch(jd2, b->p);
	if (w)
		x_rr(b, XW, 0x63, RAX, RAX);		/* sext32 */
	st(t, RAX, in->rd);
}

/*
 * fflags of translated F/D arithmetic: the host's MXCSR exception bits
 * gather them, and they are folded into cpu->fcsr before anything else
 * reads or clears the flags (a helper call, the end of a run).
 */
static void jit_fold_fflags(struct rv_cpu *cpu)
{
	unsigned m = __builtin_ia32_stmxcsr(), fl = 0;

	if (!(m & 0x3d))
		return;
	if (m & 0x01)
		fl |= RV_FFLAG_NV;
	if (m & 0x04)
		fl |= RV_FFLAG_DZ;
	if (m & 0x08)
		fl |= RV_FFLAG_OF;
	if (m & 0x10)
		fl |= RV_FFLAG_UF;
	if (m & 0x20)
		fl |= RV_FFLAG_NX;
	cpu->fcsr |= fl;
	__builtin_ia32_ldmxcsr(m & ~0x3fu);
}

/* RISC-V fflags of MXCSR's exception bits (IE DE ZE OE UE PE) */
#define MXF(m)	(((m) & 0x01 ? RV_FFLAG_NV : 0) | ((m) & 0x04 ? RV_FFLAG_DZ : 0) | \
		 ((m) & 0x08 ? RV_FFLAG_OF : 0) | ((m) & 0x10 ? RV_FFLAG_UF : 0) | \
		 ((m) & 0x20 ? RV_FFLAG_NX : 0))
#define MXF4(m)		MXF(m), MXF((m) + 1), MXF((m) + 2), MXF((m) + 3)
#define MXF16(m)	MXF4(m), MXF4((m) + 4), MXF4((m) + 8), MXF4((m) + 12)
static const uint8_t jit_mxcsr_fflags[64] = {
	MXF16(0), MXF16(16), MXF16(32), MXF16(48)
};

/*
 * frflags/fsflags/frcsr/fscsr (csrrs rd, csr, x0 and csrrw) of fflags or
 * fcsr, inline: the flags MXCSR gathered since the last fold count as
 * set without folding them (reads), and a write clears them in MXCSR.
 * [rsp + 16] of the trampoline's frame is the scratch for stmxcsr.
 */
static bool emit_fcsr(struct jit_tr *t, const struct rv_insn *in)
{
	struct xbuf *b = &t->b;
	unsigned num = (uint32_t)in->imm & 0xfff, mask;
	bool wr = in->op == RV_OP_CSRRW;
	uint8_t *skip;
	int d;

	if (num != RV_CSR_FFLAGS && num != RV_CSR_FCSR)
		return false;
	if (!wr && !(in->op == RV_OP_CSRRS && in->rs1 == 0))
		return false;
	mask = num == RV_CSR_FFLAGS ? 0x1f : 0xff;
	x_mem(b, 0, 0x0fae, 3, RSP, XNOIDX, 0, 16);	/* stmxcsr [rsp+16] */
	x_mem(b, 0, 0x0fb6, RAX, RSP, XNOIDX, 0, 16);	/* movzx eax, byte */
	x_alu_ri(b, 0, ALU_AND, RAX, 0x3f);
	if (in->rd) {
		x_mov_imm(b, RCX, (uint64_t)(uintptr_t)jit_mxcsr_fflags);
		x_mem(b, 0, 0x0fb6, RDX, RCX, RAX, 0, 0);	/* movzx edx, [rcx+rax] */
		x_mb(b, 0, ALU_RM(ALU_OR), RDX, RBX, OFF_FCSR);
		x_alu_ri(b, 0, ALU_AND, RDX, (int32_t)mask);	/* edx = old value */
	}
	if (wr) {
		t->frm_ok = false;
		ld(t, RCX, in->rs1);
		x_rr(b, 0, 0x85, RAX, RAX);			/* test eax, eax */
		skip = x_jcc(b, CC_E);
		x_mem(b, 0, 0x81, 4, RSP, XNOIDX, 0, 16);	/* and [rsp+16], ~0x3f */
		e32(b, ~0x3fu);
		x_mem(b, 0, 0x0fae, 2, RSP, XNOIDX, 0, 16);	/* ldmxcsr [rsp+16] */
		x_patch(skip, b->p);
		x_alu_ri(b, 0, ALU_AND, RCX, (int32_t)mask);
		if (mask != 0xff) {
			x_mb(b, 0, 0x8b, RAX, RBX, OFF_FCSR);
			x_alu_ri(b, 0, ALU_AND, RAX, (int32_t)~mask);
			x_rr(b, 0, ALU_RM(ALU_OR), RCX, RAX);
		}
		x_mb(b, 0, 0x89, RCX, RBX, OFF_FCSR);
	}
	if (in->rd) {
		d = dreg(t, in->rd, RDX);
		mov_rr(t, d, RDX);
		put(t, in->rd, d);
	}
	return true;
}

static bool is_fflags_op(const struct rv_insn *in, unsigned op)
{
	return in->op == op && ((uint32_t)in->imm & 0xfff) == RV_CSR_FFLAGS;
}

/*
 * frflags a; f{lt,le,eq}.d c, x, y; fsflags a -- a compare that must not
 * raise (isless() and friends; glibc's sqrt checks its argument so).
 * Read one by one, that is two stmxcsr and an ldmxcsr (fsflags clears
 * what MXCSR gathered), each waiting for the FP work in flight: in
 * nbody's loop they took most of the time.  With ordered operands the
 * compare raises nothing (DE has no RISC-V flag), so fsflags would
 * write back what frflags read: only the read remains.  Unordered ones
 * go to a cold path that runs the fsflags itself (the helper folds
 * MXCSR, the compare's NV with it, then sets fflags = a).  Returns the
 * instructions after @in it translated.
 */
static bool fcmp_pattern(const struct rv_insn *in)
{
	const struct rv_insn *cmp = in + 1, *set = in + 2;
	unsigned op = cmp->op;

	return in->rd && !in->rs1 && is_fflags_op(in, RV_OP_CSRRS) &&
	       (op == RV_OP_FLT_D || op == RV_OP_FLE_D || op == RV_OP_FEQ_D) &&
	       cmp->rd != in->rd && is_fflags_op(set, RV_OP_CSRRW) && !set->rd &&
	       set->rs1 == in->rd;
}

/*
 * The lazy frflags: reading MXCSR back (stmxcsr, then a load of what it
 * stored) waits for the FP work in flight, the store alone does not.  So
 * a block's fused compares of one register a (its lazy_a: glibc's sqrt
 * check in nbody's loop) only store MXCSR at [rsp + 20] and set the
 * byte at [rsp + 0]: x[a] is owed, (fflags of that MXCSR | fcsr's) & 31.
 * It is paid (lazy_emit()) before anything that reads x[a] or the flags,
 * a helper, an exit stub, a jump out; a fault site with it owed says so
 * (jit_fsite.lazy) and rv_jit_fault() pays it.  Blocks are entered with
 * nothing owed; a loop's head with it perhaps owed.  Clobbers rax, rcx,
 * rdx and the flags.
 */
static void lazy_emit(struct jit_tr *t)
{
	struct xbuf *b = &t->b;
	unsigned a = t->lazy_a;
	int h = t->host[a];
	uint8_t *skip;

	x_mem(b, 0, 0x80, 7, RSP, XNOIDX, 0, LAZY_OWED);	/* cmp byte, 0 */
	e8(b, 0);
	skip = x_jcc(b, CC_E);
	x_mem(b, 0, 0x0fb6, RAX, RSP, XNOIDX, 0, LAZY_MXCSR);	/* movzx eax */
	x_alu_ri(b, 0, ALU_AND, RAX, 0x3f);
	x_mov_imm(b, RCX, (uint64_t)(uintptr_t)jit_mxcsr_fflags);
	x_mem(b, 0, 0x0fb6, RDX, RCX, RAX, 0, 0);	/* movzx edx, [rcx+rax] */
	x_mb(b, 0, ALU_RM(ALU_OR), RDX, RBX, OFF_FCSR);
	x_alu_ri(b, 0, ALU_AND, RDX, 0x1f);
	if (h >= 0)
		x_rr(b, XW, 0x8b, h, RDX);
	if (h < 0 || !(JIT_PIN_MASK >> a & 1))	/* pinned: stored on exit */
		x_mb(b, XW, 0x89, RDX, RBX, OFF_X(a));
	x_mem(b, 0, 0xc6, 0, RSP, XNOIDX, 0, LAZY_OWED);	/* paid */
	e8(b, 0);
	x_patch(skip, b->p);
}

/* pay it on the main line (flags are free between instructions) */
static void lazy_pay(struct jit_tr *t)
{
	if (!t->lazy_maybe)
		return;
	lazy_emit(t);
	if (t->host[t->lazy_a] >= 0)
		t->loaded |= 1u << t->lazy_a;
	t->lazy_maybe = false;
}

/* integer registers an instruction may read or write */
static uint32_t xregs_of(const struct rv_insn *in)
{
	unsigned op = in->op;

	if ((op >= RV_OP_FMADD_S && op <= RV_OP_FMAX_S) ||
	    (op >= RV_OP_FMADD_D && op <= RV_OP_FCVT_D_S))
		return 0;
	switch (op) {
	case RV_OP_FLW: case RV_OP_FSW: case RV_OP_FLD: case RV_OP_FSD:
	case RV_OP_FCVT_S_W: case RV_OP_FCVT_S_WU: case RV_OP_FCVT_S_L:
	case RV_OP_FCVT_S_LU: case RV_OP_FMV_W_X: case RV_OP_FCVT_D_W:
	case RV_OP_FCVT_D_WU: case RV_OP_FCVT_D_L: case RV_OP_FCVT_D_LU:
	case RV_OP_FMV_D_X:
		return 1u << in->rs1;
	case RV_OP_FEQ_S: case RV_OP_FLT_S: case RV_OP_FLE_S: case RV_OP_FCLASS_S:
	case RV_OP_FCVT_W_S: case RV_OP_FCVT_WU_S: case RV_OP_FCVT_L_S:
	case RV_OP_FCVT_LU_S: case RV_OP_FMV_X_W: case RV_OP_FEQ_D:
	case RV_OP_FLT_D: case RV_OP_FLE_D: case RV_OP_FCLASS_D:
	case RV_OP_FCVT_W_D: case RV_OP_FCVT_WU_D: case RV_OP_FCVT_L_D:
	case RV_OP_FCVT_LU_D: case RV_OP_FMV_X_D:
		return 1u << in->rd;
	default:
		return 1u << in->rd | 1u << in->rs1 | 1u << in->rs2;
	}
}

/* must x[lazy_a] be paid before @in (the instruction at t->idx)?  What
 * stays inline and does not touch it need not; a fused sequence's other
 * instructions count (a cmov's, an lea's) */
static bool lazy_due(const struct jit_tr *t, const struct rv_insn *in)
{
	uint32_t bit = 1u << t->lazy_a, m = xregs_of(in);
	unsigned op = in->op;
	int k;

	if ((op >= RV_OP_LUI && op <= RV_OP_SRAW && op != RV_OP_JALR) ||
	    (op >= RV_OP_MUL && op <= RV_OP_REMUW) ||
	    op == RV_OP_FLW || op == RV_OP_FSW || op == RV_OP_FLD || op == RV_OP_FSD ||
	    (op >= RV_OP_FMADD_D && op <= RV_OP_FSGNJX_D) ||
	    op == RV_OP_FEQ_D || op == RV_OP_FLT_D || op == RV_OP_FLE_D ||
	    op == RV_OP_FMV_X_D || op == RV_OP_FMV_D_X) {
		for (k = t->idx + 1; k < t->end && k <= t->idx + 3; k++)
			m |= xregs_of(&t->ins[k]);
		return m & bit;
	}
	if (op == RV_OP_CSRRS && t->idx + 2 < t->end && fcmp_pattern(in) &&
	    in->rd == t->lazy_a)
		return false;		/* owes it anew */
	return true;
}

static int fuse_fcmp(struct jit_tr *t, const struct rv_insn *in)
{
	const struct rv_insn *cmp = t->ins + t->idx + 1, *set = cmp + 1;
	struct xbuf *b = &t->b;
	unsigned a = in->rd, op;
	struct rv_insn *copy;
	struct jit_cold *c;
	int x1, x2, d;

	if (t->j->sys || in != &t->ins[t->idx] || t->idx + 2 >= t->end ||
	    !fcmp_pattern(in))
		return 0;
	op = cmp->op;
	if (a == t->lazy_a) {
		x_mem(b, 0, 0x0fae, 3, RSP, XNOIDX, 0, LAZY_MXCSR);	/* stmxcsr */
		x_mem(b, 0, 0xc6, 0, RSP, XNOIDX, 0, LAZY_OWED);	/* owed */
		e8(b, 1);
		/* its register is "loaded" and dirty: paying writes both */
		if (t->host[a] >= 0) {
			t->loaded |= 1u << a;
			if (!(JIT_PIN_MASK >> a & 1))
				t->dirty |= 1u << a;
		}
		t->lazy_maybe = true;
		goto compare;
	}
	/* a = fcsr.fflags | the flags MXCSR gathered (as emit_fcsr()) */
	x_mem(b, 0, 0x0fae, 3, RSP, XNOIDX, 0, 16);	/* stmxcsr [rsp+16] */
	x_mem(b, 0, 0x0fb6, RAX, RSP, XNOIDX, 0, 16);	/* movzx eax, byte */
	x_alu_ri(b, 0, ALU_AND, RAX, 0x3f);
	x_mov_imm(b, RCX, (uint64_t)(uintptr_t)jit_mxcsr_fflags);
	x_mem(b, 0, 0x0fb6, RDX, RCX, RAX, 0, 0);	/* movzx edx, [rcx+rax] */
	x_mb(b, 0, ALU_RM(ALU_OR), RDX, RBX, OFF_FCSR);
	x_alu_ri(b, 0, ALU_AND, RDX, 0x1f);
	d = dreg(t, a, RDX);
	mov_rr(t, d, RDX);
	put(t, a, d);
compare:
	/* the compare, as emit_insn1() does it */
	x1 = gf(t, cmp->rs1, XMM_S0);
	x2 = gf(t, cmp->rs2, XMM_S1);
	if (op == RV_OP_FEQ_D) {
		x_rr(b, X66, 0x0f2e, x1, x2);		/* ucomisd */
		x_rr(b, 0, 0x0f90 | CC_E, 0, RAX);
	} else {
		x_rr(b, X66, 0x0f2f, x2, x1);		/* comisd */
		x_rr(b, 0, 0x0f90 | (op == RV_OP_FLT_D ? CC_A : CC_AE), 0, RAX);
	}
	if (cmp->rd) {
		/* movzx and mov keep the flags for the jp below; an
		 * unordered result is 0, and sete's 1 then is cleared */
		d = dreg(t, cmp->rd, RAX);
		x_rr(b, 0, 0x0fb6, d, RAX);		/* movzx d, al */
		if (op == RV_OP_FEQ_D) {
			x_rr(b, 0, 0x0f9b, 0, RCX);	/* setnp cl */
			x_rr(b, 0, 0x21, RCX, d);	/* and d, ecx */
			/* and clobbered the flags: test parity again */
			x_rr(b, X66, 0x0f2e, x1, x2);
		}
		put(t, cmp->rd, d);
		t->sx |= 1u << cmp->rd;
	}
	/* unordered: the fsflags in the helper, after the write-back */
	copy = &t->j->pool[t->j->npool++];
	*copy = *set;
	c = &t->cold[t->ncold++];
	memset(c, 0, sizeof(*c));
	c->refund = -1;
	c->lazy = t->lazy_maybe;
	c->idx = t->idx + 2;
	c->in = copy;
	c->pc = t->pc + in->len + cmp->len;
	c->dirty = t->dirty;
	c->fdirty = t->fdirty;
	c->from[c->nfrom++] = x_jcc(b, 0xa);		/* jp */
	c->back = b->p;
	c->loaded = t->loaded;
	c->floaded = t->floaded;
	return t->skip = 2;
}

/* after a helper call: when it stopped the run (a fault, an illegal
 * instruction), leave.  System mode gives back the budget of the
 * instruction and of those after it in the block, so cpu->insns counts
 * what retired (the hart's trap-loop check compares it). */
static void emit_stop_check(struct jit_tr *t, int idx)
{
	struct xbuf *b = &t->b;
	uint8_t *ok;

	x_rr(b, 0, 0x85, RAX, RAX);			/* test eax, eax */
	if (!t->j->sys) {
		x_patch(x_jcc(b, CC_NE), t->j->epilogue_nochain);
		return;
	}
	ok = x_jcc(b, CC_E);
	x_alu_ri(b, XW, ALU_ADD, RBP, t->n - idx);
	x_patch(x_jmp(b), t->j->epilogue_nochain);
	x_patch(ok, b->p);
}

static enum rv_stop jit_exec(struct rv_cpu *cpu, const struct rv_insn *in)
{
	jit_fold_fflags(cpu);
	return rv_interp_exec(cpu, in);
}

static void emit_helper(struct jit_tr *t, const struct rv_insn *in)
{
	struct jit *j = t->j;
	struct rv_insn *copy = &j->pool[j->npool++];

	*copy = *in;
	lazy_pay(t);
	wb(t);
	x_pinned(&t->b, 0x89);
	sync_pc(t);
	x_mb(&t->b, XW, 0x8d, RDI, RBX, -RBX_BIAS);	/* lea rdi, cpu */
	x_mov_imm(&t->b, RSI, (uint64_t)(uintptr_t)copy);
	x_mov_imm(&t->b, RAX, (uint64_t)(uintptr_t)jit_exec);
	x_rr(&t->b, 0, 0xff, 2, RAX);			/* call rax */
	emit_stop_check(t, t->idx);
	reload(t);
	t->sx = 1;					/* it may write any x[i] */
	t->frm_ok = false;				/* ... or frm */
	t->pc_stored = t->pc + in->len;			/* the helper moved it */
}

static bool jit_has_fma;

/*
 * Double-precision arithmetic on SSE2/FMA3 with the operands in xmm
 * registers, when the rounding mode is round-to-nearest (the static rm,
 * or frm checked at run time).  A NaN result goes to the slow path
 * instead (RISC-V's canonical NaN, and its flags are computed again
 * there); fflags gather in MXCSR.  The slow path (the helper) is out of
 * line, after the block's exits (jit_emit_cold()).
 */
static bool emit_fp_fast(struct jit_tr *t, const struct rv_insn *in)
{
	static const uint8_t arith[] = {
		[RV_OP_FADD_D - RV_OP_FADD_D] = 0x58, [RV_OP_FSUB_D - RV_OP_FADD_D] = 0x5c,
		[RV_OP_FMUL_D - RV_OP_FADD_D] = 0x59, [RV_OP_FDIV_D - RV_OP_FADD_D] = 0x5e,
		[RV_OP_FSQRT_D - RV_OP_FADD_D] = 0x51,
	};
	static const uint8_t fma[] = { 0xa9, 0xab, 0xad, 0xaf };	/* 213sd */
	struct xbuf *b = &t->b;
	unsigned op = in->op;
	bool isfma = op >= RV_OP_FMADD_D && op <= RV_OP_FNMADD_D;
	struct jit_cold *c;
	struct rv_insn *copy;
	int x1, x2, x3 = 0, r;

	if (!(isfma || (op >= RV_OP_FADD_D && op <= RV_OP_FSQRT_D)))
		return false;
	if ((in->rm != RV_RM_RNE && in->rm != RV_RM_DYN) || (isfma && !jit_has_fma))
		return false;
	copy = &t->j->pool[t->j->npool++];
	*copy = *in;
	c = &t->cold[t->ncold++];
	c->nfrom = 0;
	c->refund = -1;
	c->idx = t->idx;
	c->slot = NULL;
	c->lazy = t->lazy_maybe;
	c->in = copy;
	c->pc = t->pc;
	c->dirty = t->dirty;
	c->fdirty = t->fdirty;
	/* the operands first: the slow path joins with them loaded */
	x1 = gf(t, in->rs1, XMM_S0);
	x2 = op == RV_OP_FSQRT_D ? x1 : gf(t, in->rs2, XMM_S1);
	if (isfma)
		x3 = gf(t, in->rs3, XMM_S2);
	if (in->rm == RV_RM_DYN && !t->frm_ok) {
		/* once per block (until a helper or an fcsr write): when
		 * frm is not RNE the instruction goes to the interpreter, and
		 * the block is left -- the rest of it assumes RNE */
		struct jit_cold *x = &t->cold[t->ncold++];

		*x = *c;
		x->refund = t->n - t->idx - t->done_off;
		x_mb(b, 0, 0xf6, 0, RBX, OFF_FCSR);	/* test byte frm */
		e8(b, 0xe0);
		x->from[x->nfrom++] = x_jcc(b, CC_NE);
		t->frm_ok = true;
	}
	/* the result straight into f[rd]'s register when it is no operand:
	 * the slow path needs only the operands (the helper rewrites rd) */
	r = fdst(t, in->rd, XMM_S0);
	if (r == x1 || r == x2 || (isfma && r == x3))
		r = XMM_S0;
	if (isfma) {
		/* vfm*213sd r, x2, x3: r = +-(x2 * r) +- x3 */
		movapd(t, r, x1);
		x_vex_fma(b, fma[op - RV_OP_FMADD_D], r, x2, x3);
	} else if (op == RV_OP_FSQRT_D) {
		x_rr(b, XF2, 0x0f51, r, x1);
	} else if (jit_has_fma) {	/* AVX: v*sd r, x1, x2, no copy */
		x_vex_sd(b, arith[op - RV_OP_FADD_D], r, x1, x2);
	} else {
		movapd(t, r, x1);
		x_rr(b, XF2, 0x0f00 | arith[op - RV_OP_FADD_D], r, x2);
	}
	x_rr(b, X66, 0x0f2e, r, r);			/* ucomisd: NaN? */
	c->from[c->nfrom++] = x_jcc(b, 0xa);		/* jp */
	putf(t, in->rd, r);
	c->back = b->p;
	c->loaded = t->loaded;
	c->floaded = t->floaded;
	return true;
}

/* the slow paths of the block, after its exits */
static void jit_emit_cold(struct jit_tr *t)
{
	struct xbuf *b = &t->b;
	int i, k;

	for (i = 0; i < t->ncold; i++) {
		const struct jit_cold *c = &t->cold[i];

		for (k = 0; k < c->nfrom; k++)
			x_patch(c->from[k], b->p);
		if (c->lazy && t->lazy_a)	/* before the write-back */
			lazy_emit(t);
		if (c->refund >= 0) {	/* the epilogue stores the pinned ones */
			wb_masks(t, c->dirty & ~JIT_PIN_MASK, c->fdirty);
			x_mov_imm(b, RAX, c->pc);
			x_mb(b, XW, 0x89, RAX, RBX, OFF_PC);
			x_alu_ri(b, XW, ALU_ADD, RBP, c->refund);
			x_mem(b, XW, 0xc7, 0, RSP, XNOIDX, 0, 8);	/* [rsp+8] = 2 */
			e32(b, (uint32_t)(uintptr_t)JIT_INTERP_ONE);
			x_patch(x_jmp(b), t->j->epilogue);
			continue;
		}
		if (c->slot)
			sys_tlb_cold(t, c);
		wb_masks(t, c->dirty | JIT_PIN_MASK, c->fdirty);
		x_mov_imm(b, RAX, c->pc);
		x_mb(b, XW, 0x89, RAX, RBX, OFF_PC);
		x_mb(b, XW, 0x8d, RDI, RBX, -RBX_BIAS);	/* lea rdi, cpu */
		x_mov_imm(b, RSI, (uint64_t)(uintptr_t)c->in);
		x_mov_imm(b, RAX, (uint64_t)(uintptr_t)jit_exec);
		x_rr(b, 0, 0xff, 2, RAX);			/* call rax */
		emit_stop_check(t, c->idx);
		reload_masks(t, c->loaded, c->floaded);
		x_patch(x_jmp(b), c->back);
	}
}

/* F registers the inline F/D operations use (loop heads load them) */
static uint32_t fregs_of(const struct rv_insn *in)
{
	unsigned op = in->op;

	switch (op) {
	case RV_OP_FLD: case RV_OP_FLW: case RV_OP_FMV_D_X:
		return 1u << in->rd;
	case RV_OP_FSD: case RV_OP_FSW:
		return 1u << in->rs2;
	case RV_OP_FMV_X_D:
		return 1u << in->rs1;
	case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
		return 1u << in->rs1 | 1u << in->rs2;
	case RV_OP_FSGNJ_D: case RV_OP_FSGNJN_D: case RV_OP_FSGNJX_D:
	case RV_OP_FADD_D: case RV_OP_FSUB_D: case RV_OP_FMUL_D: case RV_OP_FDIV_D:
		return 1u << in->rd | 1u << in->rs1 | 1u << in->rs2;
	case RV_OP_FSQRT_D:
		return 1u << in->rd | 1u << in->rs1;
	case RV_OP_FMADD_D: case RV_OP_FMSUB_D: case RV_OP_FNMSUB_D: case RV_OP_FNMADD_D:
		return 1u << in->rd | 1u << in->rs1 | 1u << in->rs2 | 1u << in->rs3;
	default:
		return 0;
	}
}

/*
 * if (c) x = y op z, a branch over one ALU instruction: the instruction
 * computes into rdx (x[rd] mapped there for the while), then cmov on the
 * branch's condition -- no branch for the host to mispredict.  A taken
 * one counts the instruction it skips as retired.
 */
/*
 * Is the branch ins[i] over one instruction a pointer chase (tree's
 * a4 = key < x ? left : right; ld a5, 0(a4))?  Not a cmov then: a
 * branch lets the host start the load before the compare's own load is
 * in, a cmov makes it wait (native code branches there); the taken
 * path is a tail of the loop instead.
 */
static bool is_chase(const struct rv_insn *ins, const uint64_t *pcs, int i, int n)
{
	const struct rv_insn *ld = &ins[i + 2];

	return i + 2 < n && pcs[i + 2] == pcs[i] + ins[i].imm &&
	       pcs[i + 2] == pcs[i + 1] + ins[i + 1].len &&
	       ld->op >= RV_OP_LB && ld->op <= RV_OP_LWU &&
	       ins[i + 1].rd && ld->rs1 == ins[i + 1].rd;
}

static bool cmov_ok(struct jit_tr *t, const struct rv_insn *in)
{
	const struct rv_insn *next = &t->ins[t->idx + 1];

	if (t->idx + 1 >= t->end || in->imm != in->len + next->len || !next->rd)
		return false;
	if (!t->j->sys && in == &t->ins[t->idx] &&
	    is_chase(t->ins, t->pcs, t->idx, t->end))
		return false;
	switch (next->op) {
	case RV_OP_LUI: case RV_OP_AUIPC: case RV_OP_ADDI: case RV_OP_XORI:
	case RV_OP_ORI: case RV_OP_ANDI: case RV_OP_SLLI: case RV_OP_SRLI:
	case RV_OP_SRAI: case RV_OP_ADDIW: case RV_OP_ADD: case RV_OP_SUB:
	case RV_OP_XOR: case RV_OP_OR: case RV_OP_AND: case RV_OP_ADDW:
	case RV_OP_SUBW: case RV_OP_SLT: case RV_OP_SLTU: case RV_OP_SLTI:
	case RV_OP_SLTIU:
		return true;
	default:
		return false;
	}
}

static bool emit_insn(struct jit_tr *t, const struct rv_insn *in);

/* the skipped instruction into rdx (before the compare: it sets flags) */
static void cmov_compute(struct jit_tr *t, const struct rv_insn *in)
{
	const struct rv_insn *next = &t->ins[t->idx + 1];
	unsigned rd = next->rd;
	int8_t h = t->host[rd];
	uint32_t bit = 1u << rd, loaded = t->loaded & bit, dirty = t->dirty & bit;

	if (h >= 0 && next->op != RV_OP_SLLI) {
		/* it reads x[rd] where it is and writes rdx (no copy of
		 * the old value first: words' `if (c) n++` is one lea);
		 * what it loads stays loaded (the load runs either way) */
		t->cmov_rd = (uint8_t)rd;
		t->pc += in->len;
		emit_insn(t, next);
		t->pc -= in->len;
		t->cmov_rd = 0;
		t->dirty = (t->dirty & ~bit) | dirty;
		return;
	}
	if (next->rs1 == rd || next->rs2 == rd) {	/* it reads the old value */
		mov_rr(t, RDX, gx(t, rd, RDX));
		loaded = t->loaded & bit;	/* gx may have loaded it */
	}
	t->host[rd] = RDX;
	t->loaded |= bit;
	t->pc += in->len;
	emit_insn(t, next);
	t->pc -= in->len;
	t->host[rd] = h;
	t->loaded = (t->loaded & ~bit) | loaded;
	t->dirty = (t->dirty & ~bit) | dirty;
}

/* not taken (cc: the branch's condition): x[rd] = rdx */
static void cmov_commit(struct jit_tr *t, int cc)
{
	unsigned rd = t->ins[t->idx + 1].rd;

	if (t->host[rd] >= 0) {
		int d = gx(t, rd, RAX);		/* loaded already: no flags */

		x_rr(&t->b, XW, 0x0f40 | (cc ^ 1), d, RDX);	/* cmovncc */
		put(t, rd, d);
	} else {
		x_mb(&t->b, XW, 0x8b, RAX, RBX, OFF_X(rd));
		x_rr(&t->b, XW, 0x0f40 | (cc ^ 1), RAX, RDX);
		x_mb(&t->b, XW, 0x89, RAX, RBX, OFF_X(rd));
	}
	t->sx &= ~(1u << rd);		/* the old value or the new one */
	t->skip = 1;
}

/*
 * User mode jalr to rs1 (in host register @a) + imm through the
 * indirect-branch table: [ibtc + (target & 0x1ffe) * 8].  The target is
 * compared before its bit 0 is cleared (an odd one never matches: real
 * entries are even, and an empty slot's odd mark indexes another slot,
 * see jit_flush()), so `ret` and `jr a5` compare their register as it
 * is; only a miss clears the bit and stores cpu->pc (a block never reads
 * it: its budget exit and helpers store their own).  The table's address
 * is an immediate (r14 is a guest register in user mode).
 */
static bool emit_jalr_user(struct jit_tr *t, const struct rv_insn *in,
			   int a, uint64_t npc)
{
	struct xbuf *b = &t->b;
	unsigned rd = in->rd;
	uint8_t *miss;
	int tgt = a, d;

	/* the index beside the target, not after it: a mispredicted jump
	 * resolves a cycle sooner */
	if (in->imm)
		x_mb(b, 0, 0x8d, RCX, a, in->imm);	/* lea ecx */
	else
		x_rr(b, 0, 0x8b, RCX, a);
	x_alu_ri(b, 0, ALU_AND, RCX, (JIT_IBTC - 1) << 1);
	if (in->imm) {
		x_mb(b, XW, 0x8d, RAX, a, in->imm);	/* lea */
		tgt = RAX;
	} else if (rd && rd == in->rs1) {		/* written below */
		mov_rr(t, RAX, a);
		tgt = RAX;
	}
	if (rd) {
		d = dreg(t, rd, RDX);
		x_mov_imm(b, d, npc);
		put(t, rd, d);
	}
	wb(t);
	/* r14 holds the table (the trampoline's, kept by every block
	 * that leaves), unless this block is a loop that took it for a
	 * guest register: then it is the table again from here on */
	if (t->r14_guest) {
		if (tgt == R14) {
			mov_rr(t, RAX, R14);
			tgt = RAX;
		}
		x_mov_imm(b, R14, (uint64_t)(uintptr_t)t->j->ibtc);
	}
	x_mem(b, XW, ALU_RM(ALU_CMP), tgt, R14, RCX, 3, 0);
	miss = x_jcc(b, CC_NE);
	x_mem(b, 0, 0xff, 4, R14, RCX, 3, 8);		/* jmp [..+8] */
	x_patch(miss, b->p);
	mov_rr(t, RAX, tgt);
	x_alu_ri(b, XW, ALU_AND, RAX, -2);
	x_mb(b, XW, 0x89, RAX, RBX, OFF_PC);
	x_patch(x_jmp(b), t->j->epilogue_nochain_st);
	return false;
}

static const uint8_t branch_cc[] = {
	[RV_OP_BEQ - RV_OP_BEQ] = CC_E, [RV_OP_BNE - RV_OP_BEQ] = CC_NE,
	[RV_OP_BLT - RV_OP_BEQ] = CC_L, [RV_OP_BGE - RV_OP_BEQ] = CC_GE,
	[RV_OP_BLTU - RV_OP_BEQ] = CC_B, [RV_OP_BGEU - RV_OP_BEQ] = CC_AE,
};

/* is the value @in leaves in x[rd] a sign-extended 32-bit one? */
static bool sx_result(const struct jit_tr *t, const struct rv_insn *in)
{
	bool s1 = t->sx >> in->rs1 & 1, s2 = t->sx >> in->rs2 & 1;

	switch (in->op) {
	case RV_OP_ADDIW: case RV_OP_SLLIW: case RV_OP_SRLIW: case RV_OP_SRAIW:
	case RV_OP_ADDW: case RV_OP_SUBW: case RV_OP_SLLW: case RV_OP_SRLW:
	case RV_OP_SRAW: case RV_OP_MULW: case RV_OP_DIVW: case RV_OP_DIVUW:
	case RV_OP_REMW: case RV_OP_REMUW:
	case RV_OP_LB: case RV_OP_LH: case RV_OP_LW: case RV_OP_LBU: case RV_OP_LHU:
	case RV_OP_LUI: case RV_OP_SLT: case RV_OP_SLTU: case RV_OP_SLTI:
	case RV_OP_SLTIU: case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D:
		return true;
	case RV_OP_ANDI:
		return in->imm >= 0 || s1;
	case RV_OP_XORI: case RV_OP_ORI:
		return s1;
	case RV_OP_ADD:		/* c.mv: add rd, x0, rs2 */
		return (!in->rs1 && s2) || (!in->rs2 && s1);
	case RV_OP_AND: case RV_OP_OR: case RV_OP_XOR:
		return s1 && s2;
	case RV_OP_SRLI:
		return (in->imm & 63) >= 33;
	case RV_OP_SRAI:
		return (in->imm & 63) >= 32;
	default:
		return false;
	}
}

static bool emit_insn1(struct jit_tr *t, const struct rv_insn *in);
static int sys_csr(const struct jit *j, const struct rv_insn *in);

/* one instruction, and what it tells of x[rd]'s sign extension */
/* may a register this instruction stored stay forwarded (fwd_ok())?
 * Integer ALU operations and loads in user mode: straight host code,
 * no path of their own joining after it (a division's, a cold path's
 * return, system mode's TLB refill) */
static bool fwd_keeps(const struct jit_tr *t, unsigned op)
{
	if (t->j->sys)
		return false;
	return (op >= RV_OP_LUI && op <= RV_OP_AUIPC) ||
	       (op >= RV_OP_ADDI && op <= RV_OP_SRAW) ||
	       (op >= RV_OP_LB && op <= RV_OP_LWU) ||
	       (op >= RV_OP_MUL && op <= RV_OP_MULW &&
		op != RV_OP_DIV && op != RV_OP_DIVU && op != RV_OP_REM &&
		op != RV_OP_REMU);
}

static bool emit_insn(struct jit_tr *t, const struct rv_insn *in)
{
	bool sx, more;

	if (t->lazy_maybe && in == &t->ins[t->idx] && lazy_due(t, in))
		lazy_pay(t);
	sx = sx_result(t, in);
	more = emit_insn1(t, in);
	if (!fwd_keeps(t, in->op))
		t->fwd_r = 0;
	if (t->sx_rd) {
		sx = t->sx_rd - 1;
		t->sx_rd = 0;
	}

	if (in->rd)
		t->sx = (t->sx & ~(1u << in->rd)) | (uint32_t)sx << in->rd;
	return more;
}

/*
 * ... and a load through it into x itself (crc's table[(crc ^ b) & 255]:
 * slli x, x; addi x, x, c; add x, x, sp; lw x, d(x)): one load from [b +
 * y << s + c + d], the lea off the chain (it was a cycle or two of each
 * round).  The index is x's old value, so the lea's own result (x, what
 * the load overwrites) is only seen when the load faults: the fault site
 * says how rv_jit_fault() computes it.  User mode, mem_base 0 (no index
 * register taken).
 */
static bool fuse_lea_load(struct jit_tr *t, int k, unsigned x, unsigned u,
			  unsigned y, int ih, int bh, int s, int32_t c)
{
	static const struct { unsigned f; uint32_t op; } ldop[] = {
		{ XW, 0x0fbe }, { XW, 0x0fbf }, { XW, 0x63 }, { XW, 0x8b },
		{ 0, 0x0fb6 }, { 0, 0x0fb7 }, { 0, 0x8b },
	};
	const struct rv_insn *ld;
	struct jit_fsite *fs;
	int64_t disp;
	int d;

	if (t->j->sys || t->j->mem_base || u != x || y != x || k + 1 >= t->end)
		return false;
	ld = &t->ins[k + 1];
	if (ld->op < RV_OP_LB || ld->op > RV_OP_LWU || ld->rs1 != x || ld->rd != x)
		return false;
	disp = (int64_t)c + ld->imm;
	if (disp != (int32_t)disp || ih == RSP)
		return false;
	d = dreg(t, x, RAX);
	t->pc = t->pcs[k + 1];		/* the fault site's */
	fs = emit_site(t, ldop[ld->op - RV_OP_LB].f, ldop[ld->op - RV_OP_LB].op,
		       d, bh, ih, s, (int32_t)disp, true);
	t->pc = t->pcs[t->idx];
	fs->lea_x = (uint8_t)x;
	fs->lea_base = (uint8_t)bh;
	fs->lea_index = (uint8_t)ih;
	fs->lea_sc = (uint8_t)s;
	fs->lea_disp = c;
	put(t, x, d);
	t->sx_rd = 1 + (ld->op != RV_OP_LD && ld->op != RV_OP_LWU);
	t->skip = k + 1 - t->idx;
	return true;
}

/* after the add at @k: is the next instruction a load into u that does
 * not read it (u's value is seen only by a fault there), with y in a
 * host register the add's lea leaves alone? */
static bool u_dead(const struct jit_tr *t, int k, unsigned x, unsigned u,
		   unsigned y)
{
	const struct rv_insn *ld;

	if (t->j->sys || k + 1 >= t->end || y == x || t->host[y] < 0 ||
	    t->lazy_maybe)
		return false;
	ld = &t->ins[k + 1];
	return ld->op >= RV_OP_LB && ld->op <= RV_OP_LWU && ld->rd == u &&
	       ld->rs1 != u;
}

/*
 * slli x, y, s (s = 1..3) [; addi u, x, c] ; add x, u, b -- how a
 * compiler indexes an array (u is x, or another register: a stack
 * array's offset) -- as lea x, [b + y << s + c], and u = y << s + c
 * beside it, off the chain.  In a loop that loads through a value it
 * computed (a table-driven CRC: value -> index -> address -> load ->
 * value) each instruction was a cycle on the chain.  None of them can
 * fault and no exit lies between them, so the slli's own result, which
 * the add overwrites, is never seen.  Not in a cmov's skipped
 * instruction (t->idx is the branch's there).  Returns how many
 * instructions after @in it translated.
 */
static int fuse_lea(struct jit_tr *t, const struct rv_insn *in)
{
	const struct rv_insn *add;
	unsigned x = in->rd, y = in->rs1, s = in->imm & 63, u = x, base;
	int32_t c = 0;
	int k = t->idx + 1, bh, ih, d;

	if (in != &t->ins[t->idx] || s < 1 || s > 3)
		return 0;
	if (k < t->end && t->ins[k].op == RV_OP_ADDI && t->ins[k].rs1 == x &&
	    t->ins[k].rd) {
		u = t->ins[k].rd;
		c = t->ins[k++].imm;
	}
	if (k >= t->end)
		return 0;
	add = &t->ins[k];
	if (add->op != RV_OP_ADD || add->rd != x ||
	    (add->rs1 != u && add->rs2 != u))
		return 0;
	base = add->rs1 == u ? add->rs2 : add->rs1;
	/* b must not be one the sequence writes; y must outlive u's lea */
	if (!base || base == x || base == u || (u != x && u == y))
		return 0;
	ih = gx(t, y, RAX);
	bh = gx(t, base, RCX);
	if (fuse_lea_load(t, k, x, u, y, ih, bh, (int)s, c))
		return t->skip;
	if (u != x && u_dead(t, k, x, u, y)) {
		/* the load after writes u, read by nothing before: u's lea
		 * is left out, and that load's fault site says how u is
		 * made (vm's dispatch: a stack table's offset) */
		t->pend_x = (uint8_t)u;
		t->pend_index = (uint8_t)ih;
		t->pend_sc = (uint8_t)s;
		t->pend_disp = c;
	} else if (u != x) {
		d = dreg(t, u, RDX);
		x_lea_nobase(&t->b, d, ih, (int)s, c);
		put(t, u, d);
		t->sx &= ~(1u << u);
	}
	d = dreg(t, x, RAX);
	x_mem(&t->b, XW, 0x8d, d, bh, ih, (int)s, c);
	put(t, x, d);
	return t->skip = k - t->idx;
}

/* one instruction; returns false when it ended the block (exits made) */
static bool emit_insn1(struct jit_tr *t, const struct rv_insn *in)
{
	struct xbuf *b = &t->b;
	unsigned op = in->op, rd = in->rd;
	uint64_t npc = t->pc + in->len;
	int d, a;

	switch (op) {
	/* ---- immediates ---- */
	case RV_OP_LUI:
		if (rd) {
			d = dreg(t, rd, RAX);
			x_mov_imm(b, d, (uint64_t)(int64_t)in->imm);
			put(t, rd, d);
		}
		return true;
	case RV_OP_AUIPC:
		if (rd) {
			d = dreg(t, rd, RAX);
			x_mov_imm(b, d, t->pc + (int64_t)in->imm);
			put(t, rd, d);
		}
		return true;
	case RV_OP_ADDI:
		if (!rd)
			return true;
		d = dreg(t, rd, RAX);
		if (in->rs1 == 0) {
			x_mov_imm(b, d, (uint64_t)(int64_t)in->imm);
		} else {
			a = gx(t, in->rs1, d);
			if (!in->imm)
				mov_rr(t, d, a);
			else if (a == d)
				x_alu_ri(b, XW, ALU_ADD, d, in->imm);
			else
				x_mb(b, XW, 0x8d, d, a, in->imm);	/* lea */
		}
		put(t, rd, d);
		return true;
	case RV_OP_XORI: case RV_OP_ORI: case RV_OP_ANDI: {
		static const int n[] = { ALU_XOR, ALU_OR, ALU_AND };

		if (!rd)
			return true;
		d = dreg(t, rd, RAX);
		mov_rr(t, d, gx(t, in->rs1, d));
		x_alu_ri(b, XW, n[op - RV_OP_XORI], d, in->imm);
		put(t, rd, d);
		return true;
	}
	case RV_OP_SLTI: case RV_OP_SLTIU:
		if (!rd)
			return true;
		a = gx(t, in->rs1, RAX);
		x_alu_ri(b, XW, ALU_CMP, a, in->imm);
		x_rr(b, 0, 0x0f90 | (op == RV_OP_SLTI ? CC_L : CC_B), 0, RAX);
		d = dreg(t, rd, RAX);
		x_rr(b, 0, 0x0fb6, d, RAX);		/* movzx d, al */
		put(t, rd, d);
		return true;
	case RV_OP_SLLI: case RV_OP_SRLI: case RV_OP_SRAI: {
		static const int n[] = { SH_SHL, SH_SHR, SH_SAR };

		if (!rd)
			return true;
		if (op == RV_OP_SLLI && fuse_lea(t, in))
			return true;
		d = dreg(t, rd, RAX);
		mov_rr(t, d, gx(t, in->rs1, d));
		x_shift_ri(b, XW, n[op - RV_OP_SLLI], d, in->imm & 63);
		put(t, rd, d);
		return true;
	}
	case RV_OP_ADDIW:
		if (!rd)
			return true;
		if (!in->imm && (t->sx >> in->rs1 & 1)) {	/* sext.w of one */
			if (rd != in->rs1) {
				d = dreg(t, rd, RAX);
				mov_rr(t, d, gx(t, in->rs1, d));
				put(t, rd, d);
			}
			return true;
		}
		a = gx(t, in->rs1, RAX);
		if (in->imm) {
			x_mb(b, 0, 0x8d, RAX, a, in->imm);	/* lea eax */
			a = RAX;
		}
		sext_put(t, rd, a);
		return true;
	case RV_OP_SLLIW: case RV_OP_SRLIW: case RV_OP_SRAIW: {
		static const int n[] = { SH_SHL, SH_SHR, SH_SAR };

		if (!rd)
			return true;
		if (op == RV_OP_SRLIW && (in->imm & 31)) {
			/* bit 31 of the result is 0: the 32-bit mov's zero
			 * extension is the sign extension */
			d = dreg(t, rd, RAX);
			x_rr(b, 0, 0x8b, d, gx(t, in->rs1, d));
			x_shift_ri(b, 0, SH_SHR, d, in->imm & 31);
			put(t, rd, d);
			return true;
		}
		ld(t, RAX, in->rs1);
		x_shift_ri(b, 0, n[op - RV_OP_SLLIW], RAX, in->imm & 31);
		sext_put(t, rd, RAX);
		return true;
	}
	/* ---- register-register ---- */
	case RV_OP_ADD: case RV_OP_SUB: case RV_OP_XOR: case RV_OP_OR:
	case RV_OP_AND: case RV_OP_ADDW: case RV_OP_SUBW:
	case RV_OP_MUL: case RV_OP_MULW: {
		int n = op == RV_OP_ADD || op == RV_OP_ADDW ? ALU_ADD :
			op == RV_OP_SUB || op == RV_OP_SUBW ? ALU_SUB :
			op == RV_OP_XOR ? ALU_XOR : op == RV_OP_OR ? ALU_OR : ALU_AND;
		uint32_t opc = op == RV_OP_MUL || op == RV_OP_MULW ? 0x0faf : ALU_RM(n);
		bool w = op == RV_OP_ADDW || op == RV_OP_SUBW || op == RV_OP_MULW;
		unsigned s1, s2;

		if (!rd)
			return true;
		if ((op == RV_OP_ADD || op == RV_OP_OR || op == RV_OP_XOR) &&
		    (!in->rs1 || !in->rs2)) {	/* c.mv is add rd, x0, rs2 */
			/* straight from the source (a store when rd has no
			 * host register, not a mov through rax first) */
			put(t, rd, gx(t, in->rs1 | in->rs2, dreg(t, rd, RAX)));
			return true;
		}
		if (op == RV_OP_ADD && rd != in->rs1 && rd != in->rs2) {
			/* three registers: one lea, not mov + add */
			a = gx(t, in->rs1, RAX);
			d = gx(t, in->rs2, RCX);
			x_mem(b, XW, 0x8d, dreg(t, rd, RAX), a, d, 0, 0);
			put(t, rd, dreg(t, rd, RAX));
			return true;
		}
		d = dreg(t, rd, RAX);
		s1 = in->rs1;
		s2 = in->rs2;
		/* rd == rs2 != rs1: a commutative op takes rs1 as the
		 * operand, in place (fnv's mulw: no mov on the side) */
		if (s2 == rd && s1 != rd && op != RV_OP_SUB && op != RV_OP_SUBW) {
			s2 = s1;
			s1 = rd;
		}
		/* rd == rs2 != rs1 in a register: compute in rax */
		if (s2 == rd && s1 != rd && d != RAX)
			d = RAX;
		mov_rr(t, d, gx(t, s1, d));
		op_x(t, w ? 0 : XW, opc, d, s2);
		if (w)
			sext_put(t, rd, d);
		else
			put(t, rd, d);
		return true;
	}
	case RV_OP_SLT: case RV_OP_SLTU:
		if (!rd)
			return true;
		a = gx(t, in->rs1, RAX);
		op_x(t, XW, ALU_RM(ALU_CMP), a, in->rs2);
		x_rr(b, 0, 0x0f90 | (op == RV_OP_SLT ? CC_L : CC_B), 0, RAX);
		d = dreg(t, rd, RAX);
		x_rr(b, 0, 0x0fb6, d, RAX);
		put(t, rd, d);
		return true;
	case RV_OP_SLL: case RV_OP_SRL: case RV_OP_SRA:
	case RV_OP_SLLW: case RV_OP_SRLW: case RV_OP_SRAW: {
		bool w = op >= RV_OP_SLLW;
		int n = op == RV_OP_SLL || op == RV_OP_SLLW ? SH_SHL :
			op == RV_OP_SRL || op == RV_OP_SRLW ? SH_SHR : SH_SAR;

		if (!rd)
			return true;
		ld(t, RCX, in->rs2);
		d = dreg(t, rd, RAX);
		mov_rr(t, d, gx(t, in->rs1, d));
		x_rr(b, w ? 0 : XW, 0xd3, n, d);		/* masks cl */
		if (w)
			sext_put(t, rd, d);
		else
			put(t, rd, d);
		return true;
	}
	/* ---- M ---- */
	case RV_OP_MULH: case RV_OP_MULHU: case RV_OP_MULHSU:
		if (!rd)
			return true;
		ld(t, RAX, in->rs1);
		if (op == RV_OP_MULHSU) {
			/* hi(s*u) = hiu(s*u) - (s < 0 ? u : 0) */
			x_rr(b, XW, 0x8b, RCX, RAX);
			x_shift_ri(b, XW, SH_SAR, RCX, 63);
			if (in->rs2 && t->host[in->rs2] >= 0)
				x_rr(b, XW, ALU_RM(ALU_AND), RCX, gx(t, in->rs2, RDX));
			else
				x_mb(b, XW, ALU_RM(ALU_AND), RCX, RBX, OFF_X(in->rs2));
		}
		if (in->rs2 && t->host[in->rs2] >= 0)
			x_rr(b, XW, 0xf7, op == RV_OP_MULH ? 5 : 4, gx(t, in->rs2, RDX));
		else
			x_mb(b, XW, 0xf7, op == RV_OP_MULH ? 5 : 4, RBX, OFF_X(in->rs2));
		if (op == RV_OP_MULHSU)
			x_rr(b, XW, 0x2b, RDX, RCX);		/* sub rdx, rcx */
		put(t, rd, RDX);
		return true;
	case RV_OP_DIV: case RV_OP_DIVU: case RV_OP_REM: case RV_OP_REMU:
	case RV_OP_DIVW: case RV_OP_DIVUW: case RV_OP_REMW: case RV_OP_REMUW:
		if (rd)
			emit_div(t, in);
		return true;
	/* ---- memory ---- */
	case RV_OP_LB: case RV_OP_LH: case RV_OP_LW: case RV_OP_LD:
	case RV_OP_LBU: case RV_OP_LHU: case RV_OP_LWU: {
		static const struct { unsigned f; uint32_t op; } ldop[] = {
			{ XW, 0x0fbe }, { XW, 0x0fbf }, { XW, 0x63 }, { XW, 0x8b },
			{ 0, 0x0fb6 }, { 0, 0x0fb7 }, { 0, 0x8b },
		};
		unsigned k = op - RV_OP_LB;
		struct jit_cold *c;

		a = addr(t, in, &c);
		d = dreg(t, rd, RAX);
		emit_mem(t, ldop[k].f, ldop[k].op, d, a, in);
		put(t, rd, d);
		sys_tlb_done(t, c);
		return true;
	}
	case RV_OP_SB: case RV_OP_SH: case RV_OP_SW: case RV_OP_SD: {
		static const struct { unsigned f; uint32_t op; } stop[] = {
			{ 0, 0x88 }, { X66, 0x89 }, { 0, 0x89 }, { XW, 0x89 },
		};
		unsigned k = op - RV_OP_SB;
		struct jit_cold *c;
		int v;

		a = addr(t, in, &c);
		v = gx(t, in->rs2, RCX);
		if (op == RV_OP_SB && v >= RSP && v <= RDI) {
			x_rr(b, 0, 0x8b, RCX, v);	/* no REX: not sil/dil */
			v = RCX;
		}
		emit_mem(t, stop[k].f, stop[k].op, v, a, in);
		sys_tlb_done(t, c);
		return true;
	}
	case RV_OP_FLD: case RV_OP_FLW: {
		int x = fdst(t, rd, XMM_S0);
		struct jit_cold *c;

		a = addr(t, in, &c);
		if (op == RV_OP_FLD) {
			emit_mem(t, XF2, 0x0f10, x, a, in);	/* movsd */
		} else {
			emit_mem(t, 0, 0x8b, RAX, a, in);
			x_mov_imm(b, RCX, 0xffffffff00000000ull);	/* NaN box */
			x_rr(b, XW, 0x0b, RAX, RCX);
			x_rr(b, XW | X66, 0x0f6e, x, RAX);		/* movq x, rax */
		}
		putf(t, rd, x);
		sys_tlb_done(t, c);
		return true;
	}
	case RV_OP_FSD: case RV_OP_FSW: {
		int x = gf(t, in->rs2, XMM_S0);
		struct jit_cold *c;

		a = addr(t, in, &c);
		/* movsd / movss [mem], x */
		emit_mem(t, op == RV_OP_FSD ? XF2 : XF3, 0x0f11, x, a, in);
		sys_tlb_done(t, c);
		return true;
	}
	case RV_OP_FMV_X_D:
		if (rd) {
			int x = gf(t, in->rs1, XMM_S0);

			d = dreg(t, rd, RAX);
			x_rr(b, XW | X66, 0x0f7e, x, d);	/* movq d, x */
			put(t, rd, d);
		}
		return true;
	case RV_OP_FMV_D_X: {
		int x = fdst(t, rd, XMM_S0);

		a = gx(t, in->rs1, RAX);
		x_rr(b, XW | X66, 0x0f6e, x, a);		/* movq x, a */
		putf(t, rd, x);
		return true;
	}
	case RV_OP_FEQ_D: case RV_OP_FLT_D: case RV_OP_FLE_D: {
		int x1 = gf(t, in->rs1, XMM_S0), x2 = gf(t, in->rs2, XMM_S1);

		/* ucomisd signals only sNaN, comisd any NaN (MXCSR gathers
		 * the flag); unordered sets ZF, PF and CF */
		if (op == RV_OP_FEQ_D) {
			x_rr(b, X66, 0x0f2e, x1, x2);
			x_rr(b, 0, 0x0f90 | CC_E, 0, RAX);
			x_rr(b, 0, 0x0f9b, 0, RCX);	/* setnp cl */
			x_rr(b, 0, 0x21, RCX, RAX);	/* and eax, ecx */
		} else {
			/* a < b: b above a; a <= b: b above or equal */
			x_rr(b, X66, 0x0f2f, x2, x1);
			x_rr(b, 0, 0x0f90 | (op == RV_OP_FLT_D ? CC_A : CC_AE), 0, RAX);
		}
		d = dreg(t, rd, RAX);
		x_rr(b, 0, 0x0fb6, d, RAX);		/* movzx d, al */
		put(t, rd, d);
		return true;
	}
	case RV_OP_FSGNJ_D: case RV_OP_FSGNJN_D: case RV_OP_FSGNJX_D: {
		int x1 = gf(t, in->rs1, XMM_S0), x2, x;

		if (op == RV_OP_FSGNJ_D && in->rs1 == in->rs2) {	/* fmv.d */
			putf(t, rd, x1);
			return true;
		}
		x2 = gf(t, in->rs2, XMM_S1);
		x_rr(b, XW | X66, 0x0f7e, x1, RAX);		/* movq rax, x1 */
		x_rr(b, XW | X66, 0x0f7e, x2, RCX);		/* movq rcx, x2 */
		x_mov_imm(b, RDX, 1ull << 63);
		if (op == RV_OP_FSGNJN_D)
			x_rr(b, XW, 0xf7, 2, RCX);		/* not rcx */
		x_rr(b, XW, 0x23, RCX, RDX);			/* and rcx, rdx */
		if (op != RV_OP_FSGNJX_D) {
			x_rr(b, XW, 0xf7, 2, RDX);		/* not rdx */
			x_rr(b, XW, 0x23, RAX, RDX);		/* and rax, rdx */
		}
		x_rr(b, XW, op == RV_OP_FSGNJX_D ? 0x33 : 0x0b, RAX, RCX);
		x = fdst(t, rd, XMM_S0);
		x_rr(b, XW | X66, 0x0f6e, x, RAX);		/* movq x, rax */
		putf(t, rd, x);
		return true;
	}
	case RV_OP_FENCE:
		e8(b, 0x0f), e8(b, 0xae), e8(b, 0xf0);		/* mfence */
		return true;
	/* ---- control ---- */
	case RV_OP_JAL:
		if (rd) {
			d = dreg(t, rd, RAX);
			x_mov_imm(b, d, npc);
			put(t, rd, d);
		}
		if (t->follow >> t->idx & 1)	/* the block goes on there */
			return true;
		exit_direct(t, x_jmp(b), t->pc + (int64_t)in->imm);
		return false;
	case RV_OP_JALR:
		a = gx(t, in->rs1, RAX);
		if (!t->j->sys)
			return emit_jalr_user(t, in, a, npc);
		if (in->imm)
			x_mb(b, XW, 0x8d, RAX, a, in->imm);	/* lea */
		else
			mov_rr(t, RAX, a);
		x_alu_ri(b, XW, ALU_AND, RAX, -2);
		if (rd) {
			d = dreg(t, rd, RDX);
			x_mov_imm(b, d, npc);
			put(t, rd, d);
		}
		wb(t);
		x_mb(b, XW, 0x89, RAX, RBX, OFF_PC);
		sys_ibtc_jump(t);
		return false;
	case RV_OP_BEQ: case RV_OP_BNE: case RV_OP_BLT: case RV_OP_BGE:
	case RV_OP_BLTU: case RV_OP_BGEU: {
		bool cmov = cmov_ok(t, in);

		if (cmov)
			cmov_compute(t, in);
		a = gx(t, in->rs1, RAX);
		if (in->rs2 == 0) {
			x_rr(b, XW, 0x85, a, a);		/* test a, a */
		} else {
			int c = gx(t, in->rs2, RCX);

			x_rr(b, XW, ALU_RM(ALU_CMP), a, c);
		}
		if (cmov) {
			cmov_commit(t, branch_cc[op - RV_OP_BEQ]);
			return true;
		}
		if (t->head && t->idx + 1 == t->end &&
		    t->pc + (uint64_t)(int64_t)in->imm == t->pc0) {
			/* the loop's back edge, inline: not taken leaves,
			 * taken pays the next round (what this one ran: it
			 * paid for all n) and goes to the head */
			exit_direct(t, x_jcc(b, branch_cc[op - RV_OP_BEQ] ^ 1), npc);
			x_rr(b, XW, 0x83, 5, RBP);		/* sub rbp, ran */
			e8(b, (uint8_t)(t->idx + 1 + t->done_off));
			x_patch(x_jcc(b, CC_G), t->head);
			wb(t);
			t->oob[t->noob++] = x_jmp(b);
			return false;
		}
		if (back_ok(t))		/* taken: an inner loop's round */
			back_fork(t, x_jcc(b, branch_cc[op - RV_OP_BEQ]));
		else if (t->tail_of[t->idx] >= 0)	/* taken: its tail, later */
			tail_fork(t, &t->tails[t->tail_of[t->idx]],
				  x_jcc(b, branch_cc[op - RV_OP_BEQ]));
		else
			exit_direct(t, x_jcc(b, branch_cc[op - RV_OP_BEQ]),
				    t->pc + (int64_t)in->imm);
		if (t->idx + 1 < t->end)	/* a side exit: the block goes on */
			return true;
		exit_direct(t, x_jmp(b), npc);
		return false;
	}
	case RV_OP_FENCE_I:
		wb(t);
		x_mov_imm(b, RAX, npc);
		x_mb(b, XW, 0x89, RAX, RBX, OFF_PC);
		x_mov_imm(b, RAX, (uint64_t)(uintptr_t)&t->j->flush_pending);
		x_mb(b, 0, 0xc6, 0, RAX, 0);
		e8(b, 1);
		x_patch(x_jmp(b), t->j->epilogue_nochain_st);
		return false;
	case RV_OP_CSRRW: case RV_OP_CSRRS:
	case RV_OP_CSRRC: case RV_OP_CSRRWI: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
		if (!t->j->sys && (fuse_fcmp(t, in) || emit_fcsr(t, in)))
			return true;
		emit_helper(t, in);
		if (t->j->sys && sys_csr(t->j, in) == 2) {
			/* the dispatcher looks at the new state */
			x_patch(x_jmp(b), t->j->epilogue_nochain);
			return false;
		}
		return true;
	default:
		if (emit_fp_fast(t, in))
			return true;
		emit_helper(t, in);
		if (rv_op_ends_block(op)) {
			/* ecall, ebreak, illegal stop in the helper; anything
			 * else that ends a block continues at cpu->pc */
			x_patch(x_jmp(b), t->j->epilogue_nochain);
			return false;
		}
		return true;
	}
}

/*
 * STRATA_EMU_PERFMAP=1: name each block after its guest pc in
 * /tmp/perf-PID.map, the file `perf report` reads for JIT code (how the
 * translator is profiled: which guest blocks the time goes to).
 */
/* STRATA_EMU_PERFMAP=2: also each block's host code, raw, in
 * /tmp/strata-jit-PID/PC.bin (objdump -D -b binary -mi386:x86-64) */
static void jit_dump_code(const uint8_t *code, const uint8_t *end, uint64_t pc)
{
	char path[80];
	int fd, n;

	n = snprintf(path, sizeof(path), "/tmp/strata-jit-%d", (int)getpid());
	mkdir(path, 0755);
	snprintf(path + n, sizeof(path) - (size_t)n, "/%lx.bin", (unsigned long)pc);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, code, (size_t)(end - code)) < 0)
		(void)0;
	close(fd);
}

static void jit_perfmap(struct jit *j, const uint8_t *code, const uint8_t *end,
			uint64_t pc)
{
	char line[64];
	int n;

	if (!j->perfmap) {
		const char *e = getenv("STRATA_EMU_PERFMAP");

		j->perfmap = -1;
		if (e && (e[0] == '1' || e[0] == '2')) {
			snprintf(line, sizeof(line), "/tmp/perf-%d.map", (int)getpid());
			j->perfmap = open(line, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (j->perfmap == 0)	/* 0 means "not asked yet" */
				j->perfmap = -1;
		}
	}
	if (j->perfmap < 0)
		return;
	n = snprintf(line, sizeof(line), "%lx %lx rv_%lx\n", (unsigned long)(uintptr_t)code,
		     (unsigned long)(end - code), (unsigned long)pc);
	if (write(j->perfmap, line, (size_t)n) < 0)
		j->perfmap = -1;
	if (getenv("STRATA_EMU_PERFMAP")[0] == '2')
		jit_dump_code(code, end, pc);
}

static bool is_branch(unsigned op)
{
	return op >= RV_OP_BEQ && op <= RV_OP_BGEU;
}

/* does a branch or jal of the block go to its start (a loop)? */
static bool jumps_to(const struct rv_insn *ins, const uint64_t *pcs, int n,
		     uint64_t pc0)
{
	int i;

	for (i = 0; i < n; i++)
		if ((is_branch(ins[i].op) || ins[i].op == RV_OP_JAL) &&
		    pcs[i] + (uint64_t)(int64_t)ins[i].imm == pc0)
			return true;
	return false;
}

/*
 * Does the block go on through the jal @in at @pc (j, or a call) to its
 * target, rather than end there?  When the target is in the block's page
 * (user mode: a fault reading it would not be the guest's; system mode:
 * forward, inside the copy decoded) and not the block's start (that is
 * the loop's back edge).  The jump costs nothing then, and the code
 * after it shares the block's registers: a loop whose paths meet again
 * through a jump (if/else, a continue) crosses fewer block boundaries.
 */
#define JIT_MAX_FOLLOW	4
static bool jit_follow(const struct jit *j, const struct rv_insn *in,
		       uint64_t pc, uint64_t pc0, uint64_t src_end)
{
	uint64_t target = pc + (uint64_t)(int64_t)in->imm;

	if (in->op != RV_OP_JAL || target == pc0 || (target ^ pc0) >> 12)
		return false;
	if (j->sys)
		return target > pc && target + 4 <= src_end;
	return true;
}

/*
 * System mode: what the hart must do itself (privileged state, traps,
 * the CSRs, anything the decoder calls illegal: SRET, WFI, SFENCE.VMA),
 * and F/D unless the FP state is on and Dirty (the hart's step raises
 * the illegal instruction or makes it Dirty).  A block ends before it.
 */
/* what cpu->sys->csr_inline says of a CSR instruction (0 when none) */
static int sys_csr(const struct jit *j, const struct rv_insn *in)
{
	unsigned op = in->op;
	/* csrrs/c: rs1 is the register or the immediate, 0 only reads */
	bool write = op == RV_OP_CSRRW || op == RV_OP_CSRRWI || in->rs1 != 0;

	if (!j->cpu->sys->csr_inline)
		return 0;
	return j->cpu->sys->csr_inline((uint32_t)in->imm & 0xfff, write);
}

static bool sys_for_hart(const struct jit *j, const struct rv_insn *in)
{
	unsigned op = in->op;

	switch (op) {
	case RV_OP_ILLEGAL: case RV_OP_ECALL: case RV_OP_EBREAK:
		return true;
	case RV_OP_CSRRW: case RV_OP_CSRRWI:
	case RV_OP_CSRRS: case RV_OP_CSRRC: case RV_OP_CSRRSI: case RV_OP_CSRRCI:
		return !sys_csr(j, in);
	default:
		return op >= RV_OP_FLW && !j->sys_fp;
	}
}

/* decode the instruction at @pc of the code at @src0 (@pc0's), when it
 * ends before @src_end */
static bool decode_at(const uint8_t *src0, uint64_t pc0, uint64_t pc,
		      uint64_t src_end, struct rv_insn *in)
{
	const uint8_t *src = src0 + (pc - pc0);
	uint16_t lo16, hi16 = 0;

	if (pc + 2 > src_end)
		return false;
	memcpy(&lo16, src, 2);
	if (rv_insn_len(lo16) == 4) {
		if (pc + 4 > src_end)
			return false;
		memcpy(&hi16, src + 2, 2);
	}
	rv_decode((uint32_t)hi16 << 16 | lo16, in);
	return true;
}

/*
 * User mode, a loop block: the path from @target back to the block's
 * start @pc0 (a branch or jal to it ends it), appended at ins[n]; at most
 * JIT_TAIL_LEN instructions and two side exits, in @pc0's page, through
 * jal like the body.  Returns the new n, or -1 when the path does not
 * come back (a jalr, an ecall, too long).
 */
static int decode_tail(struct rv_insn *ins, uint64_t *pcs, int n,
		       uint64_t pc0, const uint8_t *src0, uint64_t target,
		       uint64_t *follow, uint64_t *next)
{
	uint64_t pc = target, f = *follow, src_end = (pc0 | 4095) + 1, to;
	int m = n, nside = 0, nf = 0;

	while (m < JIT_MAX_INSNS && m - n < JIT_TAIL_LEN) {
		const struct rv_insn *in = &ins[m];

		if (!decode_at(src0, pc0, pc, src_end, &ins[m]))
			return -1;
		pcs[m++] = pc;
		to = pc + (uint64_t)(int64_t)in->imm;
		pc += in->len;
		if (in->op == RV_OP_JAL || is_branch(in->op)) {
			if (to == pc0) {		/* back to the start */
				*follow = f;
				*next = pc;
				return m;
			}
			if (is_branch(in->op)) {
				if (++nside > 2)
					return -1;
				continue;
			}
			if (nf++ == JIT_MAX_FOLLOW || (to ^ pc0) >> 12 ||
			    m == JIT_MAX_INSNS)
				return -1;
			f |= 1ull << (m - 1);
			pc = to;
			continue;
		}
		if (rv_op_ends_block(in->op))
			return -1;
	}
	return -1;
}

/* user mode: the body's branches back to an earlier instruction of it
 * (struct jit_back) */
static void jit_inner_loops(struct jit_tr *t, const struct rv_insn *ins,
			    const uint64_t *pcs, int n)
{
	int i, k;

	for (i = 0; i + 2 < n; i++)	/* a lazy frflags: no joins (join_mark()) */
		if (fcmp_pattern(&ins[i]))
			return;
	for (i = 1; i < n; i++) {
		uint64_t to = pcs[i] + (uint64_t)(int64_t)ins[i].imm;

		if (!is_branch(ins[i].op))
			continue;
		for (k = 1; k <= i && pcs[k] != to; k++)
			;
		if (k > i)
			continue;
		t->back_to[i] = (int8_t)k;
		t->join |= 1ull << k;
		t->joins[k].at = NULL;	/* until translated (not in a fusion) */
	}
}

/* a loop block's tails (see struct jit_tail): the new n */
static int jit_tails(struct jit_tr *t, struct rv_insn *ins, uint64_t *pcs,
		     int n, const uint8_t *src0, uint64_t *follow)
{
	uint64_t pc0 = t->pc0, to, next;
	int i, m, nt = 0;

	for (i = 0; i < n && nt < JIT_MAX_TAILS; i++) {
		if (!is_branch(ins[i].op) || t->back_to[i] >= 0)
			continue;
		to = pcs[i] + (uint64_t)(int64_t)ins[i].imm;
		if (to == pc0 || (to ^ pc0) >> 12)
			continue;
		if (i + 1 < n && pcs[i + 1] == pcs[i] + ins[i].len &&
		    ins[i].imm == ins[i].len + ins[i + 1].len &&
		    !is_chase(ins, pcs, i, n))
			continue;		/* a cmov's, perhaps */
		m = decode_tail(ins, pcs, n, pc0, src0, to, follow, &next);
		if (m < 0)
			continue;
		t->tails[nt] = (struct jit_tail){ .from = i, .start = n,
						  .end = m, .next = next };
		t->tail_of[i] = (int8_t)nt++;
		t->j->st.tails++;
		n = m;
	}
	return n;
}

/* translate ins[from, t->end) (the body, or a tail) */
static void jit_emit_part(struct jit_tr *t, int from, uint64_t next)
{
	int i;

	t->fwd_r = 0;
	for (i = from; i < t->end; i++) {
		bool more;

		if (!from && (t->join >> i & 1))
			join_mark(t, i);
		t->idx = i;
		t->pc = t->pcs[i];
		more = emit_insn(t, &t->ins[i]);
		i += t->skip;		/* a cmov, a lea took them */
		t->skip = 0;
		if (!more)
			return;
	}
	/* fell off the end: continue where decoding stopped */
	t->idx = t->end - 1;
	t->pc = t->pcs[t->idx];
	exit_direct(t, x_jmp(&t->b), next);
}

/* Decode and translate the block at cpu->pc, whose code is at host
 * address @src0.  A fault reading the first instruction is the guest's
 * fetch fault (pc is right); later instructions are in the same page.
 * System mode: NULL when the first instruction is for the hart (or
 * crosses into the next page). */
static uint8_t *jit_translate(struct jit *j, struct rv_cpu *cpu,
			      const uint8_t *src0, uintptr_t key)
{
	struct rv_insn ins[JIT_MAX_INSNS];
	uint64_t pcs[JIT_MAX_INSNS], follow = 0;
	uint64_t pc0 = cpu->pc, pc = pc0, page_end = (pc0 | 4095) + 1;
	uint64_t hi = pc0, src_end = page_end;	/* hi: system mode's end */
	uint8_t copy[JIT_MAX_INSNS * 4];
	struct jit_tr t;
	uint8_t *budget_jle, *code;
	int n = 0, i, nbr = 0, nfollow = 0, nmain;
	uint32_t gen = 0;
	bool loop;

	/* before the code is read: from now on an invalidation of its page
	 * (another thread's munmap, say) makes this block stale, where
	 * noting it after could miss one that came in between.  A block
	 * reads its page and at most a 4-byte instruction across its end. */
	jit_note_range(pc0 & ~4095ull, page_end + 2);
	if (j->sys) {
		/* decode a copy: what jit_page_sync() compares is what
		 * was translated, whatever another hart writes meanwhile */
		size_t len = page_end - pc0 < sizeof(copy) ?
			     page_end - pc0 : sizeof(copy);

		memcpy(copy, src0, len);
		src0 = copy;
		src_end = pc0 + len;
	}

	for (;;) {
		const uint8_t *src = src0 + (pc - pc0);
		uint16_t lo16, hi16 = 0;

		if (n > 0 && pc + 2 > src_end)
			break;
		memcpy(&lo16, src, 2);
		if (rv_insn_len(lo16) == 4) {
			if ((n > 0 || j->sys) && pc + 4 > src_end)
				break;
			memcpy(&hi16, src + 2, 2);
		}
		rv_decode((uint32_t)hi16 << 16 | lo16, &ins[n]);
		if (j->sys && sys_for_hart(j, &ins[n]))
			break;
		pcs[n] = pc;
		pc += ins[n].len;
		hi = pc > hi ? pc : hi;
		n++;
		if (n < JIT_MAX_INSNS && nfollow < JIT_MAX_FOLLOW &&
		    jit_follow(j, &ins[n - 1], pcs[n - 1], pc0, src_end)) {
			follow |= 1ull << (n - 1);
			nfollow++;
			pc = pcs[n - 1] + (uint64_t)(int64_t)ins[n - 1].imm;
			continue;
		}
		/* a branch back to the start ends a loop's body: what
		 * follows is another block (registers for the loop) */
		if (is_branch(ins[n - 1].op))
			nbr++;
		if (n == JIT_MAX_INSNS || (rv_op_ends_block(ins[n - 1].op) &&
					  !is_branch(ins[n - 1].op)) ||
		    nbr == JIT_MAX_SIDE ||
		    (is_branch(ins[n - 1].op) &&
		     pc - ins[n - 1].len + (uint64_t)(int64_t)ins[n - 1].imm == pc0))
			break;
	}
	if (!n)
		return NULL;
	memset(&t, 0, offsetof(struct jit_tr, exits));
	memset(t.tail_of, -1, sizeof(t.tail_of));
	memset(t.back_to, -1, sizeof(t.back_to));
	t.j = j;
	t.pc0 = pc0;
	nmain = n;
	loop = jumps_to(ins, pcs, n, pc0);
	/* a block whose side exit comes back to its start (glibc's strlen:
	 * the word test's exit, then the loop's branch) is a loop too, with
	 * that path as its tail, though its own code never branches back */
	if (!j->sys) {
		/* inner loops before the tails (a tail through an inner
		 * loop's branch would leave at its next round), and in a
		 * loop only, whose registers are loaded from the head on:
		 * making a block a loop for them, every register loaded at
		 * its entry, cost the entries that leave early (nbody's outer
		 * loop, tree's sieve) */
		jit_inner_loops(&t, ins, pcs, nmain);
		n = jit_tails(&t, ins, pcs, n, src0, &follow);
		if (!loop && n == nmain && t.join) {
			memset(t.back_to, -1, sizeof(t.back_to));
			t.join = 0;
			n = jit_tails(&t, ins, pcs, n, src0, &follow);
		}
		loop = loop || n > nmain;
	}
	for (i = 0; i + 2 < n && !j->sys; i++)
		if (fcmp_pattern(&ins[i])) {
			t.lazy_a = ins[i].rd;
			break;
		}
	if (j->sys) {
		jit_page_sync(j->tr_page, copy, (unsigned)(pc0 & 4095),
			      (unsigned)(hi - pc0));
		gen = j->tr_page->gen;
	}

	if ((size_t)(j->buf + JIT_CODE_SIZE - j->cur) < JIT_BLOCK_ROOM ||
	    (size_t)(j->buf + JIT_CODE_SIZE + JIT_DATA_SIZE - j->data_cur) <
		(JIT_MAX_INSNS + 1) * 16 ||
	    j->npool + JIT_MAX_INSNS > JIT_POOL ||
	    j->nsites + JIT_MAX_INSNS > JIT_SITES ||
	    j->nfsites + JIT_MAX_INSNS > JIT_FSITES ||
	    j->nhash >= (1u << j->hbits) / 2)
		jit_flush(j);

	t.sx = 1;		/* x0 */
	code = j->cur;
	t.b.p = code;
	x_rr(&t.b, XW, 0x83, 5, RBP);			/* sub rbp, n */
	e8(&t.b, n);
	budget_jle = x_jcc(&t.b, CC_LE);
	t.pc = pc0;
	t.pcs = pcs;
	t.follow = follow;
	jit_alloc(&t, ins, n, loop);
	for (i = 1; i < 32; i++)
		t.r14_guest |= t.host[i] == R14;
	if (j->sys) {
		for (i = 0; i < n; i++)
			if ((ins[i].op >= RV_OP_LB && ins[i].op <= RV_OP_SD) ||
			    ins[i].op == RV_OP_FLW || ins[i].op == RV_OP_FSW ||
			    ins[i].op == RV_OP_FLD || ins[i].op == RV_OP_FSD)
				break;
		if (i < n)
			sys_gen_check(&t);
	}
	if (loop) {
		/* a loop: registers stay in host registers around it */
		uint32_t fm = 0;
		unsigned r;

		for (r = 1; r < 32; r++)
			if (t.host[r] >= 0)
				gx(&t, r, RAX);
		for (i = 0; i < n; i++)
			fm |= fregs_of(&ins[i]);
		for (; fm; fm &= fm - 1)
			gf(&t, (unsigned)__builtin_ctz(fm), XMM_S0);
		/* what the body writes counts as dirty from the head on: the
		 * back edges then need no write-back */
		for (i = 0; i < n; i++) {	/* a superset, all loaded */
			r = ins[i].rd;
			if (r && t.host[r] >= 0 && !(JIT_PIN_MASK >> r & 1))
				t.dirty |= 1u << r;
			if (t.fhost[r] >= 0 && (t.floaded >> r & 1))
				t.fdirty |= 1u << r;
		}
		t.head = t.b.p;
		t.lazy_maybe = t.lazy_a != 0;	/* the back edges' state */
	}
	t.n = n;
	t.ins = ins;
	t.end = nmain;
	jit_emit_part(&t, 0, pc);
	for (i = 0; i < JIT_MAX_TAILS; i++) {
		struct jit_tail *tl = &t.tails[i];

		if (!tl->site)		/* none, or its branch not reached */
			continue;
		x_patch(tl->site, t.b.p);
		t.loaded = tl->loaded;
		t.dirty = tl->dirty;
		t.floaded = tl->floaded;
		t.fdirty = tl->fdirty;
		t.sx = tl->sx;
		t.pc_stored = tl->pc_stored;
		t.pc_hi_stored = tl->pc_hi_stored;
		t.frm_ok = tl->frm_ok;
		t.lazy_maybe = tl->lazy_maybe;
		t.end = tl->end;
		t.done_off = tl->done - tl->start;
		jit_emit_part(&t, tl->start, tl->next);
	}

	back_stubs(&t);
	/* exit stubs: the write-back, the budget a side exit skips, then
	 * the chained jump; unchained: cpu->pc = target, [rsp+8] = the
	 * site to patch */
	for (i = 0; i < t.nexits; i++) {
		struct jit_exit *e = &t.exits[i];

		x_patch(e->site, t.b.p);
		if (e->dirty || e->fdirty || e->refund || e->lazy ||
		    t.r14_guest) {
			if (e->lazy)
				lazy_emit(&t);
			wb_masks(&t, e->dirty, e->fdirty);
			if (t.r14_guest)	/* the next block's jalr table */
				x_mov_imm(&t.b, R14, (uint64_t)(uintptr_t)j);
			if (e->refund) {
				x_rr(&t.b, XW, 0x83, 0, RBP);	/* add rbp, refund */
				e8(&t.b, (uint8_t)e->refund);
			}
			e->site = x_jmp(&t.b);
			x_patch(e->site, t.b.p);
		}
		x_mov_imm(&t.b, RAX, e->target);
		x_mb(&t.b, XW, 0x89, RAX, RBX, OFF_PC);
		if (j->sys && (e->target ^ pc0) >> 12) {
			/* never chained: another page's block is checked */
			sys_ibtc_jump(&t);
			continue;
		}
		e8(&t.b, 0x48);				/* lea rax, [rip + site] */
		e8(&t.b, 0x8d);
		e8(&t.b, 0x05);
		e32(&t.b, 0);
		x_patch(t.b.p - 4, e->site);
		x_mem(&t.b, XW, 0x89, RAX, RSP, XNOIDX, 0, 8);
		x_patch(x_jmp(&t.b), j->epilogue);
	}
	/* back to the head: the budget of the next round (this one paid
	 * for all n), then the loop; out of budget, the write-back */
	for (i = 0; i < t.nloops; i++) {
		struct jit_exit *e = &t.loops[i];

		x_patch(e->site, t.b.p);
		x_rr(&t.b, XW, 0x83, 5, RBP);		/* sub rbp, n - refund */
		e8(&t.b, (uint8_t)(n - e->refund));
		x_patch(x_jcc(&t.b, CC_G), t.head);
		wb_masks(&t, e->dirty, e->fdirty);
		e->site = x_jmp(&t.b);
	}
	jit_emit_cold(&t);
	sys_gen_reset(&t);
	/* out of budget: give the block's instructions back, exit before it */
	x_patch(budget_jle, t.b.p);
	for (i = 0; i < t.nloops; i++)
		x_patch(t.loops[i].site, t.b.p);
	for (i = 0; i < t.noob; i++)
		x_patch(t.oob[i], t.b.p);
	if (t.lazy_a)
		lazy_emit(&t);
	x_rr(&t.b, XW, 0x83, 0, RBP);			/* add rbp, n */
	e8(&t.b, n);
	x_mov_imm(&t.b, RAX, pc0);
	x_mb(&t.b, XW, 0x89, RAX, RBX, OFF_PC);
	x_mem(&t.b, XW, 0xc7, 0, RSP, XNOIDX, 0, 8);	/* [rsp+8] = 1 */
	e32(&t.b, 1);
	x_patch(x_jmp(&t.b), j->epilogue);

	j->cur = (uint8_t *)(((uintptr_t)t.b.p + 15) & ~(uintptr_t)15);
	jit_perfmap(j, code, t.b.p, pc0);
	jit_insert(j, pc0, key, gen, code);
	j->st.blocks++;
	return code;
}

/* ---- the dispatcher --------------------------------------------------- */

/* --stats: where the calling thread's time goes, when asked (two clock
 * reads per entry into translated code, none otherwise). */
static bool jit_timing;

void rv_jit_set_timing(int on)
{
	jit_timing = on;
}

static uint64_t jit_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct jit_ret jit_enter(struct jit *j, struct rv_cpu *cpu,
				uint8_t *code, int64_t budget)
{
	uint64_t t0 = jit_timing ? jit_now_ns() : 0;
	struct jit_ret r;

	r = j->enter(cpu, code, budget);
	if (jit_timing)
		j->st.run_ns += jit_now_ns() - t0;
	r.budget += j->kicked;
	j->kicked = 0;
	return r;
}

/*
 * A host signal handler asks this thread's translated code to come back
 * to the dispatcher now (a guest signal to deliver) rather than when its
 * budget runs out, up to 2^24 instructions later: with rip in a block,
 * the budget register (rbp) is zeroed, so the next block entry or loop
 * round leaves, and the budget it held is added back in jit_enter().
 * Blocks only add to and subtract from rbp, so the count stays exact.
 * With rip elsewhere (the trampoline, a helper, strata) nothing changes:
 * the dispatcher, or the block the helper returns to, goes on as before.
 * Async-signal-safe.
 */
void rv_jit_kick(void *ucontext)
{
	struct jit *j = jit_self;
	ucontext_t *uc = ucontext;
	uintptr_t rip;

	if (!j || !uc)
		return;
	rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (rip < (uintptr_t)j->code_start || rip >= (uintptr_t)j->cur)
		return;
	j->kicked += (int64_t)uc->uc_mcontext.gregs[REG_RBP];
	uc->uc_mcontext.gregs[REG_RBP] = 0;
}

static uint8_t *jit_translate_timed(struct jit *j, struct rv_cpu *cpu,
				    const uint8_t *src, uintptr_t key)
{
	uint64_t t0 = jit_timing ? jit_now_ns() : 0;
	uint8_t *code = jit_translate(j, cpu, src, key);

	if (jit_timing)
		j->st.translate_ns += jit_now_ns() - t0;
	return code;
}

static void jit_run_start(struct jit *j, struct rv_cpu *cpu)
{
	j->cpu = cpu;
	jit_has_fma = __builtin_cpu_supports("fma");
	__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() & ~0x3fu);
}

/*
 * System mode (cpu->sys): blocks are keyed by their virtual pc and
 * checked at every lookup against what they were translated from: the
 * host address of the code through the fetch TLB of the current context
 * (so the physical page, and the right to execute it there), and whether
 * F/D ran inline.  Only a lookup enters a block; a block chains directly
 * only to blocks of its own guest page (same page, same translation and
 * rights), and indirect jumps come back here.  Nothing in translated
 * code changes the privilege, satp, sstatus or the CSRs: such
 * instructions end the run before them (sys_for_hart()), as do a fetch
 * the TLB cannot give (a fault, MMIO).  Returns RV_STOP_NONE when the
 * budget ran out or the instruction at cpu->pc is for the hart, or the
 * stop a helper reported (a memory fault, with cpu->pc at the access).
 */
static enum rv_stop jit_run_sys(struct rv_cpu *cpu, uint64_t max_insns)
{
	int64_t budget0, budget;
	uint64_t insns0 = cpu->insns, entry_pc = 0, nflush;
	enum rv_stop s = RV_STOP_NONE;
	uint8_t *site = NULL;
	struct jit *j = cpu->sys->code ? jit_get() : NULL;

	if (!j)		/* the caller interprets */
		return RV_STOP_NONE;
	/* another hart on this thread: its slots (TLB copies) and table
	 * entries were not made under this hart's TLB */
	if (!j->sys || j->mem_base || j->sys_cpu != cpu) {
		jit_flush(j);
		j->sys = true;
		j->mem_base = 0;
		j->sys_cpu = cpu;
	}
	cpu->stop = RV_STOP_NONE;
	jit_run_start(j, cpu);
	budget0 = max_insns && max_insns < INT64_MAX ? (int64_t)max_insns : INT64_MAX;
	budget = budget0;
	for (;;) {
		struct jit_page *page;
		const uint8_t *src;
		struct jit_ret r;
		uint8_t *code;
		uintptr_t key;
		unsigned k;
		bool fp;

		if (j->flush_pending) {	/* fence.i */
			j->flush_pending = 0;
			/* the key holds 24 bits of it: a wrap empties */
			if (!(++j->epoch & 0xffffff))
				jit_flush(j);
			site = NULL;
		}
		if (j->gen != __atomic_load_n(&jit_gen, __ATOMIC_ACQUIRE)) {
			jit_flush(j);
			site = NULL;
		}
		if (cpu->poll && __atomic_load_n(cpu->poll, __ATOMIC_RELAXED))
			break;
		src = cpu->sys->code(cpu, cpu->pc, &fp);
		if (!src)
			break;
		/* SUM (bit 1) does not change what may be fetched */
		j->ibtc_now = (uint64_t)(j->epoch & 0xffffff) << 40 |
			      (cpu->tlb_gen & ((1ull << 39) - 3)) << 1 | fp;
		k = (unsigned)(cpu->pc >> 1) & (JIT_IBTC - 1);
		if (j->ibtc[k].pc == cpu->pc && j->ibtc_key[k] == j->ibtc_now) {
			/* checked under the same lookup state */
			code = (uint8_t *)j->ibtc[k].code;
			goto enter;
		}
		page = jit_page(j, (uintptr_t)src & ~(uintptr_t)4095);
		if (!page) {
			jit_pages_clear(j);
			jit_flush(j);
			site = NULL;
			page = jit_page(j, (uintptr_t)src & ~(uintptr_t)4095);
			if (!page)
				break;
		}
		jit_page_check(j, page);
		/* pc is even: bit 0 of the key says F/D ran inline */
		key = (uintptr_t)src | fp;
		nflush = j->nflush;
		code = jit_lookup(j, cpu->pc, key, page->gen);
		j->st.lookups++;
		if (!code) {
			j->sys_fp = fp;
			j->tr_page = page;
			code = jit_translate_timed(j, cpu, src, key);
			if (!code)
				break;
			if (j->nflush != nflush)
				site = NULL;
		}
		j->ibtc[k].pc = cpu->pc;
		j->ibtc[k].code = code;
		j->ibtc_key[k] = j->ibtc_now;
enter:
		if (site && !((cpu->pc ^ entry_pc) >> 12)) {
			x_patch(site, code);
			j->st.chains++;
		}
		entry_pc = cpu->pc;
		r = jit_enter(j, cpu, code, budget);
		budget = r.budget;
		site = r.site;
		s = cpu->stop;
		if (s != RV_STOP_NONE || site == JIT_OUT_OF_BUDGET ||
		    site == JIT_INTERP_ONE || budget <= 0)
			break;
	}
	/* MXCSR gathered the flags of inline F/D (helpers fold first) */
	jit_fold_fflags(cpu);
	cpu->insns = insns0 + (uint64_t)(budget0 - budget);
	return s;
}

/* User mode: the guest's own code, its addresses the host's (plus
 * mem_base).  Returns at a stop, or when the budget ran out. */
static enum rv_stop jit_run_user(struct jit *j, struct rv_cpu *cpu,
				 uint64_t max_insns)
{
	int64_t budget0, budget;
	uint64_t insns0 = cpu->insns, nflush;
	enum rv_stop s = cpu->stop;
	uint8_t *site = NULL;

	if (j->sys) {
		jit_flush(j);
		j->sys = false;
	}

	if (s != RV_STOP_EXIT)
		__atomic_compare_exchange_n(&cpu->stop, &s, RV_STOP_NONE, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	j->cpu = cpu;
	if (j->mem_base != cpu->mem_base) {
		jit_flush(j);
		j->mem_base = cpu->mem_base;
		site = NULL;
	}
	jit_has_fma = __builtin_cpu_supports("fma");
	__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() & ~0x3fu);
	budget0 = max_insns && max_insns < INT64_MAX ? (int64_t)max_insns : INT64_MAX;
	budget = budget0;
	s = RV_STOP_NONE;
	for (;;) {
		struct jit_ret r;
		uint8_t *code;
		unsigned k;

		if (__atomic_load_n(&cpu->stop, __ATOMIC_RELAXED) == RV_STOP_EXIT) {
			s = RV_STOP_EXIT;
			break;
		}
		/* seq_cst: against rv_jit_invalidate_sync()'s look at
		 * running (a plain load on x86) */
		if (j->flush_pending ||
		    j->gen != __atomic_load_n(&jit_gen, __ATOMIC_SEQ_CST)) {
			jit_flush(j);
			site = NULL;
		}
		nflush = j->nflush;
		code = jit_lookup(j, cpu->pc, 0, 0);
		j->st.lookups++;
		if (!code) {
			code = jit_translate_timed(j, cpu,
				(const uint8_t *)(uintptr_t)(cpu->mem_base + cpu->pc), 0);
			if (j->nflush != nflush)
				site = NULL;
		}
		if (site) {
			x_patch(site, code);
			j->st.chains++;
		}
		k = (unsigned)(cpu->pc >> 1) & (JIT_IBTC - 1);
		j->ibtc[k].pc = cpu->pc;
		j->ibtc[k].code = code;

		r = jit_enter(j, cpu, code, budget);
		budget = r.budget;
		site = r.site;
		jit_fold_fflags(cpu);
		if (site == JIT_INTERP_ONE) {
			site = NULL;
			s = rv_interp_step(cpu);
			budget--;
			if (s != RV_STOP_NONE)
				break;
		}
		s = __atomic_load_n(&cpu->stop, __ATOMIC_RELAXED);
		if (s != RV_STOP_NONE || site == JIT_OUT_OF_BUDGET || budget <= 0)
			break;
	}
	cpu->insns = insns0 + (uint64_t)(budget0 - budget);
	return s;
}

enum rv_stop rv_jit_run(struct rv_cpu *cpu, uint64_t max_insns)
{
	enum rv_stop s;
	struct jit *j;

	if (jit_enabled < 0) {
		const char *e = getenv("STRATA_EMU_INTERP");

		jit_enabled = !(e && e[0] && strcmp(e, "0") != 0);
	}
	if (cpu->sys)
		return jit_run_sys(cpu, max_insns);
	if (!jit_enabled || cpu->regions || !(j = jit_get()))
		return rv_interp_run(cpu, max_insns);
	/* a fault leaves by siglongjmp: rv_jit_fault() clears it then */
	__atomic_store_n(&j->running, 1, __ATOMIC_SEQ_CST);
	s = jit_run_user(j, cpu, max_insns);
	__atomic_store_n(&j->running, 0, __ATOMIC_RELEASE);
	return s;
}

/* What a fault site's record adds: the lea a fused load skipped, a lazy
 * frflags owed, guest FP registers newer in xmm registers. */
static void fault_fsite(struct jit *j, const struct jit_fsite *fs,
			const ucontext_t *uc)
{
	int k;

	if (fs->lea_x) {	/* the lea a fused load skipped */
		static const int hreg[16] = {
			REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
			REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11,
			REG_R12, REG_R13, REG_R14, REG_R15,
		};
		const greg_t *g = uc->uc_mcontext.gregs;

		j->cpu->x[fs->lea_x] = (fs->lea_base == LEA_NOBASE ? 0 :
					 (uint64_t)g[hreg[fs->lea_base & 15]]) +
			((uint64_t)g[hreg[fs->lea_index & 15]] << fs->lea_sc) +
			(uint64_t)(int64_t)fs->lea_disp;
	}
	if (fs->lazy) {		/* x[lazy] owed (lazy_emit()) */
		const uint8_t *frame = (const uint8_t *)uc->uc_mcontext.gregs[REG_RSP];
		uint32_t m;

		memcpy(&m, frame + LAZY_MXCSR, 4);
		if (frame[LAZY_OWED])
			j->cpu->x[fs->lazy] =
				(jit_mxcsr_fflags[m & 0x3f] | j->cpu->fcsr) & 0x1f;
	}
	if (!uc->uc_mcontext.fpregs)
		return;
	for (k = 0; k < 16; k++)
		if (fs->fdirty[k])
			memcpy(&j->cpu->f[fs->fdirty[k] - 1],
			       uc->uc_mcontext.fpregs->_xmm[k].element, 8);
}

/*
 * A host SIGSEGV/SIGBUS: when it hit a guest access in this thread's
 * translated code, complete the guest state the interpreter would leave
 * (cpu->pc at the access, the dirty registers from the host registers
 * that hold them).  Faults elsewhere (the interpreter, a helper) already
 * left it exact.  Async-signal-safe.
 */
void rv_jit_fault(void *ucontext)
{
	static const int greg[] = { REG_R12, REG_R13, REG_RSI, REG_RDI,
				    REG_R8, REG_R9, REG_R10, REG_R11, REG_R15,
				    REG_R14 };	/* as jit_pool_regs[] */
	struct jit *j = jit_self;
	ucontext_t *uc = ucontext;
	uintptr_t rip;
	uint32_t off;
	unsigned lo, hi;
	int k;

	_Static_assert(sizeof(greg) / sizeof(greg[0]) == JIT_NREGS, "pool");
	_Static_assert(sizeof(struct jit_site) == 24, "site size");
	if (!j || !j->cpu || !uc)
		return;
	__atomic_store_n(&j->running, 0, __ATOMIC_RELEASE);	/* the run ends */
	rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (rip < (uintptr_t)j->buf || rip >= (uintptr_t)j->buf + JIT_CODE_SIZE)
		return;
	off = (uint32_t)(rip - (uintptr_t)j->buf);
	lo = 0;
	hi = j->nsites;
	while (lo < hi) {	/* the last site starting at or before rip */
		unsigned mid = lo + (hi - lo) / 2;

		if (j->sites[mid].start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off >= (uint32_t)j->sites[lo - 1].start + j->sites[lo - 1].len)
		return;
	lo--;
	j->cpu->pc = j->sites[lo].pc;
	for (k = 0; k < JIT_NREGS; k++)
		if (j->sites[lo].dirty[k])
			j->cpu->x[j->sites[lo].dirty[k]] =
				(uint64_t)uc->uc_mcontext.gregs[greg[k]];
	if (j->sites[lo].fsite)
		fault_fsite(j, &j->fsites[j->sites[lo].fsite - 1], uc);
	/* the flags MXCSR gathered since the last fold live only in the
	 * saved context: the kernel gives a handler a fresh MXCSR, and ours
	 * leaves by siglongjmp (after the lazy frflags above: it read the
	 * flags before these) */
	if (uc->uc_mcontext.fpregs) {
		j->cpu->fcsr |= jit_mxcsr_fflags[uc->uc_mcontext.fpregs->mxcsr & 0x3f];
		uc->uc_mcontext.fpregs->mxcsr &= ~0x3fu;
	}
}
