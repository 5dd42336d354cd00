/* SPDX-License-Identifier: MIT */
/*
 * FUSE over io_uring: one thread and one SQE128 ring per possible CPU
 * (the kernel routes a request to the queue of the CPU its caller runs
 * on). Each queue holds queue_depth long-lived URING_CMD entries on
 * /dev/fuse; an entry's completion is a request, and its next command
 * (COMMIT_AND_FETCH) carries the answer and fetches the next request.
 *
 * Payload memory, by transport:
 *   uring    each entry has its own payload buffer; all are registered with
 *            the ring, so backing I/O reads straight into them (READ_FIXED).
 *            The kernel still copies from them (Linux 6.14 to 7.2).
 *   bufpool  one pool per queue, registered as fixed buffer 0 and handed to
 *            the kernel with ADD_BUFPOOL + IORING_URING_CMD_FIXED: the kernel
 *            imports it too (the RFC's mechanism, Linux 7.3).
 *   zerocopy a bufpool queue with FUSE_URING_ZERO_COPY: for opted-in files
 *            the kernel puts the client's pages in entry i's buffer slot
 *            (1 + i) and the server moves data with READ/WRITE_FIXED there.
 *
 * The library owns user_data: an entry pointer with a tag in the low bits.
 * Answers made on the queue's own thread are committed at once; answers
 * from other threads are queued to it and its eventfd is poked.
 */
#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "transport/transport.h"

enum ud_tag {
	UD_CMD = 1,   /* the entry's URING_CMD (a request arrived, or teardown) */
	UD_IO = 2,    /* backing I/O for the entry's request */
	UD_WAKE = 3,  /* the queue's eventfd: remote answers or stop */
	UD_SETUP = 4, /* ADD_QUEUE / ADD_BUFPOOL */
	UD_CANCEL = 5, /* ASYNC_CANCEL of an interrupted request's backing I/O */
};
#define UD_TAG_MASK 7ull

#define POOL_BUF_INDEX 0 /* bufpool/zerocopy: the pool is fixed buffer 0 */
/* Spare entries a queue may add for requests that wait long (lend_entry). */
#define ZCF_SPARES_MAX 1024

struct uring_queue;

struct uring_ent {
	struct zcfuse_req req; /* first: a request is its entry */
	struct uring_queue *q;
	unsigned idx;
	bool live;             /* the kernel holds (or will hold) our command */
	struct fuse_uring_req_header *hdr;
	void *own_payload;     /* uring: this entry's buffer */
	struct iovec reg_iov[2];
	struct uring_ent *remote_next;
	bool io_inflight;      /* backing I/O on the ring (queue thread only) */
	struct uring_ent *spare_next; /* a spare entry: the queue's list of them */
} __attribute__((aligned(8)));

struct uring_queue {
	struct zcf_uring *u;
	unsigned qid;
	pthread_t thread;
	bool thread_started;
	struct io_uring ring;
	bool ring_ok;
	struct uring_ent *ents;
	struct fuse_uring_req_header *hdrs;
	size_t hdrs_size;
	char *payload_mem;     /* uring: entries' buffers; bufpool: the pool */
	size_t payload_mem_size;
	bool payload_registered;
	int efd;
	uint64_t efd_val;
	pthread_mutex_t remote_lock;
	struct uring_ent *remote;
	uint64_t cancels[8];   /* uniques whose I/O to cancel (under remote_lock) */
	unsigned nr_cancels;
	struct uring_ent *spares; /* entries added for requests that may wait long */
	unsigned nr_spares;
	unsigned live_ents;
	unsigned inflight_io;
	unsigned batch;        /* completions in the batch being handled */
	int err;
	char why[200];
};

struct zcf_uring {
	struct zcfuse_session *se;
	enum zcf_transport_kind kind;
	unsigned nq;
	unsigned depth;
	size_t payload_size;   /* per request: max(8192, max_write) */
	unsigned pool_bufs;    /* pools: buffers per queue (ring_size.c) */
	unsigned reg_queues;   /* uring: queues 0..reg_queues-1 register their payloads */
	_Atomic size_t pinned; /* bytes registered with io_uring, all queues */
	struct uring_queue *qs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned reported;     /* queues done with the current phase */
	int phase;             /* 0 setup, 1 register, 2 run, -1 abandon */
	_Atomic bool stopping;
	/* Non-data ops run here, off the queue threads (-o meta_threads). */
	struct {
		pthread_mutex_t lock;
		pthread_cond_t cond;
		struct zcfuse_req *head, **tail;
		pthread_t *threads;
		unsigned nthreads;
		bool stuck;    /* a worker would not stop: keep memory */
	} meta;
};

static __thread struct uring_queue *tls_queue; /* set on queue threads */

static int uring_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt);
static void uring_drop(struct zcfuse_req *req);
static int uring_submit_io(struct zcfuse_req *req, const struct zcf_io *io);

static const struct zcf_transport uring_transport = {
	.name = "uring",
	.send = uring_send,
	.drop = uring_drop,
	.submit_io = uring_submit_io,
};

static inline uint64_t ud(struct uring_ent *e, enum ud_tag tag)
{
	return (uint64_t)(uintptr_t)e | tag;
}

static bool is_pool(const struct zcf_uring *u)
{
	return u->kind >= ZCF_TRANSPORT_BUFPOOL;
}

/* An SQE, flushing the submission queue if it is full. */
static struct io_uring_sqe *get_sqe(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe) {
		atomic_fetch_add_explicit(&zcf_stats_mine(q->u->se)->queue_waits, 1, memory_order_relaxed);
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	return sqe;
}

static void prep_cmd(struct uring_queue *q, struct io_uring_sqe *sqe, uint32_t cmd_op,
		     const struct fuse_uring_cmd_req *cr)
{
	/* Fixed file 0 is /dev/fuse. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->cmd_op = cmd_op;
	memcpy(sqe->cmd, cr, sizeof(*cr));
	/* A registered pool: every command on the queue names it. */
	if (is_pool(q->u) && q->payload_registered) {
		sqe->uring_cmd_flags |= IORING_URING_CMD_FIXED;
		sqe->buf_index = POOL_BUF_INDEX;
	}
}

static int commit_now(struct uring_ent *e)
{
	struct uring_queue *q = e->q;
	struct fuse_uring_cmd_req cr = { .commit_id = e->hdr->ring_ent_in_out.commit_id,
					  .qid = (uint16_t)q->qid };
	struct io_uring_sqe *sqe = get_sqe(q);

	if (!sqe)
		return -EBUSY;
	prep_cmd(q, sqe, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, &cr);
	sqe->user_data = ud(e, UD_CMD);
	return 0;
}

/* Commits on the queue's thread, or hands over to it. */
static int commit(struct uring_ent *e)
{
	struct uring_queue *q = e->q;
	uint64_t one = 1;

	if (tls_queue == q)
		return commit_now(e);
	pthread_mutex_lock(&q->remote_lock);
	e->remote_next = q->remote;
	q->remote = e;
	pthread_mutex_unlock(&q->remote_lock);
	return write(q->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static int uring_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
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
	return commit(e);
}

static void uring_drop(struct zcfuse_req *req)
{
	/* Nothing on the ring goes unanswered; answer so the entry returns. */
	uring_send(req, 0, NULL, 0);
}

static int uring_submit_io(struct zcfuse_req *req, const struct zcf_io *io)
{
	struct uring_ent *e = (struct uring_ent *)req;
	struct uring_queue *q = e->q;
	struct io_uring_sqe *sqe;
	bool zc = req->flags & ZCF_REQ_ZERO_COPY;
	int buf_index = zc ? req->zc_buf_index : req->payload_buf_index;

	if (tls_queue != q) /* only the queue's own thread may submit */
		return -EOPNOTSUPP;
	sqe = get_sqe(q);
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
	sqe->user_data = ud(e, UD_IO);
	q->inflight_io++;
	e->io_inflight = true;
	return 0;
}

/* Fills the request view of an entry the kernel just handed a request. */
static int frame_ring(struct uring_queue *q, struct uring_ent *e, const char **why)
{
	struct zcf_uring *u = q->u;
	struct zcfuse_req *req = &e->req;
	struct zcf_ring_frame f = {
		.hdr = e->hdr,
		.zero_copy = u->kind == ZCF_TRANSPORT_ZEROCOPY,
		.setxattr_ext = u->se->conn.setxattr_ext,
		.own_payload = e->own_payload,
		.pool = is_pool(u) ? q->payload_mem : NULL,
		.pool_size = is_pool(u) ? q->payload_mem_size : 0,
		.slot_size = u->payload_size,
	};
	int err;

	memset(req, 0, sizeof(*req));
	req->se = u->se;
	req->tp = &uring_transport;
	req->tp_priv = q;
	req->zc_buf_index = -1;
	req->payload_buf_index = -1;
	err = zcf_frame_ring(req, &f, why);
	if (err)
		return err;
	if (q->payload_registered && is_pool(u))
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

/*
 * Ops that stay on the queue thread: the data path, whose backing I/O the
 * filesystem puts on this ring (or does inline when it cannot block long).
 * Everything else may make blocking system calls (lookups, opens, closes
 * on a slow backing store) and goes to the meta workers.
 */
static bool runs_on_queue(uint32_t opcode)
{
	return zcf_opcode_flags(opcode) & ZCF_OPF_ON_QUEUE;
}

static void meta_push(struct zcf_uring *u, struct zcfuse_req *req)
{
	req->next = NULL;
	pthread_mutex_lock(&u->meta.lock);
	*u->meta.tail = req;
	u->meta.tail = &req->next;
	pthread_cond_signal(&u->meta.cond);
	pthread_mutex_unlock(&u->meta.lock);
}

static void *meta_main(void *arg)
{
	struct zcf_uring *u = arg;
	struct zcfuse_req *req;

	for (;;) {
		pthread_mutex_lock(&u->meta.lock);
		while (!u->meta.head && !atomic_load(&u->stopping))
			pthread_cond_wait(&u->meta.cond, &u->meta.lock);
		req = u->meta.head;
		if (req) {
			u->meta.head = req->next;
			if (!u->meta.head)
				u->meta.tail = &u->meta.head;
		}
		pthread_mutex_unlock(&u->meta.lock);
		if (!req)
			return NULL; /* stopping, and nothing left */
		zcf_dispatch(req);
	}
}

static void lend_entry(struct uring_queue *q);

static void on_request(struct uring_queue *q, struct uring_ent *e)
{
	struct zcfuse_session *se = q->u->se;
	const char *why = NULL;
	int err = frame_ring(q, e, &why);

	atomic_fetch_add_explicit(&zcf_stats_mine(se)->via_ring, 1, memory_order_relaxed);
	if (err) {
		atomic_fetch_add_explicit(&zcf_stats_mine(se)->malformed, 1, memory_order_relaxed);
		zcf_warn("malformed ring request on queue %u (opcode %u, len %u): %s; answered EIO",
			 q->qid, e->req.in.opcode, e->req.in.len, why ? why : "bad lengths");
		e->req.flags &= ~ZCF_REQ_ZERO_COPY;
		uring_send(&e->req, -EIO, NULL, 0);
		return;
	}
	/* Requests whose data arrived in the pool (zero copy counts at its I/O). */
	if (is_pool(q->u) && e->req.data_len && !(e->req.flags & ZCF_REQ_ZERO_COPY))
		zcf_count(&zcf_stats_mine(se)->path[ZCF_PATH_POOL], e->req.data_len);
	if (q->inflight_io || q->batch > 1)
		e->req.flags |= ZCF_REQ_QUEUE_BUSY;
	if (zcf_opcode_flags(e->req.in.opcode) & ZCF_OPF_MAY_WAIT)
		lend_entry(q);
	if (q->u->meta.nthreads && !runs_on_queue(e->req.in.opcode))
		meta_push(q->u, &e->req);
	else
		zcf_dispatch(&e->req);
}

static void on_io_done(struct uring_queue *q, struct uring_ent *e, int res)
{
	struct zcfuse_req *req = &e->req;

	q->inflight_io--;
	e->io_inflight = false;
	if (res >= 0 && req->io_path < ZCF_PATH_MAX)
		zcf_count(&zcf_stats_mine(q->u->se)->path[req->io_path], (uint64_t)res);
	zcf_io_complete(req, res);
}

static void arm_wake(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = get_sqe(q);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, q->efd, &q->efd_val, sizeof(q->efd_val), 0);
	sqe->user_data = ud(NULL, UD_WAKE);
}

/*
 * INTERRUPT arrived (on /dev/fuse) for a request whose backing I/O may be on
 * one of our rings: each queue thread cancels its own (the ring is single
 * issuer). The I/O then ends with -ECANCELED and the request with EINTR.
 */
static void uring_cancel_io(struct zcfuse_session *se, uint64_t unique)
{
	struct zcf_uring *u = se->uring;
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

static void cancel_now(struct uring_queue *q, uint64_t unique)
{
	struct io_uring_sqe *sqe;
	unsigned i;

	for (i = 0; i < q->u->depth; i++) {
		struct uring_ent *e = &q->ents[i];

		if (!e->io_inflight || e->req.in.unique != unique)
			continue;
		sqe = get_sqe(q);
		if (!sqe)
			return;
		io_uring_prep_cancel64(sqe, ud(e, UD_IO), 0);
		sqe->user_data = ud(NULL, UD_CANCEL);
	}
}

/*
 * A request that may wait for a long time without an answer (a SETLKW)
 * keeps its ring entry, and the kernel sends every request of this CPU to
 * this queue: 16 waiters would take every entry and stall the CPU's other
 * requests, even the unlock that would free them. So each such request
 * lends its entry out: a spare entry is registered in its place, and the
 * queue's serving capacity stays at its depth. Spares stay registered (they
 * serve any request later) up to ZCF_SPARES_MAX per queue; they carry no
 * fixed buffer (backing I/O into them uses plain reads). Under zero copy a
 * spare gets zero-copy slot 1 + idx like any entry: the sparse buffer table
 * is sized for the spares at setup (an empty slot pins nothing).
 */

static void lend_entry(struct uring_queue *q)
{
	struct zcf_uring *u = q->u;
	struct fuse_uring_cmd_req cr = { .qid = (uint16_t)q->qid };
	struct io_uring_sqe *sqe;
	struct uring_ent *e;

	if (q->nr_spares >= ZCF_SPARES_MAX)
		return;
	e = aligned_alloc(64, (sizeof(*e) + 63) & ~(size_t)63);
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->q = q;
	e->idx = u->depth + q->nr_spares; /* past the fixed-buffer table: never fixed */
	e->hdr = calloc(1, sizeof(*e->hdr));
	if (!is_pool(u))
		e->own_payload = malloc(u->payload_size); /* touched only by what arrives */
	sqe = e->hdr && (is_pool(u) || e->own_payload) ? get_sqe(q) : NULL;
	if (!sqe) {
		free(e->hdr);
		free(e->own_payload);
		free(e);
		return;
	}
	e->reg_iov[0].iov_base = e->hdr;
	e->reg_iov[0].iov_len = sizeof(*e->hdr);
	e->reg_iov[1].iov_base = e->own_payload;
	e->reg_iov[1].iov_len = e->own_payload ? u->payload_size : 0;
	if (u->kind == ZCF_TRANSPORT_ZEROCOPY)
		cr.ent_zero_copy_buf_index = (uint16_t)(1 + e->idx);
	prep_cmd(q, sqe, FUSE_IO_URING_CMD_REGISTER, &cr);
	sqe->addr = (uint64_t)(uintptr_t)e->reg_iov;
	sqe->len = 2;
	sqe->user_data = ud(e, UD_CMD);
	e->live = true;
	q->live_ents++;
	e->spare_next = q->spares;
	q->spares = e;
	q->nr_spares++;
}

static void spares_free(struct uring_queue *q)
{
	struct uring_ent *e;

	while ((e = q->spares)) {
		q->spares = e->spare_next;
		free(e->hdr);
		free(e->own_payload);
		free(e);
	}
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
		commit_now(e);
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

	if (!q->inflight_io || !(sqe = get_sqe(q)))
		return;
	io_uring_prep_cancel(sqe, NULL, IORING_ASYNC_CANCEL_ANY);
	sqe->user_data = ud(NULL, UD_CANCEL);
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
		zcf_session_ended(q->u->se, "ring entries ended");
	}
}

static void queue_loop(struct uring_queue *q)
{
	struct zcf_uring *u = q->u;
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
			struct uring_ent *e = (void *)(uintptr_t)(cqe->user_data & ~UD_TAG_MASK);

			n++;
			switch (cqe->user_data & UD_TAG_MASK) {
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
	}
}

/* ---- Setup ---- */

static int fail(struct uring_queue *q, int err, const char *what)
{
	q->err = err;
	snprintf(q->why, sizeof(q->why), "%s: %s%s", what, strerror(-err),
		 err == -ENOMEM ? " (memlock limit? see ulimit -l)" :
		 err == -EPERM ? " (io_uring disabled by sysctl, or not privileged)" : "");
	return err;
}

static int ring_create(struct uring_queue *q)
{
	struct zcf_uring *u = q->u;
	unsigned entries = 2 * u->depth + 8;
	struct io_uring_params p;
	int err;

	/*
	 * Only the queue thread submits, so the ring can be single-issuer. The
	 * default runs task work cooperatively (no interrupting IPI): in the
	 * benchmark it served 4K reads at iodepth 16 1.2x faster than
	 * DEFER_TASKRUN, within a few percent elsewhere (-o ring_setup;
	 * doc/design.md has the figures).
	 */
	static const unsigned setup_flags[] = {
		[ZCF_RING_DEFER] = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		[ZCF_RING_COOP] = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
				  IORING_SETUP_TASKRUN_FLAG,
		[ZCF_RING_SINGLE] = IORING_SETUP_SINGLE_ISSUER,
		[ZCF_RING_PLAIN] = 0,
	};

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | setup_flags[u->se->cfg.ring_setup];
	err = io_uring_queue_init_params(entries, &q->ring, &p);
	if (err == -EINVAL && u->se->cfg.ring_setup != ZCF_RING_PLAIN) {
		/* A kernel that refuses a flag: run without the extras. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128;
		err = io_uring_queue_init_params(entries, &q->ring, &p);
	}
	if (err)
		return fail(q, err, "io_uring_queue_init");
	q->ring_ok = true;
	if (!q->qid)
		u->se->ring_flags = p.flags;
	err = io_uring_register_files(&q->ring, &u->se->fd, 1);
	if (err)
		return fail(q, err, "registering /dev/fuse with the ring");
	if (!u->se->cfg.ring_fd_plain)
		io_uring_register_ring_fd(&q->ring); /* saves an fd lookup per enter; optional */
	/*
	 * Backing I/O that io_uring hands to workers (large memory-fs reads on
	 * a busy queue, files without nowait support) runs on the other CPUs,
	 * in parallel with this queue: 128K qd16 reads went from 0.96x to 1.7x
	 * libfuse's io_uring mode with it. The workers would otherwise inherit
	 * the queue thread's pinning.
	 */
	if (u->nq > 1) {
		cpu_set_t others;
		unsigned c;

		CPU_ZERO(&others);
		for (c = 0; c < u->nq; c++)
			if (c != q->qid)
				CPU_SET(c, &others);
		io_uring_register_iowq_aff(&q->ring, sizeof(others), &others);
	}
	return 0;
}

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int buffers_create(struct uring_queue *q)
{
	struct zcf_uring *u = q->u;
	struct iovec *iovs;
	unsigned i;
	int err;

	q->hdrs_size = (u->depth * sizeof(*q->hdrs) + 4095) & ~(size_t)4095;
	q->hdrs = map_anon(q->hdrs_size);
	/* Entries: one buffer each. A pool may hold fewer: the kernel then parks
	 * requests until a buffer is free. */
	q->payload_mem_size = (is_pool(u) ? u->pool_bufs : u->depth) * u->payload_size;
	q->payload_mem = map_anon(q->payload_mem_size);
	q->ents = calloc(u->depth, sizeof(*q->ents));
	if (!q->hdrs || !q->payload_mem || !q->ents)
		return fail(q, -ENOMEM, "allocating ring buffers");
	for (i = 0; i < u->depth; i++) {
		struct uring_ent *e = &q->ents[i];

		e->q = q;
		e->idx = i;
		e->hdr = &q->hdrs[i];
		if (!is_pool(u))
			e->own_payload = q->payload_mem + i * u->payload_size;
	}

	if (u->kind == ZCF_TRANSPORT_URING) {
		/* Beyond the pin budget a queue runs without fixed buffers. */
		if (q->qid >= u->reg_queues)
			return 0;
		/* Every entry's payload is a fixed buffer: index = entry. */
		iovs = calloc(u->depth, sizeof(*iovs));
		if (!iovs)
			return fail(q, -ENOMEM, "allocating ring buffers");
		for (i = 0; i < u->depth; i++) {
			iovs[i].iov_base = q->ents[i].own_payload;
			iovs[i].iov_len = u->payload_size;
		}
		err = io_uring_register_buffers(&q->ring, iovs, u->depth);
		free(iovs);
		if (err) /* still correct without; backing reads then copy */
			zcf_warn("queue %u: payload buffers not registered (%s); backing I/O "
				 "will not use fixed buffers", q->qid, strerror(-err));
		q->payload_registered = !err;
		if (!err)
			atomic_fetch_add(&u->pinned, (size_t)u->depth * u->payload_size);
		return 0;
	}

	/* Pools: slot 0 is the pool; zero copy adds a slot per entry. */
	{
		struct iovec pool = { q->payload_mem, q->payload_mem_size };

		if (u->kind == ZCF_TRANSPORT_ZEROCOPY) {
			err = io_uring_register_buffers_sparse(&q->ring, 1 + u->depth + ZCF_SPARES_MAX);
			if (err)
				return fail(q, err, "registering a sparse buffer table");
			err = io_uring_register_buffers_update_tag(&q->ring, POOL_BUF_INDEX, &pool,
								   NULL, 1);
			err = err == 1 ? 0 : (err < 0 ? err : -EIO);
		} else {
			err = io_uring_register_buffers(&q->ring, &pool, 1);
		}
		if (err)
			return fail(q, err, "registering the buffer pool");
		q->payload_registered = true;
		atomic_fetch_add(&u->pinned, q->payload_mem_size);
	}
	return 0;
}

/* ADD_QUEUE and ADD_BUFPOOL complete at once: wait for each. */
static int setup_cmd(struct uring_queue *q, uint32_t op, const struct fuse_uring_cmd_req *cr)
{
	struct io_uring_sqe *sqe = get_sqe(q);
	struct io_uring_cqe *cqe;
	int err;

	if (!sqe)
		return -EBUSY;
	prep_cmd(q, sqe, op, cr);
	if (op == FUSE_IO_URING_CMD_ADD_QUEUE) { /* the pool is not attached yet */
		sqe->uring_cmd_flags = 0;
		sqe->buf_index = 0;
	}
	sqe->user_data = ud(NULL, UD_SETUP);
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

static int register_entries(struct uring_queue *q)
{
	struct zcf_uring *u = q->u;
	struct __kernel_timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	unsigned i, head;
	int err;

	if (is_pool(u)) {
		struct fuse_uring_cmd_req cr = { .qid = (uint16_t)q->qid };

		if (u->kind == ZCF_TRANSPORT_ZEROCOPY)
			cr.flags = FUSE_URING_ZERO_COPY;
		err = setup_cmd(q, FUSE_IO_URING_CMD_ADD_QUEUE, &cr);
		if (err)
			return fail(q, err, "ADD_QUEUE");
		memset(&cr, 0, sizeof(cr));
		cr.qid = (uint16_t)q->qid;
		cr.bufpool.uaddr = (uint64_t)(uintptr_t)q->payload_mem;
		cr.bufpool.len = (uint32_t)q->payload_mem_size;
		err = setup_cmd(q, FUSE_IO_URING_CMD_ADD_BUFPOOL, &cr);
		if (err)
			return fail(q, err, "ADD_BUFPOOL");
	}
	for (i = 0; i < u->depth; i++) {
		struct uring_ent *e = &q->ents[i];
		struct fuse_uring_cmd_req cr = { .qid = (uint16_t)q->qid };
		struct io_uring_sqe *sqe = get_sqe(q);

		if (!sqe)
			return fail(q, -EBUSY, "no SQE for REGISTER");
		e->reg_iov[0].iov_base = e->hdr;
		e->reg_iov[0].iov_len = sizeof(*e->hdr);
		e->reg_iov[1].iov_base = e->own_payload; /* pools: empty, as required */
		e->reg_iov[1].iov_len = e->own_payload ? u->payload_size : 0;
		if (u->kind == ZCF_TRANSPORT_ZEROCOPY)
			cr.ent_zero_copy_buf_index = (uint16_t)(1 + i);
		prep_cmd(q, sqe, FUSE_IO_URING_CMD_REGISTER, &cr);
		sqe->addr = (uint64_t)(uintptr_t)e->reg_iov;
		sqe->len = 2;
		sqe->user_data = ud(e, UD_CMD);
		e->live = true;
		q->live_ents++;
	}
	err = io_uring_submit(&q->ring);
	if (err < 0)
		return fail(q, err, "submitting REGISTER");
	/* A refused REGISTER completes at once; an accepted one stays parked. */
	io_uring_wait_cqe_timeout(&q->ring, &cqe, &ts);
	io_uring_for_each_cqe(&q->ring, head, cqe) {
		if ((cqe->user_data & UD_TAG_MASK) == UD_CMD && cqe->res < 0 &&
		    cqe->res != -EINTR)
			return fail(q, cqe->res, "REGISTER");
	}
	return 0;
}

static void report(struct zcf_uring *u)
{
	pthread_mutex_lock(&u->lock);
	u->reported++;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

static int wait_phase(struct zcf_uring *u, int phase)
{
	int got;

	pthread_mutex_lock(&u->lock);
	while (u->phase != phase && u->phase != -1)
		pthread_cond_wait(&u->cond, &u->lock);
	got = u->phase;
	pthread_mutex_unlock(&u->lock);
	return got;
}

static void *queue_main(void *arg)
{
	struct uring_queue *q = arg;
	struct zcf_uring *u = q->u;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(q->qid, &cpus);
	/*
	 * On the CPU whose clients it serves: at queue depth 1 a request's
	 * hand-offs stay on one CPU (measured: pinning elsewhere or not at all
	 * cost 3x to 6x at 4K qd1 on a 2-vCPU VM).
	 */
	sched_setaffinity(0, sizeof(cpus), &cpus); /* offline CPUs: harmless miss */
	tls_queue = q;

	/* The thread that submits creates the ring (SINGLE_ISSUER). */
	if (!ring_create(q))
		buffers_create(q);
	report(u);
	if (q->err || wait_phase(u, 1) != 1)
		return NULL;
	register_entries(q);
	report(u);
	if (q->err || wait_phase(u, 2) != 2)
		return NULL;
	queue_loop(q);
	return NULL;
}

static int wait_reports(struct zcf_uring *u, char *why, size_t whylen)
{
	unsigned i;

	pthread_mutex_lock(&u->lock);
	while (u->reported < u->nq)
		pthread_cond_wait(&u->cond, &u->lock);
	u->reported = 0;
	pthread_mutex_unlock(&u->lock);
	for (i = 0; i < u->nq; i++) {
		if (u->qs[i].err) {
			snprintf(why, whylen, "queue %u: %s", i, u->qs[i].why);
			return u->qs[i].err;
		}
	}
	return 0;
}

static void set_phase(struct zcf_uring *u, int phase)
{
	pthread_mutex_lock(&u->lock);
	u->phase = phase;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

int zcf_uring_prepare(struct zcfuse_session *se, enum zcf_transport_kind kind, char *why,
		      size_t whylen)
{
	struct zcf_uring *u;
	unsigned i;
	int err = 0;

	zcf_uring_stop(se); /* an earlier, failed rung of the ladder */
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->se = se;
	u->kind = kind;
	u->nq = se->ncpus;
	u->depth = se->cfg.queue_depth;
	/*
	 * The kernel sizes every payload as max(8192, max_write, max_pages
	 * pages); the sizes keep what io_uring pins within max_pinned. Each
	 * rung of the ladder sizes afresh from what was asked.
	 */
	{
		struct zcf_ring_size rs;

		if (!se->cfg.max_write_set)
			se->cfg.max_write = ZCF_DEFAULT_MAX_WRITE;
		zcf_ring_size(kind, u->nq, u->depth, se->cfg.max_write, se->cfg.max_write_set,
			      se->cfg.pool_bufs, (size_t)se->cfg.max_pinned_mib << 20, &rs);
		se->cfg.max_write = rs.max_write;
		u->payload_size = rs.payload_size;
		u->pool_bufs = rs.pool_bufs;
		u->reg_queues = rs.registered_queues;
	}
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	pthread_mutex_init(&u->meta.lock, NULL);
	pthread_cond_init(&u->meta.cond, NULL);
	u->meta.tail = &u->meta.head;
	u->qs = calloc(u->nq, sizeof(*u->qs));
	if (!u->qs) {
		free(u);
		return -ENOMEM;
	}
	se->uring = u;
	for (i = 0; i < u->nq; i++)
		u->qs[i].efd = -1;
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		q->u = u;
		q->qid = i;
		pthread_mutex_init(&q->remote_lock, NULL);
		q->efd = eventfd(0, EFD_CLOEXEC);
		if (q->efd < 0) {
			err = -errno;
			break;
		}
	}
	if (!err) {
		sigset_t old;

		se->cancel_io = uring_cancel_io;
		zcf_block_stop_signals(&old); /* queue threads leave them to main */
		for (i = 0; i < u->nq && !err; i++) {
			err = -pthread_create(&u->qs[i].thread, NULL, queue_main, &u->qs[i]);
			u->qs[i].thread_started = !err;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err) { /* the started ones still report; count the rest as done */
			pthread_mutex_lock(&u->lock);
			u->reported += u->nq - (i - 1);
			pthread_mutex_unlock(&u->lock);
			snprintf(why, whylen, "cannot start queue threads: %s", strerror(-err));
		}
	} else {
		snprintf(why, whylen, "eventfd: %s", strerror(-err));
	}
	if (!err)
		err = wait_reports(u, why, whylen);
	else
		wait_reports(u, why, whylen);
	if (err) {
		zcf_uring_stop(se);
		return err;
	}
	return 0;
}

int zcf_uring_start(struct zcfuse_session *se, char *why, size_t whylen)
{
	struct zcf_uring *u = se->uring;
	int err;

	if (!u)
		return -EINVAL;
	set_phase(u, 1);
	err = wait_reports(u, why, whylen);
	if (err)
		return err;
	/*
	 * A pool slot is what the kernel makes it: max(8192, max_write,
	 * max_pages pages) as negotiated, which the fs's init may have shrunk.
	 */
	{
		size_t k = se->conn.max_write > 8192 ? se->conn.max_write : 8192;

		if ((size_t)se->conn.max_pages * 4096 > k)
			k = (size_t)se->conn.max_pages * 4096;
		if (k < u->payload_size)
			u->payload_size = k;
	}
	if (se->cfg.meta_threads) {
		u->meta.threads = calloc(se->cfg.meta_threads, sizeof(*u->meta.threads));
		if (!u->meta.threads)
			return -ENOMEM;
		while (u->meta.nthreads < se->cfg.meta_threads &&
		       !pthread_create(&u->meta.threads[u->meta.nthreads], NULL, meta_main, u))
			u->meta.nthreads++;
	}
	se->nr_queues = u->nq;
	set_phase(u, 2);
	return 0;
}

size_t zcf_uring_pinned(const struct zcfuse_session *se)
{
	return se->uring ? atomic_load(&se->uring->pinned) : 0;
}

void zcf_uring_stop(struct zcfuse_session *se)
{
	struct zcf_uring *u = se->uring;
	uint64_t one = 1;
	unsigned i;

	se->cancel_io = NULL; /* no INTERRUPT reaches the queues from now on */
	if (!u)
		return;
	atomic_store(&u->stopping, true);
	set_phase(u, -1);
	pthread_mutex_lock(&u->meta.lock);
	pthread_cond_broadcast(&u->meta.cond);
	pthread_mutex_unlock(&u->meta.lock);
	for (i = 0; i < u->meta.nthreads; i++) {
		struct timespec ts;

		/* A worker stuck in the filesystem's code: leave it its memory. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		if (pthread_timedjoin_np(u->meta.threads[i], NULL, &ts)) {
			zcf_warn("a meta worker did not stop within 5 s; leaving it");
			u->meta.stuck = true;
		}
	}
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (q->efd >= 0 && write(q->efd, &one, sizeof(one)) < 0)
			zcf_dbg("waking queue %u: %s", i, strerror(errno));
	}
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (q->thread_started)
			pthread_join(q->thread, NULL);
		/* Exiting the ring cancels the commands the kernel still holds. */
		if (q->ring_ok)
			io_uring_queue_exit(&q->ring);
		if (u->meta.stuck) /* it may still answer into these: keep them */
			continue;
		if (q->hdrs)
			munmap(q->hdrs, q->hdrs_size);
		if (q->payload_mem)
			munmap(q->payload_mem, q->payload_mem_size);
		free(q->ents);
		spares_free(q);
		if (q->efd >= 0)
			close(q->efd);
		pthread_mutex_destroy(&q->remote_lock);
	}
	se->uring = NULL;
	if (u->meta.stuck)
		return;
	free(u->meta.threads);
	free(u->qs);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->meta.lock);
	pthread_cond_destroy(&u->meta.cond);
	free(u);
}
