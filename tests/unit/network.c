/*
 * Unit tests for network address allocation, network definitions on
 * disk (in a scratch STRATA_ROOT) and the value parsers they rely on.
 * Needs no privileges and touches no interface.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct/network.h"
#include "lib/fs.h"
#include "lib/nl.h"
#include "lib/parse.h"
#include "test.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static const struct net_def def16 = {
	"strata0", IP(10, 77, 0, 0), 16, IP(10, 77, 0, 1), 0
};

static void test_alloc_lowest_free(void)
{
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&def16, NULL, 0, 0, &ip, &e) == 0 &&
		    ip == IP(10, 77, 0, 2),
		    "an empty network hands out the address after the gateway");
}

static void test_alloc_skips_used(void)
{
	uint32_t used[] = { IP(10, 77, 0, 4), IP(10, 77, 0, 2), IP(10, 77, 0, 3),
			    IP(10, 77, 0, 6) };
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&def16, used, 4, 0, &ip, &e) == 0 &&
		    ip == IP(10, 77, 0, 5),
		    "allocation skips used addresses given in any order");
}

static void test_alloc_requested(void)
{
	uint32_t used[] = { IP(10, 77, 0, 5) };
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&def16, used, 1, IP(10, 77, 3, 9), &ip, &e) == 0 &&
		    ip == IP(10, 77, 3, 9),
		    "a free requested address is granted");
	test_assert(network_alloc_ip(&def16, used, 1, IP(10, 77, 0, 5), &ip, &e) ==
		    -EADDRINUSE, "a requested address in use is refused");
	test_assert(!strcmp(e.msg, "address 10.77.0.5 is already used on network strata0"),
		    "the in-use message names address and network");
	test_assert(network_alloc_ip(&def16, used, 1, IP(10, 9, 0, 1), &ip, &e) ==
		    -EINVAL, "a requested address outside the subnet is refused");
	test_assert(!strcmp(e.msg, "address 10.9.0.1 is not in strata0's subnet 10.77.0.0/16"),
		    "the out-of-subnet message names the subnet");
}

static void test_alloc_special(void)
{
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&def16, NULL, 0, IP(10, 77, 0, 1), &ip, &e) < 0,
		    "the gateway address is refused");
	test_assert(network_alloc_ip(&def16, NULL, 0, IP(10, 77, 255, 255), &ip, &e) < 0,
		    "the broadcast address is refused");
	test_assert(network_alloc_ip(&def16, NULL, 0, IP(10, 77, 0, 0), &ip, &e) < 0,
		    "the network address is refused");
}

static void test_alloc_exhausted(void)
{
	const struct net_def d30 = { "tiny", IP(192, 168, 5, 0), 30,
				     IP(192, 168, 5, 1), 0 };
	uint32_t used[] = { IP(192, 168, 5, 2) };
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&d30, NULL, 0, 0, &ip, &e) == 0 &&
		    ip == IP(192, 168, 5, 2), "a /30 has one address for a container");
	test_assert(network_alloc_ip(&d30, used, 1, 0, &ip, &e) == -ENOSPC,
		    "a full /30 reports no free address");
}

static void test_alloc_below_gateway(void)
{
	const struct net_def d = { "odd", IP(10, 1, 0, 0), 29, IP(10, 1, 0, 6), 0 };
	struct err e;
	uint32_t ip = 0;

	test_assert(network_alloc_ip(&d, NULL, 0, 0, &ip, &e) == 0 &&
		    ip == IP(10, 1, 0, 1),
		    "with the gateway last, allocation wraps to the first host");
}

static void test_parse_ipv4(void)
{
	struct err e;
	uint32_t a;

	test_assert(parse_ipv4("10.77.0.1", &a, &e) == 0 && a == IP(10, 77, 0, 1),
		    "a dotted quad parses in host byte order");
	test_assert(parse_ipv4("10.77.0", &a, &e) == -EINVAL,
		    "a short dotted quad is refused");
	test_assert(parse_ipv4("10.77.0.256", &a, &e) == -EINVAL,
		    "an octet above 255 is refused");
}

static void test_parse_cidr(void)
{
	uint32_t net;
	struct err e;
	int p;

	test_assert(parse_cidr("10.77.0.0/16", &net, &p, &e) == 0 &&
		    net == IP(10, 77, 0, 0) && p == 16, "a CIDR parses");
	test_assert(parse_cidr("10.77.0.1/16", &net, &p, &e) == -EINVAL,
		    "a CIDR with host bits set is refused");
	test_assert(parse_cidr("10.77.0.0", &net, &p, &e) == -EINVAL,
		    "a CIDR without prefix is refused");
	test_assert(parse_cidr("10.77.0.0/33", &net, &p, &e) == -EINVAL,
		    "a prefix above 32 is refused");
	test_assert(parse_cidr("10.0.0.0/31", &net, &p, &e) == -EINVAL,
		    "a prefix too long to hold a container is refused");
}

static void test_parse_size(void)
{
	struct err e;
	uint64_t v;

	test_assert(parse_size("4096", &v, &e) == 0 && v == 4096,
		    "a plain size is bytes");
	test_assert(parse_size("64k", &v, &e) == 0 && v == 65536,
		    "k means KiB");
	test_assert(parse_size("256M", &v, &e) == 0 && v == 256ull << 20,
		    "M means MiB");
	test_assert(parse_size("2GiB", &v, &e) == 0 && v == 2ull << 30,
		    "a GiB suffix is accepted");
	test_assert(parse_size("1.5G", &v, &e) == -EINVAL,
		    "a fractional size is refused");
	test_assert(parse_size("12X", &v, &e) == -EINVAL,
		    "an unknown unit is refused");
	test_assert(parse_size("-1", &v, &e) == -EINVAL,
		    "a negative size is refused");
	test_assert(parse_size("99999999999T", &v, &e) == -EINVAL,
		    "a size that overflows is refused");
}

static void test_nl_names(void)
{
	struct err e;

	test_assert(nl_bridge_add("abcdefghijklmnop", &e) == -EINVAL,
		    "an interface name of 16 characters is refused");
}

static void test_definitions(void)
{
	char root[] = "/tmp/strata-unit-XXXXXX";
	struct net_def d, got;
	struct err e;

	if (!mkdtemp(root)) {
		test_assert(0, "a scratch state root can be made");
		return;
	}
	setenv("STRATA_ROOT", root, 1);
	test_assert(network_load("strata0", &got, &e) == 0 &&
		    got.subnet == IP(10, 77, 0, 0) && got.prefix == 16 &&
		    got.gateway == IP(10, 77, 0, 1),
		    "the default network loads without a file");
	test_assert(network_load("nosuchnet", &got, &e) == -ENOENT,
		    "an unknown network does not load");
	d = (struct net_def){ "sunit0", IP(10, 88, 0, 0), 24, IP(10, 88, 0, 1), 1 };
	test_assert(network_create(&d, &e) == 0, "a new network is stored");
	test_assert(network_load("sunit0", &got, &e) == 0 &&
		    got.subnet == d.subnet && got.prefix == 24 &&
		    got.gateway == d.gateway && got.nat == 1,
		    "a stored network loads back unchanged");
	test_assert(network_create(&d, &e) == -EEXIST,
		    "a network name cannot be taken twice");
	d = (struct net_def){ "sunit1", IP(10, 88, 0, 128), 25, IP(10, 88, 0, 129), 0 };
	test_assert(network_create(&d, &e) == -EEXIST &&
		    strstr(e.msg, "overlaps network sunit0"),
		    "a subnet inside another network's is refused");
	d = (struct net_def){ "sunit2", IP(10, 0, 0, 0), 8, IP(10, 0, 0, 1), 0 };
	test_assert(network_create(&d, &e) == -EEXIST,
		    "a subnet around the default network's is refused");
	d = (struct net_def){ "lo", IP(10, 99, 0, 0), 24, IP(10, 99, 0, 1), 0 };
	test_assert(network_create(&d, &e) == -EEXIST,
		    "a host interface's name is refused");
	fs_rm_rf(root, &e);
}

int main(void)
{
	test_alloc_lowest_free();
	test_alloc_skips_used();
	test_alloc_requested();
	test_alloc_special();
	test_alloc_exhausted();
	test_alloc_below_gateway();
	test_parse_ipv4();
	test_parse_cidr();
	test_parse_size();
	test_nl_names();
	test_definitions();
	return test_report();
}
