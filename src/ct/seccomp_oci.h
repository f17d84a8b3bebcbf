/*
 * seccomp_oci -- the seccomp filter an OCI config.json asks for
 * (linux.seccomp, parsed into struct oci_seccomp by oci_spec.c), built
 * and loaded with libseccomp the way runc does it.
 */
#ifndef STRATA_CT_SECCOMP_OCI_H
#define STRATA_CT_SECCOMP_OCI_H

#include "ct/oci_spec.h"
#include "lib/err.h"

/*
 * Build the filter described by @s and load it into the calling thread
 * (all threads with SECCOMP_FILTER_FLAG_TSYNC).  Call it last, just before
 * execve: afterwards the caller itself is confined.
 *
 * The filter does not set no_new_privs itself (libseccomp would by
 * default): ct_oci.no_new_privs decides.  Without no_new_privs the kernel
 * requires CAP_SYS_ADMIN in the caller's user namespace, so then load it
 * before capabilities are dropped.  A filter with SCMP_ACT_NOTIFY or a
 * listenerPath is refused with -EOPNOTSUPP.
 */
int security_seccomp_oci(const struct oci_seccomp *s, struct err *e);

#endif
