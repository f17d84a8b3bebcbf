/*
 * life -- background VMs: `strata vm run -d` and `strata vm ls|stop|rm|
 * logs|gc|api`, on top of the store (store.h) and the API socket (api.h).
 */
#ifndef STRATA_VM_LIFE_H
#define STRATA_VM_LIFE_H

#include "vm/machine.h"

/* 1 when @cmd is one of the commands vm_life_main() runs. */
int vm_life_cmd(const char *cmd);

/* `strata vm CMD ...`: argv[0] is the command. */
int vm_life_main(int argc, char **argv);

/* How a background VMM reports the end of its run (in its log). */
typedef int (*vm_report_fn)(const struct vm_result *r, void *arg);

/* The machine a background VMM runs: vm_run (KVM) or vm_rv_run. */
typedef int (*vm_run_fn)(const struct vm_config *c, struct vm_result *r,
			 struct err *e);

/*
 * Start @c in the background as VM @name (NULL: a made-up name) on the
 * machine @run: a
 * detached VMM in its own session, console and messages to its
 * console.log, stdin /dev/null, the API socket in its folder unless
 * c->api_sock says otherwise.  Returns once the machine is built and
 * about to run (printing the name) with 0, or with the setup's error
 * (and nothing left behind).
 */
int vm_run_detached(struct vm_config *c, const char *name, vm_run_fn run,
		    vm_report_fn report, void *arg, struct err *e);

#endif
