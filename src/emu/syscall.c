/*
 * syscall -- riscv64 Linux system calls answered on an x86-64 host.
 *
 * The guest's numbers are the asm-generic table (include/uapi/asm-generic/
 * unistd.h), the host's are x86-64's own.  Guest addresses are host
 * addresses (mem_base 0), so a pointer argument goes to the host kernel
 * as it is and a bad one earns -EFAULT there, never a crash of strata;
 * where strata itself reads or writes guest memory it goes through
 * guest_read()/guest_write(), which fail the same way.
 *
 * Most structures have one layout on every 64-bit Linux (timespec,
 * rlimit, utsname, dirent64, statx, sockaddr, msghdr, termios).  The ones
 * that differ are converted here: struct stat (riscv64 uses the generic
 * layout, x86-64 its own) and struct epoll_event (packed on x86-64).
 * Threads and signal delivery live in user.c and usignal.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/rtc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "emu/elf.h"
#include "emu/jit.h"
#include "emu/safe_syscall.h"
#include "emu/syscall.h"

#define RV_NR_MAX	450
#define RV_AT_FDCWD	(-100)

typedef long (*sc_fn)(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a);

struct sc_entry {
	const char *name;
	long host;		/* x86-64 number for a plain pass-through */
	sc_fn fn;		/* or the translation */
};

static long sc_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* ---- guest memory seen by strata ------------------------------------ */

/* user_copy() catches a bad address itself; outside a guest run,
 * process_vm_readv on ourselves reports one as an error instead of
 * faulting. */
long guest_read(void *dst, uint64_t src, size_t len)
{
	struct iovec l = { dst, len }, r = { (void *)(uintptr_t)src, len };
	long n = user_copy(dst, (const void *)(uintptr_t)src, len);

	if (n != -ENOSYS)
		return n || !len ? n : -EFAULT;
	n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return n < 0 ? -EFAULT : n;
}

long guest_write(uint64_t dst, const void *src, size_t len)
{
	struct iovec l = { (void *)src, len }, r = { (void *)(uintptr_t)dst, len };
	long n = user_copy((void *)(uintptr_t)dst, src, len);

	if (n == -ENOSYS)
		n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	return n == (long)len ? 0 : -EFAULT;
}

/* A NUL-terminated guest string into @buf (PATH_MAX bytes), a page at a
 * time: a string that ends just before an unmapped page (the top of the
 * stack) is read without touching it, and without a fault to catch. */
static long guest_path(char *buf, uint64_t addr)
{
	size_t got = 0;

	while (got < PATH_MAX) {
		size_t want = PAGE - ((addr + got) & (PAGE - 1));
		long n;

		if (want > PATH_MAX - got)
			want = PATH_MAX - got;
		n = guest_read(buf + got, addr + got, want);
		if (n < 0)
			return n;
		if (memchr(buf + got, '\0', n))
			return 0;
		got += n;
		if ((size_t)n < want)
			return -EFAULT;
	}
	return -ENAMETOOLONG;
}

/* A host call that may block: a guest signal caught before it enters the
 * kernel stops it (safe_syscall.h); @blocked is the mask it runs under. */
static long sc_safe(struct rv_cpu *cpu, const uint64_t *blocked, long nr,
		    const uint64_t *a)
{
	return emu_safe_syscall(&emu_thread_of(cpu)->pending, blocked, nr, a);
}

/* ---- paths: the sysroot and /proc/self/exe -------------------------- */

static int is_self_exe(const char *path)
{
	char own[64];

	if (!strcmp(path, "/proc/self/exe") || !strcmp(path, "/proc/thread-self/exe"))
		return 1;
	snprintf(own, sizeof(own), "/proc/%d/exe", getpid());
	return !strcmp(path, own);
}

/* The path the host should use for guest path @addr: @out holds it.
 * Like qemu-user's -L, an absolute path that names a file (not a folder)
 * under the sysroot means that file: the guest's dynamic loader looks
 * for /lib/libc.so.6 and finds the riscv64 one.  /proc/self/exe is the
 * guest program, except for a call that does not follow a final
 * symlink (@nofollow): that one sees the host's link, as an lstat()
 * natively sees a link (its target is readlinkat's business). */
static long sc_path_at(struct emu_proc *p, uint64_t addr, char *out,
		       size_t cap, int nofollow)
{
	const char *root = p->opts->sysroot;
	char in[PATH_MAX];
	struct stat st;
	long ret;

	ret = guest_path(in, addr);
	if (ret < 0)
		return ret;
	if (is_self_exe(in) && !nofollow) {
		snprintf(out, cap, "%s", p->exe);
		return 0;
	}
	if (is_self_exe(in)) {
		snprintf(out, cap, "%s", in);
		return 0;
	}
	if (in[0] == '/' && in[1] && root && root[0] &&
	    (size_t)snprintf(out, cap, "%s%s", root, in) < cap &&
	    stat(out, &st) == 0 && !S_ISDIR(st.st_mode))
		return 0;
	snprintf(out, cap, "%s", in);
	return 0;
}

static long sc_path(struct emu_proc *p, uint64_t addr, char *out, size_t cap)
{
	return sc_path_at(p, addr, out, cap, 0);
}

/* ---- files ------------------------------------------------------------ */

/* asm-generic struct stat, the one riscv64 uses (128 bytes). */
struct rv_stat {
	uint64_t dev, ino;
	uint32_t mode, nlink, uid, gid;
	uint64_t rdev, pad1;
	int64_t size;
	int32_t blksize, pad2;
	int64_t blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	uint32_t unused4, unused5;
};
_Static_assert(sizeof(struct rv_stat) == 128, "riscv64 struct stat is 128 bytes");

static long stat_out(uint64_t addr, const struct stat *st)
{
	struct rv_stat r = {
		.dev = st->st_dev, .ino = st->st_ino, .mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink, .uid = st->st_uid, .gid = st->st_gid,
		.rdev = st->st_rdev, .size = st->st_size, .blksize = (int32_t)st->st_blksize,
		.blocks = st->st_blocks,
		.atime = st->st_atim.tv_sec, .atime_nsec = st->st_atim.tv_nsec,
		.mtime = st->st_mtim.tv_sec, .mtime_nsec = st->st_mtim.tv_nsec,
		.ctime = st->st_ctim.tv_sec, .ctime_nsec = st->st_ctim.tv_nsec,
	};

	return guest_write(addr, &r, sizeof(r));
}

static long sc_fstat(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct stat st;

	if (syscall(SYS_fstat, (int)a[0], &st) < 0)
		return -errno;
	return stat_out(a[1], &st);
}

static long sc_newfstatat(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	char path[PATH_MAX];
	struct stat st;
	uint64_t b[6] = { a[0], (uint64_t)(uintptr_t)path,
			  (uint64_t)(uintptr_t)&st, a[3] };
	long ret;

	/* AT_EMPTY_PATH with "" is fstat: no sysroot games then */
	ret = sc_path_at(p, a[1], path, sizeof(path), a[3] & AT_SYMLINK_NOFOLLOW);
	if (ret < 0)
		return ret;
	ret = sc_safe(cpu, &emu_thread_of(cpu)->sigmask, SYS_newfstatat, b);
	if (ret < 0)
		return ret;
	return stat_out(a[2], &st);
}

/* Calls whose argument @i is a path: the host gets the translated one
 * (@nofollow: the call does not follow a final symlink).  Through
 * sc_safe(), as any of them may block: the open of a FIFO waits for the
 * other end, and a path on a network or FUSE file system for its server;
 * a guest signal then interrupts it as it would natively. */
static long sc_host_path_call(struct rv_cpu *cpu, long nr, const uint64_t *a,
			      int i, const char *path)
{
	uint64_t b[6];

	memcpy(b, a, sizeof(b));
	b[i] = (uint64_t)(uintptr_t)path;
	return sc_safe(cpu, &emu_thread_of(cpu)->sigmask, nr, b);
}

static long sc_path_call_at(struct emu_proc *p, struct rv_cpu *cpu, long nr,
			    const uint64_t *a, int i, int nofollow)
{
	char path[PATH_MAX];
	long ret;

	ret = sc_path_at(p, a[i], path, sizeof(path), nofollow);
	if (ret < 0)
		return ret;
	return sc_host_path_call(cpu, nr, a, i, path);
}

static long sc_path_call(struct emu_proc *p, struct rv_cpu *cpu, long nr,
			 const uint64_t *a, int i)
{
	return sc_path_call_at(p, cpu, nr, a, i, 0);
}

static long sc_openat(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	char path[PATH_MAX];
	long fd;

	/* the path read and translated once, then the guest's own
	 * /proc/self files (userproc.c) or the host's open */
	fd = sc_path(p, a[1], path, sizeof(path));
	if (fd < 0)
		return fd;
	if (!strncmp(path, "/proc/", 6) && user_proc_open(p, path, (int)a[2], &fd))
		return fd;
	return sc_host_path_call(cpu, SYS_openat, a, 1, path);
}

static long sc_statx(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_path_call_at(p, cpu, SYS_statx, a, 1, a[2] & AT_SYMLINK_NOFOLLOW);
}

static long sc_faccessat(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_path_call(p, cpu, SYS_faccessat, a, 1);
}

static long sc_faccessat2(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_path_call(p, cpu, SYS_faccessat2, a, 1);
}

/* /proc/self/exe names the guest program, not strata. */
static long sc_readlinkat(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	char path[PATH_MAX];
	size_t n;
	long ret;

	ret = guest_path(path, a[1]);
	if (ret < 0)
		return ret;
	if (is_self_exe(path)) {
		n = strlen(p->exe);
		if (n > a[3])
			n = a[3];
		ret = guest_write(a[2], p->exe, n);
		return ret < 0 ? ret : (long)n;
	}
	return sc_path_call(p, cpu, SYS_readlinkat, a, 1);
}

/* Terminal and file ioctls whose numbers and argument layouts are the
 * same on riscv64 and x86-64 (both use asm-generic/ioctls.h); anything
 * else could carry a structure strata does not know, so it is refused. */
static long sc_ioctl(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	switch ((unsigned int)a[1]) {
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
	case TCSBRK: case TCXONC: case TCFLSH:
	case TIOCSCTTY: case TIOCGPGRP: case TIOCSPGRP: case TIOCGWINSZ:
	case TIOCSWINSZ: case TIOCNOTTY: case TIOCGSID: case TIOCGPTN:
	case TIOCSPTLCK: case FIONREAD: case FIONBIO: case FIOCLEX:
	case FIONCLEX: case FIOASYNC:
	case TIOCOUTQ: case TIOCEXCL: case TIOCNXCL: case TIOCMGET:
	case TIOCMSET: case TIOCGETD: case TIOCSETD: case TIOCVHANGUP:
	case TIOCCONS:
	/* block devices, file flags, trim: integers and __u64s */
	case BLKGETSIZE: case BLKGETSIZE64: case BLKSSZGET: case BLKBSZGET:
	case BLKPBSZGET: case BLKIOMIN: case BLKIOOPT: case BLKALIGNOFF:
	case BLKROGET: case BLKRRPART: case BLKFLSBUF: case BLKDISCARD:
	case FS_IOC_GETFLAGS: case FS_IOC_SETFLAGS: case FS_IOC_GETVERSION:
	case FITRIM:
	/* loop devices: the 64-bit status only (struct loop_info holds an
	 * old dev_t, unsigned long on x86-64 and unsigned int on riscv64) */
	case LOOP_SET_FD: case LOOP_CLR_FD: case LOOP_SET_STATUS64:
	case LOOP_GET_STATUS64: case LOOP_CHANGE_FD: case LOOP_SET_CAPACITY:
	case LOOP_SET_DIRECT_IO: case LOOP_SET_BLOCK_SIZE: case LOOP_CONFIGURE:
	case LOOP_CTL_ADD: case LOOP_CTL_REMOVE: case LOOP_CTL_GET_FREE:
	/* network interfaces (struct ifreq, ifconf, rtentry, arpreq: the
	 * same on both 64-bit ABIs): ifconfig, route, arp, ip's fallbacks */
	case SIOCGIFCONF: case SIOCGIFNAME: case SIOCGIFINDEX:
	case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR: case SIOCSIFADDR:
	case SIOCGIFDSTADDR: case SIOCSIFDSTADDR: case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR: case SIOCGIFNETMASK: case SIOCSIFNETMASK:
	case SIOCGIFMETRIC: case SIOCSIFMETRIC: case SIOCGIFMTU: case SIOCSIFMTU:
	case SIOCSIFNAME: case SIOCGIFHWADDR: case SIOCSIFHWADDR:
	case SIOCGIFTXQLEN: case SIOCSIFTXQLEN: case SIOCGIFMAP: case SIOCSIFMAP:
	case SIOCADDRT: case SIOCDELRT: case SIOCGARP: case SIOCSARP:
	case SIOCDARP:
	/* the real-time clock (struct rtc_time: nine ints): hwclock */
	case RTC_RD_TIME: case RTC_SET_TIME:
		return sc_ret(syscall(SYS_ioctl, (int)a[0], (unsigned long)a[1], a[2]));
	default:
		if (p->opts->strace)
			fprintf(stderr, "strata: emu: ioctl %#lx not translated\n",
				(unsigned long)a[1]);
		return -ENOTTY;
	}
}

/* ---- memory ------------------------------------------------------------ */

/* Each of these runs whole under p->mm_lock (user.h). */
#define MM_LOCKED(name)							\
	static long sc_##name(struct emu_proc *p, struct rv_cpu *cpu,	\
			      const uint64_t *a)			\
	{								\
		long r;							\
									\
		(void)cpu;						\
		pthread_mutex_lock(&p->mm_lock);			\
		r = mm_##name(p, a);					\
		pthread_mutex_unlock(&p->mm_lock);			\
		return r;						\
	}

/* The host never runs guest pages: PROT_EXEC becomes readable. */
static int host_prot(uint64_t prot)
{
	int hp = (int)prot & ~PROT_EXEC;

	return prot & PROT_EXEC ? hp | PROT_READ : hp;
}

static long mm_mmap(struct emu_proc *p, const uint64_t *a)
{
	uint64_t addr = a[0], len = a[1], end;
	int flags = (int)a[3];
	long r;

	if (len == 0 || PAGE_UP(len) < len)
		return -EINVAL;
	end = addr + PAGE_UP(len);
	if ((flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE)) {
		if ((addr & (PAGE - 1)) || end < addr)
			return -EINVAL;
		/* Replacing a mapping is fine when it is the guest's own. */
		if (!vma_free_or_guest(&p->vmas, addr, end))
			return -ENOMEM;
		rv_jit_invalidate(addr, end - addr);	/* code replaced */
	}
	r = (long)syscall(SYS_mmap, addr, len, host_prot(a[2]), flags & ~MAP_32BIT,
			  (int)a[4], a[5]);
	if (r == -1)
		return -errno;
	if (vma_add(&p->vmas, (uint64_t)r, (uint64_t)r + PAGE_UP(len)) < 0) {
		munmap((void *)r, len);
		return -ENOMEM;
	}
	user_note_exec(p, (uint64_t)r, (uint64_t)r + PAGE_UP(len), a[2] & PROT_EXEC);
	return r;
}

static long mm_munmap(struct emu_proc *p, const uint64_t *a)
{
	uint64_t addr = a[0], end = a[0] + PAGE_UP(a[1]), s, t;
	int pos;

	if ((addr & (PAGE - 1)) || a[1] == 0 || end < addr)
		return -EINVAL;
	/* only the guest's parts go; the rest is not the guest's to free */
	for (pos = 0; vma_clip_next(&p->vmas, &pos, addr, end, &s, &t); )
		munmap((void *)(uintptr_t)s, t - s);
	rv_jit_invalidate(addr, end - addr);
	user_note_exec(p, addr, end, 0);
	return vma_remove(&p->vmas, addr, end);
}

static long mm_mprotect(struct emu_proc *p, const uint64_t *a)
{
	uint64_t end = a[0] + PAGE_UP(a[1]);

	if (a[0] & (PAGE - 1))
		return -EINVAL;
	if (!vma_covers(&p->vmas, a[0], end))
		return -ENOMEM;
	/* pages losing PROT_EXEC, or made writable to be patched */
	rv_jit_invalidate(a[0], end - a[0]);
	if (syscall(SYS_mprotect, a[0], a[1], host_prot(a[2])) < 0)
		return -errno;
	user_note_exec(p, a[0], end, a[2] & PROT_EXEC);
	return 0;
}

static long mm_madvise(struct emu_proc *p, const uint64_t *a)
{
	if (!vma_covers(&p->vmas, a[0], a[0] + PAGE_UP(a[1])))
		return -ENOMEM;
	return sc_ret(syscall(SYS_madvise, a[0], a[1], (int)a[2]));
}

static long mm_mremap(struct emu_proc *p, const uint64_t *a)
{
	uint64_t old = a[0], olen = PAGE_UP(a[1]), nlen = PAGE_UP(a[2]);
	int flags = (int)a[3], exec;
	long r;

	if ((old & (PAGE - 1)) || !olen || !nlen)
		return -EINVAL;
	if (!vma_covers(&p->vmas, old, old + olen))
		return -EFAULT;
	if ((flags & MREMAP_FIXED) && !vma_free_or_guest(&p->vmas, a[4], a[4] + nlen))
		return -ENOMEM;
	r = (long)syscall(SYS_mremap, old, a[1], a[2], flags, a[4]);
	if (r == -1)
		return -errno;
	rv_jit_invalidate(old, olen);
	if (flags & MREMAP_FIXED)
		rv_jit_invalidate(a[4], nlen);
	exec = vma_covers(&p->exec, old, old + olen);
	if (!(flags & MREMAP_DONTUNMAP)) {
		vma_remove(&p->vmas, old, old + olen);
		user_note_exec(p, old, old + olen, 0);
	}
	if (vma_add(&p->vmas, (uint64_t)r, (uint64_t)r + nlen) < 0)
		return -ENOMEM;
	user_note_exec(p, (uint64_t)r, (uint64_t)r + nlen, exec);
	return r;
}

/* brk: a heap that grows from the end of the program one page range at
 * a time; failure leaves the break where it was, as Linux does. */
static long mm_brk(struct emu_proc *p, const uint64_t *a)
{
	uint64_t want = a[0], top = PAGE_UP(a[0]);
	void *m;

	if (want < p->brk_start || want - p->brk_start > (64ULL << 30))
		return p->brk_cur;
	if (top > p->brk_mapped) {
		m = mmap((void *)(uintptr_t)p->brk_mapped, top - p->brk_mapped,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == MAP_FAILED)
			return p->brk_cur;
		if (m != (void *)(uintptr_t)p->brk_mapped ||
		    vma_add(&p->vmas, p->brk_mapped, top) < 0) {
			munmap(m, top - p->brk_mapped);
			return p->brk_cur;
		}
	} else if (top < p->brk_mapped) {
		munmap((void *)(uintptr_t)top, p->brk_mapped - top);
		vma_remove(&p->vmas, top, p->brk_mapped);
	}
	p->brk_mapped = top;
	p->brk_cur = want;
	return want;
}

MM_LOCKED(mmap)
MM_LOCKED(munmap)
MM_LOCKED(mprotect)
MM_LOCKED(madvise)
MM_LOCKED(mremap)
MM_LOCKED(brk)

/* ---- processes ------------------------------------------------------- */

/* exit_group: alone, the main thread returns through the run loop (so
 * strata can report); with other threads running the process ends here,
 * as the kernel ends them all. */
static long sc_exit_group(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct emu_thread *t = emu_thread_of(cpu);

	user_robust_exit_all(p);
	if (!t->main || __atomic_load_n(&p->nthreads, __ATOMIC_SEQ_CST) > 1) {
		fflush(NULL);
		syscall(SYS_exit_group, (int)(a[0] & 0xff));
	}
	p->exited = 1;
	p->exit_code = (int)(a[0] & 0xff);
	return 0;
}

/* exit: this thread only (the run loop clears its tid and wakes). */
static long sc_exit(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct emu_thread *t = emu_thread_of(cpu);

	t->exited = 1;
	t->exit_code = (int)(a[0] & 0xff);
	return 0;
}

static long sc_set_tid_address(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	emu_thread_of(cpu)->clear_child_tid = a[0];
	return syscall(SYS_gettid);
}

/* The guest's robust list is walked by strata where the kernel would
 * walk it (user_robust_exit): the host thread's own list is strata's
 * libc's, and the host walks it only when the host thread ends, after
 * the guest's clear_child_tid. */
static long sc_set_robust_list(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	if (a[1] != 24)		/* sizeof(struct robust_list_head) */
		return -EINVAL;
	emu_thread_of(cpu)->robust_head = a[0];
	return 0;
}

/* The caller's own list (pid 0 or its tid); another thread's is the
 * host's to answer (it is not the guest's list: refused). */
static long sc_get_robust_list(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	uint64_t len = 24;
	long ret;

	if (a[0] && (long)a[0] != syscall(SYS_gettid))
		return -EPERM;
	ret = guest_write(a[1], &emu_thread_of(cpu)->robust_head, 8);
	return ret < 0 ? ret : guest_write(a[2], &len, 8);
}

/* riscv_flush_icache(start, end, flags): code was written there */
static long sc_flush_icache(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	if (a[1] > a[0])
		rv_jit_invalidate_sync(a[0], a[1] - a[0]);
	return 0;
}

static long sc_enosys(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return -ENOSYS;
}

static long sc_uname(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	snprintf(u.machine, sizeof(u.machine), "riscv64");
	return guest_write(a[0], &u, sizeof(u));
}

/* clone with CLONE_VM | CLONE_THREAD is a thread (user.c: a host
 * thread per guest thread).  Without CLONE_VM it is fork: the whole
 * emulator forks with the guest, and the child goes on from the same
 * ecall with a0 = 0; vfork (CLONE_VM | CLONE_VFORK) is a fork too.
 * Arguments: riscv64 selects CLONE_BACKWARDS, so flags, newsp,
 * parent_tid, tls, child_tid (glibc's clone.S and arch-fork.h agree). */
static long sc_clone(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	uint64_t flags = a[0];
	uint32_t tid;
	pid_t pid;

	if (flags & CLONE_THREAD)
		return user_clone_thread(emu_thread_of(cpu), flags, a[1], a[2], a[4], a[3]);
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -EINVAL;
	/* the child's copy of the guest's ranges and dispositions is
	 * whole, and its locks free: no other thread is halfway through
	 * changing them */
	pthread_mutex_lock(&p->mm_lock);
	pthread_mutex_lock(&p->sig_lock);
	pthread_mutex_lock(&p->threads_lock);
	pid = fork();
	if (pid == 0) {
		user_threads_forked(emu_thread_of(cpu));
		rv_jit_forked();
	}
	pthread_mutex_unlock(&p->threads_lock);
	pthread_mutex_unlock(&p->sig_lock);
	pthread_mutex_unlock(&p->mm_lock);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* the forking thread is the child's only one, its leader
		 * (its exit(2) ends the child with its status); its robust
		 * list is not inherited (the child's libc sets its own) */
		p->nthreads = 1;
		emu_thread_of(cpu)->main = 1;
		emu_thread_of(cpu)->robust_head = 0;
		tid = (uint32_t)syscall(SYS_gettid);
		if (flags & CLONE_CHILD_SETTID)
			guest_write(a[4], &tid, sizeof(tid));
		if (flags & CLONE_CHILD_CLEARTID)
			emu_thread_of(cpu)->clear_child_tid = a[4];
		if (a[1])
			cpu->x[2] = a[1];
		if (flags & CLONE_SETTLS)
			cpu->x[4] = a[3];
		return 0;
	}
	tid = (uint32_t)pid;
	if (flags & CLONE_PARENT_SETTID)
		guest_write(a[2], &tid, sizeof(tid));
	return pid;
}

/* A riscv64 ELF runs under a fresh strata (same sysroot); anything else
 * (a script, a native program) is the host's to run. */
static int is_riscv_elf(const char *path)
{
	unsigned char h[20];
	/* O_NONBLOCK: a FIFO must not block the exec (the kernel says EACCES) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	return n == sizeof(h) && !memcmp(h, "\177ELF", 4) && h[4] == 2 &&
	       h[18] == 243 && h[19] == 0;
}

#define EXEC_MAX_ARGS 4096

/* The host execve, through emu_safe_syscall: a guest signal caught
 * while strata prepared it runs its handler first (the call then comes
 * again), as natively the signal would have come before the call; once
 * in the kernel, the exec goes on and the signal stays pending across it
 * (the host handler is reset, as the guest's would be). */
static long sc_exec(struct rv_cpu *cpu, const char *path, uint64_t argv, uint64_t envp)
{
	uint64_t b[6] = { (uint64_t)(uintptr_t)path, argv, envp };

	return sc_safe(cpu, &emu_thread_of(cpu)->sigmask, SYS_execve, b);
}

static long sc_execve(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	char path[PATH_MAX], **argv;
	uint64_t ptr;
	int n = 0, i, k = 0;
	long ret;

	ret = sc_path(p, a[0], path, sizeof(path));
	if (ret < 0)
		return ret;
	if (!is_riscv_elf(path))
		return sc_exec(cpu, path, a[1], a[2]);
	argv = calloc(EXEC_MAX_ARGS + 10, sizeof(char *));
	if (!argv)
		return -ENOMEM;
	argv[k++] = p->host_exe;
	argv[k++] = "emu";
	argv[k++] = "run";
	argv[k++] = "-L";
	argv[k++] = (char *)(p->opts->sysroot ? p->opts->sysroot : "");
	if (p->opts->strace)
		argv[k++] = "--strace";
	/* argv[0] of the new program is the guest's choice */
	for (i = 0; i < EXEC_MAX_ARGS; i++) {
		if (guest_read(&ptr, a[1] + 8 * i, 8) != 8) {
			ret = -EFAULT;
			goto out;
		}
		if (!ptr)
			break;
		if (i == 0) {
			argv[k++] = "--argv0";
			argv[k++] = (char *)(uintptr_t)ptr;
			argv[k++] = "--";
			argv[k++] = path;
		} else {
			argv[k++] = (char *)(uintptr_t)ptr;
		}
		n++;
	}
	if (i == EXEC_MAX_ARGS) {
		ret = -E2BIG;
		goto out;
	}
	if (n == 0) {
		argv[k++] = "--";
		argv[k++] = path;
	}
	/* /proc/self/exe first: under binfmt_misc in a container, strata's
	 * own path (host_exe) is the host's and is not in the container's
	 * root, but the magic link still reaches the binary (flag F) */
	ret = sc_exec(cpu, "/proc/self/exe", (uintptr_t)argv, a[2]);
	if (ret == -ENOENT)
		ret = sc_exec(cpu, p->host_exe, (uintptr_t)argv, a[2]);
out:
	free(argv);
	return ret;
}

/* ---- signals (delivery: usignal.c) ------------------------------------ */

#define SIGBIT(sig)	(1ULL << ((sig) - 1))
#define SIG_UNBLOCKABLE	(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* The guest's action is recorded; the host gets strata's catching
 * handler for a guest handler, or the same SIG_IGN / SIG_DFL (so an
 * ignored SIGPIPE gives EPIPE, an ignored SIGCHLD auto-reaps). */
static long sc_rt_sigaction(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	int sig = (int)a[0];
	struct emu_sigaction act, old;

	if (sig < 1 || sig >= EMU_NSIG || a[3] != 8)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && guest_read(&act, a[1], sizeof(act)) != sizeof(act))
		return -EFAULT;
	act.mask &= ~SIG_UNBLOCKABLE;
	/* the swap whole, guest memory outside the lock (user.h) */
	pthread_mutex_lock(&p->sig_lock);
	old = p->sigact[sig];
	if (a[1]) {
		p->sigact[sig] = act;
		user_host_action(sig, &act);
	}
	pthread_mutex_unlock(&p->sig_lock);
	if (a[2])
		return guest_write(a[2], &old, sizeof(old));
	return 0;
}

/* The mask is the thread's, and applied to its host thread too (minus
 * the signals strata needs): a blocked SIGINT then waits. */
static long sc_rt_sigprocmask(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct emu_thread *t = emu_thread_of(cpu);
	uint64_t set, old = t->sigmask;
	long ret;

	if (a[3] != 8)
		return -EINVAL;
	if (a[1]) {
		if (guest_read(&set, a[1], 8) != 8)
			return -EFAULT;
		switch ((int)a[0]) {
		case SIG_BLOCK:
			t->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		t->sigmask &= ~SIG_UNBLOCKABLE;
		user_apply_sigmask(t->sigmask);
	}
	if (a[2]) {
		ret = guest_write(a[2], &old, 8);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* What the host has pending for the thread, and what strata caught and
 * has not delivered yet. */
static long sc_rt_sigpending(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	uint64_t set = 0;

	if (a[1] != 8)
		return -EINVAL;
	if (syscall(SYS_rt_sigpending, &set, 8) < 0)
		return -errno;
	set = sigset_h2g(set);
	set |= __atomic_load_n(&emu_thread_of(cpu)->pending, __ATOMIC_SEQ_CST);
	return guest_write(a[0], &set, 8);
}

/*
 * Calls that wait with a temporary mask (rt_sigsuspend, ppoll, pselect6,
 * epoll_pwait): the host kernel applies the mask during the call, in
 * host numbers (user.h), so argument @idx points at a host copy (for
 * pselect6, @indirect: at a { sigset pointer, size } pair); when a
 * signal interrupts it, the guest's handler must run under that mask
 * and the frame must restore the old one, so the thread keeps it until
 * the run loop delivers.  A signal caught before the call, and not
 * blocked by that mask, interrupts it at once, as the kernel would.
 */
static long sc_masked_call(struct emu_thread *t, long nr, const uint64_t *a,
			   int idx, int indirect, uint64_t maskp)
{
	uint64_t m, hm, pair[2], b[6];
	long ret;

	memcpy(b, a, sizeof(b));
	if (maskp) {
		if (guest_read(&m, maskp, 8) != 8)
			return -EFAULT;
		hm = sigset_g2h(m);
		pair[0] = (uint64_t)(uintptr_t)&hm;
		pair[1] = 8;
		b[idx] = (uint64_t)(uintptr_t)(indirect ? (void *)pair : (void *)&hm);
	}
	ret = emu_safe_syscall(&t->pending, maskp ? &m : &t->sigmask, nr, b);
	if (ret == EMU_SAFE_NOT_STARTED)
		ret = maskp ? -EINTR : ret;
	if (ret == -EINTR && maskp && !t->mask_saved) {
		t->saved_mask = t->sigmask;
		t->sigmask = m & ~SIG_UNBLOCKABLE;
		t->mask_saved = 1;
	}
	return ret;
}

static long sc_rt_sigsuspend(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	if (a[1] != 8)
		return -EINVAL;
	return sc_masked_call(emu_thread_of(cpu), SYS_rt_sigsuspend, a, 0, 0, a[0]);
}

static long sc_ppoll(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_masked_call(emu_thread_of(cpu), SYS_ppoll, a, 3, 0, a[3]);
}

static long sc_pselect6(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	uint64_t ss[2] = { 0, 0 };	/* { const sigset_t *, size_t } */

	if (a[5] && guest_read(ss, a[5], sizeof(ss)) != sizeof(ss))
		return -EFAULT;
	return sc_masked_call(emu_thread_of(cpu), SYS_pselect6, a, 5, 1, ss[0]);
}

/* rt_sigtimedwait(set, info, timeout, size): the set in host numbers,
 * the signal taken and its siginfo back in the guest's.  A signal strata
 * caught for the thread already (its handler was installed, then the
 * guest blocked it) is taken first, as the kernel's pending set would
 * give it. */
static long sc_rt_sigtimedwait(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct emu_thread *t = emu_thread_of(cpu);
	uint64_t set, hset, b[6] = { 0, 0, a[2], 8 }, caught;
	siginfo_t si;
	long ret;
	int sig;

	if (a[3] != 8)
		return -EINVAL;
	if (guest_read(&set, a[0], 8) != 8)
		return -EFAULT;
	caught = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & set;
	if (caught) {
		sig = __builtin_ctzll(caught) + 1;
		memcpy(&si, &t->si[sig], sizeof(si));
		__atomic_fetch_and(&t->pending, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
		ret = sig;
	} else {
		hset = sigset_g2h(set);
		b[0] = (uint64_t)(uintptr_t)&hset;
		b[1] = (uint64_t)(uintptr_t)&si;
		/* the set is blocked (the guest's contract): what it waits for
		 * cannot be caught by strata meanwhile, so no window to close */
		ret = sc_safe(cpu, &t->sigmask, SYS_rt_sigtimedwait, b);
		if (ret <= 0)
			return ret;
		ret = sig_h2g((int)ret);
		si.si_signo = (int)ret;
	}
	if (a[1] && guest_write(a[1], &si, sizeof(si)) < 0)
		return -EFAULT;
	return ret;
}

/* kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and
 * pidfd_send_signal: the signal (argument @i) in host numbers, and in
 * the siginfo (argument @i + 1) when there is one. */
static long sc_send_signal(struct rv_cpu *cpu, long nr, const uint64_t *a, int i,
			   int info)
{
	uint64_t b[6];
	siginfo_t si;
	int hs = sig_g2h((int)a[i]);

	if (a[i] && !hs)
		return -EINVAL;
	memcpy(b, a, sizeof(b));
	b[i] = (uint64_t)hs;
	if (info && a[i + 1]) {
		if (guest_read(&si, a[i + 1], sizeof(si)) != sizeof(si))
			return -EFAULT;
		si.si_signo = hs;
		b[i + 1] = (uint64_t)(uintptr_t)&si;
	}
	return sc_safe(cpu, &emu_thread_of(cpu)->sigmask, nr, b);
}

static long sc_kill(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_kill, a, 1, 0);
}

static long sc_tkill(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_tkill, a, 1, 0);
}

static long sc_tgkill(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_tgkill, a, 2, 0);
}

static long sc_rt_sigqueueinfo(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_rt_sigqueueinfo, a, 1, 1);
}

static long sc_rt_tgsigqueueinfo(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_rt_tgsigqueueinfo, a, 2, 1);
}

static long sc_pidfd_send_signal(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_send_signal(cpu, SYS_pidfd_send_signal, a, 1, 1);
}

/* timer_create: a signal notification names the host's number (glibc's
 * SIGEV_THREAD timers signal their helper thread with 32). */
static long sc_timer_create(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct sigevent ev;

	if (!a[1])
		return sc_ret(syscall(SYS_timer_create, (int)a[0], NULL, a[2]));
	if (guest_read(&ev, a[1], sizeof(ev)) != sizeof(ev))
		return -EFAULT;
	if (ev.sigev_notify != SIGEV_NONE) {
		if (ev.sigev_signo && !sig_g2h(ev.sigev_signo))
			return -EINVAL;
		ev.sigev_signo = sig_g2h(ev.sigev_signo);
	}
	return sc_ret(syscall(SYS_timer_create, (int)a[0], &ev, a[2]));
}

/* riscv64's stack_t: ss_sp, ss_flags (int, padded), ss_size */
struct rv_stack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

static long sc_sigaltstack(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct emu_thread *t = emu_thread_of(cpu);
	struct rv_stack old = { t->ss_sp, t->ss_size ? 0 : SS_DISABLE, 0, t->ss_size }, ss;
	uint64_t sp = cpu->x[2];
	int on = t->ss_size && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;

	if (on)
		old.flags = SS_ONSTACK;
	if (a[0]) {
		if (guest_read(&ss, a[0], sizeof(ss)) != sizeof(ss))
			return -EFAULT;
		if (on)
			return -EPERM;
		if ((uint32_t)ss.flags & ~(SS_DISABLE | (1U << 31)))	/* SS_AUTODISARM */
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			t->ss_sp = t->ss_size = 0;
		} else {
			if (ss.size < 2048)	/* riscv64 MINSIGSTKSZ */
				return -ENOMEM;
			t->ss_sp = ss.sp;
			t->ss_size = ss.size;
		}
		t->ss_flags = 0;
	}
	if (a[1])
		return guest_write(a[1], &old, sizeof(old));
	return 0;
}

/* ---- epoll: x86-64 packs struct epoll_event (12 bytes), riscv64 does
 * not (16: the 64-bit data is aligned) --------------------------------- */

struct rv_epoll_event {
	uint32_t events, pad;
	uint64_t data;
};

#define EPOLL_BATCH 1024	/* events per wait: fewer is always allowed */

static long sc_epoll_ctl(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	struct rv_epoll_event r;
	struct epoll_event h;

	if (!a[3])
		return sc_ret(syscall(SYS_epoll_ctl, (int)a[0], (int)a[1], (int)a[2], NULL));
	if (guest_read(&r, a[3], sizeof(r)) != sizeof(r))
		return -EFAULT;
	h.events = r.events;
	h.data.u64 = r.data;
	return sc_ret(syscall(SYS_epoll_ctl, (int)a[0], (int)a[1], (int)a[2], &h));
}

/* epoll_pwait and epoll_pwait2 (@nr): the host fills its own array. */
static long sc_epoll_wait_common(struct emu_proc *p, struct rv_cpu *cpu,
				 const uint64_t *a, long nr)
{
	struct epoll_event *h;
	struct rv_epoll_event r;
	uint64_t b[6];
	int max = (int)a[2];
	long n, i, ret = 0;

	if (max <= 0)
		return -EINVAL;
	if (max > EPOLL_BATCH)
		max = EPOLL_BATCH;
	h = calloc(max, sizeof(*h));
	if (!h)
		return -ENOMEM;
	memcpy(b, a, sizeof(b));
	b[1] = (uint64_t)(uintptr_t)h;
	b[2] = (uint64_t)max;
	n = sc_masked_call(emu_thread_of(cpu), nr, b, 4, 0, a[4]);
	for (i = 0; i < n && ret == 0; i++) {
		memset(&r, 0, sizeof(r));
		r.events = h[i].events;
		r.data = h[i].data.u64;
		ret = guest_write(a[1] + i * sizeof(r), &r, sizeof(r));
	}
	free(h);
	return ret < 0 ? ret : n;
}

static long sc_epoll_pwait(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_epoll_wait_common(p, cpu, a, SYS_epoll_pwait);
}

static long sc_epoll_pwait2(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	return sc_epoll_wait_common(p, cpu, a, SYS_epoll_pwait2);
}

static long sc_prctl(struct emu_proc *p, struct rv_cpu *cpu, const uint64_t *a)
{
	switch ((int)a[0]) {
	case 1: case 2:		/* PR_SET/GET_PDEATHSIG */
	case 3: case 4:		/* PR_GET/SET_DUMPABLE */
	case 15: case 16:	/* PR_SET/GET_NAME */
	/* integers in and out (or one int written), the same on both:
	 * what setpriv, capsh and service managers ask */
	case 7: case 8:		/* PR_GET/SET_KEEPCAPS */
	case 23: case 24:	/* PR_CAPBSET_READ/DROP */
	case 27: case 28:	/* PR_GET/SET_SECUREBITS */
	case 29: case 30:	/* PR_SET/GET_TIMERSLACK */
	case 36: case 37:	/* PR_SET/GET_CHILD_SUBREAPER */
	case 38: case 39:	/* PR_SET/GET_NO_NEW_PRIVS */
	case 47:		/* PR_CAP_AMBIENT */
		return sc_ret(syscall(SYS_prctl, a[0], a[1], a[2], a[3], a[4]));
	default:
		return -EINVAL;
	}
}

/* ---- the table ------------------------------------------------------ */

#define PASS(nr, name)	[nr] = { #name, SYS_##name, NULL }
#define EMU(nr, name, f) [nr] = { #name, -1, f }

static const struct sc_entry sc_table[RV_NR_MAX] = {
	PASS(5, setxattr), PASS(6, lsetxattr), PASS(7, fsetxattr),
	PASS(8, getxattr), PASS(9, lgetxattr), PASS(10, fgetxattr),
	PASS(11, listxattr), PASS(12, llistxattr), PASS(13, flistxattr),
	PASS(17, getcwd), PASS(19, eventfd2),
	PASS(20, epoll_create1), EMU(21, epoll_ctl, sc_epoll_ctl),
	EMU(22, epoll_pwait, sc_epoll_pwait),
	PASS(23, dup), PASS(24, dup3), PASS(25, fcntl),
	PASS(26, inotify_init1), PASS(27, inotify_add_watch), PASS(28, inotify_rm_watch),
	EMU(29, ioctl, sc_ioctl), PASS(32, flock), PASS(33, mknodat),
	PASS(34, mkdirat), PASS(35, unlinkat), PASS(36, symlinkat), PASS(37, linkat),
	PASS(38, renameat), PASS(43, statfs), PASS(44, fstatfs), PASS(45, truncate),
	PASS(46, ftruncate), PASS(47, fallocate), EMU(48, faccessat, sc_faccessat),
	PASS(49, chdir), PASS(50, fchdir), PASS(52, fchmod), PASS(53, fchmodat),
	PASS(54, fchownat), PASS(55, fchown), EMU(56, openat, sc_openat),
	PASS(57, close), PASS(59, pipe2), PASS(61, getdents64), PASS(62, lseek),
	PASS(63, read), PASS(64, write), PASS(65, readv), PASS(66, writev),
	PASS(67, pread64), PASS(68, pwrite64), PASS(69, preadv), PASS(70, pwritev),
	PASS(71, sendfile), EMU(72, pselect6, sc_pselect6), EMU(73, ppoll, sc_ppoll), PASS(76, splice),
	EMU(78, readlinkat, sc_readlinkat), EMU(79, newfstatat, sc_newfstatat),
	EMU(80, fstat, sc_fstat), PASS(81, sync), PASS(82, fsync), PASS(83, fdatasync),
	PASS(85, timerfd_create), PASS(86, timerfd_settime), PASS(87, timerfd_gettime),
	PASS(88, utimensat), PASS(90, capget), EMU(93, exit, sc_exit),
	EMU(94, exit_group, sc_exit_group), PASS(95, waitid),
	EMU(96, set_tid_address, sc_set_tid_address), PASS(98, futex),
	EMU(99, set_robust_list, sc_set_robust_list), PASS(101, nanosleep),
	PASS(102, getitimer), PASS(103, setitimer),
	PASS(113, clock_gettime), PASS(114, clock_getres), PASS(115, clock_nanosleep),
	PASS(118, sched_setparam), PASS(120, sched_getscheduler), PASS(121, sched_getparam),
	PASS(122, sched_setaffinity), PASS(123, sched_getaffinity), PASS(124, sched_yield),
	EMU(129, kill, sc_kill), EMU(130, tkill, sc_tkill), EMU(131, tgkill, sc_tgkill),
	EMU(132, sigaltstack, sc_sigaltstack), EMU(133, rt_sigsuspend, sc_rt_sigsuspend), EMU(134, rt_sigaction, sc_rt_sigaction),
	EMU(135, rt_sigprocmask, sc_rt_sigprocmask), EMU(136, rt_sigpending, sc_rt_sigpending),
	EMU(137, rt_sigtimedwait, sc_rt_sigtimedwait), EMU(139, rt_sigreturn, sc_enosys), PASS(140, setpriority), PASS(141, getpriority),
	PASS(143, setregid), PASS(144, setgid), PASS(145, setreuid), PASS(146, setuid),
	PASS(147, setresuid), PASS(148, getresuid), PASS(149, setresgid),
	PASS(150, getresgid), PASS(153, times), PASS(154, setpgid), PASS(155, getpgid),
	PASS(156, getsid), PASS(157, setsid), PASS(158, getgroups), PASS(159, setgroups),
	EMU(160, uname, sc_uname), PASS(163, getrlimit), PASS(164, setrlimit),
	PASS(165, getrusage), PASS(166, umask), EMU(167, prctl, sc_prctl),
	PASS(168, getcpu), PASS(169, gettimeofday), PASS(172, getpid), PASS(173, getppid),
	PASS(174, getuid), PASS(175, geteuid), PASS(176, getgid), PASS(177, getegid),
	PASS(178, gettid), PASS(179, sysinfo),
	PASS(198, socket), PASS(199, socketpair), PASS(200, bind), PASS(201, listen),
	PASS(202, accept), PASS(203, connect), PASS(204, getsockname),
	PASS(205, getpeername), PASS(206, sendto), PASS(207, recvfrom),
	PASS(208, setsockopt), PASS(209, getsockopt), PASS(210, shutdown),
	PASS(211, sendmsg), PASS(212, recvmsg),
	EMU(214, brk, sc_brk), EMU(215, munmap, sc_munmap), EMU(216, mremap, sc_mremap),
	EMU(220, clone, sc_clone), EMU(221, execve, sc_execve), EMU(222, mmap, sc_mmap),
	PASS(223, fadvise64), EMU(226, mprotect, sc_mprotect), PASS(227, msync),
	PASS(228, mlock), PASS(229, munlock), PASS(232, mincore),
	EMU(233, madvise, sc_madvise), PASS(242, accept4),
	EMU(258, riscv_hwprobe, sc_enosys), EMU(259, riscv_flush_icache, sc_flush_icache),
	PASS(260, wait4), PASS(261, prlimit64), PASS(276, renameat2), PASS(278, getrandom),
	PASS(279, memfd_create), PASS(285, copy_file_range), EMU(291, statx, sc_statx),
	EMU(293, rseq, sc_enosys), PASS(434, pidfd_open), EMU(435, clone3, sc_enosys),
	PASS(436, close_range), EMU(439, faccessat2, sc_faccessat2),
	EMU(441, epoll_pwait2, sc_epoll_pwait2),
	/* the same arguments and structures on both (integers, paths that
	 * are folders or the host's, timespec, sigevent, siginfo, mmsghdr,
	 * the IPC *64_ds): what busybox's ionice, chrt, mount, chroot,
	 * unshare, nsenter, hostname, dmesg and ipcs call.  Not passed:
	 * seccomp and landlock (they would filter strata's own calls),
	 * shmat/shmdt (a mapping outside the guest's ranges), reboot. */
	PASS(30, ioprio_set), PASS(31, ioprio_get),
	PASS(39, umount2), PASS(40, mount), PASS(41, pivot_root),
	PASS(51, chroot), PASS(58, vhangup), PASS(75, vmsplice), PASS(77, tee),
	PASS(84, sync_file_range), PASS(89, acct), PASS(91, capset),
	PASS(97, unshare), EMU(100, get_robust_list, sc_get_robust_list),
	EMU(107, timer_create, sc_timer_create), PASS(108, timer_gettime),
	PASS(109, timer_getoverrun), PASS(110, timer_settime),
	PASS(111, timer_delete), PASS(112, clock_settime), PASS(116, syslog),
	PASS(119, sched_setscheduler), PASS(125, sched_get_priority_max),
	PASS(126, sched_get_priority_min), PASS(127, sched_rr_get_interval),
	EMU(138, rt_sigqueueinfo, sc_rt_sigqueueinfo), PASS(151, setfsuid), PASS(152, setfsgid),
	PASS(161, sethostname), PASS(162, setdomainname),
	PASS(170, settimeofday), PASS(171, adjtimex),
	PASS(186, msgget), PASS(187, msgctl), PASS(188, msgrcv), PASS(189, msgsnd),
	PASS(190, semget), PASS(191, semctl), PASS(192, semtimedop), PASS(193, semop),
	PASS(194, shmget), PASS(195, shmctl), PASS(213, readahead),
	PASS(230, mlockall), PASS(231, munlockall),
	EMU(240, rt_tgsigqueueinfo, sc_rt_tgsigqueueinfo), PASS(243, recvmmsg), PASS(266, clock_adjtime),
	PASS(267, syncfs), PASS(268, setns), PASS(269, sendmmsg), PASS(272, kcmp),
	PASS(274, sched_setattr), PASS(275, sched_getattr), PASS(283, membarrier),
	PASS(284, mlock2), PASS(286, preadv2), PASS(287, pwritev2),
	EMU(424, pidfd_send_signal, sc_pidfd_send_signal), PASS(438, pidfd_getfd),
};

const char *syscall_name(unsigned long nr)
{
	return nr < RV_NR_MAX ? sc_table[nr].name : NULL;
}

void syscall_dispatch(struct emu_proc *p, struct rv_cpu *cpu)
{
	unsigned long nr = cpu->x[17];
	const uint64_t *a = &cpu->x[10];
	const struct sc_entry *s = nr < RV_NR_MAX ? &sc_table[nr] : NULL;
	long ret;

	__atomic_fetch_add(&p->syscalls, 1, __ATOMIC_RELAXED);	/* any thread */
	if (!s || !s->name) {
		if (p->opts->strace)
			fprintf(stderr, "strata: emu: unknown syscall %lu, returning -ENOSYS\n", nr);
		cpu->x[10] = (uint64_t)-ENOSYS;
		return;
	}
	if (s->fn)
		ret = s->fn(p, cpu, a);
	else
		ret = sc_safe(cpu, &emu_thread_of(cpu)->sigmask, s->host, a);
	if (p->opts->strace)
		fprintf(stderr, "[%d] %s(%#lx, %#lx, %#lx, %#lx) = %ld\n", getpid(), s->name,
			(unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2],
			(unsigned long)a[3], ret);
	cpu->x[10] = (uint64_t)ret;
}
