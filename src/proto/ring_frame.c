/* SPDX-License-Identifier: MIT */
/*
 * Framing of a FUSE-over-io_uring entry: where the request's fixed argument
 * (the entry's op area) and its variable data (the payload buffer, or a
 * slot of the queue's buffer pool) are. On plain pointers, so that it can
 * be tested and fuzzed without a ring.
 */
#include <errno.h>
#include <string.h>

#include "core/internal.h"

int zcf_frame_ring(struct zcfuse_req *req, const struct zcf_ring_frame *f, const char **why)
{
	const struct fuse_uring_ent_in_out *eio = &f->hdr->ring_ent_in_out;
	int fixed;

	*why = NULL;
	memcpy(&req->in, f->hdr->in_out, sizeof(req->in));
	req->ctx.uid = req->in.uid;
	req->ctx.gid = req->in.gid;
	req->ctx.pid = req->in.pid;
	req->arg = f->hdr->op_in;
	req->payload_size = f->slot_size;
	if (f->pool) {
		if ((size_t)eio->offset + f->slot_size > f->pool_size)
			return -EPROTO;
		req->payload = f->pool + eio->offset;
	} else {
		req->payload = f->own_payload;
	}
	if (eio->flags & FUSE_URING_ENT_ZERO_COPY) {
		req->flags |= ZCF_REQ_ZERO_COPY;
		req->data = NULL;
		req->data_len = eio->payload_sz;
	} else {
		if (eio->payload_sz > f->slot_size)
			return -EPROTO;
		req->data = req->payload;
		req->data_len = eio->payload_sz;
	}
	fixed = zcf_op_arg_size(req->in.opcode, f->setxattr_ext);
	if (fixed > FUSE_URING_OP_IN_OUT_SZ)
		return -EPROTO;
	req->arg_len = fixed > 0 ? (size_t)fixed : 0;
	if (req->in.len < sizeof(req->in) + req->arg_len)
		return -EPROTO;
	return 0;
}
