/* procself: the process's own /proc files describe the riscv64 program
 * (as qemu-user fakes them): maps holds the program's code (executable,
 * named by its path) and its stack, and nothing of the emulator; stat's
 * pid, name, ppid and start of the stack; auxv is what getauxval() has;
 * cmdline the arguments.  Compared with qemu.  "procself strict" checks
 * what strata gives and qemu does not (stat's code bounds and size,
 * statm and status sizes of the guest) and says "strict ok". */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

struct range {
	unsigned long lo, hi;
	char perm[5];
	char name[512];
};

static int find(uintptr_t addr, struct range *r, int *lines, int *foreign)
{
	char line[1024];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	*lines = *foreign = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct range x = { 0 };
		int n = 0;

		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u %n", &x.lo, &x.hi,
			   x.perm, &n) < 3)
			continue;
		(*lines)++;
		snprintf(x.name, sizeof(x.name), "%s", line + n);
		x.name[strcspn(x.name, "\n")] = '\0';
		/* the emulator's own files: x86-64 libraries, qemu, strata */
		if (strstr(x.name, "x86_64") || strstr(x.name, "qemu") ||
		    strstr(x.name, "strata") || strstr(x.name, "[vdso]"))
			(*foreign)++;
		if (addr >= x.lo && addr < x.hi && !found) {
			*r = x;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (int)n;
}

/* field @i (1-based, as proc(5)) of /proc/self/stat */
static unsigned long long stat_field(const char *stat, int i)
{
	const char *s = strrchr(stat, ')');
	int k;

	if (!s)
		return 0;
	s += 2;
	for (k = 3; k < i && s; k++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return s ? strtoull(s, NULL, 10) : 0;
}

static unsigned long status_kb(const char *status, const char *key)
{
	const char *s = strstr(status, key);

	return s ? strtoul(s + strlen(key), NULL, 10) : 0;
}

int main(int argc, char **argv);

static int strict(void)
{
	char stat[1024], statm[256], status[4096];
	unsigned long long vsize, sc, ec;
	unsigned long size, text, data;
	int bad = 0;

	if (read_file("/proc/self/stat", stat, sizeof(stat)) < 0 ||
	    read_file("/proc/self/statm", statm, sizeof(statm)) < 0 ||
	    read_file("/proc/self/status", status, sizeof(status)) < 0)
		return 1;
	vsize = stat_field(stat, 23);
	sc = stat_field(stat, 26);
	ec = stat_field(stat, 27);
	if (!(sc <= (uintptr_t)main && (uintptr_t)main < ec)) {
		printf("stat: main %p not in code %llx-%llx\n", (void *)main, sc, ec);
		bad = 1;
	}
	if (vsize == 0 || vsize > (1ULL << 30)) {
		printf("stat: vsize %llu is not a small program's\n", vsize);
		bad = 1;
	}
	if (sscanf(statm, "%lu %*u %*u %lu %*u %lu", &size, &text, &data) != 3 ||
	    size * 4096 != vsize || !text || !data) {
		printf("statm: %s", statm);
		bad = 1;
	}
	if (status_kb(status, "VmSize:") * 1024 != vsize ||
	    status_kb(status, "VmExe:") != text * 4 ||
	    status_kb(status, "VmStk:") == 0) {
		printf("status: VmSize %lu VmExe %lu VmStk %lu, vsize %llu\n",
		       status_kb(status, "VmSize:"), status_kb(status, "VmExe:"),
		       status_kb(status, "VmStk:"), vsize);
		bad = 1;
	}
	if (!bad)
		printf("strict ok\n");
	return bad;
}

int main(int argc, char **argv)
{
	struct range r;
	char stat[1024], self[64], buf[4096];
	const char *base;
	unsigned long long ss;
	uint64_t aux[128];
	int lines, foreign, n, i, ok;
	int local = 0;

	if (argc > 1 && !strcmp(argv[1], "strict"))
		return strict();

	if (find((uintptr_t)main, &r, &lines, &foreign))
		printf("main: %s, named %s\n", r.perm,
		       strstr(r.name, "procself") ? "by the program" : r.name);
	if (find((uintptr_t)&local, &r, &lines, &foreign))
		printf("a local: %s %s\n", r.perm, r.name);
	printf("maps: no line of the emulator's own: %s\n",
	       foreign ? "no" : "yes");

	read_file("/proc/self/stat", stat, sizeof(stat));
	/* the name: the program's, at most 15 bytes (TASK_COMM_LEN) */
	base = strrchr(argv[0], '/');
	snprintf(self, sizeof(self), "%d (%.15s) ", getpid(),
		 base ? base + 1 : argv[0]);
	printf("stat: pid and name: %s\n",
	       !strncmp(stat, self, strlen(self)) ? "yes" : "no");
	printf("stat: ppid: %s\n",
	       stat_field(stat, 4) == (unsigned long long)getppid() ? "yes" : "no");
	ss = stat_field(stat, 28);
	printf("stat: start of the stack in [stack]: %s\n",
	       find((uintptr_t)ss, &r, &lines, &foreign) &&
	       !strcmp(r.name, "[stack]") ? "yes" : "no");

	n = read_file("/proc/self/auxv", (char *)aux, sizeof(aux));
	ok = n > 0 && n % 16 == 0;
	for (i = 0; ok && i < n / 8; i += 2) {
		if (aux[i] == AT_PHDR || aux[i] == AT_ENTRY || aux[i] == AT_PAGESZ ||
		    aux[i] == AT_HWCAP || aux[i] == AT_RANDOM)
			ok = getauxval(aux[i]) == aux[i + 1];
	}
	printf("auxv: what getauxval says, AT_NULL last: %s\n",
	       ok && aux[n / 8 - 2] == AT_NULL ? "yes" : "no");

	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	printf("cmdline:");
	for (i = 0; i < n; i += strlen(buf + i) + 1)
		printf(" [%s]", strstr(buf + i, "procself") ? "procself" : buf + i);
	printf("\n");
	return 0;
}
