/*
 * disk -- block images for virtual disks: raw files and qcow2 (v2/v3,
 * read/write, backing files), behind one interface so virtio-blk never
 * knows which format it serves.  The format is found from the file's
 * first bytes (qcow2 magic "QFI\xfb"), never from its name.
 *
 * Images are untrusted input (a user may hand strata any file, a guest
 * writes to it): every table entry is checked against the file and the
 * virtual size before use.
 */
#ifndef STRATA_DISK_DISK_H
#define STRATA_DISK_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define DISK_SECTOR 512

struct disk;

/* Open @path; @readonly opens it (and any backing chain) O_RDONLY. */
int disk_open(const char *path, int readonly, struct disk **out, struct err *e);
/* Same, but with the format given ("raw" or "qcow2") instead of probed:
 * a raw image a guest wrote a qcow2 header into stays raw (a probed
 * header could name any host file as its backing file). */
int disk_open_fmt(const char *path, const char *fmt, int readonly,
		  struct disk **out, struct err *e);
void disk_close(struct disk *d);

uint64_t disk_size(const struct disk *d);	/* virtual size, bytes */
int disk_readonly(const struct disk *d);
const char *disk_format(const struct disk *d);	/* "raw", "qcow2" */

/*
 * Read/write @len bytes at byte offset @off of the virtual disk.
 * [off, off+len) must lie inside disk_size(); any alignment is allowed
 * (virtio-blk sends 512-byte sectors).  Return 0 or -errno (-EROFS for a
 * write to a read-only disk, -EIO for a corrupt image).
 * Not thread-safe: one caller at a time per disk.
 */
int disk_read(struct disk *d, uint64_t off, void *buf, size_t len);
int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len);
int disk_flush(struct disk *d);

#endif
