/*
 * sbi -- decoding and checking SBI calls.  See sbi.h.
 *
 * Every argument comes from the guest: hart ids and masks are checked
 * against the machine's harts, DBCN buffers against guest RAM.
 */
#include <string.h>

#include "vm/rv/sbi.h"

#define LEGACY_SET_TIMER	0x00
#define LEGACY_PUTCHAR		0x01
#define LEGACY_GETCHAR		0x02
#define LEGACY_SHUTDOWN		0x08

static int supported(uint64_t ext)
{
	switch (ext) {
	case SBI_EXT_BASE: case SBI_EXT_TIME: case SBI_EXT_IPI:
	case SBI_EXT_RFENCE: case SBI_EXT_HSM: case SBI_EXT_SRST:
	case SBI_EXT_DBCN:
	case LEGACY_SET_TIMER: case LEGACY_PUTCHAR: case LEGACY_GETCHAR:
	case LEGACY_SHUTDOWN:
		return 1;
	}
	return 0;
}

static void base(const uint64_t a[8], struct rv_sbi_ret *r)
{
	switch (a[6]) {
	case 0:
		r->value = SBI_SPEC_VERSION;
		break;
	case 1:
		r->value = SBI_IMPL_ID;
		break;
	case 2:
		r->value = SBI_IMPL_VERSION;
		break;
	case 3:
		r->value = supported(a[0]);
		break;
	case 4: case 5: case 6:	/* mvendorid, marchid, mimpid */
		r->value = 0;
		break;
	default:
		r->error = SBI_ERR_NOT_SUPPORTED;
	}
}

/*
 * The harts named by (@mask, @base): base -1 means all of them.  Calls
 * @fn for each; SBI_ERR_INVALID_PARAM when one does not exist (and then
 * nobody is called).
 */
static int64_t each_hart(const struct rv_sbi_ops *ops, uint64_t mask,
			 uint64_t hbase, void (*fn)(void *, int))
{
	int i;

	if (hbase == ~0ULL) {
		for (i = 0; i < ops->nharts; i++)
			fn(ops->ctx, i);
		return SBI_SUCCESS;
	}
	if (hbase >= (uint64_t)ops->nharts)
		return mask ? SBI_ERR_INVALID_PARAM : SBI_SUCCESS;
	if (ops->nharts - hbase < 64 && (mask >> (ops->nharts - hbase)))
		return SBI_ERR_INVALID_PARAM;
	for (i = 0; i < 64; i++)
		if (mask >> i & 1)
			fn(ops->ctx, hbase + i);
	return SBI_SUCCESS;
}

/*
 * HSM hart_suspend: the two default types only (spec 2.0, 9.4: the
 * reserved and platform-specific ones are SBI_ERR_INVALID_PARAM); a
 * non-retentive resume address must be RAM.
 */
static void suspend(const struct rv_sbi_ops *ops, int hart,
		    const uint64_t a[8], struct rv_sbi_ret *r)
{
	int retentive = a[0] == SBI_HSM_SUSPEND_RET;

	if (!ops->hart_suspend) {
		r->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	if (!retentive && a[0] != SBI_HSM_SUSPEND_NONRET) {
		r->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (!retentive && !gmem_ptr(ops->ram, a[1], 4)) {
		r->error = SBI_ERR_INVALID_ADDRESS;
		return;
	}
	r->error = ops->hart_suspend(ops->ctx, hart, retentive, a[1], a[2]);
	r->resumed = !retentive && r->error == SBI_SUCCESS;
}

static void hsm(const struct rv_sbi_ops *ops, int hart, const uint64_t a[8],
		struct rv_sbi_ret *r)
{
	switch (a[6]) {
	case 0:		/* hart_start(hartid, start_addr, opaque) */
		if (a[0] >= (uint64_t)ops->nharts)
			r->error = SBI_ERR_INVALID_PARAM;
		else
			r->error = ops->hart_start(ops->ctx, a[0], a[1], a[2]);
		break;
	case 1:		/* hart_stop() */
		ops->hart_stop(ops->ctx, hart);
		r->stop = 1;
		break;
	case 2:		/* hart_get_status(hartid) */
		if (a[0] >= (uint64_t)ops->nharts)
			r->error = SBI_ERR_INVALID_PARAM;
		else
			r->value = ops->hart_status(ops->ctx, a[0]);
		break;
	case 3:		/* hart_suspend(type, resume_addr, opaque) */
		suspend(ops, hart, a, r);
		break;
	default:
		r->error = SBI_ERR_NOT_SUPPORTED;
	}
}

static void srst(const struct rv_sbi_ops *ops, const uint64_t a[8],
		 struct rv_sbi_ret *r)
{
	if (a[6] != 0) {
		r->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	if (a[0] > SBI_SRST_WARM_REBOOT ||
	    (a[1] > 1 && a[1] < 0xf0000000)) {	/* reserved reasons */
		r->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	ops->reset(ops->ctx, a[0], a[1]);
	r->stop = 1;
}

/* Debug console: write(len, base_lo, base_hi), read(len, lo, hi),
 * write_byte(b).  Buffers are guest physical. */
static void dbcn(const struct rv_sbi_ops *ops, const uint64_t a[8],
		 struct rv_sbi_ret *r)
{
	uint64_t i;
	uint8_t *p, b;
	int c;

	if (a[6] == 2) {
		b = a[0];
		ops->console_write(ops->ctx, &b, 1);
		return;
	}
	if (a[6] > 2) {
		r->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	if (a[2]) {		/* rv64: the high half must be 0 */
		r->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	p = a[0] ? gmem_ptr(ops->ram, a[1], a[0]) : NULL;
	if (a[0] && !p) {
		r->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (a[6] == 0) {
		if (a[0])
			ops->console_write(ops->ctx, p, a[0]);
		r->value = a[0];
		return;
	}
	for (i = 0; i < a[0] && (c = ops->console_read(ops->ctx)) >= 0; i++)
		p[i] = c;
	r->value = i;
}

static void legacy(const struct rv_sbi_ops *ops, int hart, const uint64_t a[8],
		   struct rv_sbi_ret *r)
{
	uint8_t b;

	r->legacy = 1;
	switch (a[7]) {
	case LEGACY_SET_TIMER:
		ops->set_timer(ops->ctx, hart, a[0]);
		break;
	case LEGACY_PUTCHAR:
		b = a[0];
		ops->console_write(ops->ctx, &b, 1);
		break;
	case LEGACY_GETCHAR:
		r->error = ops->console_read(ops->ctx);
		break;
	case LEGACY_SHUTDOWN:
		ops->reset(ops->ctx, SBI_SRST_SHUTDOWN, 0);
		r->stop = 1;
		break;
	default:
		r->error = SBI_ERR_NOT_SUPPORTED;
	}
}

void rv_sbi_call(const struct rv_sbi_ops *ops, int hart, const uint64_t a[8],
		 struct rv_sbi_ret *r)
{
	memset(r, 0, sizeof(*r));
	switch (a[7]) {
	case SBI_EXT_BASE:
		base(a, r);
		break;
	case SBI_EXT_TIME:
		if (a[6] == 0)
			ops->set_timer(ops->ctx, hart, a[0]);
		else
			r->error = SBI_ERR_NOT_SUPPORTED;
		break;
	case SBI_EXT_IPI:
		if (a[6] == 0)
			r->error = each_hart(ops, a[0], a[1], ops->send_ipi);
		else
			r->error = SBI_ERR_NOT_SUPPORTED;
		break;
	case SBI_EXT_RFENCE:
		/* fence.i, sfence.vma, sfence.vma.asid: all flush everything;
		 * the hypervisor fences (3..6) are not offered */
		if (a[6] <= 2)
			r->error = each_hart(ops, a[0], a[1],
					     a[6] && ops->rfence_vma ?
					     ops->rfence_vma : ops->rfence);
		else
			r->error = SBI_ERR_NOT_SUPPORTED;
		break;
	case SBI_EXT_HSM:
		hsm(ops, hart, a, r);
		break;
	case SBI_EXT_SRST:
		srst(ops, a, r);
		break;
	case SBI_EXT_DBCN:
		dbcn(ops, a, r);
		break;
	case LEGACY_SET_TIMER: case LEGACY_PUTCHAR: case LEGACY_GETCHAR:
	case LEGACY_SHUTDOWN:
		legacy(ops, hart, a, r);
		break;
	case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
		r->legacy = 1;		/* legacy IPIs and fences: not offered */
		r->error = SBI_ERR_NOT_SUPPORTED;
		break;
	default:
		r->error = SBI_ERR_NOT_SUPPORTED;
	}
}
