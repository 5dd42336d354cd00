/* SPDX-License-Identifier: MIT */
/*
 * Framing: where a request's fixed argument and variable data are, with
 * every length checked against what was really received. The kernel is
 * trusted to be sane, but a bug here must never read past a buffer.
 */
#include <errno.h>
#include <string.h>

#include "core/internal.h"

/* Size of each opcode's fixed argument; -1: not served (ENOSYS). */
static const int16_t op_arg_size[FUSE_OPCODE_MAX] = {
	[0] = -1,
	[FUSE_LOOKUP] = 0,
	[FUSE_FORGET] = sizeof(struct fuse_forget_in),
	[FUSE_GETATTR] = sizeof(struct fuse_getattr_in),
	[FUSE_SETATTR] = sizeof(struct fuse_setattr_in),
	[FUSE_READLINK] = 0,
	[FUSE_SYMLINK] = 0,
	[7] = -1,
	[FUSE_MKNOD] = sizeof(struct fuse_mknod_in),
	[FUSE_MKDIR] = sizeof(struct fuse_mkdir_in),
	[FUSE_UNLINK] = 0,
	[FUSE_RMDIR] = 0,
	[FUSE_RENAME] = sizeof(struct fuse_rename_in),
	[FUSE_LINK] = sizeof(struct fuse_link_in),
	[FUSE_OPEN] = sizeof(struct fuse_open_in),
	[FUSE_READ] = sizeof(struct fuse_read_in),
	[FUSE_WRITE] = sizeof(struct fuse_write_in),
	[FUSE_STATFS] = 0,
	[FUSE_RELEASE] = sizeof(struct fuse_release_in),
	[19] = -1,
	[FUSE_FSYNC] = sizeof(struct fuse_fsync_in),
	[FUSE_SETXATTR] = sizeof(struct fuse_setxattr_in), /* see zcf_op_arg_size */
	[FUSE_GETXATTR] = sizeof(struct fuse_getxattr_in),
	[FUSE_LISTXATTR] = sizeof(struct fuse_getxattr_in),
	[FUSE_REMOVEXATTR] = 0,
	[FUSE_FLUSH] = sizeof(struct fuse_flush_in),
	[FUSE_INIT] = 16, /* major, minor, max_readahead, flags: the oldest form */
	[FUSE_OPENDIR] = sizeof(struct fuse_open_in),
	[FUSE_READDIR] = sizeof(struct fuse_read_in),
	[FUSE_RELEASEDIR] = sizeof(struct fuse_release_in),
	[FUSE_FSYNCDIR] = sizeof(struct fuse_fsync_in),
	[FUSE_GETLK] = -1,
	[FUSE_SETLK] = -1,
	[FUSE_SETLKW] = -1,
	[FUSE_ACCESS] = sizeof(struct fuse_access_in),
	[FUSE_CREATE] = sizeof(struct fuse_create_in),
	[FUSE_INTERRUPT] = sizeof(struct fuse_interrupt_in),
	[FUSE_BMAP] = -1,
	[FUSE_DESTROY] = 0,
	[FUSE_IOCTL] = -1,
	[FUSE_POLL] = -1,
	[FUSE_NOTIFY_REPLY] = 0,
	[FUSE_BATCH_FORGET] = sizeof(struct fuse_batch_forget_in),
	[FUSE_FALLOCATE] = sizeof(struct fuse_fallocate_in),
	[FUSE_READDIRPLUS] = sizeof(struct fuse_read_in),
	[FUSE_RENAME2] = sizeof(struct fuse_rename2_in),
	[FUSE_LSEEK] = sizeof(struct fuse_lseek_in),
	[FUSE_COPY_FILE_RANGE] = sizeof(struct fuse_copy_file_range_in),
	[FUSE_SETUPMAPPING] = -1,
	[FUSE_REMOVEMAPPING] = -1,
	[FUSE_SYNCFS] = -1,
	[FUSE_TMPFILE] = -1,
	[FUSE_STATX] = -1,
	[FUSE_COPY_FILE_RANGE_64] = -1,
};

int zcf_op_arg_size(uint32_t opcode, bool setxattr_ext)
{
	if (opcode >= FUSE_OPCODE_MAX || op_arg_size[opcode] < 0)
		return -ENOSYS;
	if (opcode == FUSE_SETXATTR && !setxattr_ext)
		return FUSE_COMPAT_SETXATTR_IN_SIZE;
	return op_arg_size[opcode];
}

int zcf_frame_classic(struct zcfuse_req *req, const void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;
	size_t body, ext;
	int fixed;

	if (len < sizeof(*in))
		return -EPROTO;
	memcpy(&req->in, in, sizeof(*in));
	if (in->len != len)
		return -EPROTO;
	body = len - sizeof(*in);
	ext = (size_t)in->total_extlen * 8;
	if (ext > body)
		return -EPROTO;
	body -= ext; /* extensions (security context, groups) are not used */
	req->ctx.uid = in->uid;
	req->ctx.gid = in->gid;
	req->ctx.pid = in->pid;
	req->ctx.umask = 0;
	req->arg = (const char *)buf + sizeof(*in);
	fixed = zcf_op_arg_size(in->opcode, req->se ? req->se->conn.setxattr_ext : true);
	if (fixed < 0) { /* unknown: still framed, dispatch answers ENOSYS */
		req->arg_len = 0;
		req->data = req->arg;
		req->data_len = body;
		return 0;
	}
	if (body < (size_t)fixed)
		return -EINVAL;
	if (in->opcode == FUSE_INIT) /* variable size by protocol version */
		fixed = (int)body;
	req->arg_len = (size_t)fixed;
	req->data = (const char *)req->arg + fixed;
	req->data_len = body - (size_t)fixed;
	return 0;
}
