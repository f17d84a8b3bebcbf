/*
 * rtc -- the CMOS real-time clock of a PC (Motorola MC146818A), ports
 * 0x70 (index, bit 7 masks NMIs) and 0x71 (data).
 */
#ifndef STRATA_DEV_RTC_H
#define STRATA_DEV_RTC_H

#include <stdint.h>
#include <time.h>

#include "dev/dev.h"
#include "lib/err.h"

#define RTC_PORT	0x70
#define RTC_PORTS	2

struct rtc_cfg {
	uint64_t mem_size;	/* guest RAM, reported in the CMOS bytes */
	/* the host clock (UTC); NULL: clock_gettime(CLOCK_REALTIME) */
	void (*now)(struct timespec *ts);
};

int rtc_create(const struct rtc_cfg *cfg, struct dev_ref *out, struct err *e);

#endif
