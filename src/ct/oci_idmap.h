/*
 * oci_idmap -- idmapped bind mounts of an OCI container (runtime-spec 1.1
 * "uidMappings"/"gidMappings" on a mount, options "idmap"/"ridmap").
 *
 * Made by the runtime, on the host: setting MOUNT_ATTR_IDMAP takes
 * CAP_SYS_ADMIN over the file system's own user namespace, which a
 * container in a user namespace lacks.  Each idmapped mount becomes a
 * detached copy of its source (open_tree), seen through a user namespace
 * built from the mount's maps; the container's init inherits the
 * descriptor and attaches it at the destination (move_mount).
 */
#ifndef STRATA_CT_OCI_IDMAP_H
#define STRATA_CT_OCI_IDMAP_H

#include "ct/config.h"
#include "lib/err.h"

/* Fill mounts[i].tree_fd for every idmapped mount of @c.  On error the
 * descriptors made so far are closed. */
int oci_idmap_prepare(struct ct_config *c, struct err *e);

/* Close the runtime's copies of the descriptors. */
void oci_idmap_release(struct ct_config *c);

#endif
