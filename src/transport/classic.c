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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "transport/transport.h"

#define HEADROOM 4096 /* the page in front of the payload */
#define HDR_BYTES (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

#define WAKE_SIGNAL (SIGRTMIN + 1)

struct classic_req {
	struct zcfuse_req req;
	char *mem;      /* HEADROOM + payload */
	size_t memsize;
	int fd;         /* the descriptor the request came from */
	struct classic_req *all_next; /* every buffer, for freeing */
};

struct zcf_chan {
	struct zcfuse_session *se;
	pthread_mutex_t lock;
	struct classic_req *free;   /* idle buffers */
	struct classic_req *all;
	size_t payload_size;
	unsigned nthreads;
	pthread_t *threads;
	int *fds;
	_Atomic unsigned running;
	bool leaked;                /* a reader would not stop: keep memory */
};

static int classic_send(struct zcfuse_req *req, int error, const struct iovec *iov,
			int iovcnt);
static void classic_drop(struct zcfuse_req *req);

static const struct zcf_carrier classic_carrier = {
	.name = "classic",
	.send = classic_send,
	.drop = classic_drop,
	.submit_io = NULL, /* backing I/O runs synchronously on the caller */
};

static void classic_wake_sync_io(struct zcfuse_session *se, uint64_t unique);

static struct zcf_chan *classic_get(struct zcfuse_session *se)
{
	struct zcf_chan *c = se->chan;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->se = se;
	pthread_mutex_init(&c->lock, NULL);
	/*
	 * Room for the largest WRITE, and for a READ reply of max_write; the
	 * kernel refuses reads of less than FUSE_MIN_READ_BUFFER (EINVAL).
	 */
	c->payload_size = se->cfg.max_write;
	if (c->payload_size < FUSE_MIN_READ_BUFFER)
		c->payload_size = FUSE_MIN_READ_BUFFER;
	c->payload_size = (c->payload_size + 4095) & ~(size_t)4095;
	se->chan = c;
	se->wake_sync_io = classic_wake_sync_io;
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
	req_put(req->se->chan, (struct classic_req *)req);
}

static int classic_send(struct zcfuse_req *req, int error, const struct iovec *iov,
			int iovcnt)
{
	struct classic_req *r = (struct classic_req *)req;
	int err = zcf_chan_write(r->fd, req->in.unique, error, iov, iovcnt);

	/* ENOENT: the kernel gave up on this request (interrupted). */
	if (err && err != -ENOENT && err != -ENODEV)
		zcf_warn("reply to %s (unique %llu) failed: %s", zcf_opcode_name(req->in.opcode),
			 (unsigned long long)req->in.unique, strerror(-err));
	req_put(req->se->chan, r);
	return err == -ENOENT ? 0 : err;
}

/* One readv() of a whole request into r; returns bytes or -errno. */
static ssize_t read_request(struct zcf_chan *c, struct classic_req *r, int fd)
{
	struct iovec iov[2] = {
		{ r->mem + HEADROOM - HDR_BYTES, HDR_BYTES },
		{ r->mem + HEADROOM, c->payload_size },
	};
	ssize_t n = readv(fd, iov, 2);

	return n < 0 ? -errno : n;
}

/* Frames r after a read of n bytes; answers or drops what is malformed. */
static int frame(struct zcf_chan *c, struct classic_req *r, int fd, size_t n)
{
	struct zcfuse_req *req = &r->req;
	int err;

	memset(req, 0, sizeof(*req));
	req->se = c->se;
	req->tp = &classic_carrier;
	req->tp_priv = c;
	req->payload = r->mem + HEADROOM;
	req->payload_size = c->payload_size;
	req->payload_buf_index = -1;
	req->zc_buf_index = -1;
	r->fd = fd;
	atomic_fetch_add_explicit(&zcf_stats_mine(c->se)->via_dev, 1, memory_order_relaxed);
	err = zcf_frame_classic(req, r->mem + HEADROOM - HDR_BYTES, n);
	if (!err)
		return 0;
	atomic_fetch_add_explicit(&zcf_stats_mine(c->se)->malformed, 1, memory_order_relaxed);
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
		if (n != -EINTR)
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
			if (n != -ENODEV)
				zcf_err("reading /dev/fuse: %s", strerror((int)-n));
			zcf_chan_report_end(se, n == -ENODEV ? "unmounted" : "read error");
			break;
		}
		if (frame(c, r, fd, (size_t)n) == 0)
			zcf_dispatch(&r->req);
	}
	atomic_fetch_sub(&c->running, 1);
	return NULL;
}

/* se->wake_sync_io: wake the thread blocked in @unique's synchronous backing I/O. */
static void classic_wake_sync_io(struct zcfuse_session *se, uint64_t unique)
{
	struct zcf_chan *c = se->chan;
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


static int classic_start(struct zcfuse_session *se, unsigned nthreads, char *why, size_t whylen)
{
	struct zcf_chan *c = classic_get(se);
	struct sigaction sa = { .sa_handler = on_wake_signal };
	sigset_t old;
	unsigned i, base;
	int err = 0;

	if (!c)
		return -ENOMEM;
	sigemptyset(&sa.sa_mask);
	sigaction(WAKE_SIGNAL, &sa, NULL); /* no SA_RESTART, deliberately */
	base = c->nthreads;
	c->threads = realloc(c->threads, (base + nthreads) * sizeof(*c->threads));
	c->fds = realloc(c->fds, (base + nthreads) * sizeof(*c->fds));
	if (!c->threads || !c->fds)
		return -ENOMEM;
	zcf_block_stop_signals(&old); /* readers leave them to the main thread */
	for (i = base; i < base + nthreads; i++) {
		struct reader_arg *a = malloc(sizeof(*a));
		int fd = se->fd;

		if (i > 0) {
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

static void classic_stop(struct zcfuse_session *se)
{
	struct zcf_chan *c = se->chan;
	struct classic_req *r, *next;
	struct timespec ts;
	unsigned i, tries;

	if (!c)
		return;
	se->exiting = 1;
	for (i = 0; i < c->nthreads; i++) {
		for (tries = 0; tries < 50; tries++) {
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
		if (tries == 50) {
			/* Stuck in the filesystem's code: its memory must stay. */
			zcf_warn("a /dev/fuse reader did not stop; leaving it");
			c->leaked = true;
		}
		if (i > 0)
			close(c->fds[i]);
	}
	if (c->leaked)
		return;
	for (r = c->all; r; r = next) {
		next = r->all_next;
		munmap(r->mem, r->memsize);
		free(r);
	}
	free(c->threads);
	free(c->fds);
	pthread_mutex_destroy(&c->lock);
	se->wake_sync_io = NULL;
	free(c);
	se->chan = NULL;
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
