/*
 * cgroup -- one container's resource limits on cgroup v1, v2 and hybrid
 * hosts (Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst).
 *
 * The layout (which controller lives on which mount, in which version) is
 * read from /proc/self/mountinfo once per process: a strata command lives
 * milliseconds, and a container's monitor sits in a private copy of the
 * host's mount namespace that a host remount would not reach anyway.  The container's groups are "strata/<name>"
 * at the root of each hierarchy that holds a controller strata uses; on
 * v1 several controllers may share a hierarchy (cpu,cpuacct), so the
 * hierarchies are collected by mount point first.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "lib/fs.h"

#define CGROUP_PARENT	"strata"
#define CGROUP_KILL_MS	2000	/* how long tasks get to die on destroy */
#define CGROUP_FREEZE_MS 2000
#define CGROUP_POLL_MS	10
#define CGROUP_DEPTH	16	/* nested groups a container may create */
#define CFS_PERIOD_US	100000

static const char *const cgroup_ctl_names[CGROUP_NCTL] = {
	[CGROUP_MEMORY] = "memory",
	[CGROUP_CPU] = "cpu",
	[CGROUP_PIDS] = "pids",
	[CGROUP_FREEZER] = "freezer",
	[CGROUP_CPUSET] = "cpuset",
	[CGROUP_DEVICES] = "devices",
	[CGROUP_BLKIO] = "blkio",
	[CGROUP_HUGETLB] = "hugetlb",
	[CGROUP_NET_CLS] = "net_cls",
	[CGROUP_NET_PRIO] = "net_prio",
};

/*
 * Docker's default device allow list (moby oci/defaults.go): nodes may be
 * created but only these opened, so a container with CAP_MKNOD still cannot
 * read a host disk.
 */
static const char *const cgroup_dev_allow[] = {
	"c *:* m", "b *:* m",
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
};

/* One mounted hierarchy and the controllers strata takes from it. */
struct cgroup_hier {
	int version;
	unsigned int mask;		/* 1 << enum cgroup_ctl */
	const char *mount;
};

const char *cgroup_ctl_name(enum cgroup_ctl c)
{
	return c < CGROUP_NCTL ? cgroup_ctl_names[c] : "?";
}

/* ---- layout ------------------------------------------------------------ */

/* Decode mountinfo's octal escapes ("\040" for a space) in place. */
static void mi_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Is @word one of the @sep-separated words of @list? */
static int word_in(const char *list, const char *word, const char *sep)
{
	size_t len = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, sep);

		if (n == len && !strncmp(p, word, len))
			return 1;
		p += n;
		p += strspn(p, sep);
	}
	return 0;
}

static int layout_set(char *dst, const char *mnt, struct err *e)
{
	if (strlen(mnt) >= CGROUP_MNT_LEN)
		return err_msg(e, -ENAMETOOLONG, "cgroup mount point too long: %s",
			       mnt);
	strcpy(dst, mnt);
	return 0;
}

/*
 * Apply one mountinfo line.  @rooted[i] remembers whether ctl[i] came from
 * a mount of the hierarchy's root ("/"), index CGROUP_NCTL for cgroup2: a
 * rooted mount replaces a bind of a subtree, never the other way round.
 */
static int layout_line(char *line, struct cgroup_layout *out,
		       int rooted[CGROUP_NCTL + 1], struct err *e)
{
	char *f[6], *fstype, *opts, *sep, *save = NULL;
	int i, is_root, ret;

	for (i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return 0;
	}
	/* optional fields end with a lone "-" */
	while ((sep = strtok_r(NULL, " ", &save)) && strcmp(sep, "-"))
		;
	fstype = strtok_r(NULL, " ", &save);
	if (!sep || !fstype || !strtok_r(NULL, " ", &save))
		return 0;
	opts = strtok_r(NULL, " ", &save);
	if (!opts)
		opts = "";
	mi_unescape(f[4]);
	is_root = !strcmp(f[3], "/");

	if (!strcmp(fstype, "cgroup2")) {
		if (out->v2_mount[0] && (rooted[CGROUP_NCTL] || !is_root))
			return 0;
		rooted[CGROUP_NCTL] = is_root;
		return layout_set(out->v2_mount, f[4], e);
	}
	if (strcmp(fstype, "cgroup"))
		return 0;
	for (i = 0; i < CGROUP_NCTL; i++) {
		if (!word_in(opts, cgroup_ctl_names[i], ","))
			continue;
		if (out->ctl[i].version && (rooted[i] || !is_root))
			continue;
		ret = layout_set(out->ctl[i].mount, f[4], e);
		if (ret < 0)
			return ret;
		out->ctl[i].version = 1;
		rooted[i] = is_root;
	}
	return 0;
}

/* Take from v2 what v1 does not have and the v2 root offers. */
static int layout_v2(struct cgroup_layout *out, const char *ctls,
		     struct err *e)
{
	int i, ret;

	for (i = 0; i < CGROUP_NCTL; i++) {
		if (out->ctl[i].version || i >= CGROUP_CPUSET)
			continue;	/* cpuset and after: v1 only */
		/* the v2 freezer is core: every non-root group has one */
		if (i != CGROUP_FREEZER && !word_in(ctls, cgroup_ctl_names[i], " \t\n"))
			continue;
		ret = layout_set(out->ctl[i].mount, out->v2_mount, e);
		if (ret < 0)
			return ret;
		out->ctl[i].version = 2;
	}
	return 0;
}

int cgroup_layout_parse(const char *mountinfo, const char *v2_controllers,
			struct cgroup_layout *out, struct err *e)
{
	int rooted[CGROUP_NCTL + 1] = { 0 };
	char path[PATH_LEN], *text, *line, *save = NULL, *ctls = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	text = strdup(mountinfo);
	if (!text)
		return err_set(e, -ENOMEM, "parse mountinfo");
	for (line = strtok_r(text, "\n", &save); line && ret == 0;
	     line = strtok_r(NULL, "\n", &save))
		ret = layout_line(line, out, rooted, e);
	free(text);
	if (ret < 0 || !out->v2_mount[0])
		return ret;

	if (!v2_controllers) {
		ret = fs_path(path, e, "%s/cgroup.controllers", out->v2_mount);
		if (ret < 0)
			return ret;
		ret = fs_read_file(path, &ctls, NULL, e);
		if (ret < 0)
			return ret;
		v2_controllers = ctls;
	}
	ret = layout_v2(out, v2_controllers, e);
	free(ctls);
	return ret;
}

static int layout_empty(const struct cgroup_layout *l)
{
	int i;

	for (i = 0; i < CGROUP_NCTL; i++)
		if (l->ctl[i].version)
			return 0;
	return 1;
}

#define CGROUP_FALLBACK_DIR "/run/strata/cgroup"

/* Mount one hierarchy under CGROUP_FALLBACK_DIR; EBUSY means a mount with
 * other options holds it and is not worth failing for. */
static void fallback_mount(const char *type, const char *opts)
{
	char dir[PATH_LEN];
	struct err e;

	if (fs_path(dir, &e, "%s/%s", CGROUP_FALLBACK_DIR,
		    !strcmp(type, "cgroup2") ? "unified" : opts) < 0 ||
	    fs_mkdir_p(dir, 0755, &e) < 0)
		return;
	if (mount("cgroup", dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  !strcmp(type, "cgroup2") ? NULL : opts) < 0)
		log_debug("mount %s %s: %s", type, dir, strerror(errno));
}

/*
 * No cgroup file system in this mount namespace: `ip netns exec` mounts a
 * fresh /sys, which hides /sys/fs/cgroup.  The hierarchies still exist in
 * the kernel; mounting them again (with the same controllers per
 * hierarchy, as /proc/cgroups numbers them) reaches the same groups.
 */
static void cgroup_mount_fallback(void)
{
	char *text, *line, *save = NULL, opts[8][256] = { { 0 } };
	int ids[8] = { 0 }, n = 0, i;
	struct err e;

	if (fs_read_file("/proc/cgroups", &text, NULL, &e) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		int hier, enabled;

		if (line[0] == '#' ||
		    sscanf(line, "%63s %d %*d %d", name, &hier, &enabled) != 3 ||
		    !enabled || hier == 0)
			continue;
		for (i = 0; i < n && ids[i] != hier; i++)
			;
		if (i == n && n == 8)
			continue;
		if (i == n)
			ids[n++] = hier;
		if (opts[i][0])
			strncat(opts[i], ",", sizeof(opts[i]) - strlen(opts[i]) - 1);
		strncat(opts[i], name, sizeof(opts[i]) - strlen(opts[i]) - 1);
	}
	free(text);
	for (i = 0; i < n; i++)
		fallback_mount("cgroup", opts[i]);
	fallback_mount("cgroup2", NULL);
}

int cgroup_layout_read(struct cgroup_layout *out, struct err *e)
{
	/* parsing mountinfo costs ~50 us; a start asks for it 3 times */
	static struct cgroup_layout cached;
	static bool have_cached;
	char *text;
	int ret, tried = 0;

	if (have_cached) {
		*out = cached;
		return 0;
	}
again:
	ret = fs_read_file("/proc/self/mountinfo", &text, NULL, e);
	if (ret < 0)
		return ret;
	ret = cgroup_layout_parse(text, NULL, out, e);
	free(text);
	if (ret == 0 && layout_empty(out) && !tried++) {
		cgroup_mount_fallback();
		goto again;
	}
	if (ret == 0 && !layout_empty(out)) {
		cached = *out;
		have_cached = true;
	}
	return ret;
}

/* Group the controllers by hierarchy; returns how many hierarchies. */
static int hier_list(const struct cgroup_layout *l,
		     struct cgroup_hier h[CGROUP_NCTL])
{
	int i, j, n = 0;

	for (i = 0; i < CGROUP_NCTL; i++) {
		if (!l->ctl[i].version)
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(h[j].mount, l->ctl[i].mount))
				break;
		if (j == n) {
			h[n].version = l->ctl[i].version;
			h[n].mount = l->ctl[i].mount;
			h[n].mask = 0;
			n++;
		}
		h[j].mask |= 1u << i;
	}
	return n;
}

static int layout_hiers(struct cgroup_layout *l,
			struct cgroup_hier h[CGROUP_NCTL], struct err *e)
{
	int ret = cgroup_layout_read(l, e);

	if (ret < 0)
		return ret;
	ret = hier_list(l, h);
	if (ret == 0)
		return err_msg(e, -EOPNOTSUPP,
			       "no cgroup hierarchy holds memory, cpu or pids");
	return ret;
}

/* ---- small file helpers ------------------------------------------------ */

/* A plain name lives under strata/; an absolute path (OCI's cgroupsPath)
 * is taken from the root of each hierarchy as it is. */
static int name_check(const char *name, struct err *e)
{
	const char *p;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") ||
	    (name[0] != '/' && strchr(name, '/')) || !strcmp(name, "/"))
		return err_msg(e, -EINVAL, "bad cgroup name '%s'", name);
	for (p = name; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return err_msg(e, -EINVAL, "bad cgroup path '%s'", name);
	return 0;
}

/* name_check() and layout_hiers(): what every call on a group starts with */
static int name_hiers(const char *name, struct cgroup_layout *l,
		      struct cgroup_hier h[CGROUP_NCTL], struct err *e)
{
	int ret = name_check(name, e);

	return ret < 0 ? ret : layout_hiers(l, h, e);
}

static int group_path(char *buf, const char *mount, const char *name,
		      struct err *e)
{
	if (name[0] == '/')
		return fs_path(buf, e, "%s%s", mount, name);
	return fs_path(buf, e, "%s/" CGROUP_PARENT "/%s", mount, name);
}

/* Write @val to @dir/@file. */
static int knob_write(const char *dir, const char *file, const char *val,
		      struct err *e)
{
	char path[PATH_LEN];
	int ret = fs_path(path, e, "%s/%s", dir, file);

	return ret < 0 ? ret : fs_write_str(path, val, e);
}

static int knob_writeu(const char *dir, const char *file, uint64_t v,
		       struct err *e)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return knob_write(dir, file, buf, e);
}

static int knob_exists(const char *dir, const char *file)
{
	char path[PATH_LEN];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return 0;
	return fs_exists(path);
}

/* Read @dir/@file; with @key, the number after "key " on some line, else
 * the number the file starts with.  "max" reads as UINT64_MAX. */
static int knob_readu(const char *dir, const char *file, const char *key,
		      uint64_t *v, struct err *e)
{
	char path[PATH_LEN], *buf, *p;
	int ret;

	ret = fs_path(path, e, "%s/%s", dir, file);
	if (ret < 0)
		return ret;
	ret = fs_read_file(path, &buf, NULL, e);
	if (ret < 0)
		return ret;
	p = buf;
	if (key) {
		size_t len = strlen(key);

		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, key, len) && p[len] == ' ')
				break;
		if (!p) {
			free(buf);
			return err_msg(e, -ENODATA, "%s: no '%s'", path, key);
		}
		p += len + 1;
	}
	*v = !strncmp(p, "max", 3) ? UINT64_MAX : strtoull(p, NULL, 10);
	free(buf);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- create ------------------------------------------------------------ */

/* v1 cpuset: a new group starts with empty cpus and mems, and no task may
 * join it until they are set; copy them from the parent. */
static int cpuset_inherit(const char *dir, struct err *e)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_LEN], path[PATH_LEN], *val;
	unsigned int i;
	int ret, empty;

	ret = fs_path(parent, e, "%s", dir);
	if (ret < 0)
		return ret;
	*strrchr(parent, '/') = '\0';
	for (i = 0; i < 2; i++) {
		ret = fs_path(path, e, "%s/%s", dir, files[i]);
		if (ret == 0)
			ret = fs_read_file(path, &val, NULL, e);
		if (ret < 0)
			return ret;
		empty = !val[strspn(val, " \n")];
		free(val);
		if (!empty)
			continue;
		ret = fs_path(path, e, "%s/%s", parent, files[i]);
		if (ret == 0)
			ret = fs_read_file(path, &val, NULL, e);
		if (ret < 0)
			return ret;
		val[strcspn(val, "\n")] = '\0';
		ret = knob_write(dir, files[i], val, e);
		free(val);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* v2: a controller reaches strata/<name> only when enabled in the
 * subtree_control of every ancestor. */
static int v2_enable(const char *dir, unsigned int mask, struct err *e)
{
	static const enum cgroup_ctl real[] = {
		CGROUP_MEMORY, CGROUP_CPU, CGROUP_PIDS
	};
	char buf[32];
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		if (!(mask & (1u << real[i])))
			continue;
		snprintf(buf, sizeof(buf), "+%s", cgroup_ctl_names[real[i]]);
		ret = knob_write(dir, "cgroup.subtree_control", buf, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Make strata/ and strata/<name> in one hierarchy.  strata/ is shared by
 * all containers and stays; strata/<name> is removed again on failure. */
static int hier_create(const struct cgroup_hier *h, const char *name,
		       struct err *e)
{
	char parent[PATH_LEN], dir[PATH_LEN];
	int cpuset = h->version == 1 && (h->mask & (1u << CGROUP_CPUSET));
	int ret;

	ret = group_path(dir, h->mount, name, e);
	if (ret < 0)
		return ret;
	if (h->version == 2) {
		ret = v2_enable(h->mount, h->mask, e);
		if (ret < 0)
			return ret;
	}
	/* Every folder above the group: made if missing, given cpus/mems
	 * (v1 cpuset) and the controllers (v2) its children need. */
	ret = fs_path(parent, e, "%s", dir);
	if (ret < 0)
		return ret;
	for (char *s = parent + strlen(h->mount) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return err_set(e, -errno, "mkdir %s", parent);
		if (cpuset && (ret = cpuset_inherit(parent, e)) < 0)
			return ret;
		if (h->version == 2 && (ret = v2_enable(parent, h->mask, e)) < 0)
			return ret;
		*s = '/';
	}
	if (mkdir(dir, 0755) < 0)
		return err_set(e, -errno, "mkdir %s", dir);
	if (cpuset) {
		ret = cpuset_inherit(dir, e);
		if (ret < 0) {
			rmdir(dir);
			return ret;
		}
	}
	return 0;
}

static int limit_memory(const char *dir, int version, uint64_t bytes,
			struct err *e)
{
	int ret;

	if (version == 2) {
		ret = knob_writeu(dir, "memory.max", bytes, e);
		if (ret == 0 && knob_exists(dir, "memory.swap.max"))
			ret = knob_write(dir, "memory.swap.max", "0", e);
		return ret;
	}
	ret = knob_writeu(dir, "memory.limit_in_bytes", bytes, e);
	/* memory+swap at the same value: swapping out cannot dodge the limit */
	if (ret == 0 && knob_exists(dir, "memory.memsw.limit_in_bytes"))
		ret = knob_writeu(dir, "memory.memsw.limit_in_bytes", bytes, e);
	return ret;
}

static int limit_cpu(const char *dir, int version, const struct ct_limits *lim,
		     struct err *e)
{
	uint64_t quota, shares;
	char buf[64];
	int ret = 0;

	if (lim->cpus > 0) {
		quota = (uint64_t)(lim->cpus * CFS_PERIOD_US + 0.5);
		if (quota < 1000)	/* the kernel's minimum quota: 1 ms */
			quota = 1000;
		if (version == 2) {
			snprintf(buf, sizeof(buf), "%llu %d",
				 (unsigned long long)quota, CFS_PERIOD_US);
			ret = knob_write(dir, "cpu.max", buf, e);
		} else {
			ret = knob_writeu(dir, "cpu.cfs_period_us", CFS_PERIOD_US, e);
			if (ret == 0)
				ret = knob_writeu(dir, "cpu.cfs_quota_us", quota, e);
		}
		if (ret < 0)
			return ret;
	}
	if (!lim->cpu_shares)
		return 0;
	shares = lim->cpu_shares;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	if (version == 1)
		return knob_writeu(dir, "cpu.shares", shares, e);
	/* the mapping runc and systemd use: [2, 262144] -> [1, 10000] */
	return knob_writeu(dir, "cpu.weight", 1 + ((shares - 2) * 9999) / 262142, e);
}

/* The kernel takes one rule per write(), not per open(): one descriptor
 * for the whole list spares an open and a close per rule. */
int cgroup_devices_defaults(const char *dir, struct err *e)
{
	char path[PATH_LEN];
	unsigned int i;
	int fd, ret;

	ret = fs_path(path, e, "%s/devices.allow", dir);
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "open %s", path);
	for (i = 0; ret == 0 && i < sizeof(cgroup_dev_allow) /
					sizeof(cgroup_dev_allow[0]); i++) {
		size_t len = strlen(cgroup_dev_allow[i]);
		ssize_t n = write(fd, cgroup_dev_allow[i], len);

		if (n < 0 || (size_t)n != len)
			ret = err_set(e, n < 0 ? -errno : -EIO, "write '%s' to %s",
				      cgroup_dev_allow[i], path);
	}
	close(fd);
	return ret;
}

static int limit_devices(const char *dir, struct err *e)
{
	int ret = knob_write(dir, "devices.deny", "a", e);

	return ret < 0 ? ret : cgroup_devices_defaults(dir, e);
}

/* The group directory of controller @c; an error if the host lacks it
 * (a limit was asked for that cannot be enforced). */
static int ctl_dir(char *dir, const struct cgroup_layout *l, enum cgroup_ctl c,
		   const char *name, struct err *e)
{
	if (!l->ctl[c].version)
		return err_msg(e, -EOPNOTSUPP, "no %s cgroup controller on this host",
			       cgroup_ctl_names[c]);
	return group_path(dir, l->ctl[c].mount, name, e);
}

int cgroup_ctl_dir(const char *name, enum cgroup_ctl c, char *dir,
		   int *version, struct err *e)
{
	struct cgroup_layout l;
	int ret;

	ret = name_check(name, e);
	if (ret == 0)
		ret = cgroup_layout_read(&l, e);
	if (ret == 0)
		ret = ctl_dir(dir, &l, c, name, e);
	if (ret < 0)
		return ret;
	*version = l.ctl[c].version;
	return 0;
}

static int limits_write(const struct cgroup_layout *l, const char *name,
			const struct ct_limits *lim, struct err *e)
{
	char dir[PATH_LEN];
	int ret;

	if (!(lim->cpus >= 0) || lim->cpus > 1e6)
		return err_msg(e, -EINVAL, "bad cpu count %g", lim->cpus);
	if (lim->memory) {
		ret = ctl_dir(dir, l, CGROUP_MEMORY, name, e);
		if (ret == 0)
			ret = limit_memory(dir, l->ctl[CGROUP_MEMORY].version,
					   lim->memory, e);
		if (ret < 0)
			return ret;
	}
	if (lim->cpus > 0 || lim->cpu_shares) {
		ret = ctl_dir(dir, l, CGROUP_CPU, name, e);
		if (ret == 0)
			ret = limit_cpu(dir, l->ctl[CGROUP_CPU].version, lim, e);
		if (ret < 0)
			return ret;
	}
	if (lim->pids) {
		ret = ctl_dir(dir, l, CGROUP_PIDS, name, e);
		if (ret == 0)
			ret = knob_writeu(dir, "pids.max", lim->pids, e);
		if (ret < 0)
			return ret;
	}
	if (l->ctl[CGROUP_DEVICES].version == 1) {
		ret = group_path(dir, l->ctl[CGROUP_DEVICES].mount, name, e);
		if (ret == 0 && !fs_exists(dir))
			return 0;	/* not asked for (cgroup_create_in) */
		if (ret == 0)
			ret = limit_devices(dir, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int hier_destroy(const struct cgroup_hier *h, const char *name,
			struct err *e);

int cgroup_create(const char *name, const struct ct_limits *lim, struct err *e)
{
	return cgroup_create_in(name, lim, ~0u, e);
}

int cgroup_create_in(const char *name, const struct ct_limits *lim,
		     unsigned int want, struct err *e)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct cgroup_layout l;
	struct err undo;
	int i, n, ret;

	n = name_hiers(name, &l, h, e);
	if (n < 0)
		return n;
	/* keep only the hierarchies asked for (a hierarchy may hold several
	 * controllers: cpu,cpuacct) */
	for (i = 0; i < n; )
		if (h[i].mask & want)
			i++;
		else
			h[i] = h[--n];
	for (i = 0; i < n; i++) {
		ret = hier_create(&h[i], name, e);
		if (ret < 0)
			goto out_remove;
	}
	ret = limits_write(&l, name, lim, e);
	if (ret < 0)
		goto out_remove;
	return 0;
out_remove:
	while (i-- > 0)
		hier_destroy(&h[i], name, &undo);	/* leaves e alone */
	return err_wrap(e, "cgroup %s", name);
}

/* ---- attach, freeze, stats --------------------------------------------- */

int cgroup_attach_flags(const char *name, pid_t pid, int flags,
			struct err *e)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct cgroup_layout l;
	char dir[PATH_LEN];
	int i, n, ret;

	n = name_hiers(name, &l, h, e);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if ((flags & CGROUP_ATTACH_V2_ONLY) && h[i].version == 1)
			continue;
		ret = group_path(dir, h[i].mount, name, e);
		if (ret == 0 && !fs_exists(dir))
			continue;	/* a hierarchy the group was not made in */
		/* moving ourselves in v1: see cgroup_self_enter() (the
		 * callers, `exec`, are single-threaded) */
		if (ret == 0 && pid == getpid() && h[i].version == 1)
			ret = knob_write(dir, "tasks", "0", e);
		else if (ret == 0)
			ret = knob_writeu(dir, "cgroup.procs", (uint64_t)pid, e);
		if (ret < 0)
			return err_wrap(e, "cgroup attach %d", (int)pid);
	}
	return 0;
}

int cgroup_attach(const char *name, pid_t pid, struct err *e)
{
	return cgroup_attach_flags(name, pid, 0, e);
}

int cgroup_self_open(const char *name, struct cgroup_self *s, struct err *e)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct cgroup_layout l;
	char dir[PATH_LEN], path[PATH_LEN];
	int i, n, ret;

	s->n = 0;
	n = name_hiers(name, &l, h, e);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (h[i].version != 1)
			continue;
		ret = group_path(dir, h[i].mount, name, e);
		if (ret == 0 && !fs_exists(dir))
			continue;
		if (ret == 0)
			ret = fs_path(path, e, "%s/tasks", dir);
		if (ret == 0) {
			s->fd[s->n] = open(path, O_WRONLY | O_CLOEXEC);
			if (s->fd[s->n] < 0)
				ret = err_set(e, -errno, "%s", path);
			else
				s->n++;
		}
		if (ret < 0) {
			cgroup_self_close(s);
			return err_wrap(e, "cgroup %s", name);
		}
	}
	return 0;
}

int cgroup_self_enter(struct cgroup_self *s, struct err *e)
{
	int ret = 0;

	for (int i = 0; i < s->n; i++)
		if (ret == 0 && write(s->fd[i], "0", 1) != 1)
			ret = err_set(e, -errno, "enter the container's cgroups");
	cgroup_self_close(s);
	return ret;
}

void cgroup_self_close(struct cgroup_self *s)
{
	for (int i = 0; i < s->n; i++)
		close(s->fd[i]);
	s->n = 0;
}

/* Read @dir/@file until it starts with @want; a v1 freezer that is still
 * FREEZING is asked again, as a task may have been forking. */
static int freeze_wait(const char *dir, const char *file, const char *want,
		       const char *rewrite, struct err *e)
{
	long end = now_ms() + CGROUP_FREEZE_MS;
	char path[PATH_LEN], *buf, *p;
	int ret, ok;

	ret = fs_path(path, e, "%s/%s", dir, file);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = fs_read_file(path, &buf, NULL, e);
		if (ret < 0)
			return ret;
		p = strstr(buf, want);
		ok = p && (p == buf || p[-1] == '\n');
		free(buf);
		if (ok)
			return 0;
		if (now_ms() > end)
			return err_msg(e, -EBUSY, "%s: not '%s' after %d ms",
				       path, want, CGROUP_FREEZE_MS);
		if (rewrite) {
			ret = fs_write_str(path, rewrite, e);
			if (ret < 0)
				return ret;
		}
		sleep_ms(CGROUP_POLL_MS);
	}
}

static int freeze_set(const char *dir, int version, int frozen, struct err *e)
{
	const char *state = frozen ? "FROZEN" : "THAWED";
	int ret;

	if (version == 1) {
		ret = knob_write(dir, "freezer.state", state, e);
		if (ret == 0)
			ret = freeze_wait(dir, "freezer.state", state, state, e);
		return ret;
	}
	ret = knob_write(dir, "cgroup.freeze", frozen ? "1" : "0", e);
	if (ret == 0 && knob_exists(dir, "cgroup.events"))
		ret = freeze_wait(dir, "cgroup.events",
				  frozen ? "frozen 1" : "frozen 0", NULL, e);
	return ret;
}

int cgroup_freeze(const char *name, int frozen, struct err *e)
{
	struct cgroup_layout l;
	char dir[PATH_LEN];
	struct err undo;
	int ret, v;

	ret = name_check(name, e);
	if (ret == 0)
		ret = cgroup_layout_read(&l, e);
	if (ret == 0)
		ret = ctl_dir(dir, &l, CGROUP_FREEZER, name, e);
	if (ret < 0)
		return ret;
	v = l.ctl[CGROUP_FREEZER].version;
	ret = freeze_set(dir, v, frozen, e);
	if (ret < 0 && frozen)
		freeze_set(dir, v, 0, &undo);	/* never leave it half frozen */
	return ret < 0 ? err_wrap(e, "%s %s", frozen ? "freeze" : "thaw", name) : 0;
}

int cgroup_stats(const char *name, struct cgroup_stats *st, struct err *e)
{
	struct cgroup_layout l;
	char dir[PATH_LEN];
	int ret, v;

	memset(st, 0, sizeof(*st));
	ret = name_check(name, e);
	if (ret == 0)
		ret = cgroup_layout_read(&l, e);
	if (ret < 0)
		return ret;
	v = l.ctl[CGROUP_MEMORY].version;
	if (v) {
		ret = group_path(dir, l.ctl[CGROUP_MEMORY].mount, name, e);
		if (ret == 0)
			ret = knob_readu(dir, v == 1 ? "memory.usage_in_bytes" :
					 "memory.current", NULL,
					 &st->memory_current, e);
		if (ret == 0)
			ret = knob_readu(dir, v == 1 ? "memory.oom_control" :
					 "memory.events", "oom_kill",
					 &st->oom_kills, e);
		if (ret < 0)
			return ret;
	}
	if (l.ctl[CGROUP_PIDS].version) {
		ret = group_path(dir, l.ctl[CGROUP_PIDS].mount, name, e);
		if (ret == 0)
			ret = knob_readu(dir, "pids.current", NULL,
					 &st->pids_current, e);
		if (ret < 0)
			return ret;
	}
	v = l.ctl[CGROUP_FREEZER].version;
	if (v && group_path(dir, l.ctl[CGROUP_FREEZER].mount, name, e) == 0) {
		char path[PATH_LEN], *text = NULL;
		struct err ignore;

		if (fs_path(path, e, "%s/%s", dir, v == 1 ? "freezer.state" :
			    "cgroup.events") == 0 &&
		    fs_read_file(path, &text, NULL, &ignore) == 0) {
			st->frozen = v == 1 ? !strncmp(text, "FROZEN", 6) :
				     strstr(text, "frozen 1") != NULL;
			free(text);
		}
	}
	return 0;
}

static int tree_walk(const char *dir, int depth,
		     int (*fn)(const char *dir, void *arg), void *arg);

struct pid_list {
	pid_t *v;
	int n;
};

static int pids_collect(const char *dir, void *arg)
{
	struct pid_list *l = arg;
	char path[PATH_LEN], *text, *line, *save = NULL;
	struct err e;

	if (fs_path(path, &e, "%s/cgroup.procs", dir) < 0 ||
	    fs_read_file(path, &text, NULL, &e) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		pid_t *nv = realloc(l->v, sizeof(pid_t) * (l->n + 1));

		if (!nv)
			break;
		l->v = nv;
		l->v[l->n++] = (pid_t)atoi(line);
	}
	free(text);
	return 0;
}

int cgroup_pids(const char *name, pid_t **pids, int *n, struct err *e)
{
	struct pid_list l = { 0 };
	struct cgroup_layout lay;
	enum cgroup_ctl c;
	char dir[PATH_LEN];
	int ret;

	ret = name_check(name, e);
	if (ret == 0)
		ret = cgroup_layout_read(&lay, e);
	if (ret < 0)
		return ret;
	c = lay.ctl[CGROUP_PIDS].version ? CGROUP_PIDS : CGROUP_MEMORY;
	if (!lay.ctl[c].version)
		return err_msg(e, -EOPNOTSUPP, "no pids or memory cgroup on this host");
	ret = group_path(dir, lay.ctl[c].mount, name, e);
	if (ret < 0)
		return ret;
	if (!fs_exists(dir))
		return err_msg(e, -ENOENT, "cgroup %s does not exist", name);
	tree_walk(dir, 0, pids_collect, &l);
	*pids = l.v;
	*n = l.n;
	return 0;
}

/* ---- destroy ----------------------------------------------------------- */

/* Call @fn on every group directory below @dir (deepest first), then on
 * @dir itself; stops at the first negative return. */
static int tree_walk(const char *dir, int depth,
		     int (*fn)(const char *dir, void *arg), void *arg)
{
	char sub[PATH_LEN];
	struct dirent *d;
	DIR *dp;
	int ret = 0;

	dp = depth < CGROUP_DEPTH ? opendir(dir) : NULL;
	while (dp && ret >= 0 && (d = readdir(dp))) {
		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name) >=
		    (int)sizeof(sub))
			continue;
		ret = tree_walk(sub, depth + 1, fn, arg);
	}
	if (dp)
		closedir(dp);
	return ret < 0 ? ret : fn(dir, arg);
}

/* SIGKILL every task listed in @dir/cgroup.procs; counts them in @arg. */
static int kill_procs(const char *dir, void *arg)
{
	char path[PATH_LEN], *buf, *p, *end;
	int *left = arg;
	struct err e;
	long pid;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path) ||
	    fs_read_file(path, &buf, NULL, &e) < 0)
		return 0;	/* gone already */
	for (p = buf; *p; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid <= 0 || pid == getpid())
			continue;
		(*left)++;
		kill((pid_t)pid, SIGKILL);
	}
	free(buf);
	return 0;
}

static int rmdir_one(const char *dir, void *arg)
{
	(void)arg;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Kill the tasks of one group and remove it, retrying for a while: tasks
 * take a moment to exit after SIGKILL and the group stays busy until they
 * have. */
static int hier_destroy(const struct cgroup_hier *h, const char *name,
			struct err *e)
{
	long end = now_ms() + CGROUP_KILL_MS;
	char dir[PATH_LEN];
	struct err tmp;
	int left, ret;

	ret = group_path(dir, h->mount, name, e);
	if (ret < 0)
		return ret;
	if (!fs_exists(dir))
		return 0;
	/* v2 kills the whole subtree, including tasks forked meanwhile */
	if (h->version == 2 && knob_exists(dir, "cgroup.kill"))
		knob_write(dir, "cgroup.kill", "1", &tmp);
	for (;;) {
		left = 0;
		tree_walk(dir, 0, kill_procs, &left);
		ret = left ? -EBUSY : tree_walk(dir, 0, rmdir_one, NULL);
		if (ret == 0)
			return 0;
		if (ret != -EBUSY || now_ms() > end)
			return err_set(e, ret, "remove %s", dir);
		sleep_ms(CGROUP_POLL_MS);
	}
}

/*
 * The common case after a container exited: its init was reaped, and the
 * kernel had killed the rest of its pid namespace before that, so every
 * group is empty and one rmdir each removes them (a group that still has
 * tasks or subgroups refuses with EBUSY).  Saves thawing, listing and
 * reading cgroup.procs in each hierarchy while the user waits.  Returns 1
 * when nothing of @name is left.
 */
static int groups_rmdir_empty(const struct cgroup_hier *h, int n, const char *name)
{
	char dir[PATH_LEN];
	struct err tmp;
	int i, left = 0;

	for (i = 0; i < n; i++)
		if (group_path(dir, h[i].mount, name, &tmp) < 0 ||
		    (rmdir(dir) < 0 && errno != ENOENT))
			left++;
	return left == 0;
}

int cgroup_destroy(const char *name, struct err *e)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct cgroup_layout l;
	char dir[PATH_LEN];
	struct err tmp;
	int i, n, ret, first = 0;

	n = name_hiers(name, &l, h, e);
	if (n < 0)
		return n;
	if (groups_rmdir_empty(h, n, name))
		return 0;
	/* a frozen v1 task does not act on SIGKILL until thawed */
	if (l.ctl[CGROUP_FREEZER].version == 1 &&
	    group_path(dir, l.ctl[CGROUP_FREEZER].mount, name, &tmp) == 0 &&
	    fs_exists(dir))
		freeze_set(dir, 1, 0, &tmp);
	/* keep going after a failure: remove what can be removed */
	for (i = 0; i < n; i++) {
		ret = hier_destroy(&h[i], name, first ? &tmp : e);
		if (ret < 0 && !first)
			first = ret;
	}
	return first ? err_wrap(e, "cgroup %s", name) : 0;
}

/* ---- gc ---------------------------------------------------------------- */

int cgroup_exists(const char *name)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct cgroup_layout l;
	char dir[PATH_LEN];
	struct err e;
	int i, n;

	n = name_hiers(name, &l, h, &e);
	for (i = 0; i < n; i++)
		if (group_path(dir, h[i].mount, name, &e) == 0 && fs_exists(dir))
			return 1;
	return 0;
}

struct name_set {
	char **v;
	size_t n, cap;
};

static int name_add(struct name_set *s, const char *name)
{
	char **nv;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
	}
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int names_collect(const char *mount, struct name_set *s, struct err *e)
{
	char dir[PATH_LEN];
	struct dirent *d;
	DIR *dp;
	int ret;

	ret = fs_path(dir, e, "%s/" CGROUP_PARENT, mount);
	if (ret < 0)
		return ret;
	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : err_set(e, -errno, "open %s", dir);
	while ((d = readdir(dp))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		ret = name_add(s, d->d_name);
		if (ret < 0) {
			closedir(dp);
			return err_set(e, ret, "list %s", dir);
		}
	}
	closedir(dp);
	return 0;
}

int cgroup_foreach(int (*fn)(const char *name, void *arg), void *arg,
		   struct err *e)
{
	struct cgroup_hier h[CGROUP_NCTL];
	struct name_set s = { NULL, 0, 0 };
	struct cgroup_layout l;
	int i, n, ret = 0;
	size_t k;

	n = layout_hiers(&l, h, e);
	if (n < 0)
		return n;
	for (i = 0; i < n && ret == 0; i++)
		ret = names_collect(h[i].mount, &s, e);
	for (k = 0; k < s.n && ret == 0; k++)
		ret = fn(s.v[k], arg);
	for (k = 0; k < s.n; k++)
		free(s.v[k]);
	free(s.v);
	return ret < 0 ? ret : 0;
}
