/*
 * oci_mount -- an OCI container's file system, built from config.json:
 * rootfs propagation, every entry of "mounts" in order, the device nodes,
 * the console, then pivot_root and the masked/read-only paths, sysctls
 * and a read-only root.  Runs in the container's init, in its new mount
 * namespace, before the process is exec'd.
 */
#ifndef STRATA_CT_OCI_MOUNT_H
#define STRATA_CT_OCI_MOUNT_H

#include "ct/config.h"
#include "lib/err.h"

/* Before pivot_root: make the mount tree private (or as rootfsPropagation
 * says), bind the rootfs onto itself, mount c->oci->mounts in order
 * (creating destinations; bind mounts get their flags by a remount),
 * create /dev nodes (linux.devices, plus null zero full random urandom tty
 * when /dev is not a bind of the host's /dev), /dev symlinks (fd, stdin,
 * stdout, stderr, ptmx -> pts/ptmx, core).  @in_userns: device nodes are
 * bound from the host instead of made with mknod.  When @master is not
 * NULL, a console pty is opened from the container's /dev/pts/ptmx, its
 * peer is bound over /dev/console and returned in *slave. */
int oci_mount_rootfs(const struct ct_config *c, int in_userns, int *master,
		     int *slave, struct err *e);

/* pivot_root into the rootfs (old root detached), then maskedPaths,
 * readonlyPaths, linux.sysctl, and root.readonly. */
int oci_mount_finish(const struct ct_config *c, struct err *e);

#endif
