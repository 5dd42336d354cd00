/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the opcodes that carry names (lookups, creation, removal,
 * renames, links, extended attributes): every name is checked to end
 * inside the received data before the filesystem sees it.
 */
#include <errno.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/handlers.h"

/* The name that starts the variable data, or NULL after answering EINVAL. */
static const char *first_name(struct zcfuse_req *req, struct zcf_cursor *c)
{
	const char *name;

	c->p = req->data;
	c->left = req->data_len;
	name = zcf_take_name(c);
	if (!name)
		zcf_malformed(req, "name not terminated");
	return name;
}

void zcf_do_lookup(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->lookup(req, req->in.nodeid, name);
}

void zcf_do_unlink(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->unlink(req, req->in.nodeid, name);
}

void zcf_do_rmdir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->rmdir(req, req->in.nodeid, name);
}

void zcf_do_removexattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->removexattr(req, req->in.nodeid, name);
}

void zcf_do_symlink(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	struct zcf_cursor c = { req->data, req->data_len };
	const char *name = zcf_take_name(&c), *target = name ? zcf_take_name(&c) : NULL;

	if (!target)
		return zcf_malformed(req, "names not terminated");
	ops->symlink(req, target, req->in.nodeid, name);
}

void zcf_do_mknod(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_mknod_in *a = req->arg;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (!name)
		return;
	req->ctx.umask = a->umask;
	ops->mknod(req, req->in.nodeid, name, a->mode, a->rdev);
}

void zcf_do_mkdir(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_mkdir_in *a = req->arg;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (!name)
		return;
	req->ctx.umask = a->umask;
	ops->mkdir(req, req->in.nodeid, name, a->mode);
}

static void rename_common(struct zcfuse_req *req, const struct zcfuse_ops *ops,
			  uint64_t newdir, unsigned flags)
{
	struct zcf_cursor c = { req->data, req->data_len };
	const char *name = zcf_take_name(&c), *newname = name ? zcf_take_name(&c) : NULL;

	if (!newname)
		return zcf_malformed(req, "names not terminated");
	ops->rename(req, req->in.nodeid, name, newdir, newname, flags);
}

void zcf_do_rename(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	rename_common(req, ops, ((const struct fuse_rename_in *)req->arg)->newdir, 0);
}

void zcf_do_rename2(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_rename2_in *a = req->arg;

	rename_common(req, ops, a->newdir, a->flags);
}

void zcf_do_link(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_link_in *a = req->arg;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->link(req, a->oldnodeid, req->in.nodeid, name);
}

void zcf_do_create(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_create_in *a = req->arg;
	struct zcfuse_file_info fi;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (!name)
		return;
	req->ctx.umask = a->umask;
	zcf_fi_from_fh(&fi, 0, a->flags);
	if (a->open_flags & FUSE_OPEN_KILL_SUIDGID) {
		fi.kill_suidgid = 1;
		req->kill_priv = ZCFUSE_KILL_SUIDGID;
	}
	ops->create(req, req->in.nodeid, name, a->mode, &fi);
}

void zcf_do_setxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_setxattr_in *a = req->arg;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);
	const void *value;

	if (!name)
		return;
	if (!(value = zcf_take_bytes(&c, a->size)))
		return zcf_malformed(req, "xattr value shorter than its size");
	/* Without SETXATTR_EXT the argument ends before setxattr_flags. */
	if (req->pc->conn.setxattr_ext && (a->setxattr_flags & FUSE_SETXATTR_ACL_KILL_SGID))
		req->kill_priv = ZCFUSE_KILL_SGID;
	ops->setxattr(req, req->in.nodeid, name, value, a->size, (int)a->flags);
}

void zcf_do_getxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	const struct fuse_getxattr_in *a = req->arg;
	struct zcf_cursor c;
	const char *name = first_name(req, &c);

	if (name)
		ops->getxattr(req, req->in.nodeid, name, a->size);
}

void zcf_do_listxattr(struct zcfuse_req *req, const struct zcfuse_ops *ops)
{
	ops->listxattr(req, req->in.nodeid, ((const struct fuse_getxattr_in *)req->arg)->size);
}

