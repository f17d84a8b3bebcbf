/*
 * runtime -- the monitor and the start of the container's init.
 * See runtime.h for the process tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/init.h"
#include "ct/network.h"
#include "ct/rootfs.h"
#include "ct/runtime.h"
#include "ct/store.h"
#include "ct/supervisor.h"
#include "ct/template.h"
#include "lib/chan.h"
#include "lib/fs.h"
#include "lib/nl.h"
#include "lib/proc.h"
#include "lib/tty.h"

/* One container being started: everything the monitor must undo. */
struct rt {
	struct ct_config *c;
	char cgroup[CT_CGROUP_LEN];
	char dir[PATH_LEN];
	char lower[PATH_LEN];
	struct net_def net;
	int lock;
	int sock;		/* monitor's end of the setup channel */
	pid_t init;
	int pty;		/* master of the console, or -1 */
	int have_cgroup;
	int mounted;
	char veth[16];		/* host end, "" until made */
	int exited;		/* init ran and exited on its own */
	struct cgroup_self cgself;	/* v1 groups init enters itself */
	int outer_mnt;		/* the caller's mount namespace (background
				 * monitors), or -1 */
	int status_pipe[2];	/* init's status byte, for the supervisor;
				 * -1 when there is no handover */
};

static volatile pid_t forward_to;

static void forward_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void forward_signals(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	size_t i;

	forward_to = pid;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int write_map(pid_t pid, const char *file, const struct ct_config *c,
		     struct err *e)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	snprintf(map, sizeof(map), "0 %u %u\n", c->uid_host, c->uid_count);
	return fs_write_str(path, map, e);
}

/*
 * Runs in init right after the clone: never returns.  init was cloned
 * straight into new user, UTS, IPC, network and pid namespaces (the user
 * namespace first, so it owns the others) but still shares the monitor's
 * private mount namespace: the monitor mounts the rootfs there once it
 * wrote the id maps, and init copies that namespace then (init_main).
 */
static void __attribute__((noreturn)) init_child(struct rt *r, int sock)
{
	struct err e = { 0 };
	int status = -1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The v1 tasks files were opened by the monitor, root on the host:
	 * the kernel checks the opener's credentials, and init is still
	 * single-threaded, so "0" moves just itself. */
	if (cgroup_self_enter(&r->cgself, &e) < 0) {
		chan_send_err(sock, RT_ERROR, &e);
		_exit(1);
	}
	/* Keep stdio and the channel; every other inherited descriptor (the
	 * state lock, a waiting `start`'s socket) must not live on in the
	 * container; the status pipe (if any) out of the way of fd 3, then
	 * to 4. */
	if (r->status_pipe[1] >= 0)
		status = fcntl(r->status_pipe[1], F_DUPFD_CLOEXEC, 10);
	if (sock != 3 && dup3(sock, 3, O_CLOEXEC) == 3)
		sock = 3;
	if (status >= 0)
		status = dup3(status, 4, O_CLOEXEC) == 4 ? 4 : -1;
	syscall(SYS_close_range, status >= 0 ? 5 : 4, ~0U, 0);
	init_main(r->c, r->dir, sock, status);
}

/* Receive one message of type @want, turning an error report or a dead
 * peer into @e. */
static int expect(struct rt *r, int want, struct chan_msg *m, int *fd,
		  struct err *e)
{
	int ret = chan_recv(r->sock, m, fd);

	if (ret == -EPIPE)
		return err_msg(e, -EPIPE, "container setup died unexpectedly");
	if (ret < 0)
		return err_set(e, ret, "container setup channel");
	if (m->type == RT_ERROR)
		return err_msg(e, m->value ? m->value : -EIO, "%s", m->text);
	if (m->type != want)
		return err_msg(e, -EPROTO, "container setup: unexpected message %d", m->type);
	return 0;
}

static int rt_spawn(struct rt *r, struct err *e)
{
	const unsigned long flags = CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWIPC |
				    CLONE_NEWNET | CLONE_NEWPID | SIGCHLD;
	int sv[2], ret;
	pid_t pid;

	ret = chan_pair(sv, e);
	if (ret < 0)
		return ret;
	ret = cgroup_self_open(r->cgroup, &r->cgself, e);
	if (ret < 0)
		goto out;
	/* A background monitor hands its container to the supervisor, with
	 * this pipe for init's status; not one with a terminal to keep. */
	if (r->outer_mnt >= 0 && !r->c->tty && pipe2(r->status_pipe, O_CLOEXEC) < 0)
		r->status_pipe[0] = r->status_pipe[1] = -1;
	/* fork()-like (no new stack): the child goes on from here. */
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		ret = err_set(e, -errno, "new namespaces for the container");
		cgroup_self_close(&r->cgself);
		if (r->status_pipe[0] >= 0) {
			close(r->status_pipe[0]);
			close(r->status_pipe[1]);
			r->status_pipe[0] = r->status_pipe[1] = -1;
		}
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		init_child(r, sv[1]);
	}
	cgroup_self_close(&r->cgself);
	close(sv[1]);
	if (r->status_pipe[1] >= 0)
		close(r->status_pipe[1]);
	r->status_pipe[1] = -1;
	r->sock = sv[0];
	r->init = pid;
	ret = write_map(pid, "uid_map", r->c, e);
	if (ret < 0 || (ret = write_map(pid, "gid_map", r->c, e)) < 0)
		return ret;
	ret = rootfs_mount_host(r->c, r->dir, r->lower, pid, e);
	if (ret < 0)
		return ret;
	r->mounted = 1;
	chan_send(r->sock, RT_MOUNTS_READY, 0, NULL, -1);
	return 0;
out:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

/* init works on while the monitor attaches it; when that fails because
 * init failed first and is gone, init's own report says why: prefer it. */
static void init_error(struct rt *r, struct err *e)
{
	struct pollfd p = { .fd = r->sock, .events = POLLIN };
	struct chan_msg m;

	if (r->sock < 0)
		return;
	/* a console master may come first */
	while (poll(&p, 1, 0) == 1 && chan_recv(r->sock, &m, NULL) == 0) {
		if (m.type == RT_ERROR) {
			err_msg(e, m.value ? m.value : -EIO, "%s", m.text);
			return;
		}
	}
}

/* Host-side steps before the container may go on: cgroup, network. */
static int rt_attach(struct rt *r, struct err *e)
{
	int ret;

	/* init entered the v1 groups itself (cgroup_self_enter) */
	ret = cgroup_attach_flags(r->cgroup, r->init, CGROUP_ATTACH_V2_ONLY, e);
	if (ret < 0)
		return ret;
	if (!r->c->net)
		return 0;
	ct_veth_name(r->c, r->veth);
	return network_attach(&r->net, r->veth, r->init, e);
}

/* Memory and pids always (accounting, OOM containment, the process list),
 * devices for the allow list, freezer; cpu only when a CPU limit is set. */
static unsigned int rt_cgroup_want(const struct ct_limits *l)
{
	unsigned int want = 1u << CGROUP_MEMORY | 1u << CGROUP_PIDS |
			    1u << CGROUP_DEVICES | 1u << CGROUP_FREEZER;

	if (l->cpus > 0 || l->cpu_shares)
		want |= 1u << CGROUP_CPU;
	return want;
}

static int rt_prepare(struct rt *r, struct err *e)
{
	int ret;

	ret = store_path(r->dir, r->c->name, NULL, e);
	if (ret < 0)
		return ret;
	if (r->c->rootfs)
		snprintf(r->lower, sizeof(r->lower), "%s", r->c->rootfs);
	else if ((ret = template_rootfs(r->c->template, r->lower, e)) < 0)
		return ret;
	if (r->c->net) {
		ret = network_load(r->c->net, &r->net, e);
		if (ret < 0 || (ret = network_ensure_bridge(&r->net, e)) < 0)
			return ret;
	}
	ct_cgroup_name(r->c, r->cgroup);
	ret = cgroup_create_in(r->cgroup, &r->c->limits, rt_cgroup_want(&r->c->limits), e);
	if (ret < 0)
		return ret;
	r->have_cgroup = 1;
	/* A private mount namespace for the monitor: the container's
	 * mounts exist only here and vanish with it.  A background monitor
	 * leaves it once init has its own copy (rt_leave_mounts). */
	if (r->outer_mnt == -2)
		r->outer_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(e, -errno, "new mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, -errno, "make / private");
	return 0;
}

static void rt_undo(struct rt *r)
{
	struct err ignore;

	if (r->init > 0) {
		kill(r->init, SIGKILL);
		waitpid(r->init, NULL, 0);
		r->init = 0;
	}
	/* After a failed start, delete the veth now: a failure leaves nothing
	 * behind, even for a moment.  After a normal exit the kernel drops it
	 * with the container's network namespace (from a work queue, in
	 * batches): deleting it here would cost the user 15-30 ms of RTNL. */
	if (r->veth[0] && !r->exited && nl_link_exists(r->veth))
		nl_link_del(r->veth, &ignore);
	r->veth[0] = '\0';
	if (r->mounted)
		rootfs_umount_host(r->dir);
	r->mounted = 0;
	if (r->have_cgroup)
		cgroup_destroy(r->cgroup, &ignore);
	r->have_cgroup = 0;
}

static int rt_save_running(struct rt *r, struct err *e)
{
	struct ct_state s = {
		.status = CT_RUNNING,
		.pid = r->init,
		.pid_start = proc_start_time(r->init),
		.monitor = getpid(),
		.monitor_start = proc_start_time(getpid()),
		.exit_code = -1,
		.started = time(NULL),
	};

	return store_save_state(r->c->name, &s, e);
}

/* Everything up to "the command runs": on failure all is undone. */
static int rt_start(struct rt *r, struct err *e)
{
	struct chan_msg m;
	struct ct_state s;
	int ret;

	r->lock = store_lock(e);
	if (r->lock < 0)
		return r->lock;
	ret = store_load(r->c->name, NULL, &s, e);
	if (ret == 0 && store_is_running(&s))
		ret = err_msg(e, -EBUSY, "container %s is already running", r->c->name);
	if (ret == 0)
		ret = rt_prepare(r, e);
	if (ret == 0)
		ret = rt_spawn(r, e);
	if (ret == 0 && ((ret = rt_attach(r, e)) < 0 ||
			 (ret = rt_save_running(r, e)) < 0))
		init_error(r, e);
	store_unlock(r->lock);
	r->lock = -1;
	if (ret < 0)
		goto fail;
	chan_send(r->sock, RT_GO, r->status_pipe[0] >= 0 ? RT_GO_HANDOVER : 0, NULL, -1);
	if (r->c->tty) {
		ret = expect(r, RT_PTY, &m, &r->pty, e);
		if (ret < 0)
			goto fail;
	}
	ret = expect(r, RT_STARTED, &m, NULL, e);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	rt_undo(r);
	return ret;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* After init exited: record it, free the host resources, remove the
 * container when it was --rm. */
/*
 * Unmounting waits for an RCU grace period (20-30 ms here), as does the
 * end of a mount namespace.  These mounts exist only in the monitor's
 * private namespace, so a child nobody waits for unmounts them (and
 * removes a --rm container's folder, already renamed out of sight), and
 * the command returns at once.  If that child dies, gc removes the folder.
 */
static void rt_release_mounts(const char *dir, int remove)
{
	struct err ignore;
	pid_t pid = proc_fork_detached();

	if (pid > 0)
		return;
	rootfs_umount_host(dir);
	if (remove)
		fs_rm_rf(dir, &ignore);
	if (pid == 0)
		_exit(0);
}

static void rt_finish(struct rt *r, int code)
{
	char gone[PATH_LEN] = "";
	int mounted = r->mounted;
	struct ct_state s;
	struct err e;

	r->init = 0;
	r->exited = 1;
	r->mounted = 0;		/* rt_release_mounts() does it */
	rt_undo(r);
	if (r->c->autoremove) {
		if (store_hide(r->c->name, gone, &e) < 0)
			err_print(&e);
	} else if (store_load(r->c->name, NULL, &s, &e) == 0) {
		s.status = CT_STOPPED;
		s.exit_code = code;
		s.finished = time(NULL);
		if (store_save_state(r->c->name, &s, &e) < 0)
			err_print(&e);
	}
	if (mounted || gone[0])
		rt_release_mounts(gone[0] ? gone : r->dir, gone[0] != 0);
}

/* Back to the caller's mount namespace: the private one holds a copy of
 * every host mount (~35 here, ~400 bytes of kernel memory each) besides
 * the rootfs, which init's namespace holds now.  Its mounts then need no
 * unmounting at the end. */
static void rt_leave_mounts(struct rt *r)
{
	if (r->outer_mnt >= 0 && setns(r->outer_mnt, CLONE_NEWNS) == 0)
		r->mounted = 0;
}

/* A background monitor hands its running container to the supervisor
 * (src/ct/supervisor.h) and then has nothing left to do.  0 when taken. */
static int rt_hand_over(struct rt *r)
{
	char path[PATH_LEN];
	struct err e = { 0 };
	int pidfd, rootfs, ret;

	if (r->status_pipe[0] < 0 || fs_path(path, &e, "%s/rootfs", r->dir) < 0)
		return -1;
	/* the overlay, while this namespace still has it mounted there */
	rootfs = open(path, O_PATH | O_CLOEXEC);
	if (rootfs < 0)
		return -1;
	rt_leave_mounts(r);
	pidfd = (int)syscall(SYS_pidfd_open, r->init, 0);
	if (pidfd < 0) {
		close(rootfs);
		return -1;
	}
	ret = supervisor_adopt(r->c->name, pidfd, r->status_pipe[0], rootfs, &e);
	close(pidfd);
	close(rootfs);
	if (ret < 0)
		err_print(&e);	/* to the log; this monitor watches instead */
	return ret;
}

/*
 * A background monitor the supervisor did not take waits for the rest of
 * the container's life: it becomes strata-ctwait (a few KiB instead of a
 * whole strata with its libraries, ~250 KiB of data, stack and page
 * tables), which forwards the same signals, waits for init and then execs
 * strata again as `strata ct _finish CODE NAME MOUNTED` to do what
 * rt_finish() does here.  The pid and its start time survive the exec, so
 * the state file and `stop` still know the monitor.  Returns only when the
 * exec failed; the monitor then waits itself.
 */
static void rt_become_tiny(struct rt *r)
{
	char pid[16], fd[16], *argv[] = { "strata-monitor", pid, fd, r->c->name,
					 r->mounted ? "1" : "0", NULL };
	sigset_t set, old;
	int tiny, exe;

	tiny = proc_sibling_open("strata-ctwait", O_PATH | O_CLOEXEC);
	if (tiny < 0)
		return;
	rt_leave_mounts(r);
	exe = open("/proc/self/exe", O_PATH);	/* kept across the exec */
	if (exe < 0) {
		close(tiny);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	snprintf(pid, sizeof(pid), "%d", (int)r->init);
	snprintf(fd, sizeof(fd), "%d", exe);
	fflush(NULL);
	syscall(SYS_execveat, tiny, "", argv, environ, AT_EMPTY_PATH);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(exe);
	close(tiny);
}

int runtime_finish(const char *name, int code, int mounted, struct err *e)
{
	struct ct_config c;
	struct ct_state s;
	struct rt r = { .c = &c, .lock = -1, .sock = -1, .pty = -1, .outer_mnt = -1,
			.status_pipe = { -1, -1 } };
	sigset_t none;
	int ret;

	/* strata-ctwait blocked these to wait for them */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	ret = store_load(name, &c, &s, e);
	if (ret < 0)
		return ret;
	ret = store_path(r.dir, name, NULL, e);
	if (ret == 0) {
		ct_cgroup_name(&c, r.cgroup);
		r.have_cgroup = 1;
		r.mounted = mounted;
		rt_finish(&r, code);
	}
	ct_config_free(&c);
	return ret;
}

int runtime_run(struct ct_config *c, const struct rt_opts *o, struct err *e)
{
	struct rt r = { .c = c, .lock = -1, .sock = -1, .pty = -1,
			.outer_mnt = o->detached ? -2 : -1, .status_pipe = { -1, -1 } };
	int status = 0, ret;

	ret = rt_start(&r, e);
	if (ret < 0) {
		if (c->autoremove) {
			struct err ignore;

			store_remove(c->name, &ignore);
		}
		if (r.sock >= 0)
			close(r.sock);
		if (r.outer_mnt >= 0)
			close(r.outer_mnt);
		return ret;
	}
	if (o->notify >= 0) {
		chan_send(o->notify, RT_STARTED, r.init, NULL, -1);
		close(o->notify);
	}
	if (o->detached && r.pty < 0) {
		if (rt_hand_over(&r) == 0) {
			close(r.sock);
			close(r.status_pipe[0]);
			close(r.outer_mnt);
			return 0;
		}
		rt_become_tiny(&r);
	}
	forward_signals(r.init);
	if (r.pty >= 0 && !o->detached) {
		tty_relay(r.pty, r.init, &status);
	} else {
		if (o->detached)
			proc_trim_memory();	/* a monitor lives as long */
		while (waitpid(r.init, &status, 0) < 0 && errno == EINTR)
			;
	}
	forward_to = 0;
	if (r.pty >= 0)
		close(r.pty);
	close(r.sock);
	if (r.outer_mnt >= 0)
		close(r.outer_mnt);
	ret = status_code(status);
	rt_finish(&r, ret);
	return ret;
}

/* The background monitor: its own session, output to the log file. */
static void __attribute__((noreturn)) monitor_main(struct ct_config *c, int notify)
{
	struct rt_opts o = { .detached = 1, .notify = notify };
	char log[PATH_LEN];
	struct err e = { 0 };
	int fd, ret;

	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0)
		dup2(fd, 0);
	if (store_path(log, c->name, "log", &e) == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

		if (lfd >= 0) {
			dup2(lfd, 1);
			dup2(lfd, 2);
			close(lfd);
		}
	}
	ret = runtime_run(c, &o, &e);
	if (ret < 0)
		chan_send_err(notify, RT_ERROR, &e);
	_exit(ret < 0 ? 1 : 0);
}

int runtime_start_detached(struct ct_config *c, struct err *e)
{
	struct chan_msg m;
	int sv[2], ret;
	pid_t pid;

	ret = chan_pair(sv, e);
	if (ret < 0)
		return ret;
	pid = fork();
	if (pid < 0) {
		ret = err_set(e, -errno, "fork");
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (pid == 0) {
		close(sv[0]);
		/* A grandchild, so the monitor is nobody's zombie to reap. */
		if (fork() != 0)
			_exit(0);
		monitor_main(c, sv[1]);
	}
	close(sv[1]);
	waitpid(pid, NULL, 0);
	ret = chan_recv(sv[0], &m, NULL);
	close(sv[0]);
	if (ret < 0)
		return err_msg(e, -EIO, "container monitor died before the container started");
	if (m.type == RT_ERROR)
		return err_msg(e, m.value ? m.value : -EIO, "%s", m.text);
	return 0;
}

/* Until whoever watches the container recorded its end: its own monitor
 * exits then, the supervisor (which watches many) rewrites the state (or
 * removes a --rm container).  @ms at most. */
static void stop_wait_recorded(const char *name, const struct ct_state *was, int ms)
{
	struct ct_state s;
	struct err e;
	int waited;

	for (waited = 0; waited < ms; waited++) {
		if (!proc_alive(was->monitor, was->monitor_start))
			return;
		if (store_load(name, NULL, &s, &e) < 0 || s.status != CT_RUNNING ||
		    s.pid != was->pid)
			return;
		usleep(1000);
	}
}

int runtime_stop(const char *name, int timeout, struct err *e)
{
	struct ct_state s;
	int ret;

	ret = store_load(name, NULL, &s, e);
	if (ret < 0)
		return ret;
	if (!store_is_running(&s)) {
		runtime_reap_dead(name, e);
		return 0;
	}
	kill(s.pid, SIGTERM);
	if (!proc_wait_gone(s.pid, s.pid_start, timeout * 1000)) {
		kill(s.pid, SIGKILL);
		proc_wait_gone(s.pid, s.pid_start, 5000);
	}
	/* The monitor records the exit; give it a moment, then do its job
	 * ourselves if it is gone. */
	stop_wait_recorded(name, &s, 5000);
	runtime_reap_dead(name, e);
	return 0;
}

int runtime_reap_dead(const char *name, struct err *e)
{
	struct ct_config c;
	struct ct_state s;
	int ret;

	ret = store_load(name, &c, &s, e);
	if (ret < 0)
		return ret;
	ret = 0;
	if (s.status == CT_CREATED && c.autoremove && s.monitor &&
	    !proc_alive(s.monitor, s.monitor_start)) {
		/* a `run --rm` that died before its container ran */
		store_remove(name, e);
		ret = 1;
	} else if (s.status == CT_RUNNING && !proc_alive(s.pid, s.pid_start) &&
	    !proc_alive(s.monitor, s.monitor_start)) {
		char cg[CT_CGROUP_LEN], veth[16];

		ct_cgroup_name(&c, cg);
		cgroup_destroy(cg, e);
		ct_veth_name(&c, veth);
		if (c.net && nl_link_exists(veth))
			nl_link_del(veth, e);
		if (c.autoremove) {
			store_remove(name, e);
		} else {
			s.status = CT_STOPPED;
			s.finished = time(NULL);
			store_save_state(name, &s, e);
		}
		ret = 1;
	}
	ct_config_free(&c);
	return ret;
}
