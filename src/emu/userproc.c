/*
 * userproc -- the guest's own /proc/self files.
 *
 * The kernel describes strata's process: its maps list strata's code,
 * heap, ASan shadow and the translator's cache, its stat, statm and
 * status count all of it and name strata's code and stack.  Like
 * qemu-user (which fakes maps, stat, auxv and cmdline), an openat of
 * /proc/self/X (or /proc/<own pid>/X, /proc/thread-self/X) for reading
 * gets a memory file written here from what the guest has:
 *
 *   maps     the host's lines cut to the guest's ranges (vma.c), with x
 *            where the guest asked for PROT_EXEC (its pages are only
 *            readable on the host), [stack] and [heap] named as Linux
 *            names them
 *   stat     the host's line with the address-space fields of the
 *            guest: vsize, start/end of code and data, start of the
 *            stack, brk, argument and environment ranges
 *   statm    size, text and data of the guest (resident and shared stay
 *            the host's: those pages are not told apart)
 *   status   VmPeak, VmSize, VmData, VmStk, VmExe, VmLib of the guest
 *   smaps    maps' lines, each with the host's figures of the mapping it
 *            is cut from (scaled to its part when it is one), Size its
 *            own, and "ex" in VmFlags as in maps
 *   auxv     the vector given to the guest at start
 *   cmdline  the guest's argument strings (as it may have rewritten
 *            them)
 *
 * and /proc/cpuinfo is a riscv64 one, as Linux prints it: a processor,
 * hart, isa, mmu and uarch line per online host CPU.
 *
 * The rest of each file (pid, state, times, residency) is the host's,
 * which is the guest process's too.  Only the calling process's own
 * files are faked; another process's (ps) show what its kernel keeps
 * (comm, cmdline and environ are the guest's there: user.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/elf.h"
#include "emu/syscall.h"
#include "emu/user.h"

void user_note_exec(struct emu_proc *p, uint64_t start, uint64_t end, int exec)
{
	/* a display matter: on no memory the x is only missing */
	if (exec)
		vma_add(&p->exec, start, end);
	else
		vma_remove(&p->exec, start, end);
}

/*
 * The program's (or the loader's) segments, parsed again from the file
 * once it is loaded: which ranges are executable, and for the program
 * the code and data bounds as Linux's binfmt_elf records them.
 */
int user_proc_segments(struct emu_proc *p, const char *path, uint64_t bias,
		       int is_prog)
{
	struct elf_info *info;
	struct stat st;
	struct err e;
	void *file;
	uint64_t sc = ~0ULL, ec = 0, sd = 0, ed = 0;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return -EINVAL;
	}
	file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return -errno;
	info = malloc(sizeof(*info));
	if (!info || elf_parse(file, st.st_size, info, &e) < 0) {
		free(info);
		munmap(file, st.st_size);
		return -ENOEXEC;
	}
	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		uint64_t lo = s->vaddr + bias, fend = lo + s->filesz;

		if (s->prot & PROT_EXEC) {
			user_note_exec(p, PAGE_DOWN(lo), PAGE_UP(lo + s->memsz), 1);
			if (lo < sc)
				sc = lo;
			if (fend > ec)
				ec = fend;
		}
		if (lo > sd)
			sd = lo;
		if (fend > ed)
			ed = fend;
	}
	if (is_prog) {
		p->start_code = sc == ~0ULL ? 0 : sc;
		p->end_code = ec;
		p->start_data = sd;
		p->end_data = ed;
	}
	free(info);
	munmap(file, st.st_size);
	return 0;
}

/* ---- walking the guest's mappings ------------------------------------ */

struct piece {
	uint64_t start, end, off;
	char perm[5];
	unsigned dmaj, dmin;
	unsigned long inode;
	const char *name;
};

struct vm_sums {
	uint64_t total, exec, data, stack;	/* bytes */
};

typedef void (*piece_fn)(const struct piece *pc, void *arg);

static const char *anon_name(const struct emu_proc *p, uint64_t start)
{
	if (start >= p->stack_lo && start < p->stack_hi)
		return "[stack]";
	if (start >= p->brk_start && start < p->brk_mapped)
		return "[heap]";
	return "";
}

/* one host line's part [s, e), cut where the guest's PROT_EXEC changes
 * and where its stack and heap begin and end (Linux's mappings would) */
static void emit_split(const struct emu_proc *p, struct piece *pc,
		       uint64_t line_start, uint64_t line_off, uint64_t s,
		       uint64_t e, piece_fn fn, void *arg)
{
	const uint64_t edges[] = { p->stack_lo, p->stack_hi, p->brk_start,
				   p->brk_mapped };
	const char *name = pc->name;
	unsigned k;
	int i;

	while (s < e) {
		uint64_t cut = e;
		int x = 0;

		for (k = 0; k < sizeof(edges) / sizeof(edges[0]); k++)
			if (edges[k] > s && edges[k] < cut)
				cut = edges[k];

		for (i = 0; i < p->exec.n; i++) {
			const struct vma_range *r = &p->exec.v[i];

			if (r->end <= s)
				continue;
			if (r->start <= s) {
				x = 1;
				if (r->end < cut)
					cut = r->end;
			} else if (r->start < cut) {
				cut = r->start;
			}
			break;
		}
		pc->start = s;
		pc->end = cut;
		pc->perm[2] = x ? 'x' : '-';
		pc->off = pc->inode ? line_off + (s - line_start) : 0;
		pc->name = !pc->inode && name[0] != '/' ? anon_name(p, s) : name;
		fn(pc, arg);
		s = cut;
	}
}

/* Each part of the host's /proc/self/maps that is the guest's, in order. */
static int walk_guest(struct emu_proc *p, piece_fn fn, void *arg)
{
	char line[PATH_MAX + 128], name[PATH_MAX + 1];
	unsigned long long hs, he, off;
	uint64_t s, e;
	FILE *f;
	int pos;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	pthread_mutex_lock(&p->mm_lock);	/* the ranges and the host's maps agree */
	while (fgets(line, sizeof(line), f)) {
		struct piece pc;
		int n = 0;
		char *nm;

		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %lu %n", &hs, &he,
			   pc.perm, &off, &pc.dmaj, &pc.dmin, &pc.inode, &n) < 7)
			continue;
		nm = line + n;
		nm[strcspn(nm, "\n")] = '\0';
		snprintf(name, sizeof(name), "%s", nm);
		for (pos = 0; vma_clip_next(&p->vmas, &pos, hs, he, &s, &e); ) {
			pc.name = name;
			emit_split(p, &pc, hs, off, s, e, fn, arg);
		}
	}
	pthread_mutex_unlock(&p->mm_lock);
	fclose(f);
	return 0;
}

static void print_piece(const struct piece *pc, void *arg)
{
	FILE *out = arg;
	int n;

	n = fprintf(out, "%08llx-%08llx %s %08llx %02x:%02x %lu ",
		    (unsigned long long)pc->start, (unsigned long long)pc->end,
		    pc->perm, (unsigned long long)pc->off, pc->dmaj, pc->dmin,
		    pc->inode);
	/* Linux pads the name to column 73 */
	if (pc->name[0])
		fprintf(out, "%*s%s", n < 72 ? 72 - n + 1 : 1, "", pc->name);
	fputc('\n', out);
}

static void sum_piece(const struct piece *pc, void *arg)
{
	struct vm_sums *v = arg;
	uint64_t len = pc->end - pc->start;

	v->total += len;
	if (pc->perm[2] == 'x')
		v->exec += len;
	if (!strcmp(pc->name, "[stack]"))
		v->stack += len;
	else if (pc->perm[1] == 'w' && pc->perm[3] == 'p')
		v->data += len;
}

/* ---- the files ---------------------------------------------------------- */

/* the host's file @name of this process, whole, NUL-terminated */
static char *read_host(const char *name)
{
	char path[64], *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 1024) {
			char *nb = realloc(buf, cap + 4096);

			if (!nb)
				break;
			buf = nb;
			cap += 4096;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int write_stat(struct emu_proc *p, FILE *out)
{
	struct vm_sums v = { 0 };
	char *host = read_host("stat"), *s, *tok, *save = NULL;
	int i;

	if (!host)
		return -EIO;
	walk_guest(p, sum_piece, &v);
	s = strrchr(host, ')');
	if (!s) {
		free(host);
		return -EIO;
	}
	*s = '\0';
	fprintf(out, "%s)", host);
	/* fields from 3 (the state); 1-based as proc(5) numbers them */
	for (i = 3, tok = strtok_r(s + 1, " \n", &save); tok;
	     i++, tok = strtok_r(NULL, " \n", &save)) {
		unsigned long long val;

		switch (i) {
		case 23: val = v.total; break;
		case 26: val = p->start_code; break;
		case 27: val = p->end_code; break;
		case 28: val = p->start_stack; break;
		case 45: val = p->start_data; break;
		case 46: val = p->end_data; break;
		case 47: val = p->brk_start; break;
		case 48: val = p->arg_lo; break;
		case 49: val = p->arg_hi; break;
		default:
			fprintf(out, " %s", tok);
			continue;
		}
		fprintf(out, " %llu", val);
	}
	fputc('\n', out);
	free(host);
	return 0;
}

static int write_statm(struct emu_proc *p, FILE *out)
{
	struct vm_sums v = { 0 };
	unsigned long f[7] = { 0 };
	char *host = read_host("statm");
	uint64_t text = PAGE_UP(p->end_code) - PAGE_DOWN(p->start_code);

	if (!host)
		return -EIO;
	sscanf(host, "%lu %lu %lu %lu %lu %lu %lu", &f[0], &f[1], &f[2], &f[3],
	       &f[4], &f[5], &f[6]);
	free(host);
	walk_guest(p, sum_piece, &v);
	fprintf(out, "%llu %lu %lu %llu 0 %llu 0\n",
		(unsigned long long)(v.total / PAGE), f[1], f[2],
		(unsigned long long)(text / PAGE),
		(unsigned long long)((v.data + v.stack) / PAGE));
	return 0;
}

static int write_status(struct emu_proc *p, FILE *out)
{
	struct vm_sums v = { 0 };
	char *host = read_host("status"), *line, *save = NULL;
	uint64_t text = PAGE_UP(p->end_code) - PAGE_DOWN(p->start_code);

	if (!host)
		return -EIO;
	walk_guest(p, sum_piece, &v);
	for (line = strtok_r(host, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t kb;

		if (!strncmp(line, "VmPeak:", 7) || !strncmp(line, "VmSize:", 7))
			kb = v.total;
		else if (!strncmp(line, "VmData:", 7))
			kb = v.data;
		else if (!strncmp(line, "VmStk:", 6))
			kb = v.stack;
		else if (!strncmp(line, "VmExe:", 6))
			kb = text;
		else if (!strncmp(line, "VmLib:", 6))
			kb = v.exec > text ? v.exec - text : 0;
		else {
			fprintf(out, "%s\n", line);
			continue;
		}
		fprintf(out, "%.*s\t%8llu kB\n", (int)strcspn(line, ":") + 1,
			line, (unsigned long long)(kb / 1024));
	}
	free(host);
	return 0;
}

static int write_cmdline(const struct emu_proc *p, FILE *out)
{
	size_t len = p->arg_hi - p->arg_lo;
	char *buf = malloc(len ? len : 1);
	long n;

	if (!buf)
		return -ENOMEM;
	n = guest_read(buf, p->arg_lo, len);
	if (n > 0)
		fwrite(buf, 1, n, out);
	free(buf);
	return 0;
}

/* ---- smaps: maps' pieces with the figures of their host mapping ------- */

struct smaps_entry {
	FILE *out;
	const char *fields;	/* the host entry's lines after its header */
	uint64_t len;		/* the host entry's size */
};

/* VmFlags with "ex" as the guest asked (the host's pages never run) */
static void smaps_vmflags(FILE *out, const char *line, int x)
{
	char flags[256], *tok, *save = NULL;

	snprintf(flags, sizeof(flags), "%.*s", (int)strcspn(line, "\n"), line + 8);
	fputs("VmFlags:", out);
	for (tok = strtok_r(flags, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "ex"))
			continue;
		fprintf(out, " %s", tok);
		/* Linux's order: rd wr ex sh ... */
		if (x && (!strcmp(tok, "wr") || (!strcmp(tok, "rd") && !strstr(line, " wr"))))
			fputs(" ex", out);
	}
	fputc('\n', out);
}

static void smaps_piece(const struct piece *pc, void *arg)
{
	const struct smaps_entry *en = arg;
	uint64_t len = pc->end - pc->start;
	const char *l, *nl;

	print_piece(pc, en->out);
	for (l = en->fields; *l; l = nl + (*nl == '\n')) {
		char key[64];
		unsigned long long kb;
		int n = 0;

		nl = l + strcspn(l, "\n");
		if (!strncmp(l, "VmFlags:", 8)) {
			smaps_vmflags(en->out, l, pc->perm[2] == 'x');
		} else if (sscanf(l, "%63[^:]: %llu kB%n", key, &kb, &n) == 2 && n &&
			   strcmp(key, "KernelPageSize") && strcmp(key, "MMUPageSize")) {
			/* a part's share of its mapping's figures */
			kb = !strcmp(key, "Size") ? len >> 10 :
			     en->len ? (unsigned long long)((__uint128_t)kb * len / en->len) : 0;
			fprintf(en->out, "%s:%*llu kB\n", key,
				(int)(strlen(key) < 15 ? 23 - strlen(key) : 8), kb);
		} else {
			fprintf(en->out, "%.*s\n", (int)(nl - l), l);
		}
	}
}

static int write_smaps(struct emu_proc *p, FILE *out)
{
	char *host, *line, *next, *fields;
	unsigned long long hs, he, off;
	struct smaps_entry en = { out, NULL, 0 };
	uint64_t s, e;
	int pos;

	pthread_mutex_lock(&p->mm_lock);	/* the ranges and the host's agree */
	host = read_host("smaps");
	for (line = host; line && *line; line = next) {
		struct piece pc;
		char name[PATH_MAX + 1];
		int n = 0;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %lu %n", &hs, &he,
			   pc.perm, &off, &pc.dmaj, &pc.dmin, &pc.inode, &n) < 7 || !n)
			continue;
		snprintf(name, sizeof(name), "%s", line + n);
		/* its field lines: up to the next header (a line with '-'
		 * before the first space) */
		fields = next;
		while (*next) {
			size_t sp = strcspn(next, " ");

			if (memchr(next, '-', sp) && !memchr(next, ':', sp))
				break;
			next += strcspn(next, "\n");
			if (*next)
				next++;
		}
		if (next > fields)
			next[-1] = '\0';
		en.fields = fields;
		en.len = he - hs;
		for (pos = 0; vma_clip_next(&p->vmas, &pos, hs, he, &s, &e); ) {
			pc.name = name;
			emit_split(p, &pc, hs, off, s, e, smaps_piece, &en);
		}
	}
	pthread_mutex_unlock(&p->mm_lock);
	if (!host)
		return -EIO;
	free(host);
	return 0;
}

/* /proc/cpuinfo of a riscv64 Linux (arch/riscv/kernel/cpu.c), a block
 * per online host CPU: what strata runs is RV64IMAFDC with Zicsr and
 * Zifencei, sv39 as a Linux kernel would report for user space. */
static int write_cpuinfo(FILE *out)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	for (i = 0; i < (n > 0 ? n : 1); i++)
		fprintf(out, "processor\t: %ld\nhart\t\t: %ld\nisa\t\t: rv64imafdc_zicsr_zifencei\n"
			"mmu\t\t: sv39\nuarch\t\t: strata,emu\n\n", i, i);
	return 0;
}

/* "maps" when @path is /proc/self/maps or the like; NULL otherwise */
static const char *own_proc_file(const char *path)
{
	char own[32];
	size_t n;

	if (!strncmp(path, "/proc/self/", 11))
		return path + 11;
	if (!strncmp(path, "/proc/thread-self/", 18))
		return path + 18;
	n = (size_t)snprintf(own, sizeof(own), "/proc/%d/", getpid());
	if (!strncmp(path, own, n))
		return path + n;
	return NULL;
}

int user_proc_open(struct emu_proc *p, const char *path, int flags, long *fdp)
{
	const char *name = own_proc_file(path);
	FILE *out;
	int fd, ret;

	if (!strcmp(path, "/proc/cpuinfo"))
		name = "cpuinfo";
	else if (name && !strcmp(name, "cpuinfo"))
		return 0;	/* no /proc/self/cpuinfo */
	if (!name || (flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_PATH | O_DIRECTORY)))
		return 0;
	if (strcmp(name, "maps") && strcmp(name, "stat") &&
	    strcmp(name, "statm") && strcmp(name, "status") &&
	    strcmp(name, "auxv") && strcmp(name, "cmdline") &&
	    strcmp(name, "smaps") && strcmp(name, "cpuinfo"))
		return 0;
	fd = memfd_create(name, flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return 0;	/* the host's file then, as before */
	out = fdopen(dup(fd), "w");
	if (!out) {
		close(fd);
		return 0;
	}
	if (!strcmp(name, "maps"))
		ret = walk_guest(p, print_piece, out);
	else if (!strcmp(name, "stat"))
		ret = write_stat(p, out);
	else if (!strcmp(name, "statm"))
		ret = write_statm(p, out);
	else if (!strcmp(name, "status"))
		ret = write_status(p, out);
	else if (!strcmp(name, "smaps"))
		ret = write_smaps(p, out);
	else if (!strcmp(name, "cpuinfo"))
		ret = write_cpuinfo(out);
	else if (!strcmp(name, "auxv"))
		ret = fwrite(p->auxv, 8, p->nauxv, out) == (size_t)p->nauxv ? 0 : -EIO;
	else
		ret = write_cmdline(p, out);
	if (fclose(out) != 0 && ret == 0)
		ret = -EIO;
	if (ret < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		*fdp = ret < 0 ? ret : -EIO;
		return 1;
	}
	if (flags & O_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	*fdp = fd;
	return 1;
}
