/*
 * disk -- unit tests for src/disk: raw images, and qcow2 images made,
 * written by and checked with the real client, qemu-img (and qemu-io):
 * after any writes `qemu-img check` must find nothing and the image must
 * convert to the bytes a plain model of the disk holds.  Without qemu-img
 * the qcow2 tests are skipped, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk.h"
#include "test.h"

static char dir[] = "/tmp/strata-disk-XXXXXX";
static uint64_t rng = 42;

static uint64_t rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

static void fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

/* The path of @name in the test directory (static buffers, 4 in turn). */
static const char *P(const char *name)
{
	static char buf[4][256];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
	return buf[n];
}

/* Run a shell command in the test directory; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024], full[1400];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && (%s) >%s/out 2>&1", dir, cmd, dir);
	r = system(full);
	r = WIFEXITED(r) ? WEXITSTATUS(r) : 255;
	if (r) {
		fprintf(stderr, "  [%s] exited %d:\n", cmd, r);
		snprintf(full, sizeof(full), "head -20 %s/out >&2", dir);
		if (system(full)) { /* best effort */ }
	}
	return r;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = malloc(st.st_size + 1);
	if (p && pread(fd, p, st.st_size, 0) != st.st_size) {
		free(p);
		p = NULL;
	}
	close(fd);
	*len = st.st_size;
	return p;
}

static int spit(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, p, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

/* Whether file @path holds exactly @len bytes equal to @want. */
static int file_is(const char *path, const uint8_t *want, size_t len)
{
	size_t n;
	uint8_t *got = slurp(path, &n);
	int same = got && n == len && !memcmp(got, want, len);

	free(got);
	return same;
}

static void test_raw(void)
{
	const char *path = P("raw.img");
	struct disk *d;
	struct err e;
	uint8_t w[5000], r[5000];
	int fd;

	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	test_assert(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "a 1 MiB raw file");
	close(fd);
	test_assert(disk_open(path, 0, &d, &e) == 0, "raw opens read-write");
	test_assert(!strcmp(disk_format(d), "raw"), "format is raw");
	test_assert(disk_size(d) == 1 << 20, "size is the file's");
	fill(w, sizeof(w));
	test_assert(disk_write(d, 777, w, sizeof(w)) == 0, "unaligned write");
	test_assert(disk_read(d, 777, r, sizeof(r)) == 0 && !memcmp(w, r, sizeof(r)),
		    "reads back");
	test_assert(disk_write(d, (1 << 20) - 10, w, 11) == -EINVAL,
		    "write past the end refused");
	test_assert(disk_read(d, UINT64_MAX - 2, r, 4) == -EINVAL,
		    "offset overflow refused");
	test_assert(disk_flush(d) == 0, "flush");
	disk_close(d);
	test_assert(disk_open(path, 1, &d, &e) == 0, "raw opens read-only");
	test_assert(disk_readonly(d), "and says so");
	test_assert(disk_write(d, 0, w, 512) == -EROFS, "write gives -EROFS");
	test_assert(disk_read(d, 777, r, sizeof(r)) == 0 && !memcmp(w, r, sizeof(r)),
		    "data persisted");
	disk_close(d);
	test_assert(disk_open_fmt(path, "vmdk", 1, &d, &e) == -ENOTSUP,
		    "an unknown format is refused");
	unlink(path);
}

/* Apply @n writes to disk @d and to the model @m; sizes up to @maxlen,
 * some cluster- and table-crossing by construction. */
static int random_writes(struct disk *d, uint8_t *m, uint64_t size, int n,
			 size_t maxlen)
{
	uint8_t *buf = malloc(maxlen + 8192);
	uint64_t off;
	size_t len;
	int i, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		len = 1 + rnd() % maxlen;
		if (i % 4 == 0)
			len = 512 * (1 + rnd() % 16);
		off = (rnd() << 20 | rnd()) % (size - len + 1);
		if (i % 3 == 0)
			off &= ~511ULL;
		fill(buf, len);
		r = disk_write(d, off, buf, len);
		if (r == 0)
			memcpy(m + off, buf, len);
	}
	free(buf);
	return r;
}

/* Whether the whole disk reads as the model, in odd-sized pieces. */
static int reads_as(struct disk *d, const uint8_t *m, uint64_t size)
{
	size_t chunk = 70001;
	uint8_t *buf = malloc(chunk);
	uint64_t off;
	int ok = 1;

	for (off = 0; off < size && ok; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		ok = disk_read(d, off, buf, n) == 0 && !memcmp(buf, m + off, n);
	}
	free(buf);
	return ok;
}

/* Close @d, then check @img with qemu-img and compare its bytes with @m. */
static void verify(struct disk *d, const char *img, const uint8_t *m,
		   uint64_t size, const char *what)
{
	char s[200];

	test_assert(disk_flush(d) == 0, "flush");
	disk_close(d);
	snprintf(s, sizeof(s), "%s: qemu-img check finds no errors or leaks", what);
	test_assert(sh("qemu-img check %s", img) == 0, s);
	snprintf(s, sizeof(s), "%s: qemu-img convert -O raw gives the written bytes", what);
	test_assert(sh("rm -f conv.raw && qemu-img convert -O raw %s conv.raw", img) == 0 &&
		    file_is(P("conv.raw"), m, size), s);
}

/* The big-endian 32-bit header field at @off of @name. */
static uint32_t hdr32(const char *name, uint64_t off)
{
	uint8_t b[4] = { 0 };
	int fd = open(P(name), O_RDONLY);

	if (fd >= 0 && pread(fd, b, 4, off) != 4)
		memset(b, 0, 4);
	if (fd >= 0)
		close(fd);
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

/* A fresh qcow2 image made with @opts, written through disk_write. */
static void test_qcow2_writes(const char *opts, uint64_t size, int n,
			      size_t maxlen, const char *what)
{
	const char *img = P("w.qcow2");
	uint8_t *m = calloc(1, size);
	struct disk *d;
	struct err e;
	char s[200];

	test_assert(sh("rm -f w.qcow2 && qemu-img create -f qcow2 %s w.qcow2 %llu",
		       opts, (unsigned long long)size) == 0, "qemu-img create");
	if (disk_open(img, 0, &d, &e) < 0) {
		fprintf(stderr, "  %s: %s\n", what, e.msg);
		test_assert(0, "a qemu-img qcow2 image opens");
		free(m);
		return;
	}
	test_assert(!strcmp(disk_format(d), "qcow2") && disk_size(d) == size,
		    "qcow2 with the created size");
	test_assert(reads_as(d, m, size), "a new image reads as zeros");
	snprintf(s, sizeof(s), "%s: %d random writes succeed", what, n);
	test_assert(random_writes(d, m, size, n, maxlen) == 0, s);
	snprintf(s, sizeof(s), "%s: everything reads back", what);
	test_assert(reads_as(d, m, size), s);
	verify(d, "w.qcow2", m, size, what);
	if (strstr(opts, "cluster_size=512"))
		test_assert(sh("qemu-img info w.qcow2 | grep -q 'disk size'") == 0 &&
			    hdr32("w.qcow2", 56) > 1, "the refcount table grew");
	test_assert(disk_open(img, 1, &d, &e) == 0 && reads_as(d, m, size),
		    "reopened read-only, it reads the same");
	disk_close(d);
	free(m);
}

/* Two overlays share base.raw; nobody may write an image in use. */
static void test_locks(void)
{
	struct disk *a, *b, *c;
	struct err e;

	test_assert(sh("rm -f ov2.qcow2 && qemu-img create -f qcow2 -b base.raw -F raw "
		       "ov2.qcow2") == 0, "a second overlay of the same base");
	test_assert(disk_open(P("ov.qcow2"), 0, &a, &e) == 0, "overlay 1 opens read-write");
	test_assert(disk_open(P("ov2.qcow2"), 0, &b, &e) == 0,
		    "overlay 2 opens read-write beside it (the base is shared)");
	test_assert(disk_open(P("ov.qcow2"), 0, &c, &e) == -EBUSY,
		    "overlay 1 cannot be opened twice read-write");
	test_assert(disk_open(P("ov.qcow2"), 1, &c, &e) == -EBUSY,
		    "nor read-only while it is written");
	test_assert(disk_open(P("base.raw"), 0, &c, &e) == -EBUSY,
		    "the base in use cannot be opened read-write");
	test_assert(disk_open(P("base.raw"), 1, &c, &e) == 0, "but read-only it can");
	disk_close(c);
	disk_close(a);
	disk_close(b);
	test_assert(disk_open(P("base.raw"), 0, &c, &e) == 0, "all closed, the base is free");
	disk_close(c);
	unlink(P("ov2.qcow2"));
}

static void test_overlay(void)
{
	uint64_t size = 8 << 20;
	uint8_t *base = malloc(size), *m = malloc(size), *mo = malloc(size), buf[4096];
	struct disk *d;
	struct err e;

	fill(base, size);
	memcpy(m, base, size);
	test_assert(spit(P("base.raw"), base, size) == 0, "base.raw written");
	test_assert(sh("rm -f ov.qcow2 && qemu-img create -f qcow2 -b base.raw -F raw "
		       "ov.qcow2") == 0, "overlay created");
	test_assert(disk_open(P("ov.qcow2"), 0, &d, &e) == 0, "overlay opens");
	test_assert(disk_size(d) == size, "overlay has the base's size");
	test_assert(reads_as(d, m, size), "untouched, the overlay reads the base");
	test_assert(random_writes(d, m, size, 300, 20000) == 0, "writes to the overlay");
	test_assert(reads_as(d, m, size), "the overlay reads base + writes");
	verify(d, "ov.qcow2", m, size, "overlay");
	test_assert(file_is(P("base.raw"), base, size), "the base is unchanged");
	test_locks();
	test_assert(spit(P("expect.raw"), m, size) == 0 &&
		    sh("qemu-img compare ov.qcow2 expect.raw") == 0,
		    "qemu-img compare: overlay == raw copy with the same writes");

	memcpy(mo, m, size);

	/* a second overlay on the first, bigger than its chain */
	test_assert(sh("rm -f top.qcow2 && qemu-img create -f qcow2 -b ov.qcow2 -F qcow2 "
		       "top.qcow2 16M") == 0, "a second-level overlay");
	test_assert(disk_open(P("top.qcow2"), 0, &d, &e) == 0, "chain of two opens");
	m = realloc(m, 16 << 20);
	memset(m + size, 0, size);
	test_assert(reads_as(d, m, 16 << 20), "reads through the chain, zeros past it");
	test_assert(random_writes(d, m, 16 << 20, 100, 9000) == 0, "writes to the top");
	verify(d, "top.qcow2", m, 16 << 20, "two-level overlay");

	/* qemu's own writes into a chain, incl. v3 zero clusters */
	test_assert(sh("qemu-io -f qcow2 -c 'write -P 0xab 65536 131072' "
		       "-c 'write -z 0 65536' ov.qcow2") == 0, "qemu-io writes");
	memset(mo + 65536, 0xab, 131072);
	memset(mo, 0, 65536);
	test_assert(disk_open(P("top.qcow2"), 1, &d, &e) == 0, "top opens read-only");
	test_assert(disk_write(d, 0, buf, 512) == -EROFS, "read-only top refuses writes");
	disk_close(d);
	free(m);
	m = mo;
	test_assert(disk_open(P("ov.qcow2"), 0, &d, &e) == 0, "reopen the middle");
	test_assert(reads_as(d, m, size), "what qemu wrote (data, zero clusters) reads right");
	fill(buf, sizeof(buf));
	test_assert(disk_write(d, 1000, buf, 3000) == 0, "partial write into a zero cluster");
	memcpy(m + 1000, buf, 3000);
	test_assert(reads_as(d, m, size), "zeros around it, not the base");
	verify(d, "ov.qcow2", m, size, "zero cluster rewritten");
	test_assert(file_is(P("base.raw"), base, size), "the base is still unchanged");
	free(base);
	free(m);
}

/* Images in shapes qemu makes: preallocated metadata, zero clusters that
 * keep their space, internal snapshots, persistent bitmaps. */
static void test_qemu_shapes(void)
{
	uint64_t size = 4 << 20;
	uint8_t *m = calloc(1, size), buf[512];
	struct disk *d;
	struct err e;

	test_assert(sh("rm -f s.qcow2 && qemu-img create -f qcow2 -o preallocation=metadata "
		       "s.qcow2 4M") == 0, "preallocated image");
	test_assert(disk_open(P("s.qcow2"), 0, &d, &e) == 0, "opens");
	test_assert(reads_as(d, m, size), "reads as zeros");
	test_assert(random_writes(d, m, size, 100, 20000) == 0, "writes in place");
	verify(d, "s.qcow2", m, size, "preallocated metadata");

	test_assert(sh("qemu-io -c 'write -P 3 0 192k' -c 'write -z 65536 65536' "
		       "s.qcow2") == 0, "qemu-io: data, then a zero cluster keeping its space");
	memset(m, 3, 196608);
	memset(m + 65536, 0, 65536);
	test_assert(disk_open(P("s.qcow2"), 0, &d, &e) == 0, "reopens");
	test_assert(reads_as(d, m, size), "the zero cluster reads as zeros");
	fill(buf, sizeof(buf));
	test_assert(disk_write(d, 70000, buf, sizeof(buf)) == 0, "partial write into it");
	memcpy(m + 70000, buf, sizeof(buf));
	test_assert(reads_as(d, m, size), "zeros around the written bytes");
	verify(d, "s.qcow2", m, size, "allocated zero cluster");

	test_assert(sh("qemu-img snapshot -c snap s.qcow2 && "
		       "qemu-io -c 'write -P 9 0 4k' s.qcow2") == 0, "a snapshot, then a write");
	memset(m, 9, 4096);
	test_assert(disk_open(P("s.qcow2"), 0, &d, &e) == -ENOTSUP,
		    "with snapshots, read-write is refused");
	test_assert(disk_open(P("s.qcow2"), 1, &d, &e) == 0 && reads_as(d, m, size),
		    "read-only, the active layer reads right");
	disk_close(d);

	test_assert(sh("rm -f s.qcow2 && qemu-img create -f qcow2 s.qcow2 4M && "
		       "qemu-img bitmap --add s.qcow2 b0") == 0, "an image with a bitmap");
	test_assert(hdr32("s.qcow2", 92) == 1, "its autoclear bit is set");
	test_assert(disk_open(P("s.qcow2"), 1, &d, &e) == 0, "opens read-only");
	disk_close(d);
	test_assert(hdr32("s.qcow2", 92) == 1, "read-only leaves the bit alone");
	test_assert(disk_open(P("s.qcow2"), 0, &d, &e) == 0, "opens read-write");
	memset(m, 0, size);
	test_assert(random_writes(d, m, size, 20, 9000) == 0, "writes");
	disk_close(d);
	test_assert(hdr32("s.qcow2", 92) == 0, "the writer cleared the bitmaps' autoclear bit");
	/* qemu now ignores the bitmap directory: its clusters are leaks
	 * (check exits 3), which -r leaks reclaims; nothing worse */
	test_assert(sh("qemu-img check s.qcow2 >/dev/null; [ $? = 3 ] && "
		       "qemu-img check -r leaks s.qcow2 && qemu-img check s.qcow2") == 0,
		    "bitmap image: only leaks, and they repair");
	test_assert(sh("rm -f conv.raw && qemu-img convert -O raw s.qcow2 conv.raw") == 0 &&
		    file_is(P("conv.raw"), m, size), "bitmap image: converts to the written bytes");
	free(m);
}

static void test_compressed(void)
{
	uint64_t size = 4 << 20;
	uint8_t *m = malloc(size);
	struct disk *d;
	struct err e;
	struct stat st;
	uint64_t i;

	/* compressible: runs of random bytes */
	for (i = 0; i < size; i += 64)
		memset(m + i, (int)rnd(), 64);
	test_assert(spit(P("c.raw"), m, size) == 0, "c.raw written");
	test_assert(sh("rm -f c.qcow2 && qemu-img convert -c -O qcow2 c.raw c.qcow2") == 0,
		    "compressed image made");
	test_assert(stat(P("c.qcow2"), &st) == 0 && (uint64_t)st.st_size < size / 4,
		    "the image is compressed");
	test_assert(disk_open(P("c.qcow2"), 0, &d, &e) == 0, "compressed image opens");
	test_assert(reads_as(d, m, size), "compressed clusters read right");
	test_assert(random_writes(d, m, size, 60, 3000) == 0, "writes over compressed clusters");
	test_assert(reads_as(d, m, size), "reads back");
	verify(d, "c.qcow2", m, size, "compressed");
	free(m);
}

/* Patch @len bytes at @off of file @name. */
static void patch(const char *name, uint64_t off, const void *p, size_t len)
{
	int fd = open(P(name), O_WRONLY);

	test_assert(fd >= 0 && pwrite(fd, p, len, off) == (ssize_t)len, "patched");
	if (fd >= 0)
		close(fd);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

/* Open a copy of good.qcow2 with @len bytes at @off replaced by @v. */
static int open_patched(uint64_t off, uint64_t v, int len, int ro, struct disk **d,
			struct err *e)
{
	uint8_t b[8];

	if (sh("cp good.qcow2 bad.qcow2"))
		return -1;
	if (len == 4)
		put32(b, (uint32_t)v);
	else if (len == 8)
		put64(b, v);
	else
		b[0] = (uint8_t)v;
	patch("bad.qcow2", off, b, len);
	*d = NULL;
	return disk_open(P("bad.qcow2"), ro, d, e);
}

static void test_corrupt(void)
{
	struct { uint64_t off, v; int len, code; const char *what; } hdr[] = {
		{ 4, 4, 4, -ENOTSUP, "version 4" },
		{ 20, 8, 4, -EINVAL, "cluster_bits 8" },
		{ 20, 22, 4, -EINVAL, "cluster_bits 22" },
		{ 24, 1ULL << 60, 8, -EINVAL, "a huge size" },
		{ 32, 1, 4, -ENOTSUP, "encryption" },
		{ 36, 0, 4, -EINVAL, "an L1 table too small" },
		{ 40, 0x30001, 8, -EINVAL, "an unaligned L1 table" },
		{ 40, 1ULL << 40, 8, -EINVAL, "an L1 table past the end" },
		{ 48, 0, 8, -EINVAL, "no refcount table" },
		{ 56, 1000000, 4, -EINVAL, "a refcount table past the end" },
		{ 72, 1ULL << 20, 8, -ENOTSUP, "an unknown incompatible feature" },
		{ 72, 1ULL << 2, 8, -ENOTSUP, "an external data file" },
		{ 72, 1ULL << 4, 8, -ENOTSUP, "extended L2 entries" },
		{ 72, 1ULL << 1, 8, -EIO, "the corrupt bit, read-write" },
		{ 96, 7, 4, -EINVAL, "refcount_order 7" },
		{ 100, 70000, 4, -EINVAL, "a header length past the cluster" },
		{ 100, 100, 4, -EINVAL, "a header length too short" },
		{ 104, 1, 1, -ENOTSUP, "zstd compression" },
		{ 60, 1, 4, -ENOTSUP, "snapshots, read-write" },
	};
	uint8_t buf[4096], l1e[8];
	struct disk *d;
	struct err e;
	char s[700];
	size_t i;
	uint64_t l1off;

	test_assert(sh("rm -f good.qcow2 && qemu-img create -f qcow2 good.qcow2 64M && "
		       "qemu-io -c 'write -P 1 0 4k' good.qcow2") == 0, "good.qcow2");
	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		int r = open_patched(hdr[i].off, hdr[i].v, hdr[i].len, 0, &d, &e);

		snprintf(s, sizeof(s), "%s is refused with %d (got %d: %s)",
			 hdr[i].what, hdr[i].code, r, r ? e.msg : "opened");
		test_assert(r == hdr[i].code, s);
		if (r == 0)
			disk_close(d);
	}
	test_assert(open_patched(72, 2, 8, 1, &d, &e) == 0, "corrupt bit: read-only opens");
	disk_close(d);
	test_assert(open_patched(72, 1, 8, 0, &d, &e) == 0, "the dirty bit is fine");
	disk_close(d);

	/* tables pointing at garbage: -EIO on use, never a crash */
	d = NULL;
	test_assert(disk_open(P("good.qcow2"), 1, &d, &e) == 0, "good opens");
	disk_close(d);
	{
		int fd = open(P("good.qcow2"), O_RDONLY);
		uint8_t h[48];

		test_assert(fd >= 0 && pread(fd, h, 48, 0) == 48, "header read");
		l1off = (uint64_t)h[40] << 56 | (uint64_t)h[41] << 48 |
			(uint64_t)h[42] << 40 | (uint64_t)h[43] << 32 |
			(uint64_t)h[44] << 24 | h[45] << 16 | h[46] << 8 | h[47];
		if (fd >= 0)
			close(fd);
	}
	put64(l1e, 0x8000000000000000ULL | 1ULL << 40);
	test_assert(open_patched(l1off, 0x8000000000000000ULL | 1ULL << 40, 8, 0, &d, &e) == 0,
		    "an L1 entry past the end opens");
	test_assert(d && disk_read(d, 0, buf, 512) == -EIO, "and reads give -EIO");
	test_assert(d && disk_write(d, 0, buf, 512) == -EIO, "and writes give -EIO");
	disk_close(d);
	test_assert(open_patched(l1off, 0x8000000000000000ULL | 0x10200, 8, 0, &d, &e) == 0,
		    "an unaligned L1 entry opens");
	test_assert(d && disk_read(d, 0, buf, 512) == -EIO, "and reads give -EIO");
	disk_close(d);
	test_assert(open_patched(l1off, 0x8000000000000000ULL | l1off, 8, 0, &d, &e) == 0,
		    "an L1 entry pointing at the L1 table opens");
	test_assert(d && disk_read(d, 0, buf, 512) == -EIO, "and reads give -EIO");
	disk_close(d);

	/* a backing file naming itself */
	test_assert(sh("rm -f loop.qcow2 && qemu-img create -f qcow2 -b good.qcow2 -F qcow2 "
		       "loop.qcow2 && qemu-img rebase -u -b loop.qcow2 -F qcow2 loop.qcow2") == 0,
		    "a self-backed image");
	test_assert(disk_open(P("loop.qcow2"), 1, &d, &e) == -ELOOP,
		    "a backing loop is refused with -ELOOP");
	test_assert(sh("rm -f nob.qcow2 && qemu-img create -f qcow2 -u -b missing.raw -F raw "
		       "nob.qcow2 1M") == 0, "an image with a missing backing file");
	test_assert(disk_open(P("nob.qcow2"), 1, &d, &e) == -ENOENT,
		    "a missing backing file is -ENOENT");
	test_assert(sh("rm -f vm.qcow2 && qemu-img create -f qcow2 -u -b x.vmdk -F vmdk "
		       "vm.qcow2 1M") == 0, "an image with a vmdk backing file");
	test_assert(disk_open(P("vm.qcow2"), 1, &d, &e) == -ENOTSUP,
		    "a vmdk backing file is -ENOTSUP");
}

static void test_readonly_untouched(void)
{
	size_t n1, n2;
	uint8_t *a, *b, buf[512] = { 0 };
	struct disk *d;
	struct err e;

	test_assert(sh("qemu-img create -f qcow2 ro.qcow2 1M && "
		       "qemu-io -c 'write -P 7 0 4k' ro.qcow2") == 0, "ro.qcow2");
	a = slurp(P("ro.qcow2"), &n1);
	test_assert(disk_open(P("ro.qcow2"), 1, &d, &e) == 0, "opens read-only");
	test_assert(disk_write(d, 0, buf, 512) == -EROFS, "writes give -EROFS");
	test_assert(disk_read(d, 4000, buf, 200) == 0 && buf[0] == 7 && buf[96] == 0,
		    "reads what qemu wrote");
	disk_close(d);
	b = slurp(P("ro.qcow2"), &n2);
	test_assert(a && b && n1 == n2 && !memcmp(a, b, n1), "the file is untouched");
	free(a);
	free(b);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_raw();
	if (system("qemu-img --version >/dev/null 2>&1") != 0) {
		printf("disk: qemu-img not found: qcow2 tests skipped\n");
	} else {
		test_qcow2_writes("", 64 << 20, 400, 200000, "64K clusters");
		test_qcow2_writes("-o compat=0.10", 64 << 20, 200, 100000, "v2");
		test_qcow2_writes("-o cluster_size=512", 64 << 20, 300, 100000,
				  "512-byte clusters (refcount table grows)");
		test_qcow2_writes("-o cluster_size=4096,refcount_bits=1", 16 << 20, 200,
				  20000, "1-bit refcounts");
		test_qcow2_writes("-o cluster_size=2M,refcount_bits=64", 16 << 20, 50,
				  300000, "2 MiB clusters, 64-bit refcounts");
		test_overlay();
		test_compressed();
		test_qemu_shapes();
		test_corrupt();
		test_readonly_untouched();
	}
	if (sh("rm -rf %s", dir)) { /* reported */ }
	return test_report();
}
