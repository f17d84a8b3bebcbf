/*
 * virtio_pci -- the modern virtio-over-PCI transport (virtio 1.2, 4.1).
 *
 * One PCI function per virtio device: vendor 0x1af4, device 0x1040 + the
 * virtio device id, revision 1, subsystem 0x1af4:id.  One 64-bit memory
 * BAR (BAR 0, 4 KiB) holds every structure the vendor capabilities point
 * at:
 *
 *	0x000	common configuration (virtio_pci_common_cfg, 0x38 bytes)
 *	0x100	ISR status (reading clears it and lowers INTx)
 *	0x200	device-specific configuration (the device model's)
 *	0x300	notifications: queue q at 0x300 + 4 q (multiplier 4)
 *	0x400	MSI-X table (a vector per queue + one for config changes)
 *	0x600	MSI-X pending bit array
 *
 * A VIRTIO_PCI_CAP_PCI_CFG capability gives the same BAR through config
 * space (bar, offset, length, then 4 data bytes that read or write it).
 *
 * Interrupts go out as MSI-X messages when the driver enabled MSI-X,
 * else as a level INTx (pin A) that stays up until the ISR is read.
 */
#ifndef STRATA_DEV_VIRTIO_PCI_H
#define STRATA_DEV_VIRTIO_PCI_H

#include "dev/pci.h"
#include "lib/err.h"
#include "virtio/virtio.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040

/* where the structures are inside BAR 0 */
#define VP_COMMON		0x000
#define VP_COMMON_LEN		0x38
#define VP_ISR			0x100
#define VP_DEVICE		0x200
#define VP_DEVICE_MAX		0x100
#define VP_NOTIFY		0x300
#define VP_NOTIFY_MULT		4
#define VP_MSIX_TABLE		0x400
#define VP_MSIX_PBA		0x600
#define VP_BAR_SIZE		0x1000

/* virtio_pci_cap cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

#define VIRTIO_MSI_NO_VECTOR	0xffff

/*
 * Carry @vdev on @pci with INTx on line @irq (-1: MSI-X only): a new
 * PCI function with its BAR assigned and mapped.  The transport owns
 * @vdev from here on, also on failure (it is destroyed then); the host
 * bridge destroys the transport with itself.
 */
int virtio_pci_create(struct pci *pci, struct virtio_dev *vdev, int irq,
		      struct err *e);

#endif
