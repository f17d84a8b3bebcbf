/*
 * template -- the read-only root file systems containers start from.
 * $STRATA_ROOT/templates/NAME/rootfs, owned as on the source (uid 0 =
 * container root: containers see it through an idmapped mount), shared
 * by every container through overlayfs.
 */
#ifndef STRATA_CT_TEMPLATE_H
#define STRATA_CT_TEMPLATE_H

#include "lib/err.h"

/* Path of a template's rootfs into a PATH_LEN buffer.  The built-in
 * "busybox" template is made on first use from the host's busybox-static. */
int template_rootfs(const char *name, char *buf, struct err *e);

/* Import a folder or a tarball (any compression tar knows) as NAME. */
int template_import(const char *name, const char *src, struct err *e);

int template_exists(const char *name);

/* The `strata ct template import|ls|rm` command. */
int template_cli(int argc, char **argv);

#endif
