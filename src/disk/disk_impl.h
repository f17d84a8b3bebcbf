/*
 * disk_impl -- what the format backends (raw.c, qcow2.c) share with the
 * dispatcher (disk.c): the ops table every backend fills, the common
 * head of every struct disk, and whole-buffer pread/pwrite helpers.
 * Private to src/disk.
 */
#ifndef STRATA_DISK_DISK_IMPL_H
#define STRATA_DISK_DISK_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "disk/disk.h"

/* Backing chains deeper than this are refused (also ends loops). */
#define DISK_MAX_DEPTH 16

struct disk_ops {
	const char *name;
	/* Called with [off, off+len) already checked against d->size. */
	int (*read)(struct disk *d, uint64_t off, void *buf, size_t len);
	int (*write)(struct disk *d, uint64_t off, const void *buf, size_t len);
	int (*flush)(struct disk *d);
	void (*close)(struct disk *d);	/* frees d, closes d->fd */
};

/* The head of every backend's own struct (first member). */
struct disk {
	const struct disk_ops *ops;
	int fd;
	int readonly;
	uint64_t size;		/* virtual size, bytes */
};

/* Open @path as @fmt ("raw", "qcow2", or NULL: probe the magic); @depth
 * is how many images above this one in a backing chain. */
int disk_open_depth(const char *path, const char *fmt, int readonly,
		    int depth, struct disk **out, struct err *e);

int raw_open(int fd, int readonly, struct disk **out, struct err *e);
int qcow2_open(int fd, const char *path, int readonly, int depth,
	       struct disk **out, struct err *e);

/* Read exactly @len bytes at @off; bytes past the end of the file read as
 * zeros (a sparse tail).  0 or -errno. */
int disk_pread_pad(int fd, void *buf, size_t len, uint64_t off);
/* Write exactly @len bytes at @off.  0 or -errno. */
int disk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

#endif
