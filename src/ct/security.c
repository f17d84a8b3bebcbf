/*
 * security -- what a container's processes may not do, modelled on
 * Docker's defaults (moby: oci/caps/defaults.go, profiles/seccomp/
 * default.json, oci/defaults.go) for a container without CAP_SYS_ADMIN:
 *
 *  - capabilities cut to Docker's default fourteen (capabilities(7));
 *  - no_new_privs, so setuid binaries and file capabilities grant nothing;
 *  - a seccomp filter (seccomp(2), libseccomp) that allows by default and
 *    fails with EPERM the calls that reach into the kernel as a whole:
 *    mounts, modules, kexec, keyrings, bpf, perf, clocks, new namespaces...;
 *  - Docker's masked and read-only paths under /proc and /sys.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct/security.h"
#include "lib/fs.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define CAP(x) (UINT64_C(1) << (x))

uint64_t security_default_caps(void)
{
	return CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_FSETID) |
	       CAP(CAP_FOWNER) | CAP(CAP_MKNOD) | CAP(CAP_NET_RAW) |
	       CAP(CAP_SETGID) | CAP(CAP_SETUID) | CAP(CAP_SETFCAP) |
	       CAP(CAP_SETPCAP) | CAP(CAP_NET_BIND_SERVICE) |
	       CAP(CAP_SYS_CHROOT) | CAP(CAP_KILL) | CAP(CAP_AUDIT_WRITE);
}

/* The kernel's highest capability number, which may be above the one
 * these headers know. */
static int cap_last(void)
{
	struct err e;
	char *buf;
	int last = CAP_LAST_CAP;

	if (fs_read_file("/proc/sys/kernel/cap_last_cap", &buf, NULL, &e) == 0) {
		last = atoi(buf);
		free(buf);
	}
	return last > 0 && last < 64 ? last : CAP_LAST_CAP;
}

int security_caps_bound(uint64_t bounding, struct err *e)
{
	int c, last = cap_last();

	for (c = 0; c <= last; c++) {
		if (bounding & CAP(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(e, -errno, "drop capability %d from bounding set", c);
	}
	return 0;
}

int security_caps_sets(uint64_t effective, uint64_t inheritable, uint64_t permitted,
		       uint64_t ambient, struct err *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int c, last = cap_last();

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return err_set(e, -errno, "clear ambient capabilities");
	d[0].effective = (uint32_t)effective;
	d[1].effective = (uint32_t)(effective >> 32);
	d[0].permitted = (uint32_t)permitted;
	d[1].permitted = (uint32_t)(permitted >> 32);
	d[0].inheritable = (uint32_t)inheritable;
	d[1].inheritable = (uint32_t)(inheritable >> 32);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return err_set(e, -errno, "capset");
	/* The kernel raises an ambient capability only when it is both
	 * permitted and inheritable; runc's default spec lists ambient ones
	 * without inheritable, and runc skips those too. */
	for (c = 0; c <= last; c++)
		if ((ambient & CAP(c)) && (inheritable & permitted & CAP(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return err_set(e, -errno, "raise ambient capability %d", c);
	return 0;
}

int security_caps_apply(uint64_t keep, struct err *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t perm, inh;
	int c, last = cap_last();

	/* the bounding set first: dropping needs CAP_SETPCAP in effective */
	for (c = 0; c <= last; c++) {
		if (keep & CAP(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(e, -errno, "drop capability %d from bounding set", c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return err_set(e, -errno, "clear ambient capabilities");
	if (syscall(SYS_capget, &hdr, d) < 0)
		return err_set(e, -errno, "capget");
	/*
	 * Only what is already held can be kept.  Inheritable is cut, not
	 * filled up to @keep: like Docker since CVE-2022-24769, a program
	 * with inheritable file capabilities must not gain any.
	 */
	perm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
	inh = ((uint64_t)d[1].inheritable << 32 | d[0].inheritable) & keep;
	d[0].permitted = d[0].effective = (uint32_t)perm;
	d[1].permitted = d[1].effective = (uint32_t)(perm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return err_set(e, -errno, "capset");
	return 0;
}

int security_no_new_privs(struct err *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, -errno, "set no_new_privs");
	return 0;
}

/* ---- seccomp ----------------------------------------------------------- */

/* Denied outright with EPERM.  Most also need a capability the container
 * lacks; the filter is the second wall, and the only one for add_key,
 * keyctl, userfaultfd, perf_event_open and ptrace, which need none. */
static const char *const security_deny[] = {
	/* mounts and the new mount API */
	"mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	/* kernel code and the machine */
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "create_module", "get_kernel_syms", "query_module",
	"reboot", "swapon", "swapoff", "acct", "iopl", "ioperm",
	"lookup_dcookie", "quotactl", "syslog", "vhangup", "nfsservctl",
	"uselib", "ustat", "sysfs", "_sysctl",
	/* clocks */
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	/* keyrings are not namespaced */
	"add_key", "keyctl", "request_key",
	/* tracing, bpf, other processes' memory */
	"bpf", "perf_event_open", "userfaultfd", "ptrace", "kcmp",
	"process_vm_readv", "process_vm_writev",
	/* file handles bypass the mount tree ("shocker") */
	"open_by_handle_at", "name_to_handle_at",
	/* namespaces */
	"setns", "unshare",
};

static const unsigned long security_clone_ns[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Rules on calls this architecture lacks (iopl on arm64) or libseccomp
 * does not know are skipped: the former cannot be made, and the calls
 * here that an old libseccomp might not know (the mount API) also need
 * CAP_SYS_ADMIN.
 */
static int deny_rules(scmp_filter_ctx ctx, struct err *e)
{
	unsigned int i;
	int nr, ret;

	for (i = 0; i < ARRAY_LEN(security_deny); i++) {
		nr = seccomp_syscall_resolve_name(security_deny[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (ret < 0 && nr >= 0)
			return err_set(e, ret, "seccomp rule for %s",
				       security_deny[i]);
	}
	/* clone with any CLONE_NEW* flag; arg0 holds the flags on x86 and arm */
	for (i = 0; i < ARRAY_LEN(security_clone_ns); i++) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone),
				       1, SCMP_A0(SCMP_CMP_MASKED_EQ,
						  security_clone_ns[i],
						  security_clone_ns[i]));
		if (ret < 0)
			return err_set(e, ret, "seccomp rule for clone");
	}
	/* clone3 passes its flags in memory the filter cannot read: ENOSYS
	 * makes libc fall back to clone, which the rules above check */
	nr = seccomp_syscall_resolve_name("clone3");
	if (nr != __NR_SCMP_ERROR) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		if (ret < 0 && nr >= 0)
			return err_set(e, ret, "seccomp rule for clone3");
	}
	return 0;
}

/*
 * personality(2) is allowed only with Docker's values: PER_LINUX (0),
 * PER_LINUX32 (8), UNAME26 (0x20000), UNAME26 | PER_LINUX32 and
 * 0xffffffff (the query); READ_IMPLIES_EXEC and friends are refused.
 * libseccomp cannot say "arg0 is none of these" (one comparison per
 * argument and rule), so this is a small hand-written filter loaded next
 * to the libseccomp one; the kernel applies the stricter result of both.
 * The kernel takes the persona as an unsigned int, so only the low 32
 * bits of arg0 are compared.  A call from a foreign architecture is
 * allowed here because the libseccomp filter kills it.
 */
static int personality_filter(struct err *e)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned int lo = offsetof(struct seccomp_data, args[0]);
#else
	const unsigned int lo = offsetof(struct seccomp_data, args[0]) + 4;
#endif
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, lo),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20008, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_LEN(f), f };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return err_set(e, -errno, "load personality filter");
	return 0;
}

/* libseccomp writes the program to a descriptor: a pipe holds it whole
 * (BPF_MAXINSNS instructions are 32 KiB, a pipe 64 KiB). */
static int export_bpf(scmp_filter_ctx ctx, struct security_filter *f,
		      struct err *e)
{
	const size_t max = BPF_MAXINSNS * sizeof(struct sock_filter);
	char *buf = malloc(max + 1);
	size_t got = 0;
	ssize_t n;
	int p[2], ret;

	if (!buf)
		return err_msg(e, -ENOMEM, "seccomp filter");
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(buf);
		return err_set(e, -errno, "pipe");
	}
	ret = seccomp_export_bpf(ctx, p[1]);
	close(p[1]);
	while (ret == 0 && (n = read(p[0], buf + got, max + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else
			got += (size_t)n;
		if (got > max)
			ret = -E2BIG;
	}
	close(p[0]);
	if (ret == 0 && (got == 0 || got % sizeof(struct sock_filter)))
		ret = -EPROTO;
	if (ret < 0) {
		free(buf);
		return err_set(e, ret, "export seccomp filter");
	}
	f->insns = buf;
	f->len = (unsigned short)(got / sizeof(struct sock_filter));
	return 0;
}

int security_seccomp_build(struct security_filter *f, struct err *e)
{
	scmp_filter_ctx ctx;
	int ret;

	f->insns = NULL;
	f->len = 0;
	/* libseccomp kills calls of any other architecture (x32, i386) by
	 * default */
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_msg(e, -ENOMEM, "seccomp init");
	ret = deny_rules(ctx, e);
	if (ret == 0)
		ret = export_bpf(ctx, f, e);
	seccomp_release(ctx);
	return ret;
}

void security_seccomp_free(struct security_filter *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

int security_seccomp_load(struct security_filter *f, struct err *e)
{
	struct sock_fprog prog = { f->len, f->insns };
	int ret = 0;

	/* an unprivileged filter needs no_new_privs (libseccomp's load
	 * would set it too) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ret = err_set(e, -errno, "no_new_privs");
	else if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		ret = err_set(e, -errno, "load seccomp filter");
	security_seccomp_free(f);
	return ret < 0 ? ret : personality_filter(e);
}

int security_seccomp_default(struct err *e)
{
	struct security_filter f;
	int ret = security_seccomp_build(&f, e);

	return ret < 0 ? ret : security_seccomp_load(&f, e);
}

/* ---- masked and read-only paths ---------------------------------------- */

static const char *const security_masked[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};

static const char *const security_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/*
 * Files get /dev/null bound over them, folders an empty read-only tmpfs:
 * one instance (@empty, the first folder masked), bound over the others.
 * A tmpfs is a superblock with its root inode and dentry, ~3 KiB of
 * kernel memory per container each; a bind is one mount (~400 bytes),
 * and inherits the first one's flags.
 */
static int mask_one(const char *path, const char **empty, struct err *e)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       err_set(e, -errno, "mask %s", path);
	if (S_ISDIR(st.st_mode) && *empty) {
		if (mount(*empty, path, NULL, MS_BIND, NULL) < 0)
			return err_set(e, -errno, "mask %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID |
			  MS_NODEV | MS_NOEXEC, "size=0,mode=0555") < 0)
			return err_set(e, -errno, "mask %s", path);
		*empty = path;
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		return err_set(e, -errno, "mask %s", path);
	}
	return 0;
}

/*
 * Bind @path onto itself and make that bind read-only.  In a user
 * namespace the flags the source mount was locked with (nosuid, nodev,
 * noexec, the atime ones) must be repeated on the remount, or it fails
 * with EPERM; statvfs() tells what they are.
 */
static int readonly_one(const char *path, struct err *e)
{
	static const struct { unsigned long st, ms; } locked[] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	struct statvfs sv;
	unsigned int i;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "bind %s", path);
	if (statvfs(path, &sv) < 0)
		return err_set(e, -errno, "statvfs %s", path);
	for (i = 0; i < ARRAY_LEN(locked); i++)
		if (sv.f_flag & locked[i].st)
			flags |= locked[i].ms;
	if (mount(path, path, NULL, flags, NULL) < 0)
		return err_set(e, -errno, "remount %s read-only", path);
	return 0;
}

int security_mask_paths(struct err *e)
{
	const char *empty = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_LEN(security_masked); i++) {
		ret = mask_one(security_masked[i], &empty, e);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < ARRAY_LEN(security_readonly); i++) {
		ret = readonly_one(security_readonly[i], e);
		if (ret < 0)
			return ret;
	}
	return 0;
}
