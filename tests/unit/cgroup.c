/*
 * Unit tests for cgroup_layout_parse(): which controller strata takes from
 * which mount on v1-only, v2-only and hybrid hosts, fed with fake
 * mountinfo text.  Needs no privileges and touches no cgroup.
 */
#include <string.h>

#include "ct/cgroup.h"
#include "test.h"

/* A v1-only host (Debian 10 style): cpu and cpuacct share a hierarchy. */
static const char mi_v1[] =
	"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"25 22 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid shared:9 - cgroup cgroup rw,xattr,name=systemd\n"
	"27 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct\n"
	"28 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory\n"
	"29 25 0:27 / /sys/fs/cgroup/pids rw,nosuid shared:12 - cgroup cgroup rw,pids\n"
	"30 25 0:28 / /sys/fs/cgroup/freezer rw,nosuid shared:13 - cgroup cgroup rw,freezer\n"
	"31 25 0:29 / /sys/fs/cgroup/cpuset rw,nosuid shared:14 - cgroup cgroup rw,cpuset\n"
	"32 25 0:30 / /sys/fs/cgroup/devices rw,nosuid shared:15 - cgroup cgroup rw,devices\n"
	"33 25 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:16 - cgroup cgroup rw,net_cls,net_prio\n";

/* A v2-only host (Debian 12 default). */
static const char mi_v2[] =
	"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

/* A hybrid host like the one strata is developed on: v1 controllers and a
 * cgroup2 at /sys/fs/cgroup/unified holding only hugetlb. */
static const char mi_hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static int at(const struct cgroup_layout *l, enum cgroup_ctl c, int version,
	      const char *mount)
{
	return l->ctl[c].version == version && !strcmp(l->ctl[c].mount, mount);
}

static void test_v1_only_host_uses_v1_everywhere(void)
{
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(mi_v1, NULL, &l, &e) == 0,
		    "v1 mountinfo parses without looking for a cgroup2 root");
	test_assert(at(&l, CGROUP_CPU, 1, "/sys/fs/cgroup/cpu,cpuacct"),
		    "cpu is found in a hierarchy it shares with cpuacct");
	test_assert(at(&l, CGROUP_MEMORY, 1, "/sys/fs/cgroup/memory"),
		    "memory comes from the v1 memory hierarchy");
	test_assert(at(&l, CGROUP_PIDS, 1, "/sys/fs/cgroup/pids"),
		    "pids comes from the v1 pids hierarchy");
	test_assert(at(&l, CGROUP_FREEZER, 1, "/sys/fs/cgroup/freezer"),
		    "freezer comes from the v1 freezer hierarchy");
	test_assert(at(&l, CGROUP_CPUSET, 1, "/sys/fs/cgroup/cpuset"),
		    "cpuset is found on v1");
	test_assert(at(&l, CGROUP_DEVICES, 1, "/sys/fs/cgroup/devices"),
		    "devices is found on v1");
	test_assert(l.v2_mount[0] == '\0', "a v1-only host has no cgroup2 mount");
}

static void test_v2_only_host_uses_what_the_root_lists(void)
{
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(mi_v2, "cpuset cpu io memory pids\n",
					&l, &e) == 0,
		    "v2 mountinfo parses");
	test_assert(!strcmp(l.v2_mount, "/sys/fs/cgroup"),
		    "the cgroup2 mount point is recorded");
	test_assert(at(&l, CGROUP_MEMORY, 2, "/sys/fs/cgroup"),
		    "memory comes from v2 when the root lists it");
	test_assert(at(&l, CGROUP_CPU, 2, "/sys/fs/cgroup"),
		    "cpu comes from v2 when the root lists it");
	test_assert(at(&l, CGROUP_PIDS, 2, "/sys/fs/cgroup"),
		    "pids comes from v2 when the root lists it");
	test_assert(at(&l, CGROUP_FREEZER, 2, "/sys/fs/cgroup"),
		    "the v2 freezer is used although no controller names it");
	test_assert(l.ctl[CGROUP_CPUSET].version == 0,
		    "cpuset is never taken from v2");
	test_assert(l.ctl[CGROUP_DEVICES].version == 0,
		    "devices is never taken from v2");
}

static void test_v2_controller_missing_from_root_is_absent(void)
{
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(mi_v2, "memory io", &l, &e) == 0 &&
		    l.ctl[CGROUP_CPU].version == 0 &&
		    l.ctl[CGROUP_PIDS].version == 0 &&
		    l.ctl[CGROUP_MEMORY].version == 2,
		    "a controller the v2 root does not list is not used");
	test_assert(cgroup_layout_parse(mi_v2, "cpuset cpuacct", &l, &e) == 0 &&
		    l.ctl[CGROUP_CPU].version == 0,
		    "controller names are matched as whole words");
}

static void test_hybrid_host_prefers_v1(void)
{
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(mi_hybrid, "hugetlb\n", &l, &e) == 0,
		    "hybrid mountinfo parses");
	test_assert(!strcmp(l.v2_mount, "/sys/fs/cgroup/unified"),
		    "the unified mount is recorded");
	test_assert(at(&l, CGROUP_MEMORY, 1, "/sys/fs/cgroup/memory"),
		    "memory stays on v1 on a hybrid host");
	test_assert(at(&l, CGROUP_CPU, 1, "/sys/fs/cgroup/cpu"),
		    "cpu is not confused with cpuacct or cpuset");
	test_assert(at(&l, CGROUP_PIDS, 1, "/sys/fs/cgroup/pids"),
		    "pids stays on v1 on a hybrid host");
	test_assert(at(&l, CGROUP_FREEZER, 1, "/sys/fs/cgroup/freezer"),
		    "the v1 freezer wins over the v2 one");
	test_assert(at(&l, CGROUP_CPUSET, 1, "/sys/fs/cgroup/cpuset"),
		    "cpuset is found on a hybrid host");
	test_assert(cgroup_layout_parse(mi_hybrid, "memory pids hugetlb", &l,
					&e) == 0 &&
		    l.ctl[CGROUP_MEMORY].version == 1 &&
		    l.ctl[CGROUP_PIDS].version == 1,
		    "v1 wins when both versions could serve a controller");
}

static void test_hybrid_without_v1_memory_takes_it_from_v2(void)
{
	static const char mi[] =
		"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(mi, "memory pids", &l, &e) == 0 &&
		    at(&l, CGROUP_CPU, 1, "/sys/fs/cgroup/cpu") &&
		    at(&l, CGROUP_MEMORY, 2, "/sys/fs/cgroup/unified") &&
		    at(&l, CGROUP_PIDS, 2, "/sys/fs/cgroup/unified") &&
		    at(&l, CGROUP_FREEZER, 2, "/sys/fs/cgroup/unified"),
		    "a controller v1 lacks comes from v2 when v2 holds it");
}

static void test_mountinfo_oddities(void)
{
	static const char escaped[] =
		"35 31 0:32 / /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory\n";
	static const char sub_then_root[] =
		"50 1 0:32 /docker/abc /mnt/sub rw - cgroup cgroup rw,memory\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"51 1 0:32 /other /mnt/sub2 rw - cgroup cgroup rw,memory\n";
	static const char optional[] =
		"35 31 0:32 / /cg rw shared:1 master:2 - cgroup cgroup rw,pids\n"
		"36 31 0:33 / /x rw - tmpfs cgroup rw,memory\n"
		"garbage line\n"
		"\n";
	struct cgroup_layout l;
	struct err e;

	test_assert(cgroup_layout_parse(escaped, NULL, &l, &e) == 0 &&
		    at(&l, CGROUP_MEMORY, 1, "/sys/fs/cgroup/my memory"),
		    "octal escapes in mount points are decoded");
	test_assert(cgroup_layout_parse(sub_then_root, NULL, &l, &e) == 0 &&
		    at(&l, CGROUP_MEMORY, 1, "/sys/fs/cgroup/memory"),
		    "a mount of the hierarchy root wins over binds of subtrees");
	test_assert(cgroup_layout_parse(optional, NULL, &l, &e) == 0 &&
		    at(&l, CGROUP_PIDS, 1, "/cg") &&
		    l.ctl[CGROUP_MEMORY].version == 0,
		    "optional fields are skipped and only cgroup file systems count");
	test_assert(cgroup_layout_parse("", NULL, &l, &e) == 0 &&
		    l.ctl[CGROUP_MEMORY].version == 0 && !l.v2_mount[0],
		    "a host without cgroups yields an empty layout");
}

int main(void)
{
	test_v1_only_host_uses_v1_everywhere();
	test_v2_only_host_uses_what_the_root_lists();
	test_v2_controller_missing_from_root_is_absent();
	test_hybrid_host_prefers_v1();
	test_hybrid_without_v1_memory_takes_it_from_v2();
	test_mountinfo_oddities();
	return test_report();
}
