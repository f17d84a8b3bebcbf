/*
 * cpuid -- the guest's CPUID table (see cpuid.h).
 *
 * The `baseline` exists because of hosts where KVM runs every guest
 * instruction through its instruction emulator (nested, no VT-x): there
 * cmpxchg16b, xsave/xrstor and AVX fail with KVM_EXIT_INTERNAL_ERROR, so
 * a guest must not be told they exist.  Feature names and bits are those
 * of the Intel SDM vol. 2A (CPUID) and the AMD APM vol. 3 (appendix E),
 * spelt as Linux's /proc/cpuinfo does (so `pni` is SSE3; `sse3` is
 * accepted too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "vm/cpuid.h"

enum { R_EAX, R_EBX, R_ECX, R_EDX };

struct cpuid_feature {
	const char *name;
	uint32_t leaf, sub;
	uint8_t reg, bit;
};

#define L1C(n, b)	{ n, 1, 0, R_ECX, b }
#define L1D(n, b)	{ n, 1, 0, R_EDX, b }
#define L7B(n, b)	{ n, 7, 0, R_EBX, b }
#define L7C(n, b)	{ n, 7, 0, R_ECX, b }
#define L7D(n, b)	{ n, 7, 0, R_EDX, b }
#define L71A(n, b)	{ n, 7, 1, R_EAX, b }
#define LDA(n, b)	{ n, 0xd, 1, R_EAX, b }
#define X1C(n, b)	{ n, 0x80000001, 0, R_ECX, b }
#define X1D(n, b)	{ n, 0x80000001, 0, R_EDX, b }

static const struct cpuid_feature features[] = {
	L1D("fpu", 0), L1D("vme", 1), L1D("de", 2), L1D("pse", 3),
	L1D("tsc", 4), L1D("msr", 5), L1D("pae", 6), L1D("mce", 7),
	L1D("cx8", 8), L1D("apic", 9), L1D("sep", 11), L1D("mtrr", 12),
	L1D("pge", 13), L1D("mca", 14), L1D("cmov", 15), L1D("pat", 16),
	L1D("pse36", 17), L1D("clflush", 19), L1D("mmx", 23), L1D("fxsr", 24),
	L1D("sse", 25), L1D("sse2", 26), L1D("ss", 27), L1D("ht", 28),
	L1C("pni", 0), L1C("sse3", 0), L1C("pclmulqdq", 1), L1C("monitor", 3),
	L1C("ssse3", 9), L1C("fma", 12), L1C("cx16", 13), L1C("pcid", 17),
	L1C("sse4_1", 19), L1C("sse4_2", 20), L1C("x2apic", 21),
	L1C("movbe", 22), L1C("popcnt", 23), L1C("tsc_deadline_timer", 24),
	L1C("aes", 25), L1C("xsave", 26), L1C("avx", 28), L1C("f16c", 29),
	L1C("rdrand", 30),
	L7B("fsgsbase", 0), L7B("tsc_adjust", 1), L7B("bmi1", 3), L7B("hle", 4),
	L7B("avx2", 5), L7B("smep", 7), L7B("bmi2", 8), L7B("erms", 9),
	L7B("invpcid", 10), L7B("rtm", 11), L7B("mpx", 14), L7B("avx512f", 16),
	L7B("avx512dq", 17), L7B("rdseed", 18), L7B("adx", 19), L7B("smap", 20),
	L7B("avx512ifma", 21), L7B("clflushopt", 23), L7B("clwb", 24),
	L7B("avx512pf", 26), L7B("avx512er", 27), L7B("avx512cd", 28),
	L7B("sha_ni", 29), L7B("avx512bw", 30), L7B("avx512vl", 31),
	L7C("avx512vbmi", 1), L7C("umip", 2), L7C("pku", 3), L7C("waitpkg", 5),
	L7C("avx512_vbmi2", 6), L7C("gfni", 8), L7C("vaes", 9),
	L7C("vpclmulqdq", 10), L7C("avx512_vnni", 11), L7C("avx512_bitalg", 12),
	L7C("avx512_vpopcntdq", 14), L7C("la57", 16), L7C("rdpid", 22),
	L7C("movdiri", 27), L7C("movdir64b", 28),
	L7D("fsrm", 4), L7D("avx512_vp2intersect", 8), L7D("md_clear", 10),
	L7D("serialize", 14), L7D("tsxldtrk", 16), L7D("amx_bf16", 22),
	L7D("avx512_fp16", 23), L7D("amx_tile", 24), L7D("amx_int8", 25),
	L7D("spec_ctrl", 26), L7D("intel_stibp", 27), L7D("flush_l1d", 28),
	L7D("arch_capabilities", 29), L7D("ssbd", 31),
	L71A("avx_vnni", 4), L71A("avx512_bf16", 5),
	LDA("xsaveopt", 0), LDA("xsavec", 1), LDA("xgetbv1", 2), LDA("xsaves", 3),
	X1C("lahf_lm", 0), X1C("cmp_legacy", 1), X1C("svm", 2), X1C("extapic", 3),
	X1C("cr8_legacy", 4), X1C("abm", 5), X1C("sse4a", 6),
	X1C("misalignsse", 7), X1C("3dnowprefetch", 8), X1C("xop", 11),
	X1C("fma4", 16), X1C("tbm", 21), X1C("topoext", 22),
	X1D("syscall", 11), X1D("nx", 20), X1D("mmxext", 22),
	X1D("fxsr_opt", 25), X1D("pdpe1gb", 26), X1D("rdtscp", 27), X1D("lm", 29),
};

#define NFEATURES	(sizeof(features) / sizeof(features[0]))

_Static_assert(NFEATURES <= CPUID_FEATURES_MAX, "grow CPUID_FEATURES_MAX");

static int feature_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NFEATURES; i++)
		if (strlen(features[i].name) == len &&
		    !strncmp(features[i].name, name, len))
			return i;
	return -1;
}

static void set_bit(uint64_t *set, int i, int on)
{
	if (on)
		set[i / 64] |= 1ULL << (i % 64);
	else
		set[i / 64] &= ~(1ULL << (i % 64));
}

static int test_bit(const uint64_t *set, int i)
{
	return !!(set[i / 64] & (1ULL << (i % 64)));
}

/* One item of the list; @first may be the base. */
static int parse_item(const char *s, size_t len, int first,
		      struct vm_cpu_features *f, struct err *e)
{
	int on = 1, i;

	if (first && len == 4 && !strncmp(s, "host", 4)) {
		f->host = 1;
		return 0;
	}
	if (first && len == 8 && !strncmp(s, "baseline", 8))
		return 0;
	if (len && (*s == '+' || *s == '-')) {
		on = *s == '+';
		s++;
		len--;
	}
	if (!len)
		return err_msg(e, -EINVAL, "--cpu-features: empty feature name");
	i = feature_index(s, len);
	if (i < 0)
		return err_msg(e, -EINVAL, "--cpu-features: unknown feature '%.*s'",
			       (int)len, s);
	set_bit(f->on, i, on);
	set_bit(f->off, i, !on);
	return 0;
}

int cpuid_features_parse(const char *spec, struct vm_cpu_features *f,
			 struct err *e)
{
	const char *p = spec, *comma;
	int first = 1, ret;

	memset(f, 0, sizeof(*f));
	if (!spec || !*spec)
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		ret = parse_item(p, comma ? (size_t)(comma - p) : strlen(p),
				 first, f, e);
		if (ret < 0)
			return ret;
		if (!comma)
			return 0;
		p = comma + 1;
		first = 0;
	}
}

/* The baseline: features KVM's emulator cannot run, or that a guest
 * would turn on and then fail with (xsave state, protection keys). */
static void cpuid_baseline(struct kvm_cpuid_entry2 *c)
{
	switch (c->function) {
	case 1:
		/* fma, cmpxchg16b, pcid, movbe, xsave, osxsave, avx, f16c, rdrand */
		c->ecx &= ~((1u << 12) | (1u << 13) | (1u << 17) | (1u << 22) |
			    (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) |
			    (1u << 30));
		break;
	case 7:
		if (c->index != 0) {
			c->eax = c->ebx = c->ecx = c->edx = 0;
			break;
		}
		/* keep: erms(9), smep(7); drop fsgsbase, bmi1/2, avx2, hle, rtm,
		 * invpcid, mpx, avx512*, rdseed, adx, smap, sha, clflushopt... */
		c->ebx &= (1u << 9) | (1u << 7);
		c->ecx = 0;		/* umip, pku, ospke, la57, vaes, gfni, ... */
		c->edx &= (1u << 4);	/* fsrm */
		break;
	case 0xd:			/* xsave state: none */
	case 0x14:			/* processor trace */
		c->eax = c->ebx = c->ecx = c->edx = 0;
		break;
	case 0x80000001:
		/* lzcnt/abm(5), sse4a, misalignsse, 3dnowprefetch, xop, fma4, tbm */
		c->ecx &= ~((1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
			    (1u << 11) | (1u << 16) | (1u << 21));
		c->edx &= ~(1u << 27);	/* rdtscp */
		break;
	}
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *c, int reg)
{
	switch (reg) {
	case R_EAX:
		return &c->eax;
	case R_EBX:
		return &c->ebx;
	case R_ECX:
		return &c->ecx;
	default:
		return &c->edx;
	}
}

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid_entry2 *ent,
					  uint32_t n, uint32_t leaf, uint32_t sub)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ent[i].function == leaf && ent[i].index == sub)
			return &ent[i];
	return NULL;
}

/* Leaf 0xd (every subleaf) back as KVM reported it. */
static void restore_xsave_leaf(struct kvm_cpuid_entry2 *ent,
			       const struct kvm_cpuid_entry2 *supported, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ent[i].function == 0xd)
			ent[i] = supported[i];
}

/* Without xsave there is no xsave state to describe, and osxsave (the
 * OS turned CR4.OSXSAVE on) cannot be true. */
static void hide_xsave(struct kvm_cpuid_entry2 *ent, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (ent[i].function == 1)
			ent[i].ecx &= ~(1u << 27);
		else if (ent[i].function == 0xd)
			ent[i].eax = ent[i].ebx = ent[i].ecx = ent[i].edx = 0;
	}
}

static int add_feature(const struct cpuid_feature *ft,
		       struct kvm_cpuid_entry2 *ent,
		       const struct kvm_cpuid_entry2 *supported, uint32_t n,
		       struct err *e)
{
	struct kvm_cpuid_entry2 *c = find_leaf(ent, n, ft->leaf, ft->sub);
	uint32_t bit = 1u << ft->bit;

	if (!c || !(*reg_of((struct kvm_cpuid_entry2 *)&supported[c - ent],
			    ft->reg) & bit))
		return err_msg(e, -EOPNOTSUPP, "--cpu-features: +%s: not supported by KVM on this host",
			       ft->name);
	*reg_of(c, ft->reg) |= bit;
	if (!strcmp(ft->name, "xsave"))
		restore_xsave_leaf(ent, supported, n);
	return 0;
}

static void remove_feature(const struct cpuid_feature *ft,
			   struct kvm_cpuid_entry2 *ent, uint32_t n)
{
	struct kvm_cpuid_entry2 *c = find_leaf(ent, n, ft->leaf, ft->sub);

	if (c)
		*reg_of(c, ft->reg) &= ~(1u << ft->bit);
	if (!strcmp(ft->name, "xsave"))
		hide_xsave(ent, n);
}

int cpuid_policy_apply(const struct vm_cpu_features *f,
		       struct kvm_cpuid_entry2 *ent, uint32_t n, struct err *e)
{
	struct kvm_cpuid_entry2 supported[256];
	uint32_t i;
	int ret;

	if (n > sizeof(supported) / sizeof(supported[0]))
		return err_msg(e, -E2BIG, "cpuid: %u entries", n);
	memcpy(supported, ent, n * sizeof(*ent));
	for (i = 0; i < n && !f->host; i++)
		cpuid_baseline(&ent[i]);
	for (i = 0; i < NFEATURES; i++)
		if (test_bit(f->on, i)) {
			ret = add_feature(&features[i], ent, supported, n, e);
			if (ret < 0)
				return ret;
		}
	for (i = 0; i < NFEATURES; i++)
		if (test_bit(f->off, i))
			remove_feature(&features[i], ent, n);
	for (i = 0; i < n; i++)
		if (ent[i].function == 1)
			ent[i].ecx |= 1u << 31;	/* hypervisor present */
	return 0;
}

int cpuid_has(const struct kvm_cpuid_entry2 *ent, uint32_t n, const char *name)
{
	int i = feature_index(name, strlen(name));
	struct kvm_cpuid_entry2 *c;

	if (i < 0)
		return -ENOENT;
	c = find_leaf((struct kvm_cpuid_entry2 *)ent, n, features[i].leaf,
		      features[i].sub);
	if (!c)
		return -ENOENT;
	return !!(*reg_of(c, features[i].reg) & (1u << features[i].bit));
}
