/*
 * proc -- pid identity and running helper programs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "proc.h"

/* Parse /proc/PID/stat: the comm field may hold spaces and parentheses,
 * so fields are counted from the last ')'. */
static int proc_stat_fields(pid_t pid, char *state, uint64_t *start)
{
	char path[64], *buf, *p;
	struct err e;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (fs_read_file(path, &buf, NULL, &e) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p) {
		free(buf);
		return -1;
	}
	*state = p[2];
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	*start = p ? strtoull(p + 1, NULL, 10) : 0;
	free(buf);
	return 0;
}

uint64_t proc_start_time(pid_t pid)
{
	uint64_t start;
	char state;

	if (pid <= 0 || proc_stat_fields(pid, &state, &start) < 0)
		return 0;
	return start;
}

int proc_alive(pid_t pid, uint64_t start_time)
{
	uint64_t start;
	char state;

	if (pid <= 0 || proc_stat_fields(pid, &state, &start) < 0)
		return 0;
	if (state == 'Z' || state == 'X')
		return 0;
	return start == start_time;
}

static char *argv_start;
static size_t argv_len;

void proc_save_argv(int argc, char **argv)
{
	if (argc < 1)
		return;
	argv_start = argv[0];
	argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

void proc_set_title(const char *title)
{
	size_t n;

	if (!argv_start || argv_len < 2)
		return;
	n = strnlen(title, argv_len - 1);
	memset(argv_start, 0, argv_len);
	memcpy(argv_start, title, n);
}

int proc_wait_gone(pid_t pid, uint64_t start_time, int ms)
{
	struct pollfd p = { .events = POLLIN };
	int fd;

	if (!proc_alive(pid, start_time))
		return 1;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		/* the pid may have been reused between the check and the open */
		if (proc_alive(pid, start_time)) {
			p.fd = fd;
			poll(&p, 1, ms);
		}
		close(fd);
		return !proc_alive(pid, start_time);
	}
	for (; ms > 0 && proc_alive(pid, start_time); ms -= 10)
		usleep(10000);
	return !proc_alive(pid, start_time);
}

pid_t proc_fork_detached(void)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	return 0;
}

int proc_run(const char *const argv[], int quiet, struct err *e)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return err_set(e, -errno, "fork");
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, -errno, "wait %s", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_msg(e, -ENOENT, "%s: not found", argv[0]);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Only the part of the stack a setup could have dirtied: below the main
 * thread's stack the kernel keeps a guard gap no mapping may enter, so
 * nothing but the stack lies in this window under the caller's frame. */
#define TRIM_STACK_WINDOW	(256u << 10)
#define TRIM_STACK_MARGIN	(8u << 10)	/* for madvise's own frames */

void proc_trim_memory(void)
{
	char here;
	uintptr_t top = ((uintptr_t)&here - TRIM_STACK_MARGIN) & ~(uintptr_t)4095;

	malloc_trim(0);
	/* the unmapped part of the window makes madvise say ENOMEM after
	 * it has dropped the mapped part: nothing to check */
	madvise((void *)(top - TRIM_STACK_WINDOW), TRIM_STACK_WINDOW,
		MADV_DONTNEED);
}

int proc_sibling_open(const char *name, int flags)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;
	int fd;

	if (n < 0)
		return -errno;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash + 1 - path) + strlen(name) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(slash + 1, name);
	fd = open(path, flags);
	return fd < 0 ? -errno : fd;
}
