/* integer: CRC-32 (table-driven) and FNV-1a over a 1 MiB buffer, repeated */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N (1 << 20)

int main(int argc, char **argv)
{
	static uint8_t buf[N];
	uint32_t table[256], crc = 0, fnv = 2166136261u, x = 12345;
	int rounds = argc > 1 ? atoi(argv[1]) : 120, i, k, r;

	for (i = 0; i < 256; i++) {
		uint32_t c = i;

		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = x >> 16;
	}
	for (r = 0; r < rounds; r++) {
		crc = ~crc;
		for (i = 0; i < N; i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
		crc = ~crc;
		for (i = 0; i < N; i += 4)
			fnv = (fnv ^ buf[i]) * 16777619u;
	}
	printf("crc %08x fnv %08x\n", crc, fnv);
	return 0;
}
