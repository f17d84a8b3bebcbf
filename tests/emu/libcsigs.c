/* libcsigs: the two signals glibc keeps for itself (32, thread
 * cancellation and SIGEV_THREAD timers; 33, set*id across threads) in
 * a threaded program, and real-time signals around them.  strata's own
 * libc uses the host's 32 and 33: the guest's must not reach its
 * handlers (setuid with a second thread running crashed strata).
 * setuid/setgid to the same id while other threads run and block; a
 * thread canceled while blocked in read(); a SIGEV_THREAD timer; a
 * value queued with SIGRTMIN and taken by sigtimedwait. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int ticks;
static int fds[2];

static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void *reader(void *arg)
{
	char c;

	(void)arg;
	read(fds[0], &c, 1);
	return NULL;
}

static void tick(union sigval v)
{
	atomic_fetch_add(&ticks, v.sival_int);
}

static void timer_thread(void)
{
	struct sigevent ev;
	struct itimerspec its;
	timer_t tm;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = tick;
	ev.sigev_value.sival_int = 1;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm)) {
		printf("timer_create: %s\n", strerror(errno));
		return;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 10 * 1000 * 1000;
	timer_settime(tm, 0, &its, NULL);
	for (i = 0; i < 300 && !atomic_load(&ticks); i++)
		usleep(10 * 1000);
	printf("a SIGEV_THREAD timer ran its function: %s\n",
	       atomic_load(&ticks) == 1 ? "yes" : "no");
	timer_delete(tm);
}

static void rt_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGRTMIN);
	sigaddset(set, SIGRTMAX - 2);
}

static void queued_rt(void)
{
	struct timespec ts = { 2, 0 };
	union sigval v = { .sival_int = 42 };
	siginfo_t si;
	sigset_t set;
	int sig;

	rt_set(&set);
	sigqueue(getpid(), SIGRTMAX - 2, v);
	v.sival_int = 7;
	sigqueue(getpid(), SIGRTMIN, v);
	/* the lower real-time signal first, each with its value */
	sig = sigtimedwait(&set, &si, &ts);
	printf("sigtimedwait: SIGRTMIN%+d, value %d\n", sig - SIGRTMIN, si.si_value.sival_int);
	sig = sigtimedwait(&set, &si, &ts);
	printf("sigtimedwait: SIGRTMAX%+d, value %d\n", sig - SIGRTMAX, si.si_value.sival_int);
}

int main(void)
{
	pthread_t t, r;
	sigset_t set;
	void *res;

	setvbuf(stdout, NULL, _IONBF, 0);
	rt_set(&set);	/* in every thread: for sigtimedwait only */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, idle, NULL);
	usleep(10 * 1000);
	printf("setuid to the same uid with threads: %d\n", setuid(getuid()));
	printf("setgid to the same gid with threads: %d\n", setgid(getgid()));

	pipe(fds);
	pthread_create(&r, NULL, reader, NULL);
	usleep(50 * 1000);
	pthread_cancel(r);
	pthread_join(r, &res);
	printf("a thread blocked in read, canceled: %s\n",
	       res == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "not canceled");

	timer_thread();
	queued_rt();
	printf("SIGRTMIN %d, SIGRTMAX %d\n", SIGRTMIN, SIGRTMAX);
	return 0;
}
