/*
 * Unit tests for src/lib/fdt.c: the header fields, the shared strings
 * block, and (with dtc from device-tree-compiler) that dtc decodes the
 * blob into the tree we wrote, without a warning.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fdt.h"
#include "unit/test.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void build(struct fdt *f)
{
	static const char compat[] = "riscv-virtio\0simple-bus";
	uint32_t reg[4] = { 0, 0x80000000, 0, 0x10000000 };

	fdt_init(f);
	fdt_begin_node(f, "");
	fdt_prop_u32(f, "#address-cells", 2);
	fdt_prop_u32(f, "#size-cells", 2);
	fdt_prop_strs(f, "compatible", compat, sizeof(compat));
	fdt_begin_node(f, "memory@80000000");
	fdt_prop_str(f, "device_type", "memory");
	fdt_prop_cells(f, "reg", reg, 4);
	fdt_end_node(f);
	fdt_begin_node(f, "chosen");
	fdt_prop_str(f, "bootargs", "console=ttyS0 quiet");
	fdt_prop_u64(f, "linux,initrd-start", 0x87000000ULL);
	fdt_prop_empty(f, "strata,flag");
	fdt_end_node(f);
	fdt_end_node(f);
}

static char *dtc_decode(const void *blob, size_t len)
{
	char in[] = "/tmp/strata-fdt-XXXXXX", cmd[128];
	static char out[8192];
	size_t n;
	FILE *p;
	int fd;

	fd = mkstemp(in);
	if (fd < 0)
		return NULL;
	if (write(fd, blob, len) != (ssize_t)len) {
		close(fd);
		unlink(in);
		return NULL;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>&1", in);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = 0;
	if (p && pclose(p) != 0)
		out[0] = 0;
	unlink(in);
	return p ? out : NULL;
}

static void test_blob(void)
{
	struct fdt f;
	struct err e = { 0 };
	uint8_t *b;
	void *blob;
	size_t len;
	char *dts;

	build(&f);
	test_assert(fdt_finish(&f, &blob, &len, &e) == 0, "a good tree finishes");
	b = blob;
	test_assert(be32(b) == FDT_MAGIC, "magic");
	test_assert(be32(b + 4) == len && len % 8 == 0, "totalsize");
	test_assert(be32(b + 20) == 17 && be32(b + 24) == 16, "version 17, compatible with 16");
	test_assert(be32(b + 8) == 56, "structure after header and rsvmap");
	test_assert(be32(b + 12) == 56 + be32(b + 36), "strings after structure");
	test_assert(!memcmp(b + be32(b + 12), "#address-cells", 15), "first string");
	/* "reg" etc. once each: 7 distinct names */
	test_assert(be32(b + 32) == sizeof("#address-cells") + sizeof("#size-cells") +
		    sizeof("compatible") + sizeof("device_type") + sizeof("reg") +
		    sizeof("bootargs") + sizeof("linux,initrd-start") + sizeof("strata,flag"),
		    "strings block holds each name once");
	if (access("/usr/bin/dtc", X_OK) == 0) {
		dts = dtc_decode(blob, len);
		test_assert(dts && strstr(dts, "/dts-v1/;"), "dtc decodes it");
		test_assert(dts && strstr(dts, "#address-cells = <0x02>;"), "u32");
		test_assert(dts && strstr(dts, "compatible = \"riscv-virtio\\0simple-bus\";"),
			    "string list");
		test_assert(dts && strstr(dts, "memory@80000000 {"), "node name");
		test_assert(dts && strstr(dts, "reg = <0x00 0x80000000 0x00 0x10000000>;"),
			    "cells");
		test_assert(dts && strstr(dts, "bootargs = \"console=ttyS0 quiet\";"), "string");
		test_assert(dts && strstr(dts, "linux,initrd-start = <0x00 0x87000000>;"), "u64");
		test_assert(dts && strstr(dts, "strata,flag;"), "empty property");
		if (dts && !strstr(dts, "/dts-v1/;"))
			fprintf(stderr, "%s\n", dts);
	} else {
		fprintf(stderr, "fdt: dtc not installed, decoding not checked\n");
	}
	free(blob);
}

static void test_errors(void)
{
	struct fdt f;
	struct err e = { 0 };
	void *blob = NULL;
	size_t len;

	fdt_init(&f);
	fdt_begin_node(&f, "");
	fdt_begin_node(&f, "open");
	test_assert(fdt_finish(&f, &blob, &len, &e) < 0 && strstr(e.msg, "left open"),
		    "an open node is an error");
	fdt_init(&f);
	fdt_prop_u32(&f, "x", 1);
	test_assert(fdt_finish(&f, &blob, &len, &e) < 0, "a property outside a node");
	fdt_init(&f);
	fdt_end_node(&f);
	test_assert(fdt_finish(&f, &blob, &len, &e) < 0, "an end without a begin");
	fdt_init(&f);
	test_assert(fdt_finish(&f, &blob, &len, &e) < 0, "an empty tree");
	fdt_init(&f);
	fdt_begin_node(&f, "");
	fdt_end_node(&f);
	fdt_begin_node(&f, "");
	fdt_end_node(&f);
	test_assert(fdt_finish(&f, &blob, &len, &e) < 0, "two roots");
}

int main(void)
{
	test_blob();
	test_errors();
	return test_report();
}
