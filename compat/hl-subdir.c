// SPDX-License-Identifier: MIT
/*
 * hl-subdir.c: the subdir module (-o modules=subdir,subdir=DIR[,rellinks]).
 * A layer over the next filesystem of the stack that puts DIR in front of
 * every path, so the mount shows DIR's contents. As in libfuse 3.14 a
 * relative DIR stays relative (to the server's working directory), the
 * mount's root is "DIR/" (or "." when DIR is empty), and with rellinks an
 * absolute symlink pointing inside DIR reads as a relative one. The set
 * of operations is libfuse's module's: what it does not pass on (ioctl,
 * poll, fallocate, copy_file_range, statx) answers ENOSYS here too.
 */
#include "hl-int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next);

struct hl_subdir {
	char *base; /* DIR ending in '/', or "" */
	size_t baselen;
	int rellinks;
	struct fuse_fs *next;
};

static struct hl_subdir *sd_get(void)
{
	return fuse_get_context()->private_data;
}

/* DIR + path (its leading '/' dropped); NULL stays NULL (nullpath_ok). */
static int sd_path(const struct hl_subdir *d, const char *path, char **out)
{
	size_t len;
	char *p;

	*out = NULL;
	if (!path)
		return 0;
	if (path[0] == '/')
		path++;
	len = strlen(path);
	p = malloc(d->baselen + len + 2);
	if (!p)
		return -ENOMEM;
	memcpy(p, d->base, d->baselen);
	memcpy(p + d->baselen, path, len + 1);
	if (!p[0])
		strcpy(p, ".");
	*out = p;
	return 0;
}

/* One path argument, then the others as they are. */
#define SD_OP(rtype, op, params, ...)                                   \
	static rtype sd_##op params                                     \
	{                                                               \
		struct hl_subdir *d = sd_get();                         \
		char *np;                                               \
		rtype res = sd_path(d, path, &np);                      \
                                                                        \
		if (!res) {                                             \
			res = fuse_fs_##op(d->next, np, ##__VA_ARGS__); \
			free(np);                                       \
		}                                                       \
		return res;                                             \
	}

SD_OP(int, getattr, (const char *path, struct stat *st, struct fuse_file_info *fi), st, fi)
SD_OP(int, access, (const char *path, int mask), mask)
SD_OP(int, opendir, (const char *path, struct fuse_file_info *fi), fi)
SD_OP(int, readdir,
      (const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
       enum fuse_readdir_flags flags),
      buf, filler, off, fi, flags)
SD_OP(int, releasedir, (const char *path, struct fuse_file_info *fi), fi)
SD_OP(int, mknod, (const char *path, mode_t mode, dev_t rdev), mode, rdev)
SD_OP(int, mkdir, (const char *path, mode_t mode), mode)
SD_OP(int, unlink, (const char *path))
SD_OP(int, rmdir, (const char *path))
SD_OP(int, chmod, (const char *path, mode_t mode, struct fuse_file_info *fi), mode, fi)
SD_OP(int, chown, (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi), uid, gid,
      fi)
SD_OP(int, truncate, (const char *path, off_t size, struct fuse_file_info *fi), size, fi)
SD_OP(int, utimens, (const char *path, const struct timespec tv[2], struct fuse_file_info *fi),
      tv, fi)
SD_OP(int, create, (const char *path, mode_t mode, struct fuse_file_info *fi), mode, fi)
SD_OP(int, open, (const char *path, struct fuse_file_info *fi), fi)
SD_OP(int, read_buf,
      (const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
       struct fuse_file_info *fi),
      bufp, size, off, fi)
SD_OP(int, write_buf,
      (const char *path, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *fi), buf,
      off, fi)
SD_OP(int, statfs, (const char *path, struct statvfs *st), st)
SD_OP(int, flush, (const char *path, struct fuse_file_info *fi), fi)
SD_OP(int, release, (const char *path, struct fuse_file_info *fi), fi)
SD_OP(int, fsync, (const char *path, int datasync, struct fuse_file_info *fi), datasync, fi)
SD_OP(int, fsyncdir, (const char *path, int datasync, struct fuse_file_info *fi), datasync, fi)
SD_OP(int, setxattr,
      (const char *path, const char *name, const char *value, size_t size, int flags), name,
      value, size, flags)
SD_OP(int, getxattr, (const char *path, const char *name, char *value, size_t size), name, value,
      size)
SD_OP(int, listxattr, (const char *path, char *list, size_t size), list, size)
SD_OP(int, removexattr, (const char *path, const char *name), name)
SD_OP(int, lock, (const char *path, struct fuse_file_info *fi, int cmd, struct flock *l), fi,
      cmd, l)
SD_OP(int, flock, (const char *path, struct fuse_file_info *fi, int op), fi, op)
SD_OP(int, bmap, (const char *path, size_t blocksize, uint64_t *idx), blocksize, idx)
SD_OP(off_t, lseek, (const char *path, off_t off, int whence, struct fuse_file_info *fi), off,
      whence, fi)

/* Two paths: both move under DIR. */
static int sd_rename(const char *from, const char *to, unsigned int flags)
{
	struct hl_subdir *d = sd_get();
	char *nf, *nt = NULL;
	int err = sd_path(d, from, &nf);

	if (!err)
		err = sd_path(d, to, &nt);
	if (!err)
		err = fuse_fs_rename(d->next, nf, nt, flags);
	free(nf);
	free(nt);
	return err;
}

static int sd_link(const char *from, const char *to)
{
	struct hl_subdir *d = sd_get();
	char *nf, *nt = NULL;
	int err = sd_path(d, from, &nf);

	if (!err)
		err = sd_path(d, to, &nt);
	if (!err)
		err = fuse_fs_link(d->next, nf, nt);
	free(nf);
	free(nt);
	return err;
}

/* The link's target is the caller's text: only where it goes moves. */
static int sd_symlink(const char *target, const char *path)
{
	struct hl_subdir *d = sd_get();
	char *np;
	int err = sd_path(d, path, &np);

	if (!err) {
		err = fuse_fs_symlink(d->next, target, np);
		free(np);
	}
	return err;
}

/* Start of the component after s's leading slashes. */
static const char *skip_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return s;
}

static size_t comp_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != '/')
		n++;
	return n;
}

/*
 * rellinks: an absolute target inside DIR becomes relative to the link's
 * directory: the components it shares with the link's own path go, one
 * "../" stands for each directory the link is deeper than that. Targets
 * outside DIR (or DIR itself), and results that do not fit, stay as they
 * are. link is the link's path under DIR (DIR + its mount path).
 */
static void sd_rel_link(const struct hl_subdir *d, const char *link, char *buf, size_t size)
{
	const char *t = buf, *l = link;
	unsigned ups = 0;
	size_t rest;

	if (buf[0] != '/' || d->base[0] != '/')
		return;
	for (;;) {
		const char *nt = skip_slashes(t), *nl = skip_slashes(l);
		size_t n = comp_len(nt);

		t = nt;
		l = nl;
		if (!n || n != comp_len(nl) || memcmp(nt, nl, n) != 0)
			break;
		t += n;
		l += n;
	}
	/* The shared part must cover DIR. */
	if ((size_t)(t - buf) < d->baselen)
		return;
	for (const char *p = l; *p; ups++)
		p = skip_slashes(p + comp_len(p));
	if (ups == 0)
		return;
	ups--; /* the link's own name */
	rest = strlen(t);
	if (ups * 3 + rest + 2 > size)
		return;
	memmove(buf + ups * 3, t, rest + 1);
	for (unsigned i = 0; i < ups; i++)
		memcpy(buf + i * 3, "../", 3);
	if (!ups && !rest)
		strcpy(buf, ".");
}

static int sd_readlink(const char *path, char *buf, size_t size)
{
	struct hl_subdir *d = sd_get();
	char *np;
	int err = sd_path(d, path, &np);

	if (!err) {
		err = fuse_fs_readlink(d->next, np, buf, size);
		if (!err && d->rellinks)
			sd_rel_link(d, np, buf, size);
		free(np);
	}
	return err;
}

static void *sd_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct hl_subdir *d = sd_get();

	/* Paths or none (nullpath_ok): the next layer decides. */
	fuse_fs_init(d->next, conn, cfg);
	return d;
}

static void sd_destroy(void *data)
{
	struct hl_subdir *d = data;

	fuse_fs_destroy(d->next);
	free(d->base);
	free(d);
}

static const struct fuse_operations sd_ops = {
	.getattr = sd_getattr,
	.readlink = sd_readlink,
	.mknod = sd_mknod,
	.mkdir = sd_mkdir,
	.unlink = sd_unlink,
	.rmdir = sd_rmdir,
	.symlink = sd_symlink,
	.rename = sd_rename,
	.link = sd_link,
	.chmod = sd_chmod,
	.chown = sd_chown,
	.truncate = sd_truncate,
	.open = sd_open,
	.statfs = sd_statfs,
	.flush = sd_flush,
	.release = sd_release,
	.fsync = sd_fsync,
	.setxattr = sd_setxattr,
	.getxattr = sd_getxattr,
	.listxattr = sd_listxattr,
	.removexattr = sd_removexattr,
	.opendir = sd_opendir,
	.readdir = sd_readdir,
	.releasedir = sd_releasedir,
	.fsyncdir = sd_fsyncdir,
	.init = sd_init,
	.destroy = sd_destroy,
	.access = sd_access,
	.create = sd_create,
	.lock = sd_lock,
	.utimens = sd_utimens,
	.bmap = sd_bmap,
	.flock = sd_flock,
	.write_buf = sd_write_buf,
	.read_buf = sd_read_buf,
	.lseek = sd_lseek,
};

static const struct fuse_opt sd_opts[] = {
	{ "subdir=%s", offsetof(struct hl_subdir, base), 0 },
	{ "rellinks", offsetof(struct hl_subdir, rellinks), 1 },
	{ "norellinks", offsetof(struct hl_subdir, rellinks), 0 },
	FUSE_OPT_END
};

/* Everything else is for the layers below and the session. */
static int sd_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)outargs;
	return 1;
}

/* Consumes subdir=, [no]rellinks from args; NULL (after a message) if
 * subdir= is missing. */
struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next)
{
	struct hl_subdir *d = calloc(1, sizeof(*d));
	struct fuse_fs *fs;
	size_t len;

	if (!d) {
		fuse_log(FUSE_LOG_ERR, "fuse-subdir: out of memory\n");
		return NULL;
	}
	if (fuse_opt_parse(args, d, sd_opts, sd_opt_proc) == -1)
		goto fail;
	if (!d->base) {
		fuse_log(FUSE_LOG_ERR, "fuse-subdir: missing 'subdir' option\n");
		goto fail;
	}
	len = strlen(d->base);
	if (len && d->base[len - 1] != '/') {
		char *b = realloc(d->base, len + 2);

		if (!b) {
			fuse_log(FUSE_LOG_ERR, "fuse-subdir: out of memory\n");
			goto fail;
		}
		b[len++] = '/';
		b[len] = '\0';
		d->base = b;
	}
	d->baselen = len;
	d->next = next;
	fs = fuse_fs_new(&sd_ops, sizeof(sd_ops), d);
	if (fs)
		return fs;
fail:
	free(d->base);
	free(d);
	return NULL;
}
