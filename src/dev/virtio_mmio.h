/*
 * virtio_mmio -- the virtio-over-MMIO transport, version 2 (virtio 1.2,
 * 4.2.2), as the riscv64 machine gives its devices: one 4 KiB window per
 * device and one level interrupt line.  The sibling of virtio_pci: the
 * same device models (src/virtio) behind it, no CPU backend in sight.
 *
 * Registers (32-bit accesses; the device config at 0x100 takes 1, 2, 4
 * and 8 bytes):
 *	0x000 MagicValue "virt"	0x004 Version 2		0x008 DeviceID
 *	0x00c VendorID		0x010 DeviceFeatures	0x014 ...FeaturesSel
 *	0x020 DriverFeatures	0x024 ...FeaturesSel	0x030 QueueSel
 *	0x034 QueueNumMax	0x038 QueueNum		0x044 QueueReady
 *	0x050 QueueNotify	0x060 InterruptStatus	0x064 InterruptACK
 *	0x070 Status		0x080/084 QueueDesc	0x090/094 QueueDriver
 *	0x0a0/0a4 QueueDevice	0x0ac SHMSel, 0x0b0..0x0bc (no regions)
 *	0x0fc ConfigGeneration	0x100 device config
 * The interrupt line is high while InterruptStatus is not zero.
 */
#ifndef STRATA_DEV_VIRTIO_MMIO_H
#define STRATA_DEV_VIRTIO_MMIO_H

#include "dev/dev.h"
#include "lib/err.h"
#include "virtio/virtio.h"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION	2
#define VIRTIO_MMIO_VENDOR	0x61727473	/* "stra" */
#define VIRTIO_MMIO_SIZE	0x1000
#define VIRTIO_MMIO_CONFIG	0x100

/*
 * Carry @vdev over MMIO, its interrupt on line @irq of @host.  The
 * transport owns @vdev from here on, also on failure (destroyed then);
 * @out's destroy frees both.
 */
int virtio_mmio_create(struct virtio_dev *vdev, const struct dev_host *host,
		       int irq, struct dev_ref *out, struct err *e);

#endif
