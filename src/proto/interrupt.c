/* SPDX-License-Identifier: MIT */
/*
 * Interrupts: the kernel sends INTERRUPT (on /dev/fuse, whatever the
 * transport) when the caller of a request got a signal. It may come before
 * the request itself reaches us (the request can still be on its way to a
 * ring entry), so unknown uniques are held in a small ring of recent ones
 * and applied when the request registers a callback or asks
 * zcfuse_req_interrupted(). A known one gets its callback (libfuse's
 * fuse_req_interrupt_func model) and its backing I/O cancelled.
 */
#include <errno.h>
#include <stdlib.h>

#include "proto/proto.h"

struct zcf_intr {
	uint64_t unique;
	struct zcfuse_req *req;     /* NULL once the request ended */
	zcfuse_interrupt_func func;
	void *data;
	unsigned busy;              /* callbacks running now */
	struct zcf_intr *next;
};

static bool held_locked(struct zcfuse_session *se, uint64_t unique)
{
	unsigned i;

	for (i = 0; i < ZCF_INTERRUPT_SLOTS; i++)
		if (se->interrupted[i] == unique)
			return true;
	return false;
}

static void unlink_locked(struct zcfuse_session *se, struct zcf_intr *n)
{
	struct zcf_intr **pp;

	for (pp = &se->intrs; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	free(n);
}

/* Runs @n's callback with se->lock dropped; frees it if its request ended meanwhile. */
static void call_locked(struct zcfuse_session *se, struct zcf_intr *n)
{
	struct zcfuse_req *req = n->req;
	zcfuse_interrupt_func func = n->func;
	void *data = n->data;

	n->busy++;
	pthread_mutex_unlock(&se->lock);
	func(req, data);
	pthread_mutex_lock(&se->lock);
	if (!--n->busy && !n->req)
		unlink_locked(se, n);
}

void zcf_note_interrupt(struct zcfuse_session *se, uint64_t unique)
{
	struct zcf_intr *n;

	pthread_mutex_lock(&se->lock);
	for (n = se->intrs; n; n = n->next)
		if (n->unique == unique && n->req)
			break;
	se->interrupted[se->nr_interrupted++ % ZCF_INTERRUPT_SLOTS] = unique;
	if (n) {
		n->req->flags |= ZCF_REQ_INTERRUPTED;
		call_locked(se, n);
	}
	pthread_mutex_unlock(&se->lock);
	/* Backing I/O in flight for it: cancel (ring) or wake its thread (classic). */
	if (se->cancel_io)
		se->cancel_io(se, unique);
	if (se->wake_sync_io)
		se->wake_sync_io(se, unique);
}

ZCFUSE_API int zcfuse_req_interrupt_func(struct zcfuse_req *req, zcfuse_interrupt_func func,
					 void *data)
{
	struct zcfuse_session *se = req->se;
	struct zcf_intr *n;

	pthread_mutex_lock(&se->lock);
	n = req->intr;
	if (!func) {
		if (n) {
			n->req = NULL;
			req->intr = NULL;
			if (!n->busy)
				unlink_locked(se, n);
		}
		pthread_mutex_unlock(&se->lock);
		return 0;
	}
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&se->lock);
			return -ENOMEM;
		}
		n->unique = req->in.unique;
		n->req = req;
		n->next = se->intrs;
		se->intrs = n;
		req->intr = n;
	}
	n->func = func;
	n->data = data;
	/* Interrupted before the callback existed (or before the request came): now. */
	if ((req->flags & ZCF_REQ_INTERRUPTED) || held_locked(se, req->in.unique)) {
		req->flags |= ZCF_REQ_INTERRUPTED;
		call_locked(se, n);
	}
	pthread_mutex_unlock(&se->lock);
	return 0;
}

void zcf_intr_detach(struct zcfuse_req *req)
{
	struct zcfuse_session *se = req->se;
	struct zcf_intr *n;

	pthread_mutex_lock(&se->lock);
	n = req->intr;
	if (n) {
		n->req = NULL;
		req->intr = NULL;
		if (!n->busy)
			unlink_locked(se, n);
	}
	pthread_mutex_unlock(&se->lock);
}

void zcf_intrs_free(struct zcfuse_session *se)
{
	struct zcf_intr *n, *next;

	for (n = se->intrs; n; n = next) {
		next = n->next;
		free(n);
	}
	se->intrs = NULL;
}

ZCFUSE_API int zcfuse_req_interrupted(struct zcfuse_req *req)
{
	struct zcfuse_session *se = req->se;
	bool hit;

	if (req->flags & ZCF_REQ_INTERRUPTED)
		return 1;
	pthread_mutex_lock(&se->lock);
	hit = held_locked(se, req->in.unique);
	pthread_mutex_unlock(&se->lock);
	if (hit)
		req->flags |= ZCF_REQ_INTERRUPTED;
	return hit;
}
