/*
 * cgroup_devbpf -- the device allow list of a v2 cgroup as an eBPF
 * program, assembled by hand.
 *
 * The kernel calls the program with a struct bpf_cgroup_dev_ctx in R1 for
 * every mknod and every open of a device node in the group; R0 = 1
 * allows, 0 refuses (EPERM).  Layout:
 *
 *	r2 = ctx->access_type; r3 = r2 & 0xffff (type); r4 = r2 >> 16 (access)
 *	r5 = ctx->major; r6 = ctx->minor
 *	for each rule, last first:
 *		if type/major/minor differ, or the access asked is not all
 *		within the rule's: skip to the next rule
 *		r0 = allow; exit
 *	r0 = default; exit
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct/cgroup_devbpf.h"

/* strata's default allow list, as cgroup.c's for v1 (Docker's) */
static const struct oci_dev_rule devbpf_defaults[] = {
	{ 1, 'c', -1, -1, "m" }, { 1, 'b', -1, -1, "m" },
	{ 1, 'c', 1, 3, "rwm" }, { 1, 'c', 1, 5, "rwm" }, { 1, 'c', 1, 7, "rwm" },
	{ 1, 'c', 1, 8, "rwm" }, { 1, 'c', 1, 9, "rwm" },
	{ 1, 'c', 5, 0, "rwm" }, { 1, 'c', 5, 1, "rwm" }, { 1, 'c', 5, 2, "rwm" },
	{ 1, 'c', 136, -1, "rwm" }, { 1, 'c', 10, 200, "rwm" },
};

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

static unsigned int rule_access(const struct oci_dev_rule *r)
{
	unsigned int a = 0;

	if (strchr(r->access, 'r'))
		a |= BPF_DEVCG_ACC_READ;
	if (strchr(r->access, 'w'))
		a |= BPF_DEVCG_ACC_WRITE;
	if (strchr(r->access, 'm'))
		a |= BPF_DEVCG_ACC_MKNOD;
	return a;
}

/* A rule for every device with every access replaces all before it. */
static int rule_is_all(const struct oci_dev_rule *r)
{
	return r->type == 'a' && r->major < 0 && r->minor < 0 &&
	       rule_access(r) == ACC_ALL;
}

/* A number no device has (above what the ctx's u32 compares as a
 * positive immediate): the rule can never match. */
static int rule_impossible(const struct oci_dev_rule *r)
{
	return r->major > INT32_MAX || r->minor > INT32_MAX || !rule_access(r);
}

static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src,
			      .off = off, .imm = imm };
	return i;
}

#define LDX_W(dst, off)	insn(BPF_LDX | BPF_MEM | BPF_W, dst, 1, off, 0)
#define MOV_X(dst, src)	insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_K(dst, k)	insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, k)
#define AND_K(dst, k)	insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, k)
#define RSH_K(dst, k)	insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, k)
#define JNE_K(dst, k, o) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, o, k)
#define EXIT()		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The instructions of one rule into @out (NULL: count only). */
static size_t rule_emit(const struct oci_dev_rule *r, struct bpf_insn *out)
{
	struct bpf_insn buf[8];
	unsigned int acc = rule_access(r);
	size_t n = 0, i;

	if (r->type != 'a')
		buf[n++] = JNE_K(3, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
	if (acc != ACC_ALL) {
		/* the access asked for must lie within the rule's */
		buf[n++] = MOV_X(7, 4);
		buf[n++] = AND_K(7, (__s32)(~acc & ACC_ALL));
		buf[n++] = JNE_K(7, 0, 0);
	}
	if (r->major >= 0)
		buf[n++] = JNE_K(5, (__s32)r->major, 0);
	if (r->minor >= 0)
		buf[n++] = JNE_K(6, (__s32)r->minor, 0);
	buf[n++] = MOV_K(0, r->allow ? 1 : 0);
	buf[n++] = EXIT();
	/* every test jumps past this rule's end */
	for (i = 0; i < n; i++)
		if (buf[i].code == (BPF_JMP | BPF_JNE | BPF_K))
			buf[i].off = (__s16)(n - i - 1);
	if (out)
		memcpy(out, buf, n * sizeof(*buf));
	return n;
}

/* The rules as one list: the bundle's, then the defaults. */
static const struct oci_dev_rule *rule_at(const struct oci_dev_rule *rules, int n,
					  int i)
{
	return i < n ? &rules[i] : &devbpf_defaults[i - n];
}

int devbpf_build(const struct oci_dev_rule *rules, int n, int defaults,
		 struct bpf_insn **prog, size_t *len)
{
	int total = n + (defaults ? (int)(sizeof(devbpf_defaults) /
					 sizeof(devbpf_defaults[0])) : 0);
	int first = 0, def_allow = 1, i;
	struct bpf_insn *p;
	size_t k = 0, need = 9;	/* prologue 7, default 2 */

	for (i = 0; i < total; i++) {
		if (rule_is_all(rule_at(rules, n, i))) {
			first = i + 1;
			def_allow = rule_at(rules, n, i)->allow;
		}
	}
	for (i = first; i < total; i++)
		if (!rule_impossible(rule_at(rules, n, i)))
			need += rule_emit(rule_at(rules, n, i), NULL);
	p = calloc(need, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p[k++] = LDX_W(2, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[k++] = MOV_X(3, 2);
	p[k++] = AND_K(3, 0xffff);
	p[k++] = MOV_X(4, 2);
	p[k++] = RSH_K(4, 16);
	p[k++] = LDX_W(5, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[k++] = LDX_W(6, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (i = total - 1; i >= first; i--)
		if (!rule_impossible(rule_at(rules, n, i)))
			k += rule_emit(rule_at(rules, n, i), p + k);
	p[k++] = MOV_K(0, def_allow);
	p[k++] = EXIT();
	*prog = p;
	*len = k;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int devbpf_attach(const char *dir, const struct oci_dev_rule *rules, int n,
		  struct err *e)
{
	char log[4096];
	struct bpf_insn *prog;
	union bpf_attr attr;
	size_t len;
	int cg, fd, ret;

	ret = devbpf_build(rules, n, 1, &prog, &len);
	if (ret < 0)
		return err_set(e, ret, "device program");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (__u64)(uintptr_t)prog;
	attr.insn_cnt = (__u32)len;
	attr.license = (__u64)(uintptr_t)"Apache-2.0";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		ret = -errno;
		/* again with a log, for the verifier's word on what it refused */
		log[0] = '\0';
		attr.log_buf = (__u64)(uintptr_t)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		if (ret != -EPERM)
			sys_bpf(BPF_PROG_LOAD, &attr);
		free(prog);
		return err_set(e, ret, "load the device program%s%.200s", log[0] ? ": " : "",
			       log);
	}
	free(prog);
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		ret = err_set(e, -errno, "open %s", dir);
		close(fd);
		return ret;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_bpf_fd = (__u32)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* a group below (a nested container) may add its own program: the
	 * kernel then asks both */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	ret = sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ?
	      err_set(e, -errno, "attach the device program to %s", dir) : 0;
	close(cg);
	close(fd);	/* the group holds the program now */
	return ret;
}
