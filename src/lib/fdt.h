/*
 * fdt -- a flattened device tree (DTB, devicetree specification 0.4,
 * version 17) writer, for the machines that describe themselves to the
 * guest with one (RISC-V).
 *
 *	struct fdt f;
 *	fdt_init(&f);
 *	fdt_begin_node(&f, "");			// the root
 *	fdt_prop_u32(&f, "#address-cells", 2);
 *	...
 *	fdt_end_node(&f);
 *	ret = fdt_finish(&f, &blob, &len, e);	// blob: malloc'd, caller frees
 *
 * Calls in between never fail: the first error (no memory, a node left
 * open, a property outside a node) is remembered and fdt_finish()
 * reports it.  Property names are shared in the strings block.
 */
#ifndef STRATA_LIB_FDT_H
#define STRATA_LIB_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define FDT_MAGIC	0xd00dfeedU
#define FDT_VERSION	17
#define FDT_LAST_COMP	16

struct fdt {
	uint8_t *st;		/* structure block */
	size_t st_len, st_cap;
	char *str;		/* strings block */
	size_t str_len, str_cap;
	int depth;
	int error;		/* first -errno, 0 */
	const char *why;
	uint32_t boot_cpuid;
};

void fdt_init(struct fdt *f);
void fdt_begin_node(struct fdt *f, const char *name);
void fdt_end_node(struct fdt *f);
void fdt_prop(struct fdt *f, const char *name, const void *val, size_t len);
void fdt_prop_empty(struct fdt *f, const char *name);
void fdt_prop_u32(struct fdt *f, const char *name, uint32_t v);
void fdt_prop_u64(struct fdt *f, const char *name, uint64_t v);
void fdt_prop_str(struct fdt *f, const char *name, const char *s);
/* @n 32-bit cells, host order in, big endian out */
void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *v,
		    int n);
/* a string list: @s holds @len bytes of NUL-terminated strings */
void fdt_prop_strs(struct fdt *f, const char *name, const char *s,
		   size_t len);

/* Finish the tree into one malloc'd DTB; @f is freed either way. */
int fdt_finish(struct fdt *f, void **blob, size_t *len, struct err *e);
void fdt_free(struct fdt *f);

#endif
