/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the opcodes added for the whole protocol: locks (POSIX and
 * flock), ioctl, poll, bmap, statx (from the statx op and from getattr),
 * tmpfile, syncfs, 64-bit copy_file_range and NOTIFY_REPLY. Each reaches
 * its op with the right arguments and its reply has the wire size; each
 * one byte short of its argument is refused before any op runs; an ioctl
 * whose in_size or out_size lies is answered EINVAL; ENOSYS from a sticky
 * opcode is remembered; an interrupt callback registered after its
 * interrupt runs at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>

#include "proto/proto.h"
#include "test.h"

static struct {
	int sends, drops, error;
	size_t out_len;
	unsigned char out[512];
} ans;

static struct {
	int calls;
	struct flock fl;
	int sleep, op;
	uint64_t owner;
	unsigned cmd, flags;
	size_t in_size, out_size;
	char in[64];
	int ph;
	mode_t mode, umask;
	int sx_mask;
} fs;

static int fake_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	ans.sends++;
	ans.error = error;
	ans.out_len = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (ans.out_len + iov[i].iov_len <= sizeof(ans.out))
			memcpy(ans.out + ans.out_len, iov[i].iov_base, iov[i].iov_len);
		ans.out_len += iov[i].iov_len;
	}
	return 0;
}

static void fake_drop(struct zcfuse_req *req)
{
	ans.drops++;
}

static const struct zcf_carrier fake_tp = { .name = "fake", .send = fake_send,
					      .drop = fake_drop };

static void fs_getlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     struct flock *lock)
{
	struct flock c = { .l_type = F_WRLCK, .l_start = 10, .l_len = 0, .l_pid = 77 };

	fs.calls++;
	fs.fl = *lock;
	fs.owner = fi->lock_owner;
	zcfuse_reply_lock(req, &c);
}

static void fs_setlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     struct flock *lock, int sleep)
{
	fs.calls++;
	fs.fl = *lock;
	fs.sleep = sleep;
	zcfuse_reply_err(req, 0);
}

static void fs_flock(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     int op)
{
	fs.calls++;
	fs.op = op;
	zcfuse_reply_err(req, 0);
}

static void fs_ioctl(struct zcfuse_req *req, zcfuse_ino_t ino, unsigned int cmd, void *arg,
		     struct zcfuse_file_info *fi, unsigned flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	fs.calls++;
	fs.cmd = cmd;
	fs.flags = flags;
	fs.in_size = in_bufsz;
	fs.out_size = out_bufsz;
	if (in_bufsz && in_bufsz <= sizeof(fs.in))
		memcpy(fs.in, in_buf, in_bufsz);
	zcfuse_reply_ioctl(req, 5, "abcd", 4);
}

static void fs_poll(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		    struct zcfuse_pollhandle *ph)
{
	fs.calls++;
	fs.ph = ph != NULL;
	zcfuse_pollhandle_destroy(ph);
	zcfuse_reply_poll(req, POLLIN);
}

static void fs_bmap(struct zcfuse_req *req, zcfuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	fs.calls++;
	zcfuse_reply_bmap(req, idx + 1000);
}

static void fs_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st = { .st_ino = 5, .st_mode = S_IFREG | 0644, .st_size = 1234, .st_nlink = 1 };

	fs.calls++;
	zcfuse_reply_attr(req, &st, 1.0);
}

static void fs_tmpfile(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
		       struct zcfuse_file_info *fi)
{
	fs.calls++;
	fs.mode = mode;
	fs.umask = zcfuse_req_ctx(req)->umask;
	zcfuse_reply_err(req, ENOSYS);
}

static void fs_syncfs(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	fs.calls++;
	zcfuse_reply_err(req, 0);
}

static void fs_cfr(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
		   struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out, off_t off_out,
		   struct zcfuse_file_info *fi_out, size_t len, int flags)
{
	fs.calls++;
	zcfuse_reply_write(req, len);
}

static const struct zcfuse_ops ops = {
	.getlk = fs_getlk, .setlk = fs_setlk, .flock = fs_flock, .ioctl = fs_ioctl,
	.poll = fs_poll, .bmap = fs_bmap, .getattr = fs_getattr, .tmpfile = fs_tmpfile,
	.syncfs = fs_syncfs, .copy_file_range = fs_cfr,
};

static struct zcf_proto_ctx *se;
static unsigned char buf[1 << 16];
static char payload[4096];
static struct zcfuse_req req;

static int send_req(uint32_t opcode, uint64_t unique, const void *arg, size_t arg_len,
		    const void *data, size_t data_len)
{
	struct fuse_in_header in = { .opcode = opcode, .unique = unique, .nodeid = 5, .uid = 1 };
	size_t len = sizeof(in) + arg_len + data_len;
	int ret;

	memset(&ans, 0, sizeof(ans));
	memset(&fs, 0, sizeof(fs));
	in.len = (uint32_t)len;
	memcpy(buf, &in, sizeof(in));
	memcpy(buf + sizeof(in), arg, arg_len);
	if (data_len)
		memcpy(buf + sizeof(in) + arg_len, data, data_len);
	memset(&req, 0, sizeof(req));
	req.pc = se;
	req.tp = &fake_tp;
	req.payload = payload;
	req.payload_size = sizeof(payload);
	req.payload_buf_index = -1;
	req.zc_buf_index = -1;
	ret = zcf_frame_classic(&req, buf, len);
	if (ret)
		return ret;
	zcf_dispatch(&req);
	return 0;
}

#define ONCE(what) T_EQ(ans.sends + ans.drops, 1, "%s ended once", what)

static void test_locks(void)
{
	struct fuse_lk_in lk = { .fh = 3, .owner = 0xabc,
				 .lk = { .start = 100, .end = 199, .type = F_RDLCK, .pid = 9 } };
	struct fuse_lk_out out;

	T_EQ(send_req(FUSE_GETLK, 1, &lk, sizeof(lk), NULL, 0), 0, "frame GETLK");
	T_EQ(fs.calls, 1, "GETLK reaches getlk");
	T_EQ(fs.fl.l_type, F_RDLCK, "GETLK type");
	T_EQ(fs.fl.l_start, 100, "GETLK start");
	T_EQ(fs.fl.l_len, 100, "GETLK length from start..end");
	T_EQ(fs.owner, 0xabc, "GETLK owner");
	T_EQ(ans.out_len, sizeof(out), "GETLK reply is fuse_lk_out");
	memcpy(&out, ans.out, sizeof(out));
	T_EQ(out.lk.type, F_WRLCK, "reply lock type");
	T_EQ(out.lk.start, 10, "reply lock start");
	T_EQ(out.lk.end, INT64_MAX, "reply: l_len 0 is OFFSET_MAX");
	T_EQ(out.lk.pid, 77, "reply pid");
	ONCE("GETLK");

	lk.lk.end = (uint64_t)INT64_MAX;
	lk.lk.type = F_WRLCK;
	T_EQ(send_req(FUSE_SETLKW, 2, &lk, sizeof(lk), NULL, 0), 0, "frame SETLKW");
	T_EQ(fs.sleep, 1, "SETLKW sleeps");
	T_EQ(fs.fl.l_len, 0, "to the end: l_len 0");
	ONCE("SETLKW");
	T_EQ(send_req(FUSE_SETLK, 3, &lk, sizeof(lk), NULL, 0), 0, "frame SETLK");
	T_EQ(fs.sleep, 0, "SETLK does not sleep");

	lk.lk_flags = FUSE_LK_FLOCK;
	T_EQ(send_req(FUSE_SETLK, 4, &lk, sizeof(lk), NULL, 0), 0, "frame flock");
	T_EQ(fs.op, LOCK_EX | LOCK_NB, "flock without wait: LOCK_EX|LOCK_NB");
	T_EQ(send_req(FUSE_SETLKW, 5, &lk, sizeof(lk), NULL, 0), 0, "frame flock wait");
	T_EQ(fs.op, LOCK_EX, "flock waiting: LOCK_EX");
	lk.lk.type = F_UNLCK;
	T_EQ(send_req(FUSE_SETLK, 6, &lk, sizeof(lk), NULL, 0), 0, "frame unlock");
	T_EQ(fs.op, LOCK_UN, "flock unlock");
	lk.lk.type = 99;
	T_EQ(send_req(FUSE_SETLK, 7, &lk, sizeof(lk), NULL, 0), 0, "frame bad type");
	T_EQ(fs.calls, 0, "a bad lock type never reaches the fs");
	T_EQ(ans.error, -EINVAL, "bad lock type");
	ONCE("bad lock");
}

static void test_ioctl(void)
{
	struct fuse_ioctl_in io = { .fh = 1, .cmd = 0x1234, .in_size = 4, .out_size = 16 };
	struct fuse_ioctl_out out;

	T_EQ(send_req(FUSE_IOCTL, 10, &io, sizeof(io), "wxyz", 4), 0, "frame IOCTL");
	T_EQ(fs.calls, 1, "IOCTL reaches ioctl");
	T_EQ(fs.cmd, 0x1234, "cmd");
	T_EQ(fs.in_size, 4, "in size");
	T_CHECK(!memcmp(fs.in, "wxyz", 4), "input bytes");
	T_EQ(fs.out_size, 16, "out size");
	T_EQ(ans.out_len, sizeof(out) + 4, "reply: ioctl_out + 4 bytes");
	memcpy(&out, ans.out, sizeof(out));
	T_EQ(out.result, 5, "result");
	T_CHECK(!memcmp(ans.out + sizeof(out), "abcd", 4), "output bytes");
	ONCE("IOCTL");
	/* in_size beyond the data received */
	io.in_size = 100;
	T_EQ(send_req(FUSE_IOCTL, 11, &io, sizeof(io), "wxyz", 4), 0, "frame IOCTL short");
	T_EQ(fs.calls, 0, "short ioctl input never reaches the fs");
	T_EQ(ans.error, -EINVAL, "short ioctl input");
	ONCE("IOCTL short");
	io.in_size = 0;
	io.out_size = 1 << 20; /* more than the reply area */
	T_EQ(send_req(FUSE_IOCTL, 12, &io, sizeof(io), NULL, 0), 0, "frame IOCTL big out");
	T_EQ(fs.calls, 0, "oversized out_size never reaches the fs");
	T_EQ(ans.error, -EINVAL, "oversized out_size");
	/* a directory ioctl when FUSE_HAS_IOCTL_DIR was not negotiated */
	io.out_size = 0;
	io.flags = FUSE_IOCTL_DIR_F;
	T_EQ(send_req(FUSE_IOCTL, 13, &io, sizeof(io), NULL, 0), 0, "frame IOCTL dir");
	T_EQ(ans.error, -ENOTTY, "directory ioctl without IOCTL_DIR");
}

static void test_poll_bmap_statx(void)
{
	struct fuse_poll_in pi = { .fh = 1, .kh = 42, .flags = FUSE_POLL_SCHEDULE_NOTIFY,
				   .events = POLLIN };
	struct fuse_bmap_in bi = { .block = 7, .blocksize = 4096 };
	struct fuse_statx_in si = { .sx_mask = 0x7ff };
	struct fuse_statx_out so;
	struct fuse_bmap_out bo;

	T_EQ(send_req(FUSE_POLL, 20, &pi, sizeof(pi), NULL, 0), 0, "frame POLL");
	T_EQ(fs.ph, 1, "POLL with SCHEDULE_NOTIFY passes a handle");
	T_EQ(ans.out_len, sizeof(struct fuse_poll_out), "poll_out");
	pi.flags = 0;
	T_EQ(send_req(FUSE_POLL, 21, &pi, sizeof(pi), NULL, 0), 0, "frame POLL");
	T_EQ(fs.ph, 0, "POLL without SCHEDULE_NOTIFY: no handle");

	T_EQ(send_req(FUSE_BMAP, 22, &bi, sizeof(bi), NULL, 0), 0, "frame BMAP");
	memcpy(&bo, ans.out, sizeof(bo));
	T_EQ(bo.block, 1007, "BMAP answer");

	T_EQ(send_req(FUSE_STATX, 23, &si, sizeof(si), NULL, 0), 0, "frame STATX");
	T_EQ(fs.calls, 1, "STATX without a statx op asks getattr");
	T_EQ(ans.out_len, sizeof(so), "STATX from getattr answers a fuse_statx_out");
	memcpy(&so, ans.out, sizeof(so));
	T_EQ(so.stat.size, 1234, "statx size from getattr");
	T_EQ(so.stat.mode, S_IFREG | 0644, "statx mode from getattr");
	T_EQ(so.stat.mask & STATX_BASIC_STATS, STATX_BASIC_STATS, "basic stats valid");
	T_EQ(so.attr_valid, 1, "attr timeout");
}

static void test_tmpfile_syncfs_cfr(void)
{
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = S_IFREG | 0600, .umask = 077 };
	struct fuse_syncfs_in sy = { 0 };
	struct fuse_copy_file_range_in cr = { .len = 5000000000ull };
	struct fuse_copy_file_range_out co;

	T_EQ(send_req(FUSE_TMPFILE, 30, &ci, sizeof(ci), NULL, 0), 0, "frame TMPFILE");
	T_EQ(fs.mode, S_IFREG | 0600, "tmpfile mode");
	T_EQ(fs.umask, 077, "tmpfile umask");
	T_EQ(ans.error, -ENOSYS, "tmpfile answered ENOSYS");
	T_CHECK(zcf_enosys_known(se, FUSE_TMPFILE), "ENOSYS from TMPFILE is remembered");
	T_EQ(send_req(FUSE_TMPFILE, 31, &ci, sizeof(ci), NULL, 0), 0, "frame TMPFILE again");
	T_EQ(fs.calls, 0, "a remembered ENOSYS never reaches the fs again");
	T_EQ(ans.error, -ENOSYS, "remembered ENOSYS");

	T_EQ(send_req(FUSE_SYNCFS, 32, &sy, sizeof(sy), NULL, 0), 0, "frame SYNCFS");
	T_EQ(fs.calls, 1, "SYNCFS reaches syncfs");
	T_EQ(ans.error, 0, "syncfs ok");

	T_EQ(send_req(FUSE_COPY_FILE_RANGE_64, 33, &cr, sizeof(cr), NULL, 0), 0, "frame CFR64");
	T_EQ(ans.out_len, sizeof(co), "COPY_FILE_RANGE_64 answers 64 bits");
	memcpy(&co, ans.out, sizeof(co));
	T_EQ(co.bytes_copied, 5000000000ull, "bytes copied beyond 4 GiB");
}

/* Every new opcode one byte short of its argument: refused, no op runs. */
static void test_truncated(void)
{
	static const struct { uint32_t op; size_t size; } rows[] = {
		{ FUSE_GETLK, 48 }, { FUSE_SETLK, 48 }, { FUSE_SETLKW, 48 }, { FUSE_BMAP, 16 },
		{ FUSE_IOCTL, 32 }, { FUSE_POLL, 24 }, { FUSE_SYNCFS, 8 }, { FUSE_TMPFILE, 16 },
		{ FUSE_STATX, 24 }, { FUSE_COPY_FILE_RANGE_64, 56 }, { FUSE_NOTIFY_REPLY, 40 },
	};
	char zero[64] = { 0 };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ret = send_req(rows[i].op, 40 + i, zero, rows[i].size - 1, NULL, 0);

		T_CHECK(ret == -EINVAL || ret == -EPROTO, "%s one byte short: %d",
			zcf_opcode_name(rows[i].op), ret);
		T_EQ(fs.calls, 0, "%s short reached the fs", zcf_opcode_name(rows[i].op));
	}
	/* Oversized: extra bytes after the argument are data, never the argument. */
	{
		char big[200] = { 0 };
		struct fuse_lk_in lk = { .lk = { .type = F_UNLCK } };

		memcpy(big, &lk, sizeof(lk));
		T_EQ(send_req(FUSE_SETLK, 60, big, sizeof(big), NULL, 0), 0, "oversized SETLK");
		T_EQ(req.arg_len, sizeof(lk), "arg_len stays the fixed size");
		T_EQ(req.data_len, sizeof(big) - sizeof(lk), "the rest is data");
		T_EQ(fs.calls, 1, "oversized SETLK still served");
	}
}

static int intr_calls;
static void on_intr(struct zcfuse_req *r, void *data)
{
	intr_calls++;
	*(struct zcfuse_req **)data = r;
}

static void fs_setlk_park(struct zcfuse_req *r, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			  struct flock *lock, int sleep)
{
	static struct zcfuse_req *parked;

	parked = NULL;
	zcfuse_req_interrupt_func(r, on_intr, &parked);
	/* An early interrupt (held by unique 70) runs the callback here. */
	if (parked)
		zcfuse_reply_err(parked, EINTR);
}

static void test_interrupts(void)
{
	struct fuse_interrupt_in ii = { .unique = 70 };
	struct fuse_lk_in lk = { .lk = { .type = F_WRLCK } };

	se->ops.setlk = fs_setlk_park;
	/* The interrupt comes first (the kernel may send it before its request). */
	T_EQ(send_req(FUSE_INTERRUPT, 71, &ii, sizeof(ii), NULL, 0), 0, "frame INTERRUPT");
	T_EQ(ans.sends, 0, "INTERRUPT is never answered");
	intr_calls = 0;
	T_EQ(send_req(FUSE_SETLKW, 70, &lk, sizeof(lk), NULL, 0), 0, "frame SETLKW 70");
	T_EQ(intr_calls, 1, "an early interrupt calls the callback on registration");
	T_EQ(ans.error, -EINTR, "the waiter got EINTR");
	ONCE("interrupted SETLKW");
	T_CHECK(!se->intrs, "no callback left registered after the reply");
	se->ops.setlk = fs_setlk;
}

int main(void)
{
	se = calloc(1, sizeof(*se));
	if (!se)
		return 1;
	pthread_mutex_init(&se->lock, NULL);
	se->got_init = true;
	se->conn.setxattr_ext = true;
	se->conn.proto_minor = 45;
	se->ops = ops;

	test_locks();
	test_ioctl();
	test_poll_bmap_statx();
	test_tmpfile_syncfs_cfr();
	test_truncated();
	test_interrupts();

	zcf_intrs_free(se);
	pthread_mutex_destroy(&se->lock);
	free(se);
	return t_exit("proto-ops-ext");
}
