/* SPDX-License-Identifier: MIT */
/*
 * A queue thread's life after start-up: wait for completions, and turn
 * each into what it means. An entry's command completing is a request
 * (framed, then served here or by a worker); a backing I/O completing ends
 * its request's I/O; the eventfd completing brings answers and cancels from
 * other threads. A READ's path: on_request -> zcf_frame_ring (proto) ->
 * zcf_dispatch (proto) -> the filesystem -> zcfuse_req_read_fd (backing.c)
 * -> the ring (ring_commit.c) -> on_io_done -> its callback -> reply ->
 * zcf_ring_send -> COMMIT_AND_FETCH.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport/ring.h"

/* Fills the request view of an entry the kernel just handed a request. */
static int frame_ring(struct uring_queue *q, struct uring_ent *e, const char **why)
{
	struct zcf_ring *u = q->u;
	struct zcfuse_req *req = &e->req;
	struct zcf_ring_frame f = {
		.hdr = e->hdr,
		.zero_copy = u->payload == ZCF_PAYLOAD_ZERO_COPY,
		.setxattr_ext = u->se->pc.conn.setxattr_ext,
		.own_payload = e->own_payload,
		.pool = zcf_ring_is_pool(u) ? q->payload_mem : NULL,
		.pool_size = zcf_ring_is_pool(u) ? q->payload_mem_size : 0,
		.slot_size = u->payload_size,
	};
	int err;

	memset(req, 0, sizeof(*req));
	req->pc = &u->se->pc;
	req->tp = &zcf_ring_carrier;
	req->tp_priv = q;
	req->zc_buf_index = -1;
	req->payload_buf_index = -1;
	err = zcf_frame_ring(req, &f, why);
	if (err)
		return err;
	if (q->payload_registered && zcf_ring_is_pool(u))
		req->payload_buf_index = POOL_BUF_INDEX;
	else if (q->payload_registered && e->idx < u->depth) /* spares have none */
		req->payload_buf_index = (int)e->idx;
	/*
	 * Zero copy: the data is the client's pages in slot 1 + idx; the pool
	 * buffer (if any) still carries small replies such as write_out.
	 * zcfuse_req_payload() hides it from the fs.
	 */
	if (req->flags & ZCF_REQ_ZERO_COPY)
		req->zc_buf_index = (int)(1 + e->idx);
	return 0;
}

static void on_request(struct uring_queue *q, struct uring_ent *e)
{
	struct zcfuse_session *se = q->u->se;
	const char *why = NULL;
	unsigned fl;
	int err;

	e->held = true;
	e->fresh = false;
	err = frame_ring(q, e, &why);
	/* A queue's first READ or WRITE (not a lookup from wherever) claims its share. */
	if (!err && !q->reg_tried && atomic_load_explicit(&q->u->reg_left, memory_order_relaxed) &&
	    (e->req.in.opcode == FUSE_READ || e->req.in.opcode == FUSE_WRITE)) {
		zcf_ring_register_late(q);
		if (q->payload_registered && e->idx < q->u->depth)
			e->req.payload_buf_index = (int)e->idx;
	}

	if (err) {
		struct zcf_stats *st = zcf_stats_mine(&se->pc);

		atomic_fetch_add_explicit(&st->via_ring, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&st->malformed, 1, memory_order_relaxed);
		zcf_warn("malformed ring request on queue %u (opcode %u, len %u): %s; answered EIO",
			 q->qid, e->req.in.opcode, e->req.in.len, why ? why : "bad lengths");
		e->req.flags &= ~ZCF_REQ_ZERO_COPY;
		zcf_ring_send(&e->req, -EIO, NULL, 0);
		return;
	}
	e->req.tally.via = ZCF_VIA_RING;
	/* Requests whose data arrived in the pool (zero copy counts at its I/O). */
	if (zcf_ring_is_pool(q->u) && e->req.data_len && !(e->req.flags & ZCF_REQ_ZERO_COPY))
		zcf_tally_note(&se->pc.counters, &e->req.tally, ZCF_TALLY_IN, ZCF_PATH_POOL,
			       e->req.data_len);
	/*
	 * Busy: other work overlapped this request lately. Sticky, because a
	 * queue that serves inline at depth rarely sees two requests at once
	 * though the client keeps many in flight; at depth 1 it never does.
	 */
	if (q->inflight_io || q->batch > 1)
		q->busy_left = 2 * q->u->depth;
	if (q->busy_left) {
		q->busy_left--;
		e->req.flags |= ZCF_REQ_QUEUE_BUSY;
	}
	fl = e->req.op->flags;
	if (fl & (ZCF_OPF_MAY_WAIT | ZCF_OPF_ENDS_FH)) { /* rare: one test for both */
		if (fl & ZCF_OPF_ENDS_FH)
			zcf_backing_fh_ended();
		if (fl & ZCF_OPF_MAY_WAIT)
			zcf_ring_lend_entry(q, e);
	}
	if (!zcf_ring_to_worker(q->u, &e->req))
		zcf_dispatch(&e->req);
}

static void on_io_done(struct uring_queue *q, struct uring_ent *e, int res)
{
	struct zcfuse_req *req = &e->req;

	q->inflight_io--;
	e->io_inflight = false;
	if (res >= 0 && req->io_path < ZCF_PATH_MAX)
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_IO, req->io_path,
			       (uint64_t)res);
	zcf_io_complete(req, res);
}

static void arm_wake(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = zcf_ring_sqe(q);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, q->efd, &q->efd_val, sizeof(q->efd_val), 0);
	sqe->user_data = zcf_ring_ud(NULL, UD_WAKE);
}

/*
 * INTERRUPT arrived (on /dev/fuse) for a request whose backing I/O may be on
 * one of our rings: each queue thread cancels its own (the ring is single
 * issuer). The I/O then ends with -ECANCELED and the request with EINTR.
 */
void zcf_ring_cancel_io(struct zcf_proto_ctx *pc, uint64_t unique)
{
	struct zcf_ring *u = zcf_session_of(pc)->ring;
	uint64_t one = 1;
	unsigned i;

	if (!u)
		return;
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (q->efd < 0)
			continue;
		pthread_mutex_lock(&q->remote_lock);
		q->cancels[q->nr_cancels++ % 8] = unique;
		pthread_mutex_unlock(&q->remote_lock);
		if (write(q->efd, &one, sizeof(one)) < 0)
			continue;
	}
}

static void cancel_ent(struct uring_queue *q, struct uring_ent *e, uint64_t unique)
{
	struct io_uring_sqe *sqe;

	if (!e->io_inflight || e->req.in.unique != unique || !(sqe = zcf_ring_sqe(q)))
		return;
	io_uring_prep_cancel64(sqe, zcf_ring_ud(e, UD_IO), 0);
	sqe->user_data = zcf_ring_ud(NULL, UD_CANCEL);
}

/* The request may sit on a spare: they serve any request once lent. */
static void cancel_now(struct uring_queue *q, uint64_t unique)
{
	struct uring_ent *e;
	unsigned i;

	for (i = 0; i < q->u->depth; i++)
		cancel_ent(q, &q->ents[i], unique);
	for (e = q->spares; e; e = e->spare_next)
		cancel_ent(q, e, unique);
}

static void drain_remote(struct uring_queue *q)
{
	struct uring_ent *e, *next;
	uint64_t cancels[8];
	unsigned i, n;

	pthread_mutex_lock(&q->remote_lock);
	e = q->remote;
	q->remote = NULL;
	n = q->nr_cancels < 8 ? q->nr_cancels : 8;
	for (i = 0; i < n; i++)
		cancels[i] = q->cancels[i];
	q->nr_cancels = 0;
	pthread_mutex_unlock(&q->remote_lock);
	for (i = 0; i < n; i++)
		cancel_now(q, cancels[i]);
	for (; e; e = next) {
		next = e->remote_next;
		zcf_ring_commit_now(e);
	}
}

/*
 * The queue is ending (unmount, abort, stop) with backing I/O still in
 * flight: I/O that may never complete (a pipe nobody writes, a hung
 * backing fs) must not keep the queue thread alive. Cancel all of it.
 */
static void cancel_all_io(struct uring_queue *q)
{
	struct io_uring_sqe *sqe;

	if (!q->inflight_io || !(sqe = zcf_ring_sqe(q)))
		return;
	io_uring_prep_cancel(sqe, NULL, IORING_ASYNC_CANCEL_ANY);
	sqe->user_data = zcf_ring_ud(NULL, UD_CANCEL);
}

static void on_cmd_error(struct uring_queue *q, struct uring_ent *e, int res)
{
	if (e->live) {
		e->live = false;
		q->live_ents--;
	}
	if (res != -ENOTCONN && res != -ECONNABORTED && res != -ECANCELED && res != -ENODEV)
		zcf_warn("queue %u entry %u: %s", q->qid, e->idx, strerror(-res));
	if (!q->live_ents) {
		cancel_all_io(q);
		zcf_chan_report_end(q->u->se, "ring entries ended");
	}
}

void zcf_ring_queue_loop(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	struct io_uring_cqe *cqe;
	unsigned head, n;
	int ret;

	arm_wake(q);
	for (;;) {
		if (atomic_load(&u->stopping) && !q->inflight_io)
			break;
		if (!q->live_ents && !q->inflight_io)
			break;
		ret = io_uring_submit_and_wait(&q->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			zcf_err("queue %u: io_uring_enter: %s", q->qid, strerror(-ret));
			break;
		}
		n = 0;
		q->batch = io_uring_cq_ready(&q->ring);
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			struct uring_ent *e = zcf_ring_ud_ent(cqe->user_data);

			n++;
			switch (zcf_ring_ud_tag(cqe->user_data)) {
			case UD_CMD:
				if (cqe->res == 0)
					on_request(q, e);
				else
					on_cmd_error(q, e, cqe->res);
				break;
			case UD_IO:
				on_io_done(q, e, cqe->res);
				break;
			case UD_WAKE:
				drain_remote(q);
				if (!atomic_load(&u->stopping))
					arm_wake(q);
				else
					cancel_all_io(q);
				break;
			}
		}
		io_uring_cq_advance(&q->ring, n);
		if (q->kicks)
			zcf_ring_kick(q);
	}
}
