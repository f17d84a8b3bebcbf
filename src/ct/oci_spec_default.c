/*
 * oci_spec_default -- the config.json `strata oci spec` writes: runc's
 * default spec (rootless: with a user namespace mapping the caller).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "ct/oci_spec.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static json_t *default_process(void)
{
	json_t *caps = json_pack("[s,s,s]", "CAP_AUDIT_WRITE", "CAP_KILL",
				 "CAP_NET_BIND_SERVICE");
	json_t *p;

	p = json_pack("{s:b,s:{s:i,s:i},s:[s],s:[s,s],s:s,"
			 "s:{s:O,s:O,s:O},s:[{s:s,s:i,s:i}],s:b}",
			 "terminal", 1,
			 "user", "uid", 0, "gid", 0,
			 "args", "sh",
			 "env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "TERM=xterm",
			 "cwd", "/",
			 "capabilities", "bounding", caps, "effective", caps,
			 "permitted", caps,
			 "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
			 "noNewPrivileges", 1);
	json_decref(caps);
	return p;
}

static json_t *default_mount(const char *dst, const char *type, const char *src,
			     const char *opts)
{
	json_t *m = json_pack("{s:s,s:s,s:s}", "destination", dst, "type", type,
			      "source", src);
	json_t *a = json_array();
	char *copy = opts ? strdup(opts) : NULL, *tok, *save;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	free(copy);
	if (m && opts)
		json_object_set_new(m, "options", a);
	else
		json_decref(a);
	return m;
}

/*
 * runc's Example() and, when @rootless, ToRootless(): /sys becomes a
 * read-only rbind and uid=/gid= options go (a single-id user namespace
 * has no gid 5).
 */
static json_t *default_mounts(int rootless)
{
	json_t *a = json_array();

	json_array_append_new(a, default_mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, default_mount("/dev", "tmpfs", "tmpfs",
					       "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(a, default_mount("/dev/pts", "devpts", "devpts",
					       rootless ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620" :
					       "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(a, default_mount("/dev/shm", "tmpfs", "shm",
					       "nosuid,noexec,nodev,mode=1777,size=65536k"));
	json_array_append_new(a, default_mount("/dev/mqueue", "mqueue", "mqueue",
					       "nosuid,noexec,nodev"));
	if (rootless)
		json_array_append_new(a, default_mount("/sys", "none", "/sys",
						       "rbind,nosuid,noexec,nodev,ro"));
	else
		json_array_append_new(a, default_mount("/sys", "sysfs", "sysfs",
						       "nosuid,noexec,nodev,ro"));
	json_array_append_new(a, default_mount("/sys/fs/cgroup", "cgroup", "cgroup",
					       "nosuid,noexec,nodev,relatime,ro"));
	return a;
}

static int cgroup2_unified(void)
{
	struct statfs st;

	return statfs("/sys/fs/cgroup", &st) == 0 &&
	       (unsigned long)st.f_type == CGROUP2_SUPER_MAGIC;
}

static json_t *default_linux(int rootless)
{
	static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", NULL };
	static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", NULL };
	const char *const *n;
	json_t *lin, *ns = json_array();

	for (n = rootless ? ns_rootless : ns_root; *n; n++)
		json_array_append_new(ns, json_pack("{s:s}", "type", *n));
	if (cgroup2_unified())
		json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
	lin = json_pack("{s:[s,s,s,s,s,s,s,s,s,s,s],s:[s,s,s,s,s],s:o}",
			"maskedPaths", "/proc/acpi", "/proc/asound", "/proc/kcore",
			"/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			"/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
			"/proc/scsi", "/sys/devices/virtual/tpm",
			"readonlyPaths", "/proc/bus", "/proc/fs", "/proc/irq",
			"/proc/sys", "/proc/sysrq-trigger",
			"namespaces", ns);
	if (!lin)
		return NULL;
	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		json_object_set_new(lin, "uidMappings",
				    json_pack("[{s:i,s:I,s:i}]", "containerID", 0,
					      "hostID", (json_int_t)geteuid(), "size", 1));
		json_object_set_new(lin, "gidMappings",
				    json_pack("[{s:i,s:I,s:i}]", "containerID", 0,
					      "hostID", (json_int_t)getegid(), "size", 1));
	} else {
		json_object_set_new(lin, "resources",
				    json_pack("{s:[{s:b,s:s}]}", "devices", "allow", 0,
					      "access", "rwm"));
	}
	return lin;
}

char *oci_spec_default(int rootless)
{
	json_t *j;
	char *s;

	j = json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o,s:o}",
		      "ociVersion", "1.1.0",
		      "process", default_process(),
		      "root", "path", "rootfs", "readonly", 1,
		      "hostname", "strata",
		      "mounts", default_mounts(rootless),
		      "linux", default_linux(rootless));
	if (!j)
		return NULL;
	s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	return s;
}
