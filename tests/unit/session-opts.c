/* SPDX-License-Identifier: MIT */
/*
 * zcfuse_session_new() and the sized options struct (libbpf's rule): a
 * caller built against a newer header may pass a larger struct; bytes past
 * what this library knows must be zero, else -EINVAL, never silently ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zcfuse/zcfuse.h>

#include "test.h"

static const struct zcfuse_ops no_ops;

/* A "newer" options struct: today's fields, then one this library lacks. */
struct newer_opts {
	struct zcfuse_session_opts base;
	unsigned long future_field;
};

static int try_new(const struct zcfuse_session_opts *opts)
{
	char *argv[] = { "session-opts", "-V", NULL };
	struct zcfuse_session *se = NULL;
	int err;

	/* -V prints the version and returns 1 without mounting anything. */
	fflush(stdout);
	err = zcfuse_session_new(2, argv, &no_ops, sizeof(no_ops), opts, NULL, &se);
	if (se)
		zcfuse_session_destroy(se);
	return err;
}

int main(void)
{
	ZCFUSE_OPTS(zcfuse_session_opts, plain, .nr_args = 0);
	struct newer_opts newer;

	T_EQ(plain.sz, sizeof(struct zcfuse_session_opts), "ZCFUSE_OPTS sets sz");
	T_EQ(try_new(&plain), 1, "today's struct is taken");
	T_EQ(try_new(NULL), 1, "no options struct is taken");

	memset(&newer, 0, sizeof(newer));
	newer.base.sz = sizeof(newer);
	T_EQ(try_new(&newer.base), 1, "a larger struct whose extra bytes are zero is taken");

	newer.future_field = 1;
	T_EQ(try_new(&newer.base), -EINVAL, "a set field this library does not know is refused");

	newer.future_field = 0;
	newer.base.sz = 3; /* smaller than the size field itself */
	T_EQ(try_new(&newer.base), -EINVAL, "a size smaller than the sz field is refused");
	return t_exit("session-opts");
}
