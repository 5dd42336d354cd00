/* SPDX-License-Identifier: MIT */
/* Replies of the opcodes in dispatch_ext.c: lock, bmap, ioctl, poll, statx. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "proto/proto.h"

ZCFUSE_API int zcfuse_reply_lock(struct zcfuse_req *req, const struct flock *lock)
{
	struct fuse_lk_out o;
	struct iovec iov = { &o, sizeof(o) };

	memset(&o, 0, sizeof(o));
	o.lk.type = (uint32_t)lock->l_type;
	if (lock->l_type != F_UNLCK) {
		o.lk.start = (uint64_t)lock->l_start;
		o.lk.end = lock->l_len == 0 ? (uint64_t)INT64_MAX
					    : (uint64_t)(lock->l_start + lock->l_len - 1);
		o.lk.pid = (uint32_t)lock->l_pid;
	}
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_bmap(struct zcfuse_req *req, uint64_t idx)
{
	struct fuse_bmap_out o = { .block = idx };
	struct iovec iov = { &o, sizeof(o) };

	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_ioctl(struct zcfuse_req *req, int result, const void *buf,
				  size_t size)
{
	struct fuse_ioctl_out o = { .result = result };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)buf, size } };

	if (size > req->payload_size)
		return zcfuse_reply_err(req, EIO);
	return zcf_send(req, 0, iov, buf && size ? 2 : 1);
}

ZCFUSE_API int zcfuse_reply_ioctl_retry(struct zcfuse_req *req, const struct iovec *in_iov,
					size_t in_count, const struct iovec *out_iov,
					size_t out_count)
{
	struct fuse_ioctl_iovec v[ZCFUSE_IOCTL_MAX_IOV];
	struct fuse_ioctl_out o = { .flags = FUSE_IOCTL_RETRY_F };
	struct iovec iov[3];
	const struct fuse_ioctl_in *a = req->arg;
	size_t i;

	/* Only an unrestricted (CUSE) ioctl may ask to be sent again. */
	if (req->in.opcode != FUSE_IOCTL || !(a->flags & FUSE_IOCTL_UNRESTRICTED_F) ||
	    in_count + out_count > ZCFUSE_IOCTL_MAX_IOV)
		return zcfuse_reply_err(req, EINVAL);
	for (i = 0; i < in_count; i++)
		v[i] = (struct fuse_ioctl_iovec){ (uintptr_t)in_iov[i].iov_base, in_iov[i].iov_len };
	for (i = 0; i < out_count; i++)
		v[in_count + i] = (struct fuse_ioctl_iovec){ (uintptr_t)out_iov[i].iov_base,
							     out_iov[i].iov_len };
	o.in_iovs = (uint32_t)in_count;
	o.out_iovs = (uint32_t)out_count;
	iov[0] = (struct iovec){ &o, sizeof(o) };
	iov[1] = (struct iovec){ v, in_count * sizeof(v[0]) };
	iov[2] = (struct iovec){ v + in_count, out_count * sizeof(v[0]) };
	return zcf_send(req, 0, iov, 3);
}

ZCFUSE_API int zcfuse_reply_poll(struct zcfuse_req *req, unsigned revents)
{
	struct fuse_poll_out o = { .revents = revents };
	struct iovec iov = { &o, sizeof(o) };

	return zcf_send(req, 0, &iov, 1);
}

static void sx_time(struct fuse_sx_time *t, int64_t sec, uint32_t nsec)
{
	t->tv_sec = sec;
	t->tv_nsec = nsec;
}

static void timeout_split2(double t, uint64_t *sec, uint32_t *nsec)
{
	if (!(t > 0)) {
		*sec = 0;
		*nsec = 0;
		return;
	}
	if (t > 1e18)
		t = 1e18;
	*sec = (uint64_t)t;
	*nsec = (uint32_t)((t - (double)*sec) * 1e9);
	if (*nsec >= 1000000000u)
		*nsec = 999999999u;
}

ZCFUSE_API int zcfuse_reply_statx(struct zcfuse_req *req, int flags, const struct statx *stx,
				  double attr_timeout)
{
	struct fuse_statx_out o;
	struct iovec iov = { &o, sizeof(o) };
	struct fuse_statx *s = &o.stat;

	memset(&o, 0, sizeof(o));
	timeout_split2(attr_timeout, &o.attr_valid, &o.attr_valid_nsec);
	o.flags = (uint32_t)flags;
	s->mask = stx->stx_mask;
	s->blksize = stx->stx_blksize;
	s->attributes = stx->stx_attributes;
	s->nlink = stx->stx_nlink;
	s->uid = stx->stx_uid;
	s->gid = stx->stx_gid;
	s->mode = stx->stx_mode;
	s->ino = stx->stx_ino;
	s->size = stx->stx_size;
	s->blocks = stx->stx_blocks;
	s->attributes_mask = stx->stx_attributes_mask;
	sx_time(&s->atime, stx->stx_atime.tv_sec, stx->stx_atime.tv_nsec);
	sx_time(&s->btime, stx->stx_btime.tv_sec, stx->stx_btime.tv_nsec);
	sx_time(&s->ctime, stx->stx_ctime.tv_sec, stx->stx_ctime.tv_nsec);
	sx_time(&s->mtime, stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec);
	s->rdev_major = stx->stx_rdev_major;
	s->rdev_minor = stx->stx_rdev_minor;
	s->dev_major = stx->stx_dev_major;
	s->dev_minor = stx->stx_dev_minor;
	return zcf_send(req, 0, &iov, 1);
}

/* A STATX answered by getattr (the fs has no statx op): the basic fields. */
int zcf_reply_statx_from_stat(struct zcfuse_req *req, const struct stat *st,
			      double attr_timeout)
{
	struct statx x;

	memset(&x, 0, sizeof(x));
	x.stx_mask = STATX_BASIC_STATS;
	x.stx_blksize = (uint32_t)st->st_blksize;
	x.stx_nlink = (uint32_t)st->st_nlink;
	x.stx_uid = st->st_uid;
	x.stx_gid = st->st_gid;
	x.stx_mode = (uint16_t)st->st_mode;
	x.stx_ino = st->st_ino;
	x.stx_size = (uint64_t)st->st_size;
	x.stx_blocks = (uint64_t)st->st_blocks;
	x.stx_atime.tv_sec = st->st_atim.tv_sec;
	x.stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	x.stx_mtime.tv_sec = st->st_mtim.tv_sec;
	x.stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	x.stx_ctime.tv_sec = st->st_ctim.tv_sec;
	x.stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	x.stx_rdev_major = major(st->st_rdev);
	x.stx_rdev_minor = minor(st->st_rdev);
	return zcfuse_reply_statx(req, 0, &x, attr_timeout);
}
