/*
 * elf -- ELF64 riscv64 programs: header validation and loading.
 *
 * Follows the System V gABI (ELF header, program headers) and the RISC-V
 * psABI.  The whole header and every program header are checked before
 * anything is mapped, so a hostile file fails with one line and leaves
 * no mapping behind.  Segments are copied, not file-mapped: two segments
 * may share a page (the gABI allows it), and a copy needs no alignment
 * agreement between p_offset and p_vaddr.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/elf.h"
#include "emu/vma.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

static const char *elf_machine_name(unsigned int m, int class32)
{
	switch (m) {
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return class32 ? "riscv32" : "riscv64";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390x";
	case EM_MIPS:
		return "mips";
	default:
		return NULL;
	}
}

/* The identification bytes, machine and type: what kind of file is it? */
static int elf_check_ident(const unsigned char *b, size_t len, struct err *e)
{
	const Elf64_Ehdr *h = (const Elf64_Ehdr *)b;
	unsigned int machine;
	const char *name;
	int class32;

	if (len < 4 || memcmp(b, ELFMAG, SELFMAG))
		return err_msg(e, -ENOEXEC, "not an ELF file");
	if (len < 20)
		return err_msg(e, -ENOEXEC, "truncated ELF header");
	class32 = b[EI_CLASS] == ELFCLASS32;
	/* e_machine sits at offset 18 in both classes and both byte orders
	 * when read as the little-endian riscv64 we want. */
	machine = b[EI_DATA] == ELFDATA2MSB ? (unsigned)b[18] << 8 | b[19] :
					      (unsigned)b[19] << 8 | b[18];
	if (machine != EM_RISCV || class32) {
		name = elf_machine_name(machine, class32);
		if (name)
			return err_msg(e, -ENOEXEC, "wrong architecture: %s, expected riscv64", name);
		return err_msg(e, -ENOEXEC, "wrong architecture: machine %u, expected riscv64",
			       machine);
	}
	if (b[EI_CLASS] != ELFCLASS64)
		return err_msg(e, -ENOEXEC, "bad ELF class %u, expected 64-bit", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB)
		return err_msg(e, -ENOEXEC, "big-endian ELF, expected little-endian riscv64");
	if (len < sizeof(Elf64_Ehdr))
		return err_msg(e, -ENOEXEC, "truncated ELF header");
	if (b[EI_VERSION] != EV_CURRENT || h->e_version != EV_CURRENT)
		return err_msg(e, -ENOEXEC, "bad ELF version");
	if (h->e_type != ET_EXEC && h->e_type != ET_DYN)
		return err_msg(e, -ENOEXEC, "not an executable (ELF type %u)", h->e_type);
	if (h->e_ehsize < sizeof(Elf64_Ehdr))
		return err_msg(e, -ENOEXEC, "bad ELF header size %u", h->e_ehsize);
	return 0;
}

/* One PT_LOAD: inside the file, inside the address space. */
static int elf_check_load(const Elf64_Phdr *ph, size_t len, int dyn,
			  struct err *e)
{
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return err_msg(e, -ENOEXEC, "truncated segment");
	if (ph->p_filesz > ph->p_memsz)
		return err_msg(e, -ENOEXEC, "bad segment: file size above memory size");
	if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)))
		return err_msg(e, -ENOEXEC, "bad segment alignment %#llx",
			       (unsigned long long)ph->p_align);
	if (ph->p_vaddr >= ELF_TOP || ph->p_memsz > ELF_MAX_SPAN ||
	    ph->p_vaddr + ph->p_memsz > ELF_TOP)
		return err_msg(e, -ENOEXEC, "segment at %#llx outside the address space",
			       (unsigned long long)ph->p_vaddr);
	if (!dyn && ph->p_memsz && ph->p_vaddr < 0x10000)
		return err_msg(e, -ENOEXEC, "segment at %#llx below the lowest mappable address",
			       (unsigned long long)ph->p_vaddr);
	return 0;
}

static int elf_prot(uint32_t flags)
{
	int prot = 0;

	if (flags & PF_R)
		prot |= PROT_READ;
	if (flags & PF_W)
		prot |= PROT_WRITE;
	if (flags & PF_X)
		prot |= PROT_EXEC;
	return prot;
}

static int elf_take_interp(const unsigned char *b, size_t len,
			   const Elf64_Phdr *ph, struct elf_info *info,
			   struct err *e)
{
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return err_msg(e, -ENOEXEC, "truncated segment");
	if (ph->p_filesz < 2 || ph->p_filesz > ELF_INTERP_MAX)
		return err_msg(e, -ENOEXEC, "bad interpreter path length %llu",
			       (unsigned long long)ph->p_filesz);
	if (b[ph->p_offset + ph->p_filesz - 1] != '\0' ||
	    memchr(b + ph->p_offset, '\0', ph->p_filesz - 1))
		return err_msg(e, -ENOEXEC, "bad interpreter path");
	if (info->interp[0])
		return err_msg(e, -ENOEXEC, "two interpreters");
	memcpy(info->interp, b + ph->p_offset, ph->p_filesz);
	return 0;
}

/* Segments ascend and do not overlap (gABI: "sorted on p_vaddr"); the
 * entry point and the program headers lie inside them. */
static int elf_check_layout(struct elf_info *info, const Elf64_Ehdr *h,
			    uint64_t phdr_vaddr, struct err *e)
{
	uint64_t prev_end = 0;
	int i, entry_ok = 0;

	if (!info->nsegs)
		return err_msg(e, -ENOEXEC, "no loadable segment");
	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];

		if (i && s->vaddr < prev_end)
			return err_msg(e, -ENOEXEC, "overlapping segments");
		prev_end = s->vaddr + s->memsz;
		if (h->e_entry >= s->vaddr && h->e_entry < s->vaddr + s->memsz)
			entry_ok = 1;
		if (!phdr_vaddr && h->e_phoff >= s->offset &&
		    h->e_phoff + (uint64_t)h->e_phnum * sizeof(Elf64_Phdr) <= s->offset + s->filesz)
			phdr_vaddr = s->vaddr + (h->e_phoff - s->offset);
	}
	info->lo = PAGE_DOWN(info->segs[0].vaddr);
	info->hi = PAGE_UP(prev_end);
	if (info->hi - info->lo > ELF_MAX_SPAN)
		return err_msg(e, -ENOEXEC, "segments span more than %llu GiB",
			       ELF_MAX_SPAN >> 30);
	if (!entry_ok)
		return err_msg(e, -ENOEXEC, "entry point %#llx outside the program",
			       (unsigned long long)h->e_entry);
	info->entry = h->e_entry;
	info->phdr = phdr_vaddr;
	return 0;
}

int elf_parse(const void *buf, size_t len, struct elf_info *info, struct err *e)
{
	const unsigned char *b = buf;
	const Elf64_Ehdr *h = buf;
	uint64_t phdr_vaddr = 0;
	Elf64_Phdr ph;
	unsigned int i;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = elf_check_ident(b, len, e);
	if (ret < 0)
		return ret;
	info->dyn = h->e_type == ET_DYN;
	if (h->e_phentsize != sizeof(Elf64_Phdr))
		return err_msg(e, -ENOEXEC, "bad program header size %u", h->e_phentsize);
	if (h->e_phnum == 0 || h->e_phnum > ELF_MAX_PHDRS)
		return err_msg(e, -ENOEXEC, "bad program header count %u", h->e_phnum);
	if (h->e_phoff > len || (uint64_t)h->e_phnum * sizeof(ph) > len - h->e_phoff)
		return err_msg(e, -ENOEXEC, "truncated program headers");
	info->phnum = h->e_phnum;
	for (i = 0; i < h->e_phnum; i++) {
		memcpy(&ph, b + h->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP) {
			ret = elf_take_interp(b, len, &ph, info, e);
		} else if (ph.p_type == PT_PHDR) {
			phdr_vaddr = ph.p_vaddr;
		} else if (ph.p_type == PT_LOAD) {
			ret = elf_check_load(&ph, len, info->dyn, e);
			if (ret == 0 && info->nsegs == ELF_MAX_LOADS)
				ret = err_msg(e, -ENOEXEC, "more than %d segments", ELF_MAX_LOADS);
			if (ret == 0 && ph.p_memsz) {
				struct elf_seg *s = &info->segs[info->nsegs++];

				s->vaddr = ph.p_vaddr;
				s->memsz = ph.p_memsz;
				s->offset = ph.p_offset;
				s->filesz = ph.p_filesz;
				s->prot = elf_prot(ph.p_flags);
			}
		}
		if (ret < 0)
			return ret;
	}
	return elf_check_layout(info, h, phdr_vaddr, e);
}

/* Reserve the span: at its own address (ET_EXEC), at @pref (ET_DYN), or
 * where the kernel likes.  MAP_FIXED_NOREPLACE never clobbers strata. */
static int elf_reserve(const struct elf_info *info, uint64_t pref,
		       uint64_t *bias, struct err *e)
{
	size_t span = info->hi - info->lo;
	void *p = MAP_FAILED;

	if (!info->dyn) {
		p = mmap((void *)info->lo, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			return err_set(e, -errno, "cannot map the program at %#llx",
				       (unsigned long long)info->lo);
		if (p != (void *)info->lo) {	/* kernels before 4.17: a hint */
			munmap(p, span);
			return err_msg(e, -EEXIST, "cannot map the program at %#llx",
				       (unsigned long long)info->lo);
		}
		*bias = 0;
		return 0;
	}
	if (pref) {
		p = mmap((void *)pref, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && p != (void *)pref) {
			munmap(p, span);
			p = MAP_FAILED;
		}
	}
	if (p == MAP_FAILED)
		p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return err_set(e, -errno, "cannot map %zu bytes", span);
	*bias = (uint64_t)(uintptr_t)p - info->lo;
	return 0;
}

/*
 * The file part of each segment (the rest stays zero, the .bss), then
 * each page's protection.  Whole pages that are the segment's alone are
 * mapped from the file (MAP_PRIVATE, as Linux maps a program): the pages
 * the program never touches then cost nothing, which is most of a large
 * static program (busybox: 1.7 MB of code, a few dozen pages run per
 * command).  A page shared by two segments, the partial page at the end
 * of the file part and a segment whose offset and address disagree
 * modulo the page size are copied.  A page shared by two segments gets
 * both protections.  PROT_EXEC is the guest's business: the host never
 * executes guest pages, so it becomes PROT_READ.
 */
static void elf_fill(const struct elf_info *info, const unsigned char *file, int fd,
		     uint64_t bias)
{
	uint64_t prev_last = ~0ULL;
	int i, prev_prot = 0;

	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		uint64_t lo = PAGE_DOWN(s->vaddr), hi = PAGE_DOWN(s->vaddr + s->filesz);
		void *m = MAP_FAILED;

		if (i > 0 && PAGE_UP(info->segs[i - 1].vaddr + info->segs[i - 1].memsz) > lo)
			lo += PAGE;	/* shared with the segment before */
		if (i + 1 < info->nsegs && PAGE_DOWN(info->segs[i + 1].vaddr) < hi)
			hi = PAGE_DOWN(info->segs[i + 1].vaddr);
		if ((s->vaddr - s->offset) % PAGE == 0 && hi > lo && s->vaddr - lo <= s->offset)
			m = mmap((void *)(uintptr_t)(lo + bias), hi - lo, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_FIXED, fd, (off_t)(s->offset - (s->vaddr - lo)));
		if (m == MAP_FAILED) {
			memcpy((void *)(uintptr_t)(s->vaddr + bias), file + s->offset, s->filesz);
			continue;
		}
		if (lo > s->vaddr)	/* the head in a shared page */
			memcpy((void *)(uintptr_t)(s->vaddr + bias), file + s->offset, lo - s->vaddr);
		if (s->vaddr + s->filesz > hi)	/* the tail */
			memcpy((void *)(uintptr_t)(hi + bias), file + s->offset + (hi - s->vaddr),
			       s->vaddr + s->filesz - hi);
	}
	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		uint64_t first = PAGE_DOWN(s->vaddr), last = PAGE_UP(s->vaddr + s->memsz);
		int prot = s->prot & PROT_EXEC ? (s->prot & ~PROT_EXEC) | PROT_READ : s->prot;

		if (first == prev_last) {
			mprotect((void *)(uintptr_t)(first + bias), PAGE, prot | prev_prot);
			first += PAGE;
		}
		if (last > first)
			mprotect((void *)(uintptr_t)(first + bias), last - first, prot);
		prev_last = last - PAGE;
		prev_prot = prot;
	}
}

int elf_load(const char *path, uint64_t pref_base, struct elf_image *img,
	     struct err *e)
{
	struct elf_info *info;
	struct stat st;
	void *file;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		ret = err_set(e, -errno, "%s", path);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = err_msg(e, -EACCES, "%s: not a regular file", path);
		goto out_close;
	}
	if (st.st_size == 0) {
		ret = err_msg(e, -ENOEXEC, "%s: not an ELF file", path);
		goto out_close;
	}
	file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED) {
		ret = err_set(e, -errno, "%s", path);
		goto out_close;
	}
	info = malloc(sizeof(*info));
	if (!info) {
		ret = err_set(e, -ENOMEM, "%s", path);
		goto out_unmap;
	}
	ret = elf_parse(file, st.st_size, info, e);
	if (ret == 0)
		ret = elf_reserve(info, pref_base, &img->bias, e);
	if (ret < 0) {
		err_wrap(e, "%s", path);
		goto out_free;
	}
	elf_fill(info, file, fd, img->bias);
	img->entry = info->entry + img->bias;
	img->phdr = info->phdr ? info->phdr + img->bias : 0;
	img->phnum = info->phnum;
	img->lo = info->lo + img->bias;
	img->hi = info->hi + img->bias;
	img->end = info->segs[info->nsegs - 1].vaddr +
		   info->segs[info->nsegs - 1].memsz + img->bias;
	memcpy(img->interp, info->interp, sizeof(img->interp));
out_free:
	free(info);
out_unmap:
	munmap(file, st.st_size);
out_close:
	close(fd);
	return ret;
}
