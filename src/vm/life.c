/*
 * life -- background VMs (see life.h).
 *
 * `run -d` makes the VM's folder, then forks a child that forks the
 * waiter and exits (so the command waits for nobody), and waits on a
 * channel (lib/chan.h) for one word from the VMM: started, once its
 * machine is built (the VMM writes state.json first), or the setup's
 * error, which the command prints as its own.  A VMM that dies before
 * either is an error too.  Either error removes the folder.
 *
 * The waiter (its own session, stdio /dev/null, cwd /) forks the VMM and
 * stays its parent: the VMM's last word on a pipe ("HOW CODE") and its
 * exit status from waitpid() become end.json (store.h), which the VMM,
 * under its syscall filter or killed by a signal, could not write.
 *
 * `ls` asks each live VMM's API socket for its state (running/paused);
 * a VMM that is gone shows how it ended (end.json).  `stop` sends
 * SIGTERM (the VMM ends the run and exits 0) and after --timeout
 * SIGKILL; `rm -f` kills first.  The pid is trusted only with its start
 * time (lib/proc.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/chan.h"
#include "lib/jsonf.h"
#include "lib/opt.h"
#include "lib/parse.h"
#include "lib/proc.h"
#include "vm/api.h"
#include "vm/console.h"
#include "vm/life.h"
#include "vm/store.h"

enum { LIFE_ERROR = 1, LIFE_STARTED };

#define STOP_TIMEOUT_S	10
#define KILL_WAIT_MS	5000
#define API_WAIT_MS	1000
#define END_WAIT_MS	1000

struct detach {
	const char *name;
	vm_run_fn run;
	int chan;
	int end_fd;	/* the VMM's last word to the waiter: "HOW CODE\n" */
};

static int cmd_error(const char *cmd, struct err *e)
{
	err_wrap(e, "vm %s", cmd);
	err_print(e);
	return 1;
}

static int usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "strata: vm %s: %s (see strata vm --help)\n", cmd, msg);
	return 2;
}

/* -h of a command: its synopsis and options. */
static int cmd_help(const char *synopsis, const struct opt *opts)
{
	printf("usage: strata vm %s\n", synopsis);
	opt_help(stdout, opts);
	return 0;
}

/* Runs in the VMM before the filter goes on: write state.json down,
 * then tell the parent. */
static int detached_ready(void *arg, struct err *e)
{
	struct detach *d = arg;
	int ret = vm_store_started(d->name, getpid(), e);

	if (ret < 0)
		return ret;
	/* every file is open: keep no directory (or its mount) busy */
	if (chdir("/") < 0)
		return err_set(e, -errno, "chdir /");
	chan_send(d->chan, LIFE_STARTED, getpid(), NULL, -1);
	close(d->chan);
	d->chan = -1;
	return 0;
}

static void end_word(int fd, int how, int code);

static void __attribute__((noreturn)) vmm_main(struct vm_config *c, struct detach *d,
					       vm_report_fn report, void *arg)
{
	char log[PATH_LEN];
	struct vm_result r;
	struct err e = { 0 };
	int fd, code;

	setsid();
	signal(SIGPIPE, SIG_IGN);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (vm_store_path(log, d->name, "console.log", &e) == 0 &&
	    (fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	c->console_in = console_open_in(d->name, &e);	/* -errno: no input */
	err_clear(&e);
	c->console_wake = c->console_in >= 0;
	c->console_out = 1;
	c->ready = detached_ready;
	c->ready_arg = d;
	if (d->run(c, &r, &e) < 0) {
		if (d->chan >= 0)
			chan_send_err(d->chan, LIFE_ERROR, &e);
		else
			err_print(&e);
		_exit(125);
	}
	code = report(&r, arg);
	end_word(d->end_fd, r.how, code);
	_exit(code);
}

/* How the run ended, for the waiter; write(2) is what the filter
 * leaves us. */
static void end_word(int fd, int how, int code)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d %d\n", how, code);

	if (write(fd, buf, n) != n)
		return;	/* the waiter then records the exit status alone */
}

/* The VMM's parent: waits for it and writes end.json (store.h), since
 * the VMM cannot.  It holds nothing of the VMM's but the read end of
 * its last word, and no directory. */
static void __attribute__((noreturn)) waiter_main(const char *name, pid_t vmm,
						  int end_fd)
{
	char buf[32] = "", how[16] = "unknown";
	int status = 0, h = -1, code = 0, sig = 0;
	struct err e;
	ssize_t n, len = 0;

	while (len < (ssize_t)sizeof(buf) - 1 &&
	       ((n = read(end_fd, buf + len, sizeof(buf) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? n : 0;
	close(end_fd);
	while (waitpid(vmm, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		snprintf(how, sizeof(how), "signal");
		sig = WTERMSIG(status);
		code = 128 + sig;
	} else {
		code = WEXITSTATUS(status);
		if (sscanf(buf, "%d", &h) == 1)
			snprintf(how, sizeof(how), "%s", vm_end_name(h));
	}
	vm_store_ended(name, vmm, how, code, sig, &e);
	_exit(0);
}

/* The first child: forks the waiter and is done, so the waiter and the
 * VMM are nobody's children but init's and the waiter's. */
static void __attribute__((noreturn)) detached_fork(struct vm_config *c,
						    const char *name, vm_run_fn run,
						    int chan, vm_report_fn report,
						    void *arg)
{
	struct detach d = { name, run, chan, -1 };
	int p[2];
	pid_t vmm;

	if (fork() != 0)
		_exit(0);
	setsid();
	if (pipe2(p, O_CLOEXEC) < 0)
		_exit(125);	/* the parent hears EPIPE on the channel */
	vmm = fork();
	if (vmm < 0)
		_exit(125);
	if (vmm == 0) {
		close(p[0]);
		d.end_fd = p[1];
		vmm_main(c, &d, report, arg);
	}
	close(p[1]);
	close(chan);
	if (chdir("/") < 0)
		_exit(1);
	p[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (p[1] >= 0) {
		dup2(p[1], 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[1]);
	}
	waiter_main(name, vmm, p[0]);
}

static void made_up_name(char *buf, size_t n)
{
	uint8_t b[3] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		b[0] = getpid() & 0xff;
	snprintf(buf, n, "vm-%02x%02x%02x", b[0], b[1], b[2]);
}

static int detached_create(struct vm_rec *rec, struct err *e)
{
	int lock = vm_store_lock(e), ret;

	if (lock < 0)
		return lock;
	ret = vm_store_create(rec, e);
	fs_unlock(lock);
	return ret;
}

/* Wait for the VMM's word. */
static int detached_wait(int chan, const char *name, struct err *e)
{
	struct chan_msg m;
	int ret = chan_recv(chan, &m, NULL);

	if (ret == -EPIPE)
		return err_msg(e, -ECHILD, "the VMM of %s ended before its machine was built", name);
	if (ret < 0)
		return err_set(e, ret, "waiting for the VMM");
	if (m.type == LIFE_STARTED)
		return 0;
	return err_msg(e, m.value < 0 ? m.value : -EIO, "%s", m.text);
}

int vm_run_detached(struct vm_config *c, const char *name, vm_run_fn run,
		    vm_report_fn report, void *arg, struct err *e)
{
	struct vm_rec rec = { .mem = c->mem_size, .cpus = c->cpus };
	char sock[PATH_LEN], made[16];
	struct err ignore;
	int sv[2], ret, status;
	pid_t pid;

	if (!name) {
		made_up_name(made, sizeof(made));
		name = made;
	}
	ret = vm_store_check_name(name, e);
	if (ret < 0)
		return ret;
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	if (!realpath(c->kernel, rec.kernel))
		snprintf(rec.kernel, sizeof(rec.kernel), "%s", c->kernel);
	if (!c->api_sock) {
		ret = vm_store_path(sock, name, "api.sock", e);
		if (ret < 0)
			return ret;
		c->api_sock = sock;
	}
	if (c->api_sock[0] != '/') {	/* ls and api look from elsewhere */
		char cwd[PATH_LEN];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    fs_path(sock, e, "%s/%s", cwd, c->api_sock) < 0)
			return err_msg(e, -ENAMETOOLONG, "--api-sock %s: path too long", c->api_sock);
		c->api_sock = sock;
	}
	snprintf(rec.api_sock, sizeof(rec.api_sock), "%s", c->api_sock);
	ret = detached_create(&rec, e);
	if (ret < 0)
		return ret;
	ret = chan_pair(sv, e);
	if (ret < 0)
		goto fail;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = err_set(e, -errno, "fork");
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		detached_fork(c, name, run, sv[1], report, arg);
	}
	close(sv[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ret = detached_wait(sv[0], name, e);
	close(sv[0]);
	if (ret < 0)
		goto fail;
	printf("%s\n", name);
	return 0;
fail:
	vm_store_remove(name, &ignore);
	return ret;
}

/* One request to the API socket at @path; the parsed reply, or NULL. */
static json_t *api_call(const char *path, const char *req, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[API_LINE_MAX + 2];
	size_t len = 0, n = strlen(req);
	struct pollfd p;
	json_error_t je;
	json_t *j = NULL;
	ssize_t r;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_msg(e, -ENAMETOOLONG, "%s: path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, n, MSG_NOSIGNAL) != (ssize_t)n ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		err_set(e, -errno, "%s", path);
		goto out;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!memchr(buf, '\n', len) && len < sizeof(buf) - 1) {
		if (poll(&p, 1, API_WAIT_MS * 3) <= 0) {
			err_msg(e, -ETIMEDOUT, "%s: no reply", path);
			goto out;
		}
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0) {
			err_msg(e, -EPIPE, "%s: closed without a reply", path);
			goto out;
		}
		len += r;
	}
	j = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &je);
	if (!j)
		err_msg(e, -EPROTO, "%s: bad reply: %s", path, je.text);
out:
	if (fd >= 0)
		close(fd);
	return j;
}

/* running/paused from the VMM itself ("running" if it does not say);
 * how it ended when it is gone */
static void live_state(const struct vm_rec *r, char *state, size_t n)
{
	struct err e;
	json_t *j;

	if (!r->alive) {
		vm_store_end_text(r, state, n);
		return;
	}
	snprintf(state, n, "running");
	if (!r->api_sock[0])
		return;
	j = api_call(r->api_sock, "{\"action\":\"stats\"}", &e);
	if (j && json_is_true(json_object_get(j, "ok")))
		snprintf(state, n, "%s", jsonf_str(j, "state", "running"));
	json_decref(j);
}

/* --json: "state" is one word (running, paused, exited, crashed,
 * timed-out, stopped, killed); how a stopped VM ended in "end",
 * "exit_code" and "signal". */
static json_t *ls_json(const struct vm_rec *r, const char *state, long up)
{
	static const char *const words[] = { "exited", "crashed", "timed", "stopped", "killed" };
	json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:I, s:i, s:I}",
		"name", r->name, "pid", r->alive ? (int)r->pid : 0,
		"state", state, "kernel", r->kernel, "mem", (json_int_t)r->mem,
		"cpus", r->cpus, "uptime", (json_int_t)up);
	size_t i;

	if (!j || r->alive)
		return j;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strncmp(state, words[i], strlen(words[i])))
			json_object_set_new(j, "state", json_string(i == 2 ? "timed-out" : words[i]));
	if (r->end[0]) {
		json_object_set_new(j, "end", json_string(r->end));
		json_object_set_new(j, "exit_code", json_integer(r->exit_code));
		if (r->signal)
			json_object_set_new(j, "signal", json_integer(r->signal));
	}
	return j;
}

static void fmt_uptime(char *buf, size_t n, long s)
{
	if (s < 60)
		snprintf(buf, n, "%lds", s);
	else if (s < 3600)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%ldh%02ldm", s / 3600, (s / 60) % 60);
}

struct ls {
	json_t *arr;	/* --json */
};

static int ls_one(const struct vm_rec *r, void *arg)
{
	struct ls *l = arg;
	long up = r->alive && r->started ? (long)(time(NULL) - r->started) : 0;
	char state[32], upbuf[32], pid[16], mem[24];

	live_state(r, state, sizeof(state));
	if (l->arr) {
		json_array_append_new(l->arr, ls_json(r, state, up));
		return 0;
	}
	fmt_uptime(upbuf, sizeof(upbuf), up);
	snprintf(pid, sizeof(pid), "%d", (int)r->pid);
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)(r->mem >> 20));
	printf("%-16s %-8s %-16s %-6s %-4d %-8s %s\n", r->name, r->alive ? pid : "-",
	       state, mem, r->cpus, r->alive ? upbuf : "-", r->kernel);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	int json = 0, help = 0;
	const struct opt opts[] = {
		{ "json", 0, OPT_FLAG, &json, NULL, "a JSON array" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args pa = { 0 };
	struct ls l = { 0 };
	struct err e = { 0 };
	char *s;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0)
		return usage("ls", e.msg);
	if (help)
		return cmd_help("ls [--json]", opts);
	if (pa.npos)
		return usage("ls", "unexpected argument");
	if (json)
		l.arr = json_array();
	else
		printf("%-16s %-8s %-16s %-6s %-4s %-8s %s\n", "NAME", "PID", "STATE",
		       "MEM", "CPUS", "UPTIME", "KERNEL");
	if (vm_store_foreach(ls_one, &l, &e) < 0)
		return cmd_error("ls", &e);
	if (l.arr) {
		s = json_dumps(l.arr, JSON_INDENT(2));
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(l.arr);
	}
	return 0;
}

/* Signal the VMM if it is the one we wrote down, and wait for it. */
static int vmm_signal_wait(const struct vm_rec *r, int sig, int ms)
{
	if (!proc_alive(r->pid, r->pid_start))
		return 1;
	kill(r->pid, sig);
	return proc_wait_gone(r->pid, r->pid_start, ms);
}

/* The waiter writes end.json just after the VMM is gone: give it a
 * moment, so that ls after stop says how it ended. */
static void end_wait(const char *name)
{
	struct vm_rec r;
	struct err e;
	int i;

	for (i = 0; i < END_WAIT_MS / 10; i++) {
		if (vm_store_load(name, &r, &e) < 0 || r.end[0])
			return;
		usleep(10000);
	}
}

static int vm_stop_one(const char *name, double timeout, int force, struct err *e)
{
	struct vm_rec r;
	int ret = vm_store_load(name, &r, e);

	if (ret < 0)
		return ret;
	if (!r.alive)
		return 0;
	if ((!force && vmm_signal_wait(&r, SIGTERM, (int)(timeout * 1000))) ||
	    vmm_signal_wait(&r, SIGKILL, KILL_WAIT_MS)) {
		end_wait(name);
		return 0;
	}
	return err_msg(e, -ETIMEDOUT, "%s: the VMM (pid %d) does not end", name, (int)r.pid);
}

static int cmd_stop(int argc, char **argv)
{
	const char *timeout = NULL;
	int force = 0, help = 0, i, rc = 0;
	const struct opt opts[] = {
		{ "timeout", 't', OPT_STR, &timeout, "SECONDS", "wait this long after SIGTERM, then SIGKILL (default 10)" },
		{ "force", 'f', OPT_FLAG, &force, NULL, "SIGKILL at once" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	double t = STOP_TIMEOUT_S;
	char *end;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0)
		return usage("stop", e.msg);
	if (help)
		return cmd_help("stop [--timeout S] [-f] NAME...", opts);
	if (!pa.npos)
		return usage("stop", "no VM named");
	if (timeout) {
		t = strtod(timeout, &end);
		if (*end || end == timeout || !(t >= 0) || t > 1e6)
			return usage("stop", "--timeout: not a number of seconds");
	}
	for (i = 0; i < pa.npos; i++)
		if (vm_stop_one(pa.pos[i], t, force, &e) < 0)
			rc = cmd_error("stop", &e);
	return rc;
}

static int cmd_rm(int argc, char **argv)
{
	int force = 0, help = 0, i, rc = 0;
	const struct opt opts[] = {
		{ "force", 'f', OPT_FLAG, &force, NULL, "kill a running VM first" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END,
	};
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	struct vm_rec r;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0)
		return usage("rm", e.msg);
	if (help)
		return cmd_help("rm [-f] NAME...", opts);
	if (!pa.npos)
		return usage("rm", "no VM named");
	for (i = 0; i < pa.npos; i++) {
		int ret = vm_store_load(pa.pos[i], &r, &e);

		if (ret == 0 && r.alive && !force)
			ret = err_msg(&e, -EBUSY, "%s: is running (strata vm stop %s, or rm -f)",
				      r.name, r.name);
		if (ret == 0 && r.alive && !vmm_signal_wait(&r, SIGKILL, KILL_WAIT_MS))
			ret = err_msg(&e, -ETIMEDOUT, "%s: the VMM does not end", r.name);
		if (ret == 0 && r.alive)	/* the waiter writes into the folder */
			end_wait(r.name);
		if (ret == 0)
			ret = vm_store_remove(r.name, &e);
		if (ret < 0)
			rc = cmd_error("rm", &e);
	}
	return rc;
}

static int cmd_logs(int argc, char **argv)
{
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	char p[PATH_LEN], buf[65536];
	struct vm_rec r;
	ssize_t n;
	int fd;
	const struct opt opts[] = { OPT_END };

	if (opt_parse(opts, argc, argv, &pa, &e) < 0)
		return usage("logs", e.msg);
	if (pa.npos != 1)
		return usage("logs", "one VM name");
	if (vm_store_load(pa.pos[0], &r, &e) < 0 ||
	    vm_store_path(p, r.name, "console.log", &e) < 0)
		return cmd_error("logs", &e);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : (err_set(&e, -errno, "%s", p), cmd_error("logs", &e));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
	close(fd);
	return 0;
}

static void gc_said(const char *path)
{
	printf("removed %s\n", path);
}

static int cmd_gc(int argc, char **argv)
{
	struct err e = { 0 };

	(void)argv;
	if (argc > 0)
		return usage("gc", "unexpected argument");
	if (vm_store_gc(gc_said, &e) < 0)
		return cmd_error("gc", &e);
	return 0;
}

/* `strata vm api NAME|PATH REQUEST`: one request, the reply printed. */
static int cmd_api(int argc, char **argv)
{
	struct err e = { 0 };
	struct vm_rec r;
	const char *path;
	json_t *j;
	char *s;
	int ok;

	if (argc != 2)
		return usage("api", "want NAME (or a socket path) and one JSON request");
	path = argv[0];
	if (!strchr(path, '/')) {
		if (vm_store_load(path, &r, &e) < 0)
			return cmd_error("api", &e);
		if (!r.alive)
			return err_msg(&e, -ESRCH, "%s: not running", r.name), cmd_error("api", &e);
		path = r.api_sock;
	}
	j = api_call(path, argv[1], &e);
	if (!j)
		return cmd_error("api", &e);
	ok = json_is_true(json_object_get(j, "ok"));
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	printf("%s\n", s ? s : "");
	free(s);
	json_decref(j);
	return ok ? 0 : 1;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} life_cmds[] = {
	{ "ls", cmd_ls }, { "stop", cmd_stop }, { "rm", cmd_rm },
	{ "logs", cmd_logs }, { "gc", cmd_gc }, { "api", cmd_api },
	{ "attach", vm_attach_main }, { "console", vm_attach_main },
};

int vm_life_cmd(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(life_cmds) / sizeof(life_cmds[0]); i++)
		if (!strcmp(cmd, life_cmds[i].name))
			return 1;
	return 0;
}

int vm_life_main(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(life_cmds) / sizeof(life_cmds[0]); i++)
		if (!strcmp(argv[0], life_cmds[i].name))
			return life_cmds[i].fn(argc - 1, argv + 1);
	return 2;
}
