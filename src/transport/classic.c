/* SPDX-License-Identifier: MIT */
/*
 * The classic transport: worker threads reading /dev/fuse, each on its own
 * cloned descriptor (the kernel matches a reply to the descriptor its
 * request was read from), answering with writev.
 *
 * Each request owns a buffer laid out so that a single readv() puts the
 * header and fixed argument just below a page boundary and WRITE data
 * exactly on it: O_DIRECT backing writes work straight from it, and the
 * same page-aligned area is the reply payload for READ.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "transport/classic.h"

struct zcf_chan {
	struct zcfuse_session *se;
	pthread_mutex_t lock;
	struct classic_req *free;   /* idle buffers */
	struct classic_req *all;
	size_t payload_size;
	unsigned nthreads;
	pthread_t *threads;
	int *fds;                   /* -1 once closed */
	bool *joined;               /* joined, or detached to free the session */
	_Atomic unsigned running;
	/*
	 * A reader that would not stop (stuck in the filesystem's code) keeps
	 * the session alive after zcfuse_session_destroy(): the last reader
	 * to leave calls orphan_free with it.
	 */
	bool orphaned;
	bool stuck;                 /* an earlier stop left one: try once more, briefly */
	void (*orphan_free)(struct zcfuse_session *se);
};

static void classic_free(struct zcfuse_session *se);

static int classic_send(struct zcfuse_req *req, int error, const struct iovec *iov,
			int iovcnt);
static void classic_drop(struct zcfuse_req *req);
static int classic_wait_ready(struct zcfuse_req *req, int fd, short events);

static const struct zcf_carrier classic_carrier = {
	.name = "classic",
	.send = classic_send,
	.drop = classic_drop,
	.submit_io = NULL, /* backing I/O runs synchronously on the caller */
	.splice_read = zcf_classic_splice_read,
	.splice_undo = zcf_classic_splice_undo,
	.wait_ready = classic_wait_ready,
};

static void classic_wake_sync_io(struct zcf_proto_ctx *pc, uint64_t unique);
static void on_wake_signal(int sig);

static struct zcf_chan *classic_get(struct zcfuse_session *se)
{
	struct zcf_chan *c = se->chan;
	struct sigaction sa = { 0 };

	if (c)
		return c;
	/* A program's own threads may all ask at once (zcf_classic_bufsize). */
	pthread_mutex_lock(&se->pc.lock);
	c = se->chan;
	if (c) {
		pthread_mutex_unlock(&se->pc.lock);
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		pthread_mutex_unlock(&se->pc.lock);
		return NULL;
	}
	c->se = se;
	pthread_mutex_init(&c->lock, NULL);
	/*
	 * Room for the largest WRITE, and for a READ reply of max_write; the
	 * kernel refuses reads of less than FUSE_MIN_READ_BUFFER (EINVAL).
	 */
	c->payload_size = se->pc.cfg.max_write;
	if (c->payload_size < FUSE_MIN_READ_BUFFER)
		c->payload_size = FUSE_MIN_READ_BUFFER;
	c->payload_size = (c->payload_size + 4095) & ~(size_t)4095;
	se->chan = c;
	/*
	 * Before anyone can be sent WAKE_SIGNAL: a program's own loop threads
	 * (zcf_classic_process) do backing I/O too, and the signal's default
	 * action would end the process. No SA_RESTART, deliberately.
	 */
	sa.sa_handler = on_wake_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(WAKE_SIGNAL, &sa, NULL);
	se->pc.wake_sync_io = classic_wake_sync_io;
	pthread_mutex_unlock(&se->pc.lock);
	return c;
}

static struct classic_req *req_get(struct zcf_chan *c)
{
	struct classic_req *r;

	pthread_mutex_lock(&c->lock);
	r = c->free;
	if (r)
		c->free = (struct classic_req *)r->req.next;
	pthread_mutex_unlock(&c->lock);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->pipe[0] = r->pipe[1] = -1;
	/* Anonymous mapping: pages never touched cost nothing. */
	r->memsize = HEADROOM + c->payload_size;
	r->mem = mmap(NULL, r->memsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (r->mem == MAP_FAILED) {
		free(r);
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	r->all_next = c->all;
	c->all = r;
	pthread_mutex_unlock(&c->lock);
	return r;
}

static void req_put(struct zcf_chan *c, struct classic_req *r)
{
	pthread_mutex_lock(&c->lock);
	r->req.next = c->free ? &c->free->req : NULL;
	c->free = r;
	pthread_mutex_unlock(&c->lock);
}

static void classic_drop(struct zcfuse_req *req)
{
	zcf_classic_splice_undo(req);
	req_put(zcf_req_se(req)->chan, (struct classic_req *)req);
}

static int classic_send(struct zcfuse_req *req, int error, const struct iovec *iov,
			int iovcnt)
{
	struct classic_req *r = (struct classic_req *)req;
	int err = 1;

	if (req->flags & ZCF_REQ_SPLICED)
		err = zcf_classic_splice_send(r, error, iov, iovcnt);
	if (err == 1)
		err = zcf_chan_write(zcf_req_se(req), r->fd, req->in.unique, error, iov, iovcnt);

	/* ENOENT: the kernel gave up on this request (interrupted). */
	if (err && err != -ENOENT && err != -ENODEV)
		zcf_warn("reply to %s (unique %llu) failed: %s", zcf_opcode_name(req->in.opcode),
			 (unsigned long long)req->in.unique, strerror(-err));
	req_put(zcf_req_se(req)->chan, r);
	return err == -ENOENT ? 0 : err;
}

/* One readv() of a whole request into r; returns bytes or -errno. */
static ssize_t read_request(struct zcf_chan *c, struct classic_req *r, int fd)
{
	struct iovec iov[2] = {
		{ r->mem + HEADROOM - HDR_BYTES, HDR_BYTES },
		{ r->mem + HEADROOM, c->payload_size },
	};
	ssize_t n;

	/*
	 * The two pieces are adjacent: one read of the program's gives the same
	 * layout. Less than a header (0: the far end closed) ends the
	 * connection with EIO, as libfuse's loops do.
	 */
	if (c->se->dev_io) {
		n = zcf_dev_io_read(c->se, fd, iov[0].iov_base, HDR_BYTES + c->payload_size);
		if (n >= 0 && (size_t)n < sizeof(struct fuse_in_header)) {
			zcf_err("short read through the program's read (%zd bytes); the connection ends", n);
			return -EIO;
		}
		return n;
	}
	n = readv(fd, iov, 2);
	return n < 0 ? -errno : n;
}

/* Frames r after a read of n bytes; answers or drops what is malformed. */
static int frame(struct zcf_chan *c, struct classic_req *r, int fd, size_t n)
{
	struct zcfuse_req *req = &r->req;
	struct zcf_stats *st;
	int err;

	memset(req, 0, sizeof(*req));
	req->pc = &c->se->pc;
	req->tp = &classic_carrier;
	req->tp_priv = c;
	req->payload = r->mem + HEADROOM;
	req->payload_size = c->payload_size;
	req->payload_buf_index = -1;
	req->zc_buf_index = -1;
	r->fd = fd;
	err = zcf_frame_classic(req, r->mem + HEADROOM - HDR_BYTES, n);
	if (!err) {
		req->tally.via = ZCF_VIA_DEV;
		if (req->op->flags & ZCF_OPF_ENDS_FH)
			zcf_backing_fh_ended();
		return 0;
	}
	st = zcf_stats_mine(&c->se->pc);
	atomic_fetch_add_explicit(&st->via_dev, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->malformed, 1, memory_order_relaxed);
	if (n >= sizeof(struct fuse_in_header) &&
	    !(zcf_opcode_flags(req->in.opcode) & ZCF_OPF_NO_REPLY)) {
		zcf_warn("malformed %s request (%zu bytes): %s; answered EIO",
			 zcf_opcode_name(req->in.opcode), n, strerror(-err));
		zcfuse_reply_err(req, EIO);
	} else {
		zcf_warn("malformed request (%zu bytes): %s; dropped", n, strerror(-err));
		req_put(c, r);
	}
	return err;
}

int zcf_classic_read_init(struct zcfuse_session *se, struct zcfuse_req **out)
{
	struct zcf_chan *c = classic_get(se);
	struct classic_req *r;
	ssize_t n;

	if (!c)
		return -ENOMEM;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	do
		n = read_request(c, r, se->fd);
	while (n == -EINTR && !se->exiting);
	if (n < 0) {
		req_put(c, r);
		if (n != -EINTR && n != -EAGAIN)
			zcf_err("reading INIT from /dev/fuse: %s", strerror((int)-n));
		return (int)n;
	}
	if (frame(c, r, se->fd, (size_t)n))
		return -EPROTO;
	if (r->req.in.opcode != FUSE_INIT) {
		zcf_err("first request was %s, not INIT", zcf_opcode_name(r->req.in.opcode));
		zcfuse_reply_err(&r->req, EPROTO);
		return -EPROTO;
	}
	*out = &r->req;
	return 0;
}

size_t zcf_classic_bufsize(struct zcfuse_session *se)
{
	struct zcf_chan *c = classic_get(se);

	return c ? HDR_BYTES + c->payload_size : 0;
}

int zcf_classic_process(struct zcfuse_session *se, const void *buf, size_t n,
			struct zcfuse_req **init)
{
	struct zcf_chan *c = classic_get(se);
	struct classic_req *r;
	size_t head = n < HDR_BYTES ? n : HDR_BYTES;

	*init = NULL;
	if (!c)
		return -ENOMEM;
	if (n > HDR_BYTES + c->payload_size)
		return -EMSGSIZE;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	/* The layout read_request()'s readv() makes, so framing is the same. */
	memcpy(r->mem + HEADROOM - HDR_BYTES, buf, head);
	if (n > head)
		memcpy(r->mem + HEADROOM, (const char *)buf + head, n - head);
	if (frame(c, r, se->fd, n))
		return -EPROTO; /* answered or dropped */
	if (!se->pc.got_init) {
		if (r->req.in.opcode == FUSE_INIT) {
			*init = &r->req;
			return 0;
		}
		zcf_err("first request was %s, not INIT", zcf_opcode_name(r->req.in.opcode));
		zcfuse_reply_err(&r->req, EPROTO);
		return -EPROTO;
	}
	zcf_dispatch(&r->req);
	return 0;
}

struct reader_arg {
	struct zcf_chan *c;
	int fd;
};

static void *reader_main(void *p)
{
	struct reader_arg *a = p;
	struct zcf_chan *c = a->c;
	struct zcfuse_session *se = c->se;
	int fd = a->fd;
	bool last;
	ssize_t n;

	free(a);
	while (!se->exiting) {
		struct classic_req *r = req_get(c);

		if (!r) {
			zcf_err("out of memory for a request buffer; reader stops");
			zcf_chan_report_end(se, "out of memory");
			break;
		}
		n = read_request(c, r, fd);
		if (n < 0) {
			req_put(c, r);
			if (n == -EINTR || n == -EAGAIN || n == -ENOENT)
				continue; /* ENOENT: request interrupted before we read it */
			if (n != -ENODEV) {
				if (!se->dev_io || n != -EIO)
					zcf_err("reading /dev/fuse: %s", strerror((int)-n));
				if (!se->end_err)
					se->end_err = (int)n;
			}
			zcf_chan_report_end(se, n == -ENODEV ? "unmounted" : "read error");
			break;
		}
		if (frame(c, r, fd, (size_t)n) == 0)
			zcf_dispatch(&r->req);
	}
	pthread_mutex_lock(&c->lock);
	last = atomic_fetch_sub(&c->running, 1) == 1 && c->orphaned;
	pthread_mutex_unlock(&c->lock);
	if (last) {
		void (*done)(struct zcfuse_session *) = c->orphan_free;

		zcf_info("the last /dev/fuse reader left; freeing its session");
		classic_free(se);
		done(se);
	}
	return NULL;
}

/* se->pc.wake_sync_io: wake the thread blocked in @unique's synchronous backing I/O. */
static void classic_wake_sync_io(struct zcf_proto_ctx *pc, uint64_t unique)
{
	struct zcf_chan *c = zcf_session_of(pc)->chan;
	struct classic_req *r;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	for (r = c->all; r; r = r->all_next) {
		unsigned long t = atomic_load(&r->req.io_thread);

		/* A signal without SA_RESTART ends its blocked pread with EINTR. */
		if (t && r->req.in.unique == unique)
			pthread_kill((pthread_t)t, WAKE_SIGNAL);
	}
	pthread_mutex_unlock(&c->lock);
}

static void on_wake_signal(int sig)
{
	(void)sig; /* only here to make a blocked read(2) return EINTR */
}

/*
 * The carrier's wait_ready (backing.c's sync_wait_io): WAKE_SIGNAL is
 * blocked from before the interrupted check until ppoll() unblocks it
 * atomically, so a signal sent at any point in between stays pending and
 * ends the ppoll at once. Other wake-ups (a stop, a stray signal meant for
 * an earlier request of this thread) wait on, but for a stop.
 */
static int classic_wait_ready(struct zcfuse_req *req, int fd, short events)
{
	struct zcfuse_session *se = zcf_session_of(req->pc);
	struct pollfd p = { .fd = fd, .events = events };
	unsigned window = zcf_test_intr_window_ms();
	sigset_t wake, old, during;
	int err = 0;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &wake, &old);
	during = old;
	sigdelset(&during, WAKE_SIGNAL);
	if (req->pc->nr_interrupted && zcfuse_req_interrupted(req))
		err = -EINTR;
	else if (window)
		usleep(window * 1000); /* mount/interrupt-window's signal lands here */
	while (!err && ppoll(&p, 1, NULL, &during) < 0) {
		if (errno != EINTR)
			err = -errno;
		else if (zcfuse_req_interrupted(req) || se->exiting)
			err = -EINTR;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}


static int classic_start(struct zcfuse_session *se, unsigned nthreads, char *why, size_t whylen)
{
	struct zcf_chan *c = classic_get(se); /* also sets WAKE_SIGNAL's handler */
	sigset_t old;
	unsigned i, base;
	int err = 0;

	if (!c)
		return -ENOMEM;
	base = c->nthreads;
	c->threads = realloc(c->threads, (base + nthreads) * sizeof(*c->threads));
	c->fds = realloc(c->fds, (base + nthreads) * sizeof(*c->fds));
	c->joined = realloc(c->joined, (base + nthreads) * sizeof(*c->joined));
	if (!c->threads || !c->fds || !c->joined)
		return -ENOMEM;
	zcf_block_stop_signals(&old); /* readers leave them to the main thread */
	for (i = base; i < base + nthreads; i++) {
		struct reader_arg *a = malloc(sizeof(*a));
		int fd = se->fd;

		if (i > 0 && se->dev_io) {
			fd = se->dev_io->clone_fd ? se->dev_io->clone_fd(se->dev_io->arg, se->fd)
						  : se->fd;
			if (fd < 0) {
				zcf_info("the program's clone_fd failed (%s); readers share its "
					 "descriptor", strerror(-fd));
				fd = se->fd;
			}
		} else if (i > 0) {
			fd = zcf_chan_clone(se->fd);
			if (fd < 0) {
				err = fd;
				free(a);
				break;
			}
		}
		if (!a) {
			err = -ENOMEM;
			if (fd != se->fd)
				close(fd);
			break;
		}
		a->c = c;
		a->fd = fd;
		c->fds[i] = fd;
		c->joined[i] = false;
		atomic_fetch_add(&c->running, 1);
		err = -pthread_create(&c->threads[i], NULL, reader_main, a);
		if (err) {
			atomic_fetch_sub(&c->running, 1);
			free(a);
			if (fd != se->fd)
				close(fd);
			break;
		}
		c->nthreads = i + 1;
	}
	se->nr_readers = c->nthreads;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return c->nthreads > base ? 0 : err;
}

/* Frees what the readers used; every reader has left. */
static void classic_free(struct zcfuse_session *se)
{
	struct zcf_chan *c = se->chan;
	struct classic_req *r, *next;
	unsigned i;

	for (i = 1; i < c->nthreads; i++)
		if (c->fds[i] >= 0 && c->fds[i] != se->fd) /* shared (dev_io without clone_fd) */
			close(c->fds[i]);
	for (r = c->all; r; r = next) {
		next = r->all_next;
		if (r->pipe[0] >= 0) {
			close(r->pipe[0]);
			close(r->pipe[1]);
		}
		munmap(r->mem, r->memsize);
		free(r);
	}
	free(c->threads);
	free(c->fds);
	free(c->joined);
	pthread_mutex_destroy(&c->lock);
	se->pc.wake_sync_io = NULL;
	free(c);
	se->chan = NULL;
}

int zcf_classic_stop(struct zcfuse_session *se)
{
	struct zcf_chan *c = se->chan;
	struct timespec ts;
	unsigned i, tries, limit;
	bool stuck = false;

	if (!c)
		return 0;
	if (c->orphaned)
		return -EBUSY;
	se->exiting = 1;
	limit = c->stuck ? 1 : 50; /* 5 s, the first time */
	for (i = 0; i < c->nthreads; i++) {
		if (c->joined[i])
			continue; /* an earlier call joined it */
		for (tries = 0; tries < limit; tries++) {
			pthread_kill(c->threads[i], WAKE_SIGNAL);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(c->threads[i], NULL, &ts) == 0)
				break;
		}
		if (tries == limit) {
			/* Stuck in the filesystem's code: it may still answer on its
			 * descriptor, and read the session after. */
			if (!c->stuck)
				zcf_warn("a /dev/fuse reader did not stop within 5 s; it keeps "
					 "its session");
			stuck = true;
			continue;
		}
		c->joined[i] = true;
		if (i > 0 && c->fds[i] != se->fd) {
			close(c->fds[i]);
			c->fds[i] = -1;
		}
	}
	c->stuck = stuck;
	if (stuck)
		return -EBUSY;
	classic_free(se);
	return 0;
}

bool zcf_classic_orphan(struct zcfuse_session *se, void (*free_fn)(struct zcfuse_session *se))
{
	struct zcf_chan *c = se->chan;
	unsigned i;
	bool orphaned;

	if (!c)
		return false;
	pthread_mutex_lock(&c->lock);
	orphaned = atomic_load(&c->running) > 0;
	if (orphaned) {
		c->orphaned = true;
		c->orphan_free = free_fn;
		for (i = 0; i < c->nthreads; i++)
			if (!c->joined[i]) {
				pthread_detach(c->threads[i]);
				c->joined[i] = true;
			}
	}
	pthread_mutex_unlock(&c->lock);
	return orphaned;
}

/* The interface's stop: a stuck reader is left to zcf_classic_orphan(). */
static void classic_stop(struct zcfuse_session *se)
{
	(void)zcf_classic_stop(se);
}

static size_t classic_pinned(const struct zcfuse_session *se)
{
	return 0;
}

static int classic_prepare(struct zcfuse_session *se, enum zcf_payload payload, char *why,
			   size_t whylen)
{
	return 0; /* the request buffers come with the readers */
}

const struct zcf_transport zcf_classic_transport = {
	.name = "classic",
	.carrier = &classic_carrier,
	.prepare = classic_prepare,
	.start = classic_start,
	.stop = classic_stop,
	.pinned = classic_pinned,
};
