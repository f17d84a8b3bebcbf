/*
 * race -- /init stressing what SMP Linux asks of system-mode harts under
 * the translator (issue 6: a user heap corrupted with 2 harts): each
 * part checks its own data, prints "race: NAME ok" or "race: NAME FAIL
 * ...", and the program "race: PASS" or "race: FAIL", then powers off
 * (as pid 1; otherwise it exits 0 or 1).
 *
 *  cow     one thread, deterministic: a page read, another page's
 *          copy-on-write fault, the first page's own copy-on-write fault,
 *          the page read again through the same load instruction: it must
 *          show the parent's new copy, not the page the child keeps (a
 *          translated load's TLB copy must not outlive an SFENCE.VMA of
 *          its page);
 *  fork    threads on every hart rewrite and check their buffers while
 *          the main thread forks (write-protect, remote shootdowns, COW
 *          faults on the other harts) and the children check theirs;
 *  mmap    threads map, check zero, fill, mprotect, check and unmap pages
 *          while one writes a shared page the main thread keeps
 *          replacing (MAP_FIXED): a store through a stale translation
 *          lands in a freed page, which the next owner finds not zero;
 *  malloc  blocks allocated, filled and queued by one thread, checked
 *          and freed by another (glibc's tcache and arenas across harts);
 *  lrsc    compare-and-swap loops (LR/SC), AMOs and plain stores to the
 *          same words and granules from every hart: no update lost.
 *
 * Each part runs RACE_SECS seconds (environment, from the kernel command
 * line; default 2) on the monotonic clock; RACE_PARTS=malloc,lrsc runs
 * only those.
 *
 *	riscv64-linux-gnu-gcc -O2 -static -pthread tests/rvsys/race.c -o race
 *	(the system tests append it as /init to the reference initramfs)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PAGE		4096
#define MAX_THREADS	8

static double secs = 2.0;
static int nthreads;
static atomic_int failed;

/*
 * The system call, not the vDSO: Linux 6.1's riscv vDSO spins in
 * vdso_read_begin() with cpu_relax(), whose static-key test reads an
 * unrelocated GOT entry (riscv_isa_ext_keys): a NULL load, SIGSEGV,
 * whenever a reader meets the time data mid-update on another hart --
 * on any SMP machine, QEMU's and hardware's alike.
 */
static double now(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *part, const char *fmt, long a, long b)
{
	char what[160];

	snprintf(what, sizeof(what), fmt, a, b);
	printf("race: %s FAIL %s\n", part, what);
	fflush(stdout);
	atomic_store(&failed, 1);
}

/* one load and one store instruction each, whatever the address: their
 * TLB copies in translated code move from page to page */
static __attribute__((noinline)) long peek(volatile long *p)
{
	return *p;
}

static __attribute__((noinline)) void poke(volatile long *p, long v)
{
	*p = v;
}

/* ---- cow ---------------------------------------------------------------- */

#define COW_PAGES	64

static int cow_round(long round)
{
	volatile long *m = mmap(0, COW_PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int go[2], bad = 0, st;
	pid_t pid;

	if (m == MAP_FAILED || pipe(go))
		return -1;
	for (int i = 0; i < COW_PAGES; i++)
		m[i * PAGE / 8] = round * 1000 + i;
	pid = fork();
	if (pid == 0) {		/* keeps the pages shared until told */
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < COW_PAGES; i++)
			if (m[i * PAGE / 8] != round * 1000 + i)
				_exit(2);
		_exit(0);
	}
	close(go[0]);
	for (int i = 0; i + 1 < COW_PAGES; i += 2) {
		volatile long *p = m + i * PAGE / 8, *q = p + PAGE / 8;
		long want = -(round * 1000 + i);

		peek(p);
		peek(q);
		poke(q, 7);		/* q's COW fault: SFENCE.VMA q */
		peek(p);
		poke(p, want);		/* p's COW fault: SFENCE.VMA p */
		if (peek(p) != want && !bad++)
			fail("cow", "page %ld reads %ld after its COW fault",
			     i, peek(p));
	}
	if (write(go[1], "x", 1) != 1)
		bad++;
	close(go[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		if (!bad++)
			fail("cow", "the child saw its pages change (%ld) %ld",
			     WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	}
	munmap((void *)m, COW_PAGES * PAGE);
	return bad;
}

static void part_cow(void)
{
	double end = now() + secs / 2;
	long round = 0;

	do {
		if (cow_round(round++))
			return;
	} while (now() < end);
	printf("race: cow ok (%ld rounds)\n", round);
}

/* ---- fork --------------------------------------------------------------- */

#define FORK_PAGES	16

static atomic_int stop_threads;

static void *fork_worker(void *arg)
{
	long id = (long)arg, round = 0;
	volatile long *b = mmap(0, FORK_PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	while (!atomic_load(&stop_threads)) {
		long v = id << 40 | round++;

		for (int i = 0; i < FORK_PAGES * PAGE / 8; i += 64)
			poke(b + i, v + i);
		for (int i = 0; i < FORK_PAGES * PAGE / 8; i += 64)
			if (peek(b + i) != v + i) {
				fail("fork", "thread %ld: a word reads %ld",
				     id, peek(b + i) - v);
				return NULL;
			}
	}
	munmap((void *)b, FORK_PAGES * PAGE);
	return NULL;
}

/* the child: its own writes to the memory it inherited stick */
static int fork_child(long n)
{
	long *a = malloc(8 * PAGE);

	if (!a)
		return 1;
	for (int r = 0; r < 4; r++) {
		for (int i = 0; i < 8 * PAGE / 8; i += 16)
			a[i] = n + r + i;
		for (int i = 0; i < 8 * PAGE / 8; i += 16)
			if (a[i] != n + r + i)
				return 2;
	}
	free(a);
	return 0;
}

static void part_fork(void)
{
	pthread_t t[MAX_THREADS];
	double end = now() + secs;
	long forks = 0;
	int st;

	atomic_store(&stop_threads, 0);
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], 0, fork_worker, (void *)i);
	do {
		pid_t pid = fork();

		if (pid == 0)
			_exit(fork_child(forks));
		if (pid < 0 || waitpid(pid, &st, 0) != pid ||
		    !WIFEXITED(st) || WEXITSTATUS(st)) {
			fail("fork", "child %ld ended with status %ld", forks,
			     pid < 0 ? -1 : st);
			break;
		}
		forks++;
	} while (now() < end && !atomic_load(&failed));
	atomic_store(&stop_threads, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], 0);
	if (!atomic_load(&failed))
		printf("race: fork ok (%ld forks)\n", forks);
}

/* ---- mmap --------------------------------------------------------------- */

static volatile long *shared_page;

static void *mmap_writer(void *arg)
{
	long v = 0;

	(void)arg;
	while (!atomic_load(&stop_threads))
		for (int i = 0; i < PAGE / 8; i += 8)
			poke(shared_page + i, ++v);
	return NULL;
}

static void *mmap_worker(void *arg)
{
	long id = (long)arg, round = 0;

	while (!atomic_load(&stop_threads) && !atomic_load(&failed)) {
		int n = 1 + (int)(round % 4);
		long *p = mmap(0, n * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		for (int i = 0; i < n * PAGE / 8; i++)
			if (p[i]) {
				fail("mmap", "a new page holds %ld at word %ld",
				     p[i], i);
				return NULL;
			}
		for (int i = 0; i < n * PAGE / 8; i++)
			p[i] = id << 32 | i;
		if (round & 1) {
			mprotect(p, n * PAGE, PROT_READ);
			for (int i = 0; i < n * PAGE / 8; i += 32)
				if (p[i] != (id << 32 | i))
					fail("mmap", "read-only word %ld: %ld",
					     i, p[i]);
			mprotect(p, n * PAGE, PROT_READ | PROT_WRITE);
		}
		for (int i = 0; i < n * PAGE / 8; i++)
			if (p[i] != (id << 32 | i)) {
				fail("mmap", "word %ld reads %ld", i, p[i]);
				return NULL;
			}
		munmap(p, n * PAGE);
		round++;
	}
	return NULL;
}

static void part_mmap(void)
{
	pthread_t t[MAX_THREADS + 1];
	int nworkers = nthreads > 1 ? nthreads - 1 : 1;
	double end = now() + secs;
	long swaps = 0;
	void *page;

	page = mmap(0, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared_page = page;
	atomic_store(&stop_threads, 0);
	pthread_create(&t[0], 0, mmap_writer, NULL);
	for (long i = 1; i < nworkers + 1; i++)
		pthread_create(&t[i], 0, mmap_worker, (void *)i);
	do {
		/* a fresh page at the same address: the old one is freed */
		if (mmap(page, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != page) {
			fail("mmap", "MAP_FIXED failed %ld %ld", 0, 0);
			break;
		}
		swaps++;
		usleep(200);
	} while (now() < end && !atomic_load(&failed));
	atomic_store(&stop_threads, 1);
	for (int i = 0; i < nworkers + 1; i++)
		pthread_join(t[i], 0);
	munmap(page, PAGE);
	if (!atomic_load(&failed))
		printf("race: mmap ok (%ld swaps)\n", swaps);
}

/* ---- malloc ------------------------------------------------------------- */

#define QLEN	256

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *item[QLEN];
	size_t size[QLEN];
	unsigned head, tail;
	int done;
};

static struct queue q = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
};

static unsigned char pattern(size_t size, size_t i)
{
	return (unsigned char)(size * 31 + i * 7);
}

static void *malloc_producer(void *arg)
{
	unsigned seed = (unsigned)(long)arg;

	while (!atomic_load(&stop_threads)) {
		size_t size = 8 + rand_r(&seed) % 2000;
		unsigned char *p = malloc(size), *tmp = malloc(size / 2 + 1);

		if (!p || !tmp)
			break;
		for (size_t i = 0; i < size; i++)
			p[i] = pattern(size, i);
		memset(tmp, 0xa5, size / 2 + 1);
		free(tmp);
		pthread_mutex_lock(&q.mu);
		while (q.tail - q.head == QLEN && !atomic_load(&stop_threads))
			pthread_cond_wait(&q.cv, &q.mu);
		if (q.tail - q.head == QLEN) {	/* stopped while full */
			pthread_mutex_unlock(&q.mu);
			free(p);
			break;
		}
		q.item[q.tail % QLEN] = p;
		q.size[q.tail % QLEN] = size;
		q.tail++;
		pthread_cond_broadcast(&q.cv);
		pthread_mutex_unlock(&q.mu);
	}
	return NULL;
}

static void *malloc_consumer(void *arg)
{
	long checked = 0;

	(void)arg;
	for (;;) {
		unsigned char *p;
		size_t size;

		pthread_mutex_lock(&q.mu);
		while (q.tail == q.head && !q.done)
			pthread_cond_wait(&q.cv, &q.mu);
		if (q.tail == q.head) {
			pthread_mutex_unlock(&q.mu);
			break;
		}
		p = q.item[q.head % QLEN];
		size = q.size[q.head % QLEN];
		q.head++;
		pthread_cond_broadcast(&q.cv);
		pthread_mutex_unlock(&q.mu);
		for (size_t i = 0; i < size; i++)
			if (p[i] != pattern(size, i)) {
				long w[2];

				memcpy(w, p, sizeof(w));
				printf("race: malloc block %p: %lx %lx\n",
				       (void *)p, w[0], w[1]);
				fail("malloc", "a block of %ld: byte %ld", (long)size,
				     (long)i);
				break;
			}
		free(p);
		checked++;
	}
	return (void *)checked;
}

static void part_malloc(void)
{
	pthread_t prod[MAX_THREADS], cons[MAX_THREADS];
	int np = nthreads > 1 ? nthreads / 2 : 1;
	long checked = 0;
	void *r;

	atomic_store(&stop_threads, 0);
	for (long i = 0; i < np; i++) {
		pthread_create(&prod[i], 0, malloc_producer, (void *)(i + 1));
		pthread_create(&cons[i], 0, malloc_consumer, NULL);
	}
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop_threads, 1);
	pthread_mutex_lock(&q.mu);
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (int i = 0; i < np; i++)
		pthread_join(prod[i], 0);
	pthread_mutex_lock(&q.mu);
	q.done = 1;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (int i = 0; i < np; i++) {
		pthread_join(cons[i], &r);
		checked += (long)r;
	}
	if (!atomic_load(&failed))
		printf("race: malloc ok (%ld blocks)\n", checked);
}

/* ---- lrsc --------------------------------------------------------------- */

/* one 8-byte granule: a CAS-counted word and a word only its owner
 * stores to, plainly */
static struct {
	_Alignas(64) _Atomic uint32_t cas;
	volatile uint32_t plain;
	_Atomic long amo;
	_Atomic long cas64;
} g;
static long lrsc_iters[MAX_THREADS];

static void *lrsc_worker(void *arg)
{
	long id = (long)arg, n = 0;
	double end = now() + secs / 2;

	while (now() < end) {
		for (int k = 0; k < 1000; k++, n++) {
			uint32_t old = atomic_load_explicit(&g.cas,
							    memory_order_relaxed);
			long old64 = atomic_load_explicit(&g.cas64,
							  memory_order_relaxed);

			while (!atomic_compare_exchange_weak(&g.cas, &old,
							     old + 1))
				;
			while (!atomic_compare_exchange_weak(&g.cas64, &old64,
							     old64 + 3))
				;
			atomic_fetch_add(&g.amo, 2);
			if (id == 0)
				g.plain = (uint32_t)n;	/* same granule */
		}
	}
	lrsc_iters[id] = n;
	return NULL;
}

static void part_lrsc(void)
{
	pthread_t t[MAX_THREADS];
	long total = 0;

	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], 0, lrsc_worker, (void *)i);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], 0);
		total += lrsc_iters[i];
	}
	if (g.cas != (uint32_t)total || g.amo != 2 * total ||
	    g.cas64 != 3 * total)
		fail("lrsc", "%ld increments, the CAS word counts %ld", total,
		     (long)g.cas);
	else
		printf("race: lrsc ok (%ld increments)\n", total);
}

static const struct {
	const char *name;
	void (*run)(void);
} part[] = {
	{ "cow", part_cow }, { "fork", part_fork }, { "mmap", part_mmap },
	{ "malloc", part_malloc }, { "lrsc", part_lrsc },
};

int main(void)
{
	const char *s = getenv("RACE_SECS"), *parts = getenv("RACE_PARTS");
	int ok;

	if (s && atof(s) > 0)
		secs = atof(s);
	nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!parts || !strcmp(parts, "all"))
		parts = "cow,fork,mmap,malloc,lrsc";
	printf("race: %d cpus, %g s a part\n", nthreads, secs);
	for (unsigned i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		if (strstr(parts, part[i].name) && !atomic_load(&failed))
			part[i].run();
	ok = !atomic_load(&failed);
	printf("race: %s\n", ok ? "PASS" : "FAIL");
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return ok ? 0 : 1;
}
