/*
 * strata -- one binary, one subcommand per layer of the system.
 * This file only finds the layer and hands it the rest of argv.
 */
#include <stdio.h>
#include <string.h>

#include "ct/ct.h"
#include "ct/oci.h"
#include "emu/emu.h"
#include "lib/proc.h"
#include "vm/vm.h"

#define STRATA_VERSION "0.1.0"

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "ct", ct_main, "containers: isolated userlands on this kernel" },
	{ "oci", oci_main, "OCI runtime with runc's command line (podman, containerd)" },
	{ "vm", vm_main, "whole machines: a guest kernel on KVM" },
	{ "emu", emu_main, "riscv64 Linux programs on this x86-64 (binary translation)" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
		"NAME\n"
		"  strata - virtualization at every layer, one toolkit\n\n"
		"SYNOPSIS\n"
		"  strata COMMAND [ARGS...]\n"
		"  strata COMMAND --help\n\n"
		"COMMANDS\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f,
		"\nENVIRONMENT\n"
		"  STRATA_ROOT   state directory (default /var/lib/strata)\n"
		"  STRATA_DEBUG  print debug messages\n\n"
		"EXAMPLES\n"
		"  strata ct run -it --rm                 a busybox shell with its own IP\n"
		"  strata ct run --rm --memory 64M -- sh -c 'echo hi'\n"
		"  podman --runtime $(command -v strata-runc) run --rm IMAGE true\n"
		"  strata emu run ./hello-riscv64\n"
		"  strata vm run --kernel vmlinux --mem 256M\n");
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *base;

	proc_save_argv(argc, argv);
	/* Started by binfmt_misc for a riscv64 program (strata emu binfmt) */
	if (emu_binfmt_invoked())
		return emu_binfmt_main(argc, argv);
	/* Called as strata-runc (or runc): the OCI runtime, for tools that
	 * only know how to run runc. */
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "strata-runc") || !strcmp(base, "runc"))
		return oci_main(argc - 1, argv + 1);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("strata %s\n", STRATA_VERSION);
		return 0;
	}
	for (c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->main(argc - 2, argv + 2);
	fprintf(stderr, "strata: %s: unknown command (see strata --help)\n", argv[1]);
	return 2;
}
