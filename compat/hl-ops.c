// SPDX-License-Identifier: MIT
/*
 * hl-ops.c: the low-level operations of a high-level filesystem. Each one
 * turns inode numbers into paths (hl-node.c), calls the filesystem through
 * fuse_fs_*() and answers with fuse_reply_*(). Requests run on whichever
 * thread the session's loop gives them; nothing here serializes them
 * except the tree locks of the paths they touch.
 */
#include "hl-int.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

/* ---- per-thread context ------------------------------------------------ */

struct hl_thread {
	struct fuse_context ctx;
	fuse_req_t req;
};

static __thread struct hl_thread hl_tls;

struct fuse_context *hl_ctx_get(void)
{
	return &hl_tls.ctx;
}

fuse_req_t hl_ctx_req(void)
{
	return hl_tls.req;
}

/* One request's stay in the layer: the context, and with -o intr the
 * interrupt hook that signals the serving thread. */
struct hl_call {
	struct fuse *f;
	fuse_req_t req;
	pthread_t thread;
	int intr;
};

static void hl_intr_cb(fuse_req_t req, void *data)
{
	struct hl_call *c = data;

	(void)req;
	pthread_kill(c->thread, c->f->conf.intr_signal);
}

static struct fuse *call_begin(struct hl_call *c, fuse_req_t req)
{
	struct fuse *f = fuse_req_userdata(req);
	const struct fuse_ctx *lc = fuse_req_ctx(req);

	c->f = f;
	c->req = req;
	c->intr = 0;
	hl_tls.req = req;
	hl_tls.ctx.fuse = f;
	hl_tls.ctx.uid = lc->uid;
	hl_tls.ctx.gid = lc->gid;
	hl_tls.ctx.pid = lc->pid;
	hl_tls.ctx.umask = lc->umask;
	hl_tls.ctx.private_data = f->fs ? f->fs->user_data : NULL;
	if (f->conf.intr) {
		c->thread = pthread_self();
		c->intr = 1;
		fuse_req_interrupt_func(req, hl_intr_cb, c);
	}
	return f;
}

/* Before the reply (which frees the request): once this returns, the
 * interrupt hook can no longer run. */
static void call_end(struct hl_call *c)
{
	if (c->intr)
		fuse_req_interrupt_func(c->req, NULL, NULL);
	c->intr = 0;
	hl_tls.req = NULL;
}

static void hl_intr_handler(int sig)
{
	(void)sig; /* only there to make blocking calls return EINTR */
}

int hl_intr_install(struct fuse *f)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hl_intr_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(f->conf.intr_signal, &sa, &f->old_intr_action) == -1) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot install the interrupt signal handler: %s\n",
			 strerror(errno));
		return -1;
	}
	f->intr_installed = 1;
	return 0;
}

void hl_intr_remove(struct fuse *f)
{
	if (f->intr_installed)
		sigaction(f->conf.intr_signal, &f->old_intr_action, NULL);
	f->intr_installed = 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void debug_op(struct fuse *f, const char *op, const char *path)
{
	if (f->conf.debug)
		fuse_log(FUSE_LOG_DEBUG, "%s %s\n", op, path ? path : "(no path)");
}

static void fix_stat(struct fuse *f, uint64_t ino, struct stat *st)
{
	if (!f->conf.use_ino)
		st->st_ino = ino;
	if (f->conf.set_mode) {
		mode_t mask = f->conf.umask;

		if (S_ISDIR(st->st_mode))
			mask |= f->conf.dmask;
		else
			mask |= f->conf.fmask;
		st->st_mode &= ~(mask & 07777);
	}
	if (f->conf.set_uid)
		st->st_uid = f->conf.uid;
	if (f->conf.set_gid)
		st->st_gid = f->conf.gid;
}

static double attr_timeout(const struct fuse *f)
{
	if (f->conf.auto_cache && f->conf.ac_attr_timeout_set)
		return f->conf.ac_attr_timeout;
	return f->conf.attr_timeout;
}

/* getattr of the child at path, then a node for it (one more lookup). */
static int lookup_path(struct fuse *f, uint64_t parent, const char *name, const char *path,
		       struct fuse_entry_param *e, struct fuse_file_info *fi)
{
	uint64_t ino, gen;
	int err;

	memset(e, 0, sizeof(*e));
	err = fuse_fs_getattr(f->fs, path, &e->attr, fi);
	if (err)
		return err;
	err = hl_node_add_lookup(f, parent, name, &e->attr, &ino, &gen);
	if (err)
		return err;
	e->ino = ino;
	e->generation = gen;
	e->entry_timeout = f->conf.entry_timeout;
	e->attr_timeout = attr_timeout(f);
	fix_stat(f, ino, &e->attr);
	if (f->conf.auto_cache)
		hl_node_cache_check(f, ino, &e->attr, 0);
	return 0;
}

static void reply_entry(struct fuse *f, fuse_req_t req, const struct fuse_entry_param *e, int err)
{
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	/* The kernel did not take the entry (interrupted): undo its lookup. */
	if (fuse_reply_entry(req, e) == -ENOENT && e->ino)
		hl_node_forget(f, e->ino, 1);
}

/* ---- names ------------------------------------------------------------- */

static void hl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path_name(f, parent, name, &path, 0, &lk);
	if (!err) {
		debug_op(f, "LOOKUP", path);
		err = lookup_path(f, parent, name, path, &e, NULL);
		if (err == -ENOENT && f->conf.negative_timeout != 0.0) {
			memset(&e, 0, sizeof(e));
			e.entry_timeout = f->conf.negative_timeout;
			err = 0;
		}
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	reply_entry(f, req, &e, err);
}

static void hl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fuse *f = fuse_req_userdata(req);

	hl_node_forget(f, ino, nlookup);
	fuse_reply_none(req);
}

static void hl_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fuse *f = fuse_req_userdata(req);

	for (size_t i = 0; i < count; i++)
		hl_node_forget(f, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void hl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct stat st;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&st, 0, sizeof(st));
	err = fi ? hl_path_nullok(f, ino, &path, &lk) : hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "GETATTR", path);
		err = fuse_fs_getattr(f->fs, path, &st, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	if (!err) {
		fix_stat(f, ino, &st);
		/* A hidden file is unlinked as far as the caller knows. */
		if (st.st_nlink > 0 && hl_node_is_hidden(f, ino))
			st.st_nlink--;
		if (f->conf.auto_cache)
			hl_node_cache_check(f, ino, &st, 0);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, attr_timeout(f));
}

static void hl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct stat st;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&st, 0, sizeof(st));
	err = fi ? hl_path_nullok(f, ino, &path, &lk) : hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "SETATTR", path);
		if (valid & FUSE_SET_ATTR_MODE)
			err = fuse_fs_chmod(f->fs, path, attr->st_mode, fi);
		if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
			err = fuse_fs_chown(f->fs, path,
					    (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
					    (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1, fi);
		if (!err && (valid & FUSE_SET_ATTR_SIZE))
			err = fuse_fs_truncate(f->fs, path, attr->st_size, fi);
		if (!err && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
			struct timespec tv[2];

			tv[0].tv_sec = tv[1].tv_sec = 0;
			tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
			if (valid & FUSE_SET_ATTR_ATIME_NOW)
				tv[0].tv_nsec = UTIME_NOW;
			else if (valid & FUSE_SET_ATTR_ATIME)
				tv[0] = attr->st_atim;
			if (valid & FUSE_SET_ATTR_MTIME_NOW)
				tv[1].tv_nsec = UTIME_NOW;
			else if (valid & FUSE_SET_ATTR_MTIME)
				tv[1] = attr->st_mtim;
			err = fuse_fs_utimens(f->fs, path, tv, fi);
		}
		if (!err)
			err = fuse_fs_getattr(f->fs, path, &st, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	if (!err) {
		fix_stat(f, ino, &st);
		/* A hidden file is unlinked as far as the caller knows. */
		if (st.st_nlink > 0 && hl_node_is_hidden(f, ino))
			st.st_nlink--;
		if (f->conf.auto_cache)
			hl_node_cache_check(f, ino, &st, 0);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, attr_timeout(f));
}

static void hl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	char buf[PATH_MAX + 1];
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "READLINK", path);
		err = fuse_fs_readlink(f->fs, path, buf, sizeof(buf));
		hl_path_put(f, &lk);
		free(path);
	}
	buf[PATH_MAX] = '\0';
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_readlink(req, buf);
}

static void hl_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path_name(f, parent, name, &path, 0, &lk);
	if (!err) {
		debug_op(f, "MKNOD", path);
		err = -ENOSYS;
		/* A regular file goes through create() when there is one. */
		if (S_ISREG(mode) && f->fs->op.create) {
			struct fuse_file_info fi;

			memset(&fi, 0, sizeof(fi));
			fi.flags = O_CREAT | O_EXCL | O_WRONLY;
			err = fuse_fs_create(f->fs, path, mode, &fi);
			if (!err) {
				err = lookup_path(f, parent, name, path, &e, &fi);
				fuse_fs_release(f->fs, path, &fi);
			}
		}
		if (err == -ENOSYS) {
			err = fuse_fs_mknod(f->fs, path, mode, rdev);
			if (!err)
				err = lookup_path(f, parent, name, path, &e, NULL);
		}
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	reply_entry(f, req, &e, err);
}

static void hl_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path_name(f, parent, name, &path, 0, &lk);
	if (!err) {
		debug_op(f, "MKDIR", path);
		err = fuse_fs_mkdir(f->fs, path, mode);
		if (!err)
			err = lookup_path(f, parent, name, path, &e, NULL);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	reply_entry(f, req, &e, err);
}

/*
 * Renames the open file at dir/name (path) to a fresh .fuse_hiddenNNN name
 * in the same directory instead of removing it, so its open handles keep
 * working; release() removes it when the last one closes.
 */
static int hide_node(struct fuse *f, uint64_t dir, const char *name, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	char hname[64];
	char *hpath;
	int err = -EBUSY;

	hpath = malloc(dirlen + sizeof(hname) + 2);
	if (!hpath)
		return -ENOMEM;
	for (int tries = 0; tries < 10; tries++) {
		struct stat st;
		uint64_t known;
		unsigned ctr;

		pthread_mutex_lock(&f->lock);
		ctr = ++f->hide_counter;
		pthread_mutex_unlock(&f->lock);
		snprintf(hname, sizeof(hname), ".fuse_hidden%08x%08x", (unsigned)(dir & 0xffffffffu),
			 ctr);
		memcpy(hpath, path, dirlen);
		snprintf(hpath + dirlen, sizeof(hname) + 2, "/%s", hname);
		known = hl_node_readdir_ino(f, dir, hname);
		if (known != HL_UNKNOWN_INO)
			continue;
		memset(&st, 0, sizeof(st));
		err = fuse_fs_getattr(f->fs, hpath, &st, NULL);
		if (err == 0) {
			err = -EBUSY;
			continue;
		}
		if (err != -ENOENT)
			break;
		err = fuse_fs_rename(f->fs, path, hpath, 0);
		if (!err)
			err = hl_node_rename(f, dir, name, dir, hname, 1, 0);
		/* 1: it was closed meanwhile (only possible with nullpath_ok,
		 * whose release takes no path lock); it stays hidden until
		 * unmount, as with libfuse. */
		if (err == 1)
			err = 0;
		break;
	}
	free(hpath);
	return err;
}

static void hl_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_name(f, parent, name, &path, 1, &lk);
	if (!err) {
		debug_op(f, "UNLINK", path);
		if (!f->conf.hard_remove && hl_lk_target_open(f, &lk, 0)) {
			err = hide_node(f, parent, name, path);
		} else {
			err = fuse_fs_unlink(f->fs, path);
			if (!err)
				hl_node_remove_name(f, parent, name);
		}
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_name(f, parent, name, &path, 1, &lk);
	if (!err) {
		debug_op(f, "RMDIR", path);
		err = fuse_fs_rmdir(f->fs, path);
		if (!err)
			hl_node_remove_name(f, parent, name);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path_name(f, parent, name, &path, 0, &lk);
	if (!err) {
		debug_op(f, "SYMLINK", path);
		err = fuse_fs_symlink(f->fs, link, path);
		if (!err)
			err = lookup_path(f, parent, name, path, &e, NULL);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	reply_entry(f, req, &e, err);
}

static void hl_rename(fuse_req_t req, fuse_ino_t olddir, const char *oldname, fuse_ino_t newdir,
		      const char *newname, unsigned int flags)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	char *oldpath, *newpath;
	struct hl_lk lk;
	int err;

	err = hl_path2(f, olddir, oldname, newdir, newname, &oldpath, &newpath, &lk);
	if (!err) {
		debug_op(f, "RENAME", oldpath);
		/* An open file that the rename replaces is hidden first. */
		if (!f->conf.hard_remove && !(flags & RENAME_EXCHANGE) &&
		    hl_lk_target_open(f, &lk, 1))
			err = hide_node(f, newdir, newname, newpath);
		if (!err)
			err = fuse_fs_rename(f->fs, oldpath, newpath, flags);
		if (!err)
			err = hl_node_rename(f, olddir, oldname, newdir, newname, 0, flags);
		hl_path_put(f, &lk);
		free(oldpath);
		free(newpath);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	char *oldpath, *newpath;
	struct hl_lk lk;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path2(f, ino, NULL, newparent, newname, &oldpath, &newpath, &lk);
	if (!err) {
		debug_op(f, "LINK", newpath);
		err = fuse_fs_link(f->fs, oldpath, newpath);
		if (!err)
			err = lookup_path(f, newparent, newname, newpath, &e, NULL);
		hl_path_put(f, &lk);
		free(oldpath);
		free(newpath);
	}
	call_end(&c);
	reply_entry(f, req, &e, err);
}

/* ---- files --------------------------------------------------------------- */

/* The caching options on a file just opened or created. */
static void open_flags(struct fuse *f, uint64_t ino, const char *path, struct fuse_file_info *fi)
{
	if (f->conf.direct_io)
		fi->direct_io = 1;
	if (f->conf.kernel_cache)
		fi->keep_cache = 1;
	if (f->conf.auto_cache && !fi->direct_io) {
		struct stat st;

		memset(&st, 0, sizeof(st));
		if (fuse_fs_getattr(f->fs, path, &st, fi) == 0 && hl_node_cache_check(f, ino, &st, 1))
			fi->keep_cache = 1;
	}
}

static void hl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "OPEN", path);
		err = fuse_fs_open(f->fs, path, fi);
		if (!err) {
			open_flags(f, ino, path, fi);
			/* Counted before the reply: an unlink right after it
			 * must see the file open. */
			hl_node_open_count(f, ino, 1, NULL);
		}
	}
	call_end(&c);
	if (err) {
		fuse_reply_err(req, -err);
	} else if (fuse_reply_open(req, fi) == -ENOENT) {
		/* Interrupted: the kernel will not release it. */
		fuse_fs_release(f->fs, path, fi);
		hl_node_open_count(f, ino, -1, NULL);
	}
	hl_path_put(f, &lk);
	free(path);
}

static void hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_bufvec *bv = NULL;
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		if (f->conf.debug)
			fuse_log(FUSE_LOG_DEBUG, "READ %zu bytes at %lld from %s\n", size,
				 (long long)off, path ? path : "(no path)");
		err = fuse_fs_read_buf(f->fs, path, &bv, size, off, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		/* Descriptor-backed buffers go to the kernel from the
		 * descriptor (splice, or the ring's fixed-buffer read). */
		fuse_reply_data(req, bv, FUSE_BUF_SPLICE_MOVE);
	hl_bufvec_free(bv);
}

static void hl_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int res;

	res = hl_path_nullok(f, ino, &path, &lk);
	if (!res) {
		if (f->conf.debug)
			fuse_log(FUSE_LOG_DEBUG, "WRITE %zu bytes at %lld to %s\n", fuse_buf_size(buf),
				 (long long)off, path ? path : "(no path)");
		res = fuse_fs_write_buf(f->fs, path, buf, off, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (res < 0)
		fuse_reply_err(req, -res);
	else
		fuse_reply_write(req, (size_t)res);
}

/* POSIX locks of this owner go when a descriptor closes. */
static int flush_locks(struct fuse *f, const char *path, struct fuse_file_info *fi)
{
	struct flock l;

	if (!f->fs->op.lock)
		return -ENOSYS;
	memset(&l, 0, sizeof(l));
	l.l_type = F_UNLCK;
	l.l_whence = SEEK_SET;
	return fuse_fs_lock(f->fs, path, fi, F_SETLK, &l);
}

static void hl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		int lerr;

		debug_op(f, "FLUSH", path);
		err = fuse_fs_flush(f->fs, path, fi);
		lerr = flush_locks(f, path, fi);
		if (err == -ENOSYS && lerr == 0)
			err = 0;
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

/* Removes a hidden file whose last handle closed. */
static void unlink_hidden(struct fuse *f, uint64_t ino)
{
	struct hl_lk lk;
	char *path;
	int err;

	if (hl_path(f, ino, &path, &lk))
		return;
	err = fuse_fs_unlink(f->fs, path);
	/* The lock first: it is released along the node's parents, which
	 * the name's removal cuts. */
	hl_path_put(f, &lk);
	if (err == 0)
		hl_node_drop_name(f, ino);
	free(path);
}

static void hl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path = NULL;
	int err, hidden = 0, last;

	err = hl_path_nullok(f, ino, &path, &lk);
	debug_op(f, "RELEASE", path);
	if (fi->flush) {
		fuse_fs_flush(f->fs, path, fi);
		flush_locks(f, path, fi);
	}
	if (fi->flock_release)
		fuse_fs_flock(f->fs, path, fi, LOCK_UN);
	fuse_fs_release(f->fs, path, fi);
	(void)err;
	/* Counted down under the path lock, so that a rename or unlink
	 * either sees the file open and hides it before this (then we remove
	 * it below) or sees it closed. */
	last = hl_node_open_count(f, ino, -1, &hidden) == 0;
	hl_path_put(f, &lk);
	free(path);
	if (last && hidden)
		unlink_hidden(f, ino);
	call_end(&c);
	fuse_reply_err(req, 0);
}

static void hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "FSYNC", path);
		err = fuse_fs_fsync(f->fs, path, datasync, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_entry_param e;
	struct hl_lk lk;
	char *path;
	int err;

	memset(&e, 0, sizeof(e));
	err = hl_path_name(f, parent, name, &path, 0, &lk);
	if (!err) {
		debug_op(f, "CREATE", path);
		err = fuse_fs_create(f->fs, path, mode, fi);
		if (!err) {
			err = lookup_path(f, parent, name, path, &e, fi);
			if (err) {
				fuse_fs_release(f->fs, path, fi);
			} else if (!S_ISREG(e.attr.st_mode)) {
				/* create() must make a regular file. */
				err = -EIO;
				fuse_fs_release(f->fs, path, fi);
				hl_node_forget(f, e.ino, 1);
			} else {
				open_flags(f, e.ino, path, fi);
				hl_node_open_count(f, e.ino, 1, NULL);
			}
		}
	}
	call_end(&c);
	if (err) {
		fuse_reply_err(req, -err);
	} else if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		fuse_fs_release(f->fs, path, fi);
		hl_node_open_count(f, e.ino, -1, NULL);
		hl_node_forget(f, e.ino, 1);
	}
	hl_path_put(f, &lk);
	free(path);
}

/* ---- directories --------------------------------------------------------- */

struct hl_dirent {
	char *name;
	struct stat st;
	int has_st; /* the filesystem gave attributes */
	int plus;   /* ... all of them (FUSE_FILL_DIR_PLUS) */
};

/* One open directory: the filesystem's own handle, and, when its readdir
 * lists everything at once (offset 0 to the filler), that listing, served
 * in pieces by index. */
struct hl_dh {
	pthread_mutex_t lock;
	uint64_t fh;
	uint64_t ino;
	struct hl_dirent *ent;
	size_t count, cap;
	int listed; /* ent holds a whole listing */
	int mode;   /* during a fill: 0 unknown, 1 listing, 2 offsets */
	int error;
	/* a fill with offsets writes straight into the reply */
	fuse_req_t req;
	struct fuse *f;
	char *buf;
	size_t size, len;
	int plus;
};

static struct hl_dh *get_dh(struct fuse_file_info *fi)
{
	return (struct hl_dh *)(uintptr_t)fi->fh;
}

static struct fuse_file_info *dir_fi(struct fuse_file_info *fi, struct fuse_file_info *tmp)
{
	*tmp = *fi;
	tmp->fh = get_dh(fi)->fh;
	return tmp;
}

static void dh_clear(struct hl_dh *dh)
{
	for (size_t i = 0; i < dh->count; i++)
		free(dh->ent[i].name);
	dh->count = 0;
	dh->listed = 0;
}

static int is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * Adds one entry to the reply in dh->buf if it fits (0), else 1. In plus
 * mode an entry with full attributes takes a lookup (only once it is sure
 * to go out); the others go with node id 0, which the kernel does not
 * cache.
 */
static int emit(struct hl_dh *dh, const char *name, const struct stat *stp, int plus_attrs,
		off_t next)
{
	struct fuse *f = dh->f;
	struct stat st;
	size_t need, room = dh->size - dh->len;

	if (stp)
		st = *stp;
	else
		memset(&st, 0, sizeof(st));
	if (!f->conf.use_ino || !stp)
		st.st_ino = HL_UNKNOWN_INO;
	if (!f->conf.use_ino && f->conf.readdir_ino)
		st.st_ino = hl_node_readdir_ino(f, dh->ino, name);
	if (dh->plus) {
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.attr = st;
		need = fuse_add_direntry_plus(dh->req, NULL, 0, name, &e, 0);
		if (need > room)
			return 1;
		if (plus_attrs && !is_dot(name)) {
			uint64_t ino, gen;

			if (hl_node_add_lookup(f, dh->ino, name, &e.attr, &ino, &gen) == 0) {
				e.ino = ino;
				e.generation = gen;
				e.entry_timeout = f->conf.entry_timeout;
				e.attr_timeout = attr_timeout(f);
				fix_stat(f, ino, &e.attr);
			}
		}
		fuse_add_direntry_plus(dh->req, dh->buf + dh->len, room, name, &e, next);
	} else {
		need = fuse_add_direntry(dh->req, NULL, 0, name, &st, 0);
		if (need > room)
			return 1;
		fuse_add_direntry(dh->req, dh->buf + dh->len, room, name, &st, next);
	}
	dh->len += need;
	return 0;
}

static int hl_filler(void *buf, const char *name, const struct stat *st, off_t off,
		     enum fuse_fill_dir_flags flags)
{
	struct hl_dh *dh = buf;

	if (off) {
		if (dh->mode == 1) {
			/* Both kinds of offset in one listing: refuse. */
			dh->error = -EIO;
			return 1;
		}
		dh->mode = 2;
		return emit(dh, name, st, (flags & FUSE_FILL_DIR_PLUS) && st, off);
	}
	if (dh->mode == 2) {
		dh->error = -EIO;
		return 1;
	}
	dh->mode = 1;
	if (dh->count == dh->cap) {
		size_t cap = dh->cap ? dh->cap * 2 : 32;
		struct hl_dirent *n = realloc(dh->ent, cap * sizeof(*n));

		if (!n) {
			dh->error = -ENOMEM;
			return 1;
		}
		dh->ent = n;
		dh->cap = cap;
	}
	dh->ent[dh->count].name = strdup(name);
	if (!dh->ent[dh->count].name) {
		dh->error = -ENOMEM;
		return 1;
	}
	if (st)
		dh->ent[dh->count].st = *st;
	else
		memset(&dh->ent[dh->count].st, 0, sizeof(struct stat));
	dh->ent[dh->count].has_st = st != NULL;
	dh->ent[dh->count].plus = st && (flags & FUSE_FILL_DIR_PLUS);
	dh->count++;
	return 0;
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *llfi, int plus)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi;
	struct hl_lk lk;
	char *path = NULL;
	int err = 0;

	pthread_mutex_lock(&dh->lock);
	dh->req = req;
	dh->f = f;
	dh->plus = plus;
	dh->size = size;
	dh->len = 0;
	dh->buf = malloc(size ? size : 1);
	if (!dh->buf) {
		err = -ENOMEM;
		goto out;
	}
	if (off == 0 || !dh->listed) {
		dh_clear(dh);
		dh->mode = 0;
		dh->error = 0;
		err = hl_path_nullok(f, ino, &path, &lk);
		if (err)
			goto out;
		debug_op(f, plus ? "READDIRPLUS" : "READDIR", path);
		err = fuse_fs_readdir(f->fs, path, dh, hl_filler, off, dir_fi(llfi, &fi),
				      plus ? FUSE_READDIR_PLUS : FUSE_READDIR_DEFAULTS);
		hl_path_put(f, &lk);
		free(path);
		if (!err)
			err = dh->error;
		if (err)
			goto out;
		/* With offsets the reply is in dh->buf already; an empty fill
		 * (the end) says nothing about the mode. */
		if (dh->mode != 1)
			goto out;
		dh->listed = 1;
	}
	/* Serve the listing from entry `off` on; offsets are indexes + 1. */
	for (size_t i = (size_t)off; i < dh->count; i++) {
		struct hl_dirent *d = &dh->ent[i];

		if (emit(dh, d->name, d->has_st ? &d->st : NULL, d->plus,
			 (off_t)(i + 1)))
			break;
	}
out:
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, dh->buf, dh->len);
	free(dh->buf);
	dh->buf = NULL;
	dh->req = NULL;
	pthread_mutex_unlock(&dh->lock);
}

static void hl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, 0);
}

static void hl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, 1);
}

static void hl_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_file_info fi;
	struct hl_dh *dh;
	struct hl_lk lk;
	char *path;
	int err;

	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		call_end(&c);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_init(&dh->lock, NULL);
	dh->ino = ino;
	memset(&fi, 0, sizeof(fi));
	fi.flags = llfi->flags;
	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "OPENDIR", path);
		err = fuse_fs_opendir(f->fs, path, &fi);
		hl_path_put(f, &lk);
	}
	call_end(&c);
	if (err) {
		fuse_reply_err(req, -err);
		pthread_mutex_destroy(&dh->lock);
		free(dh);
		return;
	}
	dh->fh = fi.fh;
	llfi->fh = (uintptr_t)dh;
	llfi->keep_cache = fi.keep_cache;
	llfi->cache_readdir = fi.cache_readdir;
	if (fuse_reply_open(req, llfi) == -ENOENT) {
		fuse_fs_releasedir(f->fs, path, &fi);
		pthread_mutex_destroy(&dh->lock);
		free(dh);
	}
	free(path);
}

static void hl_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi;
	struct hl_lk lk;
	char *path = NULL;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	debug_op(f, "RELEASEDIR", path);
	fuse_fs_releasedir(f->fs, path, dir_fi(llfi, &fi));
	(void)err;
	hl_path_put(f, &lk);
	free(path);
	call_end(&c);
	pthread_mutex_lock(&dh->lock);
	dh_clear(dh);
	pthread_mutex_unlock(&dh->lock);
	free(dh->ent);
	pthread_mutex_destroy(&dh->lock);
	free(dh);
	fuse_reply_err(req, 0);
}

static void hl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *llfi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_file_info fi;
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_fsyncdir(f->fs, path, datasync, dir_fi(llfi, &fi));
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

/* ---- the rest ------------------------------------------------------------ */

static void hl_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct statvfs sv;
	struct hl_lk lk;
	char *path = NULL;
	int err;

	memset(&sv, 0, sizeof(sv));
	err = hl_path(f, ino ? ino : FUSE_ROOT_ID, &path, &lk);
	if (!err) {
		err = fuse_fs_statfs(f->fs, path, &sv);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_statfs(req, &sv);
}

static void hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_setxattr(f->fs, path, name, value, size, flags);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

/* getxattr and listxattr: size 0 asks for the size. */
static void xattr_common(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path, *buf = NULL;
	int res;

	if (size) {
		buf = malloc(size);
		if (!buf) {
			call_end(&c);
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	res = hl_path(f, ino, &path, &lk);
	if (!res) {
		res = name ? fuse_fs_getxattr(f->fs, path, name, buf, size)
			   : fuse_fs_listxattr(f->fs, path, buf, size);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (res < 0)
		fuse_reply_err(req, -res);
	else if (size)
		fuse_reply_buf(req, buf, (size_t)res);
	else
		fuse_reply_xattr(req, (size_t)res);
	free(buf);
}

static void hl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	xattr_common(req, ino, name, size);
}

static void hl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	xattr_common(req, ino, NULL, size);
}

static void hl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_removexattr(f->fs, path, name);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		debug_op(f, "ACCESS", path);
		err = fuse_fs_access(f->fs, path, mask);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_lock(f->fs, path, fi, F_GETLK, lock);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_lock(req, lock);
}

static void hl_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		     int sleep)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_lock(f->fs, path, fi, sleep ? F_SETLKW : F_SETLK, lock);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_flock(f->fs, path, fi, op);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_bmap(f->fs, path, blocksize, &idx);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_bmap(req, idx);
}

static void hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		     struct fuse_file_info *llfi, unsigned flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct fuse_file_info fi, *fip = llfi;
	size_t bufsz = in_bufsz > out_bufsz ? in_bufsz : out_bufsz;
	struct hl_lk lk;
	char *path, *buf = NULL;
	int err;

	/* Only well-formed ioctls (the kernel knows the sizes). */
	if (flags & FUSE_IOCTL_UNRESTRICTED) {
		err = -EPERM;
		goto out;
	}
	if (flags & FUSE_IOCTL_DIR)
		fip = dir_fi(llfi, &fi);
	if (bufsz) {
		buf = calloc(1, bufsz);
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
		if (in_bufsz)
			memcpy(buf, in_buf, in_bufsz);
	}
	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_ioctl(f->fs, path, cmd, arg, fip, flags, buf);
		hl_path_put(f, &lk);
		free(path);
	}
out:
	call_end(&c);
	if (err < 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_ioctl(req, err, buf, out_bufsz);
	free(buf);
}

static void hl_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	unsigned revents = 0;
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_poll(f->fs, path, fi, ph, &revents);
		hl_path_put(f, &lk);
		free(path);
	} else if (ph) {
		fuse_pollhandle_destroy(ph);
	}
	call_end(&c);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_poll(req, revents);
}

static void hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	int err;

	err = hl_path_nullok(f, ino, &path, &lk);
	if (!err) {
		err = fuse_fs_fallocate(f->fs, path, mode, offset, length, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	fuse_reply_err(req, -err);
}

static void hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk_in, lk_out;
	char *path_in, *path_out = NULL;
	ssize_t res;

	res = hl_path_nullok(f, ino_in, &path_in, &lk_in);
	if (!res) {
		res = hl_path_nullok(f, ino_out, &path_out, &lk_out);
		if (!res) {
			res = fuse_fs_copy_file_range(f->fs, path_in, fi_in, off_in, path_out, fi_out,
						      off_out, len, flags);
			hl_path_put(f, &lk_out);
			free(path_out);
		}
		hl_path_put(f, &lk_in);
		free(path_in);
	}
	call_end(&c);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

static void hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct hl_call c;
	struct fuse *f = call_begin(&c, req);
	struct hl_lk lk;
	char *path;
	off_t res;

	res = hl_path_nullok(f, ino, &path, &lk);
	if (!res) {
		res = fuse_fs_lseek(f->fs, path, off, whence, fi);
		hl_path_put(f, &lk);
		free(path);
	}
	call_end(&c);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_lseek(req, res);
}

static void hl_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fuse *f = userdata;

	hl_tls.ctx.fuse = f;
	hl_tls.ctx.private_data = f->fs->user_data;
	fuse_fs_init(f->fs, conn, &f->conf);
	f->inited = 1;
}

static void hl_destroy(void *userdata)
{
	struct fuse *f = userdata;

	if (!f->fs)
		return;
	hl_tls.ctx.fuse = f;
	hl_tls.ctx.private_data = f->fs->user_data;
	fuse_fs_destroy(f->fs);
	f->fs = NULL;
}

const struct fuse_lowlevel_ops hl_ll_ops = {
	.init = hl_init,
	.destroy = hl_destroy,
	.lookup = hl_lookup,
	.forget = hl_forget,
	.forget_multi = hl_forget_multi,
	.getattr = hl_getattr,
	.setattr = hl_setattr,
	.readlink = hl_readlink,
	.mknod = hl_mknod,
	.mkdir = hl_mkdir,
	.unlink = hl_unlink,
	.rmdir = hl_rmdir,
	.symlink = hl_symlink,
	.rename = hl_rename,
	.link = hl_link,
	.open = hl_open,
	.read = hl_read,
	.write_buf = hl_write_buf,
	.flush = hl_flush,
	.release = hl_release,
	.fsync = hl_fsync,
	.opendir = hl_opendir,
	.readdir = hl_readdir,
	.readdirplus = hl_readdirplus,
	.releasedir = hl_releasedir,
	.fsyncdir = hl_fsyncdir,
	.statfs = hl_statfs,
	.setxattr = hl_setxattr,
	.getxattr = hl_getxattr,
	.listxattr = hl_listxattr,
	.removexattr = hl_removexattr,
	.access = hl_access,
	.create = hl_create,
	.getlk = hl_getlk,
	.setlk = hl_setlk,
	.flock = hl_flock,
	.bmap = hl_bmap,
	.ioctl = hl_ioctl,
	.poll = hl_poll,
	.fallocate = hl_fallocate,
	.copy_file_range = hl_copy_file_range,
	.lseek = hl_lseek,
};
