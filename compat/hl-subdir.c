// SPDX-License-Identifier: MIT
/* hl-subdir.c: the subdir module (-o modules=subdir,subdir=DIR). */
#include "hl-int.h"

struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next);

struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next)
{
	(void)args;
	(void)next;
	fuse_log(FUSE_LOG_ERR, "fuse: module subdir is not available yet\n");
	return NULL;
}
