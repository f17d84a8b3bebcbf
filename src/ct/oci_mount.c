/*
 * oci_mount -- the mount setup of an OCI runtime, as runc's
 * libcontainer/rootfs_linux.go does it, for a container described by an
 * OCI runtime-spec config.json (config.md "Root", "Mounts";
 * config-linux.md "Devices", "Default Devices", "Masked Paths",
 * "Readonly Paths", "Sysctl", "Rootfs Mount Propagation").
 *
 * Everything before pivot_root happens relative to the rootfs, and every
 * destination is resolved inside it: a symlink in the container's image
 * ("/var/run -> /run", or a hostile "/etc -> /") is followed as if the
 * rootfs were "/", never out of it.  Paths are resolved component by
 * component (creating what is missing), and the mount itself goes through
 * an O_PATH descriptor opened with openat2(RESOLVE_IN_ROOT), so a link
 * swapped in between cannot redirect it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ct/oci_mount.h"
#include "ct/oci_spec.h"
#include "lib/fs.h"
#include "lib/proc.h"
#include "lib/tty.h"

#define OM_MAX_LINKS 255	/* symlinks followed per path, as SecureJoin */
#define OM_PROP (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define OM_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)

enum om_kind { OM_DIR, OM_FILE, OM_NONE };

/* The rootfs, open once: every destination is resolved against it. */
struct om_root {
	const char *path;
	int fd;
	int in_userns;
};

/* ---- paths inside the rootfs -------------------------------------------- */

/* Append component @name (@n bytes) to the rootfs-relative path @rel. */
static int rel_push(char *rel, const char *name, size_t n)
{
	size_t len = strlen(rel);

	if (len + n + 2 > PATH_LEN)
		return -ENAMETOOLONG;
	if (len)
		rel[len++] = '/';
	memcpy(rel + len, name, n);
	rel[len + n] = '\0';
	return 0;
}

static void rel_pop(char *rel)
{
	char *s = strrchr(rel, '/');

	if (s)
		*s = '\0';
	else
		rel[0] = '\0';
}

/*
 * Resolve @path as if the rootfs were "/": "..", absolute and relative
 * symlinks all stay inside.  Components that do not exist are taken as
 * they are (a dangling link's target included), so the result names what
 * the mount point will be once created.  @rel gets the result relative to
 * the rootfs, without a leading slash ("" for the rootfs itself).
 */
static int resolve_in_root(const struct om_root *r, const char *path,
			   char rel[PATH_LEN])
{
	char todo[PATH_LEN], next[PATH_LEN], link[PATH_LEN];
	int links = 0, missing = 0;
	char *p = todo;

	if (strlen(path) >= PATH_LEN)
		return -ENAMETOOLONG;
	strcpy(todo, path);
	rel[0] = '\0';
	while (*p) {
		size_t n;
		struct stat st;
		ssize_t ln;
		int ret;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			rel_pop(rel);
			p += n;
			continue;
		}
		ret = rel_push(rel, p, n);
		if (ret < 0)
			return ret;
		p += n;
		if (missing)
			continue;
		if (fstatat(r->fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				return -errno;
			missing = 1;
			continue;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > OM_MAX_LINKS)
			return -ELOOP;
		ln = readlinkat(r->fd, rel, link, sizeof(link) - 1);
		if (ln < 0)
			return -errno;
		link[ln] = '\0';
		rel_pop(rel);
		if (link[0] == '/')
			rel[0] = '\0';
		if (snprintf(next, sizeof(next), "%s/%s", link, p) >= (int)sizeof(next))
			return -ENAMETOOLONG;
		strcpy(todo, next);
		p = todo;
	}
	return 0;
}

/* Create the folders of @rel (resolved: no symlinks) and, per @kind, its
 * last component as a folder or an empty file.  Walks with O_NOFOLLOW so
 * nothing swapped in meanwhile leads out of the rootfs.  *@existed tells
 * whether the last component was there already. */
static int mkpath_in_root(const struct om_root *r, const char *rel,
			  enum om_kind kind, int *existed)
{
	char buf[PATH_LEN], *s = buf, *slash;
	int dfd, nfd, ret = 0;

	*existed = 1;
	strcpy(buf, rel);
	dfd = dup(r->fd);
	if (dfd < 0)
		return -errno;
	while (*s) {
		struct stat st;
		int last;

		slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		last = !slash;
		if (last && kind == OM_NONE)
			break;
		if (fstatat(dfd, s, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				ret = -errno;
				break;
			}
			if (last)
				*existed = 0;
			if (last && kind == OM_FILE)
				ret = mknodat(dfd, s, S_IFREG | 0755, 0);
			else
				ret = mkdirat(dfd, s, 0755);
			if (ret < 0 && errno != EEXIST) {
				ret = -errno;
				break;
			}
			ret = 0;
		}
		if (last)
			break;
		nfd = openat(dfd, s, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			ret = -errno;
			break;
		}
		close(dfd);
		dfd = nfd;
		s = slash + 1;
	}
	close(dfd);
	return ret;
}

/* An O_PATH descriptor of @rel that cannot point outside the rootfs. */
static int open_in_root(const struct om_root *r, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char p[PATH_LEN];
	int fd;

	fd = (int)syscall(SYS_openat2, r->fd, rel[0] ? rel : ".", &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd < 0 ? -errno : fd;
	/* No openat2 (or a seccomp filter denies it): @rel was resolved
	 * without symlinks, refuse one at its end. */
	if (snprintf(p, sizeof(p), "%s/%s", r->path, rel) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void fd_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* mount(2) onto rootfs-relative @rel, through a descriptor.  -errno. */
static int mount_rel(const struct om_root *r, const char *src, const char *rel,
		     const char *type, unsigned long flags, const void *data)
{
	char p[32];
	int fd, ret = 0;

	fd = open_in_root(r, rel);
	if (fd < 0)
		return fd;
	fd_path(p, fd);
	if (mount(src, p, type, flags, data) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Resolve @dest, create it per @kind and return the resolved path. */
static int target_prepare(const struct om_root *r, const char *dest,
			  enum om_kind kind, char rel[PATH_LEN], int *existed)
{
	int dummy, ret;

	ret = resolve_in_root(r, dest, rel);
	if (ret < 0)
		return ret;
	return mkpath_in_root(r, rel, kind, existed ? existed : &dummy);
}

/* The flags statvfs() reports that a bind remount must keep: inside a
 * user namespace a mount from a more privileged one is locked with them. */
static unsigned long locked_flags(const struct om_root *r, const char *rel)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = 0;
	struct statvfs sv;
	char p[32];
	size_t i;
	int fd;

	fd = open_in_root(r, rel);
	if (fd < 0)
		return 0;
	fd_path(p, fd);
	if (statvfs(p, &sv) == 0)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (sv.f_flag & map[i].st)
				flags |= map[i].ms;
	close(fd);
	return flags;
}

/* Give the bind mount at @rel the per-mount @flags.  When the kernel
 * refuses (EPERM: locked flags would be cleared), retry keeping them. */
static int bind_remount(const struct om_root *r, const char *rel,
			unsigned long flags)
{
	unsigned long f = MS_BIND | MS_REMOUNT |
			  (flags & ~(MS_BIND | MS_REC | MS_REMOUNT | OM_PROP));
	int ret;

	ret = mount_rel(r, NULL, rel, NULL, f, NULL);
	if (ret == -EPERM)
		ret = mount_rel(r, NULL, rel, NULL, f | locked_flags(r, rel), NULL);
	return ret;
}

/* "/dev", "/dev/", "//dev/." all name /dev. */
static int path_is(const char *path, const char *want)
{
	char rel[PATH_LEN] = "";
	const char *p = path;

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n && !(n == 1 && p[0] == '.') && rel_push(rel, p, n) < 0)
			return 0;
		p += n;
	}
	return !strcmp(rel, want + 1);
}

/* ---- the rootfs and its parent ------------------------------------------ */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void mi_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Is @mnt @path itself or a folder above it? */
static int path_under(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (!strcmp(mnt, "/"))
		return 1;
	return !strncmp(path, mnt, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * pivot_root(2) refuses a new root whose parent mount is shared, and a
 * bind of the rootfs under a shared mount would propagate to the host:
 * make the mount holding the rootfs private, as runc does.
 */
static int root_parent_private(const char *root, struct err *e)
{
	char best[PATH_LEN] = "", *buf, *line, *save = NULL;
	size_t len, blen = 0;
	int shared = 0, ret;

	ret = fs_read_file("/proc/self/mountinfo", &buf, &len, e);
	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_LEN];
		size_t n;

		/* id parent maj:min root mountpoint options optional... - */
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) != 1)
			continue;
		mi_unescape(mnt);
		n = strlen(mnt);
		if (!path_under(root, mnt) || n < blen)
			continue;
		blen = n;
		strcpy(best, mnt);
		shared = strstr(line, " shared:") && strstr(line, " shared:") < strstr(line, " - ");
	}
	free(buf);
	if (shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
		return err_set(e, -errno, "make %s private", best);
	return 0;
}

static int root_prepare(const struct ct_oci *o, struct err *e)
{
	unsigned long prop = o->rootfs_propagation ? o->rootfs_propagation :
			     MS_SLAVE | MS_REC;
	int ret;

	/* An unbindable tree could not be bound into the rootfs: keep it
	 * private until oci_mount_finish() applies the real thing. */
	if (prop & MS_UNBINDABLE)
		prop = (prop & MS_REC) | MS_PRIVATE;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_set(e, -errno, "set propagation of /");
	ret = root_parent_private(o->root, e);
	if (ret < 0)
		return ret;
	/* The rootfs may come from a more privileged mount namespace and be
	 * locked there; a bind of it made here is ours to pivot into. */
	if (mount(o->root, o->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(e, -errno, "bind %s on itself", o->root);
	return 0;
}

/* ---- one entry of "mounts" ---------------------------------------------- */

/* runc refuses mounts over /proc (which could hide the masked paths or
 * fake the kernel's answers) except these, which lxcfs serves. */
static int proc_dest_ok(const char *rel, const char *type)
{
	static const char *const allowed[] = {
		"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat",
		"proc/swaps", "proc/uptime", "proc/loadavg", "proc/slabinfo",
		"proc/net/dev", "proc/sys/kernel/ns_last_pid",
	};
	size_t i;

	if (strcmp(rel, "proc") && strncmp(rel, "proc/", 5))
		return 1;
	if (type && !strcmp(type, "proc") && !strcmp(rel, "proc"))
		return 1;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(rel, allowed[i]))
			return 1;
	return 0;
}

/* Attach the detached (idmapped) tree @tree the runtime made at @rel. */
static int attach_tree(const struct om_root *r, int tree, const char *rel)
{
	int fd = open_in_root(r, rel), ret = 0;

	if (fd < 0)
		return fd;
	if (syscall(SYS_move_mount, tree, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* "rro", "rnosuid", ...: mount_setattr over the tree now at @dest. */
static int mount_rattrs(const struct om_root *r, const struct oci_mount *m,
			struct err *e)
{
	struct mount_attr attr = { .attr_set = m->rattr_set, .attr_clr = m->rattr_clr };
	char rel[PATH_LEN];
	int fd, ret;

	ret = resolve_in_root(r, m->destination, rel);
	fd = ret < 0 ? ret : open_in_root(r, rel);
	if (fd < 0)
		return err_set(e, fd, "mount on %s: recursive options", m->destination);
	ret = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			   sizeof(attr));
	if (ret < 0)
		ret = err_set(e, -errno, "mount on %s: recursive options", m->destination);
	close(fd);
	return ret;
}

static int mount_bind(const struct om_root *r, const struct ct_oci *o,
		      const struct oci_mount *m, struct err *e)
{
	char rel[PATH_LEN], src[PATH_LEN];
	struct stat st;
	int ret;

	if (!m->source)
		return err_msg(e, -EINVAL, "mount on %s: bind mount without a source",
			       m->destination);
	/* runc takes a relative source from the bundle */
	if (fs_path(src, e, "%s%s%s", m->source[0] == '/' ? "" : o->bundle,
		    m->source[0] == '/' ? "" : "/", m->source) < 0)
		return e->code;
	/* an idmapped tree was opened by the runtime: the source may be out
	 * of this user namespace's reach */
	if ((m->tree_fd >= 0 ? fstat(m->tree_fd, &st) : stat(src, &st)) < 0)
		return err_set(e, -errno, "mount %s on %s", m->source, m->destination);
	ret = target_prepare(r, m->destination,
			     S_ISDIR(st.st_mode) ? OM_DIR : OM_FILE, rel, NULL);
	if (ret == 0 && !proc_dest_ok(rel, m->type))
		return err_msg(e, -EPERM, "mount %s on %s: not allowed inside /proc", m->source,
			       m->destination);
	if (ret == 0 && m->tree_fd >= 0)
		ret = attach_tree(r, m->tree_fd, rel);
	else if (ret == 0)
		ret = mount_rel(r, src, rel, NULL, MS_BIND | (m->flags & MS_REC), NULL);
	/* a bind ignores every other flag: they take a remount */
	if (ret == 0 && (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)))
		ret = bind_remount(r, rel, m->flags);
	if (ret == 0 && m->propagation)
		ret = mount_rel(r, NULL, rel, NULL, m->propagation, NULL);
	if (ret < 0)
		return err_set(e, ret, "mount %s on %s", m->source, m->destination);
	return 0;
}

/* sysfs needs its own network namespace inside a user namespace; without
 * one, show the host's read-only, as runc does. */
static int sysfs_fallback(const struct om_root *r, const char *rel,
			  const struct oci_mount *m)
{
	int ret;

	ret = mount_rel(r, "/sys", rel, NULL, MS_BIND | MS_REC, NULL);
	if (ret == 0)
		ret = bind_remount(r, rel, m->flags | MS_RDONLY | OM_SAFE);
	return ret;
}

/* tmpfs comes up read-write so later mount points and /dev nodes can be
 * made in it; oci_mount_finish() makes it read-only when asked. */
static int defer_ro(const struct oci_mount *m)
{
	return (m->flags & MS_RDONLY) && !(m->flags & MS_BIND) &&
	       ((m->type && !strcmp(m->type, "tmpfs")) ||
		path_is(m->destination, "/dev"));
}

/* devpts of its own, with a ptmx everyone can open (runc's default). */
static int devpts_data(const struct oci_mount *m, char *buf, size_t size)
{
	const char *d = m->data ? m->data : "";
	int n;

	n = snprintf(buf, size, "%s%s%s", d,
		     strstr(d, "newinstance") ? "" : (*d ? ",newinstance" : "newinstance"),
		     strstr(d, "ptmxmode=") ? "" : ",ptmxmode=0666");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int mount_cgroup(const struct om_root *r, const struct ct_oci *o,
			const struct oci_mount *m);

/* tmpcopyup: the new tmpfs starts with a copy of the folder it covers
 * (reached through @under, opened before the mount). */
static int copy_up(const struct om_root *r, const char *rel, int under)
{
	char from[64], to[64];
	const char *cp[] = { "cp", "-a", from, to, NULL };
	struct err e;
	int top = open_in_root(r, rel), a, b, ret;

	if (top < 0)
		return top;
	/* cp inherits these two (no close-on-exec) and finds them as its
	 * own /proc/self/fd: our pid may be 1 of a new pid namespace that
	 * the host's /proc does not show as such. */
	a = fcntl(under, F_DUPFD, 3);
	b = fcntl(top, F_DUPFD, 3);
	close(top);
	if (a < 0 || b < 0) {
		ret = -errno;
		goto out;
	}
	snprintf(from, sizeof(from), "/proc/self/fd/%d/.", a);
	snprintf(to, sizeof(to), "/proc/self/fd/%d", b);
	ret = proc_run(cp, 1, &e) == 0 ? 0 : -EIO;
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return ret;
}

static int mount_fs(const struct om_root *r,
		    const struct oci_mount *m, struct err *e)
{
	const char *type = m->type, *data = m->data;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | OM_PROP);
	char rel[PATH_LEN], dbuf[1024];
	struct stat st;
	int under;
	int existed, ret;

	ret = target_prepare(r, m->destination, OM_DIR, rel, &existed);
	if (ret < 0)
		return err_set(e, ret, "mount %s on %s", type, m->destination);
	if (!proc_dest_ok(rel, type))
		return err_msg(e, -EPERM, "mount %s on %s: not allowed inside /proc", type,
			       m->destination);
	if (!strcmp(type, "devpts")) {
		ret = devpts_data(m, dbuf, sizeof(dbuf));
		if (ret < 0)
			return err_set(e, ret, "mount devpts on %s", m->destination);
		data = dbuf;
	}
	if (defer_ro(m))
		flags &= ~MS_RDONLY;
	st.st_mode = 0;
	if (existed && !strcmp(type, "tmpfs") && !(data && strstr(data, "mode=")))
		fstatat(r->fd, rel, &st, 0);
	under = m->copyup && existed && !strcmp(type, "tmpfs") ? open_in_root(r, rel) : -1;
	ret = mount_rel(r, m->source ? m->source : type, rel, type, flags, data);
	if (ret == 0 && under >= 0)
		ret = copy_up(r, rel, under);
	if (under >= 0)
		close(under);
	if (ret == -EPERM && !strcmp(type, "sysfs"))
		ret = sysfs_fallback(r, rel, m);
	if (ret == 0 && m->propagation)
		ret = mount_rel(r, NULL, rel, NULL, m->propagation, NULL);
	if (ret < 0)
		return err_set(e, ret, "mount %s on %s", type, m->destination);
	/* a tmpfs over an image's folder keeps the folder's mode */
	if (st.st_mode) {
		char p[32];
		int fd = open_in_root(r, rel);

		fd_path(p, fd);
		if (fd >= 0 && chmod(p, st.st_mode & 07777) < 0)
			log_debug("chmod %s: %s", m->destination, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int mount_one(const struct om_root *r, const struct ct_oci *o,
		     const struct oci_mount *m, struct err *e)
{
	int ret;

	if (m->idmap && m->tree_fd < 0)
		return err_msg(e, -EINVAL, "mount on %s: idmapped, but no tree from the runtime",
			       m->destination);
	if (m->flags & MS_BIND) {
		ret = mount_bind(r, o, m, e);
	} else if (!m->type) {
		return err_msg(e, -EINVAL, "mount on %s: no type", m->destination);
	} else if (!strcmp(m->type, "cgroup")) {
		ret = mount_cgroup(r, o, m);
		if (ret < 0) {
			log_warn("mount cgroup on %s: %s", m->destination, strerror(-ret));
			return 0;
		}
	} else {
		ret = mount_fs(r, m, e);
	}
	if (ret == 0 && (m->rattr_set || m->rattr_clr))
		ret = mount_rattrs(r, m, e);
	return ret;
}

/* ---- cgroup ------------------------------------------------------------- */

/*
 * On a cgroup v1 (or hybrid) host runc mounts a tmpfs at the destination
 * and binds every hierarchy into it under the host's folder name
 * (/sys/fs/cgroup/memory, .../cpu,cpuacct plus cpu and cpuacct symlinks,
 * .../unified).  The source is the container's own cgroup; with a cgroup
 * namespace a fresh mount of the hierarchy, which the kernel roots at the
 * namespace's root.  On a v2-only host it is one cgroup2 mount.
 */
struct cg_hier {
	char mnt[PATH_LEN];	/* host mount point */
	char root[PATH_LEN];	/* mountinfo's root of that mount */
	char opts[512];		/* super options: "rw,cpu,cpuacct" */
	int v2;
};

static int has_cgroupns(const struct ct_oci *o)
{
	int i;

	for (i = 0; i < o->nns; i++)
		if (o->ns[i].type == CLONE_NEWCGROUP)
			return 1;
	return 0;
}

/* Does /proc/self/cgroup's controller list @ctl (cpu,cpuacct or
 * name=systemd) describe the hierarchy mounted with @opts? */
static int cg_match(const char *ctl, size_t n, const char *opts)
{
	char want[256], have[520];
	char *t, *save = NULL;

	if (!n || n >= sizeof(want))
		return 0;
	memcpy(want, ctl, n);
	want[n] = '\0';
	snprintf(have, sizeof(have), ",%s,", opts);
	for (t = strtok_r(want, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char tok[260];

		snprintf(tok, sizeof(tok), ",%s,", t);
		if (!strstr(have, tok))
			return 0;
	}
	return 1;
}

/* The container's cgroup in hierarchy @h, from /proc/self/cgroup, and
 * the controllers field that names it (for a fresh mount's data). */
static int cg_own(const struct cg_hier *h, const char *self, char path[PATH_LEN],
		  char ctl[256])
{
	const char *l;

	for (l = self; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *c1 = strchr(l, ':'), *c2, *end;
		size_t n;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		end = strchr(c2, '\n');
		n = (size_t)(c2 - c1 - 1);
		if (h->v2 ? n != 0 : !cg_match(c1 + 1, n, h->opts))
			continue;
		if (n >= 256)
			continue;
		memcpy(ctl, c1 + 1, n);
		ctl[n] = '\0';
		n = end ? (size_t)(end - c2 - 1) : strlen(c2 + 1);
		if (n >= PATH_LEN)
			return -ENAMETOOLONG;
		memcpy(path, c2 + 1, n);
		path[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* Host path of the container's cgroup in @h: its mount point plus the
 * cgroup's path below the mount's root; the mount point when that cannot
 * be told (the cgroup lies outside what is mounted). */
static void cg_source(const struct cg_hier *h, const char *own, char src[PATH_LEN])
{
	size_t n = strlen(h->root);
	const char *sub = NULL;

	if (!strcmp(h->root, "/"))
		sub = own;
	else if (!strncmp(own, h->root, n) && (own[n] == '/' || !own[n]))
		sub = own + n;
	if (!sub || snprintf(src, PATH_LEN, "%s%s", h->mnt, sub) >= PATH_LEN ||
	    !fs_exists(src))
		snprintf(src, PATH_LEN, "%s", h->mnt);
}

/* Mount hierarchy @h at @dest (inside the rootfs). */
static int cg_mount_one(const struct om_root *r, const struct ct_oci *o,
			const struct oci_mount *m, const struct cg_hier *h,
			const char *self, const char *dest)
{
	unsigned long flags = (m->flags | OM_SAFE) & ~(MS_BIND | MS_REC | OM_PROP);
	char rel[PATH_LEN], own[PATH_LEN] = "/", ctl[256] = "";
	char src[PATH_LEN], data[300];
	int ret;

	ret = target_prepare(r, dest, OM_DIR, rel, NULL);
	if (ret < 0)
		return ret;
	cg_own(h, self, own, ctl);
	if (has_cgroupns(o)) {
		snprintf(data, sizeof(data), "%s%s", strncmp(ctl, "name=", 5) ? "" : "none,", ctl);
		ret = mount_rel(r, "cgroup", rel, h->v2 ? "cgroup2" : "cgroup", flags,
				h->v2 ? NULL : data);
		if (ret == 0)
			return 0;
	}
	cg_source(h, own, src);
	ret = mount_rel(r, src, rel, NULL, MS_BIND | MS_REC, NULL);
	if (ret == 0)
		ret = bind_remount(r, rel, flags);
	return ret;
}

/* cpu,cpuacct gets the links cpu and cpuacct next to it. */
static void cg_links(const struct om_root *r, const struct oci_mount *m,
		     const char *base)
{
	char dir[PATH_LEN], rel[PATH_LEN], names[256], *t, *save = NULL;
	int dfd;

	if (!strchr(base, ',') || strlen(base) >= sizeof(names))
		return;
	if (resolve_in_root(r, m->destination, rel) < 0 ||
	    snprintf(dir, sizeof(dir), "%s/%s", r->path, rel) >= (int)sizeof(dir))
		return;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	strcpy(names, base);
	for (t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (symlinkat(base, dfd, t) < 0 && errno != EEXIST)
			log_debug("symlink %s: %s", t, strerror(errno));
	close(dfd);
}

/* The host's cgroup hierarchies (one per superblock) outside the rootfs. */
static int cg_hiers(const char *root, struct cg_hier **out, int *nout)
{
	char *buf, *line, *save = NULL;
	struct cg_hier *h = NULL;
	char devs[64][32];
	int n = 0, ndev = 0, ret;
	size_t len;
	struct err e;

	ret = fs_read_file("/proc/self/mountinfo", &buf, &len, &e);
	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line && ndev < 64;
	     line = strtok_r(NULL, "\n", &save)) {
		char dev[32], mroot[PATH_LEN], mnt[PATH_LEN], fstype[32], opts[512];
		const char *sep = strstr(line, " - ");
		struct cg_hier *nh;
		int i, seen = 0;

		if (!sep || sscanf(line, "%*d %*d %31s %4095s %4095s", dev, mroot, mnt) != 3 ||
		    sscanf(sep, " - %31s %*s %511s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
			continue;
		mi_unescape(mnt);
		mi_unescape(mroot);
		if (path_under(mnt, root) || !strrchr(mnt, '/')[1])
			continue;
		for (i = 0; i < ndev; i++)
			seen |= !strcmp(devs[i], dev);
		if (seen)
			continue;
		nh = realloc(h, (size_t)(n + 1) * sizeof(*h));
		if (!nh) {
			ret = -ENOMEM;
			break;
		}
		h = nh;
		strcpy(devs[ndev++], dev);
		strcpy(h[n].mnt, mnt);
		strcpy(h[n].root, mroot);
		strcpy(h[n].opts, opts);
		h[n].v2 = !strcmp(fstype, "cgroup2");
		n++;
	}
	free(buf);
	*out = h;
	*nout = n;
	return ret;
}

static int mount_cgroup(const struct om_root *r, const struct ct_oci *o,
			const struct oci_mount *m)
{
	struct cg_hier *h = NULL;
	char rel[PATH_LEN], dest[PATH_LEN], *self = NULL;
	size_t len;
	struct err e;
	int i, n = 0, ret;

	ret = cg_hiers(r->path, &h, &n);
	if (ret == 0)
		ret = fs_read_file("/proc/self/cgroup", &self, &len, &e);
	if (ret == 0)
		ret = target_prepare(r, m->destination, OM_DIR, rel, NULL);
	if (ret < 0)
		goto out;
	if (n == 1 && h[0].v2 && !strcmp(h[0].mnt, "/sys/fs/cgroup")) {
		/* v2 only: one mount, rooted by the kernel at the cgroup
		 * namespace; the container's cgroup bound when refused */
		ret = mount_rel(r, "cgroup", rel, "cgroup2",
				(m->flags | OM_SAFE) & ~(MS_BIND | MS_REC | OM_PROP), NULL);
		if (ret < 0)
			ret = cg_mount_one(r, o, m, &h[0], self, m->destination);
		goto out;
	}
	ret = mount_rel(r, "tmpfs", rel, "tmpfs", OM_SAFE, "mode=755");
	if (ret < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *base = strrchr(h[i].mnt, '/') + 1;
		int err;

		err = snprintf(dest, sizeof(dest), "%s/%s", m->destination, base) >=
		      (int)sizeof(dest) ? -ENAMETOOLONG :
		      cg_mount_one(r, o, m, &h[i], self, dest);
		if (err < 0)
			log_warn("mount cgroup %s on %s: %s", h[i].mnt, dest, strerror(-err));
		else
			cg_links(r, m, base);
	}
	if (m->flags & MS_RDONLY)
		ret = mount_rel(r, NULL, rel, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
				OM_SAFE, NULL);
out:
	if (ret == 0 && m->propagation)
		ret = mount_rel(r, NULL, rel, NULL, m->propagation, NULL);
	free(self);
	free(h);
	return ret;
}

/* ---- /dev ---------------------------------------------------------------- */

static const struct oci_device om_default_devs[] = {
	{ "/dev/null", 'c', 1, 3, 0666, 0, 0 },
	{ "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
	{ "/dev/full", 'c', 1, 7, 0666, 0, 0 },
	{ "/dev/random", 'c', 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", 'c', 1, 9, 0666, 0, 0 },
	{ "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

/* /dev is populated unless it is a bind of the host's (runc's rule). */
static int dev_needs_setup(const struct ct_oci *o)
{
	int i;

	for (i = 0; i < o->nmounts; i++)
		if ((o->mounts[i].flags & MS_BIND) &&
		    path_is(o->mounts[i].destination, "/dev"))
			return 0;
	return 1;
}

static int dev_bind(const struct om_root *r, const struct oci_device *d,
		    const char *rel)
{
	int existed, ret;

	ret = mkpath_in_root(r, rel, OM_FILE, &existed);
	if (ret == 0)
		ret = mount_rel(r, d->path, rel, NULL, MS_BIND, NULL);
	return ret;
}

static int dev_create(const struct om_root *r, const struct oci_device *d,
		      struct err *e)
{
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	char rel[PATH_LEN], dir[PATH_LEN];
	const char *name;
	int existed, dfd, ret;

	ret = resolve_in_root(r, d->path, rel);
	if (ret == 0)
		ret = mkpath_in_root(r, rel, OM_NONE, &existed);
	if (ret < 0)
		return err_set(e, ret, "device %s", d->path);
	/* a user namespace may make fifos, but no device nodes */
	if (r->in_userns && d->type != 'p') {
		ret = dev_bind(r, d, rel);
		return ret < 0 ? err_set(e, ret, "bind device %s", d->path) : 0;
	}
	/* @dir holds the folder, @name the node in it */
	strcpy(dir, rel);
	name = strrchr(rel, '/');
	if (name) {
		dir[name++ - rel] = '\0';
	} else {
		dir[0] = '\0';
		name = rel;
	}
	dfd = open_in_root(r, dir);
	if (dfd < 0)
		return err_set(e, dfd, "device %s", d->path);
	ret = mknodat(dfd, name, type | (d->mode & 07777),
		      makedev((unsigned int)d->major, (unsigned int)d->minor));
	if (ret == 0) {
		/* mknod's mode went through the umask */
		if (fchmodat(dfd, name, d->mode & 07777, 0) < 0 ||
		    fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			ret = err_set(e, -errno, "device %s", d->path);
	} else if (errno == EEXIST) {
		ret = 0;
	} else if (errno == EPERM) {
		ret = dev_bind(r, d, rel);
		if (ret < 0)
			ret = err_set(e, ret, "bind device %s", d->path);
	} else {
		ret = err_set(e, -errno, "mknod %s", d->path);
	}
	close(dfd);
	return ret;
}

static int devs_create(const struct om_root *r, const struct ct_oci *o,
		       struct err *e)
{
	size_t i;
	int j, ret;

	for (i = 0; i < sizeof(om_default_devs) / sizeof(om_default_devs[0]); i++) {
		const struct oci_device *d = &om_default_devs[i];
		int seen = 0;

		/* linux.devices overrides a default with the same path */
		for (j = 0; j < o->ndevices; j++)
			seen |= path_is(o->devices[j].path, d->path);
		if (!seen && (ret = dev_create(r, d, e)) < 0)
			return ret;
	}
	for (j = 0; j < o->ndevices; j++) {
		ret = dev_create(r, &o->devices[j], e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int dev_links(const struct om_root *r, struct err *e)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" }, { "/proc/kcore", "core" },
	};
	char rel[PATH_LEN];
	size_t i;
	int dfd, ret;

	ret = target_prepare(r, "/dev", OM_DIR, rel, NULL);
	dfd = ret < 0 ? ret : open_in_root(r, rel);
	if (dfd < 0)
		return err_set(e, dfd, "open /dev");
	/* a ptmx node from the image or linux.devices would bypass the
	 * container's devpts instance */
	if (unlinkat(dfd, "ptmx", 0) < 0 && errno != ENOENT)
		log_debug("remove /dev/ptmx: %s", strerror(errno));
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (!strcmp(links[i][1], "core") && !fs_exists("/proc/kcore"))
			continue;
		if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST) {
			ret = err_set(e, -errno, "symlink /dev/%s", links[i][1]);
			break;
		}
	}
	close(dfd);
	return ret < 0 ? ret : 0;
}

/* A pty from the container's own devpts; its peer shows as /dev/console. */
static int dev_console(const struct om_root *r, int *master, int *slave,
		       struct err *e)
{
	char rel[PATH_LEN], ptmx[PATH_LEN], src[32];
	int ret;

	ret = resolve_in_root(r, "/dev/pts/ptmx", rel);
	if (ret < 0)
		return err_set(e, ret, "console");
	if (fs_path(ptmx, e, "%s/%s", r->path, rel) < 0)
		return e->code;
	ret = tty_openpty(ptmx, master, slave, e);
	if (ret < 0)
		return err_wrap(e, "console");
	ret = target_prepare(r, "/dev/console", OM_FILE, rel, NULL);
	fd_path(src, *slave);
	if (ret == 0)
		ret = mount_rel(r, src, rel, NULL, MS_BIND, NULL);
	if (ret < 0) {
		close(*master);
		close(*slave);
		*master = *slave = -1;
		return err_set(e, ret, "bind console on /dev/console");
	}
	return 0;
}

int oci_mount_rootfs(const struct ct_config *c, int in_userns, int *master,
		     int *slave, struct err *e)
{
	const struct ct_oci *o = c->oci;
	struct om_root r = { .path = o->root, .in_userns = in_userns };
	int i, ret;

	ret = root_prepare(o, e);
	if (ret < 0)
		return ret;
	/* opened after the self-bind so it sees the mounts to come */
	r.fd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r.fd < 0)
		return err_set(e, -errno, "open %s", o->root);
	for (i = 0; i < o->nmounts; i++) {
		ret = mount_one(&r, o, &o->mounts[i], e);
		if (ret < 0)
			goto out;
	}
	if (dev_needs_setup(o)) {
		ret = devs_create(&r, o, e);
		if (ret == 0)
			ret = dev_links(&r, e);
		if (ret < 0)
			goto out;
	}
	if (master)
		ret = dev_console(&r, master, slave, e);
out:
	close(r.fd);
	return ret;
}

/* ---- after pivot_root ---------------------------------------------------- */

static int pivot(const char *root, struct err *e)
{
	if (chdir(root) < 0)
		return err_set(e, -errno, "chdir %s", root);
	/* pivot_root(2) refuses when the current root's mount is shared
	 * (rootfsPropagation "rshared"); it is detached just below. */
	mount(NULL, "/", NULL, MS_PRIVATE, NULL);
	/* pivot_root(".", ".") stacks the old root on the new one; a lazy
	 * unmount of "." drops it without a folder in the container. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(e, -errno, "pivot_root %s", root);
	/* keep the unmount from propagating to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_set(e, -errno, "make old root slave");
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(e, -errno, "detach old root");
	if (chdir("/") < 0)
		return err_set(e, -errno, "chdir /");
	return 0;
}

/*
 * --no-pivot, for a root that pivot_root(2) refuses (a rootfs on the
 * initramfs): the host's mounts outside the rootfs are detached where the
 * kernel lets us, the rootfs is moved over "/" and chroot()ed into, as
 * runc's msMoveRoot.  A chroot is weaker than pivot_root: a process with
 * CAP_SYS_CHROOT can leave it.
 */
static int move_root(const char *root, struct err *e)
{
	char *buf, *line, *save = NULL, **mnts = NULL, **nm;
	int n = 0, i, ret;
	size_t len;

	ret = fs_read_file("/proc/self/mountinfo", &buf, &len, e);
	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_LEN];

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) != 1)
			continue;
		mi_unescape(mnt);
		/* keep the rootfs, what is below it, and the folders above it */
		if (path_under(mnt, root) || path_under(root, mnt))
			continue;
		nm = realloc(mnts, (size_t)(n + 1) * sizeof(*mnts));
		if (!nm || !(nm[n] = strdup(mnt))) {
			mnts = nm ? nm : mnts;
			ret = err_msg(e, -ENOMEM, "out of memory");
			goto out;
		}
		mnts = nm;
		n++;
	}
	/* mountinfo lists parents first: detach from the end, each made a
	 * slave first so that with rootfsPropagation "shared" the unmount
	 * does not reach the host */
	for (i = n - 1; i >= 0; i--) {
		mount(NULL, mnts[i], NULL, MS_SLAVE, NULL);
		if (umount2(mnts[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			log_debug("detach %s: %s", mnts[i], strerror(errno));
	}
	if (chdir(root) < 0) {
		ret = err_set(e, -errno, "chdir %s", root);
		goto out;
	}
	/* MS_MOVE refuses a shared parent or destination */
	mount(NULL, "/", NULL, MS_PRIVATE, NULL);
	if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
		ret = err_set(e, -errno, "move %s to /", root);
	else if (chroot(".") < 0)
		ret = err_set(e, -errno, "chroot %s", root);
	else if (chdir("/") < 0)
		ret = err_set(e, -errno, "chdir /");
out:
	for (i = 0; i < n; i++)
		free(mnts[i]);
	free(mnts);
	free(buf);
	return ret;
}

static const struct om_root om_slash = { .path = "/", .fd = AT_FDCWD };

/* Bind @path onto itself and make that read-only (locked flags kept). */
static int readonly_path(const char *path, struct err *e)
{
	int ret;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "readonly path %s", path);
	ret = bind_remount(&om_slash, path, MS_RDONLY);
	return ret < 0 ? err_set(e, ret, "remount %s read-only", path) : 0;
}

/* Files get /dev/null bound over them, folders an empty read-only tmpfs. */
static int mask_path(const char *path, struct err *e)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       err_set(e, -errno, "mask %s", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | OM_SAFE,
			  "size=0,mode=0555") < 0)
			return err_set(e, -errno, "mask %s", path);
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		return err_set(e, -errno, "mask %s", path);
	}
	return 0;
}

/* net.ipv4.ip_forward -> /proc/sys/net/ipv4/ip_forward; a key already
 * written with slashes (net/ipv4/conf/eth0.100/rp_filter) is kept. */
static int sysctl_set(const struct oci_sysctl *s, struct err *e)
{
	char p[PATH_LEN], *q;
	int ret;

	if (strstr(s->key, "..") || s->key[0] == '/' || s->key[0] == '.')
		return err_msg(e, -EINVAL, "sysctl %s: bad key", s->key);
	ret = fs_path(p, e, "/proc/sys/%s", s->key);
	if (ret < 0)
		return ret;
	if (!strchr(s->key, '/'))
		for (q = p + strlen("/proc/sys/"); *q; q++)
			if (*q == '.')
				*q = '/';
	ret = fs_write_str(p, s->value, e);
	return ret < 0 ? err_wrap(e, "sysctl %s", s->key) : 0;
}

/* tmpfs mounts (and /dev) asked read-only were mounted read-write to be
 * filled; now they get what they asked for. */
static int deferred_ro(const struct ct_oci *o, struct err *e)
{
	int i;

	for (i = 0; i < o->nmounts; i++) {
		const struct oci_mount *m = &o->mounts[i];
		unsigned long f = (m->flags & ~(MS_BIND | MS_REC | OM_PROP)) |
				  MS_REMOUNT | MS_RDONLY;

		if (!defer_ro(m))
			continue;
		if (mount(NULL, m->destination, NULL, f, NULL) < 0)
			return err_set(e, -errno, "remount %s read-only", m->destination);
	}
	return 0;
}

int oci_mount_finish(const struct ct_config *c, struct err *e)
{
	const struct ct_oci *o = c->oci;
	char **p;
	int i, ret;

	ret = o->no_pivot ? move_root(o->root, e) : pivot(o->root, e);
	if (ret < 0)
		return ret;
	/* runc makes process.cwd, while the root may still be written */
	if (c->cwd && !fs_exists(c->cwd) && fs_mkdir_p(c->cwd, 0755, e) < 0)
		return err_wrap(e, "process.cwd");
	ret = deferred_ro(o, e);
	if (ret < 0)
		return ret;
	/* runc's order: sysctls before readonlyPaths makes /proc/sys
	 * read-only, masks last so nothing is bound over them */
	for (i = 0; i < o->nsysctl; i++) {
		ret = sysctl_set(&o->sysctl[i], e);
		if (ret < 0)
			return ret;
	}
	for (p = o->readonly; p && *p; p++) {
		ret = readonly_path(*p, e);
		if (ret < 0)
			return ret;
	}
	for (p = o->masked; p && *p; p++) {
		ret = mask_path(*p, e);
		if (ret < 0)
			return ret;
	}
	if (o->root_readonly) {
		ret = bind_remount(&om_slash, "/", MS_RDONLY);
		if (ret < 0)
			return err_set(e, ret, "remount / read-only");
	}
	/* last: the binds above cannot be made in an unbindable tree */
	if (o->rootfs_propagation &&
	    mount(NULL, "/", NULL, o->rootfs_propagation, NULL) < 0)
		return err_set(e, -errno, "set propagation of /");
	return 0;
}
