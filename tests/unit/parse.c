/*
 * Unit tests for the value syntaxes of src/lib/parse.h: sizes, bounded
 * numbers, CPU counts, names and ipv4_str().  The basics of parse_ipv4()
 * and parse_cidr() are in network.c.
 */
#include <errno.h>
#include <string.h>

#include "lib/parse.h"
#include "test.h"

static int size_is(const char *s, uint64_t want)
{
	struct err e;
	uint64_t v = 0;

	return parse_size(s, &v, &e) == 0 && v == want;
}

static int size_bad(const char *s)
{
	struct err e;
	uint64_t v = 12345;

	return parse_size(s, &v, &e) == -EINVAL && v == 12345;
}

static void test_sizes_take_binary_units(void)
{
	test_assert(size_is("0", 0), "0 is a size");
	test_assert(size_is("1k", 1024), "1k is 1024");
	test_assert(size_is("1K", 1024), "units are case-insensitive");
	test_assert(size_is("3m", 3ull << 20), "3m is three MiB");
	test_assert(size_is("5G", 5ull << 30), "5G is five GiB");
	test_assert(size_is("2T", 2ull << 40), "2T is two TiB");
}

static void test_sizes_accept_b_and_ib_suffixes(void)
{
	test_assert(size_is("1KiB", 1024), "1KiB is 1024");
	test_assert(size_is("1kib", 1024), "1kib is 1024");
	test_assert(size_is("1MB", 1ull << 20), "MB means MiB");
	test_assert(size_is("1mb", 1ull << 20), "mb means MiB");
	test_assert(size_is("7GB", 7ull << 30), "7GB is seven GiB");
}

static void test_sizes_refuse_other_text(void)
{
	test_assert(size_bad("12x"), "12x is refused");
	test_assert(size_bad(""), "an empty size is refused");
	test_assert(size_bad("k"), "a unit without a number is refused");
	test_assert(size_bad(" 1k"), "leading space is refused");
	test_assert(size_bad("1k "), "trailing space is refused");
	test_assert(size_bad("+1"), "a sign is refused");
	test_assert(size_bad("1B"), "B without a unit is refused");
	test_assert(size_bad("1iB"), "iB without a unit is refused");
	test_assert(size_bad("1KBB"), "a doubled B is refused");
	test_assert(size_bad("1KiBx"), "text after a unit is refused");
	test_assert(size_bad("1kk"), "two units are refused");
	test_assert(size_bad(NULL), "NULL is refused");
}

static void test_sizes_refuse_overflow(void)
{
	struct err e;
	uint64_t v;

	test_assert(size_is("18446744073709551615", UINT64_MAX),
		    "the largest 64-bit byte count is accepted");
	test_assert(size_bad("18446744073709551616"),
		    "one more than 64 bits of bytes is refused");
	test_assert(size_is("17179869183G", 17179869183ull << 30),
		    "the largest whole number of GiB is accepted");
	test_assert(size_bad("17179869184G"), "2^34 GiB (2^64 bytes) is refused");
	test_assert(size_bad("16777216T"), "2^24 TiB (2^64 bytes) is refused");
	test_assert(size_bad("99999999999999999999999k"),
		    "a number too big before the unit is refused");
	parse_size("12x", &v, &e);
	test_assert(!strcmp(e.msg, "bad size '12x'"), "the error quotes the text");
}

static void test_u64_holds_its_bounds(void)
{
	struct err e;
	uint64_t v = 0;

	test_assert(parse_u64("8", 8, 30, &v, &e) == 0 && v == 8, "the minimum is allowed");
	test_assert(parse_u64("30", 8, 30, &v, &e) == 0 && v == 30, "the maximum is allowed");
	test_assert(parse_u64("7", 8, 30, &v, &e) == -ERANGE, "below the minimum is -ERANGE");
	test_assert(parse_u64("31", 8, 30, &v, &e) == -ERANGE, "above the maximum is -ERANGE");
	test_assert(!strcmp(e.msg, "31 is out of range (8 to 30)"),
		    "the range error names the range");
	test_assert(v == 30, "a refused number leaves *out alone");
	test_assert(parse_u64("18446744073709551615", 0, UINT64_MAX, &v, &e) == 0 &&
		    v == UINT64_MAX, "UINT64_MAX parses when allowed");
	test_assert(parse_u64("18446744073709551616", 0, UINT64_MAX, &v, &e) == -EINVAL,
		    "a number beyond 64 bits is -EINVAL");
	test_assert(parse_u64("007", 0, 10, &v, &e) == 0 && v == 7,
		    "leading zeros are decimal, not octal");
}

static void test_u64_refuses_non_numbers(void)
{
	struct err e;
	uint64_t v;

	test_assert(parse_u64("-1", 0, 10, &v, &e) == -EINVAL, "a negative number is -EINVAL");
	test_assert(parse_u64("+1", 0, 10, &v, &e) == -EINVAL, "a plus sign is -EINVAL");
	test_assert(parse_u64("1k", 0, 10000, &v, &e) == -EINVAL, "a unit is -EINVAL");
	test_assert(parse_u64("", 0, 10, &v, &e) == -EINVAL, "an empty number is -EINVAL");
	test_assert(parse_u64(" 1", 0, 10, &v, &e) == -EINVAL, "leading space is -EINVAL");
	test_assert(!strcmp(e.msg, "bad number ' 1'"), "the error quotes the text");
	test_assert(parse_u64(NULL, 0, 10, &v, &e) == -EINVAL, "NULL is -EINVAL");
}

static void test_cpus_are_fractions_within_the_host(void)
{
	struct err e;
	double v = 0;

	test_assert(parse_cpus("0.5", 4, &v, &e) == 0 && v == 0.5, "0.5 CPUs parse");
	test_assert(parse_cpus(".25", 4, &v, &e) == 0 && v == 0.25, ".25 CPUs parse");
	test_assert(parse_cpus("4", 4, &v, &e) == 0 && v == 4, "all the host's CPUs parse");
	test_assert(parse_cpus("0.01", 4, &v, &e) == 0, "the smallest quota parses");
	test_assert(parse_cpus("4.5", 4, &v, &e) == -ERANGE, "more than the host is -ERANGE");
	test_assert(parse_cpus("0", 4, &v, &e) == -ERANGE, "zero CPUs is -ERANGE");
	test_assert(parse_cpus("0.001", 4, &v, &e) == -ERANGE,
		    "less than a hundredth is -ERANGE");
	test_assert(parse_cpus("-1", 4, &v, &e) == -EINVAL, "a negative count is -EINVAL");
	test_assert(parse_cpus("1.5x", 4, &v, &e) == -EINVAL, "text after the number is -EINVAL");
	test_assert(parse_cpus("nan", 4, &v, &e) == -EINVAL, "nan is -EINVAL");
	test_assert(parse_cpus("inf", 4, &v, &e) == -EINVAL, "inf is -EINVAL");
	test_assert(parse_cpus(".", 4, &v, &e) == -EINVAL, "a lone dot is -EINVAL");
	test_assert(parse_cpus("", 4, &v, &e) == -EINVAL, "an empty count is -EINVAL");
	test_assert(v == 0.01, "a refused count leaves *out alone");
}

static void test_names_follow_the_rules(void)
{
	char longest[64], too_long[65];
	struct err e;

	memset(longest, 'a', 63);
	longest[63] = '\0';
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	test_assert(parse_name("web", 63, "container", &e) == 0, "a plain name is fine");
	test_assert(parse_name("a1_b.c-d", 63, "container", &e) == 0,
		    "letters, digits, '_', '.' and '-' are allowed");
	test_assert(parse_name("9lives", 63, "container", &e) == 0,
		    "a name may start with a digit");
	test_assert(parse_name(longest, 63, "container", &e) == 0,
		    "a name of exactly max characters is fine");
	test_assert(parse_name(too_long, 63, "container", &e) == -EINVAL,
		    "a name of max+1 characters is refused");
	test_assert(parse_name("", 63, "container", &e) == -EINVAL, "an empty name is refused");
	test_assert(!strcmp(e.msg, "container name is empty"), "the error names the kind");
	test_assert(parse_name(NULL, 63, "network", &e) == -EINVAL, "a NULL name is refused");
	test_assert(parse_name("-x", 63, "container", &e) == -EINVAL,
		    "a name starting with '-' is refused");
	test_assert(parse_name(".hidden", 63, "container", &e) == -EINVAL,
		    "a name starting with '.' is refused");
	test_assert(parse_name("..", 63, "container", &e) == -EINVAL, "'..' is refused");
	test_assert(parse_name("_x", 63, "container", &e) == -EINVAL,
		    "a name starting with '_' is refused");
	test_assert(parse_name("a/b", 63, "container", &e) == -EINVAL, "a slash is refused");
	test_assert(parse_name("a b", 63, "container", &e) == -EINVAL, "a space is refused");
	test_assert(parse_name("a\nb", 63, "container", &e) == -EINVAL, "a newline is refused");
	test_assert(parse_name("caf\xc3\xa9", 63, "container", &e) == -EINVAL,
		    "non-ASCII letters are refused");
	test_assert(parse_name("a b", 63, "template", &e) == -EINVAL &&
		    !strcmp(e.msg, "template name 'a b' may hold only letters, digits, '_', '.' and '-'"),
		    "the error names the kind, the text and the rule");
}

static void test_ipv4_str_round_trips(void)
{
	static const char *const addrs[] = {
		"0.0.0.0", "255.255.255.255", "10.77.0.1", "192.168.100.254", "1.2.3.4",
	};
	struct err e;
	char buf[16];
	uint32_t a;
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		test_assert(parse_ipv4(addrs[i], &a, &e) == 0 &&
			    !strcmp(ipv4_str(a, buf), addrs[i]),
			    "parse_ipv4 then ipv4_str gives the same text");
	test_assert(!strcmp(ipv4_str(0x0a4d0001, buf), "10.77.0.1"),
		    "ipv4_str reads a host-order address");
	test_assert(ipv4_str(1, buf) == buf, "ipv4_str returns its buffer");
}

static void test_ipv4_mask_edges(void)
{
	test_assert(ipv4_mask(0) == 0, "a /0 mask is empty");
	test_assert(ipv4_mask(32) == 0xffffffffu, "a /32 mask is full");
	test_assert(ipv4_mask(24) == 0xffffff00u, "a /24 mask keeps three bytes");
}

int main(void)
{
	test_sizes_take_binary_units();
	test_sizes_accept_b_and_ib_suffixes();
	test_sizes_refuse_other_text();
	test_sizes_refuse_overflow();
	test_u64_holds_its_bounds();
	test_u64_refuses_non_numbers();
	test_cpus_are_fractions_within_the_host();
	test_names_follow_the_rules();
	test_ipv4_str_round_trips();
	test_ipv4_mask_edges();
	return test_report();
}
