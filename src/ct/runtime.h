/*
 * runtime -- starting, waiting for and stopping one container.
 *
 * The process that calls runtime_run() becomes the container's monitor: it
 * sets up the namespaces, mounts, cgroups and network, waits for the
 * container's init to exit, records the exit code and cleans up.  For
 * `strata ct run` that is the strata command itself; for `start` and
 * `run -d` it is a background process that reports back once the
 * container runs.
 *
 *   monitor --clone(user uts ipc net pid)--> init (pid 1): enters the v1
 *                     cgroups, waits for the id maps and the rootfs (mounted
 *                     by the monitor in the mount namespace they still
 *                     share), unshare(mnt), cgroup ns, hostname, network,
 *                     rootfs + pivot_root, security, fork+exec of the
 *                     command; then reaps zombies and forwards signals.
 */
#ifndef STRATA_CT_RUNTIME_H
#define STRATA_CT_RUNTIME_H

#include "ct/config.h"
#include "lib/err.h"

struct rt_opts {
	int detached;		/* output to the log file, report via notify */
	int notify;		/* chan socket to the waiting `start`, or -1 */
};

/* Run container @c (already created in the store) until it exits.
 * Returns its exit code (0..255) or -errno with @e set when it could not
 * be started. */
int runtime_run(struct ct_config *c, const struct rt_opts *o, struct err *e);

/* The end of a background monitor that became strata-ctwait: record
 * exit code @code of container @name and free what it held, as the
 * monitor would have (`strata ct _finish`). */
int runtime_finish(const char *name, int code, int mounted, struct err *e);

/* Start in the background; returns once the container runs. */
int runtime_start_detached(struct ct_config *c, struct err *e);

/* SIGTERM, then SIGKILL after @timeout seconds; waits for the monitor to
 * record the exit. */
int runtime_stop(const char *name, int timeout, struct err *e);

/* Tidy what a dead monitor left: cgroups, the state, the folder when the
 * container was --rm.  Returns 1 when something was cleaned. */
int runtime_reap_dead(const char *name, struct err *e);

#endif
