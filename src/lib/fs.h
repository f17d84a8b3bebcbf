/*
 * fs -- files and folders the way strata keeps its state: under one root
 * (STRATA_ROOT, default /var/lib/strata), written atomically, locked with
 * flock(2) so concurrent commands see whole objects or none.
 */
#ifndef STRATA_LIB_FS_H
#define STRATA_LIB_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define STRATA_DEFAULT_ROOT "/var/lib/strata"
#define PATH_LEN 4096

/* The state root: $STRATA_ROOT or STRATA_DEFAULT_ROOT. */
const char *fs_root(void);

/* snprintf into a PATH_LEN buffer; a path that does not fit is an error,
 * never a silently shortened path. */
int fs_path(char *buf, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int fs_mkdir_p(const char *path, mode_t mode, struct err *e);

/* Remove a tree without crossing into other file systems (so a mount that
 * a crash left behind is never emptied through). Missing path is fine. */
int fs_rm_rf(const char *path, struct err *e);

/* Write the whole buffer to path.tmp and rename it over path: readers see
 * the old file or the new one, never a part (not synced to disk). */
int fs_write_atomic(const char *path, const void *buf, size_t len,
		    struct err *e);

/* Read a whole (small) file; *buf is NUL-terminated and malloc'ed. */
int fs_read_file(const char *path, char **buf, size_t *len, struct err *e);

/* Write a short string to a file that must exist (cgroup and proc knobs). */
int fs_write_str(const char *path, const char *s, struct err *e);

/* Take an exclusive flock on @path (created if missing); returns the fd. */
int fs_lock(const char *path, struct err *e);
void fs_unlock(int fd);

int fs_exists(const char *path);

/* Remove @path only if it is still the file (socket) we made, known by
 * its device and inode: another run may have put its own there since. */
void fs_unlink_ours(const char *path, uint64_t dev, uint64_t ino);

/* Map the whole regular file @path read-only (*len = 0 maps nothing,
 * *p = NULL); @what names it in the message ("kernel", "initrd").
 * Undo with munmap(*p, *len) when *len. */
int fs_map_file(const char *path, const char *what, void **p, size_t *len,
		struct err *e);

#endif
