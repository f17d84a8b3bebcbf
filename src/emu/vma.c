/*
 * vma -- guest address ranges: a sorted array of disjoint intervals.
 * Programs hold tens to a few thousand mappings, so linear updates are
 * fine; lookups are a binary search.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/vma.h"

static int vma_grow(struct vma_set *s, int need)
{
	struct vma_range *v;
	int cap;

	if (s->n + need <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 32;
	while (cap < s->n + need)
		cap *= 2;
	v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

/* First index whose range ends after @addr. */
static int vma_find(const struct vma_set *s, uint64_t addr)
{
	int lo = 0, hi = s->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (s->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vma_clip_next(const struct vma_set *s, int *pos, uint64_t lo, uint64_t hi,
		  uint64_t *ps, uint64_t *pe)
{
	int i = *pos ? *pos : vma_find(s, lo);

	if (i >= s->n || s->v[i].start >= hi || lo >= hi)
		return 0;
	*ps = s->v[i].start > lo ? s->v[i].start : lo;
	*pe = s->v[i].end < hi ? s->v[i].end : hi;
	*pos = i + 1;
	return 1;
}

int vma_remove(struct vma_set *s, uint64_t start, uint64_t end)
{
	int i, j;

	if (start >= end)
		return 0;
	i = vma_find(s, start);
	if (i < s->n && s->v[i].start < start && s->v[i].end > end) {
		/* a hole in the middle of one range: split it */
		if (vma_grow(s, 1) < 0)
			return -ENOMEM;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->n++;
		s->v[i].end = start;
		s->v[i + 1].start = end;
		return 0;
	}
	if (i < s->n && s->v[i].start < start) {
		s->v[i].end = start;
		i++;
	}
	for (j = i; j < s->n && s->v[j].end <= end; j++)
		;
	if (j < s->n && s->v[j].start < end)
		s->v[j].start = end;
	memmove(&s->v[i], &s->v[j], (s->n - j) * sizeof(*s->v));
	s->n -= j - i;
	return 0;
}

int vma_add(struct vma_set *s, uint64_t start, uint64_t end)
{
	int i, j;

	if (start >= end)
		return 0;
	/* ranges that touch or overlap [start, end) merge into one */
	i = start ? vma_find(s, start - 1) : 0;
	if (i < s->n && s->v[i].end < start)
		i++;
	for (j = i; j < s->n && s->v[j].start <= end; j++) {
		if (s->v[j].start < start)
			start = s->v[j].start;
		if (s->v[j].end > end)
			end = s->v[j].end;
	}
	if (j == i) {
		if (vma_grow(s, 1) < 0)
			return -ENOMEM;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->n++;
	} else if (j > i + 1) {
		memmove(&s->v[i + 1], &s->v[j], (s->n - j) * sizeof(*s->v));
		s->n -= j - i - 1;
	}
	s->v[i].start = start;
	s->v[i].end = end;
	return 0;
}

int vma_covers(const struct vma_set *s, uint64_t start, uint64_t end)
{
	int i;

	if (start >= end)
		return 1;
	i = vma_find(s, start);
	return i < s->n && s->v[i].start <= start && s->v[i].end >= end;
}

/* Does any host mapping overlap [start, end) outside the guest's ranges? */
int vma_free_or_guest(const struct vma_set *s, uint64_t start, uint64_t end)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ok = 1;

	if (vma_covers(s, start, end))
		return 1;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (ok && getline(&line, &cap, f) > 0) {
		uint64_t a, b, x, y;
		int i;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &a, &b) != 2)
			continue;
		x = a > start ? a : start;
		y = b < end ? b : end;
		if (x >= y)
			continue;
		/* [x, y) is mapped by someone: it must be all the guest's */
		i = vma_find(s, x);
		while (x < y && i < s->n && s->v[i].start <= x) {
			x = s->v[i].end;
			i++;
		}
		if (x < y)
			ok = 0;
	}
	free(line);
	fclose(f);
	return ok;
}

void vma_free(struct vma_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
