/* malloc: many small and large allocations (brk and mmap), realloc,
 * free in a scrambled order; prints a checksum of the contents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 20000

int main(void)
{
	static unsigned char *p[N];
	static size_t len[N];
	unsigned long sum = 0, seed = 12345;
	int i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			len[i] = (seed >> 33) % (i % 100 == 0 ? 300000 : 200) + 1;
			p[i] = malloc(len[i]);
			if (!p[i])
				return 1;
			memset(p[i], (int)(i + round), len[i]);
		}
		for (i = 0; i < N; i += 3) {
			p[i] = realloc(p[i], len[i] * 2);
			memset(p[i] + len[i], 7, len[i]);
			len[i] *= 2;
		}
		for (i = 0; i < N; i++) {
			int j = (i * 7919) % N;

			sum = sum * 31 + p[j][len[j] - 1] + len[j];
			free(p[j]);
		}
	}
	printf("checksum %lu\n", sum);
	return 0;
}
