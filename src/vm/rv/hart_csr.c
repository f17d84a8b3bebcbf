/*
 * hart_csr -- the CSRs of the system-mode hart (privileged spec 1.12, S
 * and U): the supervisor registers, satp, the counters, and the F/D ones
 * behind sstatus.FS.  Every CSR instruction of the interpreter comes here
 * (struct rv_sys_ops.csr); anything unknown or not allowed is illegal.
 */
#include "vm/rv/hart_int.h"

uint64_t hart_read_sstatus(const struct rv_hart *h)
{
	uint64_t s = h->sstatus | SR_UXL_64;

	if ((s & SR_FS) == SR_FS)
		s |= SR_SD;
	return s;
}

static void write_sstatus(struct rv_hart *h, uint64_t v)
{
	uint64_t old = h->sstatus;

	h->sstatus = v & SR_WRITABLE;
	if ((old ^ h->sstatus) & SR_MXR) {
		h->mmu.mxr = h->sstatus & SR_MXR;
		rv_mmu_flush(&h->mmu);
	}
	update_ctx(h);
	/* SIE set with an interrupt pending and enabled: take it */
	if ((h->sstatus & SR_SIE) && !(old & SR_SIE) &&
	    (__atomic_load_n(&h->sip, __ATOMIC_SEQ_CST) & h->sie))
		kick(h);
}

static bool write_satp(struct rv_hart *h, uint64_t v)
{
	uint64_t mode = v >> RV_SATP_MODE_SHIFT;

	if (mode == RV_SATP_BARE)
		v = 0;
	else if (mode != RV_SATP_SV39 && !(mode == RV_SATP_SV48 && h->sv48))
		return true;	/* unsupported mode: the write is ignored */
	/* no ASID bits: Linux then flushes on every switch, as we do */
	h->satp = v & (0xfull << RV_SATP_MODE_SHIFT | RV_SATP_PPN_MASK);
	rv_mmu_set_satp(&h->mmu, h->satp);
	return true;
}

/* a user-level counter, as scounteren (U) and our mcounteren (S) allow */
static bool read_counter(struct rv_hart *h, unsigned num, uint64_t *v)
{
	unsigned i = num - RV_CSR_CYCLE;

	if (i > 2 || (h->priv == PRV_U && !(h->scounteren & (1u << i))))
		return false;
	if (num == RV_CSR_TIME)
		*v = h->ops->time(h->ops->ctx);
	else
		*v = h->cpu.insns;
	return true;
}

static bool csr_read(struct rv_hart *h, unsigned num, uint64_t *v)
{
	switch (num) {
	case RV_CSR_FFLAGS: *v = h->cpu.fcsr & 0x1f; break;
	case RV_CSR_FRM: *v = (h->cpu.fcsr >> 5) & 7; break;
	case RV_CSR_FCSR: *v = h->cpu.fcsr & 0xff; break;
	case CSR_SSTATUS: *v = hart_read_sstatus(h); break;
	case CSR_SIE: *v = h->sie; break;
	case CSR_SIP:
		*v = __atomic_load_n(&h->sip, __ATOMIC_RELAXED) & IRQ_ALL;
		break;
	case CSR_STVEC: *v = h->stvec; break;
	case CSR_SCOUNTEREN: *v = h->scounteren; break;
	case CSR_SENVCFG: *v = h->senvcfg; break;
	case CSR_SSCRATCH: *v = h->sscratch; break;
	case CSR_SEPC: *v = h->sepc; break;
	case CSR_SCAUSE: *v = h->scause; break;
	case CSR_STVAL: *v = h->stval; break;
	case CSR_SATP: *v = h->satp; break;
	default:
		return read_counter(h, num, v);
	}
	return true;
}

static bool csr_write(struct rv_hart *h, unsigned num, uint64_t v)
{
	switch (num) {
	case RV_CSR_FFLAGS: h->cpu.fcsr = (h->cpu.fcsr & ~0x1fu) | (v & 0x1f);
		break;
	case RV_CSR_FRM: h->cpu.fcsr = (h->cpu.fcsr & ~0xe0u) | (v & 7) << 5;
		break;
	case RV_CSR_FCSR: h->cpu.fcsr = v & 0xff; break;
	case CSR_SSTATUS: write_sstatus(h, v); break;
	case CSR_SIE:
		h->sie = v & IRQ_ALL;
		kick(h);
		break;
	case CSR_SIP:		/* only SSIP is the software's */
		if (v & IRQ_BIT(RV_IRQ_SSI))
			__atomic_or_fetch(&h->sip, IRQ_BIT(RV_IRQ_SSI),
					  __ATOMIC_SEQ_CST);
		else
			__atomic_and_fetch(&h->sip, ~IRQ_BIT(RV_IRQ_SSI),
					   __ATOMIC_SEQ_CST);
		kick(h);
		break;
	case CSR_STVEC:		/* modes: direct, vectored */
		h->stvec = (v & 3) < 2 ? v : v & ~3ull;
		break;
	case CSR_SCOUNTEREN: h->scounteren = v & 7; break;
	case CSR_SENVCFG: h->senvcfg = v & 1; break;	/* FIOM only */
	case CSR_SSCRATCH: h->sscratch = v; break;
	case CSR_SEPC: h->sepc = v & ~1ull; break;
	case CSR_SCAUSE: h->scause = v; break;
	case CSR_STVAL: h->stval = v; break;
	case CSR_SATP: return write_satp(h, v);
	default:
		return false;
	}
	return true;
}

static bool is_fp_csr(unsigned num)
{
	return num >= RV_CSR_FFLAGS && num <= RV_CSR_FCSR;
}

/* translated code may run it (see struct rv_sys_ops): reads and writes
 * of the trap CSRs and reads of the time; reads of sstatus, sie, sip
 * and satp; writes of sstatus (Linux flips SUM around every user copy
 * and SIE around every critical section) and sie, which end the block.
 * Not the FP ones (FS), instret/cycle (counted per run), satp. */
int hart_csr_inline(unsigned num, bool write)
{
	switch (num) {
	case CSR_SSCRATCH: case CSR_SEPC: case CSR_SCAUSE: case CSR_STVAL:
	case CSR_STVEC: case CSR_SCOUNTEREN: case CSR_SENVCFG:
		return 1;
	case CSR_SSTATUS: case CSR_SIE:
		return write ? 2 : 1;
	case CSR_SIP: case CSR_SATP: case RV_CSR_TIME:
		return !write;
	default:
		return 0;
	}
}

bool hart_csr(struct rv_cpu *cpu, unsigned num, unsigned op,
		    uint64_t src, bool write, uint64_t *old)
{
	struct rv_hart *h = hart_of(cpu);
	uint64_t v;

	/* bits 9..8: the lowest privilege; 11..10 == 3: read-only */
	if (((num >> 8) & 3) > (unsigned)h->priv)
		return false;
	if (write && (num >> 10) == 3)
		return false;
	if (is_fp_csr(num) && !(h->sstatus & SR_FS))
		return false;
	if (!csr_read(h, num, old))
		return false;
	if (!write)
		return true;
	v = op == 0 ? src : op == 1 ? *old | src : *old & ~src;
	if (!csr_write(h, num, v))
		return false;
	if (is_fp_csr(num))
		h->sstatus |= SR_FS;
	return true;
}
