/*
 * init -- the container's pid 1.
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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/init.h"
#include "ct/network.h"
#include "ct/rootfs.h"
#include "ct/security.h"
#include "lib/chan.h"
#include "lib/fs.h"
#include "lib/proc.h"
#include "lib/tty.h"

static const char *const env_defaults[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
	"container=strata",
};

static int env_find(char **env, int n, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	int i;

	for (i = 0; i < n; i++)
		if (!strncmp(env[i], kv, klen) && env[i][klen] == '=')
			return i;
	return -1;
}

static void env_put(char **env, int *n, const char *kv)
{
	int i = env_find(env, *n, kv);

	if (i >= 0)
		env[i] = strdup(kv);
	else
		env[(*n)++] = strdup(kv);
}

char **init_environ(const struct ct_config *c)
{
	int n = 0, cap = 8, i;
	char **env, buf[128];

	for (i = 0; c->env && c->env[i]; i++)
		cap++;
	env = calloc(cap + 1, sizeof(char *));
	if (!env)
		return NULL;
	for (i = 0; i < (int)(sizeof(env_defaults) / sizeof(env_defaults[0])); i++)
		env_put(env, &n, env_defaults[i]);
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", c->hostname ? c->hostname : c->name);
	env_put(env, &n, buf);
	if (c->tty) {
		const char *term = getenv("TERM");

		snprintf(buf, sizeof(buf), "TERM=%s", term && *term ? term : "xterm");
		env_put(env, &n, buf);
	}
	for (i = 0; c->env && c->env[i]; i++)
		env_put(env, &n, c->env[i]);
	return env;
}

/* @f: the default seccomp profile compiled ahead, or empty to compile it
 * now. */
static int init_confine_with(struct security_filter *f, struct err *e)
{
	int ret;

	ret = security_caps_apply(security_default_caps(), e);
	if (ret < 0 || (ret = security_no_new_privs(e)) < 0)
		goto out;
	if (!f->insns && (ret = security_seccomp_build(f, e)) < 0)
		goto out;
	return security_seccomp_load(f, e);
out:
	security_seccomp_free(f);
	return ret;
}

int init_confine(struct err *e)
{
	struct security_filter f = { 0 };

	return init_confine_with(&f, e);
}

/*
 * Steps that need neither the container's cgroups nor its veth: they run
 * while the monitor attaches those (a veth alone is ~1 ms), not after.
 * The network definition is read before pivot_root hides the state
 * folder; the console master goes to the monitor ahead of "go".
 */
static int init_setup_early(const struct ct_config *c, const char *dir, int sock,
			    int *console, struct err *e)
{
	const char *host = c->hostname ? c->hostname : c->name;
	char rootfs[PATH_LEN];
	int master = -1, ret;

	if (sethostname(host, strnlen(host, 64)) < 0)
		return err_set(e, -errno, "set hostname");
	ret = fs_path(rootfs, e, "%s/rootfs", dir);
	if (ret < 0)
		return ret;
	ret = rootfs_enter(c, rootfs, c->tty ? &master : NULL, console, e);
	if (ret < 0)
		return ret;
	if (master >= 0) {
		chan_send(sock, RT_PTY, 0, NULL, master);
		close(master);
	}
	return 0;
}

/* After "go": init is in all its cgroups (the cgroup namespace is rooted
 * where it is now) and eth0 is in its namespace. */
static int init_setup_late(const struct ct_config *c, const struct net_def *d,
			   struct err *e)
{
	if (unshare(CLONE_NEWCGROUP) < 0)
		return err_set(e, -errno, "new cgroup namespace");
	if (c->net)
		return network_setup_inside(d, c->ip, e);
	return 0;
}

/* Become the container's root (uid/gid 0 of its user namespace, mapped
 * by now) in a copy of the monitor's mount namespace, which holds the
 * rootfs.  The copy is made from a less privileged user namespace, so
 * the monitor's mounts come in locked. */
static int init_enter_mounts(struct err *e)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ||
	    setgroups(0, NULL) < 0)
		return err_set(e, -errno, "become container root");
	/* A change of credentials clears the parent-death signal.  Had the
	 * monitor died before this, the wait for "go" fails instead. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(e, -errno, "new mount namespace");
	return 0;
}

/* The command's process: its own session, the console as controlling
 * terminal, the config's environment.  Reports an exec failure as an
 * errno on @errpipe (close-on-exec: silence means success). */
static void __attribute__((noreturn)) init_exec(const struct ct_config *c,
						int console, int errpipe)
{
	char **env = init_environ(c);
	sigset_t none;
	int err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (console >= 0 && tty_make_controlling(console) < 0) {
		err = errno;
		goto fail;
	}
	if (chdir(c->cwd ? c->cwd : "/") < 0) {
		err = errno;
		goto fail;
	}
	if (env)
		environ = env;
	/* Nothing of the host's may leak in: descriptors that strata inherited
	 * from its caller close on exec (the error pipe is close-on-exec too). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execvp(c->argv[0], c->argv);
	err = errno;
fail:
	if (write(errpipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Start the command; 0 once it has exec'd, -errno with @e set if not. */
static int init_spawn(const struct ct_config *c, int console, pid_t *child,
		      struct err *e)
{
	int p[2], err = 0;
	ssize_t n;

	if (!c->argv || !c->argv[0])
		return err_msg(e, -EINVAL, "no command to run");
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	*child = fork();
	if (*child < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(e, -errno, "fork");
	}
	if (*child == 0)
		init_exec(c, console, p[1]);
	close(p[1]);
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == sizeof(err))
		return err_set(e, -err, "exec %s", c->argv[0]);
	return 0;
}

/* pid 1's job: reap everything, pass signals on to the command, exit
 * with the command's status once it is gone.  strata-ctwait does the
 * same in a few KiB (a whole strata costs ~250 KiB of data, stack and
 * page tables for this loop): exec it when it is there (@tiny, opened
 * before pivot_root), else do it here.  All signals are blocked, and
 * stay so across the exec: none is lost in between. */
static void __attribute__((noreturn)) init_wait(pid_t child, int tiny, int status_fd)
{
	sigset_t all;
	int status = 0, sig;

	if (tiny >= 0) {
		char pid[16], fd[16], *argv[] = { "strata-init", pid, NULL, NULL },
		     *envp[] = { NULL };

		snprintf(pid, sizeof(pid), "%d", (int)child);
		if (status_fd >= 0 && fcntl(status_fd, F_SETFD, 0) == 0) {
			snprintf(fd, sizeof(fd), "%d", status_fd);
			argv[2] = fd;
		}
		syscall(SYS_execveat, tiny, "", argv, envp, AT_EMPTY_PATH);
	}
	/* as strata-ctwait: the container's processes must not take the
	 * status pipe from pid 1 */
	if (status_fd >= 0)
		prctl(PR_SET_DUMPABLE, 0);
	sigfillset(&all);
	proc_trim_memory();
	for (;;) {
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == child)
				goto done;
		sig = sigwaitinfo(&all, NULL);
		if (sig > 0 && sig != SIGCHLD)
			kill(child, sig);
	}
done:
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (status_fd >= 0 && write(status_fd, &(unsigned char){ (unsigned char)status }, 1) < 0)
		_exit(status);
	_exit(status);
}

void init_main(const struct ct_config *c, const char *dir, int sock, int status_fd)
{
	struct security_filter filter = { 0 };
	struct err e = { 0 }, ignore;
	struct net_def net;
	struct chan_msg m;
	int console = -1, tiny;
	sigset_t all;
	pid_t child = 0;

	/* Signals wait for sigwaitinfo(); blocked before anything can come. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	proc_set_title("strata-init");
	prctl(PR_SET_NAME, "strata-init");
	/* While the monitor writes the id maps and mounts the rootfs: work
	 * that needs neither.  A filter that fails to build here is built
	 * again (and its error reported) when it is loaded. */
	security_seccomp_build(&filter, &ignore);
	tiny = proc_sibling_open("strata-ctwait", O_PATH | O_CLOEXEC);
	if (c->net && network_load(c->net, &net, &e) < 0)
		goto fail;
	if (chan_recv(sock, &m, NULL) < 0 || m.type != RT_MOUNTS_READY)
		_exit(1);	/* the monitor is gone */
	if (init_enter_mounts(&e) < 0 ||
	    init_setup_early(c, dir, sock, &console, &e) < 0)
		goto fail;
	if (chan_recv(sock, &m, NULL) < 0 || m.type != RT_GO)
		_exit(1);
	/* the monitor is about to leave; the supervisor watches from here */
	if (m.value == RT_GO_HANDOVER)
		prctl(PR_SET_PDEATHSIG, 0);
	if (init_setup_late(c, &net, &e) < 0 ||
	    init_confine_with(&filter, &e) < 0 ||
	    init_spawn(c, console, &child, &e) < 0)
		goto fail;
	if (console >= 0)
		close(console);
	chan_send(sock, RT_STARTED, child, NULL, -1);
	close(sock);
	init_wait(child, tiny, status_fd);
fail:
	chan_send_err(sock, RT_ERROR, &e);
	_exit(e.code == -ENOENT ? 127 : 126);
}
