/*
 * emu -- `strata emu`: riscv64 Linux programs on this x86-64.
 */
#ifndef STRATA_EMU_EMU_H
#define STRATA_EMU_EMU_H

int emu_main(int argc, char **argv);

/* strata started by binfmt_misc for a riscv64 program (`strata emu
 * binfmt install`): then main() hands argv to emu_binfmt_main(). */
int emu_binfmt_invoked(void);
int emu_binfmt_main(int argc, char **argv);

#endif
