/*
 * hello64 -- a 64-bit ELF guest: prints "hello from 64-bit" on the UART,
 * then ends the way its command line says: "end=reset" (default, i8042
 * 0xfe), "end=exit:N" (debug-exit port), "end=halt" (cli; hlt), or
 * "end=spin" (loops forever, for --timeout), or "end=echo" (prints each
 * byte the UART receives as "[c]" until a 'q', then resets: the console
 * of strata vm attach).
 */
#include "guest.h"

void main(const struct hvm_start_info *si);

static void echo_until_q(void)
{
	char out[4] = "[x]";

	puts("echo ready\n");
	for (;;) {
		if (!(inb(0x3f8 + 5) & 0x01)) {	/* LSR.DR */
			for (int i = 0; i < 1000; i++)
				__asm__ volatile("pause");
			continue;
		}
		out[1] = inb(0x3f8);
		if (out[1] == 'q')
			return;
		puts(out);
	}
}

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
	} else if (end && streq_prefix(end, "echo")) {
		echo_until_q();
		puts("\nbye\n");
	} else if (end && streq_prefix(end, "spin")) {
		for (;;)
			__asm__ volatile("pause");
	}
	i8042_reset();
	halt_forever();
}
