/*
 * cgroup -- resource limits for one container, on cgroup v1, v2 and hybrid
 * hosts alike.
 *
 * Each container gets a group named "strata/<name>" at the root of every
 * hierarchy that holds a controller strata uses (memory, cpu, pids, and
 * freezer/devices where they exist on v1).  On a hybrid host (v1
 * controllers plus a v2 mount holding none of them) the v1 controllers
 * are used; a controller is taken from v2 only when v2 holds it.
 */
#ifndef STRATA_CT_CGROUP_H
#define STRATA_CT_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/*
 * Where each controller strata uses lives.  Built from /proc/self/mountinfo:
 * a v1 controller is taken from the "cgroup" mount whose super options name
 * it; otherwise from the "cgroup2" mount if its root's cgroup.controllers
 * lists it.  The freezer of v2 is not a controller (every v2 group has
 * cgroup.freeze), so it is taken from v2 whenever v2 is mounted and v1 has
 * no freezer.  Cpuset and devices are only ever used on v1: cpuset because
 * a v1 cpuset group needs cpus and mems before a task may join it, devices
 * for the device allow list.
 */
enum cgroup_ctl {
	CGROUP_MEMORY,
	CGROUP_CPU,
	CGROUP_PIDS,
	CGROUP_FREEZER,
	CGROUP_CPUSET,		/* v1 only */
	CGROUP_DEVICES,		/* v1 only */
	CGROUP_BLKIO,		/* v1 only; these four only for OCI resources */
	CGROUP_HUGETLB,		/* v1 only */
	CGROUP_NET_CLS,		/* v1 only */
	CGROUP_NET_PRIO,	/* v1 only */
	CGROUP_NCTL
};

#define CGROUP_MNT_LEN 512

struct cgroup_layout {
	struct {
		int version;			/* 1 or 2; 0: not on this host */
		char mount[CGROUP_MNT_LEN];	/* hierarchy root */
	} ctl[CGROUP_NCTL];
	char v2_mount[CGROUP_MNT_LEN];		/* "" when no cgroup2 */
};

/* Fill @out from the text of a mountinfo file.  @v2_controllers is the
 * content of cgroup.controllers at the cgroup2 root; NULL reads it from
 * the host (tests pass a string).  Octal escapes (\040) in mount points
 * are decoded.  A mount whose root is "/" wins over a bind of a subtree. */
int cgroup_layout_parse(const char *mountinfo, const char *v2_controllers,
			struct cgroup_layout *out, struct err *e);

/* cgroup_layout_parse() on this host's /proc/self/mountinfo. */
int cgroup_layout_read(struct cgroup_layout *out, struct err *e);

/* "memory", "cpu", ... */
const char *cgroup_ctl_name(enum cgroup_ctl c);

struct ct_limits {
	uint64_t memory;	/* bytes; 0 = no limit */
	double cpus;		/* CPU quota in CPUs (1.5 = 150ms per 100ms); 0 = none */
	uint64_t cpu_shares;	/* relative weight, v1 shares scale 2..262144; 0 = default */
	uint64_t pids;		/* max tasks; 0 = no limit */
};

struct cgroup_stats {
	uint64_t memory_current;	/* bytes */
	uint64_t pids_current;
	uint64_t oom_kills;
	int frozen;
};

/* Create strata/<name> everywhere it is needed and write the limits.
 * On failure nothing is left behind. */
int cgroup_create(const char *name, const struct ct_limits *lim, struct err *e);

/* The same, only in the hierarchies holding a controller of @want
 * (bits 1 << CGROUP_MEMORY, ...): each group costs kernel memory, and a
 * container needs no cpuset or blkio group when it sets no such limit.
 * Attach and destroy skip the hierarchies the group is not in. */
int cgroup_create_in(const char *name, const struct ct_limits *lim,
		     unsigned int want, struct err *e);

/* The directory of the container's group in the hierarchy of @c (at
 * least PATH_LEN bytes) and that hierarchy's version (1 or 2).  An error
 * (-EOPNOTSUPP) when the host has no @c: a limit was asked for that
 * cannot be enforced. */
int cgroup_ctl_dir(const char *name, enum cgroup_ctl c, char *dir,
		   int *version, struct err *e);

/* Append strata's default device allow list (Docker's) to the v1
 * devices group @dir, after the bundle's own rules, as runc does. */
int cgroup_devices_defaults(const char *dir, struct err *e);

/* Move @pid into the container's groups (all hierarchies).  With
 * CGROUP_ATTACH_V2_ONLY the v1 hierarchies are left out: the task entered
 * them itself (cgroup_self_enter). */
#define CGROUP_ATTACH_V2_ONLY	1
int cgroup_attach(const char *name, pid_t pid, struct err *e);
int cgroup_attach_flags(const char *name, pid_t pid, int flags,
			struct err *e);

/*
 * A task entering its container's v1 groups by itself.  Moving a task
 * through cgroup.procs (or by pid) takes the kernel's global threadgroup
 * lock, whose first taking after a quiet spell waits an RCU grace period:
 * 10-15 ms here, on every container start.  A single-threaded task that
 * writes "0" to a v1 group's `tasks` file moves only itself and skips that
 * lock.  The permission check of a v1 move uses the credentials of whoever
 * opened the file, so a process still root on the host opens the files
 * (cgroup_self_open) and the container's first process, already mapped
 * into its user namespace, writes them (cgroup_self_enter).
 */
struct cgroup_self {
	int fd[CGROUP_NCTL];
	int n;
};

int cgroup_self_open(const char *name, struct cgroup_self *s, struct err *e);
/* Write "0" into each file and close it; the caller is single-threaded. */
int cgroup_self_enter(struct cgroup_self *s, struct err *e);
void cgroup_self_close(struct cgroup_self *s);

/* Kill whatever still runs in the groups, then remove them.  A group that
 * does not exist is not an error. */
int cgroup_destroy(const char *name, struct err *e);

/* 1 when strata/<name> exists in any hierarchy, else 0 (also when the
 * layout cannot be read or the name is not a valid group name). */
int cgroup_exists(const char *name);

/* Call @fn for every strata/<name> group found on the host (gc). */
int cgroup_foreach(int (*fn)(const char *name, void *arg), void *arg,
		   struct err *e);

int cgroup_stats(const char *name, struct cgroup_stats *st, struct err *e);

/* The pids in the group (and its subgroups), from the pids or memory
 * hierarchy; *pids is malloc'ed. */
int cgroup_pids(const char *name, pid_t **pids, int *n, struct err *e);

/* Freeze / thaw every task of the container (freezer on v1,
 * cgroup.freeze on v2). */
int cgroup_freeze(const char *name, int frozen, struct err *e);

#endif
