/*
 * Unit tests for src/vm/rv/sbi.c: each extension's calls as Linux makes
 * them, against a fake machine that records what it was asked.
 */
#include <string.h>

#include "unit/test.h"
#include "vm/rv/sbi.h"

static struct {
	uint64_t timer[4];
	int timer_hart;
	int ipi, fence, fence_vma;	/* bit masks of harts */
	int started, start_ret;
	uint64_t start_pc, start_opaque;
	int stopped;
	int suspended, suspend_ret;	/* the hart, retentive */
	int reset, reset_type;
	char out[64];
	int nout;
	const char *in;
} fake;

static void f_set_timer(void *c, int h, uint64_t when)
{
	fake.timer[h] = when;
	fake.timer_hart = h;
}
static void f_ipi(void *c, int h) { fake.ipi |= 1 << h; }
static void f_fence(void *c, int h) { fake.fence |= 1 << h; }
static void f_fence_vma(void *c, int h) { fake.fence_vma |= 1 << h; }
static int f_start(void *c, int h, uint64_t pc, uint64_t op)
{
	fake.started = h;
	fake.start_pc = pc;
	fake.start_opaque = op;
	return fake.start_ret;
}
static int f_status(void *c, int h) { return h == 0 ? SBI_HSM_STARTED : SBI_HSM_STOPPED; }
static void f_stop(void *c, int h) { fake.stopped = h; }
static int f_suspend(void *c, int h, int retentive, uint64_t addr, uint64_t op)
{
	fake.suspended = h;
	fake.suspend_ret = retentive;
	fake.start_pc = addr;
	fake.start_opaque = op;
	return SBI_SUCCESS;
}
static void f_reset(void *c, uint32_t type, uint32_t reason)
{
	fake.reset++;
	fake.reset_type = type;
}
static void f_write(void *c, const void *b, uint64_t n)
{
	memcpy(fake.out + fake.nout, b, n);
	fake.nout += n;
}
static int f_read(void *c)
{
	return *fake.in ? *fake.in++ : -1;
}

static uint8_t ram[4096];
static const struct gmem mem = { { { 0x80000000, sizeof(ram), ram } }, 1 };
static const struct rv_sbi_ops ops = {
	.nharts = 3, .ram = &mem,
	.set_timer = f_set_timer, .send_ipi = f_ipi, .rfence = f_fence,
	.hart_start = f_start, .hart_status = f_status, .hart_stop = f_stop,
	.hart_suspend = f_suspend,
	.reset = f_reset, .console_write = f_write, .console_read = f_read,
};

static struct rv_sbi_ret call(int hart, uint64_t ext, uint64_t fid, uint64_t a0,
			      uint64_t a1, uint64_t a2)
{
	uint64_t a[8] = { a0, a1, a2, 0, 0, 0, fid, ext };
	struct rv_sbi_ret r;

	rv_sbi_call(&ops, hart, a, &r);
	return r;
}

int main(void)
{
	struct rv_sbi_ret r;

	r = call(0, SBI_EXT_BASE, 0, 0, 0, 0);
	test_assert(r.error == 0 && r.value == 0x2000000, "spec version 2.0");
	r = call(0, SBI_EXT_BASE, 1, 0, 0, 0);
	test_assert(r.error == 0 && r.value == SBI_IMPL_ID, "impl id");
	test_assert(call(0, SBI_EXT_BASE, 3, SBI_EXT_TIME, 0, 0).value == 1, "probe TIME");
	test_assert(call(0, SBI_EXT_BASE, 3, SBI_EXT_HSM, 0, 0).value == 1, "probe HSM");
	test_assert(call(0, SBI_EXT_BASE, 3, 0x504d55, 0, 0).value == 0, "probe PMU: no");
	r = call(0, SBI_EXT_BASE, 4, 0, 0, 0);
	test_assert(r.error == 0 && r.value == 0, "mvendorid");
	test_assert(call(0, SBI_EXT_BASE, 9, 0, 0, 0).error == SBI_ERR_NOT_SUPPORTED,
		    "unknown base function");

	r = call(1, SBI_EXT_TIME, 0, 12345, 0, 0);
	test_assert(r.error == 0 && fake.timer[1] == 12345 && fake.timer_hart == 1,
		    "set_timer for the calling hart");
	r = call(2, 0x00, 0, 777, 0, 0);
	test_assert(r.legacy && fake.timer[2] == 777, "legacy set_timer");

	test_assert(call(0, SBI_EXT_IPI, 0, 0x6, 0, 0).error == 0 && fake.ipi == 6, "send_ipi mask");
	fake.ipi = 0;
	test_assert(call(0, SBI_EXT_IPI, 0, 0x1, 2, 0).error == 0 && fake.ipi == 4,
		    "send_ipi mask base");
	fake.ipi = 0;
	test_assert(call(0, SBI_EXT_IPI, 0, 0, ~0ULL, 0).error == 0 && fake.ipi == 7,
		    "base -1: every hart");
	fake.ipi = 0;
	test_assert(call(0, SBI_EXT_IPI, 0, 0x9, 0, 0).error == SBI_ERR_INVALID_PARAM &&
		    fake.ipi == 0, "no hart 3: nobody is sent anything");
	test_assert(call(0, SBI_EXT_IPI, 0, 1, 3, 0).error == SBI_ERR_INVALID_PARAM,
		    "base past the harts");
	test_assert(call(0, SBI_EXT_IPI, 0, 1, 1ULL << 40, 0).error == SBI_ERR_INVALID_PARAM,
		    "huge base");
	test_assert(call(0, SBI_EXT_RFENCE, 1, 0x3, 0, 0).error == 0 && fake.fence == 3,
		    "remote sfence.vma");
	test_assert(call(0, SBI_EXT_RFENCE, 5, 0x3, 0, 0).error == SBI_ERR_NOT_SUPPORTED,
		    "hypervisor fences");
	{
		struct rv_sbi_ops vma = ops;
		uint64_t a[8] = { 0x6, 0, 0, 0, 0, 0, 0, SBI_EXT_RFENCE };

		vma.rfence_vma = f_fence_vma;
		fake.fence = fake.fence_vma = 0;
		rv_sbi_call(&vma, 0, a, &r);
		test_assert(r.error == 0 && fake.fence == 6 && !fake.fence_vma,
			    "remote fence.i: rfence");
		a[6] = 1;
		rv_sbi_call(&vma, 0, a, &r);
		a[6] = 2;
		a[0] = 1;
		rv_sbi_call(&vma, 0, a, &r);
		test_assert(r.error == 0 && fake.fence == 6 && fake.fence_vma == 7,
			    "remote sfence.vma[.asid]: rfence_vma when the machine has it");
	}

	r = call(0, SBI_EXT_HSM, 0, 2, 0x80200000, 0x82000000);
	test_assert(r.error == 0 && fake.started == 2 && fake.start_pc == 0x80200000 &&
		    fake.start_opaque == 0x82000000, "hart_start");
	fake.start_ret = SBI_ERR_ALREADY_AVAILABLE;
	test_assert(call(0, SBI_EXT_HSM, 0, 0, 0, 0).error == SBI_ERR_ALREADY_AVAILABLE,
		    "the machine's answer is passed on");
	test_assert(call(0, SBI_EXT_HSM, 0, 3, 0, 0).error == SBI_ERR_INVALID_PARAM,
		    "hart_start of no hart");
	r = call(0, SBI_EXT_HSM, 2, 1, 0, 0);
	test_assert(r.error == 0 && r.value == SBI_HSM_STOPPED, "hart_get_status");
	test_assert(call(0, SBI_EXT_HSM, 2, 7, 0, 0).error == SBI_ERR_INVALID_PARAM,
		    "status of no hart");
	r = call(1, SBI_EXT_HSM, 1, 0, 0, 0);
	test_assert(r.stop && fake.stopped == 1, "hart_stop stops the caller");
	/* hart_suspend(type, resume_addr, opaque) */
	r = call(2, SBI_EXT_HSM, 3, SBI_HSM_SUSPEND_RET, 0, 0);
	test_assert(r.error == 0 && !r.resumed && fake.suspended == 2 &&
		    fake.suspend_ret == 1, "retentive suspend of the caller");
	r = call(1, SBI_EXT_HSM, 3, SBI_HSM_SUSPEND_NONRET, 0x80000100, 77);
	test_assert(r.error == 0 && r.resumed && fake.suspended == 1 &&
		    fake.suspend_ret == 0 && fake.start_pc == 0x80000100 &&
		    fake.start_opaque == 77, "non-retentive suspend, resume address");
	fake.suspended = -1;
	test_assert(call(0, SBI_EXT_HSM, 3, SBI_HSM_SUSPEND_NONRET, 0x1000, 0).error ==
		    SBI_ERR_INVALID_ADDRESS && fake.suspended == -1,
		    "non-retentive: a resume address outside RAM");
	test_assert(call(0, SBI_EXT_HSM, 3, SBI_HSM_SUSPEND_RET, 0x1000, 0).error == 0,
		    "retentive: the address is not looked at");
	fake.suspended = -1;
	test_assert(call(0, SBI_EXT_HSM, 3, 1, 0, 0).error == SBI_ERR_INVALID_PARAM &&
		    call(0, SBI_EXT_HSM, 3, 0x10000000, 0, 0).error == SBI_ERR_INVALID_PARAM &&
		    call(0, SBI_EXT_HSM, 3, 0x80000001, 0x80000000, 0).error == SBI_ERR_INVALID_PARAM &&
		    call(0, SBI_EXT_HSM, 3, 0xffffffff, 0x80000000, 0).error == SBI_ERR_INVALID_PARAM &&
		    call(0, SBI_EXT_HSM, 3, 1ull << 32, 0, 0).error == SBI_ERR_INVALID_PARAM &&
		    fake.suspended == -1,
		    "reserved and platform suspend types: invalid, nothing done");
	{
		struct rv_sbi_ops no = ops;
		uint64_t a[8] = { 0, 0, 0, 0, 0, 0, 3, SBI_EXT_HSM };

		no.hart_suspend = NULL;
		rv_sbi_call(&no, 0, a, &r);
		test_assert(r.error == SBI_ERR_NOT_SUPPORTED,
			    "a machine without suspend: not supported");
	}
	test_assert(call(0, SBI_EXT_HSM, 4, 0, 0, 0).error == SBI_ERR_NOT_SUPPORTED,
		    "no HSM function 4");

	r = call(0, 0x01, 0, 'h', 0, 0);
	r = call(0, 0x01, 0, 'i', 0, 0);
	test_assert(r.legacy && fake.nout == 2 && !memcmp(fake.out, "hi", 2), "legacy putchar");
	fake.in = "k";
	r = call(0, 0x02, 0, 0, 0, 0);
	test_assert(r.legacy && r.error == 'k', "legacy getchar");
	r = call(0, 0x02, 0, 0, 0, 0);
	test_assert(r.error == -1, "legacy getchar: nothing");
	memcpy(ram + 16, "abc", 3);
	r = call(0, SBI_EXT_DBCN, 0, 3, 0x80000010, 0);
	test_assert(r.error == 0 && r.value == 3 && !memcmp(fake.out + 2, "abc", 3),
		    "DBCN write");
	test_assert(call(0, SBI_EXT_DBCN, 0, 16, 0x80000ff8, 0).error == SBI_ERR_INVALID_PARAM,
		    "DBCN buffer past RAM");
	test_assert(call(0, SBI_EXT_DBCN, 0, 1, 0x10, 1).error == SBI_ERR_INVALID_PARAM,
		    "DBCN high address");
	fake.in = "xy";
	r = call(0, SBI_EXT_DBCN, 1, 8, 0x80000100, 0);
	test_assert(r.value == 2 && !memcmp(ram + 0x100, "xy", 2), "DBCN read");
	call(0, SBI_EXT_DBCN, 2, '!', 0, 0);
	test_assert(fake.out[fake.nout - 1] == '!', "DBCN write_byte");

	test_assert(call(0, 0x05, 0, 0, 0, 0).error == SBI_ERR_NOT_SUPPORTED,
		    "legacy remote fence: not supported");
	test_assert(call(0, 0x12345, 0, 0, 0, 0).error == SBI_ERR_NOT_SUPPORTED,
		    "unknown extension");
	test_assert(call(0, SBI_EXT_SRST, 0, 5, 0, 0).error == SBI_ERR_INVALID_PARAM &&
		    !fake.reset, "bad reset type");
	r = call(0, SBI_EXT_SRST, 0, SBI_SRST_COLD_REBOOT, 0, 0);
	test_assert(r.stop && fake.reset == 1 && fake.reset_type == 1, "system_reset reboot");
	r = call(0, 0x08, 0, 0, 0, 0);
	test_assert(r.stop && r.legacy && fake.reset == 2 && fake.reset_type == 0,
		    "legacy shutdown");
	return test_report();
}
