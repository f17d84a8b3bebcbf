/*
 * supervisor -- watches the background containers of one state root (see
 * supervisor.h): a poll() over the inits' pidfds and a listening socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/runtime.h"
#include "ct/store.h"
#include "ct/supervisor.h"
#include "lib/fs.h"
#include "lib/proc.h"

#define SUP_IDLE_MS	2000	/* with no container left, then exit */
#define SUP_NAME_MAX	256
#define SUP_ACK		'k'

struct sup_ct {
	char name[SUP_NAME_MAX];
	int pidfd;		/* readable once init has ended */
	int exit_rd;		/* the status byte strata-ctwait wrote */
	int rootfs;		/* O_PATH on the container's overlay */
};

/* The abstract socket of this state root: a hash of its path, since the
 * path may be longer than a socket name. */
static socklen_t sup_addr(struct sockaddr_un *a)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	const char *p;
	int n;

	for (p = fs_root(); *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1,
		     "strata-ct-supervisor-%016llx", (unsigned long long)h);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static int sup_socket(void)
{
	return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
}

static int sup_connect(void)
{
	struct sockaddr_un a;
	socklen_t len = sup_addr(&a);
	int s = sup_socket();

	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&a, len) < 0) {
		int ret = -errno;

		close(s);
		return ret;
	}
	return s;
}

static void sup_timeout(int s, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* ---- the supervisor ----------------------------------------------------- */

/* Take one container from a monitor: root only (a container with the
 * host's network namespace could reach the socket too). */
static void sup_accept(int l, struct sup_ct **cts, int *n, int *cap)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))], name[SUP_NAME_MAX];
	struct iovec iov = { name, sizeof(name) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct cmsghdr *cm;
	struct ct_state s;
	struct sup_ct ct;
	struct err e;
	int c, fds[3] = { -1, -1, -1 }, lock, i;
	ssize_t len;

	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 || cr.uid != geteuid())
		goto out;
	sup_timeout(c, 1000);
	len = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	cm = CMSG_FIRSTHDR(&mh);
	if (len <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(3 * sizeof(int)))
		goto out;
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	name[len] = '\0';
	if (*n == *cap) {
		struct sup_ct *more = realloc(*cts, (size_t)(*cap ? *cap * 2 : 16) * sizeof(**cts));

		if (!more)
			goto out;
		*cts = more;
		*cap = *cap ? *cap * 2 : 16;
	}
	/* the state names us as the monitor from now on: `stop` waits for
	 * the exit to be recorded, `gc` knows someone is watching */
	lock = store_lock(&e);
	if (lock < 0)
		goto out;
	if (store_load(name, NULL, &s, &e) < 0 || s.status != CT_RUNNING) {
		store_unlock(lock);
		goto out;
	}
	s.monitor = getpid();
	s.monitor_start = proc_start_time(s.monitor);
	if (store_save_state(name, &s, &e) < 0) {
		store_unlock(lock);
		goto out;
	}
	store_unlock(lock);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	snprintf(ct.name, sizeof(ct.name), "%s", name);
	ct.pidfd = fds[0];
	ct.exit_rd = fds[1];
	ct.rootfs = fds[2];
	(*cts)[(*n)++] = ct;
	fds[0] = fds[1] = fds[2] = -1;
	if (send(c, &(char){ SUP_ACK }, 1, MSG_NOSIGNAL) != 1)
		log_debug("supervisor: no ack to the monitor of %s", name);
out:
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(c);
}

/* init has ended: its status byte, or none when it was killed (SIGKILL
 * is the one signal it cannot wait for). */
static void sup_finish(struct sup_ct *ct)
{
	unsigned char code = 128 + SIGKILL;
	struct err e = { 0 };

	if (read(ct->exit_rd, &code, 1) != 1)
		code = 128 + SIGKILL;
	if (runtime_finish(ct->name, code, 0, &e) < 0)
		err_print(&e);
	close(ct->pidfd);
	close(ct->exit_rd);
	/* The last reference to the overlay: its end syncs the upper file
	 * system (a journal commit, 5-30 ms).  A child nobody waits for
	 * pays it; init's exit, and so `stop`, did not (see supervisor.h). */
	if (fork() == 0) {
		close(ct->rootfs);
		_exit(0);
	}
	close(ct->rootfs);
}

static void __attribute__((noreturn)) sup_main(void)
{
	struct sup_ct *cts = NULL;
	struct pollfd *p = NULL;
	struct sockaddr_un a;
	socklen_t alen = sup_addr(&a);
	int l, n = 0, cap = 0, pcap = 0, i;
	sigset_t none;

	if (chdir("/") < 0)
		_exit(1);
	syscall(SYS_close_range, 3, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	proc_set_title("strata-ct-supervisor");
	prctl(PR_SET_NAME, "strata-sup");
	l = sup_socket();
	if (l < 0 || bind(l, (struct sockaddr *)&a, alen) < 0 || listen(l, 128) < 0)
		_exit(0);	/* another one won the race */
	proc_trim_memory();
	for (;;) {
		int r;

		if (n + 1 > pcap) {
			struct pollfd *more = realloc(p, (size_t)(n + 16) * sizeof(*p));

			if (!more)
				break;
			p = more;
			pcap = n + 16;
		}
		p[0] = (struct pollfd){ .fd = l, .events = POLLIN };
		for (i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){ .fd = cts[i].pidfd, .events = POLLIN };
		r = poll(p, (nfds_t)n + 1, n ? -1 : SUP_IDLE_MS);
		if (r == 0)
			break;	/* idle: a monitor that comes now starts another */
		if (r < 0 && errno != EINTR)
			break;
		/* from the top, so the swap with the last keeps p[] in step */
		for (i = n - 1; r > 0 && i >= 0; i--)
			if (p[i + 1].revents) {
				sup_finish(&cts[i]);
				cts[i] = cts[--n];
			}
		if (r > 0 && (p[0].revents & POLLIN))
			sup_accept(l, &cts, &n, &cap);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;	/* our own children: those dropping an overlay */
	}
	close(l);
	_exit(0);
}

/* A grandchild in its own session: nobody's zombie, nobody's terminal. */
static void sup_spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		setsid();
		if (proc_fork_detached() != 0)	/* stdio on /dev/null */
			_exit(0);
		sup_main();
	}
	waitpid(pid, NULL, 0);
}

/* ---- a monitor handing over ------------------------------------------- */

static int sup_send(int s, const char *name, int pidfd, int exit_rd, int rootfs)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[3] = { pidfd, exit_rd, rootfs };
	char ack;

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	if (recv(s, &ack, 1, 0) != 1 || ack != SUP_ACK)
		return -ECONNRESET;
	return 0;
}

int supervisor_adopt(const char *name, int pidfd, int exit_rd, int rootfs,
		     struct err *e)
{
	int s, i, ret;

	if (strlen(name) >= SUP_NAME_MAX)
		return err_msg(e, -ENAMETOOLONG, "container name too long for the supervisor");
	s = sup_connect();
	if (s < 0) {
		sup_spawn();
		for (i = 0; i < 200 && (s = sup_connect()) < 0; i++)
			usleep(1000);
	}
	if (s < 0)
		return err_set(e, s, "container supervisor");
	sup_timeout(s, 2000);
	ret = sup_send(s, name, pidfd, exit_rd, rootfs);
	close(s);
	return ret < 0 ? err_set(e, ret, "hand %s to the container supervisor", name) : 0;
}
