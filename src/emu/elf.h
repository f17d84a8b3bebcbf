/*
 * elf -- the ELF64 riscv64 loader of user mode: validates a program
 * header by header (the file is untrusted input) and maps its PT_LOAD
 * segments at their guest addresses.  Spec: System V gABI "Object Files"
 * chapter and the RISC-V ELF psABI (EM_RISCV = 243).
 */
#ifndef STRATA_EMU_ELF_H
#define STRATA_EMU_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define ELF_MAX_PHDRS	128	/* real programs have about ten */
#define ELF_MAX_LOADS	32
#define ELF_MAX_SPAN	(16ULL << 30)	/* a PT_LOAD span above 16G is not a program */
#define ELF_TOP		(1ULL << 47)	/* x86-64 user space ends here */
#define ELF_INTERP_MAX	4096

struct elf_seg {
	uint64_t vaddr, memsz;		/* in memory, before the load bias */
	uint64_t offset, filesz;	/* in the file */
	int prot;			/* PROT_* of the guest */
};

/* Everything the loader needs, taken from a header that passed
 * elf_parse(); no pointer into the file survives. */
struct elf_info {
	int dyn;			/* ET_DYN: position independent */
	uint64_t entry;
	uint64_t phdr;			/* guest address of the phdrs (AT_PHDR) */
	unsigned int phnum;
	uint64_t lo, hi;		/* page-rounded span of the PT_LOADs */
	int nsegs;
	struct elf_seg segs[ELF_MAX_LOADS];
	char interp[ELF_INTERP_MAX];	/* PT_INTERP, "" when static */
};

/* A program (or interpreter) once mapped; addresses include the bias. */
struct elf_image {
	uint64_t bias;			/* 0 for ET_EXEC */
	uint64_t entry, phdr;
	unsigned int phnum;
	uint64_t lo, hi;		/* mapped span */
	uint64_t end;			/* end of the highest segment (brk starts here) */
	char interp[ELF_INTERP_MAX];
};

/* Validate the whole header of the @len bytes at @buf and fill @info.
 * Never touches memory outside [buf, buf+len); the fuzz target's entry. */
int elf_parse(const void *buf, size_t len, struct elf_info *info, struct err *e);

/* Open @path, validate it and map its segments: ET_EXEC at its own
 * addresses, ET_DYN at @pref_base when that range is free, else
 * wherever the kernel puts it (@pref_base 0: kernel's choice).
 * The caller records [img->lo, img->hi) as guest memory. */
int elf_load(const char *path, uint64_t pref_base, struct elf_image *img,
	     struct err *e);

#endif
