/* memory-bound: quicksort of 4M integers and a streaming triad over 3 arrays */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N (4 << 20)

static void qsort_u32(uint32_t *a, long lo, long hi)
{
	while (lo < hi) {
		uint32_t p = a[lo + (hi - lo) / 2], t;
		long i = lo, j = hi;

		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				t = a[i], a[i] = a[j], a[j] = t;
				i++, j--;
			}
		}
		if (j - lo < hi - i) {
			qsort_u32(a, lo, j);
			lo = i;
		} else {
			qsort_u32(a, i, hi);
			hi = j;
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t *a = malloc(N * sizeof(*a)), x = 1;
	uint64_t *p = malloc(N * sizeof(*p)), *q = malloc(N * sizeof(*q)), *r = malloc(N * sizeof(*r));
	int rounds = argc > 1 ? atoi(argv[1]) : 10, i, k;
	uint64_t sum = 0;

	for (i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		a[i] = x;
		p[i] = i, q[i] = x;
	}
	qsort_u32(a, 0, N - 1);
	for (i = 1; i < N; i++)
		if (a[i - 1] > a[i])
			return 1;
	for (k = 0; k < rounds; k++) {
		for (i = 0; i < N; i++)
			r[i] = p[i] + 3 * q[i];
		for (i = 0; i < N; i++)
			p[i] = r[i] ^ q[i];
	}
	for (i = 0; i < N; i += 1024)
		sum += p[i] + a[i];
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}
