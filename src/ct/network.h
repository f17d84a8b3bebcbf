/*
 * network -- container networks: a bridge on the host holding the
 * gateway address, one veth pair per container, addresses from the
 * network's subnet without collisions.
 *
 * Definitions live in $STRATA_ROOT/networks/NAME.json.  The default
 * network "strata0" (10.77.0.0/16, bridge address 10.77.0.1) exists
 * implicitly.  The bridge is made on first use in whatever network
 * namespace strata runs in, and carries the network's name.
 */
#ifndef STRATA_CT_NETWORK_H
#define STRATA_CT_NETWORK_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define NETWORK_DEFAULT "strata0"
#define NETWORK_NAME_MAX 15	/* IFNAMSIZ - 1: the bridge carries it */

struct net_def {
	char name[NETWORK_NAME_MAX + 1];
	uint32_t subnet;	/* host byte order */
	int prefix;
	uint32_t gateway;	/* subnet + 1, held by the bridge */
	int nat;		/* masquerade traffic leaving the subnet */
};

/* Load a network's definition; the default network always loads. */
int network_load(const char *name, struct net_def *d, struct err *e);

/* Write @d to $STRATA_ROOT/networks/NAME.json (atomically). */
int network_save(const struct net_def *d, struct err *e);

/* Call @fn for the default network, then for every stored one in name
 * order; stops at and returns the first negative result of @fn. */
int network_foreach(int (*fn)(const struct net_def *d, void *arg), void *arg,
		    struct err *e);

/* Store a new network after checking that its name is free (as network
 * and as host interface) and its subnet overlaps no other network's.
 * The caller holds the store lock. */
int network_create(const struct net_def *d, struct err *e);

/* Remove a network no container uses: its bridge (when strata made it),
 * its NAT rule and its file.  The default network loses only its bridge.
 * The caller holds the store lock. */
int network_remove(const char *name, struct err *e);

/* Pick an address for a container.  @want is 0 to allocate the lowest
 * free address, or a requested address that must lie in the subnet and
 * not be the network/broadcast/gateway address nor in @used. */
int network_alloc_ip(const struct net_def *d, const uint32_t *used, int nused,
		     uint32_t want, uint32_t *out, struct err *e);

/* Make sure the bridge exists, holds the gateway address and is up
 * (and NAT is set when asked for). */
int network_ensure_bridge(const struct net_def *d, struct err *e);

/* Host side: create the veth pair @host_if <-> "eth0" inside the netns of
 * @child, attach @host_if to the bridge and bring it up. */
int network_attach(const struct net_def *d, const char *host_if, pid_t child,
		   struct err *e);

/* Container side, in its own netns: lo up, eth0 @ip/prefix up, default
 * route through the gateway. */
int network_setup_inside(const struct net_def *d, uint32_t ip, struct err *e);

/* The `strata ct network create|ls|rm` command. */
int network_cli(int argc, char **argv);

#endif
