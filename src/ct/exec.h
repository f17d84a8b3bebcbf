/*
 * exec -- run another process inside a running container: same
 * namespaces, same cgroup, same confinement as its init.
 */
#ifndef STRATA_CT_EXEC_H
#define STRATA_CT_EXEC_H

#include "lib/err.h"

struct exec_opts {
	char **argv;
	char **env;		/* extra K=V, may be NULL */
	const char *cwd;	/* NULL: "/" */
	int tty;
};

/* Returns the process's exit code (0..255) or -errno with @e set. */
int exec_in(const char *name, const struct exec_opts *o, struct err *e);

#endif
