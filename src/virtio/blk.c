/*
 * virtio-blk (virtio 1.2, 5.2) over a struct disk: one request queue,
 * read, write, flush, get-id and write-zeroes, served synchronously on
 * the thread that delivered the kick.
 *
 * A request is a chain: a 16-byte header (type, reserved, sector) in the
 * readable part, the data, and one status byte at the very end of the
 * writable part.  The driver may split any of these across buffers as it
 * likes (2.6.4), so the header is gathered from the readable bytes and
 * the data is moved buffer by buffer between guest memory and the disk,
 * never through a copy.  Everything the request says is checked before
 * the disk is touched: type, lengths (whole sectors), sector range
 * against the capacity, a write to a read-only disk.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "disk/disk.h"
#include "virtio/devices.h"

/* feature bits (5.2.3) */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* request types (5.2.6) */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define BLK_HDR_LEN		16
#define BLK_ID_LEN		20
#define BLK_CONFIG_LEN		60	/* struct virtio_blk_config up to unused1 */
#define BLK_QUEUE_SIZE		256
/* write-zeroes limits we announce: one range of up to 32 MiB */
#define BLK_WZ_MAX_SECTORS	65536
#define BLK_WZ_MAX_SEG		1
#define BLK_WZ_UNMAP		1	/* flag of a range: may deallocate */

struct virtio_blk {
	struct virtio_dev vdev;		/* first: the transport's view */
	struct disk *disk;
	pthread_mutex_t lock;		/* the disk has one caller at a time */
	uint8_t config[BLK_CONFIG_LEN];	/* little endian, as the driver reads it */
	char id[BLK_ID_LEN];		/* NUL-padded serial */
};

struct blk_req {
	uint32_t type;
	uint64_t sector;
	int nout;			/* readable segments */
	uint64_t data_len;		/* bytes between header and status */
};

/* Bytes [off, off+len) of the chain's readable (@writable 0) or writable
 * part, handed to @fn piece by piece as host buffers. */
static int chain_each(const struct virtq_chain *c, int writable, uint64_t off,
		      uint64_t len, int (*fn)(void *arg, uint8_t *p, uint32_t n,
					      uint64_t done), void *arg)
{
	uint64_t done = 0;
	uint32_t n;
	int i, ret;

	for (i = 0; i < c->n && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];

		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - (uint32_t)off;
		if (n > len - done)
			n = (uint32_t)(len - done);
		ret = fn(arg, (uint8_t *)s->p + off, n, done);
		if (ret < 0)
			return ret;
		done += n;
		off = 0;
	}
	return done == len ? 0 : -EINVAL;
}

static int gather(void *arg, uint8_t *p, uint32_t n, uint64_t done)
{
	memcpy((uint8_t *)arg + done, p, n);
	return 0;
}

static int scatter(void *arg, uint8_t *p, uint32_t n, uint64_t done)
{
	memcpy(p, (const uint8_t *)arg + done, n);
	return 0;
}

struct blk_io {
	struct disk *disk;
	uint64_t off;			/* byte offset of the request */
};

static int io_read(void *arg, uint8_t *p, uint32_t n, uint64_t done)
{
	struct blk_io *io = arg;

	return disk_read(io->disk, io->off + done, p, n);
}

static int io_write(void *arg, uint8_t *p, uint32_t n, uint64_t done)
{
	struct blk_io *io = arg;

	return disk_write(io->disk, io->off + done, p, n);
}

/* Is [sector, sector + len) a whole number of sectors inside the disk? */
static int blk_in_range(const struct virtio_blk *b, uint64_t sector,
			uint64_t len)
{
	uint64_t cap = disk_size(b->disk) / DISK_SECTOR;

	if (len % DISK_SECTOR)
		return 0;
	return sector <= cap && len / DISK_SECTOR <= cap - sector;
}

static uint8_t blk_rw(struct virtio_blk *b, const struct virtq_chain *c,
		      const struct blk_req *r, uint32_t *written)
{
	struct blk_io io = { b->disk, r->sector * DISK_SECTOR };
	int ret;

	if (!blk_in_range(b, r->sector, r->data_len))
		return VIRTIO_BLK_S_IOERR;
	if (r->type == VIRTIO_BLK_T_IN) {
		/* all of the readable part is the header */
		if (c->out_len != BLK_HDR_LEN)
			return VIRTIO_BLK_S_IOERR;
		ret = chain_each(c, 1, 0, r->data_len, io_read, &io);
		if (ret < 0)
			return VIRTIO_BLK_S_IOERR;
		*written = (uint32_t)r->data_len;
		return VIRTIO_BLK_S_OK;
	}
	/* all of the writable part is the status byte */
	if (c->in_len != 1 || disk_readonly(b->disk))
		return VIRTIO_BLK_S_IOERR;
	ret = chain_each(c, 0, BLK_HDR_LEN, r->data_len, io_write, &io);
	return ret < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* Zero [off, off + len) of the disk, a chunk at a time. */
static int blk_zero(struct disk *disk, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];
	uint64_t n;
	int ret;

	while (len) {
		n = len < sizeof(zeros) ? len : sizeof(zeros);
		ret = disk_write(disk, off, zeros, n);
		if (ret < 0)
			return ret;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * WRITE_ZEROES (5.2.6): the readable bytes after the header are ranges
 * {le64 sector, le32 num_sectors, le32 flags}.  All of them are checked
 * before the first is written; the unmap flag only allows deallocation,
 * which a plain write of zeros satisfies.
 */
static uint8_t blk_write_zeroes(struct virtio_blk *b,
				const struct virtq_chain *c,
				const struct blk_req *r)
{
	uint8_t ranges[BLK_WZ_MAX_SEG][16];
	uint64_t sector[BLK_WZ_MAX_SEG];
	uint32_t count[BLK_WZ_MAX_SEG], flags;
	uint64_t n = r->data_len / 16;
	unsigned int i;

	if (c->in_len != 1 || disk_readonly(b->disk))
		return VIRTIO_BLK_S_IOERR;
	if (!n || r->data_len % 16 || n > BLK_WZ_MAX_SEG ||
	    chain_each(c, 0, BLK_HDR_LEN, r->data_len, gather, ranges) < 0)
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < n; i++) {
		memcpy(&sector[i], ranges[i], 8);
		memcpy(&count[i], ranges[i] + 8, 4);
		memcpy(&flags, ranges[i] + 12, 4);
		sector[i] = le64toh(sector[i]);
		count[i] = le32toh(count[i]);
		if (le32toh(flags) & ~BLK_WZ_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		if (count[i] > BLK_WZ_MAX_SECTORS ||
		    !blk_in_range(b, sector[i], (uint64_t)count[i] * DISK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < n; i++)
		if (blk_zero(b->disk, sector[i] * DISK_SECTOR,
			     (uint64_t)count[i] * DISK_SECTOR) < 0)
			return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_get_id(struct virtio_blk *b, const struct virtq_chain *c,
			  const struct blk_req *r, uint32_t *written)
{
	uint64_t n = r->data_len < BLK_ID_LEN ? r->data_len : BLK_ID_LEN;

	if (chain_each(c, 1, 0, n, scatter, b->id) < 0)
		return VIRTIO_BLK_S_IOERR;
	*written = (uint32_t)n;
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_do(struct virtio_blk *b, const struct virtq_chain *c,
		      uint32_t *written)
{
	uint8_t hdr[BLK_HDR_LEN];
	struct blk_req r;

	if (chain_each(c, 0, 0, BLK_HDR_LEN, gather, hdr) < 0)
		return VIRTIO_BLK_S_IOERR;
	memcpy(&r.type, hdr, 4);
	memcpy(&r.sector, hdr + 8, 8);
	r.type = le32toh(r.type);
	r.sector = le64toh(r.sector);
	switch (r.type) {
	case VIRTIO_BLK_T_IN:
		r.data_len = c->in_len - 1;
		return blk_rw(b, c, &r, written);
	case VIRTIO_BLK_T_OUT:
		r.data_len = c->out_len - BLK_HDR_LEN;
		return blk_rw(b, c, &r, written);
	case VIRTIO_BLK_T_FLUSH:
		return disk_flush(b->disk) < 0 ? VIRTIO_BLK_S_IOERR :
						 VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		r.data_len = c->in_len - 1;
		return blk_get_id(b, c, &r, written);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		r.data_len = c->out_len - BLK_HDR_LEN;
		return blk_write_zeroes(b, c, &r);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Serve one request; the status byte is the last writable byte. */
static void blk_request(struct virtio_blk *b, const struct virtq_chain *c)
{
	const struct virtq_seg *last = c->n ? &c->seg[c->n - 1] : NULL;
	uint32_t written = 0;
	uint8_t status;

	if (!last || !last->writable) {
		/* nowhere to put a status: give the buffers back unused */
		virtio_complete(&b->vdev, 0, c->head, 0);
		return;
	}
	status = blk_do(b, c, &written);
	((uint8_t *)last->p)[last->len - 1] = status;
	virtio_complete(&b->vdev, 0, c->head, written + 1);
}

static void blk_notify(struct virtio_dev *d, int q)
{
	struct virtio_blk *b = (struct virtio_blk *)d;
	struct virtq_chain c;
	int ret;

	if (q != 0)
		return;
	pthread_mutex_lock(&b->lock);
	while (!virtio_broken(d)) {
		ret = virtq_pop(&d->vq[0], d->mem, &c);
		if (ret < 0)
			virtio_needs_reset(d);
		if (ret <= 0)
			break;
		blk_request(b, &c);
	}
	pthread_mutex_unlock(&b->lock);
}

static void blk_config_read(struct virtio_dev *d, uint32_t off, void *data,
			    unsigned int len)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	if (off <= BLK_CONFIG_LEN && len <= BLK_CONFIG_LEN - off)
		memcpy(data, b->config + off, len);
}

/* Wait out a request another vCPU is serving: the transport forgets the
 * queues as soon as this returns. */
static void blk_reset(struct virtio_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	pthread_mutex_lock(&b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void blk_destroy(struct virtio_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	disk_close(b->disk);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.config_len = BLK_CONFIG_LEN,
	.config_read = blk_config_read,	/* read-only: no CONFIG_WCE */
	.notify = blk_notify,
	.reset = blk_reset,
	.destroy = blk_destroy,
};

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

/* struct virtio_blk_config (5.2.4): capacity, seg_max, blk_size and the
 * write-zeroes limits */
static void blk_config_fill(struct virtio_blk *b)
{
	uint64_t cap = htole64(disk_size(b->disk) / DISK_SECTOR);

	memcpy(b->config, &cap, 8);
	/* the header and the status take two of a chain's buffers */
	put32(b->config + 12, VIRTQ_MAX_SEGS - 2);
	put32(b->config + 20, DISK_SECTOR);
	put32(b->config + 48, BLK_WZ_MAX_SECTORS);
	put32(b->config + 52, BLK_WZ_MAX_SEG);
	b->config[56] = 1;	/* write_zeroes_may_unmap */
}

int virtio_blk_create(const struct gmem *mem, struct disk *disk,
		      const char *serial, struct virtio_dev **out,
		      struct err *e)
{
	uint64_t features = 1ULL << VIRTIO_BLK_F_SEG_MAX |
			    1ULL << VIRTIO_BLK_F_BLK_SIZE |
			    1ULL << VIRTIO_BLK_F_FLUSH |
			    1ULL << VIRTIO_F_INDIRECT_DESC |
			    1ULL << VIRTIO_F_EVENT_IDX;
	struct virtio_blk *b;

	if (serial && strlen(serial) > BLK_ID_LEN) {
		disk_close(disk);
		return err_msg(e, -EINVAL, "virtio-blk: serial '%s' is longer than %d bytes",
			       serial, BLK_ID_LEN);
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		disk_close(disk);
		return err_set(e, -ENOMEM, "virtio-blk");
	}
	if (disk_readonly(disk))
		features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	virtio_dev_init(&b->vdev, &blk_ops, mem, features, BLK_QUEUE_SIZE);
	b->disk = disk;
	if (serial)
		memcpy(b->id, serial, strlen(serial));
	blk_config_fill(b);
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->vdev;
	return 0;
}
