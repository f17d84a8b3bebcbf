/*
 * gc -- garbage collection of containers' host objects.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/gc.h"
#include "ct/runtime.h"
#include "ct/store.h"
#include "lib/fs.h"
#include "lib/nl.h"
#include "lib/proc.h"

struct gc {
	int verbose;
	int removed;
};

static void gc_said(struct gc *g, const char *what, const char *name)
{
	g->removed++;
	if (g->verbose)
		printf("removed %s %s\n", what, name);
}

/* Only objects named after this root's own containers are touched:
 * another state root (a test, another user) may own the rest. */
static int gc_container(const char *name, void *arg)
{
	char cg[CT_CGROUP_LEN], veth[16];
	struct gc *g = arg;
	struct ct_config c;
	struct ct_state s;
	struct err e;

	if (store_load(name, &c, &s, &e) < 0)
		return 0;
	if (runtime_reap_dead(name, &e) > 0)
		gc_said(g, "stale state of container", name);
	if (!store_is_running(&s)) {
		ct_cgroup_name(&c, cg);
		if (cgroup_exists(cg) && cgroup_destroy(cg, &e) == 0)
			gc_said(g, "cgroup", cg);
		ct_veth_name(&c, veth);
		if (c.net && nl_link_exists(veth) && nl_link_del(veth, &e) == 0)
			gc_said(g, "veth", veth);
	}
	ct_config_free(&c);
	return 0;
}

/* Staging folders are named ".tmp-NAME-PID" / ".rm-NAME-PID": gone once
 * their process is. */
static void gc_staging(struct gc *g, const char *sub)
{
	char dir[PATH_LEN], p[PATH_LEN];
	struct dirent *d;
	struct err e;
	DIR *dp;

	if (fs_path(dir, &e, "%s/%s", fs_root(), sub) < 0 || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		const char *dash = strrchr(d->d_name, '-');

		if (strncmp(d->d_name, ".tmp-", 5) && strncmp(d->d_name, ".rm-", 4))
			continue;
		if (dash && proc_start_time(atoi(dash + 1)))
			continue;	/* its command still runs */
		if (fs_path(p, &e, "%s/%s", dir, d->d_name) == 0 && fs_rm_rf(p, &e) == 0)
			gc_said(g, "leftover", p);
	}
	closedir(dp);
}

/* Mounts under the state root never belong in the host's namespace: the
 * monitor keeps them in a private one.  Any found is a leftover. */
static void gc_mounts(struct gc *g)
{
	char *buf, *line, *save = NULL;
	size_t rootlen = strlen(fs_root());
	struct err e;

	if (fs_read_file("/proc/self/mountinfo", &buf, NULL, &e) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_LEN];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (!strncmp(mnt, fs_root(), rootlen) && mnt[rootlen] == '/' &&
		    umount2(mnt, MNT_DETACH) == 0)
			gc_said(g, "mount", mnt);
	}
	free(buf);
}

int gc_run(int verbose, struct err *e)
{
	struct gc g = { .verbose = verbose };
	int lock;

	lock = store_lock(e);
	if (lock < 0)
		return lock;
	store_foreach(gc_container, &g, e);
	gc_mounts(&g);
	gc_staging(&g, "containers");
	gc_staging(&g, "templates");
	store_unlock(lock);
	err_clear(e);
	return g.removed;
}
