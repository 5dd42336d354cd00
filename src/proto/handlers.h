/* SPDX-License-Identifier: MIT */
/* The opcode handlers the table (opcodes.c) names. */
#ifndef ZCFUSE_PROTO_HANDLERS_H
#define ZCFUSE_PROTO_HANDLERS_H

#include <string.h>

#include "proto/proto.h"

/* A cursor over the request's variable data. */
struct zcf_cursor {
	const char *p;
	size_t left;
};

/* Takes a NUL-terminated string; NULL when none ends inside the data. */
static inline const char *zcf_take_name(struct zcf_cursor *c)
{
	const char *end, *name = c->p;

	if (!c->left)
		return NULL;
	end = memchr(c->p, 0, c->left);
	if (!end)
		return NULL;
	c->left -= (size_t)(end - c->p) + 1;
	c->p = end + 1;
	return name;
}

static inline const void *zcf_take_bytes(struct zcf_cursor *c, size_t n)
{
	const char *p = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

static inline void zcf_fi_from_fh(struct zcfuse_file_info *fi, uint64_t fh, uint32_t flags)
{
	memset(fi, 0, sizeof(*fi));
	fi->fh = fh;
	fi->flags = (int)flags;
}

/* Answers a request the decoder could not make sense of (EINVAL, counted). */
void zcf_malformed(struct zcfuse_req *req, const char *what);
void zcf_flock_from_fuse(struct flock *fl, const struct fuse_file_lock *lk);

/* dispatch.c */
void zcf_do_access(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_batch_forget(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_copy_file_range(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_create(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_destroy(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_fallocate(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_flush(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_forget_op(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_fsync(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_fsyncdir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_getattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_getxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_init(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_interrupt_op(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_link(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_listxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_lookup(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_lseek(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_mkdir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_mknod(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_open(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_opendir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_read(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_readdir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_readdirplus(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_readlink(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_release(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_releasedir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_removexattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_rename(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_rename2(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_rmdir(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_setattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_setxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_statfs(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_symlink(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_unlink(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_write(struct zcfuse_req *req, const struct zcfuse_ops *ops);

/* dispatch_ext.c */
void zcf_do_getlk(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_setlk(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_setlkw(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_bmap(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_ioctl(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_poll(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_statx(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_tmpfile(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_syncfs(struct zcfuse_req *req, const struct zcfuse_ops *ops);
void zcf_do_copy_file_range_64(struct zcfuse_req *req, const struct zcfuse_ops *ops);
/* NOTIFY_REPLY: the kernel's data for a zcfuse_notify_retrieve() (retrieve.c). */
void zcf_do_notify_reply(struct zcfuse_req *req, const struct zcfuse_ops *ops);

/* A poll handle for the kernel's handle @kh (retrieve.c); NULL without memory. */
struct zcfuse_pollhandle {
	struct zcf_proto_ctx *pc;
	uint64_t kh;
};
struct zcfuse_pollhandle *zcf_pollhandle_new(struct zcf_proto_ctx *pc, uint64_t kh);
/* Records a retrieve's cookie; *unique is its notify_unique. 0 or -ENOMEM. */
int zcf_retrieve_add(struct zcf_proto_ctx *pc, void *cookie, uint64_t *unique);
/* Takes retrieve @unique's cookie off the list; false if none is pending. */
bool zcf_retrieve_take(struct zcf_proto_ctx *pc, uint64_t unique, void **cookie);

#endif
