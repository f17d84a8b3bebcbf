/*
 * gc -- remove what crashed or killed commands left behind: cgroups,
 * veths, mounts and half-made folders that no live container owns, and
 * the state of containers whose monitor died.
 */
#ifndef STRATA_CT_GC_H
#define STRATA_CT_GC_H

#include "lib/err.h"

/* Returns the number of objects removed; each one is printed to stdout
 * when @verbose. */
int gc_run(int verbose, struct err *e);

#endif
