/*
 * api -- the VM's JSON-lines control socket (see api.h).
 *
 * One thread polls the listening socket, an eventfd that tells it to
 * quit, and up to API_CLIENTS connections.  Each connection has a line
 * buffer; a complete line is parsed and answered at once.  Replies are
 * sent without blocking: a client that does not read its replies is
 * dropped rather than stall the VM's control.  Requests are untrusted
 * input (any local process that can reach the socket): api_parse is
 * strict and fuzzed (tests/fuzz/fuzz_vm_api.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm/api.h"

#define API_CLIENTS	8

static const char *const api_names[] = {
	[API_PAUSE] = "pause",
	[API_RESUME] = "resume",
	[API_STOP] = "stop",
	[API_STATS] = "stats",
};

struct api_client {
	int fd;			/* -1: free slot */
	size_t len;
	char buf[API_LINE_MAX + 1];
};

struct api_server {
	int listen_fd;
	int quit_fd;		/* eventfd: the thread leaves when readable */
	struct stat st;		/* of the socket file */
	const struct api_ops *ops;
	pthread_t thread;
	int running;
	struct api_client client[API_CLIENTS];
};

int api_parse(const char *line, size_t len, enum api_action *a, struct err *e)
{
	json_error_t je;
	json_t *j, *act;
	const char *name;
	size_t i;
	int ret = -EINVAL;

	if (len > API_LINE_MAX)
		return err_msg(e, -E2BIG, "request longer than %d bytes", API_LINE_MAX);
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_msg(e, -EINVAL, "not JSON: %s", je.text);
	act = json_object_get(j, "action");
	if (!json_is_object(j) || !act || json_object_size(j) != 1) {
		err_msg(e, ret, "want {\"action\":\"pause|resume|stop|stats\"}");
		goto out;
	}
	name = json_string_value(act);
	if (!name) {
		err_msg(e, ret, "action: not a string");
		goto out;
	}
	for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++) {
		if (!strcmp(name, api_names[i])) {
			*a = (enum api_action)i;
			ret = 0;
			goto out;
		}
	}
	/* the name is not echoed: it may be anything, of any length */
	err_msg(e, ret, "unknown action (pause, resume, stop or stats)");
out:
	json_decref(j);
	return ret;
}

static char *api_dump(json_t *j)
{
	char *s, *line = NULL;
	size_t n;

	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(j);
	if (!s)
		return NULL;
	n = strlen(s);
	line = malloc(n + 2);
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = 0;
	}
	free(s);
	return line;
}

static char *api_error(const char *msg)
{
	return api_dump(json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

char *api_handle(const struct api_ops *ops, const char *line, size_t len)
{
	struct api_stats s = { .state = "running" };
	enum api_action a;
	struct err e = { 0 };

	if (api_parse(line, len, &a, &e) < 0 ||
	    ops->act(ops->ctx, a, &s, &e) < 0)
		return api_error(e.msg);
	if (a != API_STATS)
		return api_dump(json_pack("{s:b, s:s}", "ok", 1, "state", s.state));
	return api_dump(json_pack("{s:b, s:s, s:i, s:I, s:f, s:I}", "ok", 1,
				  "state", s.state, "vcpus", s.vcpus,
				  "exits", (json_int_t)s.exits,
				  "uptime", s.uptime, "mem", (json_int_t)s.mem));
}

/* Is anybody listening at @path? */
static int api_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return 1;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
	      errno != ECONNREFUSED;
	close(fd);
	return ret;
}

static int api_bind(struct api_server *s, const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_msg(e, -ENAMETOOLONG, "%s: longer than %zu bytes",
			       path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return err_msg(e, -EEXIST, "%s: exists and is not a socket", path);
		if (api_in_use(&sa))
			return err_msg(e, -EADDRINUSE, "%s: in use by another VM", path);
		unlink(path);
	}
	old = umask(0177);
	ret = bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0)
		return err_set(e, -errno, "%s", path);
	if (listen(s->listen_fd, API_CLIENTS) < 0 || lstat(path, &s->st) < 0) {
		ret = err_set(e, -errno, "%s", path);
		unlink(path);
		return ret;
	}
	return 0;
}

int api_listen(const char *path, struct api_server **out, struct err *e)
{
	struct api_server *s = calloc(1, sizeof(*s));
	int i, ret;

	if (!s)
		return err_set(e, -ENOMEM, "api");
	for (i = 0; i < API_CLIENTS; i++)
		s->client[i].fd = -1;
	s->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->quit_fd < 0 || s->listen_fd < 0)
		ret = err_set(e, -errno, "api socket");
	else
		ret = api_bind(s, path, e);
	if (ret < 0) {
		if (s->quit_fd >= 0)
			close(s->quit_fd);
		if (s->listen_fd >= 0)
			close(s->listen_fd);
		free(s);
		return err_wrap(e, "--api-sock");
	}
	*out = s;
	return 0;
}

void api_ident(const struct api_server *s, uint64_t *dev, uint64_t *ino)
{
	*dev = s->st.st_dev;
	*ino = s->st.st_ino;
}

static void api_drop(struct api_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void api_accept(struct api_server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < API_CLIENTS; i++) {
		if (s->client[i].fd < 0) {
			s->client[i].fd = fd;
			s->client[i].len = 0;
			return;
		}
	}
	close(fd);	/* full: the client sees EOF and may retry */
}

/* 0, or -1 when the client must go (it does not read, or it is gone). */
static int api_reply(struct api_client *c, const char *reply)
{
	size_t n = strlen(reply);

	return send(c->fd, reply, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Answer every complete line in the buffer. */
static int api_lines(struct api_server *s, struct api_client *c)
{
	char *nl, *reply;
	size_t n;
	int ret = 0;

	while (ret == 0 && (nl = memchr(c->buf, '\n', c->len))) {
		n = nl - c->buf;
		reply = api_handle(s->ops, c->buf, n);
		ret = reply ? api_reply(c, reply) : -1;
		free(reply);
		memmove(c->buf, nl + 1, c->len - n - 1);
		c->len -= n + 1;
	}
	if (ret == 0 && c->len > API_LINE_MAX) {
		reply = api_error("request longer than 4096 bytes");
		if (reply)
			api_reply(c, reply);
		free(reply);
		return -1;
	}
	return ret;
}

static void api_read(struct api_server *s, struct api_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		api_drop(c);
		return;
	}
	c->len += n;
	if (api_lines(s, c) < 0)
		api_drop(c);
}

static void *api_thread(void *arg)
{
	struct api_server *s = arg;
	struct pollfd p[API_CLIENTS + 2];
	int i, n;

	for (;;) {
		p[0] = (struct pollfd){ .fd = s->quit_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		for (i = 0; i < API_CLIENTS; i++)
			p[i + 2] = (struct pollfd){ .fd = s->client[i].fd, .events = POLLIN };
		n = poll(p, API_CLIENTS + 2, -1);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			api_accept(s);
		for (i = 0; i < API_CLIENTS; i++)
			if (s->client[i].fd >= 0 && p[i + 2].revents)
				api_read(s, &s->client[i]);
	}
	return NULL;
}

int api_start(struct api_server *s, const struct api_ops *ops, struct err *e)
{
	sigset_t all, old;
	int ret;

	s->ops = ops;
	/* jansson seeds its hash function from /dev/urandom on first use:
	 * get that done while open() is still allowed */
	json_object_seed(0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);	/* signals are for the vCPUs */
	ret = pthread_create(&s->thread, NULL, api_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return err_set(e, -ret, "API thread");
	s->running = 1;
	return 0;
}

void api_close(struct api_server *s)
{
	uint64_t one = 1;
	int i;

	if (!s)
		return;
	if (s->running) {
		if (write(s->quit_fd, &one, sizeof(one)) < 0)
			pthread_cancel(s->thread);	/* cannot happen: eventfd */
		pthread_join(s->thread, NULL);
	}
	for (i = 0; i < API_CLIENTS; i++)
		if (s->client[i].fd >= 0)
			api_drop(&s->client[i]);
	close(s->listen_fd);
	close(s->quit_fd);
	free(s);
}
