/*
 * proc -- facts about processes that strata needs to trust a pid it wrote
 * down earlier: a pid alone can be reused, a (pid, start time) pair cannot.
 */
#ifndef STRATA_LIB_PROC_H
#define STRATA_LIB_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Start time of @pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when the process does not exist. */
uint64_t proc_start_time(pid_t pid);

/* 1 when @pid exists, is not a zombie, and started at @start_time. */
int proc_alive(pid_t pid, uint64_t start_time);

/* Wait up to @ms for the process (pid + start time) to be gone; a zombie
 * counts as gone.  Returns 1 when gone.  Sleeps on a pidfd, so it wakes
 * the moment the process exits. */
int proc_wait_gone(pid_t pid, uint64_t start_time, int ms);

/* fork() for work nobody waits for (a slow kernel teardown after the
 * command's answer is out): in the child stdin, stdout and stderr are
 * /dev/null, so whoever reads our output through a pipe ($(strata ...))
 * sees its end when we exit, not when the child does.  Returns as fork(). */
pid_t proc_fork_detached(void);

/* fork+exec argv, wait, return its exit status (0..255) or -errno.
 * stdout/stderr of the child go to /dev/null when @quiet. */
int proc_run(const char *const argv[], int quiet, struct err *e);

/* Remember where argv lives so proc_set_title() can rewrite it; call
 * once from main(). */
void proc_save_argv(int argc, char **argv);

/* Replace what `ps` shows as this process's command line (for a
 * forked helper such as a container's init), within the space the
 * original argv had. */
void proc_set_title(const char *title);

/* A long-lived process forked from a busy one (a container's monitor and
 * init) gives back what setup left behind: the free heap and the stack
 * pages below the caller's frame, which only setup wrote.  Best called
 * from the function that then waits for the rest of its life. */
void proc_trim_memory(void);

/* Open @name in the folder of the running binary (a helper program built
 * beside strata) with open(2) @flags; -errno when it is not there. */
int proc_sibling_open(const char *name, int flags);

#endif
