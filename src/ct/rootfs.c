/*
 * rootfs -- idmapped overlay on the host side, the container's mount tree
 * and pivot_root on the inside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct/rootfs.h"
#include "ct/security.h"
#include "lib/fs.h"
#include "lib/tty.h"

static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_mount_setattr(int dfd, const char *path, unsigned int flags,
			     struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

static int sys_move_mount(int from, const char *fpath, int to, const char *tpath,
			  unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from, fpath, to, tpath, flags);
}

/* Clone @src as a detached mount seen through the user namespace of
 * @pid, and attach it at @dst. */
static int idmap_bind(const char *src, const char *dst, pid_t pid, int ro,
		      struct err *e)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP | (ro ? MOUNT_ATTR_RDONLY : 0),
	};
	char ns[64];
	int tree, userns, ret = 0;

	snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)pid);
	userns = open(ns, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return err_set(e, -errno, "open %s", ns);
	tree = sys_open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			     AT_RECURSIVE);
	if (tree < 0) {
		ret = err_set(e, -errno, "clone mount of %s", src);
		goto out;
	}
	attr.userns_fd = userns;
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &attr) < 0) {
		ret = err_set(e, -errno, "idmapped mount of %s", src);
		goto out;
	}
	if (sys_move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		ret = err_set(e, -errno, "attach %s", dst);
out:
	if (tree >= 0)
		close(tree);
	close(userns);
	return ret;
}

/* Create @path as an empty file or folder to mount on. */
static int mountpoint_make(const char *path, int dir, struct err *e)
{
	int fd;

	if (dir)
		return fs_mkdir_p(path, 0755, e);
	if (fs_exists(path))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, -errno, "create %s", path);
	close(fd);
	return 0;
}

static int bind(const char *src, const char *dst, int flags, struct err *e)
{
	if (mount(src, dst, NULL, MS_BIND | flags, NULL) < 0)
		return err_set(e, -errno, "bind %s on %s", src, dst);
	return 0;
}

/* Remount a bind mount read-only.  Inside a user namespace the flags that
 * lock the source mount (nosuid, nodev, noexec) must be repeated. */
static int remount_ro(const char *path, struct err *e)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	struct statvfs sv;

	if (statvfs(path, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
	}
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return err_set(e, -errno, "remount %s read-only", path);
	return 0;
}

/* Make the folders leading to a mount point inside the rootfs owned by
 * the container's root, as if it had made them itself. */
static int mountpoint_in_rootfs(const struct ct_config *c, const char *rootfs,
				const char *dst, int dir, struct err *e)
{
	char p[PATH_LEN];
	size_t skip = strlen(rootfs);
	char *s;
	int ret;

	ret = fs_path(p, e, "%s/%s", rootfs, dst);
	if (ret < 0)
		return ret;
	for (s = p + skip + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (!fs_exists(p) && mkdir(p, 0755) == 0 &&
		    chown(p, c->uid_host, c->uid_host) < 0)
			log_debug("chown %s: %s", p, strerror(errno));
		*s = '/';
	}
	ret = mountpoint_make(p, dir, e);
	if (ret == 0 && chown(p, c->uid_host, c->uid_host) < 0)
		log_debug("chown %s: %s", p, strerror(errno));
	return ret;
}

/* Volumes are idmapped like the template: host uid N shows as container
 * uid N, so a folder root owns on the host is root's inside, as users of
 * other runtimes expect from -v. */
static int mount_volumes(const struct ct_config *c, const char *rootfs,
			 pid_t userns_pid, struct err *e)
{
	char dst[PATH_LEN];
	struct stat st;
	int i, ret;

	for (i = 0; i < c->nvols; i++) {
		const struct ct_volume *v = &c->vols[i];

		if (stat(v->src, &st) < 0)
			return err_set(e, -errno, "volume %s", v->src);
		ret = mountpoint_in_rootfs(c, rootfs, v->dst, S_ISDIR(st.st_mode), e);
		if (ret < 0 || (ret = fs_path(dst, e, "%s/%s", rootfs, v->dst)) < 0)
			return ret;
		ret = idmap_bind(v->src, dst, userns_pid, v->ro, e);
		if (ret < 0)
			return err_wrap(e, "volume %s", v->src);
	}
	return 0;
}

int rootfs_mount_host(const struct ct_config *c, const char *dir,
		      const char *lower, pid_t userns_pid, struct err *e)
{
	char low[PATH_LEN], root[PATH_LEN], opts[3 * PATH_LEN + 64];
	int ret;

	ret = fs_path(root, e, "%s/rootfs", dir);
	if (ret < 0 || (ret = fs_path(low, e, "%s/lower", dir)) < 0)
		return ret;
	if (c->rootfs) {	/* the user's folder, used in place */
		ret = idmap_bind(lower, root, userns_pid, 0, e);
		goto volumes;
	}
	ret = idmap_bind(lower, low, userns_pid, 0, e);
	if (ret < 0)
		return ret;
	ret = fs_path(opts, e, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		      low, dir, dir);
	if (ret < 0)
		goto fail;
	if (mount("overlay", root, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		ret = err_set(e, -errno, "overlay mount on %s", root);
		goto fail;
	}
volumes:
	if (ret == 0)
		ret = mount_volumes(c, root, userns_pid, e);
	if (ret == 0)
		return 0;
fail:
	umount2(root, MNT_DETACH | UMOUNT_NOFOLLOW);
	umount2(low, MNT_DETACH);
	return ret;
}

void rootfs_umount_host(const char *dir)
{
	char p[PATH_LEN];
	struct err e;

	if (fs_path(p, &e, "%s/rootfs", dir) == 0)
		umount2(p, MNT_DETACH);
	if (fs_path(p, &e, "%s/lower", dir) == 0)
		umount2(p, MNT_DETACH);
}

static int mount_proc_sys(const char *rootfs, struct err *e)
{
	unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char p[PATH_LEN];
	int ret;

	ret = fs_path(p, e, "%s/proc", rootfs);
	if (ret < 0 || (ret = mountpoint_make(p, 1, e)) < 0)
		return ret;
	if (mount("proc", p, "proc", safe, NULL) < 0)
		return err_set(e, -errno, "mount /proc");
	ret = fs_path(p, e, "%s/sys", rootfs);
	if (ret < 0 || (ret = mountpoint_make(p, 1, e)) < 0)
		return ret;
	if (mount("sysfs", p, "sysfs", safe | MS_RDONLY, NULL) == 0)
		return 0;
	/* sysfs refuses a new instance when the network namespace is shared
	 * with the host (--net none is not that, but be robust): fall back
	 * to a read-only view of the host's. */
	ret = bind("/sys", p, MS_REC, e);
	return ret < 0 ? ret : remount_ro(p, e);
}

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

static int mount_dev(const char *rootfs, int *master, int *slave, struct err *e)
{
	char dev[PATH_LEN], p[PATH_LEN], src[64];
	size_t i;
	int ret;

	ret = fs_path(dev, e, "%s/dev", rootfs);
	if (ret < 0 || (ret = mountpoint_make(dev, 1, e)) < 0)
		return ret;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
		  "mode=755,size=65536k") < 0)
		return err_set(e, -errno, "mount /dev");
	/* Device nodes cannot be made in a user namespace: bind the host's. */
	for (i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		ret = fs_path(p, e, "%s/%s", dev, dev_nodes[i]);
		if (ret < 0 || (ret = mountpoint_make(p, 0, e)) < 0)
			return ret;
		snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
		ret = bind(src, p, 0, e);
		if (ret < 0)
			return ret;
	}
	ret = fs_path(p, e, "%s/pts", dev);
	if (ret < 0 || (ret = mountpoint_make(p, 1, e)) < 0)
		return ret;
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return err_set(e, -errno, "mount /dev/pts");
	ret = fs_path(p, e, "%s/shm", dev);
	if (ret < 0 || (ret = mountpoint_make(p, 1, e)) < 0)
		return ret;
	if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777,size=65536k") < 0)
		return err_set(e, -errno, "mount /dev/shm");
	ret = fs_path(p, e, "%s/console", dev);
	if (ret < 0 || (ret = mountpoint_make(p, 0, e)) < 0)
		return ret;
	if (master) {
		char ptmx[PATH_LEN];

		ret = fs_path(ptmx, e, "%s/pts/ptmx", dev);
		if (ret < 0 || (ret = tty_openpty(ptmx, master, slave, e)) < 0)
			return ret;
		snprintf(src, sizeof(src), "/proc/self/fd/%d", *slave);
	} else {
		snprintf(src, sizeof(src), "/dev/null");
	}
	return bind(src, p, 0, e);
}

/* Symlinks every program expects in /dev. */
static void dev_links(void)
{
	symlink("pts/ptmx", "/dev/ptmx");
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
	symlink("/proc/kcore", "/dev/core");
}

static int pivot(const char *rootfs, struct err *e)
{
	if (chdir(rootfs) < 0)
		return err_set(e, -errno, "chdir %s", rootfs);
	/* pivot_root(".", ".") stacks the old root under the new one; a
	 * lazy unmount of "." then drops the old root without a temporary
	 * folder in the container's tree. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(e, -errno, "pivot_root %s", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(e, -errno, "detach old root");
	if (chdir("/") < 0)
		return err_set(e, -errno, "chdir /");
	return 0;
}

int rootfs_enter(const struct ct_config *c, const char *rootfs, int *master,
		 int *slave, struct err *e)
{
	int ret;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(e, -errno, "make / private");
	/* The overlay came from a more privileged mount namespace, so it is
	 * locked here and pivot_root would refuse it: a bind of it made in
	 * this namespace is ours to pivot into. */
	ret = bind(rootfs, rootfs, MS_REC, e);
	if (ret < 0)
		return ret;
	ret = mount_proc_sys(rootfs, e);
	if (ret < 0)
		return ret;
	ret = mount_dev(rootfs, master, slave, e);
	if (ret < 0)
		return ret;
	ret = pivot(rootfs, e);
	if (ret < 0)
		return ret;
	dev_links();
	mkdir("/tmp", 01777);
	return security_mask_paths(e);
}
