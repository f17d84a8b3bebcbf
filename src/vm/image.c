/*
 * image -- `strata vm image riscv64`: the reference riscv64 guest, built
 * once from Debian's source packages and kept under the state root.
 *
 * The C side owns what must not go wrong: the cache key (the versions of
 * linux-source-6.1 and of the busybox source, plus the recipe revision),
 * one build at a time (a lock), the build folder that is only renamed into
 * place when every step succeeded, and the cleanup when a step fails or
 * the user interrupts.  The steps themselves (apt, tar, make, mke2fs) are
 * shell, embedded below so the strata binary needs no file of the source
 * tree at run time; each step is one `sh -c SCRIPT strata-image STEP`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/opt.h"
#include "vm/image.h"

/* Bumped whenever the script changes what it builds, so an old cache
 * entry is not taken for a new one. */
#define IMAGE_RECIPE	"r1"
#define HEARTBEAT_S	30

/* BEGIN SCRIPT (generated from the shell text; edit both together) */
static const char image_script[] =
	"# strata vm image riscv64: the shell steps.  Run as\n"
	"#   sh -c SCRIPT strata-image STEP\n"
	"# with IMG_WORK (the temp build folder, removed by the caller on failure),\n"
	"# IMG_JOBS, and for the build steps IMG_KVER and IMG_BBVER.\n"
	"set -eu\n"
	"CROSS=riscv64-linux-gnu-\n"
	"PKGS=\"linux-source-6.1 gcc-riscv64-linux-gnu gcc libc6-dev make bc flex bison cpio e2fsprogs xz-utils dpkg-dev\"\n"
	"SRCLIST=/etc/apt/sources.list.d/strata-deb-src.sources\n"
	"W=${IMG_WORK:-}\n"
	"J=${IMG_JOBS:-2}\n"
	"\n"
	"die() { echo \"$*\" >&2; exit 1; }\n"
	"\n"
	"# version of an installed package, else apt's candidate (no network)\n"
	"pkg_version() {\n"
	"\tv=$(dpkg-query -W -f '${Status} ${Version}' \"$1\" 2>/dev/null |\n"
	"\t\tsed -n 's/^install ok installed //p')\n"
	"\t[ -n \"$v\" ] || v=$(apt-cache policy \"$1\" 2>/dev/null |\n"
	"\t\tsed -n 's/^ *Candidate: //p' | grep -v '(none)' || true)\n"
	"\techo \"$v\"\n"
	"}\n"
	"\n"
	"has_deb_src() {\n"
	"\tgrep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/\n"
	"}\n"
	"\n"
	"# the busybox source version: that of the host's busybox-static when it is\n"
	"# installed (same applets as the host), else the newest apt knows\n"
	"busybox_version() {\n"
	"\tv=$(dpkg-query -W -f '${source:Version}' busybox-static 2>/dev/null || true)\n"
	"\tif [ -z \"$v\" ] && has_deb_src; then\n"
	"\t\tv=$(apt-cache showsrc busybox 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)\n"
	"\tfi\n"
	"\techo \"$v\"\n"
	"}\n"
	"\n"
	"step_key() {\n"
	"\techo \"$(pkg_version linux-source-6.1) $(busybox_version)\"\n"
	"}\n"
	"\n"
	"deb_src() {\n"
	"\thas_deb_src && return 0\n"
	"\tcat >\"$SRCLIST.tmp\" <<-'SRC'\n"
	"\t# added by strata vm image: source packages (apt-get source)\n"
	"\tTypes: deb-src\n"
	"\tURIs: http://deb.debian.org/debian\n"
	"\tSuites: bookworm bookworm-updates\n"
	"\tComponents: main\n"
	"\tSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
	"\n"
	"\tTypes: deb-src\n"
	"\tURIs: http://deb.debian.org/debian-security\n"
	"\tSuites: bookworm-security\n"
	"\tComponents: main\n"
	"\tSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
	"\tSRC\n"
	"\tmv \"$SRCLIST.tmp\" \"$SRCLIST\"\n"
	"\tapt-get update -qq || die \"apt-get update failed\"\n"
	"}\n"
	"\n"
	"step_deps() {\n"
	"\tneed=\n"
	"\tfor p in $PKGS; do\n"
	"\t\tdpkg-query -W -f '${Status}' \"$p\" 2>/dev/null | grep -q \"ok installed\" ||\n"
	"\t\t\tneed=\"$need $p\"\n"
	"\tdone\n"
	"\tif [ -n \"$need\" ]; then\n"
	"\t\t[ \"$(id -u)\" = 0 ] || die \"missing packages:$need (not root to install them)\"\n"
	"\t\techo \"installing:$need\"\n"
	"\t\texport DEBIAN_FRONTEND=noninteractive\n"
	"\t\tapt-get update -qq || die \"apt-get update failed\"\n"
	"\t\t# shellcheck disable=SC2086\n"
	"\t\tapt-get install -y -qq --no-install-recommends $need >/dev/null ||\n"
	"\t\t\tdie \"apt-get install$need failed\"\n"
	"\tfi\n"
	"\tif ! has_deb_src; then\n"
	"\t\t[ \"$(id -u)\" = 0 ] || die \"no deb-src line in /etc/apt and not root to add one\"\n"
	"\t\tdeb_src\n"
	"\tfi\n"
	"}\n"
	"\n"
	"step_sources() {\n"
	"\t# everything but the other architectures' code and the documentation\n"
	"\ttar -xJf /usr/src/linux-source-6.1.tar.xz -C \"$W\" \\\n"
	"\t\t--exclude='linux-source-6.1/Documentation/*/*' \\\n"
	"\t\t--exclude='linux-source-6.1/arch/[a-qs-z]*/*.[chS]' \\\n"
	"\t\t--exclude='linux-source-6.1/arch/*/boot/dts' linux-source-6.1 ||\n"
	"\t\tdie \"cannot unpack /usr/src/linux-source-6.1.tar.xz\"\n"
	"\tmkdir -p \"$W/bb\"\n"
	"\t(cd \"$W/bb\" && apt-get source -qq \"busybox=$IMG_BBVER\" >/dev/null 2>\"$W/apt.err\") || {\n"
	"\t\tsed 's/^/  /' \"$W/apt.err\" >&2\n"
	"\t\tdie \"apt-get source busybox=$IMG_BBVER failed\"\n"
	"\t}\n"
	"}\n"
	"\n"
	"# what the reference guest needs, on top of tinyconfig\n"
	"KOPTS_Y=\"MMU ARCH_RV64I SOC_VIRT RISCV_SBI_V01 FPU RISCV_ISA_C SMP\n"
	" SIFIVE_PLIC TTY PRINTK BUG SERIAL_8250 SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM\n"
	" SERIAL_EARLYCON SERIAL_EARLYCON_RISCV_SBI HVC_RISCV_SBI UNIX98_PTYS\n"
	" VIRTIO_MENU VIRTIO_MMIO VIRTIO_MMIO_CMDLINE_DEVICES BLK_DEV VIRTIO_BLK\n"
	" NETDEVICES NET_CORE VIRTIO_NET VIRTIO_CONSOLE HW_RANDOM HW_RANDOM_VIRTIO\n"
	" BLOCK EXT4_FS EXT4_USE_FOR_EXT2 DEVTMPFS DEVTMPFS_MOUNT BLK_DEV_INITRD\n"
	" RD_GZIP BINFMT_ELF BINFMT_SCRIPT PROC_FS PROC_SYSCTL SYSFS TMPFS SHMEM\n"
	" MULTIUSER FUTEX EPOLL SIGNALFD TIMERFD EVENTFD POSIX_TIMERS FILE_LOCKING\n"
	" ADVISE_SYSCALLS AIO HIGH_RES_TIMERS NET INET UNIX PACKET\n"
	" POWER_RESET POWER_RESET_SYSCON POWER_RESET_SYSCON_POWEROFF KALLSYMS\"\n"
	"# EFI stays: PORTABLE (= !NONPORTABLE) selects it in 6.1\n"
	"KOPTS_N=\"NONPORTABLE RISCV_M_MODE CMDLINE_FORCE MODULES\"\n"
	"# what the build must end up with (some are selected, not set)\n"
	"KOPTS_CHECK=\"MMU 64BIT SOC_VIRT RISCV_SBI RISCV_SBI_V01 FPU RISCV_ISA_C SMP\n"
	" SIFIVE_PLIC TTY PRINTK SERIAL_8250 SERIAL_8250_CONSOLE SERIAL_OF_PLATFORM\n"
	" VIRTIO_MMIO VIRTIO_BLK VIRTIO_NET VIRTIO_CONSOLE HW_RANDOM_VIRTIO EXT4_FS\n"
	" DEVTMPFS DEVTMPFS_MOUNT BLK_DEV_INITRD BINFMT_ELF BINFMT_SCRIPT PROC_FS SYSFS\n"
	" NET INET UNIX POWER_RESET POWER_RESET_SYSCON_POWEROFF RISCV_TIMER\"\n"
	"\n"
	"kmake() {\n"
	"\tmake -s -C \"$W/linux-source-6.1\" O=\"$W/kbuild\" ARCH=riscv \\\n"
	"\t\tCROSS_COMPILE=$CROSS -j\"$J\" \"$@\"\n"
	"}\n"
	"\n"
	"step_kconfig() {\n"
	"\tkmake tinyconfig >/dev/null\n"
	"\tc=\"$W/linux-source-6.1/scripts/config --file $W/kbuild/.config\"\n"
	"\tfor o in $KOPTS_Y; do $c -e \"$o\"; done\n"
	"\t$c --set-val NR_CPUS 64 --set-str CMDLINE \"\"\n"
	"\tkmake olddefconfig >/dev/null\n"
	"\t# a second pass: a symbol that only MMU made visible has only now\n"
	"\t# a default to override\n"
	"\tfor o in $KOPTS_N; do $c -d \"$o\"; done\n"
	"\tkmake olddefconfig >/dev/null\n"
	"\tmissing=\n"
	"\tfor o in $KOPTS_CHECK; do\n"
	"\t\tgrep -qx \"CONFIG_$o=y\" \"$W/kbuild/.config\" || missing=\"$missing $o\"\n"
	"\tdone\n"
	"\tfor o in $KOPTS_N; do\n"
	"\t\tgrep -qx \"CONFIG_$o=y\" \"$W/kbuild/.config\" && missing=\"$missing !$o\"\n"
	"\tdone\n"
	"\t[ -z \"$missing\" ] || die \"kernel .config lacks:$missing\"\n"
	"\tcp \"$W/kbuild/.config\" \"$W/out/kernel.config\"\n"
	"}\n"
	"\n"
	"step_kernel() {\n"
	"\tkmake Image >\"$W/kernel.log\" 2>&1 || { tail -n 30 \"$W/kernel.log\" >&2; die \"kernel build failed\"; }\n"
	"\tcp \"$W/kbuild/arch/riscv/boot/Image\" \"$W/out/Image\"\n"
	"\tkmake -s kernelrelease >\"$W/out/kernel.release\"\n"
	"}\n"
	"\n"
	"bbconf() {\t# set (y) or clear (n) a busybox .config option\n"
	"\tsed -i -e \"/^$1=/d\" -e \"/^# $1 is not set/d\" .config\n"
	"\tif [ \"$2\" = y ]; then echo \"$1=y\" >>.config; else echo \"# $1 is not set\" >>.config; fi\n"
	"}\n"
	"\n"
	"step_busybox() {\n"
	"\tsrc=$(find \"$W/bb\" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n 1)\n"
	"\t[ -n \"$src\" ] || die \"apt-get source gave no busybox folder\"\n"
	"\tcd \"$src\"\n"
	"\tmk=\"make -s -j$J CROSS_COMPILE=$CROSS\"\n"
	"\t$mk defconfig >/dev/null\n"
	"\tbbconf CONFIG_STATIC y\n"
	"\t# tc needs kernel headers older than Debian's linux-libc-dev (CBQ)\n"
	"\tbbconf CONFIG_TC n\n"
	"\tbbconf CONFIG_FEATURE_TC_INGRESS n\n"
	"\tyes '' | $mk oldconfig >/dev/null\n"
	"\t$mk busybox >\"$W/busybox.log\" 2>&1 || { tail -n 30 \"$W/busybox.log\" >&2; die \"busybox build failed\"; }\n"
	"\t# e_machine (bytes 18-19) 243: riscv\n"
	"\t[ \"$(od -An -tu2 -j18 -N2 busybox | tr -d ' ')\" = 243 ] || die \"busybox is not a riscv64 program\"\n"
	"\tmkdir -p \"$W/root\"\n"
	"\t$mk install CONFIG_PREFIX=\"$W/root\" >/dev/null\n"
	"\tcp .config \"$W/out/busybox.config\"\n"
	"}\n"
	"\n"
	"# the folders and files both the initramfs and the root disk get\n"
	"skeleton() {\n"
	"\tr=$W/root\n"
	"\tfor d in dev proc sys tmp run root mnt etc etc/init.d var/tmp var/log home; do mkdir -p \"$r/$d\"; done\n"
	"\tchmod 1777 \"$r/tmp\" \"$r/var/tmp\"\n"
	"\tprintf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n' >\"$r/etc/passwd\"\n"
	"\tprintf 'root:x:0:\\nnogroup:x:65534:\\n' >\"$r/etc/group\"\n"
	"\tprintf '127.0.0.1\\tlocalhost\\n' >\"$r/etc/hosts\"\n"
	"\t: >\"$r/etc/resolv.conf\"\n"
	"\tcat >\"$r/etc/init.d/rcS\" <<-'RCS'\n"
	"\t#!/bin/sh\n"
	"\t# mounts what a shell expects and says hello on the console\n"
	"\tmount -t proc proc /proc\n"
	"\tmount -t sysfs sysfs /sys\n"
	"\tmountpoint -q /dev || mount -t devtmpfs devtmpfs /dev\n"
	"\tmkdir -p /dev/pts && mount -t devpts devpts /dev/pts\n"
	"\thostname strata-rv\n"
	"\tip link set lo up 2>/dev/null\n"
	"\techo \"strata reference guest: Linux $(uname -r) $(uname -m), $(nproc) cpus\"\n"
	"\tRCS\n"
	"\tchmod 755 \"$r/etc/init.d/rcS\"\n"
	"\t# initramfs: rcS then a shell with job control on the console\n"
	"\tcat >\"$r/init\" <<-'INIT'\n"
	"\t#!/bin/sh\n"
	"\t/etc/init.d/rcS\n"
	"\texec setsid cttyhack /bin/sh\n"
	"\tINIT\n"
	"\tchmod 755 \"$r/init\"\n"
	"\t# root disk (/sbin/init is busybox init): the same, respawned\n"
	"\tprintf '::sysinit:/etc/init.d/rcS\\n::respawn:-/bin/sh\\n::ctrlaltdel:/sbin/reboot\\n::shutdown:/bin/umount -a -r\\n' \\\n"
	"\t\t>\"$r/etc/inittab\"\n"
	"}\n"
	"\n"
	"step_initramfs() {\n"
	"\tskeleton\n"
	"\t# gen_init_cpio (built with the kernel) writes the device nodes\n"
	"\t# into the archive, so no mknod and no root are needed\n"
	"\tlist=$W/initramfs.list\n"
	"\t(cd \"$W/root\" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do\n"
	"\t\tn=${p#.}\n"
	"\t\tm=$(stat -c %a \"$p\")\n"
	"\t\tif [ -L \"$p\" ]; then\n"
	"\t\t\techo \"slink $n $(readlink \"$p\") $m 0 0\"\n"
	"\t\telif [ -d \"$p\" ]; then\n"
	"\t\t\techo \"dir $n $m 0 0\"\n"
	"\t\telse\n"
	"\t\t\techo \"file $n $W/root$n $m 0 0\"\n"
	"\t\tfi\n"
	"\tdone) >\"$list\"\n"
	"\techo \"nod /dev/console 0600 0 0 c 5 1\" >>\"$list\"\n"
	"\techo \"nod /dev/null 0666 0 0 c 1 3\" >>\"$list\"\n"
	"\t\"$W/kbuild/usr/gen_init_cpio\" \"$list\" >\"$W/out/initramfs.cpio\" ||\n"
	"\t\tdie \"gen_init_cpio failed\"\n"
	"}\n"
	"\n"
	"step_rootdisk() {\n"
	"\trm -f \"$W/root/init\"\n"
	"\t# busybox init's /sbin/init comes from `make install`\n"
	"\tmke2fs -q -t ext4 -L strata-rv -d \"$W/root\" -E root_owner=0:0 \\\n"
	"\t\t\"$W/out/rootfs.ext4\" 64M >\"$W/mke2fs.log\" 2>&1 ||\n"
	"\t\t{ cat \"$W/mke2fs.log\" >&2; die \"mke2fs failed\"; }\n"
	"}\n"
	"\n"
	"case ${1:-} in\n"
	"key|deps|sources|kconfig|kernel|busybox|initramfs|rootdisk) \"step_$1\" ;;\n"
	"*) die \"unknown step ${1:-}\" ;;\n"
	"esac\n";
/* END SCRIPT */

struct step {
	const char *name;	/* the script's step_NAME */
	const char *what;	/* for the progress line */
};

static const struct step steps[] = {
	{ "deps", "Debian packages (linux-source-6.1, cross compiler, tools)" },
	{ "sources", "unpacking linux-source-6.1, apt-get source busybox" },
	{ "kconfig", "kernel config (tinyconfig + virt, virtio, ext4, net)" },
	{ "kernel", "building the kernel (Image)" },
	{ "busybox", "building busybox (static)" },
	{ "initramfs", "initramfs (cpio)" },
	{ "rootdisk", "root disk (ext4)" },
};
#define NSTEPS ((int)(sizeof(steps) / sizeof(steps[0])))

/* the files a finished image holds, as printed: name, then path */
static const char *const outputs[][2] = {
	{ "kernel", "Image" },
	{ "initrd", "initramfs.cpio" },
	{ "disk", "rootfs.ext4" },
};
#define NOUTPUTS ((int)(sizeof(outputs) / sizeof(outputs[0])))

struct build {
	char dir[PATH_LEN];	/* images/riscv64 */
	char key[320];		/* the cache entry's folder name */
	char kver[128], bbver[128];
	char work[PATH_LEN];	/* .build-XXXXXX while building, else "" */
	char jobs[16];
	int rebuild;		/* --rebuild: replace an entry of the same key */
	struct timespec t0;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static long elapsed_s(const struct build *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - b->t0.tv_sec);
}

static void progress(const struct build *b, int n, const char *what,
		     const char *state)
{
	long s = elapsed_s(b);

	fprintf(stderr, "strata: vm image: step %d/%d: %s%s (%ld:%02ld elapsed)\n",
		n, NSTEPS, what, state, s / 60, s % 60);
}

static void child_exec(const struct build *b, const char *step, int out_fd)
{
	setpgid(0, 0);
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	setenv("IMG_WORK", b->work, 1);
	setenv("IMG_KVER", b->kver, 1);
	setenv("IMG_BBVER", b->bbver, 1);
	setenv("IMG_JOBS", b->jobs, 1);
	setenv("LC_ALL", "C", 1);
	execl("/bin/sh", "sh", "-c", image_script, "strata-image", step,
	      (char *)NULL);
	_exit(127);
}

/* Wait for a step, saying every HEARTBEAT_S that it still runs.  On
 * SIGINT/SIGTERM/SIGHUP its whole process group (make and its
 * compilers) is stopped before we return. */
static int wait_step(const struct build *b, pid_t pid, int n, int *status)
{
	long last = elapsed_s(b);
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (stop_signal) {
			kill(-pid, SIGTERM);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -EINTR;
		}
		if (elapsed_s(b) - last >= HEARTBEAT_S) {
			last = elapsed_s(b);
			progress(b, n, steps[n - 1].what, ": running");
		}
		nanosleep(&tick, NULL);
	}
}

static int run_step(const struct build *b, int n, struct err *e)
{
	const struct step *s = &steps[n - 1];
	int status, ret;
	pid_t pid;

	if (stop_signal)
		return err_msg(e, -EINTR, "interrupted (signal %d) before step %d/%d (%s)",
			       (int)stop_signal, n, NSTEPS, s->name);
	progress(b, n, s->what, "");
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return err_set(e, -errno, "fork");
	if (!pid)
		child_exec(b, s->name, STDERR_FILENO);
	setpgid(pid, pid);
	ret = wait_step(b, pid, n, &status);
	if (ret == -EINTR)
		return err_msg(e, ret, "interrupted (signal %d) in step %d/%d (%s)",
			       (int)stop_signal, n, NSTEPS, s->name);
	if (ret < 0)
		return err_set(e, ret, "wait for step %s", s->name);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return err_msg(e, -EIO, "step %d/%d (%s) failed%s", n, NSTEPS,
			       s->name, WIFEXITED(status) ? "" : " (killed)");
	return 0;
}

/* The script's `key` step: "LINUX_VERSION BUSYBOX_VERSION", either
 * empty when neither installed nor known to apt. */
static int read_versions(struct build *b, struct err *e)
{
	char buf[512];
	size_t len = 0;
	int fds[2], status;
	pid_t pid;
	ssize_t r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, -errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, -errno, "fork");
	}
	if (!pid)
		child_exec(b, "key", fds[1]);
	close(fds[1]);
	while (len < sizeof(buf) - 1) {
		r = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(fds[0]);
	buf[len] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return err_msg(e, -EIO, "cannot tell the source versions");
	b->kver[0] = b->bbver[0] = 0;
	if (sscanf(buf, "%127s %127s", b->kver, b->bbver) < 1)
		b->kver[0] = 0;
	return 0;
}

/* Debian versions hold ':' and '~', which we keep out of file names. */
static void make_key(struct build *b)
{
	char *p;

	snprintf(b->key, sizeof(b->key), "%s-linux-%s-busybox-%s",
		 IMAGE_RECIPE, b->kver, b->bbver);
	for (p = b->key; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.+-_", *p))
			*p = '_';
}

static int have_versions(const struct build *b)
{
	return b->kver[0] && b->bbver[0];
}

static int is_built(const struct build *b)
{
	char path[PATH_LEN];
	struct err e;
	int i;

	for (i = 0; i < NOUTPUTS; i++) {
		if (fs_path(path, &e, "%s/%s/%s", b->dir, b->key, outputs[i][1]) < 0 ||
		    !fs_exists(path))
			return 0;
	}
	return 1;
}

static void print_paths(const struct build *b)
{
	int i;

	for (i = 0; i < NOUTPUTS; i++)
		printf("%-7s %s/%s/%s\n", outputs[i][0], b->dir, b->key,
		       outputs[i][1]);
}

/* A build killed outright (SIGKILL, power loss) leaves its folder; the
 * next build, holding the lock, knows no other build owns it. */
static void remove_stale(const struct build *b)
{
	char path[PATH_LEN];
	struct dirent *d;
	struct err e;
	DIR *dir = opendir(b->dir);

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, ".build-", 7))
			continue;
		if (fs_path(path, &e, "%s/%s", b->dir, d->d_name) == 0 &&
		    fs_rm_rf(path, &e) < 0)
			log_warn("vm image: %s", e.msg);
	}
	closedir(dir);
}

static int write_versions(const struct build *b, struct err *e)
{
	char path[PATH_LEN], text[1024];
	int len;

	if (fs_path(path, e, "%s/out/versions", b->work) < 0)
		return e->code;
	len = snprintf(text, sizeof(text),
		       "recipe %s\nlinux-source-6.1 %s\nbusybox %s\nbuild-seconds %ld\n",
		       IMAGE_RECIPE, b->kver, b->bbver, elapsed_s(b));
	return fs_write_atomic(path, text, len, e);
}

/* Move the finished out/ folder to its key; an older build of the same
 * key (--rebuild) is moved aside into the work folder first, so the
 * entry is never half old, half new. */
static int install_build(const struct build *b, struct err *e)
{
	char out[PATH_LEN], dest[PATH_LEN], old[PATH_LEN];

	if (fs_path(out, e, "%s/out", b->work) < 0 ||
	    fs_path(dest, e, "%s/%s", b->dir, b->key) < 0 ||
	    fs_path(old, e, "%s/old", b->work) < 0)
		return e->code;
	if (rename(dest, old) < 0 && errno != ENOENT)
		return err_set(e, -errno, "rename %s", dest);
	if (rename(out, dest) < 0)
		return err_set(e, -errno, "rename %s to %s", out, dest);
	return 0;
}

/* Returns 1 when step 1 found the image built after all (the packages it
 * installed made the key one that is cached). */
static int build_steps(struct build *b, struct err *e)
{
	int n, ret;

	for (n = 1; n <= NSTEPS; n++) {
		ret = run_step(b, n, e);
		if (ret < 0)
			return ret;
		if (n == 1) {
			/* installing may have changed what the key is */
			ret = read_versions(b, e);
			if (ret < 0)
				return ret;
			if (!have_versions(b))
				return err_msg(e, -ENOENT,
					       "no linux-source-6.1 or busybox source package version");
			make_key(b);
			/* what was installed may be what is built */
			if (!b->rebuild && is_built(b))
				return 1;
		}
	}
	ret = write_versions(b, e);
	return ret < 0 ? ret : install_build(b, e);
}

static int build(struct build *b, struct err *e)
{
	struct sigaction sa = { .sa_handler = on_stop }, old[3];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	char path[PATH_LEN];
	struct err rm_err;
	int i, ret = 0;

	remove_stale(b);
	if (fs_path(b->work, e, "%s/.build-XXXXXX", b->dir) < 0)
		return e->code;
	if (!mkdtemp(b->work))
		return err_set(e, -errno, "mkdtemp %s", b->work);
	if (fs_path(path, e, "%s/out", b->work) == 0 &&
	    fs_mkdir_p(path, 0755, e) == 0) {
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &sa, &old[i]);
		ret = build_steps(b, e);
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
	}
	/* after success only the moved-aside old entry is left in it */
	if (fs_rm_rf(b->work, &rm_err) < 0)
		log_warn("vm image: %s", rm_err.msg);
	b->work[0] = 0;
	return e->code ? e->code : ret;
}

static void image_help(FILE *f, const struct opt *opts)
{
	fprintf(f,
		"NAME\n"
		"  strata vm image - the reference guest, built once from Debian's sources\n\n"
		"SYNOPSIS\n"
		"  strata vm image riscv64 [--rebuild] [--cached] [--jobs N]\n\n"
		"DESCRIPTION\n"
		"  Builds a riscv64 Linux kernel from Debian's linux-source-6.1 with the\n"
		"  cross compiler (tinyconfig plus the virt machine, SBI, 8250 and\n"
		"  virtio-mmio devices, ext4 and IPv4, all built in), and from Debian's\n"
		"  busybox source package a static busybox, packed as an initramfs\n"
		"  (/init mounts proc, sys, dev and runs a shell on the console) and\n"
		"  as an ext4 root disk (busybox init).  Missing Debian packages are\n"
		"  installed.  The result is kept in $STRATA_IMAGES/riscv64 (default\n"
		"  $STRATA_ROOT/images/riscv64) under the source versions; a second\n"
		"  call prints the paths at once.  Progress goes to stderr; stdout\n"
		"  gets one line per file: kernel PATH, initrd PATH, disk PATH.\n\n"
		"OPTIONS\n");
	opt_help(f, opts);
	fprintf(f,
		"\nEXIT STATUS\n"
		"  0 built or cached, 1 the build failed (nothing is left behind),\n"
		"  2 usage error, 3 --cached and not built yet\n\n"
		"EXAMPLE\n"
		"  qemu-system-riscv64 -M virt -nographic -append console=ttyS0 \\\n"
		"      $(strata vm image riscv64 | awk '{ printf \"-%%s %%s \", $1, $2 }')\n");
}

/* Absolute: the build steps run in other directories, and the paths we
 * print must work from anywhere. */
static int images_dir(struct build *b, struct err *e)
{
	const char *images = getenv("STRATA_IMAGES");
	char base[PATH_LEN], cwd[PATH_LEN] = "";
	int ret;

	if (images && *images)
		ret = fs_path(base, e, "%s", images);
	else
		ret = fs_path(base, e, "%s/images", fs_root());
	if (ret < 0)
		return ret;
	if (base[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return err_set(e, -errno, "current directory");
	if (base[0] == '/')
		return fs_path(b->dir, e, "%s/riscv64", base);
	return fs_path(b->dir, e, "%s/%s/riscv64", cwd, base);
}

static int image_riscv64(int rebuild, int cached, const char *jobs)
{
	struct build b = { .work = "" };
	struct err e = { 0 };
	char lock[PATH_LEN];
	int fd, ret;

	clock_gettime(CLOCK_MONOTONIC, &b.t0);
	b.rebuild = rebuild;
	snprintf(b.jobs, sizeof(b.jobs), "%s", jobs);
	if (images_dir(&b, &e) < 0 || read_versions(&b, &e) < 0)
		goto fail;
	make_key(&b);
	if (!rebuild && have_versions(&b) && is_built(&b)) {
		print_paths(&b);
		return 0;
	}
	if (cached) {
		fprintf(stderr, "strata: vm image riscv64: not built yet\n");
		return 3;
	}
	if (fs_mkdir_p(b.dir, 0755, &e) < 0 ||
	    fs_path(lock, &e, "%s/.lock", b.dir) < 0)
		goto fail;
	fd = fs_lock(lock, &e);
	if (fd < 0)
		goto fail;
	/* another build may have finished while we waited for the lock */
	if (!rebuild && have_versions(&b) && is_built(&b)) {
		fs_unlock(fd);
		print_paths(&b);
		return 0;
	}
	ret = build(&b, &e);
	fs_unlock(fd);
	if (ret < 0)
		goto fail;
	if (ret == 0)
		fprintf(stderr, "strata: vm image: built in %ld:%02ld: %s/%s\n",
			elapsed_s(&b) / 60, elapsed_s(&b) % 60, b.dir, b.key);
	print_paths(&b);
	return 0;
fail:
	err_wrap(&e, "vm image riscv64");
	err_print(&e);
	return 1;
}

int vm_image_main(int argc, char **argv)
{
	int rebuild = 0, cached = 0, help = 0;
	const char *jobs = NULL;
	const struct opt opts[] = {
		{ "rebuild", 0, OPT_FLAG, &rebuild, NULL, "build again even when cached" },
		{ "cached", 0, OPT_FLAG, &cached, NULL, "never build: print the paths or exit 3" },
		{ "jobs", 'j', OPT_STR, &jobs, "N", "parallel compile jobs (default: online CPUs)" },
		{ "help", 'h', OPT_FLAG, &help, NULL, "show this help" },
		OPT_END
	};
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	char ncpu[16];
	int ret = 2;
	char *end;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0) {
		fprintf(stderr, "strata: vm image: %s\n", e.msg);
		goto out;
	}
	if (help) {
		image_help(stdout, opts);
		ret = 0;
		goto out;
	}
	if (pa.npos != 1 || pa.dashdash) {
		fprintf(stderr, "strata: vm image: one architecture expected: riscv64 (see --help)\n");
		goto out;
	}
	if (strcmp(pa.pos[0], "riscv64")) {
		fprintf(stderr, "strata: vm image: %s: no reference guest for this architecture (riscv64 only)\n",
			pa.pos[0]);
		goto out;
	}
	if (jobs && (strtol(jobs, &end, 10) < 1 || strtol(jobs, NULL, 10) > 256 || *end)) {
		fprintf(stderr, "strata: vm image: --jobs %s: not a number from 1 to 256\n", jobs);
		goto out;
	}
	if (!jobs) {
		snprintf(ncpu, sizeof(ncpu), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
		jobs = ncpu;
	}
	ret = image_riscv64(rebuild, cached, jobs);
out:
	opt_args_free(&pa);
	return ret;
}
