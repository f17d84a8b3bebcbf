/*
 * qcow2 -- the QEMU copy-on-write image format, versions 2 and 3.
 *
 * A virtual offset goes L1 table -> L2 table -> data cluster.  A cluster
 * the image has not allocated reads from the backing image (raw or qcow2,
 * itself possibly backed), or as zeros without one; the v3 zero flag reads
 * as zeros; deflate-compressed clusters are inflated on read.
 *
 * Writes never overwrite a cluster they do not own: a cluster that is
 * unallocated, compressed or shared gets a new cluster at the end of the
 * file, filled with the old content around the written bytes, and only
 * then is the L2 entry pointed at it.  Every new cluster has its refcount
 * raised (refcount blocks and a bigger refcount table are allocated as
 * needed) before anything points at it, so a crash leaks at worst and
 * `qemu-img check` finds no errors.  Metadata is written through: the
 * small L2 and refcount block caches only save reads.
 *
 * Every offset read from the image is checked (cluster alignment, inside
 * the file, not the header or a table) before use; a bad one is -EIO.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "disk/disk_impl.h"

#define HDR_V2_LEN	72
#define HDR_V3_LEN	104
#define INCOMPAT_DIRTY		(1ULL << 0)
#define INCOMPAT_CORRUPT	(1ULL << 1)
#define INCOMPAT_DATA_FILE	(1ULL << 2)
#define INCOMPAT_COMPRESSION	(1ULL << 3)
#define INCOMPAT_EXTL2		(1ULL << 4)
#define EXT_END			0
#define EXT_BACKING_FMT		0xe2792acaU

#define ENT_COPIED	(1ULL << 63)	/* refcount is exactly one */
#define ENT_COMPRESSED	(1ULL << 62)
#define ENT_ZERO	1ULL		/* v3: reads as zeros */
#define OFF_MASK	0x00fffffffffffe00ULL

#define MAX_L1_BYTES	(32U << 20)
#define MAX_RT_BYTES	(8U << 20)
#define L2_SLOTS	16
#define RB_SLOTS	4
#define MAX_SKIP	(1U << 20)	/* in-use clusters past the end, skipped */

struct slot {
	uint64_t off;		/* 0 = empty */
	uint64_t used;
	uint8_t *buf;
};

struct tcache {
	struct slot slot[L2_SLOTS];
	int n;
};

struct qcow2 {
	struct disk d;
	unsigned version;
	unsigned cluster_bits;
	uint64_t cs;		/* cluster size */
	unsigned rc_bits;	/* bits per refcount */
	uint64_t rc_per_block;
	uint64_t *l1;		/* host order */
	uint32_t l1_size;
	uint64_t l1_off;
	uint64_t *rt;		/* refcount table, host order */
	uint64_t rt_entries;
	uint64_t rt_off;
	uint64_t file_end;	/* cluster-aligned end: new clusters go here */
	struct disk *backing;
	struct tcache l2c, rbc;
	uint64_t clock;
	uint8_t *cbuf;		/* one cluster */
	uint8_t *zbuf;		/* compressed input, 2 clusters + a sector */
	int growing;		/* refcount table growth in progress */
	int broken;		/* a metadata write failed: no more writes */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static struct qcow2 *Q(struct disk *d)
{
	return (struct qcow2 *)d;
}

/* --- table cache ----------------------------------------------------- */

static int cache_init(struct tcache *c, int n, uint64_t cs)
{
	int i;

	c->n = n;
	for (i = 0; i < n; i++) {
		c->slot[i].buf = malloc(cs);
		if (!c->slot[i].buf)
			return -ENOMEM;
	}
	return 0;
}

static void cache_free(struct tcache *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->slot[i].buf);
}

static struct slot *cache_find(struct tcache *c, uint64_t off)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->slot[i].off == off)
			return &c->slot[i];
	return NULL;
}

static void cache_drop(struct qcow2 *q, uint64_t off)
{
	struct slot *s;

	if ((s = cache_find(&q->l2c, off)))
		s->off = 0;
	if ((s = cache_find(&q->rbc, off)))
		s->off = 0;
}

/* The table cluster at @off; @fresh: it was just allocated, all zeros. */
static int cache_get(struct qcow2 *q, struct tcache *c, uint64_t off,
		     int fresh, uint8_t **out)
{
	struct slot *s = cache_find(c, off);
	int i, r;

	if (!s) {
		s = &c->slot[0];
		for (i = 1; i < c->n; i++)
			if (c->slot[i].used < s->used)
				s = &c->slot[i];
		s->off = 0;
		if (fresh) {
			memset(s->buf, 0, q->cs);
		} else {
			r = disk_pread_pad(q->d.fd, s->buf, q->cs, off);
			if (r < 0)
				return r;
		}
		s->off = off;
	}
	s->used = ++q->clock;
	*out = s->buf;
	return 0;
}

/* --- offsets --------------------------------------------------------- */

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Whether @off may hold a cluster of data or a table: aligned, inside the
 * file, not the header, the L1 table or the refcount table. */
static int host_ok(const struct qcow2 *q, uint64_t off)
{
	return off && !(off & (q->cs - 1)) && off < q->file_end &&
	       !overlaps(off, q->cs, q->l1_off, (uint64_t)q->l1_size * 8) &&
	       !overlaps(off, q->cs, q->rt_off, q->rt_entries * 8);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* --- refcounts ------------------------------------------------------- */

static uint64_t rc_get(const struct qcow2 *q, const uint8_t *b, uint64_t i)
{
	switch (q->rc_bits) {
	case 8:  return b[i];
	case 16: return (uint64_t)b[2 * i] << 8 | b[2 * i + 1];
	case 32: return be32(b + 4 * i);
	case 64: return be64(b + 8 * i);
	}
	/* 1, 2, 4 bits: packed from the low bits of each byte up */
	return b[i * q->rc_bits / 8] >> (i * q->rc_bits % 8) &
	       ((1U << q->rc_bits) - 1);
}

static void rc_put(const struct qcow2 *q, uint8_t *b, uint64_t i, uint64_t v)
{
	unsigned shift, mask;

	switch (q->rc_bits) {
	case 8:  b[i] = (uint8_t)v; return;
	case 16: b[2 * i] = (uint8_t)(v >> 8); b[2 * i + 1] = (uint8_t)v; return;
	case 32: put_be32(b + 4 * i, (uint32_t)v); return;
	case 64: put_be64(b + 8 * i, v); return;
	}
	shift = i * q->rc_bits % 8;
	mask = ((1U << q->rc_bits) - 1) << shift;
	b[i * q->rc_bits / 8] = (uint8_t)((b[i * q->rc_bits / 8] & ~mask) |
					  ((unsigned)v << shift & mask));
}

static int rc_update(struct qcow2 *q, uint64_t host, int delta);

static int rt_grow(struct qcow2 *q, uint64_t need);

/* Write refcount table entry @ti (already set in q->rt). */
static int rt_write(struct qcow2 *q, uint64_t ti)
{
	uint8_t b[8];

	put_be64(b, q->rt[ti]);
	return disk_pwrite_all(q->d.fd, b, 8, q->rt_off + ti * 8);
}

/* A new, zeroed refcount block for table entry @ti, at the end of the file. */
static int rc_new_block(struct qcow2 *q, uint64_t ti)
{
	uint64_t b = q->file_end, bidx = b >> q->cluster_bits;
	uint8_t *buf;
	int self, r;

	q->file_end += q->cs;
	r = cache_get(q, &q->rbc, b, 1, &buf);
	if (r < 0)
		return r;
	self = bidx / q->rc_per_block == ti;
	if (self)	/* the block counts itself */
		rc_put(q, buf, bidx % q->rc_per_block, 1);
	r = disk_pwrite_all(q->d.fd, buf, q->cs, b);
	if (r < 0) {
		cache_drop(q, b);
		return r;
	}
	q->rt[ti] = b;
	r = rt_write(q, ti);
	if (r < 0 || self)
		return r;
	return rc_update(q, b, 1);
}

/* The refcount block holding @host's refcount (*boff 0: none and !create). */
static int rc_block(struct qcow2 *q, uint64_t host, int create,
		    uint64_t *boff, uint64_t *bi)
{
	uint64_t idx = host >> q->cluster_bits, ti = idx / q->rc_per_block;
	int r;

	*bi = idx % q->rc_per_block;
	*boff = 0;
	if (ti >= q->rt_entries) {
		if (!create)
			return 0;
		r = rt_grow(q, ti);
		if (r < 0)
			return r;
	}
	if (!q->rt[ti]) {
		if (!create)
			return 0;
		r = rc_new_block(q, ti);
		if (r < 0)
			return r;
	}
	*boff = q->rt[ti] & OFF_MASK;
	if (!host_ok(q, *boff))
		return -EIO;
	return 0;
}

static int rc_read(struct qcow2 *q, uint64_t host, uint64_t *v)
{
	uint64_t boff, bi;
	uint8_t *buf;
	int r;

	*v = 0;
	r = rc_block(q, host, 0, &boff, &bi);
	if (r < 0 || !boff)
		return r;
	r = cache_get(q, &q->rbc, boff, 0, &buf);
	if (r < 0)
		return r;
	*v = rc_get(q, buf, bi);
	return 0;
}

static int rc_update(struct qcow2 *q, uint64_t host, int delta)
{
	uint64_t boff, bi, v, max, at, len;
	uint8_t *buf;
	int r;

	r = rc_block(q, host, 1, &boff, &bi);
	if (r < 0)
		return r;
	r = cache_get(q, &q->rbc, boff, 0, &buf);
	if (r < 0)
		return r;
	v = rc_get(q, buf, bi);
	max = q->rc_bits == 64 ? UINT64_MAX : (1ULL << q->rc_bits) - 1;
	if ((delta < 0 && v == 0) || (delta > 0 && v == max))
		return -EIO;
	rc_put(q, buf, bi, delta < 0 ? v - 1 : v + 1);
	if (q->rc_bits < 8) {
		at = bi * q->rc_bits / 8;
		len = 1;
	} else {
		at = bi * (q->rc_bits / 8);
		len = q->rc_bits / 8;
	}
	r = disk_pwrite_all(q->d.fd, buf + at, len, boff + at);
	if (r < 0)
		rc_put(q, buf, bi, v);
	return r;
}

/* Reserve @n free clusters at the end of the file (no refcounts yet). */
static int reserve(struct qcow2 *q, uint64_t n, uint64_t *out)
{
	uint64_t off, v, i, skipped = 0;
	int r;

again:
	off = q->file_end;
	for (i = 0; i < n; i++) {
		r = rc_read(q, off + i * q->cs, &v);
		if (r < 0)
			return r;
		if (v) {	/* counted but past the end: leave it be */
			if (++skipped > MAX_SKIP)
				return -EIO;
			q->file_end = off + (i + 1) * q->cs;
			goto again;
		}
	}
	q->file_end = off + n * q->cs;
	*out = off;
	return 0;
}

static int alloc_cluster(struct qcow2 *q, uint64_t *out)
{
	int r = reserve(q, 1, out);

	return r < 0 ? r : rc_update(q, *out, 1);
}

/*
 * Move the refcount table to a bigger one at the end of the file, large
 * enough for entry @need: the new table counts its own clusters (and any
 * refcount blocks that takes) before the header points at it.
 */
static int rt_grow(struct qcow2 *q, uint64_t need)
{
	uint64_t per = q->cs / 8, entries, bytes, off, i, *old = q->rt;
	uint64_t old_off = q->rt_off, old_entries = q->rt_entries;
	uint8_t *tab, h[12];
	int r;

	if (q->growing)
		return -EIO;
	entries = old_entries * 2;
	if (entries < need + 2)
		entries = need + 2;
	if (entries < (q->file_end >> q->cluster_bits) / q->rc_per_block + 8)
		entries = (q->file_end >> q->cluster_bits) / q->rc_per_block + 8;
	entries = align_up(entries, per);
	bytes = entries * 8;
	if (bytes > MAX_RT_BYTES)
		return -EFBIG;
	r = reserve(q, bytes / q->cs, &off);
	if (r < 0)
		return r;
	q->rt = calloc(entries, 8);
	tab = malloc(bytes);
	if (!q->rt || !tab) {
		free(q->rt);
		free(tab);
		q->rt = old;
		return -ENOMEM;
	}
	memcpy(q->rt, old, old_entries * 8);
	q->growing = 1;
	q->rt_off = off;
	q->rt_entries = entries;
	/* From here on the image only changes at the end of the file: a
	 * failure leaves the old table in charge; the disk stays broken. */
	for (i = 0; i < bytes / q->cs && r == 0; i++)
		r = rc_update(q, off + i * q->cs, 1);
	for (i = 0; i < entries && r == 0; i++)
		put_be64(tab + i * 8, q->rt[i]);
	if (r == 0)
		r = disk_pwrite_all(q->d.fd, tab, bytes, off);
	if (r == 0 && fdatasync(q->d.fd) < 0)
		r = -errno;
	put_be64(h, off);
	put_be32(h + 8, (uint32_t)(bytes / q->cs));
	if (r == 0)
		r = disk_pwrite_all(q->d.fd, h, sizeof(h), 48);
	free(tab);
	if (r < 0) {
		q->broken = 1;
		free(q->rt);
		q->rt = old;
		q->rt_off = old_off;
		q->rt_entries = old_entries;
		q->growing = 0;
		return r;
	}
	for (i = 0; i < align_up(old_entries * 8, q->cs) / q->cs && r == 0; i++)
		r = rc_update(q, old_off + i * q->cs, -1);
	free(old);
	q->growing = 0;
	return r;
}

/* --- mapping --------------------------------------------------------- */

/* The L2 entry for virtual offset @vo (0: unallocated); the table's
 * offset in *l2off (0: none). */
static int l2_lookup(struct qcow2 *q, uint64_t vo, uint64_t *l2off,
		     uint64_t *entry)
{
	uint64_t l1i = vo >> (2 * q->cluster_bits - 3);
	uint64_t l2i = (vo >> q->cluster_bits) & (q->cs / 8 - 1);
	uint8_t *t;
	int r;

	*entry = 0;
	*l2off = q->l1[l1i] & OFF_MASK;
	if (!*l2off)
		return 0;
	if (!host_ok(q, *l2off))
		return -EIO;
	r = cache_get(q, &q->l2c, *l2off, 0, &t);
	if (r < 0)
		return r;
	*entry = be64(t + l2i * 8);
	return 0;
}

static int l2_set(struct qcow2 *q, uint64_t l2off, uint64_t vo, uint64_t entry)
{
	uint64_t l2i = (vo >> q->cluster_bits) & (q->cs / 8 - 1);
	struct slot *s;
	uint8_t b[8];
	int r;

	put_be64(b, entry);
	r = disk_pwrite_all(q->d.fd, b, 8, l2off + l2i * 8);
	if (r < 0)
		return r;
	if ((s = cache_find(&q->l2c, l2off)))
		memcpy(s->buf + l2i * 8, b, 8);
	return 0;
}

/* The L2 table for @vo, allocated when missing. */
static int l2_table_for_write(struct qcow2 *q, uint64_t vo, uint64_t *l2off)
{
	uint64_t l1i = vo >> (2 * q->cluster_bits - 3), off;
	uint8_t *t, b[8];
	int r;

	off = q->l1[l1i] & OFF_MASK;
	if (off) {
		if (!(q->l1[l1i] & ENT_COPIED))
			return -ENOTSUP;	/* shared with a snapshot */
		*l2off = off;
		return host_ok(q, off) ? 0 : -EIO;
	}
	r = alloc_cluster(q, &off);
	if (r < 0)
		return r;
	r = cache_get(q, &q->l2c, off, 1, &t);
	if (r < 0)
		return r;
	r = disk_pwrite_all(q->d.fd, t, q->cs, off);
	if (r < 0)
		return r;
	put_be64(b, off | ENT_COPIED);
	r = disk_pwrite_all(q->d.fd, b, 8, q->l1_off + l1i * 8);
	if (r < 0)
		return r;
	q->l1[l1i] = off | ENT_COPIED;
	*l2off = off;
	return 0;
}

/* Where a compressed cluster's bytes are: [*off, *off + *len). */
static void compressed_span(const struct qcow2 *q, uint64_t entry,
			    uint64_t *off, uint64_t *len)
{
	unsigned x = 62 - (q->cluster_bits - 8);

	*off = entry & ((1ULL << x) - 1);
	*len = (((entry >> x) & ((1ULL << (q->cluster_bits - 8)) - 1)) + 1) * 512 -
	       (*off & 511);
}

static int read_compressed(struct qcow2 *q, uint64_t entry, uint8_t *out)
{
	uint64_t off, len;
	z_stream z;
	int r;

	compressed_span(q, entry, &off, &len);
	if (!off || off >= q->file_end)
		return -EIO;
	r = disk_pread_pad(q->d.fd, q->zbuf, len, off);
	if (r < 0)
		return r;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK)	/* raw deflate, any window */
		return -ENOMEM;
	z.next_in = q->zbuf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)q->cs;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	/* The stream may run on into padding; a full cluster is enough. */
	if (z.avail_out != 0 || (r != Z_STREAM_END && r != Z_OK && r != Z_BUF_ERROR))
		return -EIO;
	return 0;
}

static int read_backing(struct qcow2 *q, uint64_t vo, uint8_t *buf, size_t len)
{
	uint64_t bsize = q->backing ? disk_size(q->backing) : 0;
	size_t n = 0;
	int r;

	if (vo < bsize)
		n = bsize - vo < len ? (size_t)(bsize - vo) : len;
	if (n) {
		r = disk_read(q->backing, vo, buf, n);
		if (r < 0)
			return r;
	}
	memset(buf + n, 0, len - n);
	return 0;
}

/* Read [vo, vo+len) of what @entry maps (all inside one cluster). */
static int read_entry(struct qcow2 *q, uint64_t entry, uint64_t vo,
		      uint8_t *buf, size_t len)
{
	uint64_t in = vo & (q->cs - 1), host = entry & OFF_MASK;
	int r;

	if (entry & ENT_COMPRESSED) {
		r = read_compressed(q, entry, q->cbuf);
		if (r == 0 && buf != q->cbuf)	/* copy-on-write reads into cbuf */
			memcpy(buf, q->cbuf + in, len);
		return r;
	}
	if (entry & ENT_ZERO) {
		memset(buf, 0, len);
		return 0;
	}
	if (!host)
		return read_backing(q, vo, buf, len);
	if (!host_ok(q, host))
		return -EIO;
	return disk_pread_pad(q->d.fd, buf, len, host + in);
}

static int qcow2_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	struct qcow2 *q = Q(d);
	uint64_t l2off, entry;
	uint8_t *p = buf;
	size_t n;
	int r;

	while (len) {
		n = q->cs - (off & (q->cs - 1));
		if (n > len)
			n = len;
		r = l2_lookup(q, off, &l2off, &entry);
		if (r == 0)
			r = read_entry(q, entry, off, p, n);
		if (r < 0)
			return r;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Give back what @entry held, now that nothing points at it. */
static int release(struct qcow2 *q, uint64_t entry)
{
	uint64_t off, len, c;
	int r = 0;

	if (entry & ENT_COMPRESSED) {
		compressed_span(q, entry, &off, &len);
		len = align_up(len + (off & 511), 512);
		off &= ~511ULL;
		if (!off || off >= q->file_end || len > q->file_end - off)
			return -EIO;
		for (c = off & ~(q->cs - 1); c < off + len && r == 0; c += q->cs)
			r = rc_update(q, c, -1);
		return r;
	}
	if (entry & OFF_MASK) {
		if (!host_ok(q, entry & OFF_MASK))
			return -EIO;
		return rc_update(q, entry & OFF_MASK, -1);
	}
	return 0;
}

static int write_cluster(struct qcow2 *q, uint64_t vo, const uint8_t *buf,
			 size_t len)
{
	uint64_t in = vo & (q->cs - 1), l2off, entry, host, new;
	const uint8_t *src = buf;
	int r;

	r = l2_table_for_write(q, vo, &l2off);
	if (r == 0)
		r = l2_lookup(q, vo, &l2off, &entry);
	if (r < 0)
		return r;
	host = entry & OFF_MASK;
	if (!(entry & ENT_COMPRESSED) && host && (entry & ENT_COPIED)) {
		/* our own cluster: write in place */
		if (!host_ok(q, host))
			return -EIO;
		cache_drop(q, host);
		if (!(entry & ENT_ZERO))
			return disk_pwrite_all(q->d.fd, buf, len, host + in);
		/* preallocated zero cluster: the rest must read as zeros */
		memset(q->cbuf, 0, q->cs);
		memcpy(q->cbuf + in, buf, len);
		r = disk_pwrite_all(q->d.fd, q->cbuf, q->cs, host);
		if (r == 0)
			r = l2_set(q, l2off, vo, host | ENT_COPIED);
		return r;
	}
	if (len < q->cs) {	/* copy on write: keep the rest */
		r = read_entry(q, entry, vo & ~(q->cs - 1), q->cbuf, q->cs);
		if (r < 0)
			return r;
		memcpy(q->cbuf + in, buf, len);
		src = q->cbuf;
	}
	r = alloc_cluster(q, &new);
	if (r == 0)
		r = disk_pwrite_all(q->d.fd, src, q->cs, new);
	if (r == 0)
		r = l2_set(q, l2off, vo, new | ENT_COPIED);
	if (r == 0 && (host || (entry & ENT_COMPRESSED)))
		r = release(q, entry);
	return r;
}

static int qcow2_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	struct qcow2 *q = Q(d);
	const uint8_t *p = buf;
	size_t n;
	int r;

	if (q->broken)
		return -EIO;
	while (len) {
		n = q->cs - (off & (q->cs - 1));
		if (n > len)
			n = len;
		r = write_cluster(q, off, p, n);
		if (r < 0) {
			if (r != -ENOTSUP && r != -EFBIG && r != -ENOSPC)
				q->broken = 1;
			return r;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int qcow2_flush(struct disk *d)
{
	return fdatasync(d->fd) < 0 ? -errno : 0;
}

static void qcow2_free(struct qcow2 *q)
{
	disk_close(q->backing);
	cache_free(&q->l2c);
	cache_free(&q->rbc);
	free(q->l1);
	free(q->rt);
	free(q->cbuf);
	free(q->zbuf);
	free(q);
}

static void qcow2_close(struct disk *d)
{
	close(d->fd);
	qcow2_free(Q(d));
}

static const struct disk_ops qcow2_ops = {
	.name = "qcow2",
	.read = qcow2_read,
	.write = qcow2_write,
	.flush = qcow2_flush,
	.close = qcow2_close,
};

/* --- open ------------------------------------------------------------ */

struct header {
	uint64_t backing_off;
	uint32_t backing_len;
	uint64_t incompat, autoclear;
	uint32_t hdr_len;
	uint32_t nb_snapshots;
	uint8_t compression;
	uint32_t rt_clusters;
};

static int parse_header(struct qcow2 *q, const uint8_t *h, uint64_t fsize,
			struct header *hd, struct err *e)
{
	uint64_t per_l1, need, rc_order;

	q->version = be32(h + 4);
	if (q->version != 2 && q->version != 3)
		return err_msg(e, -ENOTSUP, "qcow2 version %u not supported (2, 3)",
			       q->version);
	hd->backing_off = be64(h + 8);
	hd->backing_len = be32(h + 16);
	q->cluster_bits = be32(h + 20);
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return err_msg(e, -EINVAL, "qcow2 cluster_bits %u out of range 9..21",
			       q->cluster_bits);
	q->cs = 1ULL << q->cluster_bits;
	q->d.size = be64(h + 24);
	if (be32(h + 32))
		return err_msg(e, -ENOTSUP, "encrypted qcow2 images are not supported");
	q->l1_size = be32(h + 36);
	q->l1_off = be64(h + 40);
	q->rt_off = be64(h + 48);
	hd->rt_clusters = be32(h + 56);
	hd->nb_snapshots = be32(h + 60);
	hd->incompat = hd->autoclear = 0;
	hd->hdr_len = HDR_V2_LEN;
	hd->compression = 0;
	rc_order = 4;
	if (q->version == 3) {
		hd->incompat = be64(h + 72);
		hd->autoclear = be64(h + 88);
		rc_order = be32(h + 96);
		hd->hdr_len = be32(h + 100);
		if (hd->hdr_len < HDR_V3_LEN || hd->hdr_len > q->cs || hd->hdr_len % 8)
			return err_msg(e, -EINVAL, "qcow2 header length %u is bad",
				       hd->hdr_len);
		if (hd->hdr_len > HDR_V3_LEN)
			hd->compression = h[104];
	}
	if (rc_order > 6)
		return err_msg(e, -EINVAL, "qcow2 refcount_order %" PRIu64 " out of range 0..6",
			       rc_order);
	q->rc_bits = 1U << rc_order;
	q->rc_per_block = q->cs * 8 / q->rc_bits;
	if (q->d.size > (1ULL << 56))
		return err_msg(e, -EINVAL, "qcow2 virtual size %" PRIu64 " too big",
			       q->d.size);
	per_l1 = 1ULL << (2 * q->cluster_bits - 3);
	need = (q->d.size + per_l1 - 1) / per_l1;
	if (q->l1_size < need || (uint64_t)q->l1_size * 8 > MAX_L1_BYTES)
		return err_msg(e, -EINVAL, "qcow2 L1 size %u wrong for %" PRIu64 " bytes",
			       q->l1_size, q->d.size);
	if ((q->l1_off & (q->cs - 1)) || (q->l1_size && (!q->l1_off ||
	    q->l1_off > fsize || q->l1_size * 8ULL > fsize - q->l1_off)))
		return err_msg(e, -EINVAL, "qcow2 L1 table offset %#" PRIx64 " bad",
			       q->l1_off);
	if (!q->rt_off || (q->rt_off & (q->cs - 1)) || !hd->rt_clusters ||
	    (uint64_t)hd->rt_clusters * q->cs > MAX_RT_BYTES ||
	    q->rt_off > fsize ||
	    hd->rt_clusters * q->cs > align_up(fsize, q->cs) - q->rt_off)
		return err_msg(e, -EINVAL, "qcow2 refcount table (%#" PRIx64 ", %u clusters) bad",
			       q->rt_off, hd->rt_clusters);
	q->rt_entries = hd->rt_clusters * q->cs / 8;
	return 0;
}

/* Refuse what this reader would get wrong; see docs/disk.md. */
static int check_features(struct qcow2 *q, const struct header *hd, struct err *e)
{
	uint64_t known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE |
			 INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

	if (hd->incompat & ~known)
		return err_msg(e, -ENOTSUP, "qcow2 incompatible features %#" PRIx64
			       " unknown", hd->incompat & ~known);
	if (hd->incompat & INCOMPAT_DATA_FILE)
		return err_msg(e, -ENOTSUP, "qcow2 external data files are not supported");
	if (hd->incompat & INCOMPAT_EXTL2)
		return err_msg(e, -ENOTSUP, "qcow2 extended L2 entries (subclusters) "
			       "are not supported");
	if (hd->compression != 0)
		return err_msg(e, -ENOTSUP, "qcow2 compression type %u not supported "
			       "(only zlib)", hd->compression);
	if ((hd->incompat & INCOMPAT_CORRUPT) && !q->d.readonly)
		return err_msg(e, -EIO, "qcow2 image is marked corrupt: open it "
			       "read-only, or repair it with qemu-img check -r all");
	if (hd->nb_snapshots && !q->d.readonly)
		return err_msg(e, -ENOTSUP, "qcow2 image has internal snapshots: "
			       "only read-only use is supported");
	return 0;
}

/* Header extensions: only the backing format matters here. */
static int parse_exts(struct qcow2 *q, const uint8_t *c, uint64_t end,
		      const struct header *hd, char *fmt, struct err *e)
{
	uint64_t at = hd->hdr_len;
	uint32_t type, len;

	fmt[0] = '\0';
	while (at + 8 <= end) {
		type = be32(c + at);
		len = be32(c + at + 4);
		at += 8;
		if (type == EXT_END)
			return 0;
		if (len > end - at)
			return err_msg(e, -EINVAL, "qcow2 header extension %#x overruns "
				       "the header", type);
		if (type == EXT_BACKING_FMT) {
			if (len == 0 || len > 15)
				return err_msg(e, -ENOTSUP, "qcow2 backing format of "
					       "%u bytes not supported", len);
			memcpy(fmt, c + at, len);
			fmt[len] = '\0';
		}
		at += align_up(len, 8);
	}
	return 0;
}

static int open_backing(struct qcow2 *q, const char *path, const uint8_t *c,
			const struct header *hd, const char *fmt, int depth,
			struct err *e)
{
	char name[1024], full[PATH_MAX];
	const char *slash;
	int n;

	if (!hd->backing_off || !hd->backing_len)
		return 0;
	if (hd->backing_len > 1023 || hd->backing_off > q->cs ||
	    hd->backing_len > q->cs - hd->backing_off)
		return err_msg(e, -EINVAL, "qcow2 backing file name (%#" PRIx64 ", %u) bad",
			       hd->backing_off, hd->backing_len);
	memcpy(name, c + hd->backing_off, hd->backing_len);
	name[hd->backing_len] = '\0';
	if (strlen(name) != hd->backing_len)
		return err_msg(e, -EINVAL, "qcow2 backing file name holds a NUL");
	slash = strrchr(path, '/');
	if (name[0] == '/' || !slash)
		n = snprintf(full, sizeof(full), "%s", name);
	else
		n = snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path),
			     path, name);
	if (n < 0 || (size_t)n >= sizeof(full))
		return err_msg(e, -ENAMETOOLONG, "qcow2 backing file path too long");
	if (disk_open_depth(full, fmt[0] ? fmt : NULL, 1, depth + 1, &q->backing, e) < 0)
		return err_wrap(e, "backing file");
	return 0;
}

static int load_tables(struct qcow2 *q, struct err *e)
{
	uint8_t *raw;
	uint64_t i, n = q->l1_size > q->rt_entries ? q->l1_size : q->rt_entries;
	int r;

	raw = malloc(n * 8 + 8);
	q->l1 = calloc(q->l1_size + 1, 8);
	q->rt = calloc(q->rt_entries, 8);
	if (!raw || !q->l1 || !q->rt) {
		free(raw);
		return err_set(e, -ENOMEM, "qcow2 tables");
	}
	r = disk_pread_pad(q->d.fd, raw, q->l1_size * 8ULL, q->l1_off);
	for (i = 0; r == 0 && i < q->l1_size; i++)
		q->l1[i] = be64(raw + i * 8);
	if (r == 0)
		r = disk_pread_pad(q->d.fd, raw, q->rt_entries * 8, q->rt_off);
	for (i = 0; r == 0 && i < q->rt_entries; i++)
		q->rt[i] = be64(raw + i * 8);
	free(raw);
	if (r < 0)
		return err_set(e, r, "read qcow2 tables");
	return 0;
}

/* A writer clears the autoclear bits it does not maintain (all of them:
 * bitmaps and raw external data), as the format asks. */
static int clear_autoclear(struct qcow2 *q, const struct header *hd, struct err *e)
{
	uint8_t z[8] = { 0 };
	int r;

	if (q->d.readonly || q->version < 3 || !hd->autoclear)
		return 0;
	r = disk_pwrite_all(q->d.fd, z, 8, 88);
	return r < 0 ? err_set(e, r, "clear qcow2 autoclear features") : 0;
}

int qcow2_open(int fd, const char *path, int readonly, int depth,
	       struct disk **out, struct err *e)
{
	struct qcow2 *q;
	struct header hd;
	struct stat st;
	uint8_t h[HDR_V3_LEN + 8];
	uint64_t first;
	char fmt[16];
	int r;

	if (fstat(fd, &st) < 0)
		return err_set(e, -errno, "stat");
	r = disk_pread_pad(fd, h, sizeof(h), 0);
	if (r < 0)
		return err_set(e, r, "read qcow2 header");
	q = calloc(1, sizeof(*q));
	if (!q)
		return err_set(e, -ENOMEM, "qcow2");
	q->d.ops = &qcow2_ops;
	q->d.fd = fd;
	q->d.readonly = readonly;
	r = parse_header(q, h, (uint64_t)st.st_size, &hd, e);
	if (r == 0)
		r = check_features(q, &hd, e);
	if (r < 0)
		goto fail;
	q->file_end = align_up((uint64_t)st.st_size, q->cs);
	first = hd.backing_off && hd.backing_off < q->cs ? hd.backing_off : q->cs;
	q->cbuf = malloc(q->cs);
	q->zbuf = malloc(2 * q->cs + 512);
	if (!q->cbuf || !q->zbuf || cache_init(&q->l2c, L2_SLOTS, q->cs) < 0 ||
	    cache_init(&q->rbc, RB_SLOTS, q->cs) < 0) {
		r = err_set(e, -ENOMEM, "qcow2 buffers");
		goto fail;
	}
	r = disk_pread_pad(fd, q->cbuf, q->cs, 0);
	if (r < 0) {
		err_set(e, r, "read qcow2 header");
		goto fail;
	}
	r = parse_exts(q, q->cbuf, first, &hd, fmt, e);
	if (r == 0)
		r = open_backing(q, path, q->cbuf, &hd, fmt, depth, e);
	if (r == 0)
		r = load_tables(q, e);
	if (r == 0)
		r = clear_autoclear(q, &hd, e);
	if (r < 0)
		goto fail;
	*out = &q->d;
	return 0;
fail:
	qcow2_free(q);
	return r;
}
