/* sigexit: a signal sent to the process while its threads come and go
 * is handled by one that does not block it, never lost with a thread
 * that was ending when it came.  The main thread and a spawner block
 * SIGUSR1; the spawner's short-lived threads unblock it and end by the
 * exit system call itself (no glibc blocking of every signal before).
 * Each signal sent must reach the handler within 2 s. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SIGNALS 300

static atomic_int handled, stop;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

/* ends at once, by exit(2): no glibc sigprocmask before it */
static void *brief(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_exit, 0);
	return NULL;
}

static void *spawner(void *arg)
{
	pthread_attr_t a;
	pthread_t t;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&stop))
		if (pthread_create(&t, &a, brief, NULL))
			usleep(1000);
	return arg;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(void)
{
	struct sigaction sa = { 0 };
	pthread_t s;
	sigset_t set;
	int i, lost = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* the brief threads take it */
	pthread_create(&s, NULL, spawner, NULL);
	for (i = 0; i < SIGNALS; i++) {
		struct timespec t0;
		int before = atomic_load(&handled);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		kill(getpid(), SIGUSR1);
		while (atomic_load(&handled) == before && ms_since(&t0) < 2000)
			usleep(100);
		if (atomic_load(&handled) == before)
			lost++;
		if (lost > 2)
			break;
	}
	atomic_store(&stop, 1);
	pthread_join(s, NULL);
	printf("signals to the process while threads end: %s\n",
	       lost ? "some were lost" : "every one handled");
	return 0;
}
