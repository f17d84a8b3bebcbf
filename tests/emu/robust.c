/* robust: robust mutexes whose owner ends without unlocking.  Linux
 * walks a dying thread's robust list (set_robust_list) and marks each
 * mutex it held FUTEX_OWNER_DIED, waking a waiter: the next locker gets
 * EOWNERDEAD instead of waiting for ever.  Two owners: a thread that
 * returns (a waiter already blocked) and one that calls pthread_exit;
 * with the argument "process", a forked child that exits holding a
 * process-shared mutex, by its main thread or by another thread when
 * the process ends (qemu-user gets those wrong: it leaves the robust
 * list to the guest's libc, which walks it at thread exit only).
 * A lock that times out (2 s) says the owner's death went unseen. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t *m;
static volatile int held;

static void init(pthread_mutex_t *mu, int pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(mu, &a);
	pthread_mutexattr_destroy(&a);
}

/* lock with a deadline: EOWNERDEAD is what Linux gives here */
static const char *lock_after_death(pthread_mutex_t *mu)
{
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	r = pthread_mutex_timedlock(mu, &ts);
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(mu);
		pthread_mutex_unlock(mu);
		return "EOWNERDEAD";
	}
	if (r == 0)
		pthread_mutex_unlock(mu);
	return r == ETIMEDOUT ? "ETIMEDOUT (the owner's death went unseen)" :
	       r ? strerror(r) : "locked (no owner death reported)";
}

static void *owner_returns(void *arg)
{
	pthread_mutex_lock(m);
	held = 1;
	usleep(100 * 1000);	/* the main thread is waiting by now */
	return arg;
}

static void *owner_exits(void *arg)
{
	pthread_mutex_lock(m);
	pthread_exit(arg);
}

static void *waiter(void *arg)
{
	return (void *)lock_after_death(m);
}

static void *hold(void *arg)
{
	pthread_mutex_lock(m);
	held = 1;
	for (;;)
		pause();
	return arg;
}

/* a child process whose thread @by_thread (0: its main thread) holds
 * the shared mutex when the child exits */
static void process_owner(int by_thread)
{
	pthread_t t;
	pid_t pid;
	int st;

	init(m, 1);
	pid = fork();
	if (pid == 0) {
		if (!by_thread) {
			pthread_mutex_lock(m);
			_exit(0);
		}
		pthread_create(&t, NULL, hold, NULL);
		while (!held)
			usleep(1000);
		exit(0);	/* exit_group: the holder dies with the process */
	}
	waitpid(pid, &st, 0);
	printf("after a child process exits %sholding it: %s\n",
	       by_thread ? "while another thread of it is " : "", lock_after_death(m));
}

int main(int argc, char **argv)
{
	pthread_mutex_t local;
	pthread_t o, w;
	void *res;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "process")) {
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
		if (m == MAP_FAILED)
			return 1;
		process_owner(0);
		process_owner(1);
		return 0;
	}
	m = &local;
	init(m, 0);
	pthread_create(&o, NULL, owner_returns, NULL);
	while (!held)
		usleep(1000);
	pthread_create(&w, NULL, waiter, NULL);
	pthread_join(w, &res);
	pthread_join(o, NULL);
	printf("a waiter when the owner returns: %s\n", (const char *)res);

	init(m, 0);
	pthread_create(&o, NULL, owner_exits, NULL);
	pthread_join(o, NULL);
	printf("after the owner's pthread_exit: %s\n", lock_after_death(m));
	return 0;
}
