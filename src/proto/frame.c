/* SPDX-License-Identifier: MIT */
/*
 * Framing: where a request's fixed argument and variable data are, with
 * every length checked against what was really received. The kernel is
 * trusted to be sane, but a bug here must never read past a buffer.
 */
#include <errno.h>
#include <string.h>

#include "proto/proto.h"

int zcf_row_arg_size(const struct zcf_opcode *d, bool setxattr_ext)
{
	if (d->arg_size < 0)
		return -ENOSYS;
	if (d == &zcf_opcodes[FUSE_SETXATTR] && !setxattr_ext)
		return FUSE_COMPAT_SETXATTR_IN_SIZE;
	return d->arg_size;
}

int zcf_op_arg_size(uint32_t opcode, bool setxattr_ext)
{
	return zcf_row_arg_size(zcf_opcode_row(opcode), setxattr_ext);
}

int zcf_frame_classic(struct zcfuse_req *req, const void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;
	size_t body, ext;
	int fixed;

	if (len < sizeof(*in))
		return -EPROTO;
	memcpy(&req->in, in, sizeof(*in));
	req->op = zcf_opcode_row(in->opcode);
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
	fixed = zcf_row_arg_size(req->op, req->pc ? req->pc->conn.setxattr_ext : true);
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
