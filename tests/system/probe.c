/*
 * probe -- tries to break out of a container, for the system tests.
 *
 *	probe NAME...		run the named probes
 *	probe all		run every probe
 *	probe --list		print the probe names, one per line
 *
 * Each probe prints one line:
 *
 *	ok NAME: refused (<why>)
 *	ESCAPE NAME: <what happened>
 *
 * and the exit status is the number of escapes.  Every probe is something
 * an unconfined root on the host can do, so each one can fail.  Probes
 * that call into privileged code with arguments that make the call fail
 * after the permission check (swapon of a missing file, pivot_root("/",
 * "/"), ...) count getting past the check as an escape: that is what the
 * container must not reach, and it keeps the probe harmless when it runs
 * unconfined.  Each probe runs in its own child, so a probe that changes
 * its process (unshare, personality) does not disturb the next, and a
 * probe killed by seccomp (SIGSYS) counts as refused.
 *
 * Harmless on a host (try: probe mount_tmpfs bpf ...): everything except
 * umount_proc (run it in "unshare -m"), reboot (turns off Ctrl-Alt-Del),
 * and ptrace_init (seizes pid 1; run it in "unshare -pf --mount-proc").
 * core_pattern writes the value it read back; sysrq and sysfs_write only
 * open for writing.
 *
 * Built static (gcc -static) so it runs in any rootfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "/tmp/.strata-probe"

static char probe_name[64];

/* The probe's verdict: print it and leave the child with 0 or 1. */
static void __attribute__((noreturn)) refused(const char *fmt, ...)
{
	va_list ap;

	printf("ok %s: refused (", probe_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
	fflush(stdout);
	_exit(0);
}

static void __attribute__((noreturn)) escaped(const char *fmt, ...)
{
	va_list ap;

	printf("ESCAPE %s: ", probe_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(1);
}

/* For calls that fail after their permission check: anything but
 * EPERM/EACCES (or ENOSYS, a call the kernel or filter does not offer)
 * means the check was passed. */
static void __attribute__((noreturn)) verdict_perm(long ret, const char *what)
{
	int err = errno;

	if (ret >= 0)
		escaped("%s succeeded", what);
	if (err == EPERM || err == EACCES || err == ENOSYS)
		refused("%s", strerror(err));
	escaped("%s passed the permission check (then: %s)", what,
		strerror(err));
}

/* For calls that do the deed: a failure of any kind is a refusal. */
static void __attribute__((noreturn)) verdict(long ret, const char *what)
{
	if (ret < 0)
		refused("%s", strerror(errno));
	escaped("%s succeeded", what);
}

/* A scratch folder of our own; / may be read-only, then try /tmp, /dev/shm. */
static const char *const scratch_dirs[] = {
	SCRATCH, "/dev/shm/.strata-probe", "/.strata-probe",
};

#define NSCRATCH (sizeof(scratch_dirs) / sizeof(scratch_dirs[0]))

static const char *scratch(void)
{
	unsigned int i;

	for (i = 0; i < NSCRATCH; i++)
		if (mkdir(scratch_dirs[i], 0700) == 0 || errno == EEXIST)
			return scratch_dirs[i];
	return NULL;
}

/* ---- mounts -------------------------------------------------------------- */

static void probe_mount_tmpfs(void)
{
	const char *dir = scratch();

	if (!dir)
		refused("no scratch folder to mount on");
	if (mount("probe", dir, "tmpfs", 0, "size=4k") < 0)
		refused("%s", strerror(errno));
	umount2(dir, MNT_DETACH);
	escaped("mounted a tmpfs on %s", dir);
}

static void probe_fsopen(void)
{
	verdict(syscall(SYS_fsopen, "tmpfs", 0), "fsopen(tmpfs)");
}

static void probe_umount_proc(void)
{
	verdict(umount2("/proc", MNT_DETACH), "umount2(/proc)");
}

static void probe_pivot_root(void)
{
	/* "/" is the root mount, so a permitted call stops at EBUSY */
	verdict_perm(syscall(SYS_pivot_root, "/", "/"), "pivot_root");
}

static void probe_chroot_escape(void)
{
	struct stat before, after;
	const char *dir = scratch();
	char sub[128];
	int i;

	if (!dir || stat("/", &before) < 0)
		refused("no scratch folder");
	snprintf(sub, sizeof(sub), "%s/x", dir);
	mkdir(sub, 0700);
	if (chdir(dir) < 0 || chroot("x") < 0)
		refused("chroot: %s", strerror(errno));
	/* the cwd is now outside the root: walk up from it and re-root */
	for (i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		refused("second chroot: %s", strerror(errno));
	if (stat("/", &after) < 0)
		refused("stat: %s", strerror(errno));
	if (after.st_dev == before.st_dev && after.st_ino == before.st_ino)
		refused("the walk up stopped at the container's root");
	escaped("chroot trick reached a root above the container's");
}

/* ---- the kernel and the machine ------------------------------------------ */

static void probe_reboot(void)
{
	/* in a pid namespace CAD_OFF fails with EINVAL once CAP_SYS_BOOT
	 * is granted; on the host it turns Ctrl-Alt-Del off */
	verdict_perm(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
			     LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL),
		     "reboot(CAD_OFF)");
}

static void probe_init_module(void)
{
	verdict_perm(syscall(SYS_init_module, NULL, 0UL, ""), "init_module");
}

static void probe_finit_module(void)
{
	verdict_perm(syscall(SYS_finit_module, -1, "", 0), "finit_module");
}

static void probe_delete_module(void)
{
	verdict_perm(syscall(SYS_delete_module, "strata_probe_none", O_NONBLOCK),
		     "delete_module");
}

static void probe_kexec_load(void)
{
	/* more segments than KEXEC_SEGMENT_MAX: EINVAL after the check */
	verdict_perm(syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0UL),
		     "kexec_load");
}

static void probe_swapon(void)
{
	verdict_perm(swapon("/.strata-probe-no-such-swap", 0), "swapon");
}

static void probe_acct(void)
{
	verdict_perm(acct("/.strata-probe-no-such-file"), "acct");
}

static void probe_settimeofday(void)
{
	/* both NULL: the CAP_SYS_TIME check runs, the clock is not touched */
	verdict_perm(syscall(SYS_settimeofday, NULL, NULL), "settimeofday");
}

static void probe_iopl(void)
{
	verdict(iopl(3), "iopl(3)");
}

static void probe_ioperm(void)
{
	verdict(ioperm(0x80, 1, 1), "ioperm(0x80)");
}

static void probe_syslog(void)
{
	char buf[256];

	verdict(syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf,
			(int)sizeof(buf)), "syslog(READ_ALL)");
}

/* ---- devices --------------------------------------------------------------- */

static void open_read(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		refused("open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		refused("read %s: %s", path, n == 0 ? "empty" : strerror(errno));
	escaped("read %zd bytes from %s", n, path);
}

/* The first disk the kernel lists in /proc/partitions, major and minor. */
static int first_disk(unsigned int *maj, unsigned int *min, char *name)
{
	char line[256];
	FILE *f = fopen("/proc/partitions", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%u %u %*u %63s", maj, min, name) == 3;
	if (f)
		fclose(f);
	return found;
}

static void probe_raw_disk(void)
{
	static const char *const disks[] = {
		"/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/xvda", "/dev/hda",
	};
	unsigned int i;

	for (i = 0; i < sizeof(disks) / sizeof(disks[0]); i++)
		if (access(disks[i], F_OK) == 0)
			open_read(disks[i]);
	refused("no disk node in /dev");
}

static void probe_dev_mem(void)
{
	int fd = open("/dev/mem", O_RDONLY);

	if (fd < 0)
		refused("open /dev/mem: %s", strerror(errno));
	escaped("opened /dev/mem");
}

static void probe_dev_kmsg(void)
{
	open_read("/dev/kmsg");
}

static void probe_mknod_block(void)
{
	unsigned int maj = 8, min = 0;
	const char *dir = scratch();
	char node[128], name[64] = "sda";
	int fd, err;

	if (!dir)
		refused("no scratch folder");
	first_disk(&maj, &min, name);
	snprintf(node, sizeof(node), "%s/disk", dir);
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) < 0)
		refused("mknod b %u %u: %s", maj, min, strerror(errno));
	/* CAP_MKNOD is a default capability: the node may exist, it must
	 * not open (devices cgroup, nodev mount or user namespace) */
	fd = open(node, O_RDONLY);
	err = errno;
	unlink(node);
	if (fd < 0)
		refused("open b %u:%u (%s): %s", maj, min, name, strerror(err));
	escaped("opened block device %u:%u (%s) through mknod", maj, min, name);
}

static void probe_kcore(void)
{
	open_read("/proc/kcore");
}

/* ---- /proc and /sys ---------------------------------------------------------- */

static void probe_core_pattern(void)
{
	const char *path = "/proc/sys/kernel/core_pattern";
	char buf[256];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		refused("open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		refused("read %s", path);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		refused("open %s for writing: %s", path, strerror(errno));
	/* write back what was there, so a host run changes nothing */
	if (write(fd, buf, n) < 0)
		refused("write %s: %s", path, strerror(errno));
	escaped("wrote the host's kernel.core_pattern");
}

static void probe_sysrq(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd < 0)
		refused("%s", strerror(errno));
	escaped("opened /proc/sysrq-trigger for writing");
}

static void probe_sysfs_write(void)
{
	static const char *const files[] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/uevent_helper", "/sys/power/state",
	};
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (access(files[i], F_OK) < 0)
			continue;
		fd = open(files[i], O_WRONLY);
		if (fd < 0)
			refused("open %s: %s", files[i], strerror(errno));
		escaped("opened %s for writing", files[i]);
	}
	refused("no sysfs knob visible");
}

/* Make a group in the first cgroup hierarchy this process can see. */
static void probe_cgroup_write(void)
{
	char line[1024], mnt[512], dir[600], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 ||
		    strncmp(fstype, "cgroup", 6) ||
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		found = 1;
	}
	if (f)
		fclose(f);
	if (!found)
		refused("no cgroup file system mounted");
	snprintf(dir, sizeof(dir), "%s/strata-probe-%d", mnt, (int)getpid());
	if (mkdir(dir, 0755) < 0)
		refused("mkdir in %s: %s", mnt, strerror(errno));
	rmdir(dir);
	escaped("created a cgroup in %s", mnt);
}

/* ---- kernel interfaces that need no privilege at all ------------------------- */

static void probe_add_key(void)
{
	verdict(syscall(SYS_add_key, "user", "strata-probe", "x", 1,
			KEY_SPEC_PROCESS_KEYRING), "add_key");
}

static void probe_bpf(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	verdict(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)),
		"bpf(BPF_PROG_LOAD)");
}

static void probe_perf_event(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.exclude_kernel = 1;
	verdict(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0),
		"perf_event_open");
}

static void probe_userfaultfd(void)
{
	verdict(syscall(SYS_userfaultfd, O_CLOEXEC), "userfaultfd");
}

static void probe_open_by_handle(void)
{
	struct {
		struct file_handle fh;
		unsigned char data[128];
	} h;
	int mount_id, root, fd;

	h.fh.handle_bytes = sizeof(h.data);
	if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0)
		refused("name_to_handle_at: %s", strerror(errno));
	root = open("/", O_RDONLY | O_DIRECTORY);
	fd = open_by_handle_at(root, &h.fh, O_RDONLY);
	if (fd < 0)
		refused("open_by_handle_at: %s", strerror(errno));
	escaped("open_by_handle_at opened an inode by handle");
}

static void probe_ptrace_init(void)
{
	/* SEIZE does not stop pid 1; exiting detaches */
	verdict(ptrace(PTRACE_SEIZE, 1, NULL, NULL), "ptrace(SEIZE, 1)");
}

static void probe_personality(void)
{
	int old = personality(0xffffffff);

	if (personality(PER_LINUX | READ_IMPLIES_EXEC) < 0)
		refused("%s", strerror(errno));
	if (!(personality(0xffffffff) & READ_IMPLIES_EXEC))
		refused("persona unchanged");
	personality(old);
	escaped("set READ_IMPLIES_EXEC");
}

/* ---- namespaces ---------------------------------------------------------------- */

static void probe_unshare_user(void)
{
	verdict(unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)");
}

static void probe_unshare_mnt(void)
{
	verdict(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
}

static void probe_clone_newns(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL,
			   NULL);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	verdict(pid, "clone(CLONE_NEWNS)");
}

/* ------------------------------------------------------------------------------- */

struct probe {
	const char *name;
	void (*fn)(void);
};

static const struct probe probes[] = {
	{ "mount_tmpfs", probe_mount_tmpfs },
	{ "fsopen", probe_fsopen },
	{ "umount_proc", probe_umount_proc },
	{ "pivot_root", probe_pivot_root },
	{ "chroot_escape", probe_chroot_escape },
	{ "reboot", probe_reboot },
	{ "init_module", probe_init_module },
	{ "finit_module", probe_finit_module },
	{ "delete_module", probe_delete_module },
	{ "kexec_load", probe_kexec_load },
	{ "swapon", probe_swapon },
	{ "acct", probe_acct },
	{ "settimeofday", probe_settimeofday },
	{ "iopl", probe_iopl },
	{ "ioperm", probe_ioperm },
	{ "syslog", probe_syslog },
	{ "raw_disk", probe_raw_disk },
	{ "dev_mem", probe_dev_mem },
	{ "dev_kmsg", probe_dev_kmsg },
	{ "mknod_block", probe_mknod_block },
	{ "kcore", probe_kcore },
	{ "core_pattern", probe_core_pattern },
	{ "sysrq", probe_sysrq },
	{ "sysfs_write", probe_sysfs_write },
	{ "cgroup_write", probe_cgroup_write },
	{ "add_key", probe_add_key },
	{ "bpf", probe_bpf },
	{ "perf_event", probe_perf_event },
	{ "userfaultfd", probe_userfaultfd },
	{ "open_by_handle", probe_open_by_handle },
	{ "ptrace_init", probe_ptrace_init },
	{ "personality", probe_personality },
	{ "unshare_user", probe_unshare_user },
	{ "unshare_mnt", probe_unshare_mnt },
	{ "clone_newns", probe_clone_newns },
};

#define NPROBES (sizeof(probes) / sizeof(probes[0]))

/* Run one probe in a child; returns 1 for an escape. */
static int run(const struct probe *p)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("ESCAPE %s: probe could not fork: %s\n", p->name,
		       strerror(errno));
		return 1;
	}
	if (pid == 0) {
		snprintf(probe_name, sizeof(probe_name), "%s", p->name);
		p->fn();
		_exit(2);	/* every probe ends in refused() or escaped() */
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		printf("ok %s: refused (killed by seccomp)\n", p->name);
		return 0;
	}
	/* a probe that crashes proves nothing: count it against us */
	printf("ESCAPE %s: probe ended oddly (status 0x%x)\n", p->name, status);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int a, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: probe all | --list | NAME...\n");
		return 255;
	}
	if (!strcmp(argv[1], "--list")) {
		for (i = 0; i < NPROBES; i++)
			printf("%s\n", probes[i].name);
		return 0;
	}
	for (a = 1; a < argc; a++) {
		int all = !strcmp(argv[a], "all"), hit = 0;

		for (i = 0; i < NPROBES; i++) {
			if (!all && strcmp(argv[a], probes[i].name))
				continue;
			hit = 1;
			n += run(&probes[i]);
		}
		if (!hit) {
			fprintf(stderr, "probe: no probe named %s\n", argv[a]);
			return 255;
		}
	}
	for (i = 0; i < NSCRATCH; i++) {
		char x[128];

		snprintf(x, sizeof(x), "%s/x", scratch_dirs[i]);
		rmdir(x);
		rmdir(scratch_dirs[i]);
	}
	return n > 254 ? 254 : n;
}
