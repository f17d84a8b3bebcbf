/*
 * oci_exec -- join a running OCI container and run a process in it.
 *
 *   strata oci exec (waits, or writes --pid-file and leaves with --detach)
 *     `-- joiner: cgroup, setns() into the container's namespaces
 *           `-- clone(CLONE_PARENT): the process, a child of strata, so
 *               that whoever reaps for strata (conmon) reaps it too
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/oci_exec.h"
#include "ct/oci_runtime.h"
#include "ct/oci_init.h"
#include "ct/oci_spec.h"
#include "ct/oci_state.h"
#include "ct/seccomp_oci.h"
#include "lib/chan.h"
#include "lib/fs.h"
#include "lib/tty.h"

/* The process object, wrapped as a minimal config so the one parser
 * checks it. */
static int process_load(const char *file, struct ct_config *p, struct err *e)
{
	char *text, *doc;
	size_t len;
	int ret;

	ret = fs_read_file(file, &text, &len, e);
	if (ret < 0)
		return ret;
	if (asprintf(&doc, "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/\"},\"process\":%s}",
		     text) < 0) {
		free(text);
		return err_set(e, -ENOMEM, "process %s", file);
	}
	free(text);
	ret = oci_spec_parse(doc, strlen(doc), "/", p, e);
	free(doc);
	return ret < 0 ? err_wrap(e, "process %s", file) : 0;
}

static char **strv_join(char **a, char **b)
{
	int n = 0, m = 0, i;
	char **v;

	while (a && a[n])
		n++;
	while (b && b[m])
		m++;
	v = calloc(n + m + 1, sizeof(char *));
	for (i = 0; v && i < n; i++)
		v[i] = strdup(a[i]);
	for (i = 0; v && i < m; i++)
		v[n + i] = strdup(b[i]);
	return v;
}

/* --user, --cwd, --env, --tty, args: a process like the container's own,
 * changed where the flags say. */
static int process_from_flags(const struct ct_config *c, const struct oci_exec_opts *o,
			      struct ct_config *p, struct err *e)
{
	unsigned int uid, gid;
	int n;

	memset(p, 0, sizeof(*p));
	if (!o->argv || !o->argv[0])
		return err_msg(e, -EINVAL, "exec: no command given");
	p->oci = calloc(1, sizeof(*p->oci));
	if (!p->oci)
		return err_set(e, -ENOMEM, "exec");
	p->argv = strv_join(o->argv, NULL);
	p->env = strv_join(c->env, o->env);
	p->cwd = strdup(o->cwd ? o->cwd : c->cwd ? c->cwd : "/");
	p->tty = o->tty;
	p->oci->uid = c->oci->uid;
	p->oci->gid = c->oci->gid;
	p->oci->caps = c->oci->caps;
	p->oci->has_caps = c->oci->has_caps;
	p->oci->no_new_privs = c->oci->no_new_privs;
	if (o->user) {
		n = sscanf(o->user, "%u:%u", &uid, &gid);
		if (n < 1)
			return err_msg(e, -EINVAL, "exec: bad --user '%s'", o->user);
		p->oci->uid = uid;
		p->oci->gid = n == 2 ? gid : 0;
	}
	return 0;
}

static int join(const struct ct_config *c, pid_t pid, struct err *e)
{
	static const int types[] = {
		CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
		CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP,
	};
	static const char *const names[] = {
		"user", "ipc", "uts", "net", "pid", "mnt", "cgroup",
	};
	int fds[7], i, ret = 0;
	char path[64];

	for (i = 0; i < 7; i++) {
		fds[i] = -1;
		if (!oci_ns_new(c, types[i]) && !oci_ns_path(c, types[i]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, names[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = err_set(e, -errno, "open %s", path);
			goto out;
		}
	}
	for (i = 0; i < 7; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], types[i]) < 0) {
			ret = err_set(e, -errno, "join %s namespace", names[i]);
			goto out;
		}
		if (types[i] == CLONE_NEWUSER &&
		    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			ret = err_set(e, -errno, "become root of the user namespace");
			goto out;
		}
	}
out:
	for (i = 0; i < 7; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* The process: console, confinement, identity, exec. */
static void __attribute__((noreturn)) exec_process(const struct ct_config *c,
						   struct ct_config *p, int sock)
{
	struct err e = { 0 };
	int master, slave;

	setsid();
	if (p->tty) {
		if (tty_openpty("/dev/ptmx", &master, &slave, &e) < 0)
			goto fail;
		chan_send(sock, OCI_PTY, 0, NULL, master);
		close(master);
		if (tty_make_controlling(slave) < 0) {
			err_set(&e, -errno, "console");
			goto fail;
		}
	}
	p->oci->seccomp = c->oci->seccomp;
	if (p->oci->seccomp && !p->oci->no_new_privs &&
	    security_seccomp_oci(p->oci->seccomp, &e) < 0)
		goto fail;
	if (oci_process_identity(p, &e) < 0)
		goto fail;
	if (chdir(p->cwd ? p->cwd : "/") < 0) {
		err_set(&e, -errno, "chdir %s", p->cwd);
		goto fail;
	}
	if (oci_lookup(p->argv[0], p->env, &e) < 0)
		goto fail;
	if (p->oci->seccomp && p->oci->no_new_privs &&
	    security_seccomp_oci(p->oci->seccomp, &e) < 0)
		goto fail;
	p->oci->seccomp = NULL;	/* owned by c */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	environ = p->env;
	execvp(p->argv[0], p->argv);
	err_set(&e, -errno, "exec %s", p->argv[0]);
fail:
	chan_send_err(sock, OCI_ERROR, &e);
	_exit(127);
}

static void __attribute__((noreturn)) exec_joiner(const struct ct_config *c,
						  struct ct_config *p,
						  const struct oci_state *s, int sock)
{
	struct err e = { 0 };
	pid_t pid;

	if (s->cgroup[0] && cgroup_attach(s->cgroup, getpid(), &e) < 0)
		goto fail;
	if (join(c, s->pid, &e) < 0)
		goto fail;
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		err_set(&e, -errno, "clone");
		goto fail;
	}
	if (pid == 0)
		exec_process(c, p, sock);
	chan_send(sock, OCI_PID, pid, NULL, -1);
	_exit(0);
fail:
	chan_send_err(sock, OCI_ERROR, &e);
	_exit(1);
}

/* Wait for the process to be exec'd: the channel closes (close-on-exec)
 * with no error sent. */
static int exec_wait_start(int sock, int tty, int *master, pid_t *pid, struct err *e)
{
	struct chan_msg m;
	int fd, ret;

	*pid = 0;
	for (;;) {
		ret = chan_recv(sock, &m, &fd);
		if (ret == -EPIPE)
			return *pid ? 0 : err_msg(e, -EIO, "exec: the joining process died");
		if (ret < 0)
			return err_set(e, ret, "exec channel");
		if (m.type == OCI_ERROR)
			return err_msg(e, m.value ? m.value : -EIO, "%s", m.text);
		if (m.type == OCI_PID)
			*pid = m.value;
		else if (m.type == OCI_PTY && tty)
			*master = fd;
		else if (fd >= 0)
			close(fd);
	}
}

int oci_exec(const char *root, const char *id, const struct oci_exec_opts *o,
	     struct err *e)
{
	struct ct_config c = { 0 }, p = { 0 };
	int sv[2], ret, status = 0, master = -1;
	char dir[PATH_LEN];
	struct oci_state s;
	pid_t joiner, pid = 0;

	ret = oci_state_load(root, id, &s, e);
	if (ret < 0)
		return ret;
	if (!strcmp(oci_state_status(root, &s), "stopped")) {
		ret = err_msg(e, -ESRCH, "cannot exec in a stopped container");
		goto out;
	}
	ret = oci_state_path(dir, root, id, NULL, e);
	if (ret == 0)
		ret = oci_spec_load(dir, &c, e);
	if (ret == 0)
		ret = o->process_file ? process_load(o->process_file, &p, e) :
		      process_from_flags(&c, o, &p, e);
	if (ret == 0 && o->tty)
		p.tty = 1;
	if (ret == 0)
		ret = chan_pair(sv, e);
	if (ret < 0)
		goto out;
	joiner = fork();
	if (joiner == 0) {
		close(sv[0]);
		exec_joiner(&c, &p, &s, sv[1]);
	}
	close(sv[1]);
	if (joiner < 0) {
		close(sv[0]);
		ret = err_set(e, -errno, "fork");
		goto out;
	}
	ret = exec_wait_start(sv[0], p.tty, &master, &pid, e);
	close(sv[0]);
	waitpid(joiner, NULL, 0);
	if (ret < 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		goto out;
	}
	if (master >= 0 && o->console_socket) {
		ret = oci_console_send(o->console_socket, master, e);
		close(master);
		master = -1;
		if (ret < 0)
			goto out;
	}
	if (o->pid_file) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", (int)pid);
		ret = fs_write_atomic(o->pid_file, buf, strlen(buf), e);
		if (ret < 0)
			goto out;
	}
	if (o->detach)
		goto out;
	if (master >= 0)
		tty_relay(master, pid, &status);
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	if (master >= 0)
		close(master);
	if (p.oci)
		p.oci->seccomp = NULL;
	ct_config_free(&p);
	ct_config_free(&c);
	oci_state_free(&s);
	return ret;
}
