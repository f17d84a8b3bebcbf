/* sigactthreads: rt_sigaction from several threads at once, as Linux
 * makes it: each call swaps the action whole (the old action a call
 * returns is the one the call before it installed, never the same one
 * to two callers), and what a signal meets is what the last call
 * installed (a handler installed last runs, SIG_IGN installed last
 * ignores).  Threads swap SIGUSR1's action between handlers (each
 * action named by its mask, a token) and SIG_IGN while signals arrive,
 * then the main thread checks the chain of swaps and what one more
 * signal does. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 3
#define SWAPS 4000
#define ROUNDS 40

/* riscv64's struct sigaction for the system call: no sa_restorer */
struct ksigaction {
	uint64_t handler, flags, mask;
};

static atomic_int hits;
static atomic_int stop;
static uint64_t *seen, ntok;		/* seen[token]: times returned as old */

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&hits, 1);
}

/* a token in the mask, clear of SIGKILL's and SIGSTOP's bits */
static uint64_t token_mask(uint64_t tok)
{
	return tok << 20;
}

static long swap(uint64_t handler, uint64_t tok, struct ksigaction *old)
{
	struct ksigaction k = { handler, 0, token_mask(tok) };

	return syscall(SYS_rt_sigaction, SIGUSR1, &k, old, 8);
}

static void *swapper(void *arg)
{
	long id = (long)arg, i;
	struct ksigaction old;

	for (i = 0; i < SWAPS; i++) {
		uint64_t tok = 1 + (uint64_t)id * SWAPS + (uint64_t)i;
		uint64_t h = i & 1 ? (uint64_t)SIG_IGN : (uint64_t)(uintptr_t)on_usr1;

		if (swap(h, tok, &old)) {
			printf("thread %ld: rt_sigaction failed\n", id);
			continue;
		}
		if ((old.mask >> 20) < ntok)
			__atomic_fetch_add(&seen[old.mask >> 20], 1, __ATOMIC_RELAXED);
		else
			printf("thread %ld: an old action that was never installed\n", id);
	}
	return NULL;
}

static void *sender(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		kill(getpid(), SIGUSR1);
		usleep(50);
	}
	return NULL;
}

int main(void)
{
	uint64_t t;
	int r, bad_chain = 0, bad_action = 0, dup = 0, lost = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	ntok = 1 + (uint64_t)NTHREADS * SWAPS;
	seen = calloc(ntok, sizeof(*seen));
	for (r = 0; r < ROUNDS; r++) {
		pthread_t th[NTHREADS], snd;
		struct ksigaction cur;
		long i;
		int before;

		memset(seen, 0, ntok * sizeof(*seen));
		swap((uint64_t)(uintptr_t)on_usr1, 0, NULL);
		atomic_store(&stop, 0);
		pthread_create(&snd, NULL, sender, NULL);
		for (i = 0; i < NTHREADS; i++)
			pthread_create(&th[i], NULL, swapper, (void *)i);
		for (i = 0; i < NTHREADS; i++)
			pthread_join(th[i], NULL);
		atomic_store(&stop, 1);
		pthread_join(snd, NULL);
		/* every action installed (token 0 first) is returned once,
		 * except the one in place now */
		syscall(SYS_rt_sigaction, SIGUSR1, NULL, &cur, 8);
		for (t = 0; t < ntok; t++) {
			uint64_t want = t == cur.mask >> 20 ? 0 : 1;

			if (seen[t] > 1)
				dup++;
			else if (seen[t] != want)
				lost++;
		}
		if (dup || lost)
			bad_chain++;
		/* the action in place is what a signal meets */
		before = atomic_load(&hits);
		kill(getpid(), SIGUSR1);
		usleep(20 * 1000);
		if ((cur.handler == (uint64_t)(uintptr_t)on_usr1) !=
		    (atomic_load(&hits) != before))
			bad_action++;
		dup = lost = 0;
	}
	printf("%d rounds: swaps chained whole in %d, a signal met the action in place in %d\n",
	       ROUNDS, ROUNDS - bad_chain, ROUNDS - bad_action);
	return 0;
}
