/*
 * vcpu -- host threads for the vCPUs after the first: start one, kick
 * one out of KVM_RUN.  vCPU 0 runs on the thread that called vm_run(),
 * so a one-vCPU machine starts no thread at all.
 *
 * Kicking (KVM api.rst, KVM_CAP_IMMEDIATE_EXIT): set the vCPU's
 * kvm_run.immediate_exit, then signal its thread.  A thread inside
 * KVM_RUN returns with EINTR; one about to enter it returns at once
 * because the flag is already set, so no kick is lost.
 */
#ifndef STRATA_VM_VCPU_H
#define STRATA_VM_VCPU_H

#include <pthread.h>

#include "lib/err.h"

struct kvm_run;

/* Install the kick signal's (empty, non-restarting) handler. */
int vcpu_kick_init(struct err *e);

/* Start @fn(@arg) on a new thread with SIGALRM blocked (the --timeout
 * alarm belongs to vCPU 0's thread). */
int vcpu_spawn(pthread_t *t, void *(*fn)(void *), void *arg, struct err *e);

/* Make @run's next or current KVM_RUN on thread @t return. */
void vcpu_kick(pthread_t t, struct kvm_run *run);

#endif
