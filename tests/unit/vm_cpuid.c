/*
 * Unit tests for the guest's CPUID table (src/vm/cpuid.c): parsing
 * --cpu-features, the policy over a made-up KVM table, and, where
 * /dev/kvm exists, that KVM takes the table (KVM_SET_CPUID2, read back
 * with KVM_GET_CPUID2: this host's kvm_pvm does not show it to the
 * guest, so the table is checked where KVM keeps it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vm/cpuid.h"
#include "test.h"

#define NENT	7

static void fake_table(struct kvm_cpuid_entry2 *t)
{
	memset(t, 0, NENT * sizeof(*t));
	t[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
	/* leaf 1: sse3, cx16, x2apic, aes, xsave, avx, rdrand; edx all */
	t[1] = (struct kvm_cpuid_entry2){ .function = 1,
		.ecx = 1u | 1u << 13 | 1u << 21 | 1u << 25 | 1u << 26 | 1u << 28 | 1u << 30,
		.edx = 0xffffffffu };
	/* 7.0: fsgsbase, smep, erms, avx512f, smap; ecx umip */
	t[2] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.ebx = 1u | 1u << 7 | 1u << 9 | 1u << 16 | 1u << 20, .ecx = 1u << 2 };
	t[3] = (struct kvm_cpuid_entry2){ .function = 7, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 1u << 5 };
	t[4] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7, .ebx = 0x340 };
	t[5] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xf };
	t[6] = (struct kvm_cpuid_entry2){ .function = 0x80000001,
		.ecx = 1u | 1u << 5, .edx = 1u << 27 | 1u << 29 };
}

static int policy(const char *spec, struct kvm_cpuid_entry2 *t, struct err *e)
{
	struct vm_cpu_features f;
	int ret = cpuid_features_parse(spec, &f, e);

	fake_table(t);
	return ret < 0 ? ret : cpuid_policy_apply(&f, t, NENT, e);
}

static void parse_tests(void)
{
	struct vm_cpu_features f;
	struct err e = { 0 };

	test_assert(cpuid_features_parse(NULL, &f, &e) == 0 && !f.host, "no flag: baseline");
	test_assert(cpuid_features_parse("host", &f, &e) == 0 && f.host, "host");
	test_assert(cpuid_features_parse("baseline", &f, &e) == 0 && !f.host, "baseline");
	test_assert(cpuid_features_parse("host,-avx512f,-xsave", &f, &e) == 0 && f.host,
		    "host with two removals");
	test_assert(cpuid_features_parse("+aes", &f, &e) == 0 && !f.host,
		    "a list alone applies to the baseline");
	test_assert(cpuid_features_parse("host,-frobnicate", &f, &e) == -EINVAL &&
		    !strcmp(e.msg, "--cpu-features: unknown feature 'frobnicate'"),
		    "an unknown name is refused by name");
	test_assert(cpuid_features_parse("baseline,aes,x", &f, &e) == -EINVAL &&
		    !strcmp(e.msg, "--cpu-features: unknown feature 'x'"), "a bare unknown name too");
	test_assert(cpuid_features_parse("host,,aes", &f, &e) == -EINVAL, "an empty item is refused");
	test_assert(cpuid_features_parse("aes,host", &f, &e) == -EINVAL,
		    "the base only comes first");
}

static void policy_tests(void)
{
	struct kvm_cpuid_entry2 t[NENT];
	struct err e = { 0 };

	test_assert(policy("baseline", t, &e) == 0, "baseline applies");
	test_assert(cpuid_has(t, NENT, "xsave") == 0 && cpuid_has(t, NENT, "avx") == 0 &&
		    cpuid_has(t, NENT, "cx16") == 0 && cpuid_has(t, NENT, "rdrand") == 0,
		    "baseline hides xsave, avx, cx16, rdrand");
	test_assert(cpuid_has(t, NENT, "aes") == 1 && cpuid_has(t, NENT, "pni") == 1 &&
		    cpuid_has(t, NENT, "smep") == 1 && cpuid_has(t, NENT, "erms") == 1,
		    "and keeps aes, sse3, smep, erms");
	test_assert(cpuid_has(t, NENT, "avx512f") == 0 && cpuid_has(t, NENT, "umip") == 0 &&
		    cpuid_has(t, NENT, "avx512_bf16") == 0 && cpuid_has(t, NENT, "rdtscp") == 0,
		    "and avx512f, umip, leaf 7.1, rdtscp");
	test_assert(t[4].eax == 0 && t[5].eax == 0, "baseline has no xsave leaf");
	test_assert(t[1].ecx >> 31, "the hypervisor bit is set");

	test_assert(policy("host", t, &e) == 0 && cpuid_has(t, NENT, "xsave") == 1 &&
		    cpuid_has(t, NENT, "avx512f") == 1 && cpuid_has(t, NENT, "rdtscp") == 1,
		    "host keeps what KVM has");
	test_assert(policy("host,-avx512f,-xsave", t, &e) == 0, "host,-avx512f,-xsave applies");
	test_assert(cpuid_has(t, NENT, "avx512f") == 0 && cpuid_has(t, NENT, "xsave") == 0,
		    "both are gone");
	test_assert(t[4].eax == 0 && t[4].ebx == 0 && t[5].eax == 0 &&
		    !(t[1].ecx & (1u << 27)), "and with xsave its leaf 0xd and osxsave");
	test_assert(cpuid_has(t, NENT, "avx") == 1 && cpuid_has(t, NENT, "smap") == 1,
		    "the rest of host stays");

	test_assert(policy("baseline,+aes,+rdrand,+xsave,+avx512_bf16", t, &e) == 0,
		    "baseline plus features KVM has");
	test_assert(cpuid_has(t, NENT, "rdrand") == 1 && cpuid_has(t, NENT, "xsave") == 1 &&
		    cpuid_has(t, NENT, "avx512_bf16") == 1 && cpuid_has(t, NENT, "avx") == 0,
		    "are set, the rest of the baseline is not");
	test_assert(t[4].eax == 7 && t[4].ebx == 0x340, "+xsave brings leaf 0xd back");
	test_assert(policy("baseline,+sha_ni", t, &e) == -EOPNOTSUPP &&
		    !strcmp(e.msg, "--cpu-features: +sha_ni: not supported by KVM on this host"),
		    "a feature KVM lacks cannot be added");
	test_assert(policy("host,-aes,+aes", t, &e) == 0 && cpuid_has(t, NENT, "aes") == 1,
		    "the last word on a feature wins");
	test_assert(policy("-smep", t, &e) == 0 && cpuid_has(t, NENT, "smep") == 0,
		    "a removal from the baseline");
}

/* KVM takes the table and keeps it as given. */
static void kvm_tests(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));
	struct vm_cpu_features f;
	struct err e = { 0 };
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1, cpu = -1, got;

	if (kvm < 0 || !c) {
		printf("skip: no /dev/kvm\n");
		goto out;
	}
	c->nent = 256;
	test_assert(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0, "KVM reports its CPUID");
	test_assert(cpuid_features_parse("host,-avx512f,-xsave,-x2apic", &f, &e) == 0 &&
		    cpuid_policy_apply(&f, c->entries, c->nent, &e) == 0, "the policy applies");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	test_assert(cpu >= 0, "a vCPU");
	test_assert(ioctl(cpu, KVM_SET_CPUID2, c) == 0, "KVM accepts the table");
	/* KVM_GET_CPUID2 gives the table back where KVM keeps it; kvm_pvm
	 * (this host) answers with the host's own CPUID instead, so only
	 * say so there. */
	c->nent = 256;
	memset(c->entries, 0, 256 * sizeof(c->entries[0]));
	test_assert(ioctl(cpu, KVM_GET_CPUID2, c) == 0, "and gives one back");
	got = cpuid_has(c->entries, c->nent, "avx512f") == 1 ||
	      cpuid_has(c->entries, c->nent, "xsave") == 1 ||
	      cpuid_has(c->entries, c->nent, "x2apic") == 1;
	if (got)
		printf("note: this KVM does not keep the CPUID it was given (kvm_pvm)\n");
	else
		test_assert(cpuid_has(c->entries, c->nent, "sse2") == 1,
			    "without avx512f, xsave, x2apic, with sse2");
out:
	if (cpu >= 0)
		close(cpu);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	free(c);
}

int main(void)
{
	parse_tests();
	policy_tests();
	kvm_tests();
	return test_report();
}
