/*
 * Unit tests for `strata vm initramfs`'s parts: module dependencies from
 * .modinfo and from modules.dep (src/vm/kmod.c), on module files made by
 * the host compiler, and the newc writer (src/lib/cpio.c), read back by a
 * real cpio (busybox's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cpio.h"
#include "test.h"
#include "vm/kmod.h"

static char dir[] = "/tmp/strata-kmod-XXXXXX";

/* A relocatable object with a .modinfo section, as modpost makes them. */
static int make_module(const char *rel, const char *depends)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "mkdir -p $(dirname %s/%s) && printf 'const char m[] "
		 "__attribute__((section(\".modinfo\"))) = \"license=GPL\\\\0"
		 "depends=%s\\\\0vermagic=6.1\";\\n' | cc -c -x c - -o %s/%s",
		 dir, rel, depends, dir, rel);
	return system(cmd);
}

static const char *base(const char *p)
{
	return strrchr(p, '/') + 1;
}

static void test_depends(void)
{
	const char *want[] = { "virtio-blk" };
	struct kmod_list l;
	struct err e = { 0 };
	int ret;

	test_assert(make_module("kernel/drivers/virtio/virtio.ko", "") == 0 &&
		    make_module("kernel/drivers/virtio/virtio_ring.ko", "virtio") == 0 &&
		    make_module("kernel/drivers/block/virtio_blk.ko", "virtio_ring,virtio") == 0,
		    "the compiler makes module files");
	ret = kmod_resolve(dir, want, 1, &l, &e);
	test_assert(ret == 0 && l.n == 3, "virtio_blk needs itself and two more");
	if (ret == 0 && l.n == 3)
		test_assert(!strcmp(base(l.path[0]), "virtio.ko") &&
			    !strcmp(base(l.path[1]), "virtio_ring.ko") &&
			    !strcmp(base(l.path[2]), "virtio_blk.ko"),
			    "dependencies come first, each once");
	kmod_list_free(&l);

	want[0] = "nosuch";
	ret = kmod_resolve(dir, want, 1, &l, &e);
	test_assert(ret < 0 && strstr(e.msg, "nosuch: not found"),
		    "a missing module is named");
}

static void test_loop_and_dep_file(void)
{
	const char *want[] = { "a" };
	char path[512];
	struct kmod_list l;
	struct err e = { 0 };
	FILE *f;

	make_module("kernel/a.ko", "b");
	make_module("kernel/b.ko", "a");
	test_assert(kmod_resolve(dir, want, 1, &l, &e) == -ELOOP,
		    "a dependency loop is refused");

	/* modules.dep wins over .modinfo: it says a needs nothing */
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "w");
	fprintf(f, "kernel/b.ko:\nkernel/a.ko:\n");
	fclose(f);
	test_assert(kmod_resolve(dir, want, 1, &l, &e) == 0 && l.n == 1,
		    "modules.dep is used when present");
	kmod_list_free(&l);
	unlink(path);

	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	f = fopen(path, "w");
	fprintf(f, "kernel/drivers/char/hw_random/rng-core.ko\n");
	fclose(f);
	want[0] = "rng_core";
	test_assert(kmod_resolve(dir, want, 1, &l, &e) == 0 && l.n == 0,
		    "a builtin module needs nothing");
	kmod_list_free(&l);
}

static void test_bad_module(void)
{
	static const char junk[] = "\177ELF\2\1\1 this is not a module";
	char deps[32];

	test_assert(kmod_depends(junk, sizeof(junk), deps, sizeof(deps)) == -ENOEXEC,
		    "a truncated ELF is refused");
	test_assert(kmod_depends("abc", 3, deps, sizeof(deps)) == -ENOEXEC,
		    "a non-ELF is refused");
}

static void test_cpio(void)
{
	char path[512], cmd[1024], out[512] = "";
	struct cpio c;
	FILE *f, *p;
	size_t n;

	snprintf(path, sizeof(path), "%s/t.cpio", dir);
	f = fopen(path, "w");
	cpio_begin(&c, f);
	cpio_dir(&c, "bin", 0755);
	cpio_file(&c, "bin/hello", 0755, "hi\n", 3);
	cpio_symlink(&c, "bin/sh", "hello");
	cpio_chardev(&c, "console", 0600, 5, 1);
	test_assert(cpio_end(&c) == 0, "the archive is written");
	fclose(f);
	if (access("/bin/busybox", X_OK)) {
		printf("skip: no busybox to read the archive back\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "busybox cpio -itv < %s 2>&1", path);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	test_assert(strstr(out, "drwxr-xr-x") && strstr(out, "bin/hello") &&
		    strstr(out, "bin/sh -> hello") && strstr(out, "crw-------") &&
		    strstr(out, "console"),
		    "busybox cpio lists every entry with its type and mode");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir x && cd x && busybox cpio -id < ../t.cpio 2>/dev/null && cat bin/hello", dir);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	test_assert(!strcmp(out, "hi\n"), "a file's contents come back");
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 1;
	test_depends();
	test_loop_and_dep_file();
	test_bad_module();
	test_cpio();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return test_report();
}
