/*
 * store -- containers on disk: $STRATA_ROOT/containers/NAME/ holds
 * config.json (what the user asked for), state.json (what is running),
 * upper/ and work/ (the overlay's copy-on-write layer) and log.
 * All changes are made under one lock file, $STRATA_ROOT/lock.
 */
#ifndef STRATA_CT_STORE_H
#define STRATA_CT_STORE_H

#include <stdint.h>

#include "ct/config.h"
#include "lib/err.h"

/* Addresses (host byte order) held by containers on network @net;
 * *ips is malloc'ed. */
int store_ips_in_use(const char *net, uint32_t **ips, int *n, struct err *e);

/* Number of containers attached to network @net (0 when none). */
int store_network_users(const char *net, struct err *e);

/* Take / release the global state lock. */
int store_lock(struct err *e);
void store_unlock(int fd);


/* $STRATA_ROOT/containers/NAME[/FILE] into a PATH_LEN buffer. */
int store_path(char *buf, const char *name, const char *file, struct err *e);

int store_exists(const char *name);

/* Make the container's folder with config.json and state.json (status
 * created).  Built under a temporary name and renamed into place, so a
 * crash leaves either the whole container or a ".tmp-" folder gc removes.
 * @owner (or 0) is the command that will start it right away (`run`):
 * if it dies first, gc knows the container was never going to run.
 * Call with the lock held. */
int store_create(const struct ct_config *c, pid_t owner, struct err *e);

int store_load(const char *name, struct ct_config *c, struct ct_state *s,
	       struct err *e);
int store_save_state(const char *name, const struct ct_state *s, struct err *e);

/* Remove the folder: renamed away first so it disappears at once. */
int store_remove(const char *name, struct err *e);

/* Only the first half of store_remove(): rename the folder to a hidden
 * ".rm-NAME-PID" (returned in @gone, a PATH_LEN buffer) that the caller
 * removes, or gc does if the caller dies. */
int store_hide(const char *name, char *gone, struct err *e);

/* Call @fn for every container, in name order; stops at fn() < 0. */
int store_foreach(int (*fn)(const char *name, void *arg), void *arg,
		  struct err *e);

/* 1 when the state says running and its init is alive. */
int store_is_running(const struct ct_state *s);

#endif
