/*
 * vm -- `strata vm`: whole machines, a guest kernel on virtual hardware.
 */
#ifndef STRATA_VM_VM_H
#define STRATA_VM_VM_H

int vm_main(int argc, char **argv);

#endif
