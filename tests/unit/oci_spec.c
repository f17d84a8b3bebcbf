/*
 * Unit tests for src/ct/oci_spec.c and src/ct/seccomp_oci.c: a complete
 * OCI config.json lands field for field in ct_config and ct_oci, bad
 * configs are refused with one line naming the field, the default spec
 * parses back, and a parsed seccomp filter really filters (in a child).
 *
 * JSON is written with single quotes for readability; q() turns them into
 * double quotes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/mount.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/oci_spec.h"
#include "ct/seccomp_oci.h"
#include "lib/fs.h"
#include "test.h"

#define CAP(x) (UINT64_C(1) << (x))

static char dir[] = "/tmp/strata-unit-oci-XXXXXX";

static char *q(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* Parse @text (single-quoted JSON) against the temp bundle. */
static int parse(const char *text, struct ct_config *c, struct err *e)
{
	char *j = q(text);
	int ret;

	err_clear(e);
	ret = oci_spec_parse(j, strlen(j), dir, c, e);
	free(j);
	return ret;
}

static const char full[] =
	"{'ociVersion': '1.1.0',\n"
	" 'root': {'path': 'rootfs', 'readonly': true},\n"
	" 'hostname': 'box', 'domainname': 'example.org',\n"
	" 'process': {\n"
	"  'terminal': true, 'consoleSize': {'height': 25, 'width': 80},\n"
	"  'user': {'uid': 1000, 'gid': 100, 'umask': 18, 'additionalGids': [5, 6]},\n"
	"  'args': ['sh', '-c', 'echo hi'], 'env': ['PATH=/bin', 'TERM=xterm'],\n"
	"  'cwd': '/work',\n"
	"  'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_KILL', 'CAP_BOGUS'],\n"
	"   'effective': ['CAP_KILL'], 'inheritable': [],\n"
	"   'permitted': ['CAP_KILL', 'CAP_NET_BIND_SERVICE'], 'ambient': ['CAP_SYS_ADMIN']},\n"
	"  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1024, 'soft': 512},\n"
	"   {'type': 'RLIMIT_CORE', 'hard': 18446744073709551615, 'soft': 9223372036854775808}],\n"
	"  'apparmorProfile': 'docker-default', 'selinuxLabel': 'system_u:system_r:container_t',\n"
	"  'noNewPrivileges': true, 'oomScoreAdj': -500, 'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'}},\n"
	" 'mounts': [\n"
	"  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},\n"
	"  {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs',\n"
	"   'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},\n"
	"  {'destination': '/data', 'type': 'bind', 'source': '/srv/data',\n"
	"   'options': ['rbind', 'ro', 'rw', 'nodev', 'noexec', 'rslave', 'idmap'],\n"
	"   'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],\n"
	"   'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}]},\n"
	"  {'destination': 'rel', 'source': '/x', 'options': ['bind', 'sync', 'async',\n"
	"   'remount', 'mand', 'dirsync', 'noatime', 'nodiratime', 'relatime', 'suid', 'dev', 'exec',\n"
	"   'private', 'ridmap', 'x-custom']}],\n"
	" 'hooks': {'prestart': [{'path': '/bin/pre', 'args': ['pre', 'a'], 'env': ['X=1'], 'timeout': 5}],\n"
	"  'createRuntime': [{'path': '/bin/cr'}], 'createContainer': [{'path': '/bin/cc'}],\n"
	"  'startContainer': [{'path': '/bin/sc'}], 'poststart': [{'path': '/bin/ps'}],\n"
	"  'poststop': [{'path': '/bin/pst1'}, {'path': '/bin/pst2'}]},\n"
	" 'annotations': {'com.example.a': 'b', 'k': 'v w'},\n"
	" 'linux': {\n"
	"  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/run/netns/x'},\n"
	"   {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},\n"
	"   {'type': 'cgroup'}, {'type': 'time'}],\n"
	"  'uidMappings': [{'containerID': 1, 'hostID': 5, 'size': 1},\n"
	"   {'containerID': 0, 'hostID': 100000, 'size': 65536}],\n"
	"  'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 1000}],\n"
	"  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,\n"
	"    'fileMode': 8630, 'uid': 0, 'gid': 0},\n"
	"   {'path': '/dev/myfifo', 'type': 'p'}],\n"
	"  'resources': {\n"
	"   'devices': [{'allow': false, 'access': 'rwm'},\n"
	"    {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],\n"
	"   'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1, 'swappiness': 0},\n"
	"   'cpu': {'shares': 512, 'quota': 150000, 'period': 100000, 'cpus': '0-1', 'mems': '0'},\n"
	"   'pids': {'limit': 64}, 'blockIO': {'weight': 300},\n"
	"   'hugepageLimits': [{'pageSize': '2MB', 'limit': 4194304}],\n"
	"   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]}},\n"
	"  'cgroupsPath': '/strata/box',\n"
	"  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192'},\n"
	"  'maskedPaths': ['/proc/kcore', '/proc/keys'],\n"
	"  'readonlyPaths': ['/proc/sys'],\n"
	"  'rootfsPropagation': 'rprivate',\n"
	"  'intelRdt': {'closID': 'x'},\n"
	"  'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,\n"
	"   'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32',\n"
	"    'SCMP_ARCH_AARCH64', 'SCMP_ARCH_RISCV64'],\n"
	"   'flags': ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],\n"
	"   'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},\n"
	"    {'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13},\n"
	"    {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',\n"
	"     'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'},\n"
	"      {'index': 1, 'value': 255, 'valueTwo': 8, 'op': 'SCMP_CMP_MASKED_EQ'}]},\n"
	"    {'names': ['kill'], 'action': 'SCMP_ACT_KILL'},\n"
	"    {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE'},\n"
	"    {'names': ['uname'], 'action': 'SCMP_ACT_LOG'},\n"
	"    {'names': ['reboot'], 'action': 'SCMP_ACT_KILL_PROCESS'},\n"
	"    {'names': ['acct'], 'action': 'SCMP_ACT_TRAP'}]}}}\n";

static int has_warning(const struct ct_oci *o, const char *needle)
{
	int i;

	for (i = 0; i < o->nwarnings; i++)
		if (strstr(o->warnings[i], needle))
			return 1;
	return 0;
}

static int strv_eq(char **a, const char *const *b)
{
	int i;

	for (i = 0; a && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return a && !a[i] && !b[i];
}

static void check_full_config(const struct ct_config *c)
{
	const struct ct_oci *o = c->oci;
	char root[PATH_LEN];

	snprintf(root, sizeof(root), "%s/rootfs", dir);
	test_assert(!c->name && !c->net && !c->template, "name, network and template stay empty");
	test_assert(!strcmp(c->rootfs, root) && !strcmp(o->root, root), "root.path is resolved against the bundle");
	test_assert(!strcmp(o->bundle, dir) && o->root_readonly, "bundle and root.readonly are kept");
	test_assert(!strcmp(o->oci_version, "1.1.0"), "ociVersion is kept");
	test_assert(!strcmp(c->hostname, "box") && !strcmp(o->domainname, "example.org"), "hostname and domainname are kept");
	test_assert(strv_eq(c->argv, (const char *const[]){ "sh", "-c", "echo hi", NULL }), "process.args becomes argv");
	test_assert(strv_eq(c->env, (const char *const[]){ "PATH=/bin", "TERM=xterm", NULL }), "process.env becomes env as is");
	test_assert(!strcmp(c->cwd, "/work"), "process.cwd becomes cwd");
	test_assert(c->tty && o->terminal, "process.terminal becomes tty");
	test_assert(o->console_height == 25 && o->console_width == 80, "consoleSize is kept");
	test_assert(o->uid == 1000 && o->gid == 100 && o->has_umask && o->umask == 022, "user uid, gid and umask are read");
	test_assert(o->ngroups == 2 && o->groups[0] == 5 && o->groups[1] == 6, "additionalGids are read");
	test_assert(o->has_caps && o->caps.bounding == (CAP(CAP_CHOWN) | CAP(CAP_KILL)), "bounding caps become bits");
	test_assert(o->caps.effective == CAP(CAP_KILL) && o->caps.inheritable == 0, "effective and inheritable caps become bits");
	test_assert(o->caps.permitted == (CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE)), "permitted caps become bits");
	test_assert(o->caps.ambient == CAP(CAP_SYS_ADMIN), "ambient caps become bits");
	test_assert(has_warning(o, "CAP_BOGUS"), "an unknown capability is a warning, not an error");
	test_assert(o->nrlimits == 2 && o->rlimits[0].resource == RLIMIT_NOFILE &&
		    o->rlimits[0].soft == 512 && o->rlimits[0].hard == 1024, "rlimits are read by name");
	test_assert(o->rlimits[1].resource == RLIMIT_CORE && o->rlimits[1].hard == UINT64_MAX &&
		    o->rlimits[1].soft == UINT64_C(9223372036854775808), "rlimits above 2^63 survive jansson");
	test_assert(!strcmp(o->apparmor_profile, "docker-default") && o->selinux_label, "apparmor and selinux labels are accepted");
	test_assert(o->no_new_privs && o->has_oom_score_adj && o->oom_score_adj == -500, "noNewPrivileges and oomScoreAdj are read");
	test_assert(has_warning(o, "process.ioPriority: not supported"), "ioPriority is a warning");
}

static void check_full_mounts(const struct ct_oci *o)
{
	const struct oci_mount *m = o->mounts;

	test_assert(o->nmounts == 4, "all mounts are read");
	test_assert(!strcmp(m[0].destination, "/proc") && !strcmp(m[0].type, "proc") &&
		    !m[0].flags && !m[0].data, "a mount without options has no flags and no data");
	test_assert(m[1].flags == (MS_NOSUID | MS_STRICTATIME) &&
		    !strcmp(m[1].data, "mode=755,size=65536k"), "flags and data are split");
	test_assert(m[2].flags == (MS_BIND | MS_REC | MS_NODEV | MS_NOEXEC), "rbind and a cleared ro make the flags");
	test_assert(m[2].propagation == (MS_SLAVE | MS_REC) && m[2].idmap == 1 && !m[2].data,
		    "rslave and idmap are options, not data");
	test_assert(m[2].nuid_maps == 1 && m[2].uid_maps[0].host == 100000 && m[2].ngid_maps == 1,
		    "mount uidMappings are read");
	test_assert(m[3].nuid_maps == 2 && m[3].uid_maps[1].host == 100000 &&
		    m[3].ngid_maps == 1 && m[3].gid_maps[0].host == 200000,
		    "ridmap without maps of its own takes linux's");
	test_assert(!strcmp(m[3].destination, "/rel") && !m[3].type, "a relative destination is taken from /");
	test_assert(m[3].flags == (MS_BIND | MS_REMOUNT | MS_MANDLOCK | MS_DIRSYNC | MS_NOATIME |
				   MS_NODIRATIME | MS_RELATIME), "every flag option maps");
	test_assert(m[3].propagation == MS_PRIVATE && m[3].idmap == 2 && !strcmp(m[3].data, "x-custom"),
		    "private, ridmap and unknown options");
}

static void check_full_hooks(const struct ct_oci *o)
{
	const struct oci_hook *h = o->hooks[OCI_HOOK_PRESTART];
	int k, all = 1;

	for (k = 0; k < OCI_HOOK_NKINDS; k++)
		all &= o->nhooks[k] >= 1;
	test_assert(all && o->nhooks[OCI_HOOK_POSTSTOP] == 2, "all six hook kinds are read");
	test_assert(!strcmp(h->path, "/bin/pre") && h->timeout == 5 &&
		    strv_eq(h->args, (const char *const[]){ "pre", "a", NULL }) &&
		    strv_eq(h->env, (const char *const[]){ "X=1", NULL }), "a hook keeps path, args, env, timeout");
	test_assert(!strcmp(o->hooks[OCI_HOOK_START_CONTAINER][0].path, "/bin/sc") &&
		    !o->hooks[OCI_HOOK_START_CONTAINER][0].args, "a bare hook has no args");
	test_assert(o->annotations_json &&
		    !strcmp(o->annotations_json, "{\"com.example.a\":\"b\",\"k\":\"v w\"}"),
		    "annotations are kept as compact JSON");
}

static void check_full_linux(const struct ct_config *c)
{
	const struct ct_oci *o = c->oci;
	int flags[] = { CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC,
			CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME };
	int i, ok = o->nns == 8;

	for (i = 0; ok && i < 8; i++)
		ok = o->ns[i].type == flags[i] && !o->ns[i].path == (i != 1);
	test_assert(ok && !strcmp(o->ns[1].path, "/run/netns/x"), "namespaces map to CLONE_NEW* with paths");
	test_assert(o->nuid_maps == 2 && o->ngid_maps == 1 && o->gid_maps[0].size == 1000, "id mappings are read");
	test_assert(c->uid_host == 100000 && c->uid_count == 65536, "uid_host comes from the mapping of container id 0");
	test_assert(o->ndevices == 2 && !strcmp(o->devices[0].path, "/dev/fuse") && o->devices[0].type == 'c' &&
		    o->devices[0].major == 10 && o->devices[0].minor == 229 && o->devices[0].mode == 0666,
		    "a device node is read (mode without the type bits)");
	test_assert(o->devices[1].type == 'p' && o->devices[1].mode == 0666, "a fifo needs no numbers; mode defaults to 0666");
	test_assert(o->ndev_rules == 2 && !o->dev_rules[0].allow && o->dev_rules[0].type == 'a' &&
		    o->dev_rules[0].major == -1 && !strcmp(o->dev_rules[0].access, "rwm"), "a deny-all device rule");
	test_assert(o->dev_rules[1].allow && o->dev_rules[1].type == 'c' && o->dev_rules[1].minor == 229 &&
		    !strcmp(o->dev_rules[1].access, "rw"), "an allow device rule");
	test_assert(c->limits.memory == 536870912 && o->memory_reservation == 268435456 && o->memory_swap == -1,
		    "memory resources are read");
	test_assert(c->limits.cpu_shares == 512 && o->cpu_quota == 150000 && o->cpu_period == 100000 &&
		    c->limits.cpus > 1.49 && c->limits.cpus < 1.51, "cpu quota/period become cpus");
	test_assert(!strcmp(o->cpuset_cpus, "0-1") && !strcmp(o->cpuset_mems, "0"), "cpusets are read");
	test_assert(c->limits.pids == 64 && o->blkio_weight == 300, "pids and blkio weight are read");
	test_assert(o->nhugepages == 1 && !strcmp(o->hugepages[0].page_size, "2MB") &&
		    o->hugepages[0].limit == 4194304, "hugepage limits are read");
	test_assert(o->net_classid == 1048577 && o->nnet_prios == 1 && !strcmp(o->net_prios[0].name, "eth0") &&
		    o->net_prios[0].priority == 500, "network classID and priorities are read");
	test_assert(o->memory_swappiness == 0 && !has_warning(o, "linux.resources.memory.swappiness"),
		    "memory swappiness is read");
	test_assert(has_warning(o, "linux.intelRdt"), "unapplied resources are warnings");
	test_assert(!strcmp(o->cgroups_path, "/strata/box"), "cgroupsPath is kept");
	test_assert(o->nsysctl == 2 && !strcmp(o->sysctl[0].key, "net.ipv4.ip_forward") &&
		    !strcmp(o->sysctl[0].value, "1"), "sysctl keys and values are kept");
	test_assert(strv_eq(o->masked, (const char *const[]){ "/proc/kcore", "/proc/keys", NULL }) &&
		    strv_eq(o->readonly, (const char *const[]){ "/proc/sys", NULL }), "masked and readonly paths");
	test_assert(o->rootfs_propagation == (MS_PRIVATE | MS_REC), "rootfsPropagation becomes flags");
}

static void check_full_seccomp(const struct oci_seccomp *s)
{
	const struct oci_seccomp_rule *r = s->rules;

	test_assert(s && s->default_action == SCMP_ACT_ERRNO(38), "defaultAction folds defaultErrnoRet");
	test_assert(s->narches == 5 && s->arches[0] == SCMP_ARCH_X86_64 && s->arches[1] == SCMP_ARCH_X86 &&
		    s->arches[2] == SCMP_ARCH_X32 && s->arches[3] == SCMP_ARCH_AARCH64 &&
		    s->arches[4] == SCMP_ARCH_RISCV64, "architectures map to libseccomp tokens");
	test_assert(s->flags == (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
				 SECCOMP_FILTER_FLAG_SPEC_ALLOW), "flags are read");
	test_assert(s->nrules == 8 && r[0].action == SCMP_ACT_ALLOW && !strcmp(r[0].names[1], "write") &&
		    !r[0].names[2], "a rule keeps its names");
	test_assert(r[1].action == SCMP_ACT_ERRNO(13), "errnoRet folds into the action");
	test_assert(r[2].nargs == 2 && r[2].args[0].op == SCMP_CMP_EQ && r[2].args[0].value == 8 &&
		    r[2].args[1].index == 1 && r[2].args[1].op == SCMP_CMP_MASKED_EQ &&
		    r[2].args[1].value == 255 && r[2].args[1].value_two == 8, "rule args are read");
	test_assert(r[3].action == SCMP_ACT_KILL_THREAD && r[4].action == SCMP_ACT_TRACE(EPERM) &&
		    r[5].action == SCMP_ACT_LOG && r[6].action == SCMP_ACT_KILL_PROCESS &&
		    r[7].action == SCMP_ACT_TRAP, "every action maps");
}

static void test_full_config_fills_every_field(void)
{
	struct ct_config c;
	struct err e;
	int ret;

	ret = parse(full, &c, &e);
	test_assert(ret == 0, "a complete config parses");
	if (ret) {
		fprintf(stderr, "  %s\n", e.msg);
		return;
	}
	check_full_config(&c);
	check_full_mounts(c.oci);
	check_full_hooks(c.oci);
	check_full_linux(&c);
	check_full_seccomp(c.oci->seccomp);
	ct_config_free(&c);
}

static void test_minimal_config_gets_defaults(void)
{
	struct ct_config c;
	struct err e;
	int ret;

	ret = parse("{'ociVersion': '1.0.2', 'root': {'path': '/'}}", &c, &e);
	test_assert(ret == 0, "root and ociVersion alone are enough");
	if (ret)
		return;
	test_assert(!strcmp(c.rootfs, "/") && !c.argv && c.env && !c.env[0], "no process: no argv, empty env");
	test_assert(c.oci->umask == 0022 && !c.oci->has_umask && c.oci->memory_swap == -1 &&
		    c.oci->memory_reservation == -1 && !c.oci->seccomp && !c.oci->nns,
		    "defaults: umask 022, no swap or reservation, no seccomp, no namespaces");
	test_assert(c.uid_host == 0 && c.uid_count == 0 && !c.oci->warnings, "no mapping, no warnings");
	ct_config_free(&c);
}

/* @text must fail with exactly @msg (after "config.json: "). */
static void expect_error(const char *text, const char *msg, const char *sentence)
{
	char want[ERR_MSG_LEN];
	struct ct_config c;
	struct err e;
	int ret;

	snprintf(want, sizeof(want), "config.json: %s", msg);
	ret = parse(text, &c, &e);
	test_assert(ret == -EINVAL && !strcmp(e.msg, want) && !c.oci && !c.argv, sentence);
	if (ret != -EINVAL || strcmp(e.msg, want))
		fprintf(stderr, "  got %d '%s'\n  want '%s'\n", ret, e.msg, want);
	if (!ret)
		ct_config_free(&c);
}

#define BASE "'ociVersion': '1.1.0', 'root': {'path': 'rootfs'}"

static void test_bad_configs_name_the_field(void)
{
	expect_error("{'ociVersion': '1.1.0',\n 'root': {'path': 'r'},\n 'process': }",
		     "line 3: unexpected token near '}'", "malformed JSON names the line");
	expect_error("[1]", "must be a JSON object", "a config that is not an object");
	expect_error("{'root': {'path': 'r'}}", "ociVersion: is required", "ociVersion is required");
	expect_error("{'ociVersion': '1.1.0'}", "root: is required", "root is required");
	expect_error("{" BASE ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'x'}]}}",
		     "linux.namespaces: unknown namespace type 'x'", "an unknown namespace type");
	expect_error("{" BASE ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'pid'}]}}",
		     "linux.namespaces: duplicate namespace type 'pid'", "a duplicate namespace type");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': 'work'}}",
		     "process.cwd: must be an absolute path", "a relative cwd");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': 'root'}}}",
		     "process.user.uid: must be a non-negative integer", "a uid that is a string");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': -1}}}",
		     "process.user.uid: must be a non-negative integer", "a negative uid");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': '/', 'user': {'uid': 4294967296}}}",
		     "process.user.uid: must be an integer from 0 to 4294967295", "a uid above 32 bits");
	expect_error("{" BASE ", 'process': {'args': [], 'cwd': '/'}}",
		     "process.args: must be a non-empty array of strings", "empty args");
	expect_error("{" BASE ", 'process': {'args': ['sh', 1], 'cwd': '/'}}",
		     "process.args: must be a non-empty array of strings", "args with a number");
	expect_error("{" BASE ", 'process': {'cwd': '/'}}", "process.args: is required", "missing args");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': "
		     "[{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]}}",
		     "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'", "an unknown rlimit");
	expect_error("{" BASE ", 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': "
		     "[{'type': 'RLIMIT_NOFILE', 'soft': 1}]}}",
		     "process.rlimits[0].hard: is required", "an rlimit without hard");
	expect_error("{" BASE ", 'hooks': {'poststop': [{'path': '/bin/true'}, {'path': 'bin/x'}]}}",
		     "hooks.poststop[1].path: must be an absolute path", "a relative hook path");
	expect_error("{" BASE ", 'mounts': [{'destination': '/a', 'options': 'ro'}]}",
		     "mounts[0].options: must be an array of strings", "mount options that are a string");
	expect_error("{" BASE ", 'linux': {'rootfsPropagation': 'sideways'}}",
		     "linux.rootfsPropagation: unknown propagation 'sideways'", "an unknown propagation");
	expect_error("{" BASE ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_NOPE'}}}",
		     "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'", "an unknown seccomp action");
	expect_error("{" BASE ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', "
		     "'architectures': ['SCMP_ARCH_Z80']}}}",
		     "linux.seccomp.architectures: unknown architecture 'SCMP_ARCH_Z80'", "an unknown architecture");
	expect_error("{" BASE ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': "
		     "[{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1, "
		     "'op': 'SCMP_CMP_EQ'}]}]}}}",
		     "linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5",
		     "a seccomp argument index past 5");
	expect_error("{" BASE ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': "
		     "[{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': -1}]}}}",
		     "linux.seccomp.syscalls[0].errnoRet: must be a non-negative integer",
		     "a bad errnoRet (found by the fuzzer)");
	expect_error("{" BASE ", 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]}}",
		     "linux.uidMappings: needs a user namespace in linux.namespaces", "mappings without a user namespace");
	expect_error("{" BASE ", 'hostname': 'h', 'linux': {'namespaces': [{'type': 'mount'}]}}",
		     "hostname: needs a UTS namespace in linux.namespaces",
		     "a hostname without a UTS namespace (it would be the host's)");
	expect_error("{" BASE ", 'linux': {'namespaces': [{'type': 'mount'}], "
		     "'sysctl': {'net.ipv4.ip_forward': '1'}}}",
		     "linux.sysctl.net.ipv4.ip_forward: needs a network namespace in linux.namespaces",
		     "a net sysctl without a network namespace");
	expect_error("{" BASE ", 'linux': {'namespaces': [{'type': 'mount'}, {'type': 'ipc'}], "
		     "'sysctl': {'vm/swappiness': '1'}}}",
		     "linux.sysctl.vm/swappiness: not in a namespace of the container: refused",
		     "a host-wide sysctl");
	expect_error("{" BASE ", 'linux': {'resources': {'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}, "
		     "{'pageSize': '../x', 'limit': 1}]}}}",
		     "linux.resources.hugepageLimits[1].pageSize: must be a size like \"2MB\"", "a hugepage size with a slash");
	expect_error("{" BASE ", 'linux': {'resources': {'network': {'priorities': [7]}}}}",
		     "linux.resources.network.priorities[0]: must be an object", "a network priority that is no object");
	expect_error("{" BASE ", 'linux': {'resources': {'network': {'priorities': [{'name': 'a b', 'priority': 1}]}}}}",
		     "linux.resources.network.priorities[0].name: must be an interface name", "a bad interface name");
	expect_error("{" BASE ", 'hostname': 18446744073709551615}", "hostname: must be a string",
		     "a big number where a string belongs");
	expect_error("{" BASE ", 'annotations': {'a': 1}}", "annotations.a: must be a string",
		     "an annotation that is not a string");
	expect_error("{" BASE ", 'linux': {'devices': [{'path': '/dev/x', 'type': 'c', 'major': 1}]}}",
		     "linux.devices[0].minor: is required", "a char device without minor");
}

static void test_recursive_and_idmapped_mounts(void)
{
	struct ct_config c;
	struct err e;
	const struct oci_mount *m;
	int ret;

	ret = parse("{" BASE ", 'mounts': [{'destination': '/a', 'type': 'bind', 'source': '/x',\n"
		    " 'options': ['rbind', 'rro', 'rnosuid', 'rexec', 'rnoexec', 'rnoatime', 'ro']},\n"
		    " {'destination': '/b', 'type': 'bind', 'source': '/x', 'options': ['rro', 'rrw'],\n"
		    "  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],\n"
		    "  'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}]}", &c, &e);
	test_assert(ret == 0, "recursive options and mount maps parse");
	if (ret) {
		fprintf(stderr, "  %s\n", e.msg);
		return;
	}
	m = c.oci->mounts;
	test_assert(m[0].rattr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC |
				       MOUNT_ATTR_NOATIME) &&
		    m[0].rattr_clr == MOUNT_ATTR__ATIME, "recursive options: the last word wins");
	test_assert(m[0].flags == (MS_BIND | MS_REC | MS_RDONLY) && !m[0].data && !m[0].idmap,
		    "recursive options are neither flags nor data");
	test_assert(m[1].rattr_clr == MOUNT_ATTR_RDONLY && !m[1].rattr_set,
		    "rrw clears what rro set");
	test_assert(m[1].idmap == 1 && m[1].tree_fd == -1, "mount maps make an idmapped bind");
	ct_config_free(&c);
	expect_error("{" BASE ", 'mounts': [{'destination': '/a', 'type': 'tmpfs', 'options': ['idmap']}]}",
		     "mounts[0]: idmapped mounts must be bind mounts", "idmap on a tmpfs");
	expect_error("{" BASE ", 'mounts': [{'destination': '/a', 'type': 'bind', 'source': '/x', "
		     "'options': ['ridmap']}]}",
		     "mounts[0]: idmap needs uidMappings and gidMappings (its own or linux's)",
		     "idmap without maps");
	expect_error("{" BASE ", 'mounts': [{'destination': '/a', 'type': 'bind', 'source': '/x', "
		     "'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]}]}",
		     "mounts[0]: an idmapped mount needs both uidMappings and gidMappings",
		     "uid maps without gid maps");
}

static void test_missing_config_names_the_bundle(void)
{
	struct ct_config c;
	char want[ERR_MSG_LEN];
	struct err e;

	snprintf(want, sizeof(want), "bundle %s: config.json: No such file or directory", dir);
	test_assert(oci_spec_load(dir, &c, &e) == -ENOENT && !strcmp(e.msg, want),
		    "a bundle without config.json");
}

static void test_load_reads_the_bundle(void)
{
	char path[PATH_LEN], root[PATH_LEN];
	struct ct_config c;
	struct err e;
	char *j = q("{'ociVersion': '1.1.0', 'root': {'path': 'rootfs'}, 'process': "
		    "{'args': ['true'], 'cwd': '/'}}");

	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	fs_write_atomic(path, j, strlen(j), &e);
	free(j);
	test_assert(oci_spec_load(dir, &c, &e) == 0 && !strcmp(c.rootfs, root) &&
		    !strcmp(c.argv[0], "true"), "oci_spec_load reads BUNDLE/config.json");
	ct_config_free(&c);
	unlink(path);
}

static void test_default_spec_parses_back(void)
{
	struct ct_config c;
	struct err e;
	char *s;
	int rootless, ret;

	for (rootless = 0; rootless < 2; rootless++) {
		s = oci_spec_default(rootless);
		test_assert(s != NULL, "oci_spec_default returns JSON");
		if (!s)
			continue;
		ret = oci_spec_parse(s, strlen(s), dir, &c, &e);
		free(s);
		test_assert(ret == 0, "the default spec parses back");
		if (ret) {
			fprintf(stderr, "  %s\n", e.msg);
			continue;
		}
		test_assert(!strcmp(c.argv[0], "sh") && c.tty && !strcmp(c.hostname, "strata") &&
			    c.oci->no_new_privs && c.oci->root_readonly && c.oci->nmounts == 7 &&
			    c.oci->caps.bounding == (CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) |
						     CAP(CAP_NET_BIND_SERVICE)) &&
			    c.oci->nrlimits == 1 && c.oci->rlimits[0].soft == 1024,
			    "the default spec is runc's");
		test_assert(rootless ? c.oci->nuid_maps == 1 && c.uid_host == geteuid() && c.uid_count == 1 &&
				       c.oci->mounts[5].flags & MS_BIND
				     : c.oci->ndev_rules == 1 && !c.oci->nuid_maps,
			    rootless ? "the rootless spec maps the caller and binds /sys" :
				       "the default spec denies devices");
		ct_config_free(&c);
	}
}

/* In a child: load the filter of a parsed config and watch it work. */
static int seccomp_child(const struct oci_seccomp *s)
{
	struct err e;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 10;
	if (security_seccomp_oci(s, &e) < 0) {
		fprintf(stderr, "  %s\n", e.msg);
		return 11;
	}
	if (mkdir("/nonexistent-strata/x", 0755) == 0 || errno != EACCES)
		return 12;
	if (rmdir("/nonexistent-strata") == 0 || errno != ENOSYS)
		return 13;
	if (getpid() <= 0)
		return 14;
	return 0;
}

static void test_seccomp_filter_is_enforced(void)
{
	struct ct_config c;
	struct err e;
	int status = -1, ret;
	pid_t pid;

	/* allow by default; mkdir fails EACCES, rmdir ENOSYS; read/write
	 * rules equal the default and are skipped; an unknown name too */
	ret = parse("{" BASE ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW',"
		    " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'],"
		    " 'flags': ['SECCOMP_FILTER_FLAG_TSYNC'],"
		    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
		    "  {'names': ['mkdir', 'mkdirat', 'no_such_call'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13},"
		    "  {'names': ['rmdir', 'unlinkat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38},"
		    "  {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO', 'args': ["
		    "   {'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}, {'index': 0, 'value': 2, 'op': 'SCMP_CMP_EQ'}]}]}}}",
		    &c, &e);
	test_assert(ret == 0, "a seccomp config parses");
	if (ret)
		return;
	pid = fork();
	if (pid == 0)
		_exit(seccomp_child(c.oci->seccomp));
	if (pid > 0)
		waitpid(pid, &status, 0);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the loaded filter fails mkdir and rmdir only");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "  child status %#x\n", status);
	c.oci->seccomp->listener_path = strdup("/run/x.sock");
	test_assert(security_seccomp_oci(c.oci->seccomp, &e) == -EOPNOTSUPP, "a listener is refused before loading");
	ct_config_free(&c);
}

int main(void)
{
	char path[PATH_LEN];
	struct err e;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	mkdir(path, 0755);
	test_full_config_fills_every_field();
	test_minimal_config_gets_defaults();
	test_bad_configs_name_the_field();
	test_recursive_and_idmapped_mounts();
	test_missing_config_names_the_bundle();
	test_load_reads_the_bundle();
	test_default_spec_parses_back();
	test_seccomp_filter_is_enforced();
	test_assert(fs_rm_rf(dir, &e) == 0 && !fs_exists(dir), "the temp folder is removed");
	return test_report();
}
