#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm/kmod.h"

#define KMOD_DEPTH	16	/* dependency chains are short; deeper is a loop */
#define KMOD_NAME	64

/* "virtio-rng" and "virtio_rng" name the same module */
static void kmod_norm(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i] && src[i] != '.'; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = 0;
}

static void kmod_name_of(char *dst, const char *path)
{
	const char *b = strrchr(path, '/');

	kmod_norm(dst, b ? b + 1 : path, KMOD_NAME);
}

/* Section header @i copied out (the image may sit at any alignment). */
static int elf_section(const uint8_t *p, size_t len, const Elf64_Ehdr *h,
		       unsigned int i, Elf64_Shdr *s)
{
	uint64_t off = (uint64_t)i * sizeof(Elf64_Shdr);

	if (i >= h->e_shnum || h->e_shoff > len || off > len - h->e_shoff ||
	    len - h->e_shoff - off < sizeof(Elf64_Shdr))
		return -1;
	memcpy(s, p + h->e_shoff + off, sizeof(*s));
	return 0;
}

static int section_bytes(size_t len, const Elf64_Shdr *s)
{
	return s->sh_type != SHT_NOBITS && s->sh_offset <= len &&
	       s->sh_size <= len - s->sh_offset;
}

int kmod_depends(const void *elf, size_t len, char *buf, size_t bufsz)
{
	const uint8_t *p = elf;
	Elf64_Ehdr h;
	Elf64_Shdr names, s;
	unsigned int i;

	if (len < sizeof(h) || memcmp(p, ELFMAG, SELFMAG) ||
	    p[EI_CLASS] != ELFCLASS64 || !bufsz)
		return -ENOEXEC;
	memcpy(&h, p, sizeof(h));
	if (h.e_shentsize != sizeof(Elf64_Shdr) ||
	    elf_section(p, len, &h, h.e_shstrndx, &names) < 0 ||
	    !section_bytes(len, &names))
		return -ENOEXEC;
	for (i = 0; i < h.e_shnum; i++) {
		const char *strs = (const char *)p + names.sh_offset;
		size_t off;

		if (elf_section(p, len, &h, i, &s) < 0 ||
		    s.sh_name >= names.sh_size ||
		    strnlen(strs + s.sh_name, names.sh_size - s.sh_name) ==
			    names.sh_size - s.sh_name ||
		    strcmp(strs + s.sh_name, ".modinfo"))
			continue;
		if (!section_bytes(len, &s))
			return -ENOEXEC;
		/* NUL-separated "key=value" strings */
		for (off = 0; off < s.sh_size;) {
			const char *kv = (const char *)p + s.sh_offset + off;
			size_t n = strnlen(kv, s.sh_size - off);

			if (n >= 8 && !memcmp(kv, "depends=", 8)) {
				if (n - 8 >= bufsz)
					return -E2BIG;
				memcpy(buf, kv + 8, n - 8);
				buf[n - 8] = 0;
				return 0;
			}
			off += n + 1;
		}
		buf[0] = 0;
		return 0;
	}
	return -ENOEXEC;
}

/* ---- the module tree: every *.ko under DIR by name ---- */

struct kmod_tree {
	const char *dir;
	char **path;		/* relative to dir */
	char (*name)[KMOD_NAME];
	int n, cap;
	char *deps;		/* modules.dep, NUL-terminated, or NULL */
	char *builtin;		/* modules.builtin, or NULL */
};

static struct kmod_tree *walking;

static int tree_add(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	struct kmod_tree *t = walking;
	size_t l = strlen(path);

	if (type != FTW_F || l < 3 || strcmp(path + l - 3, ".ko"))
		return 0;
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 1024;
		char **p = realloc(t->path, cap * sizeof(*p));
		char (*nm)[KMOD_NAME];

		if (!p)
			return -1;
		t->path = p;
		nm = realloc(t->name, cap * sizeof(*nm));
		if (!nm)
			return -1;
		t->name = nm;
		t->cap = cap;
	}
	t->path[t->n] = strdup(path + strlen(t->dir) + 1);
	if (!t->path[t->n])
		return -1;
	kmod_name_of(t->name[t->n], path);
	t->n++;
	return 0;
}

static char *read_text(const char *dir, const char *file)
{
	char path[4096];
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (m) {
		char chunk[65536];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

static void tree_free(struct kmod_tree *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->path[i]);
	free(t->path);
	free(t->name);
	free(t->deps);
	free(t->builtin);
}

static int tree_load(struct kmod_tree *t, const char *dir, struct err *e)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->dir = dir;
	walking = t;
	ret = nftw(dir, tree_add, 32, FTW_PHYS);
	walking = NULL;
	if (ret < 0 || (ret && !errno)) {
		ret = errno ? -errno : -ENOMEM;
		tree_free(t);
		return err_set(e, ret, "modules %s", dir);
	}
	if (!t->n) {
		tree_free(t);
		return err_msg(e, -ENOENT, "modules %s: no .ko files (compressed modules are not supported)",
			       dir);
	}
	t->deps = read_text(dir, "modules.dep");
	t->builtin = read_text(dir, "modules.builtin");
	return 0;
}

static int tree_find(const struct kmod_tree *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name))
			return i;
	return -1;
}

static int tree_builtin(const struct kmod_tree *t, const char *name)
{
	const char *line = t->builtin;
	char n[KMOD_NAME];

	while (line && *line) {
		const char *end = strchrnul(line, '\n');
		char one[4096];

		snprintf(one, sizeof(one), "%.*s", (int)(end - line), line);
		kmod_name_of(n, one);
		if (!strcmp(n, name))
			return 1;
		line = *end ? end + 1 : end;
	}
	return 0;
}

/* The dependency names of module @i, comma or space separated, into @buf. */
static int tree_depends(const struct kmod_tree *t, int i, char *buf,
			size_t n, struct err *e)
{
	const char *rel = t->path[i];
	size_t rl = strlen(rel);
	const char *line = t->deps;
	char path[4096];
	struct stat st;
	void *img;
	int fd, ret;

	while (line && *line) {		/* "kernel/x/a.ko: kernel/y/b.ko ..." */
		const char *end = strchrnul(line, '\n');

		if (!strncmp(line, rel, rl) && line[rl] == ':') {
			snprintf(buf, n, "%.*s", (int)(end - line - rl - 1),
				 line + rl + 1);
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = err_set(e, -errno, "module %s", path);
		if (fd >= 0)
			close(fd);
		return ret;
	}
	img = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
			 : MAP_FAILED;
	close(fd);
	if (img == MAP_FAILED)
		return err_msg(e, -ENOEXEC, "module %s: empty or unreadable", path);
	ret = kmod_depends(img, st.st_size, buf, n);
	munmap(img, st.st_size);
	if (ret < 0)
		return err_msg(e, ret, "module %s: no readable .modinfo", path);
	return 0;
}

static int resolve_one(const struct kmod_tree *t, const char *name,
		       int depth, struct kmod_list *out, struct err *e);

static int resolve_deps(const struct kmod_tree *t, char *deps, int depth,
			struct kmod_list *out, struct err *e)
{
	char *save = NULL, *d;

	for (d = strtok_r(deps, ", \t", &save); d; d = strtok_r(NULL, ", \t", &save)) {
		char n[KMOD_NAME];
		int ret;

		kmod_name_of(n, d);
		ret = resolve_one(t, n, depth + 1, out, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int resolve_one(const struct kmod_tree *t, const char *name,
		       int depth, struct kmod_list *out, struct err *e)
{
	char deps[4096], path[4096];
	int i, ret;

	if (depth > KMOD_DEPTH)
		return err_msg(e, -ELOOP, "module %s: dependency loop", name);
	i = tree_find(t, name);
	if (i < 0) {
		if (tree_builtin(t, name))
			return 0;
		return err_msg(e, -ENOENT, "module %s: not found under %s", name, t->dir);
	}
	snprintf(path, sizeof(path), "%s/%s", t->dir, t->path[i]);
	for (int k = 0; k < out->n; k++)
		if (!strcmp(out->path[k], path))
			return 0;
	ret = tree_depends(t, i, deps, sizeof(deps), e);
	if (ret == 0)
		ret = resolve_deps(t, deps, depth, out, e);
	if (ret < 0)
		return ret;
	for (int k = 0; k < out->n; k++)	/* a dependency may have added it */
		if (!strcmp(out->path[k], path))
			return 0;
	if (out->n == KMOD_MAX)
		return err_msg(e, -E2BIG, "more than %d modules", KMOD_MAX);
	out->path[out->n] = strdup(path);
	if (!out->path[out->n])
		return err_msg(e, -ENOMEM, "out of memory");
	out->n++;
	return 0;
}

int kmod_resolve(const char *dir, const char *const *names, int n,
		 struct kmod_list *out, struct err *e)
{
	struct kmod_tree t;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = tree_load(&t, dir, e);
	if (ret < 0)
		return ret;
	for (int i = 0; ret == 0 && i < n; i++) {
		char nm[KMOD_NAME];

		kmod_norm(nm, names[i], sizeof(nm));
		ret = resolve_one(&t, nm, 0, out, e);
	}
	tree_free(&t);
	if (ret < 0)
		kmod_list_free(out);
	return ret;
}

void kmod_list_free(struct kmod_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->path[i]);
	l->n = 0;
}
