/*
 * cgroup_oci -- linux.resources beyond struct ct_limits: memory
 * reservation, swap, kernel memory, swappiness and the OOM killer; exact
 * CFS period and quota, realtime and cpusets; device rules; block I/O
 * weights and throttles; huge pages; net_cls and net_prio.
 *
 * v1 file names are those of Documentation/admin-guide/cgroup-v1/, v2
 * ones those of cgroup-v2.rst; where the two differ the mapping is runc's.
 * cgroup_create() has already written the ct_limits part (memory limit,
 * shares, quota as a CPU count, pids, strata's default device list).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ct/cgroup.h"
#include "ct/cgroup_devbpf.h"
#include "ct/cgroup_oci.h"
#include "lib/fs.h"

/* Write printf(@fmt) to @dir/@file. */
static int put(const char *dir, const char *file, struct err *e,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int put(const char *dir, const char *file, struct err *e,
	       const char *fmt, ...)
{
	char path[PATH_LEN], val[256];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (ret < 0 || ret >= (int)sizeof(val))
		return err_msg(e, -EINVAL, "%s: value too long", file);
	ret = fs_path(path, e, "%s/%s", dir, file);
	return ret < 0 ? ret : fs_write_str(path, val, e);
}

static int has(const char *dir, const char *file)
{
	char path[PATH_LEN];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return 0;
	return fs_exists(path);
}

static int oci_memory_v2(const char *dir, const struct ct_oci *o,
			 uint64_t limit, struct err *e)
{
	int ret = 0;

	if (o->memory_reservation >= 0)
		ret = put(dir, "memory.low", e, "%lld", (long long)o->memory_reservation);
	if (ret < 0 || !o->has_memory_swap || o->memory_swap == 0)
		return ret;
	/* v1's swap is memory+swap; v2's memory.swap.max is swap alone */
	if (o->memory_swap < 0)
		return put(dir, "memory.swap.max", e, "max");
	if (!limit || (uint64_t)o->memory_swap < limit)
		return err_msg(e, -EINVAL, "memory.swap %lld: must be at least memory.limit",
			       (long long)o->memory_swap);
	return put(dir, "memory.swap.max", e, "%llu",
		   (unsigned long long)((uint64_t)o->memory_swap - limit));
}

static int oci_memory(const char *name, const struct ct_oci *o, uint64_t limit,
		      struct err *e)
{
	char dir[PATH_LEN];
	int ret, v;

	if (o->memory_reservation < 0 && !o->has_memory_swap && o->memory_kernel < 0 &&
	    o->memory_kernel_tcp < 0 && o->memory_swappiness < 0 && !o->disable_oom_killer)
		return 0;
	ret = cgroup_ctl_dir(name, CGROUP_MEMORY, dir, &v, e);
	if (ret < 0)
		return ret;
	if (v == 2)
		return oci_memory_v2(dir, o, limit, e);
	if (o->memory_reservation >= 0)
		ret = put(dir, "memory.soft_limit_in_bytes", e, "%lld",
			  (long long)o->memory_reservation);
	/* memory+swap; without swap accounting only "unlimited" is possible */
	if (ret == 0 && o->has_memory_swap && o->memory_swap != 0 &&
	    (o->memory_swap > 0 || has(dir, "memory.memsw.limit_in_bytes")))
		ret = put(dir, "memory.memsw.limit_in_bytes", e, "%lld",
			  o->memory_swap < 0 ? -1LL : (long long)o->memory_swap);
	/* kernel memory limits are gone from newer kernels: set where they exist */
	if (ret == 0 && o->memory_kernel >= 0 && has(dir, "memory.kmem.limit_in_bytes"))
		ret = put(dir, "memory.kmem.limit_in_bytes", e, "%lld",
			  (long long)o->memory_kernel);
	if (ret == 0 && o->memory_kernel_tcp >= 0 && has(dir, "memory.kmem.tcp.limit_in_bytes"))
		ret = put(dir, "memory.kmem.tcp.limit_in_bytes", e, "%lld",
			  (long long)o->memory_kernel_tcp);
	if (ret == 0 && o->memory_swappiness >= 0)
		ret = put(dir, "memory.swappiness", e, "%lld", (long long)o->memory_swappiness);
	if (ret == 0 && o->disable_oom_killer)
		ret = put(dir, "memory.oom_control", e, "1");
	return ret;
}

static int oci_cpu(const char *name, const struct ct_oci *o, struct err *e)
{
	unsigned long long period = o->cpu_period ? o->cpu_period : 100000;
	char dir[PATH_LEN];
	int ret = 0, v;

	if (o->cpu_period || o->cpu_quota || o->has_cpu_rt_runtime || o->cpu_rt_period) {
		ret = cgroup_ctl_dir(name, CGROUP_CPU, dir, &v, e);
		if (ret < 0)
			return ret;
		if (v == 2) {
			if (o->has_cpu_rt_runtime || o->cpu_rt_period)
				return err_msg(e, -EOPNOTSUPP,
					       "cpu realtime: not available on cgroup v2");
			if (o->cpu_quota > 0)
				ret = put(dir, "cpu.max", e, "%lld %llu",
					  (long long)o->cpu_quota, period);
			else
				ret = put(dir, "cpu.max", e, "max %llu", period);
		} else {
			if (o->cpu_period)
				ret = put(dir, "cpu.cfs_period_us", e, "%llu", period);
			if (ret == 0 && o->cpu_quota)
				ret = put(dir, "cpu.cfs_quota_us", e, "%lld",
					  o->cpu_quota < 0 ? -1LL : (long long)o->cpu_quota);
			if (ret == 0 && o->cpu_rt_period)
				ret = put(dir, "cpu.rt_period_us", e, "%llu",
					  (unsigned long long)o->cpu_rt_period);
			if (ret == 0 && o->has_cpu_rt_runtime)
				ret = put(dir, "cpu.rt_runtime_us", e, "%lld",
					  (long long)o->cpu_rt_runtime);
		}
		if (ret < 0)
			return ret;
	}
	if ((!o->cpuset_cpus || !*o->cpuset_cpus) && (!o->cpuset_mems || !*o->cpuset_mems))
		return 0;
	ret = cgroup_ctl_dir(name, CGROUP_CPUSET, dir, &v, e);
	if (ret == 0 && o->cpuset_cpus && *o->cpuset_cpus)
		ret = put(dir, "cpuset.cpus", e, "%s", o->cpuset_cpus);
	if (ret == 0 && o->cpuset_mems && *o->cpuset_mems)
		ret = put(dir, "cpuset.mems", e, "%s", o->cpuset_mems);
	return ret;
}

/* cgroup v2: the rules become an eBPF program on the container's group
 * (that of any v2 controller it has).  No v2 group: nothing to attach to. */
static int oci_devices_v2(const char *name, const struct ct_oci *o, struct err *e)
{
	static const enum cgroup_ctl any[] = {
		CGROUP_MEMORY, CGROUP_PIDS, CGROUP_CPU, CGROUP_FREEZER,
	};
	char dir[PATH_LEN];
	struct err ignore;
	size_t i;
	int v;

	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++)
		if (cgroup_ctl_dir(name, any[i], dir, &v, &ignore) == 0 && v == 2)
			return devbpf_attach(dir, o->dev_rules, o->ndev_rules, e);
	return 0;
}

/* The rules in the listed order, then strata's default allow list (a
 * bundle cannot take /dev/null away, as with runc). */
static int oci_devices(const char *name, const struct ct_oci *o, struct err *e)
{
	char dir[PATH_LEN], maj[24], min[24];
	struct err ignore;
	int i, ret, v;

	if (!o->ndev_rules)
		return 0;
	if (cgroup_ctl_dir(name, CGROUP_DEVICES, dir, &v, &ignore) < 0)
		return oci_devices_v2(name, o, e);
	for (i = 0; i < o->ndev_rules; i++) {
		const struct oci_dev_rule *r = &o->dev_rules[i];
		const char *file = r->allow ? "devices.allow" : "devices.deny";

		if (r->type == 'a') {
			ret = put(dir, file, e, "a");
		} else {
			if (r->major < 0)
				strcpy(maj, "*");
			else
				snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
			if (r->minor < 0)
				strcpy(min, "*");
			else
				snprintf(min, sizeof(min), "%lld", (long long)r->minor);
			ret = put(dir, file, e, "%c %s:%s %s", r->type, maj, min, r->access);
		}
		if (ret < 0)
			return err_wrap(e, "linux.resources.devices[%d]", i);
	}
	return cgroup_devices_defaults(dir, e);
}

static int oci_blkio(const char *name, const struct ct_oci *o, struct err *e)
{
	static const char *const files[OCI_BLKIO_NKINDS] = {
		[OCI_BLKIO_WEIGHT] = "blkio.weight_device",
		[OCI_BLKIO_LEAF_WEIGHT] = "blkio.leaf_weight_device",
		[OCI_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device",
		[OCI_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
		[OCI_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device",
		[OCI_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	char dir[PATH_LEN];
	const char *file;
	int i, k, ret = 0, v, any = o->blkio_weight || o->blkio_leaf_weight;

	for (k = 0; k < OCI_BLKIO_NKINDS; k++)
		any |= o->nblkio_dev[k] > 0;
	if (!any)
		return 0;
	ret = cgroup_ctl_dir(name, CGROUP_BLKIO, dir, &v, e);
	if (ret < 0)
		return ret;
	/* CFQ's files; with BFQ (kernels from 5.0) only its own weights exist */
	if (o->blkio_weight) {
		file = has(dir, "blkio.weight") || !has(dir, "blkio.bfq.weight") ?
		       "blkio.weight" : "blkio.bfq.weight";
		ret = put(dir, file, e, "%u", o->blkio_weight);
	}
	if (ret == 0 && o->blkio_leaf_weight)
		ret = put(dir, "blkio.leaf_weight", e, "%u", o->blkio_leaf_weight);
	for (k = 0; ret == 0 && k < OCI_BLKIO_NKINDS; k++) {
		file = files[k];
		if (k == OCI_BLKIO_WEIGHT && !has(dir, file) && has(dir, "blkio.bfq.weight_device"))
			file = "blkio.bfq.weight_device";
		for (i = 0; ret == 0 && i < o->nblkio_dev[k]; i++) {
			const struct oci_blkio_dev *d = &o->blkio_dev[k][i];

			ret = put(dir, file, e, "%lld:%lld %llu", (long long)d->major,
				  (long long)d->minor, (unsigned long long)d->value);
		}
	}
	return ret;
}

static int oci_misc(const char *name, const struct ct_oci *o, struct err *e)
{
	char dir[PATH_LEN], file[96];
	int i, ret = 0, v;

	if (o->nhugepages) {
		ret = cgroup_ctl_dir(name, CGROUP_HUGETLB, dir, &v, e);
		for (i = 0; ret == 0 && i < o->nhugepages; i++) {
			snprintf(file, sizeof(file), "hugetlb.%.64s.limit_in_bytes",
				 o->hugepages[i].page_size);
			ret = put(dir, file, e, "%llu",
				  (unsigned long long)o->hugepages[i].limit);
		}
		if (ret < 0)
			return ret;
	}
	if (o->net_classid >= 0) {
		ret = cgroup_ctl_dir(name, CGROUP_NET_CLS, dir, &v, e);
		if (ret == 0)
			ret = put(dir, "net_cls.classid", e, "%lld", (long long)o->net_classid);
		if (ret < 0)
			return ret;
	}
	if (o->nnet_prios) {
		ret = cgroup_ctl_dir(name, CGROUP_NET_PRIO, dir, &v, e);
		for (i = 0; ret == 0 && i < o->nnet_prios; i++)
			ret = put(dir, "net_prio.ifpriomap", e, "%s %u",
				  o->net_prios[i].name, o->net_prios[i].priority);
	}
	return ret;
}

int cgroup_oci_apply(const char *name, const struct ct_config *c, struct err *e)
{
	const struct ct_oci *o = c->oci;
	int ret;

	ret = oci_memory(name, o, c->limits.memory, e);
	if (ret == 0)
		ret = oci_cpu(name, o, e);
	if (ret == 0)
		ret = oci_devices(name, o, e);
	if (ret == 0)
		ret = oci_blkio(name, o, e);
	if (ret == 0)
		ret = oci_misc(name, o, e);
	return ret < 0 ? err_wrap(e, "linux.resources") : 0;
}
