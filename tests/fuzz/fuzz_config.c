/*
 * fuzz_config -- libFuzzer target for config.json and state.json, the files
 * a user (or a crash) may leave in any shape under STRATA_ROOT.
 *
 * The input is written to a file and loaded with ct_config_load() and
 * ct_state_load(): neither may crash, leak or trip a sanitizer on any
 * bytes.  A config that loads must also survive ct_config_save() and load
 * again unchanged, since strata rewrites the files it reads.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_config FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/config.h"
#include "lib/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[PATH_LEN];

static void cleanup(void)
{
	struct err e;

	if (dir[0])
		fs_rm_rf(dir, &e);
}

/* One private folder per process, removed at exit: in $TMPDIR, else on
 * /dev/shm where the fsync() of every save costs nothing, else in /tmp. */
static const char *work_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/strata-fuzz-config-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(cleanup);
	return dir;
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int strv_eq(char **a, char **b)
{
	int i;

	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return !a[i] && !b[i];
}

/* Every field that config.json holds; -0.0 == 0.0 is fine for cpus. */
static int config_eq(const struct ct_config *a, const struct ct_config *b)
{
	int i;

	if (!str_eq(a->name, b->name) || strcmp(a->id, b->id) ||
	    !str_eq(a->template, b->template) || !str_eq(a->rootfs, b->rootfs) ||
	    !str_eq(a->hostname, b->hostname) || !str_eq(a->cwd, b->cwd) ||
	    !str_eq(a->net, b->net) || a->ip != b->ip ||
	    !strv_eq(a->argv, b->argv) || !strv_eq(a->env, b->env) ||
	    a->limits.memory != b->limits.memory || a->limits.cpus != b->limits.cpus ||
	    a->limits.cpu_shares != b->limits.cpu_shares ||
	    a->limits.pids != b->limits.pids || a->uid_host != b->uid_host ||
	    a->uid_count != b->uid_count || a->tty != b->tty ||
	    a->autoremove != b->autoremove || a->nvols != b->nvols)
		return 0;
	for (i = 0; i < a->nvols; i++)
		if (strcmp(a->vols[i].src, b->vols[i].src) ||
		    strcmp(a->vols[i].dst, b->vols[i].dst) || a->vols[i].ro != b->vols[i].ro)
			return 0;
	return 1;
}

static void round_trip(const struct ct_config *c, const char *path)
{
	struct ct_config again;
	struct err e;

	if (ct_config_save(c, path, &e) < 0) {
		fprintf(stderr, "a loaded config cannot be saved: %s\n", e.msg);
		abort();
	}
	if (ct_config_load(&again, path, &e) < 0) {
		fprintf(stderr, "a saved config cannot be loaded: %s\n", e.msg);
		abort();
	}
	if (!config_eq(c, &again)) {
		fprintf(stderr, "a config changed on save and load\n");
		abort();
	}
	ct_config_free(&again);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[PATH_LEN], out[PATH_LEN];
	struct ct_config c;
	struct ct_state s;
	struct err e;

	snprintf(in, sizeof(in), "%s/in.json", work_dir());
	snprintf(out, sizeof(out), "%s/out.json", work_dir());
	if (fs_write_atomic(in, data, size, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	if (ct_config_load(&c, in, &e) == 0) {
		round_trip(&c, out);
		ct_config_free(&c);
	}
	if (ct_state_load(&s, in, &e) == 0 && ct_status_name(s.status)[0] == 'u') {
		fprintf(stderr, "a loaded state has an unknown status\n");
		abort();
	}
	unlink(in);
	return 0;
}
