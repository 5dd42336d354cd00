/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes FUSE-over-io_uring entries: zcf_frame_ring() on any header (in
 * header, op area, fuse_uring_ent_in_out with its flags, payload_sz and
 * pool offset), then zcf_dispatch() into the in-memory ops for the entries
 * it accepts. The transport's checks on the answer are those of the uring
 * transport (a body must fit the payload; a zero-copy READ carries none).
 *
 * Input: one mode byte (low 2 bits: 0 uring with its own buffer, 1 buffer
 * pool, 2 zero copy, 3 zero copy without FUSE_SETXATTR_EXT; bit 2: a pool
 * of one slot), the 288-byte entry header, then payload bytes, placed
 * where the header's offset says (slot 0 if that is outside the pool).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SLOT 8192
#define NSLOTS 4

static int fz_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	size_t total = fz_touch(iov, iovcnt);
	int i;

	if (error > 0 || error < -4095)
		fz_fail("reply error out of range");
	fz_ans.sends++;
	fz_ans.error = error;
	fz_ans.bytes = total;
	if (req->flags & ZCF_REQ_ZERO_COPY && req->in.opcode == FUSE_READ)
		return 0; /* the transport answers EIO to a body that is not in place */
	if (total > req->payload_size || (total && !req->payload))
		return 0; /* the transport answers EIO */
	{
		char *p = req->payload;

		for (i = 0; i < iovcnt; i++) {
			if (iov[i].iov_base != p)
				memmove(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
	}
	return 0;
}

static void fz_drop(struct zcfuse_req *req)
{
	fz_ans.drops++;
}

static const struct zcf_carrier fz_tp = { .name = "fuzz-ring", .send = fz_send,
					    .drop = fz_drop };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zcfuse_req req;
	struct fuse_uring_req_header *hdr;
	struct zcf_ring_frame f;
	unsigned mode, kind;
	size_t nslots, pool_size;
	char *pool = NULL, *own = NULL, *dst;
	const char *why;

	if (size < 1 + sizeof(*hdr))
		return 0;
	mode = data[0];
	kind = mode & 3;
	nslots = mode & 4 ? 1 : NSLOTS;
	pool_size = nslots * SLOT;
	hdr = malloc(sizeof(*hdr));
	if (!hdr)
		abort();
	memcpy(hdr, data + 1, sizeof(*hdr));
	data += 1 + sizeof(*hdr);
	size -= 1 + sizeof(*hdr);
	if (kind == 0) {
		own = malloc(SLOT);
		dst = own;
	} else {
		pool = malloc(pool_size);
		dst = pool;
		if (pool && hdr->ring_ent_in_out.offset <= pool_size - SLOT)
			dst = pool + hdr->ring_ent_in_out.offset;
	}
	if (!dst)
		abort();
	memcpy(dst, data, size < SLOT ? size : SLOT);

	fz_reset(true);
	fz_se->conn.setxattr_ext = kind != 3;
	memset(&f, 0, sizeof(f));
	f.hdr = hdr;
	f.zero_copy = kind >= 2;
	f.setxattr_ext = fz_se->conn.setxattr_ext;
	f.own_payload = own;
	f.pool = pool;
	f.pool_size = pool ? pool_size : 0;
	f.slot_size = SLOT;

	memset(&req, 0, sizeof(req));
	memset(&fz_ans, 0, sizeof(fz_ans));
	req.pc = fz_se;
	req.tp = &fz_tp;
	req.payload_buf_index = -1;
	req.zc_buf_index = -1;
	if (zcf_frame_ring(&req, &f, &why) == 0) {
		if (req.flags & ZCF_REQ_ZERO_COPY &&
		    (!f.zero_copy || (req.in.opcode != FUSE_READ && req.in.opcode != FUSE_WRITE)))
			fz_fail("zero copy accepted outside READ/WRITE on a zero-copy queue");
		if (req.data_len && !req.data && !(req.flags & ZCF_REQ_ZERO_COPY))
			fz_fail("data length without data");
		zcf_dispatch(&req);
		if (fz_ans.sends + fz_ans.drops != 1)
			fz_fail("a request was not ended exactly once");
	} else {
		if (!why)
			fz_fail("a refused entry without a reason");
		/* What the transport does with it: an error to the commit id. */
		zcfuse_reply_err(&req, EIO);
	}
	free(hdr);
	free(own);
	free(pool);
	return 0;
}
