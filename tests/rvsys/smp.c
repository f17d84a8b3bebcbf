/*
 * smp -- /init stressing several system-mode harts at once: threads doing
 * AMOs, a futex mutex (LR/SC), and mmap/munmap churn, whose TLB
 * shootdowns are SBI remote fences between harts.  Prints "smp: PASS"
 * when the counts add up, then powers off.
 *
 *	riscv64-linux-gnu-gcc -O2 -static -pthread tests/rvsys/smp.c -o /tmp/smp
 *	strata vm run --arch riscv64 --cpus 4 --kernel Image --initrd CPIO
 *	(or STRATA_RV_INIT=/tmp/smp with tests/unit/rv_hart_linux, one hart)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/reboot.h>

#define THREADS	4
#define ITERS	200000

static atomic_long counter;
static long locked;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < ITERS; i++) {
		atomic_fetch_add(&counter, 1);
		if ((i & 15) == 0) {
			pthread_mutex_lock(&mu);
			locked++;
			pthread_mutex_unlock(&mu);
		}
		if ((i & 4095) == 0) {
			char *p = mmap(0, 65536, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			memset(p, (int)id, 65536);
			if (p[65535] != (char)id)
				abort();
			munmap(p, 65536);
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	int ok;

	printf("smp: %ld cpus online\n", sysconf(_SC_NPROCESSORS_ONLN));
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], 0, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], 0);
	ok = counter == THREADS * ITERS && locked == THREADS * (ITERS / 16);
	printf("smp: atomic %ld (want %d), mutex %ld (want %d)\n",
	       (long)counter, THREADS * ITERS, locked, THREADS * (ITERS / 16));
	printf("smp: %s\n", ok ? "PASS" : "FAIL");
	reboot(RB_POWER_OFF);
	return 0;
}
