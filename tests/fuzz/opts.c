/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the command line (zcf_parse_cmdline): the input, split at NUL
 * bytes, is argv after the program name; the filesystem takes one
 * positional argument and the options "size=" and "flag". Whatever the
 * result, zcf_config_free() must leave nothing behind (LeakSanitizer).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_ARGS 64

static int fs_arg(void *userdata, int index, const char *arg)
{
	return arg[0] == '!' ? -ENOENT : 0;
}

static int fs_opt(void *userdata, const char *key, const char *value)
{
	if (!strcmp(key, "size"))
		return value && *value ? 0 : -EINVAL;
	if (!strcmp(key, "flag"))
		return value ? -EINVAL : 0;
	return -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct zcfuse_session_opts opts = {
		.sz = sizeof(opts), .args_usage = "SOURCE", .nr_args = 1,
		.arg = fs_arg, .opt = fs_opt, .opt_help = "    -o size=N\n",
	};
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 1], *p;
	struct zcf_config cfg;
	int argc = 1;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = (char *)"fuzz";
	for (p = copy; p <= copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	zcf_parse_cmdline(argc, argv, &opts, NULL, &cfg);
	zcf_config_free(&cfg);
	free(copy);
	return 0;
}
