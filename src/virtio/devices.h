/*
 * The virtio device models.  Each constructor returns a struct virtio_dev
 * (embedded first in the model's own struct) for a transport to carry;
 * ops->destroy frees it.  -errno with @e on failure, nothing left open.
 */
#ifndef STRATA_VIRTIO_DEVICES_H
#define STRATA_VIRTIO_DEVICES_H

#include "virtio/virtio.h"

struct disk;

/* virtio-blk over @disk (the device owns it and closes it); @serial is
 * what VIRTIO_BLK_T_GET_ID answers (<= 20 bytes, may be NULL). */
int virtio_blk_create(const struct gmem *mem, struct disk *disk,
		      const char *serial, struct virtio_dev **out,
		      struct err *e);

/* virtio-rng fed by getrandom(2). */
int virtio_rng_create(const struct gmem *mem, struct virtio_dev **out,
		      struct err *e);

/* virtio-net over an open tap fd (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR),
 * the device owns it; @mac is 6 bytes. */
int virtio_net_create(const struct gmem *mem, int tap_fd,
		      const uint8_t mac[6], struct virtio_dev **out,
		      struct err *e);

#endif
