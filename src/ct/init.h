/*
 * init -- pid 1 of a container: finishes the setup from inside (cgroup
 * namespace, hostname, network, rootfs, security), starts the command,
 * then reaps orphans and forwards signals to the command until it exits,
 * and exits with its status.
 */
#ifndef STRATA_CT_INIT_H
#define STRATA_CT_INIT_H

#include "ct/config.h"

/* Messages on the setup channel between the monitor and init. */
enum rt_msg {
	RT_ERROR = 1,		/* value = -errno, text = message */
	RT_MOUNTS_READY,	/* monitor -> init: id maps written, rootfs mounted */
	RT_GO,			/* monitor -> init: cgroup and veth are in place;
				 * value RT_GO_HANDOVER: see below */
	RT_PTY,			/* init -> monitor: console master rides along */
	RT_STARTED,		/* init -> monitor: the command was exec'd */
};

/* The monitor will hand the container to the supervisor and exit
 * (src/ct/supervisor.h): init drops its parent-death signal. */
#define RT_GO_HANDOVER 1

/* Never returns.  @dir is the container's folder (rootfs is dir/rootfs);
 * @status_fd, when >= 0, gets the command's status as one byte when it
 * ends. */
void init_main(const struct ct_config *c, const char *dir, int sock, int status_fd)
	__attribute__((noreturn));

/* Environment for the command: defaults (PATH, HOME, TERM, HOSTNAME)
 * overridden by the config's K=V entries.  NULL-terminated, malloc'ed. */
char **init_environ(const struct ct_config *c);

/* Confine the calling process as every container process is: capabilities,
 * no_new_privs, seccomp.  Shared by init and `strata ct exec`. */
int init_confine(struct err *e);

#endif
