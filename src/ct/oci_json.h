/*
 * oci_json -- the JSON getters config.json is read with (oci_spec.c,
 * oci_spec_linux.c).  config.json is untrusted: each getter checks type
 * and range and names the field in its one-line error,
 *	"config.json: mounts[2].options: must be an array of strings".
 * WHERE is the path of the object holding KEY ("linux.resources",
 * "mounts[2]"); a field that is absent or JSON null is absent (Go's
 * reading of null).  They return 0 or -errno with the message in @e.
 */
#ifndef STRATA_CT_OCI_JSON_H
#define STRATA_CT_OCI_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ct/oci_spec.h"
#include "lib/err.h"

#define WHERE_LEN 256		/* "linux.resources.devices[12].access" */
#define CLIP_LEN 64		/* input quoted in an error message */

/* WHERE.KEY and WHERE[I] into a WHERE_LEN buffer; a path too long (keys
 * come from the input) ends "...". */
void oj_at(char *buf, const char *where, const char *key);
void oj_at_idx(char *buf, const char *where, size_t i);

/* Input text fit for a one-line message in a CLIP_LEN + 1 buffer: at most
 * CLIP_LEN bytes, control characters as '?'. */
const char *oj_clip(char *buf, const char *s);

/* "config.json: WHERE: WHAT", "config.json: WHERE.KEY: WHAT",
 * "config.json: WHERE: unknown WHAT 'VALUE'"; all -EINVAL. */
int oj_bad(struct err *e, const char *where, const char *what);
int oj_bad_key(struct err *e, const char *where, const char *key,
	       const char *what);
int oj_bad_name(struct err *e, const char *where, const char *what,
		const char *value);
int oj_nomem(struct err *e);

/* Add a line to o->warnings (duplicates and lines past a limit dropped). */
int oj_warn(struct ct_oci *o, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Warn for each of @keys present in @obj: strata reads but ignores them. */
int oj_warn_present(struct ct_oci *o, const json_t *obj, const char *where,
		    const char *const *keys, struct err *e);

/* @key of @obj; NULL when absent or JSON null. */
json_t *oj_field(const json_t *obj, const char *key);

/* The text of a JSON string; NULL when @v is not a string or holds a NUL
 * (the loader allows NUL only to carry big integers, see oj_widen_u64()). */
const char *oj_jstr(const json_t *v);

/* A string at KEY (malloc'ed into *out; absent leaves *out alone, or is
 * "is required"), a boolean, an object, an array (absent: *out NULL). */
int oj_get_str(const json_t *obj, const char *where, const char *key,
	       int required, char **out, struct err *e);
int oj_get_bool(const json_t *obj, const char *where, const char *key,
		int *out, struct err *e);
int oj_get_obj(const json_t *obj, const char *where, const char *key,
	       json_t **out, struct err *e);
int oj_get_arr(const json_t *obj, const char *where, const char *key,
	       json_t **out, struct err *e);

/* A NULL-terminated malloc'ed array of strings from the array @a (at
 * WHERE) or from KEY (absent leaves *out alone); oj_strv_free() frees. */
int oj_strv_parse(const json_t *a, const char *where, int nonempty,
		  char ***out, struct err *e);
int oj_get_strv(const json_t *obj, const char *where, const char *key,
		int nonempty, char ***out, struct err *e);
void oj_strv_free(char **v);

/* An integer in [@min, @max]: the value @v at WHERE, or at KEY.  @has
 * NULL means the field is required; otherwise *has tells whether it was
 * there (absent leaves *out alone). */
int oj_int_parse(const json_t *v, const char *where, long long min,
		 long long max, long long *out, struct err *e);
int oj_get_int(const json_t *obj, const char *where, const char *key,
	       long long min, long long max, long long *out, int *has,
	       struct err *e);
int oj_get_u32(const json_t *obj, const char *where, const char *key,
	       uint32_t *out, int *has, struct err *e);
/* the same for the spec's uint64 fields, up to 2^64-1 */
int oj_u64_parse(const json_t *v, const char *where, uint64_t *out,
		 struct err *e);
int oj_get_u64(const json_t *obj, const char *where, const char *key,
	       uint64_t *out, int *has, struct err *e);

/*
 * jansson holds integers in a long long and refuses bigger literals, but
 * the spec's uint64 fields go to 2^64-1: RLIM_INFINITY is written
 * 18446744073709551615.  Before parsing, each integer literal from 2^63 to
 * 2^64-1 outside strings becomes the string "\u0000<digits>", which
 * oj_u64_parse() reads and every other getter refuses (oj_jstr() rejects
 * a NUL), so a big number where a string belongs is still "must be a
 * string".  Returns a malloc'ed copy; line numbers are unchanged.
 */
char *oj_widen_u64(const char *in, size_t len, size_t *outlen);

/* An array at WHERE.KEY, each element parsed by @fn into a calloc'ed
 * array of @size-byte items (*out, *nout, both set before the first
 * element, so @fn can look at the ones before its own through @ctx).
 * Absent or empty leaves *out NULL. */
typedef int (*oj_item_fn)(const json_t *item, const char *where, void *out,
			  void *ctx, struct err *e);
int oj_each(const json_t *obj, const char *where, const char *key,
	    size_t size, oj_item_fn fn, void *ctx, void **out, int *nout,
	    struct err *e);

#endif
