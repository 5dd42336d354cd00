/* SPDX-License-Identifier: MIT */
/*
 * Replies: each zcfuse_reply_* lays out the answer's wire format and hands
 * it to the transport that brought the request. Small answers travel as
 * iovecs; READ data is either copied once (reply_buf) or already sits in the
 * request's payload (reply_data).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/proto.h"

int zcf_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	zcf_counters_tally(&req->pc->counters, &req->tally, error);
	if (error == -ENOSYS && zcf_opcode_flags(req->in.opcode) & ZCF_OPF_STICKY_ENOSYS &&
	    req->in.opcode < 64)
		atomic_fetch_or_explicit(&req->pc->enosys, 1ull << req->in.opcode,
					 memory_order_relaxed);
	if (zcf_debug) {
		size_t outsize = sizeof(struct fuse_out_header);

		for (int i = 0; i < iovcnt; i++)
			outsize += iov[i].iov_len;
		/* libfuse's -d line, to the letter: tools that read it (libfuse's test suite) know it. */
		fprintf(stderr, "   unique: %llu, %s: %d (%s), outsize: %zu\n",
			(unsigned long long)req->in.unique, error ? "error" : "success", error,
			strerror(-error), outsize);
	}
	if (req->intr)
		zcf_intr_detach(req);
	return req->tp->send(req, error, iov, iovcnt);
}

ZCFUSE_API const struct zcfuse_ctx *zcfuse_req_ctx(struct zcfuse_req *req)
{
	return &req->ctx;
}

ZCFUSE_API void *zcfuse_req_userdata(struct zcfuse_req *req)
{
	return req->pc->userdata;
}

ZCFUSE_API unsigned zcfuse_req_opcode(struct zcfuse_req *req)
{
	return req->in.opcode;
}

ZCFUSE_API void *zcfuse_req_payload(struct zcfuse_req *req, size_t *size)
{
	if (req->flags & ZCF_REQ_ZERO_COPY) {
		if (size)
			*size = 0;
		return NULL;
	}
	if (req->flags & ZCF_REQ_SPLICED) /* the fs looks at the data: bring it here */
		req->tp->splice_undo(req);
	if (size)
		*size = req->payload_size;
	return req->payload;
}

ZCFUSE_API int zcfuse_reply_err(struct zcfuse_req *req, int err)
{
	if (err < 0 || err > 4095)
		err = EIO;
	return zcf_send(req, -err, NULL, 0);
}

ZCFUSE_API void zcfuse_reply_none(struct zcfuse_req *req)
{
	if (req->flags & ZCF_REQ_NOREPLY) /* inside a batch: the batch ends it */
		return;
	zcf_counters_tally(&req->pc->counters, &req->tally, 0);
	if (req->intr)
		zcf_intr_detach(req);
	req->tp->drop(req);
}

static void attr_to_fuse(struct fuse_attr *a, const struct stat *st)
{
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
	a->flags = 0;
}

static void timeout_split(double t, uint64_t *sec, uint32_t *nsec)
{
	if (!(t > 0)) { /* also NaN */
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

static void entry_to_fuse(struct fuse_entry_out *o, const struct zcfuse_entry_param *e)
{
	memset(o, 0, sizeof(*o));
	o->nodeid = e->ino;
	o->generation = e->generation;
	timeout_split(e->entry_timeout, &o->entry_valid, &o->entry_valid_nsec);
	timeout_split(e->attr_timeout, &o->attr_valid, &o->attr_valid_nsec);
	attr_to_fuse(&o->attr, &e->attr);
}

static void open_to_fuse(struct zcfuse_req *req, struct fuse_open_out *o,
			 const struct zcfuse_file_info *fi)
{
	memset(o, 0, sizeof(*o));
	o->fh = fi->fh;
	if (fi->direct_io)
		o->open_flags |= FOPEN_DIRECT_IO;
	if (fi->keep_cache)
		o->open_flags |= FOPEN_KEEP_CACHE;
	if (fi->nonseekable)
		o->open_flags |= FOPEN_NONSEEKABLE;
	if (fi->cache_readdir)
		o->open_flags |= FOPEN_CACHE_DIR;
	if (fi->noflush)
		o->open_flags |= FOPEN_NOFLUSH;
	if (fi->parallel_direct_writes)
		o->open_flags |= FOPEN_PARALLEL_DIRECT_WRITES;
	if (fi->stream)
		o->open_flags |= FOPEN_STREAM;
	/*
	 * Zero copy only means something on a zero-copy queue, and never with
	 * passthrough: the kernel serves those files itself and refuses the
	 * open (EIO) when FOPEN_PASSTHROUGH comes with flags outside its mask.
	 */
	if (fi->zero_copy && req->pc->conn.zero_copy && fi->backing_id <= 0)
		o->open_flags |= FOPEN_IO_URING_ZERO_COPY;
	if (fi->backing_id > 0) {
		o->open_flags |= FOPEN_PASSTHROUGH;
		o->backing_id = fi->backing_id;
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_OUT,
			       ZCF_PATH_PASSTHROUGH_OPEN, 0);
	}
}

ZCFUSE_API int zcfuse_reply_entry(struct zcfuse_req *req, const struct zcfuse_entry_param *e)
{
	struct fuse_entry_out o;
	struct iovec iov = { &o, sizeof(o) };

	entry_to_fuse(&o, e);
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_create(struct zcfuse_req *req, const struct zcfuse_entry_param *e,
				   const struct zcfuse_file_info *fi)
{
	struct {
		struct fuse_entry_out entry;
		struct fuse_open_out open;
	} o;
	struct iovec iov = { &o, sizeof(o) };

	entry_to_fuse(&o.entry, e);
	open_to_fuse(req, &o.open, fi);
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_attr(struct zcfuse_req *req, const struct stat *attr,
				 double attr_timeout)
{
	struct fuse_attr_out o;
	struct iovec iov = { &o, sizeof(o) };

	if (req->in.opcode == FUSE_STATX) /* getattr standing in for a missing statx op */
		return zcf_reply_statx_from_stat(req, attr, attr_timeout);
	memset(&o, 0, sizeof(o));
	timeout_split(attr_timeout, &o.attr_valid, &o.attr_valid_nsec);
	attr_to_fuse(&o.attr, attr);
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_readlink(struct zcfuse_req *req, const char *link)
{
	struct iovec iov = { (void *)link, strlen(link) };

	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_open(struct zcfuse_req *req, const struct zcfuse_file_info *fi)
{
	struct fuse_open_out o;
	struct iovec iov = { &o, sizeof(o) };

	open_to_fuse(req, &o, fi);
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_write(struct zcfuse_req *req, size_t count)
{
	struct fuse_write_out o = { .size = (uint32_t)count };
	struct fuse_copy_file_range_out o64 = { .bytes_copied = count };
	struct iovec iov = { &o, sizeof(o) };

	if (req->in.opcode == FUSE_COPY_FILE_RANGE_64)
		iov = (struct iovec){ &o64, sizeof(o64) };

	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_buf(struct zcfuse_req *req, const void *buf, size_t size)
{
	struct iovec iov = { (void *)buf, size };

	if (req->in.opcode == FUSE_READ) {
		/* Data the filesystem put into the payload itself is not copied again. */
		if (req->payload && buf == req->payload)
			return zcfuse_reply_data(req, size);
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_OUT, ZCF_PATH_REPLY_COPY,
			       size);
	}
	return zcf_send(req, 0, &iov, size ? 1 : 0);
}

ZCFUSE_API int zcfuse_reply_data(struct zcfuse_req *req, size_t size)
{
	struct iovec iov = { req->payload, size };

	if (!(req->flags & ZCF_REQ_ZERO_COPY) && size > req->payload_size)
		return zcfuse_reply_err(req, EIO);
	if (req->in.opcode == FUSE_READ && !(req->flags & ZCF_REQ_ZERO_COPY))
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_OUT,
			       ZCF_PATH_REPLY_INPLACE, size);
	return zcf_send(req, 0, &iov, size ? 1 : 0);
}

ZCFUSE_API int zcfuse_reply_statfs(struct zcfuse_req *req, const struct statvfs *st)
{
	struct fuse_statfs_out o;
	struct iovec iov = { &o, sizeof(o) };

	memset(&o, 0, sizeof(o));
	o.st.blocks = st->f_blocks;
	o.st.bfree = st->f_bfree;
	o.st.bavail = st->f_bavail;
	o.st.files = st->f_files;
	o.st.ffree = st->f_ffree;
	o.st.bsize = (uint32_t)st->f_bsize;
	o.st.namelen = (uint32_t)st->f_namemax;
	o.st.frsize = (uint32_t)st->f_frsize;
	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_xattr(struct zcfuse_req *req, size_t count)
{
	struct fuse_getxattr_out o = { .size = (uint32_t)count };
	struct iovec iov = { &o, sizeof(o) };

	return zcf_send(req, 0, &iov, 1);
}

ZCFUSE_API int zcfuse_reply_lseek(struct zcfuse_req *req, off_t off)
{
	struct fuse_lseek_out o = { .offset = (uint64_t)off };
	struct iovec iov = { &o, sizeof(o) };

	return zcf_send(req, 0, &iov, 1);
}

/* ---- Directory records ---- */

static size_t put_dirent(char *p, const char *name, size_t namelen, uint64_t ino,
			 mode_t mode, off_t off)
{
	struct fuse_dirent d = {
		.ino = ino,
		.off = (uint64_t)off,
		.namelen = (uint32_t)namelen,
		.type = (mode & S_IFMT) >> 12,
	};
	size_t len = sizeof(d) + namelen, rec = FUSE_REC_ALIGN(len);

	memcpy(p, &d, sizeof(d));
	memcpy(p + sizeof(d), name, namelen);
	memset(p + len, 0, rec - len);
	return rec;
}

ZCFUSE_API size_t zcfuse_add_direntry(struct zcfuse_req *req, char *buf, size_t bufsize,
				      const char *name, const struct stat *st, off_t off)
{
	size_t namelen = strlen(name);
	size_t rec = FUSE_REC_ALIGN(sizeof(struct fuse_dirent) + namelen);

	if (!buf || rec > bufsize)
		return rec;
	return put_dirent(buf, name, namelen, st->st_ino, st->st_mode, off);
}

ZCFUSE_API size_t zcfuse_add_direntry_plus(struct zcfuse_req *req, char *buf, size_t bufsize,
					   const char *name,
					   const struct zcfuse_entry_param *e, off_t off)
{
	size_t namelen = strlen(name);
	size_t rec = FUSE_REC_ALIGN(sizeof(struct fuse_direntplus) + namelen);
	struct fuse_entry_out o;

	if (!buf || rec > bufsize)
		return rec;
	entry_to_fuse(&o, e);
	memcpy(buf, &o, sizeof(o));
	put_dirent(buf + sizeof(o), name, namelen, e->attr.st_ino, e->attr.st_mode, off);
	return rec;
}
