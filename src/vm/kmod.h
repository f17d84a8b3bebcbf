/*
 * kmod -- the kernel modules an initramfs needs, with their dependencies,
 * in the order to load them.
 *
 * Dependencies come from modules.dep when the module tree has one (an
 * installed kernel, after depmod), else from each module's own .modinfo
 * section ("depends=a,b"), which is what depmod itself records for them:
 * a kernel unpacked from its .deb has no modules.dep.  A module listed in
 * modules.builtin is part of the kernel and needs nothing.
 */
#ifndef STRATA_VM_KMOD_H
#define STRATA_VM_KMOD_H

#include <stddef.h>

#include "lib/err.h"

#define KMOD_MAX	128	/* modules in one initramfs */

struct kmod_list {
	char *path[KMOD_MAX];	/* load order: dependencies first */
	int n;
};

/* Resolve @names (module names, '-' and '_' alike) under the module tree
 * @dir (/lib/modules/VERSION).  Builtin modules are skipped. */
int kmod_resolve(const char *dir, const char *const *names, int n,
		 struct kmod_list *out, struct err *e);
void kmod_list_free(struct kmod_list *l);

/* The "depends=" value of a module image's .modinfo ("" when it has no
 * dependencies), copied into @buf.  -ENOEXEC when @elf is not a valid
 * ELF64 module or has no .modinfo.  The image is untrusted: every offset
 * is checked. */
int kmod_depends(const void *elf, size_t len, char *buf, size_t bufsz);

#endif
