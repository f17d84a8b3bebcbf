/*
 * cpuid -- the CPUID table a guest is given: a base (baseline or host)
 * with features added or removed by their /proc/cpuinfo names
 * (`--cpu-features host,-avx512f,-xsave`, `baseline,+aes`).
 *
 * Pure functions over a KVM_GET_SUPPORTED_CPUID table, so the policy is
 * tested without /dev/kvm (tests/unit/vm_cpuid.c); kvm_x86.c hands the
 * result to KVM_SET_CPUID2.
 */
#ifndef STRATA_VM_CPUID_H
#define STRATA_VM_CPUID_H

#include <stdint.h>

#include "lib/err.h"

struct kvm_cpuid_entry2;

#define CPUID_FEATURES_MAX	192	/* bits in the on/off sets below */

/* What --cpu-features asked for: a base and two sets of indexes into the
 * feature table (a feature is in at most one of them, the last word on
 * it wins). */
struct vm_cpu_features {
	int host;			/* base: 0 baseline, 1 host */
	uint64_t on[CPUID_FEATURES_MAX / 64];
	uint64_t off[CPUID_FEATURES_MAX / 64];
};

/* Parse "baseline|host" optionally followed by ",+NAME" / ",-NAME"
 * (a bare NAME means +NAME); a list that does not start with a base is
 * applied to the baseline.  NULL or "" is the baseline.  Errors:
 * "unknown feature 'x'", "'' : empty feature name". */
int cpuid_features_parse(const char *spec, struct vm_cpu_features *f,
			 struct err *e);

/* Turn @ent[0..n), KVM's supported table, into the guest's: the base,
 * then the additions (a feature KVM does not support is an error: "+x:
 * not supported by KVM on this host"), then the removals, and the
 * hypervisor bit.  Removing xsave also hides osxsave and the xsave leaf
 * 0xd; adding it on the baseline brings leaf 0xd back. */
int cpuid_policy_apply(const struct vm_cpu_features *f,
		       struct kvm_cpuid_entry2 *ent, uint32_t n, struct err *e);

/* Is feature @name set in @ent[0..n)?  1, 0, or -ENOENT for an unknown
 * name or a leaf the table does not have. */
int cpuid_has(const struct kvm_cpuid_entry2 *ent, uint32_t n, const char *name);

#endif
