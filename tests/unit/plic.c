/*
 * Unit tests for src/dev/plic.c, driven through its registers as Linux's
 * irq-sifive-plic driver does: priorities, enables, threshold, claim and
 * complete, with the context lines seen through the eip callback.
 */
#include <string.h>

#include "dev/plic.h"
#include "unit/test.h"

static int eip[4];
static int eip_calls;

static void on_eip(void *ctx, int c, int level)
{
	eip[c] = level;
	eip_calls++;
}

static uint32_t rd(struct dev_ref *d, uint64_t off)
{
	uint32_t v;

	d->ops->mmio_read(d->dev, off, &v, 4);
	return v;
}

static void wr(struct dev_ref *d, uint64_t off, uint32_t v)
{
	d->ops->mmio_write(d->dev, off, &v, 4);
}

#define PRIO(s)		(4 * (s))
#define ENABLE(c)	(0x2000 + 0x80 * (c))
#define THRESH(c)	(0x200000 + 0x1000 * (c))
#define CLAIM(c)	(0x200004 + 0x1000 * (c))

int main(void)
{
	struct plic_cfg cfg = { .nharts = 2, .eip = on_eip };
	struct err e = { 0 };
	struct dev_ref d;
	struct plic *p;

	test_assert(plic_create(&cfg, &p, &d, &e) == 0, "create");
	test_assert(d.ops->min_width == 4 && d.ops->max_width == 4, "32-bit registers");
	wr(&d, PRIO(0), 5);
	test_assert(rd(&d, PRIO(0)) == 0, "source 0 has no priority");
	wr(&d, PRIO(3), 9);
	test_assert(rd(&d, PRIO(3)) == 1, "priority keeps 3 bits");
	wr(&d, PRIO(3), 2);
	wr(&d, PRIO(5), 4);
	wr(&d, ENABLE(1), 0xffffffff);
	test_assert(rd(&d, ENABLE(1)) == 0xfffffffe, "source 0 cannot be enabled");
	wr(&d, ENABLE(1), (1u << 3) | (1u << 5));

	plic_set_irq(p, 3, 1);
	test_assert(rd(&d, 0x1000) == 1u << 3, "a high line is pending");
	test_assert(eip[1] == 1 && eip[0] == 0 && eip[3] == 0, "only the enabled context sees it");
	plic_set_irq(p, 5, 1);
	test_assert(rd(&d, CLAIM(1)) == 5, "the higher priority is claimed first");
	test_assert(eip[1] == 1, "source 3 still waits");
	test_assert(rd(&d, CLAIM(1)) == 3, "then the lower");
	test_assert(eip[1] == 0 && rd(&d, 0x1000) == 0, "nothing left pending");
	test_assert(rd(&d, CLAIM(1)) == 0, "an empty claim reads 0");
	plic_set_irq(p, 3, 0);
	wr(&d, CLAIM(1), 3);
	test_assert(eip[1] == 0, "complete of a lowered line: nothing pending");
	wr(&d, CLAIM(1), 5);
	test_assert(eip[1] == 1 && rd(&d, 0x1000) == 1u << 5,
		    "complete of a line still high: pending again");

	wr(&d, THRESH(1), 4);
	test_assert(rd(&d, THRESH(1)) == 4 && eip[1] == 0, "threshold masks priority 4");
	test_assert(rd(&d, CLAIM(1)) == 0, "a masked source cannot be claimed");
	wr(&d, THRESH(1), 3);
	test_assert(eip[1] == 1, "lower threshold unmasks");
	plic_set_irq(p, 5, 0);
	test_assert(eip[1] == 0, "a lowered line before the claim leaves nothing");

	wr(&d, ENABLE(3), 1u << 7);
	wr(&d, PRIO(7), 1);
	plic_set_irq(p, 7, 1);
	test_assert(eip[3] == 1 && eip[1] == 0, "hart 1's S context");
	test_assert(rd(&d, CLAIM(1)) == 0, "not for hart 0");
	test_assert(rd(&d, CLAIM(3)) == 7 && eip[3] == 0, "hart 1 claims it");
	plic_set_irq(p, 7, 0);
	wr(&d, CLAIM(3), 7);

	test_assert(rd(&d, ENABLE(4)) == 0 && rd(&d, CLAIM(4)) == 0, "no context 4");
	wr(&d, PRIO(3) + 2, 0);		/* unaligned: ignored */
	test_assert(rd(&d, PRIO(3)) == 2, "unaligned write ignored");
	plic_set_irq(p, 0, 1);
	plic_set_irq(p, 32, 1);
	plic_set_irq(p, -1, 1);
	test_assert(rd(&d, 0x1000) == 0, "sources outside 1..31 ignored");
	d.ops->reset(d.dev);
	test_assert(rd(&d, PRIO(3)) == 0 && rd(&d, ENABLE(1)) == 0, "reset clears");
	d.ops->destroy(d.dev);
	return test_report();
}
