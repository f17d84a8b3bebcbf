/*
 * tty -- pty allocation and the interactive copy loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

int tty_openpty(const char *ptmx, int *master, int *slave, struct err *e)
{
	int m, s, unlock = 0;

	m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_set(e, -errno, "open %s", ptmx);
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
		int ret = err_set(e, -errno, "unlock pty");

		close(m);
		return ret;
	}
	/* TIOCGPTPEER opens the peer through the master's own devpts, which
	 * is right even when a different devpts is mounted on /dev/pts. */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int ret = err_set(e, -errno, "open pty peer");

		close(m);
		return ret;
	}
	*master = m;
	*slave = s;
	return 0;
}

int tty_make_controlling(int slave)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return -errno;
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return -errno;
	if (slave > 2)
		close(slave);
	return 0;
}

static volatile sig_atomic_t winch_pending = 1;

static void on_winch(int sig)
{
	(void)sig;
	winch_pending = 1;
}

static void copy_winsize(int master)
{
	struct winsize ws;

	winch_pending = 0;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Write all of buf; a reader that went away is not an error here. */
static void write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= w;
	}
}

static int child_done(pid_t pid, int *status)
{
	if (pid <= 0)
		return 0;
	return waitpid(pid, status, WNOHANG) == pid;
}

int tty_relay(int master, pid_t child_pid, int *status)
{
	struct termios saved, raw;
	struct sigaction sa = { .sa_handler = on_winch };
	int is_tty = isatty(0), stdin_open = 1, exited = 0;
	char buf[8192];

	if (is_tty && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		sigaction(SIGWINCH, &sa, NULL);
	} else {
		is_tty = 0;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = stdin_open ? 0 : -1, .events = POLLIN },
		};
		int n;

		if (is_tty && winch_pending)
			copy_winsize(master);
		if (!exited && child_done(child_pid, status))
			exited = 1;
		n = poll(p, 2, exited ? 0 : 200);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && exited)
			break;
		if (p[0].revents & POLLIN) {
			ssize_t r = read(master, buf, sizeof(buf));

			if (r > 0)
				write_all(1, buf, r);
			else if (r < 0 && errno != EINTR && errno != EAGAIN)
				break;
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(0, buf, sizeof(buf));

			if (r > 0)
				write_all(master, buf, r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				stdin_open = 0;
		}
	}
	if (is_tty)
		tcsetattr(0, TCSANOW, &saved);
	if (!exited && child_pid > 0)
		while (waitpid(child_pid, status, 0) < 0 && errno == EINTR)
			;
	return 0;
}
