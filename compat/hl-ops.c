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

static __thread __attribute__((tls_model("initial-exec"))) struct hl_thread hl_tls; /* as ZCF_TLS */

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

/* ---- one request on a path ----------------------------------------------- */

/* Where an operation's path comes from: an inode (HL_INO); an open file's
 * inode, whose path may be missing (HL_NULLOK: nullpath_ok, or unlinked);
 * a name in a directory, read-locked (HL_NAME) or write-locked because the
 * operation removes it (HL_NAME_W). */
enum hl_at { HL_INO, HL_NULLOK, HL_NAME, HL_NAME_W };

/* A request's stay in the layer and the path (or two) it holds locked. */
struct hl_op {
	struct hl_call c;
	struct fuse *f;
	struct hl_lk lk;
	char *path, *path2;
};

static void op_call(struct hl_op *o, fuse_req_t req)
{
	o->f = call_begin(&o->c, req);
	memset(&o->lk, 0, sizeof(o->lk));
	o->path = o->path2 = NULL;
}

/* The path and its locks; with op, the debug line once the path is known. */
static int op_path(struct hl_op *o, enum hl_at at, fuse_ino_t ino, const char *name,
		   const char *op)
{
	int err;

	switch (at) {
	case HL_INO:
		err = hl_path(o->f, ino, &o->path, &o->lk);
		break;
	case HL_NULLOK:
		err = hl_path_nullok(o->f, ino, &o->path, &o->lk);
		break;
	default:
		err = hl_path_name(o->f, ino, name, &o->path, at == HL_NAME_W, &o->lk);
		break;
	}
	if (!err && op)
		debug_op(o->f, op, o->path);
	return err;
}

static int op_begin(struct hl_op *o, fuse_req_t req, enum hl_at at, fuse_ino_t ino,
		    const char *name, const char *op)
{
	op_call(o, req);
	return op_path(o, at, ino, name, op);
}

/* Two names (rename, link), both write-locked if the table knows them. */
static int op_begin2(struct hl_op *o, fuse_req_t req, fuse_ino_t dir1, const char *name1,
		     fuse_ino_t dir2, const char *name2)
{
	op_call(o, req);
	return hl_path2(o->f, dir1, name1, dir2, name2, &o->path, &o->path2, &o->lk);
}

/* The locks go; the paths stay for a use after the reply. */
static void op_unlock(struct hl_op *o)
{
	hl_path_put(o->f, &o->lk);
}

static void op_put(struct hl_op *o)
{
	op_unlock(o);
	free(o->path);
	free(o->path2);
	o->path = o->path2 = NULL;
}

/* Before the reply: the path goes, then the request leaves the layer. */
static void op_end(struct hl_op *o)
{
	op_put(o);
	call_end(&o->c);
}

/* An inode's attributes as the caller should see them, or the error. */
static void reply_attr(struct fuse *f, fuse_req_t req, fuse_ino_t ino, struct stat *st, int err)
{
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fix_stat(f, ino, st);
	/* A hidden file is unlinked as far as the caller knows. */
	if (st->st_nlink > 0 && hl_node_is_hidden(f, ino))
		st->st_nlink--;
	if (f->conf.auto_cache)
		hl_node_cache_check(f, ino, st, 0);
	fuse_reply_attr(req, st, attr_timeout(f));
}

/* After an operation that made parent/name (at path): its entry. */
static void reply_made(struct hl_op *o, fuse_req_t req, fuse_ino_t parent, const char *name,
		       const char *path, int err)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (!err)
		err = lookup_path(o->f, parent, name, path, &e, NULL);
	op_end(o);
	reply_entry(o->f, req, &e, err);
}

/* ---- names ------------------------------------------------------------- */

static void hl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME, parent, name, "LOOKUP");

	memset(&e, 0, sizeof(e));
	if (!err) {
		err = lookup_path(o.f, parent, name, o.path, &e, NULL);
		if (err == -ENOENT && o.f->conf.negative_timeout != 0.0) {
			memset(&e, 0, sizeof(e));
			e.entry_timeout = o.f->conf.negative_timeout;
			err = 0;
		}
	}
	op_end(&o);
	reply_entry(o.f, req, &e, err);
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
	struct stat st;
	struct hl_op o;
	int err = op_begin(&o, req, fi ? HL_NULLOK : HL_INO, ino, NULL, "GETATTR");

	memset(&st, 0, sizeof(st));
	if (!err)
		err = fuse_fs_getattr(o.f->fs, o.path, &st, fi);
	op_end(&o);
	reply_attr(o.f, req, ino, &st, err);
}

static void hl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct stat st;
	struct hl_op o;
	int err = op_begin(&o, req, fi ? HL_NULLOK : HL_INO, ino, NULL, "SETATTR");
	struct fuse_fs *fs = o.f->fs;
	const char *path = o.path;

	memset(&st, 0, sizeof(st));
	if (!err && (valid & FUSE_SET_ATTR_MODE))
		err = fuse_fs_chmod(fs, path, attr->st_mode, fi);
	if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		err = fuse_fs_chown(fs, path, (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
				    (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1, fi);
	if (!err && (valid & FUSE_SET_ATTR_SIZE))
		err = fuse_fs_truncate(fs, path, attr->st_size, fi);
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
		err = fuse_fs_utimens(fs, path, tv, fi);
	}
	if (!err)
		err = fuse_fs_getattr(fs, path, &st, fi);
	op_end(&o);
	reply_attr(o.f, req, ino, &st, err);
}

static void hl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, "READLINK");

	if (!err)
		err = fuse_fs_readlink(o.f->fs, o.path, buf, sizeof(buf));
	buf[PATH_MAX] = '\0';
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_readlink(req, buf);
}

static void hl_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct fuse_entry_param e;
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME, parent, name, "MKNOD");

	memset(&e, 0, sizeof(e));
	if (!err) {
		err = -ENOSYS;
		/* A regular file goes through create() when there is one. */
		if (S_ISREG(mode) && o.f->fs->op.create) {
			struct fuse_file_info fi;

			memset(&fi, 0, sizeof(fi));
			fi.flags = O_CREAT | O_EXCL | O_WRONLY;
			err = fuse_fs_create(o.f->fs, o.path, mode, &fi);
			if (!err) {
				err = lookup_path(o.f, parent, name, o.path, &e, &fi);
				fuse_fs_release(o.f->fs, o.path, &fi);
			}
		}
		if (err == -ENOSYS) {
			err = fuse_fs_mknod(o.f->fs, o.path, mode, rdev);
			if (!err)
				err = lookup_path(o.f, parent, name, o.path, &e, NULL);
		}
	}
	op_end(&o);
	reply_entry(o.f, req, &e, err);
}

static void hl_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME, parent, name, "MKDIR");

	if (!err)
		err = fuse_fs_mkdir(o.f->fs, o.path, mode);
	reply_made(&o, req, parent, name, o.path, err);
}
/*
 * Renames the open file at dir/name (path) to a fresh .fuse_hiddenNNN name
 * in the same directory instead of removing it, so its open handles keep
 * working; release() removes it when the last one closes. Returns 1 when
 * that last release came first: then the caller calls unlink_hidden()
 * after op_end().
 */
static void unlink_hidden(struct fuse *f, uint64_t ino);

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
		/* 1: its last release ran meanwhile (possible with nullpath_ok,
		 * whose release takes no path lock) and saw it not hidden yet;
		 * the caller removes it once its own locks are dropped. */
		break;
	}
	free(hpath);
	return err;
}

static void hl_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hl_op o;
	uint64_t hidden = 0;
	int err = op_begin(&o, req, HL_NAME_W, parent, name, "UNLINK");

	if (!err) {
		if (!o.f->conf.hard_remove && hl_lk_target_open(o.f, &o.lk, 0)) {
			err = hide_node(o.f, parent, name, o.path);
			if (err == 1) {
				hidden = o.lk.target[0]->ino;
				err = 0;
			}
		} else {
			err = fuse_fs_unlink(o.f->fs, o.path);
			if (!err)
				hl_node_remove_name(o.f, parent, name);
		}
	}
	op_put(&o);
	if (hidden)
		unlink_hidden(o.f, hidden);
	call_end(&o.c);
	fuse_reply_err(req, -err);
}

static void hl_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME_W, parent, name, "RMDIR");

	if (!err) {
		err = fuse_fs_rmdir(o.f->fs, o.path);
		if (!err)
			hl_node_remove_name(o.f, parent, name);
	}
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME, parent, name, "SYMLINK");

	if (!err)
		err = fuse_fs_symlink(o.f->fs, link, o.path);
	reply_made(&o, req, parent, name, o.path, err);
}

static void hl_rename(fuse_req_t req, fuse_ino_t olddir, const char *oldname, fuse_ino_t newdir,
		      const char *newname, unsigned int flags)
{
	struct hl_op o;
	uint64_t hidden = 0;
	int err = op_begin2(&o, req, olddir, oldname, newdir, newname);

	if (!err) {
		debug_op(o.f, "RENAME", o.path);
		/* An open file that the rename replaces is hidden first. */
		if (!o.f->conf.hard_remove && !(flags & RENAME_EXCHANGE) &&
		    hl_lk_target_open(o.f, &o.lk, 1))
			err = hide_node(o.f, newdir, newname, o.path2);
		if (err == 1) {
			hidden = o.lk.target[1]->ino;
			err = 0;
		}
		if (!err)
			err = fuse_fs_rename(o.f->fs, o.path, o.path2, flags);
		if (!err)
			err = hl_node_rename(o.f, olddir, oldname, newdir, newname, 0, flags);
	}
	op_put(&o);
	if (hidden)
		unlink_hidden(o.f, hidden);
	call_end(&o.c);
	fuse_reply_err(req, -err);
}

static void hl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct hl_op o;
	int err = op_begin2(&o, req, ino, NULL, newparent, newname);

	if (!err) {
		debug_op(o.f, "LINK", o.path2);
		err = fuse_fs_link(o.f->fs, o.path, o.path2);
	}
	reply_made(&o, req, newparent, newname, o.path2, err);
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
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, "OPEN");

	if (!err) {
		err = fuse_fs_open(o.f->fs, o.path, fi);
		if (!err) {
			open_flags(o.f, ino, o.path, fi);
			/* Counted before the reply: an unlink right after it
			 * must see the file open. */
			hl_node_open_count(o.f, ino, 1, NULL);
		}
	}
	call_end(&o.c);
	if (err) {
		fuse_reply_err(req, -err);
	} else if (fuse_reply_open(req, fi) == -ENOENT) {
		/* Interrupted: the kernel will not release it. */
		fuse_fs_release(o.f->fs, o.path, fi);
		hl_node_open_count(o.f, ino, -1, NULL);
	}
	op_put(&o);
}

/*
 * libfuse 3.18's request payload (a ring entry's memory). Weak: the layer
 * is also linked over Debian's libfuse 3.14, which has no such call.
 */
#pragma weak fuse_req_get_payload

/*
 * A filesystem with a plain read op (most: libfuse's own passthrough
 * example), also under path-mapping modules, reads straight into the ring
 * entry's payload, which goes to the kernel as it is: no buffer to
 * allocate, no copy into the payload after.
 */
static char *read_target(struct hl_op *o, fuse_req_t req, size_t size)
{
	/* Path-mapping modules (subdir, iconv) pass a read on as it is:
	 * what counts is the filesystem under them. */
	const struct fuse_fs *fs = hl_pmap_bottom(o->f->fs);
	char *payload;
	size_t room;

	if (!fs || fs->op.read_buf || !fs->op.read || !fuse_req_get_payload ||
	    fuse_req_get_payload(req, &payload, &room, NULL) || room < size)
		return NULL;
	return payload;
}

static void hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv = NULL;
	struct hl_op o;
	char *payload = NULL;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err) {
		if (o.f->conf.debug)
			fuse_log(FUSE_LOG_DEBUG, "READ %zu bytes at %lld from %s\n", size,
				 (long long)off, o.path ? o.path : "(no path)");
		payload = read_target(&o, req, size);
		if (payload) {
			err = fuse_fs_read(o.f->fs, o.path, payload, size, off, fi);
			if (err >= 0)
				size = (size_t)err, err = 0;
		} else {
			err = fuse_fs_read_buf(o.f->fs, o.path, &bv, size, off, fi);
		}
	}
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else if (payload)
		fuse_reply_buf(req, payload, size);
	else
		/* Descriptor-backed buffers go to the kernel from the
		 * descriptor (splice, or the ring's fixed-buffer read). */
		fuse_reply_data(req, bv, FUSE_BUF_SPLICE_MOVE);
	hl_bufvec_free(bv);
}

static void hl_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct hl_op o;
	int res = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!res) {
		if (o.f->conf.debug)
			fuse_log(FUSE_LOG_DEBUG, "WRITE %zu bytes at %lld to %s\n", fuse_buf_size(buf),
				 (long long)off, o.path ? o.path : "(no path)");
		res = fuse_fs_write_buf(o.f->fs, o.path, buf, off, fi);
	}
	op_end(&o);
	if (res < 0)
		fuse_reply_err(req, -res);
	else
		fuse_reply_write(req, (size_t)res);
}

/*
 * POSIX locks of this owner go when a descriptor closes: through the
 * filesystem's lock op, and from the layer's own record whatever it says.
 */
static int flush_locks(struct fuse *f, fuse_ino_t ino, const char *path,
		       struct fuse_file_info *fi)
{
	struct flock l;
	int err;

	if (!f->fs->op.lock)
		return -ENOSYS;
	memset(&l, 0, sizeof(l));
	l.l_type = F_UNLCK;
	l.l_whence = SEEK_SET;
	err = fuse_fs_lock(f->fs, path, fi, F_SETLK, &l);
	l.l_type = F_UNLCK; /* the op may have written to it */
	l.l_start = l.l_len = 0;
	hl_locks_note(f, ino, fi->lock_owner, &l); /* whole file: cannot fail */
	return err;
}

static void hl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, "FLUSH");

	if (!err) {
		int lerr;

		err = fuse_fs_flush(o.f->fs, o.path, fi);
		lerr = flush_locks(o.f, ino, o.path, fi);
		if (err == -ENOSYS && lerr == 0)
			err = 0;
	}
	op_end(&o);
	fuse_reply_err(req, -err);
}

/*
 * Removes a hidden file whose last handle closed. An open can still find
 * it by its hidden name (a path walk that resolved the old name before the
 * unlink): under the write lock such an open has finished, and if it kept
 * the file, its own release removes it later.
 */
static void unlink_hidden(struct fuse *f, uint64_t ino)
{
	struct hl_lk lk;
	char *path;

	if (hl_path_hidden(f, ino, &path, &lk))
		return;
	if (hl_node_hidden_unused(f, ino) && fuse_fs_unlink(f->fs, path) == 0)
		hl_node_drop_name(f, ino);
	hl_path_put(f, &lk);
	free(path);
}

static void hl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hl_op o;
	int hidden = 0, last;

	/* Released whatever the path lookup says (no path: NULL). */
	(void)op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);
	debug_op(o.f, "RELEASE", o.path);
	if (fi->flush) {
		fuse_fs_flush(o.f->fs, o.path, fi);
		flush_locks(o.f, ino, o.path, fi);
	}
	if (fi->flock_release)
		fuse_fs_flock(o.f->fs, o.path, fi, LOCK_UN);
	fuse_fs_release(o.f->fs, o.path, fi);
	/* Counted down under the path lock, so that a rename or unlink
	 * either sees the file open and hides it before this (then we remove
	 * it below) or sees it closed. */
	last = hl_node_open_count(o.f, ino, -1, &hidden) == 0;
	op_put(&o);
	if (last && hidden)
		unlink_hidden(o.f, ino);
	call_end(&o.c);
	fuse_reply_err(req, 0);
}

static void hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, "FSYNC");

	if (!err)
		err = fuse_fs_fsync(o.f->fs, o.path, datasync, fi);
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct hl_op o;
	int err = op_begin(&o, req, HL_NAME, parent, name, "CREATE");

	memset(&e, 0, sizeof(e));
	if (!err) {
		err = fuse_fs_create(o.f->fs, o.path, mode, fi);
		if (!err) {
			err = lookup_path(o.f, parent, name, o.path, &e, fi);
			if (err) {
				fuse_fs_release(o.f->fs, o.path, fi);
			} else if (!S_ISREG(e.attr.st_mode)) {
				/* create() must make a regular file. */
				err = -EIO;
				fuse_fs_release(o.f->fs, o.path, fi);
				hl_node_forget(o.f, e.ino, 1);
			} else {
				open_flags(o.f, e.ino, o.path, fi);
				hl_node_open_count(o.f, e.ino, 1, NULL);
			}
		}
	}
	call_end(&o.c);
	if (err) {
		fuse_reply_err(req, -err);
	} else if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		fuse_fs_release(o.f->fs, o.path, fi);
		hl_node_open_count(o.f, e.ino, -1, NULL);
		hl_node_forget(o.f, e.ino, 1);
	}
	op_put(&o);
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
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi;
	struct hl_op o;
	int err = 0;

	op_call(&o, req);
	pthread_mutex_lock(&dh->lock);
	dh->req = req;
	dh->f = o.f;
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
		err = op_path(&o, HL_NULLOK, ino, NULL, plus ? "READDIRPLUS" : "READDIR");
		if (!err)
			err = fuse_fs_readdir(o.f->fs, o.path, dh, hl_filler, off, dir_fi(llfi, &fi),
					      plus ? FUSE_READDIR_PLUS : FUSE_READDIR_DEFAULTS);
		op_put(&o);
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
	call_end(&o.c);
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
	struct fuse_file_info fi;
	struct hl_dh *dh;
	struct hl_op o;
	int err;

	op_call(&o, req);
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		call_end(&o.c);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_init(&dh->lock, NULL);
	dh->ino = ino;
	memset(&fi, 0, sizeof(fi));
	fi.flags = llfi->flags;
	err = op_path(&o, HL_INO, ino, NULL, "OPENDIR");
	if (!err)
		err = fuse_fs_opendir(o.f->fs, o.path, &fi);
	/* The path stays for a releasedir if the reply does not arrive. */
	op_unlock(&o);
	call_end(&o.c);
	if (err) {
		fuse_reply_err(req, -err);
		pthread_mutex_destroy(&dh->lock);
		free(dh);
	} else {
		dh->fh = fi.fh;
		llfi->fh = (uintptr_t)dh;
		llfi->keep_cache = fi.keep_cache;
		llfi->cache_readdir = fi.cache_readdir;
		if (fuse_reply_open(req, llfi) == -ENOENT) {
			fuse_fs_releasedir(o.f->fs, o.path, &fi);
			pthread_mutex_destroy(&dh->lock);
			free(dh);
		}
	}
	op_put(&o);
}

static void hl_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi;
	struct hl_op o;

	/* Released whatever the path lookup says (no path: NULL). */
	(void)op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);
	debug_op(o.f, "RELEASEDIR", o.path);
	fuse_fs_releasedir(o.f->fs, o.path, dir_fi(llfi, &fi));
	op_end(&o);
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
	struct fuse_file_info fi;
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_fsyncdir(o.f->fs, o.path, datasync, dir_fi(llfi, &fi));
	op_end(&o);
	fuse_reply_err(req, -err);
}

/* ---- the rest ------------------------------------------------------------ */

static void hl_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino ? ino : FUSE_ROOT_ID, NULL, NULL);

	memset(&sv, 0, sizeof(sv));
	if (!err)
		err = fuse_fs_statfs(o.f->fs, o.path, &sv);
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_statfs(req, &sv);
}

static void hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_setxattr(o.f->fs, o.path, name, value, size, flags);
	op_end(&o);
	fuse_reply_err(req, -err);
}

/* getxattr and listxattr: size 0 asks for the size. */
static void xattr_common(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct hl_op o;
	char *buf = NULL;
	int res;

	op_call(&o, req);
	if (size) {
		buf = malloc(size);
		if (!buf) {
			call_end(&o.c);
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	res = op_path(&o, HL_INO, ino, NULL, NULL);
	if (!res)
		res = name ? fuse_fs_getxattr(o.f->fs, o.path, name, buf, size)
			   : fuse_fs_listxattr(o.f->fs, o.path, buf, size);
	op_end(&o);
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
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_removexattr(o.f->fs, o.path, name);
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, "ACCESS");

	if (!err)
		err = fuse_fs_access(o.f->fs, o.path, mask);
	op_end(&o);
	fuse_reply_err(req, -err);
}

/* A conflict with a lock granted through this layer is answered from its
 * record (hl-locks.c); only without one is the filesystem asked. */
static void hl_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err && !hl_locks_conflict(o.f, ino, fi->lock_owner, lock))
		err = fuse_fs_lock(o.f->fs, o.path, fi, F_GETLK, lock);
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_lock(req, lock);
}

static void hl_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		     int sleep)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err) {
		struct flock asked = *lock;

		err = fuse_fs_lock(o.f->fs, o.path, fi, sleep ? F_SETLKW : F_SETLK, lock);
		/* Granted: noted as asked (the op may have written to its copy).
		 * Out of memory, only F_GETLK misses it: the lock stands. */
		if (!err)
			(void)hl_locks_note(o.f, ino, fi->lock_owner, &asked);
	}
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_flock(o.f->fs, o.path, fi, op);
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_INO, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_bmap(o.f->fs, o.path, blocksize, &idx);
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_bmap(req, idx);
}

static void hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		     struct fuse_file_info *llfi, unsigned flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	struct fuse_file_info fi, *fip = llfi;
	size_t bufsz = in_bufsz > out_bufsz ? in_bufsz : out_bufsz;
	struct hl_op o;
	char *buf = NULL;
	int err;

	op_call(&o, req);
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
	err = op_path(&o, HL_NULLOK, ino, NULL, NULL);
	if (!err)
		err = fuse_fs_ioctl(o.f->fs, o.path, cmd, arg, fip, flags, buf);
out:
	op_end(&o);
	if (err < 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_ioctl(req, err, buf, out_bufsz);
	free(buf);
}

static void hl_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	unsigned revents = 0;
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_poll(o.f->fs, o.path, fi, ph, &revents);
	else if (ph)
		fuse_pollhandle_destroy(ph);
	op_end(&o);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_poll(req, revents);
}

static void hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	struct hl_op o;
	int err = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!err)
		err = fuse_fs_fallocate(o.f->fs, o.path, mode, offset, length, fi);
	op_end(&o);
	fuse_reply_err(req, -err);
}

static void hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	struct hl_op in, out;
	ssize_t res;

	/* Two separate locks: the files need not be related. */
	res = op_begin(&in, req, HL_NULLOK, ino_in, NULL, NULL);
	out.f = in.f;
	memset(&out.lk, 0, sizeof(out.lk));
	out.path = out.path2 = NULL;
	if (!res)
		res = op_path(&out, HL_NULLOK, ino_out, NULL, NULL);
	if (!res)
		res = fuse_fs_copy_file_range(in.f->fs, in.path, fi_in, off_in, out.path, fi_out,
					      off_out, len, flags);
	op_put(&out);
	op_end(&in);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

static void hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct hl_op o;
	off_t res = op_begin(&o, req, HL_NULLOK, ino, NULL, NULL);

	if (!res)
		res = fuse_fs_lseek(o.f->fs, o.path, off, whence, fi);
	op_end(&o);
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
