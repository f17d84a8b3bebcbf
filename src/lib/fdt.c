/*
 * fdt -- the DTB writer.  See fdt.h.
 *
 * The structure block grows as tokens come (big-endian 32-bit words,
 * names and values padded to 4 bytes); the strings block holds each
 * property name once.  fdt_finish() lays out header, an empty memory
 * reservation map, structure and strings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt.h"

#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_END		9
#define FDT_HEADER	40
#define FDT_RSVMAP	16	/* one terminating entry */
#define FDT_MAX		(1u << 24)	/* far more than a machine needs */
#define FDT_MAX_CELLS	4096

static void fail(struct fdt *f, int code, const char *why)
{
	if (!f->error) {
		f->error = code;
		f->why = why;
	}
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int grow(struct fdt *f, void **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > FDT_MAX) {
		fail(f, -E2BIG, "device tree too big");
		return -1;
	}
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p) {
		fail(f, -ENOMEM, "device tree");
		return -1;
	}
	*buf = p;
	*cap = n;
	return 0;
}

/* Append @len bytes (NULL: zeros), padded with zeros to 4 bytes. */
static void st_put(struct fdt *f, const void *data, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if (f->error || grow(f, (void **)&f->st, &f->st_cap, f->st_len + padded))
		return;
	memset(f->st + f->st_len, 0, padded);
	if (data && len)
		memcpy(f->st + f->st_len, data, len);
	f->st_len += padded;
}

static void st_word(struct fdt *f, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	st_put(f, b, 4);
}

/* The offset of @name in the strings block, added when new. */
static uint32_t str_off(struct fdt *f, const char *name)
{
	size_t n = strlen(name) + 1, off = 0;

	while (off < f->str_len) {
		size_t l = strlen(f->str + off) + 1;

		if (l == n && !memcmp(f->str + off, name, n))
			return off;
		off += l;
	}
	if (f->error || grow(f, (void **)&f->str, &f->str_cap, f->str_len + n))
		return 0;
	memcpy(f->str + f->str_len, name, n);
	f->str_len += n;
	return off;
}

void fdt_init(struct fdt *f)
{
	memset(f, 0, sizeof(*f));
}

void fdt_begin_node(struct fdt *f, const char *name)
{
	if (f->depth == 0 && f->st_len)
		fail(f, -EINVAL, "a second root node");
	if (f->depth > 0 && !*name)
		fail(f, -EINVAL, "a node without a name");
	st_word(f, FDT_BEGIN_NODE);
	st_put(f, name, strlen(name) + 1);
	f->depth++;
}

void fdt_end_node(struct fdt *f)
{
	if (f->depth <= 0) {
		fail(f, -EINVAL, "end of a node that was not begun");
		return;
	}
	st_word(f, FDT_END_NODE);
	f->depth--;
}

void fdt_prop(struct fdt *f, const char *name, const void *val, size_t len)
{
	uint32_t off;

	if (f->depth <= 0) {
		fail(f, -EINVAL, "a property outside a node");
		return;
	}
	if (len > FDT_MAX) {
		fail(f, -E2BIG, "property too big");
		return;
	}
	off = str_off(f, name);
	st_word(f, FDT_PROP);
	st_word(f, len);
	st_word(f, off);
	st_put(f, val, len);
}

void fdt_prop_empty(struct fdt *f, const char *name)
{
	fdt_prop(f, name, NULL, 0);
}

void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v)
{
	fdt_prop_cells(f, name, &v, 1);
}

void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v)
{
	uint32_t c[2] = { v >> 32, (uint32_t)v };

	fdt_prop_cells(f, name, c, 2);
}

void fdt_prop_str(struct fdt *f, const char *name, const char *s)
{
	fdt_prop(f, name, s, strlen(s) + 1);
}

void fdt_prop_strs(struct fdt *f, const char *name, const char *s, size_t len)
{
	fdt_prop(f, name, s, len);
}

void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *v, int n)
{
	uint8_t *buf;
	int i;

	if (n < 0 || n > FDT_MAX_CELLS) {
		fail(f, -E2BIG, "too many cells in a property");
		return;
	}
	buf = malloc(4 * (size_t)n + 1);
	if (!buf) {
		fail(f, -ENOMEM, "device tree");
		return;
	}
	for (i = 0; i < n; i++)
		put_be32(buf + 4 * i, v[i]);
	fdt_prop(f, name, buf, 4 * (size_t)n);
	free(buf);
}

void fdt_free(struct fdt *f)
{
	free(f->st);
	free(f->str);
	f->st = NULL;
	f->str = NULL;
	f->st_len = f->st_cap = f->str_len = f->str_cap = 0;
}

int fdt_finish(struct fdt *f, void **blob, size_t *len, struct err *e)
{
	size_t off_st = FDT_HEADER + FDT_RSVMAP, off_str, total;
	uint8_t *b;

	if (f->depth)
		fail(f, -EINVAL, "a node left open");
	if (!f->st_len)
		fail(f, -EINVAL, "no root node");
	st_word(f, FDT_END);
	if (f->error) {
		int ret = err_msg(e, f->error, "%s", f->why);

		fdt_free(f);
		return ret;
	}
	off_str = off_st + f->st_len;
	total = (off_str + f->str_len + 7) & ~(size_t)7;
	b = calloc(1, total);
	if (!b) {
		fdt_free(f);
		return err_set(e, -ENOMEM, "device tree");
	}
	put_be32(b + 0, FDT_MAGIC);
	put_be32(b + 4, total);
	put_be32(b + 8, off_st);
	put_be32(b + 12, off_str);
	put_be32(b + 16, FDT_HEADER);	/* memory reservation map */
	put_be32(b + 20, FDT_VERSION);
	put_be32(b + 24, FDT_LAST_COMP);
	put_be32(b + 28, f->boot_cpuid);
	put_be32(b + 32, f->str_len);
	put_be32(b + 36, f->st_len);
	memcpy(b + off_st, f->st, f->st_len);
	if (f->str_len)
		memcpy(b + off_str, f->str, f->str_len);
	fdt_free(f);
	*blob = b;
	*len = total;
	return 0;
}
