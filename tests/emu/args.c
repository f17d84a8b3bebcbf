/* args: echoes argv, an environment variable, /proc/self/exe and the
 * machine name; exits with argc. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *v = getenv("EMU_TEST_VAR");
	struct utsname u;
	char exe[4096];
	ssize_t n;
	int i;

	for (i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("EMU_TEST_VAR=%s\n", v ? v : "(unset)");
	printf("HOME set: %s\n", getenv("HOME") ? "yes" : "no");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	printf("exe=%s\n", exe);
	if (uname(&u) == 0)
		printf("machine=%s\n", u.machine);
	return argc;
}
