/*
 * cli -- `strata emu ...`: parses the command line, runs the guest
 * through src/emu/user.c, prints how it ended.  Like qemu-user, strata
 * exits with the guest's exit code, or 128 + N when the guest died of
 * signal N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/emu.h"
#include "emu/jit.h"
#include "emu/user.h"
#include "lib/opt.h"

extern char **environ;

struct run_args {
	const char *sysroot, *argv0;
	struct strlist env;
	int strace, stats, interp, help;
};

#define RUN_OPTS(a)							\
	{ "sysroot", 'L', OPT_STR, &(a).sysroot, "SYSROOT", "riscv64 root for the dynamic loader and libraries (default " EMU_DEFAULT_SYSROOT ")" }, \
	{ "env", 'E', OPT_LIST, &(a).env, "K=V", "set (or with K alone, unset) a variable of the program's environment" }, \
	{ "argv0", 0, OPT_STR, &(a).argv0, "NAME", "the program's argv[0] (default: PROGRAM)" }, \
	{ "strace", 0, OPT_FLAG, &(a).strace, NULL, "print each system call of the program on stderr" }, \
	{ "stats", 0, OPT_FLAG, &(a).stats, NULL, "print instructions, system calls and the translator's cache counts at the end" }, \
	{ "interp", 0, OPT_FLAG, &(a).interp, NULL, "interpret, do not translate (the reference, slow)" }, \
	{ "help", 'h', OPT_FLAG, &(a).help, NULL, "show this help" }

static void emu_help(FILE *f)
{
	struct run_args a = { 0 };
	const struct opt opts[] = { RUN_OPTS(a), OPT_END };

	fprintf(f,
		"NAME\n"
		"  strata emu - run riscv64 Linux programs on this x86-64\n\n"
		"SYNOPSIS\n"
		"  strata emu run [OPTIONS] PROGRAM [ARGS...]\n"
		"  strata emu binfmt install [--interpreter PATH]|remove|status\n\n"
		"DESCRIPTION\n"
		"  Runs a riscv64 Linux ELF program (static or dynamic) as a process of\n"
		"  this machine: its files, pipes and sockets are the host's, its exit code\n"
		"  is strata's.  Options end at PROGRAM; what follows is the program's.\n\n"
		"OPTIONS (run)\n");
	opt_help(f, opts);
	fprintf(f,
		"\nBINFMT\n"
		"  install registers strata with binfmt_misc as " BINFMT_NAME ", the\n"
		"  interpreter of riscv64 ELF programs (mounting binfmt_misc if needed):\n"
		"  ./prog then runs through strata.  The interpreter is PATH, else the\n"
		"  static strata-emu next to this strata when there is one, else this\n"
		"  strata; it is opened once, now (flag F), so it also starts inside\n"
		"  containers (strata ct run --template rv-busybox), and must be static\n"
		"  for that.  Run install again after a rebuild.  remove drops that\n"
		"  registration only; another one (qemu-riscv64) is never touched.\n"
		"  status lists both.\n"
		"  Programs started this way read STRATA_EMU_SYSROOT (the -L directory)\n"
		"  and STRATA_EMU_STRACE=1 (--strace) from their environment.\n");
	fprintf(f,
		"\nEXIT STATUS\n"
		"  the program's exit code; 128+N when it died of signal N (132: illegal\n"
		"  instruction, 139: bad memory access); 126 when it cannot be loaded,\n"
		"  127 when it does not exist, 2 for a usage error\n\n"
		"EXAMPLES\n"
		"  strata emu run ./hello-rv64                  a static or dynamic program\n"
		"  strata emu run -L /srv/rv-root /srv/rv-root/bin/ls -l\n"
		"  strata emu run --env LANG=C --strace ./prog\n"
		"  strata emu binfmt install && ./hello-rv64\n");
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "strata: emu run: %s (see strata emu --help)\n", msg);
	return 2;
}

/* Where strata's options end: the first word that is not an option or
 * an option's value, or just after "--".  The program's own options
 * (`ls -l`) must not be read as strata's. */
static int emu_split(const struct opt *opts, int argc, char **argv)
{
	const struct opt *o;
	int i;

	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--"))
			return i + 1;
		if (s[0] != '-' || !s[1])
			return i;
		for (o = opts; o->name; o++) {
			int takes = o->type != OPT_FLAG;

			if (s[1] == '-' && !strcmp(s + 2, o->name) && takes)
				break;
			if (s[1] != '-' && !s[2] && s[1] == o->short_name && takes)
				break;
		}
		if (o->name)
			i++;	/* skip the value */
	}
	return argc;
}

/* The host's environment with the --env changes: the program's envp. */
static char **emu_env(const struct strlist *changes)
{
	int n = 0, i, j, k;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + changes->n + 1, sizeof(char *));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	for (j = 0; j < changes->n; j++) {
		const char *c = changes->v[j], *eq = strchr(c, '=');
		size_t klen = eq ? (size_t)(eq - c) : strlen(c);

		for (k = 0; k < n; k++)
			if (!strncmp(env[k], c, klen) && env[k][klen] == '=')
				break;
		if (k < n) {
			memmove(&env[k], &env[k + 1], (n - k) * sizeof(char *));
			n--;
		}
		if (eq)
			env[n++] = (char *)c;
	}
	env[n] = NULL;
	return env;
}

/* --stats: what ran, and how the translator's cache did (main thread). */
static void print_stats(const struct emu_result *res, const struct timespec *t0,
			const struct timespec *t1, int interp)
{
	struct rv_jit_stats js;

	fprintf(stderr, "strata: emu: %llu instructions, %llu system calls, %.3f s\n",
		(unsigned long long)res->insns, (unsigned long long)res->syscalls,
		(t1->tv_sec - t0->tv_sec) + (t1->tv_nsec - t0->tv_nsec) / 1e9);
	if (interp)
		return;
	rv_jit_get_stats(&js);
	fprintf(stderr, "strata: emu: jit: %llu blocks translated, %llu jumps chained, "
		"%llu cache lookups (%llu hits), %llu cache flushes\n",
		(unsigned long long)js.blocks, (unsigned long long)js.chains,
		(unsigned long long)js.lookups,
		(unsigned long long)(js.lookups > js.blocks ? js.lookups - js.blocks : 0),
		(unsigned long long)js.flushes);
	fprintf(stderr, "strata: emu: %.3f s in translated code, %.3f s translating\n",
		js.run_ns / 1e9, js.translate_ns / 1e9);
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	const struct opt opts[] = { RUN_OPTS(a), OPT_END };
	struct emu_opts o = { 0 };
	struct emu_result res;
	struct timespec t0, t1;
	struct opt_args r;
	struct err e = { 0 };
	char **env;
	int split, ret;

	split = emu_split(opts, argc, argv);
	if (opt_parse(opts, split, argv, &r, &e) < 0) {
		ret = usage_error(e.msg);
		goto out;
	}
	if (a.help) {
		emu_help(stdout);
		ret = 0;
		goto out;
	}
	/* everything from argv[split] on is the program's */
	if (r.npos || split >= argc) {
		ret = usage_error("no PROGRAM given");
		goto out;
	}
	o.path = argv[split];
	o.argv = argv + split;
	if (a.argv0)
		argv[split] = (char *)a.argv0;
	o.sysroot = a.sysroot ? a.sysroot : EMU_DEFAULT_SYSROOT;
	o.strace = a.strace;
	env = emu_env(&a.env);
	if (!env) {
		ret = 125;
		goto out;
	}
	o.envp = env;
	if (a.interp)
		rv_jit_set_enabled(0);
	if (a.stats)
		rv_jit_set_timing(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (emu_run(&o, &res, &e) < 0) {
		err_wrap(&e, "emu run");
		err_print(&e);
		ret = e.code == -ENOENT && !strstr(e.msg, "interpreter") ? 127 : 126;
	} else {
		ret = emu_report(&res);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (a.stats)
			print_stats(&res, &t0, &t1, a.interp);
	}
	free(env);
out:
	strlist_free(&a.env);
	opt_args_free(&r);
	return ret;
}

static int cmd_binfmt_status(void)
{
	struct binfmt_entry v[16];
	struct err e = { 0 };
	int n, i, on, mine = -1, live = 0;

	n = binfmt_status(v, 16, &on, &e);
	if (n < 0) {
		err_print(&e);
		return 1;
	}
	if (on < 0) {
		printf("binfmt_misc: not mounted on %s\n", BINFMT_DIR);
		return 0;
	}
	printf("binfmt_misc: %s\n", on ? "enabled" : "disabled");
	for (i = 0; i < n; i++) {
		printf("%s: %s, interpreter %s, flags %s\n", v[i].name,
		       v[i].enabled ? "enabled" : "disabled", v[i].interpreter, v[i].flags);
		if (!strcmp(v[i].name, BINFMT_NAME))
			mine = i;
		live += v[i].enabled;
	}
	if (mine < 0)
		printf("%s: not installed\n", BINFMT_NAME);
	if (!on || !live)
		printf("riscv64 programs: not run by binfmt_misc\n");
	else if (live == 1)
		for (i = 0; i < n; i++) {
			if (v[i].enabled)
				printf("riscv64 programs run with: %s\n", v[i].name);
		}
	else
		printf("riscv64 programs run with: the enabled registration made last\n");
	return 0;
}

/* The interpreter to register: --interpreter PATH, else strata-emu next
 * to this binary (static: it starts in containers too), else this one. */
static int binfmt_interp(int argc, char **argv, char *out, struct err *e)
{
	char self[PATH_MAX], *slash;
	const char *want = NULL;

	if (argc == 3 && !strcmp(argv[1], "--interpreter"))
		want = argv[2];
	else if (argc != 1)
		return err_msg(e, -EINVAL, "usage: install [--interpreter PATH]");
	if (want) {
		if (!realpath(want, out))
			return err_set(e, -errno, "%s", want);
		return 0;
	}
	if (!realpath("/proc/self/exe", self))
		return err_set(e, -errno, "/proc/self/exe");
	slash = strrchr(self, '/');
	if (slash && (size_t)(slash - self) + sizeof("/strata-emu") <= sizeof(self)) {
		strcpy(slash + 1, "strata-emu");
		if (access(self, X_OK) == 0 && realpath(self, out))
			return 0;
	}
	return realpath("/proc/self/exe", out) ? 0 : err_set(e, -errno, "/proc/self/exe");
}

static int cmd_binfmt(int argc, char **argv)
{
	struct err e = { 0 };
	char interp[PATH_MAX];
	int ret;

	if (argc < 1 || (strcmp(argv[0], "install") && strcmp(argv[0], "remove") &&
			 strcmp(argv[0], "status"))) {
		fprintf(stderr, "strata: emu binfmt: install, remove or status (see strata emu --help)\n");
		return 2;
	}
	if (!strcmp(argv[0], "status"))
		return cmd_binfmt_status();
	if (!strcmp(argv[0], "remove")) {
		ret = binfmt_remove(&e);
		if (ret < 0)
			goto fail;
		printf(ret ? "removed %s\n" : "%s was not installed\n", BINFMT_NAME);
		return 0;
	}
	ret = binfmt_interp(argc, argv, interp, &e);
	if (ret < 0)
		goto fail;
	ret = binfmt_install(interp, &e);
	if (ret < 0)
		goto fail;
	printf("installed %s: %s\n", BINFMT_NAME, interp);
	if (binfmt_interp_dynamic(interp))
		fprintf(stderr, "strata: emu binfmt: note: %s is dynamically linked: riscv64 "
			"programs in containers need the static strata-emu (make release)\n", interp);
	return 0;
fail:
	err_wrap(&e, "emu binfmt %s", argv[0]);
	err_print(&e);
	return 1;
}

int emu_binfmt_invoked(void)
{
	unsigned long fd;

	errno = 0;
	fd = getauxval(AT_EXECFD);
	return errno == 0 && fd > 2;
}

/*
 * Run for binfmt_misc (flags PO): argv is strata, the program's path,
 * its argv[0], its arguments; the kernel's open fd of the program
 * (AT_EXECFD) is not the guest's.  Options come from the environment,
 * as qemu-user's QEMU_LD_PREFIX and QEMU_STRACE.
 */
int emu_binfmt_main(int argc, char **argv)
{
	const char *root = getenv("STRATA_EMU_SYSROOT"), *tr = getenv("STRATA_EMU_STRACE");
	char **v;
	int k = 0, i, ret;

	close((int)getauxval(AT_EXECFD));
	if (argc < 3) {
		fprintf(stderr, "strata: emu: binfmt_misc gave %d arguments, expected 3 or more (flags %s)\n",
			argc, BINFMT_FLAGS);
		return 126;
	}
	v = calloc(argc + 8, sizeof(char *));
	if (!v)
		return 125;
	v[k++] = "--argv0";
	v[k++] = argv[2];
	if (root && root[0]) {
		v[k++] = "-L";
		v[k++] = (char *)root;
	}
	if (tr && tr[0] && strcmp(tr, "0"))
		v[k++] = "--strace";
	v[k++] = "--";
	v[k++] = argv[1];
	for (i = 3; i < argc; i++)
		v[k++] = argv[i];
	v[k] = NULL;
	ret = cmd_run(k, v);
	free(v);
	return ret;
}

int emu_main(int argc, char **argv)
{
	if (argc < 1) {
		emu_help(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		emu_help(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[0], "binfmt"))
		return cmd_binfmt(argc - 1, argv + 1);
	fprintf(stderr, "strata: emu %s: unknown command (see strata emu --help)\n", argv[0]);
	return 2;
}
