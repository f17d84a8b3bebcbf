/*
 * network -- container networks: definitions on disk, address allocation,
 * and the host and container halves of the plumbing.
 *
 *   host netns                          container netns
 *   NAME (bridge, gateway/prefix) --+-- HOST_IF ====veth==== eth0 (ip/prefix)
 *        |  NAT: MASQUERADE -s subnet                        default via gateway
 *
 * A definition is $STRATA_ROOT/networks/NAME.json:
 *   { "name": "web", "subnet": "10.78.0.0/16", "gateway": "10.78.0.1",
 *     "nat": true }
 * The default network strata0 has no file; it is built in.  Bridges strata
 * makes carry the alias NETWORK_ALIAS, so a host interface that merely
 * shares a network's name is never mistaken for ours.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/network.h"
#include "ct/store.h"
#include "lib/fs.h"
#include "lib/jsonf.h"
#include "lib/nl.h"
#include "lib/parse.h"
#include "lib/proc.h"

#define NETWORK_ALIAS "strata network"
#define NETWORK_DEFAULT_SUBNET 0x0a4d0000u	/* 10.77.0.0 */
#define NETWORK_DEFAULT_PREFIX 16

static void network_default(struct net_def *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", NETWORK_DEFAULT);
	d->subnet = NETWORK_DEFAULT_SUBNET;
	d->prefix = NETWORK_DEFAULT_PREFIX;
	d->gateway = NETWORK_DEFAULT_SUBNET + 1;
	d->nat = 0;
}

static int network_file(char *path, const char *name, struct err *e)
{
	return fs_path(path, e, "%s/networks/%s.json", fs_root(), name);
}

static uint32_t network_bcast(const struct net_def *d)
{
	return d->subnet | ~ipv4_mask(d->prefix);
}

/* Fill @d from a parsed file; every field is checked, since the file may
 * have been edited by hand. */
static int network_from_json(const json_t *j, const char *name,
			     struct net_def *d, struct err *e)
{
	const char *subnet = jsonf_str(j, "subnet", NULL);
	const char *gw = jsonf_str(j, "gateway", NULL);
	json_t *nat = json_object_get(j, "nat");
	char a[16];
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	ret = parse_cidr(subnet, &d->subnet, &d->prefix, e);
	if (ret < 0)
		return err_wrap(e, "network %s: subnet", name);
	if (gw) {
		ret = parse_ipv4(gw, &d->gateway, e);
		if (ret < 0)
			return err_wrap(e, "network %s: gateway", name);
	} else {
		d->gateway = d->subnet + 1;
	}
	if (d->gateway <= d->subnet || d->gateway >= network_bcast(d))
		return err_msg(e, -EINVAL, "network %s: gateway %s is not a host of %s",
			       name, ipv4_str(d->gateway, a), subnet);
	d->nat = json_is_true(nat);
	return 0;
}

int network_load(const char *name, struct net_def *d, struct err *e)
{
	char path[PATH_LEN];
	json_t *j;
	int ret;

	ret = parse_name(name, NETWORK_NAME_MAX, "network", e);
	if (ret < 0)
		return ret;
	ret = network_file(path, name, e);
	if (ret < 0)
		return ret;
	if (!fs_exists(path)) {
		if (!strcmp(name, NETWORK_DEFAULT)) {
			network_default(d);
			return 0;
		}
		return err_msg(e, -ENOENT, "network %s does not exist", name);
	}
	j = jsonf_load(path, e);
	if (!j)
		return e->code;
	ret = network_from_json(j, name, d, e);
	json_decref(j);
	return ret;
}

int network_save(const struct net_def *d, struct err *e)
{
	char path[PATH_LEN], subnet[24], gw[16], a[16];
	json_t *j;
	int ret;

	ret = fs_path(path, e, "%s/networks", fs_root());
	if (ret == 0)
		ret = fs_mkdir_p(path, 0755, e);
	if (ret == 0)
		ret = network_file(path, d->name, e);
	if (ret < 0)
		return ret;
	snprintf(subnet, sizeof(subnet), "%s/%d", ipv4_str(d->subnet, a), d->prefix);
	ipv4_str(d->gateway, gw);
	j = json_pack("{s:s, s:s, s:s, s:b}", "name", d->name, "subnet", subnet,
		      "gateway", gw, "nat", d->nat);
	if (!j)
		return err_set(e, -ENOMEM, "network %s", d->name);
	ret = jsonf_save(path, j, e);
	json_decref(j);
	return ret;
}

static int network_cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int network_foreach(int (*fn)(const struct net_def *d, void *arg), void *arg,
		    struct err *e)
{
	struct dirent **ents = NULL;
	char dir[PATH_LEN], name[NAME_MAX + 1];
	struct net_def d;
	int i, n, ret;

	ret = network_load(NETWORK_DEFAULT, &d, e);
	if (ret == 0)
		ret = fn(&d, arg);
	if (ret < 0)
		return ret;
	ret = fs_path(dir, e, "%s/networks", fs_root());
	if (ret < 0)
		return ret;
	n = scandir(dir, &ents, NULL, network_cmp_name);
	if (n < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "read %s", dir);
	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (ret < 0 || len <= 5 ||
		    strcmp(ents[i]->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), ents[i]->d_name);
		if (!strcmp(name, NETWORK_DEFAULT) ||
		    parse_name(name, NETWORK_NAME_MAX, "network", e) < 0)
			continue;
		ret = network_load(name, &d, e);
		if (ret == 0)
			ret = fn(&d, arg);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret < 0 ? ret : 0;
}

static int network_ip_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int network_check_want(const struct net_def *d, const uint32_t *used,
			      int nused, uint32_t want, struct err *e)
{
	char a[16], s[16];
	int i;

	if ((want & ipv4_mask(d->prefix)) != d->subnet)
		return err_msg(e, -EINVAL, "address %s is not in %s's subnet %s/%d",
			       ipv4_str(want, a), d->name, ipv4_str(d->subnet, s),
			       d->prefix);
	if (want == d->subnet)
		return err_msg(e, -EINVAL, "address %s is the network address of %s",
			       ipv4_str(want, a), d->name);
	if (want == network_bcast(d))
		return err_msg(e, -EINVAL, "address %s is the broadcast address of %s",
			       ipv4_str(want, a), d->name);
	if (want == d->gateway)
		return err_msg(e, -EADDRINUSE, "address %s is the gateway of network %s",
			       ipv4_str(want, a), d->name);
	for (i = 0; i < nused; i++)
		if (used[i] == want)
			return err_msg(e, -EADDRINUSE,
				       "address %s is already used on network %s",
				       ipv4_str(want, a), d->name);
	return 0;
}

/*
 * Scan upwards from gateway + 1 to the last host, then from the first host
 * up to the gateway, over a sorted copy of @used: O(n log n) however large
 * the subnet is.
 */
int network_alloc_ip(const struct net_def *d, const uint32_t *used, int nused,
		     uint32_t want, uint32_t *out, struct err *e)
{
	uint32_t first = d->subnet + 1, last = network_bcast(d) - 1;
	uint32_t *sorted = NULL, a;
	int i = 0, ret = 0, pass;

	if (want) {
		ret = network_check_want(d, used, nused, want, e);
		if (ret == 0)
			*out = want;
		return ret;
	}
	if (nused > 0) {
		sorted = malloc(sizeof(*sorted) * nused);
		if (!sorted)
			return err_set(e, -ENOMEM, "network %s", d->name);
		memcpy(sorted, used, sizeof(*sorted) * nused);
		qsort(sorted, nused, sizeof(*sorted), network_ip_cmp);
	}
	for (pass = 0; pass < 2; pass++) {
		uint32_t lo = pass ? first : d->gateway + 1;
		uint32_t hi = pass ? d->gateway - 1 : last;

		for (i = 0; i < nused && sorted[i] < lo; i++)
			;
		for (a = lo; a >= first && a <= hi; a++) {
			while (i < nused && sorted[i] < a)
				i++;
			if (a != d->gateway && (i >= nused || sorted[i] != a)) {
				*out = a;
				goto out;
			}
		}
	}
	ret = err_msg(e, -ENOSPC, "network %s has no free address left", d->name);
out:
	free(sorted);
	return ret;
}

/* iptables -t nat ACTION POSTROUTING -s SUBNET ! -o BRIDGE -j MASQUERADE */
static int network_iptables(const struct net_def *d, const char *action,
			    struct err *e)
{
	char subnet[24], a[16];
	const char *argv[] = { "iptables", "-w", "-t", "nat", action, "POSTROUTING",
			       "-s", subnet, "!", "-o", d->name, "-j", "MASQUERADE",
			       NULL };

	snprintf(subnet, sizeof(subnet), "%s/%d", ipv4_str(d->subnet, a), d->prefix);
	return proc_run(argv, 1, e);
}

static int network_nat(const struct net_def *d, struct err *e)
{
	int ret;

	ret = fs_write_str("/proc/sys/net/ipv4/ip_forward", "1", e);
	if (ret < 0)
		return err_wrap(e, "network %s: enable forwarding", d->name);
	ret = network_iptables(d, "-C", e);
	if (ret < 0)
		return err_wrap(e, "network %s", d->name);
	if (ret == 0)
		return 0;
	ret = network_iptables(d, "-A", e);
	if (ret < 0)
		return err_wrap(e, "network %s", d->name);
	if (ret > 0)
		return err_msg(e, -EIO, "network %s: iptables -A POSTROUTING exited with %d",
			       d->name, ret);
	return 0;
}

int network_ensure_bridge(const struct net_def *d, struct err *e)
{
	char kind[32];
	struct err scratch;
	int created = 0, ret;

	ret = nl_link_get(d->name, kind, NULL, sizeof(kind), e);
	if (ret == -ENODEV) {
		ret = nl_bridge_add(d->name, e);
		if (ret == 0)
			created = 1;
		else if (ret == -EEXIST)	/* another strata won the race */
			ret = 0;
		if (ret < 0)
			return ret;
		if (created) {
			ret = nl_link_set_alias(d->name, NETWORK_ALIAS, e);
			if (ret < 0)
				goto out_del;
		}
	} else if (ret < 0) {
		return ret;
	} else if (strcmp(kind, "bridge")) {
		return err_msg(e, -EEXIST, "network %s: interface %s exists and is not a bridge",
			       d->name, d->name);
	}
	ret = nl_addr_up(d->name, d->gateway, d->prefix, e);
	if (ret < 0)
		goto out_del;
	if (d->nat) {
		ret = network_nat(d, e);
		if (ret < 0)
			goto out_del;
	}
	return 0;
out_del:
	if (created)
		nl_link_del(d->name, &scratch);
	return ret;
}

int network_attach(const struct net_def *d, const char *host_if, pid_t child,
		   struct err *e)
{
	return nl_veth_add(host_if, "eth0", child, d->name, e);
}

int network_setup_inside(const struct net_def *d, uint32_t ip, struct err *e)
{
	return nl_iface_setup("eth0", ip, d->prefix, d->gateway, e);
}

/* 1 when @name is a bridge strata made (it carries NETWORK_ALIAS), 0 when
 * there is no such interface, -EEXIST when it is someone else's. */
static int network_bridge_ours(const char *name, struct err *e)
{
	char kind[64], alias[64];
	int ret;

	ret = nl_link_get(name, kind, alias, sizeof(kind), e);
	if (ret == -ENODEV)
		return 0;
	if (ret < 0)
		return ret;
	if (!strcmp(kind, "bridge") && !strcmp(alias, NETWORK_ALIAS))
		return 1;
	return err_msg(e, -EEXIST, "interface %s already exists on the host", name);
}

struct network_clash {
	const struct net_def *d;
	struct net_def other;
};

static int network_overlap_cb(const struct net_def *o, void *arg)
{
	struct network_clash *c = arg;
	int p = c->d->prefix < o->prefix ? c->d->prefix : o->prefix;

	if (strcmp(o->name, c->d->name) &&
	    (o->subnet & ipv4_mask(p)) != (c->d->subnet & ipv4_mask(p)))
		return 0;
	c->other = *o;
	return -EEXIST;
}

/* Validate and store a new network: a unique name, a subnet that overlaps
 * no other network's, and no host interface of that name except a bridge
 * strata made itself.  The bridge comes later, on first use. */
int network_create(const struct net_def *d, struct err *e)
{
	struct network_clash c = { d, { .name = "" } };
	char a[16], b[16];
	int ret;

	ret = parse_name(d->name, NETWORK_NAME_MAX, "network", e);
	if (ret < 0)
		return ret;
	ret = network_foreach(network_overlap_cb, &c, e);
	if (ret == -EEXIST && !strcmp(c.other.name, d->name))
		return err_msg(e, -EEXIST, "network %s already exists", d->name);
	if (ret == -EEXIST)
		return err_msg(e, -EEXIST,
			       "subnet %s/%d overlaps network %s's subnet %s/%d",
			       ipv4_str(d->subnet, a), d->prefix, c.other.name,
			       ipv4_str(c.other.subnet, b), c.other.prefix);
	if (ret < 0)
		return ret;
	ret = network_bridge_ours(d->name, e);
	if (ret < 0)
		return ret;
	return network_save(d, e);
}

int network_remove(const char *name, struct err *e)
{
	char path[PATH_LEN];
	struct net_def d;
	struct err scratch;
	int ret, users;

	ret = network_load(name, &d, e);
	if (ret < 0)
		return ret;
	users = store_network_users(name, e);
	if (users < 0)
		return users;
	if (users > 0)
		return err_msg(e, -EBUSY, "network %s is used by %d container%s",
			       name, users, users == 1 ? "" : "s");
	ret = network_bridge_ours(name, e);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	if (ret == 1) {
		ret = nl_link_del(name, e);
		if (ret < 0)
			return ret;
	}
	if (d.nat && network_iptables(&d, "-C", &scratch) == 0)
		network_iptables(&d, "-D", &scratch);
	if (!strcmp(name, NETWORK_DEFAULT))
		return 0;
	ret = network_file(path, name, e);
	if (ret < 0)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, -errno, "remove %s", path);
	return 0;
}
