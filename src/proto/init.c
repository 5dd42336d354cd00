/* SPDX-License-Identifier: MIT */
/* INIT: agree on the protocol, sizes and features with the kernel. */
#include <errno.h>
#include <string.h>

#include "core/internal.h"

/* The oldest protocol whose reply layouts zcfuse writes (Linux 5.8). */
#define ZCF_MIN_MINOR 31

static unsigned caps_from_kernel(uint64_t kf)
{
	unsigned caps = 0;

	if (kf & FUSE_WRITEBACK_CACHE)
		caps |= ZCFUSE_CAP_WRITEBACK_CACHE;
	if (kf & FUSE_DO_READDIRPLUS)
		caps |= ZCFUSE_CAP_READDIRPLUS;
	if (kf & FUSE_PASSTHROUGH)
		caps |= ZCFUSE_CAP_PASSTHROUGH;
	if (kf & FUSE_ASYNC_DIO)
		caps |= ZCFUSE_CAP_ASYNC_DIO;
	if (kf & FUSE_PARALLEL_DIROPS)
		caps |= ZCFUSE_CAP_PARALLEL_DIROPS;
	if (kf & FUSE_POSIX_ACL)
		caps |= ZCFUSE_CAP_POSIX_ACL;
	if (kf & FUSE_DONT_MASK)
		caps |= ZCFUSE_CAP_DONT_MASK;
	if (kf & FUSE_HANDLE_KILLPRIV_V2)
		caps |= ZCFUSE_CAP_HANDLE_KILLPRIV_V2;
	if (kf & FUSE_DIRECT_IO_ALLOW_MMAP)
		caps |= ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP;
	return caps;
}

int zcf_handle_init(struct zcfuse_session *se, struct zcfuse_req *req, uint64_t extra_flags)
{
	struct fuse_init_in in = { 0 };
	struct fuse_init_out out = { 0 };
	struct zcfuse_conn_info ci = { 0 };
	struct iovec iov = { &out, sizeof(out) };
	uint64_t kf, flags = 0;
	unsigned max_write;
	int err;

	memcpy(&in, req->arg, req->arg_len < sizeof(in) ? req->arg_len : sizeof(in));
	kf = in.flags;
	if (in.flags & FUSE_INIT_EXT)
		kf |= (uint64_t)in.flags2 << 32;
	se->conn.kernel_flags = kf;

	if (in.major != FUSE_KERNEL_VERSION || in.minor < ZCF_MIN_MINOR) {
		zcf_err("kernel speaks FUSE protocol %u.%u; zcfuse needs 7.%u or newer", in.major,
			in.minor, ZCF_MIN_MINOR);
		zcfuse_reply_err(req, EPROTO);
		return -EPROTO;
	}
	se->conn.proto_minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor
								    : FUSE_KERNEL_MINOR_VERSION;

	ci.proto_major = in.major;
	ci.proto_minor = in.minor;
	ci.capable = caps_from_kernel(kf);
	ci.want = ci.capable & (ZCFUSE_CAP_ASYNC_DIO | ZCFUSE_CAP_PARALLEL_DIROPS |
				ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	if (se->ops.readdirplus)
		ci.want |= ci.capable & ZCFUSE_CAP_READDIRPLUS;
	if (se->cfg.passthrough)
		ci.want |= ci.capable & ZCFUSE_CAP_PASSTHROUGH;
	ci.max_write = se->cfg.max_write;
	ci.max_read = se->cfg.max_read;
	ci.max_readahead = in.max_readahead;
	ci.max_background = se->cfg.max_background;
	ci.time_gran = 1;
	if (se->ops.init)
		se->ops.init(se->userdata, &ci);
	ci.want &= ci.capable;

	/* Buffers were sized for cfg.max_write: the fs may only shrink it. */
	max_write = ci.max_write < se->cfg.max_write ? ci.max_write : se->cfg.max_write;
	if (max_write < 4096)
		max_write = 4096;
	max_write &= ~4095u;

	flags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA | FUSE_MAX_PAGES |
		FUSE_INIT_EXT | FUSE_SETXATTR_EXT | extra_flags;
	/*
	 * Without HANDLE_KILLPRIV_V2 the kernel clears setuid/setgid bits itself
	 * (a SETATTR of the mode) before cached writes, truncates and chowns,
	 * but not on direct writes (O_DIRECT, or a direct_io open): those carry
	 * FUSE_WRITE_KILL_SUIDGID, which reaches the filesystem as
	 * fi->kill_suidgid and which it must act on.
	 */
	if (ci.want & ZCFUSE_CAP_HANDLE_KILLPRIV_V2)
		flags |= FUSE_HANDLE_KILLPRIV_V2;
	if (ci.want & ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP)
		flags |= FUSE_DIRECT_IO_ALLOW_MMAP;
	if (ci.want & ZCFUSE_CAP_ASYNC_DIO)
		flags |= FUSE_ASYNC_DIO;
	if (ci.want & ZCFUSE_CAP_PARALLEL_DIROPS)
		flags |= FUSE_PARALLEL_DIROPS;
	if (ci.want & ZCFUSE_CAP_READDIRPLUS)
		flags |= FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO;
	if (ci.want & ZCFUSE_CAP_WRITEBACK_CACHE)
		flags |= FUSE_WRITEBACK_CACHE;
	if (ci.want & ZCFUSE_CAP_POSIX_ACL)
		flags |= FUSE_POSIX_ACL;
	if (ci.want & ZCFUSE_CAP_DONT_MASK)
		flags |= FUSE_DONT_MASK;
	if (ci.want & ZCFUSE_CAP_PASSTHROUGH) {
		flags |= FUSE_PASSTHROUGH;
		out.max_stack_depth = 1;
	}
	flags &= kf; /* never claim what was not offered */

	se->conn.flags = flags;
	se->conn.max_write = max_write;
	se->conn.max_pages = max_write / 4096;
	se->conn.max_readahead = ci.max_readahead;
	se->conn.setxattr_ext = !!(flags & FUSE_SETXATTR_EXT);

	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = ci.max_readahead;
	out.flags = (uint32_t)flags;
	out.flags2 = (uint32_t)(flags >> 32);
	/*
	 * The kernel's default of 12 background requests caps queue depth for
	 * async direct I/O; size it to what the queues can hold.
	 */
	out.max_background = (uint16_t)(ci.max_background ? ci.max_background : 256);
	out.congestion_threshold = (uint16_t)(out.max_background * 3 / 4);
	out.max_write = max_write;
	out.time_gran = ci.time_gran ? ci.time_gran : 1;
	out.max_pages = (uint16_t)se->conn.max_pages;

	se->got_init = true;
	err = zcf_send(req, 0, &iov, 1);
	if (err)
		zcf_err("INIT reply refused by the kernel: %s", strerror(-err));
	else
		zcf_dbg("INIT: kernel 7.%u, flags 0x%llx, answered 0x%llx, max_write %u", in.minor,
			(unsigned long long)kf, (unsigned long long)flags, max_write);
	return err;
}
