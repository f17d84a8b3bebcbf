/*
 * plic -- the platform-level interrupt controller.  See plic.h.
 *
 * Lines are level-triggered: a source is pending while its line is high
 * and it is not claimed (QEMU's SiFive PLIC behaves the same), so a device
 * that lowers its line before the driver claims it leaves no stale
 * interrupt behind.  After a complete, a line still high is pending again.
 *
 * Threads: hart threads access the registers, device I/O threads (net
 * receive) move lines; one mutex covers the state and the eip callbacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dev/plic.h"

#define PRIO_MASK	7
#define PENDING_BASE	0x1000
#define ENABLE_BASE	0x2000
#define ENABLE_STRIDE	0x80
#define CTX_BASE	0x200000
#define CTX_STRIDE	0x1000
#define SRC_MASK	((uint32_t)~1u)	/* sources 1..31 */

struct plic_ctx {
	uint32_t enable;
	uint32_t threshold;
	int eip;		/* level last given to the callback */
};

struct plic {
	struct plic_cfg cfg;
	pthread_mutex_t lock;
	uint32_t prio[PLIC_SOURCES];
	uint32_t level;		/* line states */
	uint32_t pending;
	uint32_t claimed;	/* in service, until complete */
	int nctx;
	struct plic_ctx ctx[2 * PLIC_MAX_HARTS];
};

/* The source context @c should get next, 0 when none. */
static int best(const struct plic *p, int c)
{
	uint32_t cand = p->pending & p->ctx[c].enable & SRC_MASK;
	uint32_t top = p->ctx[c].threshold;
	int s, id = 0;

	for (s = 1; s < PLIC_SOURCES; s++)
		if ((cand >> s & 1) && p->prio[s] > top) {
			top = p->prio[s];
			id = s;
		}
	return id;
}

static void update(struct plic *p)
{
	int c, level;

	for (c = 0; c < p->nctx; c++) {
		level = best(p, c) != 0;
		if (level != p->ctx[c].eip) {
			p->ctx[c].eip = level;
			if (p->cfg.eip)
				p->cfg.eip(p->cfg.ctx, c, level);
		}
	}
}

void plic_set_irq(struct plic *p, int src, int level)
{
	uint32_t bit;

	if (src <= 0 || src >= PLIC_SOURCES)
		return;
	bit = 1u << src;
	pthread_mutex_lock(&p->lock);
	if (level) {
		p->level |= bit;
		if (!(p->claimed & bit))
			p->pending |= bit;
	} else {
		p->level &= ~bit;
		p->pending &= ~bit;
	}
	update(p);
	pthread_mutex_unlock(&p->lock);
}

static uint32_t claim(struct plic *p, int c)
{
	int id = best(p, c);

	if (id) {
		p->pending &= ~(1u << id);
		p->claimed |= 1u << id;
	}
	return id;
}

static void complete(struct plic *p, uint32_t id)
{
	if (id == 0 || id >= PLIC_SOURCES)
		return;
	p->claimed &= ~(1u << id);
	if (p->level & (1u << id))
		p->pending |= 1u << id;
}

/* Locked.  Returns the register's value; @v is written when @wr. */
static uint32_t access(struct plic *p, uint64_t off, int wr, uint32_t v)
{
	uint64_t c;

	if (off & 3)
		return 0;
	if (off < 4 * PLIC_SOURCES) {
		if (wr && off)
			p->prio[off / 4] = v & PRIO_MASK;
		return p->prio[off / 4];
	}
	if (off == PENDING_BASE)
		return p->pending;
	if (off >= ENABLE_BASE && off < CTX_BASE) {
		c = (off - ENABLE_BASE) / ENABLE_STRIDE;
		if (c >= (uint64_t)p->nctx || (off - ENABLE_BASE) % ENABLE_STRIDE)
			return 0;
		if (wr)
			p->ctx[c].enable = v & SRC_MASK;
		return p->ctx[c].enable;
	}
	if (off < CTX_BASE)
		return 0;
	c = (off - CTX_BASE) / CTX_STRIDE;
	if (c >= (uint64_t)p->nctx)
		return 0;
	switch ((off - CTX_BASE) % CTX_STRIDE) {
	case 0:
		if (wr)
			p->ctx[c].threshold = v & PRIO_MASK;
		return p->ctx[c].threshold;
	case 4:
		if (wr) {
			complete(p, v);
			return 0;
		}
		return claim(p, c);
	}
	return 0;
}

static void plic_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct plic *p = dev;
	uint32_t v;

	pthread_mutex_lock(&p->lock);
	v = access(p, off, 0, 0);
	update(p);
	pthread_mutex_unlock(&p->lock);
	memcpy(data, &v, 4);
}

static void plic_write(void *dev, uint64_t off, const void *data,
		       unsigned int len)
{
	struct plic *p = dev;
	uint32_t v;

	memcpy(&v, data, 4);
	pthread_mutex_lock(&p->lock);
	access(p, off, 1, v);
	update(p);
	pthread_mutex_unlock(&p->lock);
}

static void plic_reset(void *dev)
{
	struct plic *p = dev;

	pthread_mutex_lock(&p->lock);
	memset(p->prio, 0, sizeof(p->prio));
	p->pending = p->claimed = 0;
	memset(p->ctx, 0, sizeof(p->ctx));
	pthread_mutex_unlock(&p->lock);
}

static void plic_destroy(void *dev)
{
	struct plic *p = dev;

	pthread_mutex_destroy(&p->lock);
	free(p);
}

static const struct dev_ops plic_ops = {
	.name = "plic",
	.min_width = 4,
	.max_width = 4,
	.mmio_read = plic_read,
	.mmio_write = plic_write,
	.reset = plic_reset,
	.destroy = plic_destroy,
};

int plic_create(const struct plic_cfg *cfg, struct plic **pp,
		struct dev_ref *out, struct err *e)
{
	struct plic *p;

	if (cfg->nharts < 1 || cfg->nharts > PLIC_MAX_HARTS)
		return err_msg(e, -EINVAL, "plic: %d harts (1 to %d)", cfg->nharts,
			       PLIC_MAX_HARTS);
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, -ENOMEM, "plic");
	p->cfg = *cfg;
	p->nctx = 2 * cfg->nharts;
	pthread_mutex_init(&p->lock, NULL);
	*pp = p;
	out->ops = &plic_ops;
	out->dev = p;
	return 0;
}
