/*
 * binfmt -- strata as the binfmt_misc interpreter of riscv64 ELF
 * programs (Documentation/admin-guide/binfmt-misc.rst), the way
 * qemu-user-static registers qemu-riscv64.
 */
#ifndef STRATA_EMU_BINFMT_H
#define STRATA_EMU_BINFMT_H

#include "lib/err.h"

#define BINFMT_DIR	"/proc/sys/fs/binfmt_misc"
#define BINFMT_NAME	"strata-riscv64"
/* argv[0] preserved; AT_EXECFD says "binfmt"; the interpreter opened at
 * registration, so that it also starts in containers (binfmt.c) */
#define BINFMT_FLAGS	"POF"

/* One registration that matches riscv64 ELF programs. */
struct binfmt_entry {
	char name[64];
	char interpreter[256];
	char flags[16];
	int enabled;
};

/* Mount binfmt_misc on BINFMT_DIR when it is not.  0 or -errno. */
int binfmt_mount(struct err *e);

/* Register BINFMT_NAME with @interp (an absolute path), replacing only
 * a registration of that name: never another one (qemu-riscv64). */
int binfmt_install(const char *interp, struct err *e);

/* Whether the x86-64 program at @path has a PT_INTERP (needs a loader
 * and libraries: it cannot start inside a foreign root file system). */
int binfmt_interp_dynamic(const char *path);

/* Remove BINFMT_NAME.  1 when it was there, 0 when not, or -errno. */
int binfmt_remove(struct err *e);

/* The registrations for riscv64 ELF into @v (up to @max), count or
 * -errno; *@enabled gets binfmt_misc's own switch (-1 not mounted). */
int binfmt_status(struct binfmt_entry *v, int max, int *enabled, struct err *e);

#endif
