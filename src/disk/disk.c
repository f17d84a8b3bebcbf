/*
 * disk -- the front of the block layer: opens an image, picks its format
 * from the first bytes (qcow2 magic "QFI\xfb", otherwise raw), checks
 * every request against the virtual size and hands it to the backend.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk_impl.h"

#define QCOW2_MAGIC "QFI\xfb"

int disk_pread_pad(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	ssize_t n;

	if (off > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	while (len) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int disk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	ssize_t n;

	if (off > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Whether the file starts with the qcow2 magic. */
static int probe_qcow2(int fd, const char *path, struct err *e)
{
	char magic[4];
	ssize_t n;

	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0)
		return err_set(e, -errno, "read %s", path);
	return n == sizeof(magic) && !memcmp(magic, QCOW2_MAGIC, 4);
}

/*
 * One writer or any number of readers per image, across processes: a
 * read-write open takes an exclusive lock on the whole file, a read-only
 * open (a base image shared by many VMs) a shared one.  OFD locks belong
 * to the open file, so they go with the fd and need no bookkeeping.
 * Filesystems without locks are let through.
 */
static int lock_image(int fd, int readonly, const char *path, struct err *e)
{
	struct flock fl = {
		.l_type = readonly ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return err_msg(e, -EBUSY, "%s is in use (%s)", path, readonly ?
			       "open read-write elsewhere" : "open elsewhere");
	return 0;
}

int disk_open_depth(const char *path, const char *fmt, int readonly,
		    int depth, struct disk **out, struct err *e)
{
	struct stat st;
	int fd, qcow2, r;

	if (depth > DISK_MAX_DEPTH)
		return err_msg(e, -ELOOP, "%s: backing chain deeper than %d",
			       path, DISK_MAX_DEPTH);
	if (fmt && strcmp(fmt, "raw") && strcmp(fmt, "qcow2"))
		return err_msg(e, -ENOTSUP, "%s: image format %s not supported "
			       "(raw, qcow2)", path, fmt);
	/* O_NONBLOCK: an image naming a FIFO as its backing file must not
	 * hang the open; only regular files and block devices get further. */
	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return err_set(e, -errno, "open %s", path);
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return err_msg(e, -EINVAL, "%s: not a regular file or block device",
			       path);
	}
	qcow2 = lock_image(fd, readonly, path, e);
	if (qcow2 == 0)
		qcow2 = probe_qcow2(fd, path, e);
	if (qcow2 < 0) {
		close(fd);
		return qcow2;
	}
	if (fmt && !strcmp(fmt, "qcow2") && !qcow2) {
		close(fd);
		return err_msg(e, -EINVAL, "%s: not a qcow2 image (no magic)", path);
	}
	if (fmt && !strcmp(fmt, "raw"))
		qcow2 = 0;
	if (qcow2)
		r = qcow2_open(fd, path, readonly, depth, out, e);
	else
		r = raw_open(fd, readonly, out, e);
	if (r < 0) {
		close(fd);
		if (qcow2)
			return err_wrap(e, "%s", path);
		return err_wrap(e, "raw image %s", path);
	}
	return 0;
}

int disk_open(const char *path, int readonly, struct disk **out, struct err *e)
{
	return disk_open_depth(path, NULL, readonly, 0, out, e);
}

int disk_open_fmt(const char *path, const char *fmt, int readonly,
		  struct disk **out, struct err *e)
{
	return disk_open_depth(path, fmt, readonly, 0, out, e);
}

void disk_close(struct disk *d)
{
	if (d)
		d->ops->close(d);
}

uint64_t disk_size(const struct disk *d)
{
	return d->size;
}

int disk_readonly(const struct disk *d)
{
	return d->readonly;
}

const char *disk_format(const struct disk *d)
{
	return d->ops->name;
}

static int in_range(const struct disk *d, uint64_t off, size_t len)
{
	return off <= d->size && len <= d->size - off;
}

int disk_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	if (!in_range(d, off, len))
		return -EINVAL;
	if (!len)
		return 0;
	return d->ops->read(d, off, buf, len);
}

int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	if (d->readonly)
		return -EROFS;
	if (!in_range(d, off, len))
		return -EINVAL;
	if (!len)
		return 0;
	return d->ops->write(d, off, buf, len);
}

int disk_flush(struct disk *d)
{
	if (d->readonly)
		return 0;
	return d->ops->flush(d);
}
