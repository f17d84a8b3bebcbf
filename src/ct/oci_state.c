/*
 * oci_state -- OCI containers' state files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/oci_state.h"
#include "lib/fs.h"
#include "lib/jsonf.h"
#include "lib/proc.h"

#define OCI_SPEC_VERSION "1.1.0"

int oci_state_path(char *buf, const char *root, const char *id, const char *file,
		   struct err *e)
{
	if (file)
		return fs_path(buf, e, "%s/%s/%s", root, id, file);
	return fs_path(buf, e, "%s/%s", root, id);
}

int oci_state_save(const char *root, const struct oci_state *s, struct err *e)
{
	char path[PATH_LEN];
	json_t *j;
	int ret;

	ret = oci_state_path(path, root, s->id, "state.json", e);
	if (ret < 0)
		return ret;
	j = json_pack("{s:s,s:i,s:I,s:s,s:s,s:I}", "id", s->id, "pid", (int)s->pid,
		      "pid_start", (json_int_t)s->pid_start, "bundle", s->bundle,
		      "cgroup", s->cgroup ? s->cgroup : "", "created", (json_int_t)s->created);
	if (!j)
		return err_set(e, -ENOMEM, "state of %s", s->id);
	if (s->annotations) {
		json_t *a = json_loads(s->annotations, 0, NULL);

		if (a)
			json_object_set_new(j, "annotations", a);
	}
	ret = jsonf_save(path, j, e);
	json_decref(j);
	return ret;
}

int oci_state_load(const char *root, const char *id, struct oci_state *s,
		   struct err *e)
{
	char path[PATH_LEN];
	json_t *j, *a;
	int ret;

	memset(s, 0, sizeof(*s));
	if (strlen(id) > OCI_ID_MAX)
		return err_msg(e, -EINVAL, "container id too long");
	ret = oci_state_path(path, root, id, "state.json", e);
	if (ret < 0)
		return ret;
	if (!fs_exists(path))
		return err_msg(e, -ENOENT, "container %s does not exist", id);
	j = jsonf_load(path, e);
	if (!j)
		return e->code;
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->pid = jsonf_int(j, "pid", 0);
	s->pid_start = jsonf_int(j, "pid_start", 0);
	s->bundle = strdup(jsonf_str(j, "bundle", ""));
	s->cgroup = strdup(jsonf_str(j, "cgroup", ""));
	s->created = jsonf_int(j, "created", 0);
	a = json_object_get(j, "annotations");
	s->annotations = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(j);
	return 0;
}

void oci_state_free(struct oci_state *s)
{
	free(s->bundle);
	free(s->cgroup);
	free(s->annotations);
	s->bundle = s->cgroup = s->annotations = NULL;
}

/* A v1 freezer or v2 cgroup.freeze that reads frozen. */
static int oci_state_frozen(const struct oci_state *s)
{
	struct cgroup_stats st;
	struct err e;

	if (!s->cgroup || !s->cgroup[0])
		return 0;
	return cgroup_stats(s->cgroup, &st, &e) == 0 && st.frozen;
}

const char *oci_state_status(const char *root, const struct oci_state *s)
{
	char fifo[PATH_LEN];
	struct err e;

	if (!proc_alive(s->pid, s->pid_start))
		return "stopped";
	if (oci_state_path(fifo, root, s->id, "exec.fifo", &e) == 0 && fs_exists(fifo))
		return "created";
	if (oci_state_frozen(s))
		return "paused";
	return "running";
}

char *oci_state_json(const char *root, const struct oci_state *s, int pretty)
{
	const char *status = oci_state_status(root, s);

	return oci_state_json_raw(s->id, status, strcmp(status, "stopped") ? s->pid : 0,
				  s->bundle, s->annotations, pretty);
}

char *oci_state_json_raw(const char *id, const char *status, pid_t pid,
			 const char *bundle, const char *annotations, int pretty)
{
	char *out;
	json_t *j;

	j = json_pack("{s:s,s:s,s:s,s:i,s:s}", "ociVersion", OCI_SPEC_VERSION, "id", id,
		      "status", status, "pid", (int)pid, "bundle", bundle ? bundle : "");
	if (!j)
		return NULL;
	if (annotations) {
		json_t *a = json_loads(annotations, 0, NULL);

		if (a)
			json_object_set_new(j, "annotations", a);
	}
	out = json_dumps(j, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER : JSON_COMPACT |
			 JSON_PRESERVE_ORDER);
	json_decref(j);
	return out;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int oci_state_foreach(const char *root, int (*fn)(const char *id, void *arg),
		      void *arg, struct err *e)
{
	char **ids = NULL, p[PATH_LEN];
	struct dirent *d;
	int n = 0, i, ret = 0;
	DIR *dp = opendir(root);

	if (!dp)
		return errno == ENOENT ? 0 : err_set(e, -errno, "open %s", root);
	while ((d = readdir(dp))) {
		char **nids;

		if (d->d_name[0] == '.' ||
		    oci_state_path(p, root, d->d_name, "state.json", e) < 0 || !fs_exists(p))
			continue;
		nids = realloc(ids, sizeof(char *) * (n + 1));
		if (!nids)
			break;
		ids = nids;
		ids[n++] = strdup(d->d_name);
	}
	closedir(dp);
	if (n)
		qsort(ids, n, sizeof(char *), id_cmp);
	for (i = 0; i < n; i++) {
		if (ret >= 0 && ids[i])
			ret = fn(ids[i], arg);
		free(ids[i]);
	}
	free(ids);
	return ret < 0 ? ret : 0;
}
