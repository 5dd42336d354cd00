/* SPDX-License-Identifier: MIT */
/*
 * The "-o" options that change what INIT asks of the kernel, with libfuse's
 * names (writeback_cache, no_remote_lock, readdirplus=, ...). They are
 * collected as bits to turn on and off, applied before the filesystem's own
 * init op, which sees them and may change them (libfuse's model).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static const struct {
	const char *name;
	unsigned on, off;
} cap_opts[] = {
	{ "writeback_cache", ZCFUSE_CAP_WRITEBACK_CACHE, 0 },
	{ "no_writeback_cache", 0, ZCFUSE_CAP_WRITEBACK_CACHE },
	{ "auto_inval_data", ZCFUSE_CAP_AUTO_INVAL_DATA, ZCFUSE_CAP_EXPLICIT_INVAL_DATA },
	{ "no_auto_inval_data", 0, ZCFUSE_CAP_AUTO_INVAL_DATA },
	{ "explicit_inval_data", ZCFUSE_CAP_EXPLICIT_INVAL_DATA, ZCFUSE_CAP_AUTO_INVAL_DATA },
	{ "async_dio", ZCFUSE_CAP_ASYNC_DIO, 0 },
	{ "no_async_dio", 0, ZCFUSE_CAP_ASYNC_DIO },
	{ "parallel_dirops", ZCFUSE_CAP_PARALLEL_DIROPS, 0 },
	{ "no_parallel_dirops", 0, ZCFUSE_CAP_PARALLEL_DIROPS },
	{ "cache_symlinks", ZCFUSE_CAP_CACHE_SYMLINKS, 0 },
	{ "no_cache_symlinks", 0, ZCFUSE_CAP_CACHE_SYMLINKS },
	{ "atomic_o_trunc", ZCFUSE_CAP_ATOMIC_O_TRUNC, 0 },
	{ "no_remote_lock", 0, ZCFUSE_CAP_POSIX_LOCKS | ZCFUSE_CAP_FLOCK_LOCKS },
	{ "no_remote_posix_lock", 0, ZCFUSE_CAP_POSIX_LOCKS },
	{ "no_remote_flock", 0, ZCFUSE_CAP_FLOCK_LOCKS },
	{ "direct_io_allow_mmap", ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP, 0 },
	{ "handle_killpriv_v2", ZCFUSE_CAP_HANDLE_KILLPRIV_V2, 0 },
	{ "posix_acl", ZCFUSE_CAP_POSIX_ACL, 0 },
	{ "dont_mask", ZCFUSE_CAP_DONT_MASK, 0 },
};

int zcf_parse_conn_opt(struct zcf_config *cfg, const char *opt, const char *val)
{
	size_t i;

	for (i = 0; i < sizeof(cap_opts) / sizeof(cap_opts[0]); i++) {
		if (strcmp(opt, cap_opts[i].name))
			continue;
		if (val) {
			fprintf(stderr, "zcfuse: option %s takes no value\n", opt);
			return -EINVAL;
		}
		cfg->cap_on = (cfg->cap_on & ~cap_opts[i].off) | cap_opts[i].on;
		cfg->cap_off = (cfg->cap_off & ~cap_opts[i].on) | cap_opts[i].off;
		return 0;
	}
	if (!strcmp(opt, "readdirplus")) {
		const unsigned both = ZCFUSE_CAP_READDIRPLUS | ZCFUSE_CAP_READDIRPLUS_AUTO;

		cfg->cap_on &= ~both;
		cfg->cap_off &= ~both;
		if (val && !strcmp(val, "yes"))
			cfg->cap_on |= ZCFUSE_CAP_READDIRPLUS, cfg->cap_off |= ZCFUSE_CAP_READDIRPLUS_AUTO;
		else if (val && !strcmp(val, "no"))
			cfg->cap_off |= both;
		else if (val && !strcmp(val, "auto"))
			cfg->cap_on |= both;
		else {
			fprintf(stderr, "zcfuse: option readdirplus=%s: expected yes, no or auto\n",
				val ? val : "");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(opt, "request_timeout")) {
		char *end;
		unsigned long v;

		v = val && *val && *val != '-' ? strtoul(val, &end, 10) : 0;
		if (!val || !*val || *val == '-' || *end || v > 65535) {
			fprintf(stderr, "zcfuse: option request_timeout=%s: expected seconds "
					"from 0 to 65535\n", val ? val : "");
			return -EINVAL;
		}
		cfg->request_timeout = (unsigned)v;
		return 0;
	}
	return -ENOENT;
}

const char zcf_conn_opts_help[] =
	"    -o [no_]writeback_cache  kernel write-back cache\n"
	"    -o [no_]auto_inval_data, explicit_inval_data\n"
	"                           when the kernel drops cached file data\n"
	"    -o readdirplus=yes|no|auto  directory listings with attributes\n"
	"    -o [no_]async_dio, [no_]parallel_dirops, [no_]cache_symlinks,\n"
	"       atomic_o_trunc, direct_io_allow_mmap, handle_killpriv_v2,\n"
	"       posix_acl, dont_mask  INIT flags (see zcfuse.h: ZCFUSE_CAP_*)\n"
	"    -o no_remote_lock, no_remote_posix_lock, no_remote_flock\n"
	"                           keep locks in the kernel, not the filesystem\n"
	"    -o request_timeout=S   kernel aborts the connection when a request\n"
	"                           waits longer than S seconds (Linux 6.14+)\n";
