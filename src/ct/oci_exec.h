/*
 * oci_exec -- `strata oci exec`: a new process in a running OCI
 * container, described by an OCI "process" object (--process FILE) or by
 * arguments and flags.
 */
#ifndef STRATA_CT_OCI_EXEC_H
#define STRATA_CT_OCI_EXEC_H

#include "lib/err.h"

struct oci_exec_opts {
	const char *process_file;	/* OCI process JSON, or NULL */
	char **argv;			/* used when process_file is NULL */
	char **env;			/* extra K=V */
	const char *cwd;
	const char *user;		/* "UID[:GID]" */
	int tty;
	int detach;
	const char *console_socket;
	const char *pid_file;
};

/* Exit code of the process (0..255) when not detached, 0 when detached,
 * or -errno with @e set. */
int oci_exec(const char *root, const char *id, const struct oci_exec_opts *o,
	     struct err *e);

#endif
