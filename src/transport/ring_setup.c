/* SPDX-License-Identifier: MIT */
/*
 * Ring setup and the carrier's life: prepare makes each queue's ring and
 * buffers (on the queue's own thread: the ring is single issuer), start
 * lets the queues register their entries and serve, stop ends them all.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "transport/ring.h"

int zcf_ring_queue_fail(struct uring_queue *q, int err, const char *what)
{
	q->err = err;
	snprintf(q->why, sizeof(q->why), "%s: %s%s", what, strerror(-err),
		 err == -ENOMEM ? " (memlock limit? see ulimit -l)" :
		 err == -EPERM ? " (io_uring disabled by sysctl, or not privileged)" : "");
	return err;
}

static int ring_create(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
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
	p.flags = IORING_SETUP_SQE128 | setup_flags[u->se->pc.cfg.ring_setup];
	err = io_uring_queue_init_params(entries, &q->ring, &p);
	if (err == -EINVAL && u->se->pc.cfg.ring_setup != ZCF_RING_PLAIN) {
		/* A kernel that refuses a flag: run without the extras. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128;
		err = io_uring_queue_init_params(entries, &q->ring, &p);
	}
	if (err)
		return zcf_ring_queue_fail(q, err, "io_uring_queue_init");
	q->ring_ok = true;
	if (!q->qid)
		u->se->ring_flags = p.flags;
	err = io_uring_register_files(&q->ring, &u->se->fd, 1);
	if (err)
		return zcf_ring_queue_fail(q, err, "registering /dev/fuse with the ring");
	if (!u->se->pc.cfg.ring_fd_plain)
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

/* uring: every entry's payload a fixed buffer, index = entry. Optional. */
static void register_own(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	struct iovec *iovs = calloc(u->depth, sizeof(*iovs));
	unsigned i;
	int err = -ENOMEM;

	if (iovs) {
		for (i = 0; i < u->depth; i++) {
			iovs[i].iov_base = q->ents[i].own_payload;
			iovs[i].iov_len = u->payload_size;
		}
		err = io_uring_register_buffers(&q->ring, iovs, u->depth);
		free(iovs);
	}
	if (err) /* still correct without; backing reads then copy */
		zcf_warn("queue %u: payload buffers not registered (%s); backing I/O "
			 "will not use fixed buffers", q->qid, strerror(-err));
	q->payload_registered = !err;
	if (!err)
		atomic_fetch_add(&u->pinned, (size_t)u->depth * u->payload_size);
}

void zcf_ring_register_late(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	unsigned left = atomic_load(&u->reg_left);

	q->reg_tried = true;
	while (left && !atomic_compare_exchange_weak(&u->reg_left, &left, left - 1))
		;
	if (!left)
		return; /* the budget went to the queues used first */
	register_own(q);
	if (!q->payload_registered)
		atomic_fetch_add(&u->reg_left, 1);
	else
		zcf_dbg("queue %u: payload buffers registered at its first request", q->qid);
}

static int buffers_create(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	unsigned i;
	int err;

	q->hdrs_size = (u->depth * sizeof(*q->hdrs) + 4095) & ~(size_t)4095;
	q->hdrs = map_anon(q->hdrs_size);
	/* Entries: one buffer each. A pool may hold fewer: the kernel then parks
	 * requests until a buffer is free. */
	q->payload_mem_size = (zcf_ring_is_pool(u) ? u->pool_bufs : u->depth) * u->payload_size;
	q->payload_mem = map_anon(q->payload_mem_size);
	q->ents = calloc(u->depth, sizeof(*q->ents));
	if (!q->hdrs || !q->payload_mem || !q->ents)
		return zcf_ring_queue_fail(q, -ENOMEM, "allocating ring buffers");
	for (i = 0; i < u->depth; i++) {
		struct uring_ent *e = &q->ents[i];

		e->q = q;
		e->idx = i;
		e->hdr = &q->hdrs[i];
		if (!zcf_ring_is_pool(u))
			e->own_payload = q->payload_mem + i * u->payload_size;
	}

	if (u->payload == ZCF_PAYLOAD_OWN) {
		/*
		 * When the pin budget holds every queue, all register now; else
		 * each queue at its first request while the budget lasts
		 * (zcf_ring_register_late), so that the queues of the CPUs
		 * that do the work get the fixed buffers, not queues 0, 1, ...
		 */
		if (u->reg_queues >= u->nq)
			register_own(q);
		return 0;
	}

	/* Pools: slot 0 is the pool; zero copy adds a slot per entry. */
	{
		struct iovec pool = { q->payload_mem, q->payload_mem_size };

		if (u->payload == ZCF_PAYLOAD_ZERO_COPY) {
			err = io_uring_register_buffers_sparse(&q->ring, 1 + u->depth + ZCF_SPARES_MAX);
			if (err)
				return zcf_ring_queue_fail(q, err, "registering a sparse buffer table");
			err = io_uring_register_buffers_update_tag(&q->ring, POOL_BUF_INDEX, &pool,
								   NULL, 1);
			err = err == 1 ? 0 : (err < 0 ? err : -EIO);
		} else {
			err = io_uring_register_buffers(&q->ring, &pool, 1);
		}
		if (err)
			return zcf_ring_queue_fail(q, err, "registering the buffer pool");
		q->payload_registered = true;
		atomic_fetch_add(&u->pinned, q->payload_mem_size);
	}
	return 0;
}


/*
 * The start-up barrier. Each queue thread makes its ring and buffers, waits,
 * registers its entries, waits, then serves. Every started queue posts
 * u->ready once per step; the session's thread waits for all of them, looks
 * at their errors, and lets each go on by posting its q->go (with
 * u->abandon set when there is no next step).
 */
static void step_done(struct uring_queue *q)
{
	sem_post(&q->u->ready);
}

static bool next_step(struct uring_queue *q)
{
	while (sem_wait(&q->go) && errno == EINTR)
		;
	return !atomic_load(&q->u->abandon);
}

/* Waits until every started queue ended its step: 0 or the first error. */
static int wait_queues(struct zcf_ring *u, char *why, size_t whylen)
{
	unsigned i;

	for (i = 0; i < u->started; i++)
		while (sem_wait(&u->ready) && errno == EINTR)
			;
	for (i = 0; i < u->nq; i++) {
		if (u->qs[i].err) {
			snprintf(why, whylen, "queue %u: %s", i, u->qs[i].why);
			return u->qs[i].err;
		}
	}
	return 0;
}

static void release_queues(struct zcf_ring *u, bool abandon)
{
	unsigned i;

	if (abandon)
		atomic_store(&u->abandon, true);
	for (i = 0; i < u->nq; i++)
		if (u->qs[i].thread_started)
			sem_post(&u->qs[i].go);
}

static void queue_leave(struct uring_queue *q);

static void *queue_main(void *arg)
{
	struct uring_queue *q = arg;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(q->qid, &cpus);
	/*
	 * On the CPU whose clients it serves: at queue depth 1 a request's
	 * hand-offs stay on one CPU (doc/design.md has the measurement).
	 */
	sched_setaffinity(0, sizeof(cpus), &cpus); /* offline CPUs: harmless miss */
	zcf_ring_self = q;

	/* The thread that submits creates the ring (SINGLE_ISSUER). */
	if (!ring_create(q))
		buffers_create(q);
	step_done(q);
	if (q->err || !next_step(q))
		return NULL;
	zcf_ring_register_entries(q);
	step_done(q);
	if (q->err || !next_step(q))
		return NULL;
	zcf_ring_queue_loop(q);
	queue_leave(q);
	return NULL;
}

/* max_pinned if given, else the default within what RLIMIT_MEMLOCK lets io_uring pin. */
static size_t pin_budget(struct zcfuse_session *se, enum zcf_payload payload)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	size_t budget;
	bool cap;

	if (se->pc.cfg.max_pinned_mib)
		return (size_t)se->pc.cfg.max_pinned_mib << 20;
	cap = zcf_have_cap(CAP_IPC_LOCK);
	if (!cap)
		getrlimit(RLIMIT_MEMLOCK, &rl);
	budget = zcf_ring_pin_budget(payload, cap, rl.rlim_cur);
	if (budget < zcf_ring_default_budget(payload))
		zcf_info("pinning at most %zu KiB: half of RLIMIT_MEMLOCK (%llu KiB) without "
			 "CAP_IPC_LOCK (ulimit -l, or -o max_pinned=, to change it)", budget >> 10,
			 (unsigned long long)rl.rlim_cur >> 10);
	return budget;
}

/*
 * The ring's bookkeeping, sized within max_pinned. The kernel sizes every
 * payload as max(8192, max_write, max_pages pages); each rung of the ladder
 * sizes afresh from what was asked.
 */
static struct zcf_ring *ring_new(struct zcfuse_session *se, enum zcf_payload payload)
{
	struct zcf_ring *u = calloc(1, sizeof(*u));
	struct zcf_ring_size rs;
	unsigned i;

	if (!u)
		return NULL;
	u->se = se;
	u->payload = payload;
	u->nq = se->ncpus;
	u->depth = se->pc.cfg.queue_depth;
	if (!se->pc.cfg.max_write_set)
		se->pc.cfg.max_write = ZCF_DEFAULT_MAX_WRITE;
	zcf_ring_size(payload, u->nq, u->depth, se->pc.cfg.max_write, se->pc.cfg.max_write_set,
		      se->pc.cfg.pool_bufs, pin_budget(se, payload), &rs);
	se->pc.cfg.max_write = rs.max_write;
	u->payload_size = rs.payload_size;
	u->pool_bufs = rs.pool_bufs;
	u->reg_queues = rs.registered_queues;
	atomic_init(&u->reg_left, rs.registered_queues < u->nq ? rs.registered_queues : 0);
	se->pin_late_max = rs.registered_queues < u->nq ? rs.pinned : 0;
	u->qs = calloc(u->nq, sizeof(*u->qs));
	if (!u->qs) {
		free(u);
		return NULL;
	}
	sem_init(&u->ready, 0, 0);
	pthread_mutex_init(&u->meta.lock, NULL);
	pthread_mutex_init(&u->left.lock, NULL);
	pthread_cond_init(&u->meta.cond, NULL);
	u->meta.tail = &u->meta.head;
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		q->u = u;
		q->qid = i;
		q->efd = -1;
		sem_init(&q->go, 0, 0);
		pthread_mutex_init(&q->remote_lock, NULL);
	}
	return u;
}

/* Eventfds and threads for every queue. 0, or -errno with @why. */
static int queues_spawn(struct zcf_ring *u, char *why, size_t whylen)
{
	sigset_t old;
	unsigned i;
	int err = 0;

	for (i = 0; i < u->nq; i++) {
		u->qs[i].efd = eventfd(0, EFD_CLOEXEC);
		if (u->qs[i].efd < 0) {
			err = -errno;
			snprintf(why, whylen, "eventfd: %s", strerror(-err));
			return err;
		}
	}
	zcf_block_stop_signals(&old); /* queue threads leave them to main */
	for (i = 0; i < u->nq && !err; i++) {
		err = -pthread_create(&u->qs[i].thread, NULL, queue_main, &u->qs[i]);
		u->qs[i].thread_started = !err;
		u->started += !err;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		snprintf(why, whylen, "cannot start queue threads: %s", strerror(-err));
	return err;
}

static void ring_stop(struct zcfuse_session *se);

/* Before the INIT reply: rings and buffers on every queue's own thread. */
static int ring_prepare(struct zcfuse_session *se, enum zcf_payload payload, char *why,
			size_t whylen)
{
	struct zcf_ring *u;
	int err, qerr;

	ring_stop(se); /* an earlier, failed rung of the ladder */
	u = ring_new(se, payload);
	if (!u)
		return -ENOMEM;
	se->ring = u;
	se->pc.cancel_io = zcf_ring_cancel_io;
	err = queues_spawn(u, why, whylen);
	/* The started queues end their step either way; a spawn error wins. */
	qerr = wait_queues(u, err ? (char[200]){ 0 } : why, err ? 200 : whylen);
	if (!err)
		err = qerr;
	if (err)
		ring_stop(se);
	return err;
}

/* After the INIT reply: entries registered, workers started, serving. */
static int ring_start(struct zcfuse_session *se, unsigned threads, char *why, size_t whylen)
{
	struct zcf_ring *u = se->ring;
	size_t k;
	int err;

	if (!u)
		return -EINVAL;
	release_queues(u, false);
	err = wait_queues(u, why, whylen);
	if (err)
		return err;
	/*
	 * A pool slot is what the kernel makes it: max(8192, max_write,
	 * max_pages pages) as negotiated, which the fs's init may have shrunk.
	 */
	k = se->pc.conn.max_write > 8192 ? se->pc.conn.max_write : 8192;
	if ((size_t)se->pc.conn.max_pages * 4096 > k)
		k = (size_t)se->pc.conn.max_pages * 4096;
	if (k < u->payload_size)
		u->payload_size = k;
	err = zcf_ring_workers_start(u, se->pc.cfg.meta_threads);
	if (err)
		return err;
	se->nr_queues = u->nq;
	release_queues(u, false);
	return 0;
}

static size_t ring_pinned(const struct zcfuse_session *se)
{
	return se->ring ? atomic_load(&se->ring->pinned) : 0;
}

static void queue_free(struct uring_queue *q)
{
	if (q->hdrs)
		munmap(q->hdrs, q->hdrs_size);
	if (q->payload_mem)
		munmap(q->payload_mem, q->payload_mem_size);
	free(q->ents);
	zcf_ring_spares_free(q);
	if (q->efd >= 0)
		close(q->efd);
	pthread_mutex_destroy(&q->remote_lock);
	sem_destroy(&q->go);
}

/* What is left of a ring once every queue is freed or gone. */
static void ring_free(struct zcf_ring *u)
{
	free(u->meta.threads);
	free(u->qs);
	sem_destroy(&u->ready);
	pthread_mutex_destroy(&u->meta.lock);
	pthread_cond_destroy(&u->meta.cond);
	pthread_mutex_destroy(&u->left.lock);
	free(u);
}

/*
 * The end of a queue thread's loop. A thread the stop gave up on frees its
 * own queue (its ring's exit cancels what the kernel still holds); the
 * last of them the ring and, if the session was destroyed meanwhile, the
 * session too.
 */
static void queue_leave(struct uring_queue *q)
{
	struct zcf_ring *u = q->u;
	void (*session_free)(struct zcfuse_session *) = NULL;
	struct zcfuse_session *se = u->se;
	bool abandoned, last;

	pthread_mutex_lock(&u->left.lock);
	q->exited = true;
	abandoned = q->abandoned;
	last = abandoned && --u->left.queues == 0;
	if (last)
		session_free = u->left.session_free;
	pthread_mutex_unlock(&u->left.lock);
	if (!abandoned)
		return; /* the stop joins it */
	zcf_info("queue %u's thread left the filesystem's code after the stop", q->qid);
	/* The loop ends before submitting: its late reply goes to the kernel first. */
	io_uring_submit(&q->ring);
	io_uring_queue_exit(&q->ring);
	queue_free(q);
	if (!last || !session_free)
		return; /* others still run, or the session's destroy frees the ring */
	se->ring_left = NULL;
	if (!u->meta.stuck)
		ring_free(u);
	session_free(se);
}

bool zcf_ring_orphan(struct zcfuse_session *se, void (*free_fn)(struct zcfuse_session *se))
{
	struct zcf_ring *u = se->ring_left;
	bool held;

	if (!u)
		return false;
	if (u->meta.stuck)
		return true; /* a meta worker may still answer: keep everything */
	pthread_mutex_lock(&u->left.lock);
	held = u->left.queues > 0;
	if (held)
		u->left.session_free = free_fn;
	pthread_mutex_unlock(&u->left.lock);
	if (!held) {
		se->ring_left = NULL;
		ring_free(u);
	}
	return held;
}

/*
 * Joins the queue threads within 5 s in all. One still inside the
 * filesystem's code after that is left running with its queue (its
 * reply may still reach the kernel); zcf_ring_orphan() hands it the
 * session. Without a bound a handler that never returns would keep the
 * server from exiting at SIGTERM.
 */
static unsigned join_queues(struct zcf_ring *u)
{
	struct timespec ts;
	unsigned i, left = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (!q->thread_started)
			continue;
		if (pthread_timedjoin_np(q->thread, NULL, &ts) == 0) {
			q->thread_started = false;
			continue;
		}
		pthread_mutex_lock(&u->left.lock);
		if (!q->exited) {
			q->abandoned = true;
			u->left.queues++;
		}
		pthread_mutex_unlock(&u->left.lock);
		if (q->abandoned) {
			zcf_warn("queue %u's thread did not stop within 5 s (inside the filesystem's "
				 "code); it keeps its queue and the session", i);
			pthread_detach(q->thread);
			left++;
		} else {
			pthread_join(q->thread, NULL); /* it was leaving */
			q->thread_started = false;
		}
	}
	return left;
}

static void ring_stop(struct zcfuse_session *se)
{
	struct zcf_ring *u = se->ring;
	uint64_t one = 1;
	unsigned i, left;

	se->pc.cancel_io = NULL; /* no INTERRUPT reaches the queues from now on */
	if (!u)
		return;
	atomic_store(&u->stopping, true);
	se->pinned_at_stop = atomic_load(&u->pinned);
	release_queues(u, true); /* those waiting at the barrier end */
	zcf_ring_workers_stop(u);
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (q->efd >= 0 && write(q->efd, &one, sizeof(one)) < 0)
			zcf_dbg("waking queue %u: %s", i, strerror(errno));
	}
	left = join_queues(u);
	for (i = 0; i < u->nq; i++) {
		struct uring_queue *q = &u->qs[i];

		if (q->abandoned)
			continue; /* it frees its own queue when it leaves */
		/* Exiting the ring cancels the commands the kernel still holds. */
		if (q->ring_ok)
			io_uring_queue_exit(&q->ring);
		if (!u->meta.stuck) /* else it may still answer into these: keep them */
			queue_free(q);
	}
	se->ring = NULL;
	if (left || u->meta.stuck) {
		se->ring_left = u; /* zcf_ring_orphan() decides */
		return;
	}
	ring_free(u);
}

const struct zcf_transport zcf_ring_transport = {
	.name = "uring",
	.carrier = &zcf_ring_carrier,
	.prepare = ring_prepare,
	.start = ring_start,
	.stop = ring_stop,
	.pinned = ring_pinned,
};
