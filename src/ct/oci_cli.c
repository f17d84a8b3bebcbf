/*
 * oci_cli -- `strata oci ...` and `strata-runc ...`: runc's command line,
 * so podman, containerd and the OCI validation suite can drive strata.
 *
 *   strata oci [--root DIR] [--log FILE] [--log-format text|json]
 *              [--systemd-cgroup] [--debug] COMMAND [OPTIONS] ID ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <seccomp.h>

#include "ct/oci.h"
#include "ct/oci_exec.h"
#include "ct/oci_runtime.h"
#include "ct/oci_spec.h"
#include "ct/oci_state.h"
#include "lib/fs.h"
#include "lib/opt.h"

#define STRATA_OCI_VERSION "0.1.0"

struct oci_global {
	const char *root;
	const char *log;
	const char *log_format;
	int systemd_cgroup;
	int debug;
	int rootless_flag;
	const char *criu;
};

static struct oci_global g;

/* runc's callers read errors from stderr and, with --log, from the log
 * file (containerd: JSON lines with "level" and "msg"). */
static void oci_log(const char *level, const char *msg)
{
	char when[64];
	time_t t = time(NULL);
	FILE *f;

	if (!g.log)
		return;
	f = fopen(g.log, "a");
	if (!f)
		return;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (g.log_format && !strcmp(g.log_format, "json")) {
		json_t *j = json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", when);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

		if (s)
			fprintf(f, "%s\n", s);
		free(s);
		json_decref(j);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	fclose(f);
}

static int oci_fail(struct err *e)
{
	err_print(e);
	oci_log("error", e->msg);
	return 1;
}

static int oci_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "strata: oci %s: %s\n", cmd, msg);
	oci_log("error", msg);
	return 1;
}

static int cmd_create_run(int argc, char **argv, int run)
{
	struct oci_create_opts o = { 0 };
	int detach = 0, keep = 0, ignore = 0, help = 0, ret;
	const char *preserve = NULL;
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &o.bundle, "DIR", "the bundle (default: .)" },
		{ "pid-file", 0, OPT_STR, &o.pid_file, "FILE", "write the process's pid here" },
		{ "console-socket", 0, OPT_STR, &o.console_socket, "SOCK",
		  "send the console's master fd to this unix socket" },
		{ "detach", 'd', OPT_FLAG, &detach, NULL, "run: do not wait" },
		{ "keep", 0, OPT_FLAG, &keep, NULL, "run: keep the container after it exits" },
		{ "no-pivot", 0, OPT_FLAG, &o.no_pivot, NULL,
		  "move the rootfs onto / and chroot instead of pivot_root (for a rootfs on a ramdisk)" },
		{ "no-new-keyring", 0, OPT_FLAG, &ignore, NULL, "accepted" },
		{ "preserve-fds", 0, OPT_STR, &preserve, "N", "accepted" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	const char *name = run ? "run" : "create";
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage(name, e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci %s [OPTIONS] ID\n\nOPTIONS\n", name);
		opt_help(stdout, opts);
		return 0;
	}
	if (r.npos != 1)
		return oci_usage(name, "expected one container ID");
	o.systemd_cgroup = g.systemd_cgroup;
	if (run)
		ret = oci_run(g.root, r.pos[0], &o, detach, keep, &e);
	else
		ret = oci_create(g.root, r.pos[0], &o, &e);
	if (ret < 0)
		return oci_fail(&e);
	return ret;
}

static int cmd_create(int argc, char **argv)
{
	return cmd_create_run(argc, argv, 0);
}

static int cmd_run(int argc, char **argv)
{
	return cmd_create_run(argc, argv, 1);
}

static int one_id(const char *cmd, int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-') {
		if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
			printf("SYNOPSIS\n  strata oci %s ID\n", cmd);
			return 0;
		}
		return oci_usage(cmd, "expected one container ID");
	}
	return 1;
}

static int cmd_start(int argc, char **argv)
{
	struct err e = { 0 };
	int ret = one_id("start", argc, argv);

	if (ret != 1)
		return ret;
	return oci_start(g.root, argv[0], &e) < 0 ? oci_fail(&e) : 0;
}

static int cmd_state(int argc, char **argv)
{
	struct oci_state s;
	struct err e = { 0 };
	int ret = one_id("state", argc, argv);
	char *out;

	if (ret != 1)
		return ret;
	if (oci_state_load(g.root, argv[0], &s, &e) < 0)
		return oci_fail(&e);
	out = oci_state_json(g.root, &s, 1);
	printf("%s\n", out ? out : "{}");
	free(out);
	oci_state_free(&s);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	int all = 0, help = 0, sig = SIGTERM;
	const struct opt opts[] = {
		{ "all", 'a', OPT_FLAG, &all, NULL, "signal every process of the container" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage("kill", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci kill [--all] ID [SIGNAL]\n");
		return 0;
	}
	if (r.npos < 1 || r.npos > 2)
		return oci_usage("kill", "expected ID [SIGNAL]");
	if (r.npos == 2 && (sig = oci_signal_parse(r.pos[1])) < 0)
		return oci_usage("kill", "unknown signal");
	return oci_kill(g.root, r.pos[0], sig, all, &e) < 0 ? oci_fail(&e) : 0;
}

static int cmd_delete(int argc, char **argv)
{
	int force = 0, help = 0, i, rc = 0;
	const struct opt opts[] = {
		{ "force", 'f', OPT_FLAG, &force, NULL, "kill the container first if it runs" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage("delete", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci delete [--force] ID...\n");
		return 0;
	}
	if (r.npos < 1)
		return oci_usage("delete", "expected a container ID");
	for (i = 0; i < r.npos; i++) {
		int ret = oci_delete(g.root, r.pos[i], force, &e);

		/* deleting what is gone is success for --force (runc does so) */
		if (ret < 0 && !(force && ret == -ENOENT))
			rc = oci_fail(&e);
	}
	return rc;
}

static int cmd_pause_resume(int argc, char **argv, int pause)
{
	struct err e = { 0 };
	int ret = one_id(pause ? "pause" : "resume", argc, argv);

	if (ret != 1)
		return ret;
	return oci_pause(g.root, argv[0], pause, &e) < 0 ? oci_fail(&e) : 0;
}

static int cmd_pause(int argc, char **argv)
{
	return cmd_pause_resume(argc, argv, 1);
}

static int cmd_resume(int argc, char **argv)
{
	return cmd_pause_resume(argc, argv, 0);
}

static int cmd_ps(int argc, char **argv)
{
	const char *format = "table";
	int help = 0, i, n;
	const struct opt opts[] = {
		{ "format", 'f', OPT_STR, &format, "table|json", "output format" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };
	pid_t *pids = NULL;

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage("ps", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci ps [--format table|json] ID\n");
		return 0;
	}
	if (r.npos < 1)
		return oci_usage("ps", "expected a container ID");
	if (oci_pids(g.root, r.pos[0], &pids, &n, &e) < 0)
		return oci_fail(&e);
	if (!strcmp(format, "json")) {
		printf("[");
		for (i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("PID\n");
		for (i = 0; i < n; i++)
			printf("%d\n", (int)pids[i]);
	}
	free(pids);
	return 0;
}

struct list_ctx {
	int json, quiet;
	json_t *arr;
};

static int list_one(const char *id, void *arg)
{
	struct list_ctx *l = arg;
	struct oci_state s;
	struct err e;
	const char *st;
	char when[64];
	time_t t;

	if (oci_state_load(g.root, id, &s, &e) < 0)
		return 0;
	st = oci_state_status(g.root, &s);
	t = s.created;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (l->quiet)
		printf("%s\n", id);
	else if (l->json)
		json_array_append_new(l->arr, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}",
			"ociVersion", "1.1.0", "id", id, "pid", strcmp(st, "stopped") ? (int)s.pid : 0,
			"status", st, "bundle", s.bundle, "created", when));
	else
		printf("%-20s %-8d %-10s %-40s %s\n", id,
		       strcmp(st, "stopped") ? (int)s.pid : 0, st, s.bundle, when);
	oci_state_free(&s);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	const char *format = "table";
	struct list_ctx l = { 0 };
	int help = 0;
	const struct opt opts[] = {
		{ "format", 'f', OPT_STR, &format, "table|json", "output format" },
		{ "quiet", 'q', OPT_FLAG, &l.quiet, NULL, "only the ids" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage("list", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci list [--format table|json] [--quiet]\n");
		return 0;
	}
	l.json = !strcmp(format, "json");
	l.arr = json_array();
	if (!l.json && !l.quiet)
		printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	oci_state_foreach(g.root, list_one, &l, &e);
	if (l.json) {
		char *s = json_dumps(l.arr, JSON_COMPACT);

		printf("%s\n", s ? s : "[]");
		free(s);
	}
	json_decref(l.arr);
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	struct oci_exec_opts o = { 0 };
	struct strlist env = { 0 }, caps = { 0 };
	int help = 0, ignore = 0, ret;
	const char *preserve = NULL, *label = NULL, *apparmor = NULL;
	const struct opt opts[] = {
		{ "process", 'p', OPT_STR, &o.process_file, "FILE", "the process, as OCI JSON" },
		{ "tty", 't', OPT_FLAG, &o.tty, NULL, "give the process a terminal" },
		{ "console-socket", 0, OPT_STR, &o.console_socket, "SOCK", "send the console here" },
		{ "pid-file", 0, OPT_STR, &o.pid_file, "FILE", "write the process's pid here" },
		{ "detach", 'd', OPT_FLAG, &o.detach, NULL, "do not wait" },
		{ "cwd", 0, OPT_STR, &o.cwd, "DIR", "working directory" },
		{ "env", 'e', OPT_LIST, &env, "K=V", "add an environment variable" },
		{ "user", 'u', OPT_STR, &o.user, "UID[:GID]", "run as this user" },
		{ "cap", 'c', OPT_LIST, &caps, "CAP", "accepted" },
		{ "no-new-privs", 0, OPT_FLAG, &ignore, NULL, "accepted" },
		{ "preserve-fds", 0, OPT_STR, &preserve, "N", "accepted" },
		{ "process-label", 0, OPT_STR, &label, "L", "accepted" },
		{ "apparmor", 0, OPT_STR, &apparmor, "P", "accepted" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };

	/* runc stops option parsing at the first positional (the id) */
	int n;

	for (n = 0; n < argc && argv[n][0] == '-'; n++)
		if (n + 1 < argc && strchr("pue", argv[n][1]) && !argv[n][2])
			n++;
		else if (!strcmp(argv[n], "--process") || !strcmp(argv[n], "--console-socket") ||
			 !strcmp(argv[n], "--pid-file") || !strcmp(argv[n], "--cwd") ||
			 !strcmp(argv[n], "--env") || !strcmp(argv[n], "--user") ||
			 !strcmp(argv[n], "--cap") || !strcmp(argv[n], "--preserve-fds") ||
			 !strcmp(argv[n], "--process-label") || !strcmp(argv[n], "--apparmor"))
			n++;
	if (opt_parse(opts, n < argc ? n + 1 : argc, argv, &r, &e) < 0)
		return oci_usage("exec", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci exec [OPTIONS] ID [CMD [ARG...]]\n\nOPTIONS\n");
		opt_help(stdout, opts);
		return 0;
	}
	if (r.npos != 1)
		return oci_usage("exec", "expected a container ID");
	o.argv = n + 1 < argc ? argv + n + 1 : NULL;
	o.env = (char **)env.v;
	ret = oci_exec(g.root, r.pos[0], &o, &e);
	strlist_free(&env);
	strlist_free(&caps);
	return ret < 0 ? oci_fail(&e) : ret;
}

static int cmd_spec(int argc, char **argv)
{
	const char *bundle = ".";
	int rootless = 0, help = 0;
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &bundle, "DIR", "where to write config.json" },
		{ "rootless", 0, OPT_FLAG, &rootless, NULL, "a spec for an unprivileged user" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args r;
	struct err e = { 0 };
	char path[PATH_LEN], *spec;
	int fd, ret;

	if (opt_parse(opts, argc, argv, &r, &e) < 0)
		return oci_usage("spec", e.msg);
	if (help) {
		printf("SYNOPSIS\n  strata oci spec [--bundle DIR] [--rootless]\n");
		return 0;
	}
	if (fs_path(path, &e, "%s/config.json", bundle) < 0)
		return oci_fail(&e);
	spec = oci_spec_default(rootless);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(spec);
		err_set(&e, -errno, "spec: %s", path);
		return oci_fail(&e);
	}
	ret = write(fd, spec, strlen(spec)) == (ssize_t)strlen(spec) ? 0 : -EIO;
	close(fd);
	free(spec);
	return ret;
}

static int cmd_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%s\n", oci_features_json());
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	const struct scmp_version *v = seccomp_version();

	(void)argc;
	(void)argv;
	printf("strata version %s\nspec: 1.1.0\nlibseccomp: %u.%u.%u\n", STRATA_OCI_VERSION,
	       v->major, v->minor, v->micro);
	return 0;
}

struct oci_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct oci_cmd oci_cmds[] = {
	{ "create", cmd_create, "create a container from a bundle, ready to start" },
	{ "start", cmd_start, "start the process of a created container" },
	{ "run", cmd_run, "create and start, then wait" },
	{ "state", cmd_state, "print a container's state (JSON)" },
	{ "kill", cmd_kill, "send a signal to a container's process" },
	{ "delete", cmd_delete, "delete a container" },
	{ "exec", cmd_exec, "run a new process in a container" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "list", cmd_list, "list containers" },
	{ "ls", cmd_list, NULL },
	{ "pause", cmd_pause, "freeze every process of a container" },
	{ "resume", cmd_resume, "thaw a paused container" },
	{ "spec", cmd_spec, "write a default config.json" },
	{ "features", cmd_features, "what this runtime supports (JSON)" },
	{ "version", cmd_version, NULL },
	{ NULL, NULL, NULL },
};

static void oci_help(FILE *f)
{
	const struct oci_cmd *c;

	fprintf(f,
		"NAME\n  strata oci - an OCI runtime with runc's command line (also: strata-runc)\n\n"
		"SYNOPSIS\n  strata oci [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n\n"
		"GLOBAL OPTIONS\n"
		"  --root DIR            state of the containers (default " OCI_DEFAULT_ROOT ")\n"
		"  --log FILE            also write errors here\n"
		"  --log-format FORMAT   text or json\n"
		"  --systemd-cgroup      cgroupsPath is slice:prefix:name\n\n"
		"COMMANDS\n");
	for (c = oci_cmds; c->name; c++)
		if (c->summary)
			fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\nEXAMPLES\n  mkdir -p b/rootfs && cd b && strata oci spec && strata oci run demo\n"
		"  podman --runtime $(command -v strata-runc) run --rm IMAGE true\n");
}

int oci_main(int argc, char **argv)
{
	const struct oci_cmd *c;
	int i;

	g.root = OCI_DEFAULT_ROOT;
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *v = strchr(a, '=');
		size_t len = v ? (size_t)(v - a) : strlen(a);

#define IS(name) (len == strlen(name) && !strncmp(a, name, len))
		if (IS("--help") || IS("-h")) {
			oci_help(stdout);
			return 0;
		}
		if (IS("--version") || IS("-v"))
			return cmd_version(0, NULL);
		if (IS("--systemd-cgroup")) {
			g.systemd_cgroup = 1;
			continue;
		}
		if (IS("--debug")) {
			g.debug = 1;
			continue;
		}
		if (IS("--rootless") || IS("--root") || IS("--log") || IS("--log-format") ||
		    IS("--criu")) {
			const char *val = v ? v + 1 : (i + 1 < argc ? argv[++i] : NULL);

			if (!val)
				return oci_usage("", "a global option needs a value");
			if (IS("--root"))
				g.root = val;
			else if (IS("--log"))
				g.log = val;
			else if (IS("--log-format"))
				g.log_format = val;
			continue;
		}
#undef IS
		fprintf(stderr, "strata: oci: unknown global option %s\n", a);
		return 1;
	}
	if (i >= argc) {
		oci_help(stderr);
		return 1;
	}
	for (c = oci_cmds; c->name; c++)
		if (!strcmp(argv[i], c->name))
			return c->fn(argc - i - 1, argv + i + 1);
	fprintf(stderr, "strata: oci %s: unknown command (see strata oci --help)\n", argv[i]);
	oci_log("error", "unknown command");
	return 1;
}
