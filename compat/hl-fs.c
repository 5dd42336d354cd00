// SPDX-License-Identifier: MIT
/*
 * hl-fs.c: the fuse_fs_*() calls. Each runs one layer's operation with
 * that layer's private data in the context (so stacked modules see their
 * own), or answers -ENOSYS when the layer lacks it. read/read_buf and
 * write/write_buf stand in for each other.
 */
#include "hl-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline void enter(struct fuse_fs *fs)
{
	hl_ctx_get()->private_data = fs->user_data;
}

HL_EXPORT struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
				      void *user_data)
{
	struct fuse_fs *fs;

	if (op_size > sizeof(struct fuse_operations)) {
		fuse_log(FUSE_LOG_ERR, "fuse: warning: operations table of %zu bytes is larger than "
				       "this library's (%zu): the extra operations are ignored\n",
			 op_size, sizeof(struct fuse_operations));
		op_size = sizeof(struct fuse_operations);
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		fuse_log(FUSE_LOG_ERR, "fuse: out of memory for the filesystem\n");
		return NULL;
	}
	fs->user_data = user_data;
	if (op)
		memcpy(&fs->op, op, op_size);
	return fs;
}

#define CALL(fs, name, ...)                                     \
	do {                                                    \
		enter(fs);                                      \
		if (!(fs)->op.name)                             \
			return -ENOSYS;                         \
		return (fs)->op.name(__VA_ARGS__);              \
	} while (0)

HL_EXPORT int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
			      struct fuse_file_info *fi)
{
	CALL(fs, getattr, path, buf, fi);
}

HL_EXPORT int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
			     unsigned int flags)
{
	CALL(fs, rename, oldpath, newpath, flags);
}

HL_EXPORT int fuse_fs_unlink(struct fuse_fs *fs, const char *path)
{
	CALL(fs, unlink, path);
}

HL_EXPORT int fuse_fs_rmdir(struct fuse_fs *fs, const char *path)
{
	CALL(fs, rmdir, path);
}

HL_EXPORT int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path)
{
	CALL(fs, symlink, linkname, path);
}

HL_EXPORT int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath)
{
	CALL(fs, link, oldpath, newpath);
}

HL_EXPORT int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	enter(fs);
	/* Nothing to release is success. */
	return fs->op.release ? fs->op.release(path, fi) : 0;
}

HL_EXPORT int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	enter(fs);
	return fs->op.opendir ? fs->op.opendir(path, fi) : 0;
}

HL_EXPORT int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	enter(fs);
	return fs->op.open ? fs->op.open(path, fi) : 0;
}

HL_EXPORT int fuse_fs_read_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec **bufp,
			       size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv;
	void *mem;
	int res;

	enter(fs);
	if (fs->op.read_buf)
		return fs->op.read_buf(path, bufp, size, off, fi);
	if (!fs->op.read)
		return -ENOSYS;
	bv = malloc(sizeof(*bv));
	mem = malloc(size ? size : 1);
	if (!bv || !mem) {
		free(bv);
		free(mem);
		return -ENOMEM;
	}
	*bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
	bv->buf[0].mem = mem;
	res = fs->op.read(path, mem, size, off, fi);
	if (res < 0) {
		free(mem);
		free(bv);
		return res;
	}
	bv->buf[0].size = (size_t)res;
	*bufp = bv;
	return 0;
}

/* Frees a vector from read_buf: memory buffers and the vector itself. */
void hl_bufvec_free(struct fuse_bufvec *bv)
{
	if (!bv)
		return;
	for (size_t i = 0; i < bv->count; i++)
		if (!(bv->buf[i].flags & FUSE_BUF_IS_FD))
			free(bv->buf[i].mem);
	free(bv);
}

HL_EXPORT int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv = NULL;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
	ssize_t res;

	enter(fs);
	if (fs->op.read)
		return fs->op.read(path, buf, size, off, fi);
	if (!fs->op.read_buf)
		return -ENOSYS;
	res = fs->op.read_buf(path, &bv, size, off, fi);
	if (res < 0)
		return (int)res;
	dst.buf[0].mem = buf;
	res = fuse_buf_copy(&dst, bv, 0);
	hl_bufvec_free(bv);
	return (int)res;
}

HL_EXPORT int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf,
				off_t off, struct fuse_file_info *fi)
{
	size_t size = fuse_buf_size(buf);
	struct fuse_bufvec tmp = FUSE_BUFVEC_INIT(size);
	void *mem = NULL;
	const void *data;
	int res;

	enter(fs);
	if (fs->op.write_buf)
		return fs->op.write_buf(path, buf, off, fi);
	if (!fs->op.write)
		return -ENOSYS;
	if (buf->count == 1 && buf->idx == 0 && buf->off == 0 &&
	    !(buf->buf[0].flags & FUSE_BUF_IS_FD)) {
		data = buf->buf[0].mem;
	} else {
		ssize_t n;

		mem = malloc(size ? size : 1);
		if (!mem)
			return -ENOMEM;
		tmp.buf[0].mem = mem;
		n = fuse_buf_copy(&tmp, buf, 0);
		if (n < 0) {
			free(mem);
			return (int)n;
		}
		size = (size_t)n;
		data = mem;
	}
	res = fs->op.write(path, data, size, off, fi);
	free(mem);
	return res;
}

HL_EXPORT int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	enter(fs);
	if (fs->op.write)
		return fs->op.write(path, buf, size, off, fi);
	bv.buf[0].mem = (void *)buf;
	return fuse_fs_write_buf(fs, path, &bv, off, fi);
}

HL_EXPORT int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
			    struct fuse_file_info *fi)
{
	CALL(fs, fsync, path, datasync, fi);
}

HL_EXPORT int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
			       struct fuse_file_info *fi)
{
	CALL(fs, fsyncdir, path, datasync, fi);
}

HL_EXPORT int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	CALL(fs, flush, path, fi);
}

HL_EXPORT int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf)
{
	enter(fs);
	if (fs->op.statfs)
		return fs->op.statfs(path, buf);
	/* What a filesystem without statfs reports. */
	buf->f_namemax = 255;
	buf->f_bsize = 512;
	return 0;
}

HL_EXPORT int fuse_fs_releasedir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	enter(fs);
	return fs->op.releasedir ? fs->op.releasedir(path, fi) : 0;
}

HL_EXPORT int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf,
			      fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
			      enum fuse_readdir_flags flags)
{
	CALL(fs, readdir, path, buf, filler, off, fi, flags);
}

HL_EXPORT int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
			     struct fuse_file_info *fi)
{
	CALL(fs, create, path, mode, fi);
}

HL_EXPORT int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			   int cmd, struct flock *lock)
{
	CALL(fs, lock, path, fi, cmd, lock);
}

HL_EXPORT int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			    int op)
{
	CALL(fs, flock, path, fi, op);
}

HL_EXPORT int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
			    struct fuse_file_info *fi)
{
	CALL(fs, chmod, path, mode, fi);
}

HL_EXPORT int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
			    struct fuse_file_info *fi)
{
	CALL(fs, chown, path, uid, gid, fi);
}

HL_EXPORT int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
			       struct fuse_file_info *fi)
{
	CALL(fs, truncate, path, size, fi);
}

HL_EXPORT int fuse_fs_utimens(struct fuse_fs *fs, const char *path, const struct timespec tv[2],
			      struct fuse_file_info *fi)
{
	CALL(fs, utimens, path, tv, fi);
}

HL_EXPORT int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask)
{
	CALL(fs, access, path, mask);
}

HL_EXPORT int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len)
{
	CALL(fs, readlink, path, buf, len);
}

HL_EXPORT int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev)
{
	CALL(fs, mknod, path, mode, rdev);
}

HL_EXPORT int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode)
{
	CALL(fs, mkdir, path, mode);
}

HL_EXPORT int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
			       const char *value, size_t size, int flags)
{
	CALL(fs, setxattr, path, name, value, size, flags);
}

HL_EXPORT int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name,
			       char *value, size_t size)
{
	CALL(fs, getxattr, path, name, value, size);
}

HL_EXPORT int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size)
{
	CALL(fs, listxattr, path, list, size);
}

HL_EXPORT int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name)
{
	CALL(fs, removexattr, path, name);
}

HL_EXPORT int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize, uint64_t *idx)
{
	CALL(fs, bmap, path, blocksize, idx);
}

HL_EXPORT int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
			    struct fuse_file_info *fi, unsigned int flags, void *data)
{
	CALL(fs, ioctl, path, cmd, arg, fi, flags, data);
}

HL_EXPORT int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			   struct fuse_pollhandle *ph, unsigned *reventsp)
{
	CALL(fs, poll, path, fi, ph, reventsp);
}

HL_EXPORT int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset,
				off_t length, struct fuse_file_info *fi)
{
	CALL(fs, fallocate, path, mode, offset, length, fi);
}

HL_EXPORT ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
					  struct fuse_file_info *fi_in, off_t off_in,
					  const char *path_out, struct fuse_file_info *fi_out,
					  off_t off_out, size_t len, int flags)
{
	CALL(fs, copy_file_range, path_in, fi_in, off_in, path_out, fi_out, off_out, len, flags);
}

HL_EXPORT off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
			      struct fuse_file_info *fi)
{
	CALL(fs, lseek, path, off, whence, fi);
}

HL_EXPORT int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask,
			    struct statx *stxbuf, struct fuse_file_info *fi)
{
	CALL(fs, statx, path, flags, mask, stxbuf, fi);
}

HL_EXPORT void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
			    struct fuse_config *cfg)
{
	enter(fs);
	/* Offer the kernel only what this filesystem can do. */
	if (!fs->op.write_buf)
		conn->want &= ~FUSE_CAP_SPLICE_READ;
	if (!fs->op.lock)
		conn->want &= ~FUSE_CAP_POSIX_LOCKS;
	if (!fs->op.flock)
		conn->want &= ~FUSE_CAP_FLOCK_LOCKS;
	if (fs->op.init)
		fs->user_data = fs->op.init(conn, cfg);
}

HL_EXPORT void fuse_fs_destroy(struct fuse_fs *fs)
{
	enter(fs);
	if (fs->op.destroy)
		fs->op.destroy(fs->user_data);
	free(fs);
}
