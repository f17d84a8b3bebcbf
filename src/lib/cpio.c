#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cpio.h"

static void put(struct cpio *c, const void *p, size_t n)
{
	if (!c->error && n && fwrite(p, 1, n, c->f) != n)
		c->error = errno ? errno : EIO;
}

/* newc pads the header+name and the data to 4-byte boundaries */
static void pad(struct cpio *c)
{
	static const char zero[4];
	long pos = ftell(c->f);

	if (pos >= 0 && pos % 4)
		put(c, zero, 4 - pos % 4);
}

static void entry(struct cpio *c, const char *path, unsigned int mode,
		  unsigned int rmaj, unsigned int rmin, const void *data,
		  size_t len)
{
	char hdr[111];
	size_t namesz = strlen(path) + 1;

	if (len > 0xffffffffu) {
		c->error = EFBIG;
		return;
	}
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, mode, 0, 0, 1, 0, (unsigned int)len, 0, 0, rmaj,
		 rmin, (unsigned int)namesz, 0);
	put(c, hdr, 110);
	put(c, path, namesz);
	pad(c);
	put(c, data, len);
	pad(c);
}

void cpio_begin(struct cpio *c, FILE *f)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
}

void cpio_dir(struct cpio *c, const char *path, unsigned int mode)
{
	entry(c, path, S_IFDIR | (mode & 07777), 0, 0, NULL, 0);
}

void cpio_file(struct cpio *c, const char *path, unsigned int mode,
	       const void *data, size_t len)
{
	entry(c, path, S_IFREG | (mode & 07777), 0, 0, data, len);
}

void cpio_symlink(struct cpio *c, const char *path, const char *target)
{
	entry(c, path, S_IFLNK | 0777, 0, 0, target, strlen(target));
}

void cpio_chardev(struct cpio *c, const char *path, unsigned int mode,
		  unsigned int major, unsigned int minor)
{
	entry(c, path, S_IFCHR | (mode & 07777), major, minor, NULL, 0);
}

int cpio_end(struct cpio *c)
{
	entry(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	if (!c->error && fflush(c->f))
		c->error = errno ? errno : EIO;
	return -c->error;
}
