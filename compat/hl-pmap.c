// SPDX-License-Identifier: MIT
/*
 * hl-pmap.c: the frame of a stacking module that rewrites paths (subdir,
 * iconv): every operation maps its path(s) with the module's to_next() and
 * calls the same operation of the next filesystem. Names coming back
 * (readdir) go through from_next(), a link's text through link_fix(). The
 * set of operations is libfuse 3.14's modules': what those do not pass on
 * (ioctl, poll, fallocate, copy_file_range, statx) answers ENOSYS here too.
 */
#include "hl-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct hl_pmap *pm_get(void)
{
	return fuse_get_context()->private_data;
}

/* A NULL path (nullpath_ok) stays NULL. */
static int pm_map(struct hl_pmap *pm, const char *path, char **out)
{
	*out = NULL;
	return path ? pm->to_next(pm, path, out) : 0;
}

/* One path argument, then the others as they are. */
#define PM_OP(rtype, op, params, ...)                                    \
	static rtype pm_##op params                                      \
	{                                                                \
		struct hl_pmap *pm = pm_get();                           \
		char *np;                                                \
		rtype res = pm_map(pm, path, &np);                       \
                                                                         \
		if (!res) {                                              \
			res = fuse_fs_##op(pm->next, np, ##__VA_ARGS__); \
			free(np);                                        \
		}                                                        \
		return res;                                              \
	}

PM_OP(int, getattr, (const char *path, struct stat *st, struct fuse_file_info *fi), st, fi)
PM_OP(int, access, (const char *path, int mask), mask)
PM_OP(int, opendir, (const char *path, struct fuse_file_info *fi), fi)
PM_OP(int, releasedir, (const char *path, struct fuse_file_info *fi), fi)
PM_OP(int, mknod, (const char *path, mode_t mode, dev_t rdev), mode, rdev)
PM_OP(int, mkdir, (const char *path, mode_t mode), mode)
PM_OP(int, unlink, (const char *path))
PM_OP(int, rmdir, (const char *path))
PM_OP(int, chmod, (const char *path, mode_t mode, struct fuse_file_info *fi), mode, fi)
PM_OP(int, chown, (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi), uid, gid,
      fi)
PM_OP(int, truncate, (const char *path, off_t size, struct fuse_file_info *fi), size, fi)
PM_OP(int, utimens, (const char *path, const struct timespec tv[2], struct fuse_file_info *fi),
      tv, fi)
PM_OP(int, create, (const char *path, mode_t mode, struct fuse_file_info *fi), mode, fi)
PM_OP(int, open, (const char *path, struct fuse_file_info *fi), fi)
PM_OP(int, read_buf,
      (const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
       struct fuse_file_info *fi),
      bufp, size, off, fi)
/* Into the caller's memory: over a filesystem with a plain read op the
 * bytes land there with no buffer in between (hl_pmap_bottom()). */
PM_OP(int, read,
      (const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi), buf,
      size, off, fi)
PM_OP(int, write_buf,
      (const char *path, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *fi), buf,
      off, fi)
PM_OP(int, statfs, (const char *path, struct statvfs *st), st)
PM_OP(int, flush, (const char *path, struct fuse_file_info *fi), fi)
PM_OP(int, release, (const char *path, struct fuse_file_info *fi), fi)
PM_OP(int, fsync, (const char *path, int datasync, struct fuse_file_info *fi), datasync, fi)
PM_OP(int, fsyncdir, (const char *path, int datasync, struct fuse_file_info *fi), datasync, fi)
PM_OP(int, setxattr,
      (const char *path, const char *name, const char *value, size_t size, int flags), name,
      value, size, flags)
PM_OP(int, getxattr, (const char *path, const char *name, char *value, size_t size), name, value,
      size)
PM_OP(int, listxattr, (const char *path, char *list, size_t size), list, size)
PM_OP(int, removexattr, (const char *path, const char *name), name)
PM_OP(int, lock, (const char *path, struct fuse_file_info *fi, int cmd, struct flock *l), fi,
      cmd, l)
PM_OP(int, flock, (const char *path, struct fuse_file_info *fi, int op), fi, op)
PM_OP(int, bmap, (const char *path, size_t blocksize, uint64_t *idx), blocksize, idx)
PM_OP(off_t, lseek, (const char *path, off_t off, int whence, struct fuse_file_info *fi), off,
      whence, fi)

/* Two paths, both mapped; for symlink the first is the link's text,
 * mapped only where the module says so. */
static int pm_two(int (*call)(struct fuse_fs *, const char *, const char *, unsigned int),
		  const char *from, const char *to, unsigned int flags, int map_from)
{
	struct hl_pmap *pm = pm_get();
	char *nf = NULL, *nt = NULL;
	int err = map_from ? pm_map(pm, from, &nf) : 0;

	if (!err)
		err = pm_map(pm, to, &nt);
	if (!err)
		err = call(pm->next, map_from ? nf : from, nt, flags);
	free(nf);
	free(nt);
	return err;
}

static int call_rename(struct fuse_fs *fs, const char *a, const char *b, unsigned int flags)
{
	return fuse_fs_rename(fs, a, b, flags);
}

static int call_link(struct fuse_fs *fs, const char *a, const char *b, unsigned int flags)
{
	(void)flags;
	return fuse_fs_link(fs, a, b);
}

static int call_symlink(struct fuse_fs *fs, const char *a, const char *b, unsigned int flags)
{
	(void)flags;
	return fuse_fs_symlink(fs, a, b);
}

static int pm_rename(const char *from, const char *to, unsigned int flags)
{
	return pm_two(call_rename, from, to, flags, 1);
}

static int pm_link(const char *from, const char *to)
{
	return pm_two(call_link, from, to, 0, 1);
}

static int pm_symlink(const char *target, const char *path)
{
	return pm_two(call_symlink, target, path, 0, pm_get()->map_link_target);
}

static int pm_readlink(const char *path, char *buf, size_t size)
{
	struct hl_pmap *pm = pm_get();
	char *np;
	int err = pm_map(pm, path, &np);

	if (!err) {
		err = fuse_fs_readlink(pm->next, np, buf, size);
		if (!err && pm->link_fix)
			pm->link_fix(pm, np, buf, size);
		free(np);
	}
	return err;
}

/* readdir: the next layer's names go back through from_next; a name that
 * does not map is left out. */
struct pm_fill {
	struct hl_pmap *pm;
	void *buf;
	fuse_fill_dir_t filler;
};

static int pm_filler(void *buf, const char *name, const struct stat *st, off_t off,
		     enum fuse_fill_dir_flags flags)
{
	struct pm_fill *pf = buf;
	char *nn;
	int res = 0;

	if (pf->pm->from_next(pf->pm, name, &nn) == 0) {
		res = pf->filler(pf->buf, nn, st, off, flags);
		free(nn);
	}
	return res;
}

static int pm_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct hl_pmap *pm = pm_get();
	struct pm_fill pf = { pm, buf, filler };
	char *np;
	int err = pm_map(pm, path, &np);

	if (!err) {
		if (pm->from_next)
			err = fuse_fs_readdir(pm->next, np, &pf, pm_filler, off, fi, flags);
		else
			err = fuse_fs_readdir(pm->next, np, buf, filler, off, fi, flags);
		free(np);
	}
	return err;
}

static void *pm_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct hl_pmap *pm = pm_get();

	/* Paths or none (nullpath_ok): the next layer decides. */
	fuse_fs_init(pm->next, conn, cfg);
	return pm;
}

static void pm_destroy(void *data)
{
	struct hl_pmap *pm = data;

	fuse_fs_destroy(pm->next);
	pm->free(pm);
}

static const struct fuse_operations pm_ops = {
	.getattr = pm_getattr,
	.readlink = pm_readlink,
	.mknod = pm_mknod,
	.mkdir = pm_mkdir,
	.unlink = pm_unlink,
	.rmdir = pm_rmdir,
	.symlink = pm_symlink,
	.rename = pm_rename,
	.link = pm_link,
	.chmod = pm_chmod,
	.chown = pm_chown,
	.truncate = pm_truncate,
	.open = pm_open,
	.statfs = pm_statfs,
	.flush = pm_flush,
	.release = pm_release,
	.fsync = pm_fsync,
	.setxattr = pm_setxattr,
	.getxattr = pm_getxattr,
	.listxattr = pm_listxattr,
	.removexattr = pm_removexattr,
	.opendir = pm_opendir,
	.readdir = pm_readdir,
	.releasedir = pm_releasedir,
	.fsyncdir = pm_fsyncdir,
	.init = pm_init,
	.destroy = pm_destroy,
	.access = pm_access,
	.create = pm_create,
	.lock = pm_lock,
	.utimens = pm_utimens,
	.bmap = pm_bmap,
	.flock = pm_flock,
	.write_buf = pm_write_buf,
	.read_buf = pm_read_buf,
	.read = pm_read,
	.lseek = pm_lseek,
};

/* The first layer of the stack under fs that is not one of ours. */
struct fuse_fs *hl_pmap_bottom(struct fuse_fs *fs)
{
	while (fs && fs->op.read == pm_read)
		fs = ((struct hl_pmap *)fs->user_data)->next;
	return fs;
}

struct fuse_fs *hl_pmap_new(struct hl_pmap *pm)
{
	return fuse_fs_new(&pm_ops, sizeof(pm_ops), pm);
}
