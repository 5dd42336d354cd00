/* SPDX-License-Identifier: MIT */
/*
 * Decoding: turns a framed request into a call of the filesystem's op.
 * Every name is checked to end inside the received data; every size the
 * kernel states is checked against what arrived.
 */
#include <errno.h>
#include <string.h>

#include "core/internal.h"

/* A cursor over the request's variable data. */
struct cursor {
	const char *p;
	size_t left;
};

/* Takes a NUL-terminated string; NULL when none ends inside the data. */
static const char *take_name(struct cursor *c)
{
	const char *end, *name = c->p;

	if (!c->left)
		return NULL;
	end = memchr(c->p, 0, c->left);
	if (!end)
		return NULL;
	c->left -= (size_t)(end - c->p) + 1;
	c->p = end + 1;
	return name;
}

static const void *take_bytes(struct cursor *c, size_t n)
{
	const char *p = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

static void fi_from_fh(struct zcfuse_file_info *fi, uint64_t fh, uint32_t flags)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = fh;
	fi->flags = (int)flags;
}

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
static void malformed(struct zcfuse_req *req, const char *what)
{
	atomic_fetch_add_explicit(&zcf_stats_mine(req->se)->malformed, 1, memory_order_relaxed);
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

static void do_batch_forget(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_batch_forget_in *a = req->arg;
	const struct fuse_forget_one *one = req->data;
	zcfuse_ino_t inos[64];
	uint64_t counts[64];
	size_t i, n;

	if ((size_t)a->count > req->data_len / sizeof(*one)) {
		/* No reply exists for FORGET: log and drop what we cannot trust. */
		atomic_fetch_add_explicit(&zcf_stats_mine(req->se)->malformed, 1, memory_order_relaxed);
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

	zcf_note_interrupt(req->se, a->unique);
	zcfuse_reply_none(req); /* INTERRUPT takes no answer */
}

static void do_read_like(struct zcfuse_req *req, const struct zcfuse_ops *ops, unsigned op)
{
	const struct fuse_read_in *a = req->arg;
	struct zcfuse_file_info fi;
	size_t size = a->size;

	fi_from_fh(&fi, a->fh, a->flags);
	if (a->read_flags & FUSE_READ_LOCKOWNER)
		fi.lock_owner = a->lock_owner;
	if (size > req->payload_size && !(req->flags & ZCF_REQ_ZERO_COPY))
		size = req->payload_size; /* never more than the reply area holds */
	if (op == FUSE_READ) {
		zcf_count(&zcf_stats_mine(req->se)->op[FUSE_READ], size);
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

static void do_write(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_write_in *a = req->arg;
	struct zcfuse_file_info fi;
	const void *buf = req->data;

	if (req->flags & ZCF_REQ_ZERO_COPY) {
		buf = NULL; /* the bytes are the client's pages, not ours to read */
	} else if (a->size > req->data_len) {
		malformed(req, "WRITE size larger than the data received");
		return;
	}
	fi_from_fh(&fi, a->fh, a->flags);
	fi.writepage = !!(a->write_flags & FUSE_WRITE_CACHE);
	if (a->write_flags & FUSE_WRITE_KILL_SUIDGID) {
		fi.kill_suidgid = 1;
		req->kill_priv = ZCFUSE_KILL_SUIDGID;
	}
	if (a->write_flags & FUSE_WRITE_LOCKOWNER)
		fi.lock_owner = a->lock_owner;
	req->io_len = a->size;
	zcf_count(&zcf_stats_mine(req->se)->op[FUSE_WRITE], a->size);
	if (!ops->write)
		zcfuse_reply_err(req, ENOSYS);
	else
		ops->write(req, req->in.nodeid, buf, a->size, (off_t)a->offset, &fi);
}

static void do_setattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
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
		fi_from_fh(&fi, a->fh, 0);
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

	fi_from_fh(&fi, 0, a->flags);
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

	fi_from_fh(&fi, a->fh, a->flags);
	fi.flush = !!(a->release_flags & FUSE_RELEASE_FLUSH);
	if (!dir) /* the fh and its descriptor may be reused from now on */
		atomic_fetch_add_explicit(&req->se->release_epoch, 1, memory_order_release);
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

	fi_from_fh(&fi, a->fh, 0);
	if (op)
		op(req, req->in.nodeid, a->fsync_flags & FUSE_FSYNC_FDATASYNC, &fi);
	else
		zcfuse_reply_err(req, 0);
}

/* Ops whose variable data is names and values. */
static void do_named(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct cursor c = { req->data, req->data_len };
	const char *name, *name2;
	zcfuse_ino_t ino = req->in.nodeid;

	switch (req->in.opcode) {
	case FUSE_LOOKUP:
		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		return ops->lookup ? ops->lookup(req, ino, name) : (void)zcfuse_reply_err(req, ENOSYS);
	case FUSE_UNLINK:
	case FUSE_RMDIR: {
		void (*op)(struct zcfuse_req *, zcfuse_ino_t, const char *) =
			req->in.opcode == FUSE_UNLINK ? ops->unlink : ops->rmdir;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		return op ? op(req, ino, name) : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_REMOVEXATTR:
		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		return ops->removexattr ? ops->removexattr(req, ino, name)
					: (void)zcfuse_reply_err(req, ENOSYS);
	case FUSE_SYMLINK:
		if (!(name = take_name(&c)) || !(name2 = take_name(&c)))
			return malformed(req, "names not terminated");
		return ops->symlink ? ops->symlink(req, name2, ino, name)
				    : (void)zcfuse_reply_err(req, ENOSYS);
	case FUSE_MKNOD: {
		const struct fuse_mknod_in *a = req->arg;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		req->ctx.umask = a->umask;
		return ops->mknod ? ops->mknod(req, ino, name, a->mode, a->rdev)
				  : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_MKDIR: {
		const struct fuse_mkdir_in *a = req->arg;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		req->ctx.umask = a->umask;
		return ops->mkdir ? ops->mkdir(req, ino, name, a->mode)
				  : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_RENAME:
	case FUSE_RENAME2: {
		uint64_t newdir;
		unsigned flags = 0;

		if (req->in.opcode == FUSE_RENAME) {
			newdir = ((const struct fuse_rename_in *)req->arg)->newdir;
		} else {
			newdir = ((const struct fuse_rename2_in *)req->arg)->newdir;
			flags = ((const struct fuse_rename2_in *)req->arg)->flags;
		}
		if (!(name = take_name(&c)) || !(name2 = take_name(&c)))
			return malformed(req, "names not terminated");
		return ops->rename ? ops->rename(req, ino, name, newdir, name2, flags)
				   : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_LINK: {
		const struct fuse_link_in *a = req->arg;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		return ops->link ? ops->link(req, a->oldnodeid, ino, name)
				 : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_CREATE: {
		const struct fuse_create_in *a = req->arg;
		struct zcfuse_file_info fi;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		req->ctx.umask = a->umask;
		fi_from_fh(&fi, 0, a->flags);
		if (a->open_flags & FUSE_OPEN_KILL_SUIDGID) {
			fi.kill_suidgid = 1;
			req->kill_priv = ZCFUSE_KILL_SUIDGID;
		}
		return ops->create ? ops->create(req, ino, name, a->mode, &fi)
				   : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_SETXATTR: {
		const struct fuse_setxattr_in *a = req->arg;
		const void *value;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		if (!(value = take_bytes(&c, a->size)))
			return malformed(req, "xattr value shorter than its size");
		/* Without SETXATTR_EXT the argument ends before setxattr_flags. */
		if (req->se->conn.setxattr_ext && (a->setxattr_flags & FUSE_SETXATTR_ACL_KILL_SGID))
			req->kill_priv = ZCFUSE_KILL_SGID;
		return ops->setxattr ? ops->setxattr(req, ino, name, value, a->size, (int)a->flags)
				     : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_GETXATTR: {
		const struct fuse_getxattr_in *a = req->arg;

		if (!(name = take_name(&c)))
			return malformed(req, "name not terminated");
		return ops->getxattr ? ops->getxattr(req, ino, name, a->size)
				     : (void)zcfuse_reply_err(req, ENOSYS);
	}
	}
}

/*
 * -o allow_root mounts with allow_other, so the server itself turns away
 * everyone but root and the mounting user. Ops on an already open file or
 * ones that must always complete pass, as the open was checked.
 */
static bool allowed_for_allow_root(struct zcfuse_session *se, struct zcfuse_req *req)
{
	switch (req->in.opcode) {
	case FUSE_INIT: case FUSE_READ: case FUSE_WRITE: case FUSE_FSYNC: case FUSE_RELEASE:
	case FUSE_READDIR: case FUSE_FSYNCDIR: case FUSE_RELEASEDIR: case FUSE_READDIRPLUS:
	case FUSE_NOTIFY_REPLY: case FUSE_FORGET: case FUSE_BATCH_FORGET: case FUSE_INTERRUPT:
	case FUSE_DESTROY:
		return true;
	}
	return req->in.uid == 0 || req->in.uid == se->owner_uid;
}

void zcf_dispatch(struct zcfuse_req *req)
{
	struct zcfuse_session *se = req->se;
	const struct zcfuse_ops *ops = &se->ops;
	unsigned op = req->in.opcode;

	req->kill_priv = 0;
	if (zcf_debug)
		zcf_dbg("%s unique %llu nodeid %llu len %u pid %u",
			zcf_opcode_name(op), (unsigned long long)req->in.unique,
			(unsigned long long)req->in.nodeid, req->in.len, req->in.pid);
	if (op != FUSE_READ && op != FUSE_WRITE && op < FUSE_OPCODE_MAX)
		zcf_count(&zcf_stats_mine(se)->op[op], req->data_len);
	if (!se->got_init && op != FUSE_INIT) {
		zcf_warn("%s before INIT; answered EIO", zcf_opcode_name(op));
		zcfuse_reply_err(req, EIO);
		return;
	}
	if (se->cfg.allow_root && !allowed_for_allow_root(se, req)) {
		zcfuse_reply_err(req, EACCES);
		return;
	}
	if (zcf_op_arg_size(op, se->conn.setxattr_ext) < 0) {
		zcfuse_reply_err(req, ENOSYS);
		return;
	}

	switch (op) {
	case FUSE_INIT:
		zcf_warn("second INIT; answered EIO");
		zcfuse_reply_err(req, EIO);
		return;
	case FUSE_DESTROY:
		if (!se->got_destroy && ops->destroy) {
			se->got_destroy = true;
			ops->destroy(se->userdata);
		}
		zcfuse_reply_err(req, 0);
		return;
	case FUSE_FORGET:
		return do_forget(req, ops);
	case FUSE_BATCH_FORGET:
		return do_batch_forget(req, ops);
	case FUSE_INTERRUPT:
		return do_interrupt(req);
	case FUSE_NOTIFY_REPLY: /* data for a RETRIEVE we never send: nothing to answer */
		return zcfuse_reply_none(req);
	case FUSE_GETATTR: {
		const struct fuse_getattr_in *a = req->arg;
		struct zcfuse_file_info fi;

		fi_from_fh(&fi, a->fh, 0);
		if (!ops->getattr)
			return (void)zcfuse_reply_err(req, ENOSYS);
		return ops->getattr(req, req->in.nodeid,
				    a->getattr_flags & FUSE_GETATTR_FH ? &fi : NULL);
	}
	case FUSE_SETATTR:
		return do_setattr(req, ops);
	case FUSE_READLINK:
		return ops->readlink ? ops->readlink(req, req->in.nodeid)
				     : (void)zcfuse_reply_err(req, ENOSYS);
	case FUSE_OPEN:
		return do_open_like(req, ops, false);
	case FUSE_OPENDIR:
		return do_open_like(req, ops, true);
	case FUSE_READ:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		return do_read_like(req, ops, op);
	case FUSE_WRITE:
		return do_write(req, ops);
	case FUSE_STATFS:
		return ops->statfs ? ops->statfs(req, req->in.nodeid)
				   : (void)zcfuse_reply_err(req, ENOSYS);
	case FUSE_RELEASE:
		return do_release_like(req, ops, false);
	case FUSE_RELEASEDIR:
		return do_release_like(req, ops, true);
	case FUSE_FSYNC:
		return do_fsync_like(req, ops, false);
	case FUSE_FSYNCDIR:
		return do_fsync_like(req, ops, true);
	case FUSE_FLUSH: {
		const struct fuse_flush_in *a = req->arg;
		struct zcfuse_file_info fi;

		fi_from_fh(&fi, a->fh, 0);
		fi.lock_owner = a->lock_owner;
		if (!ops->flush)
			return (void)zcfuse_reply_err(req, 0);
		return ops->flush(req, req->in.nodeid, &fi);
	}
	case FUSE_LISTXATTR: {
		const struct fuse_getxattr_in *a = req->arg;

		return ops->listxattr ? ops->listxattr(req, req->in.nodeid, a->size)
				      : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_ACCESS: {
		const struct fuse_access_in *a = req->arg;

		return ops->access ? ops->access(req, req->in.nodeid, (int)a->mask)
				   : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_FALLOCATE: {
		const struct fuse_fallocate_in *a = req->arg;
		struct zcfuse_file_info fi;

		fi_from_fh(&fi, a->fh, 0);
		return ops->fallocate ? ops->fallocate(req, req->in.nodeid, (int)a->mode,
						       (off_t)a->offset, (off_t)a->length, &fi)
				      : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_LSEEK: {
		const struct fuse_lseek_in *a = req->arg;
		struct zcfuse_file_info fi;

		fi_from_fh(&fi, a->fh, 0);
		return ops->lseek ? ops->lseek(req, req->in.nodeid, (off_t)a->offset,
					       (int)a->whence, &fi)
				  : (void)zcfuse_reply_err(req, ENOSYS);
	}
	case FUSE_COPY_FILE_RANGE: {
		const struct fuse_copy_file_range_in *a = req->arg;
		struct zcfuse_file_info fi_in, fi_out;

		fi_from_fh(&fi_in, a->fh_in, 0);
		fi_from_fh(&fi_out, a->fh_out, 0);
		return ops->copy_file_range
			       ? ops->copy_file_range(req, req->in.nodeid, (off_t)a->off_in,
						      &fi_in, a->nodeid_out, (off_t)a->off_out,
						      &fi_out, a->len, (int)a->flags)
			       : (void)zcfuse_reply_err(req, ENOSYS);
	}
	default:
		return do_named(req, ops);
	}
}
