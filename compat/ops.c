/* SPDX-License-Identifier: MIT */
/*
 * libfuse's low-level ops called from zcfuse's ops table. Each adapter turns
 * zcfuse's arguments into libfuse's (the request handle is the same object,
 * the file info is converted both ways) and calls the program's op; under
 * fuse_session_loop() one op runs at a time, as libfuse promises there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OP(zr) (&compat_se(zr)->op)

static void lock_op(struct fuse_session *se)
{
	if (se->serial)
		pthread_mutex_lock(&se->serial_lock);
}

static void unlock_op(struct fuse_session *se)
{
	if (se->serial)
		pthread_mutex_unlock(&se->serial_lock);
}

/* Calls the program's op with the session lock held where required. */
#define CALL(zr, member, ...)                                   \
	do {                                                    \
		struct fuse_session *se_ = compat_se(zr);       \
		lock_op(se_);                                   \
		se_->op.member(FREQ(zr), __VA_ARGS__);          \
		unlock_op(se_);                                 \
	} while (0)

static void fi_in(struct fuse_file_info *fi, const struct zcfuse_file_info *z)
{
	memset(fi, 0, sizeof(*fi));
	fi->flags = z->flags;
	fi->backing_id = 0;
	fi->fh = z->fh;
	fi->lock_owner = z->lock_owner;
	fi->writepage = z->writepage;
	fi->flush = z->flush;
	fi->flock_release = z->flock_release;
}

void compat_fi_out(const struct fuse_file_info *fi, struct zcfuse_file_info *z)
{
	memset(z, 0, sizeof(*z));
	z->flags = fi->flags;
	z->fh = fi->fh;
	z->direct_io = fi->direct_io;
	z->keep_cache = fi->keep_cache;
	z->nonseekable = fi->nonseekable;
	z->cache_readdir = fi->cache_readdir;
	z->noflush = fi->noflush;
	z->parallel_direct_writes = fi->parallel_direct_writes;
}

/* backing_id sits in 3.14's padding: read it only from programs that asked. */
void compat_fi_out_se(const struct fuse_session *se, const struct fuse_file_info *fi,
		      struct zcfuse_file_info *z)
{
	compat_fi_out(fi, z);
	if (se->conn.want & FUSE_CAP_PASSTHROUGH)
		z->backing_id = fi->backing_id;
}

/* ---- INIT: conn->want and capable in libfuse's terms ---- */

static const struct {
	uint64_t kernel;
	unsigned cap;
} kernel_caps[] = {
	{ FUSE_ASYNC_READ, FUSE_CAP_ASYNC_READ },
	{ FUSE_POSIX_LOCKS, FUSE_CAP_POSIX_LOCKS },
	{ FUSE_ATOMIC_O_TRUNC, FUSE_CAP_ATOMIC_O_TRUNC },
	{ FUSE_EXPORT_SUPPORT, FUSE_CAP_EXPORT_SUPPORT },
	{ FUSE_DONT_MASK, FUSE_CAP_DONT_MASK },
	{ FUSE_FLOCK_LOCKS, FUSE_CAP_FLOCK_LOCKS },
	{ FUSE_HAS_IOCTL_DIR, FUSE_CAP_IOCTL_DIR },
	{ FUSE_AUTO_INVAL_DATA, FUSE_CAP_AUTO_INVAL_DATA },
	{ FUSE_DO_READDIRPLUS, FUSE_CAP_READDIRPLUS },
	{ FUSE_READDIRPLUS_AUTO, FUSE_CAP_READDIRPLUS_AUTO },
	{ FUSE_ASYNC_DIO, FUSE_CAP_ASYNC_DIO },
	{ FUSE_WRITEBACK_CACHE, FUSE_CAP_WRITEBACK_CACHE },
	{ FUSE_NO_OPEN_SUPPORT, FUSE_CAP_NO_OPEN_SUPPORT },
	{ FUSE_PARALLEL_DIROPS, FUSE_CAP_PARALLEL_DIROPS },
	{ FUSE_POSIX_ACL, FUSE_CAP_POSIX_ACL },
	{ FUSE_HANDLE_KILLPRIV, FUSE_CAP_HANDLE_KILLPRIV },
	{ FUSE_HANDLE_KILLPRIV_V2, FUSE_CAP_HANDLE_KILLPRIV_V2 },
	{ FUSE_CACHE_SYMLINKS, FUSE_CAP_CACHE_SYMLINKS },
	{ FUSE_NO_OPENDIR_SUPPORT, FUSE_CAP_NO_OPENDIR_SUPPORT },
	{ FUSE_EXPLICIT_INVAL_DATA, FUSE_CAP_EXPLICIT_INVAL_DATA },
	{ FUSE_HAS_EXPIRE_ONLY, FUSE_CAP_EXPIRE_ONLY },
	{ FUSE_SETXATTR_EXT, FUSE_CAP_SETXATTR_EXT },
	{ FUSE_DIRECT_IO_ALLOW_MMAP, FUSE_CAP_DIRECT_IO_ALLOW_MMAP },
	{ FUSE_PASSTHROUGH, FUSE_CAP_PASSTHROUGH },
	{ FUSE_NO_EXPORT_SUPPORT, FUSE_CAP_NO_EXPORT_SUPPORT },
	{ FUSE_OVER_IO_URING, FUSE_CAP_OVER_IO_URING },
};

/* FUSE_CAP_* that zcfuse's INIT turns on when the program wants them. */
static const struct {
	unsigned cap, zcap;
} zcfuse_caps[] = {
	{ FUSE_CAP_WRITEBACK_CACHE, ZCFUSE_CAP_WRITEBACK_CACHE },
	{ FUSE_CAP_READDIRPLUS, ZCFUSE_CAP_READDIRPLUS },
	{ FUSE_CAP_PASSTHROUGH, ZCFUSE_CAP_PASSTHROUGH },
	{ FUSE_CAP_ASYNC_DIO, ZCFUSE_CAP_ASYNC_DIO },
	{ FUSE_CAP_PARALLEL_DIROPS, ZCFUSE_CAP_PARALLEL_DIROPS },
	{ FUSE_CAP_POSIX_ACL, ZCFUSE_CAP_POSIX_ACL },
	{ FUSE_CAP_DONT_MASK, ZCFUSE_CAP_DONT_MASK },
	{ FUSE_CAP_POSIX_LOCKS, ZCFUSE_CAP_POSIX_LOCKS },
	{ FUSE_CAP_FLOCK_LOCKS, ZCFUSE_CAP_FLOCK_LOCKS },
	{ FUSE_CAP_READDIRPLUS_AUTO, ZCFUSE_CAP_READDIRPLUS_AUTO },
	{ FUSE_CAP_AUTO_INVAL_DATA, ZCFUSE_CAP_AUTO_INVAL_DATA },
	{ FUSE_CAP_EXPLICIT_INVAL_DATA, ZCFUSE_CAP_EXPLICIT_INVAL_DATA },
	{ FUSE_CAP_CACHE_SYMLINKS, ZCFUSE_CAP_CACHE_SYMLINKS },
	{ FUSE_CAP_NO_OPEN_SUPPORT, ZCFUSE_CAP_NO_OPEN_SUPPORT },
	{ FUSE_CAP_NO_OPENDIR_SUPPORT, ZCFUSE_CAP_NO_OPENDIR_SUPPORT },
	{ FUSE_CAP_DIRECT_IO_ALLOW_MMAP, ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP },
	{ FUSE_CAP_SETXATTR_EXT, ZCFUSE_CAP_SETXATTR_EXT },
	{ FUSE_CAP_HANDLE_KILLPRIV_V2, ZCFUSE_CAP_HANDLE_KILLPRIV_V2 },
	{ FUSE_CAP_IOCTL_DIR, ZCFUSE_CAP_IOCTL_DIR },
	{ FUSE_CAP_EXPIRE_ONLY, ZCFUSE_CAP_EXPIRE_ONLY },
	{ FUSE_CAP_ATOMIC_O_TRUNC, ZCFUSE_CAP_ATOMIC_O_TRUNC },
	{ FUSE_CAP_EXPORT_SUPPORT, ZCFUSE_CAP_EXPORT_SUPPORT },
	{ FUSE_CAP_NO_EXPORT_SUPPORT, ZCFUSE_CAP_NO_EXPORT_SUPPORT },
};

/*
 * zcfuse always asks for these (or acts as if it had); libfuse's default
 * "want" has them too, so programs see them on.
 */
#define ALWAYS_ON (FUSE_CAP_ASYNC_READ | FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_READDIRPLUS_AUTO | \
		   FUSE_CAP_SETXATTR_EXT | FUSE_CAP_OVER_IO_URING)
/*
 * Kernel INIT flags zcfuse has no capability for: the old HANDLE_KILLPRIV
 * (zcfuse offers only its successor, HANDLE_KILLPRIV_V2).
 */
#define NOT_WIRED FUSE_CAP_HANDLE_KILLPRIV

static void a_init(void *ud, struct zcfuse_conn_info *ci)
{
	struct fuse_session *se = ud;
	struct fuse_conn_info *c = &se->conn;
	uint64_t kf = se->zs->pc.conn.kernel_flags;
	unsigned i, wired = 0, ignored;

	memset(c, 0, sizeof(*c));
	c->proto_major = ci->proto_major;
	c->proto_minor = ci->proto_minor;
	c->max_write = ci->max_write;
	c->max_read = ci->max_read;
	c->max_readahead = ci->max_readahead;
	c->max_background = ci->max_background;
	c->congestion_threshold = ci->max_background * 3 / 4;
	c->time_gran = ci->time_gran;
	for (i = 0; i < sizeof(kernel_caps) / sizeof(kernel_caps[0]); i++)
		if (kf & kernel_caps[i].kernel)
			c->capable |= kernel_caps[i].cap;
	/* libfuse's default wants, less what this program cannot use */
	c->want = c->capable & (ALWAYS_ON | FUSE_CAP_ASYNC_DIO | FUSE_CAP_PARALLEL_DIROPS |
				FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_IOCTL_DIR |
				FUSE_CAP_HANDLE_KILLPRIV);
	if (se->op.readdirplus)
		c->want |= c->capable & FUSE_CAP_READDIRPLUS;
	/* AUTO lets the kernel send plain READDIR too: only with both ops
	 * (pyfuse3 has readdirplus alone, and got ENOSYS from a listing). */
	if (!se->op.readdirplus || !se->op.readdir)
		c->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	if (se->op.getlk && se->op.setlk)
		c->want |= c->capable & FUSE_CAP_POSIX_LOCKS;
	if (se->op.flock)
		c->want |= c->capable & FUSE_CAP_FLOCK_LOCKS;
	c->capable_ext = c->capable;
	c->want_ext = c->want;
	if (se->op.init)
		se->op.init(se->userdata, c);
	if (c->want_ext != c->want) /* a 3.17+ program sets want_ext */
		c->want |= (unsigned)c->want_ext;

	for (i = 0; i < sizeof(zcfuse_caps) / sizeof(zcfuse_caps[0]); i++)
		if (c->want & zcfuse_caps[i].cap)
			wired |= zcfuse_caps[i].zcap;
	/* zcfuse's own -o INIT options (ZCFUSE_OPTIONS too) have the final
	 * word here: libfuse programs never get them from fuse_session_new(). */
	ci->want = (wired | se->zs->pc.cfg.cap_on) & ~se->zs->pc.cfg.cap_off;
	ci->max_write = c->max_write;
	ci->max_read = c->max_read;
	ci->max_readahead = c->max_readahead;
	ci->max_background = c->max_background;
	ci->time_gran = c->time_gran;
	ignored = c->want & NOT_WIRED & ~ALWAYS_ON;
	if (ignored)
		zcf_dbg("libfuse capabilities 0x%x wanted, not wired in zcfuse yet; the "
			"kernel's default applies", ignored);
}

static void a_destroy(void *ud)
{
	struct fuse_session *se = ud;

	se->op.destroy(se->userdata);
}

static void a_lookup(struct zcfuse_req *r, zcfuse_ino_t p, const char *n)
{
	CALL(r, lookup, p, n);
}

static void a_forget(struct zcfuse_req *r, zcfuse_ino_t ino, uint64_t n)
{
	CALL(r, forget, ino, n);
}

static void a_getattr(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	if (zfi)
		fi_in(&fi, zfi);
	CALL(r, getattr, ino, zfi ? &fi : NULL);
}

static void a_setattr(struct zcfuse_req *r, zcfuse_ino_t ino, struct stat *st, int to_set,
		      struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	if (zfi)
		fi_in(&fi, zfi);
	CALL(r, setattr, ino, st, to_set, zfi ? &fi : NULL);
}

static void a_readlink(struct zcfuse_req *r, zcfuse_ino_t ino)
{
	struct fuse_session *se = compat_se(r);

	lock_op(se);
	se->op.readlink(FREQ(r), ino);
	unlock_op(se);
}

static void a_mknod(struct zcfuse_req *r, zcfuse_ino_t p, const char *n, mode_t m, dev_t d)
{
	CALL(r, mknod, p, n, m, d);
}

static void a_mkdir(struct zcfuse_req *r, zcfuse_ino_t p, const char *n, mode_t m)
{
	CALL(r, mkdir, p, n, m);
}

static void a_unlink(struct zcfuse_req *r, zcfuse_ino_t p, const char *n)
{
	CALL(r, unlink, p, n);
}

static void a_rmdir(struct zcfuse_req *r, zcfuse_ino_t p, const char *n)
{
	CALL(r, rmdir, p, n);
}

static void a_symlink(struct zcfuse_req *r, const char *l, zcfuse_ino_t p, const char *n)
{
	CALL(r, symlink, l, p, n);
}

static void a_rename(struct zcfuse_req *r, zcfuse_ino_t p, const char *n, zcfuse_ino_t np,
		     const char *nn, unsigned flags)
{
	CALL(r, rename, p, n, np, nn, flags);
}

static void a_link(struct zcfuse_req *r, zcfuse_ino_t ino, zcfuse_ino_t np, const char *nn)
{
	CALL(r, link, ino, np, nn);
}

/* Ops of the form (req, ino, fi). */
#define FI_OP(name)                                                                   \
	static void a_##name(struct zcfuse_req *r, zcfuse_ino_t ino,                 \
			     struct zcfuse_file_info *zfi)                              \
	{                                                                             \
		struct fuse_file_info fi;                                             \
		fi_in(&fi, zfi);                                                      \
		CALL(r, name, ino, &fi);                                              \
	}
FI_OP(open)
FI_OP(flush)
FI_OP(release)
FI_OP(opendir)
FI_OP(releasedir)

static void a_read(struct zcfuse_req *r, zcfuse_ino_t ino, size_t size, off_t off,
		   struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, read, ino, size, off, &fi);
}

/*
 * WRITE: write_buf gets the request's own data (the ring entry's registered
 * payload, or the /dev/fuse read buffer) as a memory buffer: no copy.
 */
static void a_write(struct zcfuse_req *r, zcfuse_ino_t ino, const void *buf, size_t size,
		    off_t off, struct zcfuse_file_info *zfi)
{
	struct fuse_session *se = compat_se(r);
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	if (!buf) {
		zcfuse_reply_err(r, EIO);
		return;
	}
	lock_op(se);
	if (se->op.write_buf) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

		bv.buf[0].mem = (void *)buf;
		compat_cur_write = (struct compat_write){ se->zs, buf, size };
		se->op.write_buf(FREQ(r), ino, &bv, off, &fi);
		compat_cur_write.data = NULL;
	} else {
		se->op.write(FREQ(r), ino, buf, size, off, &fi);
	}
	unlock_op(se);
}

static void a_fsync(struct zcfuse_req *r, zcfuse_ino_t ino, int ds, struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, fsync, ino, ds, &fi);
}

static void a_fsyncdir(struct zcfuse_req *r, zcfuse_ino_t ino, int ds,
		       struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, fsyncdir, ino, ds, &fi);
}

static void a_readdir(struct zcfuse_req *r, zcfuse_ino_t ino, size_t size, off_t off,
		      struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, readdir, ino, size, off, &fi);
}

static void a_readdirplus(struct zcfuse_req *r, zcfuse_ino_t ino, size_t size, off_t off,
			  struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, readdirplus, ino, size, off, &fi);
}

static void a_statfs(struct zcfuse_req *r, zcfuse_ino_t ino)
{
	struct fuse_session *se = compat_se(r);

	lock_op(se);
	se->op.statfs(FREQ(r), ino);
	unlock_op(se);
}

static void a_setxattr(struct zcfuse_req *r, zcfuse_ino_t ino, const char *n, const void *v,
		       size_t size, int flags)
{
	CALL(r, setxattr, ino, n, v, size, flags);
}

static void a_getxattr(struct zcfuse_req *r, zcfuse_ino_t ino, const char *n, size_t size)
{
	CALL(r, getxattr, ino, n, size);
}

static void a_listxattr(struct zcfuse_req *r, zcfuse_ino_t ino, size_t size)
{
	CALL(r, listxattr, ino, size);
}

static void a_removexattr(struct zcfuse_req *r, zcfuse_ino_t ino, const char *n)
{
	CALL(r, removexattr, ino, n);
}

static void a_access(struct zcfuse_req *r, zcfuse_ino_t ino, int mask)
{
	CALL(r, access, ino, mask);
}

static void a_create(struct zcfuse_req *r, zcfuse_ino_t p, const char *n, mode_t m,
		     struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, create, p, n, m, &fi);
}

static void a_forget_multi(struct zcfuse_req *r, size_t count, const zcfuse_ino_t *inos,
			   const uint64_t *nl)
{
	struct fuse_forget_data f[64];
	size_t i;

	/* zcfuse hands batches over in chunks of at most 64 */
	for (i = 0; i < count && i < 64; i++) {
		f[i].ino = inos[i];
		f[i].nlookup = nl[i];
	}
	CALL(r, forget_multi, i, f);
}

static void a_fallocate(struct zcfuse_req *r, zcfuse_ino_t ino, int mode, off_t off, off_t len,
			struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, fallocate, ino, mode, off, len, &fi);
}

static void a_lseek(struct zcfuse_req *r, zcfuse_ino_t ino, off_t off, int whence,
		    struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, lseek, ino, off, whence, &fi);
}

static void a_copy_file_range(struct zcfuse_req *r, zcfuse_ino_t ii, off_t oi,
			      struct zcfuse_file_info *zi, zcfuse_ino_t io, off_t oo,
			      struct zcfuse_file_info *zo, size_t len, int flags)
{
	struct fuse_file_info fi, fo;

	fi_in(&fi, zi);
	fi_in(&fo, zo);
	CALL(r, copy_file_range, ii, oi, &fi, io, oo, &fo, len, flags);
}

static void a_getlk(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *zfi,
		    struct flock *lock)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, getlk, ino, &fi, lock);
}

static void a_setlk(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *zfi,
		    struct flock *lock, int sleep)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, setlk, ino, &fi, lock, sleep);
}

static void a_flock(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *zfi, int op)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, flock, ino, &fi, op);
}

static void a_bmap(struct zcfuse_req *r, zcfuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	CALL(r, bmap, ino, blocksize, idx);
}

static void a_ioctl(struct zcfuse_req *r, zcfuse_ino_t ino, unsigned int cmd, void *arg,
		    struct zcfuse_file_info *zfi, unsigned flags, const void *in_buf,
		    size_t in_bufsz, size_t out_bufsz)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	/* the kernel's FUSE_IOCTL_* flags, passed through as libfuse does */
	CALL(r, ioctl, ino, cmd, arg, &fi, flags, in_buf, in_bufsz, out_bufsz);
}

/* A fuse_pollhandle is zcfuse's handle: fuse_lowlevel_notify_poll() casts back. */
static void a_poll(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *zfi,
		   struct zcfuse_pollhandle *ph)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	fi.poll_events = zfi->poll_events;
	CALL(r, poll, ino, &fi, (struct fuse_pollhandle *)ph);
}

static void a_retrieve_reply(struct zcfuse_req *r, void *cookie, zcfuse_ino_t ino, off_t off,
			     const void *buf, size_t size)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	bv.buf[0].mem = (void *)buf;
	CALL(r, retrieve_reply, cookie, ino, off, &bv);
}

static void a_statx(struct zcfuse_req *r, zcfuse_ino_t ino, int flags, int mask,
		    struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	if (zfi)
		fi_in(&fi, zfi);
	CALL(r, statx, ino, flags, mask, zfi ? &fi : NULL);
}

static void a_tmpfile(struct zcfuse_req *r, zcfuse_ino_t p, mode_t m, struct zcfuse_file_info *zfi)
{
	struct fuse_file_info fi;

	fi_in(&fi, zfi);
	CALL(r, tmpfile, p, m, &fi);
}

void compat_fill_ops(const struct fuse_lowlevel_ops *op, struct zcfuse_ops *z)
{
	memset(z, 0, sizeof(*z));
	z->init = a_init; /* always: it fills conn for the program */
#define SET(name) if (op->name) z->name = a_##name
	SET(destroy);
	SET(lookup);
	SET(forget);
	SET(getattr);
	SET(setattr);
	SET(readlink);
	SET(mknod);
	SET(mkdir);
	SET(unlink);
	SET(rmdir);
	SET(symlink);
	SET(rename);
	SET(link);
	SET(open);
	SET(read);
	SET(flush);
	SET(release);
	SET(fsync);
	SET(opendir);
	SET(readdir);
	SET(releasedir);
	SET(fsyncdir);
	SET(statfs);
	SET(setxattr);
	SET(getxattr);
	SET(listxattr);
	SET(removexattr);
	SET(access);
	SET(create);
	SET(forget_multi);
	SET(fallocate);
	SET(readdirplus);
	SET(lseek);
	SET(copy_file_range);
	SET(getlk);
	SET(setlk);
	SET(flock);
	SET(bmap);
	SET(ioctl);
	SET(poll);
	SET(retrieve_reply);
	SET(statx);
	SET(tmpfile);
#undef SET
	if (op->write || op->write_buf)
		z->write = a_write;
}
