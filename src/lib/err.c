/*
 * err -- error values with a message, and the two log levels strata has.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int err_vset(struct err *e, int code, int with_errno, const char *fmt,
		    va_list ap) __attribute__((format(printf, 4, 0)));

static int err_vset(struct err *e, int code, int with_errno, const char *fmt,
		    va_list ap)
{
	int n;

	e->code = code ? code : -EINVAL;
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (with_errno && code < 0 && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(-code));
	return e->code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, code, 1, fmt, ap);
	va_end(ap);
	return e->code;
}

int err_msg(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, code, 0, fmt, ap);
	va_end(ap);
	return e->code;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_LEN];
	va_list ap;
	int n;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(e->msg)) {
		/* Keep as much of the old text as fits: the tail is the least
		 * important part of "context: what: why". */
		size_t len = strnlen(old, sizeof(e->msg) - n - 3);

		memcpy(e->msg + n, ": ", 2);
		memcpy(e->msg + n + 2, old, len);
		e->msg[n + 2 + len] = '\0';
	}
	if (!e->code)
		e->code = -EINVAL;
	return e->code;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

void err_print(const struct err *e)
{
	fprintf(stderr, "strata: %s\n", e->msg[0] ? e->msg : "unknown error");
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("strata: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_debug(const char *fmt, ...)
{
	static int enabled = -1;
	va_list ap;

	if (enabled < 0)
		enabled = getenv("STRATA_DEBUG") != NULL;
	if (!enabled)
		return;
	fputs("strata: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
