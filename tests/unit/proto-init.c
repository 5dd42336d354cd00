/* SPDX-License-Identifier: MIT */
/*
 * INIT's want/capable model: what the kernel offers is capable; defaults
 * and the command line's -o options make want, which the filesystem's init
 * op sees and has the last word on (libfuse's model: its init applies the
 * options, then decides); only want & capable reaches the INIT reply. Checks the reply's flags for
 * the defaults, locks negotiated only with lock ops, -o writeback_cache and
 * no_remote_lock, explicit_inval_data excluding auto_inval_data, and
 * request_timeout in the reply only when the kernel offers it.
 */
#include <errno.h>
#include <string.h>

#include "proto/proto.h"
#include "test.h"

static struct fuse_init_out out;

static int fake_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	memset(&out, 0, sizeof(out));
	if (iovcnt == 1 && iov[0].iov_len == sizeof(out))
		memcpy(&out, iov[0].iov_base, sizeof(out));
	return 0;
}

static void fake_drop(struct zcfuse_req *req)
{
}

static const struct zcf_carrier fake_tp = { .name = "fake", .send = fake_send,
					      .drop = fake_drop };

static void dummy_setlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			struct flock *lock, int sleep)
{
}

static void dummy_getlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			struct flock *lock)
{
}

static unsigned seen_capable, seen_want, drop_in_init;
static void fs_init(void *userdata, struct zcfuse_conn_info *conn)
{
	seen_capable = conn->capable;
	seen_want = conn->want;
	conn->want |= ZCFUSE_CAP_CACHE_SYMLINKS;
	conn->want &= ~drop_in_init;
}

static uint64_t init(struct zcf_proto_ctx *se, uint64_t kernel_flags)
{
	struct fuse_init_in in = { .major = 7, .minor = 45, .max_readahead = 65536,
				   .flags = (uint32_t)kernel_flags | FUSE_INIT_EXT,
				   .flags2 = (uint32_t)(kernel_flags >> 32) };
	struct zcfuse_req req = { .pc = se, .tp = &fake_tp, .arg = &in, .arg_len = sizeof(in) };

	se->got_init = false;
	T_EQ(zcf_handle_init(se, &req, 0), 0, "INIT answered");
	return out.flags | (uint64_t)out.flags2 << 32;
}

int main(void)
{
	struct zcf_proto_ctx *se = calloc(1, sizeof(*se));
	uint64_t all = ~0ull & ~(FUSE_INIT_RESERVED), f;

	pthread_mutex_init(&se->lock, NULL);
	se->cfg.max_write = 1 << 20;

	f = init(se, all);
	T_CHECK(f & FUSE_ASYNC_DIO && f & FUSE_PARALLEL_DIROPS && f & FUSE_AUTO_INVAL_DATA &&
		f & FUSE_SETXATTR_EXT, "defaults: 0x%llx", (unsigned long long)f);
	T_CHECK(!(f & (FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS)), "no locks without lock ops");
	T_CHECK(!(f & FUSE_WRITEBACK_CACHE), "no writeback cache by default");
	T_CHECK(!(f & FUSE_HANDLE_KILLPRIV_V2), "no killpriv_v2 by default");
	T_CHECK(!(f & FUSE_REQUEST_TIMEOUT), "no request timeout by default");

	se->ops.getlk = dummy_getlk;
	se->ops.setlk = dummy_setlk;
	se->ops.init = fs_init;
	f = init(se, all);
	T_CHECK(f & FUSE_POSIX_LOCKS, "POSIX locks with getlk+setlk");
	T_CHECK(f & FUSE_CACHE_SYMLINKS, "the init op's want reaches the reply");
	T_CHECK(seen_capable & ZCFUSE_CAP_WRITEBACK_CACHE && seen_capable & ZCFUSE_CAP_RESEND,
		"capable from the kernel's flags: 0x%x", seen_capable);
	f = init(se, all & ~FUSE_POSIX_LOCKS);
	T_CHECK(!(f & FUSE_POSIX_LOCKS), "never what the kernel did not offer");

	T_EQ(zcf_parse_conn_opt(&se->cfg, "writeback_cache", NULL), 0, "-o writeback_cache");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "no_remote_lock", NULL), 0, "-o no_remote_lock");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "explicit_inval_data", NULL), 0, "-o explicit_inval_data");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "request_timeout", "7"), 0, "-o request_timeout=7");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "request_timeout", "-1"), -EINVAL, "negative timeout");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "readdirplus", "maybe"), -EINVAL, "readdirplus=maybe");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "writeback_cache", "1"), -EINVAL, "a flag takes no value");
	T_EQ(zcf_parse_conn_opt(&se->cfg, "nonsense", NULL), -ENOENT, "not an INIT option");
	f = init(se, all);
	/* As in libfuse, where init applies the options first: it sees them... */
	T_CHECK(seen_want & ZCFUSE_CAP_WRITEBACK_CACHE, "the init op sees -o writeback_cache");
	T_CHECK(!(seen_want & ZCFUSE_CAP_POSIX_LOCKS), "the init op sees -o no_remote_lock");
	T_CHECK(f & FUSE_WRITEBACK_CACHE, "-o writeback_cache reaches the reply");
	T_CHECK(!(f & FUSE_POSIX_LOCKS), "-o no_remote_lock beats the ops");
	T_CHECK(f & FUSE_EXPLICIT_INVAL_DATA && !(f & FUSE_AUTO_INVAL_DATA),
		"explicit_inval_data excludes auto_inval_data");
	T_CHECK(f & FUSE_REQUEST_TIMEOUT, "request timeout asked for");
	T_EQ(out.request_timeout, 7, "request_timeout in the reply");
	f = init(se, all & ~FUSE_REQUEST_TIMEOUT);
	T_CHECK(!(f & FUSE_REQUEST_TIMEOUT) && out.request_timeout == 0,
		"no timeout field for a kernel without it");
	/* ...and has the last word. */
	drop_in_init = ZCFUSE_CAP_WRITEBACK_CACHE;
	f = init(se, all);
	T_CHECK(!(f & FUSE_WRITEBACK_CACHE), "the init op overrides -o writeback_cache");
	drop_in_init = 0;

	pthread_mutex_destroy(&se->lock);
	free(se);
	return t_exit("proto-init");
}
