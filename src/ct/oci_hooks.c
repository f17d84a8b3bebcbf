/*
 * oci_hooks -- run hooks (runtime-spec config.md, "POSIX-platform Hooks").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/oci_hooks.h"

static const char *const hook_names[OCI_HOOK_NKINDS] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_name(enum oci_hook_kind kind)
{
	return kind < OCI_HOOK_NKINDS ? hook_names[kind] : "?";
}

static char *const empty_env[] = { NULL };

/* Wait for @pid, at most @timeout seconds when > 0 (then SIGKILL). */
static int hook_wait(pid_t pid, int timeout, int *status)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, status, timeout > 0 ? WNOHANG : 0);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout > 0 && now.tv_sec - start.tv_sec >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		if (r == 0)
			usleep(10000);
	}
}

static int hook_run(const struct oci_hook *h, const char *state, struct err *e)
{
	char *const *args = h->args ? h->args : (char *const[]){ h->path, NULL };
	int p[2], status = 0, ret;
	size_t len = strlen(state);
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(e, -errno, "fork");
	}
	if (pid == 0) {
		dup2(p[0], 0);
		execve(h->path, args, h->env ? h->env : empty_env);
		_exit(127);
	}
	close(p[0]);
	/* The state is small (a pipe buffer holds it); a hook that does not
	 * read it must not hang us. */
	signal(SIGPIPE, SIG_IGN);
	if (write(p[1], state, len) < 0 && errno != EPIPE)
		log_debug("hook %s: write state: %s", h->path, strerror(errno));
	close(p[1]);
	ret = hook_wait(pid, h->timeout, &status);
	if (ret == -ETIMEDOUT)
		return err_msg(e, ret, "timed out after %d s", h->timeout);
	if (ret < 0)
		return err_set(e, ret, "wait");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return err_msg(e, -EIO, "exit status %d", WEXITSTATUS(status));
	return err_msg(e, -EIO, "killed by signal %d", WTERMSIG(status));
}

int oci_hooks_run(const struct ct_oci *o, enum oci_hook_kind kind,
		  const char *state_json, struct err *e)
{
	int i, ret;

	if (!o || kind >= OCI_HOOK_NKINDS)
		return 0;
	for (i = 0; i < o->nhooks[kind]; i++) {
		ret = hook_run(&o->hooks[kind][i], state_json ? state_json : "{}", e);
		if (ret < 0)
			return err_wrap(e, "%s hook %s", hook_names[kind],
					o->hooks[kind][i].path);
	}
	return 0;
}
