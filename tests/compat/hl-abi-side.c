// SPDX-License-Identifier: MIT
/* hl-abi-side.c: one side of the ABI comparison (see hl-abi.h); which
 * fuse.h it sees depends on the include path it is compiled with. */
#define FUSE_USE_VERSION 314
#include <fuse.h>
#include <stddef.h>

#include "hl-abi.h"

#define ROW(type, m) { #type "." #m, offsetof(struct type, m), sizeof(((struct type *)0)->m) },
#define OPS(m) ROW(fuse_operations, m)
#define CONFIG(m) ROW(fuse_config, m)
#define CONTEXT(m) ROW(fuse_context, m)

const struct hl_abi_row HL_ABI_SIDE[] = {
	{ "sizeof(fuse_operations) up to lseek",
	  offsetof(struct fuse_operations, lseek) + sizeof(void *), 0 },
	HL_ABI_OPS(OPS)
	{ "sizeof(fuse_context)", sizeof(struct fuse_context), 0 },
	HL_ABI_CONTEXT(CONTEXT)
	HL_ABI_CONFIG(CONFIG)
	{ "sizeof(fuse_fill_dir_t)", sizeof(fuse_fill_dir_t), 0 },
	{ "FUSE_READDIR_PLUS", FUSE_READDIR_PLUS, 0 },
	{ "FUSE_FILL_DIR_PLUS", FUSE_FILL_DIR_PLUS, 0 },
	{ NULL, 0, 0 },
};
