/* SPDX-License-Identifier: MIT */
/*
 * Handing entries to the kernel: a pool queue first announces itself and
 * its pool (ADD_QUEUE, ADD_BUFPOOL), then every entry is REGISTERed and
 * parks in the kernel until a request arrives. Spare entries are
 * registered later, while serving.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transport/ring.h"

/*
 * REGISTER for entry @e: its header and own payload (pools: an empty
 * payload, as the kernel requires); under zero copy its slot is 1 + idx.
 */
static void prep_register(struct uring_queue *q, struct uring_ent *e, struct io_uring_sqe *sqe)
{
	struct zcf_ring *u = q->u;
	struct fuse_uring_cmd_req cr = { .qid = (uint16_t)q->qid };

	e->reg_iov[0].iov_base = e->hdr;
	e->reg_iov[0].iov_len = sizeof(*e->hdr);
	e->reg_iov[1].iov_base = e->own_payload;
	e->reg_iov[1].iov_len = e->own_payload ? u->payload_size : 0;
	if (u->payload == ZCF_PAYLOAD_ZERO_COPY)
		cr.ent_zero_copy_buf_index = (uint16_t)(1 + e->idx);
	zcf_ring_prep_cmd(q, sqe, FUSE_IO_URING_CMD_REGISTER, &cr);
	sqe->addr = (uint64_t)(uintptr_t)e->reg_iov;
	sqe->len = 2;
	sqe->user_data = zcf_ring_ud(e, UD_CMD);
	e->live = true;
	q->live_ents++;
}

/* ADD_QUEUE and ADD_BUFPOOL complete at once: wait for each. */
static int setup_cmd(struct uring_queue *q, uint32_t op, const struct fuse_uring_cmd_req *cr)
{
	struct io_uring_sqe *sqe = zcf_ring_sqe(q);
	struct io_uring_cqe *cqe;
	int err;

	if (!sqe)
		return -EBUSY;
	zcf_ring_prep_cmd(q, sqe, op, cr);
	if (op == FUSE_IO_URING_CMD_ADD_QUEUE) { /* the pool is not attached yet */
		sqe->uring_cmd_flags = 0;
		sqe->buf_index = 0;
	}
	sqe->user_data = zcf_ring_ud(NULL, UD_SETUP);
	err = io_uring_submit_and_wait(&q->ring, 1);
	if (err < 0)
		return err;
	err = io_uring_wait_cqe(&q->ring, &cqe);
	if (err)
		return err;
	err = cqe->res;
	io_uring_cqe_seen(&q->ring, cqe);
	return err;
}

int zcf_ring_register_entries(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	struct __kernel_timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	unsigned i, head;
	int err;

	if (zcf_ring_is_pool(u)) {
		struct fuse_uring_cmd_req cr = { .qid = (uint16_t)q->qid };

		if (u->payload == ZCF_PAYLOAD_ZERO_COPY)
			cr.flags = FUSE_URING_ZERO_COPY;
		err = setup_cmd(q, FUSE_IO_URING_CMD_ADD_QUEUE, &cr);
		if (err)
			return zcf_ring_queue_fail(q, err, "ADD_QUEUE");
		memset(&cr, 0, sizeof(cr));
		cr.qid = (uint16_t)q->qid;
		cr.bufpool.uaddr = (uint64_t)(uintptr_t)q->payload_mem;
		cr.bufpool.len = (uint32_t)q->payload_mem_size;
		err = setup_cmd(q, FUSE_IO_URING_CMD_ADD_BUFPOOL, &cr);
		if (err)
			return zcf_ring_queue_fail(q, err, "ADD_BUFPOOL");
	}
	for (i = 0; i < u->depth; i++) {
		struct uring_ent *e = &q->ents[i];
		struct io_uring_sqe *sqe = zcf_ring_sqe(q);

		if (!sqe)
			return zcf_ring_queue_fail(q, -EBUSY, "no SQE for REGISTER");
		prep_register(q, e, sqe);
	}
	err = io_uring_submit(&q->ring);
	if (err < 0)
		return zcf_ring_queue_fail(q, err, "submitting REGISTER");
	/* A refused REGISTER completes at once; an accepted one stays parked. */
	io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts);
	io_uring_for_each_cqe(&q->ring, head, cqe) {
		if (zcf_ring_ud_tag(cqe->user_data) == UD_CMD && cqe->res < 0 &&
		    cqe->res != -EINTR)
			return zcf_ring_queue_fail(q, cqe->res, "REGISTER");
	}
	return 0;
}

/*
 * A request that may wait for a long time without an answer (a SETLKW)
 * keeps its ring entry, and the kernel sends every request of this CPU to
 * this queue: 16 waiters would take every entry and stall the CPU's other
 * requests, even the unlock that would free them. So each such request
 * lends its entry out: a spare entry is registered in its place, and the
 * queue's serving capacity stays at its depth. Spares stay registered (they
 * serve any request later), so a waiter gets a new one only while the
 * queue has fewer spares than waiters, up to ZCF_SPARES_MAX per queue; they carry no
 * fixed buffer (backing I/O into them uses plain reads). Under zero copy a
 * spare gets zero-copy slot 1 + idx like any entry: the sparse buffer table
 * is sized for the spares at setup (an empty slot pins nothing).
 *
 * A spare alone is not enough: requests that found the queue full wait in
 * the kernel, which hands them out only when an entry commits, never to an
 * entry registered later. A waiter that came from that backlog ends the
 * chain of commits that fed it, and the backlog (a read, the unlock itself)
 * would wait forever behind waiters. So every lent entry is followed by a
 * kick (zcf_ring_kick): a request of our own on this CPU, whose commit
 * hands out the next one, unless an entry that is not ours at the time
 * shows that nothing waits (queue_may_starve).
 */

/* Entries now carrying a request that may wait long: the spares they need. */
static unsigned lent_now(const struct uring_queue *q)
{
	const struct uring_ent *e;
	unsigned i, n = 0;

	for (i = 0; i < q->u->depth; i++)
		n += q->ents[i].lent;
	for (e = q->spares; e; e = e->spare_next)
		n += e->lent;
	return n;
}

void zcf_ring_lend_entry(struct uring_queue *q, struct uring_ent *lent)
{
	struct zcf_ring *u = q->u;
	struct io_uring_sqe *sqe;
	struct uring_ent *e;

	q->kicks++;
	q->kick_nodeid = lent->req.in.nodeid;
	lent->lent = true;
	/* One spare per waiter at a time: a spare freed by an earlier one serves on. */
	if (q->nr_spares >= ZCF_SPARES_MAX || q->nr_spares >= lent_now(q))
		return;
	e = aligned_alloc(64, (sizeof(*e) + 63) & ~(size_t)63);
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->q = q;
	e->fresh = true;
	e->idx = u->depth + q->nr_spares; /* past the fixed-buffer table: never fixed */
	e->hdr = calloc(1, sizeof(*e->hdr));
	if (!zcf_ring_is_pool(u))
		e->own_payload = malloc(u->payload_size); /* touched only by what arrives */
	sqe = e->hdr && (zcf_ring_is_pool(u) || e->own_payload) ? zcf_ring_sqe(q) : NULL;
	if (!sqe) {
		free(e->hdr);
		free(e->own_payload);
		free(e);
		return;
	}
	prep_register(q, e, sqe);
	e->spare_next = q->spares;
	q->spares = e;
	q->nr_spares++;
	atomic_fetch_add_explicit(&zcf_stats_mine(&u->se->pc)->ring_spares, 1, memory_order_relaxed);
}

/*
 * Can a request be waiting in the kernel for an entry of this queue with
 * nothing on its way to take it? Not while some entry that has carried
 * requests (a spare that never did may sit free beside a backlog) is out
 * of our hands with no completion of it left to read: the kernel then holds
 * it free, which it never does while a request waits (a commit takes the
 * oldest waiting request, and new ones go to a free entry), or its commit
 * is on its way and will take that request. An uncontended SETLKW on a
 * queue with free entries so costs no kick.
 */
static bool queue_may_starve(struct uring_queue *q)
{
	struct io_uring_cqe *cqe;
	struct uring_ent *e;
	unsigned i, head;

	/* A request completed but not yet read is ours already. */
	io_uring_for_each_cqe(&q->ring, head, cqe)
		if (zcf_ring_ud_tag(cqe->user_data) == UD_CMD && (e = zcf_ring_ud_ent(cqe->user_data)))
			e->held = true;
	for (i = 0; i < q->u->depth; i++)
		if (q->ents[i].live && !q->ents[i].held)
			return false;
	for (e = q->spares; e; e = e->spare_next)
		if (e->live && !e->held && !e->fresh)
			return false;
	return true;
}

/*
 * The kick: a zero-length retrieve of the waiter's file, sent from this
 * queue's thread (pinned to the queue's CPU, so the kernel puts its
 * NOTIFY_REPLY on this queue) once the spares are in the kernel. The reply
 * matches no retrieve of ours and is answered at once (zcf_do_notify_reply);
 * its commit hands the kernel's oldest waiting request to that entry.
 */
void zcf_ring_kick(struct uring_queue *q)
{
	struct zcfuse_session *se = q->u->se;
	int err;

	io_uring_submit(&q->ring); /* this round's commits and spares' REGISTERs first */
	if (!queue_may_starve(q)) {
		q->kicks = 0;
		return;
	}
	for (; q->kicks; q->kicks--) {
		err = zcf_notify_kick(se, q->kick_nodeid, q->qid, ++q->kick_seq);
		if (err && err != -ENOENT && !q->kick_warned) {
			q->kick_warned = true;
			zcf_warn("queue %u: kick after a lent entry: %s (requests queued in the kernel behind waiters may wait for the next commit)",
				 q->qid, strerror(-err));
		}
	}
}

void zcf_ring_spares_free(struct uring_queue *q)
{
	struct uring_ent *e;

	while ((e = q->spares)) {
		q->spares = e->spare_next;
		free(e->hdr);
		free(e->own_payload);
		free(e);
	}
}
