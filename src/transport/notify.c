/* SPDX-License-Identifier: MIT */
/*
 * Notifications the server sends the kernel on its own (poll wake-ups,
 * cache stores, retrieves, deletes, expiry, resend, epoch, prune). They
 * always travel on /dev/fuse, whatever the transport (the kernel takes
 * none on a ring). The retrieve bookkeeping is the protocol floor's
 * (proto/retrieve.c). Each checks that the negotiated protocol has it and
 * returns -ENOSYS otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "proto/handlers.h"

static int send_notify(struct zcfuse_session *se, int code, struct iovec *iov, int iovcnt)
{
	if (!se)
		return -ENOTCONN;
	return zcf_chan_notify(se, code, iov, iovcnt);
}

/* The negotiated minor is at least @minor (and, if @flag, the kernel offered it). */
static bool have(struct zcfuse_session *se, uint32_t minor, uint64_t flag)
{
	if (se->pc.conn.proto_minor < minor)
		return false;
	return !flag || (se->pc.conn.kernel_flags & flag);
}


ZCFUSE_API int zcfuse_notify_poll(struct zcfuse_pollhandle *ph)
{
	struct fuse_notify_poll_wakeup_out o;
	struct iovec iov = { &o, sizeof(o) };

	if (!ph)
		return -EINVAL;
	o.kh = ph->kh;
	return send_notify(zcf_session_of(ph->pc), FUSE_NOTIFY_POLL, &iov, 1);
}

ZCFUSE_API void zcfuse_pollhandle_destroy(struct zcfuse_pollhandle *ph)
{
	free(ph);
}

ZCFUSE_API int zcfuse_notify_delete(struct zcfuse_session *se, zcfuse_ino_t parent,
				    zcfuse_ino_t child, const char *name, size_t namelen)
{
	struct fuse_notify_delete_out o = { .parent = parent, .child = child,
					    .namelen = (uint32_t)namelen };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)name, namelen + 1 } };

	if (!name)
		return -EINVAL;
	return send_notify(se, FUSE_NOTIFY_DELETE, iov, 2);
}

ZCFUSE_API int zcfuse_notify_expire_entry(struct zcfuse_session *se, zcfuse_ino_t parent,
					  const char *name, size_t namelen)
{
	struct fuse_notify_inval_entry_out o = { .parent = parent, .namelen = (uint32_t)namelen,
						 .flags = FUSE_EXPIRE_ONLY };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)name, namelen + 1 } };

	if (!name)
		return -EINVAL;
	if (!have(se, 38, FUSE_HAS_EXPIRE_ONLY))
		return -ENOSYS;
	return send_notify(se, FUSE_NOTIFY_INVAL_ENTRY, iov, 2);
}

ZCFUSE_API int zcfuse_notify_store(struct zcfuse_session *se, zcfuse_ino_t ino, off_t offset,
				   const void *buf, size_t size)
{
	struct fuse_notify_store_out o = { .nodeid = ino, .offset = (uint64_t)offset,
					   .size = (uint32_t)size };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)buf, size } };

	if (offset < 0 || size > UINT32_MAX || (size && !buf))
		return -EINVAL;
	return send_notify(se, FUSE_NOTIFY_STORE, iov, size ? 2 : 1);
}

ZCFUSE_API int zcfuse_notify_retrieve(struct zcfuse_session *se, zcfuse_ino_t ino, size_t size,
				      off_t offset, void *cookie)
{
	struct fuse_notify_retrieve_out o = { .nodeid = ino, .offset = (uint64_t)offset,
					      .size = (uint32_t)size };
	struct iovec iov = { &o, sizeof(o) };
	void *dropped;
	int err;

	if (offset < 0 || size > UINT32_MAX)
		return -EINVAL;
	err = zcf_retrieve_add(&se->pc, cookie, &o.notify_unique);
	if (err)
		return err;
	err = send_notify(se, FUSE_NOTIFY_RETRIEVE, &iov, 1);
	if (err)
		zcf_retrieve_take(&se->pc, o.notify_unique, &dropped);
	return err;
}

int zcf_notify_kick(struct zcfuse_session *se, uint64_t nodeid, unsigned qid, uint64_t seq)
{
	/* Even, apart from every retrieve's unique (proto/retrieve.c), and per queue. */
	struct fuse_notify_retrieve_out o = {
		.notify_unique = ZCF_UNIQUE_KICK | ((uint64_t)(qid & 0xfff) << 48) |
				 ((seq << 1) & ((1ull << 48) - 1)),
		.nodeid = nodeid,
	};
	struct iovec iov = { &o, sizeof(o) };

	return send_notify(se, FUSE_NOTIFY_RETRIEVE, &iov, 1);
}

ZCFUSE_API int zcfuse_notify_resend(struct zcfuse_session *se)
{
	if (!have(se, 40, FUSE_HAS_RESEND))
		return -ENOSYS;
	return send_notify(se, FUSE_NOTIFY_RESEND, NULL, 0);
}

ZCFUSE_API int zcfuse_notify_inc_epoch(struct zcfuse_session *se)
{
	if (!have(se, 44, 0))
		return -ENOSYS;
	return send_notify(se, FUSE_NOTIFY_INC_EPOCH, NULL, 0);
}

ZCFUSE_API int zcfuse_notify_prune(struct zcfuse_session *se, const zcfuse_ino_t *nodeids,
				   uint32_t count)
{
	struct fuse_notify_prune_out o = { .count = count };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)nodeids, count * sizeof(*nodeids) } };

	if (count && !nodeids)
		return -EINVAL;
	if (!have(se, 45, 0))
		return -ENOSYS;
	return send_notify(se, FUSE_NOTIFY_PRUNE, iov, count ? 2 : 1);
}
