/* SPDX-License-Identifier: MIT */
/*
 * Framing of a FUSE-over-io_uring entry: where the request's fixed argument
 * (the entry's op area) and its variable data (the payload buffer, or a
 * slot of the queue's buffer pool) are. On plain pointers, so that it can
 * be tested and fuzzed without a ring.
 *
 * The kernel fills an entry so (fs/fuse/dev_uring.c, 6.14 to 7.3): in.len
 * is the header plus every in-argument; the first in-argument (the op's
 * fixed struct, possibly empty) goes to the op area, all the others to the
 * payload, and payload_sz counts them (for a zero-copy WRITE it counts the
 * pages it did not copy); commit_id is the request's unique; offset is the
 * pool slot's place (0 without a pool); the zero-copy flag marks READ and
 * WRITE page data on a zero-copy queue only. The memory is shared with the
 * kernel, so nothing is taken on trust: an entry that breaks any of this
 * is refused, and the request is answered with an error.
 */
#include <errno.h>
#include <string.h>

#include "proto/proto.h"

/*
 * Sent on /dev/fuse only (INIT comes before any ring; forgets and
 * interrupts have their own queues): on a ring they would be answered or
 * dispatched wrongly. NOTIFY_REPLY may come either way.
 */
static bool never_on_ring(uint32_t opcode)
{
	return opcode == FUSE_INIT || opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET ||
	       opcode == FUSE_INTERRUPT;
}

static int check(const struct zcf_ring_frame *f, const struct fuse_in_header *in,
		 const struct fuse_uring_ent_in_out *eio, struct zcfuse_req *req, const char **why)
{
	const size_t hlen = sizeof(*in);
	size_t op_len, ext = (size_t)in->total_extlen * 8;
	bool zc = eio->flags & FUSE_URING_ENT_ZERO_COPY;
	int fixed;

#define REFUSE(what) do { *why = what; return -EPROTO; } while (0)
	if (eio->flags & ~(uint64_t)FUSE_URING_ENT_ZERO_COPY)
		REFUSE("unknown ring entry flags");
	if (!in->unique || eio->commit_id != in->unique)
		REFUSE("commit id does not match the request's unique");
	if (never_on_ring(in->opcode))
		REFUSE("opcode is never sent on a ring");
	if (f->pool) {
		if (!f->slot_size || eio->offset % f->slot_size ||
		    (size_t)eio->offset >= f->pool_size ||
		    f->pool_size - eio->offset < f->slot_size)
			REFUSE("payload offset is not a slot of the buffer pool");
	} else if (eio->offset) {
		REFUSE("payload offset on a queue without a buffer pool");
	}
	if (eio->payload_sz > f->slot_size)
		REFUSE("payload_sz larger than the payload buffer");
	if (in->len < hlen || in->len - hlen < eio->payload_sz)
		REFUSE("len shorter than the header and payload");
	op_len = in->len - hlen - eio->payload_sz;
	if (op_len > FUSE_URING_OP_IN_OUT_SZ)
		REFUSE("len leaves more op argument than the op area holds");
	fixed = zcf_row_arg_size(req->op, f->setxattr_ext);
	if (req->op->flags & ZCF_OPF_ARG_IN_PAYLOAD) {
		/* NOTIFY_REPLY: the kernel's first argument is empty, the struct heads the payload. */
		if (fixed > 0 && (size_t)fixed + ext > eio->payload_sz)
			REFUSE("payload shorter than the opcode's argument");
	} else if (fixed > 0 && (size_t)fixed > op_len) {
		REFUSE("op argument shorter than the opcode's");
	}
	req->arg_len = fixed > 0 ? (size_t)fixed : 0;
	if (zc) {
		if (!f->zero_copy)
			REFUSE("zero-copy flag on a queue without zero copy");
		if (ext)
			REFUSE("extensions on a zero-copy request");
		if (in->opcode == FUSE_READ) {
			const struct fuse_read_in *a = (const void *)f->hdr->op_in;

			if (a->size > f->slot_size)
				REFUSE("zero-copy READ larger than a payload buffer");
		} else if (in->opcode == FUSE_WRITE) {
			const struct fuse_write_in *a = (const void *)f->hdr->op_in;

			if (a->size != eio->payload_sz)
				REFUSE("zero-copy WRITE size differs from payload_sz");
		} else {
			REFUSE("zero-copy flag on an opcode other than READ and WRITE");
		}
	} else if (ext > eio->payload_sz) {
		REFUSE("extensions longer than the payload");
	}
#undef REFUSE
	return 0;
}

int zcf_frame_ring(struct zcfuse_req *req, const struct zcf_ring_frame *f, const char **why)
{
	struct fuse_uring_ent_in_out eio;
	int err;

	*why = NULL;
	/* One read of each shared field: the checks and the use see the same values. */
	memcpy(&req->in, f->hdr->in_out, sizeof(req->in));
	memcpy(&eio, &f->hdr->ring_ent_in_out, sizeof(eio));
	req->op = zcf_opcode_row(req->in.opcode);
	err = check(f, &req->in, &eio, req, why);
	if (err) {
		/* Answer the request the kernel will look up by commit id, with nothing else. */
		req->in.unique = eio.commit_id;
		req->arg = NULL;
		req->arg_len = 0;
		req->data = NULL;
		req->data_len = 0;
		req->payload = NULL;
		req->payload_size = 0;
		req->flags &= ~ZCF_REQ_ZERO_COPY;
		return err;
	}
	req->ctx.uid = req->in.uid;
	req->ctx.gid = req->in.gid;
	req->ctx.pid = req->in.pid;
	req->arg = f->hdr->op_in;
	req->payload = f->pool ? f->pool + eio.offset : f->own_payload;
	req->payload_size = f->slot_size;
	if (eio.flags & FUSE_URING_ENT_ZERO_COPY) {
		/* The data is the client's pages, reached only through the zc slot. */
		req->flags |= ZCF_REQ_ZERO_COPY;
		req->data = NULL;
		req->data_len = eio.payload_sz;
	} else {
		/* Extensions end the payload, as on /dev/fuse: not the op's data. */
		req->data = req->payload;
		req->data_len = eio.payload_sz - (size_t)req->in.total_extlen * 8;
		if (req->op->flags & ZCF_OPF_ARG_IN_PAYLOAD) {
			req->arg = req->data;
			req->data = (const char *)req->data + req->arg_len;
			req->data_len -= req->arg_len;
		}
	}
	return 0;
}
