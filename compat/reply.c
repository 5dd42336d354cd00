/* SPDX-License-Identifier: MIT */
/*
 * fuse_reply_*, fuse_req_*, notifications and directory records, on top of
 * zcfuse's replies. fuse_reply_data() with a descriptor buffer is the RFC's
 * data path: the read goes straight into the request's registered reply
 * memory (READ_FIXED on the queue's ring), as zcfuse_req_read_fd() does for
 * native servers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void entry_in(struct zcfuse_entry_param *z, const struct fuse_entry_param *e)
{
	z->ino = e->ino;
	z->generation = e->generation;
	z->attr = e->attr;
	z->attr_timeout = e->attr_timeout;
	z->entry_timeout = e->entry_timeout;
}

ZCF_COMPAT_API int fuse_reply_err(fuse_req_t req, int err)
{
	return zcfuse_reply_err(ZREQ(req), err);
}

ZCF_COMPAT_API void fuse_reply_none(fuse_req_t req)
{
	zcfuse_reply_none(ZREQ(req));
}

ZCF_COMPAT_API int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	struct zcfuse_entry_param z;

	entry_in(&z, e);
	return zcfuse_reply_entry(ZREQ(req), &z);
}

ZCF_COMPAT_API int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
				     const struct fuse_file_info *fi)
{
	struct zcfuse_entry_param z;
	struct zcfuse_file_info zfi;

	entry_in(&z, e);
	compat_fi_out_se(compat_se(ZREQ(req)), fi, &zfi);
	return zcfuse_reply_create(ZREQ(req), &z, &zfi);
}

ZCF_COMPAT_API int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double timeout)
{
	return zcfuse_reply_attr(ZREQ(req), attr, timeout);
}

ZCF_COMPAT_API int fuse_reply_readlink(fuse_req_t req, const char *link)
{
	return zcfuse_reply_readlink(ZREQ(req), link);
}

ZCF_COMPAT_API int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
	struct zcfuse_file_info zfi;

	compat_fi_out_se(compat_se(ZREQ(req)), fi, &zfi);
	return zcfuse_reply_open(ZREQ(req), &zfi);
}

ZCF_COMPAT_API int fuse_reply_write(fuse_req_t req, size_t count)
{
	return zcfuse_reply_write(ZREQ(req), count);
}

ZCF_COMPAT_API int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
	return zcfuse_reply_buf(ZREQ(req), buf, size);
}

ZCF_COMPAT_API int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count)
{
	struct zcfuse_req *zr = ZREQ(req);
	size_t room, total = 0;
	char *p = zcfuse_req_payload(zr, &room), *heap = NULL;
	int i, err;

	for (i = 0; i < count; i++)
		total += iov[i].iov_len;
	if (!p || total > room) {
		/* larger than the reply area: one copy through the heap */
		p = heap = malloc(total ? total : 1);
		if (!p)
			return zcfuse_reply_err(zr, ENOMEM);
	}
	for (total = 0, i = 0; i < count; total += iov[i].iov_len, i++)
		memmove(p + total, iov[i].iov_base, iov[i].iov_len);
	err = heap ? zcfuse_reply_buf(zr, heap, total) : zcfuse_reply_data(zr, total);
	free(heap);
	return err;
}

/* ---- Data: fuse_reply_data(), fuse_buf_copy() ---- */

static void read_done(struct zcfuse_req *zr, int res, void *arg)
{
	if (res < 0)
		zcfuse_reply_err(zr, -res);
	else
		zcfuse_reply_data(zr, (size_t)res);
}

ZCF_COMPAT_API int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
				   enum fuse_buf_copy_flags flags)
{
	struct zcfuse_req *zr = ZREQ(req);
	const struct fuse_buf *b = &bufv->buf[bufv->idx];
	size_t room;
	void *payload = zcfuse_req_payload(zr, &room);
	ssize_t n;

	if (bufv->idx >= bufv->count)
		return zcfuse_reply_data(zr, 0);
	/* One descriptor at a position, answering READ: zcfuse's own data path. */
	if (bufv->count - bufv->idx == 1 && (b->flags & FUSE_BUF_IS_FD) &&
	    (b->flags & FUSE_BUF_FD_SEEK) && zcfuse_req_opcode(zr) == FUSE_READ) {
		int err = zcfuse_req_read_fd(zr, b->fd, b->pos + (off_t)bufv->off,
					     b->size - bufv->off, read_done, NULL);

		return err ? zcfuse_reply_err(zr, -err) : 0;
	}
	if (bufv->count - bufv->idx == 1 && !(b->flags & FUSE_BUF_IS_FD))
		return zcfuse_reply_buf(zr, (char *)b->mem + bufv->off, b->size - bufv->off);
	if (payload) {
		struct fuse_bufvec dst = FUSE_BUFVEC_INIT(room);

		dst.buf[0].mem = payload;
		n = fuse_buf_copy(&dst, bufv, flags);
		if (n < 0)
			return zcfuse_reply_err(zr, (int)-n);
		return zcfuse_reply_data(zr, (size_t)n);
	} else {
		size_t size = fuse_buf_size(bufv);
		struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
		int err;

		dst.buf[0].mem = malloc(size ? size : 1);
		if (!dst.buf[0].mem)
			return zcfuse_reply_err(zr, ENOMEM);
		n = fuse_buf_copy(&dst, bufv, flags);
		err = n < 0 ? zcfuse_reply_err(zr, (int)-n)
			    : zcfuse_reply_buf(zr, dst.buf[0].mem, (size_t)n);
		free(dst.buf[0].mem);
		return err;
	}
}

ZCF_COMPAT_API size_t fuse_buf_size(const struct fuse_bufvec *bufv)
{
	size_t i, size = 0;

	for (i = 0; i < bufv->count; i++)
		size += bufv->buf[i].size == SIZE_MAX ? 0 : bufv->buf[i].size;
	return size;
}

/* Reads or writes at most len bytes of buffer b at offset off within it. */
static ssize_t fd_io(const struct fuse_buf *b, size_t off, void *mem, size_t len, bool rd)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (b->flags & FUSE_BUF_FD_SEEK)
			n = rd ? pread(b->fd, (char *)mem + done, len - done,
				       b->pos + (off_t)(off + done))
			       : pwrite(b->fd, (char *)mem + done, len - done,
					b->pos + (off_t)(off + done));
		else
			n = rd ? read(b->fd, (char *)mem + done, len - done)
			       : write(b->fd, (char *)mem + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -errno;
		}
		done += (size_t)n;
		if (!n || !(b->flags & FUSE_BUF_FD_RETRY))
			break;
	}
	return (ssize_t)done;
}

ZCF_TLS struct compat_write compat_cur_write;

/* Counts n bytes at p under path if they are the current WRITE's data. */
static void count_write(const void *p, ssize_t n, enum zcf_path path)
{
	const struct compat_write *w = &compat_cur_write;
	const char *c = p;

	if (n > 0 && w->data && c >= w->data && c + n <= w->data + w->size)
		zcf_count(&zcf_stats_mine(&w->zs->pc)->path[path], (uint64_t)n);
}

/* Copies up to len bytes from src (at soff) to dst (at doff). */
static ssize_t copy_one(const struct fuse_buf *dst, size_t doff, const struct fuse_buf *src,
			size_t soff, size_t len)
{
	bool sfd = src->flags & FUSE_BUF_IS_FD, dfd = dst->flags & FUSE_BUF_IS_FD;
	ssize_t n;

	if (!sfd && !dfd) {
		memmove((char *)dst->mem + doff, (char *)src->mem + soff, len);
		count_write((char *)src->mem + soff, (ssize_t)len, ZCF_PATH_WRITE_COPY);
		return (ssize_t)len;
	}
	if (!sfd) {
		n = fd_io(dst, doff, (char *)src->mem + soff, len, false);
		count_write((char *)src->mem + soff, n, ZCF_PATH_WRITE_SYNC);
		return n;
	}
	if (!dfd)
		return fd_io(src, soff, (char *)dst->mem + doff, len, true);
	{
		/* descriptor to descriptor: through a bounce buffer */
		char tmp[65536];
		size_t done = 0;

		while (done < len) {
			size_t chunk = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
			ssize_t r = fd_io(src, soff + done, tmp, chunk, true), w;

			if (r <= 0)
				return done ? (ssize_t)done : r;
			w = fd_io(dst, doff + done, tmp, (size_t)r, false);
			if (w < 0)
				return done ? (ssize_t)done : w;
			done += (size_t)w;
			if ((size_t)w < chunk)
				break;
		}
		return (ssize_t)done;
	}
}

ZCF_COMPAT_API ssize_t fuse_buf_copy(struct fuse_bufvec *dstv, struct fuse_bufvec *srcv,
				     enum fuse_buf_copy_flags flags)
{
	ssize_t copied = 0;

	if (dstv == srcv)
		return (ssize_t)fuse_buf_size(dstv);
	while (srcv->idx < srcv->count && dstv->idx < dstv->count) {
		const struct fuse_buf *s = &srcv->buf[srcv->idx], *d = &dstv->buf[dstv->idx];
		size_t sl = s->size - srcv->off, dl = d->size - dstv->off;
		size_t len = sl < dl ? sl : dl;
		ssize_t n = len ? copy_one(d, dstv->off, s, srcv->off, len) : 0;

		if (n < 0)
			return copied ? copied : n;
		copied += n;
		srcv->off += (size_t)n;
		dstv->off += (size_t)n;
		if (srcv->off == s->size) {
			srcv->idx++;
			srcv->off = 0;
		}
		if (dstv->off == d->size) {
			dstv->idx++;
			dstv->off = 0;
		}
		if ((size_t)n < len) /* end of file, or a short transfer */
			break;
	}
	return copied;
}

ZCF_COMPAT_API int fuse_reply_statfs(fuse_req_t req, const struct statvfs *st)
{
	return zcfuse_reply_statfs(ZREQ(req), st);
}

ZCF_COMPAT_API int fuse_reply_xattr(fuse_req_t req, size_t count)
{
	return zcfuse_reply_xattr(ZREQ(req), count);
}

ZCF_COMPAT_API int fuse_reply_lseek(fuse_req_t req, off_t off)
{
	return zcfuse_reply_lseek(ZREQ(req), off);
}

ZCF_COMPAT_API int fuse_reply_lock(fuse_req_t req, const struct flock *lock)
{
	return zcfuse_reply_lock(ZREQ(req), lock);
}

ZCF_COMPAT_API int fuse_reply_bmap(fuse_req_t req, uint64_t idx)
{
	return zcfuse_reply_bmap(ZREQ(req), idx);
}

ZCF_COMPAT_API int fuse_reply_poll(fuse_req_t req, unsigned revents)
{
	return zcfuse_reply_poll(ZREQ(req), revents);
}

ZCF_COMPAT_API int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov,
					  size_t in_count, const struct iovec *out_iov,
					  size_t out_count)
{
	return zcfuse_reply_ioctl_retry(ZREQ(req), in_iov, in_count, out_iov, out_count);
}

ZCF_COMPAT_API int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size)
{
	return zcfuse_reply_ioctl(ZREQ(req), result, buf, size);
}

/* zcfuse's ioctl reply takes one buffer: gather the pieces into it. */
ZCF_COMPAT_API int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov,
					int count)
{
	size_t total = 0;
	char *p;
	int err, i;

	for (i = 0; i < count; i++)
		total += iov[i].iov_len;
	p = malloc(total ? total : 1);
	if (!p)
		return zcfuse_reply_err(ZREQ(req), ENOMEM);
	for (total = 0, i = 0; i < count; total += iov[i].iov_len, i++)
		memcpy(p + total, iov[i].iov_base, iov[i].iov_len);
	err = zcfuse_reply_ioctl(ZREQ(req), result, p, total);
	free(p);
	return err;
}

/* ---- Directory records ---- */

ZCF_COMPAT_API size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize,
					const char *name, const struct stat *st, off_t off)
{
	return zcfuse_add_direntry(ZREQ(req), buf, bufsize, name, st, off);
}

ZCF_COMPAT_API size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize,
					     const char *name, const struct fuse_entry_param *e,
					     off_t off)
{
	struct zcfuse_entry_param z;

	entry_in(&z, e);
	return zcfuse_add_direntry_plus(ZREQ(req), buf, bufsize, name, &z, off);
}

/* ---- Requests ---- */

ZCF_COMPAT_API void *fuse_req_userdata(fuse_req_t req)
{
	return compat_se(ZREQ(req))->userdata;
}

ZCF_COMPAT_API const struct fuse_ctx *fuse_req_ctx(fuse_req_t req)
{
	/* the same four members in the same order */
	return (const struct fuse_ctx *)zcfuse_req_ctx(ZREQ(req));
}

ZCF_COMPAT_API int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[])
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int n = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/status",
		 (unsigned)zcfuse_req_ctx(ZREQ(req))->pid, (unsigned)zcfuse_req_ctx(ZREQ(req))->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		n = 0;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (n < size)
				list[n] = (gid_t)g;
			n++;
		}
		break;
	}
	free(line);
	fclose(f);
	return n;
}

/*
 * A fuse_req_t is the zcfuse request, so libfuse's callback type differs
 * from zcfuse's only in the name of the pointer type it takes.
 */
ZCF_COMPAT_API void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func,
					    void *data)
{
	zcfuse_interrupt_func zf = (zcfuse_interrupt_func)(void (*)(void))func;

	/* libfuse cannot report failure here: without memory the request just
	 * runs to its end uninterrupted */
	(void)zcfuse_req_interrupt_func(ZREQ(req), zf, data);
}

ZCF_COMPAT_API int fuse_req_interrupted(fuse_req_t req)
{
	return zcfuse_req_interrupted(ZREQ(req));
}

/* ---- Notifications ---- */

ZCF_COMPAT_API int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino,
						    off_t off, off_t len)
{
	return zcfuse_notify_inval_inode(se->zs, ino, off, len);
}

ZCF_COMPAT_API int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
						    const char *name, size_t namelen)
{
	return zcfuse_notify_inval_entry(se->zs, parent, name, namelen);
}

ZCF_COMPAT_API int (fuse_lowlevel_notify_expire_entry)(struct fuse_session *se,
						     fuse_ino_t parent, const char *name,
						     size_t namelen, enum fuse_expire_flags flags)
{
	/* libfuse refuses both forms on a kernel without EXPIRE_ONLY */
	if (!(se->zs->pc.conn.kernel_flags & FUSE_HAS_EXPIRE_ONLY))
		return -ENOSYS;
	if (flags & FUSE_LL_EXPIRE_ONLY)
		return zcfuse_notify_expire_entry(se->zs, parent, name, namelen);
	return zcfuse_notify_inval_entry(se->zs, parent, name, namelen);
}

ZCF_COMPAT_API int fuse_lowlevel_notify_delete(struct fuse_session *se, fuse_ino_t parent,
					       fuse_ino_t child, const char *name, size_t namelen)
{
	return zcfuse_notify_delete(se->zs, parent, child, name, namelen);
}

/* zcfuse stores one buffer: the program's may be an fd or scattered. */
ZCF_COMPAT_API int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino,
					      off_t offset, struct fuse_bufvec *bufv,
					      enum fuse_buf_copy_flags flags)
{
	size_t size = fuse_buf_size(bufv);
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
	ssize_t n;
	int err;

	dst.buf[0].mem = malloc(size ? size : 1);
	if (!dst.buf[0].mem)
		return -ENOMEM;
	n = fuse_buf_copy(&dst, bufv, flags);
	err = n < 0 ? (int)n : zcfuse_notify_store(se->zs, ino, offset, dst.buf[0].mem, (size_t)n);
	free(dst.buf[0].mem);
	return err;
}

ZCF_COMPAT_API int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino,
						 size_t size, off_t offset, void *cookie)
{
	return zcfuse_notify_retrieve(se->zs, ino, size, offset, cookie);
}

ZCF_COMPAT_API int fuse_reply_statx(fuse_req_t req, int flags, struct statx *stx, double timeout)
{
	return zcfuse_reply_statx(ZREQ(req), flags, stx, timeout);
}

ZCF_COMPAT_API int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se)
{
	return zcfuse_notify_inc_epoch(se->zs);
}

/* A fuse_pollhandle is zcfuse's handle (see the poll adapter in ops.c). */
ZCF_COMPAT_API int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph)
{
	return zcfuse_notify_poll((struct zcfuse_pollhandle *)ph);
}

ZCF_COMPAT_API void fuse_pollhandle_destroy(struct fuse_pollhandle *ph)
{
	zcfuse_pollhandle_destroy((struct zcfuse_pollhandle *)ph);
}

/* ---- libfuse 3.17/3.18 additions ---- */

ZCF_COMPAT_API int fuse_passthrough_open(fuse_req_t req, int fd)
{
	int id = zcfuse_passthrough_open(ZREQ(req), fd);

	return id < 0 ? 0 : id; /* libfuse answers 0 for "no backing id" */
}

ZCF_COMPAT_API int fuse_passthrough_close(fuse_req_t req, int backing_id)
{
	return zcfuse_passthrough_close(zcfuse_req_session(ZREQ(req)), backing_id);
}

ZCF_COMPAT_API bool fuse_req_is_uring(fuse_req_t req)
{
	const char *t = zcfuse_session_transport(zcfuse_req_session(ZREQ(req)));

	return t && strcmp(t, "classic");
}

ZCF_COMPAT_API int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz,
					void **mr)
{
	size_t size;
	void *p = zcfuse_req_payload(ZREQ(req), &size);

	if (!p || !fuse_req_is_uring(req))
		return -ENOTSUP;
	*payload = p;
	if (payload_sz)
		*payload_sz = size;
	if (mr)
		*mr = NULL;
	return 0;
}
