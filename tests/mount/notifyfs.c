/* SPDX-License-Identifier: MIT */
/*
 * notifyfs: a test filesystem whose notifications are triggered by its
 * clients, so each can be observed from the client side.
 *
 *   notifyfs [zcfuse options] MOUNTPOINT
 *
 * The root holds one file, "f" (4096 bytes of 'A'), cached with long entry
 * and attribute timeouts (100 s), so only a notification makes the kernel
 * ask again. ioctl(2) on the root directory (cmd NFS_IOC(n), argument and
 * answer one struct nfs_ioc) does: 1 store a page starting "STORED" at 0 of f; 2 retrieve 6
 * bytes at 0 of f; 3 answer the retrieved bytes; 4 inval_inode f; 5 delete
 * f (and the server forgets it); 6 expire_entry f; 7 inc_epoch; 8 prune f;
 * 9 resend; 10 inval_entry f; 0 the request counts. .ret is the call's
 * result (0 or -errno).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <zcfuse/zcfuse.h>

struct nfs_ioc {
	int64_t ret;
	uint64_t reads, getattrs, lookups;
	char data[16];
};
#define NFS_IOC(n) _IOWR('N', n, struct nfs_ioc)
#define F_INO 2
#define TIMEOUT 100.0

static struct zcfuse_session *session;
static _Atomic uint64_t reads, getattrs, lookups;
static _Atomic int deleted;
static char retrieved[16];
static _Atomic int got_retrieve;
static _Atomic int resent;

static void f_stat(struct stat *st, zcfuse_ino_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	if (ino == 1) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_size = 4096;
	}
}

static void nfs_init(void *userdata, struct zcfuse_conn_info *conn)
{
	session = userdata ? userdata : session;
}

static void nfs_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct zcfuse_entry_param e;

	atomic_fetch_add(&lookups, 1);
	session = zcfuse_req_session(req);
	if (parent != 1 || strcmp(name, "f") || atomic_load(&deleted)) {
		zcfuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = F_INO;
	f_stat(&e.attr, F_INO);
	e.attr_timeout = e.entry_timeout = TIMEOUT;
	zcfuse_reply_entry(req, &e);
}

static void nfs_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st;

	atomic_fetch_add(&getattrs, 1);
	session = zcfuse_req_session(req);
	f_stat(&st, ino);
	zcfuse_reply_attr(req, &st, TIMEOUT);
}

static void nfs_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	fi->keep_cache = 1;
	zcfuse_reply_open(req, fi);
}

static void nfs_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		     struct zcfuse_file_info *fi)
{
	static char a[4096];

	atomic_fetch_add(&reads, 1);
	memset(a, 'A', sizeof(a));
	if (off >= 4096)
		size = 0;
	else if (off + (off_t)size > 4096)
		size = 4096 - (size_t)off;
	zcfuse_reply_buf(req, a + off, size);
}

static void nfs_retrieve_reply(struct zcfuse_req *req, void *cookie, zcfuse_ino_t ino, off_t off,
			       const void *buf, size_t size)
{
	memcpy(retrieved, buf, size < sizeof(retrieved) ? size : sizeof(retrieved));
	atomic_store(&got_retrieve, (int)size + 1);
	zcfuse_reply_none(req);
}

static void nfs_ioctl(struct zcfuse_req *req, zcfuse_ino_t ino, unsigned int cmd, void *arg,
		      struct zcfuse_file_info *fi, unsigned flags, const void *in_buf,
		      size_t in_bufsz, size_t out_bufsz)
{
	struct zcfuse_session *se = zcfuse_req_session(req);
	struct nfs_ioc o = { 0 };
	zcfuse_ino_t f = F_INO;

	switch (cmd) {
	case NFS_IOC(0): break;
	case NFS_IOC(1): {
		/* A whole page: a part of one would leave it not up to date. */
		static char page[4096];

		memset(page, 'B', sizeof(page));
		memcpy(page, "STORED", 6);
		o.ret = zcfuse_notify_store(se, F_INO, 0, page, sizeof(page));
		break;
	}
	case NFS_IOC(2): o.ret = zcfuse_notify_retrieve(se, F_INO, 6, 0, NULL); break;
	case NFS_IOC(3):
		o.ret = atomic_load(&got_retrieve) - 1;
		memcpy(o.data, retrieved, sizeof(o.data));
		break;
	case NFS_IOC(4): o.ret = zcfuse_notify_inval_inode(se, F_INO, 0, 0); break;
	case NFS_IOC(5):
		atomic_store(&deleted, 1);
		o.ret = zcfuse_notify_delete(se, 1, F_INO, "f", 1);
		break;
	case NFS_IOC(6): o.ret = zcfuse_notify_expire_entry(se, 1, "f", 1); break;
	case NFS_IOC(7): o.ret = zcfuse_notify_inc_epoch(se); break;
	case NFS_IOC(8): o.ret = zcfuse_notify_prune(se, &f, 1); break;
	case NFS_IOC(9):
		/*
		 * The kernel sends every request it waits for again, this ioctl
		 * too: the second time it is answered without a resend (else
		 * forever). The first answer finds no request (ENOENT) and is lost.
		 */
		if (!atomic_exchange(&resent, 1))
			o.ret = zcfuse_notify_resend(se);
		break;
	case NFS_IOC(10): o.ret = zcfuse_notify_inval_entry(se, 1, "f", 1); break;
	default:
		zcfuse_reply_err(req, ENOTTY);
		return;
	}
	o.reads = atomic_load(&reads);
	o.getattrs = atomic_load(&getattrs);
	o.lookups = atomic_load(&lookups);
	zcfuse_reply_ioctl(req, 0, &o, sizeof(o) < out_bufsz ? sizeof(o) : out_bufsz);
}

static const struct zcfuse_ops ops = {
	.init = nfs_init,
	.lookup = nfs_lookup,
	.getattr = nfs_getattr,
	.open = nfs_open,
	.opendir = nfs_open,
	.read = nfs_read,
	.ioctl = nfs_ioctl,
	.retrieve_reply = nfs_retrieve_reply,
};

int main(int argc, char *argv[])
{
	struct zcfuse_session_opts opts = { .sz = sizeof(opts) };

	return zcfuse_main(argc, argv, &ops, sizeof(ops), &opts, NULL);
}
