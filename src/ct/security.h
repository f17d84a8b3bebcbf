/*
 * security -- what a container's processes may not do: capabilities cut to
 * Docker's default set, no_new_privs, a default seccomp profile, and
 * Docker's masked and read-only paths under /proc and /sys.
 */
#ifndef STRATA_CT_SECURITY_H
#define STRATA_CT_SECURITY_H

#include <stdint.h>

#include "lib/err.h"

/* Bit mask (1 << CAP_X) of Docker's default capabilities. */
uint64_t security_default_caps(void);

/* Drop every capability not in @keep from the bounding, permitted,
 * effective and inheritable sets; clear the ambient set. */
int security_caps_apply(uint64_t keep, struct err *e);

/* OCI process.capabilities, in two steps around the change of user:
 * first the bounding set (needs CAP_SETPCAP, so while still root), then
 * after setuid (with PR_SET_KEEPCAPS) the other four sets exactly. */
int security_caps_bound(uint64_t bounding, struct err *e);
int security_caps_sets(uint64_t effective, uint64_t inheritable, uint64_t permitted,
		       uint64_t ambient, struct err *e);

int security_no_new_privs(struct err *e);

/* Load the default seccomp profile (denies mount, kexec, module loading,
 * keyctl, bpf, new user namespaces, ... with EPERM). Call it last, just
 * before execve: afterwards the caller itself is confined. */
int security_seccomp_default(struct err *e);

/* The same in two steps: compile the profile to BPF (libseccomp, ~0.2 ms)
 * while the process waits for something else anyway, load it later.
 * load sets no_new_privs, loads both filters and frees @f; free alone
 * drops an unused one. */
struct security_filter {
	void *insns;		/* struct sock_filter[], malloc'ed */
	unsigned short len;
};
int security_seccomp_build(struct security_filter *f, struct err *e);
int security_seccomp_load(struct security_filter *f, struct err *e);
void security_seccomp_free(struct security_filter *f);

/* In the container's mount namespace after pivot_root: bind /dev/null over
 * masked files, an empty read-only tmpfs over masked folders, and remount
 * read-only paths read-only.  Paths that do not exist are skipped. */
int security_mask_paths(struct err *e);

#endif
