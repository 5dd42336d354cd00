/* SPDX-License-Identifier: MIT */
/*
 * The FUSE kernel ABI, protocol 7.46 (Linux 7.3), written out from the
 * facts in the kernel's include/uapi/linux/fuse.h and
 * Documentation/filesystems/fuse/uapi/fuse-uapi-io-uring.rst.
 *
 * Debian bookworm's <linux/fuse.h> stops at 7.38, so zcfuse never includes
 * it.  Only what zcfuse speaks is here; layouts are the wire format and must
 * not change.  Names follow the kernel's so a reader can grep both trees.
 */
#ifndef ZCFUSE_PROTO_FUSE_ABI_H
#define ZCFUSE_PROTO_FUSE_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define FUSE_KERNEL_VERSION 7
#define FUSE_KERNEL_MINOR_VERSION 46
#define FUSE_ROOT_ID 1
#define FUSE_MIN_READ_BUFFER 8192

struct fuse_attr {
	uint64_t ino, size, blocks, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec;
	uint32_t mode, nlink, uid, gid, rdev, blksize, flags;
};

struct fuse_kstatfs {
	uint64_t blocks, bfree, bavail, files, ffree;
	uint32_t bsize, namelen, frsize, padding;
	uint32_t spare[6];
};

/* SETATTR valid bits */
#define FATTR_MODE (1u << 0)
#define FATTR_UID (1u << 1)
#define FATTR_GID (1u << 2)
#define FATTR_SIZE (1u << 3)
#define FATTR_ATIME (1u << 4)
#define FATTR_MTIME (1u << 5)
#define FATTR_FH (1u << 6)
#define FATTR_ATIME_NOW (1u << 7)
#define FATTR_MTIME_NOW (1u << 8)
#define FATTR_LOCKOWNER (1u << 9)
#define FATTR_CTIME (1u << 10)
#define FATTR_KILL_SUIDGID (1u << 11)

/* OPEN/CREATE reply flags */
#define FOPEN_DIRECT_IO (1u << 0)
#define FOPEN_KEEP_CACHE (1u << 1)
#define FOPEN_NONSEEKABLE (1u << 2)
#define FOPEN_CACHE_DIR (1u << 3)
#define FOPEN_STREAM (1u << 4)
#define FOPEN_NOFLUSH (1u << 5)
#define FOPEN_PARALLEL_DIRECT_WRITES (1u << 6)
#define FOPEN_PASSTHROUGH (1u << 7)
#define FOPEN_IO_URING_ZERO_COPY (1u << 8)

/* INIT flags; bits 32..63 travel in flags2 */
#define FUSE_ASYNC_READ (1ull << 0)
#define FUSE_POSIX_LOCKS (1ull << 1)
#define FUSE_ATOMIC_O_TRUNC (1ull << 3)
#define FUSE_EXPORT_SUPPORT (1ull << 4)
#define FUSE_BIG_WRITES (1ull << 5)
#define FUSE_DONT_MASK (1ull << 6)
#define FUSE_SPLICE_WRITE (1ull << 7)
#define FUSE_SPLICE_MOVE (1ull << 8)
#define FUSE_SPLICE_READ (1ull << 9)
#define FUSE_FLOCK_LOCKS (1ull << 10)
#define FUSE_HAS_IOCTL_DIR (1ull << 11)
#define FUSE_AUTO_INVAL_DATA (1ull << 12)
#define FUSE_DO_READDIRPLUS (1ull << 13)
#define FUSE_READDIRPLUS_AUTO (1ull << 14)
#define FUSE_ASYNC_DIO (1ull << 15)
#define FUSE_WRITEBACK_CACHE (1ull << 16)
#define FUSE_NO_OPEN_SUPPORT (1ull << 17)
#define FUSE_PARALLEL_DIROPS (1ull << 18)
#define FUSE_HANDLE_KILLPRIV (1ull << 19)
#define FUSE_POSIX_ACL (1ull << 20)
#define FUSE_ABORT_ERROR (1ull << 21)
#define FUSE_MAX_PAGES (1ull << 22)
#define FUSE_CACHE_SYMLINKS (1ull << 23)
#define FUSE_NO_OPENDIR_SUPPORT (1ull << 24)
#define FUSE_EXPLICIT_INVAL_DATA (1ull << 25)
#define FUSE_MAP_ALIGNMENT (1ull << 26)
#define FUSE_SUBMOUNTS (1ull << 27)
#define FUSE_HANDLE_KILLPRIV_V2 (1ull << 28)
#define FUSE_SETXATTR_EXT (1ull << 29)
#define FUSE_INIT_EXT (1ull << 30)
#define FUSE_INIT_RESERVED (1ull << 31)
#define FUSE_SECURITY_CTX (1ull << 32)
#define FUSE_HAS_INODE_DAX (1ull << 33)
#define FUSE_CREATE_SUPP_GROUP (1ull << 34)
#define FUSE_HAS_EXPIRE_ONLY (1ull << 35)
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ull << 36)
#define FUSE_PASSTHROUGH (1ull << 37)
#define FUSE_NO_EXPORT_SUPPORT (1ull << 38)
#define FUSE_HAS_RESEND (1ull << 39)
#define FUSE_ALLOW_IDMAP (1ull << 40)
#define FUSE_OVER_IO_URING (1ull << 41)
#define FUSE_REQUEST_TIMEOUT (1ull << 42)
#define FUSE_HAS_IO_URING_BUFPOOL (1ull << 43)

#define FUSE_RELEASE_FLUSH (1u << 0)
#define FUSE_RELEASE_FLOCK_UNLOCK (1u << 1)
#define FUSE_GETATTR_FH (1u << 0)
#define FUSE_WRITE_CACHE (1u << 0)
#define FUSE_WRITE_LOCKOWNER (1u << 1)
#define FUSE_WRITE_KILL_SUIDGID (1u << 2)
#define FUSE_READ_LOCKOWNER (1u << 1)
#define FUSE_FSYNC_FDATASYNC (1u << 0)
#define FUSE_OPEN_KILL_SUIDGID (1u << 0)
#define FUSE_SETXATTR_ACL_KILL_SGID (1u << 0)

enum fuse_opcode {
	FUSE_LOOKUP = 1,
	FUSE_FORGET = 2,
	FUSE_GETATTR = 3,
	FUSE_SETATTR = 4,
	FUSE_READLINK = 5,
	FUSE_SYMLINK = 6,
	FUSE_MKNOD = 8,
	FUSE_MKDIR = 9,
	FUSE_UNLINK = 10,
	FUSE_RMDIR = 11,
	FUSE_RENAME = 12,
	FUSE_LINK = 13,
	FUSE_OPEN = 14,
	FUSE_READ = 15,
	FUSE_WRITE = 16,
	FUSE_STATFS = 17,
	FUSE_RELEASE = 18,
	FUSE_FSYNC = 20,
	FUSE_SETXATTR = 21,
	FUSE_GETXATTR = 22,
	FUSE_LISTXATTR = 23,
	FUSE_REMOVEXATTR = 24,
	FUSE_FLUSH = 25,
	FUSE_INIT = 26,
	FUSE_OPENDIR = 27,
	FUSE_READDIR = 28,
	FUSE_RELEASEDIR = 29,
	FUSE_FSYNCDIR = 30,
	FUSE_GETLK = 31,
	FUSE_SETLK = 32,
	FUSE_SETLKW = 33,
	FUSE_ACCESS = 34,
	FUSE_CREATE = 35,
	FUSE_INTERRUPT = 36,
	FUSE_BMAP = 37,
	FUSE_DESTROY = 38,
	FUSE_IOCTL = 39,
	FUSE_POLL = 40,
	FUSE_NOTIFY_REPLY = 41,
	FUSE_BATCH_FORGET = 42,
	FUSE_FALLOCATE = 43,
	FUSE_READDIRPLUS = 44,
	FUSE_RENAME2 = 45,
	FUSE_LSEEK = 46,
	FUSE_COPY_FILE_RANGE = 47,
	FUSE_SETUPMAPPING = 48,
	FUSE_REMOVEMAPPING = 49,
	FUSE_SYNCFS = 50,
	FUSE_TMPFILE = 51,
	FUSE_STATX = 52,
	FUSE_COPY_FILE_RANGE_64 = 53,
	FUSE_OPCODE_MAX = 54,
};

enum fuse_notify_code {
	FUSE_NOTIFY_POLL = 1,
	FUSE_NOTIFY_INVAL_INODE = 2,
	FUSE_NOTIFY_INVAL_ENTRY = 3,
	FUSE_NOTIFY_STORE = 4,
	FUSE_NOTIFY_RETRIEVE = 5,
	FUSE_NOTIFY_DELETE = 6,
	FUSE_NOTIFY_RESEND = 7,    /* 7.40 */
	FUSE_NOTIFY_INC_EPOCH = 8, /* 7.44 */
	FUSE_NOTIFY_PRUNE = 9,     /* 7.45 */
};

struct fuse_entry_out {
	uint64_t nodeid, generation, entry_valid, attr_valid;
	uint32_t entry_valid_nsec, attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_forget_in { uint64_t nlookup; };
struct fuse_forget_one { uint64_t nodeid, nlookup; };
struct fuse_batch_forget_in { uint32_t count, dummy; };
struct fuse_getattr_in { uint32_t getattr_flags, dummy; uint64_t fh; };

struct fuse_attr_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec, dummy;
	struct fuse_attr attr;
};

struct fuse_mknod_in { uint32_t mode, rdev, umask, padding; };
struct fuse_mkdir_in { uint32_t mode, umask; };
struct fuse_rename_in { uint64_t newdir; };
struct fuse_rename2_in { uint64_t newdir; uint32_t flags, padding; };
struct fuse_link_in { uint64_t oldnodeid; };

struct fuse_setattr_in {
	uint32_t valid, padding;
	uint64_t fh, size, lock_owner, atime, mtime, ctime;
	uint32_t atimensec, mtimensec, ctimensec, mode, unused4, uid, gid, unused5;
};

struct fuse_open_in { uint32_t flags, open_flags; };
struct fuse_create_in { uint32_t flags, mode, umask, open_flags; };
struct fuse_open_out { uint64_t fh; uint32_t open_flags; int32_t backing_id; };
struct fuse_release_in { uint64_t fh; uint32_t flags, release_flags; uint64_t lock_owner; };
struct fuse_flush_in { uint64_t fh; uint32_t unused, padding; uint64_t lock_owner; };

struct fuse_read_in {
	uint64_t fh, offset;
	uint32_t size, read_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

struct fuse_write_in {
	uint64_t fh, offset;
	uint32_t size, write_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

struct fuse_write_out { uint32_t size, padding; };
struct fuse_statfs_out { struct fuse_kstatfs st; };
struct fuse_fsync_in { uint64_t fh; uint32_t fsync_flags, padding; };

/* Before FUSE_SETXATTR_EXT is negotiated the kernel sends only size+flags. */
#define FUSE_COMPAT_SETXATTR_IN_SIZE 8
struct fuse_setxattr_in { uint32_t size, flags, setxattr_flags, padding; };
struct fuse_getxattr_in { uint32_t size, padding; };
struct fuse_getxattr_out { uint32_t size, padding; };
struct fuse_access_in { uint32_t mask, padding; };

struct fuse_init_in {
	uint32_t major, minor, max_readahead, flags, flags2;
	uint32_t unused[11];
};

struct fuse_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, max_stack_depth;
	uint16_t request_timeout;
	uint16_t unused[11];
};

struct fuse_interrupt_in { uint64_t unique; };

struct fuse_fallocate_in {
	uint64_t fh, offset, length;
	uint32_t mode, padding;
};

struct fuse_lseek_in { uint64_t fh, offset; uint32_t whence, padding; };
struct fuse_lseek_out { uint64_t offset; };

struct fuse_copy_file_range_in {
	uint64_t fh_in, off_in, nodeid_out, fh_out, off_out, len, flags;
};

struct fuse_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen; /* in 8-byte units */
	uint16_t padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct fuse_dirent {
	uint64_t ino, off;
	uint32_t namelen, type;
	char name[];
};

struct fuse_direntplus {
	struct fuse_entry_out entry_out;
	struct fuse_dirent dirent;
};

/* Directory records are padded to 8 bytes. */
#define FUSE_REC_ALIGN(x) (((x) + 7) & ~(size_t)7)

struct fuse_notify_inval_inode_out { uint64_t ino; int64_t off, len; };
struct fuse_notify_inval_entry_out { uint64_t parent; uint32_t namelen, flags; };

/* Locks, ioctl, poll, bmap, statx, syncfs, notifications (issue 11). */
#define FUSE_LK_FLOCK (1u << 0)
#define FUSE_IOCTL_UNRESTRICTED_F (1u << 1)
#define FUSE_IOCTL_RETRY_F (1u << 2)
#define FUSE_IOCTL_DIR_F (1u << 4)
#define FUSE_IOCTL_MAX_IOV_N 256
#define FUSE_POLL_SCHEDULE_NOTIFY (1u << 0)
#define FUSE_EXPIRE_ONLY (1u << 0)
struct fuse_file_lock { uint64_t start, end; uint32_t type, pid; };
struct fuse_lk_in { uint64_t fh, owner; struct fuse_file_lock lk; uint32_t lk_flags, padding; };
struct fuse_lk_out { struct fuse_file_lock lk; };
struct fuse_bmap_in { uint64_t block; uint32_t blocksize, padding; };
struct fuse_bmap_out { uint64_t block; };
struct fuse_ioctl_in { uint64_t fh; uint32_t flags, cmd; uint64_t arg; uint32_t in_size, out_size; };
struct fuse_ioctl_iovec { uint64_t base, len; };
struct fuse_ioctl_out { int32_t result; uint32_t flags, in_iovs, out_iovs; };
struct fuse_poll_in { uint64_t fh, kh; uint32_t flags, events; };
struct fuse_poll_out { uint32_t revents, padding; };
struct fuse_notify_poll_wakeup_out { uint64_t kh; };
struct fuse_sx_time { int64_t tv_sec; uint32_t tv_nsec; int32_t reserved; };
struct fuse_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct fuse_sx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare2[14];
};
struct fuse_statx_in { uint32_t getattr_flags, reserved; uint64_t fh; uint32_t sx_flags, sx_mask; };
struct fuse_statx_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec, flags;
	uint64_t spare[2];
	struct fuse_statx stat;
};
struct fuse_syncfs_in { uint64_t padding; };
struct fuse_copy_file_range_out { uint64_t bytes_copied; };
struct fuse_setupmapping_in { uint64_t fh, foffset, len, flags, moffset; };
struct fuse_removemapping_in { uint32_t count; };
struct fuse_notify_delete_out { uint64_t parent, child; uint32_t namelen, padding; };
struct fuse_notify_store_out { uint64_t nodeid, offset; uint32_t size, padding; };
struct fuse_notify_retrieve_out { uint64_t notify_unique, nodeid, offset; uint32_t size, padding; };
struct fuse_notify_retrieve_in { uint64_t dummy1, offset; uint32_t size, dummy2; uint64_t dummy3, dummy4; };
struct fuse_notify_prune_out { uint32_t count, padding; uint64_t spare; };

struct fuse_backing_map { int32_t fd; uint32_t flags; uint64_t padding; };

#define FUSE_DEV_IOC_MAGIC 229
#define FUSE_DEV_IOC_CLONE _IOR(FUSE_DEV_IOC_MAGIC, 0, uint32_t)
#define FUSE_DEV_IOC_BACKING_OPEN _IOW(FUSE_DEV_IOC_MAGIC, 1, struct fuse_backing_map)
#define FUSE_DEV_IOC_BACKING_CLOSE _IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)

/* ---- FUSE over io_uring (6.14: 7.42; buffer pools and zero copy: 7.46) ---- */

#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128

/* fuse_uring_ent_in_out.flags: the payload is the client's pages, reachable
 * only through the entry's registered-buffer slot. */
#define FUSE_URING_ENT_ZERO_COPY (1ull << 0)

struct fuse_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;
	uint32_t payload_sz;
	uint32_t offset; /* payload place within the buffer pool */
	uint64_t reserved;
};

/* The per-entry header buffer, first iovec of REGISTER. */
struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ]; /* fuse_in_header / fuse_out_header */
	char op_in[FUSE_URING_OP_IN_OUT_SZ];      /* the opcode's fixed argument */
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID = 0,
	FUSE_IO_URING_CMD_REGISTER = 1,
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2,
	FUSE_IO_URING_CMD_ADD_QUEUE = 3,
	FUSE_IO_URING_CMD_ADD_BUFPOOL = 4,
};

/* ADD_QUEUE flag: needs CAP_SYS_ADMIN and a buffer pool */
#define FUSE_URING_ZERO_COPY (1ull << 0)

/* Lives in the SQE's 80-byte command area (SQE128 rings). */
struct fuse_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
	union {
		struct {
			uint64_t uaddr;
			uint32_t len;
			uint32_t reserved;
		} bufpool;
		uint16_t ent_zero_copy_buf_index;
	};
};

_Static_assert(sizeof(struct fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct fuse_attr) == 88, "fuse_attr");
_Static_assert(sizeof(struct fuse_entry_out) == 128, "fuse_entry_out");
_Static_assert(sizeof(struct fuse_attr_out) == 104, "fuse_attr_out");
_Static_assert(sizeof(struct fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct fuse_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct fuse_setattr_in) == 88, "fuse_setattr_in");
_Static_assert(sizeof(struct fuse_read_in) == 40, "fuse_read_in");
_Static_assert(sizeof(struct fuse_write_in) == 40, "fuse_write_in");
_Static_assert(sizeof(struct fuse_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct fuse_kstatfs) == 80, "fuse_kstatfs");
_Static_assert(sizeof(struct fuse_copy_file_range_in) == 56, "copy_file_range_in");
_Static_assert(sizeof(struct fuse_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct fuse_uring_cmd_req) == 40, "fuse_uring_cmd_req");
_Static_assert(sizeof(struct fuse_dirent) == 24, "fuse_dirent");

#endif
