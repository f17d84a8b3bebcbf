/*
 * virtio_mmio -- the virtio-mmio transport, version 2.  See virtio_mmio.h.
 *
 * The machine serializes register accesses (its device lock); a device's
 * own I/O thread (net receive) may raise interrupts at any time, so the
 * interrupt status and the line are under the transport's own lock.  The
 * model's hooks (notify, start, reset) are called without it, so a model
 * may stop its I/O thread inside reset().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_mmio.h"

enum {
	R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008,
	R_VENDOR_ID = 0x00c, R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
	R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
	R_DESC_LO = 0x080, R_DESC_HI = 0x084, R_DRIVER_LO = 0x090,
	R_DRIVER_HI = 0x094, R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4,
	R_SHM_SEL = 0x0ac, R_SHM_LEN_LO = 0x0b0, R_SHM_LEN_HI = 0x0b4,
	R_SHM_BASE_LO = 0x0b8, R_SHM_BASE_HI = 0x0bc,
	R_CONFIG_GEN = 0x0fc,
};

struct virtio_mmio {
	struct virtio_dev *vdev;
	struct dev_host host;
	int irq;
	pthread_mutex_t lock;	/* isr, the line, config_gen */
	int line;
	int nq;
	uint32_t dfsel, gfsel, queue_sel;
	uint32_t config_gen;
};

/* Locked. */
static void set_line(struct virtio_mmio *vm)
{
	int level = __atomic_load_n(&vm->vdev->isr, __ATOMIC_SEQ_CST) != 0;

	if (level == vm->line)
		return;
	vm->line = level;
	if (vm->host.irq)
		vm->host.irq(vm->host.ctx, vm->irq, level);
}

/* virtio_dev's interrupt hook: queue @q has used buffers, or (q < 0)
 * the device configuration changed. */
static void vm_interrupt(struct virtio_dev *d, int q)
{
	struct virtio_mmio *vm = d->transport;

	pthread_mutex_lock(&vm->lock);
	if (q < 0)
		vm->config_gen++;
	__atomic_fetch_or(&d->isr, q < 0 ? 2 : 1, __ATOMIC_SEQ_CST);
	set_line(vm);
	pthread_mutex_unlock(&vm->lock);
}

static void int_ack(struct virtio_mmio *vm, uint32_t v)
{
	pthread_mutex_lock(&vm->lock);
	__atomic_fetch_and(&vm->vdev->isr, (uint8_t)~v, __ATOMIC_SEQ_CST);
	set_line(vm);
	pthread_mutex_unlock(&vm->lock);
}

static struct virtq *cur_queue(struct virtio_mmio *vm)
{
	return vm->queue_sel < (uint32_t)vm->nq ? &vm->vdev->vq[vm->queue_sel] : NULL;
}

/* The transport's side of a reset; the model's reset() came first. */
static void reset_state(struct virtio_mmio *vm)
{
	pthread_mutex_lock(&vm->lock);
	virtio_reset_state(vm->vdev);
	vm->dfsel = vm->gfsel = vm->queue_sel = 0;
	set_line(vm);
	pthread_mutex_unlock(&vm->lock);
}

/* A status write; returns 1 when the device must be started. */
static int write_status(struct virtio_mmio *vm, uint8_t v)
{
	struct virtio_dev *d = vm->vdev;

	if (v == 0) {
		if (d->ops->reset)
			d->ops->reset(d);
		reset_state(vm);
		return 0;
	}
	return virtio_write_status(d, v);
}

static void notify(struct virtio_mmio *vm, uint32_t qi)
{
	struct virtio_dev *d = vm->vdev;

	if (qi >= (uint32_t)vm->nq || !d->vq[qi].ready ||
	    (d->status & (VIRTIO_S_DRIVER_OK | VIRTIO_S_NEEDS_RESET)) !=
	    VIRTIO_S_DRIVER_OK)
		return;
	if (d->ops->notify)
		d->ops->notify(d, qi);
}

static void set_half(uint64_t *a, int hi, uint32_t v)
{
	int sh = hi ? 32 : 0;

	*a = (*a & ~(0xffffffffULL << sh)) | (uint64_t)v << sh;
}

static uint32_t reg_read(struct virtio_mmio *vm, uint64_t off)
{
	struct virtio_dev *d = vm->vdev;
	struct virtq *q = cur_queue(vm);

	switch (off) {
	case R_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case R_VERSION:
		return VIRTIO_MMIO_VERSION;
	case R_DEVICE_ID:
		return d->ops->device_id;
	case R_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case R_DEV_FEATURES:
		return vm->dfsel < 2 ? (uint32_t)(d->host_features >> (32 * vm->dfsel)) : 0;
	case R_QUEUE_NUM_MAX:
		return q ? q->max_size : 0;
	case R_QUEUE_NUM:
		return q ? q->size : 0;
	case R_QUEUE_READY:
		return q ? q->ready : 0;
	case R_INT_STATUS:
		return __atomic_load_n(&d->isr, __ATOMIC_SEQ_CST);
	case R_STATUS:
		return __atomic_load_n(&d->status, __ATOMIC_ACQUIRE);
	case R_DESC_LO: case R_DESC_HI:
		return q ? (uint32_t)(q->desc >> (off == R_DESC_HI ? 32 : 0)) : 0;
	case R_DRIVER_LO: case R_DRIVER_HI:
		return q ? (uint32_t)(q->avail >> (off == R_DRIVER_HI ? 32 : 0)) : 0;
	case R_DEVICE_LO: case R_DEVICE_HI:
		return q ? (uint32_t)(q->used >> (off == R_DEVICE_HI ? 32 : 0)) : 0;
	case R_SHM_LEN_LO: case R_SHM_LEN_HI:
		return 0xffffffff;	/* no shared memory region */
	case R_CONFIG_GEN: {
		uint32_t g;

		pthread_mutex_lock(&vm->lock);
		g = vm->config_gen;
		pthread_mutex_unlock(&vm->lock);
		return g;
	}
	}
	return 0;
}

/* Returns 1 when the device must be started. */
static int reg_write(struct virtio_mmio *vm, uint64_t off, uint32_t v)
{
	struct virtio_dev *d = vm->vdev;
	struct virtq *q = cur_queue(vm);

	switch (off) {
	case R_DEV_FEATURES_SEL:
		vm->dfsel = v;
		return 0;
	case R_DRV_FEATURES_SEL:
		vm->gfsel = v;
		return 0;
	case R_DRV_FEATURES:
		if (vm->gfsel < 2 && !(d->status & VIRTIO_S_FEATURES_OK))
			set_half(&d->driver_features, vm->gfsel, v);
		return 0;
	case R_QUEUE_SEL:
		vm->queue_sel = v;
		return 0;
	case R_QUEUE_NOTIFY:
		notify(vm, v & 0xffff);	/* bits 16+: VIRTIO_F_NOTIFICATION_DATA */
		return 0;
	case R_INT_ACK:
		int_ack(vm, v);
		return 0;
	case R_STATUS:
		return write_status(vm, v);
	}
	if (!q || q->ready) {	/* a live queue's setup is fixed */
		if (q && off == R_QUEUE_READY && v == 0)
			q->ready = 0;
		return 0;
	}
	switch (off) {
	case R_QUEUE_NUM:
		if (v && !(v & (v - 1)) && v <= q->max_size)
			q->size = v;
		break;
	case R_QUEUE_READY:
		if (v == 1)
			virtio_queue_enable(vm->vdev, q);
		break;
	case R_DESC_LO: case R_DESC_HI:
		set_half(&q->desc, off == R_DESC_HI, v);
		break;
	case R_DRIVER_LO: case R_DRIVER_HI:
		set_half(&q->avail, off == R_DRIVER_HI, v);
		break;
	case R_DEVICE_LO: case R_DEVICE_HI:
		set_half(&q->used, off == R_DEVICE_HI, v);
		break;
	}
	return 0;
}

static int config_range(const struct virtio_mmio *vm, uint64_t off,
			unsigned int len)
{
	return off >= VIRTIO_MMIO_CONFIG &&
	       off - VIRTIO_MMIO_CONFIG + len <= vm->vdev->ops->config_len;
}

static void vmmio_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct virtio_mmio *vm = dev;
	const struct virtio_dev_ops *ops = vm->vdev->ops;
	uint32_t v;

	memset(data, 0, len);
	if (off >= VIRTIO_MMIO_CONFIG) {
		if (config_range(vm, off, len) && ops->config_read)
			ops->config_read(vm->vdev, off - VIRTIO_MMIO_CONFIG, data, len);
		return;
	}
	if (len != 4 || (off & 3))
		return;
	v = reg_read(vm, off);
	memcpy(data, &v, 4);
}

static void vmmio_write(void *dev, uint64_t off, const void *data,
			unsigned int len)
{
	struct virtio_mmio *vm = dev;
	struct virtio_dev *d = vm->vdev;
	uint32_t v;

	if (off >= VIRTIO_MMIO_CONFIG) {
		if (config_range(vm, off, len) && d->ops->config_write)
			d->ops->config_write(d, off - VIRTIO_MMIO_CONFIG, data, len);
		return;
	}
	if (len != 4 || (off & 3))
		return;
	memcpy(&v, data, 4);
	if (reg_write(vm, off, v))
		virtio_start(d);
}

static void vmmio_reset(void *dev)
{
	write_status(dev, 0);
}

static void vmmio_destroy(void *dev)
{
	struct virtio_mmio *vm = dev;

	if (vm->vdev->ops->destroy)
		vm->vdev->ops->destroy(vm->vdev);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

static const struct dev_ops virtio_mmio_ops = {
	.name = "virtio-mmio",
	.min_width = 1,
	.max_width = 8,
	.mmio_read = vmmio_read,
	.mmio_write = vmmio_write,
	.reset = vmmio_reset,
	.destroy = vmmio_destroy,
};

int virtio_mmio_create(struct virtio_dev *vdev, const struct dev_host *host,
		       int irq, struct dev_ref *out, struct err *e)
{
	const struct virtio_dev_ops *ops = vdev->ops;
	struct virtio_mmio *vm;
	int ret;

	if (ops->nqueues < 1 || ops->nqueues > VIRTIO_MAX_QUEUES ||
	    ops->config_len > VIRTIO_MMIO_SIZE - VIRTIO_MMIO_CONFIG) {
		ret = err_msg(e, -EINVAL, "%s: %d queues, %u config bytes",
			      ops->name, ops->nqueues, ops->config_len);
		goto fail;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		ret = err_set(e, -ENOMEM, "%s", ops->name);
		goto fail;
	}
	pthread_mutex_init(&vm->lock, NULL);
	vm->vdev = vdev;
	vm->host = *host;
	vm->irq = irq;
	vm->nq = ops->nqueues;
	vdev->transport = vm;
	vdev->interrupt = vm_interrupt;
	reset_state(vm);
	out->ops = &virtio_mmio_ops;
	out->dev = vm;
	return 0;
fail:
	if (ops->destroy)
		ops->destroy(vdev);
	return ret;
}
