/* branchy: a sieve of Eratosthenes and an unbalanced binary search tree */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct node { uint32_t key; struct node *l, *r; };

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000000, i, j, primes = 0, found = 0;
	char *sieve = calloc(n + 1, 1);
	int nn = 1 << 18;
	struct node *pool = calloc(nn, sizeof(*pool)), *root = NULL;
	uint32_t x = 7;

	for (i = 2; (long)i * i <= n; i++)
		if (!sieve[i])
			for (j = i * i; j <= n; j += i)
				sieve[j] = 1;
	for (i = 2; i <= n; i++)
		primes += !sieve[i];
	for (i = 0; i < nn; i++) {
		struct node **pp = &root;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		while (*pp)
			pp = x < (*pp)->key ? &(*pp)->l : &(*pp)->r;
		pool[i].key = x;
		*pp = &pool[i];
	}
	for (i = 0; i < nn; i++) {
		struct node *t = root;
		uint32_t k = pool[(int)((long)i * 7919 % nn)].key ^ (i & 1);

		while (t && t->key != k)
			t = k < t->key ? t->l : t->r;
		found += t != NULL;
	}
	printf("%d primes, %d found\n", primes, found);
	return 0;
}
