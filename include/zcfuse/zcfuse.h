/* SPDX-License-Identifier: MIT */
/**
 * @file zcfuse.h
 * @brief zcfuse: serve FUSE filesystems over the fastest transport the
 * running kernel offers (classic /dev/fuse, io_uring, io_uring with a
 * registered buffer pool, io_uring zero copy).
 *
 * The model is libfuse's low-level API: the kernel speaks in inode numbers,
 * every successful LOOKUP-like reply takes one lookup reference that FORGET
 * gives back, and every request is answered exactly once with a
 * zcfuse_reply_*() call, which may happen later and from any thread.
 *
 * Conventions (the same everywhere in this header):
 *  - functions returning int return 0 (or a count) on success and -errno on
 *    failure; errno is never the channel;
 *  - zcfuse_reply_err() takes a positive errno, as libfuse's does;
 *  - after a zcfuse_reply_*() call the request handle is gone.
 */
#ifndef ZCFUSE_ZCFUSE_H
#define ZCFUSE_ZCFUSE_H

#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol that is part of the exported ABI; everything else is hidden. */
#define ZCFUSE_API __attribute__((visibility("default")))

/** Major version of the headers this program was compiled against. */
#define ZCFUSE_VERSION_MAJOR 0
/** Minor version of the headers this program was compiled against. */
#define ZCFUSE_VERSION_MINOR 1
/** Patch level of the headers this program was compiled against. */
#define ZCFUSE_VERSION_PATCH 0
/** The version as one comparable number: major * 10000 + minor * 100 + patch. */
#define ZCFUSE_VERSION (ZCFUSE_VERSION_MAJOR * 10000 + ZCFUSE_VERSION_MINOR * 100 + ZCFUSE_VERSION_PATCH)

/** @brief Version of the library actually loaded, as ZCFUSE_VERSION computes it. */
ZCFUSE_API unsigned zcfuse_version(void);
/** @brief Version of the library actually loaded, as "major.minor.patch". */
ZCFUSE_API const char *zcfuse_version_string(void);

/** Inode number as the kernel knows it; 1 is the root. */
typedef uint64_t zcfuse_ino_t;
/** The inode number of the filesystem's root directory. */
#define ZCFUSE_ROOT_ID 1

/** @brief A mounted (or mountable) filesystem session; opaque. */
struct zcfuse_session;
/** @brief One request from the kernel, alive until it is answered; opaque. */
struct zcfuse_req;
/**
 * @brief A POLL's wake-up handle (libfuse's fuse_pollhandle): keep it, call
 * zcfuse_notify_poll() when the file becomes ready, then
 * zcfuse_pollhandle_destroy(). Opaque.
 */
struct zcfuse_pollhandle;

/** @brief Who sent a request. */
struct zcfuse_ctx {
	uid_t uid; /**< effective user of the calling process */
	gid_t gid; /**< effective group of the calling process */
	pid_t pid; /**< thread group id of the calling process */
	mode_t umask; /**< umask of the caller, for CREATE, MKDIR and MKNOD */
};

/**
 * @brief The answer to LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and CREATE.
 * A reply with a non-zero @c ino takes one lookup reference on it.
 * ino 0 with ENOENT semantics: a negative entry cached for entry_timeout.
 */
struct zcfuse_entry_param {
	zcfuse_ino_t ino; /**< inode number, unique while it has lookups */
	uint64_t generation; /**< ino:generation unique for the fs's lifetime */
	struct stat attr; /**< attributes; st_ino should equal ino */
	double attr_timeout; /**< seconds the kernel may cache attr */
	double entry_timeout; /**< seconds the kernel may cache the name */
	uint64_t reserved[4]; /**< zero: room to grow (the fs fills this by value) */
};

/**
 * @brief Open-file state, passed in and out of open, create and opendir, and
 * in to every operation on an open file.
 */
struct zcfuse_file_info {
	int flags; /**< open(2) flags */
	unsigned direct_io : 1; /**< out: bypass the page cache for this file */
	unsigned keep_cache : 1; /**< out: keep cached pages from an earlier open */
	unsigned nonseekable : 1; /**< out: the file is not seekable */
	unsigned cache_readdir : 1; /**< out (opendir): cache directory listings */
	unsigned noflush : 1; /**< out: no FLUSH on close */
	unsigned parallel_direct_writes : 1; /**< out: allow concurrent direct writes */
	/**
	 * out: move this file's READ and WRITE data by io_uring zero copy when
	 * the transport is "zerocopy". The filesystem then never sees those
	 * bytes: data is reachable only through zcfuse_req_read_fd() and
	 * zcfuse_req_write_fd(). Ignored on other transports.
	 */
	unsigned zero_copy : 1;
	unsigned flush : 1; /**< in (release): also flush locks */
	unsigned writepage : 1; /**< in (write): write from the page cache */
	/** out: a stream (no file position at all; FOPEN_STREAM) */
	unsigned stream : 1;
	/** in (release): also drop flock() locks of lock_owner */
	unsigned flock_release : 1;
	/**
	 * in (write; open and create with O_TRUNC): the caller lacks CAP_FSETID,
	 * so the filesystem must clear S_ISUID, and S_ISGID when S_IXGRP is set,
	 * as a local filesystem does (see ZCFUSE_KILL_SUIDGID). The kernel sets
	 * it on direct writes (O_DIRECT or a direct_io open) always, and on the
	 * others only with ZCFUSE_CAP_HANDLE_KILLPRIV_V2; a filesystem that
	 * ignores it leaves setuid files writable into setuid files.
	 */
	unsigned kill_suidgid : 1;
	unsigned padding : 20;
	uint64_t fh; /**< out: the filesystem's handle, given back on later calls */
	uint64_t lock_owner; /**< in: lock owner id, where the kernel sent one */
	/** out: kernel passthrough backing id from zcfuse_passthrough_open(), or 0 */
	int32_t backing_id;
	/** in (poll): the events the caller waits for (POLLIN, ...) */
	uint32_t poll_events;
};

/** @brief SETATTR: which fields of the attributes to change. */
enum zcfuse_set_attr {
	ZCFUSE_SET_ATTR_MODE = 1 << 0,
	ZCFUSE_SET_ATTR_UID = 1 << 1,
	ZCFUSE_SET_ATTR_GID = 1 << 2,
	ZCFUSE_SET_ATTR_SIZE = 1 << 3,
	ZCFUSE_SET_ATTR_ATIME = 1 << 4,
	ZCFUSE_SET_ATTR_MTIME = 1 << 5,
	ZCFUSE_SET_ATTR_ATIME_NOW = 1 << 7,
	ZCFUSE_SET_ATTR_MTIME_NOW = 1 << 8,
	ZCFUSE_SET_ATTR_CTIME = 1 << 10,
	/**
	 * Not an attribute: with ZCFUSE_CAP_HANDLE_KILLPRIV_V2, a truncate by a
	 * caller without CAP_FSETID, or a chown of a non-directory, asks the
	 * filesystem to clear S_ISUID, and S_ISGID when S_IXGRP is set, along
	 * with the change (see ZCFUSE_KILL_SUIDGID).
	 */
	ZCFUSE_SET_ATTR_KILL_SUIDGID = 1 << 11,
};

/**
 * @brief What zcfuse_req_kill_priv() asks the filesystem to clear.
 */
enum zcfuse_kill_priv {
	/** Clear S_ISUID, and S_ISGID when S_IXGRP is also set (a write, a
	 * truncate or a chown by a caller without CAP_FSETID). */
	ZCFUSE_KILL_SUIDGID = 1 << 0,
	/** Clear S_ISGID (SETXATTR of a POSIX ACL by a caller outside the file's
	 * group without CAP_FSETID; needs ZCFUSE_CAP_POSIX_ACL). */
	ZCFUSE_KILL_SGID = 1 << 1,
};

/**
 * @brief Capabilities a filesystem may ask for in its init op (libfuse's
 * FUSE_CAP_* model): @c capable says what the kernel offers, the init op
 * sets or clears bits of @c want, and zcfuse asks the kernel for
 * want & capable. @c want arrives with the library's defaults and the "-o"
 * options (writeback_cache, no_remote_lock, ...) applied, as a libfuse init
 * that calls fuse_apply_conn_info_opts() first sees them; what the init op
 * leaves in @c want is final.
 */
enum zcfuse_cap {
	ZCFUSE_CAP_WRITEBACK_CACHE = 1 << 0, /**< kernel write-back caching (-o writeback_cache) */
	ZCFUSE_CAP_READDIRPLUS = 1 << 1, /**< use readdirplus (default when the fs has it) */
	ZCFUSE_CAP_PASSTHROUGH = 1 << 2, /**< kernel passthrough (privileged; -o passthrough) */
	ZCFUSE_CAP_ASYNC_DIO = 1 << 3, /**< parallel direct I/O requests (default) */
	ZCFUSE_CAP_PARALLEL_DIROPS = 1 << 4, /**< concurrent lookups/readdir in a dir (default) */
	ZCFUSE_CAP_POSIX_ACL = 1 << 5, /**< kernel enforces POSIX ACLs */
	ZCFUSE_CAP_DONT_MASK = 1 << 6, /**< do not apply umask to create modes */
	/** POSIX record locks served by getlk/setlk (default when both exist) */
	ZCFUSE_CAP_POSIX_LOCKS = 1 << 7,
	/** BSD flock() served by flock (default when it exists) */
	ZCFUSE_CAP_FLOCK_LOCKS = 1 << 8,
	/** readdirplus only when the kernel thinks it pays; else readdir (default with READDIRPLUS) */
	ZCFUSE_CAP_READDIRPLUS_AUTO = 1 << 9,
	/** drop cached data when mtime or size change (default; -o no_auto_inval_data) */
	ZCFUSE_CAP_AUTO_INVAL_DATA = 1 << 10,
	/** cached data dropped only by zcfuse_notify_inval_inode() (clears AUTO_INVAL_DATA) */
	ZCFUSE_CAP_EXPLICIT_INVAL_DATA = 1 << 11,
	ZCFUSE_CAP_CACHE_SYMLINKS = 1 << 12, /**< cache READLINK answers in the page cache */
	/** an ENOSYS answer to OPEN means "opens need no server" from then on */
	ZCFUSE_CAP_NO_OPEN_SUPPORT = 1 << 13,
	/** an ENOSYS answer to OPENDIR means the same for directories */
	ZCFUSE_CAP_NO_OPENDIR_SUPPORT = 1 << 14,
	/**
	 * Shared mmap of a file opened with direct_io (through the page cache).
	 * Asked for by default when the kernel offers it (Linux 6.6+); a
	 * filesystem may clear it from want.
	 */
	ZCFUSE_CAP_DIRECT_IO_ALLOW_MMAP = 1 << 15,
	/** SETXATTR carries setxattr_flags (default) */
	ZCFUSE_CAP_SETXATTR_EXT = 1 << 16,
	/**
	 * The filesystem clears setuid/setgid bits itself on every write,
	 * truncate and chown, as told by ZCFUSE_KILL_SUIDGID in
	 * zcfuse_file_info.kill_suidgid and ZCFUSE_SET_ATTR_KILL_SUIDGID. Without
	 * it the kernel clears them with a SETATTR of the mode before cached
	 * writes, truncates and chowns (a chmod the caller may not be allowed to
	 * make under its own credentials), but direct writes still carry
	 * kill_suidgid only.
	 */
	ZCFUSE_CAP_HANDLE_KILLPRIV_V2 = 1 << 17,
	ZCFUSE_CAP_SUBMOUNTS = 1 << 18, /**< attr.flags may mark submounts */
	ZCFUSE_CAP_ALLOW_IDMAP = 1 << 19, /**< idmapped mounts (needs default_permissions) */
	/** ioctl on directories too (default when the fs has ioctl) */
	ZCFUSE_CAP_IOCTL_DIR = 1 << 20,
	/** zcfuse_notify_expire_entry() is available (kernel offers FUSE_HAS_EXPIRE_ONLY) */
	ZCFUSE_CAP_EXPIRE_ONLY = 1 << 21,
	/** O_TRUNC is handled by open itself, not a SETATTR */
	ZCFUSE_CAP_ATOMIC_O_TRUNC = 1 << 22,
	/** lookups of "." and ".." (NFS export) */
	ZCFUSE_CAP_EXPORT_SUPPORT = 1 << 23,
	/** zcfuse_notify_resend() is available (kernel offers FUSE_HAS_RESEND) */
	ZCFUSE_CAP_RESEND = 1 << 24,
	/** the kernel fails requests older than conn->request_timeout seconds */
	ZCFUSE_CAP_REQUEST_TIMEOUT = 1 << 25,
	/** the fs refuses NFS export (kernel offers FUSE_NO_EXPORT_SUPPORT) */
	ZCFUSE_CAP_NO_EXPORT_SUPPORT = 1 << 26,
};

/**
 * @brief What INIT negotiated; the init op may change the "want" fields.
 * Allocated by the library: fields are only ever added at the end.
 */
struct zcfuse_conn_info {
	unsigned proto_major; /**< protocol the kernel speaks (7) */
	unsigned proto_minor; /**< protocol minor the kernel speaks */
	unsigned capable; /**< ZCFUSE_CAP_* the kernel offers */
	unsigned want; /**< in/out: ZCFUSE_CAP_* to enable */
	unsigned max_write; /**< in/out: largest WRITE payload */
	unsigned max_read; /**< in/out: largest READ (0: no limit) */
	unsigned max_readahead; /**< in/out: readahead limit */
	unsigned max_background; /**< in/out: kernel's background request limit */
	unsigned time_gran; /**< in/out: timestamp granularity in ns */
	/**
	 * in/out: seconds after which the kernel aborts the connection when a
	 * request is still unanswered (0: never; -o request_timeout=). Needs
	 * ZCFUSE_CAP_REQUEST_TIMEOUT in capable (protocol 7.43, Linux 6.14).
	 */
	unsigned request_timeout;
	unsigned congestion_threshold; /**< in/out: 0: 3/4 of max_background */
	uint64_t capable_ext; /**< the kernel's raw INIT flags (FUSE_* bits of fuse.h) */
	uint32_t reserved[16]; /**< zero; room to grow */
};

/**
 * @brief The filesystem's operations, libfuse low-level style.
 *
 * Passed with its size (zcfuse_session_new's @c ops_size) so that this
 * table can grow: members past the caller's size are treated as NULL.
 * A NULL member answers ENOSYS (FORGET: nothing; OPEN/OPENDIR/RELEASE/
 * FLUSH/FSYNC: success; INIT/DESTROY: nothing). Every member except init,
 * destroy, forget and forget_multi must end in exactly one zcfuse_reply_*()
 * call, now or later, from any thread; the valid replies are listed.
 */
struct zcfuse_ops {
	/** Called once INIT arrives, before any other op. */
	void (*init)(void *userdata, struct zcfuse_conn_info *conn);
	/** Called at unmount or session end. */
	void (*destroy)(void *userdata);
	/** Look up @p name in @p parent. Reply: entry, err. */
	void (*lookup)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name);
	/** Drop @p nlookup references. Reply: none. */
	void (*forget)(struct zcfuse_req *req, zcfuse_ino_t ino, uint64_t nlookup);
	/** Reply: attr, err. @p fi is NULL unless the kernel sent a handle. */
	void (*getattr)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/** @p to_set is a mask of ZCFUSE_SET_ATTR_*. Reply: attr, err. */
	void (*setattr)(struct zcfuse_req *req, zcfuse_ino_t ino, struct stat *attr, int to_set,
			struct zcfuse_file_info *fi);
	/** Reply: readlink, err. */
	void (*readlink)(struct zcfuse_req *req, zcfuse_ino_t ino);
	/** Reply: entry, err. */
	void (*mknod)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		      dev_t rdev);
	/** Reply: entry, err. */
	void (*mkdir)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode);
	/** Reply: err (0 for success). */
	void (*unlink)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name);
	/** Reply: err (0 for success). */
	void (*rmdir)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name);
	/** Create @p name in @p parent pointing at @p link. Reply: entry, err. */
	void (*symlink)(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
			const char *name);
	/** RENAME and RENAME2; @p flags are renameat2(2) flags. Reply: err. */
	void (*rename)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		       zcfuse_ino_t newparent, const char *newname, unsigned flags);
	/** Hard link @p ino as @p newname. Reply: entry, err. */
	void (*link)(struct zcfuse_req *req, zcfuse_ino_t ino, zcfuse_ino_t newparent,
		     const char *newname);
	/** Reply: open, err. */
	void (*open)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/**
	 * Read up to @p size bytes at @p off. Reply: buf, data (after filling
	 * zcfuse_req_payload()), err; or start zcfuse_req_read_fd() and reply
	 * from its callback.
	 */
	void (*read)(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		     struct zcfuse_file_info *fi);
	/**
	 * Write @p size bytes at @p off. @p buf is NULL when the bytes are only
	 * reachable through zcfuse_req_write_fd() (a zero-copy file).
	 * Reply: write, err.
	 */
	void (*write)(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
		      off_t off, struct zcfuse_file_info *fi);
	/** Reply: err. */
	void (*flush)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/** Reply: err. */
	void (*release)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/** Reply: err. */
	void (*fsync)(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
		      struct zcfuse_file_info *fi);
	/** Reply: open, err. */
	void (*opendir)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/** Fill with zcfuse_add_direntry(). Reply: buf, err. */
	void (*readdir)(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			struct zcfuse_file_info *fi);
	/** Reply: err. */
	void (*releasedir)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi);
	/** Reply: err. */
	void (*fsyncdir)(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
			 struct zcfuse_file_info *fi);
	/** Reply: statfs, err. */
	void (*statfs)(struct zcfuse_req *req, zcfuse_ino_t ino);
	/** Reply: err. */
	void (*setxattr)(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			 const void *value, size_t size, int flags);
	/** @p size 0 asks for the length. Reply: buf, xattr, err. */
	void (*getxattr)(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name, size_t size);
	/** @p size 0 asks for the length. Reply: buf, xattr, err. */
	void (*listxattr)(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size);
	/** Reply: err. */
	void (*removexattr)(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name);
	/** Reply: err. */
	void (*access)(struct zcfuse_req *req, zcfuse_ino_t ino, int mask);
	/** Create and open. Reply: create, err. */
	void (*create)(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		       struct zcfuse_file_info *fi);
	/** BATCH_FORGET; if NULL, forget is called for each. Reply: none. */
	void (*forget_multi)(struct zcfuse_req *req, size_t count, const zcfuse_ino_t *inos,
			     const uint64_t *nlookups);
	/** Reply: err. */
	void (*fallocate)(struct zcfuse_req *req, zcfuse_ino_t ino, int mode, off_t offset,
			  off_t length, struct zcfuse_file_info *fi);
	/** Fill with zcfuse_add_direntry_plus(). Reply: buf, err. */
	void (*readdirplus)(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			    struct zcfuse_file_info *fi);
	/** Reply: lseek, err. */
	void (*lseek)(struct zcfuse_req *req, zcfuse_ino_t ino, off_t off, int whence,
		      struct zcfuse_file_info *fi);
	/** Reply: write (bytes copied), err. */
	void (*copy_file_range)(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
				struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out, off_t off_out,
				struct zcfuse_file_info *fi_out, size_t len, int flags);
	/**
	 * F_GETLK: the lock that would conflict with @p lock (l_type F_UNLCK if
	 * none). fi->lock_owner identifies the owner. Negotiated
	 * (ZCFUSE_CAP_POSIX_LOCKS) only when getlk and setlk both exist.
	 * Reply: lock, err.
	 */
	void (*getlk)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		      struct flock *lock);
	/**
	 * F_SETLK (@p sleep 0) and F_SETLKW (@p sleep 1). A waiting SETLKW
	 * must not block the calling thread: keep @p req and answer it once
	 * granted (from any thread), or EINTR when it is interrupted (see
	 * zcfuse_req_interrupt_func()). Reply: err (0 granted; EAGAIN
	 * conflict for sleep 0).
	 */
	void (*setlk)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		      struct flock *lock, int sleep);
	/**
	 * flock(2): @p op is LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB when
	 * the caller does not wait (the same rules as setlk for waiting).
	 * Negotiated (ZCFUSE_CAP_FLOCK_LOCKS) when present. Reply: err.
	 */
	void (*flock)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		      int op);
	/** Block @p idx of @p blocksize bytes to a device block. Reply: bmap, err. */
	void (*bmap)(struct zcfuse_req *req, zcfuse_ino_t ino, size_t blocksize, uint64_t idx);
	/**
	 * ioctl(2). Restricted ioctls (the usual case) arrive with @p in_buf
	 * holding _IOC_SIZE bytes for _IOC_WRITE commands and room for
	 * @p out_bufsz bytes of answer. ZCFUSE_IOCTL_UNRESTRICTED in @p flags
	 * (CUSE only) allows zcfuse_reply_ioctl_retry(). ZCFUSE_IOCTL_DIR: a
	 * directory. Reply: ioctl, ioctl_retry, err.
	 */
	void (*ioctl)(struct zcfuse_req *req, zcfuse_ino_t ino, unsigned int cmd, void *arg,
		      struct zcfuse_file_info *fi, unsigned flags, const void *in_buf,
		      size_t in_bufsz, size_t out_bufsz);
	/**
	 * poll(2): answer the events ready now; if @p ph is not NULL keep it
	 * and call zcfuse_notify_poll(ph) when they change. Reply: poll, err.
	 */
	void (*poll)(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     struct zcfuse_pollhandle *ph);
	/**
	 * The kernel's answer to zcfuse_notify_retrieve(): @p size cached bytes
	 * of @p ino at @p off, for the @p cookie given there. Reply: none.
	 */
	void (*retrieve_reply)(struct zcfuse_req *req, void *cookie, zcfuse_ino_t ino, off_t off,
			       const void *buf, size_t size);
	/**
	 * statx(2): @p flags are AT_STATX_* sync flags, @p mask the STATX_*
	 * fields wanted; @p fi is NULL unless the kernel sent a handle. If
	 * NULL, STATX is answered from getattr. Reply: statx, err.
	 */
	void (*statx)(struct zcfuse_req *req, zcfuse_ino_t ino, int flags, int mask,
		      struct zcfuse_file_info *fi);
	/** O_TMPFILE: an unnamed file in @p parent, open. Reply: create, err. */
	void (*tmpfile)(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
			struct zcfuse_file_info *fi);
	/** syncfs(2) on the filesystem of @p ino. Reply: err. */
	void (*syncfs)(struct zcfuse_req *req, zcfuse_ino_t ino);
};

/** ioctl flags (the @p flags of the ioctl op), the kernel's FUSE_IOCTL_* values. */
#define ZCFUSE_IOCTL_COMPAT (1 << 0)       /**< 32-bit ioctl on a 64-bit kernel */
#define ZCFUSE_IOCTL_UNRESTRICTED (1 << 1) /**< retry allowed (CUSE) */
#define ZCFUSE_IOCTL_RETRY (1 << 2)        /**< a retried call */
#define ZCFUSE_IOCTL_32BIT (1 << 3)        /**< a 32-bit caller */
#define ZCFUSE_IOCTL_DIR (1 << 4)          /**< on a directory */
#define ZCFUSE_IOCTL_COMPAT_X32 (1 << 5)   /**< x32 caller */
#define ZCFUSE_IOCTL_MAX_IOV 256           /**< in + out iovecs of a retry at most */

/* ---- Requests ---- */

/** @brief The caller of @p req. Valid until the reply. */
ZCFUSE_API const struct zcfuse_ctx *zcfuse_req_ctx(struct zcfuse_req *req);
/**
 * @brief ZCFUSE_KILL_* bits the kernel sent with @p req (WRITE, SETATTR,
 * OPEN, CREATE, SETXATTR), or 0. The same facts reach write, open and create
 * as zcfuse_file_info.kill_suidgid and setattr as
 * ZCFUSE_SET_ATTR_KILL_SUIDGID; this is the only channel for SETXATTR.
 */
ZCFUSE_API unsigned zcfuse_req_kill_priv(struct zcfuse_req *req);
/**
 * @brief The caller's supplementary groups, read from
 * /proc/PID/task/TID/status of the calling thread (FUSE does not send
 * them). Fills up to @p size entries of @p list and returns how many groups
 * the caller has (more than @p size: call again with a larger list), or
 * -errno (-ESRCH when the caller is gone, -ENOSYS when its pid is not
 * visible, as from another pid namespace).
 */
ZCFUSE_API int zcfuse_req_getgroups(struct zcfuse_req *req, int size, gid_t list[]);
/** @brief The userdata given to zcfuse_session_new(). */
ZCFUSE_API void *zcfuse_req_userdata(struct zcfuse_req *req);
/** @brief Called when the kernel interrupts a request (see zcfuse_req_interrupt_func()). */
typedef void (*zcfuse_interrupt_func)(struct zcfuse_req *req, void *data);
/**
 * @brief Register @p func to run when the kernel interrupts @p req (the
 * caller got a signal), as libfuse's fuse_req_interrupt_func does. If the
 * interrupt already came (it may arrive before its request), @p func runs
 * before this returns. It runs on another thread than the request's, and
 * may race with the request's own reply: the filesystem's lock decides who
 * answers (typically zcfuse_reply_err(req, EINTR)). After the request is
 * answered @p func is never called. @p func NULL unregisters. 0 or -ENOMEM.
 */
ZCFUSE_API int zcfuse_req_interrupt_func(struct zcfuse_req *req, zcfuse_interrupt_func func,
					 void *data);
/** @brief 1 if the kernel sent INTERRUPT for @p req, else 0. */
ZCFUSE_API int zcfuse_req_interrupted(struct zcfuse_req *req);
/** @brief The session @p req belongs to; valid for the session's life. */
ZCFUSE_API struct zcfuse_session *zcfuse_req_session(struct zcfuse_req *req);
/** @brief The FUSE opcode of @p req (for logs and statistics). */
ZCFUSE_API unsigned zcfuse_req_opcode(struct zcfuse_req *req);

/**
 * @brief The request's reply payload area: fill it and answer with
 * zcfuse_reply_data() to avoid a copy. On io_uring transports it is the
 * entry's (registered) payload buffer. @p size receives its length.
 * Returns NULL for a zero-copy request, whose data the CPU must not touch.
 */
ZCFUSE_API void *zcfuse_req_payload(struct zcfuse_req *req, size_t *size);

/* ---- Replies: each ends the request; each returns 0 or -errno ---- */

/** @brief Answer with @p err (positive errno, or 0 for success). */
ZCFUSE_API int zcfuse_reply_err(struct zcfuse_req *req, int err);
/** @brief End a request that takes no answer (forget). */
ZCFUSE_API void zcfuse_reply_none(struct zcfuse_req *req);
/** @brief Answer with an entry; takes a lookup reference on e->ino if non-zero. */
ZCFUSE_API int zcfuse_reply_entry(struct zcfuse_req *req, const struct zcfuse_entry_param *e);
/** @brief Answer CREATE with an entry and an open file. */
ZCFUSE_API int zcfuse_reply_create(struct zcfuse_req *req, const struct zcfuse_entry_param *e,
				   const struct zcfuse_file_info *fi);
/** @brief Answer with attributes valid for @p attr_timeout seconds. */
ZCFUSE_API int zcfuse_reply_attr(struct zcfuse_req *req, const struct stat *attr,
				 double attr_timeout);
/** @brief Answer READLINK with the link target. */
ZCFUSE_API int zcfuse_reply_readlink(struct zcfuse_req *req, const char *link);
/** @brief Answer OPEN or OPENDIR. */
ZCFUSE_API int zcfuse_reply_open(struct zcfuse_req *req, const struct zcfuse_file_info *fi);
/** @brief Answer WRITE (or COPY_FILE_RANGE) with the count written. */
ZCFUSE_API int zcfuse_reply_write(struct zcfuse_req *req, size_t count);
/** @brief Answer with a copy of @p size bytes from @p buf (READ, READDIR, xattrs). */
ZCFUSE_API int zcfuse_reply_buf(struct zcfuse_req *req, const void *buf, size_t size);
/**
 * @brief Answer with the first @p size bytes already placed in
 * zcfuse_req_payload() (or by zcfuse_req_read_fd()). No copy.
 */
ZCFUSE_API int zcfuse_reply_data(struct zcfuse_req *req, size_t size);
/** @brief Answer STATFS. */
ZCFUSE_API int zcfuse_reply_statfs(struct zcfuse_req *req, const struct statvfs *st);
/** @brief Answer GETXATTR or LISTXATTR asked with size 0: the needed size. */
ZCFUSE_API int zcfuse_reply_xattr(struct zcfuse_req *req, size_t count);
/** @brief Answer LSEEK. */
ZCFUSE_API int zcfuse_reply_lseek(struct zcfuse_req *req, off_t off);

/**
 * @brief Answer GETLK with the conflicting lock, or l_type F_UNLCK if none.
 * @p lock->l_len 0 means "to the end of the file".
 */
ZCFUSE_API int zcfuse_reply_lock(struct zcfuse_req *req, const struct flock *lock);
/** @brief Answer BMAP with the device block of the asked-for block. */
ZCFUSE_API int zcfuse_reply_bmap(struct zcfuse_req *req, uint64_t idx);
/**
 * @brief Answer IOCTL: @p result is the ioctl's return value, @p buf the
 * @p size bytes of output (at most the op's out_bufsz).
 */
ZCFUSE_API int zcfuse_reply_ioctl(struct zcfuse_req *req, int result, const void *buf,
				  size_t size);
/**
 * @brief Answer an unrestricted IOCTL (ZCFUSE_IOCTL_UNRESTRICTED, CUSE) by
 * asking the kernel to send it again with these caller memory areas
 * (addresses in the caller's space) as input and output. EINVAL for a
 * restricted one: the kernel allows retries only there.
 */
ZCFUSE_API int zcfuse_reply_ioctl_retry(struct zcfuse_req *req, const struct iovec *in_iov,
					size_t in_count, const struct iovec *out_iov,
					size_t out_count);
/** @brief Answer POLL with the events ready now (POLLIN, POLLOUT, ...). */
ZCFUSE_API int zcfuse_reply_poll(struct zcfuse_req *req, unsigned revents);
struct statx;
/**
 * @brief Answer STATX: @p stx's stx_mask says which fields are valid;
 * @p flags are reserved (0). Attributes cached for @p attr_timeout seconds.
 */
ZCFUSE_API int zcfuse_reply_statx(struct zcfuse_req *req, int flags, const struct statx *stx,
				  double attr_timeout);

/**
 * @brief Append a READDIR record to @p buf (capacity @p bufsize).
 * @p off is the offset of the NEXT entry. Returns the record's size; if it
 * exceeds @p bufsize nothing was written (call with buf NULL to measure).
 */
ZCFUSE_API size_t zcfuse_add_direntry(struct zcfuse_req *req, char *buf, size_t bufsize,
				      const char *name, const struct stat *st, off_t off);
/**
 * @brief Append a READDIRPLUS record. Entries other than "." and ".." with a
 * non-zero ino take a lookup reference, as zcfuse_reply_entry() does, once
 * the reply is sent.
 */
ZCFUSE_API size_t zcfuse_add_direntry_plus(struct zcfuse_req *req, char *buf, size_t bufsize,
					   const char *name,
					   const struct zcfuse_entry_param *e, off_t off);

/* ---- Ring-native backing I/O ---- */

/**
 * @brief Completion of a backing I/O started for a request.
 * @p res is the byte count or -errno. The callback must answer @p req (or
 * start another I/O for it). It runs on the request's queue thread.
 */
typedef void (*zcfuse_io_cb)(struct zcfuse_req *req, int res, void *arg);

/**
 * @brief READ: read up to @p size bytes of @p fd at @p off straight into the
 * request's reply payload (the registered buffer, or the client's pages
 * under zero copy), then call @p cb. On io_uring transports this is
 * submitted on the queue's own ring (READ_FIXED) and the queue serves other
 * requests meanwhile; on classic it runs as pread(2) before returning.
 * Answer from @p cb with zcfuse_reply_data(req, res) when res >= 0.
 */
ZCFUSE_API int zcfuse_req_read_fd(struct zcfuse_req *req, int fd, off_t off, size_t size,
				  zcfuse_io_cb cb, void *arg);
/**
 * @brief WRITE: write the request's data to @p fd at @p off (WRITE_FIXED
 * from the registered payload or the client's pages), then call @p cb.
 * Answer from @p cb with zcfuse_reply_write(req, res).
 */
ZCFUSE_API int zcfuse_req_write_fd(struct zcfuse_req *req, int fd, off_t off,
				   zcfuse_io_cb cb, void *arg);
/** @brief fsync(2)/fdatasync(2) @p fd on the queue's ring, then call @p cb. */
ZCFUSE_API int zcfuse_req_fsync_fd(struct zcfuse_req *req, int fd, int datasync,
				   zcfuse_io_cb cb, void *arg);
/** @brief fallocate(2) on the queue's ring, then call @p cb. */
ZCFUSE_API int zcfuse_req_fallocate_fd(struct zcfuse_req *req, int fd, int mode, off_t off,
				       off_t len, zcfuse_io_cb cb, void *arg);

/**
 * @brief Kernel passthrough: register @p fd as the backing file of an open
 * file. Store the result in fi->backing_id before zcfuse_reply_open() or
 * zcfuse_reply_create(); the kernel then serves READ and WRITE itself.
 * Returns a backing id (> 0) or -errno (-EOPNOTSUPP when the session did not
 * negotiate passthrough).
 */
ZCFUSE_API int zcfuse_passthrough_open(struct zcfuse_req *req, int fd);
/**
 * @brief Release a backing id from zcfuse_passthrough_open(). Takes the
 * session (zcfuse_req_session()) so it can run after the reply too.
 */
ZCFUSE_API int zcfuse_passthrough_close(struct zcfuse_session *se, int backing_id);

/* ---- Notifications to the kernel ---- */

/**
 * @brief Drop cached data and attributes of @p ino; @p len 0 means all.
 * A negative @p off drops the attributes only.
 */
ZCFUSE_API int zcfuse_notify_inval_inode(struct zcfuse_session *se, zcfuse_ino_t ino,
					 off_t off, off_t len);
/** @brief Drop the cached name @p name in @p parent. */
ZCFUSE_API int zcfuse_notify_inval_entry(struct zcfuse_session *se, zcfuse_ino_t parent,
					 const char *name, size_t namelen);

/**
 * @brief Wake a poll(2) waiter: the events of the file whose POLL gave @p ph
 * changed; the kernel asks again with POLL. 0 or -errno.
 */
ZCFUSE_API int zcfuse_notify_poll(struct zcfuse_pollhandle *ph);
/** @brief Free a poll handle (after its last zcfuse_notify_poll()). */
ZCFUSE_API void zcfuse_pollhandle_destroy(struct zcfuse_pollhandle *ph);
/**
 * @brief @p name in @p parent, which was @p child, is gone: drop it from the
 * kernel's name cache and its dentry (even if in use), as if unlinked.
 */
ZCFUSE_API int zcfuse_notify_delete(struct zcfuse_session *se, zcfuse_ino_t parent,
				    zcfuse_ino_t child, const char *name, size_t namelen);
/**
 * @brief Mark the cached name @p name in @p parent expired without dropping
 * it: the next use looks it up again, open files keep it. -ENOSYS unless the
 * kernel offers it (ZCFUSE_CAP_EXPIRE_ONLY, protocol 7.38).
 */
ZCFUSE_API int zcfuse_notify_expire_entry(struct zcfuse_session *se, zcfuse_ino_t parent,
					  const char *name, size_t namelen);
/**
 * @brief Put @p size bytes of @p buf into the kernel's page cache of @p ino
 * at @p offset (reads then need no READ). The size grows if the data ends
 * past it.
 */
ZCFUSE_API int zcfuse_notify_store(struct zcfuse_session *se, zcfuse_ino_t ino, off_t offset,
				   const void *buf, size_t size);
/**
 * @brief Ask the kernel for up to @p size cached bytes of @p ino at
 * @p offset; they arrive in the retrieve_reply op with @p cookie.
 */
ZCFUSE_API int zcfuse_notify_retrieve(struct zcfuse_session *se, zcfuse_ino_t ino, size_t size,
				      off_t offset, void *cookie);
/**
 * @brief Ask the kernel to send again every request it is waiting for
 * (after a server restart kept the connection). -ENOSYS unless the kernel
 * offers it (ZCFUSE_CAP_RESEND, protocol 7.40).
 */
ZCFUSE_API int zcfuse_notify_resend(struct zcfuse_session *se);
/**
 * @brief Start a new epoch: every cached name from before becomes invalid
 * (protocol 7.44, Linux 6.16; -ENOSYS before).
 */
ZCFUSE_API int zcfuse_notify_inc_epoch(struct zcfuse_session *se);
/**
 * @brief Ask the kernel to forget the @p count inodes @p nodeids where it
 * can (unused ones; protocol 7.45, Linux 6.18; -ENOSYS before).
 */
ZCFUSE_API int zcfuse_notify_prune(struct zcfuse_session *se, const zcfuse_ino_t *nodeids,
				   uint32_t count);

/* ---- Sessions ---- */

/**
 * @brief Declare and zero a sized options struct and set its @c sz, e.g.
 * `ZCFUSE_OPTS(zcfuse_session_opts, opts, .nr_args = 1);`. A library older
 * than the caller's header refuses the call with -EINVAL when a field it
 * does not know is non-zero, instead of silently ignoring it.
 */
#define ZCFUSE_OPTS(TYPE, NAME, ...)                                        \
	struct TYPE NAME = ({                                               \
		memset(&NAME, 0, sizeof(struct TYPE));                      \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };    \
	})

/**
 * @brief Options for zcfuse_session_new(); declare with ZCFUSE_OPTS(), or
 * zero-initialize and set @c sz to sizeof(struct zcfuse_session_opts), so
 * the struct can grow.
 */
struct zcfuse_session_opts {
	size_t sz; /**< sizeof(struct zcfuse_session_opts) */
	/** Positional arguments before the mountpoint, for usage text, e.g. "SOURCE". */
	const char *args_usage;
	/** How many positional arguments come before the mountpoint. */
	int nr_args;
	/** Receives each positional argument before the mountpoint; 0 or -errno. */
	int (*arg)(void *userdata, int index, const char *arg);
	/**
	 * The filesystem's own "-o key[=value]" options; return 0 if taken,
	 * -ENOENT if unknown (zcfuse then reports it), other -errno if bad.
	 */
	int (*opt)(void *userdata, const char *key, const char *value);
	/** Help text for the filesystem's own options, printed by -h. */
	const char *opt_help;
};

/**
 * @brief Parse the command line (libfuse conventions: -f, -d, -s, -h, -V,
 * -o opt[,opt...]) and create a session. Nothing is mounted yet.
 * Returns 0 and sets @p out, 1 if -h or -V was handled (nothing to run),
 * or -errno after printing a one-line error.
 */
ZCFUSE_API int zcfuse_session_new(int argc, char *argv[], const struct zcfuse_ops *ops,
				  size_t ops_size, const struct zcfuse_session_opts *opts,
				  void *userdata, struct zcfuse_session **out);
/** @brief Mount at the mountpoint from the command line. 0 or -errno. */
ZCFUSE_API int zcfuse_session_mount(struct zcfuse_session *se);
/**
 * @brief Serve requests until unmount or zcfuse_session_exit(): negotiates
 * INIT, picks the transport, starts its threads. 0 or -errno.
 */
ZCFUSE_API int zcfuse_session_run(struct zcfuse_session *se);
/** @brief Ask a running session to stop (async-signal-safe). */
ZCFUSE_API void zcfuse_session_exit(struct zcfuse_session *se);
/** @brief Unmount if mounted. 0 or -errno. */
ZCFUSE_API int zcfuse_session_unmount(struct zcfuse_session *se);
/** @brief Free everything the session holds. */
ZCFUSE_API void zcfuse_session_destroy(struct zcfuse_session *se);
/** @brief The transport in use ("classic", "uring", "bufpool", "zerocopy"), or NULL before run. */
ZCFUSE_API const char *zcfuse_session_transport(struct zcfuse_session *se);
/** @brief The mountpoint given on the command line. */
ZCFUSE_API const char *zcfuse_session_mountpoint(struct zcfuse_session *se);

/**
 * @brief The whole life of a filesystem server: parse, mount, daemonize
 * (unless -f), unmount on SIGINT/SIGTERM/SIGHUP, serve, unmount, write
 * statistics. Returns the process exit status (0 success, 1 failure).
 */
ZCFUSE_API int zcfuse_main(int argc, char *argv[], const struct zcfuse_ops *ops,
			   size_t ops_size, const struct zcfuse_session_opts *opts,
			   void *userdata);

/** @brief Log severity for zcfuse_log(). */
enum zcfuse_log_level {
	ZCFUSE_LOG_ERR = 3,
	ZCFUSE_LOG_WARNING = 4,
	ZCFUSE_LOG_INFO = 6,
	ZCFUSE_LOG_DEBUG = 7,
};
/** @brief Log a line to stderr (or syslog once daemonized), prefixed "zcfuse: ". */
ZCFUSE_API void zcfuse_log(enum zcfuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
