/* SPDX-License-Identifier: MIT */
/*
 * What the protocol keeps between a notification and the kernel's answer:
 * poll handles, and the retrieves waiting for NOTIFY_REPLY. Sending them is
 * the /dev/fuse channel's job (transport/notify.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "proto/proto.h"
#include "proto/handlers.h"

/* A retrieve the kernel has not answered yet: its cookie, by notify_unique. */
struct pending_retrieve {
	uint64_t unique;
	void *cookie;
	struct pending_retrieve *next;
};

int zcf_retrieve_add(struct zcf_proto_ctx *pc, void *cookie, uint64_t *unique)
{
	struct pending_retrieve *p = malloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&pc->lock);
	/*
	 * The kernel's NOTIFY_REPLY carries this as its unique. Bit 62: never
	 * one of the kernel's own uniques (they count up by 2; bit 63 marks a
	 * resend). Even: a ring commit's unique is compared with bit 0 (the
	 * interrupt bit) masked off, so an odd one is always refused. Bit 61
	 * stays clear: those are the ring transport's kicks (zcf_notify_kick).
	 */
	p->unique = *unique = ZCF_UNIQUE_RETRIEVE |
			      ((++pc->retrieve_seq << 1) & (ZCF_UNIQUE_KICK_BIT - 1));
	p->cookie = cookie;
	p->next = pc->retrieves;
	pc->retrieves = p;
	pthread_mutex_unlock(&pc->lock);
	return 0;
}

struct zcfuse_pollhandle *zcf_pollhandle_new(struct zcf_proto_ctx *pc, uint64_t kh)
{
	struct zcfuse_pollhandle *ph = malloc(sizeof(*ph));

	if (ph) {
		ph->pc = pc;
		ph->kh = kh;
	}
	return ph;
}

bool zcf_retrieve_take(struct zcf_proto_ctx *pc, uint64_t unique, void **cookie)
{
	struct pending_retrieve **pp, *p = NULL;

	pthread_mutex_lock(&pc->lock);
	for (pp = &pc->retrieves; *pp; pp = &(*pp)->next)
		if ((*pp)->unique == unique) {
			p = *pp;
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&pc->lock);
	if (!p)
		return false;
	*cookie = p->cookie;
	free(p);
	return true;
}

void zcf_retrieves_free(struct zcf_proto_ctx *pc)
{
	struct pending_retrieve *p, *next;

	for (p = pc->retrieves; p; p = next) {
		next = p->next;
		free(p);
	}
	pc->retrieves = NULL;
}

void zcf_do_notify_reply(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_notify_retrieve_in *a = req->arg;
	void *cookie;
	size_t size;

	if (!zcf_retrieve_take(req->pc, req->in.unique, &cookie))
		return zcfuse_reply_none(req); /* not ours (or already ended) */
	size = a->size < req->data_len ? a->size : req->data_len;
	if (ops->retrieve_reply && !(req->flags & ZCF_REQ_ZERO_COPY))
		ops->retrieve_reply(req, cookie, req->in.nodeid, (off_t)a->offset, req->data,
				    size);
	else
		zcfuse_reply_none(req);
}

