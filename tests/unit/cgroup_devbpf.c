/*
 * Unit tests for src/ct/cgroup_devbpf.c: the device program's verdicts,
 * worked out by a small interpreter of the few instructions it uses, for
 * the rule lists OCI bundles carry; then the program for real: loaded,
 * attached to a fresh group of the host's cgroup v2 hierarchy (when there
 * is one and we are root), and a process in that group refused a device
 * it may mknod but not open, while /dev/null still opens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/cgroup.h"
#include "ct/cgroup_devbpf.h"
#include "lib/fs.h"
#include "test.h"

/* Run @p on one request; -1 when it does something the builder never emits. */
static int run(const struct bpf_insn *p, size_t len, int type, int acc,
	       unsigned int major, unsigned int minor)
{
	unsigned long long r[11] = { 0 };
	struct bpf_cgroup_dev_ctx ctx = {
		.access_type = (unsigned int)(acc << 16 | type),
		.major = major, .minor = minor,
	};
	size_t pc = 0, steps = 0;

	while (pc < len && steps++ < 10000) {
		const struct bpf_insn *i = &p[pc++];
		unsigned long long k = (unsigned long long)(long long)i->imm;

		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			if (i->src_reg != 1 || i->off < 0 || i->off > 8)
				return -1;
			r[i->dst_reg] = *(unsigned int *)((char *)&ctx + i->off);
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			r[i->dst_reg] = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = k;
			break;
		case BPF_ALU64 | BPF_AND | BPF_K:
			r[i->dst_reg] &= k;
			break;
		case BPF_ALU64 | BPF_RSH | BPF_K:
			r[i->dst_reg] >>= i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != k)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -1;
		}
	}
	return -1;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static int verdict(const struct oci_dev_rule *rules, int n, int defaults, int type,
		   int acc, unsigned int major, unsigned int minor)
{
	struct bpf_insn *p;
	size_t len;
	int v;

	if (devbpf_build(rules, n, defaults, &p, &len) < 0)
		return -2;
	v = run(p, len, type, acc, major, minor);
	free(p);
	return v;
}

static void test_rules_decide_like_v1(void)
{
	/* runc's spec: deny all, then the bundle allows one device */
	const struct oci_dev_rule deny_all[] = {
		{ 0, 'a', -1, -1, "rwm" },
		{ 1, 'c', 10, 229, "rw" },
	};
	/* no reset: everything allowed but what is denied */
	const struct oci_dev_rule deny_one[] = {
		{ 0, 'c', 1, 11, "w" },
		{ 0, 'b', 8, -1, "rwm" },
	};
	/* later rules win */
	const struct oci_dev_rule order[] = {
		{ 0, 'a', -1, -1, "rwm" },
		{ 1, 'c', 4, -1, "rwm" },
		{ 0, 'c', 4, 1, "rwm" },
	};

	test_assert(verdict(NULL, 0, 0, C, R, 1, 3) == 1, "no rules: everything is allowed");
	test_assert(verdict(deny_all, 2, 0, C, R | W, 10, 229) == 1, "an allowed device opens rw");
	test_assert(verdict(deny_all, 2, 0, C, M, 10, 229) == 0, "mknod is not within rw");
	test_assert(verdict(deny_all, 2, 0, B, R, 10, 229) == 0, "the type must match");
	test_assert(verdict(deny_all, 2, 0, C, R, 10, 230) == 0, "the minor must match");
	test_assert(verdict(deny_all, 2, 0, C, R, 1, 3) == 0, "deny all denies /dev/null without defaults");
	test_assert(verdict(deny_all, 2, 1, C, R | W, 1, 3) == 1, "the defaults allow /dev/null");
	test_assert(verdict(deny_all, 2, 1, C, R, 136, 7) == 1, "the defaults allow pty slaves (minor *)");
	test_assert(verdict(deny_all, 2, 1, B, M, 8, 0) == 1, "the defaults allow mknod of any block device");
	test_assert(verdict(deny_all, 2, 1, B, R, 8, 0) == 0, "but not opening it");
	test_assert(verdict(deny_one, 2, 0, C, R, 1, 11) == 1, "a write deny leaves reads allowed");
	test_assert(verdict(deny_one, 2, 0, C, W, 1, 11) == 0, "and refuses writes");
	test_assert(verdict(deny_one, 2, 0, C, R | W, 1, 11) == 1,
		    "a deny decides only requests all within its access (as runc's)");
	test_assert(verdict(deny_one, 2, 0, B, R, 8, 16) == 0, "a deny with minor * covers the major");
	test_assert(verdict(deny_one, 2, 0, C, R, 5, 0) == 1, "the rest stays allowed");
	test_assert(verdict(order, 3, 0, C, R, 4, 2) == 1, "the allow for major 4 holds");
	test_assert(verdict(order, 3, 0, C, R, 4, 1) == 0, "a later deny wins over an earlier allow");
	test_assert(verdict(order, 3, 1, C, R, 7, 0) == 0, "unlisted devices stay denied");
}

/* Make a v2 group, attach a program denying /dev/kmsg (c 1:11) and run a
 * child in it.  Returns the child's code: 0 when refused as it should be. */
static int child_in_group(const char *dir)
{
	char procs[PATH_LEN + 16], node[64];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return 10;
	close(fd);
	snprintf(node, sizeof(node), "/tmp/strata-unit-devbpf-%d", (int)getpid());
	if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0)
		return 11;	/* mknod is allowed by the defaults ("c *:* m") */
	fd = open(node, O_RDONLY);
	unlink(node);
	if (fd >= 0 || errno != EPERM)
		return 12;	/* open must be refused */
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return 13;	/* and /dev/null stays usable */
	close(fd);
	return 0;
}

static void test_program_is_enforced(void)
{
	const struct oci_dev_rule rules[] = { { 0, 'a', -1, -1, "rwm" } };
	struct cgroup_layout l;
	char dir[PATH_LEN];
	struct err e;
	int status = -1, ret;
	pid_t pid;

	if (geteuid() != 0 || cgroup_layout_read(&l, &e) < 0 || !l.v2_mount[0]) {
		printf("skip: no cgroup v2 hierarchy, or not root\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/strata-unit-devbpf-%d", l.v2_mount, (int)getpid());
	if (mkdir(dir, 0755) < 0) {
		printf("skip: mkdir %s: %s\n", dir, strerror(errno));
		return;
	}
	ret = devbpf_attach(dir, rules, 1, &e);
	test_assert(ret == 0, "the device program loads and attaches to a v2 group");
	if (ret < 0) {
		fprintf(stderr, "  %s\n", e.msg);
		rmdir(dir);
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(child_in_group(dir));
	waitpid(pid, &status, 0);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "in the group a denied device is mknod'ed but its open fails with EPERM; "
		    "/dev/null opens");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "  child status %#x\n", status);
	test_assert(rmdir(dir) == 0, "the group (and with it the program) goes away");
}

int main(void)
{
	test_rules_decide_like_v1();
	test_program_is_enforced();
	return test_report();
}
