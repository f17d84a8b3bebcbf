/* procinfo: /proc/cpuinfo is a riscv64 one (a processor, hart, isa,
 * mmu and uarch line per online CPU, an isa of rv64 with i, m, a, f, d
 * and c), and /proc/self/smaps lists the mappings /proc/self/maps
 * lists, in order, each with its own Size and "ex" in VmFlags where
 * maps says x.  Both files are read before anything is checked (no
 * allocation in between: the heap stays as it was). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char maps[1 << 18], smaps[1 << 20], cpuinfo[1 << 16];

static long slurp(const char *path, char *buf, size_t cap)
{
	long len = 0, n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

static const char *yes(int ok)
{
	return ok ? "yes" : "no";
}

static int has_field(const char *block, const char *key)
{
	char want[32];

	snprintf(want, sizeof(want), "\n%s", key);
	return !strncmp(block, key, strlen(key)) || strstr(block, want);
}

static void check_cpuinfo(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN), n = 0;
	int fields = 1, isa = 1;
	char *b = cpuinfo, *end;

	while (*b) {
		const char *i;

		end = strstr(b, "\n\n");
		if (end)
			*end = '\0';
		n++;
		fields &= has_field(b, "processor\t:") && has_field(b, "hart\t\t:") &&
			  has_field(b, "isa\t\t:") && has_field(b, "mmu\t\t:") &&
			  has_field(b, "uarch\t\t:");
		i = strstr(b, "isa\t\t: ");
		if (!i || strncmp(i + 7, "rv64", 4)) {
			isa = 0;
		} else {
			size_t k = strcspn(i + 11, "_\n");

			isa &= memchr(i + 11, 'i', k) && memchr(i + 11, 'm', k) &&
			       memchr(i + 11, 'a', k) && memchr(i + 11, 'f', k) &&
			       memchr(i + 11, 'd', k) && memchr(i + 11, 'c', k);
		}
		if (!end)
			break;
		b = end + 2;
	}
	printf("cpuinfo: a block per online CPU: %s\n", yes(n == online));
	printf("cpuinfo: each with processor, hart, isa, mmu, uarch: %s\n", yes(n && fields));
	printf("cpuinfo: isa rv64 with i, m, a, f, d, c: %s\n", yes(n && isa));
}

/* the next smaps header after @s (a line whose first word has a '-') */
static char *next_header(char *s)
{
	while (*s) {
		size_t w = strcspn(s, " \n");

		if (memchr(s, '-', w) && !memchr(s, ':', w))
			return s;
		s += strcspn(s, "\n");
		if (*s)
			s++;
	}
	return NULL;
}

static void check_smaps(void)
{
	int same = 1, size = 1, ex = 1, n = 0;
	char *m = maps, *h = next_header(smaps);

	while (*m && h) {
		size_t len = strcspn(m, "\n");
		unsigned long long s, e, kb = ~0ULL;
		char perm[5] = "", *f, *nh;

		n++;
		if (strncmp(m, h, len) || (h[len] != '\n' && h[len]))
			same = 0;
		sscanf(m, "%llx-%llx %4s", &s, &e, perm);
		nh = next_header(h + len);
		if (nh)
			nh[-1] = '\0';
		f = strstr(h, "\nSize:");
		if (f)
			sscanf(f + 6, "%llu", &kb);
		if (kb != (e - s) >> 10)
			size = 0;
		f = strstr(h, "\nVmFlags:");
		if (f && (strstr(f, " ex") != NULL) != (perm[2] == 'x'))
			ex = 0;
		m += len + (m[len] == '\n');
		h = nh;
	}
	if (*m || h)
		same = 0;
	printf("smaps: the mappings of maps, in order: %s\n", yes(n && same));
	printf("smaps: each Size its range's: %s\n", yes(n && size));
	printf("smaps: VmFlags ex where maps says x: %s\n", yes(n && ex));
}

int main(void)
{
	if (slurp("/proc/self/maps", maps, sizeof(maps)) <= 0 ||
	    slurp("/proc/self/smaps", smaps, sizeof(smaps)) <= 0 ||
	    slurp("/proc/cpuinfo", cpuinfo, sizeof(cpuinfo)) <= 0) {
		printf("cannot read /proc\n");
		return 1;
	}
	check_cpuinfo();
	check_smaps();
	return 0;
}
