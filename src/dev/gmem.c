#include "dev/gmem.h"

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < m->n; i++) {
		const struct gmem_region *r = &m->r[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (!len || len > r->size - (gpa - r->gpa))
			return 0;
		return r->host + (gpa - r->gpa);
	}
	return 0;
}
