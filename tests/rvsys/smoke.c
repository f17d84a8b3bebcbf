/*
 * smoke -- /init for booting Linux on strata's system-mode RISC-V hart
 * (tests/unit/rv_hart_linux.c): user space, the FPU (FS dirty tracking
 * across a context switch), fork with copy-on-write page faults, the
 * time CSR through the vDSO, a timer sleep, then power off through the
 * SBI.  Prints "smoke: PASS" when every check held.
 *
 *	riscv64-linux-gnu-gcc -O2 -static tests/rvsys/smoke.c -o /tmp/smoke
 *	STRATA_RV_KERNEL=Image STRATA_RV_INIT=/tmp/smoke \
 *	STRATA_RV_EXPECT="smoke: PASS" build/debug/unit/rv_hart_linux
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/wait.h>

int main(void)
{
	volatile double x = 1.5;
	struct timespec t0, t1;
	int st = 0, ok = 1;
	long ms;
	char *p;
	pid_t pid;

	printf("smoke: hello from user space\n");
	for (int i = 0; i < 10; i++)
		x = x * 1.5 + 0.25;
	printf("smoke: fp %.4f\n", x);
	ok &= x > 114.830 && x < 114.831;

	p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 7, 1 << 20);
	pid = fork();
	if (pid == 0) {
		p[5] = 9;			/* copy on write */
		_exit(p[5] + p[6]);
	}
	waitpid(pid, &st, 0);
	printf("smoke: child exit %d, parent sees %d\n", WEXITSTATUS(st), p[5]);
	ok &= WEXITSTATUS(st) == 16 && p[5] == 7;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	usleep(20000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("smoke: slept %ld ms\n", ms);
	ok &= ms >= 20 && ms < 5000;

	printf("smoke: %s\n", ok ? "PASS" : "FAIL");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
