/* SPDX-License-Identifier: MIT */
/*
 * Private to the classic transport (classic.c, classic_splice.c): a
 * request's buffer, and the spliced READ reply path.
 */
#ifndef ZCF_TRANSPORT_CLASSIC_H
#define ZCF_TRANSPORT_CLASSIC_H

#include <sys/types.h>
#include <sys/uio.h>

#include "transport/transport.h"

#define HEADROOM 4096 /* the page in front of the payload */
#define HDR_BYTES (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

#define WAKE_SIGNAL (SIGRTMIN + 1)

struct classic_req {
	struct zcfuse_req req;
	char *mem;      /* HEADROOM + payload */
	size_t memsize;
	int fd;         /* the descriptor the request came from */
	int pipe[2];    /* splice: header + READ data on their way to /dev/fuse */
	size_t pipe_cap; /* its capacity in bytes; 0: not made yet */
	size_t spliced; /* READ bytes waiting in the pipe (ZCF_REQ_SPLICED) */
	struct classic_req *all_next; /* every buffer, for freeing */
};

/* A READ of @fd spliced into the request's pipe: bytes, or -EOPNOTSUPP to read it. */
ssize_t zcf_classic_splice_read(struct zcfuse_req *req, int fd, uint64_t off, size_t len);
/* Puts spliced bytes back into the payload (the reply will not be the pipe). */
void zcf_classic_splice_undo(struct zcfuse_req *req);
/* Sends the pipe when the reply is exactly the spliced bytes: 0, -errno, or 1 to fall back. */
int zcf_classic_splice_send(struct classic_req *r, int error, const struct iovec *iov, int iovcnt);

#endif
