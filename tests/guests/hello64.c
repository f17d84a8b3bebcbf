/*
 * hello64 -- a 64-bit ELF guest: prints "hello from 64-bit" on the UART,
 * then ends the way its command line says: "end=reset" (default, i8042
 * 0xfe), "end=exit:N" (debug-exit port), "end=halt" (cli; hlt), or
 * "end=spin" (loops forever, for --timeout).
 */
#include "guest.h"

void main(const struct hvm_start_info *si);

void main(const struct hvm_start_info *si)
{
	const char *cl = si && si->magic == 0x336ec578 ?
			 (const char *)si->cmdline_paddr : 0;
	const char *end = cmdline_arg(cl, "end=");
	unsigned int code = 0;

	puts("hello from 64-bit\n");
	if (end && streq_prefix(end, "exit:")) {
		for (end += 5; *end >= '0' && *end <= '9'; end++)
			code = code * 10 + (*end - '0');
		debug_exit(code);
	} else if (end && streq_prefix(end, "halt")) {
		halt_forever();
	} else if (end && streq_prefix(end, "spin")) {
		for (;;)
			__asm__ volatile("pause");
	}
	i8042_reset();
	halt_forever();
}
