/*
 * cli -- `strata ct ...`: parses the command line, calls the container
 * layer, prints.  Nothing here does container work itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/config.h"
#include "ct/ct.h"
#include "ct/exec.h"
#include "ct/gc.h"
#include "ct/network.h"
#include "ct/runtime.h"
#include "ct/store.h"
#include "ct/template.h"
#include "lib/fs.h"
#include "lib/jsonf.h"
#include "lib/opt.h"
#include "lib/parse.h"

/* Exit codes, as podman and docker use them. */
#define EXIT_STRATA 125		/* strata itself failed */

static int fail(struct err *e)
{
	err_print(e);
	return e->code == -EINVAL && !strncmp(e->msg, "usage", 5) ? 2 : EXIT_STRATA;
}

static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "strata: ct %s: %s (see strata ct %s --help)\n", cmd, msg, cmd);
	return 2;
}

/* ---- create / run ------------------------------------------------- */

struct create_args {
	const char *name, *template, *rootfs, *net, *ip, *hostname;
	const char *memory, *cpus, *cpu_shares, *pids, *user_map, *workdir;
	struct strlist vols, env;
	int rm, interactive, tty, detach, nat, help;
};

#define CREATE_OPTS(a)							\
	{ "template", 0, OPT_STR, &(a).template, "T", "start from template T (default busybox)" }, \
	{ "rootfs", 0, OPT_STR, &(a).rootfs, "DIR", "use DIR as the root file system, in place" }, \
	{ "net", 0, OPT_STR, &(a).net, "NAME", "network to join (default strata0; 'none': loopback only)" }, \
	{ "ip", 0, OPT_STR, &(a).ip, "ADDR", "address in the network's subnet (default: next free)" }, \
	{ "nat", 0, OPT_FLAG, &(a).nat, NULL, "masquerade the network's traffic to the outside" }, \
	{ "hostname", 0, OPT_STR, &(a).hostname, "H", "host name inside (default: the container name)" }, \
	{ "memory", 'm', OPT_STR, &(a).memory, "SIZE", "memory limit, e.g. 64M (OOM kills inside only)" }, \
	{ "cpus", 0, OPT_STR, &(a).cpus, "N.N", "CPU quota in CPUs, e.g. 0.5" }, \
	{ "cpu-shares", 0, OPT_STR, &(a).cpu_shares, "N", "relative CPU weight (2..262144)" }, \
	{ "pids", 0, OPT_STR, &(a).pids, "N", "most processes at once" }, \
	{ "user-map", 0, OPT_STR, &(a).user_map, "HOSTUID:COUNT", "container uid 0 is HOSTUID (default 100000:65536)" }, \
	{ "volume", 'v', OPT_LIST, &(a).vols, "SRC:DST[:ro]", "bind a host path into the container" }, \
	{ "env", 'e', OPT_LIST, &(a).env, "K=V", "set an environment variable" }, \
	{ "workdir", 'w', OPT_STR, &(a).workdir, "DIR", "working directory of the command" }, \
	{ "interactive", 'i', OPT_FLAG, &(a).interactive, NULL, "keep stdin open (implied by -t)" }, \
	{ "tty", 't', OPT_FLAG, &(a).tty, NULL, "give the command a terminal" }, \
	{ "help", 'h', OPT_FLAG, &(a).help, NULL, "show this help" }

static void create_args_free(struct create_args *a)
{
	strlist_free(&a->vols);
	strlist_free(&a->env);
}

static int parse_user_map(const char *s, struct ct_config *c, struct err *e)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	char host[32];
	uint64_t h, n;
	struct err sub;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return err_msg(e, -EINVAL, "bad --user-map '%s': expected HOSTUID:COUNT", s);
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (parse_u64(host, 1, 0xfffffffeu, &h, &sub) < 0 ||
	    parse_u64(colon + 1, 1, 0xffffffffu - h, &n, &sub) < 0)
		return err_msg(e, -EINVAL, "bad --user-map '%s': %s", s, sub.msg);
	c->uid_host = (uint32_t)h;
	c->uid_count = (uint32_t)n;
	return 0;
}

static int parse_limits(const struct create_args *a, struct ct_limits *l,
			struct err *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ret = 0;

	if (a->memory) {
		ret = parse_size(a->memory, &l->memory, e);
		if (ret == 0 && l->memory < (6u << 20))
			ret = err_msg(e, -ERANGE, "memory limit %s is below the minimum of 6M",
				      a->memory);
	}
	if (ret == 0 && a->cpus)
		ret = parse_cpus(a->cpus, ncpu > 0 ? (double)ncpu : 1.0, &l->cpus, e);
	if (ret == 0 && a->cpu_shares)
		ret = parse_u64(a->cpu_shares, 2, 262144, &l->cpu_shares, e);
	if (ret == 0 && a->pids)
		ret = parse_u64(a->pids, 1, 4194304, &l->pids, e);
	return ret;
}

static int parse_volume(const char *s, struct ct_volume *v, struct err *e)
{
	char *copy = strdup(s), *dst, *mode;
	struct stat st;

	dst = strchr(copy, ':');
	if (!dst) {
		free(copy);
		return err_msg(e, -EINVAL, "bad volume '%s': expected SRC:DST[:ro]", s);
	}
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (copy[0] != '/' || dst[0] != '/' || (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))) {
		free(copy);
		return err_msg(e, -EINVAL,
			       "bad volume '%s': paths must be absolute, mode ro or rw", s);
	}
	if (stat(copy, &st) < 0) {
		int ret = err_set(e, -errno, "volume %s", copy);

		free(copy);
		return ret;
	}
	v->src = strdup(copy);
	v->dst = strdup(dst);
	v->ro = mode && !strcmp(mode, "ro");
	free(copy);
	return 0;
}

static char **strv_dup(const char *const *v, int n)
{
	char **out = calloc(n + 1, sizeof(char *));
	int i;

	for (i = 0; out && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

/* Flags -> ct_config, everything that can be checked without the lock. */
static int build_config(const struct create_args *a, char **cmd, int ncmd,
			struct ct_config *c, struct err *e)
{
	static const char *const shell[] = { "/bin/sh" };
	struct stat st;
	int i, ret;

	memset(c, 0, sizeof(*c));
	ct_config_new_id(c);
	if (a->name)
		c->name = strdup(a->name);
	else if (asprintf(&c->name, "ct-%.6s", c->id) < 0)
		c->name = NULL;
	ret = parse_name(c->name, CT_NAME_MAX, "container", e);
	if (ret < 0)
		return ret;
	if (a->template && a->rootfs)
		return err_msg(e, -EINVAL, "--template and --rootfs exclude each other");
	if (a->rootfs) {
		if (stat(a->rootfs, &st) < 0)
			return err_set(e, -errno, "rootfs %s", a->rootfs);
		if (!S_ISDIR(st.st_mode))
			return err_msg(e, -ENOTDIR, "rootfs %s: not a folder", a->rootfs);
		c->rootfs = realpath(a->rootfs, NULL);
	} else {
		c->template = strdup(a->template ? a->template : CT_DEFAULT_TEMPLATE);
	}
	if (a->hostname && (ret = parse_name(a->hostname, 63, "host", e)) < 0)
		return ret;
	c->hostname = a->hostname ? strdup(a->hostname) : NULL;
	c->cwd = a->workdir ? strdup(a->workdir) : NULL;
	if (c->cwd && c->cwd[0] != '/')
		return err_msg(e, -EINVAL, "--workdir %s: must be an absolute path", c->cwd);
	ret = parse_limits(a, &c->limits, e);
	if (ret < 0)
		return ret;
	c->uid_host = CT_DEFAULT_UID_BASE;
	c->uid_count = CT_DEFAULT_UID_COUNT;
	if (a->user_map && (ret = parse_user_map(a->user_map, c, e)) < 0)
		return ret;
	c->vols = calloc(a->vols.n + 1, sizeof(*c->vols));
	for (i = 0; i < a->vols.n; i++, c->nvols++)
		if ((ret = parse_volume(a->vols.v[i], &c->vols[i], e)) < 0)
			return ret;
	for (i = 0; i < a->env.n; i++)
		if (!strchr(a->env.v[i], '=') || a->env.v[i][0] == '=')
			return err_msg(e, -EINVAL, "bad --env '%s': expected K=V", a->env.v[i]);
	c->env = strv_dup(a->env.v, a->env.n);
	c->argv = ncmd ? strv_dup((const char *const *)cmd, ncmd) : strv_dup(shell, 1);
	c->tty = a->tty && isatty(0);
	c->autoremove = a->rm;
	if (a->net && !strcmp(a->net, "none")) {
		if (a->ip)
			return err_msg(e, -EINVAL, "--ip needs a network (not --net none)");
		return 0;
	}
	c->net = strdup(a->net ? a->net : NETWORK_DEFAULT);
	return 0;
}

/* Under the lock: the name is free, the template exists, the address is
 * free; then the container's folder is made. */
/* --nat turns NAT on for the container's network, for good: it is the
 * network's property (the bridge's masquerade rule), not the container's. */
static int network_enable_nat(struct net_def *d, struct err *e)
{
	if (d->nat)
		return 0;
	d->nat = 1;
	return network_save(d, e);
}

static int create_locked(struct ct_config *c, const char *want_ip, int nat,
			 pid_t owner, struct err *e)
{
	char path[PATH_LEN];
	uint32_t want = 0, *used = NULL;
	struct net_def d;
	int nused = 0, ret;

	if (store_exists(c->name))
		return err_msg(e, -EEXIST, "container %s already exists", c->name);
	if (c->template && (ret = template_rootfs(c->template, path, e)) < 0)
		return ret;
	if (!c->net)
		return nat ? err_msg(e, -EINVAL, "--nat needs a network (not --net none)") :
			     store_create(c, owner, e);
	ret = network_load(c->net, &d, e);
	if (ret < 0)
		return ret;
	if (nat && (ret = network_enable_nat(&d, e)) < 0)
		return ret;
	if (want_ip && (ret = parse_ipv4(want_ip, &want, e)) < 0)
		return ret;
	ret = store_ips_in_use(c->net, &used, &nused, e);
	if (ret < 0)
		return ret;
	ret = network_alloc_ip(&d, used, nused, want, &c->ip, e);
	free(used);
	return ret < 0 ? ret : store_create(c, owner, e);
}

static int do_create(struct ct_config *c, const char *want_ip, int nat,
		     pid_t owner, struct err *e)
{
	int lock = store_lock(e), ret;

	if (lock < 0)
		return lock;
	ret = create_locked(c, want_ip, nat, owner, e);
	store_unlock(lock);
	return ret;
}

static const char *const create_help =
	"NAME\n  strata ct create - make a container, ready to start\n\n"
	"SYNOPSIS\n  strata ct create NAME [OPTIONS] [-- CMD [ARG...]]\n\n"
	"The command defaults to /bin/sh. The container gets its own user, pid,\n"
	"mount, network, UTS, IPC and cgroup namespaces; root inside is an\n"
	"unprivileged uid on the host.\n\nOPTIONS\n";

static int cmd_create(int argc, char **argv)
{
	struct create_args a = { 0 };
	const struct opt opts[] = { CREATE_OPTS(a), OPT_END };
	struct opt_args r;
	struct ct_config c;
	struct err e = { 0 };
	int ret;

	if (opt_parse(opts, argc, argv, &r, &e) < 0 || a.help || r.npos != 1) {
		create_args_free(&a);
		if (e.code)
			return usage_error("create", e.msg);
		if (!a.help)
			return usage_error("create", "expected one NAME");
		fputs(create_help, stdout);
		opt_help(stdout, opts);
		return 0;
	}
	a.name = r.pos[0];
	ret = build_config(&a, r.rest, r.nrest, &c, &e);
	if (ret == 0)
		ret = do_create(&c, a.ip, a.nat, 0, &e);
	if (ret == 0)
		printf("%s\n", c.name);
	ct_config_free(&c);
	create_args_free(&a);
	if (ret < 0) {
		err_wrap(&e, "ct create %s", a.name);
		return fail(&e);
	}
	return 0;
}

static const char *const run_help =
	"NAME\n  strata ct run - create a container and run it\n\n"
	"SYNOPSIS\n  strata ct run [OPTIONS] [--] [CMD [ARG...]]\n\n"
	"Runs in the foreground (exit code is the command's) unless -d.\n"
	"With no arguments: an interactive busybox shell with its own address.\n\n"
	"OPTIONS\n"
	"  -n, --name NAME              container name (default ct-<id>)\n"
	"      --rm                     remove the container when it exits\n"
	"  -d, --detach                 run in the background, print the name\n";

static int cmd_run(int argc, char **argv)
{
	struct create_args a = { 0 };
	const struct opt opts[] = {
		{ "name", 'n', OPT_STR, &a.name, "NAME", "container name" },
		{ "rm", 0, OPT_FLAG, &a.rm, NULL, "remove when it exits" },
		{ "detach", 'd', OPT_FLAG, &a.detach, NULL, "run in the background" },
		CREATE_OPTS(a), OPT_END,
	};
	struct rt_opts ro = { .notify = -1 };
	struct opt_args r;
	struct ct_config c;
	struct err e = { 0 };
	int ret;

	if (opt_parse_command(opts, argc, argv, &r, &e) < 0 || a.help) {
		create_args_free(&a);
		if (e.code)
			return usage_error("run", e.msg);
		fputs(run_help, stdout);
		opt_help(stdout, opts + 3);
		return 0;
	}
	if (!argc) {		/* the built-in default: interactive shell */
		a.interactive = a.tty = 1;
		a.rm = 1;
	}
	ret = build_config(&a, r.rest, r.nrest, &c, &e);
	if (ret == 0)
		ret = do_create(&c, a.ip, a.nat, getpid(), &e);
	if (ret == 0 && a.detach) {
		ret = runtime_start_detached(&c, &e);
		if (ret == 0)
			printf("%s\n", c.name);
	} else if (ret == 0) {
		ret = runtime_run(&c, &ro, &e);
	}
	create_args_free(&a);
	if (ret < 0) {
		err_wrap(&e, "ct run %s", c.name ? c.name : "");
		ct_config_free(&c);
		return fail(&e);
	}
	ct_config_free(&c);
	return ret;
}

/* ---- start / stop / rm / exec ------------------------------------- */

static int cmd_start(int argc, char **argv)
{
	struct ct_config c;
	struct ct_state s;
	struct err e = { 0 };
	int i, rc = 0;

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		printf("SYNOPSIS\n  strata ct start NAME...\n\nStarts created or stopped containers in the background; logs: strata ct logs NAME.\n");
		return argc < 1 ? 2 : 0;
	}
	for (i = 0; i < argc; i++) {
		int ret = store_load(argv[i], &c, &s, &e);

		if (ret == 0) {
			c.tty = 0;	/* nobody to talk to in the background */
			ret = runtime_start_detached(&c, &e);
			ct_config_free(&c);
		}
		if (ret < 0) {
			err_wrap(&e, "ct start %s", argv[i]);
			rc = fail(&e);
		}
	}
	return rc;
}

static int cmd_stop(int argc, char **argv)
{
	const char *timeout = NULL;
	int help = 0, i, rc = 0;
	const struct opt opts[] = {
		{ "timeout", 't', OPT_STR, &timeout, "S", "seconds between SIGTERM and SIGKILL (default 10)" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };
	uint64_t t = 10;

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return usage_error("stop", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata ct stop [--timeout S] NAME...\n\nOPTIONS\n");
		opt_help(stdout, opts);
		return 0;
	}
	if (timeout && parse_u64(timeout, 0, 3600, &t, &e) < 0)
		return usage_error("stop", e.msg);
	if (!r.npos)
		return usage_error("stop", "expected NAME");
	for (i = 0; i < r.npos; i++)
		if (runtime_stop(r.pos[i], (int)t, &e) < 0) {
			err_wrap(&e, "ct stop %s", r.pos[i]);
			rc = fail(&e);
		}
	opt_args_free(&r);
	return rc;
}

static int rm_one(const char *name, int force, struct err *e)
{
	struct ct_state s;
	int ret, lock;

	ret = store_load(name, NULL, &s, e);
	if (ret < 0)
		return ret;
	if (store_is_running(&s)) {
		if (!force)
			return err_msg(e, -EBUSY, "container %s is running (stop it or use rm -f)",
				       name);
		ret = runtime_stop(name, 0, e);
		if (ret < 0)
			return ret;
	}
	runtime_reap_dead(name, e);
	lock = store_lock(e);
	if (lock < 0)
		return lock;
	ret = store_exists(name) ? store_remove(name, e) : 0;
	store_unlock(lock);
	return ret;
}

static int cmd_rm(int argc, char **argv)
{
	int force = 0, help = 0, i, rc = 0;
	const struct opt opts[] = {
		{ "force", 'f', OPT_FLAG, &force, NULL, "stop it first if it runs" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return usage_error("rm", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata ct rm [-f] NAME...\n\nOPTIONS\n");
		opt_help(stdout, opts);
		return 0;
	}
	if (!r.npos)
		return usage_error("rm", "expected NAME");
	for (i = 0; i < r.npos; i++)
		if (rm_one(r.pos[i], force, &e) < 0) {
			err_wrap(&e, "ct rm %s", r.pos[i]);
			rc = fail(&e);
		}
	opt_args_free(&r);
	return rc;
}

static int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	int interactive = 0, help = 0, ret;
	struct strlist env = { 0 };
	const struct opt opts[] = {
		{ "interactive", 'i', OPT_FLAG, &interactive, NULL, "keep stdin open" },
		{ "tty", 't', OPT_FLAG, &o.tty, NULL, "give the command a terminal" },
		{ "env", 'e', OPT_LIST, &env, "K=V", "set an environment variable" },
		{ "workdir", 'w', OPT_STR, &o.cwd, "DIR", "working directory" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0 || help || r.npos < 1) {
		strlist_free(&env);
		if (e.code)
			return usage_error("exec", e.msg);
		if (!help)
			return usage_error("exec", "expected NAME -- CMD");
		printf("SYNOPSIS\n  strata ct exec [-it] NAME -- CMD [ARG...]\n\nOPTIONS\n");
		opt_help(stdout, opts);
		return 0;
	}
	/* "exec NAME CMD ARGS" without "--" is accepted too. */
	if (r.nrest) {
		o.argv = r.rest;
	} else if (r.npos > 1) {
		o.argv = r.pos + 1;
	} else {
		strlist_free(&env);
		return usage_error("exec", "expected a command after --");
	}
	o.env = (char **)env.v;
	o.tty = o.tty && isatty(0);
	ret = exec_in(r.pos[0], &o, &e);
	if (ret < 0) {
		err_wrap(&e, "ct exec %s", r.pos[0]);
		ret = e.code == -ENOENT && !strncmp(e.msg, "ct exec", 7) &&
		      strstr(e.msg, ": exec ") ? (err_print(&e), 127) : fail(&e);
	}
	opt_args_free(&r);
	strlist_free(&env);
	return ret;
}

/* ---- ls / inspect / logs / gc ------------------------------------- */

static void status_text(const struct ct_state *s, char *buf, size_t n)
{
	if (s->status == CT_RUNNING && !store_is_running(s))
		snprintf(buf, n, "dead (run strata ct gc)");
	else if (s->status == CT_STOPPED)
		snprintf(buf, n, "stopped (%d)", s->exit_code);
	else
		snprintf(buf, n, "%s", ct_status_name(s->status));
}

static json_t *container_json(const struct ct_config *c, const struct ct_state *s)
{
	char ip[16], st[64];

	status_text(s, st, sizeof(st));
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:i,s:s}",
			 "name", c->name, "id", c->id, "status", st,
			 "network", c->net ? json_string(c->net) : json_null(),
			 "ip", c->net ? json_string(ipv4_str(c->ip, ip)) : json_null(),
			 "pid", store_is_running(s) ? (int)s->pid : 0,
			 "exit_code", s->exit_code,
			 "template", c->template ? c->template : c->rootfs);
}

struct ls_ctx {
	int json;
	json_t *arr;
};

static int ls_one(const char *name, void *arg)
{
	struct ls_ctx *l = arg;
	struct ct_config c;
	struct ct_state s;
	struct err e;
	char ip[16], st[64];

	if (store_load(name, &c, &s, &e) < 0)
		return 0;
	if (l->json) {
		json_array_append_new(l->arr, container_json(&c, &s));
	} else {
		status_text(&s, st, sizeof(st));
		printf("%-20s %-16s %-15s %-8d %-12s %s\n", c.name, st,
		       c.net ? ipv4_str(c.ip, ip) : "-",
		       store_is_running(&s) ? (int)s.pid : 0,
		       c.template ? c.template : "(rootfs)", c.argv[0] ? c.argv[0] : "");
	}
	ct_config_free(&c);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct ls_ctx l = { 0 };
	struct err e = { 0 };

	if (argc == 1 && !strcmp(argv[0], "--json"))
		l.json = 1;
	else if (argc)
		return usage_error("ls", "the only option is --json");
	l.arr = json_array();
	if (!l.json)
		printf("%-20s %-16s %-15s %-8s %-12s %s\n", "NAME", "STATUS", "IP", "PID",
		       "TEMPLATE", "COMMAND");
	if (store_foreach(ls_one, &l, &e) < 0)
		return fail(&e);
	if (l.json) {
		char *s = json_dumps(l.arr, JSON_INDENT(2));

		printf("%s\n", s);
		free(s);
	}
	json_decref(l.arr);
	return 0;
}

static int cmd_inspect(int argc, char **argv)
{
	struct cgroup_stats cs;
	struct ct_config c;
	struct ct_state s;
	struct err e = { 0 };
	char path[PATH_LEN], *out;
	json_t *j, *cfg;

	if (argc != 1)
		return usage_error("inspect", "expected NAME");
	if (store_load(argv[0], &c, &s, &e) < 0 ||
	    store_path(path, argv[0], "config.json", &e) < 0 ||
	    !(cfg = jsonf_load(path, &e))) {
		err_wrap(&e, "ct inspect");
		return fail(&e);
	}
	ct_cgroup_name(&c, path);
	j = container_json(&c, &s);
	json_object_set_new(j, "config", cfg);
	if (store_is_running(&s) && cgroup_stats(path, &cs, &e) == 0)
		json_object_set_new(j, "stats",
				    json_pack("{s:I,s:I,s:I}",
					      "memory_bytes", (json_int_t)cs.memory_current,
					      "pids", (json_int_t)cs.pids_current,
					      "oom_kills", (json_int_t)cs.oom_kills));
	out = json_dumps(j, JSON_INDENT(2));
	printf("%s\n", out);
	free(out);
	json_decref(j);
	ct_config_free(&c);
	return 0;
}

static int cmd_logs(int argc, char **argv)
{
	char path[PATH_LEN], *buf;
	struct err e = { 0 };
	size_t len;

	if (argc != 1)
		return usage_error("logs", "expected NAME");
	if (!store_exists(argv[0])) {
		err_msg(&e, -ENOENT, "ct logs: no such container: %s", argv[0]);
		return fail(&e);
	}
	if (store_path(path, argv[0], "log", &e) < 0)
		return fail(&e);
	if (!fs_exists(path))
		return 0;
	if (fs_read_file(path, &buf, &len, &e) < 0)
		return fail(&e);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

static int cmd_gc(int argc, char **argv)
{
	struct err e = { 0 };
	int n;

	(void)argv;
	if (argc)
		return usage_error("gc", "takes no arguments");
	n = gc_run(1, &e);
	if (n < 0)
		return fail(&e);
	printf("gc: %d object%s removed\n", n, n == 1 ? "" : "s");
	return 0;
}

/* strata ct _finish CODE NAME MOUNTED: not for users; the background
 * monitor execs it when its container ended (src/ct/tiny/ctwait.c). */
static int cmd_finish(int argc, char **argv)
{
	struct err e = { 0 };

	if (argc != 3)
		return usage_error("_finish", "CODE NAME MOUNTED");
	if (runtime_finish(argv[1], atoi(argv[0]), atoi(argv[2]), &e) < 0)
		return fail(&e);
	return 0;
}

/* ---- dispatch ------------------------------------------------------ */

struct ct_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct ct_cmd ct_cmds[] = {
	{ "create", cmd_create, "make a container from a template or a folder" },
	{ "start", cmd_start, "start containers in the background" },
	{ "run", cmd_run, "create and run (foreground, or -d)" },
	{ "exec", cmd_exec, "run a command in a running container" },
	{ "stop", cmd_stop, "stop containers (SIGTERM, then SIGKILL)" },
	{ "rm", cmd_rm, "remove containers" },
	{ "ls", cmd_ls, "list containers" },
	{ "inspect", cmd_inspect, "show a container's configuration and state" },
	{ "logs", cmd_logs, "show the output of a background container" },
	{ "gc", cmd_gc, "remove what crashed commands left behind" },
	{ "network", network_cli, "create, list, remove networks" },
	{ "template", template_cli, "import, list, remove templates" },
	{ NULL, NULL, NULL },
};

static void ct_help(FILE *f)
{
	const struct ct_cmd *c;

	fprintf(f,
		"NAME\n  strata ct - containers: isolated userlands on this kernel\n\n"
		"SYNOPSIS\n  strata ct COMMAND [OPTIONS] [ARGS...]\n\n"
		"COMMANDS\n");
	for (c = ct_cmds; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f,
		"\nEach container has its own root (overlay on a template), processes,\n"
		"users (root inside is uid 100000 outside), host name, IPC, cgroup,\n"
		"and network address on a bridge (default strata0, 10.77.0.0/16), with\n"
		"memory, CPU and process limits, Docker's default capabilities,\n"
		"seccomp profile and masked paths. `strata ct COMMAND --help` for more.\n\n"
		"EXAMPLES\n"
		"  strata ct run -it --rm                        busybox shell\n"
		"  strata ct run --rm --memory 64M --pids 50 -- sh -c 'ip addr'\n"
		"  strata ct create web --ip 10.77.0.10 -- httpd -f -p 80\n"
		"  strata ct start web && strata ct exec web -- ps\n");
}

int ct_main(int argc, char **argv)
{
	const struct ct_cmd *c;

	if (argc < 1) {
		ct_help(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		ct_help(stdout);
		return 0;
	}
	for (c = ct_cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->fn(argc - 1, argv + 1);
	if (!strcmp(argv[0], "_finish"))
		return cmd_finish(argc - 1, argv + 1);
	fprintf(stderr, "strata: ct %s: unknown command (see strata ct --help)\n", argv[0]);
	return 2;
}
