/*
 * sbi -- the RISC-V Supervisor Binary Interface (SBI spec 2.0) that
 * strata answers in place of M-mode firmware: an S-mode ECALL lands here
 * (through the hart's sbi_call hook and the machine).
 *
 * This module only decodes a call and checks its arguments; what a call
 * does to the machine (arm a timer, kick a hart, start a thread, stop the
 * run) goes through struct rv_sbi_ops, so it is tested without harts.
 *
 * Extensions: BASE, TIME, sPI (IPI), RFNC (RFENCE), HSM, SRST, DBCN
 * (console write/read/write_byte) and the legacy set_timer (0x00),
 * console_putchar (0x01), console_getchar (0x02) and shutdown (0x08).
 * Anything else: SBI_ERR_NOT_SUPPORTED.
 */
#ifndef STRATA_VM_RV_SBI_H
#define STRATA_VM_RV_SBI_H

#include <stdint.h>

#include "dev/gmem.h"

#define SBI_SUCCESS			0
#define SBI_ERR_FAILED			-1
#define SBI_ERR_NOT_SUPPORTED		-2
#define SBI_ERR_INVALID_PARAM		-3
#define SBI_ERR_DENIED			-4
#define SBI_ERR_INVALID_ADDRESS		-5
#define SBI_ERR_ALREADY_AVAILABLE	-6
#define SBI_ERR_ALREADY_STARTED		-7
#define SBI_ERR_ALREADY_STOPPED		-8

#define SBI_EXT_BASE	0x10
#define SBI_EXT_TIME	0x54494d45
#define SBI_EXT_IPI	0x735049
#define SBI_EXT_RFENCE	0x52464e43
#define SBI_EXT_HSM	0x48534d
#define SBI_EXT_SRST	0x53525354
#define SBI_EXT_DBCN	0x4442434e

/* HSM states */
#define SBI_HSM_STARTED		0
#define SBI_HSM_STOPPED		1
#define SBI_HSM_START_PENDING	2
#define SBI_HSM_STOP_PENDING	3
#define SBI_HSM_SUSPENDED	4

/* HSM suspend types (a0 of hart_suspend) */
#define SBI_HSM_SUSPEND_RET	0x00000000u	/* default retentive */
#define SBI_HSM_SUSPEND_NONRET	0x80000000u	/* default non-retentive */

/* SRST types */
#define SBI_SRST_SHUTDOWN	0
#define SBI_SRST_COLD_REBOOT	1
#define SBI_SRST_WARM_REBOOT	2

#define SBI_SPEC_VERSION	((2u << 24) | 0)	/* 2.0 */
#define SBI_IMPL_ID		0x5354	/* "ST": strata, not a registered id */
#define SBI_IMPL_VERSION	1

struct rv_sbi_ops {
	void *ctx;
	int nharts;
	const struct gmem *ram;		/* DBCN buffers */
	/* @hart's timer fires at @when (time CSR ticks); clears STIP */
	void (*set_timer)(void *ctx, int hart, uint64_t when);
	void (*send_ipi)(void *ctx, int hart);
	/* @hart must flush its TLB / instruction cache before going on */
	void (*rfence)(void *ctx, int hart);
	/* remote sfence.vma[.asid]: its TLB only (NULL: rfence) */
	void (*rfence_vma)(void *ctx, int hart);
	/* HSM: return an SBI error code */
	int (*hart_start)(void *ctx, int hart, uint64_t pc, uint64_t opaque);
	int (*hart_status)(void *ctx, int hart);
	/* the calling hart stops (its run loop ends) */
	void (*hart_stop)(void *ctx, int hart);
	/* HSM hart_suspend of the calling hart (type already checked: the
	 * default retentive or non-retentive one; a non-retentive
	 * @resume_addr lies in RAM): returns once it resumes, an SBI
	 * error code; non-retentive, the hart then goes on at @resume_addr
	 * with a0 = hartid, a1 = @opaque.  NULL: not supported. */
	int (*hart_suspend)(void *ctx, int hart, int retentive,
			    uint64_t resume_addr, uint64_t opaque);
	void (*reset)(void *ctx, uint32_t type, uint32_t reason);
	void (*console_write)(void *ctx, const void *buf, uint64_t len);
	/* a byte of console input, or -1 when none is ready */
	int (*console_read)(void *ctx);
};

struct rv_sbi_ret {
	int64_t error;		/* a0 */
	int64_t value;		/* a1 */
	int resumed;		/* a non-retentive suspend ended: a0 and a1
				 * are the machine's, not error and value */
	int legacy;		/* a legacy call: only a0 (= error) is set */
	int stop;		/* the calling hart's run loop ends */
};

/* Handle the call in @a (a0..a7: a6 = function id, a7 = extension id)
 * made by hart @hart. */
void rv_sbi_call(const struct rv_sbi_ops *ops, int hart, const uint64_t a[8],
		 struct rv_sbi_ret *r);

#endif
