/*
 * tap -- open a tap interface for virtio-net (see tap.h).  The tap's
 * vnet header is set to 12 bytes, the virtio 1.x struct virtio_net_hdr
 * with num_buffers, so a packet moves between the tap and guest buffers
 * without reshaping its header.  No offloads are enabled: the guest is
 * offered no checksum or segmentation features, so the kernel must hand
 * us whole, checksummed frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "lib/nl.h"
#include "virtio/tap.h"

#define TAP_VNET_HDR_LEN 12

static int tap_setup(int fd, const char *name, const char *bridge,
		     char *ifname, struct err *e)
{
	int hdr_len = TAP_VNET_HDR_LEN;
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (name && *name) {
		if (strlen(name) >= IFNAMSIZ)
			return err_msg(e, -EINVAL, "tap name '%s' is longer than %d characters",
				       name, IFNAMSIZ - 1);
		strcpy(ifr.ifr_name, name);
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return err_set(e, -errno, "tap %s", name && *name ? name : "");
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = 0;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)
		return err_set(e, -errno, "tap %s: vnet header size", ifname);
	if (ioctl(fd, TUNSETOFFLOAD, 0UL) < 0)
		return err_set(e, -errno, "tap %s: offloads", ifname);
	if (bridge && *bridge) {
		ret = nl_link_set_master(ifname, bridge, e);
		if (ret < 0)
			return ret;
	}
	return nl_link_up(ifname, e);
}

int tap_open(const char *name, const char *bridge, char name_out[IFNAMSIZ],
	     struct err *e)
{
	char ifname[IFNAMSIZ];
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "open /dev/net/tun");
	ret = tap_setup(fd, name, bridge, ifname, e);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	if (name_out)
		memcpy(name_out, ifname, IFNAMSIZ);
	return fd;
}
