/* SPDX-License-Identifier: MIT */
/*
 * What libfuse exports and zcfuse's compatibility library does not
 * implement (CUSE), under libfuse's names and versions
 * so that every libfuse 3 program links and loads; each says so once and
 * fails (NULL, -ENOSYS, or exit status 1). The high-level API itself is in
 * compat/hl-*.c.
 */
#include <errno.h>

#include "internal.h"

/* Signatures do not matter here: no caller sees these definitions. */
#define FAIL_WITH(name, feature, value)                 \
	ZCF_COMPAT_API long name(void);                 \
	ZCF_COMPAT_API long name(void)                  \
	{                                               \
		(void)compat_pending(feature);        \
		return value;                           \
	}

FAIL_WITH(cuse_lowlevel_main, "cuse", 1)
FAIL_WITH(cuse_lowlevel_new, "cuse", 0)
FAIL_WITH(cuse_lowlevel_setup, "cuse", 0)
FAIL_WITH(cuse_lowlevel_teardown, "cuse", -ENOSYS)

