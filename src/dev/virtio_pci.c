/*
 * virtio_pci -- the modern virtio-pci transport.  See virtio_pci.h.
 *
 * The common configuration is handled as a little-endian image: a read
 * copies bytes out of an image built from the state, a write patches the
 * image and then applies every field it touched, so any width and
 * alignment the driver uses (the spec says 64-bit fields come as two
 * 32-bit halves) works the same way.
 *
 * Locking: vCPU threads make the BAR accesses, a device's own I/O thread
 * (net receive) may raise interrupts at any time.  The lock covers what
 * both touch: ISR, MSI-X table and pending bits, the vectors.  The device
 * model's hooks (notify, start, reset) are called without it, so a model
 * may stop its I/O thread inside reset().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_pci.h"

#define VP_MAX_VEC	(VIRTIO_MAX_QUEUES + 1)
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000
#define MSIX_ENTRY_MASKED	1

struct virtio_pci {
	struct pci_dev pci;		/* first: pci_dev_ops get this */
	struct virtio_dev *vdev;
	pthread_mutex_t lock;
	int nq, nvec;
	uint32_t dfselect, gfselect;
	uint16_t queue_sel;
	uint16_t config_vector;
	uint8_t config_gen;
	int msix_cap;			/* config offset of the MSI-X cap */
	int cfg_cap;			/* ... of the PCI_CFG window */
	uint8_t msix[VP_MAX_VEC][16];	/* addr lo, addr hi, data, control */
	uint32_t pba;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint16_t msix_ctrl(const struct virtio_pci *vp)
{
	return pci_cfg16(&vp->pci, vp->msix_cap + 2);
}

/* Send vector @v if it is unmasked, else remember it pending.  Locked. */
static void msix_fire(struct virtio_pci *vp, uint16_t v)
{
	const uint8_t *ent;

	if (v >= vp->nvec)
		return;
	ent = vp->msix[v];
	if ((msix_ctrl(vp) & MSIX_CTRL_MASKALL) ||
	    (get32(ent + 12) & MSIX_ENTRY_MASKED)) {
		vp->pba |= 1u << v;
		return;
	}
	vp->pba &= ~(1u << v);
	pci_dev_msi(&vp->pci, get64(ent), get32(ent + 8));
}

/* After an unmask: send what waited.  Locked. */
static void msix_flush(struct virtio_pci *vp)
{
	int v;

	if (!(msix_ctrl(vp) & MSIX_CTRL_ENABLE))
		return;
	for (v = 0; v < vp->nvec; v++)
		if (vp->pba & (1u << v))
			msix_fire(vp, v);
}

/* virtio_dev's interrupt hook: queue @q has used buffers, or (q < 0)
 * the device configuration changed. */
static void vp_interrupt(struct virtio_dev *d, int q)
{
	struct virtio_pci *vp = d->transport;

	pthread_mutex_lock(&vp->lock);
	if (q < 0)
		vp->config_gen++;
	if (msix_ctrl(vp) & MSIX_CTRL_ENABLE) {
		uint16_t v = q < 0 ? vp->config_vector :
			     q < vp->nq ? d->vq[q].msix_vector : VIRTIO_MSI_NO_VECTOR;

		msix_fire(vp, v);
	} else {
		/* virtio_raise() set the ISR bit already; a model that
		 * calls us directly gets it set here */
		__atomic_fetch_or(&d->isr, q < 0 ? 2 : 1, __ATOMIC_SEQ_CST);
		pci_dev_intx(&vp->pci, 1);
	}
	pthread_mutex_unlock(&vp->lock);
}

static void common_image(struct virtio_pci *vp, uint8_t *img)
{
	struct virtio_dev *d = vp->vdev;
	struct virtq *q = vp->queue_sel < vp->nq ? &d->vq[vp->queue_sel] : NULL;

	memset(img, 0, VP_COMMON_LEN);
	put32(img + 0x00, vp->dfselect);
	if (vp->dfselect < 2)
		put32(img + 0x04, d->host_features >> (32 * vp->dfselect));
	put32(img + 0x08, vp->gfselect);
	if (vp->gfselect < 2)
		put32(img + 0x0c, d->driver_features >> (32 * vp->gfselect));
	put16(img + 0x10, vp->config_vector);
	put16(img + 0x12, vp->nq);
	img[0x14] = d->status;
	img[0x15] = vp->config_gen;
	put16(img + 0x16, vp->queue_sel);
	if (!q)
		return;
	put16(img + 0x18, q->size);
	put16(img + 0x1a, q->msix_vector);
	put16(img + 0x1c, q->ready);
	put16(img + 0x1e, vp->queue_sel);	/* queue_notify_off */
	put64(img + 0x20, q->desc);
	put64(img + 0x28, q->avail);
	put64(img + 0x30, q->used);
}

/* The transport's side of a reset; the model's reset() came first. */
static void vp_reset_state(struct virtio_pci *vp)
{
	struct virtio_dev *d = vp->vdev;
	int i;

	pthread_mutex_lock(&vp->lock);
	virtio_reset_state(d);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		d->vq[i].msix_vector = VIRTIO_MSI_NO_VECTOR;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_sel = 0;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	pci_dev_intx(&vp->pci, 0);
	pthread_mutex_unlock(&vp->lock);
}

/* A status write; returns 1 when the device must be started. */
static int write_status(struct virtio_pci *vp, uint8_t v)
{
	struct virtio_dev *d = vp->vdev;

	if (v == 0) {
		if (d->ops->reset)
			d->ops->reset(d);
		vp_reset_state(vp);
		return 0;
	}
	return virtio_write_status(d, v);
}

static uint16_t valid_vector(const struct virtio_pci *vp, uint16_t v)
{
	return v < vp->nvec ? v : VIRTIO_MSI_NO_VECTOR;
}

/* Apply the fields of @img that [off, off+len) touched. */
static int common_apply(struct virtio_pci *vp, const uint8_t *img,
			uint32_t off, unsigned int len)
{
	struct virtio_dev *d = vp->vdev;
	struct virtq *q = vp->queue_sel < vp->nq ? &d->vq[vp->queue_sel] : NULL;
	int start = 0;
	uint16_t v;

#define HIT(o, n) ((o) < off + len && off < (o) + (n))
	if (HIT(0x00, 4))
		vp->dfselect = get32(img + 0x00);
	if (HIT(0x08, 4))
		vp->gfselect = get32(img + 0x08);
	if (HIT(0x0c, 4) && vp->gfselect < 2 &&
	    !(d->status & VIRTIO_S_FEATURES_OK)) {
		int sh = 32 * vp->gfselect;

		d->driver_features &= ~(0xffffffffULL << sh);
		d->driver_features |= (uint64_t)get32(img + 0x0c) << sh;
	}
	if (HIT(0x10, 2)) {
		pthread_mutex_lock(&vp->lock);
		vp->config_vector = valid_vector(vp, get16(img + 0x10));
		pthread_mutex_unlock(&vp->lock);
	}
	if (HIT(0x14, 1))
		start = write_status(vp, img[0x14]);
	if (HIT(0x16, 2))
		vp->queue_sel = get16(img + 0x16);
	if (!q || q->ready)	/* a live queue's setup is fixed */
		goto out;
	v = get16(img + 0x18);
	if (HIT(0x18, 2) && v && !(v & (v - 1)) && v <= q->max_size)
		q->size = v;
	if (HIT(0x1a, 2)) {
		pthread_mutex_lock(&vp->lock);
		q->msix_vector = valid_vector(vp, get16(img + 0x1a));
		pthread_mutex_unlock(&vp->lock);
	}
	if (HIT(0x20, 8))
		q->desc = get64(img + 0x20);
	if (HIT(0x28, 8))
		q->avail = get64(img + 0x28);
	if (HIT(0x30, 8))
		q->used = get64(img + 0x30);
	if (HIT(0x1c, 2) && get16(img + 0x1c) == 1)
		virtio_queue_enable(vp->vdev, q);
#undef HIT
out:
	return start;
}

static void isr_read(struct virtio_pci *vp, void *data, unsigned int len)
{
	uint8_t *b = data;

	memset(data, 0, len);
	pthread_mutex_lock(&vp->lock);
	b[0] = __atomic_exchange_n(&vp->vdev->isr, 0, __ATOMIC_SEQ_CST);
	pci_dev_intx(&vp->pci, 0);
	pthread_mutex_unlock(&vp->lock);
}

static void msix_read(struct virtio_pci *vp, uint64_t off, void *data,
		      unsigned int len)
{
	uint8_t pba[8] = { 0 };

	memset(data, 0, len);
	pthread_mutex_lock(&vp->lock);
	if (off >= VP_MSIX_TABLE && off + len <= VP_MSIX_TABLE + 16u * vp->nvec) {
		memcpy(data, (uint8_t *)vp->msix + (off - VP_MSIX_TABLE), len);
	} else if (off >= VP_MSIX_PBA && off + len <= VP_MSIX_PBA + 8) {
		put32(pba, vp->pba);
		memcpy(data, pba + (off - VP_MSIX_PBA), len);
	}
	pthread_mutex_unlock(&vp->lock);
}

static void msix_write(struct virtio_pci *vp, uint64_t off, const void *data,
		       unsigned int len)
{
	if (off < VP_MSIX_TABLE || off + len > VP_MSIX_TABLE + 16u * vp->nvec)
		return;		/* the PBA is read-only */
	pthread_mutex_lock(&vp->lock);
	memcpy((uint8_t *)vp->msix + (off - VP_MSIX_TABLE), data, len);
	msix_flush(vp);
	pthread_mutex_unlock(&vp->lock);
}

static void vp_bar_read(struct pci_dev *pd, int bar, uint64_t off, void *data,
			unsigned int len)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	const struct virtio_dev_ops *ops = vp->vdev->ops;
	uint8_t img[VP_COMMON_LEN];

	memset(data, 0, len);
	if (off + len <= VP_COMMON + VP_COMMON_LEN) {
		common_image(vp, img);
		memcpy(data, img + off, len);
	} else if (off == VP_ISR) {
		isr_read(vp, data, len);
	} else if (off >= VP_DEVICE && off - VP_DEVICE + len <= ops->config_len &&
		   off - VP_DEVICE + len <= VP_DEVICE_MAX) {
		if (ops->config_read)
			ops->config_read(vp->vdev, off - VP_DEVICE, data, len);
	} else if (off >= VP_MSIX_TABLE) {
		msix_read(vp, off, data, len);
	}
}

static void notify(struct virtio_pci *vp, uint64_t off)
{
	struct virtio_dev *d = vp->vdev;
	uint64_t q = (off - VP_NOTIFY) / VP_NOTIFY_MULT;

	if (q >= (uint64_t)vp->nq || !d->vq[q].ready ||
	    (d->status & (VIRTIO_S_DRIVER_OK | VIRTIO_S_NEEDS_RESET)) !=
	    VIRTIO_S_DRIVER_OK)
		return;
	if (d->ops->notify)
		d->ops->notify(d, q);
}

static void vp_bar_write(struct pci_dev *pd, int bar, uint64_t off,
			 const void *data, unsigned int len)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	struct virtio_dev *d = vp->vdev;
	uint8_t img[VP_COMMON_LEN];

	if (off + len <= VP_COMMON + VP_COMMON_LEN) {
		common_image(vp, img);
		memcpy(img + off, data, len);
		if (common_apply(vp, img, off, len))
			virtio_start(d);
	} else if (off >= VP_DEVICE && off - VP_DEVICE + len <= d->ops->config_len &&
		   off - VP_DEVICE + len <= VP_DEVICE_MAX) {
		if (d->ops->config_write)
			d->ops->config_write(d, off - VP_DEVICE, data, len);
	} else if (off >= VP_NOTIFY && off < VP_NOTIFY + VP_NOTIFY_MULT * (uint64_t)vp->nq) {
		notify(vp, off);
	} else if (off >= VP_MSIX_TABLE) {
		msix_write(vp, off, data, len);
	}
}

/*
 * The PCI_CFG window: an access to its data bytes is an access of
 * cap.length (1, 2 or 4) bytes at cap.offset of BAR cap.bar.  Anything
 * else (another BAR, a bad length, unaligned, outside the BAR) does
 * nothing, as the spec lets a device do.
 */
static int cfg_window(struct virtio_pci *vp, uint32_t *boff, unsigned int *blen)
{
	const struct pci_dev *d = &vp->pci;
	int c = vp->cfg_cap;

	*boff = pci_cfg32(d, c + 8);
	*blen = pci_cfg32(d, c + 12);
	return d->cfg[c + 4] == 0 && (*blen == 1 || *blen == 2 || *blen == 4) &&
	       !(*boff % *blen) && *boff < VP_BAR_SIZE;
}

static int hits_cfg_data(const struct virtio_pci *vp, uint32_t off,
			 unsigned int len)
{
	uint32_t data = vp->cfg_cap + 16;

	return off < data + 4 && data < off + len;
}

static void vp_config_read(struct pci_dev *pd, uint32_t off, unsigned int len)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	uint8_t *data = pd->cfg + vp->cfg_cap + 16;
	uint32_t boff;
	unsigned int blen;

	if (!hits_cfg_data(vp, off, len))
		return;
	memset(data, 0, 4);
	if (cfg_window(vp, &boff, &blen))
		vp_bar_read(pd, 0, boff, data, blen);
}

/* MSI-X enable or function mask may have changed; or the PCI_CFG
 * window was written. */
static void vp_config_write(struct pci_dev *pd, uint32_t off, unsigned int len)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	uint32_t boff;
	unsigned int blen;

	if (hits_cfg_data(vp, off, len) && cfg_window(vp, &boff, &blen))
		vp_bar_write(pd, 0, boff, pd->cfg + vp->cfg_cap + 16, blen);

	if (off < (uint32_t)vp->msix_cap + 4 && vp->msix_cap < (int)(off + len)) {
		pthread_mutex_lock(&vp->lock);
		msix_flush(vp);
		pthread_mutex_unlock(&vp->lock);
	}
}

static void vp_reset(struct pci_dev *pd)
{
	write_status((struct virtio_pci *)pd, 0);
}

static void vp_destroy(struct pci_dev *pd)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;

	if (vp->vdev->ops->destroy)
		vp->vdev->ops->destroy(vp->vdev);
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}

static const struct pci_dev_ops vp_ops = {
	.name = "virtio-pci",
	.bar_read = vp_bar_read,
	.bar_write = vp_bar_write,
	.config_read = vp_config_read,
	.config_write = vp_config_write,
	.reset = vp_reset,
	.destroy = vp_destroy,
};

/* struct virtio_pci_cap after cap_vndr and cap_next, + @extra bytes */
static int add_vcap(struct virtio_pci *vp, uint8_t type, uint32_t off,
		    uint32_t len, const uint8_t *extra, unsigned int nextra)
{
	uint8_t body[18] = { 0 };	/* 20-byte caps at most */

	body[0] = 16 + nextra;	/* cap_len */
	body[1] = type;
	body[2] = 0;		/* bar */
	put32(body + 6, off);
	put32(body + 10, len);
	if (nextra)
		memcpy(body + 14, extra, nextra);
	return pci_dev_add_cap(&vp->pci, PCI_CAP_ID_VNDR, body, 14 + nextra);
}

static uint32_t class_of(uint16_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return 0x020000;	/* ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x010000;	/* SCSI storage, as QEMU */
	case VIRTIO_ID_CONSOLE:
		return 0x078000;	/* simple communication */
	default:
		return 0x00ff00;	/* unclassified */
	}
}

static int vp_caps(struct virtio_pci *vp)
{
	const struct virtio_dev_ops *ops = vp->vdev->ops;
	uint8_t mult[4], msix[10];
	uint32_t dlen = ops->config_len < VP_DEVICE_MAX ? ops->config_len : VP_DEVICE_MAX;
	int ret;

	put32(mult, VP_NOTIFY_MULT);
	put16(msix, vp->nvec - 1);
	put32(msix + 2, VP_MSIX_TABLE);		/* BIR 0 */
	put32(msix + 6, VP_MSIX_PBA);
	if (add_vcap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON, VP_COMMON_LEN, NULL, 0) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY,
		     VP_NOTIFY_MULT * vp->nq, mult, 4) < 0 ||
	    add_vcap(vp, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR, 1, NULL, 0) < 0 ||
	    (dlen && add_vcap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE, dlen, NULL, 0) < 0))
		return -ENOSPC;
	ret = pci_dev_add_cap(&vp->pci, PCI_CAP_ID_MSIX, msix, sizeof(msix));
	if (ret < 0)
		return ret;
	vp->msix_cap = ret;
	vp->pci.wmask[ret + 3] = 0xc0;	/* enable, function mask */
	ret = add_vcap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, (const uint8_t *)"\0\0\0", 4);
	if (ret < 0)
		return ret;
	vp->cfg_cap = ret;
	/* bar, offset, length and data are the driver's */
	memset(vp->pci.wmask + ret + 4, 0xff, 1);
	memset(vp->pci.wmask + ret + 8, 0xff, 12);
	return 0;
}

int virtio_pci_create(struct pci *pci, struct virtio_dev *vdev, int irq,
		      struct err *e)
{
	const struct virtio_dev_ops *ops = vdev->ops;
	struct virtio_pci *vp;
	int i, ret;

	if (ops->nqueues < 1 || ops->nqueues > VIRTIO_MAX_QUEUES) {
		ret = err_msg(e, -EINVAL, "%s: %d queues", ops->name, ops->nqueues);
		goto fail_vdev;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp) {
		ret = err_set(e, -ENOMEM, "%s", ops->name);
		goto fail_vdev;
	}
	pci_dev_init(&vp->pci, &vp_ops, VIRTIO_PCI_VENDOR,
		     VIRTIO_PCI_DEVICE_BASE + ops->device_id,
		     class_of(ops->device_id), 1, VIRTIO_PCI_VENDOR, ops->device_id);
	pthread_mutex_init(&vp->lock, NULL);
	vp->vdev = vdev;
	vp->nq = ops->nqueues;
	vp->nvec = vp->nq + 1;
	for (i = 0; i < vp->nvec; i++)
		vp->msix[i][12] = MSIX_ENTRY_MASKED;
	vdev->transport = vp;
	vdev->interrupt = vp_interrupt;
	vp_reset_state(vp);
	if (pci_dev_add_bar(&vp->pci, 0, VP_BAR_SIZE, PCI_BAR_MEM64) < 0 ||
	    vp_caps(vp) < 0) {
		ret = err_msg(e, -EINVAL, "%s: PCI header", ops->name);
		goto fail;
	}
	ret = pci_plug(pci, &vp->pci, irq, e);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	vp_destroy(&vp->pci);
	return ret;
fail_vdev:
	if (ops->destroy)
		ops->destroy(vdev);
	return ret;
}
