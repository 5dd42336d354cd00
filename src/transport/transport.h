/* SPDX-License-Identifier: MIT */
/*
 * The transport floor (src/transport/): the carriers that move requests
 * between the kernel and the protocol floor, behind one interface. It stands
 * on src/proto/ and src/core/ and never calls the session: a carrier reports
 * up through return values, or through the session's event descriptor
 * (zcf_chan_report_end()) when the connection ends under it.
 *
 *   channel.c   the /dev/fuse control channel every mount has: the writer,
 *               descriptor clones, passthrough ioctls, cache invalidations
 *   notify.c    the other notifications (poll, store, retrieve, ...)
 *   classic.c   classic readers: threads reading /dev/fuse. Always running:
 *               with a ring one reader still takes what the kernel does not
 *               put on the ring (FORGET, BATCH_FORGET, INTERRUPT)
 *   ring_*.c    the optional io_uring data path, one thread and one SQE128
 *               ring per possible CPU; its payload mode says where request
 *               data lives (below)
 *   backing.c   the filesystem's backing I/O (on the ring or synchronous)
 */
#ifndef ZCFUSE_TRANSPORT_TRANSPORT_H
#define ZCFUSE_TRANSPORT_TRANSPORT_H

#include <semaphore.h>
#include <stddef.h>

#include "proto/proto.h"
#include "transport/read_policy.h"

struct zcf_chan;
struct zcf_ring;

/*
 * A program's own descriptor in place of /dev/fuse (libfuse's
 * fuse_session_custom_io): the far end bridges to a kernel, or is no
 * kernel at all. Every request is read with read (one request per call),
 * every reply and notification written with writev, or, when splice_send
 * is not NULL, a spliced READ reply moved from a pipe (pipe_rd, @len bytes:
 * the whole message) with it; all answer bytes or -errno. clone_fd, when
 * not NULL, gives each further classic reader its
 * own descriptor; without it the readers share the session's, one read at
 * a time (rlock: a semaphore, so the stop's wake-up signal reaches a reader
 * waiting for it). Writes are one at a time (wlock): two messages must not
 * interleave on a stream. The session floor sets it up
 * (zcf_session_custom_io); the rings never run on it.
 */
struct zcf_dev_io {
	ssize_t (*read)(void *arg, int fd, void *buf, size_t len);
	ssize_t (*writev)(void *arg, int fd, struct iovec *iov, int iovcnt);
	ssize_t (*splice_send)(void *arg, int pipe_rd, int fd, size_t len, unsigned int flags);
	int (*clone_fd)(void *arg, int fd);
	void *arg;
	sem_t rlock;
	pthread_mutex_t wlock;
};

/*
 * A session as the floors up to this one see it: the protocol's part first
 * (pc, all the protocol floor knows), then the carriers'. The session floor
 * wraps it with what only it uses (session/session.h, struct zcf_roof).
 */
struct zcfuse_session {
	struct zcf_proto_ctx pc;
	int fd;                       /* /dev/fuse, -1 when not mounted */
	struct zcf_dev_io *dev_io;    /* NULL: fd is /dev/fuse (the rule) */
	struct zcf_chan *chan;        /* the /dev/fuse readers (always, for FORGET/INTERRUPT) */
	struct zcf_ring *ring;        /* ring queues, if any */
	struct zcf_ring *ring_left;   /* a stopped ring whose queue threads did not all stop */
	volatile sig_atomic_t exiting;
	int exit_efd;                 /* eventfd: wakes run() on exit; carriers report here */
	int end_err;                  /* -errno: the first read that ended the connection, 0 */
	unsigned ncpus;
	unsigned nr_readers;          /* /dev/fuse reader threads started */
	unsigned nr_queues;           /* ring queues started */
	unsigned ring_flags;          /* io_uring setup flags the queues got */
	size_t pin_late_max;          /* uring: bytes queues may register at first use (0: at start) */
	size_t pinned_at_stop;        /* what the ring had registered when it stopped */
	/* Where backing reads run: a verdict per size class, a state per queue thread */
	struct zcf_rp_verdict rp_verdict[ZCF_RP_CLASSES];
	_Atomic(struct zcf_rp_queue *) rp_queues;
	unsigned rp_nqueues;          /* under pc.lock */
};

/* The session whose protocol part is @pc. */
static inline struct zcfuse_session *zcf_session_of(struct zcf_proto_ctx *pc)
{
	return (struct zcfuse_session *)((char *)pc - offsetof(struct zcfuse_session, pc));
}
static inline struct zcfuse_session *zcf_req_se(const struct zcfuse_req *req)
{
	return zcf_session_of(req->pc);
}

/* Where a ring's request payloads live. */
enum zcf_payload {
	ZCF_PAYLOAD_OWN = 0,   /* each entry its own registered buffer ("uring") */
	ZCF_PAYLOAD_POOL,      /* one registered pool per queue ("bufpool", Linux 7.3) */
	ZCF_PAYLOAD_ZERO_COPY, /* a pool plus a sparse slot per entry ("zerocopy") */
};

/*
 * A carrier. The session calls, in order: prepare (before the INIT reply:
 * rings, buffers), start (after it: threads, registrations), stop (joins and
 * frees; safe to call on a carrier never prepared or started). The
 * per-request calls are the protocol floor's struct zcf_carrier.
 */
struct zcf_transport {
	const char *name;
	const struct zcf_carrier *carrier;
	/* 0, or -errno with the reason in @why. */
	int (*prepare)(struct zcfuse_session *se, enum zcf_payload payload, char *why,
		       size_t whylen);
	/* @threads: how many readers (classic); the ring runs one queue per CPU. */
	int (*start)(struct zcfuse_session *se, unsigned threads, char *why, size_t whylen);
	void (*stop)(struct zcfuse_session *se);
	/* Bytes it registered with io_uring (pinned memory). */
	size_t (*pinned)(const struct zcfuse_session *se);
};

/*
 * Test only (mount/interrupt-window): milliseconds a synchronous backing
 * I/O sleeps between its interrupted check and its wait, from
 * $ZCFUSE_TEST_INTR_WINDOW_MS; 0 normally (backing.c).
 */
unsigned zcf_test_intr_window_ms(void);

/* The /dev/fuse readers (classic.c) and the io_uring queues (ring_setup.c). */
extern const struct zcf_transport zcf_classic_transport;
extern const struct zcf_transport zcf_ring_transport;

/* ---- The /dev/fuse channel (channel.c) ---- */

/*
 * Writes one message to /dev/fuse (fd: the session's or a reader's clone),
 * or through se->dev_io: the out header (unique, error, length) and up to
 * 7 iovecs. Replies on classic, notifications. 0 or -errno; a dev_io
 * writev that came back short is -EIO.
 */
int zcf_chan_write(struct zcfuse_session *se, int fd, uint64_t unique, int error,
		   const struct iovec *iov, int iovcnt);
/* One request from fd through se->dev_io into buf: bytes (0: the far end closed), or -errno. */
ssize_t zcf_dev_io_read(struct zcfuse_session *se, int fd, void *buf, size_t len);
/* A whole message of @len bytes from @pipe_rd to fd through se->dev_io's splice_send. */
ssize_t zcf_dev_io_splice(struct zcfuse_session *se, int pipe_rd, int fd, size_t len,
			  unsigned int flags);
/* A notification (unique 0, @code where a reply has its error). 0 or -errno. */
int zcf_chan_notify(struct zcfuse_session *se, int code, const struct iovec *iov, int iovcnt);
/*
 * A zero-length retrieve of @nodeid whose NOTIFY_REPLY nobody waits for,
 * sent to make the kernel put a request on the caller's CPU's queue
 * (zcf_ring_kick). 0 or -errno.
 */
int zcf_notify_kick(struct zcfuse_session *se, uint64_t nodeid, unsigned qid, uint64_t seq);
/* A new descriptor on the same connection (FUSE_DEV_IOC_CLONE). fd or -errno. */
int zcf_chan_clone(int fd);
/*
 * The connection ended under a carrier (ENODEV, ENOTCONN): marks the session
 * exiting and wakes its loop through the event descriptor.
 */
void zcf_chan_report_end(struct zcfuse_session *se, const char *why);
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
/*
 * zcf_classic_transport.stop with an answer, for the session's destroy:
 * joins the readers (they end when the connection ends) and frees them: 0.
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
 * The same for queue threads the ring's stop left in the filesystem's code:
 * false when none is left (the ring is then freed here); true when the last
 * to leave will call @free_fn, or never will (a meta worker is stuck: the
 * session is kept for the process's life).
 */
bool zcf_ring_orphan(struct zcfuse_session *se, void (*free_fn)(struct zcfuse_session *se));

/* ---- Backing I/O (backing.c) ---- */

/* Called by a carrier when a backing I/O ends: runs the filesystem's callback. */
void zcf_io_complete(struct zcfuse_req *req, int res);
/*
 * Called by a carrier as a request whose row says ZCF_OPF_ENDS_FH (RELEASE)
 * arrives: a file handle and the descriptor behind it may be reused from
 * now on, so what is cached per (fh, fd) about backing files is dropped.
 */
void zcf_backing_fh_ended(void);

/* ---- Ring sizing (ring_size.c) ---- */

/*
 * Sizes of a ring transport within a pinned-memory budget: payload_size per
 * buffer, the max_write to negotiate (may be below the one asked unless it
 * was given), pool buffers per queue (pools), how many queues register
 * their payloads (own buffers) and the bytes pinned in all.
 */
struct zcf_ring_size {
	size_t payload_size;
	unsigned max_write;
	unsigned pool_bufs;
	unsigned registered_queues;
	size_t pinned;
};
size_t zcf_ring_payload_size(unsigned max_write);
/* The default budget of one mount: 64 MiB for own buffers, 16 MiB for the pools. */
size_t zcf_ring_default_budget(enum zcf_payload payload);
/*
 * The default budget for a process with or without CAP_IPC_LOCK and an
 * RLIMIT_MEMLOCK of @memlock bytes (RLIM_INFINITY: none); never 0.
 */
size_t zcf_ring_pin_budget(enum zcf_payload payload, bool ipc_lock, unsigned long long memlock);
/* @budget 0: the default. @pool_bufs 0: one buffer per entry while it fits. */
void zcf_ring_size(enum zcf_payload payload, unsigned nq, unsigned depth, unsigned max_write,
		   bool max_write_fixed, unsigned pool_bufs, size_t budget, struct zcf_ring_size *out);

#endif
