/*
 * fuzz_rv_dtb -- libFuzzer target for the device tree the riscv64
 * machine hands its kernel (src/vm/rv/dtb.c over the writer in
 * src/lib/fdt.c): random machine configurations, including ones the
 * builder must refuse, and a kernel command line of any bytes.
 *
 * src/lib/fdt.c has no reader, so this file carries a strict one
 * (devicetree specification 0.4, chapter 5) that every DTB built must
 * pass: the header (magic, sizes, version 17, last compatible 16, blocks
 * aligned, in order and inside totalsize), a terminated memory
 * reservation map, a structure block of well-formed tokens (node names
 * of the spec's characters, properties before subnodes, no name twice
 * among siblings or in one node, names inside the strings block,
 * balanced nodes, FDT_END last) -- then what Linux reads from it: the
 * cells of /, /chosen (bootargs as given, the initrd exactly when there
 * is one), /memory, one cpu per hart, the PLIC's interrupts-extended
 * (two per hart), one virtio-mmio node per device with its own PLIC
 * source, phandles unique and every reference to one resolved, and
 * stdout-path naming a node.  A valid configuration must build; an
 * invalid one must fail.
 *
 * Input: u8 harts (value - 4), u8 devices (value - 2), u8 flags (bit 0:
 * Sv48, bit 1: no bootargs), u64 RAM size, u64 initrd start and end
 * (little-endian), then the bootargs bytes (up to the first NUL).
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_rv_dtb FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/plic.h"
#include "vm/rv/dtb.h"
#include "vm/rv/rv.h"

#define TOK_BEGIN	1
#define TOK_END_NODE	2
#define TOK_PROP	3
#define TOK_NOP		4
#define TOK_END		9
#define MAX_PROPS	1024
#define MAX_DEPTH	8
#define PATH_LEN	128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* one property, by the full path of its node */
struct prop {
	char path[PATH_LEN];
	const char *name;
	const uint8_t *val;
	uint32_t len;
};

struct tree {
	struct prop p[MAX_PROPS];
	int n;
	char nodes[MAX_PROPS][PATH_LEN];	/* every node's path */
	int nnodes;
	uint32_t ph[MAX_PROPS];
	int nph;
};

static struct tree t;

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* the spec's node name characters (2.2.1), unit address after '@' */
static int good_node_name(const char *s, size_t len)
{
	size_t i, at = len;

	if (len == 0 || len > 31 + 1 + 32)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '@' && at == len) {
			at = i;
			continue;
		}
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ,._+-", s[i]))
			return 0;
	}
	return at > 0 && at <= 31 && at != len - 1;
}

static int good_prop_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 31 &&
	       strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ,._+-?#") == n;
}

static void header(const uint8_t *b, size_t len, uint32_t *st, uint32_t *st_len,
		   uint32_t *str, uint32_t *str_len)
{
	uint32_t rsv, i;

	check(len >= 40 && len % 8 == 0, "a header, 8-byte size");
	check(be32(b) == 0xd00dfeed, "the magic");
	check(be32(b + 4) == len, "totalsize");
	check(be32(b + 20) == 17 && be32(b + 24) == 16, "version 17, compatible 16");
	rsv = be32(b + 16);
	*st = be32(b + 8);
	*str = be32(b + 12);
	*str_len = be32(b + 32);
	*st_len = be32(b + 36);
	check(rsv >= 40 && rsv % 8 == 0, "the reservation map after the header, aligned");
	check(*st % 4 == 0 && *st_len % 4 == 0, "the structure block aligned");
	check(*st >= rsv + 16 && *st_len <= len - *st, "the structure block inside");
	check(*str >= *st + *st_len && *str_len <= len - *str,
	      "the strings block after it, inside");
	/* the map: (address, size) pairs up to one of zeros */
	for (i = rsv;; i += 16) {
		check(i + 16 <= *st, "a terminated reservation map");
		if (!be64(b + i) && !be64(b + i + 8))
			break;
	}
}

static void add_node(const char *path)
{
	int i;

	for (i = 0; i < t.nnodes; i++)
		check(strcmp(t.nodes[i], path), "no node name twice among siblings");
	check(t.nnodes < MAX_PROPS, "a tree of reasonable size");
	snprintf(t.nodes[t.nnodes++], PATH_LEN, "%s", path);
}

/* a node's properties come before its subnodes: @first is its first */
static void add_prop(int first, const char *path, const char *name,
		     const uint8_t *val, uint32_t len)
{
	int i;

	for (i = first; i < t.n; i++)
		check(strcmp(t.p[i].path, path) || strcmp(t.p[i].name, name),
		      "no property twice in a node");
	check(t.n < MAX_PROPS, "a tree of reasonable size");
	snprintf(t.p[t.n].path, PATH_LEN, "%s", path);
	t.p[t.n].name = name;
	t.p[t.n].val = val;
	t.p[t.n].len = len;
	t.n++;
}

/* Walk the structure block into t. */
static void structure(const uint8_t *b, uint32_t st, uint32_t st_len,
		      uint32_t str, uint32_t str_len)
{
	const uint8_t *p = b + st, *end = b + st + st_len;
	size_t plen[MAX_DEPTH + 1];
	char path[PATH_LEN] = "";	/* the open node's */
	int depth = 0, children = 0, roots = 0, first = 0;
	const char *name;
	uint32_t tok, len, off;
	size_t n;

	plen[0] = 0;
	for (;;) {
		check(end - p >= 4, "a token inside the structure block");
		tok = be32(p);
		p += 4;
		switch (tok) {
		case TOK_BEGIN:
			name = (const char *)p;
			n = strnlen(name, end - p);
			check(n < (size_t)(end - p), "a node name ends inside");
			if (depth == 0) {
				check(n == 0 && roots++ == 0, "one root, no name");
			} else {
				check(good_node_name(name, n), "a node name of the spec");
				check(depth < MAX_DEPTH, "a shallow tree");
			}
			/* the root's path is "" here, "/" in t */
			if (depth > 0) {
				check(plen[depth] + 1 + n < PATH_LEN, "a short path");
				sprintf(path + plen[depth], "/%s", name);
			}
			plen[depth + 1] = strlen(path);
			depth++;
			children = 0;
			first = t.n;
			add_node(path[0] ? path : "/");
			p += (n + 1 + 3) & ~(size_t)3;
			check(p <= end, "the name's padding inside");
			break;
		case TOK_END_NODE:
			check(depth > 0, "an end for a begun node");
			depth--;
			path[plen[depth]] = '\0';
			children = 1;	/* the parent's properties are over */
			break;
		case TOK_PROP:
			check(depth > 0 && !children, "a property inside a node, before its subnodes");
			check(end - p >= 8, "a property header inside");
			len = be32(p);
			off = be32(p + 4);
			p += 8;
			check(len <= (size_t)(end - p), "a property value inside");
			check(off < str_len && memchr(b + str + off, 0, str_len - off),
			      "a property name inside the strings block");
			check(good_prop_name((const char *)b + str + off),
			      "a property name of the spec");
			add_prop(first, path[0] ? path : "/", (const char *)b + str + off, p, len);
			p += (len + 3) & ~(size_t)3;
			check(p <= end, "the value's padding inside");
			break;
		case TOK_NOP:
			break;
		case TOK_END:
			check(depth == 0 && roots == 1, "FDT_END after the root");
			check(p == end, "FDT_END last in the structure block");
			return;
		default:
			check(0, "a known token");
		}
	}
}

static const struct prop *find(const char *path, const char *name)
{
	int i;

	for (i = 0; i < t.n; i++)
		if (!strcmp(t.p[i].path, path) && !strcmp(t.p[i].name, name))
			return &t.p[i];
	return NULL;
}

static uint32_t u32_of(const char *path, const char *name)
{
	const struct prop *p = find(path, name);

	check(p && p->len == 4, "a u32 property that is there");
	return be32(p->val);
}

static int has_node(const char *path)
{
	int i;

	for (i = 0; i < t.nnodes; i++)
		if (!strcmp(t.nodes[i], path))
			return 1;
	return 0;
}

static int count_nodes(const char *prefix)
{
	size_t n = strlen(prefix);
	int i, c = 0;

	for (i = 0; i < t.nnodes; i++)
		if (!strncmp(t.nodes[i], prefix, n) && !strchr(t.nodes[i] + n, '/'))
			c++;
	return c;
}

static int phandle_known(uint32_t ph)
{
	int i;

	for (i = 0; i < t.nph; i++)
		if (t.ph[i] == ph)
			return 1;
	return 0;
}

static void phandles(void)
{
	int i;

	for (i = 0; i < t.n; i++) {
		const struct prop *p = &t.p[i];

		if (strcmp(p->name, "phandle"))
			continue;
		check(p->len == 4 && be32(p->val) && be32(p->val) != ~0u,
		      "a phandle is one cell, not 0 or -1");
		check(!phandle_known(be32(p->val)), "phandles unique");
		t.ph[t.nph++] = be32(p->val);
	}
	for (i = 0; i < t.n; i++) {
		const struct prop *p = &t.p[i];

		if (!strcmp(p->name, "interrupt-parent") || !strcmp(p->name, "regmap"))
			check(p->len == 4 && phandle_known(be32(p->val)),
			      "a reference to a phandle that exists");
	}
}

static void semantics(const struct rv_dtb_cfg *c)
{
	const struct prop *p;
	char path[PATH_LEN];
	uint32_t ndev;
	int i;

	phandles();
	check(u32_of("/", "#address-cells") == 2 && u32_of("/", "#size-cells") == 2,
	      "/: 2 cells of address and size");
	p = find("/chosen", "bootargs");
	check(p && p->len >= 1 && p->val[p->len - 1] == 0 &&
	      !strcmp((const char *)p->val, c->bootargs ? c->bootargs : ""),
	      "bootargs as given");
	p = find("/chosen", "stdout-path");
	check(p && p->len >= 1 && p->val[p->len - 1] == 0 &&
	      has_node((const char *)p->val), "stdout-path names a node");
	p = find("/chosen", "linux,initrd-start");
	if (c->initrd_end > c->initrd_start) {
		check(p && p->len == 8 && be64(p->val) == c->initrd_start, "initrd start");
		p = find("/chosen", "linux,initrd-end");
		check(p && p->len == 8 && be64(p->val) == c->initrd_end, "initrd end");
	} else {
		check(!p && !find("/chosen", "linux,initrd-end"), "no initrd, none named");
	}
	snprintf(path, sizeof(path), "/memory@%llx", (unsigned long long)RV_RAM_BASE);
	p = find(path, "reg");
	check(p && p->len == 16 && be64(p->val) == RV_RAM_BASE &&
	      be64(p->val + 8) == c->ram_size, "/memory: RAM as given");
	check(count_nodes("/cpus/cpu@") == c->nharts, "a cpu per hart");
	for (i = 0; i < c->nharts; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
		check(u32_of(path, "reg") == (uint32_t)i, "cpu@N has reg N");
		p = find(path, "mmu-type");
		check(p && !strcmp((const char *)p->val,
				   c->sv48 ? "riscv,sv48" : "riscv,sv39"), "the MMU type");
	}
	snprintf(path, sizeof(path), "/soc/plic@%llx", (unsigned long long)RV_PLIC_BASE);
	p = find(path, "interrupts-extended");
	check(p && p->len == 16u * c->nharts, "two PLIC contexts per hart");
	for (i = 0; p && i < 4 * c->nharts; i += 2)
		check(phandle_known(be32(p->val + 4 * i)), "a context's hart exists");
	ndev = u32_of(path, "riscv,ndev");
	check(count_nodes("/soc/virtio_mmio@") == c->nvirtio, "a node per device");
	for (i = 0; i < c->nvirtio; i++) {
		uint32_t irq;

		snprintf(path, sizeof(path), "/soc/virtio_mmio@%llx",
			 (unsigned long long)(RV_VIRTIO_BASE + RV_VIRTIO_STRIDE * i));
		irq = u32_of(path, "interrupts");
		check(irq >= 1 && irq <= ndev && irq != RV_UART_IRQ,
		      "a device's PLIC source exists and is its own");
	}
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_dtb_cfg c = { 0 };
	struct err e = { 0 };
	uint32_t st, st_len, str, str_len;
	char *args;
	void *blob;
	size_t len;
	int ret, valid;

	if (size < 27)
		return 0;
	c.nharts = (int)data[0] - 4;
	c.nvirtio = (int)data[1] - 2;
	c.sv48 = data[2] & 1;
	c.ram_size = le64(data + 3);
	c.initrd_start = le64(data + 11);
	c.initrd_end = le64(data + 19);
	args = strndup((const char *)data + 27, size - 27);
	check(args != NULL, "memory");
	c.bootargs = data[2] & 2 ? NULL : args;
	valid = c.nharts >= 1 && c.nharts <= PLIC_MAX_HARTS &&
		c.nvirtio >= 0 && c.nvirtio <= RV_VIRTIO_MAX;
	ret = rv_dtb_build(&c, &blob, &len, &e);
	check((ret == 0) == valid, "valid configurations build, others fail");
	if (ret == 0) {
		memset(&t, 0, sizeof(t));
		header(blob, len, &st, &st_len, &str, &str_len);
		structure(blob, st, st_len, str, str_len);
		semantics(&c);
		free(blob);
	} else {
		check(e.code < 0 && e.msg[0], "an error with a message");
	}
	free(args);
	return 0;
}
