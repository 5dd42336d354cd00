/* SPDX-License-Identifier: MIT */
/*
 * zcfuse internals shared by the core, the protocol layer and the
 * transports. Nothing here is exported (the version script hides it).
 *
 * Layers, by folder:
 *   src/proto/      the FUSE wire format: ABI, request decoding, INIT, replies
 *   src/transport/  how requests travel: classic /dev/fuse, io_uring (plain,
 *                   buffer pool, zero copy)
 *   src/core/       sessions, options, mounting, statistics, logging
 */
#ifndef ZCFUSE_CORE_INTERNAL_H
#define ZCFUSE_CORE_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "zcfuse/zcfuse.h"
#include "proto/fuse_abi.h"
#include "core/read_policy.h"

#define ZCF_HIDDEN __attribute__((visibility("hidden")))
/* max_write unless given; the pools may lower it to fit max_pinned. */
#define ZCF_DEFAULT_MAX_WRITE (1u << 20)

/* ---- Logging (core/log.c) ---- */
extern int zcf_debug; /* -d: trace every request */
void zcf_log_to_syslog(void);
#define zcf_err(...) zcfuse_log(ZCFUSE_LOG_ERR, __VA_ARGS__)
#define zcf_warn(...) zcfuse_log(ZCFUSE_LOG_WARNING, __VA_ARGS__)
#define zcf_info(...) zcfuse_log(ZCFUSE_LOG_INFO, __VA_ARGS__)
#define zcf_dbg(...) do { if (zcf_debug) zcfuse_log(ZCFUSE_LOG_DEBUG, __VA_ARGS__); } while (0)

/* ---- Configuration from the command line (core/opts.c) ---- */

enum zcf_transport_kind {
	ZCF_TRANSPORT_AUTO = 0,
	ZCF_TRANSPORT_CLASSIC,
	ZCF_TRANSPORT_URING,
	ZCF_TRANSPORT_BUFPOOL,
	ZCF_TRANSPORT_ZEROCOPY,
};
const char *zcf_transport_name(enum zcf_transport_kind k);

/* How a queue's ring runs its task work (-o ring_setup=). */
enum zcf_ring_setup {
	ZCF_RING_DEFER = 0, /* SINGLE_ISSUER + DEFER_TASKRUN: work runs when the queue waits */
	ZCF_RING_COOP,      /* SINGLE_ISSUER + COOP_TASKRUN + TASKRUN_FLAG (the default) */
	ZCF_RING_SINGLE,    /* SINGLE_ISSUER only */
	ZCF_RING_PLAIN,     /* no task-work flags */
};
const char *zcf_ring_setup_name(enum zcf_ring_setup s);

struct zcf_config {
	char *mountpoint;
	bool foreground;         /* -f */
	bool debug;              /* -d */
	bool single_thread;      /* -s */
	bool show_help;          /* -h */
	bool show_version;       /* -V */
	/* mount options */
	bool allow_other, allow_root, default_permissions, ro, auto_unmount;
	char *fsname, *subtype;
	unsigned max_read;       /* 0: not set */
	char *extra_mount_opts;  /* pass-through kernel/fusermount options (comma list) */
	/* zcfuse's own */
	enum zcf_transport_kind transport;
	bool transport_explicit; /* asked for by name: fail instead of falling back */
	unsigned queue_depth;    /* ring entries per queue */
	unsigned pool_bufs;      /* bufpool: payload buffers per queue (0: queue_depth) */
	enum zcf_ring_setup ring_setup;
	bool ring_fd_plain;      /* -o ring_fd=plain: do not register the ring's own fd */
	bool splice_off;         /* -o splice=off: classic READ replies never splice */
	unsigned read_place;     /* -o read_place=: 0 measure, 1 inline, 2 worker */
	unsigned threads;        /* classic worker threads */
	unsigned meta_threads;   /* ring transports: threads for non-data ops (0: inline) */
	unsigned max_write;
	bool max_write_set;      /* given (or lowered by max_read): never shrunk to fit max_pinned */
	unsigned max_pinned_mib; /* ring transports: pinned memory of the mount (0: default) */
	unsigned max_background;
	char *stats_path;
	bool passthrough;        /* -o passthrough: ask for kernel passthrough */
	unsigned cap_on, cap_off; /* ZCFUSE_CAP_* forced by -o (opts_conn.c) */
	unsigned request_timeout; /* -o request_timeout=: seconds, 0 none */
};

/*
 * Parses argv into cfg. Filesystem options go to opts->opt, positionals to
 * opts->arg. Returns 0, or -errno after printing a one-line error to stderr.
 */
int zcf_parse_cmdline(int argc, char *argv[], const struct zcfuse_session_opts *opts,
		      void *userdata, struct zcf_config *cfg);
void zcf_config_free(struct zcf_config *cfg);
/* An INIT-flag option (writeback_cache, ...): 0, -EINVAL, or -ENOENT if not one. */
int zcf_parse_conn_opt(struct zcf_config *cfg, const char *opt, const char *val);
extern const char zcf_conn_opts_help[];
void zcf_print_help(const char *prog, const struct zcfuse_session_opts *opts);

/* ---- Mounting (core/mount.c) ---- */

/*
 * Mounts a FUSE filesystem at cfg->mountpoint: mount(2) when privileged,
 * else fusermount3 (descriptor received over a socketpair). Checks the
 * mountpoint first (exists, is a directory, not busy with another FUSE
 * mount of ours) so the error is one clear line. On success *fd is the
 * /dev/fuse descriptor. Returns 0 or -errno (already logged).
 */
int zcf_mount(const struct zcf_config *cfg, int *fd);
/* Unmounts (umount2 or fusermount3 -u -z). Returns 0 or -errno. */
int zcf_unmount(const struct zcf_config *cfg, int fd);

/* ---- Statistics (core/stats.c) ---- */

/* How a request's data moved; one counter pair (requests, bytes) each. */
enum zcf_path {
	ZCF_PATH_REPLY_COPY,     /* reply_buf: copied into the reply */
	ZCF_PATH_REPLY_INPLACE,  /* reply_data: filled in the payload, no copy */
	ZCF_PATH_READ_FIXED,     /* backing read with READ_FIXED into registered payload */
	ZCF_PATH_WRITE_FIXED,    /* backing write with WRITE_FIXED from registered payload */
	ZCF_PATH_READ_SYNC,      /* backing read done with pread on the caller's thread */
	ZCF_PATH_READ_FIXED_INLINE, /* pread on the queue thread into registered payload */
	ZCF_PATH_WRITE_SYNC,     /* backing write done with pwrite */
	ZCF_PATH_READ_RING,      /* backing read on the ring, unregistered memory */
	ZCF_PATH_WRITE_RING,     /* backing write on the ring, unregistered memory */
	ZCF_PATH_POOL,           /* request payload placed in the buffer pool */
	ZCF_PATH_ZC_READ,        /* zero copy: READ_FIXED into the client's pages */
	ZCF_PATH_ZC_WRITE,       /* zero copy: WRITE_FIXED from the client's pages */
	ZCF_PATH_PASSTHROUGH_OPEN, /* opens handed to kernel passthrough */
	ZCF_PATH_READ_SPLICE,    /* classic: backing file -> pipe -> /dev/fuse, no user copy */
	ZCF_PATH_MAX
};

struct zcf_counter {
	_Atomic uint64_t n, bytes;
};

struct zcf_stats {
	struct zcf_counter op[FUSE_OPCODE_MAX];  /* per opcode: count, payload bytes */
	struct zcf_counter path[ZCF_PATH_MAX];
	_Atomic uint64_t via_dev;    /* requests read from /dev/fuse */
	_Atomic uint64_t via_ring;   /* requests fetched from an io_uring entry */
	_Atomic uint64_t errors;     /* replies with error != 0 */
	_Atomic uint64_t malformed;  /* requests rejected by decoding */
	_Atomic uint64_t queue_waits; /* times a reply/IO waited for ring space */
	struct zcf_counter read_reason[ZCF_RPR_MAX]; /* where backing reads ran, and why */
};

/*
 * Counts are kept per thread, in a shard made on the thread's first count,
 * so that the request path of one queue never takes a cache line from
 * another's; zcf_stats_write() adds the shards up. se->stats is the shard
 * of last resort (a thread whose shard could not be allocated).
 */
struct zcf_stats_shard {
	struct zcf_stats s;
	struct zcf_stats_shard *next;
};
/* The calling thread's counters for @se. */
struct zcf_stats *zcf_stats_mine(struct zcfuse_session *se);

static inline void zcf_count(struct zcf_counter *c, uint64_t bytes)
{
	atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
}

int zcf_stats_write(struct zcfuse_session *se, const char *path);
/* Frees the per-thread shards (the threads that counted are gone). */
void zcf_stats_free(struct zcfuse_session *se);
const char *zcf_opcode_name(uint32_t opcode);

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
struct zcfuse_req {
	struct zcfuse_session *se;
	struct fuse_in_header in;  /* a copy: the header area is reused for the reply */
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
	const struct zcf_transport *tp;
	void *tp_priv;             /* the worker/queue that owns this request */
	struct zcfuse_req *next;   /* free lists and completion lists */
	/* Backing I/O in flight for this request (io.c) */
	zcfuse_io_cb io_cb;
	void *io_arg;
	uint32_t io_len;
	enum zcf_path io_path;
	struct zcf_intr *intr;     /* its interrupt callback, under se->lock (interrupt.c) */
	_Atomic unsigned long io_thread; /* sync backing I/O: the blocked thread, or 0 */
	/* A backing read the read policy watches (io.c): 1 + class*4 + mode*2 + contested */
	uint8_t rp_tag;
	uint64_t rp_t0;            /* when it started (contested reads only) */
};

/* ---- Transports (the transport folder) ---- */

/*
 * A backing I/O for the ring. The transport submits it on the queue that
 * owns the request and calls zcf_io_complete() from that queue's thread.
 */
enum zcf_io_op { ZCF_IO_READ, ZCF_IO_WRITE, ZCF_IO_FSYNC, ZCF_IO_FDATASYNC, ZCF_IO_FALLOCATE };
struct zcf_io {
	enum zcf_io_op op;
	int fd;
	uint64_t off;
	uint64_t len;
	int mode;           /* fallocate mode */
	void *buf;          /* READ/WRITE memory (payload) */
};

struct zcf_transport {
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
	 * NULL when the transport cannot.
	 */
	ssize_t (*splice_read)(struct zcfuse_req *req, int fd, uint64_t off, size_t len);
	/* Puts spliced data into the payload after all (the fs wants to see it). */
	void (*splice_undo)(struct zcfuse_req *req);
};

/* Called by a transport when a backing I/O ends: runs the filesystem's callback. */
void zcf_io_complete(struct zcfuse_req *req, int res);

/* ---- Session (core/session.c) ---- */

struct zcf_conn {
	uint32_t proto_minor;   /* negotiated minor */
	uint64_t kernel_flags;  /* what the kernel offered in INIT */
	uint64_t flags;         /* what we answered */
	uint32_t max_write;
	uint32_t max_pages;
	uint32_t max_readahead;
	bool setxattr_ext;
};

struct zcf_classic;
struct zcf_uring;
#define ZCF_INTERRUPT_SLOTS 32

struct zcfuse_session {
	struct zcfuse_ops ops;
	void *userdata;
	struct zcf_config cfg;
	int fd;                       /* /dev/fuse, -1 when not mounted */
	bool mounted;
	bool got_init;
	bool got_destroy;
	struct zcf_conn conn;
	enum zcf_transport_kind kind; /* in use after run */
	char transport_reason[512];   /* why not a better one */
	struct zcf_classic *classic;  /* the /dev/fuse readers (always, for FORGET/INTERRUPT) */
	struct zcf_uring *uring;      /* ring queues, if any */
	volatile sig_atomic_t exiting;
	int exit_efd;                 /* eventfd: wakes run() on exit */
	int ready_fd;                 /* daemon: tells the waiting parent we serve */
	pthread_mutex_t lock;         /* INIT, exit, interrupt bookkeeping */
	unsigned ncpus;
	_Atomic unsigned release_epoch; /* bumped by every RELEASE: drops fd caches */
	uid_t owner_uid;              /* who mounted: for -o allow_root */
	unsigned nr_readers;          /* /dev/fuse reader threads started */
	unsigned nr_queues;           /* ring queues started */
	unsigned ring_flags;          /* io_uring setup flags the queues got */
	/* INTERRUPTs seen lately, by unique; checked by zcfuse_req_interrupted() */
	uint64_t interrupted[ZCF_INTERRUPT_SLOTS];
	unsigned nr_interrupted;
	struct zcf_stats stats;       /* shard of last resort; see zcf_stats_mine() */
	uint64_t id;                  /* unique per session in the process: keys the per-thread shards */
	struct zcf_stats_shard *stat_shards; /* under lock */
	_Atomic uint64_t enosys;      /* sticky opcodes answered ENOSYS (bit = opcode) */
	struct pending_retrieve *retrieves; /* under lock (proto/notify.c) */
	uint64_t retrieve_seq;        /* under lock */
	struct zcf_intr *intrs;       /* requests with an interrupt callback, under lock */
	/* Where backing reads run: one state per queue thread (core/read_policy.c) */
	_Atomic(struct zcf_rp_queue *) rp_queues;
	unsigned rp_nqueues;          /* under lock */
	/* Ring transports: cancel backing I/O of request @unique (any thread). */
	void (*cancel_io)(struct zcfuse_session *se, uint64_t unique);
};
void zcf_retrieves_free(struct zcfuse_session *se);

/* The session serves (ok) or gave up: releases a daemonizing parent. */
void zcf_session_ready(struct zcfuse_session *se, bool ok);
/* A transport saw the connection end (ENODEV/ENOTCONN): stop the session. */
void zcf_session_ended(struct zcfuse_session *se, const char *why);
/*
 * Writes one message to /dev/fuse: the out header (unique, error, length)
 * and up to 7 iovecs. Replies on classic, notifications. 0 or -errno.
 */
int zcf_dev_send(int fd, uint64_t unique, int error, const struct iovec *iov, int iovcnt);

/* ---- Protocol (the proto folder) ---- */

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
 * The opcode table (proto/dispatch.c): one row per opcode the protocol
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
static inline unsigned zcf_opcode_flags(uint32_t opcode)
{
	return opcode < FUSE_OPCODE_MAX ? zcf_opcodes[opcode].flags : 0;
}
/* Did the filesystem answer ENOSYS to a sticky opcode before? */
static inline bool zcf_enosys_known(struct zcfuse_session *se, uint32_t opcode)
{
	return opcode < 64 &&
	       (atomic_load_explicit(&se->enosys, memory_order_relaxed) >> opcode & 1);
}
/* Decodes and calls the filesystem; answers malformed requests with EINVAL/EIO. */
void zcf_dispatch(struct zcfuse_req *req);
/* Answers INIT; fills se->conn; picks what to ask of the kernel. */
int zcf_handle_init(struct zcfuse_session *se, struct zcfuse_req *req, uint64_t extra_flags);
/*
 * An INTERRUPT for @unique (proto/interrupt.c): marks the request, calls its
 * interrupt callback, cancels its backing I/O; held for a request that has
 * not arrived yet.
 */
void zcf_note_interrupt(struct zcfuse_session *se, uint64_t unique);
/* The request ends: its interrupt callback is never called after this. */
void zcf_intr_detach(struct zcfuse_req *req);
void zcf_intrs_free(struct zcfuse_session *se);
/* Classic: wake the thread blocked in @unique's synchronous backing I/O. */
void zcf_classic_interrupt(struct zcfuse_session *se, uint64_t unique);
/* STATX answered by the getattr op (proto/reply_ext.c). */
int zcf_reply_statx_from_stat(struct zcfuse_req *req, const struct stat *st,
			      double attr_timeout);
/* Low-level reply used by every zcfuse_reply_*: header + iovecs. */
int zcf_send(struct zcfuse_req *req, int error, const struct iovec *iov, int iovcnt);

/* ---- Utility ---- */
int zcf_sized_copy(void *dst, size_t dst_sz, const void *src, size_t src_sz);
unsigned zcf_ncpus_possible(void);
/* Soft RLIMIT_NOFILE up to the hard limit (session start). */
void zcf_raise_nofile(void);
/* Blocks SIGINT, SIGTERM, SIGHUP in the caller (saving the old mask), so
 * threads created now leave them to the main thread. */
void zcf_block_stop_signals(sigset_t *old);
int zcf_read_sysfs_bool(const char *path); /* 1, 0, or -errno */

#endif
