/* SPDX-License-Identifier: MIT */
/*
 * zcfuse's libfuse 3 compatibility: what the low-level and high-level APIs
 * share. Written for zcfuse from libfuse's ABI facts: every struct here has
 * libfuse 3.14's size and member offsets (tests/unit/compat-abi checks them
 * against Debian's headers); a few 3.18 members sit where 3.18 put them, in
 * space 3.14 reserved.
 */
#ifndef FUSE_COMMON_H_
#define FUSE_COMMON_H_

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* libfuse's own tree builds its examples with its configure results. */
#ifdef HAVE_LIBFUSE_PRIVATE_CONFIG_H
#include "fuse_config.h"
#endif
#include "fuse_log.h"
#include "fuse_opt.h"

/* The libfuse API level these headers and the library implement. */
#define FUSE_MAJOR_VERSION 3
#define FUSE_MINOR_VERSION 14
#define FUSE_MAKE_VERSION(maj, min) ((maj) * 100 + (min))
#define FUSE_VERSION FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

/*
 * The libfuse version a program was built against, as libfuse 3.17+'s
 * headers pass it to the library's *_versioned entry points.
 */
struct libfuse_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t padding;
};

/* Programs that name no API level get this one (libfuse 3.18 does the same). */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#endif
#if FUSE_USE_VERSION < 30
#error "zcfuse's libfuse compatibility implements API levels 30 and up"
#endif

/* The library exports fuse_parse_cmdline() etc. under libfuse's symbol versions. */
#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1
/* Marks these headers as zcfuse's, for programs that care. */
#define ZCFUSE_COMPAT 1

#ifdef __cplusplus
extern "C" {
#endif

/* Open-file state shared by the kernel's requests on one open file. */
struct fuse_file_info {
	int flags;                            /* open(2) flags */
	unsigned int writepage : 1;           /* in: write from the page cache */
	unsigned int direct_io : 1;           /* out: bypass the page cache */
	unsigned int keep_cache : 1;          /* out: keep cached pages */
	unsigned int flush : 1;               /* in (release): flush too */
	unsigned int nonseekable : 1;         /* out: not seekable */
	unsigned int flock_release : 1;       /* in (release): drop flock locks */
	unsigned int cache_readdir : 1;       /* out (opendir): cache listings */
	unsigned int noflush : 1;             /* out: no FLUSH on close */
	unsigned int parallel_direct_writes : 1; /* out (3.15+) */
	unsigned int kill_suidgid : 1;        /* in (3.16+) */
	unsigned int padding : 22;
	unsigned int padding2 : 32;
	uint64_t fh;                          /* the filesystem's handle */
	uint64_t lock_owner;                  /* in: lock owner, where sent */
	uint32_t poll_events;                 /* in (poll): requested events */
	/* 3.17+, in 3.14's tail padding: out, kernel passthrough backing id
	 * from fuse_passthrough_open(); honoured only once the program asked
	 * for FUSE_CAP_PASSTHROUGH. */
	int32_t backing_id;
};

/* Old (API < 3.12) loop configuration; from 3.12 on an opaque object. */
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config_v1;
struct fuse_loop_config {
#else
struct fuse_loop_config_v1 {
#endif
	int clone_fd;                   /* one /dev/fuse descriptor per thread */
	unsigned int max_idle_threads;  /* idle workers kept */
};

/* Capability bits of fuse_conn_info.capable and .want. */
#define FUSE_CAP_ASYNC_READ (1UL << 0)
#define FUSE_CAP_POSIX_LOCKS (1UL << 1)
#define FUSE_CAP_ATOMIC_O_TRUNC (1UL << 3)
#define FUSE_CAP_EXPORT_SUPPORT (1UL << 4)
#define FUSE_CAP_DONT_MASK (1UL << 6)
#define FUSE_CAP_SPLICE_WRITE (1UL << 7)
#define FUSE_CAP_SPLICE_MOVE (1UL << 8)
#define FUSE_CAP_SPLICE_READ (1UL << 9)
#define FUSE_CAP_FLOCK_LOCKS (1UL << 10)
#define FUSE_CAP_IOCTL_DIR (1UL << 11)
#define FUSE_CAP_AUTO_INVAL_DATA (1UL << 12)
#define FUSE_CAP_READDIRPLUS (1UL << 13)
#define FUSE_CAP_READDIRPLUS_AUTO (1UL << 14)
#define FUSE_CAP_ASYNC_DIO (1UL << 15)
#define FUSE_CAP_WRITEBACK_CACHE (1UL << 16)
#define FUSE_CAP_NO_OPEN_SUPPORT (1UL << 17)
#define FUSE_CAP_PARALLEL_DIROPS (1UL << 18)
#define FUSE_CAP_POSIX_ACL (1UL << 19)
#define FUSE_CAP_HANDLE_KILLPRIV (1UL << 20)
#define FUSE_CAP_HANDLE_KILLPRIV_V2 (1UL << 21)
#define FUSE_CAP_CACHE_SYMLINKS (1UL << 23)
#define FUSE_CAP_NO_OPENDIR_SUPPORT (1UL << 24)
#define FUSE_CAP_EXPLICIT_INVAL_DATA (1UL << 25)
#define FUSE_CAP_EXPIRE_ONLY (1UL << 26)
#define FUSE_CAP_SETXATTR_EXT (1UL << 27)
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP (1UL << 28)
#define FUSE_CAP_PASSTHROUGH (1UL << 29)
#define FUSE_CAP_NO_EXPORT_SUPPORT (1UL << 30)
#define FUSE_CAP_OVER_IO_URING (1UL << 31)

/* ioctl request flags. */
#define FUSE_IOCTL_COMPAT (1 << 0)
#define FUSE_IOCTL_UNRESTRICTED (1 << 1)
#define FUSE_IOCTL_RETRY (1 << 2)
#define FUSE_IOCTL_DIR (1 << 4)
#define FUSE_IOCTL_MAX_IOV 256

/* What INIT negotiated; the init op may change the fields marked in/out. */
struct fuse_conn_info {
	unsigned proto_major;
	unsigned proto_minor;
	unsigned max_write;            /* in/out */
	unsigned max_read;             /* in/out */
	unsigned max_readahead;        /* in/out */
	unsigned capable;              /* FUSE_CAP_* the kernel and library offer */
	unsigned want;                 /* in/out: FUSE_CAP_* to enable */
	unsigned max_background;       /* in/out */
	unsigned congestion_threshold; /* in/out */
	unsigned time_gran;            /* in/out: timestamp granularity, ns */
	/* libfuse 3.17+ members, in what 3.14 left reserved. */
	uint32_t max_backing_stack_depth;
	uint32_t no_interrupt : 1;
	uint32_t padding : 31;
	uint64_t capable_ext;          /* all FUSE_CAP_* bits, 64 wide */
	uint64_t want_ext;
	uint16_t request_timeout;
	uint16_t reserved[31];
};

struct fuse_session;
struct fuse_pollhandle;
struct fuse_conn_info_opts;

struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args);
void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts, struct fuse_conn_info *conn);

/* 3.17+: set, clear and test a capability in want_ext (and want). */
bool fuse_set_feature_flag(struct fuse_conn_info *conn, uint64_t flag);
void fuse_unset_feature_flag(struct fuse_conn_info *conn, uint64_t flag);
bool fuse_get_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/* Detach from the terminal unless foreground; 0 or -1. */
int fuse_daemonize(int foreground);
int fuse_version(void);
const char *fuse_pkgversion(void);
void fuse_pollhandle_destroy(struct fuse_pollhandle *ph);

/* Data buffers: memory, or a file descriptor (at pos with FD_SEEK). */
enum fuse_buf_flags {
	FUSE_BUF_IS_FD = (1 << 1),
	FUSE_BUF_FD_SEEK = (1 << 2),
	FUSE_BUF_FD_RETRY = (1 << 3),
};

enum fuse_buf_copy_flags {
	FUSE_BUF_NO_SPLICE = (1 << 1),
	FUSE_BUF_FORCE_SPLICE = (1 << 2),
	FUSE_BUF_SPLICE_MOVE = (1 << 3),
	FUSE_BUF_SPLICE_NONBLOCK = (1 << 4),
};

struct fuse_buf {
	size_t size;
	enum fuse_buf_flags flags;
	void *mem;
	int fd;
	off_t pos;
};

/* A list of buffers; idx and off say how far a copy has got. */
struct fuse_bufvec {
	size_t count;
	size_t idx;
	size_t off;
	struct fuse_buf buf[1];
};

/* One memory buffer of size__ bytes, no memory yet. */
#define FUSE_BUFVEC_INIT(size__) \
	((struct fuse_bufvec){ 1, 0, 0, { { (size__), (enum fuse_buf_flags)0, NULL, -1, 0 } } })

size_t fuse_buf_size(const struct fuse_bufvec *bufv);
ssize_t fuse_buf_copy(struct fuse_bufvec *dst, struct fuse_bufvec *src,
		      enum fuse_buf_copy_flags flags);

/* SIGINT, SIGTERM, SIGHUP end the session's loop; SIGPIPE is ignored. */
int fuse_set_signal_handlers(struct fuse_session *se);
/* 3.17+: handlers for fatal signals (here: none are needed, returns 0). */
int fuse_set_fail_signal_handlers(struct fuse_session *se);
void fuse_remove_signal_handlers(struct fuse_session *se);

struct fuse_loop_config *fuse_loop_cfg_create(void);
void fuse_loop_cfg_destroy(struct fuse_loop_config *config);
void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_convert(struct fuse_loop_config *config,
			   struct fuse_loop_config_v1 *v1_conf);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus)
_Static_assert(sizeof(off_t) == 8, "libfuse's ABI needs a 64-bit off_t (-D_FILE_OFFSET_BITS=64)");
#endif

#endif
