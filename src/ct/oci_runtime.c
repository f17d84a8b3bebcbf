/*
 * oci_runtime -- create, start, run, kill, delete, pause of OCI containers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/cgroup_oci.h"
#include "ct/oci_hooks.h"
#include "ct/oci_idmap.h"
#include "ct/oci_init.h"
#include "ct/oci_runtime.h"
#include "ct/oci_spec.h"
#include "ct/oci_state.h"
#include "lib/chan.h"
#include "lib/fs.h"
#include "lib/parse.h"
#include "lib/proc.h"
#include "lib/tty.h"

/* Everything `create` made, so a failure can undo it. */
struct oci_job {
	const char *root, *id;
	struct ct_config c;
	char dir[PATH_LEN];
	char fifo[PATH_LEN];
	char cgroup[PATH_LEN];
	int have_dir, have_cgroup;
	int sock;
	pid_t setup, pid;
	int pty;		/* console master when no console socket */
};

/* cgroupsPath -> the name cgroup_*() take.  "slice:prefix:name" is the
 * systemd form (--systemd-cgroup): /slice/prefix-name.scope. */
static int oci_cgroup_name(struct oci_job *j, int systemd, struct err *e)
{
	const char *p = j->c.oci->cgroups_path;
	char slice[256], prefix[256], name[512];

	if (!p || !*p)
		return fs_path(j->cgroup, e, "oci-%s", j->id);
	if (p[0] == '/')
		return fs_path(j->cgroup, e, "%s", p);
	if (systemd || strchr(p, ':')) {
		if (sscanf(p, "%255[^:]:%255[^:]:%511s", slice, prefix, name) != 3)
			return err_msg(e, -EINVAL, "cgroupsPath '%s': expected slice:prefix:name", p);
		return fs_path(j->cgroup, e, "/%s/%s-%s.scope", slice, prefix, name);
	}
	return fs_path(j->cgroup, e, "/%s", p);
}

static int job_prepare(struct oci_job *j, const struct oci_create_opts *o,
		       struct err *e)
{
	char bundle[PATH_LEN], src[PATH_LEN], dst[PATH_LEN], *text;
	size_t len;
	int ret, i;

	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return err_set(e, -errno, "bundle %s", o->bundle ? o->bundle : ".");
	ret = oci_spec_load(bundle, &j->c, e);
	if (ret < 0)
		return ret;
	if (!j->c.argv)
		return err_msg(e, -EINVAL, "config.json: process: missing");
	for (i = 0; j->c.oci->warnings && j->c.oci->warnings[i]; i++)
		log_warn("%s", j->c.oci->warnings[i]);
	ret = fs_mkdir_p(j->root, 0700, e);
	if (ret < 0 || (ret = oci_state_path(j->dir, j->root, j->id, NULL, e)) < 0)
		return ret;
	if (mkdir(j->dir, 0711) < 0)
		return errno == EEXIST ? err_msg(e, -EEXIST, "container with id %s already exists",
						 j->id) : err_set(e, -errno, "mkdir %s", j->dir);
	j->have_dir = 1;
	/* config.json as it was at create: delete and exec read it later,
	 * when the bundle may be gone. */
	ret = fs_path(src, e, "%s/config.json", bundle);
	if (ret == 0)
		ret = oci_state_path(dst, j->root, j->id, "config.json", e);
	if (ret == 0 && (ret = fs_read_file(src, &text, &len, e)) == 0) {
		ret = fs_write_atomic(dst, text, len, e);
		free(text);
	}
	if (ret < 0)
		return ret;
	ret = oci_state_path(j->fifo, j->root, j->id, "exec.fifo", e);
	if (ret < 0)
		return ret;
	if (mkfifo(j->fifo, 0622) < 0)
		return err_set(e, -errno, "mkfifo %s", j->fifo);
	chmod(j->fifo, 0622);	/* past the umask: the process may not be root */
	ret = oci_cgroup_name(j, o->systemd_cgroup, e);
	if (ret < 0)
		return ret;
	ret = cgroup_create(j->cgroup, &j->c.limits, e);
	if (ret == -EEXIST) {	/* a cgroup made beforehand by the caller: join it */
		err_clear(e);
		ret = 0;
	} else if (ret == 0) {
		j->have_cgroup = 1;
		ret = cgroup_oci_apply(j->cgroup, &j->c, e);
	}
	return ret;
}

static int write_idmap(pid_t pid, const char *file, const struct oci_idmap *m,
		       int n, struct err *e)
{
	char path[64], map[4096];
	size_t off = 0;
	int i;

	for (i = 0; i < n && off < sizeof(map) - 64; i++)
		off += snprintf(map + off, sizeof(map) - off, "%u %u %u\n", m[i].container,
				m[i].host, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return fs_write_str(path, map, e);
}

static int job_expect(struct oci_job *j, int want, struct chan_msg *m, int *fd,
		      struct err *e)
{
	int ret = chan_recv(j->sock, m, fd);

	if (ret < 0)
		return err_msg(e, -EIO, "container init died during setup");
	if (m->type == OCI_ERROR)
		return err_msg(e, m->value ? m->value : -EIO, "%s", m->text);
	if (m->type != want)
		return err_msg(e, -EPROTO, "container init: unexpected message %d", m->type);
	return 0;
}

/* Send the console master to the caller's socket, as runc does
 * (SCM_RIGHTS with the pty's name as payload). */
int oci_console_send(const char *path, int master, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_msg(e, -ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_set(e, -errno, "socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = err_set(e, -errno, "connect console socket %s", path);
		close(s);
		return ret;
	}
	ret = chan_send_raw(s, "/dev/ptmx", master);
	close(s);
	return ret < 0 ? err_set(e, ret, "send console to %s", path) : 0;
}

static int job_hooks(struct oci_job *j, enum oci_hook_kind kind, struct err *e)
{
	char *state = oci_state_json_raw(j->id, "created", j->pid, j->c.oci->bundle,
					 j->c.oci->annotations_json, 0);
	int ret = oci_hooks_run(j->c.oci, kind, state, e);

	free(state);
	return ret;
}

static int job_spawn(struct oci_job *j, const struct oci_create_opts *o,
		     struct err *e)
{
	struct oci_init_args a = {
		.c = &j->c, .id = j->id, .fifo = j->fifo, .cgroup = j->cgroup,
	};
	struct chan_msg m;
	int sv[2], ret;

	j->c.oci->no_pivot = o->no_pivot;
	/* the process inherits them, the runtime's copies go in job_create */
	ret = oci_idmap_prepare(&j->c, e);
	if (ret < 0)
		return ret;
	a.fifo_fd = open(j->fifo, O_PATH | O_CLOEXEC);
	if (a.fifo_fd < 0)
		return err_set(e, -errno, "open %s", j->fifo);
	ret = chan_pair(sv, e);
	if (ret < 0) {
		close(a.fifo_fd);
		return ret;
	}
	j->setup = fork();
	if (j->setup < 0) {
		close(sv[0]);
		close(sv[1]);
		close(a.fifo_fd);
		return err_set(e, -errno, "fork");
	}
	if (j->setup == 0) {
		close(sv[0]);
		a.sock = sv[1];
		oci_setup_main(&a);
	}
	close(sv[1]);
	close(a.fifo_fd);
	j->sock = sv[0];
	if (oci_ns_new(&j->c, CLONE_NEWUSER)) {
		ret = job_expect(j, OCI_USERNS, &m, NULL, e);
		if (ret == 0)
			ret = write_idmap(j->setup, "uid_map", j->c.oci->uid_maps,
					  j->c.oci->nuid_maps, e);
		if (ret == 0)
			ret = write_idmap(j->setup, "gid_map", j->c.oci->gid_maps,
					  j->c.oci->ngid_maps, e);
		if (ret < 0)
			return ret;
		chan_send(j->sock, OCI_MAPPED, 0, NULL, -1);
	}
	ret = job_expect(j, OCI_PID, &m, NULL, e);
	if (ret < 0)
		return ret;
	j->pid = m.value;
	waitpid(j->setup, NULL, 0);
	j->setup = 0;
	/* the process entered the v1 groups itself (cgroup_self_enter) */
	ret = cgroup_attach_flags(j->cgroup, j->pid, CGROUP_ATTACH_V2_ONLY, e);
	if (ret < 0)
		return ret;
	if (j->c.oci->has_oom_score_adj) {
		char path[64], v[16];

		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)j->pid);
		snprintf(v, sizeof(v), "%d", j->c.oci->oom_score_adj);
		ret = fs_write_str(path, v, e);
		if (ret < 0)
			return ret;
	}
	chan_send(j->sock, OCI_GO, j->pid, NULL, -1);
	ret = job_expect(j, OCI_MOUNTED, &m, NULL, e);
	if (ret < 0)
		return ret;
	ret = job_hooks(j, OCI_HOOK_PRESTART, e);
	if (ret == 0)
		ret = job_hooks(j, OCI_HOOK_CREATE_RUNTIME, e);
	if (ret < 0)
		return ret;
	chan_send(j->sock, OCI_CONTINUE, 0, NULL, -1);
	if (j->c.tty) {
		ret = job_expect(j, OCI_PTY, &m, &j->pty, e);
		if (ret < 0)
			return ret;
		if (o->console_socket) {
			ret = oci_console_send(o->console_socket, j->pty, e);
			close(j->pty);
			j->pty = -1;
			if (ret < 0)
				return ret;
		}
	}
	return job_expect(j, OCI_READY, &m, NULL, e);
}

static void job_undo(struct oci_job *j)
{
	struct err ignore;

	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	if (j->setup > 0) {
		kill(j->setup, SIGKILL);
		waitpid(j->setup, NULL, 0);
	}
	if (j->have_cgroup)
		cgroup_destroy(j->cgroup, &ignore);
	if (j->have_dir)
		fs_rm_rf(j->dir, &ignore);
}

static int write_pid_file(const char *path, pid_t pid, struct err *e)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return fs_write_atomic(path, buf, strlen(buf), e);
}

static int job_create(struct oci_job *j, const struct oci_create_opts *o,
		      struct err *e)
{
	struct oci_state s = { 0 };
	int ret;

	if (!*j->id || strlen(j->id) > OCI_ID_MAX || strchr(j->id, '/') || j->id[0] == '.')
		return err_msg(e, -EINVAL, "invalid container id '%s'", j->id);
	ret = job_prepare(j, o, e);
	if (ret == 0)
		ret = job_spawn(j, o, e);
	oci_idmap_release(&j->c);
	if (ret == 0 && o->pid_file)
		ret = write_pid_file(o->pid_file, j->pid, e);
	if (ret == 0) {
		snprintf(s.id, sizeof(s.id), "%s", j->id);
		s.pid = j->pid;
		s.pid_start = proc_start_time(j->pid);
		s.bundle = j->c.oci->bundle;
		s.cgroup = j->cgroup;
		s.annotations = j->c.oci->annotations_json;
		s.created = time(NULL);
		ret = oci_state_save(j->root, &s, e);
	}
	if (j->sock >= 0)
		close(j->sock);
	j->sock = -1;
	if (ret < 0)
		job_undo(j);
	return ret;
}

int oci_create(const char *root, const char *id, const struct oci_create_opts *o,
	       struct err *e)
{
	struct oci_job j = { .root = root, .id = id, .sock = -1, .pty = -1 };
	int ret = job_create(&j, o, e);

	if (j.pty >= 0)
		close(j.pty);
	ct_config_free(&j.c);
	return ret;
}

/* Release the process waiting on exec.fifo. */
static int fifo_release(const char *root, const struct oci_state *s, struct err *e)
{
	char fifo[PATH_LEN], b;
	int fd, ret;

	ret = oci_state_path(fifo, root, s->id, "exec.fifo", e);
	if (ret < 0)
		return ret;
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_msg(e, -EINVAL, "cannot start a container that is %s",
			       oci_state_status(root, s));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0 && (p.revents & POLLIN) && read(fd, &b, 1) == 1)
			break;
		if (!proc_alive(s->pid, s->pid_start)) {
			close(fd);
			return err_msg(e, -ESRCH, "container %s exited before start", s->id);
		}
	}
	close(fd);
	unlink(fifo);
	return 0;
}

static int load_config(const char *root, const char *id, struct ct_config *c,
		       struct err *e)
{
	char dir[PATH_LEN];
	int ret = oci_state_path(dir, root, id, NULL, e);

	return ret < 0 ? ret : oci_spec_load(dir, c, e);
}

int oci_start(const char *root, const char *id, struct err *e)
{
	struct oci_state s;
	struct ct_config c = { 0 };
	struct err hook;
	char *state;
	int ret;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	if (strcmp(oci_state_status(root, &s), "created")) {
		ret = err_msg(e, -EINVAL, "cannot start a container that is %s",
			      oci_state_status(root, &s));
		goto out;
	}
	ret = fifo_release(root, &s, e);
	if (ret < 0)
		goto out;
	/* poststart failures are warnings: the container already runs.  The
	 * hooks see the state start made, "running" with its pid, even when
	 * a short process has exited by the time they read it. */
	if (load_config(root, id, &c, &hook) == 0) {
		state = oci_state_json_raw(s.id, "running", s.pid, s.bundle,
					   s.annotations, 0);
		if (oci_hooks_run(c.oci, OCI_HOOK_POSTSTART, state, &hook) < 0)
			log_warn("%s", hook.msg);
		free(state);
	}
	ct_config_free(&c);
out:
	oci_state_free(&s);
	return ret;
}

int oci_run(const char *root, const char *id, const struct oci_create_opts *o,
	    int detach, int keep, struct err *e)
{
	struct oci_job j = { .root = root, .id = id, .sock = -1, .pty = -1 };
	struct oci_state s;
	int ret, status = 0;

	ret = job_create(&j, o, e);
	if (ret == 0 && (ret = oci_state_load(root, id, &s, e)) == 0) {
		ret = fifo_release(root, &s, e);
		oci_state_free(&s);
	}
	if (ret < 0 || detach)
		goto out;
	if (j.pty >= 0)
		tty_relay(j.pty, j.pid, &status);
	else
		while (waitpid(j.pid, &status, 0) < 0 && errno == EINTR)
			;
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!keep) {
		struct err ignore;

		oci_delete(root, id, 1, &ignore);
	}
out:
	if (j.pty >= 0)
		close(j.pty);
	ct_config_free(&j.c);
	return ret;
}

int oci_signal_parse(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	size_t i;
	char *end;
	long n;

	if (!s || !*s)
		return -EINVAL;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < NSIG ? (int)n : -EINVAL;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	return -EINVAL;
}

int oci_kill(const char *root, const char *id, int sig, int all, struct err *e)
{
	struct oci_state s;
	pid_t *pids = NULL;
	int ret, n = 0, i;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	if (!strcmp(oci_state_status(root, &s), "stopped") && !all) {
		ret = err_msg(e, -ESRCH, "container not running");
		goto out;
	}
	if (all && s.cgroup[0] && cgroup_pids(s.cgroup, &pids, &n, e) == 0) {
		for (i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
		if (sig == SIGKILL || sig == SIGTERM)
			cgroup_freeze(s.cgroup, 0, e);	/* a frozen task acts on signals once thawed */
		err_clear(e);
	} else if (kill(s.pid, sig) < 0) {
		ret = err_set(e, -errno, "kill %d", (int)s.pid);
	}
out:
	oci_state_free(&s);
	return ret;
}


int oci_delete(const char *root, const char *id, int force, struct err *e)
{
	struct ct_config c = { 0 };
	struct oci_state s;
	const char *status;
	char dir[PATH_LEN], *state;
	struct err soft;
	int ret;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	status = oci_state_status(root, &s);
	if (!force && strcmp(status, "stopped") && strcmp(status, "created")) {
		ret = err_msg(e, -EBUSY, "cannot delete container %s that is not stopped: %s",
			      id, status);
		goto out;
	}
	if (strcmp(status, "stopped")) {
		oci_kill(root, id, SIGKILL, 1, &soft);
		kill(s.pid, SIGKILL);
		proc_wait_gone(s.pid, s.pid_start, 5000);
	}
	if (s.cgroup[0] && cgroup_destroy(s.cgroup, &soft) < 0)
		log_warn("%s", soft.msg);
	if (load_config(root, id, &c, &soft) == 0) {
		state = oci_state_json_raw(id, "stopped", 0, s.bundle, s.annotations, 0);
		if (oci_hooks_run(c.oci, OCI_HOOK_POSTSTOP, state, &soft) < 0)
			log_warn("%s", soft.msg);
		free(state);
	}
	ct_config_free(&c);
	ret = oci_state_path(dir, root, id, NULL, e);
	if (ret == 0)
		ret = fs_rm_rf(dir, e);
out:
	oci_state_free(&s);
	return ret;
}

int oci_pause(const char *root, const char *id, int pause, struct err *e)
{
	struct oci_state s;
	const char *status;
	int ret;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	status = oci_state_status(root, &s);
	if (pause && strcmp(status, "running"))
		ret = err_msg(e, -EINVAL, "container %s is not running", id);
	else if (!pause && strcmp(status, "paused"))
		ret = err_msg(e, -EINVAL, "container %s is not paused", id);
	else
		ret = cgroup_freeze(s.cgroup, pause, e);
	oci_state_free(&s);
	return ret;
}

int oci_pids(const char *root, const char *id, pid_t **pids, int *n, struct err *e)
{
	struct oci_state s;
	int ret;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	ret = cgroup_pids(s.cgroup, pids, n, e);
	oci_state_free(&s);
	return ret;
}
