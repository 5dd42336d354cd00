/* SPDX-License-Identifier: MIT */
/* The classic transport's spliced READ replies (see the comment below). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport/classic.h"

/*
 * Splice (libfuse's way of answering READ from a file descriptor): the out
 * header is written into the request's pipe, the backing file's pages are
 * spliced in behind it (page references, no copy), and the reply is one
 * splice of the whole message into /dev/fuse, where the kernel copies the
 * pages into the client's buffer: one copy instead of two. Used on classic
 * when the kernel offers FUSE_SPLICE_WRITE and -o splice=off is not given,
 * for reads of SPLICE_MIN or more (below it the two copies of a few pages
 * cost less than the extra system call). Anything unexpected (a short
 * read, a reply that is not the spliced bytes, the fs asking for the
 * payload, a splice error) empties the pipe into the payload and answers
 * the ordinary way.
 */
#define SPLICE_MIN (16 * 1024)

static bool pipe_ready(struct classic_req *r, size_t want)
{
	int sz;

	if (r->pipe_cap)
		return r->pipe_cap >= want;
	if (pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC)) {
		r->pipe[0] = r->pipe[1] = -1;
		r->pipe_cap = 1; /* never again */
		return false;
	}
	/*
	 * Room for the header page, the data, and one page of misalignment;
	 * without CAP_SYS_RESOURCE no more than fs/pipe-max-size (1 MiB by
	 * default), and larger reads are then copied.
	 */
	if (fcntl(r->pipe[1], F_SETPIPE_SZ, (int)(r->memsize + 4096)) < 0) {
		FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
		int max = 0;

		if (f) {
			if (fscanf(f, "%d", &max) != 1)
				max = 0;
			fclose(f);
		}
		if (max > 0)
			fcntl(r->pipe[1], F_SETPIPE_SZ, max);
	}
	sz = fcntl(r->pipe[1], F_GETPIPE_SZ);
	r->pipe_cap = sz > 8192 ? (size_t)sz - 8192 : 1;
	return r->pipe_cap >= want;
}

/* Empties the pipe: @n data bytes go to the payload (the header is dropped). */
static void pipe_drain(struct classic_req *r, bool header, size_t n)
{
	char scrap[4096];
	size_t got = 0;
	ssize_t k;

	if (header && read(r->pipe[0], scrap, sizeof(struct fuse_out_header)) < 0)
		zcf_dbg("splice: draining the header: %s", strerror(errno));
	while (got < n && (k = read(r->pipe[0], r->req.payload + got, n - got)) > 0)
		got += (size_t)k;
	while (read(r->pipe[0], scrap, sizeof(scrap)) > 0) /* leftovers of a failure */
		;
}

ssize_t zcf_classic_splice_read(struct zcfuse_req *req, int fd, uint64_t off, size_t len)
{
	struct classic_req *r = (struct classic_req *)req;
	struct fuse_out_header out = { .len = (uint32_t)(sizeof(out) + len),
				       .unique = req->in.unique };
	loff_t pos = (loff_t)off;
	size_t moved = 0;
	ssize_t k = 0;

	/* dev_io: only through the program's splice_send, if it has one. */
	if (req->pc->cfg.splice_off || !(req->pc->conn.kernel_flags & FUSE_SPLICE_WRITE) ||
	    (zcf_req_se(req)->dev_io && !zcf_req_se(req)->dev_io->splice_send) ||
	    len < SPLICE_MIN || len > req->payload_size || !pipe_ready(r, len))
		return -EOPNOTSUPP;
	if (write(r->pipe[1], &out, sizeof(out)) != sizeof(out)) {
		pipe_drain(r, false, 0);
		return -EOPNOTSUPP;
	}
	while (moved < len) {
		k = splice(fd, &pos, r->pipe[1], NULL, len - moved, SPLICE_F_MOVE);
		if (k <= 0)
			break;
		moved += (size_t)k;
	}
	if (moved == len) {
		r->spliced = len;
		req->flags |= ZCF_REQ_SPLICED;
		return (ssize_t)len;
	}
	/* Short (end of file) or refused: the bytes so far go to the payload. */
	pipe_drain(r, true, moved);
	if (k < 0 && errno == EINTR)
		return -EINTR;
	if (k < 0 && !moved)
		return -EOPNOTSUPP; /* not spliceable (EINVAL, ESPIPE...): read it */
	return (ssize_t)moved;
}

void zcf_classic_splice_undo(struct zcfuse_req *req)
{
	struct classic_req *r = (struct classic_req *)req;

	if (!(req->flags & ZCF_REQ_SPLICED))
		return;
	req->flags &= ~ZCF_REQ_SPLICED;
	pipe_drain(r, true, r->spliced);
}

/* The reply is exactly the spliced bytes: send the pipe. 0, -errno, or 1 to fall back. */
int zcf_classic_splice_send(struct classic_req *r, int error, const struct iovec *iov, int iovcnt)
{
	size_t total = sizeof(struct fuse_out_header) + r->spliced;
	ssize_t k;

	if (error || iovcnt != 1 || iov[0].iov_base != r->req.payload ||
	    iov[0].iov_len != r->spliced) {
		zcf_classic_splice_undo(&r->req);
		return 1;
	}
	r->req.flags &= ~ZCF_REQ_SPLICED;
	if (zcf_req_se(&r->req)->dev_io)
		k = zcf_dev_io_splice(zcf_req_se(&r->req), r->pipe[0], r->fd, total, SPLICE_F_MOVE);
	else
		k = splice(r->pipe[0], NULL, r->fd, NULL, total, SPLICE_F_MOVE);
	if (k == (ssize_t)total) {
		zcf_count(&zcf_stats_mine(r->req.pc)->path[ZCF_PATH_READ_SPLICE], r->spliced);
		return 0;
	}
	k = k < 0 ? (zcf_req_se(&r->req)->dev_io ? k : -errno) : -EIO;
	pipe_drain(r, false, 0);
	return (int)k;
}
