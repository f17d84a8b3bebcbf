/*
 * cli -- `strata vm ...`: parses the command line, runs the machine of
 * src/vm/machine.c, prints how it ended.  Exit status: 0 when the guest
 * powered off or reset, the guest's code from the debug-exit port, 1 when
 * it crashed, 124 on --timeout, 125 when the VM could not be built, 2 for
 * a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/opt.h"
#include "lib/parse.h"
#include "vm/image.h"
#include "vm/initramfs.h"
#include "vm/life.h"
#include "vm/machine.h"
#include "vm/rv/rv.h"
#include "vm/vm.h"
#include "virtio/devices.h"

#define VM_EXIT_SETUP	125

struct run_args {
	const char *kernel, *initrd, *cmdline, *mem, *cpus, *cpu_features;
	const char *timeout, *irqchip, *arch;
	struct strlist disk, net, vsock;
	const char *name, *api_sock;
	int rng, detach, stats, no_seccomp, help;
};

#define RUN_OPTS(a)							\
	{ "kernel", 'k', OPT_STR, &(a).kernel, "FILE", "guest kernel: an ELF vmlinux (PVH note), any 64-bit ELF or a bzImage" }, \
	{ "arch", 0, OPT_STR, &(a).arch, "ARCH", "x86_64 (default: KVM) or riscv64 (a RISC-V machine run by the translator, see docs/rv.md)" }, \
	{ "initrd", 'i', OPT_STR, &(a).initrd, "FILE", "initial ramdisk, placed at the top of guest memory" }, \
	{ "cmdline", 'c', OPT_STR, &(a).cmdline, "STR", "kernel command line (at most 4095 bytes)" }, \
	{ "mem", 'm', OPT_STR, &(a).mem, "SIZE", "guest memory, 4M to 3G (default 256M)" }, \
	{ "cpus", 0, OPT_STR, &(a).cpus, "N", "virtual CPUs, 1 to 64 (default 1); more than one get MP and ACPI tables" }, \
	{ "cpu-features", 0, OPT_STR, &(a).cpu_features, "POLICY", "CPUID policy: baseline (default; hides what KVM's emulator refuses), host, and/or a list of +FEATURE/-FEATURE (/proc/cpuinfo names), e.g. host,-avx512f,-xsave" }, \
	{ "timeout", 0, OPT_STR, &(a).timeout, "SECONDS", "stop the guest after this long (exit 124)" }, \
	{ "irqchip", 0, OPT_STR, &(a).irqchip, "on|off", "in-kernel interrupt controllers and PIT (default on); off: hlt with interrupts off powers off" }, \
	{ "stats", 0, OPT_FLAG, &(a).stats, NULL, "print exits and times on stderr at the end" }, \
	{ "disk", 0, OPT_LIST, &(a).disk, "FILE[,ro][,format=F]", "virtio-blk disk: a raw file or a qcow2 image; ,ro refuses guest writes; ,format=raw|qcow2 instead of probing (repeatable, at most 8)" }, \
	{ "net", 0, OPT_LIST, &(a).net, "SPEC", "virtio-net over a tap: tap=NAME (opened or created), bridge=BR (a new tap on that bridge, e.g. strata0), both, and mac=52:54:00:..; repeatable" }, \
	{ "rng", 0, OPT_FLAG, &(a).rng, NULL, "virtio-rng over PCI (random bytes from getrandom(2))" }, \
	{ "vsock", 0, OPT_LIST, &(a).vsock, "CID[,uds=PATH]", "virtio-vsock, guest CID 3..4294967294; the host side is unix sockets as in Firecracker: PATH (default: vsock.sock next to the API socket) and PATH_PORT (see docs/vm.md)" }, \
	{ "name", 0, OPT_STR, &(a).name, "NAME", "name of a background VM (-d; default: a made-up one)" }, \
	{ "api-sock", 0, OPT_STR, &(a).api_sock, "PATH", "JSON API socket: pause, resume, stop, stats (default with -d: in the VM's folder)" }, \
	{ "detach", 'd', OPT_FLAG, &(a).detach, NULL, "run in the background: console to the VM's log, see strata vm ls" }, \
	{ "no-seccomp", 0, OPT_FLAG, &(a).no_seccomp, NULL, "no syscall filter on the VMM after setup (debugging)" }, \
	{ "help", 'h', OPT_FLAG, &(a).help, NULL, "show this help" }

static void vm_help(FILE *f)
{
	struct run_args a = { 0 };
	const struct opt opts[] = { RUN_OPTS(a), OPT_END };

	fprintf(f,
		"NAME\n"
		"  strata vm - whole machines: a guest kernel on KVM with paravirtual devices\n\n"
		"SYNOPSIS\n"
		"  strata vm run --kernel FILE [OPTIONS]\n"
		"  strata vm run --arch riscv64 --kernel Image [OPTIONS]   (no KVM: our translator)\n"
		"  strata vm run -d [--name NAME] --kernel FILE [OPTIONS]\n"
		"  strata vm ls [--json]\n"
		"  strata vm stop [--timeout S] [-f] NAME...\n"
		"  strata vm rm [-f] NAME...\n"
		"  strata vm logs NAME\n"
		"  strata vm attach NAME                 (the serial console; Ctrl-] detaches)\n"
		"  strata vm api NAME|SOCKET '{\"action\":\"pause|resume|stop|stats\"}'\n"
		"  strata vm gc\n"
		"  strata vm initramfs -o FILE [--modules DIR] [--init SCRIPT]\n"
		"  strata vm image riscv64 [--rebuild] [--cached]\n\n"
		"DESCRIPTION\n"
		"  Boots a kernel directly, without firmware: an ELF with a PVH note (Linux\n"
		"  vmlinux) through its 32-bit entry and hvm_start_info, any other x86-64\n"
		"  ELF at its entry point in 64-bit mode, a bzImage (Linux boot protocol\n"
		"  2.06+) through boot_params and its 64-bit entry.  With --cpus N > 1\n"
		"  the guest finds its CPUs in an MP table and ACPI tables (MADT); each\n"
		"  vCPU runs on its own host thread.  The guest's serial port (8250\n"
		"  UART, ttyS0) is strata's stdin and stdout.  Devices: UART at 0x3f8, i8042\n"
		"  at 0x60/0x64 (reset), debug-exit at 0x501 (a write powers off with the\n"
		"  value written as exit code), a PCI host bridge (conf1 at 0xcf8) with\n"
		"  virtio-pci (modern) disks, network, rng and vsock, BARs in [3 GiB,\n"
		"  0xfec00000).  --vsock: a guest connection to host port P reaches the\n"
		"  unix socket PATH_P; a host program on PATH writes \"CONNECT P\\n\" to\n"
		"  reach guest port P and reads \"OK <hostport>\\n\" (as Firecracker).\n"
		"  Once built, the VMM's threads run under a seccomp allowlist; anything\n"
		"  else kills it.  SIGTERM (strata vm stop) ends the run with exit 0.\n"
		"  Background VMs (-d) live in $STRATA_ROOT/vms/NAME: console.log, api.sock.\n\n"
		"OPTIONS (run)\n");
	opt_help(f, opts);
	fprintf(f,
		"\nEXIT STATUS\n"
		"  0 when the guest powers off or resets (i8042, as Firecracker); N when it\n"
		"  writes N to port 0x501; 1 when it crashes (triple fault, an instruction\n"
		"  KVM cannot run), with a diagnosis on stderr; 124 on --timeout; 125 when\n"
		"  the VM cannot be built; 2 for a usage error\n\n"
		"EXAMPLES\n"
		"  strata vm run --kernel vmlinux --initrd initrd.img --cmdline 'console=ttyS0'\n"
		"  strata vm run --kernel build/guests/hello64 --mem 64M --timeout 10\n"
		"  strata vm run --kernel vmlinux --disk root.qcow2 --disk data.raw,ro --rng\n"
		"  strata vm run --kernel vmlinux --net bridge=strata0,mac=52:54:00:12:34:56\n"
		"  strata vm run --kernel vmlinux --vsock 3,uds=/run/vm1/v.sock\n"
		"  eval \"$(strata vm image riscv64 | sed 's/^\\([a-z]*\\) */\\1=/')\"\n"
		"  strata vm run --arch riscv64 --kernel \"$kernel\" --initrd \"$initrd\" --cpus 2\n");
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "strata: vm run: %s (see strata vm --help)\n", msg);
	return 2;
}

/* "strata: --cpu-features: unknown feature 'x'": the flag says where */
static int plain_error(struct err *e)
{
	err_print(e);
	return 2;
}

static int setup_error(struct err *e)
{
	err_wrap(e, "vm run");
	err_print(e);
	return VM_EXIT_SETUP;
}

/* --vsock CID[,uds=PATH]: one device; a relative PATH is made absolute
 * (a background VMM works from /).  Without uds= an API socket must be
 * there to put it next to (vm_vsock_uds). */
static int parse_vsock(const struct run_args *a, struct vm_config *c,
		       struct err *e)
{
	const char *spec, *comma, *uds = NULL;
	char cid[32], cwd[PATH_MAX];
	uint64_t v;
	int n;

	if (!a->vsock.n)
		return 0;
	spec = a->vsock.v[0];
	if (a->vsock.n > 1)
		return err_msg(e, -EINVAL, "--vsock: given twice (one vsock device per VM)");
	comma = strchr(spec, ',');
	n = comma ? (int)(comma - spec) : (int)strlen(spec);
	if (comma && strncmp(comma, ",uds=", 5))
		return err_msg(e, -EINVAL, "--vsock %s: CID[,uds=PATH]", spec);
	if (comma)
		uds = comma + 5;
	snprintf(cid, sizeof(cid), "%.*s", n, spec);
	if (n >= (int)sizeof(cid) ||
	    parse_u64(cid, VSOCK_CID_MIN, VSOCK_CID_MAX, &v, e) < 0)
		return err_msg(e, -EINVAL, "--vsock %.*s: the guest CID must be between %u and %u (0-2 are reserved, 2^32-1 means any)",
			       n, spec, VSOCK_CID_MIN, VSOCK_CID_MAX);
	c->vsock_cid = v;
	if (uds && !uds[0])
		return err_msg(e, -EINVAL, "--vsock %s: uds= wants a path", spec);
	if (!uds && !a->api_sock && !a->detach)
		return err_msg(e, -EINVAL, "--vsock %s: uds=PATH needed (the default is next to --api-sock, or in the folder of a VM run with -d)",
			       spec);
	if (!uds)
		return 0;
	if (uds[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return err_set(e, -errno, "--vsock: getcwd");
	if (uds[0] == '/')
		n = snprintf(c->vsock_uds, sizeof(c->vsock_uds), "%s", uds);
	else
		n = snprintf(c->vsock_uds, sizeof(c->vsock_uds), "%s/%s", cwd, uds);
	if (n >= (int)sizeof(c->vsock_uds))
		return err_msg(e, -ENAMETOOLONG, "--vsock: uds=%s: at most %d bytes as an absolute path",
			       uds, VM_VSOCK_UDS_MAX);
	return 0;
}

/* --disk FILE[,ro|,rw][,format=raw|qcow2]: a copy of the path goes in @d
 * (freed by free_disks); a comma not followed by one of these is part of
 * the name.  format= is what a disk a guest writes should say: a probed
 * raw disk whose guest wrote a qcow2 header would open as qcow2 next time,
 * with whatever backing file that header names. */
static int parse_disk(const char *spec, struct vm_disk *d, struct err *e)
{
	size_t n = strlen(spec);

	d->readonly = 0;
	d->format = NULL;
	for (;;) {
		const char *comma = memrchr(spec, ',', n);
		size_t tail = comma ? n - (comma - spec) : 0;

		if (!comma)
			break;
		if (tail == 3 && !strncmp(comma, ",ro", 3))
			d->readonly = 1;
		else if (tail == 3 && !strncmp(comma, ",rw", 3))
			d->readonly = 0;
		else if (tail == 11 && !strncmp(comma, ",format=raw", 11))
			d->format = "raw";
		else if (tail == 13 && !strncmp(comma, ",format=qcow2", 13))
			d->format = "qcow2";
		else if (tail > 8 && !strncmp(comma, ",format=", 8))
			return err_msg(e, -EINVAL, "--disk %s: format must be raw or qcow2", spec);
		else
			break;
		n = comma - spec;
	}
	if (!n)
		return err_msg(e, -EINVAL, "--disk %s: no file name", spec);
	d->path = strndup(spec, n);
	if (!d->path)
		return err_set(e, -ENOMEM, "--disk");
	return 0;
}

static void free_disks(struct vm_config *c)
{
	int i;

	for (i = 0; i < c->ndisks; i++)
		free((char *)c->disk[i].path);
	c->ndisks = 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || (b[0] & 1))
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

/* --net tap=NAME,bridge=BR,mac=M: at least one of tap and bridge; the
 * MAC defaults to 52:54:00 (QEMU's prefix) and three random bytes. */
static int parse_net(const char *spec, struct vm_net *n, struct err *e)
{
	char buf[256], *tok, *save;

	memset(n, 0, sizeof(*n));
	if (strlen(spec) >= sizeof(buf))
		return err_msg(e, -EINVAL, "--net: too long");
	strcpy(buf, spec);
	n->mac[0] = 0x52;
	n->mac[1] = 0x54;
	n->mac[2] = 0x00;
	if (getrandom(n->mac + 3, 3, 0) != 3)
		n->mac[5] = 0x01;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4) && strlen(tok + 4) < sizeof(n->tap) && tok[4])
			strcpy(n->tap, tok + 4);
		else if (!strncmp(tok, "bridge=", 7) && strlen(tok + 7) < sizeof(n->bridge) && tok[7])
			strcpy(n->bridge, tok + 7);
		else if (strncmp(tok, "mac=", 4) || parse_mac(tok + 4, n->mac) < 0)
			return err_msg(e, -EINVAL, "--net %s: '%s': tap=NAME, bridge=NAME (at most 15 characters) or mac=XX:XX:XX:XX:XX:XX (unicast)",
				       spec, tok);
	}
	if (!n->tap[0] && !n->bridge[0])
		return err_msg(e, -EINVAL, "--net %s: tap=NAME or bridge=NAME needed", spec);
	return 0;
}

static int run_devices(const struct run_args *a, struct vm_config *c,
		       struct err *e)
{
	int i;

	if (a->disk.n > VM_MAX_DISKS)
		return err_msg(e, -EINVAL, "--disk: at most %d disks", VM_MAX_DISKS);
	for (i = 0; i < a->disk.n; i++) {
		if (parse_disk(a->disk.v[i], &c->disk[i], e) < 0)
			return -EINVAL;
		c->ndisks++;
	}
	if (a->net.n > VM_MAX_NICS)
		return err_msg(e, -EINVAL, "--net: at most %d interfaces", VM_MAX_NICS);
	for (i = 0; i < a->net.n; i++)
		if (parse_net(a->net.v[i], &c->net[c->nnets++], e) < 0)
			return -EINVAL;
	c->rng = a->rng;
	return 0;
}

/* Input whose end poll() reports can wake the UART (machine.h). */
static int console_wakes(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return isatty(fd) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* Turn the parsed strings into a vm_config; 0 or a usage error code. */
static int run_config(const struct run_args *a, struct vm_config *c, struct err *e)
{
	uint64_t v;
	char *end;

	c->mem_size = 256ULL << 20;
	if (a->mem && parse_size(a->mem, &c->mem_size, e) < 0)
		return -EINVAL;
	if (c->mem_size < VM_MEM_MIN || c->mem_size > VM_MEM_MAX)
		return err_msg(e, -EINVAL, "--mem %s: must be between %llu MiB and %llu GiB",
			       a->mem, VM_MEM_MIN >> 20, VM_MEM_MAX >> 30);
	c->mem_size &= ~0xfffULL;
	c->cpus = 1;
	if (a->cpus && (parse_u64(a->cpus, 1, VM_CPUS_MAX, &v, e) < 0))
		return err_wrap(e, "--cpus");
	if (a->cpus)
		c->cpus = v;
	if (a->timeout) {
		c->timeout = strtod(a->timeout, &end);
		if (*end || end == a->timeout || !(c->timeout > 0) || c->timeout > 1e6)
			return err_msg(e, -EINVAL, "--timeout %s: not a positive number of seconds",
				       a->timeout);
	}
	if (a->arch && strcmp(a->arch, "x86_64") && strcmp(a->arch, "riscv64"))
		return err_msg(e, -EINVAL, "--arch %s: x86_64 or riscv64", a->arch);
	if (a->irqchip && strcmp(a->irqchip, "on") && strcmp(a->irqchip, "off"))
		return err_msg(e, -EINVAL, "--irqchip %s: on or off", a->irqchip);
	c->no_irqchip = a->irqchip && !strcmp(a->irqchip, "off");
	if (c->no_irqchip && c->cpus > 1)
		return err_msg(e, -EINVAL, "--cpus %d needs the in-kernel irqchip (--irqchip on)",
			       c->cpus);
	c->kernel = a->kernel;
	c->initrd = a->initrd;
	c->cmdline = a->cmdline;
	c->console_in = STDIN_FILENO;
	c->console_wake = console_wakes(STDIN_FILENO);
	c->console_out = STDOUT_FILENO;
	if (a->name && !a->detach)
		return err_msg(e, -EINVAL, "--name: only for background VMs (-d)");
	c->api_sock = a->api_sock;
	c->no_seccomp = a->no_seccomp;
	return run_devices(a, c, e);
}

static int run_report(const struct run_args *a, const struct vm_result *r)
{
	const struct vm_stats *s = &r->stats;

	if (a->detach && r->how == VM_END_STOPPED)
		fprintf(stderr, "strata: vm: stopped\n");	/* in the log */
	if (r->how == VM_END_CRASH || r->how == VM_END_TIMEOUT)
		fprintf(stderr, "strata: vm run: %s\n", r->diag);
	if (a->stats && a->arch && !strcmp(a->arch, "riscv64"))
		fprintf(stderr, "strata: vm: %llu MMIO accesses, first instruction after %.2f ms, %.2f ms in all\n",
			(unsigned long long)s->mmio, s->ms_to_first_run, s->ms_total);
	else if (a->stats)
		fprintf(stderr, "strata: vm: %llu exits (io %llu, mmio %llu, hlt %llu), first KVM_RUN after %.2f ms, %.2f ms in all\n",
			(unsigned long long)s->exits, (unsigned long long)s->io,
			(unsigned long long)s->mmio, (unsigned long long)s->hlt,
			s->ms_to_first_run, s->ms_total);
	return r->code;
}

static int run_report_detached(const struct vm_result *r, void *arg)
{
	return run_report(arg, r);
}

static int run_vm(const struct run_args *a, struct vm_config *c)
{
	struct vm_result r;
	struct err e = { 0 };

	vm_run_fn run = a->arch && !strcmp(a->arch, "riscv64") ? vm_rv_run : vm_run;

	if (a->detach) {
		if (vm_run_detached(c, a->name, run, run_report_detached, (void *)a, &e) < 0)
			return setup_error(&e);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout must not kill the VMM */
	if (run(c, &r, &e) < 0)
		return setup_error(&e);
	return run_report(a, &r);
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	const struct opt opts[] = { RUN_OPTS(a), OPT_END };
	struct vm_config c = { 0 };
	struct opt_args pa = { 0 };
	struct err e = { 0 };
	int ret;

	if (opt_parse(opts, argc, argv, &pa, &e) < 0) {
		ret = usage_error(e.msg);
		goto out;
	}
	if (a.help) {
		vm_help(stdout);
		ret = 0;
		goto out;
	}
	if (pa.npos || pa.dashdash)
		ret = usage_error("unexpected argument");
	else if (!a.kernel)
		ret = usage_error("no --kernel given");
	else if (parse_vsock(&a, &c, &e) < 0)
		ret = plain_error(&e);
	else if (cpuid_features_parse(a.cpu_features, &c.cpu, &e) < 0)
		ret = plain_error(&e);
	else if (run_config(&a, &c, &e) < 0)
		ret = usage_error(e.msg);
	else
		ret = run_vm(&a, &c);
out:
	free_disks(&c);
	strlist_free(&a.disk);
	strlist_free(&a.net);
	strlist_free(&a.vsock);
	opt_args_free(&pa);
	return ret;
}

int vm_main(int argc, char **argv)
{
	if (argc < 1) {
		vm_help(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		vm_help(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[0], "initramfs"))
		return vm_initramfs_main(argc - 1, argv + 1);
	if (!strcmp(argv[0], "image"))
		return vm_image_main(argc - 1, argv + 1);
	if (vm_life_cmd(argv[0]))
		return vm_life_main(argc, argv);
	fprintf(stderr, "strata: vm %s: unknown command (see strata vm --help)\n", argv[0]);
	return 2;
}
