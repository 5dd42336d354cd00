/* SPDX-License-Identifier: MIT */
/*
 * Answers on the ring: the reply goes into the entry's header and payload
 * and COMMIT_AND_FETCH both delivers it and asks for the entry's next
 * request. Only the queue's thread submits (single issuer): an answer made
 * elsewhere is handed to it. Backing I/O the filesystem starts for a
 * request goes on the same ring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport/ring.h"

ZCF_TLS struct uring_queue *zcf_ring_self;

static void uring_drop(struct zcfuse_req *req);
static int uring_submit_io(struct zcfuse_req *req, const struct zcf_io *io);

const struct zcf_carrier zcf_ring_carrier = {
	.name = "uring",
	.send = zcf_ring_send,
	.drop = uring_drop,
	.submit_io = uring_submit_io,
};

struct io_uring_sqe *zcf_ring_sqe(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe) {
		atomic_fetch_add_explicit(&zcf_stats_mine(&q->u->se->pc)->queue_waits, 1, memory_order_relaxed);
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	return sqe;
}

void zcf_ring_prep_cmd(struct uring_queue *q, struct io_uring_sqe *sqe, uint32_t cmd_op,
		     const struct fuse_uring_cmd_req *cr)
{
	/* Fixed file 0 is /dev/fuse. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->cmd_op = cmd_op;
	memcpy(sqe->cmd, cr, sizeof(*cr));
	/* A registered pool: every command on the queue names it. */
	if (zcf_ring_is_pool(q->u) && q->payload_registered) {
		sqe->uring_cmd_flags |= IORING_URING_CMD_FIXED;
		sqe->buf_index = POOL_BUF_INDEX;
	}
}

int zcf_ring_commit_now(struct uring_ent *e)
{
	struct uring_queue *q = e->q;
	struct fuse_uring_cmd_req cr = { .commit_id = e->hdr->ring_ent_in_out.commit_id,
					  .qid = (uint16_t)q->qid };
	struct io_uring_sqe *sqe = zcf_ring_sqe(q);

	if (!sqe)
		return -EBUSY;
	zcf_ring_prep_cmd(q, sqe, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, &cr);
	sqe->user_data = zcf_ring_ud(e, UD_CMD);
	e->held = false;
	e->lent = false;
	return 0;
}

/* Commits on the queue's thread, or hands the entry over to that thread. */
static int commit_or_hand_over(struct uring_ent *e)
{
	struct uring_queue *q = e->q;
	uint64_t one = 1;

	if (zcf_ring_self == q)
		return zcf_ring_commit_now(e);
	pthread_mutex_lock(&q->remote_lock);
	e->remote_next = q->remote;
	q->remote = e;
	pthread_mutex_unlock(&q->remote_lock);
	return write(q->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

int zcf_ring_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	struct uring_ent *e = (struct uring_ent *)req;
	struct fuse_out_header out = { .error = error, .unique = req->in.unique };
	size_t total = 0;
	int i;

	for (i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (req->flags & ZCF_REQ_ZERO_COPY && req->in.opcode == FUSE_READ) {
		/*
		 * The data went straight into the client's pages (READ_FIXED on
		 * the entry's slot): only its length travels. A reply carrying
		 * bytes from elsewhere cannot reach those pages.
		 */
		if (iovcnt > 1 || (iovcnt == 1 && iov[0].iov_base != req->payload)) {
			zcf_warn("zero-copy READ answered with a buffer; answered EIO");
			out.error = -EIO;
		}
	} else if (total > req->payload_size || (total && !req->payload)) {
		zcf_warn("%s reply of %zu bytes does not fit the %zu-byte payload; answered EIO",
			 zcf_opcode_name(req->in.opcode), total, req->payload_size);
		out.error = -EIO;
	} else {
		char *p = req->payload;

		for (i = 0; i < iovcnt; i++) {
			if (iov[i].iov_base != p) /* in place already: no copy */
				memcpy(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
	}
	if (out.error)
		total = 0;
	out.len = (uint32_t)(sizeof(out) + total);
	memcpy(e->hdr->in_out, &out, sizeof(out));
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)total;
	return commit_or_hand_over(e);
}

static void uring_drop(struct zcfuse_req *req)
{
	/* Nothing on the ring goes unanswered; answer so the entry returns. */
	zcf_ring_send(req, 0, NULL, 0);
}

static int uring_submit_io(struct zcfuse_req *req, const struct zcf_io *io)
{
	struct uring_ent *e = (struct uring_ent *)req;
	struct uring_queue *q = e->q;
	struct io_uring_sqe *sqe;
	bool zc = req->flags & ZCF_REQ_ZERO_COPY;
	int buf_index = zc ? req->zc_buf_index : req->payload_buf_index;

	if (zcf_ring_self != q) /* only the queue's own thread may submit */
		return -EOPNOTSUPP;
	sqe = zcf_ring_sqe(q);
	if (!sqe)
		return -EBUSY;
	switch (io->op) {
	case ZCF_IO_READ:
	case ZCF_IO_WRITE: {
		bool rd = io->op == ZCF_IO_READ;
		/* A kernel-registered (zero-copy) buffer is addressed from 0. */
		void *addr = zc ? NULL : io->buf;

		if (buf_index >= 0) {
			if (rd)
				io_uring_prep_read_fixed(sqe, io->fd, addr, (unsigned)io->len, io->off,
							 buf_index);
			else
				io_uring_prep_write_fixed(sqe, io->fd, addr, (unsigned)io->len,
							  io->off, buf_index);
			req->io_path = zc ? (rd ? ZCF_PATH_ZC_READ : ZCF_PATH_ZC_WRITE)
					  : (rd ? ZCF_PATH_READ_FIXED : ZCF_PATH_WRITE_FIXED);
		} else {
			if (rd)
				io_uring_prep_read(sqe, io->fd, io->buf, (unsigned)io->len, io->off);
			else
				io_uring_prep_write(sqe, io->fd, io->buf, (unsigned)io->len, io->off);
			req->io_path = rd ? ZCF_PATH_READ_RING : ZCF_PATH_WRITE_RING;
		}
		break;
	}
	case ZCF_IO_FSYNC:
	case ZCF_IO_FDATASYNC:
		io_uring_prep_fsync(sqe, io->fd,
				    io->op == ZCF_IO_FDATASYNC ? IORING_FSYNC_DATASYNC : 0);
		req->io_path = ZCF_PATH_MAX;
		break;
	case ZCF_IO_FALLOCATE:
		io_uring_prep_fallocate(sqe, io->fd, io->mode, io->off, io->len);
		req->io_path = ZCF_PATH_MAX;
		break;
	}
	if (io->async)
		sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = zcf_ring_ud(e, UD_IO);
	q->inflight_io++;
	e->io_inflight = true;
	return 0;
}
