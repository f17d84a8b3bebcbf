/* strings: word count, word-length histogram and strstr over generated text */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (8 << 20)

int main(int argc, char **argv)
{
	static const char *dict[] = { "the", "quick", "brown", "fox", "jumps", "over",
				      "lazy", "dog", "strata", "riscv", "translate", "block" };
	int rounds = argc > 1 ? atoi(argv[1]) : 6, r, hist[32] = { 0 };
	char *text = malloc(N + 64), *s;
	unsigned x = 1, words = 0, lines = 0, hits = 0;
	size_t len = 0;

	while (len < N) {
		const char *w = dict[((x = x * 1664525 + 1013904223) >> 28) % 12];
		size_t l = strlen(w);

		memcpy(text + len, w, l);
		len += l;
		text[len++] = (x >> 8) % 13 == 0 ? '\n' : ' ';
	}
	text[len] = 0;
	for (r = 0; r < rounds; r++) {
		int in = 0, wl = 0;

		for (s = text; *s; s++) {
			if (*s == '\n')
				lines++;
			if (isspace((unsigned char)*s)) {
				if (in)
					hist[wl & 31]++;
				in = 0;
			} else {
				if (!in)
					words++, wl = 0;
				in = 1;
				wl++;
			}
		}
		for (s = text; (s = strstr(s, r & 1 ? "fox jumps" : "lazy dog")); s++)
			hits++;
	}
	printf("%u words %u lines %u hits %d %d\n", words, lines, hits, hist[3], hist[5]);
	return 0;
}
