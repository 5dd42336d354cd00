/* SPDX-License-Identifier: MIT */
/*
 * hl-abi.h: the members whose offsets and sizes must be libfuse 3.14's.
 * hl-abi-side.c is compiled twice, against our fuse.h and against Debian's,
 * and hl-abi.c compares the two tables.
 */
#define HL_ABI_OPS(X)                                                                       \
	X(getattr) X(readlink) X(mknod) X(mkdir) X(unlink) X(rmdir) X(symlink) X(rename)     \
	X(link) X(chmod) X(chown) X(truncate) X(open) X(read) X(write) X(statfs) X(flush)    \
	X(release) X(fsync) X(setxattr) X(getxattr) X(listxattr) X(removexattr) X(opendir)   \
	X(readdir) X(releasedir) X(fsyncdir) X(init) X(destroy) X(access) X(create) X(lock)  \
	X(utimens) X(bmap) X(ioctl) X(poll) X(write_buf) X(read_buf) X(flock) X(fallocate)   \
	X(copy_file_range) X(lseek)

#define HL_ABI_CONFIG(X)                                                                    \
	X(set_gid) X(gid) X(set_uid) X(uid) X(set_mode) X(umask) X(entry_timeout)            \
	X(negative_timeout) X(attr_timeout) X(intr) X(intr_signal) X(remember) X(hard_remove) \
	X(use_ino) X(readdir_ino) X(direct_io) X(kernel_cache) X(auto_cache) X(no_rofd_flush) \
	X(ac_attr_timeout_set) X(ac_attr_timeout) X(nullpath_ok) X(show_help) X(modules)      \
	X(debug)

#define HL_ABI_CONTEXT(X) X(fuse) X(uid) X(gid) X(pid) X(private_data) X(umask)

struct hl_abi_row {
	const char *name;
	unsigned long offset;
	unsigned long size;
};

/* Rows end with name NULL; the first row of each struct is its size. */
extern const struct hl_abi_row hl_abi_ours[];
extern const struct hl_abi_row hl_abi_debian[];
