/*
 * tap -- the host side of a virtio-net device: a tap interface opened
 * the way src/virtio/net.c reads and writes it (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, a 12-byte virtio 1.x net header, no offloads).
 */
#ifndef STRATA_VIRTIO_TAP_H
#define STRATA_VIRTIO_TAP_H

#include <net/if.h>

#include "lib/err.h"

/*
 * Open tap @name (created if missing; NULL or "" lets the kernel choose
 * "tapN"), non-blocking and close-on-exec, bring it up and, when @bridge
 * is set, enslave it to that bridge.  The interface lives as long as the
 * returned fd (unless it was made persistent elsewhere).  The name used
 * goes to @name_out when not NULL.  Returns the fd or -errno with @e.
 */
int tap_open(const char *name, const char *bridge, char name_out[IFNAMSIZ],
	     struct err *e);

#endif
