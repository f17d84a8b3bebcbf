/*
 * machine -- a microVM on KVM: guest memory, the device bus, one vCPU
 * and its run loop, and how the run ended.
 *
 * Guest physical memory is one anonymous mapping handed to KVM as one
 * memory slot at guest address 0 (so at most VM_MEM_MAX, below where the
 * PCI hole will go).  Every access the VMM makes to guest memory goes
 * through guest_ptr(), which checks the whole [gpa, gpa+len) range.
 *
 * Layer code: returns 0/-errno with a struct err, never prints; the CLI
 * (cli.c) prints the result.
 */
#ifndef STRATA_VM_MACHINE_H
#define STRATA_VM_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "dev/bus.h"
#include "lib/err.h"
#include "vm/cpuid.h"

#define VM_MEM_MIN	(4ULL << 20)
#define VM_MEM_MAX	(3ULL << 30)	/* below the PCI hole */
#define VM_CPUS_MAX	64
#define VM_PCI_MMIO	(3ULL << 30)	/* PCI BARs go in [3 GiB, IOAPIC) */
#define VM_PCI_MMIO_END	0xfec00000ULL
#define VM_MAX_DISKS	8
#define VM_MAX_NICS	4
/* a sun_path (108) with room for the "_4294967295" of a guest's port */
#define VM_VSOCK_UDS_MAX	96

struct vm_disk {
	const char *path;
	int readonly;
	const char *format;	/* "raw", "qcow2", or NULL: probed */
};

struct vm_net {
	char tap[16];		/* tap to open or create; "": the kernel names it */
	char bridge[16];	/* enslave the tap to it; "": none */
	uint8_t mac[6];
};

struct vm_mem {
	uint8_t *host;
	uint64_t size;
};

/* The host address of guest physical [gpa, gpa+len), or NULL when any
 * byte of it is outside guest memory (or len is 0). */
void *guest_ptr(const struct vm_mem *mem, uint64_t gpa, uint64_t len);

struct vm_config {
	const char *kernel;
	const char *initrd;	/* NULL: none */
	const char *cmdline;	/* NULL: empty */
	uint64_t mem_size;
	int cpus;		/* vCPUs, 1..VM_CPUS_MAX */
	struct vm_cpu_features cpu;	/* the CPUID policy (cpuid.h) */
	double timeout;		/* seconds; 0: none */
	int no_irqchip;		/* HLT then exits to the VMM (tiny guests) */
	int console_in;		/* UART input fd, -1: none */
	int console_out;	/* UART output fd */
	int console_wake;	/* console_in is a FIFO, pipe or terminal: a
				 * thread polls it so a guest idle in hlt
				 * gets its receive interrupt */
	struct vm_disk disk[VM_MAX_DISKS];	/* virtio-blk over PCI */
	int ndisks;
	struct vm_net net[VM_MAX_NICS];	/* virtio-net over PCI */
	int nnets;
	int rng;		/* virtio-rng over PCI */
	uint64_t vsock_cid;	/* virtio-vsock with this guest CID; 0: none */
	char vsock_uds[VM_VSOCK_UDS_MAX + 1];	/* its unix socket, absolute;
						 * "": vm_vsock_uds() picks */
	const char *api_sock;	/* serve the JSON API (api.h) there; NULL: none */
	int no_seccomp;		/* leave the syscall filter off (debugging) */
	/* Called once the machine is built and, with api_sock, listening,
	 * before the syscall filter goes on and the guest runs: a
	 * background VM tells its parent here.  Non-zero abandons the run
	 * (vm_run returns it with @e).  May be NULL. */
	int (*ready)(void *arg, struct err *e);
	void *ready_arg;
};

enum vm_end {
	VM_END_POWEROFF,	/* debug-exit port: code chosen by the guest */
	VM_END_RESET,		/* i8042 reset: exit 0 as Firecracker does */
	VM_END_HALT,		/* hlt with interrupts off: poweroff, exit 0 */
	VM_END_CRASH,		/* triple fault, emulation failure, bad entry */
	VM_END_TIMEOUT,		/* --timeout passed */
	VM_END_STOPPED,		/* SIGTERM or the API's stop: exit 0 */
};

#define VM_EXIT_CRASH	1	/* strata's exit code for a crashed guest */
#define VM_EXIT_TIMEOUT	124	/* as timeout(1) */

struct vm_stats {
	uint64_t exits, io, mmio, hlt, other;
	double ms_to_first_run;		/* vm_run() entry to first KVM_RUN */
	double ms_total;
};

struct vm_result {
	enum vm_end how;
	int code;		/* strata's exit code */
	char diag[384];		/* one line for VM_END_CRASH / _TIMEOUT */
	struct vm_stats stats;
};

/* The unix socket of --vsock: cfg->vsock_uds, or else vsock.sock in the
 * folder of the API socket (for a background VM its own folder).  -EINVAL
 * with neither, -ENAMETOOLONG past VM_VSOCK_UDS_MAX. */
int vm_vsock_uds(const struct vm_config *cfg, char buf[VM_VSOCK_UDS_MAX + 1],
		 struct err *e);

/* Build the machine @cfg describes, run it until it ends, tear it down.
 * SIGTERM ends the run cleanly (VM_END_STOPPED).  Unless
 * cfg->no_seccomp, every thread of the process runs under the VMM's
 * syscall filter (vm_seccomp.h) from the first guest instruction on, so
 * the caller can do little more than print and exit afterwards.
 * Returns 0 with @res filled when the guest ran (whatever its end), or
 * -errno with @e when the machine could not be built. */
int vm_run(const struct vm_config *cfg, struct vm_result *res, struct err *e);

#endif
