/*
 * console -- the serial console of a background VM: the VMM reads the
 * UART's input from a FIFO in the VM's folder (console.in), its output
 * goes to console.log; `strata vm attach NAME` writes the terminal's
 * keys into the FIFO and follows the log until Ctrl-] or the VM's end.
 */
#ifndef STRATA_VM_CONSOLE_H
#define STRATA_VM_CONSOLE_H

#include "lib/err.h"

#define CONSOLE_DETACH	0x1d	/* Ctrl-] */

/* In the VMM: make NAME's console.in and open it for the UART (read and
 * write, non-blocking, so it never reads EOF when a client leaves).
 * Returns the fd or -errno. */
int console_open_in(const char *name, struct err *e);

/* `strata vm attach NAME` (argv without the command). */
int vm_attach_main(int argc, char **argv);

#endif
