/*
 * config -- one container as the user asked for it (config.json), and what
 * is running now (state.json).  Both the `strata ct` flags and, later, an
 * OCI config.json are translated into struct ct_config: one engine, two
 * front doors.
 */
#ifndef STRATA_CT_CONFIG_H
#define STRATA_CT_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#include "ct/cgroup.h"
#include "lib/err.h"

#define CT_NAME_MAX 63
#define CT_ID_LEN 12
#define CT_DEFAULT_TEMPLATE "busybox"
#define CT_DEFAULT_UID_BASE 100000u
#define CT_DEFAULT_UID_COUNT 65536u

struct ct_oci;

struct ct_volume {
	char *src;		/* host path */
	char *dst;		/* path inside the container */
	int ro;
};

struct ct_config {
	char *name;
	char id[CT_ID_LEN + 1];	/* random hex: names host objects (veth) */
	char *template;		/* NULL when rootfs is set */
	char *rootfs;		/* user's folder, used in place */
	char *hostname;
	char **argv;		/* NULL-terminated command */
	char **env;		/* NULL-terminated K=V, added to the defaults */
	char *cwd;
	struct ct_volume *vols;
	int nvols;
	struct ct_limits limits;
	uint32_t uid_host;	/* container uid/gid 0 is this host id ... */
	uint32_t uid_count;	/* ... for this many ids */
	char *net;		/* network name; NULL means no network */
	uint32_t ip;		/* host byte order */
	int tty;
	int autoremove;
	struct ct_oci *oci;	/* set by the OCI front door (oci_spec.h) */
};

enum ct_status {
	CT_CREATED,
	CT_RUNNING,
	CT_STOPPED,
};

struct ct_state {
	enum ct_status status;
	pid_t pid;		/* the container's init, in the host pid ns */
	uint64_t pid_start;	/* its start time: pid + start = identity */
	pid_t monitor;		/* the strata process that waits for it */
	uint64_t monitor_start;
	int exit_code;		/* 128+N for signal N; -1 when unknown */
	long long started;	/* unix seconds */
	long long finished;
};

const char *ct_status_name(enum ct_status s);

void ct_config_free(struct ct_config *c);

/* config <-> JSON file */
int ct_config_save(const struct ct_config *c, const char *path, struct err *e);
int ct_config_load(struct ct_config *c, const char *path, struct err *e);

int ct_state_save(const struct ct_state *s, const char *path, struct err *e);
int ct_state_load(struct ct_state *s, const char *path, struct err *e);

/* Fill c->id with random hex. */
void ct_config_new_id(struct ct_config *c);

/* The container's cgroup: "NAME-ID", unique across state roots so two
 * roots (tests, users) never share or reap each other's groups. */
#define CT_CGROUP_LEN (CT_NAME_MAX + CT_ID_LEN + 2)
void ct_cgroup_name(const struct ct_config *c, char buf[CT_CGROUP_LEN]);

/* Host-side veth name: "sv" + the first 10 hex digits of the id. */
void ct_veth_name(const struct ct_config *c, char buf[16]);

#endif
