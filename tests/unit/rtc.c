/*
 * Unit tests for the CMOS RTC (src/dev/rtc.c) against a fake host clock:
 * BCD and binary time, 12- and 24-hour hours, the update-in-progress
 * bit, setting the clock under B.SET, the NMI bit of the index, the
 * status registers and the memory sizes in CMOS.
 */
#include <string.h>

#include "dev/bus.h"
#include "dev/rtc.h"
#include "test.h"

/* 2024-02-29 21:07:05 UTC, a Thursday */
static struct timespec fake = { 1709240825, 0 };

static void fake_now(struct timespec *ts)
{
	*ts = fake;
}

static uint8_t rd(struct bus *b, uint8_t reg)
{
	uint8_t v;

	bus_write(b, BUS_PIO, RTC_PORT, &reg, 1);
	bus_read(b, BUS_PIO, RTC_PORT + 1, &v, 1);
	return v;
}

static void wr(struct bus *b, uint8_t reg, uint8_t v)
{
	bus_write(b, BUS_PIO, RTC_PORT, &reg, 1);
	bus_write(b, BUS_PIO, RTC_PORT + 1, &v, 1);
}

int main(void)
{
	const struct rtc_cfg cfg = { .mem_size = 64ULL << 20, .now = fake_now };
	struct bus b = { 0 };
	struct err e = { 0 };
	struct dev_ref d;
	unsigned int sum = 0, i;

	test_assert(rtc_create(&cfg, &d, &e) == 0, "the RTC is created");
	test_assert(bus_add(&b, BUS_PIO, RTC_PORT, RTC_PORTS, d.ops, d.dev, &e) == 0,
		    "it maps at 0x70");

	test_assert(rd(&b, 0x0b) == 0x02, "register B starts 24-hour BCD");
	test_assert(rd(&b, 0x00) == 0x05, "seconds in BCD");
	test_assert(rd(&b, 0x02) == 0x07, "minutes in BCD");
	test_assert(rd(&b, 0x04) == 0x21, "hours in BCD, 24-hour");
	test_assert(rd(&b, 0x06) == 0x05, "day of week: Thursday is 5");
	test_assert(rd(&b, 0x07) == 0x29, "day of month");
	test_assert(rd(&b, 0x08) == 0x02, "month");
	test_assert(rd(&b, 0x09) == 0x24, "year");
	test_assert(rd(&b, 0x32) == 0x20, "century");
	test_assert(rd(&b, 0x0a) == 0x26, "register A: divider and rate, no UIP");
	test_assert(rd(&b, 0x0d) == 0x80, "register D: valid RAM and time");
	test_assert(rd(&b, 0x0c) == 0x00, "register C: no interrupt flags");

	fake.tv_nsec = 999900000;
	test_assert(rd(&b, 0x0a) & 0x80, "UIP is set in the last 244 us of a second");
	fake.tv_nsec = 500000000;
	test_assert(!(rd(&b, 0x0a) & 0x80), "and clear otherwise");
	wr(&b, 0x0a, 0xa6);
	test_assert(rd(&b, 0x0a) == 0x26, "UIP cannot be written");

	wr(&b, 0x0b, 0x06);
	test_assert(rd(&b, 0x04) == 21, "binary mode: hours");
	test_assert(rd(&b, 0x09) == 24, "binary mode: year");
	wr(&b, 0x0b, 0x04);
	test_assert(rd(&b, 0x04) == (0x80 | 9), "12-hour binary: 9 PM");
	wr(&b, 0x0b, 0x00);
	test_assert(rd(&b, 0x04) == (0x80 | 0x09), "12-hour BCD: 9 PM");

	/* set the clock to 1999-12-31 23:59:58 in BCD, 24-hour */
	wr(&b, 0x0b, 0x82);
	test_assert(rd(&b, 0x00) == 0x05, "SET freezes the registers");
	wr(&b, 0x00, 0x58);
	wr(&b, 0x02, 0x59);
	wr(&b, 0x04, 0x23);
	wr(&b, 0x07, 0x31);
	wr(&b, 0x08, 0x12);
	wr(&b, 0x09, 0x99);
	wr(&b, 0x32, 0x19);
	wr(&b, 0x0b, 0x02);
	test_assert(rd(&b, 0x00) == 0x58 && rd(&b, 0x09) == 0x99,
		    "clearing SET starts the clock from the time written");
	fake.tv_sec += 3;
	test_assert(rd(&b, 0x00) == 0x01 && rd(&b, 0x09) == 0x00 &&
		    rd(&b, 0x32) == 0x20 && rd(&b, 0x08) == 0x01,
		    "and it runs on: three seconds later it is 2000-01-01");
	wr(&b, 0x00, 0x30);
	test_assert(rd(&b, 0x00) == 0x01, "time writes without SET are ignored");

	wr(&b, 0x80 | 0x0d, 0);	/* index with the NMI mask bit */
	test_assert(rd(&b, 0x80 | 0x0d) == 0x80, "bit 7 of the index masks NMIs, not the register");
	wr(&b, 0x40, 0x5a);
	test_assert(rd(&b, 0x40) == 0x5a, "CMOS RAM keeps what is written");
	test_assert(rd(&b, 0x15) == 0x80 && rd(&b, 0x16) == 0x02, "640 KiB base memory");
	test_assert(rd(&b, 0x34) == 0x00 && rd(&b, 0x35) == 0x03,
		    "memory above 16 MiB in 64 KiB units (48 MiB: 0x300)");
	test_assert(rd(&b, 0x17) == 0x00 && rd(&b, 0x18) == 0xfc, "extended memory in KiB");
	for (i = 0x10; i <= 0x2d; i++)
		sum += rd(&b, i);
	test_assert(rd(&b, 0x2e) == (sum >> 8) && rd(&b, 0x2f) == (sum & 0xff),
		    "the checksum covers 0x10-0x2d");
	{
		uint8_t v;

		bus_read(&b, BUS_PIO, RTC_PORT, &v, 1);
		test_assert(v == 0xff, "the index port reads 0xff");
	}
	bus_destroy(&b);
	return test_report();
}
