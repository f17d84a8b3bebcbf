/*
 * fuzz_parse -- libFuzzer target for what users type: the value syntaxes
 * of src/lib/parse.h and the option parser of src/lib/opt.h.
 *
 * The input is split on NUL and newline into words.  Each word goes to
 * every value parser; the whole list is then an argv for opt_parse() with
 * a table holding every option type.  Nothing may crash, leak or trip a
 * sanitizer, and what the parsers accept must hold their contracts (a
 * CIDR has no host bits, an address prints back the same, ...).
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_parse FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"
#include "lib/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_WORDS 256

static void check(int cond, const char *what, const char *word)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s (input '%s')\n", what, word);
	abort();
}

static void values(const char *s)
{
	uint32_t a, b, net;
	struct err e;
	uint64_t v;
	char buf[16];
	double d;
	int p;

	parse_size(s, &v, &e);
	if (parse_u64(s, 3, 1000, &v, &e) == 0)
		check(v >= 3 && v <= 1000, "parse_u64 stays within its bounds", s);
	parse_u64(s, 0, UINT64_MAX, &v, &e);
	if (parse_cpus(s, 64, &d, &e) == 0)
		check(d >= 0.01 && d <= 64, "parse_cpus stays within (0, max]", s);
	if (parse_ipv4(s, &a, &e) == 0)
		check(parse_ipv4(ipv4_str(a, buf), &b, &e) == 0 && a == b,
		      "ipv4_str prints an address parse_ipv4 reads back", s);
	if (parse_cidr(s, &net, &p, &e) == 0)
		check(p >= 8 && p <= 30 && !(net & ~ipv4_mask(p)),
		      "a CIDR has a prefix in 8..30 and no host bits", s);
	if (parse_name(s, 63, "fuzz", &e) == 0)
		check(strlen(s) <= 63 && !strchr(s, '/') && s[0] != '.' && s[0] != '-',
		      "an accepted name is short and holds no path", s);
}

static void options(char **argv, int argc)
{
	int flag_a = 0, flag_b = 0, flag_long = 0, i;
	const char *str = NULL, *str2 = NULL;
	struct strlist list = { 0 };
	const struct opt opts[] = {
		{ "all", 'a', OPT_FLAG, &flag_a, NULL, "flag" },
		{ "bee", 'b', OPT_FLAG, &flag_b, NULL, "flag" },
		{ "long-only", 0, OPT_FLAG, &flag_long, NULL, "flag" },
		{ "memory", 'm', OPT_STR, &str, "SIZE", "string" },
		{ "name", 0, OPT_STR, &str2, NULL, "string" },
		{ "env", 'e', OPT_LIST, &list, "K=V", "list" },
		{ "volume", 'v', OPT_LIST, &list, "SRC:DST", "list" },
		OPT_END
	};
	struct opt_args out;
	struct err e;

	if (opt_parse(opts, argc, argv, &out, &e) == 0) {
		check(out.npos >= 0 && out.nrest >= 0 && out.npos + out.nrest <= argc,
		      "positionals and rest fit in argv", "");
		check(out.rest[out.nrest] == NULL, "rest is NULL-terminated", "");
		check(!out.dashdash || out.rest[-1] == argv[out.rest - argv - 1],
		      "rest follows \"--\"", "");
		for (i = 0; i < out.npos; i++)
			check(out.pos[i] != NULL, "positionals are set", "");
		for (i = 0; i < list.n; i++)
			check(list.v[i] != NULL, "list values are set", "");
		opt_args_free(&out);
	} else {
		check(e.code < 0 && e.msg[0], "a refused argv has an error", "");
	}
	strlist_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_WORDS + 1];
	size_t start = 0, i;
	int argc = 0, j;

	/* Each word in its own allocation, so reading past one is caught. */
	for (i = 0; i <= size && argc < FUZZ_MAX_WORDS; i++) {
		if (i < size && data[i] != '\0' && data[i] != '\n')
			continue;
		argv[argc] = malloc(i - start + 1);
		if (!argv[argc])
			abort();
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;
	for (j = 0; j < argc; j++)
		values(argv[j]);
	options(argv, argc);
	for (j = 0; j < argc; j++)
		free(argv[j]);
	return 0;
}
