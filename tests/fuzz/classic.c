/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes classic /dev/fuse requests: framing (zcf_frame_classic), INIT
 * (zcf_handle_init) and decoding (zcf_dispatch) into the in-memory ops.
 *
 * Input: one mode byte, then requests back to back, each as long as its
 * header's len says (the last one takes whatever is left, so len may lie).
 * Mode bits: 1 a fresh session (INIT not yet answered), 2 -o allow_root,
 * 4 no FUSE_SETXATTR_EXT, 8 each request in a buffer of exactly its size
 * (else laid out as the classic transport does, data on a page boundary
 * that is also the reply payload).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define HEADROOM 4096
#define HDR_BYTES (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))
#define PAYLOAD (64 * 1024)

static int fz_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	size_t n;

	if (iovcnt < 0 || iovcnt > 7)
		fz_fail("more iovecs than a reply to /dev/fuse takes");
	n = fz_touch(iov, iovcnt);
	if (error > 0 || error < -4095)
		fz_fail("reply error out of range");
	if (error && n)
		fz_fail("an error reply with a body");
	fz_ans.sends++;
	fz_ans.error = error;
	fz_ans.bytes = n;
	return 0;
}

static void fz_drop(struct zcfuse_req *req)
{
	fz_ans.drops++;
}

static const struct zcf_carrier fz_tp = { .name = "fuzz-classic", .send = fz_send,
					    .drop = fz_drop };

static void one(const uint8_t *p, size_t n, unsigned mode)
{
	static struct zcfuse_req req;
	char *mem = NULL, *buf, *payload;

	if (mode & 8) {
		buf = malloc(n ? n : 1);
		payload = malloc(PAYLOAD);
		if (!buf || !payload)
			abort();
	} else {
		mem = malloc(HEADROOM + PAYLOAD);
		if (!mem)
			abort();
		buf = mem + HEADROOM - HDR_BYTES;
		payload = mem + HEADROOM;
		if (n > HDR_BYTES + PAYLOAD) /* one readv() takes no more */
			n = HDR_BYTES + PAYLOAD;
	}
	memcpy(buf, p, n);
	memset(&req, 0, sizeof(req));
	memset(&fz_ans, 0, sizeof(fz_ans));
	req.pc = fz_se;
	req.tp = &fz_tp;
	req.payload = payload;
	req.payload_size = PAYLOAD;
	req.payload_buf_index = -1;
	req.zc_buf_index = -1;
	if (zcf_frame_classic(&req, buf, n) == 0) {
		if (!fz_se->got_init && req.in.opcode == FUSE_INIT)
			zcf_handle_init(fz_se, &req, 0);
		else
			zcf_dispatch(&req);
		if (fz_ans.sends + fz_ans.drops != 1)
			fz_fail("a request was not ended exactly once");
	}
	if (mode & 8) {
		free(buf);
		free(payload);
	} else {
		free(mem);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	fz_reset(!(mode & 1));
	fz_se->cfg.allow_root = mode & 2;
	fz_se->conn.setxattr_ext = !(mode & 4);
	while (size >= sizeof(struct fuse_in_header)) {
		uint32_t len;
		size_t n;

		memcpy(&len, data, sizeof(len));
		n = len >= sizeof(struct fuse_in_header) && len <= size ? len : size;
		one(data, n, mode);
		data += n;
		size -= n;
	}
	return 0;
}
