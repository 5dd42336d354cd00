/* SPDX-License-Identifier: MIT */
/* INIT: agree on the protocol, sizes and features with the kernel. */
#include <errno.h>
#include <string.h>

#include "proto/proto.h"

/* The oldest protocol whose reply layouts zcfuse writes (Linux 5.8). */
#define ZCF_MIN_MINOR 31

/* Each capability and the INIT flag that carries it. */
static const struct {
	unsigned cap;
	uint64_t flag;
} cap_flags[] = {
	{ ZCFUSE_CAP_WRITEBACK_CACHE, FUSE_WRITEBACK_CACHE },
	{ ZCFUSE_CAP_READDIRPLUS, FUSE_DO_READDIRPLUS },
	{ ZCFUSE_CAP_READDIRPLUS_AUTO, FUSE_READDIRPLUS_AUTO },
	{ ZCFUSE_CAP_PASSTHROUGH, FUSE_PASSTHROUGH },
	{ ZCFUSE_CAP_ASYNC_DIO, FUSE_ASYNC_DIO },
	{ ZCFUSE_CAP_PARALLEL_DIROPS, FUSE_PARALLEL_DIROPS },
	{ ZCFUSE_CAP_POSIX_ACL, FUSE_POSIX_ACL },
	{ ZCFUSE_CAP_DONT_MASK, FUSE_DONT_MASK },
	{ ZCFUSE_CAP_POSIX_LOCKS, FUSE_POSIX_LOCKS },
	{ ZCFUSE_CAP_FLOCK_LOCKS, FUSE_FLOCK_LOCKS },
	{ ZCFUSE_CAP_AUTO_INVAL_DATA, FUSE_AUTO_INVAL_DATA },
	{ ZCFUSE_CAP_EXPLICIT_INVAL_DATA, FUSE_EXPLICIT_INVAL_DATA },
	{ ZCFUSE_CAP_CACHE_SYMLINKS, FUSE_CACHE_SYMLINKS },
	{ ZCFUSE_CAP_NO_OPEN_SUPPORT, FUSE_NO_OPEN_SUPPORT },
	{ ZCFUSE_CAP_NO_OPENDIR_SUPPORT, FUSE_NO_OPENDIR_SUPPORT },
	{ ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP, FUSE_DIRECT_IO_ALLOW_MMAP },
	{ ZCFUSE_CAP_SETXATTR_EXT, FUSE_SETXATTR_EXT },
	{ ZCFUSE_CAP_HANDLE_KILLPRIV_V2, FUSE_HANDLE_KILLPRIV_V2 },
	{ ZCFUSE_CAP_SUBMOUNTS, FUSE_SUBMOUNTS },
	{ ZCFUSE_CAP_ALLOW_IDMAP, FUSE_ALLOW_IDMAP },
	{ ZCFUSE_CAP_IOCTL_DIR, FUSE_HAS_IOCTL_DIR },
	{ ZCFUSE_CAP_EXPIRE_ONLY, FUSE_HAS_EXPIRE_ONLY },
	{ ZCFUSE_CAP_ATOMIC_O_TRUNC, FUSE_ATOMIC_O_TRUNC },
	{ ZCFUSE_CAP_EXPORT_SUPPORT, FUSE_EXPORT_SUPPORT },
	{ ZCFUSE_CAP_RESEND, FUSE_HAS_RESEND },
	{ ZCFUSE_CAP_REQUEST_TIMEOUT, FUSE_REQUEST_TIMEOUT },
	{ ZCFUSE_CAP_NO_EXPORT_SUPPORT, FUSE_NO_EXPORT_SUPPORT },
};
#define NR_CAPS (sizeof(cap_flags) / sizeof(cap_flags[0]))

static unsigned caps_from_kernel(uint64_t kf)
{
	unsigned caps = 0;
	size_t i;

	for (i = 0; i < NR_CAPS; i++)
		if (kf & cap_flags[i].flag)
			caps |= cap_flags[i].cap;
	return caps;
}

static uint64_t flags_from_caps(unsigned want)
{
	uint64_t flags = 0;
	size_t i;

	for (i = 0; i < NR_CAPS; i++)
		if (want & cap_flags[i].cap)
			flags |= cap_flags[i].flag;
	return flags;
}

/* What zcfuse asks for unless the filesystem or the command line says no. */
static unsigned default_want(const struct zcf_proto_ctx *pc, unsigned capable)
{
	const struct zcfuse_ops *ops = &pc->ops;
	unsigned want = ZCFUSE_CAP_ASYNC_DIO | ZCFUSE_CAP_PARALLEL_DIROPS |
			ZCFUSE_CAP_AUTO_INVAL_DATA | ZCFUSE_CAP_SETXATTR_EXT |
			ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP;

	if (ops->readdirplus)
		want |= ZCFUSE_CAP_READDIRPLUS | ZCFUSE_CAP_READDIRPLUS_AUTO;
	if (pc->cfg.passthrough)
		want |= ZCFUSE_CAP_PASSTHROUGH;
	/* Locks go to the filesystem only when it keeps them; else the kernel does. */
	if (ops->getlk && ops->setlk)
		want |= ZCFUSE_CAP_POSIX_LOCKS;
	if (ops->flock)
		want |= ZCFUSE_CAP_FLOCK_LOCKS;
	if (ops->ioctl)
		want |= ZCFUSE_CAP_IOCTL_DIR;
	return want & capable;
}

/* What the filesystem gets offered in its init op, and what it may keep. */
static void settle_want(struct zcf_proto_ctx *pc, const struct zcf_init_in *in,
			struct zcfuse_conn_info *ci)
{
	ci->proto_major = in->major;
	ci->proto_minor = in->minor;
	ci->capable = caps_from_kernel(in->flags);
	ci->capable_ext = in->flags;
	/*
	 * libfuse's model: the -o options go into want before the init op (its
	 * init calls fuse_apply_conn_info_opts()), so the op sees them and has
	 * the last word.
	 */
	ci->want = ((default_want(pc, ci->capable) | pc->cfg.cap_on) & ~pc->cfg.cap_off) &
		   ci->capable;
	ci->max_write = pc->cfg.max_write;
	ci->max_read = pc->cfg.max_read;
	ci->max_readahead = in->max_readahead;
	ci->max_background = pc->cfg.max_background;
	ci->time_gran = 1;
	ci->request_timeout = pc->cfg.request_timeout;
	if (pc->ops.init)
		pc->ops.init(pc->userdata, ci);
	if (ci->request_timeout)
		ci->want |= ZCFUSE_CAP_REQUEST_TIMEOUT;
	if (ci->want & ZCFUSE_CAP_EXPLICIT_INVAL_DATA) /* the two exclude each other */
		ci->want &= ~ZCFUSE_CAP_AUTO_INVAL_DATA;
	if (!(ci->want & ZCFUSE_CAP_READDIRPLUS))
		ci->want &= ~ZCFUSE_CAP_READDIRPLUS_AUTO;
	if (ci->request_timeout && !(ci->capable & ZCFUSE_CAP_REQUEST_TIMEOUT))
		zcf_warn("request_timeout: kernel speaks 7.%u and has no request timeouts "
			 "(7.43, Linux 6.14); requests wait forever", in->minor);
	ci->want &= ci->capable;
}

void zcf_init_parse(struct zcf_proto_ctx *pc, const struct zcfuse_req *req)
{
	struct fuse_init_in in = { 0 };

	/* Older kernels send a shorter INIT: read what came, zero the rest. */
	memcpy(&in, req->arg, req->arg_len < sizeof(in) ? req->arg_len : sizeof(in));
	pc->conn.init.major = in.major;
	pc->conn.init.minor = in.minor;
	pc->conn.init.max_readahead = in.max_readahead;
	pc->conn.init.flags = in.flags;
	if (in.flags & FUSE_INIT_EXT)
		pc->conn.init.flags |= (uint64_t)in.flags2 << 32;
	pc->conn.kernel_flags = pc->conn.init.flags;
	pc->conn.proto_minor = in.minor;
	pc->conn.init_parsed = true;
}

int zcf_handle_init(struct zcf_proto_ctx *pc, struct zcfuse_req *req, uint64_t extra_flags)
{
	struct fuse_init_out out = { 0 };
	struct zcfuse_conn_info ci = { 0 };
	struct iovec iov = { &out, sizeof(out) };
	const struct zcf_init_in *in = &pc->conn.init;
	uint64_t kf, flags = 0;
	unsigned max_write;
	int err;

	if (!pc->conn.init_parsed)
		zcf_init_parse(pc, req);
	kf = in->flags;

	if (in->major != FUSE_KERNEL_VERSION || in->minor < ZCF_MIN_MINOR) {
		zcf_err("kernel speaks FUSE protocol %u.%u; zcfuse needs 7.%u or newer", in->major,
			in->minor, ZCF_MIN_MINOR);
		zcfuse_reply_err(req, EPROTO);
		return -EPROTO;
	}
	pc->conn.proto_minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor
								    : FUSE_KERNEL_MINOR_VERSION;

	settle_want(pc, in, &ci);

	/* Buffers were sized for cfg.max_write: the fs may only shrink it. */
	max_write = ci.max_write < pc->cfg.max_write ? ci.max_write : pc->cfg.max_write;
	if (max_write < 4096)
		max_write = 4096;
	max_write &= ~4095u;

	/*
	 * Without HANDLE_KILLPRIV_V2 the kernel clears setuid/setgid bits itself
	 * (a SETATTR of the mode) before cached writes, truncates and chowns,
	 * but not on direct writes (O_DIRECT, or a direct_io open): those carry
	 * FUSE_WRITE_KILL_SUIDGID, which reaches the filesystem as
	 * fi->kill_suidgid and which it must act on.
	 */
	flags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_INIT_EXT |
		flags_from_caps(ci.want) | extra_flags;
	if (ci.want & ZCFUSE_CAP_PASSTHROUGH)
		out.max_stack_depth = 1;
	flags &= kf; /* never claim what was not offered */
	if (flags & FUSE_REQUEST_TIMEOUT)
		out.request_timeout = (uint16_t)(ci.request_timeout > 65535 ? 65535
									  : ci.request_timeout);

	pc->conn.flags = flags;
	pc->conn.max_write = max_write;
	pc->conn.max_pages = max_write / 4096;
	pc->conn.max_readahead = ci.max_readahead;
	pc->conn.setxattr_ext = !!(flags & FUSE_SETXATTR_EXT);

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
	out.congestion_threshold = (uint16_t)(ci.congestion_threshold &&
					      ci.congestion_threshold <= out.max_background
					      ? ci.congestion_threshold : out.max_background * 3 / 4);
	out.max_write = max_write;
	out.time_gran = ci.time_gran ? ci.time_gran : 1;
	out.max_pages = (uint16_t)pc->conn.max_pages;

	pc->got_init = true;
	pc->conn.init_parsed = false; /* the next INIT (tests) is read afresh */
	err = zcf_send(req, 0, &iov, 1);
	if (err)
		zcf_err("INIT reply refused by the kernel: %s", strerror(-err));
	else
		zcf_dbg("INIT: kernel 7.%u, flags 0x%llx, answered 0x%llx, max_write %u", in->minor,
			(unsigned long long)kf, (unsigned long long)flags, max_write);
	return err;
}
