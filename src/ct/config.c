/*
 * config -- ct_config and ct_state to and from JSON (jansson).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ct/config.h"
#include "ct/oci_spec.h"
#include "lib/jsonf.h"
#include "lib/parse.h"

static const char *const status_names[] = {
	[CT_CREATED] = "created",
	[CT_RUNNING] = "running",
	[CT_STOPPED] = "stopped",
};

const char *ct_status_name(enum ct_status s)
{
	return s <= CT_STOPPED ? status_names[s] : "unknown";
}

static void strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

void ct_config_free(struct ct_config *c)
{
	int i;

	free(c->name);
	free(c->template);
	free(c->rootfs);
	free(c->hostname);
	free(c->cwd);
	free(c->net);
	strv_free(c->argv);
	strv_free(c->env);
	for (i = 0; i < c->nvols; i++) {
		free(c->vols[i].src);
		free(c->vols[i].dst);
	}
	free(c->vols);
	if (c->oci) {
		oci_spec_free(c->oci);
		free(c->oci);
	}
	memset(c, 0, sizeof(*c));
}

void ct_config_new_id(struct ct_config *c)
{
	unsigned char r[CT_ID_LEN / 2];
	int i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (i = 0; i < (int)sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ getpid());
	for (i = 0; i < (int)sizeof(r); i++)
		snprintf(c->id + 2 * i, 3, "%02x", r[i]);
}

void ct_cgroup_name(const struct ct_config *c, char buf[CT_CGROUP_LEN])
{
	snprintf(buf, CT_CGROUP_LEN, "%s-%s", c->name, c->id);
}

void ct_veth_name(const struct ct_config *c, char buf[16])
{
	snprintf(buf, 16, "sv%.10s", c->id);
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static char **strv_from_json(const json_t *a)
{
	size_t i, n = json_array_size(a);
	char **v = calloc(n + 1, sizeof(char *));

	for (i = 0; v && i < n; i++)
		v[i] = strdup(json_string_value(json_array_get(a, i)) ?: "");
	return v;
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static json_t *vols_json(const struct ct_config *c)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < c->nvols; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "source", c->vols[i].src,
						   "destination", c->vols[i].dst,
						   "readonly", c->vols[i].ro));
	return a;
}

int ct_config_save(const struct ct_config *c, const char *path, struct err *e)
{
	char ip[16];
	json_t *j;
	int ret;

	j = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}",
		      "name", c->name, "id", c->id,
		      "template", opt_str(c->template), "rootfs", opt_str(c->rootfs),
		      "hostname", opt_str(c->hostname), "cwd", opt_str(c->cwd),
		      "args", strv_json(c->argv), "env", strv_json(c->env),
		      "volumes", vols_json(c), "network", opt_str(c->net),
		      "tty", c->tty, "autoremove", c->autoremove);
	if (!j)
		return err_set(e, -ENOMEM, "config %s", c->name);
	json_object_set_new(j, "ip", c->net ? json_string(ipv4_str(c->ip, ip)) : json_null());
	json_object_set_new(j, "limits",
			    json_pack("{s:I,s:f,s:I,s:I}", "memory", (json_int_t)c->limits.memory,
				      "cpus", c->limits.cpus,
				      "cpu_shares", (json_int_t)c->limits.cpu_shares,
				      "pids", (json_int_t)c->limits.pids));
	json_object_set_new(j, "user_map",
			    json_pack("{s:I,s:I}", "host", (json_int_t)c->uid_host,
				      "count", (json_int_t)c->uid_count));
	ret = jsonf_save(path, j, e);
	json_decref(j);
	return ret;
}

static int vols_from_json(struct ct_config *c, const json_t *a)
{
	size_t i, n = json_array_size(a);

	c->vols = calloc(n ? n : 1, sizeof(*c->vols));
	if (!c->vols)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);

		c->vols[i].src = strdup(jsonf_str(v, "source", ""));
		c->vols[i].dst = strdup(jsonf_str(v, "destination", ""));
		c->vols[i].ro = json_is_true(json_object_get(v, "readonly"));
	}
	c->nvols = (int)n;
	return 0;
}

/* An id is exactly CT_ID_LEN lower-case hex digits: it names host objects. */
static int config_id_ok(const char *id)
{
	int i;

	for (i = 0; i < CT_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[i] == '\0';
}

int ct_config_load(struct ct_config *c, const char *path, struct err *e)
{
	const json_t *lim, *map;
	json_t *j;
	struct err sub;

	memset(c, 0, sizeof(*c));
	j = jsonf_load(path, e);
	if (!j)
		return e->code;
	c->name = strdup(jsonf_str(j, "name", ""));
	if (config_id_ok(jsonf_str(j, "id", "")))
		memcpy(c->id, jsonf_str(j, "id", ""), CT_ID_LEN + 1);
	else
		memset(c->id, '0', CT_ID_LEN);
	c->template = dup_or_null(jsonf_str(j, "template", NULL));
	c->rootfs = dup_or_null(jsonf_str(j, "rootfs", NULL));
	c->hostname = dup_or_null(jsonf_str(j, "hostname", NULL));
	c->cwd = dup_or_null(jsonf_str(j, "cwd", NULL));
	c->net = dup_or_null(jsonf_str(j, "network", NULL));
	if (c->net && parse_ipv4(jsonf_str(j, "ip", ""), &c->ip, &sub) < 0)
		c->ip = 0;
	c->argv = strv_from_json(json_object_get(j, "args"));
	c->env = strv_from_json(json_object_get(j, "env"));
	c->tty = json_is_true(json_object_get(j, "tty"));
	c->autoremove = json_is_true(json_object_get(j, "autoremove"));
	lim = json_object_get(j, "limits");
	c->limits.memory = jsonf_int(lim, "memory", 0);
	c->limits.cpus = jsonf_real(lim, "cpus", 0);
	c->limits.cpu_shares = jsonf_int(lim, "cpu_shares", 0);
	c->limits.pids = jsonf_int(lim, "pids", 0);
	map = json_object_get(j, "user_map");
	c->uid_host = jsonf_int(map, "host", CT_DEFAULT_UID_BASE);
	c->uid_count = jsonf_int(map, "count", CT_DEFAULT_UID_COUNT);
	vols_from_json(c, json_object_get(j, "volumes"));
	json_decref(j);
	if (!c->name || !c->argv || !c->env || !c->vols) {
		ct_config_free(c);
		return err_set(e, -ENOMEM, "load %s", path);
	}
	return 0;
}

int ct_state_save(const struct ct_state *s, const char *path, struct err *e)
{
	json_t *j;
	int ret;

	j = json_pack("{s:s,s:i,s:I,s:i,s:I,s:i,s:I,s:I}",
		      "status", ct_status_name(s->status), "pid", (int)s->pid,
		      "pid_start", (json_int_t)s->pid_start, "monitor", (int)s->monitor,
		      "monitor_start", (json_int_t)s->monitor_start,
		      "exit_code", s->exit_code, "started", (json_int_t)s->started,
		      "finished", (json_int_t)s->finished);
	if (!j)
		return err_set(e, -ENOMEM, "state");
	ret = jsonf_save(path, j, e);
	json_decref(j);
	return ret;
}

int ct_state_load(struct ct_state *s, const char *path, struct err *e)
{
	const char *st;
	json_t *j;

	memset(s, 0, sizeof(*s));
	s->exit_code = -1;
	j = jsonf_load(path, e);
	if (!j)
		return e->code;
	st = jsonf_str(j, "status", "stopped");
	s->status = !strcmp(st, "running") ? CT_RUNNING :
		    !strcmp(st, "created") ? CT_CREATED : CT_STOPPED;
	s->pid = jsonf_int(j, "pid", 0);
	s->pid_start = jsonf_int(j, "pid_start", 0);
	s->monitor = jsonf_int(j, "monitor", 0);
	s->monitor_start = jsonf_int(j, "monitor_start", 0);
	s->exit_code = jsonf_int(j, "exit_code", -1);
	s->started = jsonf_int(j, "started", 0);
	s->finished = jsonf_int(j, "finished", 0);
	json_decref(j);
	return 0;
}
