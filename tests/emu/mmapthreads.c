/* mmapthreads: threads that map, protect, fill, check and unmap memory
 * all at once, as malloc's arenas and thread stacks do in a threaded
 * program, while another thread reads /proc/self/maps.  Every call must
 * succeed and every mapping keep what its thread wrote: strata's record
 * of the guest's ranges is shared by all threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NTHREADS 4
#define ROUNDS 3000
#define KEEP 8		/* mappings each thread holds at a time */

static atomic_int failures;
static atomic_int done;

static void fail(long id, const char *what, long round)
{
	if (atomic_fetch_add(&failures, 1) < 5)
		printf("thread %ld: %s (round %ld)\n", id, what, round);
}

/* a mapping's pages hold its thread, its round and the page number */
static uint64_t mark(long id, long round, long page)
{
	return (uint64_t)id << 48 | (uint64_t)round << 16 | (uint64_t)page;
}

static int intact(const uint64_t *m, long id, long round, long pages)
{
	long i;

	for (i = 0; i < pages; i++)
		if (m[i * 512] != mark(id, round, i))
			return 0;
	return 1;
}

static void *churn(void *arg)
{
	long id = (long)arg, r, i, k;
	uint64_t *held[KEEP] = { 0 };
	long held_round[KEEP], held_pages[KEEP];
	unsigned seed = (unsigned)id * 7919u + 1;

	for (r = 0; r < ROUNDS; r++) {
		long pages = 1 + (long)(rand_r(&seed) % 24);
		uint64_t *m;

		k = r % KEEP;
		if (held[k]) {
			if (!intact(held[k], id, held_round[k], held_pages[k]))
				fail(id, "a mapping lost its contents", r);
			/* its first page goes alone, then the rest */
			if (munmap(held[k], 4096) || (held_pages[k] > 1 &&
			    munmap((char *)held[k] + 4096, (size_t)(held_pages[k] - 1) * 4096)))
				fail(id, "munmap failed", r);
		}
		m = mmap(NULL, (size_t)pages * 4096, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			fail(id, "mmap failed", r);
			held[k] = NULL;
			continue;
		}
		if (mprotect(m, (size_t)pages * 4096, PROT_READ | PROT_WRITE))
			fail(id, "mprotect failed", r);
		for (i = 0; i < pages; i++)
			m[i * 512] = mark(id, r, i);
		held[k] = m;
		held_round[k] = r;
		held_pages[k] = pages;
	}
	for (k = 0; k < KEEP; k++)
		if (held[k] && munmap(held[k], (size_t)held_pages[k] * 4096))
			fail(id, "munmap failed", ROUNDS);
	atomic_fetch_add(&done, 1);
	return NULL;
}

/* /proc/self/maps read while the others change it: it must open and
 * end with a line */
static void *reader(void *arg)
{
	char buf[65536];
	long reads = 0;

	(void)arg;
	while (atomic_load(&done) < NTHREADS) {
		FILE *f = fopen("/proc/self/maps", "r");
		size_t n;

		if (!f) {
			fail(-1, "/proc/self/maps does not open", reads);
			break;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (n == 0 || (n < sizeof(buf) && buf[n - 1] != '\n'))
			fail(-1, "/proc/self/maps is cut", reads);
		reads++;
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS], rd;
	long i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&rd, NULL, reader, NULL))
		return 2;
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, churn, (void *)i))
			return 2;
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(rd, NULL);
	printf("%d threads, %d rounds each: %s\n", NTHREADS, ROUNDS,
	       atomic_load(&failures) ? "FAILED" : "every mapping intact");
	return atomic_load(&failures) ? 1 : 0;
}
