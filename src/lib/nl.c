/*
 * nl -- rtnetlink requests over libmnl (see rtnetlink(7), and
 * include/uapi/linux/{rtnetlink,if_link,veth}.h for the attributes).
 *
 * Every request opens its own NETLINK_ROUTE socket, asks for an ACK
 * (NLM_F_ACK) and waits for it, so a failure comes back as the errno of
 * the kernel's nlmsgerr and is reported with the interface it was about:
 * "veth sv1234: File exists".  One socket per request costs a few system
 * calls and keeps the calls usable from any thread and any namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#include "nl.h"

/* Large enough for a link dump's multi-part messages (the kernel fills
 * up to 32 KiB per recv when the buffer allows it). */
#define NL_BUF_LEN 32768

static int nl_check_name(const char *ifname, struct err *e)
{
	size_t len = ifname ? strlen(ifname) : 0;

	if (len == 0)
		return err_msg(e, -EINVAL, "interface name is empty");
	if (len >= IFNAMSIZ)
		return err_msg(e, -EINVAL,
			       "interface name '%s' is longer than %d characters",
			       ifname, IFNAMSIZ - 1);
	return 0;
}

/* The index of @ifname, or -ENODEV with "link NAME: No such device". */
static int nl_index(const char *ifname, struct err *e)
{
	unsigned int idx;
	int ret;

	ret = nl_check_name(ifname, e);
	if (ret < 0)
		return ret;
	idx = if_nametoindex(ifname);
	if (!idx)
		return err_set(e, errno == ENXIO || !errno ? -ENODEV : -errno,
			       "link %s", ifname);
	return (int)idx;
}

static struct nlmsghdr *nl_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	return nlh;
}

/* A bound NETLINK_ROUTE socket; NULL with @e ("<what>: netlink ...") set
 * when there is none. */
static struct mnl_socket *nl_open(const char *what, struct err *e)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (!nl) {
		err_set(e, -errno, "%s: netlink socket", what);
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_set(e, -errno, "%s: netlink bind", what);
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/*
 * Send @nlh and read replies until the ACK (or the end of a dump), handing
 * data messages to @cb.  On failure @e reads "<what>: <strerror>"; when @cb
 * stopped the walk with a negative result, that result is returned as is.
 */
static int nl_talk(char *buf, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   const char *what, struct err *e)
{
	struct mnl_socket *nl;
	unsigned int portid;
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nl = nl_open(what, e);
	if (!nl)
		return e->code;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = err_set(e, -errno, "%s", what);
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, NL_BUF_LEN);
		if (n < 0) {
			ret = err_set(e, -errno, "%s", what);
			goto out;
		}
		ret = mnl_cb_run(buf, n, seq, portid, cb, data);
	} while (ret == MNL_CB_OK);
	if (ret < 0)
		ret = err_set(e, errno ? -errno : -EIO, "%s", what);
	else
		ret = 0;
out:
	mnl_socket_close(nl);
	return ret;
}

static char *nl_buf(struct err *e)
{
	char *buf = calloc(1, NL_BUF_LEN);

	if (!buf)
		err_set(e, -ENOMEM, "netlink buffer");
	return buf;
}

/* Send a request that only wants its ACK, then free @buf; the printf
 * arguments name what it was about in an error ("link sv12 up: ..."). */
static int __attribute__((format(printf, 4, 5)))
nl_request(char *buf, struct nlmsghdr *nlh, struct err *e, const char *fmt, ...)
{
	char what[96];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ret = nl_talk(buf, nlh, NULL, NULL, what, e);
	free(buf);
	return ret;
}

/* The buffer for a request naming link @ifname, once the name is one;
 * NULL (and @e) otherwise. */
static char *nl_named_buf(const char *ifname, struct err *e)
{
	if (nl_check_name(ifname, e) < 0)
		return NULL;
	return nl_buf(e);
}

/* The buffer for a request about existing link @ifname, whose index
 * goes to *@idx; NULL (and @e) when it does not exist. */
static char *nl_link_buf(const char *ifname, int *idx, struct err *e)
{
	*idx = nl_index(ifname, e);
	if (*idx < 0)
		return NULL;
	return nl_buf(e);
}

/* A @type message about link @idx: header and struct ifinfomsg. */
static struct nlmsghdr *nl_link_msg(char *buf, uint16_t type, int idx,
				    struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, 0);

	*ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifi));
	(*ifi)->ifi_family = AF_UNSPEC;
	(*ifi)->ifi_index = idx;
	return nlh;
}

int nl_link_exists(const char *ifname)
{
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return 0;
	return if_nametoindex(ifname) != 0;
}

/* RTM_NEWLINK that creates @ifname and fails when it exists. */
static struct nlmsghdr *nl_newlink(char *buf, const char *ifname)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nlh;
}

int nl_bridge_add(const char *name, struct err *e)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;
	char *buf;

	buf = nl_named_buf(name, e);
	if (!buf)
		return e->code;
	nlh = nl_newlink(buf, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nl_request(buf, nlh, e, "bridge %s", name);
}

/*
 * The peer is described inside IFLA_INFO_DATA as VETH_INFO_PEER, whose
 * payload is a struct ifinfomsg followed by the peer's own attributes;
 * IFLA_NET_NS_PID there makes the kernel create it in that namespace, so
 * it never appears in ours.
 */
int nl_veth_add(const char *host_if, const char *peer_if, pid_t peer_pid,
		const char *master, struct err *e)
{
	struct nlattr *info, *data, *peer;
	struct nlmsghdr *nlh;
	struct ifinfomsg *pifi;
	int ret, midx = 0;
	char *buf;

	ret = nl_check_name(host_if, e);
	if (ret == 0)
		ret = nl_check_name(peer_if, e);
	if (ret < 0)
		return ret;
	if (master && (midx = nl_index(master, e)) < 0)
		return midx;
	buf = nl_buf(e);
	if (!buf)
		return -ENOMEM;
	nlh = nl_newlink(buf, host_if);
	if (master) {
		/* enslaved and up as it is made: one request, not three */
		struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)midx);
	}
	/* One queue each way on both ends.  A veth gets one per possible
	 * CPU by default, each a sysfs folder of ~13 entries and its queue
	 * structures: ~8 KiB per container here (2 CPUs), ~250 KiB on a
	 * 64-CPU host.  Without XDP a veth hands packets to the receiving
	 * CPU's backlog whatever the queue, and it sends without a lock. */
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_if);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)peer_pid);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_request(buf, nlh, e, "veth %s", host_if);
}

/* RTM_NEWLINK without NLM_F_CREATE changes an existing link */
int nl_link_set_master(const char *ifname, const char *master, struct err *e)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int idx, midx;
	char *buf;

	midx = nl_index(master, e);
	if (midx < 0)
		return midx;
	buf = nl_link_buf(ifname, &idx, e);
	if (!buf)
		return idx < 0 ? idx : -ENOMEM;
	nlh = nl_link_msg(buf, RTM_NEWLINK, idx, &ifi);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)midx);
	return nl_request(buf, nlh, e, "link %s master %s", ifname, master);
}

/* RTM_NEWLINK that brings link @ifname up, found by name, at @at. */
static struct nlmsghdr *nl_up_msg(char *at, const char *ifname)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_link_msg(at, RTM_NEWLINK, 0, &ifi);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nlh;
}

int nl_link_up(const char *ifname, struct err *e)
{
	struct nlmsghdr *nlh;
	char *buf;

	buf = nl_named_buf(ifname, e);
	if (!buf)
		return e->code;
	nlh = nl_up_msg(buf, ifname);
	return nl_request(buf, nlh, e, "link %s up", ifname);
}

int nl_link_del(const char *ifname, struct err *e)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	char *buf;
	int idx;

	buf = nl_link_buf(ifname, &idx, e);
	if (!buf)
		return idx < 0 ? idx : -ENOMEM;
	nlh = nl_link_msg(buf, RTM_DELLINK, idx, &ifi);
	return nl_request(buf, nlh, e, "delete link %s", ifname);
}

/* RTM_NEWADDR of @addr/@prefix (host byte order) on link @idx, at @at. */
static struct nlmsghdr *nl_addr_msg(char *at, int idx, uint32_t addr, int prefix)
{
	uint32_t naddr = htonl(addr);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = nl_msg(at, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)idx;
	mnl_attr_put_u32(nlh, IFA_LOCAL, naddr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, naddr);
	if (prefix < 31)
		mnl_attr_put_u32(nlh, IFA_BROADCAST,
				 htonl(addr | ~(prefix ? 0xffffffffu << (32 - prefix) : 0)));
	return nlh;
}

static const char *nl_ntoa(uint32_t addr, char a[INET_ADDRSTRLEN])
{
	uint32_t naddr = htonl(addr);

	return inet_ntop(AF_INET, &naddr, a, INET_ADDRSTRLEN);
}

int nl_addr_add(const char *ifname, uint32_t addr, int prefix, struct err *e)
{
	struct nlmsghdr *nlh;
	char a[INET_ADDRSTRLEN];
	char *buf;
	int idx;

	if (prefix < 0 || prefix > 32)
		return err_msg(e, -EINVAL, "bad prefix length %d", prefix);
	buf = nl_link_buf(ifname, &idx, e);
	if (!buf)
		return idx < 0 ? idx : -ENOMEM;
	nlh = nl_addr_msg(buf, idx, addr, prefix);
	return nl_request(buf, nlh, e, "address %s/%d on %s", nl_ntoa(addr, a), prefix, ifname);
}

/* RTM_NEWROUTE: default route via @gw (host byte order), at @at. */
static struct nlmsghdr *nl_route_msg(char *at, uint32_t gw)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nl_msg(at, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gw));
	return nlh;
}

int nl_route_add_default(uint32_t gw, struct err *e)
{
	struct nlmsghdr *nlh;
	char a[INET_ADDRSTRLEN];
	char *buf;

	buf = nl_buf(e);
	if (!buf)
		return -ENOMEM;
	nlh = nl_route_msg(buf, gw);
	return nl_request(buf, nlh, e, "default route via %s", nl_ntoa(gw, a));
}

/*
 * Several requests in one message to one socket: the kernel runs them in
 * order and acknowledges each, so a step that depends on an earlier one
 * (a route through an address) still works.  Sockets, round trips and
 * buffers once instead of per request.  Each ACK is matched to its
 * request by sequence number; the first failure (in request order) is
 * the one reported, with the request's own description.
 */
#define NL_BATCH_MAX 8

struct nl_batch {
	char *buf;
	size_t len;
	int n;
	uint32_t seq0;
	int tolerate[NL_BATCH_MAX];	/* an errno that means "already so" */
	char what[NL_BATCH_MAX][64];
};

static char *nl_batch_at(struct nl_batch *b)
{
	return b->buf + b->len;
}

static void __attribute__((format(printf, 4, 5)))
nl_batch_add(struct nl_batch *b, struct nlmsghdr *nlh, int tolerate,
	     const char *fmt, ...)
{
	va_list ap;

	nlh->nlmsg_seq = b->seq0 + (uint32_t)b->n;
	b->tolerate[b->n] = tolerate;
	va_start(ap, fmt);
	vsnprintf(b->what[b->n], sizeof(b->what[b->n]), fmt, ap);
	va_end(ap);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n++;
}

static int nl_batch_send(struct nl_batch *b, struct err *e)
{
	int errs[NL_BATCH_MAX] = { 0 }, acked = 0, i, ret = 0;
	struct mnl_socket *nl;
	char rbuf[4096];
	ssize_t n;

	nl = nl_open(b->what[0], e);
	if (!nl)
		return e->code;
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0) {
		ret = err_set(e, -errno, "%s", b->what[0]);
		goto out;
	}
	while (acked < b->n) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)rbuf;
		int len;

		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			ret = err_set(e, -errno, "%s", b->what[acked]);
			goto out;
		}
		for (len = (int)n; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *ne = mnl_nlmsg_get_payload(nlh);
			uint32_t k = nlh->nlmsg_seq - b->seq0;

			if (nlh->nlmsg_type != NLMSG_ERROR || k >= (uint32_t)b->n)
				continue;
			errs[k] = ne->error;
			acked++;
		}
	}
	for (i = 0; i < b->n; i++)
		if (errs[i] && errs[i] != -b->tolerate[i]) {
			ret = err_set(e, errs[i], "%s", b->what[i]);
			break;
		}
out:
	mnl_socket_close(nl);
	return ret;
}

/* Add "address ADDR/PREFIX on IFNAME" (an existing one tolerated or not)
 * and "link IFNAME up" to @b. */
static int batch_addr_up(struct nl_batch *b, const char *ifname, uint32_t addr,
			 int prefix, int tolerate, struct err *e)
{
	char a[INET_ADDRSTRLEN];
	int idx;

	if (prefix < 0 || prefix > 32)
		return err_msg(e, -EINVAL, "bad prefix length %d", prefix);
	idx = nl_index(ifname, e);
	if (idx < 0)
		return idx;
	nl_batch_add(b, nl_addr_msg(nl_batch_at(b), idx, addr, prefix), tolerate,
		     "address %s/%d on %s", nl_ntoa(addr, a), prefix, ifname);
	nl_batch_add(b, nl_up_msg(nl_batch_at(b), ifname), 0, "link %s up", ifname);
	return 0;
}

int nl_iface_setup(const char *ifname, uint32_t addr, int prefix, uint32_t gw,
		   struct err *e)
{
	char a[INET_ADDRSTRLEN], buf[1024];
	struct nl_batch b = { .buf = buf, .seq0 = (uint32_t)time(NULL) };
	int ret;

	nl_batch_add(&b, nl_up_msg(nl_batch_at(&b), "lo"), 0, "link lo up");
	ret = batch_addr_up(&b, ifname, addr, prefix, 0, e);
	if (ret < 0)
		return ret;
	nl_batch_add(&b, nl_route_msg(nl_batch_at(&b), gw), 0,
		     "default route via %s", nl_ntoa(gw, a));
	return nl_batch_send(&b, e);
}

int nl_addr_up(const char *ifname, uint32_t addr, int prefix, struct err *e)
{
	char buf[512];
	struct nl_batch b = { .buf = buf, .seq0 = (uint32_t)time(NULL) };
	int ret;

	ret = batch_addr_up(&b, ifname, addr, prefix, EEXIST, e);
	return ret < 0 ? ret : nl_batch_send(&b, e);
}

int nl_link_set_alias(const char *ifname, const char *alias, struct err *e)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	char *buf;
	int idx;

	buf = nl_link_buf(ifname, &idx, e);
	if (!buf)
		return idx < 0 ? idx : -ENOMEM;
	nlh = nl_link_msg(buf, RTM_NEWLINK, idx, &ifi);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_request(buf, nlh, e, "link %s alias", ifname);
}

struct nl_walk {
	int (*fn)(const char *ifname, const char *kind, void *arg);
	void *arg;
	int ret;
};

/* Find IFLA_INFO_KIND inside an IFLA_LINKINFO nest. */
static const char *nl_kind(const struct nlattr *linkinfo)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, linkinfo) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			return mnl_attr_get_str(a);
	}
	return "";
}

/* Name, kind and alias of one RTM_NEWLINK message ("" when absent). */
static void nl_link_attrs(const struct nlmsghdr *nlh, const char **name,
			  const char **kind, const char **alias)
{
	const struct nlattr *a;

	*name = NULL;
	*kind = *alias = "";
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				*name = mnl_attr_get_str(a);
			break;
		case IFLA_IFALIAS:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				*alias = mnl_attr_get_str(a);
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
				*kind = nl_kind(a);
			break;
		}
	}
}

static int nl_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_walk *w = data;
	const char *name, *kind, *alias;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	nl_link_attrs(nlh, &name, &kind, &alias);
	if (!name)
		return MNL_CB_OK;
	w->ret = w->fn(name, kind, w->arg);
	return w->ret < 0 ? MNL_CB_STOP : MNL_CB_OK;
}

struct nl_info {
	char *kind;
	char *alias;
	size_t len;
};

static int nl_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_info *in = data;
	const char *name, *kind, *alias;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	nl_link_attrs(nlh, &name, &kind, &alias);
	if (in->kind)
		snprintf(in->kind, in->len, "%s", kind);
	if (in->alias)
		snprintf(in->alias, in->len, "%s", alias);
	return MNL_CB_OK;
}

int nl_link_get(const char *ifname, char *kind, char *alias, size_t len,
		struct err *e)
{
	struct nl_info in = { kind, alias, len };
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	char what[64];
	int idx, ret;
	char *buf;

	if (kind && len)
		kind[0] = '\0';
	if (alias && len)
		alias[0] = '\0';
	buf = nl_link_buf(ifname, &idx, e);
	if (!buf)
		return idx < 0 ? idx : -ENOMEM;
	nlh = nl_link_msg(buf, RTM_GETLINK, idx, &ifi);
	snprintf(what, sizeof(what), "link %s", ifname);
	ret = nl_talk(buf, nlh, nl_info_cb, &in, what, e);
	free(buf);
	return ret;
}

int nl_link_foreach(int (*fn)(const char *ifname, const char *kind, void *arg),
		    void *arg, struct err *e)
{
	struct nl_walk w = { fn, arg, 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	char *buf;
	int ret;

	buf = nl_buf(e);
	if (!buf)
		return -ENOMEM;
	nlh = nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ret = nl_talk(buf, nlh, nl_link_cb, &w, "list links", e);
	free(buf);
	if (ret < 0)
		return ret;
	return w.ret < 0 ? w.ret : 0;
}
