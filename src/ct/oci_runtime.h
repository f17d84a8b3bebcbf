/*
 * oci_runtime -- the OCI runtime operations on top of strata's container
 * engine, with runc's process model: `create` leaves the container's
 * process waiting on exec.fifo as a child of whoever called it (conmon,
 * containerd-shim), `start` releases it, `delete` cleans up.
 */
#ifndef STRATA_CT_OCI_RUNTIME_H
#define STRATA_CT_OCI_RUNTIME_H

#include <sys/types.h>

#include "lib/err.h"

struct oci_create_opts {
	const char *bundle;		/* default: the current folder */
	const char *pid_file;
	const char *console_socket;
	int systemd_cgroup;
	int no_pivot;			/* MS_MOVE + chroot instead of pivot_root */
};

int oci_create(const char *root, const char *id, const struct oci_create_opts *o,
	       struct err *e);
int oci_start(const char *root, const char *id, struct err *e);

/* create + start; without @detach waits and returns the exit code, and
 * deletes the container afterwards unless @keep. */
int oci_run(const char *root, const char *id, const struct oci_create_opts *o,
	    int detach, int keep, struct err *e);

int oci_kill(const char *root, const char *id, int sig, int all, struct err *e);
int oci_delete(const char *root, const char *id, int force, struct err *e);
int oci_pause(const char *root, const char *id, int pause, struct err *e);
int oci_pids(const char *root, const char *id, pid_t **pids, int *n,
	     struct err *e);

/* Hand a console master to a --console-socket peer. */
int oci_console_send(const char *path, int master, struct err *e);

/* "KILL", "SIGKILL", "9" -> 9; -EINVAL when unknown. */
int oci_signal_parse(const char *s);

#endif
