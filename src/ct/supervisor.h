/*
 * supervisor -- one process per state root that watches the background
 * containers in place of a monitor each.
 *
 * A background monitor, once its container runs, hands it over: the
 * container's init (a pidfd: readable when it ended) and the read end of
 * a pipe into which init (strata-ctwait) writes the command's status as
 * it exits.  The supervisor then records the exit and frees the cgroups
 * (and removes a --rm container) as the monitor did, and the monitor
 * exits: a container that runs costs no strata process of its own.  The
 * supervisor is started by the first monitor that needs one, listens on
 * an abstract unix socket named after the state root (so per network
 * namespace too), takes containers only from root, and ends two seconds
 * after its last container did.
 *
 * If it dies, the containers go on; `ct stop`, `rm`, `gc` tidy up after
 * them as after any dead monitor.
 */
#ifndef STRATA_CT_SUPERVISOR_H
#define STRATA_CT_SUPERVISOR_H

#include <sys/types.h>

#include "lib/err.h"

/* Hand container @name over: @pidfd of its init, @exit_rd the pipe its
 * status arrives on, @rootfs an O_PATH descriptor of its overlay (passed,
 * not taken: the caller closes them).  The supervisor keeps the overlay
 * referenced so that init's exit does not end it: the end of an overlay
 * syncs its upper file system, which `stop` would wait for; the
 * supervisor lets it end in a child of its own.  Starts the supervisor
 * when there is none.  0 once it took them. */
int supervisor_adopt(const char *name, int pidfd, int exit_rd, int rootfs,
		     struct err *e);

#endif
