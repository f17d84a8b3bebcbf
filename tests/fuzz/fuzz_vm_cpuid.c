/*
 * fuzz_vm_cpuid -- libFuzzer target for --cpu-features (src/vm/cpuid.c):
 * the list parser and the policy over a made-up KVM table.  The input is
 * the flag's value (up to the first NUL).  Nothing may crash or leak; an
 * accepted list yields a table with the hypervisor bit set, where every
 * feature asked off is off, and every feature asked on is on.  A
 * rejected one says why in a message naming the flag.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_vm_cpuid FILE...
 */
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/cpuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NENT	6

static void table(struct kvm_cpuid_entry2 *t)
{
	memset(t, 0, NENT * sizeof(*t));
	t[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 0x7ffaf3ffu, .edx = ~0u };
	t[1] = (struct kvm_cpuid_entry2){ .function = 7, .ebx = ~0u, .ecx = ~0u, .edx = ~0u };
	t[2] = (struct kvm_cpuid_entry2){ .function = 7, .index = 1, .eax = ~0u };
	t[3] = (struct kvm_cpuid_entry2){ .function = 0xd, .eax = 7, .ebx = 0x340 };
	t[4] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .eax = 0xf };
	t[5] = (struct kvm_cpuid_entry2){ .function = 0x80000001, .ecx = ~0u, .edx = ~0u };
}

/* Each "+name"/"-name" of the list, checked against the table: the
 * last word on a name decides, and "-" always wins over KVM. */
static void check_words(const char *spec, const struct kvm_cpuid_entry2 *t)
{
	char *copy = strdup(spec), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *name = tok + (*tok == '+' || *tok == '-');
		char *later = strstr(spec + (tok - copy) + strlen(tok), name);
		int has = cpuid_has(t, NENT, name);

		if (later || has < 0)	/* said again later, or a base */
			continue;
		if (*tok == '-' && has != 0)
			abort();
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvm_cpuid_entry2 t[NENT];
	struct vm_cpu_features f;
	struct err e = { 0 };
	char *spec = strndup((const char *)data, size > 512 ? 512 : size);
	size_t i;

	if (!spec)
		return 0;
	if (cpuid_features_parse(spec, &f, &e) < 0) {
		if (strncmp(e.msg, "--cpu-features: ", 16))
			abort();
		free(spec);
		return 0;
	}
	for (i = 0; i < sizeof(f.on) / sizeof(f.on[0]); i++)
		if (f.on[i] & f.off[i])
			abort();
	table(t);
	if (cpuid_policy_apply(&f, t, NENT, &e) == 0) {
		if (!(t[0].ecx >> 31))
			abort();
		check_words(spec, t);
	}
	free(spec);
	return 0;
}
