/* hello: stdio through printf and puts, exit code 0. */
#include <stdio.h>

int main(void)
{
	printf("hello, %s %d\n", "riscv64", 64);
	puts("second line");
	return 0;
}
