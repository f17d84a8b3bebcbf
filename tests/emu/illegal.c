/* illegal: prints a line, then executes an all-zero instruction, which
 * RISC-V defines as illegal: the process dies of SIGILL (exit 132). */
#include <stdio.h>

int main(void)
{
	printf("before\n");
	fflush(stdout);
	__asm__ volatile(".4byte 0");
	printf("after\n");
	return 0;
}
