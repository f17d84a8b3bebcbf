/*
 * Unit tests for the VM's API (src/vm/api.c): the request parser, the
 * replies against a fake machine, and a real socket served by its thread.
 * Also the names of background VMs (src/vm/store.c).  No KVM needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm/api.h"
#include "vm/machine.h"
#include "vm/store.h"
#include "test.h"

static int paused, stops;

static int count_vm(const struct vm_rec *r, void *arg)
{
	(void)r;
	++*(int *)arg;
	return 0;
}

/* end.json: written for the VMM state.json names, read back, shown. */
static void end_tests(struct vm_rec *r)
{
	struct err e = { 0 };
	char t[32];

	test_assert(vm_store_ended("s1", getpid() + 1, "crash", 1, 0, &e) == -ESTALE,
		    "the end of another VMM is not written");
	test_assert(vm_store_load("s1", r, &e) == 0 && !r->end[0], "no end yet");
	vm_store_end_text(r, t, sizeof(t));
	test_assert(!strcmp(t, "stopped"), "a VM without a recorded end shows stopped");
	test_assert(vm_store_ended("s1", getpid(), vm_end_name(VM_END_POWEROFF), 7, 0, &e) == 0 &&
		    vm_store_load("s1", r, &e) == 0 && !strcmp(r->end, "poweroff") &&
		    r->exit_code == 7 && r->ended, "an end is written and read back");
	vm_store_end_text(r, t, sizeof(t));
	test_assert(!strcmp(t, "exited (7)"), "shown as exited (7)");
	vm_store_ended("s1", getpid(), "signal", 137, 9, &e);
	vm_store_load("s1", r, &e);
	vm_store_end_text(r, t, sizeof(t));
	test_assert(!strcmp(t, "killed (SIGKILL)"), "a signal by name");
	vm_store_ended("s1", getpid(), vm_end_name(VM_END_CRASH), 1, 0, &e);
	vm_store_load("s1", r, &e);
	vm_store_end_text(r, t, sizeof(t));
	test_assert(!strcmp(t, "crashed"), "a crash");
	vm_store_ended("s1", getpid(), vm_end_name(VM_END_TIMEOUT), 124, 0, &e);
	vm_store_load("s1", r, &e);
	vm_store_end_text(r, t, sizeof(t));
	test_assert(!strcmp(t, "timed out"), "a timeout");
	test_assert(!strcmp(vm_end_name(99), "unknown") && !strcmp(vm_end_name(-1), "unknown"),
		    "an end out of range has a name too");
}

static void store_test(void)
{
	char root[] = "/tmp/vm_store.XXXXXX", p[PATH_LEN];
	struct vm_rec r = { .name = "s1", .kernel = "/k", .mem = 64 << 20, .cpus = 2 };
	struct err e = { 0 };
	int n = 0;

	test_assert(mkdtemp(root), "a temporary state root");
	setenv("STRATA_ROOT", root, 1);
	test_assert(vm_store_create(&r, &e) == 0, "a VM folder is made");
	test_assert(vm_store_create(&r, &e) == -EEXIST, "a second VM of that name is refused");
	test_assert(vm_store_load("s1", &r, &e) == 0 && r.mem == 64 << 20 && r.cpus == 2 &&
		    !strcmp(r.kernel, "/k") && !r.pid && !r.alive,
		    "it loads back, never started");
	test_assert(vm_store_started("s1", getpid(), &e) == 0 &&
		    vm_store_load("s1", &r, &e) == 0 && r.pid == getpid() && r.alive && r.started,
		    "a started VM whose VMM lives is alive");
	end_tests(&r);
	test_assert(vm_store_load("nope", &r, &e) == -ENOENT && !strcmp(e.msg, "no such VM: nope"),
		    "an unknown VM: one line");
	test_assert(vm_store_load("../x", &r, &e) == -EINVAL, "a name that is a path is refused");
	test_assert(vm_store_foreach(count_vm, &n, &e) == 0 && n == 1, "foreach sees one VM");
	test_assert(vm_store_remove("s1", &e) == 0, "rm");
	snprintf(p, sizeof(p), "%s/vms/.tmp-x-999999", root);
	mkdir(p, 0700);
	test_assert(vm_store_gc(NULL, &e) == 1, "gc removes a dead command's staging folder");
	n = 0;
	test_assert(vm_store_foreach(count_vm, &n, &e) == 0 && n == 0, "nothing is left");
	snprintf(p, sizeof(p), "%s/vms/.lock", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/vms", root);
	rmdir(p);
	test_assert(rmdir(root) == 0, "the root is empty again");
	unsetenv("STRATA_ROOT");
}

static int fake_act(void *ctx, enum api_action a, struct api_stats *s,
		    struct err *e)
{
	(void)ctx;
	if (a == API_PAUSE)
		paused = 1;
	if (a == API_RESUME)
		paused = 0;
	if (a == API_STOP && stops++)
		return err_msg(e, -ESRCH, "the VM is stopping");
	s->state = paused ? "paused" : a == API_STOP ? "stopping" : "running";
	s->vcpus = 2;
	s->exits = 42;
	s->uptime = 1.5;
	s->mem = 64 << 20;
	return 0;
}

static const struct api_ops ops = { NULL, fake_act };

static int reply_is(const char *req, const char *want)
{
	char *r = api_handle(&ops, req, strlen(req));
	int ok = r && !strcmp(r, want);

	if (!ok)
		fprintf(stderr, "request %s: reply %s", req, r ? r : "(null)\n");
	free(r);
	return ok;
}

static int parses(const char *req, enum api_action want)
{
	enum api_action a;
	struct err e = { 0 };

	return api_parse(req, strlen(req), &a, &e) == 0 && a == want;
}

static int refused(const char *req)
{
	enum api_action a;
	struct err e = { 0 };

	return api_parse(req, strlen(req), &a, &e) == -EINVAL && e.msg[0];
}

static void socket_test(void)
{
	char dir[] = "/tmp/vm_api.XXXXXX", path[64], buf[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api_server *s, *s2;
	struct err e = { 0 };
	const char *req = "{\"action\":\"stats\"}\n{\"action\":\"pause\"}\n";
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd;

	test_assert(mkdtemp(dir), "a temporary folder");
	snprintf(path, sizeof(path), "%s/api", dir);
	test_assert(api_listen(path, &s, &e) == 0, "the server listens");
	test_assert(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    (st.st_mode & 0777) == 0600, "a socket file only its owner may use");
	test_assert(api_listen(path, &s2, &e) == -EADDRINUSE, "a second server on the same path is refused");
	test_assert(api_start(s, &ops, &e) == 0, "its thread starts");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	test_assert(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a client connects");
	test_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req), "and sends two requests at once");
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += n;
		buf[len] = 0;
		if (strstr(buf, "paused\"}\n"))
			break;
	}
	test_assert(!strcmp(buf, "{\"ok\":true,\"state\":\"running\",\"vcpus\":2,\"exits\":42,\"uptime\":1.5,\"mem\":67108864}\n"
			    "{\"ok\":true,\"state\":\"paused\"}\n"), "two replies, one line each, in order");
	close(fd);
	api_close(s);
	test_assert(api_listen(path, &s, &e) == 0, "a stale socket file nobody serves is replaced");
	api_close(s);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct err e = { 0 };

	test_assert(parses("{\"action\":\"pause\"}", API_PAUSE), "pause");
	test_assert(parses("{\"action\":\"resume\"}", API_RESUME), "resume");
	test_assert(parses(" { \"action\" : \"stop\" } ", API_STOP), "stop, with spaces");
	test_assert(parses("{\"action\":\"stats\"}\r", API_STATS), "stats, with a CR");
	test_assert(refused("{\"action\":\"Pause\"}"), "names are case-sensitive");
	test_assert(refused("{\"action\":\"stats\",\"x\":1}"), "other members are refused");
	test_assert(refused("{\"action\":\"stats\",\"action\":\"stop\"}"), "so are duplicates");
	test_assert(refused("{\"action\":1}"), "an action is a string");
	test_assert(refused("[\"stats\"]"), "a request is an object");
	test_assert(refused("\"stats\""), "not a bare string");
	test_assert(refused("{\"action\":\"stats\"} {}"), "one object per line");
	test_assert(refused(""), "an empty line");
	{
		char big[API_LINE_MAX + 2];
		enum api_action a;

		memset(big, ' ', sizeof(big));
		test_assert(api_parse(big, sizeof(big), &a, &e) == -E2BIG, "a line over 4096 bytes");
	}
	test_assert(reply_is("{\"action\":\"stats\"}",
			     "{\"ok\":true,\"state\":\"running\",\"vcpus\":2,\"exits\":42,\"uptime\":1.5,\"mem\":67108864}\n"),
		    "stats reply");
	test_assert(reply_is("{\"action\":\"pause\"}", "{\"ok\":true,\"state\":\"paused\"}\n"), "pause reply");
	test_assert(reply_is("{\"action\":\"resume\"}", "{\"ok\":true,\"state\":\"running\"}\n"), "resume reply");
	test_assert(reply_is("{\"action\":\"stop\"}", "{\"ok\":true,\"state\":\"stopping\"}\n"), "stop reply");
	test_assert(reply_is("{\"action\":\"stop\"}", "{\"ok\":false,\"error\":\"the VM is stopping\"}\n"),
		    "the machine's error becomes the reply");
	test_assert(reply_is("{\"action\":\"x\"}",
			     "{\"ok\":false,\"error\":\"unknown action (pause, resume, stop or stats)\"}\n"),
		    "an unknown action");
	socket_test();
	store_test();

	test_assert(vm_store_check_name("web-1.test_2", &e) == 0, "a good name");
	test_assert(vm_store_check_name("", &e) < 0, "an empty name");
	test_assert(vm_store_check_name("-x", &e) < 0, "a name starting with '-'");
	test_assert(vm_store_check_name(".x", &e) < 0, "a name starting with '.'");
	test_assert(vm_store_check_name("a/b", &e) < 0, "a name with '/'");
	test_assert(vm_store_check_name("0123456789012345678901234567890123456789012345678901234567890123", &e) < 0,
		    "a name of 64 characters");
	return test_report();
}
