/*
 * debug_exit -- a port a test guest writes its exit code to (0x501 like
 * QEMU's isa-debug-exit).
 */
#ifndef STRATA_DEV_DEBUG_EXIT_H
#define STRATA_DEV_DEBUG_EXIT_H

#include "dev/dev.h"
#include "lib/err.h"

#define DEBUG_EXIT_PORT	0x501
#define DEBUG_EXIT_PORTS	4	/* 0x501..0x504: a 4-byte write fits */

int debug_exit_create(const struct dev_host *host, struct dev_ref *out,
		      struct err *e);

#endif
