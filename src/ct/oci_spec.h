/*
 * oci_spec -- an OCI runtime-spec 1.1 config.json, translated into the
 * container configuration `strata ct` uses (struct ct_config), plus the
 * parts only OCI containers have (struct ct_oci, hung off ct_config.oci).
 * One engine, two front doors: the runtime reads ct_config; where ->oci is
 * set it follows the bundle's word instead of strata's defaults.
 *
 * config.json is untrusted input: every field is checked here, once, and a
 * bad one is a one-line error naming the field ("process.user.uid: must
 * be a non-negative integer").
 */
#ifndef STRATA_CT_OCI_SPEC_H
#define STRATA_CT_OCI_SPEC_H

#include <stdint.h>
#include <sys/types.h>

#include "ct/config.h"
#include "lib/err.h"

/* struct oci_seccomp.flags: the kernel's values (older headers lack some) */
#include <linux/seccomp.h>
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

struct oci_idmap {
	uint32_t container, host, size;
};

struct oci_mount {
	char *destination;	/* absolute path inside the container */
	char *type;		/* "proc", "tmpfs", "bind", ... may be NULL */
	char *source;
	unsigned long flags;	/* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC), 0 none */
	char *data;		/* the options that are not flags, comma-joined; NULL when none */
	unsigned int rattr_set, rattr_clr; /* MOUNT_ATTR_* for the whole tree ("rro", ...) */
	int idmap;		/* idmapped: 1, 2 = recursive ("ridmap"); maps always set then */
	int copyup;		/* "tmpcopyup": fill a tmpfs with what it covers */
	struct oci_idmap *uid_maps, *gid_maps;	/* 1.1 idmapped mounts; NULL = none */
	int nuid_maps, ngid_maps;
	int tree_fd;		/* idmapped: the detached tree the runtime made, -1 none */
};

struct oci_ns {
	int type;		/* CLONE_NEWNS, CLONE_NEWPID, ... (CLONE_NEWTIME too) */
	char *path;		/* join this namespace instead of making one; NULL = new */
};

struct oci_rlimit {
	int resource;		/* RLIMIT_* */
	uint64_t soft, hard;
};

struct oci_device {		/* linux.devices: a node to create in /dev */
	char *path;
	char type;		/* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	uint32_t mode;		/* file mode bits; 0666 when absent */
	uint32_t uid, gid;
};

struct oci_dev_rule {		/* linux.resources.devices: the device cgroup */
	int allow;
	char type;		/* 'a', 'c', 'b' */
	int64_t major, minor;	/* -1 = any */
	char access[4];		/* subset of "rwm" */
};

enum oci_blkio_kind {		/* linux.resources.blockIO per-device lists */
	OCI_BLKIO_WEIGHT,	/* weightDevice[].weight */
	OCI_BLKIO_LEAF_WEIGHT,	/* weightDevice[].leafWeight */
	OCI_BLKIO_READ_BPS,
	OCI_BLKIO_WRITE_BPS,
	OCI_BLKIO_READ_IOPS,
	OCI_BLKIO_WRITE_IOPS,
	OCI_BLKIO_NKINDS
};

struct oci_blkio_dev {
	int64_t major, minor;
	uint64_t value;		/* weight or rate */
};

struct oci_hugepage {		/* linux.resources.hugepageLimits */
	char *page_size;	/* "2MB", "1GB" */
	uint64_t limit;		/* bytes */
};

struct oci_net_prio {		/* linux.resources.network.priorities */
	char *name;		/* interface */
	uint32_t priority;
};

struct oci_sysctl {
	char *key, *value;
};

struct oci_seccomp_arg {
	unsigned int index;
	uint64_t value, value_two;
	int op;			/* enum scmp_compare (SCMP_CMP_EQ, ...) */
};

struct oci_seccomp_rule {
	char **names;		/* NULL-terminated */
	uint32_t action;	/* SCMP_ACT_* with errno/trace value folded in */
	struct oci_seccomp_arg *args;
	int nargs;
};

struct oci_seccomp {
	uint32_t default_action;	/* SCMP_ACT_* (errno folded in) */
	uint32_t *arches;		/* SCMP_ARCH_* tokens */
	int narches;
	unsigned int flags;		/* SECCOMP_FILTER_FLAG_* */
	struct oci_seccomp_rule *rules;
	int nrules;
	char *listener_path;		/* unsupported: refused at load */
};

struct oci_hook {
	char *path;
	char **args;		/* NULL-terminated, may be NULL */
	char **env;		/* NULL-terminated, may be NULL */
	int timeout;		/* seconds, 0 = none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_NKINDS
};

/* Capability sets as bit masks (1ULL << CAP_X). */
struct oci_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct ct_oci {
	char *oci_version;
	char *bundle;		/* absolute */
	char *root;		/* absolute rootfs path (root.path resolved against bundle) */
	int root_readonly;
	int no_pivot;		/* `create --no-pivot`, set by the runtime */

	/* process */
	int terminal;
	uint32_t uid, gid;
	uint32_t *groups;	/* additionalGids */
	int ngroups;
	uint32_t umask;		/* 0022 when absent (has_umask = 0) */
	int has_umask;
	struct oci_caps caps;
	int has_caps;		/* process.capabilities present */
	int no_new_privs;
	int oom_score_adj;
	int has_oom_score_adj;
	struct oci_rlimit *rlimits;
	int nrlimits;
	/* process.env replaces strata's defaults: ct_config.env holds it */
	uint32_t console_height, console_width;	/* process.consoleSize; 0 = unset */
	char *apparmor_profile;	/* accepted, not applied: the caller warns */
	char *selinux_label;	/* same */

	char *domainname;
	struct oci_mount *mounts;
	int nmounts;

	/* linux */
	struct oci_ns *ns;
	int nns;
	struct oci_idmap *uid_maps, *gid_maps;
	int nuid_maps, ngid_maps;
	struct oci_device *devices;
	int ndevices;
	struct oci_dev_rule *dev_rules;
	int ndev_rules;
	struct oci_sysctl *sysctl;
	int nsysctl;
	char **masked, **readonly;	/* NULL-terminated */
	char *cgroups_path;
	unsigned long rootfs_propagation;	/* MS_* | MS_REC, 0 = default (rslave) */
	struct oci_seccomp *seccomp;	/* NULL = no filter */

	/* resources beyond ct_limits */
	int64_t memory_reservation;	/* -1 = unset */
	int64_t memory_swap;		/* -1 = unset (also "-1" = unlimited) */
	int has_memory_swap;
	int64_t memory_kernel, memory_kernel_tcp;	/* -1 = unset */
	int64_t memory_swappiness;	/* -1 = unset */
	int disable_oom_killer;		/* 1 = set to true */
	uint64_t cpu_period;		/* 0 = unset; with ct_limits.cpus = quota/period */
	int64_t cpu_quota;		/* 0 = unset, -1 = unlimited */
	char *cpuset_cpus, *cpuset_mems;
	int64_t cpu_rt_runtime;		/* with has_cpu_rt_runtime */
	int has_cpu_rt_runtime;
	uint64_t cpu_rt_period;		/* 0 = unset */
	uint16_t blkio_weight;		/* 0 = unset */
	uint16_t blkio_leaf_weight;	/* 0 = unset */
	struct oci_blkio_dev *blkio_dev[OCI_BLKIO_NKINDS];
	int nblkio_dev[OCI_BLKIO_NKINDS];
	struct oci_hugepage *hugepages;
	int nhugepages;
	int64_t net_classid;		/* -1 = unset */
	struct oci_net_prio *net_prios;
	int nnet_prios;

	struct oci_hook *hooks[OCI_HOOK_NKINDS];
	int nhooks[OCI_HOOK_NKINDS];

	char *annotations_json;	/* the "annotations" object as compact JSON, or NULL */

	/* One-line notes for the caller to print as warnings: known fields
	 * strata accepts but does not apply ("linux.intelRdt: not supported,
	 * ignored"), unknown capability names (ignored, as runc does). */
	char **warnings;	/* NULL-terminated, may be NULL */
	int nwarnings;
};

/* Load BUNDLE/config.json into @c (c->oci allocated).  @c->name is left
 * NULL: the container id comes from the command line.  On error @c is
 * left empty (ct_config_free-safe) and @e names the field. */
int oci_spec_load(const char *bundle, struct ct_config *c, struct err *e);

/* Same, from a buffer (for the fuzzer and tests): @bundle is used only to
 * resolve a relative root.path. */
int oci_spec_parse(const char *json, size_t len, const char *bundle,
		   struct ct_config *c, struct err *e);

void oci_spec_free(struct ct_oci *o);

/* The JSON of `strata oci spec`: a default config.json like runc's. */
char *oci_spec_default(int rootless);

#endif
