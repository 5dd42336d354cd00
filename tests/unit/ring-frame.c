/* SPDX-License-Identifier: MIT */
/*
 * Framing of FUSE-over-io_uring entries (zcf_frame_ring) on plain memory:
 * good entries of each kind (own payload buffer, buffer-pool slot, zero
 * copy READ and WRITE) are placed exactly and reach the filesystem; every
 * malformed field of the header (opcode, lengths, payload_sz against the
 * buffer or pool slot, pool offsets, the ent_in_out flags and commit id) is
 * refused with -EPROTO, and then nothing of the entry is left for the
 * request but the commit id. Two entries crashed the server before: a
 * LOOKUP flagged zero copy (take_name() on a NULL data pointer) and a
 * READ flagged zero copy asking for 4 GiB (the size clamp was skipped).
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "proto/proto.h"
#include "test.h"

#define SLOT 8192
#define NSLOTS 4

static alignas(64) struct fuse_uring_req_header hdr;
static alignas(4096) char own[SLOT];
static alignas(4096) char pool[NSLOTS * SLOT];
static struct zcf_proto_ctx *se;

/* What the fake transport and the filesystem saw. */
static struct {
	int sends, drops, error;
	int calls;
	unsigned op;
	char name[64];
	size_t size;
	const void *buf;
} seen;

static int fake_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt)
{
	seen.sends++;
	seen.error = error;
	return 0;
}

static void fake_drop(struct zcfuse_req *req)
{
	seen.drops++;
}

static const struct zcf_carrier fake_tp = { .name = "fake", .send = fake_send, .drop = fake_drop };

static void fs_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	seen.calls++;
	seen.op = FUSE_LOOKUP;
	snprintf(seen.name, sizeof(seen.name), "%s", name);
	zcfuse_reply_err(req, ENOENT);
}

static void fs_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	seen.calls++;
	seen.op = FUSE_MKDIR;
	snprintf(seen.name, sizeof(seen.name), "%s", name);
	zcfuse_reply_err(req, EROFS);
}

static void fs_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		    struct zcfuse_file_info *fi)
{
	seen.calls++;
	seen.op = FUSE_READ;
	seen.size = size;
	zcfuse_reply_err(req, EIO);
}

static void fs_write(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
		     off_t off, struct zcfuse_file_info *fi)
{
	seen.calls++;
	seen.op = FUSE_WRITE;
	seen.size = size;
	seen.buf = buf;
	zcfuse_reply_err(req, EIO);
}

static const struct zcfuse_ops ops = {
	.lookup = fs_lookup, .mkdir = fs_mkdir, .read = fs_read, .write = fs_write,
};

enum kind { PLAIN, POOL, ZC };
static const char *const kind_name[] = { "uring", "bufpool", "zerocopy" };

static struct zcf_ring_frame frame_of(enum kind k)
{
	struct zcf_ring_frame f = {
		.hdr = &hdr,
		.zero_copy = k == ZC,
		.setxattr_ext = true,
		.own_payload = k == PLAIN ? own : NULL,
		.pool = k == PLAIN ? NULL : pool,
		.pool_size = k == PLAIN ? 0 : sizeof(pool),
		.slot_size = SLOT,
	};
	return f;
}

/*
 * Lays out an entry as the kernel does: in header (len = header + op
 * argument + payload), the op argument, the payload (in the entry's own
 * buffer or at pool slot @slot), ent_in_out.
 */
static void lay(enum kind k, uint32_t opcode, const void *arg, size_t arg_len, const void *data,
		size_t data_len, uint64_t flags, unsigned slot)
{
	struct fuse_in_header in = {
		.len = (uint32_t)(sizeof(in) + arg_len + data_len),
		.opcode = opcode, .unique = 77, .nodeid = 5, .uid = 1, .gid = 2, .pid = 3,
	};
	char *payload = k == PLAIN ? own : pool + (size_t)slot * SLOT;

	memset(&hdr, 0xa5, sizeof(hdr)); /* nothing may come from stale bytes */
	memcpy(hdr.in_out, &in, sizeof(in));
	if (arg_len)
		memcpy(hdr.op_in, arg, arg_len);
	if (data_len && !(flags & FUSE_URING_ENT_ZERO_COPY))
		memcpy(payload, data, data_len);
	hdr.ring_ent_in_out.flags = flags;
	hdr.ring_ent_in_out.commit_id = 77;
	hdr.ring_ent_in_out.payload_sz = (uint32_t)data_len;
	hdr.ring_ent_in_out.offset = k == PLAIN ? 0 : slot * SLOT;
	hdr.ring_ent_in_out.reserved = 0;
}

static struct fuse_in_header *in_hdr(void)
{
	return (struct fuse_in_header *)hdr.in_out;
}

static struct zcfuse_req req;

/* Frames the entry in hdr; on success dispatches it too. */
static int run(enum kind k)
{
	struct zcf_ring_frame f = frame_of(k);
	const char *why = NULL;
	int ret;

	memset(&seen, 0, sizeof(seen));
	memset(&req, 0, sizeof(req));
	req.pc = se;
	req.tp = &fake_tp;
	req.payload_buf_index = -1;
	req.zc_buf_index = -1;
	ret = zcf_frame_ring(&req, &f, &why);
	if (ret) {
		T_CHECK(why != NULL, "a refused entry says why");
		T_EQ(req.in.unique, hdr.ring_ent_in_out.commit_id,
		     "a refused entry is answered to its commit id");
		T_CHECK(!req.data && !req.data_len && !req.payload && !req.payload_size &&
			!(req.flags & ZCF_REQ_ZERO_COPY),
			"a refused entry leaves no data or payload to the answer (%s)", why);
		return ret;
	}
	T_CHECK(why == NULL, "an accepted entry has no complaint (%s)", why);
	zcf_dispatch(&req);
	T_EQ(seen.sends + seen.drops, 1, "a framed entry is answered exactly once");
	return 0;
}

static void test_good(void)
{
	struct fuse_read_in rd = { .fh = 1, .size = SLOT };
	struct fuse_write_in wr = { .fh = 1, .size = 6 };
	struct fuse_mkdir_in mk = { .mode = 0755, .umask = 022 };
	char mkdata[8 + 8] = "dir";
	struct fuse_notify_retrieve_in nr;
	char nrbuf[sizeof(nr) + 4];
	struct fuse_bmap_in bm = { .block = 1, .blocksize = 4096 };
	enum kind k;

	for (k = PLAIN; k <= ZC; k++) {
		const char *kn = kind_name[k];
		char *slot2 = k == PLAIN ? own : pool + 2 * SLOT;

		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 2);
		T_EQ(run(k), 0, "%s: LOOKUP", kn);
		T_CHECK(seen.op == FUSE_LOOKUP && !strcmp(seen.name, "name"), "%s: LOOKUP name '%s'",
			kn, seen.name);
		T_CHECK(req.data == slot2 && req.data_len == 5, "%s: LOOKUP data in the slot", kn);
		T_EQ(seen.error, -ENOENT, "%s: LOOKUP answer", kn);

		lay(k, FUSE_READ, &rd, sizeof(rd), NULL, 0, 0, 2);
		T_EQ(run(k), 0, "%s: READ", kn);
		T_EQ(seen.size, SLOT, "%s: READ size", kn);
		T_CHECK(req.payload == slot2 && req.payload_size == SLOT, "%s: READ payload", kn);

		lay(k, FUSE_WRITE, &wr, sizeof(wr), "abcdef", 6, 0, 2);
		T_EQ(run(k), 0, "%s: WRITE", kn);
		T_CHECK(seen.op == FUSE_WRITE && seen.size == 6 && seen.buf == slot2,
			"%s: WRITE of 6 bytes from the slot (size %zu)", kn, seen.size);

		/* An extension (8 bytes) ends the payload: not part of the name data. */
		lay(k, FUSE_MKDIR, &mk, sizeof(mk), mkdata, sizeof(mkdata), 0, 2);
		in_hdr()->total_extlen = 1;
		T_EQ(run(k), 0, "%s: MKDIR with an extension", kn);
		T_EQ(req.data_len, 8, "%s: MKDIR data without the extension", kn);
		T_CHECK(!strcmp(seen.name, "dir"), "%s: MKDIR name '%s'", kn, seen.name);

		/*
		 * The answer to a RETRIEVE (the kernel sends it on the ring too):
		 * its struct heads the payload, the op area is empty; no reply.
		 */
		memset(&nr, 0, sizeof(nr));
		memcpy(nrbuf, &nr, sizeof(nr));
		memcpy(nrbuf + sizeof(nr), "data", 4);
		lay(k, FUSE_NOTIFY_REPLY, NULL, 0, nrbuf, sizeof(nrbuf), 0, 0);
		T_EQ(run(k), 0, "%s: NOTIFY_REPLY", kn);
		T_EQ(seen.sends, 0, "%s: NOTIFY_REPLY is not answered with a reply", kn);
		T_EQ(req.data_len, 4, "%s: NOTIFY_REPLY data after its struct", kn);
		lay(k, FUSE_NOTIFY_REPLY, NULL, 0, "data", 4, 0, 0);
		T_CHECK(run(k) != 0, "%s: NOTIFY_REPLY shorter than its struct is refused", kn);

		/* Not served by this fs: framed, answered ENOSYS (so the kernel stops asking). */
		lay(k, FUSE_BMAP, &bm, sizeof(bm), NULL, 0, 0, 0);
		T_EQ(run(k), 0, "%s: BMAP", kn);
		T_EQ(seen.error, -ENOSYS, "%s: BMAP answer", kn);
		lay(k, FUSE_BMAP, "12345678", 8, NULL, 0, 0, 0);
		T_CHECK(run(k) != 0, "%s: BMAP with a short argument is refused", kn);
	}

	/* The last slot of the pool. */
	lay(POOL, FUSE_LOOKUP, NULL, 0, "last", 5, 0, NSLOTS - 1);
	T_EQ(run(POOL), 0, "bufpool: LOOKUP in the last slot");
	T_CHECK(!strcmp(seen.name, "last"), "last slot name '%s'", seen.name);

	/* Zero copy: the data is the client's pages, not in the slot. */
	rd.size = SLOT;
	lay(ZC, FUSE_READ, &rd, sizeof(rd), NULL, 0, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), 0, "zerocopy: READ");
	T_CHECK(req.flags & ZCF_REQ_ZERO_COPY, "zerocopy: READ is zero copy");
	T_EQ(seen.size, SLOT, "zerocopy: READ size");

	wr.size = SLOT;
	lay(ZC, FUSE_WRITE, &wr, sizeof(wr), NULL, SLOT, FUSE_URING_ENT_ZERO_COPY, 1);
	T_EQ(run(ZC), 0, "zerocopy: WRITE");
	T_CHECK(req.flags & ZCF_REQ_ZERO_COPY, "zerocopy: WRITE is zero copy");
	T_CHECK(seen.op == FUSE_WRITE && seen.size == SLOT && !seen.buf,
		"zerocopy: WRITE of a slot without a CPU pointer (size %zu, buf %p)", seen.size,
		seen.buf);
	T_CHECK(req.payload == pool + SLOT, "zerocopy: WRITE's pool slot carries write_out");
}

/* The two entries that crashed the server (issue 9, item 5). */
static void test_known_crashes(void)
{
	struct fuse_read_in rd = { .fh = 1, .size = 0xffffffffu };

	lay(ZC, FUSE_LOOKUP, NULL, 0, "0123456789abcde", 16, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), -EPROTO, "LOOKUP flagged zero copy");
	T_EQ(seen.calls, 0, "a LOOKUP flagged zero copy reaches no filesystem");

	lay(ZC, FUSE_READ, &rd, sizeof(rd), NULL, 0, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), -EPROTO, "READ flagged zero copy for 4 GiB");
	T_CHECK(seen.calls == 0 || seen.size <= SLOT, "a 4 GiB zero-copy READ asked the fs for %zu",
		seen.size);
}

static void test_malformed(void)
{
	struct fuse_read_in rd = { .fh = 1, .size = 4096 };
	struct fuse_write_in wr = { .fh = 1, .size = 4096 };
	static const uint32_t never_on_ring[] = {
		FUSE_INIT, FUSE_FORGET, FUSE_BATCH_FORGET, FUSE_INTERRUPT,
	};
	enum kind k;
	size_t i;

	for (k = PLAIN; k <= ZC; k++) {
		const char *kn = kind_name[k];

		/* payload_sz beyond the buffer or slot */
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		hdr.ring_ent_in_out.payload_sz = SLOT + 1;
		in_hdr()->len = sizeof(struct fuse_in_header) + SLOT + 1;
		T_EQ(run(k), -EPROTO, "%s: payload_sz past the slot", kn);
		hdr.ring_ent_in_out.payload_sz = 0xffffffffu;
		T_EQ(run(k), -EPROTO, "%s: payload_sz 4 GiB", kn);

		/* in.len: shorter than the header, than header + payload, or
		 * leaving more op argument than the op area holds */
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		in_hdr()->len = 39;
		T_EQ(run(k), -EPROTO, "%s: len shorter than the header", kn);
		in_hdr()->len = sizeof(struct fuse_in_header) + 4;
		T_EQ(run(k), -EPROTO, "%s: len shorter than header + payload", kn);
		in_hdr()->len = sizeof(struct fuse_in_header) + FUSE_URING_OP_IN_OUT_SZ + 6;
		T_EQ(run(k), -EPROTO, "%s: op argument larger than the op area", kn);
		in_hdr()->len = 0xffffffffu;
		T_EQ(run(k), -EPROTO, "%s: len 4 GiB", kn);

		/* a fixed argument that the entry does not carry */
		lay(k, FUSE_READ, &rd, sizeof(rd), NULL, 0, 0, 0);
		in_hdr()->len = sizeof(struct fuse_in_header) + 8;
		T_EQ(run(k), -EPROTO, "%s: READ with 8 bytes of fuse_read_in", kn);

		/* extensions longer than the payload */
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		in_hdr()->total_extlen = 1;
		T_EQ(run(k), -EPROTO, "%s: extensions past the payload", kn);

		/* commit id and unique */
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		hdr.ring_ent_in_out.commit_id = 78;
		T_EQ(run(k), -EPROTO, "%s: commit id differs from unique", kn);
		T_EQ(req.in.unique, 78, "%s: answered to the commit id", kn);
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		in_hdr()->unique = 0;
		hdr.ring_ent_in_out.commit_id = 0;
		T_EQ(run(k), -EPROTO, "%s: unique 0", kn);
		T_EQ(req.in.unique, 0, "%s: unique 0 stays 0", kn);

		/* flags the kernel does not define */
		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		hdr.ring_ent_in_out.flags = 1ull << 5;
		T_EQ(run(k), -EPROTO, "%s: unknown ent flag", kn);

		/* opcodes the kernel sends only on /dev/fuse */
		for (i = 0; i < sizeof(never_on_ring) / sizeof(never_on_ring[0]); i++) {
			lay(k, never_on_ring[i], "\1\0\0\0\0\0\0\0", 8, NULL, 0, 0, 0);
			T_EQ(run(k), -EPROTO, "%s: %s on the ring", kn, zcf_opcode_name(never_on_ring[i]));
			T_EQ(seen.calls + seen.sends + seen.drops, 0, "%s: %s handled", kn,
			     zcf_opcode_name(never_on_ring[i]));
		}

		/* zero copy flag where it has no meaning */
		lay(k, FUSE_GETATTR, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, NULL, 0,
		    FUSE_URING_ENT_ZERO_COPY, 0);
		T_EQ(run(k), -EPROTO, "%s: GETATTR flagged zero copy", kn);
		lay(k, FUSE_READDIR, &rd, sizeof(rd), NULL, 0, FUSE_URING_ENT_ZERO_COPY, 0);
		T_EQ(run(k), -EPROTO, "%s: READDIR flagged zero copy", kn);
		if (k != ZC) {
			lay(k, FUSE_READ, &rd, sizeof(rd), NULL, 0, FUSE_URING_ENT_ZERO_COPY, 0);
			T_EQ(run(k), -EPROTO, "%s: READ flagged zero copy off a zero-copy queue", kn);
			lay(k, FUSE_WRITE, &wr, sizeof(wr), NULL, 4096, FUSE_URING_ENT_ZERO_COPY, 0);
			T_EQ(run(k), -EPROTO, "%s: WRITE flagged zero copy off a zero-copy queue", kn);
		}
	}

	/* Offsets: a plain entry has none; a pool's name a whole slot inside it. */
	lay(PLAIN, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
	hdr.ring_ent_in_out.offset = SLOT;
	T_EQ(run(PLAIN), -EPROTO, "uring: an offset without a pool");
	for (k = POOL; k <= ZC; k++) {
		const char *kn = kind_name[k];

		lay(k, FUSE_LOOKUP, NULL, 0, "name", 5, 0, 0);
		hdr.ring_ent_in_out.offset = SLOT / 2;
		T_EQ(run(k), -EPROTO, "%s: offset inside a slot", kn);
		hdr.ring_ent_in_out.offset = NSLOTS * SLOT;
		T_EQ(run(k), -EPROTO, "%s: offset at the pool's end", kn);
		hdr.ring_ent_in_out.offset = 0xffffe000u;
		T_EQ(run(k), -EPROTO, "%s: offset near 4 GiB", kn);
	}

	/* Zero copy: sizes against the slot and payload_sz. */
	rd.size = SLOT + 1;
	lay(ZC, FUSE_READ, &rd, sizeof(rd), NULL, 0, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), -EPROTO, "zerocopy: READ larger than a slot");
	wr.size = 4096;
	lay(ZC, FUSE_WRITE, &wr, sizeof(wr), NULL, 4095, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), -EPROTO, "zerocopy: WRITE size differs from payload_sz");
	wr.size = SLOT + 4096;
	lay(ZC, FUSE_WRITE, &wr, sizeof(wr), NULL, SLOT + 4096, FUSE_URING_ENT_ZERO_COPY, 0);
	T_EQ(run(ZC), -EPROTO, "zerocopy: WRITE larger than a slot");
	wr.size = 4096;
	lay(ZC, FUSE_WRITE, &wr, sizeof(wr), NULL, 4096, FUSE_URING_ENT_ZERO_COPY, 0);
	in_hdr()->total_extlen = 1;
	T_EQ(run(ZC), -EPROTO, "zerocopy: WRITE with extensions");
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

	test_good();
	test_known_crashes();
	test_malformed();

	pthread_mutex_destroy(&se->lock);
	free(se);
	return t_exit("ring-frame");
}
