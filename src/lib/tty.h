/*
 * tty -- the user's terminal and a pseudo-terminal behind it: raw mode,
 * window size, and the copy loop between them.  Used by interactive
 * containers today and by VM consoles later.
 */
#ifndef STRATA_LIB_TTY_H
#define STRATA_LIB_TTY_H

#include <sys/types.h>

#include "err.h"

/* Open a new pty pair from @ptmx (a path such as "/dev/ptmx" or
 * "/dev/pts/ptmx"); *master and *slave are O_CLOEXEC. */
int tty_openpty(const char *ptmx, int *master, int *slave, struct err *e);

/* Make @slave the controlling terminal and stdin/out/err of the caller
 * (after setsid()). */
int tty_make_controlling(int slave);

/* Copy stdin -> @master and @master -> stdout until the master side
 * hangs up.  Puts stdin in raw mode while it runs when it is a terminal
 * and forwards window size changes.  @child_pid, when > 0, is polled with
 * waitpid(WNOHANG) and the loop ends once it exits and output drained;
 * its wait status is stored in *status. */
int tty_relay(int master, pid_t child_pid, int *status);

#endif
