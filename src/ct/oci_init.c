/*
 * oci_init -- setup child and container process of an OCI container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/oci_hooks.h"
#include "ct/oci_init.h"
#include "ct/oci_mount.h"
#include "ct/oci_spec.h"
#include "ct/oci_state.h"
#include "ct/seccomp_oci.h"
#include "ct/security.h"
#include "lib/chan.h"
#include "lib/fs.h"
#include "lib/tty.h"

int oci_ns_new(const struct ct_config *c, int type)
{
	int i;

	for (i = 0; i < c->oci->nns; i++)
		if (c->oci->ns[i].type == type)
			return c->oci->ns[i].path == NULL;
	return 0;
}

const char *oci_ns_path(const struct ct_config *c, int type)
{
	int i;

	for (i = 0; i < c->oci->nns; i++)
		if (c->oci->ns[i].type == type)
			return c->oci->ns[i].path;
	return NULL;
}

/* Join every namespace given by path; the user namespace first, since it
 * grants the rights to join the others. */
static int join_paths(const struct ct_config *c, struct err *e)
{
	static const int order[] = {
		CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
		CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP,
	};
	int fds[7], i, n = 7, ret = 0;

	for (i = 0; i < n; i++) {
		const char *p = oci_ns_path(c, order[i]);

		fds[i] = -1;
		if (!p)
			continue;
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = err_set(e, -errno, "namespace %s", p);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], order[i]) < 0) {
			ret = err_set(e, -errno, "join namespace %s", oci_ns_path(c, order[i]));
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

static int become_root(struct err *e)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err_set(e, -errno, "become root of the user namespace");
	return 0;
}

static void __attribute__((noreturn)) oci_process_main(const struct oci_init_args *a);

void oci_setup_main(const struct oci_init_args *a)
{
	const struct ct_config *c = a->c;
	int sock = a->sock, flags = 0, ret;
	struct cgroup_self cgself;
	struct chan_msg m;
	struct err e = { 0 };
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* opened while still root on the host; the process writes them */
	ret = cgroup_self_open(a->cgroup, &cgself, &e);
	if (ret == 0)
		ret = join_paths(c, &e);
	if (ret < 0)
		goto fail;
	if (oci_ns_path(c, CLONE_NEWUSER) && (ret = become_root(&e)) < 0)
		goto fail;
	if (oci_ns_new(c, CLONE_NEWUSER)) {
		if (unshare(CLONE_NEWUSER) < 0) {
			ret = err_set(&e, -errno, "new user namespace");
			goto fail;
		}
		chan_send(sock, OCI_USERNS, 0, NULL, -1);
		if (chan_recv(sock, &m, NULL) < 0 || m.type != OCI_MAPPED)
			_exit(1);
		if ((ret = become_root(&e)) < 0)
			goto fail;
	}
	if (oci_ns_new(c, CLONE_NEWNS))
		flags |= CLONE_NEWNS;
	if (oci_ns_new(c, CLONE_NEWUTS))
		flags |= CLONE_NEWUTS;
	if (oci_ns_new(c, CLONE_NEWIPC))
		flags |= CLONE_NEWIPC;
	if (oci_ns_new(c, CLONE_NEWNET))
		flags |= CLONE_NEWNET;
	if (oci_ns_new(c, CLONE_NEWPID))
		flags |= CLONE_NEWPID;
	if (flags && unshare(flags) < 0) {
		ret = err_set(&e, -errno, "new namespaces");
		goto fail;
	}
	/* CLONE_PARENT: the container process is the runtime's child, and so
	 * becomes the child of whoever reaps for it (conmon, containerd's
	 * shim) once `create` exits -- as with runc. */
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		ret = err_set(&e, -errno, "clone");
		goto fail;
	}
	if (pid == 0) {
		if ((ret = cgroup_self_enter(&cgself, &e)) < 0)
			goto fail;
		oci_process_main(a);
	}
	cgroup_self_close(&cgself);
	chan_send(sock, OCI_PID, pid, NULL, -1);
	_exit(0);
fail:
	chan_send_err(sock, OCI_ERROR, &e);
	_exit(1);
}

static int set_rlimits(const struct ct_oci *o, struct err *e)
{
	int i;

	for (i = 0; i < o->nrlimits; i++) {
		struct rlimit r = { o->rlimits[i].soft, o->rlimits[i].hard };

		if (setrlimit(o->rlimits[i].resource, &r) < 0)
			return err_set(e, -errno, "setrlimit %d", o->rlimits[i].resource);
	}
	return 0;
}

int oci_process_identity(const struct ct_config *c, struct err *e)
{
	const struct ct_oci *o = c->oci;
	const struct oci_caps *k = &o->caps;
	int ret;

	ret = set_rlimits(o, e);
	if (ret < 0)
		return ret;
	if (o->has_umask)
		umask(o->umask);
	ret = security_caps_bound(o->has_caps ? k->bounding : 0, e);
	if (ret < 0)
		return ret;
	/* Keep the permitted set across the uid change; the sets are then
	 * written exactly as the spec says. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(e, -errno, "keep capabilities");
	if (setgroups(o->ngroups, (const gid_t *)o->groups) < 0 && errno != EPERM)
		return err_set(e, -errno, "setgroups");
	if (setresgid(o->gid, o->gid, o->gid) < 0)
		return err_set(e, -errno, "setgid %u", o->gid);
	if (setresuid(o->uid, o->uid, o->uid) < 0)
		return err_set(e, -errno, "setuid %u", o->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (o->has_caps)
		ret = security_caps_sets(k->effective, k->inheritable, k->permitted,
					 k->ambient, e);
	else
		ret = security_caps_sets(0, 0, 0, 0, e);
	if (ret < 0)
		return ret;
	if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, -errno, "no_new_privs");
	return 0;
}

int oci_lookup(const char *file, char *const *env, struct err *e)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char buf[PATH_LEN];
	const char *p, *end;
	int i;

	if (strchr(file, '/')) {
		if (access(file, X_OK) < 0)
			return err_set(e, -errno, "exec: \"%s\"", file);
		return 0;
	}
	for (i = 0; env && env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			path = env[i] + 5;
	for (p = path; ; p = end + 1) {
		struct stat st;

		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, file);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		if (!*end)
			break;
	}
	return err_msg(e, -ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

/* Builds the container from the inside, up to the wait on exec.fifo. */
static int oci_process_setup(const struct oci_init_args *a, pid_t host_pid,
			     int *fifo, struct err *e)
{
	const struct ct_config *c = a->c;
	const struct ct_oci *o = c->oci;
	int master = -1, slave = -1, ret;
	struct chan_msg m;
	char *state;

	if (oci_ns_new(c, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return err_set(e, -errno, "new cgroup namespace");
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return err_set(e, -errno, "sethostname");
	if (o->domainname && setdomainname(o->domainname, strlen(o->domainname)) < 0)
		return err_set(e, -errno, "setdomainname");
	if (!oci_ns_new(c, CLONE_NEWNS) && !oci_ns_path(c, CLONE_NEWNS))
		return err_msg(e, -EINVAL, "linux.namespaces: a mount namespace is required");
	ret = oci_mount_rootfs(c, oci_ns_new(c, CLONE_NEWUSER) ||
			       oci_ns_path(c, CLONE_NEWUSER), c->tty ? &master : NULL,
			       &slave, e);
	if (ret < 0)
		return ret;
	chan_send(a->sock, OCI_MOUNTED, 0, NULL, -1);
	if (chan_recv(a->sock, &m, NULL) < 0 || m.type != OCI_CONTINUE)
		_exit(1);
	state = oci_state_json_raw(a->id, "created", host_pid, o->bundle,
				   o->annotations_json, 0);
	ret = oci_hooks_run(o, OCI_HOOK_CREATE_CONTAINER, state, e);
	free(state);
	if (ret < 0)
		return ret;
	/* exec.fifo is on the host: held by an O_PATH descriptor across
	 * pivot_root, reopened through /proc/self/fd once start comes. */
	*fifo = a->fifo_fd;
	if (master >= 0) {
		chan_send(a->sock, OCI_PTY, 0, NULL, master);
		close(master);
	}
	ret = oci_mount_finish(c, e);
	if (ret < 0)
		return ret;
	if (slave >= 0) {
		setsid();
		ret = tty_make_controlling(slave);
		if (ret < 0)
			return err_set(e, ret, "console");
	}
	/* Without no_new_privs a filter can only be loaded while we still
	 * hold CAP_SYS_ADMIN, so before the capabilities go. */
	if (o->seccomp && !o->no_new_privs && (ret = security_seccomp_oci(o->seccomp, e)) < 0)
		return ret;
	ret = oci_process_identity(c, e);
	if (ret < 0)
		return ret;
	if (chdir(c->cwd ? c->cwd : "/") < 0)
		return err_set(e, -errno, "chdir %s", c->cwd ? c->cwd : "/");
	return oci_lookup(c->argv[0], c->env, e);
}

static void __attribute__((noreturn)) oci_process_main(const struct oci_init_args *a)
{
	const struct ct_oci *o = a->c->oci;
	struct err e = { 0 };
	struct chan_msg m;
	char path[64], *state;
	int fifo = -1, fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chan_recv(a->sock, &m, NULL) < 0 || m.type != OCI_GO)
		_exit(1);
	if (oci_process_setup(a, m.value, &fifo, &e) < 0) {
		chan_send_err(a->sock, OCI_ERROR, &e);
		_exit(1);
	}
	/* Ready: from here on we belong to whoever reaps for the runtime. */
	prctl(PR_SET_PDEATHSIG, 0);
	chan_send(a->sock, OCI_READY, 0, NULL, -1);
	close(a->sock);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		fprintf(stderr, "strata: wait for start: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd);
	close(fifo);
	state = oci_state_json_raw(a->id, "running", (pid_t)m.value, o->bundle,
				   o->annotations_json, 0);
	if (oci_hooks_run(o, OCI_HOOK_START_CONTAINER, state, &e) < 0) {
		fprintf(stderr, "strata: %s\n", e.msg);
		_exit(127);
	}
	free(state);
	if (o->seccomp && o->no_new_privs && security_seccomp_oci(o->seccomp, &e) < 0) {
		fprintf(stderr, "strata: %s\n", e.msg);
		_exit(127);
	}
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	environ = a->c->env;
	execvp(a->c->argv[0], a->c->argv);
	fprintf(stderr, "strata: exec %s: %s\n", a->c->argv[0], strerror(errno));
	_exit(127);
}
