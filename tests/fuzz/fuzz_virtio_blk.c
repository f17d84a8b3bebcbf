/*
 * fuzz_virtio_blk -- libFuzzer target for virtio-blk's request parser
 * (src/virtio/blk.c) against a 64 KiB disk in a memfd.
 *
 * Input: one byte of mode (bit 0: the disk is read-only), then requests,
 * each 32 bytes the guest writes at the start of the readable part (the
 * 16-byte header: type, reserved, sector; then, say, a write-zeroes
 * range), one byte n (1..8 buffers), then n times (u16 length, u8 flags:
 * bit 0 writable).  The buffers are laid out back to back in a 64 KiB
 * guest memory, the 32 bytes written at the start of the readable bytes,
 * and the chain kicked through the device's ops.  Nothing may crash or
 * trip a sanitizer; every used length must fit the writable bytes, the
 * status byte must be OK/IOERR/UNSUPP, the disk keeps its size, a
 * read-only disk keeps its contents, memory around the guest is intact.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_virtio_blk FILE...
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk.h"
#include "virtio/devices.h"

#define GPA	0x100000ULL
#define MEM	0x10000ULL
#define GUARD	4096
#define QSIZE	16
#define DESC	GPA
#define AVAIL	(GPA + 0x100)
#define USED	(GPA + 0x200)
#define BUFS	(GPA + 0x1000)
#define DISK_LEN (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *raw, *host;
static int disk_fd = -1;
static char disk_path[64];

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static void setup(void)
{
	uint8_t block[DISK_LEN];

	raw = malloc(MEM + 2 * GUARD);
	host = raw + GUARD;
	disk_fd = memfd_create("fuzz-disk", 0);
	for (int i = 0; i < DISK_LEN; i++)
		block[i] = (uint8_t)(i * 13 + 1);
	if (!raw || disk_fd < 0 || pwrite(disk_fd, block, DISK_LEN, 0) != DISK_LEN)
		abort();
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", disk_fd);
}

static uint64_t disk_sum(void)
{
	uint8_t block[DISK_LEN];
	uint64_t sum = 0;

	if (pread(disk_fd, block, DISK_LEN, 0) != DISK_LEN)
		abort();
	for (int i = 0; i < DISK_LEN; i++)
		sum = sum * 31 + block[i];
	return sum;
}

static void put_desc(int i, uint64_t addr, uint32_t len, uint16_t flags)
{
	uint8_t *d = host + (DESC - GPA) + 16 * i;
	uint16_t next = (uint16_t)(i + 1);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Build and kick one request from @p; returns the bytes it used, 0 when
 * the input is exhausted. */
static size_t one_request(struct virtio_dev *d, const uint8_t *p, size_t left)
{
	uint16_t *avail = (uint16_t *)(host + (AVAIL - GPA));
	uint16_t used_before = *(uint16_t *)(host + (USED - GPA) + 2);
	uint64_t at = BUFS, readable_at = 0, in_len = 0;
	uint8_t *status = NULL;
	size_t need;
	int i, n;

	if (left < 33)
		return 0;
	n = p[32] % 8 + 1;
	need = 33 + 3 * (size_t)n;
	if (left < need)
		return 0;
	memset(host + (BUFS - GPA), 0xcc, MEM - (BUFS - GPA));
	for (i = 0; i < n; i++) {
		const uint8_t *s = p + 33 + 3 * i;
		uint32_t len = (uint32_t)(s[0] | s[1] << 8) % 8192;
		int writable = s[2] & 1;

		if (at + len > GPA + MEM)
			len = (uint32_t)(GPA + MEM - at);
		if (!writable && !readable_at)
			readable_at = at;
		/* the status is the last byte of the last non-empty buffer */
		if (len)
			status = writable ? host + (at + len - 1 - GPA) : NULL;
		if (writable)
			in_len += len;
		put_desc(i, at, len, (uint16_t)((i + 1 < n ? 1 : 0) | (writable ? 2 : 0)));
		at += len;
	}
	/* header and payload at the start of the readable bytes, split as
	 * the buffers are (they are back to back) */
	if (readable_at) {
		uint64_t room = GPA + MEM - readable_at;

		memcpy(host + (readable_at - GPA), p, room < 32 ? room : 32);
	}
	avail[2 + (avail[1] & (QSIZE - 1))] = 0;
	avail[1]++;
	d->ops->notify(d, 0);
	if (!virtio_broken(d)) {
		uint16_t used_now = *(uint16_t *)(host + (USED - GPA) + 2);
		uint32_t used_len;

		check(used_now == (uint16_t)(used_before + 1), "every request is used");
		memcpy(&used_len, host + (USED - GPA) + 4 + 8 * (used_before & (QSIZE - 1)) + 4, 4);
		check(used_len <= in_len, "used length within the writable bytes");
		check(!status || *status <= 2, "status OK, IOERR or UNSUPP");
	}
	return need;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gmem *gm;
	static struct gmem m = { .n = 1 };
	struct virtio_dev *d;
	struct disk *disk;
	struct err e = { 0 };
	uint64_t sum = 0;
	struct stat st;
	size_t used;
	int readonly;

	if (!raw) {
		setup();
		m.r[0] = (struct gmem_region){ GPA, MEM, host };
		gm = &m;
	}
	if (size < 1)
		return 0;
	readonly = data[0] & 1;
	if (readonly)
		sum = disk_sum();
	memset(raw, 0xa5, MEM + 2 * GUARD);
	memset(host, 0, MEM);
	if (disk_open_fmt(disk_path, "raw", readonly, &disk, &e) < 0 ||
	    virtio_blk_create(gm, disk, "fuzz", &d, &e) < 0)
		abort();
	d->driver_features = d->host_features;
	d->status = VIRTIO_S_DRIVER_OK;
	d->vq[0].size = QSIZE;
	d->vq[0].desc = DESC;
	d->vq[0].avail = AVAIL;
	d->vq[0].used = USED;
	d->vq[0].ready = 1;
	virtio_start(d);
	data++;
	size--;
	while (!virtio_broken(d) && (used = one_request(d, data, size)) > 0) {
		data += used;
		size -= used;
	}
	d->ops->destroy(d);
	for (int i = 0; i < GUARD; i++)
		check(raw[i] == 0xa5 && host[MEM + i] == 0xa5, "memory around the guest intact");
	check(fstat(disk_fd, &st) == 0 && st.st_size == DISK_LEN, "the disk keeps its size");
	if (readonly)
		check(disk_sum() == sum, "a read-only disk keeps its contents");
	return 0;
}
