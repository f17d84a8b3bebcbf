/*
 * test -- the unit test runner, in the spirit of Redis's testhelp.h.
 *
 *	test_assert(x == 1, "x starts at one");
 *	...
 *	return test_report();
 *
 * A failed check prints its sentence with file and line and the suite
 * goes on.  test_report() prints the one line CI reads,
 * "unit: N passed, N failed", and returns nonzero when anything failed,
 * so main() can return it as its exit status.
 */
#ifndef STRATA_TESTS_UNIT_TEST_H
#define STRATA_TESTS_UNIT_TEST_H

#include <stdio.h>

static int test_passed;
static int test_failed;

#define test_assert(cond, sentence)					\
	do {								\
		if (cond) {						\
			test_passed++;					\
		} else {						\
			test_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s (%s)\n",	\
				__FILE__, __LINE__, sentence, #cond);	\
		}							\
	} while (0)

static inline int test_report(void)
{
	printf("unit: %d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
