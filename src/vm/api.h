/*
 * api -- the control socket of a running VM, as Firecracker's API socket
 * but one JSON object per line: a unix stream socket where each request
 * line gets one reply line.
 *
 *	{"action":"pause"}   -> {"ok":true,"state":"paused"}
 *	{"action":"resume"}  -> {"ok":true,"state":"running"}
 *	{"action":"stop"}    -> {"ok":true,"state":"stopping"}
 *	{"action":"stats"}   -> {"ok":true,"state":"running","vcpus":1,
 *	                         "exits":1234,"uptime":1.5,"mem":67108864}
 *	anything else        -> {"ok":false,"error":"..."}
 *
 * The server is one thread; what the actions do is the machine's
 * business (struct api_ops), so the parser and the reply builder can be
 * tested and fuzzed without a VM.
 */
#ifndef STRATA_VM_API_H
#define STRATA_VM_API_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define API_LINE_MAX	4096	/* a longer request is refused */

enum api_action {
	API_PAUSE,
	API_RESUME,
	API_STOP,
	API_STATS,
};

struct api_stats {
	const char *state;	/* "running", "paused", "stopping" */
	int vcpus;
	uint64_t exits;
	double uptime;		/* seconds since the VM started */
	uint64_t mem;		/* guest RAM, bytes */
};

struct api_ops {
	void *ctx;
	/* Each returns 0, or -errno with @e, and fills @s with the state
	 * after the action (the reply carries it). */
	int (*act)(void *ctx, enum api_action a, struct api_stats *s,
		   struct err *e);
};

/* Parse one request (without its newline): a JSON object whose only
 * member is "action", one of the four names. */
int api_parse(const char *line, size_t len, enum api_action *a, struct err *e);

/* Answer one request line: a malloc'ed reply ending in a newline, or
 * NULL when out of memory. */
char *api_handle(const struct api_ops *ops, const char *line, size_t len);

struct api_server;

/* Bind and listen on @path (mode 0600).  A socket file nobody listens on
 * any more is replaced; anything else at @path is an error. */
int api_listen(const char *path, struct api_server **out, struct err *e);

/* The socket file's identity, so whoever removes it later removes ours. */
void api_ident(const struct api_server *s, uint64_t *dev, uint64_t *ino);

/* Start serving on a thread of its own (every signal blocked). */
int api_start(struct api_server *s, const struct api_ops *ops, struct err *e);

/* Stop the thread, close the sockets.  The socket file stays: the
 * process may no longer unlink (seccomp), see machine.c. */
void api_close(struct api_server *s);

#endif
