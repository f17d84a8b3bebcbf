/* threads: pthread_create/join, C11 atomics and a mutex-protected
 * counter hammered by several threads, thread-local storage, a bounded
 * producer/consumer queue on a mutex and two condition variables, and
 * pthread_exit from a thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NTHREADS 4
#define NINC 20000

static atomic_long counter;
static long locked_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread long mine;
static atomic_int distinct_tids;
static pid_t main_tid;

static void *incr(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < NINC; i++) {
		atomic_fetch_add(&counter, 1);
		pthread_mutex_lock(&lock);
		locked_counter++;
		pthread_mutex_unlock(&lock);
		mine++;
	}
	if (syscall(SYS_gettid) != main_tid && syscall(SYS_gettid) != getpid())
		atomic_fetch_add(&distinct_tids, 1);
	return (void *)(mine * 10 + id);
}

#define QCAP 8
#define NITEMS 5000
static int queue[QCAP], qhead, qlen;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg)
{
	int i;

	for (i = 1; i <= NITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (qlen == QCAP)
			pthread_cond_wait(&not_full, &qlock);
		queue[(qhead + qlen++) % QCAP] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	int i, v;

	for (i = 0; i < NITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (qlen == 0)
			pthread_cond_wait(&not_empty, &qlock);
		v = queue[qhead];
		qhead = (qhead + 1) % QCAP;
		qlen--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&qlock);
		sum += v;
	}
	return (void *)sum;
}

static void *exits_early(void *arg)
{
	pthread_exit((void *)42);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS], p, c;
	void *r;
	long i, ok = 1;

	main_tid = syscall(SYS_gettid);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, incr, (void *)i))
			return perror("pthread_create"), 1;
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &r);
		ok &= (long)r == NINC * 10L + i;
	}
	printf("atomic counter %ld, locked counter %ld, thread results %s\n",
	       (long)counter, locked_counter, ok ? "ok" : "WRONG");
	printf("threads had their own tids: %d, main tls untouched: %ld\n",
	       atomic_load(&distinct_tids), mine);

	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, &r);
	printf("consumer sum %ld (expected %ld)\n", (long)r, (long)NITEMS * (NITEMS + 1) / 2);

	pthread_create(&p, NULL, exits_early, NULL);
	pthread_join(p, &r);
	printf("pthread_exit value %ld\n", (long)r);

	/* a thread still running at exit: exit_group ends it */
	pthread_create(&p, NULL, producer, NULL);
	usleep(1000);
	printf("exiting with a thread blocked\n");
	fflush(stdout);
	return 3;
}
