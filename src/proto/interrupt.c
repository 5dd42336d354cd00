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

static bool held_locked(struct zcf_proto_ctx *pc, uint64_t unique)
{
	unsigned i;

	for (i = 0; i < ZCF_INTERRUPT_SLOTS; i++)
		if (pc->interrupted[i] == unique)
			return true;
	return false;
}

static void unlink_locked(struct zcf_proto_ctx *pc, struct zcf_intr *n)
{
	struct zcf_intr **pp;

	for (pp = &pc->intrs; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	free(n);
}

/* Runs @n's callback with pc->lock dropped; frees it if its request ended meanwhile. */
static void call_locked(struct zcf_proto_ctx *pc, struct zcf_intr *n)
{
	struct zcfuse_req *req = n->req;
	zcfuse_interrupt_func func = n->func;
	void *data = n->data;

	n->busy++;
	pthread_mutex_unlock(&pc->lock);
	func(req, data);
	pthread_mutex_lock(&pc->lock);
	if (!--n->busy && !n->req)
		unlink_locked(pc, n);
}

void zcf_note_interrupt(struct zcf_proto_ctx *pc, uint64_t unique)
{
	struct zcf_intr *n;

	pthread_mutex_lock(&pc->lock);
	for (n = pc->intrs; n; n = n->next)
		if (n->unique == unique && n->req)
			break;
	pc->interrupted[pc->nr_interrupted++ % ZCF_INTERRUPT_SLOTS] = unique;
	if (n) {
		n->req->flags |= ZCF_REQ_INTERRUPTED;
		call_locked(pc, n);
	}
	pthread_mutex_unlock(&pc->lock);
	/* Backing I/O in flight for it: cancel (ring) or wake its thread (classic). */
	if (pc->cancel_io)
		pc->cancel_io(pc, unique);
	if (pc->wake_sync_io)
		pc->wake_sync_io(pc, unique);
}

ZCFUSE_API int zcfuse_req_interrupt_func(struct zcfuse_req *req, zcfuse_interrupt_func func,
					 void *data)
{
	struct zcf_proto_ctx *pc = req->pc;
	struct zcf_intr *n;

	pthread_mutex_lock(&pc->lock);
	n = req->intr;
	if (!func) {
		if (n) {
			n->req = NULL;
			req->intr = NULL;
			if (!n->busy)
				unlink_locked(pc, n);
		}
		pthread_mutex_unlock(&pc->lock);
		return 0;
	}
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&pc->lock);
			return -ENOMEM;
		}
		n->unique = req->in.unique;
		n->req = req;
		n->next = pc->intrs;
		pc->intrs = n;
		req->intr = n;
	}
	n->func = func;
	n->data = data;
	/* Interrupted before the callback existed (or before the request came): now. */
	if ((req->flags & ZCF_REQ_INTERRUPTED) || held_locked(pc, req->in.unique)) {
		req->flags |= ZCF_REQ_INTERRUPTED;
		call_locked(pc, n);
	}
	pthread_mutex_unlock(&pc->lock);
	return 0;
}

void zcf_intr_detach(struct zcfuse_req *req)
{
	struct zcf_proto_ctx *pc = req->pc;
	struct zcf_intr *n;

	pthread_mutex_lock(&pc->lock);
	n = req->intr;
	if (n) {
		n->req = NULL;
		req->intr = NULL;
		if (!n->busy)
			unlink_locked(pc, n);
	}
	pthread_mutex_unlock(&pc->lock);
}

void zcf_intrs_free(struct zcf_proto_ctx *pc)
{
	struct zcf_intr *n, *next;

	for (n = pc->intrs; n; n = next) {
		next = n->next;
		free(n);
	}
	pc->intrs = NULL;
}

ZCFUSE_API int zcfuse_req_interrupted(struct zcfuse_req *req)
{
	struct zcf_proto_ctx *pc = req->pc;
	bool hit;

	if (req->flags & ZCF_REQ_INTERRUPTED)
		return 1;
	pthread_mutex_lock(&pc->lock);
	hit = held_locked(pc, req->in.unique);
	pthread_mutex_unlock(&pc->lock);
	if (hit)
		req->flags |= ZCF_REQ_INTERRUPTED;
	return hit;
}
