/* SPDX-License-Identifier: MIT */
/*
 * zcfuse's libfuse 3 compatibility: the low-level API. Programs written for
 * libfuse's fuse_lowlevel.h build against this header unchanged and run on
 * zcfuse's transports (classic /dev/fuse, io_uring, buffer pools, zero
 * copy). Written for zcfuse from libfuse's ABI facts (names, member order,
 * sizes, values); struct layouts equal libfuse 3.14's.
 */
#ifndef FUSE_LOWLEVEL_H_
#define FUSE_LOWLEVEL_H_

#include "fuse_common.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <utime.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FUSE_ROOT_ID 1

typedef uint64_t fuse_ino_t;
/* One request; answered by exactly one fuse_reply_*() (none for forget). */
typedef struct fuse_req *fuse_req_t;

struct fuse_session;

/* The answer to lookup-like requests; a non-zero ino takes a lookup count. */
struct fuse_entry_param {
	fuse_ino_t ino;
	uint64_t generation;
	struct stat attr;
	double attr_timeout;
	double entry_timeout;
};

/* Who sent a request. */
struct fuse_ctx {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	mode_t umask;
};

struct fuse_forget_data {
	fuse_ino_t ino;
	uint64_t nlookup;
};

/*
 * The program's own device I/O (fuse_session_custom_io): the session reads
 * each request with read (exactly one per call) and writes each reply and
 * notification with writev, on the descriptor given there or one from
 * clone_fd. read and writev answer -1 with errno on failure; a writev
 * that answers fewer bytes than the message (but more than 0, which is
 * taken as "all written") is reported to the caller as EIO. splice_send,
 * if given, takes a READ reply zcfuse spliced from the file into a pipe
 * (the whole message, from fdin, which it must drain or fail); without it
 * such replies are copied and go through writev. splice_receive is not
 * called: requests are always read. clone_fd (API 3.17) gives each further
 * thread of the multi-threaded loop its own descriptor; without it they
 * share one.
 */
struct fuse_custom_io {
	ssize_t (*writev)(int fd, struct iovec *iov, int count, void *userdata);
	ssize_t (*read)(int fd, void *buf, size_t buf_len, void *userdata);
	ssize_t (*splice_receive)(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
				  unsigned int flags, void *userdata);
	ssize_t (*splice_send)(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			       unsigned int flags, void *userdata);
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	int (*clone_fd)(int master_fd);
#endif
};

enum fuse_expire_flags {
	FUSE_LL_EXPIRE_ONLY = (1 << 0),
};

/* setattr's to_set bits. */
#define FUSE_SET_ATTR_MODE (1 << 0)
#define FUSE_SET_ATTR_UID (1 << 1)
#define FUSE_SET_ATTR_GID (1 << 2)
#define FUSE_SET_ATTR_SIZE (1 << 3)
#define FUSE_SET_ATTR_ATIME (1 << 4)
#define FUSE_SET_ATTR_MTIME (1 << 5)
#define FUSE_SET_ATTR_ATIME_NOW (1 << 7)
#define FUSE_SET_ATTR_MTIME_NOW (1 << 8)
#define FUSE_SET_ATTR_FORCE (1 << 9)
#define FUSE_SET_ATTR_CTIME (1 << 10)
#define FUSE_SET_ATTR_KILL_SUID (1 << 11)
#define FUSE_SET_ATTR_KILL_SGID (1 << 12)
#define FUSE_SET_ATTR_FILE (1 << 13)
#define FUSE_SET_ATTR_KILL_PRIV (1 << 14)
#define FUSE_SET_ATTR_OPEN (1 << 15)
#define FUSE_SET_ATTR_TIMES_SET (1 << 16)
#define FUSE_SET_ATTR_TOUCH (1 << 17)

/*
 * The filesystem's operations, in libfuse's order (the order is ABI:
 * fuse_session_new() takes the caller's sizeof). A NULL member gets
 * libfuse's default answer.
 */
struct fuse_lowlevel_ops {
	void (*init)(void *userdata, struct fuse_conn_info *conn);
	void (*destroy)(void *userdata);
	void (*lookup)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*forget)(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
	void (*getattr)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*setattr)(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi);
	void (*readlink)(fuse_req_t req, fuse_ino_t ino);
	void (*mknod)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      dev_t rdev);
	void (*mkdir)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
	void (*unlink)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*rmdir)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*symlink)(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
	void (*rename)(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		       const char *newname, unsigned int flags);
	void (*link)(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
	void (*open)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*read)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);
	void (*write)(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
	void (*flush)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*release)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*fsync)(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
	void (*opendir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*readdir)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
	void (*releasedir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*fsyncdir)(fuse_req_t req, fuse_ino_t ino, int datasync,
			 struct fuse_file_info *fi);
	void (*statfs)(fuse_req_t req, fuse_ino_t ino);
	void (*setxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			 size_t size, int flags);
	void (*getxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
	void (*listxattr)(fuse_req_t req, fuse_ino_t ino, size_t size);
	void (*removexattr)(fuse_req_t req, fuse_ino_t ino, const char *name);
	void (*access)(fuse_req_t req, fuse_ino_t ino, int mask);
	void (*create)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       struct fuse_file_info *fi);
	void (*getlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct flock *lock);
	void (*setlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct flock *lock, int sleep);
	void (*bmap)(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx);
#if FUSE_USE_VERSION < 35
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg,
		      struct fuse_file_info *fi, unsigned flags, const void *in_buf,
		      size_t in_bufsz, size_t out_bufsz);
#else
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		      struct fuse_file_info *fi, unsigned flags, const void *in_buf,
		      size_t in_bufsz, size_t out_bufsz);
#endif
	void (*poll)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph);
	void (*write_buf)(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
			  struct fuse_file_info *fi);
	void (*retrieve_reply)(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
			       struct fuse_bufvec *bufv);
	void (*forget_multi)(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
	void (*flock)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
	void (*fallocate)(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			  struct fuse_file_info *fi);
	void (*readdirplus)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi);
	void (*copy_file_range)(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
				struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
				struct fuse_file_info *fi_out, size_t len, int flags);
	void (*lseek)(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		      struct fuse_file_info *fi);
	/* Members libfuse 3.17 and 3.18 added (after every 3.14 member, so
	 * 3.14 programs' smaller op_size still fits); called only when the
	 * program's op_size covers them. */
	void (*tmpfile)(fuse_req_t req, fuse_ino_t parent, mode_t mode,
			struct fuse_file_info *fi);
	void (*statx)(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		      struct fuse_file_info *fi);
};

/* ---- Replies: each answers (and ends) the request; 0 or -errno ---- */
int fuse_reply_err(fuse_req_t req, int err);
void fuse_reply_none(fuse_req_t req);
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);
int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
		      const struct fuse_file_info *fi);
int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double attr_timeout);
int fuse_reply_readlink(fuse_req_t req, const char *link);
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);
int fuse_reply_write(fuse_req_t req, size_t count);
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);
/*
 * Answers with the buffers' bytes. On zcfuse a single descriptor buffer
 * (FUSE_BUF_IS_FD) is read straight into the request's registered reply
 * memory on the queue's own ring, with no copy through the program.
 */
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count);
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);
int fuse_reply_xattr(fuse_req_t req, size_t count);
int fuse_reply_lock(fuse_req_t req, const struct flock *lock);
int fuse_reply_bmap(fuse_req_t req, uint64_t idx);
size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize, const char *name,
			 const struct stat *stbuf, off_t off);
size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize, const char *name,
			      const struct fuse_entry_param *e, off_t off);
int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov, size_t in_count,
			   const struct iovec *out_iov, size_t out_count);
int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);
int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov, int count);
int fuse_reply_poll(fuse_req_t req, unsigned revents);
int fuse_reply_lseek(fuse_req_t req, off_t off);
struct statx;
/* 3.18+: the answer to statx. */
int fuse_reply_statx(fuse_req_t req, int flags, struct statx *statx, double attr_timeout);

/* ---- Notifications ---- */
int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph);
int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino, off_t off,
				     off_t len);
int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
				     const char *name, size_t namelen);
/*
 * libfuse 3.14 takes a flags argument, 3.17 and later do not (always expire
 * only): both spellings work here, told apart by their argument count.
 */
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
				      const char *name, size_t namelen,
				      enum fuse_expire_flags flags);
#define ZCFUSE_COMPAT_PICK6_(a, b, c, d, e, f, ...) f
#define ZCFUSE_COMPAT_EXPIRE4_(se, p, n, l) (fuse_lowlevel_notify_expire_entry)(se, p, n, l, FUSE_LL_EXPIRE_ONLY)
#define ZCFUSE_COMPAT_EXPIRE5_(se, p, n, l, f) (fuse_lowlevel_notify_expire_entry)(se, p, n, l, f)
#define fuse_lowlevel_notify_expire_entry(...) \
	ZCFUSE_COMPAT_PICK6_(__VA_ARGS__, ZCFUSE_COMPAT_EXPIRE5_, ZCFUSE_COMPAT_EXPIRE4_, , , )(__VA_ARGS__)
int fuse_lowlevel_notify_delete(struct fuse_session *se, fuse_ino_t parent, fuse_ino_t child,
				const char *name, size_t namelen);
/* 3.18+: bump the kernel's epoch (-ENOSYS where the kernel lacks it). */
int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se);
int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino, off_t offset,
			       struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino, size_t size,
				  off_t offset, void *cookie);

/* ---- Requests ---- */
void *fuse_req_userdata(fuse_req_t req);
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req);
int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]);
typedef void (*fuse_interrupt_func_t)(fuse_req_t req, void *data);
void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data);
int fuse_req_interrupted(fuse_req_t req);

/* libfuse 3.17+: kernel passthrough of an open file (see fuse_file_info.backing_id). */
int fuse_passthrough_open(fuse_req_t req, int fd);
int fuse_passthrough_close(fuse_req_t req, int backing_id);
/* libfuse 3.18+: is the request on an io_uring queue; its payload area. */
bool fuse_req_is_uring(fuse_req_t req);
int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz, void **mr);

/* ---- Help and command line ---- */
void fuse_lowlevel_version(void);
void fuse_lowlevel_help(void);
void fuse_cmdline_help(void);

struct fuse_cmdline_opts {
	int singlethread;
	int foreground;
	int debug;
	int nodefault_subtype;
	char *mountpoint;
	int show_version;
	int show_help;
	int clone_fd;
	unsigned int max_idle_threads;
	unsigned int max_threads; /* since 3.12 */
};

/* -h, -V, -d, -f, -s, -o clone_fd, -o max_idle_threads=, -o max_threads=,
 * and the mountpoint; everything else stays in args. 0 or -1. */
int fuse_parse_cmdline(struct fuse_args *args, struct fuse_cmdline_opts *opts);

/* ---- Sessions ---- */
struct fuse_session *fuse_session_new(struct fuse_args *args,
				      const struct fuse_lowlevel_ops *op, size_t op_size,
				      void *userdata);
/*
 * Serve the session on @fd through @io instead of mounting (call it where
 * fuse_session_mount() would be): the far end takes the kernel's place.
 * The session closes @fd when destroyed; it runs on classic (the ring
 * transports need /dev/fuse itself). 0, -EINVAL (no io, read or writev),
 * -EBADF (fd < 0), -EBUSY (already mounted). From API 3.17 the call takes
 * the size of the caller's struct (sizeof(io)) before @fd.
 */
int fuse_session_custom_io_317(struct fuse_session *se, const struct fuse_custom_io *io,
			       size_t op_size, int fd);
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 17) || defined(ZCFUSE_COMPAT_LIBRARY)
int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd);
#else
static inline int fuse_session_custom_io(struct fuse_session *se,
					 const struct fuse_custom_io *io, size_t op_size, int fd)
{
	return fuse_session_custom_io_317(se, io, op_size, fd);
}
#endif
int fuse_session_mount(struct fuse_session *se, const char *mountpoint);
int fuse_session_loop(struct fuse_session *se);
#if FUSE_USE_VERSION < 32
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
#define fuse_session_loop_mt(se, clone_fd) fuse_session_loop_mt_31(se, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config *config);
#define fuse_session_loop_mt(se, config) fuse_session_loop_mt_32(se, config)
#else
int fuse_session_loop_mt(struct fuse_session *se, struct fuse_loop_config *config);
#endif
void fuse_session_exit(struct fuse_session *se);
void fuse_session_reset(struct fuse_session *se);
int fuse_session_exited(struct fuse_session *se);
void fuse_session_unmount(struct fuse_session *se);
void fuse_session_destroy(struct fuse_session *se);
int fuse_session_fd(struct fuse_session *se);
void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf);
int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf);

#ifdef __cplusplus
}
#endif
#endif
