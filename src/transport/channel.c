/* SPDX-License-Identifier: MIT */
/*
 * The /dev/fuse control channel, present on every mount whatever carries
 * the data: INIT, FORGET and INTERRUPT arrive here, notifications and
 * passthrough registrations leave here, and classic replies are written
 * here. Nothing in it reads requests (classic.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "transport/transport.h"

/* The program's writev (zcf_dev_io): 0, -errno, or -EIO when it wrote less. */
static int dev_io_write(struct zcf_dev_io *io, int fd, struct iovec *v, int n, size_t len)
{
	ssize_t k;

	pthread_mutex_lock(&io->wlock);
	k = io->writev(io->arg, fd, v, n);
	pthread_mutex_unlock(&io->wlock);
	if (k < 0)
		return (int)k;
	/* 0 is taken as all: libfuse's own example answers what is left to write. */
	if (k > 0 && (size_t)k < len) {
		zcf_dbg("the program's writev wrote %zd of %zu bytes", k, len);
		return -EIO;
	}
	return 0;
}

ssize_t zcf_dev_io_read(struct zcfuse_session *se, int fd, void *buf, size_t len)
{
	struct zcf_dev_io *io = se->dev_io;
	bool shared = fd == se->fd; /* no clone_fd: one reader at a time */
	ssize_t n = -EINTR;

	if (shared && sem_wait(&io->rlock))
		return -errno; /* EINTR: the stop's wake-up */
	if (!se->exiting) /* another reader saw the end while this one waited */
		n = io->read(io->arg, fd, buf, len);
	if (shared)
		sem_post(&io->rlock);
	if (n > (ssize_t)len) /* a callback that claims more than it was given */
		return -EIO;
	return n;
}

ssize_t zcf_dev_io_splice(struct zcfuse_session *se, int pipe_rd, int fd, size_t len,
			  unsigned int flags)
{
	struct zcf_dev_io *io = se->dev_io;
	ssize_t k;

	pthread_mutex_lock(&io->wlock);
	k = io->splice_send(io->arg, pipe_rd, fd, len, flags);
	pthread_mutex_unlock(&io->wlock);
	return k;
}

int zcf_chan_write(struct zcfuse_session *se, int fd, uint64_t unique, int error,
		   const struct iovec *iov, int iovcnt)
{
	struct fuse_out_header out = { .error = error, .unique = unique };
	struct iovec v[8];
	size_t len = sizeof(out);
	int i;

	if (iovcnt > 7)
		return -EINVAL;
	v[0].iov_base = &out;
	v[0].iov_len = sizeof(out);
	for (i = 0; i < iovcnt; i++) {
		v[i + 1] = iov[i];
		len += iov[i].iov_len;
	}
	out.len = (uint32_t)len;
	if (se->dev_io)
		return dev_io_write(se->dev_io, fd, v, iovcnt + 1, len);
	return writev(fd, v, iovcnt + 1) < 0 ? -errno : 0;
}

int zcf_chan_clone(int fd)
{
	uint32_t master = (uint32_t)fd;
	int nfd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (nfd < 0)
		return -errno;
	if (ioctl(nfd, FUSE_DEV_IOC_CLONE, &master)) {
		int err = -errno;

		close(nfd);
		return err;
	}
	return nfd;
}

void zcf_chan_report_end(struct zcfuse_session *se, const char *why)
{
	uint64_t one = 1;
	ssize_t n;

	if (!se->exiting)
		zcf_dbg("connection ended: %s", why);
	se->exiting = 1;
	n = write(se->exit_efd, &one, sizeof(one)); /* wakes zcfuse_session_run() */
	(void)n;
}

/* ---- Kernel passthrough ---- */

ZCFUSE_API int zcfuse_passthrough_open(struct zcfuse_req *req, int fd)
{
	struct fuse_backing_map map = { .fd = fd };
	int id;

	if (!(req->pc->conn.flags & FUSE_PASSTHROUGH))
		return -EOPNOTSUPP;
	id = ioctl(zcf_req_se(req)->fd, FUSE_DEV_IOC_BACKING_OPEN, &map);
	return id < 0 ? -errno : id;
}

ZCFUSE_API int zcfuse_passthrough_close(struct zcfuse_session *se, int backing_id)
{
	uint32_t id = (uint32_t)backing_id;

	if (!(se->pc.conn.flags & FUSE_PASSTHROUGH))
		return -EOPNOTSUPP;
	return ioctl(se->fd, FUSE_DEV_IOC_BACKING_CLOSE, &id) ? -errno : 0;
}

/* ---- Cache invalidations (the other notifications: notify.c) ---- */

int zcf_chan_notify(struct zcfuse_session *se, int code, const struct iovec *iov, int iovcnt)
{
	if (se->fd < 0 || !se->pc.got_init)
		return -ENOTCONN;
	/* A notification is a message with unique 0 and the code as "error". */
	return zcf_chan_write(se, se->fd, 0, code, iov, iovcnt);
}

ZCFUSE_API int zcfuse_notify_inval_inode(struct zcfuse_session *se, zcfuse_ino_t ino,
					 off_t off, off_t len)
{
	struct fuse_notify_inval_inode_out o = { .ino = ino, .off = off, .len = len };
	struct iovec iov = { &o, sizeof(o) };

	return zcf_chan_notify(se, FUSE_NOTIFY_INVAL_INODE, &iov, 1);
}

ZCFUSE_API int zcfuse_notify_inval_entry(struct zcfuse_session *se, zcfuse_ino_t parent,
					 const char *name, size_t namelen)
{
	struct fuse_notify_inval_entry_out o = { .parent = parent, .namelen = (uint32_t)namelen };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)name, namelen + 1 } };

	return zcf_chan_notify(se, FUSE_NOTIFY_INVAL_ENTRY, iov, 2);
}
