/* sigprompt: a signal reaches a thread that computes without system
 * calls at once, not when its emulator next looks up.  A POSIX timer
 * fires every 100 us at a loop that only counts.  Each delivery's
 * si_overrun counts the expirations the kernel merged into it while the
 * signal waited (the process not running on a loaded host, say), so
 * natively, and under qemu, the expirations the handler counts are
 * nearly all those of the time the loop took.  An emulator whose own
 * handler takes the host's signal at once but hands it to the guest
 * only every few million instructions merges the others itself, where
 * no si_overrun tells. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WANT 400	/* deliveries to wait for */

static volatile long deliveries, expirations;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	deliveries++;
	expirations += 1 + si->si_overrun;
}

int main(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 100000 }, { 0, 100000 } };
	struct timespec t0, t1;
	long fired;
	struct sigaction sa;
	volatile unsigned long spin = 0;
	timer_t tm;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm)) {
		perror("timer");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timer_settime(tm, 0, &its, NULL);
	while (deliveries < WANT)
		spin++;		/* no system call in here */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	timer_delete(tm);
	fired = ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec) / 100000;
	/* a quarter leaves room for a loaded host (strata merges what
	 * fires while its thread waits for a CPU between its handler and
	 * the guest's: two thirds were counted on a loaded host); late
	 * delivery counts a few percent */
	if (expirations * 4 >= fired)
		printf("%d deliveries: prompt\n", WANT);
	else
		printf("late: %ld expirations counted of %ld\n", expirations, fired);
	return 0;
}
