/*
 * oci_spec_linux -- the "linux" object of config.json (config-linux.md):
 * namespaces, id mappings, devices, sysctl, cgroup resources, seccomp,
 * masked and read-only paths; and the checks that need a namespace for
 * what the config asks (a hostname needs a UTS namespace...).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "ct/oci_json.h"
#include "ct/oci_spec_parts.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

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
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(n, where, "type", 1, &type, e);
	if (ret)
		return ret;
	for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
		if (!strcmp(type, ns_types[k].name))
			ns->type = ns_types[k].flag;
	if (!ns->type)
		ret = oj_bad_name(e, "linux.namespaces", "namespace type", type);
	for (k = 0; !ret && k < (size_t)i; k++)
		if (o->ns[k].type == ns->type)
			ret = err_msg(e, -EINVAL, "config.json: linux.namespaces: duplicate namespace type '%s'",
				      type);
	free(type);
	if (!ret)
		ret = oj_get_str(n, where, "path", 0, &ns->path, e);
	if (!ret && ns->path && ns->path[0] != '/')
		ret = oj_bad_key(e, where, "path", "must be an absolute path");
	return ret;
}

static int parse_namespaces(const json_t *lin, struct ct_oci *o, struct err *e)
{
	return oj_each(lin, "linux", "namespaces", sizeof(*o->ns), parse_ns, o,
		       (void **)&o->ns, &o->nns, e);
}

/* A one-letter string from @allowed at @key; @def when absent. */
static int get_type(const json_t *obj, const char *where, const char *key,
		    const char *allowed, char def, char *out, struct err *e)
{
	json_t *v = oj_field(obj, key);
	const char *s = oj_jstr(v);
	char w[WHERE_LEN], msg[64];

	*out = def;
	if (!v && def)
		return 0;
	if (!v)
		return oj_bad_key(e, where, key, "is required");
	oj_at(w, where, key);
	if (!s || strlen(s) != 1 || !strchr(allowed, s[0])) {
		snprintf(msg, sizeof(msg), "must be one of \"%s\" (one letter)", allowed);
		return oj_bad(e, w, msg);
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
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(d, where, "path", 1, &dev->path, e);
	if (!ret && dev->path[0] != '/')
		ret = oj_bad_key(e, where, "path", "must be an absolute path");
	if (!ret)
		ret = get_type(d, where, "type", "cbup", 0, &dev->type, e);
	/* a fifo has no numbers; the others need both */
	need = dev->type == 'p' ? &fifo_has : NULL;
	v = 0;
	if (!ret)
		ret = oj_get_int(d, where, "major", LLONG_MIN, LLONG_MAX, &v, need, e);
	dev->major = v;
	v = 0;
	if (!ret)
		ret = oj_get_int(d, where, "minor", LLONG_MIN, LLONG_MAX, &v, need, e);
	dev->minor = v;
	if (!ret)
		ret = oj_get_u32(d, where, "fileMode", &dev->mode, &has_mode, e);
	dev->mode = has_mode ? dev->mode & 07777 : 0666;
	if (!ret)
		ret = oj_get_u32(d, where, "uid", &dev->uid, &(int){ 0 }, e);
	if (!ret)
		ret = oj_get_u32(d, where, "gid", &dev->gid, &(int){ 0 }, e);
	return ret;
}

static int parse_devices(const json_t *lin, struct ct_oci *o, struct err *e)
{
	return oj_each(lin, "linux", "devices", sizeof(*o->devices), parse_device,
		       NULL, (void **)&o->devices, &o->ndevices, e);
}

static int parse_sysctl(const json_t *lin, struct ct_oci *o, struct err *e)
{
	const char *key;
	json_t *s, *v;
	int ret;

	ret = oj_get_obj(lin, "linux", "sysctl", &s, e);
	if (ret || !s || !json_object_size(s))
		return ret;
	o->sysctl = calloc(json_object_size(s), sizeof(*o->sysctl));
	if (!o->sysctl)
		return oj_nomem(e);
	json_object_foreach(s, key, v) {
		struct oci_sysctl *sc = &o->sysctl[o->nsysctl];
		char c[CLIP_LEN + 1];

		if (!*key)
			return oj_bad(e, "linux.sysctl", "keys must not be empty");
		if (!oj_jstr(v))
			return err_msg(e, -EINVAL, "config.json: linux.sysctl.%s: must be a string",
				       oj_clip(c, key));
		sc->key = strdup(key);
		sc->value = strdup(oj_jstr(v));
		o->nsysctl++;
		if (!sc->key || !sc->value)
			return oj_nomem(e);
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
		return oj_bad(e, where, "must be an object");
	r->allow = -1;
	ret = oj_get_bool(d, where, "allow", &r->allow, e);
	if (!ret && r->allow < 0)
		ret = oj_bad_key(e, where, "allow", "is required");
	if (!ret)
		ret = get_type(d, where, "type", "acb", 'a', &r->type, e);
	v = -1;
	if (!ret)
		ret = oj_get_int(d, where, "major", -1, LLONG_MAX, &v, &has, e);
	r->major = v;
	v = -1;
	if (!ret)
		ret = oj_get_int(d, where, "minor", -1, LLONG_MAX, &v, &has, e);
	r->minor = v;
	if (!ret)
		ret = oj_get_str(d, where, "access", 0, &access, e);
	if (!ret && access && (strlen(access) > 3 || strspn(access, "rwm") != strlen(access)))
		ret = oj_bad_key(e, where, "access", "must be a subset of \"rwm\"");
	if (!ret)
		snprintf(r->access, sizeof(r->access), "%s", access && *access ? access : "rwm");
	free(access);
	return ret;
}

static int parse_dev_rules(const json_t *res, struct ct_oci *o, struct err *e)
{
	return oj_each(res, "linux.resources", "devices", sizeof(*o->dev_rules),
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

	ret = oj_get_obj(res, "linux.resources", "memory", &m, e);
	if (ret || !m)
		return ret;
	ret = oj_get_int(m, where, "limit", LLONG_MIN, LLONG_MAX, &limit, &has, e);
	c->limits.memory = limit > 0 ? (uint64_t)limit : 0;
	v = -1;
	if (!ret)
		ret = oj_get_int(m, where, "reservation", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_reservation = v;
	v = -1;
	if (!ret)
		ret = oj_get_int(m, where, "swap", LLONG_MIN, LLONG_MAX, &v,
				 &o->has_memory_swap, e);
	o->memory_swap = v;
	v = -1;
	if (!ret)
		ret = oj_get_int(m, where, "kernel", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_kernel = v;
	v = -1;
	if (!ret)
		ret = oj_get_int(m, where, "kernelTCP", LLONG_MIN, LLONG_MAX, &v, &has, e);
	o->memory_kernel_tcp = v;
	v = -1;
	if (!ret)
		ret = oj_get_int(m, where, "swappiness", 0, 100, &v, &has, e);
	o->memory_swappiness = v;
	if (!ret)
		ret = oj_get_bool(m, where, "disableOOMKiller", &o->disable_oom_killer, e);
	if (!ret)
		ret = oj_warn_present(o, m, where, ignored, e);
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

	ret = oj_get_obj(res, "linux.resources", "cpu", &cpu, e);
	if (ret || !cpu)
		return ret;
	ret = oj_get_u64(cpu, where, "shares", &c->limits.cpu_shares, &has, e);
	if (!ret)
		ret = oj_get_u64(cpu, where, "period", &o->cpu_period, &has, e);
	if (!ret)
		ret = oj_get_int(cpu, where, "quota", LLONG_MIN, LLONG_MAX, &quota, &has, e);
	o->cpu_quota = quota;
	if (quota > 0)
		c->limits.cpus = (double)quota / (double)(o->cpu_period ? o->cpu_period : 100000);
	if (!ret)
		ret = oj_get_int(cpu, where, "realtimeRuntime", LLONG_MIN, LLONG_MAX,
				 &rt, &o->has_cpu_rt_runtime, e);
	o->cpu_rt_runtime = rt;
	if (!ret)
		ret = oj_get_u64(cpu, where, "realtimePeriod", &o->cpu_rt_period, &has, e);
	if (!ret)
		ret = oj_get_str(cpu, where, "cpus", 0, &o->cpuset_cpus, e);
	if (!ret)
		ret = oj_get_str(cpu, where, "mems", 0, &o->cpuset_mems, e);
	if (!ret)
		ret = oj_warn_present(o, cpu, where, ignored, e);
	return ret;
}

/* Append one entry to blockIO list @k. */
static int blkio_add(struct ct_oci *o, enum oci_blkio_kind k, int64_t major,
		     int64_t minor, uint64_t value, struct err *e)
{
	struct oci_blkio_dev *nv;

	nv = realloc(o->blkio_dev[k], (o->nblkio_dev[k] + 1) * sizeof(*nv));
	if (!nv)
		return oj_nomem(e);
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

	oj_at(base, "linux.resources.blockIO", key);
	ret = oj_get_arr(b, "linux.resources.blockIO", key, &a, e);
	for (i = 0; !ret && i < json_array_size(a); i++) {
		d = json_array_get(a, i);
		oj_at_idx(w, base, i);
		if (!json_is_object(d))
			return oj_bad(e, w, "must be an object");
		ret = oj_get_int(d, w, "major", 0, LLONG_MAX, &major, NULL, e);
		if (!ret)
			ret = oj_get_int(d, w, "minor", 0, LLONG_MAX, &minor, NULL, e);
		if (ret)
			break;
		if (k != OCI_BLKIO_WEIGHT) {
			uint64_t rate;

			ret = oj_get_u64(d, w, "rate", &rate, NULL, e);
			if (!ret)
				ret = blkio_add(o, k, major, minor, rate, e);
			continue;
		}
		ret = oj_get_int(d, w, "weight", 0, 1000, &v, &has, e);
		if (!ret && has)
			ret = blkio_add(o, OCI_BLKIO_WEIGHT, major, minor, (uint64_t)v, e);
		if (!ret)
			ret = oj_get_int(d, w, "leafWeight", 0, 1000, &v, &has, e);
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

	ret = oj_get_obj(res, "linux.resources", "blockIO", &b, e);
	if (ret || !b)
		return ret;
	ret = oj_get_int(b, where, "weight", 0, 1000, &v, &has, e);
	o->blkio_weight = (uint16_t)v;
	v = 0;
	if (!ret)
		ret = oj_get_int(b, where, "leafWeight", 0, 1000, &v, &has, e);
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

	ret = oj_get_obj(res, "linux.resources", "pids", &p, e);
	if (!ret && p)
		ret = oj_get_int(p, "linux.resources.pids", "limit", LLONG_MIN,
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
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(h, where, "pageSize", 1, &hp->page_size, e);
	if (!ret && (strchr(hp->page_size, '/') || !hp->page_size[0]))
		ret = oj_bad_key(e, where, "pageSize", "must be a size like \"2MB\"");
	if (!ret)
		ret = oj_get_u64(h, where, "limit", &hp->limit, NULL, e);
	return ret;
}

static int parse_hugepages(const json_t *res, struct ct_oci *o, struct err *e)
{
	return oj_each(res, "linux.resources", "hugepageLimits",
		       sizeof(*o->hugepages), parse_hugepage, NULL,
		       (void **)&o->hugepages, &o->nhugepages, e);
}

static int parse_net_prio(const json_t *p, const char *where, void *item,
			  void *ctx, struct err *e)
{
	struct oci_net_prio *np = item;
	int ret;

	if (!json_is_object(p))
		return oj_bad(e, where, "must be an object");
	ret = oj_get_str(p, where, "name", 1, &np->name, e);
	if (!ret && (!np->name[0] || strpbrk(np->name, " \n/")))
		ret = oj_bad_key(e, where, "name", "must be an interface name");
	if (!ret)
		ret = oj_get_u32(p, where, "priority", &np->priority, NULL, e);
	return ret;
}

static int parse_network(const json_t *res, struct ct_oci *o, struct err *e)
{
	const char *where = "linux.resources.network";
	long long v = -1;
	json_t *net;
	int ret, has;

	ret = oj_get_obj(res, "linux.resources", "network", &net, e);
	if (ret || !net)
		return ret;
	ret = oj_get_int(net, where, "classID", 0, UINT32_MAX, &v, &has, e);
	o->net_classid = v;
	if (!ret)
		ret = oj_each(net, where, "priorities", sizeof(*o->net_prios),
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

	ret = oj_get_obj(lin, "linux", "resources", &res, e);
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
		ret = oj_warn_present(o, res, "linux.resources", ignored, e);
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

	ret = oj_get_str(obj, where, key, 1, &name, e);
	if (!ret)
		ret = oj_get_int(obj, where, retkey, 0, 0xffff, &r, &has, e);
	oj_at(w, where, key);
	if (!ret && sc_action(name, has, (uint32_t)r, out) < 0)
		ret = oj_bad_name(e, w, "action", name);
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

	ret = oj_get_strv(s, "linux.seccomp", "architectures", 0, &names, e);
	if (ret || !names)
		return ret;
	for (n = names; *n; n++)
		;
	sc->arches = calloc(n - names + 1, sizeof(*sc->arches));
	if (!sc->arches)
		ret = oj_nomem(e);
	for (n = names; !ret && *n; n++) {
		uint32_t a = 0;

		if (sc_arch(*n, &a) < 0)
			ret = oj_bad_name(e, "linux.seccomp.architectures", "architecture", *n);
		else if (a)
			sc->arches[sc->narches++] = a;
	}
	oj_strv_free(names);
	return ret;
}

static int parse_sc_flags(const json_t *s, struct oci_seccomp *sc, struct err *e)
{
	char **names = NULL, **n;
	int ret;

	ret = oj_get_strv(s, "linux.seccomp", "flags", 0, &names, e);
	for (n = names; !ret && n && *n; n++) {
		if (!strcmp(*n, "SECCOMP_FILTER_FLAG_TSYNC"))
			sc->flags |= SECCOMP_FILTER_FLAG_TSYNC;
		else if (!strcmp(*n, "SECCOMP_FILTER_FLAG_LOG"))
			sc->flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(*n, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			sc->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else
			ret = oj_bad_name(e, "linux.seccomp.flags", "flag", *n);
	}
	oj_strv_free(names);
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
		return oj_bad(e, where, "must be an object");
	ret = oj_get_int(a, where, "index", 0, 5, &idx, NULL, e);
	arg->index = (unsigned int)idx;
	if (!ret)
		ret = oj_get_u64(a, where, "value", &arg->value, NULL, e);
	if (!ret)
		ret = oj_get_u64(a, where, "valueTwo", &arg->value_two, &(int){ 0 }, e);
	if (!ret)
		ret = oj_get_str(a, where, "op", 1, &op, e);
	if (ret)
		return ret;
	for (k = 0; k < sizeof(sc_ops) / sizeof(sc_ops[0]); k++)
		if (!strcmp(op, sc_ops[k].name))
			arg->op = sc_ops[k].op;
	oj_at(w, where, "op");
	if (!arg->op)
		ret = oj_bad_name(e, w, "operator", op);
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
		return oj_bad(e, where, "must be an object");
	ret = oj_get_strv(r, where, "names", 1, &rule->names, e);
	if (!ret && !rule->names)
		ret = oj_bad_key(e, where, "names", "is required");
	if (!ret)
		ret = get_action(r, where, "action", "errnoRet", &rule->action, e);
	if (!ret)
		ret = oj_get_arr(r, where, "args", &args, e);
	n = json_array_size(args);
	if (ret || !n)
		return ret;
	rule->args = calloc(n, sizeof(*rule->args));
	if (!rule->args)
		return oj_nomem(e);
	rule->nargs = (int)n;
	for (i = 0; !ret && i < n; i++) {
		char wa[WHERE_LEN];

		oj_at(w, where, "args");
		oj_at_idx(wa, w, i);
		ret = parse_sc_arg(json_array_get(args, i), wa, &rule->args[i], e);
	}
	return ret;
}

static int parse_sc_rules(const json_t *s, struct oci_seccomp *sc, struct err *e)
{
	return oj_each(s, "linux.seccomp", "syscalls", sizeof(*sc->rules),
		       parse_sc_rule, NULL, (void **)&sc->rules, &sc->nrules, e);
}

static int parse_seccomp(const json_t *lin, struct ct_oci *o, struct err *e)
{
	const char *where = "linux.seccomp";
	struct oci_seccomp *sc;
	json_t *s;
	int ret;

	ret = oj_get_obj(lin, "linux", "seccomp", &s, e);
	if (ret || !s)
		return ret;
	sc = o->seccomp = calloc(1, sizeof(*sc));
	if (!sc)
		return oj_nomem(e);
	ret = get_action(s, where, "defaultAction", "defaultErrnoRet",
			 &sc->default_action, e);
	if (!ret)
		ret = parse_sc_arches(s, sc, e);
	if (!ret)
		ret = parse_sc_flags(s, sc, e);
	if (!ret)
		ret = oj_get_str(s, where, "listenerPath", 0, &sc->listener_path, e);
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
		return oj_bad(e, "linux.uidMappings", "needs a user namespace in linux.namespaces");
	if (i < o->nns && !o->ns[i].path && (!o->nuid_maps || !o->ngid_maps))
		return oj_bad(e, "linux.namespaces", "a new user namespace needs linux.uidMappings and linux.gidMappings");
	return 0;
}

static int parse_linux_paths(const json_t *lin, struct ct_oci *o, struct err *e)
{
	char *prop = NULL;
	int ret;

	ret = oj_get_strv(lin, "linux", "maskedPaths", 0, &o->masked, e);
	if (!ret)
		ret = oj_get_strv(lin, "linux", "readonlyPaths", 0, &o->readonly, e);
	if (!ret)
		ret = oj_get_str(lin, "linux", "cgroupsPath", 0, &o->cgroups_path, e);
	if (!ret)
		ret = oj_get_str(lin, "linux", "rootfsPropagation", 0, &prop, e);
	if (!ret && prop) {
		o->rootfs_propagation = oci_mount_prop(prop);
		if (!o->rootfs_propagation)
			ret = oj_bad_name(e, "linux.rootfsPropagation", "propagation", prop);
	}
	free(prop);
	return ret;
}

int oci_parse_linux(const json_t *j, struct ct_config *c, struct ct_oci *o,
		    struct err *e)
{
	static const char *const ignored[] = {
		"timeOffsets", "mountLabel", "personality", "intelRdt",
		"memoryPolicy", "netDevices", NULL,
	};
	json_t *lin;
	int i, ret;

	ret = oj_get_obj(j, "", "linux", &lin, e);
	if (ret || !lin)
		return ret;
	ret = parse_namespaces(lin, o, e);
	if (!ret)
		ret = oci_parse_idmaps(lin, "linux", "uidMappings", &o->uid_maps, &o->nuid_maps, e);
	if (!ret)
		ret = oci_parse_idmaps(lin, "linux", "gidMappings", &o->gid_maps, &o->ngid_maps, e);
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
		ret = oj_warn_present(o, lin, "linux", ignored, e);
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
int oci_check_ns_needs(const struct ct_config *c, const struct ct_oci *o,
		       struct err *e)
{
	char where[WHERE_LEN], key[CLIP_LEN + 1];
	int i, ns;

	if (c->hostname && !has_ns(o, CLONE_NEWUTS))
		return oj_bad(e, "hostname", "needs a UTS namespace in linux.namespaces");
	if (o->domainname && !has_ns(o, CLONE_NEWUTS))
		return oj_bad(e, "domainname", "needs a UTS namespace in linux.namespaces");
	for (i = 0; i < o->nsysctl; i++) {
		snprintf(where, sizeof(where), "linux.sysctl.%s", oj_clip(key, o->sysctl[i].key));
		ns = sysctl_ns(o->sysctl[i].key);
		if (!ns)
			return oj_bad(e, where, "not in a namespace of the container: refused");
		if (!has_ns(o, ns))
			return oj_bad(e, where, ns == CLONE_NEWNET ?
				      "needs a network namespace in linux.namespaces" :
				      ns == CLONE_NEWIPC ? "needs an IPC namespace in linux.namespaces" :
				      "needs a UTS namespace in linux.namespaces");
	}
	return 0;
}
