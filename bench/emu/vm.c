/* a small interpreter: a stack bytecode VM running an iterative and a
 * recursive-by-loop Fibonacci and a prime count */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, DUP, POP, PRINT, HALT };

static int64_t run(const int *code, int64_t *vars)
{
	int64_t st[64], *sp = st, a, b;
	int pc = 0;

	for (;;) {
		switch (code[pc++]) {
		case PUSH: *sp++ = code[pc++]; break;
		case LOAD: *sp++ = vars[code[pc++]]; break;
		case STORE: vars[code[pc++]] = *--sp; break;
		case ADD: b = *--sp; a = *--sp; *sp++ = a + b; break;
		case SUB: b = *--sp; a = *--sp; *sp++ = a - b; break;
		case MUL: b = *--sp; a = *--sp; *sp++ = a * b; break;
		case MOD: b = *--sp; a = *--sp; *sp++ = a % b; break;
		case LT: b = *--sp; a = *--sp; *sp++ = a < b; break;
		case JZ: pc = *--sp ? pc + 1 : code[pc]; break;
		case JMP: pc = code[pc]; break;
		case DUP: sp[0] = sp[-1]; sp++; break;
		case POP: sp--; break;
		case HALT: return vars[0];
		default: return -1;
		}
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000000;
	/* v0 = sum, v1 = i, v2 = a, v3 = b, v4 = n:
	 * while (i < n) { t = a + b; a = b; b = t % 1000003; sum += b * 3 - a; i++ } */
	int code[] = {
		PUSH, 0, STORE, 0, PUSH, 0, STORE, 1, PUSH, 0, STORE, 2, PUSH, 1, STORE, 3,
		/* 16: loop */
		LOAD, 1, LOAD, 4, LT, JZ, 66,
		LOAD, 2, LOAD, 3, ADD,
		LOAD, 3, STORE, 2,
		PUSH, 1000003, MOD, STORE, 3,
		LOAD, 0, LOAD, 3, PUSH, 3, MUL, ADD, LOAD, 2, SUB, STORE, 0,
		LOAD, 1, PUSH, 1, ADD, STORE, 1,
		JMP, 16, HALT, HALT, HALT, HALT, HALT, HALT, HALT,
		/* 66 */
		HALT,
	};
	int64_t vars[8] = { 0 };
	int64_t r;

	vars[4] = n;
	r = run(code, vars);
	printf("%lld\n", (long long)r);
	return 0;
}
