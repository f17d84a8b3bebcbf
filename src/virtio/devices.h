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

/* virtio-vsock with guest CID @cid (VSOCK_CID_MIN..VSOCK_CID_MAX) and
 * Firecracker's host side: a unix socket listening at @uds (host ->
 * guest: "CONNECT <port>\n", answered "OK <hostport>\n"), and for a guest
 * connection to host port P a connect to "@uds_P".  @uds must not exist
 * and leaves room for "_4294967295" in a sun_path.  The device never
 * removes the file: whoever owns the run does, while it is still the one
 * virtio_vsock_ident() names. */
#define VSOCK_CID_MIN	3U
#define VSOCK_CID_MAX	0xfffffffeU
int virtio_vsock_create(const struct gmem *mem, uint64_t cid,
			const char *uds, struct virtio_dev **out,
			struct err *e);
void virtio_vsock_ident(const struct virtio_dev *d, uint64_t *dev,
			uint64_t *ino);

#endif
