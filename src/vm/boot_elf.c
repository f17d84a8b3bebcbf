/*
 * boot_elf -- direct boot of an ELF64 x86-64 kernel (System V gABI,
 * ELF-64 Object File Format 1.5), and the PVH boot information.
 *
 * The loader validates the whole file before it copies a byte: ELF
 * header, program header table inside the file, every PT_LOAD's file
 * part inside the file and its memory part inside guest RAM above the
 * boot area, segments disjoint, the entry inside a loaded segment.  A
 * kernel with a Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (name "Xen", type
 * 18; Linux's arch/x86/platform/pvh/head.S) is entered there in 32-bit
 * mode with hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h)
 * as the PVH ABI says; any other kernel at e_entry in 64-bit mode.
 * Segments load by physical address (p_paddr); the 64-bit entry is
 * translated from virtual to physical through its segment, since the
 * VMM's page tables are an identity map.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vm/boot.h"

#define EM_X86_64		62
#define ET_EXEC			2
#define PT_LOAD			1
#define PT_NOTE			4
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define ELF_MAX_PHDRS		128

#define HVM_START_MAGIC		0x336ec578

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* [off, off+len) inside a buffer of @size bytes, without overflow */
static int in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static int elf_header(const struct elf64_ehdr *h, size_t size, struct err *e)
{
	if (size < 4 || memcmp(h, "\177ELF", 4))
		return err_msg(e, -ENOEXEC, "not an ELF file");
	if (size < sizeof(*h))
		return err_msg(e, -ENOEXEC, "truncated ELF header");
	if (h->ident[4] != 2)
		return err_msg(e, -ENOEXEC, "not a 64-bit ELF file");
	if (h->ident[5] != 1)
		return err_msg(e, -ENOEXEC, "not a little-endian ELF file");
	if (h->machine != EM_X86_64)
		return err_msg(e, -ENOEXEC, "not an x86-64 kernel (ELF machine %u)",
			       h->machine);
	if (h->type != ET_EXEC)
		return err_msg(e, -ENOEXEC, "not an executable ELF file (type %u)",
			       h->type);
	if (h->phentsize != sizeof(struct elf64_phdr) || !h->phnum ||
	    h->phnum > ELF_MAX_PHDRS ||
	    !in_file(h->phoff, (uint64_t)h->phnum * sizeof(struct elf64_phdr), size))
		return err_msg(e, -ENOEXEC, "bad ELF program header table");
	if (h->phoff % 8)
		return err_msg(e, -ENOEXEC, "misaligned ELF program header table");
	return 0;
}

static int elf_add_load(const struct elf64_phdr *p, size_t size,
			uint64_t mem_size, struct boot_elf *k, struct err *e)
{
	struct boot_elf_seg *s;
	int i;

	if (!p->memsz)
		return 0;
	if (p->filesz > p->memsz || !in_file(p->offset, p->filesz, size))
		return err_msg(e, -ENOEXEC, "segment outside the file");
	if (p->paddr > mem_size || p->memsz > mem_size - p->paddr)
		return err_msg(e, -E2BIG, "segment outside guest memory (%#llx+%#llx, memory %llu MiB)",
			       (unsigned long long)p->paddr,
			       (unsigned long long)p->memsz,
			       (unsigned long long)(mem_size >> 20));
	if (p->paddr < BOOT_KERNEL_MIN)
		return err_msg(e, -ENOEXEC, "segment below 1 MiB (%#llx), where the boot area is",
			       (unsigned long long)p->paddr);
	for (i = 0; i < k->nseg; i++)
		if (p->paddr < k->seg[i].paddr + k->seg[i].memsz &&
		    k->seg[i].paddr < p->paddr + p->memsz)
			return err_msg(e, -ENOEXEC, "overlapping segments");
	if (k->nseg == BOOT_ELF_MAX_SEGS)
		return err_msg(e, -ENOEXEC, "more than %d loadable segments",
			       BOOT_ELF_MAX_SEGS);
	s = &k->seg[k->nseg++];
	s->paddr = p->paddr;
	s->offset = p->offset;
	s->filesz = p->filesz;
	s->memsz = p->memsz;
	if (k->nseg == 1 || p->paddr < k->lo)
		k->lo = p->paddr;
	if (p->paddr + p->memsz > k->hi)
		k->hi = p->paddr + p->memsz;
	return 0;
}

/* Walk the notes of one PT_NOTE segment for the PVH entry.  Each note:
 * namesz, descsz, type (4 bytes each), name and desc padded to 4. */
static int elf_notes(const uint8_t *file, const struct elf64_phdr *p,
		     size_t size, struct boot_elf *k, struct err *e)
{
	const uint8_t *n;
	uint64_t off = 0, nsz, dsz, step;
	uint32_t w[3];

	if (!in_file(p->offset, p->filesz, size))
		return err_msg(e, -ENOEXEC, "note segment outside the file");
	n = file + p->offset;
	while (p->filesz - off >= 12) {
		memcpy(w, n + off, 12);
		nsz = ((uint64_t)w[0] + 3) & ~3ULL;
		dsz = ((uint64_t)w[1] + 3) & ~3ULL;
		step = 12 + nsz + dsz;
		if (step > p->filesz - off)
			return err_msg(e, -ENOEXEC, "truncated ELF note");
		if (w[2] == XEN_ELFNOTE_PHYS32_ENTRY && w[0] == 4 &&
		    !memcmp(n + off + 12, "Xen", 4)) {
			if (w[1] != 4 && w[1] != 8)
				return err_msg(e, -ENOEXEC, "bad PVH entry note");
			memcpy(&k->pvh_entry, n + off + 12 + nsz, 4);
			k->pvh = 1;
		}
		off += step;
	}
	return 0;
}

/* The entry must fall inside a loaded segment: @va through the segment
 * whose virtual range holds it (vaddr == paddr for most test kernels), or
 * as a physical address, as Linux's vmlinux gives it (e_entry 0x1000000
 * while its segments are linked at 0xffffffff81000000).  A PVH kernel is
 * entered through its note instead, so its e_entry is not checked. */
static int elf_entry(const struct elf64_ehdr *h, const struct elf64_phdr *ph,
		     struct boot_elf *k, struct err *e)
{
	int i;

	for (i = 0; i < h->phnum; i++) {
		const struct elf64_phdr *p = &ph[i];

		if (p->type != PT_LOAD || !p->memsz)
			continue;
		if (h->entry >= p->vaddr && h->entry - p->vaddr < p->memsz) {
			k->entry = p->paddr + (h->entry - p->vaddr);
			break;
		}
		if (h->entry >= p->paddr && h->entry - p->paddr < p->memsz) {
			k->entry = h->entry;
			break;
		}
	}
	if (!k->pvh && i == h->phnum)
		return err_msg(e, -ENOEXEC, "entry point %#llx outside the kernel's segments",
			       (unsigned long long)h->entry);
	if (!k->pvh)
		return 0;
	for (i = 0; i < k->nseg; i++)
		if (k->pvh_entry >= k->seg[i].paddr &&
		    k->pvh_entry - k->seg[i].paddr < k->seg[i].memsz)
			return 0;
	return err_msg(e, -ENOEXEC, "PVH entry %#x outside the kernel's segments",
		       k->pvh_entry);
}

int boot_elf_parse(const void *file, size_t size, uint64_t mem_size,
		   struct boot_elf *out, struct err *e)
{
	const struct elf64_ehdr *h = file;
	struct elf64_ehdr hdr;
	struct elf64_phdr ph[ELF_MAX_PHDRS];
	int i, ret;

	memset(out, 0, sizeof(*out));
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, h, size < sizeof(hdr) ? size : sizeof(hdr));
	ret = elf_header(&hdr, size, e);
	if (ret < 0)
		return ret;
	memcpy(ph, (const uint8_t *)file + hdr.phoff, hdr.phnum * sizeof(ph[0]));
	for (i = 0; i < hdr.phnum; i++) {
		if (ph[i].type == PT_LOAD)
			ret = elf_add_load(&ph[i], size, mem_size, out, e);
		else if (ph[i].type == PT_NOTE)
			ret = elf_notes(file, &ph[i], size, out, e);
		if (ret < 0)
			return ret;
	}
	if (!out->nseg)
		return err_msg(e, -ENOEXEC, "no loadable segment");
	return elf_entry(&hdr, ph, out, e);
}

int boot_elf_load(const struct boot_elf *k, const void *file,
		  const struct vm_mem *mem, struct err *e)
{
	const struct boot_elf_seg *s;
	uint8_t *dst;
	int i;

	for (i = 0; i < k->nseg; i++) {
		s = &k->seg[i];
		dst = guest_ptr(mem, s->paddr, s->memsz);
		if (!dst)
			return err_msg(e, -E2BIG, "segment outside guest memory");
		memcpy(dst, (const uint8_t *)file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

/* Low RAM up to the EBDA, the EBDA and the BIOS area (where the ACPI
 * and MP tables are) reserved, RAM from 1 MiB on. */
int boot_memmap(uint64_t mem_size, struct boot_e820 *map)
{
	const struct boot_e820 pc[BOOT_E820_MAX] = {
		{ 0, BOOT_LOW_RAM_END, BOOT_E820_RAM },
		{ BOOT_LOW_RAM_END, 0xa0000 - BOOT_LOW_RAM_END, BOOT_E820_RESERVED },
		{ BOOT_BIOS_START, BOOT_KERNEL_MIN - BOOT_BIOS_START, BOOT_E820_RESERVED },
		{ BOOT_KERNEL_MIN, mem_size - BOOT_KERNEL_MIN, BOOT_E820_RAM },
	};

	memcpy(map, pc, sizeof(pc));
	return BOOT_E820_MAX;
}

static int pvh_memmap(const struct vm_mem *mem, struct hvm_start_info *si)
{
	struct boot_e820 map[BOOT_E820_MAX];
	struct hvm_memmap_entry *dst;
	int i, n = boot_memmap(mem->size, map);

	dst = guest_ptr(mem, BOOT_MEMMAP, n * sizeof(*dst));
	if (!dst)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		dst[i].addr = map[i].addr;
		dst[i].size = map[i].size;
		dst[i].type = map[i].type;
		dst[i].reserved = 0;
	}
	si->memmap_paddr = BOOT_MEMMAP;
	si->memmap_entries = n;
	return 0;
}

int boot_cmdline(const struct vm_mem *mem, const char *cmdline, size_t max,
		 struct err *e)
{
	size_t len = cmdline ? strlen(cmdline) : 0;
	char *cl;

	if (max > BOOT_CMDLINE_MAX - 1)
		max = BOOT_CMDLINE_MAX - 1;
	if (len > max)
		return err_msg(e, -E2BIG, "command line longer than %zu bytes", max);
	cl = guest_ptr(mem, BOOT_CMDLINE, BOOT_CMDLINE_MAX);
	if (!cl)
		return err_msg(e, -ENOMEM, "guest memory too small for the boot area");
	memcpy(cl, cmdline ? cmdline : "", len + 1);
	return 0;
}

int boot_pvh_info(const struct vm_mem *mem, const char *cmdline,
		  uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp,
		  struct err *e)
{
	struct hvm_start_info *si = guest_ptr(mem, BOOT_START_INFO, sizeof(*si));
	struct hvm_modlist_entry *mod = guest_ptr(mem, BOOT_MODLIST, sizeof(*mod));
	int ret;

	ret = boot_cmdline(mem, cmdline, BOOT_CMDLINE_MAX - 1, e);
	if (ret < 0)
		return ret;
	if (!si || !mod || pvh_memmap(mem, si) < 0)
		return err_msg(e, -ENOMEM, "guest memory too small for the boot area");
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->flags = 0;
	si->cmdline_paddr = BOOT_CMDLINE;
	si->rsdp_paddr = rsdp;
	si->nr_modules = 0;
	si->modlist_paddr = 0;
	if (initrd_size) {
		mod->paddr = initrd_addr;
		mod->size = initrd_size;
		mod->cmdline_paddr = 0;
		mod->reserved = 0;
		si->nr_modules = 1;
		si->modlist_paddr = BOOT_MODLIST;
	}
	return 0;
}
