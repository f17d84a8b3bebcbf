/*
 * oci_spec -- an OCI runtime-spec 1.1 config.json (config.md,
 * config-linux.md of github.com/opencontainers/runtime-spec v1.1.0) read
 * into struct ct_config plus struct ct_oci.  Where the spec leaves room
 * runc's reading is followed: unknown capability names are ignored, a
 * relative mount destination is taken from "/", the native seccomp
 * architecture is always kept.
 *
 * config.json is untrusted: it is read with the getters of oci_json.h,
 * which name the field in their one-line errors.  Unknown keys are
 * ignored, as the spec requires; known keys strata does not apply become
 * warnings (ct_oci.warnings) for the caller to print.  Here: the root,
 * hooks, annotations, mounts, process and the whole document;
 * oci_spec_linux.c reads "linux", oci_spec_default.c writes the default
 * config.json.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ct/oci_hooks.h"
#include "ct/oci_json.h"
#include "ct/oci_spec.h"
#include "ct/oci_spec_parts.h"
#include "lib/fs.h"

/* ---- root, hooks, annotations --------------------------------------- */

/* @p made absolute against @base, then realpath()'d if it exists. */
static char *path_resolve(const char *base, const char *p)
{
	char *joined, *real;

	if (p[0] == '/')
		joined = strdup(p);
	else if (asprintf(&joined, "%s/%s", base, p) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	real = realpath(joined, NULL);
	if (!real)
		return joined;
	free(joined);
	return real;
}

static char *bundle_abs(const char *bundle)
{
	char cwd[PATH_LEN];

	if (!bundle || !*bundle)
		bundle = ".";
	if (bundle[0] != '/' && getcwd(cwd, sizeof(cwd)))
		return path_resolve(cwd, bundle);
	return path_resolve("/", bundle);
}

static int parse_root(const json_t *j, struct ct_config *c, struct ct_oci *o,
		      struct err *e)
{
	char *path = NULL;
	json_t *r;
	int ret;

	ret = oj_get_obj(j, "", "root", &r, e);
	if (ret)
		return ret;
	if (!r)
		return oj_bad(e, "root", "is required");
	ret = oj_get_str(r, "root", "path", 1, &path, e);
	if (!ret && !*path)
		ret = oj_bad(e, "root.path", "must not be empty");
	if (!ret)
		ret = oj_get_bool(r, "root", "readonly", &o->root_readonly, e);
	if (!ret) {
		o->root = path_resolve(o->bundle, path);
		c->rootfs = o->root ? strdup(o->root) : NULL;
		if (!c->rootfs)
			ret = oj_nomem(e);
	}
	free(path);
	return ret;
}

static int parse_hook(const json_t *h, const char *where, void *item, void *ctx,
		      struct err *e)
{
	struct oci_hook *k = item;
	long long t = 0;
	int ret;

	if (!json_is_object(h))
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(h, where, "path", 1, &k->path, e);
	if (!ret && k->path[0] != '/')
		ret = oj_bad_key(e, where, "path", "must be an absolute path");
	if (!ret)
		ret = oj_get_strv(h, where, "args", 0, &k->args, e);
	if (!ret)
		ret = oj_get_strv(h, where, "env", 0, &k->env, e);
	if (!ret)
		ret = oj_get_int(h, where, "timeout", 1, INT_MAX, &t, &(int){ 0 }, e);
	k->timeout = (int)t;
	return ret;
}

static int parse_hooks(const json_t *j, struct ct_oci *o, struct err *e)
{
	json_t *hooks;
	int k, ret;

	ret = oj_get_obj(j, "", "hooks", &hooks, e);
	for (k = 0; !ret && hooks && k < OCI_HOOK_NKINDS; k++)
		ret = oj_each(hooks, "hooks", oci_hook_name(k), sizeof(*o->hooks[k]),
			      parse_hook, NULL, (void **)&o->hooks[k], &o->nhooks[k], e);
	return ret;
}

static int parse_annotations(const json_t *j, struct ct_oci *o, struct err *e)
{
	const char *key;
	json_t *a, *v;
	int ret;

	ret = oj_get_obj(j, "", "annotations", &a, e);
	if (ret || !a)
		return ret;
	json_object_foreach(a, key, v) {
		if (!oj_jstr(v)) {
			char c[CLIP_LEN + 1];

			return err_msg(e, -EINVAL, "config.json: annotations.%s: must be a string",
				       oj_clip(c, key));
		}
	}
	o->annotations_json = json_dumps(a, JSON_COMPACT);
	return o->annotations_json ? 0 : oj_nomem(e);
}

/* ---- mounts ---------------------------------------------------------- */

static const struct {
	const char *name;
	int clear;
	unsigned long flag;
} mount_flags[] = {
	{ "ro", 0, MS_RDONLY },		{ "rw", 1, MS_RDONLY },
	{ "nosuid", 0, MS_NOSUID },	{ "suid", 1, MS_NOSUID },
	{ "nodev", 0, MS_NODEV },	{ "dev", 1, MS_NODEV },
	{ "noexec", 0, MS_NOEXEC },	{ "exec", 1, MS_NOEXEC },
	{ "sync", 0, MS_SYNCHRONOUS },	{ "async", 1, MS_SYNCHRONOUS },
	{ "remount", 0, MS_REMOUNT },
	{ "mand", 0, MS_MANDLOCK },	{ "nomand", 1, MS_MANDLOCK },
	{ "dirsync", 0, MS_DIRSYNC },
	{ "noatime", 0, MS_NOATIME },	{ "atime", 1, MS_NOATIME },
	{ "nodiratime", 0, MS_NODIRATIME }, { "diratime", 1, MS_NODIRATIME },
	{ "relatime", 0, MS_RELATIME },	{ "norelatime", 1, MS_RELATIME },
	{ "strictatime", 0, MS_STRICTATIME },
	{ "nostrictatime", 1, MS_STRICTATIME },
	{ "bind", 0, MS_BIND },		{ "rbind", 0, MS_BIND | MS_REC },
	{ "nosymfollow", 0, MS_NOSYMFOLLOW }, { "symfollow", 1, MS_NOSYMFOLLOW },
};

static const struct {
	const char *name;
	unsigned long flag;
} mount_props[] = {
	{ "private", MS_PRIVATE },	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	{ "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		{ "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

/*
 * runtime-spec 1.1's recursive attributes: mount_setattr(AT_RECURSIVE)
 * over the whole tree at the destination, submounts included (a plain
 * "ro" only reaches the top mount).  The atime ones replace the atime
 * mode as a whole (the kernel takes it as one field).
 */
static const struct {
	const char *name;
	int clear;
	unsigned int attr;
} mount_rattrs[] = {
	{ "rro", 0, MOUNT_ATTR_RDONLY },	{ "rrw", 1, MOUNT_ATTR_RDONLY },
	{ "rnosuid", 0, MOUNT_ATTR_NOSUID },	{ "rsuid", 1, MOUNT_ATTR_NOSUID },
	{ "rnodev", 0, MOUNT_ATTR_NODEV },	{ "rdev", 1, MOUNT_ATTR_NODEV },
	{ "rnoexec", 0, MOUNT_ATTR_NOEXEC },	{ "rexec", 1, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", 0, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", 1, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", 1, MOUNT_ATTR_NOSYMFOLLOW },
};

static const struct {
	const char *name;
	unsigned int mode;
} mount_ratimes[] = {
	{ "rnoatime", MOUNT_ATTR_NOATIME },	{ "ratime", MOUNT_ATTR_RELATIME },
	{ "rrelatime", MOUNT_ATTR_RELATIME },	{ "rnorelatime", MOUNT_ATTR_STRICTATIME },
	{ "rstrictatime", MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", MOUNT_ATTR_RELATIME },
};

/* A recursive option into m->rattr_set/rattr_clr; 0 when @opt is none. */
static int mount_rattr(struct oci_mount *m, const char *opt)
{
	size_t i;

	for (i = 0; i < sizeof(mount_rattrs) / sizeof(mount_rattrs[0]); i++) {
		unsigned int a = mount_rattrs[i].attr;

		if (strcmp(opt, mount_rattrs[i].name))
			continue;
		/* the last word wins, as with the plain flags */
		if (mount_rattrs[i].clear) {
			m->rattr_set &= ~a;
			m->rattr_clr |= a;
		} else {
			m->rattr_clr &= ~a;
			m->rattr_set |= a;
		}
		return 1;
	}
	for (i = 0; i < sizeof(mount_ratimes) / sizeof(mount_ratimes[0]); i++) {
		if (strcmp(opt, mount_ratimes[i].name))
			continue;
		m->rattr_set = (m->rattr_set & ~MOUNT_ATTR__ATIME) | mount_ratimes[i].mode;
		m->rattr_clr |= MOUNT_ATTR__ATIME;
		return 1;
	}
	return 0;
}

unsigned long oci_mount_prop(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mount_props) / sizeof(mount_props[0]); i++)
		if (!strcmp(name, mount_props[i].name))
			return mount_props[i].flag;
	return 0;
}

/* Append ",@opt" (or "@opt") to m->data. */
static int mount_data_add(struct oci_mount *m, const char *opt, struct err *e)
{
	size_t old = m->data ? strlen(m->data) : 0, n = strlen(opt);
	char *d = realloc(m->data, old + n + 2);

	if (!d)
		return oj_nomem(e);
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, n + 1);
	m->data = d;
	return 0;
}

static int mount_option(struct oci_mount *m, const char *opt, struct err *e)
{
	unsigned long prop = oci_mount_prop(opt);
	size_t i;

	for (i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
		if (strcmp(opt, mount_flags[i].name))
			continue;
		if (mount_flags[i].clear)
			m->flags &= ~mount_flags[i].flag;
		else
			m->flags |= mount_flags[i].flag;
		return 0;
	}
	if (prop) {
		m->propagation = prop;
		return 0;
	}
	if (mount_rattr(m, opt))
		return 0;
	if (!strcmp(opt, "idmap") || !strcmp(opt, "ridmap")) {
		m->idmap = opt[0] == 'r' ? 2 : 1;
		return 0;
	}
	/* podman's --read-only tmpfs mounts: copy the image's files up */
	if (!strcmp(opt, "tmpcopyup")) {
		m->copyup = 1;
		return 0;
	}
	if (!strcmp(opt, "defaults"))
		return 0;
	return mount_data_add(m, opt, e);
}

static int parse_idmap(const json_t *m, const char *where, void *item, void *ctx,
		       struct err *e)
{
	struct oci_idmap *map = item;
	long long size = 0;
	int ret;

	if (!json_is_object(m))
		return oj_bad(e, where, "must be an object");
	ret = oj_get_u32(m, where, "containerID", &map->container, NULL, e);
	if (!ret)
		ret = oj_get_u32(m, where, "hostID", &map->host, NULL, e);
	if (!ret)
		ret = oj_get_int(m, where, "size", 1, UINT32_MAX, &size, NULL, e);
	map->size = (uint32_t)size;
	return ret;
}

int oci_parse_idmaps(const json_t *obj, const char *where, const char *key,
		     struct oci_idmap **out, int *nout, struct err *e)
{
	return oj_each(obj, where, key, sizeof(**out), parse_idmap, NULL,
		       (void **)out, nout, e);
}

static int parse_mount(const json_t *j, const char *where, void *item, void *ctx,
		       struct err *e)
{
	struct oci_mount *m = item;
	char **opts = NULL, **p, *abs;
	int ret;

	m->tree_fd = -1;
	if (!json_is_object(j))
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(j, where, "destination", 1, &m->destination, e);
	if (!ret && !m->destination[0])
		ret = oj_bad_key(e, where, "destination", "must not be empty");
	if (!ret)
		ret = oj_get_str(j, where, "type", 0, &m->type, e);
	if (!ret)
		ret = oj_get_str(j, where, "source", 0, &m->source, e);
	if (!ret)
		ret = oj_get_strv(j, where, "options", 0, &opts, e);
	for (p = opts; !ret && p && *p; p++)
		ret = mount_option(m, *p, e);
	oj_strv_free(opts);
	if (!ret)
		ret = oci_parse_idmaps(j, where, "uidMappings", &m->uid_maps, &m->nuid_maps, e);
	if (!ret)
		ret = oci_parse_idmaps(j, where, "gidMappings", &m->gid_maps, &m->ngid_maps, e);
	if (ret)
		return ret;
	if (m->type && !strcmp(m->type, "bind"))
		m->flags |= MS_BIND;
	/* runc takes a relative destination from "/" */
	if (m->destination[0] != '/') {
		if (asprintf(&abs, "/%s", m->destination) < 0)
			return oj_nomem(e);
		free(m->destination);
		m->destination = abs;
	}
	return 0;
}

static int parse_mounts(const json_t *j, struct ct_oci *o, struct err *e)
{
	return oj_each(j, "", "mounts", sizeof(*o->mounts), parse_mount, NULL,
		       (void **)&o->mounts, &o->nmounts, e);
}

static int idmaps_dup(struct oci_idmap **out, int *nout, const struct oci_idmap *in,
		      int n, struct err *e)
{
	*out = malloc((size_t)n * sizeof(*in));
	if (!*out)
		return oj_nomem(e);
	memcpy(*out, in, (size_t)n * sizeof(*in));
	*nout = n;
	return 0;
}

/*
 * Idmapped mounts (runtime-spec 1.1): "uidMappings"/"gidMappings" or the
 * "idmap"/"ridmap" option, on bind mounts only.  Without maps of its own
 * the mount takes the container's (linux.uidMappings), as runc does.
 */
static int check_idmap_mounts(struct ct_oci *o, struct err *e)
{
	char where[WHERE_LEN];
	int i, ret = 0;

	for (i = 0; i < o->nmounts && !ret; i++) {
		struct oci_mount *m = &o->mounts[i];

		if (!m->idmap && !m->uid_maps && !m->gid_maps)
			continue;
		snprintf(where, sizeof(where), "mounts[%d]", i);
		if (!(m->flags & MS_BIND))
			return oj_bad(e, where, "idmapped mounts must be bind mounts");
		if (!m->idmap)
			m->idmap = m->flags & MS_REC ? 2 : 1;
		if (!m->uid_maps && !m->gid_maps) {
			if (!o->nuid_maps || !o->ngid_maps)
				return oj_bad(e, where, "idmap needs uidMappings and gidMappings "
					      "(its own or linux's)");
			ret = idmaps_dup(&m->uid_maps, &m->nuid_maps, o->uid_maps,
					 o->nuid_maps, e);
			if (!ret)
				ret = idmaps_dup(&m->gid_maps, &m->ngid_maps, o->gid_maps,
						 o->ngid_maps, e);
		} else if (!m->nuid_maps || !m->ngid_maps) {
			return oj_bad(e, where, "an idmapped mount needs both uidMappings and gidMappings");
		}
	}
	return ret;
}

/* ---- process ---------------------------------------------------------- */

static int parse_user(const json_t *p, struct ct_oci *o, struct err *e)
{
	const char *where = "process.user";
	char w[WHERE_LEN];
	json_t *u, *g = NULL;
	size_t i, n;
	int ret;

	ret = oj_get_obj(p, "process", "user", &u, e);
	if (ret || !u)
		return ret;
	ret = oj_get_u32(u, where, "uid", &o->uid, &(int){ 0 }, e);
	if (!ret)
		ret = oj_get_u32(u, where, "gid", &o->gid, &(int){ 0 }, e);
	if (!ret)
		ret = oj_get_u32(u, where, "umask", &o->umask, &o->has_umask, e);
	if (!ret)
		ret = oj_get_arr(u, where, "additionalGids", &g, e);
	n = json_array_size(g);
	if (ret || !n)
		return ret;
	o->groups = calloc(n, sizeof(*o->groups));
	if (!o->groups)
		return oj_nomem(e);
	o->ngroups = (int)n;
	for (i = 0; !ret && i < n; i++) {
		long long v = 0;

		oj_at_idx(w, "process.user.additionalGids", i);
		ret = oj_int_parse(json_array_get(g, i), w, 0, UINT32_MAX, &v, e);
		o->groups[i] = (uint32_t)v;
	}
	return ret;
}

/* CAP_CHOWN -> 0; -1 when libcap does not know the name. */
static int cap_bit(const char *name)
{
	char low[64];
	cap_value_t v;
	size_t i;

	if (strncmp(name, "CAP_", 4) || strlen(name) >= sizeof(low))
		return -1;
	for (i = 0; name[i]; i++) {
		if (!isupper((unsigned char)name[i]) && name[i] != '_' &&
		    !isdigit((unsigned char)name[i]))
			return -1;
		low[i] = (char)tolower((unsigned char)name[i]);
	}
	low[i] = '\0';
	if (cap_from_name(low, &v) < 0 || v < 0 || v > 63)
		return -1;
	return v;
}

static int parse_caps(const json_t *p, struct ct_oci *o, struct err *e)
{
	static const char *const sets[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient",
	};
	uint64_t *masks[] = {
		&o->caps.bounding, &o->caps.effective, &o->caps.inheritable,
		&o->caps.permitted, &o->caps.ambient,
	};
	char **names = NULL, **n;
	json_t *caps;
	size_t i;
	int ret;

	ret = oj_get_obj(p, "process", "capabilities", &caps, e);
	if (ret || !caps)
		return ret;
	o->has_caps = 1;
	for (i = 0; !ret && i < sizeof(sets) / sizeof(sets[0]); i++) {
		ret = oj_get_strv(caps, "process.capabilities", sets[i], 0, &names, e);
		for (n = names; !ret && n && *n; n++) {
			int bit = cap_bit(*n);
			char c[CLIP_LEN + 1];

			if (bit >= 0)
				*masks[i] |= UINT64_C(1) << bit;
			else
				ret = oj_warn(o, e, "process.capabilities: unknown capability '%s', ignored",
					      oj_clip(c, *n));
		}
		oj_strv_free(names);
		names = NULL;
	}
	return ret;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },		{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },		{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimit(const json_t *r, const char *where, void *item, void *ctx,
			struct err *e)
{
	struct ct_oci *o = ctx;
	struct oci_rlimit *rl = item;
	int i = (int)(rl - o->rlimits);
	char *type = NULL, w[WHERE_LEN];
	size_t k;
	int ret;

	if (!json_is_object(r))
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(r, where, "type", 1, &type, e);
	if (ret)
		return ret;
	rl->resource = -1;
	for (k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
		if (!strcmp(type, rlimit_names[k].name))
			rl->resource = rlimit_names[k].resource;
	oj_at(w, where, "type");
	if (rl->resource < 0)
		ret = oj_bad_name(e, w, "rlimit", type);
	for (k = 0; !ret && k < (size_t)i; k++)
		if (o->rlimits[k].resource == rl->resource)
			ret = err_msg(e, -EINVAL, "config.json: %s: duplicate rlimit '%s'",
				      w, type);
	free(type);
	if (!ret)
		ret = oj_get_u64(r, where, "soft", &rl->soft, NULL, e);
	if (!ret)
		ret = oj_get_u64(r, where, "hard", &rl->hard, NULL, e);
	return ret;
}

static int parse_rlimits(const json_t *p, struct ct_oci *o, struct err *e)
{
	return oj_each(p, "process", "rlimits", sizeof(*o->rlimits), parse_rlimit, o,
		       (void **)&o->rlimits, &o->nrlimits, e);
}

static int parse_console(const json_t *p, struct ct_oci *o, struct err *e)
{
	json_t *cs;
	int ret;

	ret = oj_get_obj(p, "process", "consoleSize", &cs, e);
	if (ret || !cs)
		return ret;
	ret = oj_get_u32(cs, "process.consoleSize", "height", &o->console_height, NULL, e);
	if (!ret)
		ret = oj_get_u32(cs, "process.consoleSize", "width", &o->console_width, NULL, e);
	return ret;
}

static int parse_process(const json_t *j, struct ct_config *c, struct ct_oci *o,
			 struct err *e)
{
	static const char *const ignored[] = {
		"ioPriority", "scheduler", "execCPUAffinity", NULL,
	};
	char **env = NULL;
	long long oom = 0;
	json_t *p;
	int ret;

	ret = oj_get_obj(j, "", "process", &p, e);
	if (ret || !p)
		return ret;
	ret = oj_get_bool(p, "process", "terminal", &o->terminal, e);
	c->tty = o->terminal;
	if (!ret)
		ret = parse_console(p, o, e);
	if (!ret)
		ret = parse_user(p, o, e);
	if (!ret)
		ret = oj_get_strv(p, "process", "args", 1, &c->argv, e);
	if (!ret && !c->argv)
		ret = oj_bad(e, "process.args", "is required");
	if (!ret)
		ret = oj_get_strv(p, "process", "env", 0, &env, e);
	if (env) {
		oj_strv_free(c->env);
		c->env = env;
	}
	if (!ret)
		ret = oj_get_str(p, "process", "cwd", 1, &c->cwd, e);
	if (!ret && c->cwd[0] != '/')
		ret = oj_bad(e, "process.cwd", "must be an absolute path");
	if (!ret)
		ret = parse_caps(p, o, e);
	if (!ret)
		ret = parse_rlimits(p, o, e);
	if (!ret)
		ret = oj_get_str(p, "process", "apparmorProfile", 0, &o->apparmor_profile, e);
	if (!ret)
		ret = oj_get_str(p, "process", "selinuxLabel", 0, &o->selinux_label, e);
	if (!ret)
		ret = oj_get_bool(p, "process", "noNewPrivileges", &o->no_new_privs, e);
	if (!ret)
		ret = oj_get_int(p, "process", "oomScoreAdj", -1000, 1000, &oom,
				 &o->has_oom_score_adj, e);
	o->oom_score_adj = (int)oom;
	if (!ret)
		ret = oj_warn_present(o, p, "process", ignored, e);
	return ret;
}

/* ---- the whole document ----------------------------------------------- */

static int parse_top(const json_t *j, struct ct_config *c, struct ct_oci *o,
		     struct err *e)
{
	static const char *const ignored[] = {
		"solaris", "windows", "vm", "zos", NULL,
	};
	int ret;

	if (!json_is_object(j))
		return err_msg(e, -EINVAL, "config.json: must be a JSON object");
	ret = oj_get_str(j, "", "ociVersion", 1, &o->oci_version, e);
	if (!ret)
		ret = parse_root(j, c, o, e);
	if (!ret)
		ret = oj_get_str(j, "", "hostname", 0, &c->hostname, e);
	if (!ret)
		ret = oj_get_str(j, "", "domainname", 0, &o->domainname, e);
	if (!ret)
		ret = parse_mounts(j, o, e);
	if (!ret)
		ret = parse_process(j, c, o, e);
	if (!ret)
		ret = oci_parse_linux(j, c, o, e);
	if (!ret)
		ret = check_idmap_mounts(o, e);
	if (!ret)
		ret = oci_check_ns_needs(c, o, e);
	if (!ret)
		ret = parse_hooks(j, o, e);
	if (!ret)
		ret = parse_annotations(j, o, e);
	if (!ret)
		ret = oj_warn_present(o, j, "", ignored, e);
	return ret;
}

int oci_spec_parse(const char *json, size_t len, const char *bundle,
		   struct ct_config *c, struct err *e)
{
	struct ct_oci *o;
	json_error_t je;
	size_t wlen;
	char *wide;
	json_t *j;
	int ret;

	memset(c, 0, sizeof(*c));
	o = c->oci = calloc(1, sizeof(*o));
	if (!o)
		return oj_nomem(e);
	o->umask = 0022;
	o->memory_reservation = -1;
	o->memory_swap = -1;
	o->memory_kernel = -1;
	o->memory_kernel_tcp = -1;
	o->memory_swappiness = -1;
	o->net_classid = -1;
	o->bundle = bundle_abs(bundle);
	c->env = calloc(1, sizeof(char *));
	wide = oj_widen_u64(json, len, &wlen);
	if (!o->bundle || !c->env || !wide) {
		free(wide);
		ct_config_free(c);
		return oj_nomem(e);
	}
	j = json_loadb(wide, wlen, JSON_ALLOW_NUL, &je);
	free(wide);
	if (!j) {
		char *p;

		ct_config_free(c);
		/* jansson quotes the input ("near '...'"): keep it one line */
		for (p = je.text; *p; p++)
			if (iscntrl((unsigned char)*p))
				*p = '?';
		return err_msg(e, -EINVAL, "config.json: line %d: %s", je.line, je.text);
	}
	ret = parse_top(j, c, o, e);
	json_decref(j);
	if (ret)
		ct_config_free(c);
	return ret;
}

int oci_spec_load(const char *bundle, struct ct_config *c, struct err *e)
{
	char path[PATH_LEN];
	struct err sub;
	size_t len;
	char *buf;
	int ret;

	memset(c, 0, sizeof(*c));
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return err_set(e, -ENAMETOOLONG, "bundle %s", bundle);
	ret = fs_read_file(path, &buf, &len, &sub);
	if (ret < 0)
		return err_set(e, ret, "bundle %s: config.json", bundle);
	ret = oci_spec_parse(buf, len, bundle, c, e);
	free(buf);
	return ret;
}

/* ---- free ------------------------------------------------------------- */

static void mount_free(struct oci_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	free(m->data);
	free(m->uid_maps);
	free(m->gid_maps);
}

static void seccomp_free(struct oci_seccomp *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nrules; i++) {
		oj_strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	free(s->arches);
	free(s->listener_path);
	free(s);
}

static void linux_free(struct ct_oci *o)
{
	int i;

	for (i = 0; i < o->nns; i++)
		free(o->ns[i].path);
	free(o->ns);
	free(o->uid_maps);
	free(o->gid_maps);
	for (i = 0; i < o->ndevices; i++)
		free(o->devices[i].path);
	free(o->devices);
	free(o->dev_rules);
	for (i = 0; i < o->nsysctl; i++) {
		free(o->sysctl[i].key);
		free(o->sysctl[i].value);
	}
	free(o->sysctl);
	oj_strv_free(o->masked);
	oj_strv_free(o->readonly);
	free(o->cgroups_path);
	free(o->cpuset_cpus);
	free(o->cpuset_mems);
	for (i = 0; i < OCI_BLKIO_NKINDS; i++)
		free(o->blkio_dev[i]);
	for (i = 0; i < o->nhugepages; i++)
		free(o->hugepages[i].page_size);
	free(o->hugepages);
	for (i = 0; i < o->nnet_prios; i++)
		free(o->net_prios[i].name);
	free(o->net_prios);
	seccomp_free(o->seccomp);
}

void oci_spec_free(struct ct_oci *o)
{
	int i, k;

	if (!o)
		return;
	free(o->oci_version);
	free(o->bundle);
	free(o->root);
	free(o->groups);
	free(o->rlimits);
	free(o->apparmor_profile);
	free(o->selinux_label);
	free(o->domainname);
	for (i = 0; i < o->nmounts; i++)
		mount_free(&o->mounts[i]);
	free(o->mounts);
	linux_free(o);
	for (k = 0; k < OCI_HOOK_NKINDS; k++) {
		for (i = 0; i < o->nhooks[k]; i++) {
			free(o->hooks[k][i].path);
			oj_strv_free(o->hooks[k][i].args);
			oj_strv_free(o->hooks[k][i].env);
		}
		free(o->hooks[k]);
	}
	free(o->annotations_json);
	oj_strv_free(o->warnings);
	memset(o, 0, sizeof(*o));
}
