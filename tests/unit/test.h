/* SPDX-License-Identifier: MIT */
/*
 * Tiny helpers for zcfuse's unit tests: a failed check prints where and why
 * and counts; the program exits 1 if any check failed (0 otherwise, 77 to skip).
 */
#ifndef ZCFUSE_TESTS_UNIT_TEST_H
#define ZCFUSE_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <stdlib.h>

static int t_failures;

#define T_CHECK(cond, ...)                                                          \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stdout, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
				#cond);                                             \
			fprintf(stdout, __VA_ARGS__);                               \
			fputc('\n', stdout);                                        \
			t_failures++;                                               \
		}                                                                   \
	} while (0)

#define T_EQ(a, b, ...)                                                             \
	do {                                                                        \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);              \
		if (t_a_ != t_b_) {                                                 \
			fprintf(stdout, "%s:%d: %s == %lld, expected %s == %lld: ",   \
				__FILE__, __LINE__, #a, t_a_, #b, t_b_);             \
			fprintf(stdout, __VA_ARGS__);                               \
			fputc('\n', stdout);                                        \
			t_failures++;                                               \
		}                                                                   \
	} while (0)

static inline int t_exit(const char *name)
{
	if (t_failures) {
		printf("%s: %d check(s) failed\n", name, t_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

#endif
