/*
 * console -- `strata vm attach` and the VMM's end of it (see console.h).
 *
 * A FIFO rather than a socket served by the VMM: the UART already polls
 * an input fd without blocking the vCPU, the VMM needs no thread and no
 * syscall outside its filter, and the output side is the log that is
 * written anyway, so a slow or stuck client never stalls the guest.
 * Opened O_RDWR by the VMM, the FIFO has a reader while the VMM lives:
 * a client's non-blocking open fails with ENXIO once it is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "lib/opt.h"
#include "vm/console.h"
#include "vm/store.h"

#define FOLLOW_MS	50	/* how often the log is read for new output */
#define END_WAIT_MS	1000

int console_open_in(const char *name, struct err *e)
{
	char p[PATH_LEN];
	int ret = vm_store_path(p, name, "console.in", e), fd;

	if (ret < 0)
		return ret;
	if (mkfifo(p, 0600) < 0 && errno != EEXIST)
		return err_set(e, -errno, "%s", p);
	fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s", p);
	return fd;
}

struct attach {
	const char *name;
	int in, log, pidfd;	/* the FIFO, console.log, the VMM */
	int tty;		/* stdin is a terminal we put in raw mode */
	struct termios saved;
};

/* Keys go through as they are typed; output processing stays as it was
 * so the guest's "\n" still starts a line. */
static void raw_mode(struct attach *a)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, &a->saved) < 0)
		return;
	t = a->saved;
	cfmakeraw(&t);
	t.c_oflag = a->saved.c_oflag;
	if (tcsetattr(0, TCSANOW, &t) == 0)
		a->tty = 1;
}

static void restore_mode(struct attach *a)
{
	if (a->tty)
		tcsetattr(0, TCSANOW, &a->saved);
}

/* New output in the log to stdout; -1 when stdout is gone. */
static int follow_log(struct attach *a)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(a->log, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return -1;
	return 0;
}

/* Keys to the VM up to Ctrl-]: 1 when it was typed, -1 on stdin's end
 * or when the VMM went away, 0 otherwise. */
static int pass_keys(struct attach *a)
{
	char buf[4096], *stop;
	ssize_t n = read(0, buf, sizeof(buf)), len;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	stop = memchr(buf, CONSOLE_DETACH, n);
	len = stop ? stop - buf : n;
	if (len && write(a->in, buf, len) != len)
		return -1;
	return stop ? 1 : 0;
}

static int attach_open(struct attach *a, const struct vm_rec *r, struct err *e)
{
	char p[PATH_LEN];

	if (!r->alive)
		return err_msg(e, -ESRCH, "%s: not running", r->name);
	if (vm_store_path(p, r->name, "console.in", e) < 0)
		return e->code;
	a->in = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (a->in < 0)
		return errno == ENXIO ? err_msg(e, -ESRCH, "%s: not running", r->name) :
		       err_set(e, -errno, "%s", p);
	/* blocking from here: a full FIFO waits for the guest to read */
	fcntl(a->in, F_SETFL, 0);
	if (vm_store_path(p, r->name, "console.log", e) < 0)
		return e->code;
	a->log = open(p, O_RDONLY | O_CLOEXEC);
	if (a->log < 0)
		return err_set(e, -errno, "%s", p);
	lseek(a->log, 0, SEEK_END);
	a->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (a->pidfd < 0)
		return err_set(e, -errno, "%s: pidfd_open", r->name);
	return 0;
}

/* Until Ctrl-], the VMM's end or stdout's: 1 when the VM ended. */
static int attach_loop(struct attach *a)
{
	struct pollfd p[2] = { { .fd = a->pidfd, .events = POLLIN },
			       { .fd = 0, .events = POLLIN } };
	int nfds = 2, ret;

	for (;;) {
		if (poll(p, nfds, FOLLOW_MS) < 0 && errno != EINTR)
			return 0;
		if (follow_log(a) < 0)
			return 0;
		if (p[0].revents)
			return 1;
		if (nfds == 2 && p[1].revents) {
			ret = pass_keys(a);
			if (ret > 0)
				return 0;
			if (ret < 0)
				nfds = 1;	/* no more keys: still show output */
		}
	}
}

static void attach_close(struct attach *a)
{
	if (a->in >= 0)
		close(a->in);
	if (a->log >= 0)
		close(a->log);
	if (a->pidfd >= 0)
		close(a->pidfd);
}

/* How it ended, once the waiter wrote it down. */
static void say_end(const char *name)
{
	char state[32];
	struct vm_rec r;
	struct err e;
	int i;

	for (i = 0; i < END_WAIT_MS / 10; i++) {
		if (vm_store_load(name, &r, &e) < 0)
			return;
		if (r.end[0])
			break;
		usleep(10000);
	}
	vm_store_end_text(&r, state, sizeof(state));
	fprintf(stderr, "strata: vm attach: %s %s\n", name, state);
}

int vm_attach_main(int argc, char **argv)
{
	int help = 0, ended;
	const struct opt opts[] = {
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct attach a = { .in = -1, .log = -1, .pidfd = -1 };
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	struct vm_rec r;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0 || (!help && pa.npos != 1)) {
		fprintf(stderr, "strata: vm attach: %s (see strata vm --help)\n",
			e.msg[0] ? e.msg : "one VM name");
		opt_args_free(&pa);
		return 2;
	}
	if (help) {
		printf("usage: strata vm attach NAME\n"
		       "  the VM's serial console on this terminal; Ctrl-] detaches\n");
		opt_help(stdout, opts);
		opt_args_free(&pa);
		return 0;
	}
	a.name = pa.pos[0];
	if (vm_store_load(a.name, &r, &e) < 0 || attach_open(&a, &r, &e) < 0) {
		attach_close(&a);
		opt_args_free(&pa);
		err_wrap(&e, "vm attach");
		err_print(&e);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	raw_mode(&a);
	if (a.tty)
		fprintf(stderr, "strata: attached to %s (Ctrl-] detaches)\r\n", r.name);
	ended = attach_loop(&a);
	restore_mode(&a);
	if (ended)
		say_end(r.name);
	else if (a.tty)
		fprintf(stderr, "\nstrata: detached from %s\n", r.name);
	attach_close(&a);
	opt_args_free(&pa);
	return 0;
}
