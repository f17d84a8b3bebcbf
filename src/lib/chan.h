/*
 * chan -- small typed messages between a parent and the child it is
 * setting up, over a SOCK_SEQPACKET socketpair: one message per step,
 * an optional file descriptor riding along (SCM_RIGHTS), and an error
 * text so a failure deep in a child reaches the user as one line.
 */
#ifndef STRATA_LIB_CHAN_H
#define STRATA_LIB_CHAN_H

#include "err.h"

struct chan_msg {
	int type;
	int value;		/* a pid, an errno, a status ... */
	char text[ERR_MSG_LEN];	/* for errors */
};

/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
int chan_pair(int sv[2], struct err *e);

/* Send one message; @fd < 0 sends none. */
int chan_send(int sock, int type, int value, const char *text, int fd);

/* Receive one message.  Returns 0, -EPIPE when the peer closed without a
 * word (it died), or -errno.  *fd (if non-NULL) gets a passed fd or -1. */
int chan_recv(int sock, struct chan_msg *m, int *fd);

/* Send @payload (a short string) with @fd over any unix socket: the
 * form runc's --console-socket peers (conmon, containerd) expect. */
int chan_send_raw(int sock, const char *payload, int fd);

/* Send an error message carrying e's text and code. */
int chan_send_err(int sock, int type, const struct err *e);

#endif
