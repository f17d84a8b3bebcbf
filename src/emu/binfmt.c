/*
 * binfmt -- register strata with binfmt_misc for riscv64 ELF programs
 * (Documentation/admin-guide/binfmt-misc.rst).
 *
 * The registration is the one qemu-user-static makes for qemu-riscv64
 * (magic and mask from qemu's scripts/qemu-binfmt-conf.sh: a 64-bit
 * little-endian ELF, e_type EXEC or DYN, e_machine 243) under the name
 * strata-riscv64, with flags:
 *
 *	P  preserve argv[0]: the kernel runs `strata PATH ARGV0 ARGS...`
 *	O  open the program for the interpreter: the fd arrives as
 *	   AT_EXECFD, which tells strata it runs for binfmt_misc (cli.c)
 *	F  fix the binary: the kernel opens the interpreter once, at
 *	   registration, and uses that open file for every program after.
 *	   Without F the interpreter's path is looked up at each exec in
 *	   the mount namespace of the program, and inside a container (a
 *	   riscv64 root: strata ct run --template rv-busybox) that path
 *	   does not exist.  The price: rebuilding strata does not change
 *	   what runs until `install` is run again (it re-registers).  The
 *	   interpreter must then also be static (strata-emu): its own
 *	   x86-64 loader would be looked up in the container's root.
 *
 * binfmt_misc is the host's: only the entry named strata-riscv64 is
 * ever written; another one for riscv64 (qemu-riscv64) is left alone.
 * When both are enabled the kernel takes the one registered last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "emu/binfmt.h"

#define RV64_MAGIC "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00" \
		   "\\x02\\x00\\xf3\\x00"
#define RV64_MASK  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff" \
		   "\\xfe\\xff\\xff\\xff"
/* how binfmt_misc shows the magic in an entry file */
#define RV64_MAGIC_HEX "7f454c460201010000000000000000000200f300"

static int binfmt_write(const char *path, const char *s, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set(e, -errno, "%s", path);
	n = write(fd, s, strlen(s));
	if (n < 0) {
		int ret = err_set(e, -errno, "%s", path);

		close(fd);
		return ret;
	}
	close(fd);
	return 0;
}

int binfmt_mount(struct err *e)
{
	if (access(BINFMT_DIR "/register", F_OK) == 0)
		return 0;
	if (mount("binfmt_misc", BINFMT_DIR, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return err_set(e, -errno, "mount binfmt_misc on %s", BINFMT_DIR);
	return 0;
}

int binfmt_install(const char *interp, struct err *e)
{
	char reg[1024];
	int ret;

	if (interp[0] != '/' || strlen(interp) >= 256 || strchr(interp, ':'))
		return err_msg(e, -EINVAL, "interpreter path %s: absolute, no ':', under 256 bytes",
			       interp);
	ret = binfmt_mount(e);
	if (ret < 0)
		return ret;
	ret = binfmt_remove(e);		/* ours only: a new path replaces it */
	if (ret < 0)
		return ret;
	snprintf(reg, sizeof(reg), ":%s:M::%s:%s:%s:%s", BINFMT_NAME, RV64_MAGIC, RV64_MASK,
		 interp, BINFMT_FLAGS);
	ret = binfmt_write(BINFMT_DIR "/register", reg, e);
	return ret < 0 ? err_wrap(e, "register %s", BINFMT_NAME) : 0;
}

int binfmt_interp_dynamic(const char *path)
{
	Elf64_Ehdr h;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), dyn = 0, i;

	if (fd < 0)
		return 0;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || memcmp(h.e_ident, ELFMAG, SELFMAG) ||
	    h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_phentsize != sizeof(ph))
		goto out;
	for (i = 0; i < h.e_phnum && !dyn; i++) {
		if (pread(fd, &ph, sizeof(ph), h.e_phoff + (off_t)i * sizeof(ph)) != sizeof(ph))
			break;
		dyn = ph.p_type == PT_INTERP;
	}
out:
	close(fd);
	return dyn;
}

int binfmt_remove(struct err *e)
{
	int ret;

	if (access(BINFMT_DIR "/" BINFMT_NAME, F_OK) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "%s", BINFMT_DIR "/" BINFMT_NAME);
	ret = binfmt_write(BINFMT_DIR "/" BINFMT_NAME, "-1", e);
	return ret < 0 ? ret : 1;
}

/* One entry file: "enabled", "interpreter X", "flags: PO", "magic H". */
static int binfmt_read_entry(const char *name, struct binfmt_entry *out)
{
	char path[512], line[512];
	int riscv = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", BINFMT_DIR, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "enabled"))
			out->enabled = 1;
		else if (!strncmp(line, "interpreter ", 12))
			snprintf(out->interpreter, sizeof(out->interpreter), "%.255s", line + 12);
		else if (!strncmp(line, "flags: ", 7))
			snprintf(out->flags, sizeof(out->flags), "%.15s", line + 7);
		else if (!strncmp(line, "magic ", 6))
			riscv = !strcmp(line + 6, RV64_MAGIC_HEX);
	}
	fclose(f);
	return riscv;
}

int binfmt_status(struct binfmt_entry *v, int max, int *enabled, struct err *e)
{
	char line[32] = "";
	struct dirent *d;
	int n = 0;
	FILE *f;
	DIR *dir;

	*enabled = -1;
	f = fopen(BINFMT_DIR "/status", "re");
	if (!f)
		return 0;	/* not mounted: nothing registered we can see */
	if (fgets(line, sizeof(line), f))
		*enabled = !strncmp(line, "enabled", 7);
	fclose(f);
	dir = opendir(BINFMT_DIR);
	if (!dir)
		return err_set(e, -errno, "%s", BINFMT_DIR);
	while ((d = readdir(dir)) && n < max) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "register") ||
		    !strcmp(d->d_name, "status"))
			continue;
		if (binfmt_read_entry(d->d_name, &v[n]))
			n++;
	}
	closedir(dir);
	return n;
}
