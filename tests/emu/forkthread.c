/* forkthread: fork from a thread that is not the main one, while other
 * threads map memory and change a signal action (the child's copies of
 * strata's locks must be free, its record of the ranges whole).  In the
 * child the forking thread is the only one, its leader: its exit(2)
 * (the system call, not exit(3)) ends the child with that status, as
 * exit_group does; the child maps memory and sets an action too. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKS 40

static atomic_int stop;

static void on_usr2(int sig)
{
	(void)sig;
}

static void *churn(void *arg)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	while (!atomic_load(&stop)) {
		void *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m != MAP_FAILED) {
			memset(m, 1, 8 * 4096);
			munmap(m, 8 * 4096);
		}
		sa.sa_handler = sa.sa_handler == on_usr2 ? SIG_IGN : on_usr2;
		sigaction(SIGUSR2, &sa, NULL);
	}
	return arg;
}

/* the child: memory and an action of its own, then @how */
static void child(int how)
{
	struct sigaction sa;
	char *m;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || sigaction(SIGUSR2, &sa, NULL) || munmap(m, 4096))
		syscall(SYS_exit_group, 99);
	if (how == 0)
		syscall(SYS_exit, 7);		/* the only thread's exit(2) */
	syscall(SYS_exit_group, 9);
}

static void *forker(void *arg)
{
	int i, st, ok7 = 0, ok9 = 0, bad = 0;

	for (i = 0; i < FORKS; i++) {
		pid_t pid = fork();

		if (pid == 0)
			child(i & 1);
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			continue;
		if (!(i & 1) && WIFEXITED(st) && WEXITSTATUS(st) == 7)
			ok7++;
		else if ((i & 1) && WIFEXITED(st) && WEXITSTATUS(st) == 9)
			ok9++;
		else if (bad++ < 3)
			printf("fork %d: the child ended with %s %d\n", i,
			       WIFEXITED(st) ? "status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	printf("children whose only thread called exit(7): %d of %d ended with 7\n",
	       ok7, FORKS / 2);
	printf("children that called exit_group(9): %d of %d ended with 9\n",
	       ok9, FORKS / 2);
	return arg;
}

int main(void)
{
	pthread_t c[2], f;
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; i < 2; i++)
		pthread_create(&c[i], NULL, churn, NULL);
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, NULL);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	return 0;
}
