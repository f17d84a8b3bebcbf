/*
 * exec -- join a running container and run a command in it.
 *
 *   strata (waits, relays the tty)
 *     `-- joiner: enters the cgroup, then setns() into each namespace
 *           `-- command: forked so it lands in the container's pid ns
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/close_range.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/exec.h"
#include "ct/init.h"
#include "ct/store.h"
#include "lib/chan.h"
#include "lib/tty.h"

/* user first: it grants the capabilities needed to join the others. */
static const char *const ns_order[] = {
	"user", "mnt", "uts", "ipc", "net", "cgroup", "pid",
};

static int join_namespaces(pid_t pid, struct err *e)
{
	int fds[sizeof(ns_order) / sizeof(ns_order[0])];
	size_t i, n = sizeof(ns_order) / sizeof(ns_order[0]);
	char path[64];
	int ret = 0;

	/* Open all first: after joining the mount namespace /proc/PID of the
	 * host is out of reach. */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_order[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = err_set(e, -errno, "open %s", path);
			n = i;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (setns(fds[i], 0) < 0) {
			ret = err_set(e, -errno, "join %s namespace", ns_order[i]);
			goto out;
		}
		if (i == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ||
			       setgroups(0, NULL) < 0)) {
			ret = err_set(e, -errno, "become container root");
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++)
		close(fds[i]);
	return ret;
}

static void __attribute__((noreturn)) exec_command(const struct ct_config *c,
						   const struct exec_opts *o,
						   int sock, int errpipe)
{
	struct err e = { 0 };
	int master, slave, err;

	setsid();
	if (o->tty) {
		if (tty_openpty("/dev/ptmx", &master, &slave, &e) < 0) {
			chan_send_err(sock, RT_ERROR, &e);
			_exit(126);
		}
		chan_send(sock, RT_PTY, 0, NULL, master);
		close(master);
		tty_make_controlling(slave);
	}
	if (init_confine(&e) < 0) {
		chan_send_err(sock, RT_ERROR, &e);
		_exit(126);
	}
	if (chdir(o->cwd ? o->cwd : "/") < 0) {
		err = errno;
		goto fail;
	}
	environ = init_environ(c);
	/* Nothing of the host's may leak in: descriptors that strata inherited
	 * from its caller close on exec (the error pipe is close-on-exec too). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execvp(o->argv[0], o->argv);
	err = errno;
fail:
	if (write(errpipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* The joiner: never returns; exits with the command's status. */
static void __attribute__((noreturn)) exec_joiner(struct ct_config *c,
						  const struct ct_state *s,
						  const struct exec_opts *o, int sock)
{
	struct err e = { 0 };
	int p[2], status, err;
	pid_t child;
	ssize_t n;

	char cg[CT_CGROUP_LEN];

	ct_cgroup_name(c, cg);
	if (cgroup_attach(cg, getpid(), &e) < 0 ||
	    join_namespaces(s->pid, &e) < 0)
		goto fail;
	if (o->env) {
		char **v;
		int i = 0;

		for (v = c->env; v && *v; v++)
			i++;
		for (v = o->env; *v; v++) {
			c->env = realloc(c->env, sizeof(char *) * (i + 2));
			c->env[i++] = strdup(*v);
			c->env[i] = NULL;
		}
	}
	c->tty = o->tty;
	if (pipe2(p, O_CLOEXEC) < 0) {
		err_set(&e, -errno, "pipe");
		goto fail;
	}
	child = fork();
	if (child < 0) {
		err_set(&e, -errno, "fork");
		goto fail;
	}
	if (child == 0)
		exec_command(c, o, sock, p[1]);
	close(p[1]);
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(err)) {
		err_set(&e, -err, "exec %s", o->argv[0]);
		goto fail;
	}
	chan_send(sock, RT_STARTED, child, NULL, -1);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
fail:
	chan_send_err(sock, RT_ERROR, &e);
	_exit(126);
}

static volatile pid_t exec_target;

static void exec_forward(int sig)
{
	if (exec_target > 0)
		kill(exec_target, sig);
}

/* Wait for "started" (and the console first with a tty). */
static int exec_handshake(int sock, int tty, int *master, pid_t *cmd,
			  struct err *e)
{
	struct chan_msg m;
	int fd, ret;

	for (;;) {
		ret = chan_recv(sock, &m, &fd);
		if (ret < 0)
			return err_msg(e, -EIO, "exec: the joining process died");
		if (m.type == RT_ERROR)
			return err_msg(e, m.value ? m.value : -EIO, "%s", m.text);
		if (m.type == RT_PTY && tty)
			*master = fd;
		else if (m.type == RT_STARTED) {
			*cmd = m.value;
			return 0;
		}
	}
}

int exec_in(const char *name, const struct exec_opts *o, struct err *e)
{
	struct sigaction sa = { .sa_handler = exec_forward, .sa_flags = SA_RESTART };
	int sv[2], ret, status = 0, master = -1;
	struct ct_config c;
	struct ct_state s;
	pid_t joiner, cmd = 0;

	ret = store_load(name, &c, &s, e);
	if (ret < 0)
		return ret;
	if (!store_is_running(&s)) {
		ct_config_free(&c);
		return err_msg(e, -ESRCH, "container %s is not running", name);
	}
	ret = chan_pair(sv, e);
	if (ret < 0)
		goto out;
	joiner = fork();
	if (joiner < 0) {
		ret = err_set(e, -errno, "fork");
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (joiner == 0) {
		close(sv[0]);
		exec_joiner(&c, &s, o, sv[1]);
	}
	close(sv[1]);
	ret = exec_handshake(sv[0], o->tty, &master, &cmd, e);
	close(sv[0]);
	if (ret < 0) {
		waitpid(joiner, NULL, 0);
		goto out;
	}
	exec_target = cmd;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (master >= 0) {
		tty_relay(master, joiner, &status);
		close(master);
	} else {
		while (waitpid(joiner, &status, 0) < 0 && errno == EINTR)
			;
	}
	exec_target = 0;
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	ct_config_free(&c);
	return ret;
}
