/*
 * err -- one error: a negative errno plus a one-line message.
 *
 * Every function that can fail returns 0 (or a count) on success and
 * -errno on failure, and fills a caller-owned struct err.  Setting the
 * error and returning is one statement:
 *
 *	return err_set(e, -errno, "open %s", path);
 *
 * Callers add context on the way up with err_wrap(); main() prints the
 * result once as "strata: <context>: <what>: <why>".  Nothing allocates,
 * so errors can be raised while memory is short or in a forked child.
 */
#ifndef STRATA_LIB_ERR_H
#define STRATA_LIB_ERR_H

#define ERR_MSG_LEN 512

struct err {
	int code;		/* -errno, or 0 when no error is set */
	char msg[ERR_MSG_LEN];
};

/* Record an error; returns @code so callers can "return err_set(...)".
 * When @code is a known -errno its strerror() text is appended. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, but without the strerror() suffix: for errors that are not
 * system call failures ("bad CIDR", "name in use"). */
int err_msg(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "context: " to the message already held in @e; returns e->code. */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);

/* Print "strata: <msg>" to stderr. */
void err_print(const struct err *e);

/* Diagnostics that are not errors.  log_debug() prints only when
 * STRATA_DEBUG is set in the environment. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
