/*
 * rootfs -- the container's file system.
 *
 * Host side, in the monitor's private mount namespace (so nothing ever
 * shows in the host's mount table and a crash leaves no mount behind):
 * the template is cloned as an idmapped mount through the container's
 * user namespace (its uid 0 shows as container root), and an overlay puts
 * the container's own copy-on-write layer on top.
 *
 * Container side, in its new mount namespace: volumes, /proc, /sys
 * (read-only), a minimal /dev, then pivot_root and the masked paths.
 */
#ifndef STRATA_CT_ROOTFS_H
#define STRATA_CT_ROOTFS_H

#include <sys/types.h>

#include "ct/config.h"
#include "lib/err.h"

/* Mount <dir>/rootfs for container @c whose user namespace is the one of
 * @userns_pid.  @lower is the template's rootfs (or the user's folder). */
int rootfs_mount_host(const struct ct_config *c, const char *dir,
		      const char *lower, pid_t userns_pid, struct err *e);

/* Undo rootfs_mount_host() (lazy unmounts; missing mounts are fine). */
void rootfs_umount_host(const char *dir);

/* Inside the container: build the tree under @rootfs and pivot into it.
 * When @master is non-NULL a console is made from the container's own
 * devpts: its peer is bound over /dev/console and returned in *slave. */
int rootfs_enter(const struct ct_config *c, const char *rootfs, int *master,
		 int *slave, struct err *e);

#endif
