/* SPDX-License-Identifier: MIT */
/*
 * FUSE over io_uring, shared by the ring_*.c files of this floor (nothing
 * outside src/transport/ includes it).
 *
 * One thread and one SQE128 ring per possible CPU (the kernel routes a
 * request to the queue of the CPU its caller runs on). Each queue holds
 * queue_depth long-lived URING_CMD entries on /dev/fuse; an entry's
 * completion is a request, and its next command (COMMIT_AND_FETCH) carries
 * the answer and fetches the next request.
 *
 *   ring_setup.c     rings and buffers, the start-up barrier, prepare/start/stop
 *   ring_register.c  ADD_QUEUE/ADD_BUFPOOL, REGISTER of entries and spares
 *   ring_queue.c     the queue thread's loop: completions to requests, cancels
 *   ring_commit.c    answers: COMMIT_AND_FETCH, hand-over from other threads,
 *                    backing I/O on the ring
 *   ring_workers.c   off-queue workers for ops that may block (-o meta_threads)
 *
 * Payload memory, by payload mode:
 *   own      each entry has its own payload buffer; all are registered with
 *            the ring, so backing I/O reads straight into them (READ_FIXED).
 *            The kernel still copies from them (Linux 6.14 to 7.2).
 *   pool     one pool per queue, registered as fixed buffer 0 and handed to
 *            the kernel with ADD_BUFPOOL + IORING_URING_CMD_FIXED: the kernel
 *            imports it too (the RFC's mechanism, Linux 7.3).
 *   zero copy a pool queue with FUSE_URING_ZERO_COPY: for opted-in files
 *            the kernel puts the client's pages in entry i's buffer slot
 *            (1 + i) and the server moves data with READ/WRITE_FIXED there.
 *
 * The library owns user_data: an entry pointer with a tag in the low bits.
 * Answers made on the queue's own thread are committed at once; answers
 * from other threads are queued to it and its eventfd is poked.
 */
#ifndef ZCFUSE_TRANSPORT_RING_H
#define ZCFUSE_TRANSPORT_RING_H

#include <liburing.h>
#include <semaphore.h>

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
/* Spare entries a queue may add for requests that wait long (zcf_ring_lend_entry). */
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
	bool held;             /* carries a request not yet committed (queue thread only) */
	bool fresh;            /* a spare that has carried no request yet */
	bool lent;             /* carries a request that may wait long (zcf_ring_lend_entry) */
	struct uring_ent *spare_next; /* a spare entry: the queue's list of them */
} __attribute__((aligned(8)));

struct uring_queue {
	struct zcf_ring *u;
	unsigned qid;
	pthread_t thread;
	bool thread_started;
	sem_t go;              /* the next start-up step may begin (struct zcf_ring) */
	struct io_uring ring;
	bool ring_ok;
	struct uring_ent *ents;
	struct fuse_uring_req_header *hdrs;
	size_t hdrs_size;
	char *payload_mem;     /* uring: entries' buffers; bufpool: the pool */
	size_t payload_mem_size;
	bool payload_registered;
	bool reg_tried;        /* uring under a pin budget: asked for it at its first request */
	int efd;
	uint64_t efd_val;
	pthread_mutex_t remote_lock;
	struct uring_ent *remote;
	uint64_t cancels[8];   /* uniques whose I/O to cancel (under remote_lock) */
	unsigned nr_cancels;
	struct uring_ent *spares; /* entries added for requests that may wait long */
	unsigned nr_spares;
	unsigned kicks;        /* lent entries whose queue the kernel must be made to feed */
	uint64_t kick_nodeid;  /* a regular file the kernel holds: the last waiter's */
	uint64_t kick_seq;
	bool kick_warned;
	unsigned live_ents;
	unsigned inflight_io;
	unsigned batch;        /* completions in the batch being handled */
	unsigned busy_left;    /* requests still counted busy since work last overlapped */
	/* Under u->left.lock: the thread left its loop; the stop gave up waiting for it. */
	bool exited, abandoned;
	int err;
	char why[200];
};

struct zcf_ring {
	struct zcfuse_session *se;
	enum zcf_payload payload;
	unsigned nq;
	unsigned depth;
	size_t payload_size;   /* per request: max(8192, max_write) */
	unsigned pool_bufs;    /* pools: buffers per queue (ring_size.c) */
	unsigned reg_queues;   /* uring: how many queues' payloads the pin budget holds */
	_Atomic unsigned reg_left; /* below nq: registrations left for queues' first requests */
	_Atomic size_t pinned; /* bytes registered with io_uring, all queues */
	struct uring_queue *qs;
	/*
	 * The start-up barrier: each queue posts @ready when a step is done
	 * (ring and buffers made, entries registered) and waits on its own
	 * q->go for the next; the session's thread waits for every queue, then
	 * posts each go. @abandon set before a go means: no next step, end.
	 */
	sem_t ready;
	unsigned started;      /* queue threads running (each posts ready) */
	_Atomic bool abandon;
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
	/*
	 * Queue threads the stop gave up on (inside the filesystem's code):
	 * each frees its own queue when it leaves; the last one the rest of
	 * the ring and, once the session has been destroyed, the session.
	 */
	struct {
		pthread_mutex_t lock;
		unsigned queues;   /* abandoned, still running */
		void (*session_free)(struct zcfuse_session *se);
	} left;
};

/* The queue whose thread this is (NULL on other threads). */
extern ZCF_TLS struct uring_queue *zcf_ring_self;

static inline uint64_t zcf_ring_ud(struct uring_ent *e, enum ud_tag tag)
{
	return (uint64_t)(uintptr_t)e | tag;
}

/* A completion's tag and entry (NULL for the queue's own operations). */
static inline unsigned zcf_ring_ud_tag(uint64_t ud)
{
	return (unsigned)(ud & UD_TAG_MASK);
}

static inline struct uring_ent *zcf_ring_ud_ent(uint64_t ud)
{
	return (struct uring_ent *)(uintptr_t)(ud & ~UD_TAG_MASK);
}

static inline bool zcf_ring_is_pool(const struct zcf_ring *u)
{
	return u->payload != ZCF_PAYLOAD_OWN;
}

/* ring_setup.c: records a queue's start-up failure; returns @err. */
int zcf_ring_queue_fail(struct uring_queue *q, int err, const char *what);
/* uring under a pin budget: the queue's payloads at its first request, if any is left. */
void zcf_ring_register_late(struct uring_queue *q);

/* ring_register.c */
int zcf_ring_register_entries(struct uring_queue *q);
/* A request that may wait long (ZCF_OPF_MAY_WAIT) lends its entry: add a spare. */
void zcf_ring_lend_entry(struct uring_queue *q, struct uring_ent *lent);
void zcf_ring_kick(struct uring_queue *q);
void zcf_ring_spares_free(struct uring_queue *q);

/* ring_queue.c */
void zcf_ring_queue_loop(struct uring_queue *q);
/* se->pc.cancel_io: cancel @unique's backing I/O on whichever queue has it. */
void zcf_ring_cancel_io(struct zcf_proto_ctx *pc, uint64_t unique);

/* ring_commit.c */
extern const struct zcf_carrier zcf_ring_carrier;
/* An SQE, flushing the submission queue if it is full (NULL if still none). */
struct io_uring_sqe *zcf_ring_sqe(struct uring_queue *q);
void zcf_ring_prep_cmd(struct uring_queue *q, struct io_uring_sqe *sqe, uint32_t cmd_op,
		       const struct fuse_uring_cmd_req *cr);
/* COMMIT_AND_FETCH for @e, on its queue's thread. 0 or -EBUSY. */
int zcf_ring_commit_now(struct uring_ent *e);
/* The carrier's send: the answer into the entry's header and payload, then commit. */
int zcf_ring_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt);

/* ring_workers.c */
/* Hands @req to a worker if its op may block and workers run; false: serve here. */
bool zcf_ring_to_worker(struct zcf_ring *u, struct zcfuse_req *req);
/* Starts up to @n workers (u->meta.nthreads say how many). 0 or -ENOMEM. */
int zcf_ring_workers_start(struct zcf_ring *u, unsigned n);
/* Wakes and joins them; a worker that does not stop within 5 s sets meta.stuck. */
void zcf_ring_workers_stop(struct zcf_ring *u);

#endif
