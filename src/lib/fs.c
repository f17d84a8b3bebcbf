/*
 * fs -- state root, atomic writes, locks and tree removal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

const char *fs_root(void)
{
	const char *r = getenv("STRATA_ROOT");

	return r && *r ? r : STRATA_DEFAULT_ROOT;
}

int fs_path(char *buf, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_LEN)
		return err_msg(e, -ENAMETOOLONG, "path too long");
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char tmp[PATH_LEN];
	char *p;

	if (strlen(path) >= sizeof(tmp))
		return err_msg(e, -ENAMETOOLONG, "path too long: %s", path);
	/* the common cases, without a stat per parent */
	if (fs_exists(path))
		return 0;
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return err_set(e, -errno, "mkdir %s", path);
	strcpy(tmp, path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		/* Parents that exist are not made again: mkdir() would say
		 * EACCES rather than EEXIST where we may only search. */
		if (!fs_exists(tmp) && mkdir(tmp, mode) < 0 && errno != EEXIST)
			return err_set(e, -errno, "mkdir %s", tmp);
		*p = '/';
	}
	if (!fs_exists(tmp) && mkdir(tmp, mode) < 0 && errno != EEXIST)
		return err_set(e, -errno, "mkdir %s", tmp);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int fs_rm_rf(const char *path, struct err *e)
{
	int ret;

	if (!fs_exists(path))
		return 0;
	ret = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (ret < 0)
		return err_set(e, ret == -1 ? -errno : ret, "remove %s", path);
	return 0;
}

int fs_write_atomic(const char *path, const void *buf, size_t len,
		    struct err *e)
{
	char tmp[PATH_LEN];
	const char *p = buf;
	int fd, ret;

	ret = fs_path(tmp, e, "%s.tmp", path);
	if (ret < 0)
		return ret;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, -errno, "create %s", tmp);
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = err_set(e, -errno, "write %s", tmp);
			goto fail;
		}
		p += n;
		len -= n;
	}
	/* No fsync: rename() makes the update atomic against crashes of
	 * strata (kill -9), which is what the state needs; ext4's
	 * auto_da_alloc flushes a file renamed over another.  An fsync here
	 * cost a millisecond per state change, a third of a container start. */
	close(fd);
	if (rename(tmp, path) < 0) {
		ret = err_set(e, -errno, "rename %s", path);
		unlink(tmp);
		return ret;
	}
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return ret;
}

int fs_read_file(const char *path, char **buf, size_t *len, struct err *e)
{
	size_t cap = 4096, n = 0;
	char *b = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "open %s", path);
	for (;;) {
		char *nb = realloc(b, cap + 1);
		ssize_t r;

		if (!nb) {
			free(b);
			close(fd);
			return err_set(e, -ENOMEM, "read %s", path);
		}
		b = nb;
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int ret = err_set(e, -errno, "read %s", path);

			free(b);
			close(fd);
			return ret;
		}
		if (r == 0)
			break;
		n += r;
		if (n == cap)
			cap *= 2;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

int fs_write_str(const char *path, const char *s, struct err *e)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set(e, -errno, "open %s", path);
	n = write(fd, s, len);
	if (n < 0 || (size_t)n != len) {
		int ret = err_set(e, n < 0 ? -errno : -EIO, "write '%s' to %s", s, path);

		close(fd);
		return ret;
	}
	close(fd);
	return 0;
}

int fs_lock(const char *path, struct err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(e, -errno, "open lock %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		int ret = err_set(e, -errno, "lock %s", path);

		close(fd);
		return ret;
	}
	return fd;
}

void fs_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void fs_unlink_ours(const char *path, uint64_t dev, uint64_t ino)
{
	struct stat st;

	if (path && path[0] && lstat(path, &st) == 0 &&
	    (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino)
		unlink(path);
}

int fs_map_file(const char *path, const char *what, void **p, size_t *len,
		struct err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s %s", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_msg(e, -EINVAL, "%s %s: not a regular file", what, path);
	}
	*len = st.st_size;
	*p = NULL;
	if (*len)
		*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*p == MAP_FAILED) {
		*p = NULL;
		*len = 0;
		return err_set(e, -errno, "%s %s: mmap", what, path);
	}
	return 0;
}
