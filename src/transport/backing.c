/* SPDX-License-Identifier: MIT */
/*
 * Backing I/O started by the filesystem for a request: on a ring transport
 * it goes on the request's own queue ring (registered memory where there is
 * some); elsewhere it runs at once with plain system calls. Either way the
 * filesystem's callback answers the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <string.h>
#include <unistd.h>

#include "transport/transport.h"
#include "transport/read_policy.h"

/* A watched read ended: tell the read policy of the queue that ran it. */
static void rp_complete(struct zcfuse_req *req, int res)
{
	unsigned t = req->rp_tag - 1u;
	struct zcf_rp_queue *q = zcf_rp_mine(zcf_req_se(req));

	req->rp_tag = 0;
	if (q && res >= 0)
		zcf_rp_done(zcf_req_se(req), q, t >> 2, (enum zcf_rp_mode)(t >> 1 & 1), t & 1,
			    req->rp_t0);
}

void zcf_io_complete(struct zcfuse_req *req, int res)
{
	zcfuse_io_cb cb = req->io_cb;

	if (req->rp_tag)
		rp_complete(req, res);
	req->io_cb = NULL;
	/* Cancelled because the caller was interrupted: the caller sees EINTR. */
	if ((res == -ECANCELED || res == -EINTR) && zcfuse_req_interrupted(req))
		res = -EINTR;
	cb(req, res, req->io_arg);
}

/*
 * Should this backing file be read or written inline, on the queue thread,
 * rather than on the ring? Memory filesystems (tmpfs, ramfs) cannot do
 * non-blocking I/O, so io_uring would hand every request to a worker thread:
 * a cross-CPU hop that costs more than the copy. Their regular files never
 * block for long, so they are served inline, straight into the (registered)
 * payload. Everything else goes on the ring, where a slow file never stalls
 * the queue, except that a file on a FUSE mount is handed to a worker at
 * once (FD_RING_ASYNC): before trying a non-blocking read or write,
 * io_uring polls the file, and FUSE's poll is a synchronous request to that
 * file's server, which would block the queue thread if that server is slow.
 * The answer is cached per queue thread by (fh, fd), and the cache is
 * dropped whenever any file is released (fh_epoch: process-wide, as a
 * queue thread's cache is; a RELEASE in another session costs a statx).
 * The same entry says whether the file can make synchronous I/O wait
 * without end (pipe, socket, character device: fd_wait), which
 * sync_wait_io() then waits for interruptibly.
 */
enum fd_class { FD_UNKNOWN = 0, FD_INLINE, FD_RING, FD_RING_ASYNC };
enum fd_wait { FD_NO_WAIT, FD_WAIT_STREAM /* no offsets */, FD_WAIT_DEV };
#define FD_CLASS_SLOTS 64
struct fd_info {
	uint64_t fh;
	int fd;
	unsigned epoch;
	enum fd_class cls;
	enum fd_wait wait;
	bool kind_known; /* cls looked at the mount (only rings need it) */
};
/* FD_CLASS_SLOTS entries per thread, made at its first look (freed at its exit). */
static ZCF_TLS struct fd_info *fd_classes;
static ZCF_TLS struct fd_info fd_one; /* when they cannot be made: one entry */
static pthread_key_t fd_classes_key;
static pthread_once_t fd_classes_once = PTHREAD_ONCE_INIT;

static void fd_classes_key_make(void)
{
	if (pthread_key_create(&fd_classes_key, free))
		fd_classes_key = (pthread_key_t)-1;
}

static struct fd_info *fd_slot(unsigned slot)
{
	if (!fd_classes) {
		struct fd_info *t = calloc(FD_CLASS_SLOTS, sizeof(*t));

		pthread_once(&fd_classes_once, fd_classes_key_make);
		if (!t || fd_classes_key == (pthread_key_t)-1 ||
		    pthread_setspecific(fd_classes_key, t)) {
			free(t);
			return &fd_one;
		}
		fd_classes = t;
	}
	return &fd_classes[slot % FD_CLASS_SLOTS];
}
static _Atomic unsigned fh_epoch;

void zcf_backing_fh_ended(void)
{
	atomic_fetch_add_explicit(&fh_epoch, 1, memory_order_release);
}

enum mount_kind { MOUNT_OTHER, MOUNT_MEMORY, MOUNT_FUSE };

/*
 * What kind of filesystem is mount @mnt_id? Answered from
 * /proc/self/mountinfo, which never asks the backing filesystem anything
 * (fstatfs on a FUSE backing file would send it a request, and could block
 * the queue).
 */
static enum mount_kind mount_kind(uint64_t mnt_id)
{
	static ZCF_TLS struct {
		uint64_t id;
		enum mount_kind kind;
	} seen[8];
	static ZCF_TLS unsigned next;
	enum mount_kind kind = MOUNT_OTHER;
	char line[4096];
	unsigned i;
	FILE *f;

	for (i = 0; i < 8; i++)
		if (seen[i].id == mnt_id + 1)
			return seen[i].kind;
	f = fopen("/proc/self/mountinfo", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned long long id;
			const char *sep = strstr(line, " - ");

			if (sscanf(line, "%llu", &id) != 1 || id != mnt_id || !sep)
				continue;
			sep += 3;
			if (!strncmp(sep, "tmpfs ", 6) || !strncmp(sep, "ramfs ", 6))
				kind = MOUNT_MEMORY;
			/* fuse, fuse.SUBTYPE, fuseblk */
			else if (!strncmp(sep, "fuse", 4))
				kind = MOUNT_FUSE;
			break;
		}
		fclose(f);
	}
	seen[next % 8].id = mnt_id + 1;
	seen[next % 8].kind = kind;
	next++;
	return kind;
}

static const struct fd_info *classify(int fd, uint64_t fh, bool ring)
{
	unsigned epoch = atomic_load_explicit(&fh_epoch, memory_order_acquire);
	unsigned slot = (unsigned)((fh * 0x9e3779b97f4a7c15ull) >> 58) ^ ((unsigned)fd & 63);
	struct fd_info *fi;
	struct statx stx = { 0 };
	enum fd_class cls = FD_RING;
	enum fd_wait wait = FD_NO_WAIT;

	fi = fd_slot(slot);
	if (fi->cls && fi->fh == fh && fi->fd == fd && fi->epoch == epoch &&
	    (fi->kind_known || !ring))
		return fi;
	/* DONT_SYNC: cached attributes only, never a round trip to the fs. */
	if (!statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_MNT_ID, &stx)) {
		if (S_ISFIFO(stx.stx_mode) || S_ISSOCK(stx.stx_mode))
			wait = FD_WAIT_STREAM;
		else if (S_ISCHR(stx.stx_mode))
			wait = FD_WAIT_DEV;
	}
	if (ring && (stx.stx_mask & STATX_MNT_ID) && wait == FD_NO_WAIT) {
		enum mount_kind kind = mount_kind(stx.stx_mnt_id);

		if (kind == MOUNT_MEMORY && S_ISREG(stx.stx_mode))
			cls = FD_INLINE;
		else if (kind == MOUNT_FUSE)
			cls = FD_RING_ASYNC;
	}
	fi->fh = fh;
	fi->fd = fd;
	fi->epoch = epoch;
	fi->cls = cls;
	fi->wait = wait;
	fi->kind_known = ring;
	return fi;
}

/* Tries the ring; 1 when the caller must do it synchronously. */
static int try_ring(struct zcfuse_req *req, const struct zcf_io *io, zcfuse_io_cb cb, void *arg)
{
	int err;

	if (!cb)
		return -EINVAL;
	req->io_cb = cb;
	req->io_arg = arg;
	if (!req->tp->submit_io)
		return 1;
	err = req->tp->submit_io(req, io);
	return err == -EOPNOTSUPP ? 1 : err;
}

/*
 * Where READ and WRITE data moves (read_policy.h): synchronously without a
 * ring (classic, or not the queue's thread); on the ring for zero copy and
 * for files that may block; for memory-filesystem files inline when the
 * queue is idle or alone, else where the session measured it to be faster
 * for the size (writes follow their size's read verdict). Reads on a ring
 * queue are tagged so that their completion feeds the measurement.
 */
static bool place(struct zcfuse_req *req, const struct zcf_io *io, const struct fd_info *fi,
		  bool rd, enum fd_class *fdc)
{
	enum zcf_rp_reason why;
	enum zcf_rp_mode m = ZCF_RP_INLINE;
	struct zcf_rp_queue *q = NULL;
	unsigned cls = zcf_rp_class_of(io->len);
	bool contested = false;

	*fdc = req->tp->submit_io ? fi->cls : FD_RING;
	if (req->flags & ZCF_REQ_ZERO_COPY) {
		why = ZCF_RPR_ZERO_COPY;
		m = ZCF_RP_WORKER;
	} else if (!req->tp->submit_io) {
		why = ZCF_RPR_NO_RING;
	} else if (*fdc != FD_INLINE) {
		why = ZCF_RPR_MAY_BLOCK;
		m = ZCF_RP_WORKER;
	} else if (zcf_req_se(req)->ncpus < 2) {
		why = ZCF_RPR_ONE_CPU;
	} else if (!(req->flags & ZCF_REQ_QUEUE_BUSY)) {
		why = ZCF_RPR_IDLE;
	} else if (req->pc->cfg.read_place) { /* -o read_place=: for measuring each */
		m = req->pc->cfg.read_place == 2 ? ZCF_RP_WORKER : ZCF_RP_INLINE;
		why = m == ZCF_RP_WORKER ? ZCF_RPR_FORCED_WORKER : ZCF_RPR_FORCED_INLINE;
	} else if ((q = zcf_rp_mine(zcf_req_se(req)))) {
		m = zcf_rp_mode_now(zcf_req_se(req), cls, &why);
		contested = true;
	} else {
		why = ZCF_RPR_IDLE; /* no memory for the measurement: the cheap way */
	}
	if (rd && why != ZCF_RPR_NO_RING && (q || (q = zcf_rp_mine(zcf_req_se(req))))) {
		req->rp_tag = (uint8_t)(1 + cls * 4 + m * 2 + contested);
		req->rp_t0 = contested ? zcf_rp_start(q) : 0;
	}
	if (rd)
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_WHY, why, io->len);
	return why != ZCF_RPR_NO_RING && m == ZCF_RP_INLINE;
}

unsigned zcf_test_intr_window_ms(void)
{
	static _Atomic int ms = -1; /* read by every classic reader thread */
	int v = atomic_load_explicit(&ms, memory_order_relaxed);

	if (v < 0) {
		const char *e = getenv("ZCFUSE_TEST_INTR_WINDOW_MS");

		v = e && atoi(e) > 0 ? atoi(e) : 0;
		atomic_store_explicit(&ms, v, memory_order_relaxed);
	}
	return (unsigned)v;
}

/*
 * Synchronous I/O of a file that can wait without end (pipe, socket,
 * character device). An INTERRUPT's signal could land after the request's
 * interrupted check and before a blocking read(2) enters the kernel: the
 * handler would run in user space and the read would block on. So the
 * carrier's wait_ready() waits in ppoll() with its wake signal unblocked
 * only there, and the data then moves without blocking (RWF_NOWAIT); if
 * someone else took it first, wait again.
 */
static ssize_t sync_wait_io(struct zcfuse_req *req, const struct zcf_io *io, enum fd_wait w)
{
	bool rd = io->op == ZCF_IO_READ;
	struct iovec iov = { io->buf, io->len };
	off_t off = w == FD_WAIT_STREAM ? -1 : (off_t)io->off;
	unsigned busy = 0;
	ssize_t n;
	int err;

	for (;;) {
		err = req->tp->wait_ready(req, io->fd, rd ? POLLIN : POLLOUT);
		if (err) {
			errno = -err;
			return -1;
		}
		n = rd ? preadv2(io->fd, &iov, 1, off, RWF_NOWAIT)
		       : pwritev2(io->fd, &iov, 1, off, RWF_NOWAIT);
		if (n < 0 && errno == ESPIPE && off != -1)
			off = -1, n = -1, errno = EAGAIN; /* a device without offsets */
		if (n >= 0 || errno != EAGAIN)
			break;
		if (++busy == 64) /* says ready, then would block: its poll is wrong */
			break;
	}
	/* No non-blocking I/O on it (or a broken poll): it said ready, so read it. */
	if (n < 0 && (errno == EOPNOTSUPP || errno == EAGAIN)) {
		iov.iov_len = io->len;
		n = rd ? preadv2(io->fd, &iov, 1, off, 0) : pwritev2(io->fd, &iov, 1, off, 0);
	}
	return n;
}

static int data_io(struct zcfuse_req *req, struct zcf_io *io, uint64_t fh, zcfuse_io_cb cb,
		   void *arg)
{
	bool zc = req->flags & ZCF_REQ_ZERO_COPY, rd = io->op == ZCF_IO_READ;
	const struct fd_info *fi = classify(io->fd, fh, req->tp->submit_io);
	enum fd_class cls;
	bool inl;
	enum zcf_path path = rd ? ZCF_PATH_READ_SYNC : ZCF_PATH_WRITE_SYNC;
	ssize_t n;
	int err;

	if (!cb)
		return -EINVAL;
	inl = place(req, io, fi, rd, &cls);
	if (!inl) {
		io->async = cls == FD_RING_ASYNC;
		err = try_ring(req, io, cb, arg);
		if (err < 0)
			req->rp_tag = 0; /* not started: nothing completes */
		if (err <= 0)
			return err;
		if (zc) /* the client's pages are reachable only through the ring */
			return -EOPNOTSUPP;
	} else if (rd && req->payload_buf_index >= 0) {
		path = ZCF_PATH_READ_FIXED_INLINE;
	}
	req->io_cb = cb;
	req->io_arg = arg;
	/* An INTERRUPT for this request signals the thread (se->pc.wake_sync_io, classic.c). */
	atomic_store(&req->io_thread, (unsigned long)pthread_self());
	if (fi->wait != FD_NO_WAIT && req->tp->wait_ready)
		n = sync_wait_io(req, io, fi->wait);
	else if (req->pc->nr_interrupted && zcfuse_req_interrupted(req))
		n = -1, errno = EINTR;
	else if (rd && !inl && req->tp->splice_read &&
		 (n = req->tp->splice_read(req, io->fd, io->off, io->len)) != -EOPNOTSUPP)
		n = n < 0 ? (errno = (int)-n, -1) : n; /* spliced bytes count when sent */
	else
		n = rd ? pread(io->fd, io->buf, io->len, (off_t)io->off)
		       : pwrite(io->fd, io->buf, io->len, (off_t)io->off);
	if (n < 0 && errno == ESPIPE) /* a pipe or socket: no offsets, as on the ring */
		n = rd ? read(io->fd, io->buf, io->len) : write(io->fd, io->buf, io->len);
	atomic_store(&req->io_thread, 0);
	if (n >= 0 && !(req->flags & ZCF_REQ_SPLICED))
		zcf_tally_note(&req->pc->counters, &req->tally, ZCF_TALLY_IO, path, (uint64_t)n);
	zcf_io_complete(req, n < 0 ? -errno : (int)n);
	return 0;
}

ZCFUSE_API int zcfuse_req_read_fd(struct zcfuse_req *req, int fd, off_t off, size_t size,
				  zcfuse_io_cb cb, void *arg)
{
	struct zcf_io io = { .op = ZCF_IO_READ, .fd = fd, .off = (uint64_t)off,
			     .buf = req->payload };

	if (req->in.opcode != FUSE_READ)
		return -EINVAL;
	if (!(req->flags & ZCF_REQ_ZERO_COPY) && size > req->payload_size)
		size = req->payload_size;
	io.len = size;
	return data_io(req, &io, ((const struct fuse_read_in *)req->arg)->fh, cb, arg);
}

ZCFUSE_API int zcfuse_req_write_fd(struct zcfuse_req *req, int fd, off_t off,
				   zcfuse_io_cb cb, void *arg)
{
	struct zcf_io io = { .op = ZCF_IO_WRITE, .fd = fd, .off = (uint64_t)off,
			     .len = req->io_len, .buf = (void *)req->data };

	if (req->in.opcode != FUSE_WRITE)
		return -EINVAL;
	return data_io(req, &io, ((const struct fuse_write_in *)req->arg)->fh, cb, arg);
}

ZCFUSE_API int zcfuse_req_fsync_fd(struct zcfuse_req *req, int fd, int datasync,
				   zcfuse_io_cb cb, void *arg)
{
	struct zcf_io io = { .op = datasync ? ZCF_IO_FDATASYNC : ZCF_IO_FSYNC, .fd = fd };
	int err = try_ring(req, &io, cb, arg);

	if (err <= 0)
		return err;
	err = datasync ? fdatasync(fd) : fsync(fd);
	zcf_io_complete(req, err ? -errno : 0);
	return 0;
}

ZCFUSE_API int zcfuse_req_fallocate_fd(struct zcfuse_req *req, int fd, int mode, off_t off,
				       off_t len, zcfuse_io_cb cb, void *arg)
{
	struct zcf_io io = { .op = ZCF_IO_FALLOCATE, .fd = fd, .off = (uint64_t)off,
			     .len = (uint64_t)len, .mode = mode };
	int err = try_ring(req, &io, cb, arg);

	if (err <= 0)
		return err;
	err = fallocate(fd, mode, off, len);
	zcf_io_complete(req, err ? -errno : 0);
	return 0;
}
