/* SPDX-License-Identifier: MIT */
/*
 * libfuse's high-level API (fuse.h: fuse_main_real, fuse_new, fuse_fs_* ...)
 * and CUSE, exported under libfuse's names and versions so that every
 * libfuse 3 program links and loads; until zcfuse implements them each one
 * says so once and fails (NULL, -ENOSYS, or exit status 1 for
 * fuse_main_real). The high-level implementation replaces this file.
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
FAIL_WITH(fuse_clean_cache, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_destroy, "the high-level API", 0)
FAIL_WITH(fuse_exit, "the high-level API", 0)
FAIL_WITH(fuse_fs_access, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_bmap, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_chmod, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_chown, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_copy_file_range, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_create, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_destroy, "the high-level API", 0)
FAIL_WITH(fuse_fs_fallocate, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_flock, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_flush, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_fsync, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_fsyncdir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_getattr, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_getxattr, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_init, "the high-level API", 0)
FAIL_WITH(fuse_fs_ioctl, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_link, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_listxattr, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_lock, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_lseek, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_mkdir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_mknod, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_new, "the high-level API", 0)
FAIL_WITH(fuse_fs_open, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_opendir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_poll, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_read, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_read_buf, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_readdir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_readlink, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_release, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_releasedir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_removexattr, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_rename, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_rmdir, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_setxattr, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_statfs, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_symlink, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_truncate, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_unlink, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_utimens, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_write, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_fs_write_buf, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_get_context, "the high-level API", 0)
FAIL_WITH(fuse_get_session, "the high-level API", 0)
FAIL_WITH(fuse_getgroups, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_interrupted, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_invalidate_path, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_lib_help, "the high-level API", 0)
FAIL_WITH(fuse_loop, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_loop_mt_31, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_loop_mt_312, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_loop_mt_32, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_main_real, "the high-level API", 1)
FAIL_WITH(fuse_mount, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_new_30, "the high-level API", 0)
FAIL_WITH(fuse_new_31, "the high-level API", 0)
FAIL_WITH(fuse_notify_poll, "the high-level API", 0)
FAIL_WITH(fuse_open_channel, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_start_cleanup_thread, "the high-level API", -ENOSYS)
FAIL_WITH(fuse_stop_cleanup_thread, "the high-level API", 0)
FAIL_WITH(fuse_unmount, "the high-level API", 0)

__asm__(".symver fuse_new_30,fuse_new@FUSE_3.0");
__asm__(".symver fuse_new_31,fuse_new@@FUSE_3.1");
__asm__(".symver fuse_loop_mt_31,fuse_loop_mt@FUSE_3.0");
__asm__(".symver fuse_loop_mt_32,fuse_loop_mt@FUSE_3.2");
__asm__(".symver fuse_loop_mt_312,fuse_loop_mt@@FUSE_3.12");
