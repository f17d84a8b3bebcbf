/*
 * network_cli -- `strata ct network create|ls|rm`: parses, takes the store
 * lock, calls network.c and prints.  Errors are one line on stderr
 * ("strata: ct network create web: ..."), exit 1; usage errors exit 2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ct/network.h"
#include "ct/store.h"
#include "lib/nl.h"
#include "lib/opt.h"
#include "lib/parse.h"

static struct {
	const char *subnet;
	int nat;
	int json;
	int help;
} net_opts;

static const struct opt create_opts[] = {
	{ "subnet", 's', OPT_STR, &net_opts.subnet, "CIDR",
	  "the network's addresses, e.g. 10.78.0.0/16 (prefix 8 to 30); the bridge takes the first" },
	{ "nat", 0, OPT_FLAG, &net_opts.nat, NULL,
	  "masquerade traffic leaving the subnet (enables IPv4 forwarding)" },
	{ "help", 'h', OPT_FLAG, &net_opts.help, NULL, "show this help" },
	OPT_END,
};

static const struct opt ls_opts[] = {
	{ "json", 0, OPT_FLAG, &net_opts.json, NULL, "print a JSON array instead of a table" },
	{ "help", 'h', OPT_FLAG, &net_opts.help, NULL, "show this help" },
	OPT_END,
};

static const struct opt rm_opts[] = {
	{ "help", 'h', OPT_FLAG, &net_opts.help, NULL, "show this help" },
	OPT_END,
};

static void network_help(FILE *f)
{
	fprintf(f,
		"NAME\n"
		"  strata ct network - container networks: a bridge, a subnet, optional NAT\n\n"
		"SYNOPSIS\n"
		"  strata ct network create NAME --subnet CIDR [--nat]\n"
		"  strata ct network ls [--json]\n"
		"  strata ct network rm NAME\n\n"
		"DESCRIPTION\n"
		"  Each network is a bridge named NAME holding the subnet's first address,\n"
		"  the containers' gateway. The bridge is made when the first container\n"
		"  joins. The default network %s (10.77.0.0/16) always exists.\n\n"
		"OPTIONS\n"
		"  create:\n", NETWORK_DEFAULT);
	opt_help(f, create_opts);
	fprintf(f, "  ls:\n");
	opt_help(f, ls_opts);
	fprintf(f, "  rm:\n");
	opt_help(f, rm_opts);
	fprintf(f,
		"\nEXAMPLES\n"
		"  strata ct network create web --subnet 10.78.0.0/16 --nat\n"
		"  strata ct network ls\n"
		"  strata ct network rm web\n");
}

static int network_usage(const char *msg)
{
	fprintf(stderr, "strata: ct network: %s (see strata ct network --help)\n",
		msg);
	return 2;
}

/* Parse @argc/@argv against @opts, wanting @npos positionals.  Returns 0
 * to go on, -1 after printing --help, or 2 after a usage error. */
static int network_parse(const struct opt *opts, int argc, char **argv,
			 int npos, struct opt_args *a)
{
	struct err e;

	memset(&net_opts, 0, sizeof(net_opts));
	if (opt_parse(opts, argc, argv, a, &e) < 0)
		return network_usage(e.msg);
	if (net_opts.help) {
		network_help(stdout);
		opt_args_free(a);
		return -1;
	}
	if (a->npos != npos || a->dashdash) {
		opt_args_free(a);
		return network_usage(npos ? "expected one NAME" :
				     "unexpected argument");
	}
	return 0;
}

static int network_fail(struct err *e, const char *what, const char *name)
{
	err_wrap(e, "ct network %s%s%s", what, name ? " " : "", name ? name : "");
	err_print(e);
	return 1;
}

static int network_cmd_create(int argc, char **argv)
{
	struct opt_args a;
	struct net_def d;
	struct err e;
	const char *name;
	int ret, lock;

	ret = network_parse(create_opts, argc, argv, 1, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	name = a.pos[0];
	opt_args_free(&a);
	if (!net_opts.subnet)
		return network_usage("create needs --subnet CIDR");
	memset(&d, 0, sizeof(d));
	if (parse_name(name, NETWORK_NAME_MAX, "network", &e) < 0 ||
	    parse_cidr(net_opts.subnet, &d.subnet, &d.prefix, &e) < 0)
		return network_fail(&e, "create", name);
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.gateway = d.subnet + 1;
	d.nat = net_opts.nat;
	lock = store_lock(&e);
	if (lock < 0)
		return network_fail(&e, "create", name);
	ret = network_create(&d, &e);
	store_unlock(lock);
	if (ret < 0)
		return network_fail(&e, "create", name);
	return 0;
}

static int network_cmd_rm(int argc, char **argv)
{
	struct opt_args a;
	struct err e;
	const char *name;
	int ret, lock;

	ret = network_parse(rm_opts, argc, argv, 1, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	name = a.pos[0];
	opt_args_free(&a);
	lock = store_lock(&e);
	if (lock < 0)
		return network_fail(&e, "rm", name);
	ret = network_remove(name, &e);
	store_unlock(lock);
	if (ret < 0)
		return network_fail(&e, "rm", name);
	return 0;
}

struct network_row {
	json_t *rows;
	struct err *e;
};

/* One network as JSON: what `ls` prints in both forms. */
static int network_row_cb(const struct net_def *d, void *arg)
{
	struct network_row *r = arg;
	char subnet[24], a[16], gw[16];
	int users;
	json_t *o;

	users = store_network_users(d->name, r->e);
	if (users < 0)
		return users;
	snprintf(subnet, sizeof(subnet), "%s/%d", ipv4_str(d->subnet, a), d->prefix);
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:i}", "name", d->name,
		      "subnet", subnet, "gateway", ipv4_str(d->gateway, gw),
		      "nat", d->nat, "bridge", nl_link_exists(d->name),
		      "containers", users);
	if (!o || json_array_append_new(r->rows, o) < 0)
		return err_set(r->e, -ENOMEM, "list networks");
	return 0;
}

static void network_print_table(const json_t *rows)
{
	const json_t *o;
	size_t i;

	printf("%-16s %-19s %-16s %-4s %-7s %s\n", "NAME", "SUBNET", "GATEWAY",
	       "NAT", "BRIDGE", "CONTAINERS");
	json_array_foreach(rows, i, o) {
		printf("%-16s %-19s %-16s %-4s %-7s %lld\n",
		       json_string_value(json_object_get(o, "name")),
		       json_string_value(json_object_get(o, "subnet")),
		       json_string_value(json_object_get(o, "gateway")),
		       json_is_true(json_object_get(o, "nat")) ? "yes" : "no",
		       json_is_true(json_object_get(o, "bridge")) ? "yes" : "no",
		       json_integer_value(json_object_get(o, "containers")));
	}
}

static int network_cmd_ls(int argc, char **argv)
{
	struct network_row r;
	struct opt_args a;
	struct err e;
	int ret;

	ret = network_parse(ls_opts, argc, argv, 0, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	opt_args_free(&a);
	r.rows = json_array();
	r.e = &e;
	if (!r.rows) {
		err_set(&e, -ENOMEM, "list networks");
		return network_fail(&e, "ls", NULL);
	}
	ret = network_foreach(network_row_cb, &r, &e);
	if (ret < 0) {
		json_decref(r.rows);
		return network_fail(&e, "ls", NULL);
	}
	if (net_opts.json) {
		json_dumpf(r.rows, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		network_print_table(r.rows);
	}
	json_decref(r.rows);
	return 0;
}

int network_cli(int argc, char **argv)
{
	if (argc < 1) {
		network_help(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		network_help(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "create"))
		return network_cmd_create(argc - 1, argv + 1);
	if (!strcmp(argv[0], "ls") || !strcmp(argv[0], "list"))
		return network_cmd_ls(argc - 1, argv + 1);
	if (!strcmp(argv[0], "rm"))
		return network_cmd_rm(argc - 1, argv + 1);
	fprintf(stderr, "strata: ct network: unknown command '%s' (see strata ct network --help)\n",
		argv[0]);
	return 2;
}
