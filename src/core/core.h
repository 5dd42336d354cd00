/* SPDX-License-Identifier: MIT */
/*
 * The ground floor (src/core/): what every other floor may use and what
 * knows nothing of them: logging, the command line, mounting, counters,
 * privileges and CPU facts. No wire format, no carrier, no session here:
 * tools/layering fails the build's check if one creeps in.
 */
#ifndef ZCFUSE_CORE_CORE_H
#define ZCFUSE_CORE_CORE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "zcfuse/zcfuse.h"

/* max_write unless given; the pools may lower it to fit max_pinned. */
#define ZCF_DEFAULT_MAX_WRITE (1u << 20)

/*
 * Thread-local state of the library. initial-exec: one %fs-relative load
 * instead of a __tls_get_addr() call per access (the library's few hundred
 * bytes of TLS fit the static TLS glibc keeps for libraries loaded later,
 * as a Python extension's libfuse3 is); larger per-thread state goes on
 * the heap.
 */
#define ZCF_TLS __thread __attribute__((tls_model("initial-exec")))
/* Opcode slots a counter set has (proto checks the protocol's fit). */
#define ZCF_COUNTED_OPS 64

/* ---- Logging (core/log.c) ---- */
extern int zcf_debug; /* -d: trace every request */
void zcf_log_to_syslog(void);
/* A daemon's stdin, stdout and stderr onto /dev/null, its log to syslog. */
void zcf_detach_stdio(void);
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
	bool blkdev;              /* fuseblk: fsname is the block device (root only) */
	unsigned blksize;         /* fuseblk's block size (0: the kernel's 512) */
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
/* -h: the flags, then one entry per row of the options table, then INIT's. */
void zcf_print_help(const char *prog, const struct zcfuse_session_opts *opts);
/* Row @i of the options table: its name, and whether -h has text for it. */
bool zcf_opt_row(unsigned i, const char **name, bool *has_help);

/* ---- Mounting (core/mount.c) ---- */

/*
 * Mounts a FUSE filesystem at cfg->mountpoint: mount(2) when privileged,
 * else fusermount3 (descriptor received over a socketpair). Checks the
 * mountpoint first (exists, is a directory, not busy with another FUSE
 * mount of ours) so the error is one clear line. On success *fd is the
 * /dev/fuse descriptor. Returns 0 or -errno (already logged).
 */
int zcf_mount(const struct zcf_config *cfg, int *fd);
/*
 * N when @mountpoint is "/dev/fd/N": a parent (mount.fuse3 with
 * drop_privileges, a container runtime) opened /dev/fuse, mounted it and
 * passes the descriptor; nothing is mounted or unmounted here. Else -1.
 */
int zcf_passed_fd(const char *mountpoint);
/* Unmounts (umount2 or fusermount3 -u -z). Returns 0 or -errno. */
int zcf_unmount(const struct zcf_config *cfg, int fd);

/* ---- Counters (core/counters.c) ---- */

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
	ZCF_PATH_WRITE_COPY,     /* WRITE data copied in memory before it reached a file */
	ZCF_PATH_MAX
};

/* Why a backing read ran where it did (transport/read_policy.h has the names). */
enum zcf_rp_reason {
	ZCF_RPR_NO_RING,        /* sync: classic, or not on the queue's thread */
	ZCF_RPR_MAY_BLOCK,      /* ring: not a memory-fs file, io_uring decides */
	ZCF_RPR_ZERO_COPY,      /* ring: the client's pages are reachable only there */
	ZCF_RPR_IDLE,           /* inline: nothing else in flight, nothing to overlap */
	ZCF_RPR_ONE_CPU,        /* inline: no other CPU for a worker */
	ZCF_RPR_MEASURED_INLINE, /* inline: the settled mode of its size class */
	ZCF_RPR_MEASURED_WORKER, /* worker: the settled mode of its size class */
	ZCF_RPR_PROBE_INLINE,   /* inline: a probe window of a class settled on worker */
	ZCF_RPR_PROBE_WORKER,   /* worker: a probe window of a class settled on inline */
	ZCF_RPR_FORCED_INLINE,  /* inline: -o read_place=inline */
	ZCF_RPR_FORCED_WORKER,  /* worker: -o read_place=worker */
	ZCF_RPR_MAX
};

struct zcf_counter {
	_Atomic uint64_t n, bytes;
};

struct zcf_stats {
	struct zcf_counter op[ZCF_COUNTED_OPS]; /* per opcode: count, payload bytes */
	struct zcf_counter path[ZCF_PATH_MAX];
	_Atomic uint64_t via_dev;    /* requests read from /dev/fuse */
	_Atomic uint64_t via_ring;   /* requests fetched from an io_uring entry */
	_Atomic uint64_t errors;     /* replies with error != 0 */
	_Atomic uint64_t malformed;  /* requests rejected by decoding */
	_Atomic uint64_t queue_waits; /* times a reply/IO waited for ring space */
	_Atomic uint64_t ring_spares; /* ring entries added for requests that may wait */
	struct zcf_counter read_reason[ZCF_RPR_MAX]; /* where backing reads ran, and why */
};

/*
 * Counts are kept per thread, in a shard made on the thread's first count,
 * so that the request path of one queue never takes a cache line from
 * another's; zcf_counters_sum() adds the shards up. @base is the shard of
 * last resort (a thread whose shard could not be allocated, or a set that
 * was never given an id, as in unit tests).
 */
struct zcf_stats_shard {
	struct zcf_stats s;
	struct zcf_stats_shard *next;
};
struct zcf_counters {
	struct zcf_stats base;
	uint64_t id;                  /* unique in the process; 0: no shards */
	pthread_mutex_t lock;         /* guards shards */
	struct zcf_stats_shard *shards;
};
/* Gives @c a process-unique id and its lock (zcf_counters_fini undoes it). */
void zcf_counters_init(struct zcf_counters *c);
/* Frees the per-thread shards (the threads that counted are gone). */
void zcf_counters_fini(struct zcf_counters *c);
/* The calling thread's shard of @c. */
struct zcf_stats *zcf_counters_mine(struct zcf_counters *c);
/* Adds every shard of @c into @sum (zeroed by the caller). */
void zcf_counters_sum(struct zcf_counters *c, struct zcf_stats *sum);

static inline void zcf_count(struct zcf_counter *c, uint64_t bytes)
{
	atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
}

/*
 * What one request did, noted in the request as it goes (plain stores, by
 * whichever floor learns it) and counted once as it ends
 * (zcf_counters_tally): one shard lookup and no locked instruction per
 * request, instead of one of each per fact in four files.
 */
enum zcf_via { ZCF_VIA_NONE, ZCF_VIA_DEV, ZCF_VIA_RING };
enum zcf_tally_slot {
	ZCF_TALLY_IN,   /* enum zcf_path: how its data arrived (the pool) */
	ZCF_TALLY_IO,   /* enum zcf_path: its backing I/O */
	ZCF_TALLY_OUT,  /* enum zcf_path: how its reply went */
	ZCF_TALLY_WHY,  /* enum zcf_rp_reason: where its backing read ran */
	ZCF_TALLY_SLOTS
};
struct zcf_tally {
	uint8_t via;                     /* enum zcf_via */
	uint8_t op;                      /* opcode slot counted; 0: none */
	uint8_t what[ZCF_TALLY_SLOTS];   /* the slot's path or reason + 1; 0: none */
	uint32_t op_bytes;
	uint32_t bytes[ZCF_TALLY_SLOTS];
};
/* Counts a slot noted twice (a request with two backing I/Os) at once. */
void zcf_tally_spill(struct zcf_counters *c, struct zcf_tally *t, enum zcf_tally_slot s);
static inline void zcf_tally_note(struct zcf_counters *c, struct zcf_tally *t,
				  enum zcf_tally_slot s, unsigned what, uint64_t bytes)
{
	if (__builtin_expect(t->what[s] != 0, 0))
		zcf_tally_spill(c, t, s);
	t->what[s] = (uint8_t)(what + 1);
	t->bytes[s] = (uint32_t)bytes;
}
static inline void zcf_tally_op(struct zcf_tally *t, unsigned op, uint64_t bytes)
{
	t->op = (uint8_t)op;
	t->op_bytes = (uint32_t)bytes;
}
/* The request ends (answered with @error, or dropped): counts its tally. */
void zcf_counters_tally(struct zcf_counters *c, const struct zcf_tally *t, int error);
const char *zcf_path_name(enum zcf_path p);

/* ---- Utility ---- */
int zcf_sized_copy(void *dst, size_t dst_sz, const void *src, size_t src_sz);
unsigned zcf_ncpus_possible(void);
/* Soft RLIMIT_NOFILE up to the hard limit (session start). */
void zcf_raise_nofile(void);
/* Blocks SIGINT, SIGTERM, SIGHUP in the caller (saving the old mask), so
 * threads created now leave them to the main thread. */
void zcf_block_stop_signals(sigset_t *old);
int zcf_read_sysfs_bool(const char *path); /* 1, 0, or -errno */
/* A small file's text, NUL-terminated, into @buf: its length, or -errno. */
ssize_t zcf_read_text(const char *path, char *buf, size_t size);

/* ---- Privileges (core/privileges.c) ---- */
/* CAP_SYS_ADMIN in the effective set (root, or a capable container). */
bool zcf_have_cap_sys_admin(void);
bool zcf_have_cap(int cap); /* effective; CAP_* from linux/capability.h */
/*
 * kernel.io_uring_disabled as it applies to this process: 0 (it may make
 * rings), or the sysctl's value, 1 (only CAP_SYS_ADMIN or io_uring_group)
 * or 2 (nobody), when it may not.
 */
int zcf_io_uring_denied(void);

#endif
