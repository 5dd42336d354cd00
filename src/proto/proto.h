/* SPDX-License-Identifier: MIT */
/*
 * The protocol floor (src/proto/): the FUSE wire format and what a request
 * means, whatever carried it. It stands on src/core/ and names no carrier
 * and nothing of the session's life: answers go back through the request's
 * struct zcf_carrier, and the carriers install the hooks below.
 */
#ifndef ZCFUSE_PROTO_PROTO_H
#define ZCFUSE_PROTO_PROTO_H

#include "core/core.h"
#include "proto/fuse_abi.h"

/* ---- Requests ---- */

enum {
	ZCF_REQ_INTERRUPTED = 1 << 0,
	ZCF_REQ_ZERO_COPY = 1 << 1,   /* data only via the entry's zc slot */
	ZCF_REQ_NOREPLY = 1 << 2,     /* FORGET-like: never answered */
	ZCF_REQ_QUEUE_BUSY = 1 << 3,  /* its queue has other work in flight */
	ZCF_REQ_SPLICED = 1 << 4,     /* classic: its READ data waits in a pipe, not the payload */
};

/*
 * A request as the protocol layer sees it, whatever carried it:
 *   in:   the kernel's header
 *   arg:  the opcode's fixed argument (classic: the bytes after the header;
 *         ring: the entry's op_in area)
 *   data: the variable part: names, xattr values, WRITE data (classic: the
 *         bytes after the fixed argument; ring: the payload buffer)
 *   payload: where the reply body may be built in place (classic: the
 *         request's page-aligned buffer; ring: the entry's payload)
 */
struct zcf_opcode;
struct zcfuse_req {
	struct zcf_proto_ctx *pc;  /* its session as this floor sees it */
	struct fuse_in_header in;  /* a copy: the header area is reused for the reply */
	const struct zcf_opcode *op; /* in.opcode's row, looked up once by the framer */
	struct zcf_tally tally;    /* what it did, counted once as it ends */
	struct zcfuse_ctx ctx;
	const void *arg;
	size_t arg_len;
	const void *data;
	size_t data_len;
	void *payload;
	size_t payload_size;
	unsigned flags;            /* ZCF_REQ_* */
	unsigned kill_priv;        /* ZCFUSE_KILL_* the kernel sent (dispatch.c) */
	/* Registered-buffer index covering payload, or -1; zc slot or -1. */
	int payload_buf_index;
	int zc_buf_index;
	/* Transport bookkeeping */
	const struct zcf_carrier *tp;  /* what carried it: answers go back through it */
	void *tp_priv;             /* the worker/queue that owns this request */
	struct zcfuse_req *next;   /* free lists and completion lists */
	/* Backing I/O in flight for this request (io.c) */
	zcfuse_io_cb io_cb;
	void *io_arg;
	uint32_t io_len;
	enum zcf_path io_path;
	struct zcf_intr *intr;     /* its interrupt callback, under pc->lock (interrupt.c) */
	_Atomic unsigned long io_thread; /* sync backing I/O: the blocked thread, or 0 */
	/* A backing read the read policy watches: 1 + class*4 + mode*2 + contested */
	uint8_t rp_tag;
	uint64_t rp_t0;            /* when it started (timed contested reads), else 0 */
};

/* ---- What carried a request (the transport floor implements it) ---- */

/*
 * A backing I/O for the ring. The carrier submits it on the queue that owns
 * the request and ends it with zcf_io_complete() (transport/backing.c) on
 * that queue's thread.
 */
enum zcf_io_op { ZCF_IO_READ, ZCF_IO_WRITE, ZCF_IO_FSYNC, ZCF_IO_FDATASYNC, ZCF_IO_FALLOCATE };
struct zcf_io {
	enum zcf_io_op op;
	int fd;
	uint64_t off;
	uint64_t len;
	int mode;           /* fallocate mode */
	void *buf;          /* READ/WRITE memory (payload) */
	bool async;         /* on the ring: straight to a worker (IOSQE_ASYNC) */
};

/*
 * The per-request calls the protocol makes on whatever carried a request.
 * This floor names no carrier: a request holds a pointer to its carrier's
 * row; the transport floor fills these in (transport/transport.h).
 */
struct zcf_carrier {
	const char *name;
	/*
	 * Send the reply: the kernel gets out header (error, total length) and
	 * the iovecs. iov may point into req->payload (then no copy is made
	 * on the ring). Must release the request. Returns 0 or -errno.
	 */
	int (*send)(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt);
	/* Ends a no-reply request (FORGET): release its resources. */
	void (*drop)(struct zcfuse_req *req);
	/*
	 * Start a backing I/O on the request's ring; NULL or -EOPNOTSUPP means
	 * the caller does it synchronously. Called on any thread.
	 */
	int (*submit_io)(struct zcfuse_req *req, const struct zcf_io *io);
	/*
	 * READ without a ring: move @len bytes at @off of @fd into a pipe the
	 * reply will splice to /dev/fuse (flag ZCF_REQ_SPLICED). Returns the
	 * bytes moved, or -errno: -EOPNOTSUPP means read it into the payload.
	 * NULL when the carrier cannot.
	 */
	ssize_t (*splice_read)(struct zcfuse_req *req, int fd, uint64_t off, size_t len);
	/* Puts spliced data into the payload after all (the fs wants to see it). */
	void (*splice_undo)(struct zcfuse_req *req);
	/*
	 * Synchronous backing I/O of a file that can wait without end (pipe,
	 * socket, character device): waits until @fd has @events (POLLIN,
	 * POLLOUT) or the request is interrupted, taking the signal
	 * pc->wake_sync_io sends only inside that wait. 0 or -errno (-EINTR).
	 * NULL: the carrier wakes no thread, and the I/O just blocks.
	 */
	int (*wait_ready)(struct zcfuse_req *req, int fd, short events);
};

/* ---- The connection state every floor from here up shares ---- */

/* The kernel's INIT request, as zcf_init_parse() read it (once). */
struct zcf_init_in {
	uint32_t major, minor;
	uint32_t max_readahead;
	uint64_t flags;         /* flags | flags2 << 32 */
};

struct zcf_conn {
	struct zcf_init_in init;
	bool init_parsed;
	uint32_t proto_minor;   /* negotiated minor */
	uint64_t kernel_flags;  /* what the kernel offered in INIT */
	uint64_t flags;         /* what we answered */
	uint32_t max_write;
	uint32_t max_pages;
	uint32_t max_readahead;
	bool setxattr_ext;
	bool zero_copy;         /* the ring's queues carry zero-copy slots */
};

#define ZCF_INTERRUPT_SLOTS 32

/*
 * Uniques the server picks for NOTIFY_REPLY (the kernel's own count up by 2
 * from 2; bit 63 marks a resend): a retrieve's has bit 62, a ring kick's
 * (zcf_notify_kick) bits 62 and 61.
 */
#define ZCF_UNIQUE_RETRIEVE (1ull << 62)
#define ZCF_UNIQUE_KICK_BIT (1ull << 61)
#define ZCF_UNIQUE_KICK (ZCF_UNIQUE_RETRIEVE | ZCF_UNIQUE_KICK_BIT)

/*
 * What the protocol floor knows of a session: the filesystem, the options,
 * the connection INIT negotiated, and the bookkeeping of decoding, replies
 * and interrupts. It is the first member (pc) of struct zcfuse_session,
 * which the transport floor defines (transport/transport.h); the carriers'
 * state is there and the session's own in session/session.h, so this floor
 * neither sees nor touches them.
 */
struct zcf_proto_ctx {
	struct zcfuse_ops ops;
	void *userdata;
	struct zcf_config cfg;
	bool got_init;
	bool got_destroy;
	struct zcf_conn conn;
	pthread_mutex_t lock;         /* INIT, interrupt and retrieve bookkeeping */
	uid_t owner_uid;              /* who mounted: for -o allow_root */
	/* INTERRUPTs seen lately, by unique; checked by zcfuse_req_interrupted() */
	uint64_t interrupted[ZCF_INTERRUPT_SLOTS];
	unsigned nr_interrupted;
	struct zcf_counters counters; /* statistics; see zcf_stats_mine() */
	_Atomic uint64_t enosys;      /* sticky opcodes answered ENOSYS (bit = opcode) */
	struct pending_retrieve *retrieves; /* under lock (proto/retrieve.c) */
	uint64_t retrieve_seq;        /* under lock */
	struct zcf_intr *intrs;       /* requests with an interrupt callback, under lock */
	/*
	 * Set by the carriers that run backing I/O for a request (any thread
	 * calls them on an INTERRUPT): the ring cancels @unique's ring I/O, the
	 * classic readers signal the thread blocked in its pread.
	 */
	void (*cancel_io)(struct zcf_proto_ctx *pc, uint64_t unique);
	void (*wake_sync_io)(struct zcf_proto_ctx *pc, uint64_t unique);
};

/* The calling thread's counters for @pc. */
static inline struct zcf_stats *zcf_stats_mine(struct zcf_proto_ctx *pc)
{
	return zcf_counters_mine(&pc->counters);
}
_Static_assert(FUSE_OPCODE_MAX <= ZCF_COUNTED_OPS, "a counter set has a slot per opcode");

/* ---- Framing, opcodes, decoding, INIT, interrupts, replies ---- */

/*
 * Checks a request read from /dev/fuse (buf, len bytes starting with the
 * header) and fills req->in/arg/data for the classic layout.
 * Returns 0 or -EINVAL/-EPROTO; on error req->in is valid if len >= 40.
 */
int zcf_frame_classic(struct zcfuse_req *req, const void *buf, size_t len);
/*
 * One FUSE-over-io_uring entry as the kernel handed it over: its header
 * area, and where its payload may be (the entry's own buffer, or a slot of
 * the queue's buffer pool that ring_ent_in_out.offset names).
 */
struct zcf_ring_frame {
	const struct fuse_uring_req_header *hdr;
	bool zero_copy;          /* a FUSE_URING_ZERO_COPY queue */
	bool setxattr_ext;
	char *own_payload;       /* not a pool: the entry's buffer */
	char *pool;              /* a buffer pool queue: its memory and size; else NULL */
	size_t pool_size;
	size_t slot_size;        /* payload bytes per request (the kernel's max_payload_sz) */
};
/*
 * Fills req->in/ctx/arg/data/payload from a ring entry, checking every
 * field against the layout the kernel promises. Returns 0, or -EPROTO with
 * *why saying which check failed; the request must then be answered with
 * an error (req->in.unique is the commit id, so the answer reaches the
 * request the kernel will look up) and nothing else.
 */
int zcf_frame_ring(struct zcfuse_req *req, const struct zcf_ring_frame *f, const char **why);
/* The fixed argument size the opcode carries (0 for none), or -ENOSYS. */
int zcf_op_arg_size(uint32_t opcode, bool setxattr_ext);
/*
 * The opcode table (proto/opcodes.c): one row per opcode the protocol
 * names, with everything the library knows about it.
 */
enum {
	ZCF_OPF_ANY_USER = 1 << 0,  /* passes -o allow_root's check (open file, or must end) */
	ZCF_OPF_ON_QUEUE = 1 << 1,  /* ring: served on the queue thread, not a meta worker */
	ZCF_OPF_NO_REPLY = 1 << 2,  /* the kernel takes no answer (FORGET, INTERRUPT, ...) */
	ZCF_OPF_SIZED = 1 << 3,     /* counted by its handler, with its payload size */
	ZCF_OPF_STICKY_ENOSYS = 1 << 4, /* the kernel stops sending it after ENOSYS: so do we */
	ZCF_OPF_MAY_WAIT = 1 << 5,  /* may stay unanswered for long (SETLKW): lends its ring entry */
	ZCF_OPF_ARG_IN_PAYLOAD = 1 << 6, /* ring: the argument heads the payload, not op_in */
	ZCF_OPF_ENDS_FH = 1 << 7,   /* its fh (and the fs's fd behind it) may be reused after it */
};
/* What a request gets when the filesystem's op (the row's op_off) is NULL. */
enum zcf_op_default {
	ZCF_DEF_ENOSYS = 0,
	ZCF_DEF_OK,      /* success (FLUSH, FSYNC, ...) */
	ZCF_DEF_OPEN,    /* an open with fh 0 */
	ZCF_DEF_NONE,    /* no answer (FORGET) */
	ZCF_DEF_HANDLER, /* the handler runs anyway and decides */
};
struct zcf_opcode {
	const char *name;
	int16_t arg_size;   /* the fixed argument's size; -1: not served (ENOSYS) */
	uint8_t flags;      /* ZCF_OPF_* */
	uint8_t if_null;    /* enum zcf_op_default */
	uint16_t op_off;    /* offsetof(struct zcfuse_ops, member) + 1; 0: none */
	void (*handle)(struct zcfuse_req *req, const struct zcfuse_ops *ops);
};
extern const struct zcf_opcode zcf_opcodes[FUSE_OPCODE_MAX];
/* The row of @opcode, or NULL for numbers the protocol does not name. */
const struct zcf_opcode *zcf_opcode(uint32_t opcode);
/* The row of @opcode, or a row that serves nothing (ENOSYS) for unnamed ones. */
const struct zcf_opcode *zcf_opcode_row(uint32_t opcode);
/* The fixed argument size of @d's opcode (0 for none), or -ENOSYS. */
int zcf_row_arg_size(const struct zcf_opcode *d, bool setxattr_ext);
static inline unsigned zcf_opcode_flags(uint32_t opcode)
{
	return opcode < FUSE_OPCODE_MAX ? zcf_opcodes[opcode].flags : 0;
}
/* Did the filesystem answer ENOSYS to a sticky opcode before? */
static inline bool zcf_enosys_known(struct zcf_proto_ctx *pc, uint32_t opcode)
{
	return opcode < 64 &&
	       (atomic_load_explicit(&pc->enosys, memory_order_relaxed) >> opcode & 1);
}
/* Decodes and calls the filesystem; answers malformed requests with EINVAL/EIO. */
void zcf_dispatch(struct zcfuse_req *req);
/* Reads the INIT request into pc->conn.init (and kernel_flags, proto_minor). */
void zcf_init_parse(struct zcf_proto_ctx *pc, const struct zcfuse_req *req);
/* Answers INIT (parsing it first if nobody did); fills pc->conn; picks what
 * to ask of the kernel. */
int zcf_handle_init(struct zcf_proto_ctx *pc, struct zcfuse_req *req, uint64_t extra_flags);
/*
 * An INTERRUPT for @unique (proto/interrupt.c): marks the request, calls its
 * interrupt callback, cancels its backing I/O; held for a request that has
 * not arrived yet.
 */
void zcf_note_interrupt(struct zcf_proto_ctx *pc, uint64_t unique);
/* The request ends: its interrupt callback is never called after this. */
void zcf_intr_detach(struct zcfuse_req *req);
void zcf_intrs_free(struct zcf_proto_ctx *pc);
/* STATX answered by the getattr op (proto/reply_ext.c). */
int zcf_reply_statx_from_stat(struct zcfuse_req *req, const struct stat *st,
			      double attr_timeout);
/* The protocol's name of @opcode ("UNKNOWN" for numbers it does not name). */
const char *zcf_opcode_name(uint32_t opcode);
/* Frees what the protocol floor keeps per session (retrieves, interrupts). */
void zcf_retrieves_free(struct zcf_proto_ctx *pc);
/* Low-level reply used by every zcfuse_reply_*: header + iovecs. */
int zcf_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt);

#endif
