/*
 * oci_state -- what an OCI runtime remembers about a container between
 * commands: ROOT/ID/state.json (pid + start time, bundle, cgroup, times),
 * ROOT/ID/config.json (the bundle's config as it was at create) and
 * ROOT/ID/exec.fifo (present from create until start).
 */
#ifndef STRATA_CT_OCI_STATE_H
#define STRATA_CT_OCI_STATE_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define OCI_DEFAULT_ROOT "/run/strata-oci"
#define OCI_ID_MAX 1024

struct oci_state {
	char id[OCI_ID_MAX + 1];
	pid_t pid;
	uint64_t pid_start;
	char *bundle;
	char *cgroup;		/* the group name cgroup_*() take */
	char *annotations;	/* compact JSON object or NULL */
	long long created;	/* unix seconds */
};

/* ROOT/ID[/FILE] into a PATH_LEN buffer. */
int oci_state_path(char *buf, const char *root, const char *id, const char *file,
		   struct err *e);

int oci_state_save(const char *root, const struct oci_state *s, struct err *e);
int oci_state_load(const char *root, const char *id, struct oci_state *s,
		   struct err *e);
void oci_state_free(struct oci_state *s);

/* "created" (waiting on exec.fifo), "running", "paused", "stopped". */
const char *oci_state_status(const char *root, const struct oci_state *s);

/* The state as the runtime spec defines it (ociVersion, id, status, pid,
 * bundle, annotations): malloc'ed JSON text. */
char *oci_state_json(const char *root, const struct oci_state *s, int pretty);

/* The same from its parts (for hooks run before state.json exists). */
char *oci_state_json_raw(const char *id, const char *status, pid_t pid,
			 const char *bundle, const char *annotations, int pretty);

/* Call @fn for each container id under @root, sorted. */
int oci_state_foreach(const char *root, int (*fn)(const char *id, void *arg),
		      void *arg, struct err *e);

#endif
