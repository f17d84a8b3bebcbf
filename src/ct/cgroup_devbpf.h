/*
 * cgroup_devbpf -- OCI device rules (linux.resources.devices) on cgroup
 * v2, where the device controller is an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the group (BPF_CGROUP_DEVICE).
 *
 * The program is written here as a small instruction array, no compiler or
 * libbpf involved.  It follows the v1 devices controller's rules: the
 * group starts allowing everything; a rule for all devices ("a", or any
 * type with every access) resets that default; of the rules after it, the
 * last one that matches a request decides.  strata's default allow list
 * (/dev/null, ptys, ...) comes after the bundle's rules, as on v1.
 */
#ifndef STRATA_CT_CGROUP_DEVBPF_H
#define STRATA_CT_CGROUP_DEVBPF_H

#include <linux/bpf.h>
#include <stddef.h>

#include "ct/oci_spec.h"
#include "lib/err.h"

/* Instructions for @rules followed by the default allow list (when
 * @defaults); *@prog is malloc'ed, *@len instructions long. */
int devbpf_build(const struct oci_dev_rule *rules, int n, int defaults,
		 struct bpf_insn **prog, size_t *len);

/* Load the program for @rules (plus the defaults) and attach it to the
 * v2 group at @dir.  It stays as long as the group does. */
int devbpf_attach(const char *dir, const struct oci_dev_rule *rules, int n,
		  struct err *e);

#endif
