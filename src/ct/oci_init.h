/*
 * oci_init -- the container side of an OCI container: the setup child
 * that enters or makes the namespaces, and the container's first process,
 * which builds the file system, takes the process's user, capabilities and
 * limits, waits on exec.fifo for `start`, then becomes the process.
 *
 * Messages on the channel with the runtime (oci_runtime.c):
 *
 *	setup   -> runtime  OCI_USERNS     (only with a new user namespace)
 *	runtime -> setup    OCI_MAPPED
 *	setup   -> runtime  OCI_PID        value = the container process
 *	runtime -> process  OCI_GO         value = its pid on the host
 *	process -> runtime  OCI_MOUNTED    rootfs built, before pivot_root
 *	runtime -> process  OCI_CONTINUE   prestart/createRuntime hooks done
 *	process -> runtime  OCI_PTY        console master rides along
 *	process -> runtime  OCI_READY      waiting on exec.fifo
 *	any     -> runtime  OCI_ERROR      text = what failed
 */
#ifndef STRATA_CT_OCI_INIT_H
#define STRATA_CT_OCI_INIT_H

#include "ct/config.h"

enum oci_msg {
	OCI_ERROR = 1,
	OCI_USERNS,
	OCI_MAPPED,
	OCI_PID,
	OCI_GO,
	OCI_MOUNTED,
	OCI_CONTINUE,
	OCI_PTY,
	OCI_READY,
};

struct oci_init_args {
	const struct ct_config *c;
	const char *id;
	const char *fifo;	/* host path of exec.fifo (for messages) */
	int fifo_fd;		/* O_PATH descriptor of it, opened by the runtime:
				 * a process mapped into a user namespace may not
				 * search the runtime's 0700 state directory */
	int sock;
	const char *cgroup;	/* the container's cgroup name (cgroup.h) */
};

/* The setup child: never returns. */
void oci_setup_main(const struct oci_init_args *a) __attribute__((noreturn));

/* 1 when the spec asks for a new namespace of @type (no path given). */
int oci_ns_new(const struct ct_config *c, int type);

/* The path given for @type, or NULL (new namespace or none at all). */
const char *oci_ns_path(const struct ct_config *c, int type);

/* Take on the process's identity: rlimits, umask, additional groups,
 * gid, uid, capabilities, no_new_privs.  Shared with `exec`. */
int oci_process_identity(const struct ct_config *c, struct err *e);

/* Find @file in the container's PATH (from @env) like execvp would;
 * 0 when it can be executed. */
int oci_lookup(const char *file, char *const *env, struct err *e);

#endif
