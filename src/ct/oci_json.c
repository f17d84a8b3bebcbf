/*
 * oci_json -- the located JSON getters config.json is read with: the
 * contracts are in oci_json.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/oci_json.h"

#define WARN_MAX 32		/* a hostile config cannot flood the terminal */

void oj_strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A path too long for WHERE_LEN (keys come from the input) ends "...". */
void oj_at(char *buf, const char *where, const char *key)
{
	if (snprintf(buf, WHERE_LEN, "%s%s%s", where, *where ? "." : "", key) >= WHERE_LEN)
		memcpy(buf + WHERE_LEN - 4, "...", 4);
}

void oj_at_idx(char *buf, const char *where, size_t i)
{
	if (snprintf(buf, WHERE_LEN, "%s[%zu]", where, i) >= WHERE_LEN)
		memcpy(buf + WHERE_LEN - 4, "...", 4);
}

/* Input text fit for a one-line message: at most CLIP_LEN bytes, control
 * characters as '?'. */
const char *oj_clip(char *buf, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < CLIP_LEN; i++)
		buf[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

int oj_bad(struct err *e, const char *where, const char *what)
{
	return err_msg(e, -EINVAL, "config.json: %s: %s", where, what);
}

int oj_bad_key(struct err *e, const char *where, const char *key,
	       const char *what)
{
	char w[WHERE_LEN];

	oj_at(w, where, key);
	return oj_bad(e, w, what);
}

/* "config.json: WHERE: unknown WHAT 'VALUE'" */
int oj_bad_name(struct err *e, const char *where, const char *what,
		const char *value)
{
	char c[CLIP_LEN + 1];

	return err_msg(e, -EINVAL, "config.json: %s: unknown %s '%s'", where,
		       what, oj_clip(c, value));
}

int oj_nomem(struct err *e)
{
	return err_set(e, -ENOMEM, "config.json");
}

/* Add a line to o->warnings (duplicates and lines past WARN_MAX dropped). */
int oj_warn(struct ct_oci *o, struct err *e, const char *fmt, ...)
{
	char **nw, *s;
	va_list ap;
	int i, n;

	if (o->nwarnings >= WARN_MAX)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return oj_nomem(e);
	for (i = 0; i < o->nwarnings; i++) {
		if (!strcmp(o->warnings[i], s)) {
			free(s);
			return 0;
		}
	}
	nw = realloc(o->warnings, (o->nwarnings + 2) * sizeof(*nw));
	if (!nw) {
		free(s);
		return oj_nomem(e);
	}
	nw[o->nwarnings++] = s;
	nw[o->nwarnings] = NULL;
	o->warnings = nw;
	return 0;
}

/* Warn for each of @keys present in @obj: strata reads but ignores them. */
int oj_warn_present(struct ct_oci *o, const json_t *obj, const char *where,
		    const char *const *keys, struct err *e)
{
	char w[WHERE_LEN];
	int ret = 0;

	for (; *keys && !ret; keys++) {
		if (!json_object_get(obj, *keys))
			continue;
		oj_at(w, where, *keys);
		ret = oj_warn(o, e, "%s: not supported, ignored", w);
	}
	return ret;
}

/* @key of @obj; NULL when absent or JSON null (Go's reading of null). */
json_t *oj_field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* The text of a JSON string; NULL when @v is not a string or holds a NUL
 * (the loader allows NUL only to carry big integers, see oj_widen_u64()). */
const char *oj_jstr(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

int oj_get_str(const json_t *obj, const char *where, const char *key,
	       int required, char **out, struct err *e)
{
	json_t *v = oj_field(obj, key);
	const char *s;

	if (!v)
		return required ? oj_bad_key(e, where, key, "is required") : 0;
	s = oj_jstr(v);
	if (!s)
		return oj_bad_key(e, where, key, "must be a string");
	*out = strdup(s);
	return *out ? 0 : oj_nomem(e);
}

int oj_get_bool(const json_t *obj, const char *where, const char *key,
		int *out, struct err *e)
{
	json_t *v = oj_field(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return oj_bad_key(e, where, key, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int oj_get_obj(const json_t *obj, const char *where, const char *key,
	       json_t **out, struct err *e)
{
	*out = oj_field(obj, key);
	if (*out && !json_is_object(*out))
		return oj_bad_key(e, where, key, "must be an object");
	return 0;
}

int oj_get_arr(const json_t *obj, const char *where, const char *key,
	       json_t **out, struct err *e)
{
	*out = oj_field(obj, key);
	if (*out && !json_is_array(*out))
		return oj_bad_key(e, where, key, "must be an array");
	return 0;
}

int oj_strv_parse(const json_t *a, const char *where, int nonempty,
		  char ***out, struct err *e)
{
	const char *what = nonempty ? "must be a non-empty array of strings" :
				      "must be an array of strings";
	size_t i, n = json_array_size(a);
	char **v;

	if (!json_is_array(a) || (nonempty && !n))
		return oj_bad(e, where, what);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return oj_nomem(e);
	for (i = 0; i < n; i++) {
		const char *s = oj_jstr(json_array_get(a, i));

		if (!s) {
			oj_strv_free(v);
			return oj_bad(e, where, what);
		}
		v[i] = strdup(s);
		if (!v[i]) {
			oj_strv_free(v);
			return oj_nomem(e);
		}
	}
	*out = v;
	return 0;
}

/* An array of strings at @key; absent leaves *out alone. */
int oj_get_strv(const json_t *obj, const char *where, const char *key,
		int nonempty, char ***out, struct err *e)
{
	json_t *v = oj_field(obj, key);
	char w[WHERE_LEN];

	if (!v)
		return 0;
	oj_at(w, where, key);
	return oj_strv_parse(v, w, nonempty, out, e);
}

int oj_int_parse(const json_t *v, const char *where, long long min,
		 long long max, long long *out, struct err *e)
{
	long long x = json_integer_value(v);

	if (json_is_integer(v) && x >= min && x <= max) {
		*out = x;
		return 0;
	}
	if (min == 0 && (!json_is_integer(v) || x < 0))
		return oj_bad(e, where, "must be a non-negative integer");
	if (min == LLONG_MIN && max == LLONG_MAX)
		return oj_bad(e, where, "must be an integer");
	return err_msg(e, -EINVAL, "config.json: %s: must be an integer from %lld to %lld",
		       where, min, max);
}

/* The field @key for a number getter (@has as in oj_get_int), its path
 * in @w; NULL when it is absent, with *ret 0 or "is required". */
static json_t *lookup(const json_t *obj, const char *where, const char *key,
		      int *has, char *w, int *ret, struct err *e)
{
	json_t *v = oj_field(obj, key);

	if (has)
		*has = !!v;
	if (!v) {
		*ret = has ? 0 : oj_bad_key(e, where, key, "is required");
		return NULL;
	}
	oj_at(w, where, key);
	return v;
}

int oj_get_int(const json_t *obj, const char *where, const char *key,
	       long long min, long long max, long long *out, int *has,
	       struct err *e)
{
	char w[WHERE_LEN];
	int ret;
	json_t *v = lookup(obj, where, key, has, w, &ret, e);

	return v ? oj_int_parse(v, w, min, max, out, e) : ret;
}

int oj_get_u32(const json_t *obj, const char *where, const char *key,
	       uint32_t *out, int *has, struct err *e)
{
	long long v = *out;
	int ret;

	ret = oj_get_int(obj, where, key, 0, UINT32_MAX, &v, has, e);
	*out = (uint32_t)v;
	return ret;
}

int oj_u64_parse(const json_t *v, const char *where, uint64_t *out,
		 struct err *e)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	/* 2^63 .. 2^64-1, carried as "\0<digits>" by oj_widen_u64() */
	if (s && len > 1 && s[0] == '\0' && isdigit((unsigned char)s[1])) {
		errno = 0;
		*out = strtoull(s + 1, &end, 10);
		if (!errno && end == s + len)
			return 0;
	}
	return oj_bad(e, where, "must be a non-negative integer");
}

int oj_get_u64(const json_t *obj, const char *where, const char *key,
	       uint64_t *out, int *has, struct err *e)
{
	char w[WHERE_LEN];
	int ret;
	json_t *v = lookup(obj, where, key, has, w, &ret, e);

	return v ? oj_u64_parse(v, w, out, e) : ret;
}

char *oj_widen_u64(const char *in, size_t len, size_t *outlen)
{
	char *out = malloc(len * 2 + 16);
	size_t i = 0, o = 0, j;
	int instr = 0;

	if (!out)
		return NULL;
	while (i < len) {
		char ch = in[i];

		if (instr || ch == '"') {
			out[o++] = in[i++];
			if (instr && ch == '\\' && i < len)
				out[o++] = in[i++];
			else if (ch == '"')
				instr = !instr;
			continue;
		}
		if (!isdigit((unsigned char)ch) ||
		    (i && strchr("-+.eE", in[i - 1]))) {
			out[o++] = in[i++];
			continue;
		}
		for (j = i; j < len && isdigit((unsigned char)in[j]); j++)
			;
		if (j - i >= 19 && j - i <= 20 && (j == len || !strchr(".eE", in[j]))) {
			char num[24];
			unsigned long long v;

			memcpy(num, in + i, j - i);
			num[j - i] = '\0';
			errno = 0;
			v = strtoull(num, NULL, 10);
			if (!errno && v > (unsigned long long)LLONG_MAX) {
				o += sprintf(out + o, "\"\\u0000%s\"", num);
				i = j;
				continue;
			}
		}
		memcpy(out + o, in + i, j - i);
		o += j - i;
		i = j;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int oj_each(const json_t *obj, const char *where, const char *key,
	    size_t size, oj_item_fn fn, void *ctx, void **out,
	    int *nout, struct err *e)
{
	char w[WHERE_LEN], wi[WHERE_LEN];
	json_t *a;
	size_t i, n;
	int ret;

	ret = oj_get_arr(obj, where, key, &a, e);
	n = json_array_size(a);
	if (ret || !n)
		return ret;
	*out = calloc(n, size);
	if (!*out)
		return oj_nomem(e);
	*nout = (int)n;
	oj_at(w, where, key);
	for (i = 0; !ret && i < n; i++) {
		oj_at_idx(wi, w, i);
		ret = fn(json_array_get(a, i), wi, (char *)*out + i * size, ctx, e);
	}
	return ret;
}
