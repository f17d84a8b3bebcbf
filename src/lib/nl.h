/*
 * nl -- the rtnetlink requests strata needs (libmnl): bridges, veth pairs,
 * addresses, routes.  Every call acts in the calling thread's network
 * namespace.  Shared by containers (veth) and VMs (tap on a bridge).
 */
#ifndef STRATA_LIB_NL_H
#define STRATA_LIB_NL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

int nl_link_exists(const char *ifname);

int nl_bridge_add(const char *name, struct err *e);

/* Create a veth pair: @host_if stays here, its peer is created directly in
 * the network namespace of @peer_pid under the name @peer_if.  With a
 * @master (a bridge), @host_if is made its port and up in the same request. */
int nl_veth_add(const char *host_if, const char *peer_if, pid_t peer_pid,
		const char *master, struct err *e);

int nl_link_set_master(const char *ifname, const char *master, struct err *e);
int nl_link_up(const char *ifname, struct err *e);
int nl_link_del(const char *ifname, struct err *e);

/* Set the link's alias (IFLA_IFALIAS, shown by `ip link`). */
int nl_link_set_alias(const char *ifname, const char *alias, struct err *e);

/* Kind ("bridge", "veth", "" when none) and alias of one link, each cut
 * to @len bytes; either may be NULL.  -ENODEV when there is no such link. */
int nl_link_get(const char *ifname, char *kind, char *alias, size_t len,
		struct err *e);

/* Add @addr/@prefix (host byte order) to @ifname. */
int nl_addr_add(const char *ifname, uint32_t addr, int prefix, struct err *e);

/* Default route via @gw (host byte order) in the main table. */
int nl_route_add_default(uint32_t gw, struct err *e);

/* Inside a container's namespace, in one netlink round trip: lo up,
 * @addr/@prefix on @ifname, @ifname up, default route via @gw. */
int nl_iface_setup(const char *ifname, uint32_t addr, int prefix, uint32_t gw,
		   struct err *e);

/* @addr/@prefix on @ifname (already there is fine) and @ifname up, in one
 * round trip. */
int nl_addr_up(const char *ifname, uint32_t addr, int prefix, struct err *e);

/* Call @fn(ifname, kind, arg) for every link; kind is "veth", "bridge",
 * ... or "" when the kernel reports none.  Stops when @fn returns < 0. */
int nl_link_foreach(int (*fn)(const char *ifname, const char *kind, void *arg),
		    void *arg, struct err *e);

#endif
