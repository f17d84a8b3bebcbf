/*
 * Unit tests for virtio-blk (src/virtio/blk.c), driven through its ops as
 * a transport would, over a raw temp file and a fake guest memory: config
 * space, reads and writes (with headers and data split across buffers),
 * flush, get-id, and the requests that must fail without touching the
 * disk: out of range, partial sectors, bad types, malformed headers,
 * writes to a read-only disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk/disk.h"
#include "virtio/devices.h"
#include "test.h"

#define GPA	0x100000ULL
#define MEM	0x40000ULL
#define QSIZE	64
#define DESC	GPA
#define AVAIL	(GPA + 0x1000)
#define USED	(GPA + 0x2000)
#define HDR	(GPA + 0x3000)
#define STATUS	(GPA + 0x3100)
#define DATA	(GPA + 0x8000)

#define T_IN	0
#define T_OUT	1
#define T_FLUSH	4
#define T_GET_ID 8
#define T_WZ	13
#define S_OK	0
#define S_IOERR	1
#define S_UNSUPP 2

#define SECTORS	2048	/* a 1 MiB disk */

static uint8_t *host;
static struct gmem gm = { .n = 1 };
static char path[] = "/tmp/strata-virtio-blk.XXXXXX";

static void *g(uint64_t gpa)
{
	return host + (gpa - GPA);
}

struct buf {
	uint64_t gpa;
	uint32_t len;
	int writable;
};

/* Make a chain of @n buffers starting at descriptor 0, submit it, kick
 * the device and return the used length (-1 when nothing was used). */
static int submit(struct virtio_dev *d, const struct buf *b, int n)
{
	uint16_t *avail = g(AVAIL), before = *(uint16_t *)g(USED + 2);
	int i;

	for (i = 0; i < n; i++) {
		uint8_t *e = g(DESC + 16ULL * i);
		uint16_t flags = (i + 1 < n ? 1 : 0) | (b[i].writable ? 2 : 0);
		uint16_t next = (uint16_t)(i + 1);

		memcpy(e, &b[i].gpa, 8);
		memcpy(e + 8, &b[i].len, 4);
		memcpy(e + 12, &flags, 2);
		memcpy(e + 14, &next, 2);
	}
	avail[2 + (avail[1] & (QSIZE - 1))] = 0;
	avail[1]++;
	d->ops->notify(d, 0);
	if (*(uint16_t *)g(USED + 2) == before)
		return -1;
	return (int)*(uint32_t *)g(USED + 4 + 8ULL * (before & (QSIZE - 1)) + 4);
}

static void hdr(uint32_t type, uint64_t sector)
{
	memset(g(HDR), 0, 16);
	memcpy(g(HDR), &type, 4);
	memcpy(g(HDR + 8), &sector, 8);
	*(uint8_t *)g(STATUS) = 0xee;
}

static uint8_t status(void)
{
	return *(uint8_t *)g(STATUS);
}

static struct virtio_dev *dev_new(int readonly, const char *serial)
{
	struct virtio_dev *d = NULL;
	struct disk *disk;
	struct err e = { 0 };

	if (disk_open(path, readonly, &disk, &e) < 0 ||
	    virtio_blk_create(&gm, disk, serial, &d, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
	memset(host, 0, MEM);
	d->driver_features = d->host_features;
	d->status = VIRTIO_S_DRIVER_OK;
	d->vq[0].size = QSIZE;
	d->vq[0].desc = DESC;
	d->vq[0].avail = AVAIL;
	d->vq[0].used = USED;
	d->vq[0].ready = 1;
	virtio_start(d);
	return d;
}

static void fill(uint64_t gpa, uint32_t len, uint8_t seed)
{
	uint8_t *p = g(gpa);

	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_config(void)
{
	struct virtio_dev *d = dev_new(0, "disk0");
	uint64_t cap = 0;
	uint32_t v = 0;

	test_assert(d->ops->device_id == 2 && d->ops->nqueues == 1, "device id 2, one queue");
	test_assert((d->host_features >> 9 & 1) && (d->host_features >> 2 & 1) &&
		    (d->host_features >> 6 & 1) && !(d->host_features >> 5 & 1),
		    "FLUSH, SEG_MAX, BLK_SIZE offered, RO not");
	d->ops->config_read(d, 0, &cap, 8);
	test_assert(cap == SECTORS, "capacity in 512-byte sectors");
	d->ops->config_read(d, 12, &v, 4);
	test_assert(v == VIRTQ_MAX_SEGS - 2, "seg_max leaves room for header and status");
	d->ops->config_read(d, 20, &v, 4);
	test_assert(v == 512, "blk_size 512");
	test_assert(d->host_features >> 14 & 1, "WRITE_ZEROES offered");
	d->ops->config_read(d, 48, &v, 4);
	test_assert(v == 65536, "max_write_zeroes_sectors");
	v = 0;
	d->ops->config_read(d, 0, &v, 2);
	test_assert(v == (SECTORS & 0xffff), "a narrow read of the capacity");
	d->ops->destroy(d);
}

static void test_rw(void)
{
	struct virtio_dev *d = dev_new(0, "strata-serial-0001");
	uint8_t file[1024];
	int fd, ok;

	/* write sectors 10-11 from two buffers */
	hdr(T_OUT, 10);
	fill(DATA, 1024, 3);
	struct buf w[] = { { HDR, 16, 0 }, { DATA, 300, 0 }, { DATA + 300, 724, 0 },
			   { STATUS, 1, 1 } };
	test_assert(submit(d, w, 4) == 1 && status() == S_OK, "a write completes OK, used length 1");
	fd = open(path, O_RDONLY);
	ok = pread(fd, file, 1024, 10 * 512) == 1024 && !memcmp(file, g(DATA), 1024);
	close(fd);
	test_assert(ok, "the bytes are in the file at sector 10");

	/* read them back with the header split and three data buffers */
	hdr(T_IN, 10);
	memset(g(DATA + 0x1000), 0, 1024);
	struct buf r[] = { { HDR, 5, 0 }, { HDR + 5, 11, 0 }, { DATA + 0x1000, 512, 1 },
			   { DATA + 0x1200, 100, 1 }, { DATA + 0x1264, 412, 1 },
			   { STATUS, 1, 1 } };
	test_assert(submit(d, r, 6) == 1025 && status() == S_OK, "a read completes OK, used 1024 + 1");
	test_assert(!memcmp(g(DATA), g(DATA + 0x1000), 1024), "and reads back what was written");

	/* the status byte may share a buffer with the data */
	hdr(T_IN, 10);
	*(uint8_t *)g(DATA + 0x2000 + 512) = 0xee;
	struct buf r2[] = { { HDR, 16, 0 }, { DATA + 0x2000, 513, 1 } };
	test_assert(submit(d, r2, 2) == 513 && *(uint8_t *)g(DATA + 0x2000 + 512) == S_OK &&
		    !memcmp(g(DATA + 0x2000), g(DATA), 512),
		    "status as the last byte of the data buffer");

	hdr(T_IN, SECTORS - 1);
	struct buf last[] = { { HDR, 16, 0 }, { DATA + 0x3000, 512, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, last, 3) == 513 && status() == S_OK, "the last sector reads");

	hdr(T_FLUSH, 0);
	struct buf f[] = { { HDR, 16, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, f, 2) == 1 && status() == S_OK, "flush completes OK");

	hdr(T_GET_ID, 0);
	memset(g(DATA), 0xff, 64);
	struct buf id[] = { { HDR, 16, 0 }, { DATA, 20, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, id, 3) == 21 && status() == S_OK, "get-id completes OK");
	test_assert(!memcmp(g(DATA), "strata-serial-0001\0\0", 20) &&
		    *(uint8_t *)g(DATA + 20) == 0xff, "the serial, NUL padded, 20 bytes");
	d->ops->destroy(d);
}

static void wz_range(uint64_t sector, uint32_t count, uint32_t flags)
{
	memcpy(g(HDR + 16), &sector, 8);
	memcpy(g(HDR + 24), &count, 4);
	memcpy(g(HDR + 28), &flags, 4);
}

static void test_write_zeroes(void)
{
	struct virtio_dev *d = dev_new(0, NULL);
	struct buf w[] = { { HDR, 16, 0 }, { DATA, 2048, 0 }, { STATUS, 1, 1 } };
	struct buf r[] = { { HDR, 16, 0 }, { DATA + 0x1000, 2048, 1 }, { STATUS, 1, 1 } };
	struct buf z[] = { { HDR, 16, 0 }, { HDR + 16, 16, 0 }, { STATUS, 1, 1 } };
	static const uint8_t zero[1024];

	hdr(T_OUT, 100);
	memset(g(DATA), 0x3c, 2048);
	test_assert(submit(d, w, 3) == 1 && status() == S_OK, "sectors 100-103 written");
	hdr(T_WZ, 0);
	wz_range(101, 2, 1);
	test_assert(submit(d, z, 3) == 1 && status() == S_OK, "write-zeroes of 101-102 (unmap allowed)");
	hdr(T_IN, 100);
	test_assert(submit(d, r, 3) == 2049 && status() == S_OK, "read back");
	test_assert(*(uint8_t *)g(DATA + 0x1000 + 511) == 0x3c &&
		    !memcmp(g(DATA + 0x1000 + 512), zero, 1024) &&
		    *(uint8_t *)g(DATA + 0x1000 + 1536) == 0x3c,
		    "exactly the two sectors are zero");

	hdr(T_WZ, 0);
	wz_range(100, 1, 2);
	test_assert(submit(d, z, 3) == 1 && status() == S_UNSUPP, "an unknown range flag: UNSUPP");
	hdr(T_WZ, 0);
	wz_range(SECTORS - 1, 2, 0);
	test_assert(submit(d, z, 3) == 1 && status() == S_IOERR, "a range past the end: IOERR");
	hdr(T_WZ, 0);
	wz_range(0, 65537, 0);
	test_assert(submit(d, z, 3) == 1 && status() == S_IOERR, "a range over the limit: IOERR");
	hdr(T_WZ, 0);
	wz_range(100, 1, 0);
	z[1].len = 32;
	test_assert(submit(d, z, 3) == 1 && status() == S_IOERR, "more ranges than max_write_zeroes_seg: IOERR");
	z[1].len = 12;
	test_assert(submit(d, z, 3) == 1 && status() == S_IOERR, "a partial range: IOERR");
	hdr(T_IN, 100);
	test_assert(submit(d, r, 3) == 2049 && *(uint8_t *)g(DATA + 0x1000) == 0x3c,
		    "and none of them touched the disk");
	d->ops->destroy(d);
}

static void test_bad_requests(void)
{
	struct virtio_dev *d = dev_new(0, NULL);
	struct buf r[] = { { HDR, 16, 0 }, { DATA, 1024, 1 }, { STATUS, 1, 1 } };

	memset(g(DATA), 0x5a, 1024);
	hdr(T_IN, SECTORS - 1);
	test_assert(submit(d, r, 3) == 1 && status() == S_IOERR, "a read past the end: IOERR");
	test_assert(*(uint8_t *)g(DATA) == 0x5a, "and the buffer is untouched");
	hdr(T_IN, 1ULL << 63);
	test_assert(submit(d, r, 3) == 1 && status() == S_IOERR, "a huge sector: IOERR");
	hdr(T_IN, SECTORS);
	r[1].len = 512;
	test_assert(submit(d, r, 3) == 1 && status() == S_IOERR, "the sector after the last: IOERR");
	hdr(T_IN, 0);
	r[1].len = 100;
	test_assert(submit(d, r, 3) == 1 && status() == S_IOERR, "a partial sector: IOERR");
	test_assert(*(uint8_t *)g(DATA) == 0x5a, "and the buffer is untouched");

	hdr(T_OUT, SECTORS - 1);
	struct buf w[] = { { HDR, 16, 0 }, { DATA, 1024, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, w, 3) == 1 && status() == S_IOERR, "a write past the end: IOERR");
	hdr(T_OUT, 0);
	struct buf w2[] = { { HDR, 16, 0 }, { DATA, 512, 0 }, { DATA + 0x1000, 8, 1 },
			    { STATUS, 1, 1 } };
	test_assert(submit(d, w2, 4) == 1 && status() == S_IOERR, "a write with writable data: IOERR");

	hdr(99, 0);
	struct buf u[] = { { HDR, 16, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, u, 2) == 1 && status() == S_UNSUPP, "an unknown type: UNSUPP");
	hdr(11, 0);		/* DISCARD, not offered */
	test_assert(submit(d, u, 2) == 1 && status() == S_UNSUPP, "discard: UNSUPP");

	hdr(T_IN, 0);
	struct buf shorth[] = { { HDR, 8, 0 }, { DATA, 512, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, shorth, 3) == 1 && status() == S_IOERR, "a short header: IOERR");
	struct buf nostatus[] = { { HDR, 16, 0 }, { DATA, 512, 0 } };
	memset(g(DATA), 0x5a, 512);
	hdr(T_IN, 0);
	test_assert(submit(d, nostatus, 2) == 0, "no writable status: used, length 0");
	test_assert(*(uint8_t *)g(DATA) == 0x5a && status() == 0xee, "and nothing written");
	struct buf hdrw[] = { { HDR, 16, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, hdrw, 2) == 1 && status() == S_IOERR, "a writable header: IOERR");

	struct buf outside[] = { { HDR, 16, 0 }, { GPA + MEM - 256, 512, 1 }, { STATUS, 1, 1 } };
	hdr(T_IN, 0);
	test_assert(submit(d, outside, 3) == -1 && virtio_broken(d),
		    "a buffer outside memory: NEEDS_RESET, nothing used");
	d->ops->destroy(d);
}

static void test_readonly(void)
{
	struct virtio_dev *d = dev_new(1, NULL);
	struct disk *disk;
	struct err e = { 0 };
	uint8_t file[512];
	int fd, ok;

	test_assert((d->host_features >> 5 & 1) && !(d->host_features >> 14 & 1),
		    "a read-only disk offers RO, not WRITE_ZEROES");
	hdr(T_OUT, 0);
	memset(g(DATA), 0x77, 512);
	struct buf w[] = { { HDR, 16, 0 }, { DATA, 512, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, w, 3) == 1 && status() == S_IOERR, "a write to it: IOERR");
	fd = open(path, O_RDONLY);
	ok = pread(fd, file, 512, 0) == 512 && file[0] != 0x77;
	close(fd);
	test_assert(ok, "and the file is unchanged");
	hdr(T_WZ, 0);
	wz_range(0, 1, 0);
	struct buf z[] = { { HDR, 16, 0 }, { HDR + 16, 16, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, z, 3) == 1 && status() == S_IOERR, "write-zeroes to it: IOERR");
	hdr(T_IN, 0);
	struct buf r[] = { { HDR, 16, 0 }, { DATA, 512, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, r, 3) == 513 && status() == S_OK, "reads still work");
	d->ops->destroy(d);

	test_assert(disk_open(path, 1, &disk, &e) == 0, "the disk opens again");
	test_assert(virtio_blk_create(&gm, disk, "123456789012345678901", &d, &e) == -EINVAL,
		    "a serial over 20 bytes is refused (and the disk closed)");
}

/* The same device over a qcow2 image (made by qemu-img when there is
 * one): virtio-blk never knows the format. */
static void test_qcow2(void)
{
	char qpath[] = "/tmp/strata-virtio-qcow2.XXXXXX", cmd[128];
	struct virtio_dev *d;
	struct disk *disk;
	struct err e = { 0 };
	uint64_t cap = 0;
	int fd;

	fd = mkstemp(qpath);
	if (fd < 0)
		return;
	close(fd);
	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 %s 4M 2>/dev/null", qpath);
	if (system(cmd) != 0) {
		printf("virtio_blk: no qemu-img, qcow2 test skipped\n");
		unlink(qpath);
		return;
	}
	test_assert(disk_open(qpath, 0, &disk, &e) == 0 && !strcmp(disk_format(disk), "qcow2"),
		    "a qcow2 image opens as qcow2");
	test_assert(virtio_blk_create(&gm, disk, NULL, &d, &e) == 0, "virtio-blk over it");
	memset(host, 0, MEM);
	d->driver_features = d->host_features;
	d->status = VIRTIO_S_DRIVER_OK;
	d->vq[0] = (struct virtq){ .size = QSIZE, .max_size = QSIZE, .desc = DESC,
				   .avail = AVAIL, .used = USED, .ready = 1 };
	virtio_start(d);
	d->ops->config_read(d, 0, &cap, 8);
	test_assert(cap == 8192, "capacity of a 4 MiB image");
	hdr(T_OUT, 8000);
	fill(DATA, 4096, 9);
	struct buf w[] = { { HDR, 16, 0 }, { DATA, 4096, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, w, 3) == 1 && status() == S_OK, "a write into an unallocated cluster");
	hdr(T_IN, 8000);
	struct buf r[] = { { HDR, 16, 0 }, { DATA + 0x2000, 4096, 1 }, { STATUS, 1, 1 } };
	test_assert(submit(d, r, 3) == 4097 && status() == S_OK &&
		    !memcmp(g(DATA), g(DATA + 0x2000), 4096), "reads back");
	hdr(T_FLUSH, 0);
	struct buf f[] = { { HDR, 16, 0 }, { STATUS, 1, 1 } };
	test_assert(submit(d, f, 2) == 1 && status() == S_OK, "flush");
	d->ops->destroy(d);
	snprintf(cmd, sizeof(cmd), "qemu-img check -q %s", qpath);
	test_assert(system(cmd) == 0, "qemu-img check finds the image clean");
	unlink(qpath);
}

int main(void)
{
	int fd;

	host = calloc(1, MEM);
	gm.r[0] = (struct gmem_region){ GPA, MEM, host };
	fd = mkstemp(path);
	if (!host || fd < 0 || ftruncate(fd, SECTORS * 512) < 0)
		return 1;
	close(fd);
	test_config();
	test_rw();
	test_write_zeroes();
	test_bad_requests();
	test_readonly();
	test_qcow2();
	unlink(path);
	free(host);
	return test_report();
}
