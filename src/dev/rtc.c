/*
 * rtc -- a CMOS RTC after the MC146818A data sheet, as PC guests use it.
 *
 * The time registers (0-9, century at 0x32) are computed from the host
 * clock in UTC at each read, in BCD or binary and 24- or 12-hour form as
 * register B asks.  A guest that sets the clock (B.SET, then the time
 * registers, then B.SET cleared) gets an offset from the host clock, so
 * the clock keeps running from where it put it.  Register A reports the
 * update-in-progress bit during the last 244 us of each second, as the
 * chip does, because guests (Linux's mc146818_get_time) wait for it to
 * clear.  No interrupts: C reads 0, D says the RAM and time are valid.
 * The rest of the 128 bytes is CMOS RAM, preset with what old guests and
 * BIOS-minded code read: base and extended memory sizes, memory above
 * 16 MiB in 64 KiB units at 0x34/0x35, and the checksum over 0x10-0x2d.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/rtc.h"

#define REG_SEC		0x00
#define REG_SEC_ALARM	0x01
#define REG_MIN		0x02
#define REG_MIN_ALARM	0x03
#define REG_HOUR	0x04
#define REG_HOUR_ALARM	0x05
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MON		0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32

#define A_UIP		0x80
#define A_DEFAULT	0x26	/* 32.768 kHz time base, 1024 Hz rate */
#define B_SET		0x80
#define B_DM_BINARY	0x04
#define B_24H		0x02
#define B_WRITABLE	0xff
#define D_VRT		0x80
#define HOUR_PM		0x80
#define INDEX_MASK	0x7f
#define UIP_NS		244000	/* the update cycle's warning time */

#define CMOS_SIZE	128

struct rtc {
	uint8_t cmos[CMOS_SIZE];
	uint8_t index;
	int nmi_masked;
	int64_t offset;		/* guest clock - host clock, seconds */
	void (*now)(struct timespec *ts);
};

static void rtc_host_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static uint8_t to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_encode(const struct rtc *r, unsigned int v)
{
	return r->cmos[REG_B] & B_DM_BINARY ? (uint8_t)v : to_bcd(v);
}

static unsigned int rtc_decode(const struct rtc *r, uint8_t v)
{
	return r->cmos[REG_B] & B_DM_BINARY ? v : from_bcd(v);
}

/* Hours 0-23 as register B's 12/24-hour mode wants them. */
static uint8_t rtc_encode_hour(const struct rtc *r, unsigned int h)
{
	unsigned int h12;

	if (r->cmos[REG_B] & B_24H)
		return rtc_encode(r, h);
	h12 = h % 12 ? h % 12 : 12;
	return rtc_encode(r, h12) | (h >= 12 ? HOUR_PM : 0);
}

static unsigned int rtc_decode_hour(const struct rtc *r, uint8_t v)
{
	unsigned int h;

	if (r->cmos[REG_B] & B_24H)
		return rtc_decode(r, v);
	h = rtc_decode(r, v & ~HOUR_PM) % 12;
	return v & HOUR_PM ? h + 12 : h;
}

/* The guest's clock now, broken down (UTC). */
static void rtc_time(const struct rtc *r, struct tm *tm, long *nsec)
{
	struct timespec ts;
	time_t t;

	r->now(&ts);
	t = ts.tv_sec + r->offset;
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
	*nsec = ts.tv_nsec;
}

static uint8_t rtc_read_time(const struct rtc *r, unsigned int reg)
{
	struct tm tm;
	long nsec;

	rtc_time(r, &tm, &nsec);
	switch (reg) {
	case REG_SEC:
		return rtc_encode(r, tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case REG_MIN:
		return rtc_encode(r, tm.tm_min);
	case REG_HOUR:
		return rtc_encode_hour(r, tm.tm_hour);
	case REG_WDAY:
		return rtc_encode(r, tm.tm_wday + 1);	/* Sunday is 1 */
	case REG_MDAY:
		return rtc_encode(r, tm.tm_mday);
	case REG_MON:
		return rtc_encode(r, tm.tm_mon + 1);
	case REG_YEAR:
		return rtc_encode(r, (tm.tm_year + 1900) % 100);
	case REG_CENTURY:
		return rtc_encode(r, (tm.tm_year + 1900) / 100);
	default:	/* REG_A */
		return (r->cmos[REG_A] & ~A_UIP) |
		       (nsec >= 1000000000L - UIP_NS ? A_UIP : 0);
	}
}

/*
 * While B.SET is on the guest writes the time registers into the CMOS
 * bytes; when it clears SET, those bytes become the new time.  Values
 * that make no date leave the clock as it was.
 */
static void rtc_set_clock(struct rtc *r)
{
	struct timespec ts;
	struct tm tm = { 0 };
	time_t t;

	tm.tm_sec = rtc_decode(r, r->cmos[REG_SEC]);
	tm.tm_min = rtc_decode(r, r->cmos[REG_MIN]);
	tm.tm_hour = rtc_decode_hour(r, r->cmos[REG_HOUR]);
	tm.tm_mday = rtc_decode(r, r->cmos[REG_MDAY]);
	tm.tm_mon = (int)rtc_decode(r, r->cmos[REG_MON]) - 1;
	tm.tm_year = rtc_decode(r, r->cmos[REG_CENTURY]) * 100 +
		     rtc_decode(r, r->cmos[REG_YEAR]) - 1900;
	if (tm.tm_sec > 59 || tm.tm_min > 59 || tm.tm_hour > 23 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return;
	r->now(&ts);
	r->offset = (int64_t)t - ts.tv_sec;
}

/* Freeze the registers at the current time when the guest sets SET, so
 * a guest that changes one field keeps the others. */
static void rtc_freeze(struct rtc *r)
{
	static const uint8_t regs[] = { REG_SEC, REG_MIN, REG_HOUR, REG_WDAY,
					REG_MDAY, REG_MON, REG_YEAR, REG_CENTURY };
	size_t i;

	for (i = 0; i < sizeof(regs); i++)
		r->cmos[regs[i]] = rtc_read_time(r, regs[i]);
}

static int is_time_reg(unsigned int reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR ||
	       (reg >= REG_WDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

static uint8_t rtc_read_reg(struct rtc *r, unsigned int reg)
{
	if (is_time_reg(reg))
		return r->cmos[REG_B] & B_SET ? r->cmos[reg] : rtc_read_time(r, reg);
	if (reg == REG_A)
		return rtc_read_time(r, reg);
	if (reg == REG_C)
		return 0;	/* no interrupt flags: none are ever raised */
	if (reg == REG_D)
		return D_VRT;
	return r->cmos[reg];
}

static void rtc_write_reg(struct rtc *r, unsigned int reg, uint8_t v)
{
	uint8_t old_b = r->cmos[REG_B];

	switch (reg) {
	case REG_A:
		r->cmos[REG_A] = v & ~A_UIP;	/* UIP is read-only */
		return;
	case REG_B:
		if ((v & B_SET) && !(old_b & B_SET))
			rtc_freeze(r);
		r->cmos[REG_B] = v & B_WRITABLE;
		if (!(v & B_SET) && (old_b & B_SET))
			rtc_set_clock(r);
		return;
	case REG_C:
	case REG_D:
		return;		/* read-only */
	default:
		if (is_time_reg(reg) && !(r->cmos[REG_B] & B_SET))
			return;	/* the running clock is only set under SET */
		r->cmos[reg] = v;
	}
}

static void rtc_pio_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct rtc *r = dev;
	uint8_t *out = data;

	(void)len;	/* the bus checked it is 1 */
	if (off == 0)
		*out = 0xff;	/* the index port is write-only */
	else
		*out = rtc_read_reg(r, r->index);
}

static void rtc_pio_write(void *dev, uint64_t off, const void *data,
			  unsigned int len)
{
	struct rtc *r = dev;
	uint8_t v = *(const uint8_t *)data;

	(void)len;
	if (off == 0) {
		r->index = v & INDEX_MASK;
		r->nmi_masked = !!(v & ~INDEX_MASK);	/* no NMI source to mask */
	} else {
		rtc_write_reg(r, r->index, v);
	}
}

static void rtc_destroy(void *dev)
{
	free(dev);
}

static const struct dev_ops rtc_ops = {
	.name = "rtc",
	.min_width = 1,
	.max_width = 1,
	.pio_read = rtc_pio_read,
	.pio_write = rtc_pio_write,
	.destroy = rtc_destroy,
};

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* The memory sizes a PC BIOS leaves in CMOS, and their checksum. */
static void rtc_fill_cmos(struct rtc *r, uint64_t mem)
{
	uint64_t ext_kib = mem > (1 << 20) ? (mem - (1 << 20)) >> 10 : 0;
	uint64_t high64k = mem > (16 << 20) ? (mem - (16 << 20)) >> 16 : 0;
	unsigned int sum = 0, i;

	put16(&r->cmos[0x15], 640);		/* base memory, KiB */
	put16(&r->cmos[0x17], ext_kib > 0xffff ? 0xffff : ext_kib);
	put16(&r->cmos[0x30], ext_kib > 0xffff ? 0xffff : ext_kib);
	put16(&r->cmos[0x34], high64k > 0xffff ? 0xffff : high64k);
	for (i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = sum >> 8;
	r->cmos[0x2f] = sum & 0xff;
}

int rtc_create(const struct rtc_cfg *cfg, struct dev_ref *out, struct err *e)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return err_set(e, -ENOMEM, "rtc");
	r->now = cfg->now ? cfg->now : rtc_host_now;
	r->cmos[REG_A] = A_DEFAULT;
	r->cmos[REG_B] = B_24H;
	rtc_fill_cmos(r, cfg->mem_size);
	out->ops = &rtc_ops;
	out->dev = r;
	return 0;
}
