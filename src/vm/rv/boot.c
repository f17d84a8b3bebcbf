/*
 * rv boot -- the riscv64 kernel loader.  See boot.h.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "vm/rv/boot.h"

#define IMAGE_HDR	64
#define IMAGE_MAGIC2	"RSC\x05"
#define ELF_MAX_PHDRS	64

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Copy @n bytes and zero up to @mem at guest @gpa; the range must lie in
 * RAM. */
static int place(const struct gmem *ram, uint64_t gpa, const void *src,
		 uint64_t n, uint64_t mem, struct err *e)
{
	uint8_t *p = mem ? gmem_ptr(ram, gpa, mem) : NULL;

	if (!p)
		return err_msg(e, -E2BIG, "%#llx bytes at %#llx do not fit in guest memory",
			       (unsigned long long)mem, (unsigned long long)gpa);
	memcpy(p, src, n);
	memset(p + n, 0, mem - n);
	return 0;
}

static int load_image(const uint8_t *f, size_t len, const struct gmem *ram,
		      struct rv_kernel *k, struct err *e)
{
	uint64_t text_offset = le64(f + 8), size = le64(f + 16);
	uint64_t base = ram->r[0].gpa;

	if (text_offset % 4096 || text_offset >= ram->r[0].size)
		return err_msg(e, -EINVAL, "RISC-V Image: text_offset %#llx not page aligned inside guest memory",
			       (unsigned long long)text_offset);
	if (size < len)		/* 0 in old kernels: the file is all */
		size = len;
	k->kind = RV_KERNEL_IMAGE;
	k->start = k->entry = base + text_offset;
	k->end = k->start + size;
	return place(ram, k->start, f, len, size, e);
}

/* The segments of an ELF64 RISC-V executable, checked before anything
 * is copied. */
static int load_elf(const uint8_t *f, size_t len, const struct gmem *ram,
		    struct rv_kernel *k, struct err *e)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	uint64_t lo = ~0ULL, hi = 0;
	int i, n, found = 0, ret;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return err_msg(e, -EINVAL, "not a little-endian ELF64 file");
	if (eh->e_machine != EM_RISCV || eh->e_type != ET_EXEC)
		return err_msg(e, -EINVAL, "not a RISC-V executable (machine %u, type %u)",
			       eh->e_machine, eh->e_type);
	n = eh->e_phnum;
	if (!n || n > ELF_MAX_PHDRS || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > len || (uint64_t)n * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return err_msg(e, -EINVAL, "bad ELF program header table");
	memcpy(ph, f + eh->e_phoff, n * sizeof(Elf64_Phdr));
	k->entry = 0;
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > len ||
		    ph[i].p_filesz > len - ph[i].p_offset)
			return err_msg(e, -EINVAL, "ELF segment %d outside the file", i);
		if (!gmem_ptr(ram, ph[i].p_paddr, ph[i].p_memsz))
			return err_msg(e, -E2BIG, "ELF segment %d (%#llx bytes at %#llx) outside guest memory",
				       i, (unsigned long long)ph[i].p_memsz,
				       (unsigned long long)ph[i].p_paddr);
		if (eh->e_entry - ph[i].p_vaddr < ph[i].p_memsz) {
			k->entry = ph[i].p_paddr + (eh->e_entry - ph[i].p_vaddr);
			found = 1;
		}
		if (ph[i].p_paddr < lo)
			lo = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > hi)
			hi = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (!found)
		return err_msg(e, -EINVAL, "ELF entry %#llx is in no loaded segment",
			       (unsigned long long)eh->e_entry);
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		ret = place(ram, ph[i].p_paddr, f + ph[i].p_offset, ph[i].p_filesz,
			    ph[i].p_memsz, e);
		if (ret < 0)
			return ret;
	}
	k->kind = RV_KERNEL_ELF;
	k->start = lo;
	k->end = hi;
	return 0;
}

int rv_boot_load(const void *file, size_t len, const struct gmem *ram,
		 struct rv_kernel *k, struct err *e)
{
	const uint8_t *f = file;

	memset(k, 0, sizeof(*k));
	if (!len)
		return err_msg(e, -EINVAL, "empty file");
	if (ram->n < 1)
		return err_msg(e, -EINVAL, "no guest memory");
	if (len >= IMAGE_HDR && !memcmp(f + 0x38, IMAGE_MAGIC2, 4))
		return load_image(f, len, ram, k, e);
	if (len >= 4 && !memcmp(f, ELFMAG, SELFMAG))
		return load_elf(f, len, ram, k, e);
	k->kind = RV_KERNEL_RAW;
	k->start = k->entry = ram->r[0].gpa + RV_KERNEL_OFFSET;
	k->end = k->start + len;
	return place(ram, k->start, f, len, len, e);
}
