/*
 * store -- background VM folders under $STRATA_ROOT/vms (see store.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/jsonf.h"
#include "lib/proc.h"
#include "vm/machine.h"
#include "vm/store.h"

int vm_store_check_name(const char *name, struct err *e)
{
	size_t i, n = strlen(name);

	if (!n || n > VM_NAME_MAX)
		return err_msg(e, -EINVAL, "%s: a name is 1 to %d characters",
			       n ? "name" : "''", VM_NAME_MAX);
	for (i = 0; i < n; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') ||
			 (i && (c == '_' || c == '.' || c == '-'));

		if (!ok)
			return err_msg(e, -EINVAL, "%s: letters, digits, '_', '.' and '-' only, starting with a letter or digit",
				       name);
	}
	return 0;
}

int vm_store_path(char *buf, const char *name, const char *file, struct err *e)
{
	if (file)
		return fs_path(buf, e, "%s/vms/%s/%s", fs_root(), name, file);
	return fs_path(buf, e, "%s/vms/%s", fs_root(), name);
}

int vm_store_lock(struct err *e)
{
	char p[PATH_LEN];
	int ret;

	ret = fs_path(p, e, "%s/vms", fs_root());
	if (ret == 0)
		ret = fs_mkdir_p(p, 0700, e);
	if (ret == 0)
		ret = fs_path(p, e, "%s/vms/.lock", fs_root());
	return ret < 0 ? ret : fs_lock(p, e);
}

static int vm_store_fill(const struct vm_rec *r, const char *dir, struct err *e)
{
	char p[PATH_LEN];
	json_t *j;
	int ret;

	j = json_pack("{s:s, s:s, s:I, s:i, s:I}", "name", r->name,
		      "kernel", r->kernel, "mem", (json_int_t)r->mem,
		      "cpus", r->cpus, "created", (json_int_t)time(NULL));
	if (!j)
		return err_msg(e, -ENOMEM, "config.json");
	if (r->api_sock[0])
		json_object_set_new(j, "api_sock", json_string(r->api_sock));
	ret = fs_path(p, e, "%s/config.json", dir);
	if (ret == 0)
		ret = jsonf_save(p, j, e);
	json_decref(j);
	return ret;
}

int vm_store_create(const struct vm_rec *r, struct err *e)
{
	char tmp[PATH_LEN], dst[PATH_LEN];
	struct err ignore;
	int ret;

	ret = fs_path(tmp, e, "%s/vms/.tmp-%s-%d", fs_root(), r->name, (int)getpid());
	if (ret == 0)
		ret = vm_store_path(dst, r->name, NULL, e);
	if (ret < 0)
		return ret;
	if (fs_exists(dst))
		return err_msg(e, -EEXIST, "%s: name in use (strata vm rm %s)",
			       r->name, r->name);
	ret = fs_mkdir_p(tmp, 0700, e);
	if (ret == 0)
		ret = vm_store_fill(r, tmp, e);
	if (ret == 0 && rename(tmp, dst) < 0)
		ret = errno == ENOTEMPTY || errno == EEXIST ?
		      err_msg(e, -EEXIST, "%s: name in use", r->name) :
		      err_set(e, -errno, "%s", dst);
	if (ret < 0)
		fs_rm_rf(tmp, &ignore);
	return ret;
}

int vm_store_started(const char *name, pid_t pid, struct err *e)
{
	char p[PATH_LEN];
	json_t *j;
	int ret;

	j = json_pack("{s:i, s:I, s:I}", "pid", (int)pid,
		      "pid_start", (json_int_t)proc_start_time(pid),
		      "started", (json_int_t)time(NULL));
	if (!j)
		return err_msg(e, -ENOMEM, "state.json");
	ret = vm_store_path(p, name, "state.json", e);
	if (ret == 0)
		ret = jsonf_save(p, j, e);
	json_decref(j);
	return ret;
}

static const char *const end_names[] = {
	[VM_END_POWEROFF] = "poweroff", [VM_END_RESET] = "reset",
	[VM_END_HALT] = "halt", [VM_END_CRASH] = "crash",
	[VM_END_TIMEOUT] = "timeout", [VM_END_STOPPED] = "stopped",
};

const char *vm_end_name(int how)
{
	if (how < 0 || how >= (int)(sizeof(end_names) / sizeof(end_names[0])) ||
	    !end_names[how])
		return "unknown";
	return end_names[how];
}

void vm_store_end_text(const struct vm_rec *r, char *buf, size_t n)
{
	const char *sig;

	if (!strcmp(r->end, "crash"))
		snprintf(buf, n, "crashed");
	else if (!strcmp(r->end, "timeout"))
		snprintf(buf, n, "timed out");
	else if (!strcmp(r->end, "signal"))
		snprintf(buf, n, "killed (SIG%s)",
			 (sig = sigabbrev_np(r->signal)) ? sig : "?");
	else if (!r->end[0] || !strcmp(r->end, "stopped"))
		snprintf(buf, n, "stopped");
	else
		snprintf(buf, n, "exited (%d)", r->exit_code);
}

int vm_store_ended(const char *name, pid_t pid, const char *end, int code,
		   int sig, struct err *e)
{
	char p[PATH_LEN];
	json_t *j;
	int ret;

	ret = vm_store_path(p, name, "state.json", e);
	if (ret < 0)
		return ret;
	j = jsonf_load(p, e);
	if (!j)
		return e->code;
	ret = jsonf_int(j, "pid", 0) == pid ? 0 : -ESTALE;
	json_decref(j);
	if (ret < 0)
		return err_msg(e, ret, "%s: another VMM", name);
	j = json_pack("{s:i, s:s, s:i, s:i, s:I}", "pid", (int)pid, "end", end,
		      "exit_code", code, "signal", sig, "ended", (json_int_t)time(NULL));
	if (!j)
		return err_msg(e, -ENOMEM, "end.json");
	ret = vm_store_path(p, name, "end.json", e);
	if (ret == 0)
		ret = jsonf_save(p, j, e);
	json_decref(j);
	return ret;
}

/* end.json, if it is about the VMM state.json names. */
static void load_end(const char *name, struct vm_rec *r, struct err *e)
{
	char p[PATH_LEN];
	json_t *j;

	if (vm_store_path(p, name, "end.json", e) < 0 || !(j = jsonf_load(p, e)))
		return;
	if (jsonf_int(j, "pid", 0) == r->pid) {
		snprintf(r->end, sizeof(r->end), "%s", jsonf_str(j, "end", "unknown"));
		r->exit_code = jsonf_int(j, "exit_code", 0);
		r->signal = jsonf_int(j, "signal", 0);
		r->ended = jsonf_int(j, "ended", 0);
	}
	json_decref(j);
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int vm_store_load(const char *name, struct vm_rec *r, struct err *e)
{
	char p[PATH_LEN];
	json_t *j;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = vm_store_check_name(name, e);
	if (ret == 0)
		ret = vm_store_path(p, name, "config.json", e);
	if (ret < 0)
		return ret;
	j = jsonf_load(p, e);
	if (!j)
		return e->code == -ENOENT ? err_msg(e, -ENOENT, "no such VM: %s", name) : e->code;
	copy_str(r->name, sizeof(r->name), name);
	copy_str(r->kernel, sizeof(r->kernel), jsonf_str(j, "kernel", ""));
	copy_str(r->api_sock, sizeof(r->api_sock), jsonf_str(j, "api_sock", ""));
	r->mem = jsonf_int(j, "mem", 0);
	r->cpus = jsonf_int(j, "cpus", 1);
	json_decref(j);
	if (vm_store_path(p, name, "state.json", e) == 0 && (j = jsonf_load(p, e))) {
		r->pid = jsonf_int(j, "pid", 0);
		r->pid_start = jsonf_int(j, "pid_start", 0);
		r->started = jsonf_int(j, "started", 0);
		json_decref(j);
		load_end(name, r, e);
	}
	err_clear(e);
	r->alive = r->pid > 0 && proc_alive(r->pid, r->pid_start);
	return 0;
}

int vm_store_remove(const char *name, struct err *e)
{
	char dir[PATH_LEN], gone[PATH_LEN];
	int ret;

	ret = vm_store_path(dir, name, NULL, e);
	if (ret == 0)
		ret = fs_path(gone, e, "%s/vms/.rm-%s-%d", fs_root(), name, (int)getpid());
	if (ret < 0)
		return ret;
	if (rename(dir, gone) < 0)
		return err_set(e, -errno, "%s", dir);
	return fs_rm_rf(gone, e);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the VM folders, sorted; *n of them, malloc'ed. */
static char **vm_store_names(int *n, struct err *e)
{
	char dir[PATH_LEN], **names = NULL, **nn;
	struct dirent *d;
	DIR *dp;

	*n = 0;
	if (fs_path(dir, e, "%s/vms", fs_root()) < 0)
		return NULL;
	dp = opendir(dir);
	if (!dp)
		return NULL;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' || d->d_type != DT_DIR)
			continue;
		nn = realloc(names, sizeof(char *) * (*n + 1));
		if (!nn)
			break;
		names = nn;
		names[*n] = strdup(d->d_name);
		if (names[*n])
			(*n)++;
	}
	closedir(dp);
	if (*n)
		qsort(names, *n, sizeof(char *), name_cmp);
	return names;
}

int vm_store_foreach(int (*fn)(const struct vm_rec *r, void *arg), void *arg,
		     struct err *e)
{
	struct vm_rec r;
	int n, i, ret = 0;
	char **names = vm_store_names(&n, e);

	for (i = 0; i < n; i++) {
		if (ret >= 0 && vm_store_load(names[i], &r, e) == 0)
			ret = fn(&r, arg);
		free(names[i]);
	}
	free(names);
	return ret < 0 ? ret : 0;
}

int vm_store_gc(void (*said)(const char *path), struct err *e)
{
	char dir[PATH_LEN], p[PATH_LEN];
	struct dirent *d;
	int count = 0;
	DIR *dp;

	if (fs_path(dir, e, "%s/vms", fs_root()) < 0)
		return e->code;
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		const char *dash = strrchr(d->d_name, '-');

		if (strncmp(d->d_name, ".tmp-", 5) && strncmp(d->d_name, ".rm-", 4))
			continue;
		if (dash && proc_start_time(atoi(dash + 1)))
			continue;	/* its command still runs */
		if (fs_path(p, e, "%s/%s", dir, d->d_name) == 0 && fs_rm_rf(p, e) == 0) {
			count++;
			if (said)
				said(p);
		}
	}
	closedir(dp);
	return count;
}
