/*
 * hart -- one RISC-V hart in system mode (see hart.h).
 *
 * Skeleton: every function of the contract exists so the machine can be
 * built against it; the privileged architecture follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cpu.h"
#include "vm/rv/hart.h"

struct rv_hart {
	struct rv_cpu cpu;
	struct rv_hart_cfg cfg;
	int priv;
	int stop;
};

struct rv_hart *rv_hart_new(const struct rv_hart_cfg *cfg)
{
	struct rv_hart *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cfg = *cfg;
	h->priv = 1;
	return h;
}

void rv_hart_free(struct rv_hart *h)
{
	free(h);
}

void rv_hart_boot(struct rv_hart *h, uint64_t pc, uint64_t a1)
{
	h->cpu.pc = pc;
	h->cpu.x[10] = h->cfg.hartid;
	h->cpu.x[11] = a1;
	h->priv = 1;
}

uint64_t rv_hart_reg(const struct rv_hart *h, int x)
{
	return x > 0 && x < 32 ? h->cpu.x[x] : 0;
}

void rv_hart_set_reg(struct rv_hart *h, int x, uint64_t v)
{
	if (x > 0 && x < 32)
		h->cpu.x[x] = v;
}

uint64_t rv_hart_pc(const struct rv_hart *h)
{
	return h->cpu.pc;
}

void rv_hart_set_pending(struct rv_hart *h, int irq, int level)
{
	(void)h;
	(void)irq;
	(void)level;
}

enum rv_hart_end rv_hart_run(struct rv_hart *h)
{
	(void)h;
	return RV_HART_CRASHED;
}

void rv_hart_stop(struct rv_hart *h)
{
	__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
}

void rv_hart_describe(const struct rv_hart *h, char *buf, unsigned int n)
{
	snprintf(buf, n, "pc 0x%llx priv %c (not implemented yet)",
		 (unsigned long long)h->cpu.pc, h->priv ? 'S' : 'U');
}

uint64_t rv_hart_insns(const struct rv_hart *h)
{
	return h->cpu.insns;
}
