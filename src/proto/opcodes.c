/* SPDX-License-Identifier: MIT */
/*
 * The opcode table: one row per opcode the protocol names, with everything
 * the library knows about it (name, fixed argument size, flags, the op and
 * what a request gets without it, the handler). Decoding, framing, counting
 * and the carriers all read this one table.
 */
#include <stddef.h>

#include "proto/proto.h"
#include "proto/handlers.h"

/* ---- The opcode table: everything the library knows about an opcode ---- */

#define OP(member) (uint16_t)(offsetof(struct zcfuse_ops, member) + 1)
#define ARG(type) (int16_t)sizeof(struct type)

const struct zcf_opcode zcf_opcodes[FUSE_OPCODE_MAX] = {
	[FUSE_LOOKUP] = { "LOOKUP", 0, 0, ZCF_DEF_ENOSYS, OP(lookup), zcf_do_lookup },
	[FUSE_FORGET] = { "FORGET", ARG(fuse_forget_in), ZCF_OPF_ANY_USER | ZCF_OPF_NO_REPLY,
			  ZCF_DEF_NONE, OP(forget), zcf_do_forget_op },
	[FUSE_GETATTR] = { "GETATTR", ARG(fuse_getattr_in), 0, ZCF_DEF_ENOSYS, OP(getattr),
			   zcf_do_getattr },
	[FUSE_SETATTR] = { "SETATTR", ARG(fuse_setattr_in), 0, ZCF_DEF_ENOSYS, OP(setattr),
			   zcf_do_setattr },
	[FUSE_READLINK] = { "READLINK", 0, 0, ZCF_DEF_ENOSYS, OP(readlink), zcf_do_readlink },
	[FUSE_SYMLINK] = { "SYMLINK", 0, 0, ZCF_DEF_ENOSYS, OP(symlink), zcf_do_symlink },
	[FUSE_MKNOD] = { "MKNOD", ARG(fuse_mknod_in), 0, ZCF_DEF_ENOSYS, OP(mknod), zcf_do_mknod },
	[FUSE_MKDIR] = { "MKDIR", ARG(fuse_mkdir_in), 0, ZCF_DEF_ENOSYS, OP(mkdir), zcf_do_mkdir },
	[FUSE_UNLINK] = { "UNLINK", 0, 0, ZCF_DEF_ENOSYS, OP(unlink), zcf_do_unlink },
	[FUSE_RMDIR] = { "RMDIR", 0, 0, ZCF_DEF_ENOSYS, OP(rmdir), zcf_do_rmdir },
	[FUSE_RENAME] = { "RENAME", ARG(fuse_rename_in), 0, ZCF_DEF_ENOSYS, OP(rename),
			  zcf_do_rename },
	[FUSE_LINK] = { "LINK", ARG(fuse_link_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			OP(link), zcf_do_link },
	[FUSE_OPEN] = { "OPEN", ARG(fuse_open_in), 0, ZCF_DEF_OPEN, OP(open), zcf_do_open },
	[FUSE_READ] = { "READ", ARG(fuse_read_in), ZCF_OPF_ANY_USER | ZCF_OPF_ON_QUEUE |
			ZCF_OPF_SIZED, ZCF_DEF_ENOSYS, OP(read), zcf_do_read },
	[FUSE_WRITE] = { "WRITE", ARG(fuse_write_in), ZCF_OPF_ANY_USER | ZCF_OPF_ON_QUEUE |
			 ZCF_OPF_SIZED, ZCF_DEF_ENOSYS, OP(write), zcf_do_write },
	[FUSE_STATFS] = { "STATFS", 0, 0, ZCF_DEF_ENOSYS, OP(statfs), zcf_do_statfs },
	[FUSE_RELEASE] = { "RELEASE", ARG(fuse_release_in), ZCF_OPF_ANY_USER | ZCF_OPF_ENDS_FH,
			   ZCF_DEF_HANDLER, 0, zcf_do_release },
	[FUSE_FSYNC] = { "FSYNC", ARG(fuse_fsync_in), ZCF_OPF_ANY_USER | ZCF_OPF_ON_QUEUE,
			 ZCF_DEF_OK, OP(fsync), zcf_do_fsync },
	/* Before FUSE_SETXATTR_EXT the kernel sends only size and flags: zcf_op_arg_size. */
	[FUSE_SETXATTR] = { "SETXATTR", ARG(fuse_setxattr_in), ZCF_OPF_STICKY_ENOSYS,
			    ZCF_DEF_ENOSYS, OP(setxattr), zcf_do_setxattr },
	[FUSE_GETXATTR] = { "GETXATTR", ARG(fuse_getxattr_in), ZCF_OPF_STICKY_ENOSYS,
			    ZCF_DEF_ENOSYS, OP(getxattr), zcf_do_getxattr },
	[FUSE_LISTXATTR] = { "LISTXATTR", ARG(fuse_getxattr_in), ZCF_OPF_STICKY_ENOSYS,
			     ZCF_DEF_ENOSYS, OP(listxattr), zcf_do_listxattr },
	[FUSE_REMOVEXATTR] = { "REMOVEXATTR", 0, ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			       OP(removexattr), zcf_do_removexattr },
	[FUSE_FLUSH] = { "FLUSH", ARG(fuse_flush_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_OK,
			 OP(flush), zcf_do_flush },
	/* 16: major, minor, max_readahead, flags, the oldest form; the rest varies. */
	[FUSE_INIT] = { "INIT", 16, ZCF_OPF_ANY_USER, ZCF_DEF_HANDLER, 0, zcf_do_init },
	[FUSE_OPENDIR] = { "OPENDIR", ARG(fuse_open_in), 0, ZCF_DEF_OPEN, OP(opendir),
			   zcf_do_opendir },
	[FUSE_READDIR] = { "READDIR", ARG(fuse_read_in), ZCF_OPF_ANY_USER, ZCF_DEF_ENOSYS,
			   OP(readdir), zcf_do_readdir },
	[FUSE_RELEASEDIR] = { "RELEASEDIR", ARG(fuse_release_in), ZCF_OPF_ANY_USER,
			      ZCF_DEF_HANDLER, 0, zcf_do_releasedir },
	[FUSE_FSYNCDIR] = { "FSYNCDIR", ARG(fuse_fsync_in), ZCF_OPF_ANY_USER |
			    ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_OK, OP(fsyncdir), zcf_do_fsyncdir },
	[FUSE_GETLK] = { "GETLK", ARG(fuse_lk_in), 0, ZCF_DEF_ENOSYS, OP(getlk), zcf_do_getlk },
	[FUSE_SETLK] = { "SETLK", ARG(fuse_lk_in), 0, ZCF_DEF_HANDLER, 0, zcf_do_setlk },
	[FUSE_SETLKW] = { "SETLKW", ARG(fuse_lk_in), ZCF_OPF_MAY_WAIT, ZCF_DEF_HANDLER, 0, zcf_do_setlkw },
	[FUSE_ACCESS] = { "ACCESS", ARG(fuse_access_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			  OP(access), zcf_do_access },
	[FUSE_CREATE] = { "CREATE", ARG(fuse_create_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			  OP(create), zcf_do_create },
	[FUSE_INTERRUPT] = { "INTERRUPT", ARG(fuse_interrupt_in), ZCF_OPF_ANY_USER |
			     ZCF_OPF_NO_REPLY, ZCF_DEF_HANDLER, 0, zcf_do_interrupt_op },
	[FUSE_BMAP] = { "BMAP", ARG(fuse_bmap_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS, OP(bmap),
			zcf_do_bmap },
	[FUSE_DESTROY] = { "DESTROY", 0, ZCF_OPF_ANY_USER, ZCF_DEF_HANDLER, 0, zcf_do_destroy },
	[FUSE_IOCTL] = { "IOCTL", ARG(fuse_ioctl_in), ZCF_OPF_ANY_USER, ZCF_DEF_ENOSYS, OP(ioctl),
			 zcf_do_ioctl },
	[FUSE_POLL] = { "POLL", ARG(fuse_poll_in), ZCF_OPF_ANY_USER | ZCF_OPF_STICKY_ENOSYS,
			ZCF_DEF_ENOSYS, OP(poll), zcf_do_poll },
	/* The retrieve's fixed part is write_in-sized; see zcf_do_notify_reply. */
	[FUSE_NOTIFY_REPLY] = { "NOTIFY_REPLY", ARG(fuse_notify_retrieve_in), ZCF_OPF_ANY_USER |
				ZCF_OPF_NO_REPLY | ZCF_OPF_ARG_IN_PAYLOAD,
				ZCF_DEF_HANDLER, 0, zcf_do_notify_reply },
	[FUSE_BATCH_FORGET] = { "BATCH_FORGET", ARG(fuse_batch_forget_in), ZCF_OPF_ANY_USER |
				ZCF_OPF_NO_REPLY, ZCF_DEF_HANDLER, 0, zcf_do_batch_forget },
	[FUSE_FALLOCATE] = { "FALLOCATE", ARG(fuse_fallocate_in), ZCF_OPF_ON_QUEUE |
			     ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS, OP(fallocate), zcf_do_fallocate },
	[FUSE_READDIRPLUS] = { "READDIRPLUS", ARG(fuse_read_in), ZCF_OPF_ANY_USER,
			       ZCF_DEF_ENOSYS, OP(readdirplus), zcf_do_readdirplus },
	[FUSE_RENAME2] = { "RENAME2", ARG(fuse_rename2_in), 0, ZCF_DEF_ENOSYS, OP(rename),
			   zcf_do_rename2 },
	[FUSE_LSEEK] = { "LSEEK", ARG(fuse_lseek_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			 OP(lseek), zcf_do_lseek },
	[FUSE_COPY_FILE_RANGE] = { "COPY_FILE_RANGE", ARG(fuse_copy_file_range_in),
				   ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS, OP(copy_file_range),
				   zcf_do_copy_file_range },
	/* DAX windows exist only for virtio-fs, never on /dev/fuse: ENOSYS. */
	[FUSE_SETUPMAPPING] = { "SETUPMAPPING", -1, 0, ZCF_DEF_ENOSYS, 0, NULL },
	[FUSE_REMOVEMAPPING] = { "REMOVEMAPPING", -1, 0, ZCF_DEF_ENOSYS, 0, NULL },
	[FUSE_SYNCFS] = { "SYNCFS", ARG(fuse_syncfs_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			  OP(syncfs), zcf_do_syncfs },
	[FUSE_TMPFILE] = { "TMPFILE", ARG(fuse_create_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS,
			   OP(tmpfile), zcf_do_tmpfile },
	[FUSE_STATX] = { "STATX", ARG(fuse_statx_in), ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_HANDLER, 0,
			 zcf_do_statx },
	[FUSE_COPY_FILE_RANGE_64] = { "COPY_FILE_RANGE_64", ARG(fuse_copy_file_range_in),
				      ZCF_OPF_STICKY_ENOSYS, ZCF_DEF_ENOSYS, OP(copy_file_range),
				      zcf_do_copy_file_range_64 },
};

/*
 * Numbers the protocol does not name: framed, then answered ENOSYS. SIZED
 * with no handler: nothing counts them (a counter set has no slot for them).
 */
static const struct zcf_opcode unknown_row = { "UNKNOWN", -1, ZCF_OPF_SIZED, ZCF_DEF_ENOSYS, 0,
					       NULL };

const struct zcf_opcode *zcf_opcode_row(uint32_t opcode)
{
	const struct zcf_opcode *d = zcf_opcode(opcode);

	return d ? d : &unknown_row;
}

const struct zcf_opcode *zcf_opcode(uint32_t opcode)
{
	if (opcode >= FUSE_OPCODE_MAX || !zcf_opcodes[opcode].name)
		return NULL;
	return &zcf_opcodes[opcode];
}

const char *zcf_opcode_name(uint32_t opcode)
{
	const struct zcf_opcode *d = zcf_opcode(opcode);

	return d ? d->name : "UNKNOWN";
}
