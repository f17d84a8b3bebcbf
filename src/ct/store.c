/*
 * store -- container folders under $STRATA_ROOT/containers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/store.h"
#include "lib/fs.h"
#include "lib/proc.h"

int store_path(char *buf, const char *name, const char *file, struct err *e)
{
	if (file)
		return fs_path(buf, e, "%s/containers/%s/%s", fs_root(), name, file);
	return fs_path(buf, e, "%s/containers/%s", fs_root(), name);
}

int store_exists(const char *name)
{
	char p[PATH_LEN];
	struct err e;

	return store_path(p, name, "config.json", &e) == 0 && fs_exists(p);
}

/* Containers' inits reach their rootfs through the state root as an
 * unprivileged uid: the root must be searchable (a mktemp -d is not). */
static int store_searchable(const char *dir, struct err *e)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return err_set(e, -errno, "%s", dir);
	if ((st.st_mode & 0011) == 0011)
		return 0;
	if (chmod(dir, (st.st_mode & 07777) | 0011) < 0)
		return err_set(e, -errno, "chmod %s", dir);
	return 0;
}

int store_lock(struct err *e)
{
	char p[PATH_LEN];
	int ret;

	ret = fs_mkdir_p(fs_root(), 0711, e);
	if (ret < 0)
		return ret;
	ret = store_searchable(fs_root(), e);
	if (ret < 0)
		return ret;
	ret = fs_path(p, e, "%s/lock", fs_root());
	if (ret < 0)
		return ret;
	return fs_lock(p, e);
}

void store_unlock(int fd)
{
	fs_unlock(fd);
}

static int store_fill_dir(const struct ct_config *c, const char *dir,
			  pid_t owner, struct err *e)
{
	static const char *const sub[] = { "upper", "work", "rootfs", "lower" };
	struct ct_state st = {
		.status = CT_CREATED, .exit_code = -1,
		.monitor = owner, .monitor_start = proc_start_time(owner),
	};
	char p[PATH_LEN];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		ret = fs_path(p, e, "%s/%s", dir, sub[i]);
		if (ret < 0)
			return ret;
		if (mkdir(p, 0755) < 0)
			return err_set(e, -errno, "mkdir %s", p);
	}
	/* The overlay's root directory takes its owner from upper/: make it
	 * the container's root so "/" is writable inside. */
	ret = fs_path(p, e, "%s/upper", dir);
	if (ret < 0)
		return ret;
	if (chown(p, c->uid_host, c->uid_host) < 0)
		return err_set(e, -errno, "chown %s", p);
	ret = fs_path(p, e, "%s/config.json", dir);
	if (ret < 0 || (ret = ct_config_save(c, p, e)) < 0)
		return ret;
	ret = fs_path(p, e, "%s/state.json", dir);
	if (ret < 0)
		return ret;
	return ct_state_save(&st, p, e);
}

int store_create(const struct ct_config *c, pid_t owner, struct err *e)
{
	char tmp[PATH_LEN], dst[PATH_LEN];
	struct err ignore;
	int ret;

	ret = fs_path(tmp, e, "%s/containers/.tmp-%s-%d", fs_root(), c->name,
		      (int)getpid());
	if (ret < 0 || (ret = store_path(dst, c->name, NULL, e)) < 0)
		return ret;
	/* Searchable (not readable) by others: the container's init walks
	 * to its rootfs as the container's root, an unprivileged host uid. */
	ret = fs_mkdir_p(tmp, 0711, e);
	if (ret < 0)
		return ret;
	if (chmod(tmp, 0711) < 0) {
		ret = err_set(e, -errno, "chmod %s", tmp);
		goto fail;
	}
	ret = store_fill_dir(c, tmp, owner, e);
	if (ret < 0)
		goto fail;
	if (rename(tmp, dst) < 0) {
		ret = err_set(e, errno == ENOTEMPTY ? -EEXIST : -errno,
			      "container %s", c->name);
		goto fail;
	}
	return 0;
fail:
	fs_rm_rf(tmp, &ignore);
	return ret;
}

int store_load(const char *name, struct ct_config *c, struct ct_state *s,
	       struct err *e)
{
	char p[PATH_LEN];
	int ret;

	if (!store_exists(name))
		return err_msg(e, -ENOENT, "no such container: %s", name);
	ret = store_path(p, name, "config.json", e);
	if (ret < 0)
		return ret;
	if (c && (ret = ct_config_load(c, p, e)) < 0)
		return ret;
	ret = store_path(p, name, "state.json", e);
	if (ret < 0 || !s)
		return ret;
	ret = ct_state_load(s, p, e);
	if (ret < 0 && c)
		ct_config_free(c);
	return ret;
}

int store_save_state(const char *name, const struct ct_state *s, struct err *e)
{
	char p[PATH_LEN];
	int ret = store_path(p, name, "state.json", e);

	return ret < 0 ? ret : ct_state_save(s, p, e);
}

int store_hide(const char *name, char *gone, struct err *e)
{
	char dir[PATH_LEN];
	int ret;

	ret = store_path(dir, name, NULL, e);
	if (ret < 0)
		return ret;
	ret = fs_path(gone, e, "%s/containers/.rm-%s-%d", fs_root(), name,
		      (int)getpid());
	if (ret < 0)
		return ret;
	if (rename(dir, gone) < 0)
		return err_set(e, -errno, "remove container %s", name);
	return 0;
}

int store_remove(const char *name, struct err *e)
{
	char gone[PATH_LEN];
	int ret = store_hide(name, gone, e);

	return ret < 0 ? ret : fs_rm_rf(gone, e);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_foreach(int (*fn)(const char *name, void *arg), void *arg,
		  struct err *e)
{
	char dir[PATH_LEN], **names = NULL;
	struct dirent *d;
	int n = 0, i, ret = 0;
	DIR *dp;

	ret = fs_path(dir, e, "%s/containers", fs_root());
	if (ret < 0)
		return ret;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : err_set(e, -errno, "open %s", dir);
	while ((d = readdir(dp))) {
		char **nn;

		if (d->d_name[0] == '.' || !store_exists(d->d_name))
			continue;
		nn = realloc(names, sizeof(char *) * (n + 1));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(d->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);
	for (i = 0; i < n; i++) {
		if (ret >= 0 && names[i])
			ret = fn(names[i], arg);
		free(names[i]);
	}
	free(names);
	return ret < 0 ? ret : 0;
}

int store_is_running(const struct ct_state *s)
{
	return s->status == CT_RUNNING && proc_alive(s->pid, s->pid_start);
}

struct ip_scan {
	const char *net;
	uint32_t *ips;
	int n;
	int users;
};

static int ip_scan_one(const char *name, void *arg)
{
	struct ip_scan *sc = arg;
	struct ct_config c;
	struct err e;

	if (store_load(name, &c, NULL, &e) < 0)
		return 0;
	if (c.net && !strcmp(c.net, sc->net)) {
		uint32_t *ni = realloc(sc->ips, sizeof(uint32_t) * (sc->n + 1));

		if (ni) {
			sc->ips = ni;
			sc->ips[sc->n++] = c.ip;
		}
		sc->users++;
	}
	ct_config_free(&c);
	return 0;
}

int store_ips_in_use(const char *net, uint32_t **ips, int *n, struct err *e)
{
	struct ip_scan sc = { .net = net };
	int ret = store_foreach(ip_scan_one, &sc, e);

	if (ret < 0) {
		free(sc.ips);
		return ret;
	}
	*ips = sc.ips;
	*n = sc.n;
	return 0;
}

int store_network_users(const char *net, struct err *e)
{
	struct ip_scan sc = { .net = net };
	int ret = store_foreach(ip_scan_one, &sc, e);

	free(sc.ips);
	return ret < 0 ? ret : sc.users;
}
