/*
 * raw -- the raw image format: the virtual disk is the file (or block
 * device) byte for byte; its size is the file's size at open.
 */
#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk_impl.h"

static int raw_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	/* A file that shrank under us reads as zeros past its new end. */
	return disk_pread_pad(d->fd, buf, len, off);
}

static int raw_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	return disk_pwrite_all(d->fd, buf, len, off);
}

static int raw_flush(struct disk *d)
{
	return fdatasync(d->fd) < 0 ? -errno : 0;
}

static void raw_close(struct disk *d)
{
	close(d->fd);
	free(d);
}

static const struct disk_ops raw_ops = {
	.name = "raw",
	.read = raw_read,
	.write = raw_write,
	.flush = raw_flush,
	.close = raw_close,
};

int raw_open(int fd, int readonly, struct disk **out, struct err *e)
{
	struct disk *d;
	struct stat st;
	uint64_t size;

	if (fstat(fd, &st) < 0)
		return err_set(e, -errno, "stat");
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			return err_set(e, -errno, "BLKGETSIZE64");
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		return err_msg(e, -EINVAL, "not a regular file or block device");
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return err_set(e, -ENOMEM, "raw");
	d->ops = &raw_ops;
	d->fd = fd;
	d->readonly = readonly;
	d->size = size;
	*out = d;
	return 0;
}
