/* SPDX-License-Identifier: MIT */
/*
 * Decoding and dispatch (zcf_dispatch) with a fake transport that records
 * each answer: well-formed requests reach the right op with the right
 * arguments; malformed ones (names without a NUL, values or WRITE data
 * shorter than stated, BATCH_FORGET counts beyond the data) never reach the
 * filesystem and get EINVAL (or are dropped when FUSE has no answer for
 * them); unknown opcodes get ENOSYS; requests before INIT get EIO; a NULL
 * op gives the documented default. Every request must end exactly once.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "proto/proto.h"
#include "test.h"

/* What the fake transport saw for the current request. */
static struct {
	int sends, drops;
	int error;
	size_t out_len;
} ans;

/* What the filesystem saw. */
static struct {
	int calls;
	unsigned op;
	char name[256], name2[256];
	zcfuse_ino_t ino, ino2;
	size_t size;
	mode_t mode;
	mode_t umask;
	uint64_t count;
} fs;

static int fake_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	ans.sends++;
	ans.error = error;
	ans.out_len = 0;
	for (int i = 0; i < iovcnt; i++)
		ans.out_len += iov[i].iov_len;
	return 0;
}

static void fake_drop(struct zcfuse_req *req)
{
	ans.drops++;
}

static const struct zcf_carrier fake_tp = {
	.name = "fake",
	.send = fake_send,
	.drop = fake_drop,
};

static void fs_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	fs.calls++;
	fs.op = FUSE_LOOKUP;
	fs.ino = parent;
	snprintf(fs.name, sizeof(fs.name), "%s", name);
	zcfuse_reply_err(req, ENOENT);
}

static void fs_symlink(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
		       const char *name)
{
	fs.calls++;
	fs.op = FUSE_SYMLINK;
	snprintf(fs.name, sizeof(fs.name), "%s", name);
	snprintf(fs.name2, sizeof(fs.name2), "%s", link);
	zcfuse_reply_err(req, EPERM);
}

static void fs_rename(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		      zcfuse_ino_t newparent, const char *newname, unsigned flags)
{
	fs.calls++;
	fs.op = FUSE_RENAME;
	fs.ino = parent;
	fs.ino2 = newparent;
	snprintf(fs.name, sizeof(fs.name), "%s", name);
	snprintf(fs.name2, sizeof(fs.name2), "%s", newname);
	zcfuse_reply_err(req, 0);
}

static void fs_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	fs.calls++;
	fs.op = FUSE_MKDIR;
	fs.mode = mode;
	fs.umask = zcfuse_req_ctx(req)->umask;
	snprintf(fs.name, sizeof(fs.name), "%s", name);
	zcfuse_reply_err(req, EROFS);
}

static void fs_setxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			const void *value, size_t size, int flags)
{
	fs.calls++;
	fs.op = FUSE_SETXATTR;
	fs.size = size;
	snprintf(fs.name, sizeof(fs.name), "%s", name);
	snprintf(fs.name2, sizeof(fs.name2), "%.*s", (int)size, (const char *)value);
	zcfuse_reply_err(req, 0);
}

static void fs_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		    struct zcfuse_file_info *fi)
{
	fs.calls++;
	fs.op = FUSE_READ;
	fs.size = size;
	zcfuse_reply_buf(req, "hello", 5);
}

static void fs_write(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
		     off_t off, struct zcfuse_file_info *fi)
{
	fs.calls++;
	fs.op = FUSE_WRITE;
	fs.size = size;
	zcfuse_reply_write(req, size);
}

static void fs_forget(struct zcfuse_req *req, zcfuse_ino_t ino, uint64_t nlookup)
{
	fs.calls++;
	fs.op = FUSE_FORGET;
	fs.count += nlookup;
	zcfuse_reply_none(req);
}

static const struct zcfuse_ops full_ops = {
	.lookup = fs_lookup,
	.symlink = fs_symlink,
	.rename = fs_rename,
	.mkdir = fs_mkdir,
	.setxattr = fs_setxattr,
	.read = fs_read,
	.write = fs_write,
	.forget = fs_forget,
};

static alignas(64) unsigned char buf[1 << 16];
static alignas(64) unsigned char payload[4096];
static struct zcf_proto_ctx *se;
static uint32_t req_uid = 1; /* the caller's uid in the next request */

/*
 * Frames and dispatches one request: header, fixed argument @arg of
 * @arg_len bytes, then @data_len bytes of @data. Returns the frame result.
 */
static int send_req(uint32_t opcode, const void *arg, size_t arg_len, const void *data,
		    size_t data_len)
{
	struct fuse_in_header in = {
		.opcode = opcode, .unique = 99, .nodeid = 5, .uid = req_uid, .gid = 2, .pid = 3,
	};
	static struct zcfuse_req req;
	size_t len = sizeof(in) + arg_len + data_len;
	int ret;

	memset(&ans, 0, sizeof(ans));
	memset(&fs, 0, sizeof(fs));
	in.len = (uint32_t)len;
	memcpy(buf, &in, sizeof(in));
	if (arg_len)
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

#define ENDED_ONCE(what)                                                             \
	T_CHECK(ans.sends + ans.drops == 1, "%s: ended %d times (sends %d, drops %d), want once", \
		what, ans.sends + ans.drops, ans.sends, ans.drops)

static uint64_t malformed_count(void)
{
	return atomic_load(&se->counters.base.malformed);
}

static void test_good_requests(void)
{
	struct fuse_mkdir_in mk = { .mode = 040755, .umask = 022 };
	struct fuse_rename_in rn = { .newdir = 9 };
	struct fuse_setxattr_in sx = { .size = 5, .flags = 0 };
	struct fuse_read_in rd = { .fh = 1, .offset = 0, .size = 65536 };
	struct fuse_write_in wr = { .fh = 1, .offset = 0, .size = 6 };
	struct fuse_forget_in fg = { .nlookup = 3 };

	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame LOOKUP");
	T_EQ(fs.calls, 1, "LOOKUP reaches the fs");
	T_CHECK(!strcmp(fs.name, "name"), "LOOKUP name '%s'", fs.name);
	T_EQ(fs.ino, 5, "LOOKUP parent is the header's nodeid");
	T_EQ(ans.error, -ENOENT, "the fs's ENOENT goes out negated");
	ENDED_ONCE("LOOKUP");

	T_EQ(send_req(FUSE_SYMLINK, NULL, 0, "lname\0target", 13), 0, "frame SYMLINK");
	T_EQ(fs.calls, 1, "SYMLINK reaches the fs");
	T_CHECK(!strcmp(fs.name, "lname") && !strcmp(fs.name2, "target"),
		"SYMLINK name '%s' target '%s' (name comes first on the wire)", fs.name, fs.name2);
	ENDED_ONCE("SYMLINK");

	T_EQ(send_req(FUSE_RENAME, &rn, sizeof(rn), "old\0new", 8), 0, "frame RENAME");
	T_EQ(fs.calls, 1, "RENAME reaches the fs");
	T_CHECK(!strcmp(fs.name, "old") && !strcmp(fs.name2, "new"), "RENAME '%s' -> '%s'", fs.name,
		fs.name2);
	T_EQ(fs.ino2, 9, "RENAME newdir");
	T_EQ(ans.error, 0, "RENAME success");
	ENDED_ONCE("RENAME");

	T_EQ(send_req(FUSE_MKDIR, &mk, sizeof(mk), "d", 2), 0, "frame MKDIR");
	T_EQ(fs.calls, 1, "MKDIR reaches the fs");
	T_EQ(fs.mode, 040755, "MKDIR mode");
	T_EQ(fs.umask, 022, "MKDIR umask reaches zcfuse_req_ctx()");
	ENDED_ONCE("MKDIR");

	T_EQ(send_req(FUSE_SETXATTR, &sx, sizeof(sx), "user.a\0hello", 12), 0, "frame SETXATTR");
	T_EQ(fs.calls, 1, "SETXATTR reaches the fs");
	T_CHECK(!strcmp(fs.name, "user.a") && !strcmp(fs.name2, "hello") && fs.size == 5,
		"SETXATTR '%s'='%s' (%zu)", fs.name, fs.name2, fs.size);
	ENDED_ONCE("SETXATTR");

	T_EQ(send_req(FUSE_READ, &rd, sizeof(rd), NULL, 0), 0, "frame READ");
	T_EQ(fs.calls, 1, "READ reaches the fs");
	T_CHECK(fs.size <= sizeof(payload), "READ of 64 KiB offered %zu bytes with a 4 KiB payload",
		fs.size);
	T_EQ(ans.out_len, 5, "READ reply carries the 5 bytes");
	ENDED_ONCE("READ");

	T_EQ(send_req(FUSE_WRITE, &wr, sizeof(wr), "abcdef", 6), 0, "frame WRITE");
	T_EQ(fs.calls, 1, "WRITE reaches the fs");
	T_EQ(fs.size, 6, "WRITE size");
	ENDED_ONCE("WRITE");

	T_EQ(send_req(FUSE_FORGET, &fg, sizeof(fg), NULL, 0), 0, "frame FORGET");
	T_EQ(fs.count, 3, "FORGET nlookup");
	T_EQ(ans.sends, 0, "FORGET is never answered");
	ENDED_ONCE("FORGET");

	{
		struct {
			struct fuse_batch_forget_in h;
			struct fuse_forget_one one[3];
		} bf = { { 3, 0 }, { { 10, 1 }, { 11, 2 }, { 12, 4 } } };

		T_EQ(send_req(FUSE_BATCH_FORGET, &bf.h, sizeof(bf.h), bf.one, sizeof(bf.one)), 0,
		     "frame BATCH_FORGET");
		T_EQ(fs.calls, 3, "BATCH_FORGET calls forget per entry");
		T_EQ(fs.count, 7, "BATCH_FORGET total nlookup");
		T_EQ(ans.sends, 0, "BATCH_FORGET is never answered");
		ENDED_ONCE("BATCH_FORGET");
	}
}

static void test_malformed(void)
{
	struct fuse_rename_in rn = { .newdir = 9 };
	struct fuse_mkdir_in mk = { .mode = 040755 };
	struct fuse_setxattr_in sx = { .size = 100 };
	struct fuse_write_in wr = { .size = 4096 };
	uint64_t before;

	before = malformed_count();
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "abc", 3), 0, "frame");
	T_EQ(fs.calls, 0, "LOOKUP of a name without NUL must not reach the fs");
	T_EQ(ans.error, -EINVAL, "LOOKUP of a name without NUL");
	ENDED_ONCE("unterminated LOOKUP");
	T_EQ(malformed_count(), before + 1, "counted as malformed");

	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, NULL, 0), 0, "frame");
	T_EQ(fs.calls, 0, "LOOKUP without a name");
	T_EQ(ans.error, -EINVAL, "LOOKUP without a name");
	ENDED_ONCE("empty LOOKUP");

	T_EQ(send_req(FUSE_MKDIR, &mk, sizeof(mk), "dir", 3), 0, "frame");
	T_EQ(fs.calls, 0, "MKDIR name without NUL");
	T_EQ(ans.error, -EINVAL, "MKDIR name without NUL");
	ENDED_ONCE("unterminated MKDIR");

	T_EQ(send_req(FUSE_SYMLINK, NULL, 0, "lname", 6), 0, "frame");
	T_EQ(fs.calls, 0, "SYMLINK without a target");
	T_EQ(ans.error, -EINVAL, "SYMLINK without a target");
	ENDED_ONCE("SYMLINK without target");

	T_EQ(send_req(FUSE_RENAME, &rn, sizeof(rn), "old\0new", 7), 0, "frame");
	T_EQ(fs.calls, 0, "RENAME whose second name has no NUL");
	T_EQ(ans.error, -EINVAL, "RENAME whose second name has no NUL");
	ENDED_ONCE("unterminated RENAME");

	T_EQ(send_req(FUSE_SETXATTR, &sx, sizeof(sx), "user.a\0short", 12), 0, "frame");
	T_EQ(fs.calls, 0, "SETXATTR value shorter than its size");
	T_EQ(ans.error, -EINVAL, "SETXATTR value shorter than its size");
	ENDED_ONCE("short SETXATTR");

	T_EQ(send_req(FUSE_WRITE, &wr, sizeof(wr), "only-some-bytes", 15), 0, "frame");
	T_EQ(fs.calls, 0, "WRITE with less data than its size");
	T_EQ(ans.error, -EINVAL, "WRITE with less data than its size");
	ENDED_ONCE("short WRITE");

	{
		struct fuse_batch_forget_in h = { .count = 1000 };
		struct fuse_forget_one one = { 10, 1 };

		T_EQ(send_req(FUSE_BATCH_FORGET, &h, sizeof(h), &one, sizeof(one)), 0, "frame");
		T_EQ(fs.calls, 0, "BATCH_FORGET claiming 1000 entries with data for 1");
		T_EQ(ans.sends, 0, "BATCH_FORGET is never answered, even when malformed");
		ENDED_ONCE("bad BATCH_FORGET");
	}
}

#define BASE (&se->counters.base)
#define N(c) atomic_load(&(c).n)
#define BYTES(c) atomic_load(&(c).bytes)

/*
 * Each request is counted once as it ends, what it did on the way with it:
 * its opcode (READ with the size offered the fs, others with their data),
 * how the reply went, whether it was an error; unknown opcodes have no slot.
 */
static void test_counts(void)
{
	struct fuse_read_in rd = { .fh = 7, .offset = 0, .size = 65536 };
	struct fuse_write_in wr = { .fh = 7, .size = 6 };
	struct fuse_forget_in fg = { .nlookup = 1 };
	uint64_t r = N(BASE->op[FUSE_READ]), rb = BYTES(BASE->op[FUSE_READ]);
	uint64_t cp = N(BASE->path[ZCF_PATH_REPLY_COPY]), cpb = BYTES(BASE->path[ZCF_PATH_REPLY_COPY]);
	uint64_t w = N(BASE->op[FUSE_WRITE]), wb = BYTES(BASE->op[FUSE_WRITE]);
	uint64_t l = N(BASE->op[FUSE_LOOKUP]), lb = BYTES(BASE->op[FUSE_LOOKUP]);
	uint64_t f = N(BASE->op[FUSE_FORGET]), err = atomic_load(&BASE->errors);
	uint64_t all = 0, all_after = 0;

	for (unsigned i = 0; i < ZCF_COUNTED_OPS; i++)
		all += N(BASE->op[i]);
	T_EQ(send_req(FUSE_READ, &rd, sizeof(rd), NULL, 0), 0, "frame READ");
	T_EQ(N(BASE->op[FUSE_READ]), r + 1, "READ counted once");
	T_EQ(BYTES(BASE->op[FUSE_READ]), rb + sizeof(payload), "READ counts the size offered");
	T_EQ(N(BASE->path[ZCF_PATH_REPLY_COPY]), cp + 1, "READ reply by copy counted");
	T_EQ(BYTES(BASE->path[ZCF_PATH_REPLY_COPY]), cpb + 5, "its 5 bytes");
	T_EQ(send_req(FUSE_WRITE, &wr, sizeof(wr), "abcdef", 6), 0, "frame WRITE");
	T_EQ(N(BASE->op[FUSE_WRITE]), w + 1, "WRITE counted once");
	T_EQ(BYTES(BASE->op[FUSE_WRITE]), wb + 6, "WRITE counts its size");
	T_EQ(atomic_load(&BASE->errors), err, "no error so far");
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame LOOKUP");
	T_EQ(N(BASE->op[FUSE_LOOKUP]), l + 1, "LOOKUP counted once");
	T_EQ(BYTES(BASE->op[FUSE_LOOKUP]), lb + 5, "LOOKUP counts its name");
	T_EQ(atomic_load(&BASE->errors), err + 1, "its ENOENT is an error");
	T_EQ(send_req(FUSE_FORGET, &fg, sizeof(fg), NULL, 0), 0, "frame FORGET");
	T_EQ(N(BASE->op[FUSE_FORGET]), f + 1, "FORGET, never answered, counted once");
	T_EQ(send_req(9999, NULL, 0, NULL, 0), 0, "frame opcode 9999");
	T_EQ(atomic_load(&BASE->errors), err + 2, "its ENOSYS is an error");
	for (unsigned i = 0; i < ZCF_COUNTED_OPS; i++)
		all_after += N(BASE->op[i]);
	T_EQ(all_after, all + 4, "four opcodes counted, the unknown one not");
}

static void test_unknown_and_defaults(void)
{
	/* Not served at all, or served but the fs has no op (STATX: nor getattr). */
	static const uint32_t unknown[] = { 7, 19, FUSE_SETUPMAPPING, FUSE_REMOVEMAPPING,
					    FUSE_IOCTL, FUSE_GETLK, FUSE_SETLK, FUSE_SETLKW,
					    FUSE_STATX, FUSE_POLL, FUSE_BMAP, FUSE_SYNCFS,
					    FUSE_TMPFILE, FUSE_COPY_FILE_RANGE_64, 9999 };
	struct fuse_open_in op = { .flags = 0 };
	struct fuse_release_in rl = { .fh = 1 };
	struct fuse_getattr_in ga = { 0 };
	char big[64] = { 0 };

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		T_EQ(send_req(unknown[i], big, sizeof(big), NULL, 0), 0, "frame opcode %u", unknown[i]);
		T_EQ(ans.error, -ENOSYS, "opcode %u", unknown[i]);
		ENDED_ONCE("unknown opcode");
	}
	/* NOTIFY_REPLY answers a retrieve zcfuse never sends: it must still end. */
	T_EQ(send_req(FUSE_NOTIFY_REPLY, big, 40, "x", 1), 0, "frame NOTIFY_REPLY");
	T_CHECK(ans.sends == 0, "NOTIFY_REPLY must not be answered (got %d sends)", ans.sends);
	ENDED_ONCE("NOTIFY_REPLY");

	/* Ops the fs leaves NULL. */
	T_EQ(send_req(FUSE_GETATTR, &ga, sizeof(ga), NULL, 0), 0, "frame GETATTR");
	T_EQ(ans.error, -ENOSYS, "GETATTR without an op");
	ENDED_ONCE("GETATTR");
	T_EQ(send_req(FUSE_OPEN, &op, sizeof(op), NULL, 0), 0, "frame OPEN");
	T_EQ(ans.error, 0, "OPEN without an op succeeds");
	T_CHECK(ans.out_len >= sizeof(struct fuse_open_out), "OPEN answer carries fuse_open_out");
	ENDED_ONCE("OPEN");
	T_EQ(send_req(FUSE_RELEASE, &rl, sizeof(rl), NULL, 0), 0, "frame RELEASE");
	T_EQ(ans.error, 0, "RELEASE without an op succeeds");
	ENDED_ONCE("RELEASE");
	T_EQ(send_req(FUSE_STATFS, NULL, 0, NULL, 0), 0, "frame STATFS");
	T_CHECK(ans.error == -ENOSYS || ans.error == 0, "STATFS without an op: %d", ans.error);
	ENDED_ONCE("STATFS");
}

static void test_before_init(void)
{
	se->got_init = false;
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame");
	T_EQ(fs.calls, 0, "LOOKUP before INIT must not reach the fs");
	T_EQ(ans.error, -EIO, "LOOKUP before INIT");
	ENDED_ONCE("LOOKUP before INIT");
	se->got_init = true;
}

/* -o allow_root: only root and the mounting user get past new lookups. */
static void test_allow_root(void)
{
	struct fuse_read_in rd = { .fh = 1, .offset = 0, .size = 100 };

	se->cfg.allow_root = true;
	se->owner_uid = 1000;
	req_uid = 2000;
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame");
	T_EQ(fs.calls, 0, "allow_root: LOOKUP by a stranger must not reach the fs");
	T_EQ(ans.error, -EACCES, "allow_root: LOOKUP by a stranger");
	ENDED_ONCE("allow_root stranger LOOKUP");
	req_uid = 1000;
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame");
	T_EQ(fs.calls, 1, "allow_root: LOOKUP by the owner reaches the fs");
	ENDED_ONCE("allow_root owner LOOKUP");
	req_uid = 0;
	T_EQ(send_req(FUSE_LOOKUP, NULL, 0, "name", 5), 0, "frame");
	T_EQ(fs.calls, 1, "allow_root: LOOKUP by root reaches the fs");
	ENDED_ONCE("allow_root root LOOKUP");
	req_uid = 2000;
	T_EQ(send_req(FUSE_READ, &rd, sizeof(rd), NULL, 0), 0, "frame");
	T_EQ(fs.calls, 1, "allow_root: READ on an open file passes for anyone");
	ENDED_ONCE("allow_root stranger READ");
	se->cfg.allow_root = false;
	req_uid = 1;
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

	se->ops = full_ops;
	test_good_requests();
	test_counts();
	test_malformed();
	test_before_init();
	test_allow_root();
	memset(&se->ops, 0, sizeof(se->ops));
	test_unknown_and_defaults();

	pthread_mutex_destroy(&se->lock);
	free(se);
	return t_exit("proto-dispatch");
}
