/* SPDX-License-Identifier: MIT */
/*
 * Framing of classic /dev/fuse requests: zcf_frame_classic() must accept
 * every well-formed request of each served opcode, place the fixed argument
 * and the variable data exactly, and refuse anything whose lengths do not
 * add up (short header, len field that disagrees with the bytes read,
 * truncated fixed argument, extensions longer than the body).
 * zcf_op_arg_size() must give the wire size of each opcode's argument and
 * -ENOSYS for opcodes zcfuse does not serve.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "proto/proto.h"
#include "test.h"

/* The wire sizes, from the kernel ABI (struct fuse_*_in). */
static const struct {
	uint32_t opcode;
	int size;
} arg_sizes[] = {
	{ FUSE_LOOKUP, 0 },
	{ FUSE_FORGET, 8 },
	{ FUSE_GETATTR, 16 },
	{ FUSE_SETATTR, 88 },
	{ FUSE_READLINK, 0 },
	{ FUSE_SYMLINK, 0 },
	{ FUSE_MKNOD, 16 },
	{ FUSE_MKDIR, 8 },
	{ FUSE_UNLINK, 0 },
	{ FUSE_RMDIR, 0 },
	{ FUSE_RENAME, 8 },
	{ FUSE_LINK, 8 },
	{ FUSE_OPEN, 8 },
	{ FUSE_READ, 40 },
	{ FUSE_WRITE, 40 },
	{ FUSE_STATFS, 0 },
	{ FUSE_RELEASE, 24 },
	{ FUSE_FSYNC, 16 },
	{ FUSE_SETXATTR, 16 },
	{ FUSE_GETXATTR, 8 },
	{ FUSE_LISTXATTR, 8 },
	{ FUSE_REMOVEXATTR, 0 },
	{ FUSE_FLUSH, 24 },
	{ FUSE_INIT, 16 },
	{ FUSE_OPENDIR, 8 },
	{ FUSE_READDIR, 40 },
	{ FUSE_RELEASEDIR, 24 },
	{ FUSE_FSYNCDIR, 16 },
	{ FUSE_ACCESS, 8 },
	{ FUSE_CREATE, 16 },
	{ FUSE_INTERRUPT, 8 },
	{ FUSE_DESTROY, 0 },
	{ FUSE_BATCH_FORGET, 8 },
	{ FUSE_FALLOCATE, 32 },
	{ FUSE_READDIRPLUS, 40 },
	{ FUSE_RENAME2, 16 },
	{ FUSE_LSEEK, 24 },
	{ FUSE_COPY_FILE_RANGE, 56 },
	{ FUSE_GETLK, 48 },
	{ FUSE_SETLK, 48 },
	{ FUSE_SETLKW, 48 },
	{ FUSE_BMAP, 16 },
	{ FUSE_IOCTL, 32 },
	{ FUSE_POLL, 24 },
	{ FUSE_NOTIFY_REPLY, 40 },
	{ FUSE_SYNCFS, 8 },
	{ FUSE_TMPFILE, 16 },
	{ FUSE_STATX, 24 },
	{ FUSE_COPY_FILE_RANGE_64, 56 },
};

/* Opcodes zcfuse does not serve, and numbers that are no opcode at all. */
static const uint32_t unserved[] = {
	0, 7, 19, FUSE_SETUPMAPPING, FUSE_REMOVEMAPPING, FUSE_OPCODE_MAX, 100, 4096,
	0xffffffffu,
};

static alignas(64) unsigned char buf[1 << 16];

/* Builds header + fixed argument (pattern bytes) + data + ext*8 bytes of extensions. */
static size_t build(uint32_t opcode, size_t arg_len, const void *data, size_t data_len,
		    unsigned ext)
{
	struct fuse_in_header in = {
		.opcode = opcode,
		.unique = 0x1234,
		.nodeid = 77,
		.uid = 1000,
		.gid = 1001,
		.pid = 4242,
		.total_extlen = (uint16_t)ext,
	};
	size_t len = sizeof(in) + arg_len + data_len + ext * 8;

	in.len = (uint32_t)len;
	memset(buf, 0, len + 64);
	memcpy(buf, &in, sizeof(in));
	for (size_t i = 0; i < arg_len; i++)
		buf[sizeof(in) + i] = (unsigned char)(i + 1);
	if (data_len)
		memcpy(buf + sizeof(in) + arg_len, data, data_len);
	memset(buf + sizeof(in) + arg_len + data_len, 0xee, ext * 8);
	return len;
}

static void set_len(uint32_t len)
{
	memcpy(buf + offsetof(struct fuse_in_header, len), &len, sizeof(len));
}

static void test_arg_sizes(void)
{
	size_t i;

	for (i = 0; i < sizeof(arg_sizes) / sizeof(arg_sizes[0]); i++)
		T_EQ(zcf_op_arg_size(arg_sizes[i].opcode, true), arg_sizes[i].size, "opcode %s (%u)",
		     zcf_opcode_name(arg_sizes[i].opcode), arg_sizes[i].opcode);
	/* Before FUSE_SETXATTR_EXT the kernel sends only size and flags. */
	T_EQ(zcf_op_arg_size(FUSE_SETXATTR, false), 8, "SETXATTR without setxattr_ext");
	T_EQ(zcf_op_arg_size(FUSE_READ, false), 40, "READ does not depend on setxattr_ext");
	for (i = 0; i < sizeof(unserved) / sizeof(unserved[0]); i++)
		T_EQ(zcf_op_arg_size(unserved[i], true), -ENOSYS, "unserved opcode %u", unserved[i]);
}

/* A valid request of each served opcode frames, with arg and data in place. */
static void test_valid(void)
{
	static const char name[] = "some-name";
	size_t i;

	for (i = 0; i < sizeof(arg_sizes) / sizeof(arg_sizes[0]); i++) {
		uint32_t op = arg_sizes[i].opcode;
		int fixed = arg_sizes[i].size;
		struct zcfuse_req req = { 0 };
		size_t len = build(op, (size_t)fixed, name, sizeof(name), 0);
		int ret = zcf_frame_classic(&req, buf, len);

		T_EQ(ret, 0, "valid %s request of %zu bytes", zcf_opcode_name(op), len);
		if (ret)
			continue;
		T_EQ(req.in.opcode, op, "header copied");
		T_EQ(req.in.unique, 0x1234, "unique copied (%s)", zcf_opcode_name(op));
		T_EQ(req.in.nodeid, 77, "nodeid copied (%s)", zcf_opcode_name(op));
		T_EQ(req.ctx.uid, 1000, "ctx.uid (%s)", zcf_opcode_name(op));
		T_EQ(req.ctx.gid, 1001, "ctx.gid (%s)", zcf_opcode_name(op));
		T_EQ(req.ctx.pid, 4242, "ctx.pid (%s)", zcf_opcode_name(op));
		T_CHECK(req.arg == buf + sizeof(struct fuse_in_header), "%s: arg right after the header",
			zcf_opcode_name(op));
		if (op == FUSE_INIT) {
			/* INIT's argument grew over protocol versions: all of the body. */
			T_EQ(req.arg_len, fixed + sizeof(name), "INIT arg_len is the whole body");
			continue;
		}
		T_EQ(req.arg_len, fixed, "%s arg_len", zcf_opcode_name(op));
		T_CHECK(req.data == buf + sizeof(struct fuse_in_header) + fixed,
			"%s: data right after the fixed argument", zcf_opcode_name(op));
		T_EQ(req.data_len, sizeof(name), "%s data_len", zcf_opcode_name(op));
		if (req.data && req.data_len == sizeof(name))
			T_CHECK(!memcmp(req.data, name, sizeof(name)), "%s: data bytes", zcf_opcode_name(op));
	}

	/* No data at all is fine for an opcode without names (GETATTR). */
	{
		struct zcfuse_req req = { 0 };
		size_t len = build(FUSE_GETATTR, 16, NULL, 0, 0);

		T_EQ(zcf_frame_classic(&req, buf, len), 0, "GETATTR with no data");
		T_EQ(req.data_len, 0, "GETATTR data_len");
	}
	/* A big WRITE: all its bytes are data. */
	{
		struct zcfuse_req req = { 0 };
		static char payload[32768];
		size_t len;

		memset(payload, 'w', sizeof(payload));
		len = build(FUSE_WRITE, 40, payload, sizeof(payload), 0);
		T_EQ(zcf_frame_classic(&req, buf, len), 0, "WRITE of 32 KiB");
		T_EQ(req.data_len, sizeof(payload), "WRITE data_len");
	}
}

static void test_short_header(void)
{
	size_t n;

	build(FUSE_GETATTR, 16, NULL, 0, 0);
	for (n = 0; n < sizeof(struct fuse_in_header); n++) {
		struct zcfuse_req req = { 0 };
		int ret;

		set_len((uint32_t)n);
		ret = zcf_frame_classic(&req, buf, n);
		T_CHECK(ret == -EPROTO || ret == -EINVAL, "a %zu-byte request must be refused, got %d",
			n, ret);
	}
}

static void test_bad_len_field(void)
{
	struct zcfuse_req req;
	size_t len;
	int ret;

	/* len says more than was read */
	len = build(FUSE_LOOKUP, 0, "abc", 4, 0);
	set_len((uint32_t)len + 1);
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "len field one byte larger than the buffer: got %d", ret);
	set_len(1u << 31);
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "len field 2 GiB: got %d", ret);
	set_len(0xffffffffu);
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "len field 4 GiB - 1: got %d", ret);

	/* len smaller than the header itself */
	for (uint32_t l = 0; l < sizeof(struct fuse_in_header); l += 8) {
		len = build(FUSE_GETATTR, 16, NULL, 0, 0);
		set_len(l);
		memset(&req, 0, sizeof(req));
		ret = zcf_frame_classic(&req, buf, len);
		T_CHECK(ret < 0, "len field %u (< header) in a %zu-byte buffer: got %d", l, len, ret);
	}

	/* len smaller than what was read: the rest would be trusted garbage */
	len = build(FUSE_GETATTR, 16, NULL, 0, 0);
	set_len((uint32_t)len - 8);
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "len field 8 bytes short of the buffer: got %d", ret);
}

/* Each opcode with a fixed argument, one byte short of it. */
static void test_truncated_arg(void)
{
	size_t i;

	for (i = 0; i < sizeof(arg_sizes) / sizeof(arg_sizes[0]); i++) {
		uint32_t op = arg_sizes[i].opcode;
		int fixed = arg_sizes[i].size;
		struct zcfuse_req req = { 0 };
		size_t len;
		int ret;

		if (!fixed)
			continue;
		len = build(op, (size_t)fixed - 1, NULL, 0, 0);
		ret = zcf_frame_classic(&req, buf, len);
		T_CHECK(ret == -EINVAL || ret == -EPROTO,
			"%s with a %d-byte argument (needs %d) must be refused, got %d",
			zcf_opcode_name(op), fixed - 1, fixed, ret);
		len = build(op, 0, NULL, 0, 0);
		memset(&req, 0, sizeof(req));
		ret = zcf_frame_classic(&req, buf, len);
		T_CHECK(ret == -EINVAL || ret == -EPROTO,
			"%s with no argument must be refused, got %d", zcf_opcode_name(op), ret);
	}
}

/* SETXATTR's argument is 8 bytes until FUSE_SETXATTR_EXT is negotiated. */
static void test_setxattr_compat(void)
{
	struct zcf_proto_ctx *se = calloc(1, sizeof(*se));
	struct zcfuse_req req = { 0 };
	static const char data[] = "user.x\0val";
	size_t len;

	if (!se) {
		T_CHECK(se, "out of memory");
		return;
	}
	req.pc = se;
	se->conn.setxattr_ext = false;
	len = build(FUSE_SETXATTR, 8, data, sizeof(data), 0);
	T_EQ(zcf_frame_classic(&req, buf, len), 0, "compat SETXATTR");
	T_EQ(req.arg_len, 8, "compat SETXATTR argument");
	T_EQ(req.data_len, sizeof(data), "compat SETXATTR data");

	se->conn.setxattr_ext = true;
	memset(&req, 0, sizeof(req));
	req.pc = se;
	len = build(FUSE_SETXATTR, 16, data, sizeof(data), 0);
	T_EQ(zcf_frame_classic(&req, buf, len), 0, "extended SETXATTR");
	T_EQ(req.arg_len, 16, "extended SETXATTR argument");
	T_EQ(req.data_len, sizeof(data), "extended SETXATTR data");

	memset(&req, 0, sizeof(req));
	req.pc = se;
	len = build(FUSE_SETXATTR, 8, NULL, 0, 0);
	T_CHECK(zcf_frame_classic(&req, buf, len) < 0,
		"extended SETXATTR with only the 8-byte compat argument must be refused");
	free(se);
}

/* total_extlen counts 8-byte units of extensions at the end of the body. */
static void test_extensions(void)
{
	struct zcfuse_req req = { 0 };
	size_t len;
	int ret;

	len = build(FUSE_LOOKUP, 0, "name", 5, 2);
	ret = zcf_frame_classic(&req, buf, len);
	T_EQ(ret, 0, "LOOKUP with 16 bytes of extensions");
	if (!ret)
		T_EQ(req.data_len, 5, "extensions are not part of the data");

	len = build(FUSE_LOOKUP, 0, "name", 5, 0);
	/* claim 16 bytes of extensions that are not there */
	{
		uint16_t ext = 2;

		memcpy(buf + offsetof(struct fuse_in_header, total_extlen), &ext, sizeof(ext));
	}
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "extensions longer than the body must be refused, got %d", ret);

	/* extensions eating into the fixed argument */
	len = build(FUSE_READ, 40, NULL, 0, 0);
	{
		uint16_t ext = 1;

		memcpy(buf + offsetof(struct fuse_in_header, total_extlen), &ext, sizeof(ext));
	}
	memset(&req, 0, sizeof(req));
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret < 0, "READ whose extensions overlap its argument must be refused, got %d", ret);
}

/* Unserved opcodes still frame (the dispatcher answers ENOSYS). */
static void test_unknown_opcode(void)
{
	struct zcfuse_req req = { 0 };
	size_t len = build(FUSE_IOCTL, 32, NULL, 0, 0);
	int ret = zcf_frame_classic(&req, buf, len);

	T_CHECK(ret == 0 || ret == -ENOSYS, "IOCTL request: got %d", ret);
	if (!ret)
		T_CHECK(req.arg_len + req.data_len <= len - sizeof(struct fuse_in_header),
			"framed lengths stay inside the buffer");
	memset(&req, 0, sizeof(req));
	len = build(9999, 0, NULL, 0, 0);
	ret = zcf_frame_classic(&req, buf, len);
	T_CHECK(ret == 0 || ret == -ENOSYS, "opcode 9999: got %d", ret);
	T_EQ(req.in.opcode, 9999, "header copied for an unknown opcode");
}

int main(void)
{
	test_arg_sizes();
	test_valid();
	test_short_header();
	test_bad_len_field();
	test_truncated_arg();
	test_setxattr_compat();
	test_extensions();
	test_unknown_opcode();
	return t_exit("proto-frame");
}
