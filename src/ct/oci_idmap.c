/*
 * oci_idmap -- detached idmapped copies of bind mount sources, made by
 * the runtime before the container's init is forked.
 *
 * The user namespace that carries a mount's maps belongs to a short-lived
 * child: it unshares one, the runtime writes its uid_map and gid_map from
 * outside (as for the container's own), keeps a descriptor of it and lets
 * the child go.  The namespace lives on as long as a mount uses it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/oci_idmap.h"
#include "ct/oci_spec.h"
#include "lib/fs.h"

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m,
		     int n, struct err *e)
{
	char path[64], map[4096];
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		int len = snprintf(map + off, sizeof(map) - off, "%u %u %u\n",
				   m[i].container, m[i].host, m[i].size);

		if (len < 0 || (size_t)len >= sizeof(map) - off)
			return err_msg(e, -E2BIG, "%s: too many mappings", file);
		off += (size_t)len;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return fs_write_str(path, map, e);
}

/* A user namespace with @m's maps, as an open descriptor. */
static int userns_from_maps(const struct oci_mount *m, struct err *e)
{
	char path[64], c;
	int go[2], ready[2], fd = -1, ret;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	if (pipe2(ready, O_CLOEXEC) < 0) {
		ret = err_set(e, -errno, "pipe");
		close(go[0]);
		close(go[1]);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = err_set(e, -errno, "fork");
		goto out;
	}
	if (pid == 0) {
		/* the answer is the namespace appearing, or this child dying */
		close(go[1]);
		close(ready[0]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		if (write(ready[1], "u", 1) != 1)
			_exit(1);
		/* wait until the runtime has taken the namespace */
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	go[0] = ready[1] = -1;
	if (read(ready[0], &c, 1) != 1) {
		ret = err_msg(e, -EPERM, "mount on %s: cannot make a user namespace for its maps",
			      m->destination);
		goto reap;
	}
	ret = write_map(pid, "uid_map", m->uid_maps, m->nuid_maps, e);
	if (ret == 0)
		ret = write_map(pid, "gid_map", m->gid_maps, m->ngid_maps, e);
	if (ret < 0) {
		err_wrap(e, "mount on %s: maps", m->destination);
		goto reap;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? err_set(e, -errno, "open %s", path) : fd;
reap:
	close(go[1]);
	go[1] = -1;
	waitpid(pid, NULL, 0);
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	return ret;
}

/* The detached, idmapped copy of @m's source. */
static int idmap_tree(const struct ct_oci *o, const struct oci_mount *m,
		      struct err *e)
{
	unsigned int rec = m->idmap == 2 ? AT_RECURSIVE : 0;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	char src[PATH_LEN];
	int userns, tree, ret;

	if (!m->source)
		return err_msg(e, -EINVAL, "mount on %s: bind mount without a source",
			       m->destination);
	/* runc takes a relative source from the bundle */
	if (fs_path(src, e, "%s%s%s", m->source[0] == '/' ? "" : o->bundle,
		    m->source[0] == '/' ? "" : "/", m->source) < 0)
		return e->code;
	userns = userns_from_maps(m, e);
	if (userns < 0)
		return userns;
	/* a plain "bind" copies the one mount, "rbind" its submounts too;
	 * "ridmap" idmaps them all (each must support it) */
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE |
			    OPEN_TREE_CLOEXEC | (m->flags & MS_REC ? AT_RECURSIVE : 0));
	if (tree < 0) {
		ret = err_set(e, -errno, "mount %s on %s: clone", m->source, m->destination);
		close(userns);
		return ret;
	}
	attr.userns_fd = (unsigned int)userns;
	ret = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr,
			   sizeof(attr));
	close(userns);
	if (ret < 0) {
		ret = err_set(e, -errno, "mount %s on %s: idmap", m->source, m->destination);
		close(tree);
		return ret;
	}
	return tree;
}

int oci_idmap_prepare(struct ct_config *c, struct err *e)
{
	struct ct_oci *o = c->oci;
	int i;

	for (i = 0; i < o->nmounts; i++)
		o->mounts[i].tree_fd = -1;
	for (i = 0; i < o->nmounts; i++) {
		struct oci_mount *m = &o->mounts[i];
		int fd;

		if (!m->idmap)
			continue;
		fd = idmap_tree(o, m, e);
		if (fd < 0) {
			oci_idmap_release(c);
			return fd;
		}
		m->tree_fd = fd;
	}
	return 0;
}

void oci_idmap_release(struct ct_config *c)
{
	int i;

	for (i = 0; c->oci && i < c->oci->nmounts; i++) {
		if (c->oci->mounts[i].tree_fd >= 0)
			close(c->oci->mounts[i].tree_fd);
		c->oci->mounts[i].tree_fd = -1;
	}
}
