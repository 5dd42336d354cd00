/* SPDX-License-Identifier: MIT */
/*
 * The fuzz harnesses' session and in-memory filesystem (see harness.h).
 * The ops look at every byte they are handed (names, values, WRITE data)
 * and answer with each kind of reply, so that a bad pointer or length from
 * framing or decoding shows up under the sanitizers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct zcf_proto_ctx *fz_se;
struct fz_answers fz_ans;
static volatile unsigned fz_sink; /* keeps the touching reads */

void fz_fail(const char *what)
{
	fprintf(stderr, "fuzz: invariant broken: %s\n", what);
	abort();
}

size_t fz_touch(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		const unsigned char *p = iov[i].iov_base;
		size_t j;

		if (iov[i].iov_len && !p)
			fz_fail("reply iovec with a length and no memory");
		for (j = 0; j < iov[i].iov_len; j++)
			fz_sink += p[j];
		total += iov[i].iov_len;
	}
	return total;
}

static void touch_str(const char *s)
{
	if (!s)
		fz_fail("an op got a NULL name");
	fz_sink += (unsigned)strlen(s);
}

void fz_reset(bool got_init)
{
	if (!fz_se) {
		fz_se = calloc(1, sizeof(*fz_se));
		if (!fz_se)
			abort();
		pthread_mutex_init(&fz_se->lock, NULL);
		fz_se->ops = fz_ops;
		zcf_counters_init(&fz_se->counters);
		fz_se->cfg.max_write = 1u << 20;
	}
	fz_se->got_init = got_init;
	fz_se->got_destroy = false;
	fz_se->cfg.allow_root = false;
	fz_se->cfg.passthrough = false;
	fz_se->owner_uid = 1000;
	memset(&fz_se->conn, 0, sizeof(fz_se->conn));
	fz_se->conn.proto_minor = 45;
	fz_se->conn.setxattr_ext = true;
	fz_se->conn.max_write = 1u << 20;
	fz_se->conn.max_pages = 256;
	memset(fz_se->interrupted, 0, sizeof(fz_se->interrupted));
	fz_se->nr_interrupted = 0;
}

#define FILE_SIZE 16384
static const char file_bytes[FILE_SIZE] = "zcfuse fuzz file";

static void fill_attr(struct stat *st, zcfuse_ino_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == 1 ? 040755 : 0100644;
	st->st_nlink = 1;
	st->st_size = ino == 1 ? 0 : FILE_SIZE;
	st->st_blksize = 4096;
}

static void reply_entry_for(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct zcfuse_entry_param e = { .ino = ino, .entry_timeout = 1.0, .attr_timeout = 1.0 };

	fill_attr(&e.attr, ino);
	zcfuse_reply_entry(req, &e);
}

static void fs_init(void *userdata, struct zcfuse_conn_info *conn)
{
	conn->want |= conn->capable & (ZCFUSE_CAP_READDIRPLUS | ZCFUSE_CAP_POSIX_ACL);
	if (conn->max_write > 65536)
		conn->max_write = 65536 + 4096 * (conn->max_readahead & 3);
}

static void fs_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	touch_str(name);
	if (!strcmp(name, "a") || !strcmp(name, "b"))
		reply_entry_for(req, name[0] == 'a' ? 2 : 3);
	else
		zcfuse_reply_err(req, ENOENT);
}

static void fs_forget(struct zcfuse_req *req, zcfuse_ino_t ino, uint64_t nlookup)
{
	zcfuse_reply_none(req);
}

static void fs_forget_multi(struct zcfuse_req *req, size_t count, const zcfuse_ino_t *inos,
			    const uint64_t *nlookups)
{
	size_t i;

	for (i = 0; i < count; i++)
		fz_sink += (unsigned)(inos[i] + nlookups[i]);
	zcfuse_reply_none(req);
}

static void fs_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st;

	fill_attr(&st, ino);
	zcfuse_reply_attr(req, &st, 1.0);
}

static void fs_setattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct stat *attr, int to_set,
		       struct zcfuse_file_info *fi)
{
	struct stat st;

	fill_attr(&st, ino);
	if (to_set & ZCFUSE_SET_ATTR_SIZE)
		st.st_size = attr->st_size;
	if (to_set & ZCFUSE_SET_ATTR_MODE)
		st.st_mode = attr->st_mode;
	zcfuse_reply_attr(req, &st, (double)(to_set & 7));
}

static void fs_readlink(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	zcfuse_reply_readlink(req, ino & 1 ? "target" : "");
}

static void fs_mknod(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	touch_str(name);
	reply_entry_for(req, 4);
}

static void fs_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	touch_str(name);
	fz_sink += zcfuse_req_ctx(req)->umask;
	reply_entry_for(req, 5);
}

static void fs_name_err(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	touch_str(name);
	zcfuse_reply_err(req, parent & 1 ? 0 : ENOENT);
}

static void fs_symlink(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
		       const char *name)
{
	touch_str(link);
	touch_str(name);
	reply_entry_for(req, 6);
}

static void fs_rename(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		      zcfuse_ino_t newparent, const char *newname, unsigned flags)
{
	touch_str(name);
	touch_str(newname);
	zcfuse_reply_err(req, flags ? EINVAL : 0);
}

static void fs_link(struct zcfuse_req *req, zcfuse_ino_t ino, zcfuse_ino_t newparent,
		    const char *newname)
{
	touch_str(newname);
	reply_entry_for(req, ino);
}

static void fs_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	fi->fh = ino * 3;
	fi->direct_io = ino & 1;
	fi->keep_cache = !!(ino & 2);
	zcfuse_reply_open(req, fi);
}

static void fs_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		    struct zcfuse_file_info *fi)
{
	size_t psize, n;
	char *p = zcfuse_req_payload(req, &psize);

	if (!(req->flags & ZCF_REQ_ZERO_COPY) && size > req->payload_size)
		fz_fail("READ asks the fs for more than the payload holds");
	if (req->flags & ZCF_REQ_ZERO_COPY) {
		if (p)
			fz_fail("zero-copy READ offers a CPU payload");
		zcfuse_reply_err(req, EIO); /* its data can only go by READ_FIXED */
		return;
	}
	if (off < 0 || off >= FILE_SIZE) {
		zcfuse_reply_buf(req, NULL, 0);
		return;
	}
	n = FILE_SIZE - (size_t)off < size ? FILE_SIZE - (size_t)off : size;
	if (p && n <= psize && (off & 1)) {
		memcpy(p, file_bytes + off, n); /* in place, no copy at reply */
		zcfuse_reply_data(req, n);
	} else {
		zcfuse_reply_buf(req, file_bytes + off, n);
	}
}

static void fs_write(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
		     off_t off, struct zcfuse_file_info *fi)
{
	if (buf) {
		struct iovec iov = { (void *)buf, size };

		fz_touch(&iov, 1);
	} else if (!(req->flags & ZCF_REQ_ZERO_COPY)) {
		fz_fail("WRITE without data outside zero copy");
	}
	zcfuse_reply_write(req, size);
}

static void fs_ok(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, 0);
}

static void fs_sync(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
		    struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, datasync ? 0 : EIO);
}

static void fill_dir(struct zcfuse_req *req, size_t size, off_t off, bool plus)
{
	static const char *const names[] = { ".", "..", "a", "b", "a-rather-long-name-for-a-file" };
	char stackbuf[512];
	size_t psize, used = 0;
	char *p = zcfuse_req_payload(req, &psize);
	bool in_place = p && (off & 1) == 0;

	if (!in_place) {
		p = stackbuf;
		psize = sizeof(stackbuf);
	}
	if (size < psize)
		psize = size;
	for (; off >= 0 && off < 5; off++) {
		struct zcfuse_entry_param e = { .ino = (zcfuse_ino_t)off + 1, .attr_timeout = 1 };
		size_t n;

		fill_attr(&e.attr, e.ino);
		n = plus ? zcfuse_add_direntry_plus(req, p + used, psize - used, names[off], &e,
						    off + 1)
			 : zcfuse_add_direntry(req, p + used, psize - used, names[off], &e.attr,
					       off + 1);
		if (n > psize - used)
			break;
		used += n;
	}
	if (in_place)
		zcfuse_reply_data(req, used);
	else
		zcfuse_reply_buf(req, p, used);
}

static void fs_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       struct zcfuse_file_info *fi)
{
	fill_dir(req, size, off, false);
}

static void fs_readdirplus(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			   struct zcfuse_file_info *fi)
{
	fill_dir(req, size, off, true);
}

static void fs_statfs(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct statvfs st = { .f_bsize = 4096, .f_blocks = 100, .f_bfree = 50, .f_namemax = 255 };

	zcfuse_reply_statfs(req, &st);
}

static void fs_setxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			const void *value, size_t size, int flags)
{
	struct iovec iov = { (void *)value, size };

	touch_str(name);
	fz_touch(&iov, 1);
	zcfuse_reply_err(req, 0);
}

static void reply_sized(struct zcfuse_req *req, const char *val, size_t len, size_t size)
{
	if (!size)
		zcfuse_reply_xattr(req, len);
	else if (size < len)
		zcfuse_reply_err(req, ERANGE);
	else
		zcfuse_reply_buf(req, val, len);
}

static void fs_getxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name, size_t size)
{
	touch_str(name);
	reply_sized(req, "value", 5, size);
}

static void fs_listxattr(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size)
{
	reply_sized(req, "user.a\0user.b", 14, size);
}

static void fs_removexattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name)
{
	touch_str(name);
	zcfuse_reply_err(req, ENODATA);
}

static void fs_access(struct zcfuse_req *req, zcfuse_ino_t ino, int mask)
{
	zcfuse_reply_err(req, mask & 2 ? EACCES : 0);
}

static void fs_create(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		      struct zcfuse_file_info *fi)
{
	struct zcfuse_entry_param e = { .ino = 7, .entry_timeout = 1, .attr_timeout = 1 };

	touch_str(name);
	fill_attr(&e.attr, 7);
	fi->fh = 70;
	zcfuse_reply_create(req, &e, fi);
}

static void fs_fallocate(struct zcfuse_req *req, zcfuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, mode ? EOPNOTSUPP : 0);
}

static void fs_lseek(struct zcfuse_req *req, zcfuse_ino_t ino, off_t off, int whence,
		     struct zcfuse_file_info *fi)
{
	if (off < 0 || off >= FILE_SIZE)
		zcfuse_reply_err(req, ENXIO);
	else
		zcfuse_reply_lseek(req, off);
}

static void fs_copy_file_range(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
			       struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out, off_t off_out,
			       struct zcfuse_file_info *fi_out, size_t len, int flags)
{
	zcfuse_reply_write(req, len > FILE_SIZE ? FILE_SIZE : len);
}

const struct zcfuse_ops fz_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readlink = fs_readlink,
	.mknod = fs_mknod,
	.mkdir = fs_mkdir,
	.unlink = fs_name_err,
	.rmdir = fs_name_err,
	.symlink = fs_symlink,
	.rename = fs_rename,
	.link = fs_link,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_ok,
	.release = fs_ok,
	.fsync = fs_sync,
	.opendir = fs_open,
	.readdir = fs_readdir,
	.releasedir = fs_ok,
	.fsyncdir = fs_sync,
	.statfs = fs_statfs,
	.setxattr = fs_setxattr,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.removexattr = fs_removexattr,
	.access = fs_access,
	.create = fs_create,
	.fallocate = fs_fallocate,
	.readdirplus = fs_readdirplus,
	.lseek = fs_lseek,
	.copy_file_range = fs_copy_file_range,
};
