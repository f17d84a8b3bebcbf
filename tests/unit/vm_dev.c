/*
 * Unit tests for the device bus and the legacy devices of strata vm:
 * width checks, unclaimed ports, the 8250's registers and loopback, the
 * i8042 and debug-exit stop requests.  No KVM needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dev/bus.h"
#include "dev/debug_exit.h"
#include "dev/i8042.h"
#include "dev/uart8250.h"
#include "test.h"

static int stop_why, stop_code, irq_level = -1;

static void on_stop(void *ctx, enum dev_stop why, int code)
{
	stop_why = why;
	stop_code = code;
}

static void on_irq(void *ctx, int line, int level)
{
	irq_level = level;
}

static uint8_t rd(struct bus *b, uint64_t port)
{
	uint8_t v;

	bus_read(b, BUS_PIO, port, &v, 1);
	return v;
}

static void wr(struct bus *b, uint64_t port, uint8_t v)
{
	bus_write(b, BUS_PIO, port, &v, 1);
}

int main(void)
{
	const struct dev_host host = { NULL, on_irq, on_stop, NULL };
	struct bus b = { 0 };
	struct err e = { 0 };
	struct dev_ref d;
	int pipefd[2], fl;
	uint32_t v32;
	char out[8] = { 0 };

	if (pipe(pipefd) < 0)
		return 1;
	fl = fcntl(pipefd[0], F_GETFL);
	fcntl(pipefd[0], F_SETFL, fl | O_NONBLOCK);
	struct uart8250_cfg ucfg = { .irq = 4, .in_fd = -1, .out_fd = pipefd[1] };
	test_assert(uart8250_create(&ucfg, &host, &d, &e) == 0, "a uart is created");
	test_assert(bus_add(&b, BUS_PIO, 0x3f8, 8, d.ops, d.dev, &e) == 0, "and mapped at 0x3f8");
	test_assert(bus_add(&b, BUS_PIO, 0x3fc, 8, d.ops, d.dev, &e) == -EEXIST,
		    "an overlapping range is refused");
	test_assert(i8042_create(&host, &d, &e) == 0 &&
		    bus_add(&b, BUS_PIO, 0x60, 5, d.ops, d.dev, &e) == 0, "an i8042 is mapped");
	test_assert(debug_exit_create(&host, &d, &e) == 0 &&
		    bus_add(&b, BUS_PIO, 0x501, 4, d.ops, d.dev, &e) == 0, "a debug-exit is mapped");

	wr(&b, 0x3f8, 'h');
	wr(&b, 0x3f8, 'i');
	test_assert(read(pipefd[0], out, sizeof(out)) == 2 && !memcmp(out, "hi", 2),
		    "THR writes reach the output fd");
	test_assert((rd(&b, 0x3fd) & 0x60) == 0x60, "LSR says THRE and TEMT");
	test_assert(!(rd(&b, 0x3fd) & 1), "and no data ready without input");
	wr(&b, 0x3ff, 0x5a);
	test_assert(rd(&b, 0x3ff) == 0x5a, "the scratch register keeps its value");
	wr(&b, 0x3fb, 0x80);
	wr(&b, 0x3f8, 0x01);
	wr(&b, 0x3f9, 0x00);
	test_assert(rd(&b, 0x3f8) == 0x01, "DLAB exposes the divisor latch");
	wr(&b, 0x3fb, 0x03);
	wr(&b, 0x3fc, 0x10 | 0x0f);
	test_assert(rd(&b, 0x3fe) == 0xf0, "loopback reflects MCR outputs in MSR");
	wr(&b, 0x3f8, 'x');
	test_assert((rd(&b, 0x3fd) & 1) && rd(&b, 0x3f8) == 'x', "loopback sends THR to RBR");
	wr(&b, 0x3fc, 0);
	wr(&b, 0x3f9, 0x02);
	test_assert(irq_level == 1 && (rd(&b, 0x3fa) & 0x0f) == 0x02,
		    "enabling THRI raises the line with IIR=THRE");
	test_assert((rd(&b, 0x3fa) & 0x01) && irq_level == 0, "reading IIR acknowledges it");
	v32 = 0;
	test_assert(bus_read(&b, BUS_PIO, 0x3f8, &v32, 4) == 0 && v32 == 0xffffffff,
		    "a 4-byte access to the uart is refused and reads all ones");
	test_assert(bus_read(&b, BUS_PIO, 0x2f8, &out[0], 1) == 0 && (uint8_t)out[0] == 0xff,
		    "an unclaimed port reads 0xff");

	wr(&b, 0x64, 0xaa);
	test_assert((rd(&b, 0x64) & 1) && rd(&b, 0x60) == 0x55, "i8042 self test answers 0x55");
	test_assert(!(rd(&b, 0x64) & 1), "reading data empties the output buffer");
	wr(&b, 0x64, 0x20);
	test_assert(rd(&b, 0x60) == 0x45, "the configuration byte reads back");
	test_assert(stop_why == DEV_STOP_NONE, "nothing stopped the machine yet");
	wr(&b, 0x64, 0xfe);
	test_assert(stop_why == DEV_STOP_RESET, "command 0xfe asks for a reset");

	stop_why = 0;
	v32 = 42;
	bus_write(&b, BUS_PIO, 0x501, &v32, 4);
	test_assert(stop_why == DEV_STOP_POWEROFF && stop_code == 42,
		    "debug-exit powers off with the value written");

	bus_destroy(&b);
	close(pipefd[0]);
	close(pipefd[1]);
	return test_report();
}
