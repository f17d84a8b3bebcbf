/*
 * vm-floor -- the bare-KVM floor strata vm's start-up is measured
 * against: open /dev/kvm, create a VM with one 64 KiB memory slot and one
 * vCPU, run 4 real-mode instructions that print a byte on port 0x3f8
 * and halt, exit.  No error paths beyond a message: it is a yardstick.
 *
 * Build: cc -O2 bench/vm-floor.c -o build/bench/vm-floor
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	/* mov $0x3f8,%dx; mov $'!',%al; out %al,(%dx); hlt */
	static const uint8_t code[] = { 0xba, 0xf8, 0x03, 0xb0, '!', 0xee, 0xf4 };
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2 };
	struct kvm_run *run;
	int kvm, vm, cpu, n;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm < 0 || mem == MAP_FAILED) {
		perror("vm-floor");
		return 1;
	}
	memcpy(mem + 0x1000, code, sizeof(code));
	slot.memory_size = 0x10000;
	slot.userspace_addr = (uintptr_t)mem;
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot);
	cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	n = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	ioctl(cpu, KVM_GET_SREGS, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	ioctl(cpu, KVM_SET_SREGS, &s);
	ioctl(cpu, KVM_SET_REGS, &r);
	for (;;) {
		if (ioctl(cpu, KVM_RUN, 0) < 0) {
			perror("KVM_RUN");
			return 1;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			if (write(1, (char *)run + run->io.data_offset, 1) < 0)
				return 1;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		fprintf(stderr, "vm-floor: exit %u\n", run->exit_reason);
		return 1;
	}
	if (write(1, "\n", 1) < 0)
		return 1;
	return 0;
}
