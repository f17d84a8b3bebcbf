/*
 * crash -- a guest that dies on purpose, to check strata's diagnosis:
 * "do=ud2" (default; no IDT, so #UD escalates to a triple fault) or
 * "do=int3" (an instruction this host's KVM emulator refuses).
 */
#include "guest.h"

void main(const struct hvm_start_info *si);

void main(const struct hvm_start_info *si)
{
	const char *what = cmdline_arg((const char *)si->cmdline_paddr, "do=");

	puts("about to crash\n");
	if (what && streq_prefix(what, "int3"))
		__asm__ volatile("int3");
	__asm__ volatile("ud2");
	debug_exit(0);
}
