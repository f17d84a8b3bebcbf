/*
 * cgroup_oci -- the parts of an OCI bundle's linux.resources that struct
 * ct_limits does not carry, written into the groups cgroup_create() made.
 */
#ifndef STRATA_CT_CGROUP_OCI_H
#define STRATA_CT_CGROUP_OCI_H

#include "ct/oci_spec.h"
#include "lib/err.h"

/* Write @c->oci's resources into the groups of @name (a cgroup_create()
 * name); @c->limits.memory is the memory limit already written.
 * A resource the host cannot enforce is an error, except the device rules
 * on a host without the v1 devices controller and the memory knobs cgroup
 * v2 does not have (kernel, kernelTCP, swappiness, disableOOMKiller),
 * which runc skips too. */
int cgroup_oci_apply(const char *name, const struct ct_config *c, struct err *e);

#endif
