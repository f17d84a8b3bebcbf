/*
 * vcpu -- host threads for vCPUs 1..N-1 and the kick that gets any vCPU
 * out of KVM_RUN when the run ends (see vcpu.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>

#include "vm/vcpu.h"

#define VCPU_KICK_SIGNAL	(SIGRTMIN + 1)
#define VCPU_STACK		(1 << 20)	/* the exit path is shallow */

static void vcpu_kicked(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

int vcpu_kick_init(struct err *e)
{
	struct sigaction sa = { .sa_handler = vcpu_kicked };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return err_set(e, -errno, "sigaction");
	return 0;
}

int vcpu_spawn(pthread_t *t, void *(*fn)(void *), void *arg, struct err *e)
{
	sigset_t alarm, old;
	pthread_attr_t a;
	int ret;

	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, VCPU_STACK);
	pthread_sigmask(SIG_BLOCK, &alarm, &old);	/* inherited by the thread */
	ret = pthread_create(t, &a, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	if (ret)
		return err_set(e, -ret, "vCPU thread");
	return 0;
}

void vcpu_kick(pthread_t t, struct kvm_run *run)
{
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(t, VCPU_KICK_SIGNAL);
}
