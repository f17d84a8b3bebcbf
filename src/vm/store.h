/*
 * store -- background VMs on disk: $STRATA_ROOT/vms/NAME/ holds
 * config.json (what was asked: kernel, memory, vCPUs, the API socket),
 * state.json (the VMM's pid and start time, written by the VMM once its
 * machine is built), console.log (the serial console and the VMM's own
 * last words) and, by default, api.sock.
 *
 * A VM whose VMM (pid + start time, as lib/proc.h) is gone is not
 * running, however it ended.  How it ended is end.json, written by the
 * VMM's parent (life.c's waiter): the VMM runs under a syscall filter
 * and could not write it, nor would a VMM killed by a signal.
 */
#ifndef STRATA_VM_STORE_H
#define STRATA_VM_STORE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/err.h"
#include "lib/fs.h"

#define VM_NAME_MAX	63

struct vm_rec {
	char name[VM_NAME_MAX + 1];
	char kernel[PATH_LEN];
	char api_sock[PATH_LEN];
	uint64_t mem;
	int cpus;
	pid_t pid;		/* 0: never started */
	uint64_t pid_start;
	time_t started;
	int alive;		/* the VMM runs */
	/* end.json, when the VMM wrote down in state.json has ended: */
	char end[16];		/* "poweroff", "crash", ..., "signal"; "": none */
	int exit_code;		/* the VMM's exit status */
	int signal;		/* the signal that killed it (end "signal") */
	time_t ended;
};

/* Names of enum vm_end (machine.h) as end.json says them. */
const char *vm_end_name(int how);

/* What `ls` shows as STATE for a VM that is not running: "exited (0)",
 * "crashed", "timed out", "stopped", "killed (SIGKILL)". */
void vm_store_end_text(const struct vm_rec *r, char *buf, size_t n);

/* Letters, digits, '_', '.', '-'; starts with a letter or digit. */
int vm_store_check_name(const char *name, struct err *e);

/* $STRATA_ROOT/vms/NAME[/FILE] into a PATH_LEN buffer. */
int vm_store_path(char *buf, const char *name, const char *file, struct err *e);

/* The global lock of the VM store ($STRATA_ROOT/vms/.lock). */
int vm_store_lock(struct err *e);

/* Make NAME's folder with config.json, built under a temporary name
 * and renamed into place: -EEXIST when the name is taken.  Call with
 * the lock held. */
int vm_store_create(const struct vm_rec *r, struct err *e);

/* The VMM, once running, says who it is. */
int vm_store_started(const char *name, pid_t pid, struct err *e);

/* The VMM @pid of NAME has ended (@end, @code, @sig as in vm_rec):
 * end.json, unless state.json names another VMM (-ESTALE) or the VM is
 * gone. */
int vm_store_ended(const char *name, pid_t pid, const char *end, int code,
		   int sig, struct err *e);

/* Load NAME; -ENOENT with "no such VM: NAME" when there is none. */
int vm_store_load(const char *name, struct vm_rec *r, struct err *e);

/* Remove the folder (renamed away first, so it disappears at once). */
int vm_store_remove(const char *name, struct err *e);

/* @fn for every VM in name order; stops at fn() < 0. */
int vm_store_foreach(int (*fn)(const struct vm_rec *r, void *arg), void *arg,
		     struct err *e);

/* Remove staging folders (".tmp-NAME-PID", ".rm-NAME-PID") whose
 * process is gone; @said gets each path removed.  Returns how many. */
int vm_store_gc(void (*said)(const char *path), struct err *e);

#endif
