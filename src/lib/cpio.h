/*
 * cpio -- writing "newc" cpio archives, the format Linux unpacks as an
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * Entries are written in the order given; a directory must come before
 * what it holds.  Every entry gets uid/gid 0 and mtime 0, so the same
 * input always makes the same archive byte for byte.
 */
#ifndef STRATA_LIB_CPIO_H
#define STRATA_LIB_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cpio {
	FILE *f;
	uint32_t ino;
	int error;		/* first errno seen, sticky */
};

void cpio_begin(struct cpio *c, FILE *f);
void cpio_dir(struct cpio *c, const char *path, unsigned int mode);
void cpio_file(struct cpio *c, const char *path, unsigned int mode,
	       const void *data, size_t len);
void cpio_symlink(struct cpio *c, const char *path, const char *target);
void cpio_chardev(struct cpio *c, const char *path, unsigned int mode,
		  unsigned int major, unsigned int minor);
/* The TRAILER!!! entry.  Returns 0 or the first -errno seen. */
int cpio_end(struct cpio *c);

#endif
