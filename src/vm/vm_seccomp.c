/*
 * vm_seccomp -- the VMM's syscall allowlist (libseccomp).
 *
 * Found by running every t-vm*.sh test under strace -f with the filter
 * off, then with it on.  What a running VMM does:
 *   vCPUs     ioctl KVM_RUN, the exits' KVM_IRQ_LINE / KVM_SIGNAL_MSI,
 *             KVM_GET_REGS/SREGS for a crash diagnosis; tgkill for the
 *             kicks; futex for the device lock; rt_sigreturn
 *   devices   read/write (UART, tap, eventfd), pread/pwrite(v) and
 *             fdatasync/fsync/fallocate/ftruncate for disk images,
 *             getrandom for virtio-rng, poll for the tap's rx thread
 *   API       accept4, recvfrom, sendto, poll, close
 *   vsock     the same, and for a guest's connection to a host port
 *             socket(AF_UNIX only) + connect; shutdown for its half close
 *   malloc    brk, mmap/mremap/munmap/madvise, mprotect (never
 *             executable: a guest that got code into us cannot map it
 *             as code), threads: clone with CLONE_THREAD only (pause
 *             waits and vCPU threads), clone3 answered ENOSYS so glibc
 *             falls back to clone, whose flags a filter can see
 *   the end   setitimer (the --timeout), close, exit/exit_group
 *   glibc     rt_sigaction of its own two internal signals only (its
 *             first pthread_create sets their handlers up).
 *
 * The default is to kill the process, as Firecracker does, rather than
 * to fail the call with EPERM: a syscall outside this list means a bug or
 * a compromised VMM, and a VMM that carries on after a refused call could
 * be left half-working (a device thread that quietly stops) or give an
 * attacker room to probe.  A killed VMM is a stopped VM to `strata vm ls`
 * and its kernel's audit log names the syscall; --no-seccomp turns the
 * filter off for debugging.
 *
 * Sanitizer builds (the debug build) add what AddressSanitizer's runtime
 * needs to report an error, and run LeakSanitizer's check when the filter
 * goes on instead of at exit: it stops the world from a ptrace'd clone,
 * which no filter of a VMM should allow.  Release builds do without.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vm/vm_seccomp.h"

static const int vm_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(preadv2), SCMP_SYS(pwritev2),
	SCMP_SYS(lseek), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(fallocate), SCMP_SYS(ftruncate), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(close),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(futex),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(getrandom),
	SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(sched_yield),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(connect), SCMP_SYS(shutdown),
	SCMP_SYS(setitimer), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* glibc's internal signals: the kernel's SIGRTMIN and SIGRTMIN + 1 */
#define VM_SIGCANCEL	32
#define VM_SIGSETXID	33

/* ioctls on the KVM fds after setup; the tap needs none once made */
static const unsigned long vm_ioctls[] = {
	KVM_RUN, KVM_IRQ_LINE, KVM_SIGNAL_MSI, KVM_GET_REGS, KVM_GET_SREGS,
};

#ifdef __SANITIZE_ADDRESS__
#define VM_SECCOMP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VM_SECCOMP_SANITIZER 1
#endif
#endif

#ifdef VM_SECCOMP_SANITIZER
void __lsan_do_leak_check(void);

/* what ASan's error reports use (symbolizing, printing, dying) */
static const int san_syscalls[] = {
	SCMP_SYS(prctl), SCMP_SYS(openat), SCMP_SYS(readlink),
	SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getppid), SCMP_SYS(kill),
	SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(getdents64),
	SCMP_SYS(tgkill), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
};
#endif

static int vm_seccomp_rules(scmp_filter_ctx ctx)
{
	size_t i;
	int ret = 0;

	for (i = 0; ret == 0 && i < sizeof(vm_syscalls) / sizeof(vm_syscalls[0]); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, vm_syscalls[i], 0);
	for (i = 0; ret == 0 && i < sizeof(vm_ioctls) / sizeof(vm_ioctls[0]); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, vm_ioctls[i], 0));
	/* virtio-vsock reaches host programs over unix sockets only */
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	/* kicks go to our own threads only */
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0));
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* glibc's first pthread_create (virtio-net's receive thread starts
	 * during the run) installs the handler of its internal SIGSETXID
	 * (SIGCANCEL on first use of pthread_cancel); no other handler may
	 * change.  Making a thread before the filter instead costs ~160 KiB
	 * of RSS and 0.1 ms per VM here. */
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
				       SCMP_A0(SCMP_CMP_EQ, VM_SIGCANCEL, 0));
	if (ret == 0)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
				       SCMP_A0(SCMP_CMP_EQ, VM_SIGSETXID, 0));
#ifdef VM_SECCOMP_SANITIZER
	for (i = 0; ret == 0 && i < sizeof(san_syscalls) / sizeof(san_syscalls[0]); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, san_syscalls[i], 0);
#endif
	return ret;
}

int vm_seccomp_apply(struct err *e)
{
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return err_msg(e, -ENOMEM, "seccomp_init");
#ifdef VM_SECCOMP_SANITIZER
	__lsan_do_leak_check();	/* and none at exit */
#endif
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (ret == 0)
		ret = vm_seccomp_rules(ctx);
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret < 0)
		return err_set(e, ret, "seccomp filter");
	return 0;
}
