/*
 * oci_spec_parts -- what the two files of the config.json reader
 * (oci_spec.c: the document, root, mounts, process, hooks; oci_spec_linux.c:
 * the "linux" object) call in each other.
 */
#ifndef STRATA_CT_OCI_SPEC_PARTS_H
#define STRATA_CT_OCI_SPEC_PARTS_H

#include <jansson.h>

#include "ct/config.h"
#include "ct/oci_spec.h"
#include "lib/err.h"

/* The "linux" object into @c and @o. */
int oci_parse_linux(const json_t *j, struct ct_config *c, struct ct_oci *o,
		    struct err *e);

/*
 * After the whole document: what the container would change outside
 * itself without a namespace of its own (the host's hostname, a host-wide
 * sysctl) is refused, as runc does.
 */
int oci_check_ns_needs(const struct ct_config *c, const struct ct_oci *o,
		       struct err *e);

/* MS_* propagation flags for "private", "rshared"...; 0: unknown.  Used
 * by mount options and linux.rootfsPropagation alike. */
unsigned long oci_mount_prop(const char *name);

/* An array of id mappings at WHERE.KEY ({containerID, hostID, size}). */
int oci_parse_idmaps(const json_t *obj, const char *where, const char *key,
		     struct oci_idmap **out, int *nout, struct err *e);

#endif
