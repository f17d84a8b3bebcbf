/*
 * template -- importing root file systems, and the built-in busybox one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/store.h"
#include "ct/template.h"
#include "lib/fs.h"
#include "lib/opt.h"
#include "lib/parse.h"
#include "lib/proc.h"

#define BUSYBOX_HOST "/bin/busybox"

static int template_dir(const char *name, char *buf, struct err *e)
{
	return fs_path(buf, e, "%s/templates/%s", fs_root(), name);
}

int template_exists(const char *name)
{
	char p[PATH_LEN];
	struct err e;

	return fs_path(p, &e, "%s/templates/%s/rootfs", fs_root(), name) == 0 &&
	       fs_exists(p);
}

/* Make an empty staging folder $root/templates/.tmp-NAME-PID/rootfs. */
static int template_stage(const char *name, char *stage, char *rootfs,
			  struct err *e)
{
	int ret;

	ret = fs_path(stage, e, "%s/templates/.tmp-%s-%d", fs_root(), name,
		      (int)getpid());
	if (ret < 0 || (ret = fs_path(rootfs, e, "%s/rootfs", stage)) < 0)
		return ret;
	return fs_mkdir_p(rootfs, 0755, e);
}

/* Rename the staged template into place: it appears whole or not at all. */
static int template_commit(const char *name, const char *stage, struct err *e)
{
	char dst[PATH_LEN];
	int ret = template_dir(name, dst, e);

	if (ret < 0)
		return ret;
	if (rename(stage, dst) < 0)
		return err_set(e, errno == ENOTEMPTY ? -EEXIST : -errno,
			       "template %s", name);
	return 0;
}

static int write_text(const char *root, const char *rel, const char *text,
		      struct err *e)
{
	char p[PATH_LEN];
	int ret = fs_path(p, e, "%s/%s", root, rel);

	return ret < 0 ? ret : fs_write_atomic(p, text, strlen(text), e);
}

/* One symlink per applet, as "busybox --install -s" would, from the
 * applet list of the host's binary (the same binary we copy). */
static int busybox_links(const char *root, struct err *e)
{
	char cmd[PATH_LEN + 64], line[256], p[PATH_LEN];
	FILE *f;
	int ret = 0;

	snprintf(cmd, sizeof(cmd), "%s --list-full", BUSYBOX_HOST);
	f = popen(cmd, "r");
	if (!f)
		return err_set(e, -errno, "run %s", BUSYBOX_HOST);
	while (fgets(line, sizeof(line), f)) {
		char *dir;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || !strcmp(line, "bin/busybox"))
			continue;
		ret = fs_path(p, e, "%s/%s", root, line);
		if (ret < 0)
			break;
		dir = strrchr(p, '/');
		*dir = '\0';
		ret = fs_mkdir_p(p, 0755, e);
		*dir = '/';
		if (ret < 0)
			break;
		if (symlink("/bin/busybox", p) < 0 && errno != EEXIST) {
			ret = err_set(e, -errno, "symlink %s", p);
			break;
		}
	}
	pclose(f);
	return ret;
}

static int busybox_skeleton(const char *root, struct err *e)
{
	static const char *const dirs[] = {
		"bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "home",
		"proc", "sys", "dev", "tmp", "var/tmp", "var/log", "run", "mnt",
	};
	char p[PATH_LEN];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		ret = fs_path(p, e, "%s/%s", root, dirs[i]);
		if (ret < 0 || (ret = fs_mkdir_p(p, 0755, e)) < 0)
			return ret;
	}
	ret = fs_path(p, e, "%s/tmp", root);
	if (ret < 0 || chmod(p, 01777) < 0)
		return ret < 0 ? ret : err_set(e, -errno, "chmod %s", p);
	ret = write_text(root, "etc/passwd",
			 "root:x:0:0:root:/root:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", e);
	if (ret < 0)
		return ret;
	ret = write_text(root, "etc/group", "root:x:0:\nnogroup:x:65534:\n", e);
	if (ret < 0)
		return ret;
	ret = write_text(root, "etc/hosts", "127.0.0.1\tlocalhost\n", e);
	if (ret < 0)
		return ret;
	return write_text(root, "etc/resolv.conf", "", e);
}

static int busybox_build(struct err *e)
{
	char stage[PATH_LEN], root[PATH_LEN], bin[PATH_LEN];
	const char *cp[] = { "cp", BUSYBOX_HOST, bin, NULL };
	struct err ignore;
	int ret;

	if (access(BUSYBOX_HOST, X_OK) < 0)
		return err_msg(e, -ENOENT,
			       "template busybox: %s not found (apt-get install busybox-static)",
			       BUSYBOX_HOST);
	ret = template_stage("busybox", stage, root, e);
	if (ret < 0)
		return ret;
	ret = busybox_skeleton(root, e);
	if (ret < 0)
		goto fail;
	ret = fs_path(bin, e, "%s/bin/busybox", root);
	if (ret < 0)
		goto fail;
	ret = proc_run(cp, 0, e);
	if (ret != 0) {
		ret = ret < 0 ? ret : err_msg(e, -EIO, "copy %s", BUSYBOX_HOST);
		goto fail;
	}
	ret = busybox_links(root, e);
	if (ret < 0)
		goto fail;
	ret = template_commit("busybox", stage, e);
	if (ret == -EEXIST)	/* another strata built it meanwhile */
		ret = 0;
	if (ret < 0)
		goto fail;
	fs_rm_rf(stage, &ignore);
	return 0;
fail:
	fs_rm_rf(stage, &ignore);
	return ret;
}

int template_rootfs(const char *name, char *buf, struct err *e)
{
	int ret = fs_path(buf, e, "%s/templates/%s/rootfs", fs_root(), name);

	if (ret < 0 || fs_exists(buf))
		return ret;
	if (strcmp(name, "busybox"))
		return err_msg(e, -ENOENT, "unknown template '%s' (see strata ct template ls)",
			       name);
	ret = fs_path(buf, e, "%s/templates", fs_root());
	if (ret < 0 || (ret = fs_mkdir_p(buf, 0700, e)) < 0)
		return ret;
	ret = busybox_build(e);
	if (ret < 0)
		return ret;
	return fs_path(buf, e, "%s/templates/%s/rootfs", fs_root(), name);
}

int template_import(const char *name, const char *src, struct err *e)
{
	char stage[PATH_LEN], root[PATH_LEN], from[PATH_LEN];
	struct err ignore;
	struct stat st;
	int ret;

	ret = parse_name(name, 63, "template", e);
	if (ret < 0)
		return ret;
	if (template_exists(name))
		return err_msg(e, -EEXIST, "template %s already exists", name);
	if (stat(src, &st) < 0)
		return err_set(e, -errno, "%s", src);
	ret = template_stage(name, stage, root, e);
	if (ret < 0)
		return ret;
	if (S_ISDIR(st.st_mode)) {
		const char *cp[] = { "cp", "-a", "--", from, root, NULL };

		ret = fs_path(from, e, "%s/.", src);
		if (ret == 0)
			ret = proc_run(cp, 0, e);
	} else {
		const char *tar[] = { "tar", "-xpf", src, "-C", root,
				      "--numeric-owner", NULL };

		ret = proc_run(tar, 1, e);
	}
	if (ret > 0)
		ret = err_msg(e, -EINVAL, "%s: cannot be unpacked (not a folder or a tarball?)",
			      src);
	if (ret == 0)
		ret = template_commit(name, stage, e);
	fs_rm_rf(stage, &ignore);
	return ret < 0 ? err_wrap(e, "template import %s", name) : 0;
}

static int hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int template_ls(void)
{
	struct dirent **names;
	char dir[PATH_LEN];
	struct err e;
	int n, i;

	if (fs_path(dir, &e, "%s/templates", fs_root()) < 0)
		return 1;
	printf("NAME\n");
	n = scandir(dir, &names, hidden, alphasort);
	for (i = 0; i < n; i++) {
		printf("%s\n", names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return 0;
}

struct tmpl_users {
	const char *name;
	char first[64];
	int n;
};

static int tmpl_user(const char *ct, void *arg)
{
	struct tmpl_users *u = arg;
	struct ct_config c;
	struct err e;

	if (store_load(ct, &c, NULL, &e) < 0)
		return 0;
	if (c.template && !strcmp(c.template, u->name) && !u->n++)
		snprintf(u->first, sizeof(u->first), "%s", ct);
	ct_config_free(&c);
	return 0;
}

/* A template is the lower layer of its containers: it goes only when
 * none is left. */
static int template_rm(const char *name, struct err *e)
{
	struct tmpl_users u = { .name = name };
	char dir[PATH_LEN];
	int ret, lock;

	if (!template_exists(name))
		return err_msg(e, -ENOENT, "template rm: no such template: %s", name);
	lock = store_lock(e);
	if (lock < 0)
		return lock;
	store_foreach(tmpl_user, &u, e);
	if (u.n) {
		store_unlock(lock);
		return err_msg(e, -EBUSY, "template rm %s: used by %d container%s (%s%s)",
			       name, u.n, u.n > 1 ? "s" : "", u.first, u.n > 1 ? ", ..." : "");
	}
	ret = template_dir(name, dir, e);
	if (ret == 0)
		ret = fs_rm_rf(dir, e);
	store_unlock(lock);
	return ret;
}

static void template_help(FILE *f)
{
	fprintf(f,
		"NAME\n  strata ct template - root file systems containers start from\n\n"
		"SYNOPSIS\n"
		"  strata ct template import NAME TARBALL|DIR\n"
		"  strata ct template ls\n"
		"  strata ct template rm NAME\n\n"
		"The built-in template 'busybox' is made on first use from the host's\n"
		"busybox-static. Containers share a template through overlayfs.\n");
}

int template_cli(int argc, char **argv)
{
	struct err e = { 0 };
	int ret;

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		template_help(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (!strcmp(argv[0], "ls"))
		return template_ls();
	if (!strcmp(argv[0], "import") && argc == 3)
		ret = template_import(argv[1], argv[2], &e);
	else if (!strcmp(argv[0], "rm") && argc == 2)
		ret = template_rm(argv[1], &e);
	else {
		template_help(stderr);
		return 2;
	}
	if (ret < 0) {
		err_print(&e);
		return 1;
	}
	return 0;
}
