/* compute: integer, floating point and string work with a checksum;
 * exits with the low bits of it so the exit code is compared too. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t sieve(int n)
{
	char *c = calloc(n + 1, 1);
	uint64_t s = 0;
	int i, j;

	for (i = 2; i <= n; i++) {
		if (c[i])
			continue;
		s += (uint64_t)i * i;
		for (j = 2 * i; j <= n; j += i)
			c[j] = 1;
	}
	free(c);
	return s;
}

static double series(int n)
{
	double s = 0;
	int k;

	for (k = 0; k < n; k++)
		s += (k % 2 ? -1.0 : 1.0) / (2 * k + 1) + sqrt((double)k) * 1e-9;
	return 4 * s;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	static char words[2000][16];
	static char *w[2000];
	uint64_t h = 1469598103934665603ULL;
	int32_t d = -7;
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(words[i], sizeof(words[i]), "w%x", (unsigned)(i * 2654435761u));
		w[i] = words[i];
	}
	qsort(w, 2000, sizeof(w[0]), cmp);
	for (i = 0; i < 2000; i++) {
		const char *s;

		for (s = w[i]; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	}
	printf("sieve %llu\n", (unsigned long long)sieve(200000));
	printf("pi %.12f\n", series(1000000));
	printf("fnv %016llx\n", (unsigned long long)h);
	printf("div %d %d\n", d / 2, d % 2);
	printf("float %.6g %.6g %.6g\n", sinf(1.0f), exp(2.5), fmod(10.5, 3.0));
	return (int)(h & 0x3f);
}
