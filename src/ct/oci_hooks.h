/*
 * oci_hooks -- the runtime spec's hooks: programs run at fixed points of
 * a container's life with its state JSON on stdin.
 */
#ifndef STRATA_CT_OCI_HOOKS_H
#define STRATA_CT_OCI_HOOKS_H

#include "ct/oci_spec.h"
#include "lib/err.h"

/* Run every hook of @kind in order; the first that fails (exit status not
 * 0, killed, or past its timeout) stops the rest and is the error. */
int oci_hooks_run(const struct ct_oci *o, enum oci_hook_kind kind,
		  const char *state_json, struct err *e);

const char *oci_hook_name(enum oci_hook_kind kind);

#endif
