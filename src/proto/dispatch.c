/* SPDX-License-Identifier: MIT */
/*
 * Decoding: turns a framed request into a call of the filesystem's op.
 * Every name is checked to end inside the received data; every size the
 * kernel states is checked against what arrived.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/handlers.h"

static void attr_from_setattr(struct stat *st, const struct fuse_setattr_in *a)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_size = (off_t)a->size;
	st->st_atim.tv_sec = (time_t)a->atime;
	st->st_atim.tv_nsec = a->atimensec;
	st->st_mtim.tv_sec = (time_t)a->mtime;
	st->st_mtim.tv_nsec = a->mtimensec;
	st->st_ctim.tv_sec = (time_t)a->ctime;
	st->st_ctim.tv_nsec = a->ctimensec;
}

/* Answers a request the decoder could not make sense of. */
void zcf_malformed(struct zcfuse_req *req, const char *what)
{
	atomic_fetch_add_explicit(&zcf_stats_mine(req->pc)->malformed, 1, memory_order_relaxed);
	zcf_warn("malformed %s request (unique %llu, %u bytes): %s; answered EINVAL",
		 zcf_opcode_name(req->in.opcode), (unsigned long long)req->in.unique, req->in.len,
		 what);
	zcfuse_reply_err(req, EINVAL);
}

static void do_forget(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_forget_in *a = req->arg;

	if (ops->forget)
		ops->forget(req, req->in.nodeid, a->nlookup);
	else
		zcfuse_reply_none(req);
}

void zcf_do_batch_forget(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_batch_forget_in *a = req->arg;
	const struct fuse_forget_one *one = req->data;
	zcfuse_ino_t inos[64];
	uint64_t counts[64];
	size_t i, n;

	if ((size_t)a->count > req->data_len / sizeof(*one)) {
		/* No reply exists for FORGET: log and drop what we cannot trust. */
		atomic_fetch_add_explicit(&zcf_stats_mine(req->pc)->malformed, 1, memory_order_relaxed);
		zcf_warn("malformed BATCH_FORGET: %u entries in %zu bytes; dropped", a->count,
			 req->data_len);
		zcfuse_reply_none(req);
		return;
	}
	if (!ops->forget_multi) {
		/* forget() replies "none" per call; give each its own pseudo request. */
		for (i = 0; i < a->count && ops->forget; i++) {
			struct fuse_forget_one f;

			memcpy(&f, one + i, sizeof(f));
			req->flags |= ZCF_REQ_NOREPLY;
			ops->forget(req, f.nodeid, f.nlookup);
		}
		req->flags &= ~ZCF_REQ_NOREPLY;
		zcfuse_reply_none(req);
		return;
	}
	/* Hand over in chunks: the data may be unaligned for direct use. */
	for (i = 0; i < a->count; i += n) {
		size_t j;

		n = a->count - i < 64 ? a->count - i : 64;
		for (j = 0; j < n; j++) {
			struct fuse_forget_one f;

			memcpy(&f, one + i + j, sizeof(f));
			inos[j] = f.nodeid;
			counts[j] = f.nlookup;
		}
		req->flags |= ZCF_REQ_NOREPLY;
		ops->forget_multi(req, n, inos, counts);
	}
	req->flags &= ~ZCF_REQ_NOREPLY;
	zcfuse_reply_none(req);
}

static void do_interrupt(struct zcfuse_req *req)
{
	const struct fuse_interrupt_in *a = req->arg;

	zcf_note_interrupt(req->pc, a->unique);
	zcfuse_reply_none(req); /* INTERRUPT takes no answer */
}

static void do_read_like(struct zcfuse_req *req, const struct zcfuse_ops *ops, unsigned op)
{
	const struct fuse_read_in *a = req->arg;
	struct zcfuse_file_info fi;
	size_t size = a->size;

	zcf_fi_from_fh(&fi, a->fh, a->flags);
	if (a->read_flags & FUSE_READ_LOCKOWNER)
		fi.lock_owner = a->lock_owner;
	if (size > req->payload_size && !(req->flags & ZCF_REQ_ZERO_COPY))
		size = req->payload_size; /* never more than the reply area holds */
	if (op == FUSE_READ) {
		zcf_tally_op(&req->tally, FUSE_READ, size);
		if (!ops->read)
			zcfuse_reply_err(req, ENOSYS);
		else
			ops->read(req, req->in.nodeid, size, (off_t)a->offset, &fi);
	} else if (op == FUSE_READDIR) {
		if (!ops->readdir)
			zcfuse_reply_err(req, ENOSYS);
		else
			ops->readdir(req, req->in.nodeid, size, (off_t)a->offset, &fi);
	} else {
		if (!ops->readdirplus)
			zcfuse_reply_err(req, ENOSYS);
		else
			ops->readdirplus(req, req->in.nodeid, size, (off_t)a->offset, &fi);
	}
}

void zcf_do_write(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_write_in *a = req->arg;
	struct zcfuse_file_info fi;
	const void *buf = req->data;

	if (req->flags & ZCF_REQ_ZERO_COPY) {
		buf = NULL; /* the bytes are the client's pages, not ours to read */
	} else if (a->size > req->data_len) {
		zcf_malformed(req, "WRITE size larger than the data received");
		return;
	}
	zcf_fi_from_fh(&fi, a->fh, a->flags);
	fi.writepage = !!(a->write_flags & FUSE_WRITE_CACHE);
	if (a->write_flags & FUSE_WRITE_KILL_SUIDGID) {
		fi.kill_suidgid = 1;
		req->kill_priv = ZCFUSE_KILL_SUIDGID;
	}
	if (a->write_flags & FUSE_WRITE_LOCKOWNER)
		fi.lock_owner = a->lock_owner;
	req->io_len = a->size;
	zcf_tally_op(&req->tally, FUSE_WRITE, a->size);
	if (!ops->write)
		zcfuse_reply_err(req, ENOSYS);
	else
		ops->write(req, req->in.nodeid, buf, a->size, (off_t)a->offset, &fi);
}

void zcf_do_setattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_setattr_in *a = req->arg;
	struct zcfuse_file_info fi, *fip = NULL;
	struct stat st;
	int mask = (int)(a->valid & (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE |
				     FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW |
				     FATTR_MTIME_NOW | FATTR_CTIME | FATTR_KILL_SUIDGID));

	if (!ops->setattr) {
		zcfuse_reply_err(req, ENOSYS);
		return;
	}
	attr_from_setattr(&st, a);
	if (a->valid & FATTR_KILL_SUIDGID)
		req->kill_priv = ZCFUSE_KILL_SUIDGID;
	if (a->valid & FATTR_FH) {
		zcf_fi_from_fh(&fi, a->fh, 0);
		fip = &fi;
	}
	ops->setattr(req, req->in.nodeid, &st, mask, fip);
}

static void do_open_like(struct zcfuse_req *req, const struct zcfuse_ops *ops, bool dir)
{
	const struct fuse_open_in *a = req->arg;
	struct zcfuse_file_info fi;
	void (*op)(struct zcfuse_req *, zcfuse_ino_t, struct zcfuse_file_info *) =
		dir ? ops->opendir : ops->open;

	zcf_fi_from_fh(&fi, 0, a->flags);
	if (a->open_flags & FUSE_OPEN_KILL_SUIDGID) {
		fi.kill_suidgid = 1;
		req->kill_priv = ZCFUSE_KILL_SUIDGID;
	}
	if (op)
		op(req, req->in.nodeid, &fi);
	else
		zcfuse_reply_open(req, &fi);
}

static void do_release_like(struct zcfuse_req *req, const struct zcfuse_ops *ops, bool dir)
{
	const struct fuse_release_in *a = req->arg;
	struct zcfuse_file_info fi;
	void (*op)(struct zcfuse_req *, zcfuse_ino_t, struct zcfuse_file_info *) =
		dir ? ops->releasedir : ops->release;

	zcf_fi_from_fh(&fi, a->fh, a->flags);
	fi.flush = !!(a->release_flags & FUSE_RELEASE_FLUSH);
	fi.flock_release = !!(a->release_flags & FUSE_RELEASE_FLOCK_UNLOCK);
	fi.lock_owner = a->lock_owner;
	if (op)
		op(req, req->in.nodeid, &fi);
	else
		zcfuse_reply_err(req, 0);
}

static void do_fsync_like(struct zcfuse_req *req, const struct zcfuse_ops *ops, bool dir)
{
	const struct fuse_fsync_in *a = req->arg;
	struct zcfuse_file_info fi;
	void (*op)(struct zcfuse_req *, zcfuse_ino_t, int, struct zcfuse_file_info *) =
		dir ? ops->fsyncdir : ops->fsync;

	zcf_fi_from_fh(&fi, a->fh, 0);
	if (op)
		op(req, req->in.nodeid, a->fsync_flags & FUSE_FSYNC_FDATASYNC, &fi);
	else
		zcfuse_reply_err(req, 0);
}

/* ---- Handlers, one per opcode. The table below calls one only when the
 * filesystem has the op its row names; a NULL op gets the row's default. */

void zcf_do_init(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	zcf_warn("second INIT; answered EIO");
	zcfuse_reply_err(req, EIO);
}

void zcf_do_destroy(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_proto_ctx *pc = req->pc;

	if (!pc->got_destroy && ops->destroy) {
		pc->got_destroy = true;
		ops->destroy(pc->userdata);
	}
	zcfuse_reply_err(req, 0);
}

void zcf_do_interrupt_op(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_interrupt(req);
}

void zcf_do_getattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_getattr_in *a = req->arg;
	struct zcfuse_file_info fi;

	zcf_fi_from_fh(&fi, a->fh, 0);
	ops->getattr(req, req->in.nodeid, a->getattr_flags & FUSE_GETATTR_FH ? &fi : NULL);
}

void zcf_do_readlink(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	ops->readlink(req, req->in.nodeid);
}

void zcf_do_statfs(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	ops->statfs(req, req->in.nodeid);
}

void zcf_do_open(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_open_like(req, ops, false);
}

void zcf_do_opendir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_open_like(req, ops, true);
}

void zcf_do_read(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_read_like(req, ops, FUSE_READ);
}

void zcf_do_readdir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_read_like(req, ops, FUSE_READDIR);
}

void zcf_do_readdirplus(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_read_like(req, ops, FUSE_READDIRPLUS);
}

void zcf_do_release(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_release_like(req, ops, false);
}

void zcf_do_releasedir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_release_like(req, ops, true);
}

void zcf_do_fsync(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_fsync_like(req, ops, false);
}

void zcf_do_fsyncdir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_fsync_like(req, ops, true);
}

void zcf_do_flush(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_flush_in *a = req->arg;
	struct zcfuse_file_info fi;

	zcf_fi_from_fh(&fi, a->fh, 0);
	fi.lock_owner = a->lock_owner;
	ops->flush(req, req->in.nodeid, &fi);
}

void zcf_do_access(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	ops->access(req, req->in.nodeid, (int)((const struct fuse_access_in *)req->arg)->mask);
}

void zcf_do_fallocate(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_fallocate_in *a = req->arg;
	struct zcfuse_file_info fi;

	zcf_fi_from_fh(&fi, a->fh, 0);
	ops->fallocate(req, req->in.nodeid, (int)a->mode, (off_t)a->offset, (off_t)a->length,
		       &fi);
}

void zcf_do_lseek(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_lseek_in *a = req->arg;
	struct zcfuse_file_info fi;

	zcf_fi_from_fh(&fi, a->fh, 0);
	ops->lseek(req, req->in.nodeid, (off_t)a->offset, (int)a->whence, &fi);
}

void zcf_do_copy_file_range(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_copy_file_range_in *a = req->arg;
	struct zcfuse_file_info fi_in, fi_out;

	zcf_fi_from_fh(&fi_in, a->fh_in, 0);
	zcf_fi_from_fh(&fi_out, a->fh_out, 0);
	ops->copy_file_range(req, req->in.nodeid, (off_t)a->off_in, &fi_in, a->nodeid_out,
			     (off_t)a->off_out, &fi_out, a->len, (int)a->flags);
}

void zcf_do_forget_op(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	do_forget(req, ops);
}

/*
 * -o allow_root mounts with allow_other, so the server itself turns away
 * everyone but root and the mounting user. Ops on an already open file or
 * ones that must always complete pass (ZCF_OPF_ANY_USER), as the open was
 * checked.
 */
static bool allowed_for_allow_root(struct zcf_proto_ctx *pc, struct zcfuse_req *req,
				   const struct zcf_opcode *d)
{
	if (d->flags & ZCF_OPF_ANY_USER)
		return true;
	return req->in.uid == 0 || req->in.uid == pc->owner_uid;
}

/* The filesystem's op that a row names, or NULL. */
static void (*row_op(const struct zcfuse_ops *ops, const struct zcf_opcode *d))(void)
{
	void (*fn)(void);

	if (!d->op_off)
		return NULL;
	memcpy(&fn, (const char *)ops + d->op_off - 1, sizeof(fn));
	return fn;
}

/* Answers what a row says when the filesystem lacks the op. */
static void answer_default(struct zcfuse_req *req, const struct zcf_opcode *d)
{
	struct zcfuse_file_info fi;

	switch (d->if_null) {
	case ZCF_DEF_OK:
		zcfuse_reply_err(req, 0);
		break;
	case ZCF_DEF_OPEN:
		zcf_fi_from_fh(&fi, 0, ((const struct fuse_open_in *)req->arg)->flags);
		zcfuse_reply_open(req, &fi);
		break;
	case ZCF_DEF_NONE:
		zcfuse_reply_none(req);
		break;
	default:
		zcfuse_reply_err(req, ENOSYS);
	}
}

void zcf_dispatch(struct zcfuse_req *req)
{
	struct zcf_proto_ctx *pc = req->pc;
	const struct zcfuse_ops *ops = &pc->ops;
	unsigned op = req->in.opcode;
	const struct zcf_opcode *d = req->op; /* the framer's lookup */

	req->kill_priv = 0;
	if (zcf_debug)
		zcf_dbg("%s unique %llu nodeid %llu len %u pid %u",
			d->name, (unsigned long long)req->in.unique,
			(unsigned long long)req->in.nodeid, req->in.len, req->in.pid);
	if (!(d->flags & ZCF_OPF_SIZED))
		zcf_tally_op(&req->tally, op, req->data_len);
	if (!pc->got_init && op != FUSE_INIT) {
		zcf_warn("%s before INIT; answered EIO", d->name);
		zcfuse_reply_err(req, EIO);
		return;
	}
	if (pc->cfg.allow_root && !allowed_for_allow_root(pc, req, d)) {
		zcfuse_reply_err(req, EACCES);
		return;
	}
	/* The framer already sized the arguments from the same row. */
	if (!d->handle || d->arg_size < 0 ||
	    zcf_enosys_known(pc, op)) {
		zcfuse_reply_err(req, ENOSYS);
		return;
	}
	if (d->if_null != ZCF_DEF_HANDLER && !row_op(ops, d))
		return answer_default(req, d);
	d->handle(req, ops);
}
