/* xmodify: code one thread rewrites is what another runs once the
 * writer's riscv_flush_icache returned, as a JIT in the guest relies on.
 * The writer makes a function `li a0, V; ret` for V = 1, 2, ...: it
 * writes the instruction, flushes (__builtin___clear_cache, the system
 * call on riscv64 Linux) and only then publishes V.  The caller loops:
 * reads the published V, calls the function, and must get V or later --
 * never older, as Linux finishes the flush on every hart before the call
 * returns.  Then a thread flushes again and again while the main thread
 * computes between short blocking calls: none of them may fail with
 * EINTR (no signal was sent to the program). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define VERSIONS 300

static uint32_t *code;
static atomic_long published;
static atomic_int done;

/* addi a0, zero, v (v < 2048); ret */
static void write_fn(long v)
{
	code[0] = (uint32_t)(v << 20) | (10u << 7) | 0x13;
	code[1] = 0x00008067;
	__builtin___clear_cache((char *)code, (char *)(code + 2));
}

static void *writer(void *arg)
{
	long v;

	(void)arg;
	for (v = 2; v <= VERSIONS; v++) {
		struct timespec ts = { 0, 200000 };

		write_fn(v);
		atomic_store(&published, v);
		nanosleep(&ts, NULL);	/* the caller runs this version a while */
	}
	atomic_store(&done, 1);
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	while (!atomic_load(&done)) {
		((volatile char *)code)[1000]++;	/* not the function's bytes */
		__builtin___clear_cache((char *)code + 1000, (char *)code + 1004);
	}
	return NULL;
}

/* short blocking calls while code changes: how many failed with EINTR */
static long calls_interrupted(long (*fn)(void))
{
	volatile long spin = 0;
	long eintr = 0;
	int i, k, fds[2];
	pthread_t f;

	if (pipe(fds) || pthread_create(&f, NULL, flusher, NULL))
		return -1;
	for (i = 0; i < 3000; i++) {
		struct pollfd pf = { fds[0], POLLIN, 0 };
		struct timespec ts = { 0, 1000 };

		fn();
		for (k = 0; k < 2000; k++)
			spin++;
		if (poll(&pf, 1, 0) < 0 && errno == EINTR)
			eintr++;
		if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
			eintr++;
	}
	atomic_store(&done, 1);
	pthread_join(f, NULL);
	return eintr;
}

int main(void)
{
	long (*fn)(void);
	long stale = 0, calls = 0;
	pthread_t w;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return 2;
	write_fn(1);
	atomic_store(&published, 1);
	fn = (long (*)(void))(void *)code;
	if (pthread_create(&w, NULL, writer, NULL))
		return 2;
	while (!atomic_load(&done)) {
		long want = atomic_load(&published);

		if (fn() < want)
			stale++;
		calls++;
	}
	pthread_join(w, NULL);
	if (stale)
		printf("stale: %ld of %ld calls ran an older version\n", stale, calls);
	else
		printf("%d versions: each call ran the published one or newer\n", VERSIONS);
	atomic_store(&done, 0);
	calls = calls_interrupted(fn);
	printf("blocking calls that failed with EINTR meanwhile: %ld\n", calls);
	return stale != 0 || calls != 0;
}
