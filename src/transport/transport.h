/* SPDX-License-Identifier: MIT */
/*
 * What the session needs from the transports.
 *
 * classic.c: worker threads reading /dev/fuse (one cloned descriptor each).
 *   Always running: with a ring transport one reader still takes what the
 *   kernel does not put on the ring (FORGET, BATCH_FORGET, INTERRUPT).
 * uring.c: one thread and one SQE128 ring per possible CPU, each with
 *   queue_depth long-lived URING_CMD entries; "uring" gives each entry its
 *   own registered payload buffer, "bufpool" one registered pool per queue
 *   (Linux 7.3), "zerocopy" adds a sparse buffer slot per entry.
 */
#ifndef ZCFUSE_TRANSPORT_TRANSPORT_H
#define ZCFUSE_TRANSPORT_TRANSPORT_H

#include "core/internal.h"

extern const struct zcf_transport zcf_classic_transport;

/* Reads the first request (INIT) on se->fd into a fresh request. 0 or -errno. */
int zcf_classic_read_init(struct zcfuse_session *se, struct zcfuse_req **out);
/*
 * The program's own loop (libfuse's fuse_session_receive_buf/process_buf):
 * the largest request a read of se->fd can return, and one request read
 * by the program, @n bytes at @buf, copied into a request of ours and
 * dispatched on the calling thread. Before INIT only INIT is taken: it is
 * handed back in @init for zcf_session_own_init(). 0 or -errno.
 */
size_t zcf_classic_bufsize(struct zcfuse_session *se);
int zcf_classic_process(struct zcfuse_session *se, const void *buf, size_t n,
			struct zcfuse_req **init);
/* Starts @nthreads readers; each clones se->fd. 0 or -errno. */
int zcf_classic_start(struct zcfuse_session *se, unsigned nthreads);
/*
 * Joins the readers (they end when the connection ends) and frees them: 0.
 * -EBUSY when one stays inside the filesystem's code beyond 5 s; it keeps
 * its descriptor and buffers, and a later call tries again.
 */
int zcf_classic_stop(struct zcfuse_session *se);
/*
 * After a stop that answered -EBUSY: hands the session to the readers still
 * running; the last one to leave frees the transport and calls @free_fn
 * with the session. false when none is running any more (nothing handed).
 */
bool zcf_classic_orphan(struct zcfuse_session *se, void (*free_fn)(struct zcfuse_session *se));

/*
 * Before the INIT reply: creates the rings, buffers and registrations for
 * @kind. On failure returns -errno and writes the reason to @why.
 */
int zcf_uring_prepare(struct zcfuse_session *se, enum zcf_transport_kind kind, char *why,
		      size_t whylen);
/*
 * Sizes of a ring transport within a pinned-memory budget (ring_size.c):
 * payload_size per buffer, the max_write to negotiate (may be below the one
 * asked unless it was given), pool buffers per queue (pools), how many queues
 * register their payloads (uring) and the bytes pinned in all.
 */
struct zcf_ring_size {
	size_t payload_size;
	unsigned max_write;
	unsigned pool_bufs;
	unsigned registered_queues;
	size_t pinned;
};
size_t zcf_ring_payload_size(unsigned max_write);
/* The default budget of one mount: 64 MiB for uring, 16 MiB for the pools. */
size_t zcf_ring_default_budget(enum zcf_transport_kind kind);
/* @budget 0: the default. @pool_bufs 0: one buffer per entry while it fits. */
void zcf_ring_size(enum zcf_transport_kind kind, unsigned nq, unsigned depth, unsigned max_write,
		   bool max_write_fixed, unsigned pool_bufs, size_t budget, struct zcf_ring_size *out);

/* After the INIT reply: registers the entries and starts the queue threads. */
int zcf_uring_start(struct zcfuse_session *se, char *why, size_t whylen);
/* Bytes the ring transport registered with io_uring (pinned), 0 without one. */
size_t zcf_uring_pinned(const struct zcfuse_session *se);
/* Wakes and joins the queue threads, frees rings and buffers. */
void zcf_uring_stop(struct zcfuse_session *se);

#endif
