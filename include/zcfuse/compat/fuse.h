/* SPDX-License-Identifier: MIT */
/*
 * fuse.h: libfuse 3's high-level (path based) API, served by zcfuse.
 *
 * Written for zcfuse from libfuse's ABI facts (names, member order, symbol
 * versions); the text and the implementation (compat/hl-*.c) are zcfuse's.
 * Binary layout: identical to libfuse 3.14 (Debian 12) for
 * struct fuse_operations, struct fuse_config and struct fuse_context, so
 * programs built against 3.14 run unchanged. Source level: what libfuse
 * 3.18 adds (statx, fmask/dmask, parallel_direct_writes, the *_DEFAULTS
 * enumerators) is here too, appended where 3.14 has nothing, so 3.14's
 * offsets never move.
 *
 * Define FUSE_USE_VERSION before including this file, as with libfuse.
 */
#ifndef ZCFUSE_COMPAT_FUSE_H
#define ZCFUSE_COMPAT_FUSE_H
/* libfuse's own guard: code that tests it sees the high-level API. */
#ifndef FUSE_H_
#define FUSE_H_
#endif

#include "fuse_common.h"

#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A mounted high-level filesystem (opaque). */
struct fuse;
/** One layer of a filesystem stack (opaque); see fuse_fs_new(). */
struct fuse_fs;
struct statx;

/** Flags the library passes to readdir(). */
enum fuse_readdir_flags {
	FUSE_READDIR_DEFAULTS = 0,
	/** The kernel asked for attributes with the names (READDIRPLUS):
	 * the filler may be given full attributes and FUSE_FILL_DIR_PLUS. */
	FUSE_READDIR_PLUS = (1 << 0),
};

/** Flags the filesystem passes to the filler. */
enum fuse_fill_dir_flags {
	FUSE_FILL_DIR_DEFAULTS = 0,
	/** Every field of the stat given to the filler is valid, so the
	 * kernel may cache the entry and its attributes. */
	FUSE_FILL_DIR_PLUS = (1 << 1),
};

/**
 * Adds one directory entry from readdir().
 *
 * @param buf  the opaque buffer readdir() received
 * @param name entry name
 * @param stbuf attributes or NULL; only the type bits of st_mode and st_ino
 *	  are used unless FUSE_FILL_DIR_PLUS is given
 * @param off  0 when the filesystem lists the whole directory at once
 *	  (the library keeps it and serves it in pieces); otherwise the offset
 *	  of the entry after this one, handed back to readdir() to continue
 * @return 1 when the reply is full (stop and return 0), else 0
 */
typedef int (*fuse_fill_dir_t)(void *buf, const char *name, const struct stat *stbuf, off_t off,
			       enum fuse_fill_dir_flags flags);

/**
 * Settings of the high-level layer, filled from the -o options that
 * fuse_new() understands and handed to init(), which may change them.
 * Member order and types are libfuse 3.14's; the members after `debug` are
 * libfuse 3.18's additions (3.18 has them at other offsets: binaries built
 * against 3.18's header need 3.18's layout, sources only need the names).
 */
struct fuse_config {
	/** Report st_gid as `gid` for every file. */
	int set_gid;
	unsigned int gid;
	/** Report st_uid as `uid` for every file. */
	int set_uid;
	unsigned int uid;
	/** Clear the bits of `umask` in every file's st_mode. */
	int set_mode;
	unsigned int umask;
	/** Seconds the kernel may keep a name lookup. */
	double entry_timeout;
	/** Seconds the kernel may remember that a name does not exist; 0: never. */
	double negative_timeout;
	/** Seconds the kernel may keep attributes. */
	double attr_timeout;
	/** Interrupted requests send `intr_signal` to the thread serving them. */
	int intr;
	int intr_signal;
	/** Seconds to keep an inode number after the kernel forgot it; -1: forever. */
	int remember;
	/** Unlink open files at once instead of hiding them as .fuse_hiddenNNN. */
	int hard_remove;
	/** The filesystem's st_ino is the inode number the kernel sees. */
	int use_ino;
	/** Without use_ino: readdir reports the inode numbers of known names. */
	int readdir_ino;
	/** Open files with direct I/O (no page cache). */
	int direct_io;
	/** Keep the page cache across opens. */
	int kernel_cache;
	/** Keep the page cache across opens while mtime and size stay the same. */
	int auto_cache;
	/** Skip flush for files opened read-only. */
	int no_rofd_flush;
	/** ac_attr_timeout was given. */
	int ac_attr_timeout_set;
	/** Attribute timeout used by auto_cache to check for changes. */
	double ac_attr_timeout;
	/** Operations on an open file may get a NULL path (it was unlinked or
	 * hidden); the filesystem then uses fi->fh. */
	int nullpath_ok;
	/** --help was given (read-only). */
	int show_help;
	/** Module names given with -o modules= (read-only). */
	char *modules;
	/** -d or -o debug was given. */
	int debug;
	/* libfuse 3.18 additions. */
	/** With set_mode: masks for files and for directories. */
	unsigned int fmask;
	unsigned int dmask;
	/** Direct-I/O writes to one file may run in parallel. */
	int parallel_direct_writes;
	/** Reserved for libfuse's flags; zero. */
	unsigned int flags;
	uint64_t reserved[48];
};

/**
 * The filesystem's operations, by path. Each returns 0 or a negative errno
 * (read, write and copy_file_range return a byte count). Missing members
 * answer ENOSYS, except where noted. `fi` may be NULL where the kernel
 * names the file by inode only (getattr, chmod, chown, truncate, utimens of
 * a file that is not open); with nullpath_ok the path may be NULL where
 * `fi` identifies the file.
 */
struct fuse_operations {
	int (*getattr)(const char *, struct stat *, struct fuse_file_info *fi);
	int (*readlink)(const char *, char *, size_t);
	int (*mknod)(const char *, mode_t, dev_t);
	int (*mkdir)(const char *, mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	int (*symlink)(const char *, const char *);
	int (*rename)(const char *, const char *, unsigned int flags);
	int (*link)(const char *, const char *);
	int (*chmod)(const char *, mode_t, struct fuse_file_info *fi);
	int (*chown)(const char *, uid_t, gid_t, struct fuse_file_info *fi);
	int (*truncate)(const char *, off_t, struct fuse_file_info *fi);
	int (*open)(const char *, struct fuse_file_info *);
	int (*read)(const char *, char *, size_t, off_t, struct fuse_file_info *);
	int (*write)(const char *, const char *, size_t, off_t, struct fuse_file_info *);
	int (*statfs)(const char *, struct statvfs *);
	int (*flush)(const char *, struct fuse_file_info *);
	int (*release)(const char *, struct fuse_file_info *);
	int (*fsync)(const char *, int, struct fuse_file_info *);
	int (*setxattr)(const char *, const char *, const char *, size_t, int);
	int (*getxattr)(const char *, const char *, char *, size_t);
	int (*listxattr)(const char *, char *, size_t);
	int (*removexattr)(const char *, const char *);
	int (*opendir)(const char *, struct fuse_file_info *);
	int (*readdir)(const char *, void *, fuse_fill_dir_t, off_t, struct fuse_file_info *,
		       enum fuse_readdir_flags);
	int (*releasedir)(const char *, struct fuse_file_info *);
	int (*fsyncdir)(const char *, int, struct fuse_file_info *);
	/** Called once the kernel connection is set up; the return value
	 * becomes fuse_get_context()->private_data. */
	void *(*init)(struct fuse_conn_info *conn, struct fuse_config *cfg);
	/** Called at unmount with private_data. */
	void (*destroy)(void *private_data);
	int (*access)(const char *, int);
	/** Without it, the kernel creates files with mknod and open. */
	int (*create)(const char *, mode_t, struct fuse_file_info *);
	int (*lock)(const char *, struct fuse_file_info *, int cmd, struct flock *);
	int (*utimens)(const char *, const struct timespec tv[2], struct fuse_file_info *fi);
	int (*bmap)(const char *, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
	int (*ioctl)(const char *, int cmd, void *arg, struct fuse_file_info *, unsigned int flags,
		     void *data);
#else
	int (*ioctl)(const char *, unsigned int cmd, void *arg, struct fuse_file_info *,
		     unsigned int flags, void *data);
#endif
	/** A non-NULL `ph` must be kept and released with
	 * fuse_pollhandle_destroy() (after fuse_notify_poll() when ready). */
	int (*poll)(const char *, struct fuse_file_info *, struct fuse_pollhandle *ph,
		    unsigned *reventsp);
	/** Write from a buffer vector that may name a descriptor. */
	int (*write_buf)(const char *, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *);
	/** Read into a buffer vector the filesystem allocates with malloc();
	 * buffers with FUSE_BUF_IS_FD go to the kernel straight from the
	 * descriptor. The library frees the vector and its memory buffers. */
	int (*read_buf)(const char *, struct fuse_bufvec **bufp, size_t size, off_t off,
			struct fuse_file_info *);
	int (*flock)(const char *, struct fuse_file_info *, int op);
	int (*fallocate)(const char *, int, off_t, off_t, struct fuse_file_info *);
	ssize_t (*copy_file_range)(const char *path_in, struct fuse_file_info *fi_in, off_t offset_in,
				   const char *path_out, struct fuse_file_info *fi_out,
				   off_t offset_out, size_t size, int flags);
	off_t (*lseek)(const char *, off_t off, int whence, struct fuse_file_info *);
	/* libfuse 3.18 addition; 3.14 binaries pass a smaller op_size and
	 * never reach it. */
	int (*statx)(const char *path, int flags, int mask, struct statx *stxbuf,
		     struct fuse_file_info *fi);
};

/** The request being served, from fuse_get_context() on the serving thread. */
struct fuse_context {
	struct fuse *fuse;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/** What init() returned (or fuse_main()'s user data). */
	void *private_data;
	/** The caller's umask (create, mkdir, mknod). */
	mode_t umask;
};

/** Parses the command line, mounts, serves until unmounted; returns 0 on
 * success. Call it through fuse_main(). */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op, size_t op_size,
		   void *private_data);
#define fuse_main(argc, argv, op, private_data) \
	fuse_main_real(argc, argv, op, sizeof(*(op)), private_data)

/** Prints the options fuse_new() accepts (and the low-level ones). */
void fuse_lib_help(struct fuse_args *args);

/**
 * Creates a filesystem (not yet mounted). Consumes the high-level options
 * of `args`; the rest go to fuse_session_new(). Returns NULL on error.
 * API 3.0 programs get the variant that also prints help for -h.
 */
#if FUSE_USE_VERSION == 30
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
			 void *private_data);
#define fuse_new(args, op, size, data) fuse_new_30(args, op, size, data)
#else
struct fuse *fuse_new(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
		      void *private_data);
#endif

/** Mounts on `mountpoint`; 0 or -1. */
int fuse_mount(struct fuse *f, const char *mountpoint);
void fuse_unmount(struct fuse *f);
/** Frees what fuse_new() made (unmount first). */
void fuse_destroy(struct fuse *f);
/** Serves requests on the calling thread until unmount or fuse_exit(). */
int fuse_loop(struct fuse *f);
/** Makes the loop return after the request in progress. */
void fuse_exit(struct fuse *f);

#if FUSE_USE_VERSION < 32
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
#define fuse_loop_mt(f, clone_fd) fuse_loop_mt_31(f, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config *config);
#define fuse_loop_mt(f, config) fuse_loop_mt_32(f, config)
#else
/** Serves requests on several threads (config from fuse_loop_cfg_create(),
 * or NULL for defaults). */
int fuse_loop_mt(struct fuse *f, struct fuse_loop_config *config);
#endif

/** The request the calling thread serves (valid inside an operation). */
struct fuse_context *fuse_get_context(void);
/** Supplementary groups of the caller; count, or -errno. */
int fuse_getgroups(int size, gid_t list[]);
/** 1 if the request being served was interrupted. */
int fuse_interrupted(void);
/** Drops the kernel's cached data and attributes of `path`; -ENOENT if the
 * kernel does not know it. */
int fuse_invalidate_path(struct fuse *f, const char *path);
/** Starts the thread that expires remembered inodes (-o remember=T). */
int fuse_start_cleanup_thread(struct fuse *fuse);
void fuse_stop_cleanup_thread(struct fuse *fuse);
/** Expires remembered inodes now; returns seconds until the next check. */
int fuse_clean_cache(struct fuse *fuse);
/** The low-level session behind `f`. */
struct fuse_session *fuse_get_session(struct fuse *f);
/** Tells the kernel that a poll handle is ready. */
int fuse_notify_poll(struct fuse_pollhandle *ph);

/*
 * Stacking: each fuse_fs_X() calls layer `fs`'s operation X with its own
 * private data in the context, or returns -ENOSYS when it has none.
 */
struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size, void *private_data);
int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
		    struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
		   unsigned int flags);
int fuse_fs_unlink(struct fuse_fs *fs, const char *path);
int fuse_fs_rmdir(struct fuse_fs *fs, const char *path);
int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path);
int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
int fuse_fs_read_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec **bufp, size_t size,
		     off_t off, struct fuse_file_info *fi);
int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi);
int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf, off_t off,
		      struct fuse_file_info *fi);
int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync, struct fuse_file_info *fi);
int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf);
int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf, fuse_fill_dir_t filler,
		    off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
		     struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode, struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int cmd,
		 struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode, struct fuse_file_info *fi);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
		  struct fuse_file_info *fi);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size, struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path, const struct timespec tv[2],
		    struct fuse_file_info *fi);
int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask);
int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len);
int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev);
int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name, const char *value,
		     size_t size, int flags);
int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name, char *value,
		     size_t size);
int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size);
int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name);
int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned int flags, void *data);
#else
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned int flags, void *data);
#endif
int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph, unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset, off_t length,
		      struct fuse_file_info *fi);
ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
				struct fuse_file_info *fi_in, off_t off_in, const char *path_out,
				struct fuse_file_info *fi_out, off_t off_out, size_t len, int flags);
off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
		    struct fuse_file_info *fi);
int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask, struct statx *stxbuf,
		  struct fuse_file_info *fi);
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn, struct fuse_config *cfg);
void fuse_fs_destroy(struct fuse_fs *fs);

/** A module (-o modules=NAME) builds a layer over the ones below it. */
typedef struct fuse_fs *(*fuse_module_factory_t)(struct fuse_args *args, struct fuse_fs *fs[]);
#define FUSE_REGISTER_MODULE(name_, factory_) \
	fuse_module_factory_t fuse_module_##name_##_factory = factory_

#ifdef __cplusplus
}
#endif

#endif /* ZCFUSE_COMPAT_FUSE_H */
