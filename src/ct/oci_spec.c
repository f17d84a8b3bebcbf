/*
 * oci_spec -- an OCI runtime-spec 1.1 config.json (config.md,
 * config-linux.md of github.com/opencontainers/runtime-spec v1.1.0) read
 * into struct ct_config plus struct ct_oci.  Where the spec leaves room
 * runc's reading is followed: unknown capability names are ignored, a
 * relative mount destination is taken from "/", the native seccomp
 * architecture is always kept.
 *
 * config.json is untrusted.  Every getter below checks type and range and
 * names the field in its one-line error,
 *	"config.json: mounts[2].options: must be an array of strings".
 * Unknown keys are ignored, as the spec requires; known keys strata does
 * not apply become warnings (ct_oci.warnings) for the caller to print.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "ct/oci_spec.h"
#include "lib/fs.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define WHERE_LEN 256		/* "linux.resources.devices[12].access" */
#define CLIP_LEN 64		/* input quoted in an error message */
#define WARN_MAX 32		/* a hostile config cannot flood the terminal */

/* ---- getters --------------------------------------------------------- */

static void strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A path too long for WHERE_LEN (keys come from the input) ends "...". */
static void at(char *buf, const char *where, const char *key)
{
	if (snprintf(buf, WHERE_LEN, "%s%s%s", where, *where ? "." : "", key) >= WHERE_LEN)
		memcpy(buf + WHERE_LEN - 4, "...", 4);
}

static void at_idx(char *buf, const char *where, size_t i)
{
	if (snprintf(buf, WHERE_LEN, "%s[%zu]", where, i) >= WHERE_LEN)
		memcpy(buf + WHERE_LEN - 4, "...", 4);
}

/* Input text fit for a one-line message: at most CLIP_LEN bytes, control
 * characters as '?'. */
static const char *clip(char *buf, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < CLIP_LEN; i++)
		buf[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static int bad(struct err *e, const char *where, const char *what)
{
	return err_msg(e, -EINVAL, "config.json: %s: %s", where, what);
}

static int bad_key(struct err *e, const char *where, const char *key,
		   const char *what)
{
	char w[WHERE_LEN];

	at(w, where, key);
	return bad(e, w, what);
}

/* "config.json: WHERE: unknown WHAT 'VALUE'" */
static int bad_name(struct err *e, const char *where, const char *what,
		    const char *value)
{
	char c[CLIP_LEN + 1];

	return err_msg(e, -EINVAL, "config.json: %s: unknown %s '%s'", where,
		       what, clip(c, value));
}

static int nomem(struct err *e)
{
	return err_set(e, -ENOMEM, "config.json");
}

static int warn(struct ct_oci *o, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add a line to o->warnings (duplicates and lines past WARN_MAX dropped). */
static int warn(struct ct_oci *o, struct err *e, const char *fmt, ...)
{
	char **nw, *s;
	va_list ap;
	int i, n;

	if (o->nwarnings >= WARN_MAX)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return nomem(e);
	for (i = 0; i < o->nwarnings; i++) {
		if (!strcmp(o->warnings[i], s)) {
			free(s);
			return 0;
		}
	}
	nw = realloc(o->warnings, (o->nwarnings + 2) * sizeof(*nw));
	if (!nw) {
		free(s);
		return nomem(e);
	}
	nw[o->nwarnings++] = s;
	nw[o->nwarnings] = NULL;
	o->warnings = nw;
	return 0;
}

/* Warn for each of @keys present in @obj: strata reads but ignores them. */
static int warn_present(struct ct_oci *o, const json_t *obj, const char *where,
			const char *const *keys, struct err *e)
{
	char w[WHERE_LEN];
	int ret = 0;

	for (; *keys && !ret; keys++) {
		if (!json_object_get(obj, *keys))
			continue;
		at(w, where, *keys);
		ret = warn(o, e, "%s: not supported, ignored", w);
	}
	return ret;
}

/* @key of @obj; NULL when absent or JSON null (Go's reading of null). */
static json_t *field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* The text of a JSON string; NULL when @v is not a string or holds a NUL
 * (the loader allows NUL only to carry big integers, see widen_u64()). */
static const char *jstr(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

static int get_str(const json_t *obj, const char *where, const char *key,
		   int required, char **out, struct err *e)
{
	json_t *v = field(obj, key);
	const char *s;

	if (!v)
		return required ? bad_key(e, where, key, "is required") : 0;
	s = jstr(v);
	if (!s)
		return bad_key(e, where, key, "must be a string");
	*out = strdup(s);
	return *out ? 0 : nomem(e);
}

static int get_bool(const json_t *obj, const char *where, const char *key,
		    int *out, struct err *e)
{
	json_t *v = field(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad_key(e, where, key, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int get_obj(const json_t *obj, const char *where, const char *key,
		   json_t **out, struct err *e)
{
	*out = field(obj, key);
	if (*out && !json_is_object(*out))
		return bad_key(e, where, key, "must be an object");
	return 0;
}

static int get_arr(const json_t *obj, const char *where, const char *key,
		   json_t **out, struct err *e)
{
	*out = field(obj, key);
	if (*out && !json_is_array(*out))
		return bad_key(e, where, key, "must be an array");
	return 0;
}

static int strv_parse(const json_t *a, const char *where, int nonempty,
		      char ***out, struct err *e)
{
	const char *what = nonempty ? "must be a non-empty array of strings" :
				      "must be an array of strings";
	size_t i, n = json_array_size(a);
	char **v;

	if (!json_is_array(a) || (nonempty && !n))
		return bad(e, where, what);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return nomem(e);
	for (i = 0; i < n; i++) {
		const char *s = jstr(json_array_get(a, i));

		if (!s) {
			strv_free(v);
			return bad(e, where, what);
		}
		v[i] = strdup(s);
		if (!v[i]) {
			strv_free(v);
			return nomem(e);
		}
	}
	*out = v;
	return 0;
}

/* An array of strings at @key; absent leaves *out alone. */
static int get_strv(const json_t *obj, const char *where, const char *key,
		    int nonempty, char ***out, struct err *e)
{
	json_t *v = field(obj, key);
	char w[WHERE_LEN];

	if (!v)
		return 0;
	at(w, where, key);
	return strv_parse(v, w, nonempty, out, e);
}

static int int_parse(const json_t *v, const char *where, long long min,
		     long long max, long long *out, struct err *e)
{
	long long x = json_integer_value(v);

	if (json_is_integer(v) && x >= min && x <= max) {
		*out = x;
		return 0;
	}
	if (min == 0 && (!json_is_integer(v) || x < 0))
		return bad(e, where, "must be a non-negative integer");
	if (min == LLONG_MIN && max == LLONG_MAX)
		return bad(e, where, "must be an integer");
	return err_msg(e, -EINVAL, "config.json: %s: must be an integer from %lld to %lld",
		       where, min, max);
}

/*
 * An integer in [@min, @max] at @key.  @has NULL means the field is
 * required; otherwise *has tells whether it was there (absent leaves *out
 * alone).
 */
static int get_int(const json_t *obj, const char *where, const char *key,
		   long long min, long long max, long long *out, int *has,
		   struct err *e)
{
	json_t *v = field(obj, key);
	char w[WHERE_LEN];

	if (has)
		*has = !!v;
	if (!v)
		return has ? 0 : bad_key(e, where, key, "is required");
	at(w, where, key);
	return int_parse(v, w, min, max, out, e);
}

static int get_u32(const json_t *obj, const char *where, const char *key,
		   uint32_t *out, int *has, struct err *e)
{
	long long v = *out;
	int ret;

	ret = get_int(obj, where, key, 0, UINT32_MAX, &v, has, e);
	*out = (uint32_t)v;
	return ret;
}

static int u64_parse(const json_t *v, const char *where, uint64_t *out,
		     struct err *e)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	/* 2^63 .. 2^64-1, carried as "\0<digits>" by widen_u64() */
	if (s && len > 1 && s[0] == '\0' && isdigit((unsigned char)s[1])) {
		errno = 0;
		*out = strtoull(s + 1, &end, 10);
		if (!errno && end == s + len)
			return 0;
	}
	return bad(e, where, "must be a non-negative integer");
}

/* Same contract as get_int(), for the spec's uint64 fields. */
static int get_u64(const json_t *obj, const char *where, const char *key,
		   uint64_t *out, int *has, struct err *e)
{
	json_t *v = field(obj, key);
	char w[WHERE_LEN];

	if (has)
		*has = !!v;
	if (!v)
		return has ? 0 : bad_key(e, where, key, "is required");
	at(w, where, key);
	return u64_parse(v, w, out, e);
}

/*
 * jansson holds integers in a long long and refuses bigger literals, but
 * the spec's uint64 fields go to 2^64-1: RLIM_INFINITY is written
 * 18446744073709551615.  Before parsing, each integer literal from 2^63 to
 * 2^64-1 outside strings becomes the string "\u0000<digits>", which
 * u64_parse() reads and every other getter refuses (jstr() rejects a NUL),
 * so a big number where a string belongs is still "must be a string".
 * Returns a malloc'ed copy; line numbers are unchanged.
 */
static char *widen_u64(const char *in, size_t len, size_t *outlen)
{
	char *out = malloc(len * 2 + 16);
	size_t i = 0, o = 0, j;
	int instr = 0;

	if (!out)
		return NULL;
	while (i < len) {
		char ch = in[i];

		if (instr || ch == '"') {
			out[o++] = in[i++];
			if (instr && ch == '\\' && i < len)
				out[o++] = in[i++];
			else if (ch == '"')
				instr = !instr;
			continue;
		}
		if (!isdigit((unsigned char)ch) ||
		    (i && strchr("-+.eE", in[i - 1]))) {
			out[o++] = in[i++];
			continue;
		}
		for (j = i; j < len && isdigit((unsigned char)in[j]); j++)
			;
		if (j - i >= 19 && j - i <= 20 && (j == len || !strchr(".eE", in[j]))) {
			char num[24];
			unsigned long long v;

			memcpy(num, in + i, j - i);
			num[j - i] = '\0';
			errno = 0;
			v = strtoull(num, NULL, 10);
			if (!errno && v > (unsigned long long)LLONG_MAX) {
				o += sprintf(out + o, "\"\\u0000%s\"", num);
				i = j;
				continue;
			}
		}
		memcpy(out + o, in + i, j - i);
		o += j - i;
		i = j;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

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

/* An array at WHERE.KEY, each element parsed by @fn into a calloc'ed
 * array of @size-byte items (*out, *nout, both set before the first
 * element, so @fn can look at the ones before its own through @ctx).
 * Absent or empty leaves *out NULL. */
typedef int (*parse_item_fn)(const json_t *item, const char *where, void *out,
			     void *ctx, struct err *e);

static int parse_each(const json_t *obj, const char *where, const char *key,
		      size_t size, parse_item_fn fn, void *ctx, void **out,
		      int *nout, struct err *e)
{
	char w[WHERE_LEN], wi[WHERE_LEN];
	json_t *a;
	size_t i, n;
	int ret;

	ret = get_arr(obj, where, key, &a, e);
	n = json_array_size(a);
	if (ret || !n)
		return ret;
	*out = calloc(n, size);
	if (!*out)
		return nomem(e);
	*nout = (int)n;
	at(w, where, key);
	for (i = 0; !ret && i < n; i++) {
		at_idx(wi, w, i);
		ret = fn(json_array_get(a, i), wi, (char *)*out + i * size, ctx, e);
	}
	return ret;
}

static int parse_root(const json_t *j, struct ct_config *c, struct ct_oci *o,
		      struct err *e)
{
	char *path = NULL;
	json_t *r;
	int ret;

	ret = get_obj(j, "", "root", &r, e);
	if (ret)
		return ret;
	if (!r)
		return bad(e, "root", "is required");
	ret = get_str(r, "root", "path", 1, &path, e);
	if (!ret && !*path)
		ret = bad(e, "root.path", "must not be empty");
	if (!ret)
		ret = get_bool(r, "root", "readonly", &o->root_readonly, e);
	if (!ret) {
		o->root = path_resolve(o->bundle, path);
		c->rootfs = o->root ? strdup(o->root) : NULL;
		if (!c->rootfs)
			ret = nomem(e);
	}
	free(path);
	return ret;
}

static const char *const hook_keys[OCI_HOOK_NKINDS] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(const json_t *h, const char *where, void *item, void *ctx,
		      struct err *e)
{
	struct oci_hook *k = item;
	long long t = 0;
	int ret;

	if (!json_is_object(h))
		return bad(e, where, "must be an object");
	ret = get_str(h, where, "path", 1, &k->path, e);
	if (!ret && k->path[0] != '/')
		ret = bad_key(e, where, "path", "must be an absolute path");
	if (!ret)
		ret = get_strv(h, where, "args", 0, &k->args, e);
	if (!ret)
		ret = get_strv(h, where, "env", 0, &k->env, e);
	if (!ret)
		ret = get_int(h, where, "timeout", 1, INT_MAX, &t, &(int){ 0 }, e);
	k->timeout = (int)t;
	return ret;
}

static int parse_hooks(const json_t *j, struct ct_oci *o, struct err *e)
{
	json_t *hooks;
	int k, ret;

	ret = get_obj(j, "", "hooks", &hooks, e);
	for (k = 0; !ret && hooks && k < OCI_HOOK_NKINDS; k++)
		ret = parse_each(hooks, "hooks", hook_keys[k], sizeof(*o->hooks[k]),
				 parse_hook, NULL, (void **)&o->hooks[k], &o->nhooks[k], e);
	return ret;
}

static int parse_annotations(const json_t *j, struct ct_oci *o, struct err *e)
{
	const char *key;
	json_t *a, *v;
	int ret;

	ret = get_obj(j, "", "annotations", &a, e);
	if (ret || !a)
		return ret;
	json_object_foreach(a, key, v) {
		if (!jstr(v)) {
			char c[CLIP_LEN + 1];

			return err_msg(e, -EINVAL, "config.json: annotations.%s: must be a string",
				       clip(c, key));
		}
	}
	o->annotations_json = json_dumps(a, JSON_COMPACT);
	return o->annotations_json ? 0 : nomem(e);
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

static unsigned long mount_prop(const char *name)
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
		return nomem(e);
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, n + 1);
	m->data = d;
	return 0;
}

static int mount_option(struct oci_mount *m, const char *opt, struct err *e)
{
	unsigned long prop = mount_prop(opt);
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
		return bad(e, where, "must be an object");
	ret = get_u32(m, where, "containerID", &map->container, NULL, e);
	if (!ret)
		ret = get_u32(m, where, "hostID", &map->host, NULL, e);
	if (!ret)
		ret = get_int(m, where, "size", 1, UINT32_MAX, &size, NULL, e);
	map->size = (uint32_t)size;
	return ret;
}

static int parse_idmaps(const json_t *obj, const char *where, const char *key,
			struct oci_idmap **out, int *nout, struct err *e)
{
	return parse_each(obj, where, key, sizeof(**out), parse_idmap, NULL,
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
		return bad(e, where, "must be an object");
	ret = get_str(j, where, "destination", 1, &m->destination, e);
	if (!ret && !m->destination[0])
		ret = bad_key(e, where, "destination", "must not be empty");
	if (!ret)
		ret = get_str(j, where, "type", 0, &m->type, e);
	if (!ret)
		ret = get_str(j, where, "source", 0, &m->source, e);
	if (!ret)
		ret = get_strv(j, where, "options", 0, &opts, e);
	for (p = opts; !ret && p && *p; p++)
		ret = mount_option(m, *p, e);
	strv_free(opts);
	if (!ret)
		ret = parse_idmaps(j, where, "uidMappings", &m->uid_maps, &m->nuid_maps, e);
	if (!ret)
		ret = parse_idmaps(j, where, "gidMappings", &m->gid_maps, &m->ngid_maps, e);
	if (ret)
		return ret;
	if (m->type && !strcmp(m->type, "bind"))
		m->flags |= MS_BIND;
	/* runc takes a relative destination from "/" */
	if (m->destination[0] != '/') {
		if (asprintf(&abs, "/%s", m->destination) < 0)
			return nomem(e);
		free(m->destination);
		m->destination = abs;
	}
	return 0;
}

static int parse_mounts(const json_t *j, struct ct_oci *o, struct err *e)
{
	return parse_each(j, "", "mounts", sizeof(*o->mounts), parse_mount, NULL,
			  (void **)&o->mounts, &o->nmounts, e);
}

static int idmaps_dup(struct oci_idmap **out, int *nout, const struct oci_idmap *in,
		      int n, struct err *e)
{
	*out = malloc((size_t)n * sizeof(*in));
	if (!*out)
		return nomem(e);
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
			return bad(e, where, "idmapped mounts must be bind mounts");
		if (!m->idmap)
			m->idmap = m->flags & MS_REC ? 2 : 1;
		if (!m->uid_maps && !m->gid_maps) {
			if (!o->nuid_maps || !o->ngid_maps)
				return bad(e, where, "idmap needs uidMappings and gidMappings "
					   "(its own or linux's)");
			ret = idmaps_dup(&m->uid_maps, &m->nuid_maps, o->uid_maps,
					 o->nuid_maps, e);
			if (!ret)
				ret = idmaps_dup(&m->gid_maps, &m->ngid_maps, o->gid_maps,
						 o->ngid_maps, e);
		} else if (!m->nuid_maps || !m->ngid_maps) {
			return bad(e, where, "an idmapped mount needs both uidMappings and gidMappings");
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

	ret = get_obj(p, "process", "user", &u, e);
	if (ret || !u)
		return ret;
	ret = get_u32(u, where, "uid", &o->uid, &(int){ 0 }, e);
	if (!ret)
		ret = get_u32(u, where, "gid", &o->gid, &(int){ 0 }, e);
	if (!ret)
		ret = get_u32(u, where, "umask", &o->umask, &o->has_umask, e);
	if (!ret)
		ret = get_arr(u, where, "additionalGids", &g, e);
	n = json_array_size(g);
	if (ret || !n)
		return ret;
	o->groups = calloc(n, sizeof(*o->groups));
	if (!o->groups)
		return nomem(e);
	o->ngroups = (int)n;
	for (i = 0; !ret && i < n; i++) {
		long long v = 0;

		at_idx(w, "process.user.additionalGids", i);
		ret = int_parse(json_array_get(g, i), w, 0, UINT32_MAX, &v, e);
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

	ret = get_obj(p, "process", "capabilities", &caps, e);
	if (ret || !caps)
		return ret;
	o->has_caps = 1;
	for (i = 0; !ret && i < sizeof(sets) / sizeof(sets[0]); i++) {
		ret = get_strv(caps, "process.capabilities", sets[i], 0, &names, e);
		for (n = names; !ret && n && *n; n++) {
			int bit = cap_bit(*n);
			char c[CLIP_LEN + 1];

			if (bit >= 0)
				*masks[i] |= UINT64_C(1) << bit;
			else
				ret = warn(o, e, "process.capabilities: unknown capability '%s', ignored",
					   clip(c, *n));
		}
		strv_free(names);
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
		return bad(e, where, "must be an object");
	ret = get_str(r, where, "type", 1, &type, e);
	if (ret)
		return ret;
	rl->resource = -1;
	for (k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
		if (!strcmp(type, rlimit_names[k].name))
			rl->resource = rlimit_names[k].resource;
	at(w, where, "type");
	if (rl->resource < 0)
		ret = bad_name(e, w, "rlimit", type);
	for (k = 0; !ret && k < (size_t)i; k++)
		if (o->rlimits[k].resource == rl->resource)
			ret = err_msg(e, -EINVAL, "config.json: %s: duplicate rlimit '%s'",
				      w, type);
	free(type);
	if (!ret)
		ret = get_u64(r, where, "soft", &rl->soft, NULL, e);
	if (!ret)
		ret = get_u64(r, where, "hard", &rl->hard, NULL, e);
	return ret;
}

static int parse_rlimits(const json_t *p, struct ct_oci *o, struct err *e)
{
	return parse_each(p, "process", "rlimits", sizeof(*o->rlimits), parse_rlimit, o,
			  (void **)&o->rlimits, &o->nrlimits, e);
}

static int parse_console(const json_t *p, struct ct_oci *o, struct err *e)
{
	json_t *cs;
	int ret;

	ret = get_obj(p, "process", "consoleSize", &cs, e);
	if (ret || !cs)
		return ret;
	ret = get_u32(cs, "process.consoleSize", "height", &o->console_height, NULL, e);
	if (!ret)
		ret = get_u32(cs, "process.consoleSize", "width", &o->console_width, NULL, e);
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

	ret = get_obj(j, "", "process", &p, e);
	if (ret || !p)
		return ret;
	ret = get_bool(p, "process", "terminal", &o->terminal, e);
	c->tty = o->terminal;
	if (!ret)
		ret = parse_console(p, o, e);
	if (!ret)
		ret = parse_user(p, o, e);
	if (!ret)
		ret = get_strv(p, "process", "args", 1, &c->argv, e);
	if (!ret && !c->argv)
		ret = bad(e, "process.args", "is required");
	if (!ret)
		ret = get_strv(p, "process", "env", 0, &env, e);
	if (env) {
		strv_free(c->env);
		c->env = env;
	}
	if (!ret)
		ret = get_str(p, "process", "cwd", 1, &c->cwd, e);
	if (!ret && c->cwd[0] != '/')
		ret = bad(e, "process.cwd", "must be an absolute path");
	if (!ret)
		ret = parse_caps(p, o, e);
	if (!ret)
		ret = parse_rlimits(p, o, e);
	if (!ret)
		ret = get_str(p, "process", "apparmorProfile", 0, &o->apparmor_profile, e);
	if (!ret)
		ret = get_str(p, "process", "selinuxLabel", 0, &o->selinux_label, e);
	if (!ret)
		ret = get_bool(p, "process", "noNewPrivileges", &o->no_new_privs, e);
	if (!ret)
		ret = get_int(p, "process", "oomScoreAdj", -1000, 1000, &oom,
			      &o->has_oom_score_adj, e);
	o->oom_score_adj = (int)oom;
	if (!ret)
		ret = warn_present(o, p, "process", ignored, e);
	return ret;
}

/* ---- linux: namespaces, devices, sysctl ------------------------------ */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "pid", CLONE_NEWPID },	{ "network", CLONE_NEWNET },
	{ "mount", CLONE_NEWNS },	{ "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },	{ "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP },	{ "time", CLONE_NEWTIME },
};

static int parse_ns(const json_t *n, const char *where, void *item, void *ctx,
		    struct err *e)
{
	struct ct_oci *o = ctx;
	struct oci_ns *ns = item;
	int i = (int)(ns - o->ns);
	char *type = NULL;
	size_t k;
	int ret;

	if (!json_is_object(n))
		return bad(e, where, "must be an object");
	ret = get_str(n, where, "type", 1, &type, e);
	if (ret)
		return ret;
	for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
		if (!strcmp(type, ns_types[k].name))
			ns->type = ns_types[k].flag;
	if (!ns->type)
		ret = bad_name(e, "linux.namespaces", "namespace type", type);
	for (k = 0; !ret && k < (size_t)i; k++)
		if (o->ns[k].type == ns->type)
			ret = err_msg(e, -EINVAL, "config.json: linux.namespaces: duplicate namespace type '%s'",
				      type);
	free(type);
	if (!ret)
		ret = get_str(n, where, "path", 0, &ns->path, e);
	if (!ret && ns->path && ns->path[0] != '/')
		ret = bad_key(e, where, "path", "must be an absolute path");
	return ret;
}

static int parse_namespaces(const json_t *lin, struct ct_oci *o, struct err *e)
{
	return parse_each(lin, "linux", "namespaces", sizeof(*o->ns), parse_ns, o,
			  (void **)&o->ns, &o->nns, e);
}

/* A one-letter string from @allowed at @key; @def when absent. */
static int get_type(const json_t *obj, const char *where, const char *key,
		    const char *allowed, char def, char *out, struct err *e)
{
	json_t *v = field(obj, key);
	const char *s = jstr(v);
	char w[WHERE_LEN], msg[64];

	*out = def;
	if (!v && def)
		return 0;
	if (!v)
		return bad_key(e, where, key, "is required");
	at(w, where, key);
	if (!s || strlen(s) != 1 || !strchr(allowed, s[0])) {
		snprintf(msg, sizeof(msg), "must be one of \"%s\" (one letter)", allowed);
		return bad(e, w, msg);
	}
	*out = s[0];
	return 0;
}

static int parse_device(const json_t *d, const char *where, void *item, void *ctx,
			struct err *e)
{
	struct oci_device *dev = item;
	int has_mode = 0, fifo_has = 0, *need;
	long long v;
	int ret;

	if (!json_is_object(d))
		return bad(e, where, "must be an object");
	ret = get_str(d, where, "path", 1, &dev->path, e);
	if (!ret && dev->path[0] != '/')
		ret = bad_key(e, where, "path", "must be an absolute path");
	if (!ret)
		ret = get_type(d, where, "type", "cbup", 0, &dev->type, e);
	/* a fifo has no numbers; the others need both */
	need = dev->type == 'p' ? &fifo_has : NULL;
	v = 0;
	if (!ret)
		ret = get_int(d, where, "major", LLONG_MIN, LLONG_MAX, &v, need, e);
	dev->major = v;
	v = 0;
	if (!ret)
		ret = get_int(d, where, "minor", LLONG_MIN, LLONG_MAX, &v, need, e);
	dev->minor = v;
	if (!ret)
		ret = get_u32(d, where, "fileMode", &dev->mode, &has_mode, e);
	dev->mode = has_mode ? dev->mode & 07777 : 0666;
	if (!ret)
		ret = get_u32(d, where, "uid", &dev->uid, &(int){ 0 }, e);
	if (!ret)
		ret = get_u32(d, where, "gid", &dev->gid, &(int){ 0 }, e);
	return ret;
}

static int parse_devices(const json_t *lin, struct ct_oci *o, struct err *e)
{
	return parse_each(lin, "linux", "devices", sizeof(*o->devices), parse_device,
			  NULL, (void **)&o->devices, &o->ndevices, e);
}

static int parse_sysctl(const json_t *lin, struct ct_oci *o, struct err *e)
{
	const char *key;
	json_t *s, *v;
	int ret;

	ret = get_obj(lin, "linux", "sysctl", &s, e);
	if (ret || !s || !json_object_size(s))
		return ret;
	o->sysctl = calloc(json_object_size(s), sizeof(*o->sysctl));
	if (!o->sysctl)
		return nomem(e);
	json_object_foreach(s, key, v) {
		struct oci_sysctl *sc = &o->sysctl[o->nsysctl];
		char c[CLIP_LEN + 1];

		if (!*key)
			return bad(e, "linux.sysctl", "keys must not be empty");
		if (!jstr(v))
			return err_msg(e, -EINVAL, "config.json: linux.sysctl.%s: must be a string",
				       clip(c, key));
		sc->key = strdup(key);
		sc->value = strdup(jstr(v));
		o->nsysctl++;
		if (!sc->key || !sc->value)
			return nomem(e);
	}
	return 0;
}

/* ---- linux.resources -------------------------------------------------- */

static int parse_dev_rule(const json_t *d, const char *where, void *item, void *ctx,
			  struct err *e)
{
	struct oci_dev_rule *r = item;
	char *access = NULL;
	long long v;
	int ret, has = 0;

	if (!json_is_object(d))
		return bad(e, where, "must be an object");
	r->allow = -1;
	ret = get_bool(d, where, "allow", &r->allow, e);
	if (!ret && r->allow < 0)
		ret = bad_key(e, where, "allow", "is required");
	if (!ret)
		ret = get_type(d, where, "type", "acb", 'a', &r->type, e);
	v = -1;
	if (!ret)
		ret = get_int(d, where, "major", -1, LLONG_MAX, &v, &has, e);
	r->major = v;
	v = -1;
	if (!ret)
		ret = get_int(d, where, "minor", -1, LLONG_MAX, &v, &has, e);
	r->minor = v;
	if (!ret)
		ret = get_str(d, where, "access", 0, &access, e);
	if (!ret && access && (strlen(access) > 3 || strspn(access, "rwm") != strlen(access)))
		ret = bad_key(e, where, "access", "must be a subset of \"rwm\"");
	if (!ret)
		snprintf(r->access, sizeof(r->access), "%s", access && *access ? access : "rwm");
	free(access);
	return ret;
}

static int parse_dev_rules(const json_t *res, struct ct_oci *o, struct err *e)
{
	return parse_each(res, "linux.resources", "devices", sizeof(*o->dev_rules),
			  parse_dev_rule, NULL, (void **)&o->dev_rules, &o->ndev_rules, e);
}

static int parse_memory(const json_t *res, struct ct_config *c, struct ct_oci *o,
			struct err *e)
{
	static const char *const ignored[] = {
		"useHierarchy", "checkBeforeUpdate", NULL,
	};
	const char *where = "linux.resources.memory";
	long long limit = 0, v;
	json_t *m;
	int ret, has;

	ret = get_obj(res, "linux.resources", "memory", &m, e);
	if (ret || !m)
		return ret;
	ret = get_int(m, where, "limit", LLONG_MIN, LLONG_MAX, &limit, &has, e);
	c->limits.memory = limit > 0 ? (uint64_t)limit : 0;
	v = -1;
	if (!ret)
		ret = get_int(m, where, "reservation", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_reservation = v;
	v = -1;
	if (!ret)
		ret = get_int(m, where, "swap", LLONG_MIN, LLONG_MAX, &v,
			      &o->has_memory_swap, e);
	o->memory_swap = v;
	v = -1;
	if (!ret)
		ret = get_int(m, where, "kernel", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_kernel = v;
	v = -1;
	if (!ret)
		ret = get_int(m, where, "kernelTCP", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_kernel_tcp = v;
	v = -1;
	if (!ret)
		ret = get_int(m, where, "swappiness", 0, 100, &v, &has, e);
	o->memory_swappiness = v;
	if (!ret)
		ret = get_bool(m, where, "disableOOMKiller", &o->disable_oom_killer, e);
	if (!ret)
		ret = warn_present(o, m, where, ignored, e);
	return ret;
}

static int parse_cpu(const json_t *res, struct ct_config *c, struct ct_oci *o,
		     struct err *e)
{
	static const char *const ignored[] = { "idle", "burst", NULL };
	const char *where = "linux.resources.cpu";
	long long quota = 0, rt = 0;
	json_t *cpu;
	int ret, has;

	ret = get_obj(res, "linux.resources", "cpu", &cpu, e);
	if (ret || !cpu)
		return ret;
	ret = get_u64(cpu, where, "shares", &c->limits.cpu_shares, &has, e);
	if (!ret)
		ret = get_u64(cpu, where, "period", &o->cpu_period, &has, e);
	if (!ret)
		ret = get_int(cpu, where, "quota", LLONG_MIN, LLONG_MAX, &quota, &has, e);
	o->cpu_quota = quota;
	if (quota > 0)
		c->limits.cpus = (double)quota / (double)(o->cpu_period ? o->cpu_period : 100000);
	if (!ret)
		ret = get_int(cpu, where, "realtimeRuntime", LLONG_MIN, LLONG_MAX,
			      &rt, &o->has_cpu_rt_runtime, e);
	o->cpu_rt_runtime = rt;
	if (!ret)
		ret = get_u64(cpu, where, "realtimePeriod", &o->cpu_rt_period, &has, e);
	if (!ret)
		ret = get_str(cpu, where, "cpus", 0, &o->cpuset_cpus, e);
	if (!ret)
		ret = get_str(cpu, where, "mems", 0, &o->cpuset_mems, e);
	if (!ret)
		ret = warn_present(o, cpu, where, ignored, e);
	return ret;
}

/* Append one entry to blockIO list @k. */
static int blkio_add(struct ct_oci *o, enum oci_blkio_kind k, int64_t major,
		     int64_t minor, uint64_t value, struct err *e)
{
	struct oci_blkio_dev *nv;

	nv = realloc(o->blkio_dev[k], (o->nblkio_dev[k] + 1) * sizeof(*nv));
	if (!nv)
		return nomem(e);
	o->blkio_dev[k] = nv;
	nv[o->nblkio_dev[k]++] = (struct oci_blkio_dev){ major, minor, value };
	return 0;
}

/* blockIO.weightDevice or a throttle list: [{major, minor, weight|rate}]. */
static int parse_blkio_devs(const json_t *b, const char *key, struct ct_oci *o,
			    enum oci_blkio_kind k, struct err *e)
{
	char w[WHERE_LEN], base[WHERE_LEN];
	long long major, minor, v;
	const json_t *d;
	json_t *a;
	size_t i;
	int ret, has;

	at(base, "linux.resources.blockIO", key);
	ret = get_arr(b, "linux.resources.blockIO", key, &a, e);
	for (i = 0; !ret && i < json_array_size(a); i++) {
		d = json_array_get(a, i);
		at_idx(w, base, i);
		if (!json_is_object(d))
			return bad(e, w, "must be an object");
		ret = get_int(d, w, "major", 0, LLONG_MAX, &major, NULL, e);
		if (!ret)
			ret = get_int(d, w, "minor", 0, LLONG_MAX, &minor, NULL, e);
		if (ret)
			break;
		if (k != OCI_BLKIO_WEIGHT) {
			uint64_t rate;

			ret = get_u64(d, w, "rate", &rate, NULL, e);
			if (!ret)
				ret = blkio_add(o, k, major, minor, rate, e);
			continue;
		}
		ret = get_int(d, w, "weight", 0, 1000, &v, &has, e);
		if (!ret && has)
			ret = blkio_add(o, OCI_BLKIO_WEIGHT, major, minor, (uint64_t)v, e);
		if (!ret)
			ret = get_int(d, w, "leafWeight", 0, 1000, &v, &has, e);
		if (!ret && has)
			ret = blkio_add(o, OCI_BLKIO_LEAF_WEIGHT, major, minor, (uint64_t)v, e);
	}
	return ret;
}

static int parse_blkio(const json_t *res, struct ct_oci *o, struct err *e)
{
	static const char *const lists[] = {
		[OCI_BLKIO_WEIGHT] = "weightDevice",
		[OCI_BLKIO_READ_BPS] = "throttleReadBpsDevice",
		[OCI_BLKIO_WRITE_BPS] = "throttleWriteBpsDevice",
		[OCI_BLKIO_READ_IOPS] = "throttleReadIOPSDevice",
		[OCI_BLKIO_WRITE_IOPS] = "throttleWriteIOPSDevice",
	};
	const char *where = "linux.resources.blockIO";
	long long v = 0;
	unsigned int k;
	json_t *b;
	int ret, has;

	ret = get_obj(res, "linux.resources", "blockIO", &b, e);
	if (ret || !b)
		return ret;
	ret = get_int(b, where, "weight", 0, 1000, &v, &has, e);
	o->blkio_weight = (uint16_t)v;
	v = 0;
	if (!ret)
		ret = get_int(b, where, "leafWeight", 0, 1000, &v, &has, e);
	o->blkio_leaf_weight = (uint16_t)v;
	for (k = 0; !ret && k < OCI_BLKIO_NKINDS; k++)
		if (lists[k])
			ret = parse_blkio_devs(b, lists[k], o, k, e);
	return ret;
}

static int parse_pids(const json_t *res, struct ct_config *c, struct err *e)
{
	long long v = 0;
	json_t *p;
	int ret, has;

	ret = get_obj(res, "linux.resources", "pids", &p, e);
	if (!ret && p)
		ret = get_int(p, "linux.resources.pids", "limit", LLONG_MIN,
			      LLONG_MAX, &v, &has, e);
	c->limits.pids = v > 0 ? (uint64_t)v : 0;
	return ret;
}

static int parse_hugepage(const json_t *h, const char *where, void *item,
			  void *ctx, struct err *e)
{
	struct oci_hugepage *hp = item;
	int ret;

	if (!json_is_object(h))
		return bad(e, where, "must be an object");
	ret = get_str(h, where, "pageSize", 1, &hp->page_size, e);
	if (!ret && (strchr(hp->page_size, '/') || !hp->page_size[0]))
		ret = bad_key(e, where, "pageSize", "must be a size like \"2MB\"");
	if (!ret)
		ret = get_u64(h, where, "limit", &hp->limit, NULL, e);
	return ret;
}

static int parse_hugepages(const json_t *res, struct ct_oci *o, struct err *e)
{
	return parse_each(res, "linux.resources", "hugepageLimits",
			  sizeof(*o->hugepages), parse_hugepage, NULL,
			  (void **)&o->hugepages, &o->nhugepages, e);
}

static int parse_net_prio(const json_t *p, const char *where, void *item,
			  void *ctx, struct err *e)
{
	struct oci_net_prio *np = item;
	int ret;

	if (!json_is_object(p))
		return bad(e, where, "must be an object");
	ret = get_str(p, where, "name", 1, &np->name, e);
	if (!ret && (!np->name[0] || strpbrk(np->name, " \n/")))
		ret = bad_key(e, where, "name", "must be an interface name");
	if (!ret)
		ret = get_u32(p, where, "priority", &np->priority, NULL, e);
	return ret;
}

static int parse_network(const json_t *res, struct ct_oci *o, struct err *e)
{
	const char *where = "linux.resources.network";
	long long v = -1;
	json_t *net;
	int ret, has;

	ret = get_obj(res, "linux.resources", "network", &net, e);
	if (ret || !net)
		return ret;
	ret = get_int(net, where, "classID", 0, UINT32_MAX, &v, &has, e);
	o->net_classid = v;
	if (!ret)
		ret = parse_each(net, where, "priorities", sizeof(*o->net_prios),
				 parse_net_prio, NULL, (void **)&o->net_prios,
				 &o->nnet_prios, e);
	return ret;
}

static int parse_resources(const json_t *lin, struct ct_config *c,
			   struct ct_oci *o, struct err *e)
{
	static const char *const ignored[] = { "rdma", "unified", NULL };
	json_t *res;
	int ret;

	ret = get_obj(lin, "linux", "resources", &res, e);
	if (ret || !res)
		return ret;
	ret = parse_dev_rules(res, o, e);
	if (!ret)
		ret = parse_memory(res, c, o, e);
	if (!ret)
		ret = parse_cpu(res, c, o, e);
	if (!ret)
		ret = parse_pids(res, c, e);
	if (!ret)
		ret = parse_blkio(res, o, e);
	if (!ret)
		ret = parse_hugepages(res, o, e);
	if (!ret)
		ret = parse_network(res, o, e);
	if (!ret)
		ret = warn_present(o, res, "linux.resources", ignored, e);
	return ret;
}

/* ---- linux.seccomp ---------------------------------------------------- */

/*
 * "SCMP_ACT_ERRNO" and its errnoRet to a libseccomp action.  ERRNO and
 * TRACE without errnoRet carry EPERM, as in runc.
 */
static int sc_action(const char *name, int has_ret, uint32_t ret, uint32_t *out)
{
	uint32_t r = has_ret ? ret : EPERM;

	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(r);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(r);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return -1;
	return 0;
}

/* @key (an action) and @retkey (its errno) of @obj. */
static int get_action(const json_t *obj, const char *where, const char *key,
		      const char *retkey, uint32_t *out, struct err *e)
{
	char *name = NULL, w[WHERE_LEN];
	long long r = 0;
	int ret, has = 0;

	ret = get_str(obj, where, key, 1, &name, e);
	if (!ret)
		ret = get_int(obj, where, retkey, 0, 0xffff, &r, &has, e);
	at(w, where, key);
	if (!ret && sc_action(name, has, (uint32_t)r, out) < 0)
		ret = bad_name(e, w, "action", name);
	free(name);
	return ret;
}

static const char *const sc_arch_known[] = {
	"X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32",
	"MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390",
	"S390X", "PARISC", "PARISC64", "RISCV64", "LOONGARCH64", "M68K",
	"SH", "SHEB", NULL,
};

/*
 * "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64".  An architecture
 * the spec names but this libseccomp lacks is left out (*out = 0); an
 * unknown name is an error.
 */
static int sc_arch(const char *name, uint32_t *out)
{
	const char *const *k;
	char low[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) || strlen(name + 10) >= sizeof(low))
		return -1;
	for (k = sc_arch_known; *k && strcmp(*k, name + 10); k++)
		;
	if (!*k)
		return -1;
	for (i = 0; name[10 + i]; i++)
		low[i] = (char)tolower((unsigned char)name[10 + i]);
	low[i] = '\0';
	*out = seccomp_arch_resolve_name(low);
	return 0;
}

static int parse_sc_arches(const json_t *s, struct oci_seccomp *sc, struct err *e)
{
	char **names = NULL, **n;
	int ret;

	ret = get_strv(s, "linux.seccomp", "architectures", 0, &names, e);
	if (ret || !names)
		return ret;
	for (n = names; *n; n++)
		;
	sc->arches = calloc(n - names + 1, sizeof(*sc->arches));
	if (!sc->arches)
		ret = nomem(e);
	for (n = names; !ret && *n; n++) {
		uint32_t a = 0;

		if (sc_arch(*n, &a) < 0)
			ret = bad_name(e, "linux.seccomp.architectures", "architecture", *n);
		else if (a)
			sc->arches[sc->narches++] = a;
	}
	strv_free(names);
	return ret;
}

static int parse_sc_flags(const json_t *s, struct oci_seccomp *sc, struct err *e)
{
	char **names = NULL, **n;
	int ret;

	ret = get_strv(s, "linux.seccomp", "flags", 0, &names, e);
	for (n = names; !ret && n && *n; n++) {
		if (!strcmp(*n, "SECCOMP_FILTER_FLAG_TSYNC"))
			sc->flags |= SECCOMP_FILTER_FLAG_TSYNC;
		else if (!strcmp(*n, "SECCOMP_FILTER_FLAG_LOG"))
			sc->flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(*n, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			sc->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else
			ret = bad_name(e, "linux.seccomp.flags", "flag", *n);
	}
	strv_free(names);
	return ret;
}

static const struct {
	const char *name;
	int op;
} sc_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static int parse_sc_arg(const json_t *a, const char *where,
			struct oci_seccomp_arg *arg, struct err *e)
{
	char *op = NULL, w[WHERE_LEN];
	long long idx = 0;
	size_t k;
	int ret;

	if (!json_is_object(a))
		return bad(e, where, "must be an object");
	ret = get_int(a, where, "index", 0, 5, &idx, NULL, e);
	arg->index = (unsigned int)idx;
	if (!ret)
		ret = get_u64(a, where, "value", &arg->value, NULL, e);
	if (!ret)
		ret = get_u64(a, where, "valueTwo", &arg->value_two, &(int){ 0 }, e);
	if (!ret)
		ret = get_str(a, where, "op", 1, &op, e);
	if (ret)
		return ret;
	for (k = 0; k < sizeof(sc_ops) / sizeof(sc_ops[0]); k++)
		if (!strcmp(op, sc_ops[k].name))
			arg->op = sc_ops[k].op;
	at(w, where, "op");
	if (!arg->op)
		ret = bad_name(e, w, "operator", op);
	free(op);
	return ret;
}

static int parse_sc_rule(const json_t *r, const char *where, void *item, void *ctx,
			 struct err *e)
{
	struct oci_seccomp_rule *rule = item;
	char w[WHERE_LEN];
	json_t *args = NULL;
	size_t i, n;
	int ret;

	if (!json_is_object(r))
		return bad(e, where, "must be an object");
	ret = get_strv(r, where, "names", 1, &rule->names, e);
	if (!ret && !rule->names)
		ret = bad_key(e, where, "names", "is required");
	if (!ret)
		ret = get_action(r, where, "action", "errnoRet", &rule->action, e);
	if (!ret)
		ret = get_arr(r, where, "args", &args, e);
	n = json_array_size(args);
	if (ret || !n)
		return ret;
	rule->args = calloc(n, sizeof(*rule->args));
	if (!rule->args)
		return nomem(e);
	rule->nargs = (int)n;
	for (i = 0; !ret && i < n; i++) {
		char wa[WHERE_LEN];

		at(w, where, "args");
		at_idx(wa, w, i);
		ret = parse_sc_arg(json_array_get(args, i), wa, &rule->args[i], e);
	}
	return ret;
}

static int parse_sc_rules(const json_t *s, struct oci_seccomp *sc, struct err *e)
{
	return parse_each(s, "linux.seccomp", "syscalls", sizeof(*sc->rules),
			  parse_sc_rule, NULL, (void **)&sc->rules, &sc->nrules, e);
}

static int parse_seccomp(const json_t *lin, struct ct_oci *o, struct err *e)
{
	const char *where = "linux.seccomp";
	struct oci_seccomp *sc;
	json_t *s;
	int ret;

	ret = get_obj(lin, "linux", "seccomp", &s, e);
	if (ret || !s)
		return ret;
	sc = o->seccomp = calloc(1, sizeof(*sc));
	if (!sc)
		return nomem(e);
	ret = get_action(s, where, "defaultAction", "defaultErrnoRet",
			 &sc->default_action, e);
	if (!ret)
		ret = parse_sc_arches(s, sc, e);
	if (!ret)
		ret = parse_sc_flags(s, sc, e);
	if (!ret)
		ret = get_str(s, where, "listenerPath", 0, &sc->listener_path, e);
	if (!ret)
		ret = parse_sc_rules(s, sc, e);
	return ret;
}

/* ---- linux ------------------------------------------------------------ */

/* Mappings need a user namespace; a new user namespace needs mappings. */
static int check_userns(struct ct_oci *o, struct err *e)
{
	int i;

	for (i = 0; i < o->nns; i++)
		if (o->ns[i].type == CLONE_NEWUSER)
			break;
	if (i == o->nns && (o->nuid_maps || o->ngid_maps))
		return bad(e, "linux.uidMappings", "needs a user namespace in linux.namespaces");
	if (i < o->nns && !o->ns[i].path && (!o->nuid_maps || !o->ngid_maps))
		return bad(e, "linux.namespaces", "a new user namespace needs linux.uidMappings and linux.gidMappings");
	return 0;
}

static int parse_linux_paths(const json_t *lin, struct ct_oci *o, struct err *e)
{
	char *prop = NULL;
	int ret;

	ret = get_strv(lin, "linux", "maskedPaths", 0, &o->masked, e);
	if (!ret)
		ret = get_strv(lin, "linux", "readonlyPaths", 0, &o->readonly, e);
	if (!ret)
		ret = get_str(lin, "linux", "cgroupsPath", 0, &o->cgroups_path, e);
	if (!ret)
		ret = get_str(lin, "linux", "rootfsPropagation", 0, &prop, e);
	if (!ret && prop) {
		o->rootfs_propagation = mount_prop(prop);
		if (!o->rootfs_propagation)
			ret = bad_name(e, "linux.rootfsPropagation", "propagation", prop);
	}
	free(prop);
	return ret;
}

static int parse_linux(const json_t *j, struct ct_config *c, struct ct_oci *o,
		       struct err *e)
{
	static const char *const ignored[] = {
		"timeOffsets", "mountLabel", "personality", "intelRdt",
		"memoryPolicy", "netDevices", NULL,
	};
	json_t *lin;
	int i, ret;

	ret = get_obj(j, "", "linux", &lin, e);
	if (ret || !lin)
		return ret;
	ret = parse_namespaces(lin, o, e);
	if (!ret)
		ret = parse_idmaps(lin, "linux", "uidMappings", &o->uid_maps, &o->nuid_maps, e);
	if (!ret)
		ret = parse_idmaps(lin, "linux", "gidMappings", &o->gid_maps, &o->ngid_maps, e);
	if (!ret)
		ret = check_userns(o, e);
	if (!ret)
		ret = parse_devices(lin, o, e);
	if (!ret)
		ret = parse_resources(lin, c, o, e);
	if (!ret)
		ret = parse_sysctl(lin, o, e);
	if (!ret)
		ret = parse_linux_paths(lin, o, e);
	if (!ret)
		ret = parse_seccomp(lin, o, e);
	if (!ret)
		ret = warn_present(o, lin, "linux", ignored, e);
	for (i = 0; i < o->nuid_maps; i++) {
		if (o->uid_maps[i].container == 0) {
			c->uid_host = o->uid_maps[i].host;
			c->uid_count = o->uid_maps[i].size;
			break;
		}
	}
	return ret;
}

static int has_ns(const struct ct_oci *o, int type)
{
	int i;

	for (i = 0; i < o->nns; i++)
		if (o->ns[i].type == type)
			return 1;
	return 0;
}

/* The namespace a sysctl belongs to (runc's list), 0 for the host-wide ones. */
static int sysctl_ns(const char *key)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	char k[128];
	size_t i;

	/* "net/ipv4/ip_forward" is written with slashes too */
	snprintf(k, sizeof(k), "%s", key);
	for (i = 0; k[i]; i++)
		if (k[i] == '/')
			k[i] = '.';
	for (i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (!strcmp(k, ipc[i]))
			return CLONE_NEWIPC;
	if (!strncmp(k, "fs.mqueue.", 10))
		return CLONE_NEWIPC;
	if (!strncmp(k, "net.", 4))
		return CLONE_NEWNET;
	if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname"))
		return CLONE_NEWUTS;
	return 0;
}

/*
 * What the container would change outside itself without a namespace of
 * its own: the host's hostname, a host-wide sysctl.  Refused, as runc
 * does (a namespace joined by path is the container's to change).
 */
static int check_ns_needs(const struct ct_config *c, const struct ct_oci *o,
			  struct err *e)
{
	char where[WHERE_LEN], key[CLIP_LEN + 1];
	int i, ns;

	if (c->hostname && !has_ns(o, CLONE_NEWUTS))
		return bad(e, "hostname", "needs a UTS namespace in linux.namespaces");
	if (o->domainname && !has_ns(o, CLONE_NEWUTS))
		return bad(e, "domainname", "needs a UTS namespace in linux.namespaces");
	for (i = 0; i < o->nsysctl; i++) {
		snprintf(where, sizeof(where), "linux.sysctl.%s", clip(key, o->sysctl[i].key));
		ns = sysctl_ns(o->sysctl[i].key);
		if (!ns)
			return bad(e, where, "not in a namespace of the container: refused");
		if (!has_ns(o, ns))
			return bad(e, where, ns == CLONE_NEWNET ?
				   "needs a network namespace in linux.namespaces" :
				   ns == CLONE_NEWIPC ? "needs an IPC namespace in linux.namespaces" :
				   "needs a UTS namespace in linux.namespaces");
	}
	return 0;
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
	ret = get_str(j, "", "ociVersion", 1, &o->oci_version, e);
	if (!ret)
		ret = parse_root(j, c, o, e);
	if (!ret)
		ret = get_str(j, "", "hostname", 0, &c->hostname, e);
	if (!ret)
		ret = get_str(j, "", "domainname", 0, &o->domainname, e);
	if (!ret)
		ret = parse_mounts(j, o, e);
	if (!ret)
		ret = parse_process(j, c, o, e);
	if (!ret)
		ret = parse_linux(j, c, o, e);
	if (!ret)
		ret = check_idmap_mounts(o, e);
	if (!ret)
		ret = check_ns_needs(c, o, e);
	if (!ret)
		ret = parse_hooks(j, o, e);
	if (!ret)
		ret = parse_annotations(j, o, e);
	if (!ret)
		ret = warn_present(o, j, "", ignored, e);
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
		return nomem(e);
	o->umask = 0022;
	o->memory_reservation = -1;
	o->memory_swap = -1;
	o->memory_kernel = -1;
	o->memory_kernel_tcp = -1;
	o->memory_swappiness = -1;
	o->net_classid = -1;
	o->bundle = bundle_abs(bundle);
	c->env = calloc(1, sizeof(char *));
	wide = widen_u64(json, len, &wlen);
	if (!o->bundle || !c->env || !wide) {
		free(wide);
		ct_config_free(c);
		return nomem(e);
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
		strv_free(s->rules[i].names);
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
	strv_free(o->masked);
	strv_free(o->readonly);
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
			strv_free(o->hooks[k][i].args);
			strv_free(o->hooks[k][i].env);
		}
		free(o->hooks[k]);
	}
	free(o->annotations_json);
	strv_free(o->warnings);
	memset(o, 0, sizeof(*o));
}

/* ---- the default config.json ------------------------------------------ */

static json_t *default_process(void)
{
	json_t *caps = json_pack("[s,s,s]", "CAP_AUDIT_WRITE", "CAP_KILL",
				 "CAP_NET_BIND_SERVICE");
	json_t *p;

	p = json_pack("{s:b,s:{s:i,s:i},s:[s],s:[s,s],s:s,"
			 "s:{s:O,s:O,s:O},s:[{s:s,s:i,s:i}],s:b}",
			 "terminal", 1,
			 "user", "uid", 0, "gid", 0,
			 "args", "sh",
			 "env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "TERM=xterm",
			 "cwd", "/",
			 "capabilities", "bounding", caps, "effective", caps,
			 "permitted", caps,
			 "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
			 "noNewPrivileges", 1);
	json_decref(caps);
	return p;
}

static json_t *default_mount(const char *dst, const char *type, const char *src,
			     const char *opts)
{
	json_t *m = json_pack("{s:s,s:s,s:s}", "destination", dst, "type", type,
			      "source", src);
	json_t *a = json_array();
	char *copy = opts ? strdup(opts) : NULL, *tok, *save;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	free(copy);
	if (m && opts)
		json_object_set_new(m, "options", a);
	else
		json_decref(a);
	return m;
}

/*
 * runc's Example() and, when @rootless, ToRootless(): /sys becomes a
 * read-only rbind and uid=/gid= options go (a single-id user namespace
 * has no gid 5).
 */
static json_t *default_mounts(int rootless)
{
	json_t *a = json_array();

	json_array_append_new(a, default_mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, default_mount("/dev", "tmpfs", "tmpfs",
					       "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(a, default_mount("/dev/pts", "devpts", "devpts",
					       rootless ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620" :
					       "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(a, default_mount("/dev/shm", "tmpfs", "shm",
					       "nosuid,noexec,nodev,mode=1777,size=65536k"));
	json_array_append_new(a, default_mount("/dev/mqueue", "mqueue", "mqueue",
					       "nosuid,noexec,nodev"));
	if (rootless)
		json_array_append_new(a, default_mount("/sys", "none", "/sys",
						       "rbind,nosuid,noexec,nodev,ro"));
	else
		json_array_append_new(a, default_mount("/sys", "sysfs", "sysfs",
						       "nosuid,noexec,nodev,ro"));
	json_array_append_new(a, default_mount("/sys/fs/cgroup", "cgroup", "cgroup",
					       "nosuid,noexec,nodev,relatime,ro"));
	return a;
}

static int cgroup2_unified(void)
{
	struct statfs st;

	return statfs("/sys/fs/cgroup", &st) == 0 &&
	       (unsigned long)st.f_type == CGROUP2_SUPER_MAGIC;
}

static json_t *default_linux(int rootless)
{
	static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", NULL };
	static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", NULL };
	const char *const *n;
	json_t *lin, *ns = json_array();

	for (n = rootless ? ns_rootless : ns_root; *n; n++)
		json_array_append_new(ns, json_pack("{s:s}", "type", *n));
	if (cgroup2_unified())
		json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
	lin = json_pack("{s:[s,s,s,s,s,s,s,s,s,s,s],s:[s,s,s,s,s],s:o}",
			"maskedPaths", "/proc/acpi", "/proc/asound", "/proc/kcore",
			"/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			"/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
			"/proc/scsi", "/sys/devices/virtual/tpm",
			"readonlyPaths", "/proc/bus", "/proc/fs", "/proc/irq",
			"/proc/sys", "/proc/sysrq-trigger",
			"namespaces", ns);
	if (!lin)
		return NULL;
	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		json_object_set_new(lin, "uidMappings",
				    json_pack("[{s:i,s:I,s:i}]", "containerID", 0,
					      "hostID", (json_int_t)geteuid(), "size", 1));
		json_object_set_new(lin, "gidMappings",
				    json_pack("[{s:i,s:I,s:i}]", "containerID", 0,
					      "hostID", (json_int_t)getegid(), "size", 1));
	} else {
		json_object_set_new(lin, "resources",
				    json_pack("{s:[{s:b,s:s}]}", "devices", "allow", 0,
					      "access", "rwm"));
	}
	return lin;
}

char *oci_spec_default(int rootless)
{
	json_t *j;
	char *s;

	j = json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o,s:o}",
		      "ociVersion", "1.1.0",
		      "process", default_process(),
		      "root", "path", "rootfs", "readonly", 1,
		      "hostname", "strata",
		      "mounts", default_mounts(rootless),
		      "linux", default_linux(rootless));
	if (!j)
		return NULL;
	s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	return s;
}
