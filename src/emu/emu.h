/*
 * emu -- `strata emu`: riscv64 Linux programs on this x86-64.
 */
#ifndef STRATA_EMU_EMU_H
#define STRATA_EMU_EMU_H

int emu_main(int argc, char **argv);

#endif
