/* SPDX-License-Identifier: MIT */
/* Opcode handlers that live outside dispatch.c, named by its table. */
#ifndef ZCFUSE_PROTO_HANDLERS_H
#define ZCFUSE_PROTO_HANDLERS_H

#include "core/internal.h"

/* Answers a request the decoder could not make sense of (EINVAL, counted). */
void zcf_malformed(struct zcfuse_req *req, const char *what);
void zcf_flock_from_fuse(struct flock *fl, const struct fuse_file_lock *lk);

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
/* NOTIFY_REPLY: the kernel's data for a zcfuse_notify_retrieve() (notify.c). */
void zcf_do_notify_reply(struct zcfuse_req *req, const struct zcfuse_ops *ops);

/* A poll handle for the kernel's handle @kh (notify.c); NULL without memory. */
struct zcfuse_pollhandle *zcf_pollhandle_new(struct zcfuse_session *se, uint64_t kh);

#endif
