/* SPDX-License-Identifier: MIT */
/*
 * Off-queue workers (-o meta_threads=N). Ops that stay on the queue thread
 * are the data path, whose backing I/O the filesystem puts on this ring (or
 * does inline when it cannot block long). Everything else may make blocking
 * system calls (lookups, opens, closes on a slow backing store) and goes to
 * these threads, so one slow file never stalls a queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "transport/ring.h"

bool zcf_ring_to_worker(struct zcf_ring *u, struct zcfuse_req *req)
{
	if (!u->meta.nthreads || (req->op->flags & ZCF_OPF_ON_QUEUE))
		return false;
	req->next = NULL;
	pthread_mutex_lock(&u->meta.lock);
	*u->meta.tail = req;
	u->meta.tail = &req->next;
	pthread_cond_signal(&u->meta.cond);
	pthread_mutex_unlock(&u->meta.lock);
	return true;
}

static void *worker_main(void *arg)
{
	struct zcf_ring *u = arg;
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

int zcf_ring_workers_start(struct zcf_ring *u, unsigned n)
{
	if (!n)
		return 0;
	u->meta.threads = calloc(n, sizeof(*u->meta.threads));
	if (!u->meta.threads)
		return -ENOMEM;
	while (u->meta.nthreads < n &&
	       !pthread_create(&u->meta.threads[u->meta.nthreads], NULL, worker_main, u))
		u->meta.nthreads++;
	return 0;
}

void zcf_ring_workers_stop(struct zcf_ring *u)
{
	unsigned i;

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
}
