/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the opcodes beyond the basic file operations: locks, ioctl,
 * poll, bmap, statx, tmpfile, syncfs, 64-bit copy_file_range and the
 * kernel's answer to a retrieve. Each handler runs only when the opcode
 * table found the filesystem's op (or says the handler decides); sizes were
 * checked against the table's row before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "proto/proto.h"
#include "proto/handlers.h"

static void fi_of(struct zcfuse_file_info *fi, uint64_t fh)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = fh;
}

void zcf_flock_from_fuse(struct flock *fl, const struct fuse_file_lock *lk)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = (short)lk->type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)lk->start;
	/* The kernel says "to the end" with OFFSET_MAX; flock says it with 0. */
	if (lk->end >= (uint64_t)INT64_MAX)
		fl->l_len = 0;
	else
		fl->l_len = (off_t)(lk->end - lk->start + 1);
	fl->l_pid = (pid_t)lk->pid;
}

/* SETLK and SETLKW with FUSE_LK_FLOCK set come from flock(2). */
static void do_flock_call(struct zcfuse_req *req, const struct zcfuse_ops *ops,
			  const struct fuse_lk_in *a, int sleep)
{
	struct zcfuse_file_info fi;
	int op;

	if (!ops->flock)
		return (void)zcfuse_reply_err(req, ENOSYS);
	fi_of(&fi, a->fh);
	fi.lock_owner = a->owner;
	switch (a->lk.type) {
	case F_RDLCK: op = LOCK_SH; break;
	case F_WRLCK: op = LOCK_EX; break;
	case F_UNLCK: op = LOCK_UN; break;
	default: return (void)zcfuse_reply_err(req, EINVAL);
	}
	if (!sleep && op != LOCK_UN)
		op |= LOCK_NB;
	ops->flock(req, req->in.nodeid, &fi, op);
}

static void setlk_common(struct zcfuse_req *req, const struct zcfuse_ops *ops, int sleep)
{
	const struct fuse_lk_in *a = req->arg;
	struct zcfuse_file_info fi;
	struct flock fl;

	if (a->lk_flags & FUSE_LK_FLOCK)
		return do_flock_call(req, ops, a, sleep);
	if (!ops->setlk)
		return (void)zcfuse_reply_err(req, ENOSYS);
	if (a->lk.type != F_RDLCK && a->lk.type != F_WRLCK && a->lk.type != F_UNLCK)
		return (void)zcfuse_reply_err(req, EINVAL);
	fi_of(&fi, a->fh);
	fi.lock_owner = a->owner;
	zcf_flock_from_fuse(&fl, &a->lk);
	ops->setlk(req, req->in.nodeid, &fi, &fl, sleep);
}

void zcf_do_getlk(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_lk_in *a = req->arg;
	struct zcfuse_file_info fi;
	struct flock fl;

	fi_of(&fi, a->fh);
	fi.lock_owner = a->owner;
	zcf_flock_from_fuse(&fl, &a->lk);
	ops->getlk(req, req->in.nodeid, &fi, &fl);
}

void zcf_do_setlk(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	setlk_common(req, ops, 0);
}

void zcf_do_setlkw(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	setlk_common(req, ops, 1);
}

void zcf_do_bmap(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_bmap_in *a = req->arg;

	ops->bmap(req, req->in.nodeid, a->blocksize, a->block);
}

void zcf_do_ioctl(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_ioctl_in *a = req->arg;
	struct zcfuse_file_info fi;
	const void *in = req->data;
	size_t max;

	if (a->in_size > req->data_len) /* the kernel sends in_size bytes of input */
		return zcf_malformed(req, "IOCTL input shorter than in_size");
	max = req->payload_size;
	if (a->out_size > max)
		return zcf_malformed(req, "IOCTL out_size larger than the reply area");
	if ((a->flags & FUSE_IOCTL_DIR_F) &&
	    !(req->pc->conn.flags & FUSE_HAS_IOCTL_DIR))
		return (void)zcfuse_reply_err(req, ENOTTY);
	fi_of(&fi, a->fh);
	ops->ioctl(req, req->in.nodeid, a->cmd, (void *)(uintptr_t)a->arg, &fi, a->flags,
		   a->in_size ? in : NULL, a->in_size, a->out_size);
}

void zcf_do_poll(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_poll_in *a = req->arg;
	struct zcfuse_file_info fi;
	struct zcfuse_pollhandle *ph = NULL;

	fi_of(&fi, a->fh);
	fi.poll_events = a->events;
	if (a->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
		ph = zcf_pollhandle_new(req->pc, a->kh);
		if (!ph)
			return (void)zcfuse_reply_err(req, ENOMEM);
	}
	ops->poll(req, req->in.nodeid, &fi, ph);
}

void zcf_do_statx(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_statx_in *a = req->arg;
	struct zcfuse_file_info fi;

	fi_of(&fi, a->fh);
	if (ops->statx)
		return ops->statx(req, req->in.nodeid, (int)a->sx_flags, (int)a->sx_mask,
				  a->getattr_flags & FUSE_GETATTR_FH ? &fi : NULL);
	if (!ops->getattr)
		return (void)zcfuse_reply_err(req, ENOSYS);
	/* No statx op: getattr answers, and zcfuse_reply_attr() writes a statx. */
	ops->getattr(req, req->in.nodeid, a->getattr_flags & FUSE_GETATTR_FH ? &fi : NULL);
}

void zcf_do_tmpfile(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_create_in *a = req->arg;
	struct zcfuse_file_info fi;

	req->ctx.umask = a->umask;
	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)a->flags;
	ops->tmpfile(req, req->in.nodeid, a->mode, &fi);
}

void zcf_do_syncfs(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	ops->syncfs(req, req->in.nodeid);
}

void zcf_do_copy_file_range_64(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_copy_file_range_in *a = req->arg;
	struct zcfuse_file_info fi_in, fi_out;

	fi_of(&fi_in, a->fh_in);
	fi_of(&fi_out, a->fh_out);
	ops->copy_file_range(req, req->in.nodeid, (off_t)a->off_in, &fi_in, a->nodeid_out,
			     (off_t)a->off_out, &fi_out, a->len, (int)a->flags);
}
