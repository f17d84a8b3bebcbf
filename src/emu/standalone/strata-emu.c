/*
 * strata-emu -- `strata emu` alone, linked statically: the binfmt_misc
 * interpreter for riscv64 programs in containers.
 *
 * The kernel starts a binfmt_misc interpreter inside the container's
 * mount namespace: a dynamically linked strata would need its x86-64
 * loader and libraries in a riscv64 root file system, where they are
 * not.  This binary has none to find (static-pie), and links only the
 * emu and lib objects (no libmnl, jansson, seccomp: they have no static
 * archives everywhere, and emu needs none of them).
 *
 *	strata-emu [emu] run ...	as `strata emu run ...`
 *	strata-emu [emu] binfmt ...	as `strata emu binfmt ...`
 *
 * "emu" may lead, so that a guest's execve (syscall.c runs
 * /proc/self/exe emu run ...) works the same under both binaries.
 */
#include <string.h>

#include "emu/emu.h"
#include "lib/proc.h"

int main(int argc, char **argv)
{
	proc_save_argv(argc, argv);
	if (emu_binfmt_invoked())
		return emu_binfmt_main(argc, argv);
	argc--;
	argv++;
	if (argc > 0 && !strcmp(argv[0], "emu")) {
		argc--;
		argv++;
	}
	return emu_main(argc, argv);
}
