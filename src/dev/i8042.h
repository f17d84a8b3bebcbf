/*
 * i8042 -- the PC keyboard controller, for its reset line: ports 0x60
 * (data) and 0x64 (status/command), mapped as one range 0x60..0x64.
 */
#ifndef STRATA_DEV_I8042_H
#define STRATA_DEV_I8042_H

#include "dev/dev.h"
#include "lib/err.h"

#define I8042_PORT	0x60
#define I8042_PORTS	5

int i8042_create(const struct dev_host *host, struct dev_ref *out, struct err *e);

#endif
