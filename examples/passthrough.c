/* SPDX-License-Identifier: MIT */
/*
 * passthrough: mirror a source directory at a mountpoint.
 *
 *   build/examples/passthrough -f -o transport=classic -o stats=/tmp/stats.json /srv/src /mnt/pt
 *
 * Own options: -o timeout=SECONDS (entry and attribute cache time, default
 * 1.0), -o cache=never|auto|always (never: direct I/O on every open; always:
 * keep the page cache across opens), -o direct_io (same as cache=never).
 *
 * This is zcfuse's performance example. Every inode the kernel knows is a
 * file handle of the backing object, or, where SOURCE gives none or the server
 * lacks CAP_DAC_READ_SEARCH (not root), its parent and name with a bounded
 * cache of open descriptors (-o fd_cache=N, least recently used closed and
 * reopened by name; renames and removals through the mount keep the names
 * right). Every operation works relative to an O_PATH descriptor (the *at()
 * calls, or /proc/self/fd/N where an O_PATH descriptor is not enough), so the
 * server never resolves a path through SOURCE and never follows a symlink
 * itself: names with '/' are refused, ".." of the root is the root, and
 * symlink targets go back to the kernel as they are, to be resolved in the
 * caller's mount namespace. Known inodes cost no descriptors beyond the
 * cache's bound, so no user can exhaust them by looking names up. An object
 * removed while the kernel still knows it keeps a descriptor until forgotten;
 * one renamed on SOURCE behind the mount's back is ENOENT once its
 * descriptor left the cache.
 *
 * Access checks: run as root, the server does every lookup, create, change,
 * open and xattr call with the caller's fsuid, fsgid and supplementary
 * groups, so SOURCE checks permissions (and sets owners, setgid-directory
 * groups and sticky-bit rules) exactly as for the caller working on SOURCE
 * directly, with or without -o default_permissions. The caller's umask is
 * left to us (DONT_MASK) and set for each create, so SOURCE applies it, or a
 * default ACL of SOURCE's directory in its place. Not run as root, it cannot act as anyone else, so
 * -o allow_other turns on -o default_permissions and the kernel checks modes.
 * Setuid and setgid bits are cleared on writes, truncates and chowns by
 * callers without CAP_FSETID as on a local filesystem (HANDLE_KILLPRIV_V2).
 *
 * The section marked DATA PATH (read, write, fsync, fallocate) is the one the
 * transports accelerate: its backing I/O goes through zcfuse_req_*_fd(), which
 * on io_uring transports runs on the queue's own ring, into and out of
 * registered memory, or straight between the client's pages and the backing
 * file under zero copy; on classic /dev/fuse it runs synchronously.
 *
 * Also forwarded: POSIX locks and flock() (as open-file-description locks on
 * the backing descriptor; a lock that must wait waits on a helper thread;
 * an OFD lock has no owning process, so F_GETLK reports the holder's type
 * and range with l_pid 0),
 * O_TMPFILE, statx (birth time where SOURCE has one), syncfs,
 * copy_file_range and lseek (SEEK_DATA/SEEK_HOLE), and of the ioctls only
 * the inode flag ones (lsattr/chattr; see pt_ioctl_flags for why no other).
 *
 * INIT: parallel directory operations, async direct I/O, readdirplus and
 * dont_mask (above); the writeback cache only with -o writeback_cache (not
 * measured yet), and then backing descriptors are opened readable and
 * without O_APPEND.
 *
 * Inode numbers given to the kernel are ids from a counter, never reused;
 * attributes carry the backing st_ino, as a passthrough should show it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/fsuid.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <zcfuse/zcfuse.h>

enum pt_cache {
	PT_CACHE_NEVER,
	PT_CACHE_AUTO,
	PT_CACHE_ALWAYS,
};

/* One backing object the kernel holds lookup references on. */
struct pt_inode {
	struct pt_inode *next_by_id;
	struct pt_inode *next_by_key;
	zcfuse_ino_t id;   /* what the kernel calls it */
	dev_t dev;         /* backing identity */
	ino_t ino;
	mode_t type;       /* S_IFMT bits; never change for an inode */
	/* With a file handle: -1, an O_PATH descriptor is reopened from the
	 * handle for each operation. Without one: the O_PATH | O_NOFOLLOW
	 * descriptor while the descriptor cache keeps it open, else -1. */
	int fd;
	struct file_handle *handle;
	int mount_fd;               /* any descriptor on the handle's mount */
	uint64_t nlookup;  /* under the table lock */
	/*
	 * Without a handle: how to reach the object again, @name in @parent
	 * (which holds one of its @kids counts for us), changed by renames
	 * and by lookups that reach it under another name. An inode with no
	 * name (removed while known, O_TMPFILE, the root) keeps its
	 * descriptor @pinned. parent and name under both locks, kids under
	 * the table lock, the rest under the cache lock.
	 */
	struct pt_inode *parent;
	char *name;
	unsigned kids;
	unsigned fd_users;                    /* operations using fd now */
	bool pinned;
	struct pt_inode *lru_prev, *lru_next; /* open, unused, not pinned */
	/* Kernel passthrough: one backing id per inode while any open uses it
	 * (the kernel allows one backing file per inode); under the table lock. */
	int backing_id;
	unsigned backing_opens;
};

/*
 * Two hash chains over the same inodes: by the kernel's id (every request)
 * and by st_dev + st_ino (lookups, so hard links share one inode).
 */
struct pt_table {
	pthread_mutex_t lock;
	struct pt_inode **by_id;
	struct pt_inode **by_key;
	size_t nbuckets; /* power of two */
	size_t count;
	zcfuse_ino_t next_id;
};

/* Descriptors on each mount under SOURCE, for open_by_handle_at(). */
#define PT_MAX_MOUNTS 64
struct pt_mounts {
	pthread_mutex_t lock;
	int n;
	int id[PT_MAX_MOUNTS];
	int fd[PT_MAX_MOUNTS];
};

struct pt_fs {
	const char *source;
	/* Inodes are file handles, not held descriptors (needs
	 * CAP_DAC_READ_SEARCH and a SOURCE that exports handles). */
	bool use_handles;
	bool no_handles; /* -o handles=no: the descriptor cache only (tests) */
	struct pt_mounts mounts;
	double timeout;
	enum pt_cache cache;
	enum { PT_ZC_ALL, PT_ZC_DIRECT, PT_ZC_NONE } zero_copy; /* -o zero_copy= */
	struct pt_table table;
	struct pt_inode *root;
};

/* An open directory: the stream, and where the kernel thinks it is. */
struct pt_dir {
	pthread_mutex_t lock;
	DIR *dp;
	struct dirent *entry; /* read but not yet sent (did not fit) */
	off_t offset;         /* the offset of the next entry to read */
};

/*
 * File handles are the backing fd; bit 32 says it was opened O_DIRECT, so
 * the write path knows it needs aligned memory without a syscall.
 */
#define PT_FH_O_DIRECT (1ULL << 32)

static int fh_fd(const struct zcfuse_file_info *fi)
{
	return (int)(uint32_t)fi->fh;
}

static bool fh_is_direct(const struct zcfuse_file_info *fi)
{
	return fi->fh & PT_FH_O_DIRECT;
}

/* Bits 40 and up: the kernel passthrough backing id, when the open has one. */
#define PT_FH_BACKING_SHIFT 40

static int fh_backing_id(const struct zcfuse_file_info *fi)
{
	return (int)(fi->fh >> PT_FH_BACKING_SHIFT);
}

static uint64_t fh_make(int fd, int flags)
{
	return (uint64_t)(uint32_t)fd | ((flags & O_DIRECT) ? PT_FH_O_DIRECT : 0);
}

static struct pt_fs *req_fs(struct zcfuse_req *req)
{
	return zcfuse_req_userdata(req);
}

/* ---- The caller's credentials ---- */

/*
 * A root server does what a request asks with the caller's fsuid, fsgid and
 * supplementary groups, so SOURCE's own permission checks, ownership of new
 * objects, setgid directories and sticky bits all apply as if the caller
 * worked on SOURCE directly. All three are per-thread (the raw setgroups
 * system call; glibc's setgroups() changes every thread), switched around
 * each operation and always switched back before the thread serves the next.
 * Callers with uid 0 run as the server. Data-path requests on an open file
 * (read, write, fsync, ...) are not switched: the open was checked, as
 * write(2) on a local file checks nothing more either.
 */
static bool pt_switch_creds;
static bool pt_writeback; /* see wb_open_flags */
static uid_t pt_srv_uid;
static gid_t pt_srv_gid;
static int pt_srv_ngroups;
static gid_t *pt_srv_groups;

static __thread struct {
	bool on;
	uid_t uid;
} pt_cur;

#define PT_GROUPS_MAX 65536

static int set_thread_groups(int n, const gid_t *list)
{
	return syscall(SYS_setgroups, (size_t)n, list) < 0 ? -errno : 0;
}

static void caller_leave(void)
{
	if (!pt_cur.on)
		return;
	setfsuid(pt_srv_uid);
	setfsgid(pt_srv_gid);
	if (set_thread_groups(pt_srv_ngroups, pt_srv_groups) < 0)
		abort(); /* never serve another request with a caller's groups */
	pt_cur.on = false;
}

/* Becomes the caller of @req on this thread; 0 or -errno (then unchanged). */
static int caller_enter(struct zcfuse_req *req)
{
	const struct zcfuse_ctx *ctx = zcfuse_req_ctx(req);
	gid_t small[64], *groups = small;
	int n, ret = 0;

	if (!pt_switch_creds || ctx->uid == 0)
		return 0;
	n = zcfuse_req_getgroups(req, 64, small);
	if (n > 64 && n <= PT_GROUPS_MAX) {
		groups = malloc((size_t)n * sizeof(*groups));
		if (!groups)
			return -ENOMEM;
		n = zcfuse_req_getgroups(req, n, groups);
	}
	if (n < 0 || n > PT_GROUPS_MAX)
		n = 0; /* caller gone or unknown: no supplementary groups, never more */
	ret = set_thread_groups(n, groups);
	if (groups != small)
		free(groups);
	if (ret)
		return ret;
	pt_cur.on = true;
	pt_cur.uid = ctx->uid;
	setfsgid(ctx->gid);
	setfsuid(ctx->uid);
	/* setfsuid() reports no error; read back what is in force. */
	if ((uid_t)setfsuid((uid_t)-1) != ctx->uid || (gid_t)setfsgid((gid_t)-1) != ctx->gid) {
		caller_leave();
		return -EPERM;
	}
	return 0;
}

/* Around a step that must run as the server (open_by_handle_at, clearing
 * setuid bits): the server's fsuid, which brings back its capabilities. */
static void caller_pause(void)
{
	if (pt_cur.on)
		setfsuid(pt_srv_uid);
}

static void caller_resume(void)
{
	if (pt_cur.on)
		setfsuid(pt_cur.uid);
}

static int creds_init(void)
{
	int n;

	pt_srv_uid = geteuid();
	pt_srv_gid = getegid();
	pt_switch_creds = pt_srv_uid == 0;
	n = getgroups(0, NULL);
	if (n < 0)
		return -errno;
	pt_srv_groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!pt_srv_groups)
		return -ENOMEM;
	n = getgroups(n, pt_srv_groups);
	if (n < 0)
		return -errno;
	pt_srv_ngroups = n;
	return 0;
}

/*
 * What a write, truncate or chown by a caller without CAP_FSETID does to a
 * regular file on a local filesystem: S_ISUID goes, and S_ISGID with group
 * execute. Done as the server (the caller may not own the file). 1 if the
 * mode changed, 0 if there was nothing to clear, or -errno.
 */
static int kill_suidgid(int pathfd)
{
	struct stat st;
	char path[32];
	mode_t mode;
	int ret = 0;

	if (fstatat(pathfd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	mode = st.st_mode & 07777 & ~S_ISUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		mode &= ~S_ISGID;
	if (mode == (st.st_mode & 07777))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pathfd);
	caller_pause();
	ret = chmod(path, mode) < 0 ? -errno : 1;
	caller_resume();
	return ret;
}

/* Runs CALL (which answers the request) as the caller of REQ. */
#define AS_CALLER(req, call)                                   \
	do {                                                   \
		struct zcfuse_req *r_ = (req);                 \
		int e_ = caller_enter(r_);                     \
		if (e_) {                                      \
			zcfuse_reply_err(r_, -e_);             \
			break;                                 \
		}                                              \
		call;                                          \
		caller_leave();                                \
	} while (0)

/*
 * The caller's umask for CREATE, MKNOD, MKDIR and TMPFILE. We ask for
 * DONT_MASK, so the kernel leaves it to us, and SOURCE applies it: each
 * thread gets a umask of its own (unshare(CLONE_FS), as virtiofsd does) set
 * to the caller's for the call, so a default ACL on SOURCE's directory wins
 * over the umask exactly as it does for a process working on SOURCE. Without
 * DONT_MASK the mode comes masked already and this changes nothing. If the
 * thread cannot have its own umask, the mode is masked here (a default ACL
 * then loses to the umask).
 */
static __thread int pt_own_umask; /* 0: not tried, 1: unshared, -1: failed */

static mode_t umask_enter(struct zcfuse_req *req, mode_t mode)
{
	mode_t um = zcfuse_req_ctx(req)->umask & 0777;

	if (!pt_own_umask)
		pt_own_umask = unshare(CLONE_FS) ? -1 : 1;
	if (pt_own_umask < 0)
		return mode & ~um;
	umask(um);
	return mode;
}

static void umask_leave(void)
{
	if (pt_own_umask > 0)
		umask(0);
}

/* AS_CALLER for the calls that create with a mode (a variable @mode). */
#define AS_CREATOR(req, mode, call)                 \
	do {                                        \
		mode = umask_enter(req, mode);      \
		AS_CALLER(req, call);               \
		umask_leave();                      \
	} while (0)

/* ---- Inode table ---- */

static size_t hash_id(zcfuse_ino_t id, size_t nbuckets)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & (nbuckets - 1);
}

static size_t hash_key(dev_t dev, ino_t ino, size_t nbuckets)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)dev * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h >> 17) & (nbuckets - 1);
}

static int table_init(struct pt_table *t)
{
	t->nbuckets = 1024;
	t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
	t->by_key = calloc(t->nbuckets, sizeof(*t->by_key));
	if (!t->by_id || !t->by_key)
		return -ENOMEM;
	t->next_id = ZCFUSE_ROOT_ID + 1;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

/* Doubles the buckets; on allocation failure the chains just get longer. */
static void table_grow(struct pt_table *t)
{
	size_t n = t->nbuckets * 2;
	struct pt_inode **by_id = calloc(n, sizeof(*by_id));
	struct pt_inode **by_key = calloc(n, sizeof(*by_key));

	if (!by_id || !by_key) {
		free(by_id);
		free(by_key);
		return;
	}
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct pt_inode *in, *next;

		for (in = t->by_id[b]; in; in = next) {
			size_t h = hash_id(in->id, n);

			next = in->next_by_id;
			in->next_by_id = by_id[h];
			by_id[h] = in;
		}
		for (in = t->by_key[b]; in; in = next) {
			size_t h = hash_key(in->dev, in->ino, n);

			next = in->next_by_key;
			in->next_by_key = by_key[h];
			by_key[h] = in;
		}
	}
	free(t->by_id);
	free(t->by_key);
	t->by_id = by_id;
	t->by_key = by_key;
	t->nbuckets = n;
}

static struct pt_inode *table_find_id_locked(struct pt_table *t, zcfuse_ino_t id)
{
	struct pt_inode *in = t->by_id[hash_id(id, t->nbuckets)];

	while (in && in->id != id)
		in = in->next_by_id;
	return in;
}

static struct pt_inode *table_find_key_locked(struct pt_table *t, dev_t dev, ino_t ino)
{
	struct pt_inode *in = t->by_key[hash_key(dev, ino, t->nbuckets)];

	while (in && (in->dev != dev || in->ino != ino))
		in = in->next_by_key;
	return in;
}

static void table_insert_locked(struct pt_table *t, struct pt_inode *in)
{
	size_t h;

	if (t->count >= t->nbuckets)
		table_grow(t);
	h = hash_id(in->id, t->nbuckets);
	in->next_by_id = t->by_id[h];
	t->by_id[h] = in;
	h = hash_key(in->dev, in->ino, t->nbuckets);
	in->next_by_key = t->by_key[h];
	t->by_key[h] = in;
	t->count++;
}

static void table_remove_locked(struct pt_table *t, struct pt_inode *in)
{
	struct pt_inode **p;

	for (p = &t->by_id[hash_id(in->id, t->nbuckets)]; *p; p = &(*p)->next_by_id) {
		if (*p == in) {
			*p = in->next_by_id;
			break;
		}
	}
	for (p = &t->by_key[hash_key(in->dev, in->ino, t->nbuckets)]; *p;
	     p = &(*p)->next_by_key) {
		if (*p == in) {
			*p = in->next_by_key;
			break;
		}
	}
	t->count--;
}

/*
 * The inode for a kernel id. It stays valid without a reference of our own:
 * the kernel does not FORGET an inode while a request on it is in flight.
 */
static struct pt_inode *inode_get(struct pt_fs *fs, zcfuse_ino_t id)
{
	struct pt_inode *in;

	if (id == ZCFUSE_ROOT_ID)
		return fs->root;
	pthread_mutex_lock(&fs->table.lock);
	in = table_find_id_locked(&fs->table, id);
	pthread_mutex_unlock(&fs->table.lock);
	return in;
}

/*
 * ---- The descriptor cache: inodes without a file handle ----
 *
 * Where handles do not work (the server lacks CAP_DAC_READ_SEARCH, SOURCE
 * exports none, or -o handles=no), an inode remembers its parent and name
 * instead, and at most fd_cache O_PATH descriptors stay open: the least
 * recently used unused one is closed when another is needed, and reopened
 * on demand by openat(parent, name), the parent reopened the same way, up
 * to the nearest ancestor still open (the root always is). A reopened name
 * must still be the same object (st_dev, st_ino), else the object is gone
 * (ENOENT). Renames and removals through the mount keep the names right;
 * an object that loses its name while known keeps its descriptor pinned
 * until the kernel forgets it. The cache lock is taken after the table lock,
 * never before.
 */
static struct {
	pthread_mutex_t lock;
	struct pt_inode *head, *tail; /* most recently used first */
	size_t open;                  /* descriptors open, pinned ones aside */
	size_t max;                   /* -o fd_cache=N; 0 until first use */
} pt_fdc = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Has any inode ever been reached by name? Then removals and renames must
 * keep names right (see by_name_get). */
static bool pt_by_name;

static void lru_unlink(struct pt_inode *in)
{
	if (in->lru_prev)
		in->lru_prev->lru_next = in->lru_next;
	else if (pt_fdc.head == in)
		pt_fdc.head = in->lru_next;
	if (in->lru_next)
		in->lru_next->lru_prev = in->lru_prev;
	else if (pt_fdc.tail == in)
		pt_fdc.tail = in->lru_prev;
	in->lru_prev = in->lru_next = NULL;
}

/* @in's descriptor became unused: it may be closed from now on. */
static void lru_push(struct pt_inode *in)
{
	if (in->fd < 0 || in->pinned || in->fd_users)
		return;
	in->lru_prev = NULL;
	in->lru_next = pt_fdc.head;
	if (pt_fdc.head)
		pt_fdc.head->lru_prev = in;
	pt_fdc.head = in;
	if (!pt_fdc.tail)
		pt_fdc.tail = in;
}

static size_t fdc_max(void)
{
	struct rlimit rl;

	if (!pt_fdc.max) {
		/* A quarter of the (raised) limit leaves room for open files. */
		rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 4 : 256;

		pt_fdc.max = n < 16 ? 16 : n > 65536 ? 65536 : (size_t)n;
	}
	return pt_fdc.max;
}

/* Makes room for one more descriptor; under the cache lock. */
static void fdc_make_room_locked(void)
{
	while (pt_fdc.open >= fdc_max() && pt_fdc.tail) {
		struct pt_inode *in = pt_fdc.tail;

		lru_unlink(in);
		close(in->fd);
		in->fd = -1;
		pt_fdc.open--;
	}
}

/* Gives @in the open descriptor @fd, unused; under the cache lock. */
static void fdc_insert_locked(struct pt_inode *in, int fd)
{
	if (!in->pinned) {
		fdc_make_room_locked();
		pt_fdc.open++;
	}
	in->fd = fd;
	lru_push(in);
}

static int handle_open(struct pt_inode *in);

/*
 * @in's descriptor, reopened by name if it was closed, with one use taken
 * (fdc_release() gives it back). Under the cache lock, as the server.
 */
static int fdc_acquire_locked(struct pt_inode *in)
{
	struct pt_inode *parent = in->parent;
	struct stat st;
	int pfd, fd;

	if (in->fd >= 0) {
		if (!in->fd_users++)
			lru_unlink(in);
		return in->fd;
	}
	if (!in->name || !parent)
		return -ENOENT; /* cannot happen: nameless inodes stay pinned */
	pfd = parent->handle ? handle_open(parent) : fdc_acquire_locked(parent);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, in->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
	} else if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
		   st.st_dev != in->dev || st.st_ino != in->ino) {
		/* Moved or removed behind the kernel's back. */
		close(fd);
		fd = -ENOENT;
	}
	if (parent->handle) {
		close(pfd);
	} else {
		parent->fd_users--;
		lru_push(parent);
	}
	if (fd < 0)
		return fd;
	fdc_insert_locked(in, fd);
	in->fd_users++;
	lru_unlink(in);
	return fd;
}

static void fdc_release(struct pt_inode *in)
{
	pthread_mutex_lock(&pt_fdc.lock);
	in->fd_users--;
	lru_push(in);
	pthread_mutex_unlock(&pt_fdc.lock);
}

/*
 * Sets where @in is reached from: @name in @parent, or nowhere (NULL: pins
 * its descriptor, opening it first if it can). Under the table lock. The
 * old parent may become free; the caller frees what it returns.
 */
static struct pt_inode *inode_set_name_locked(struct pt_inode *in, struct pt_inode *parent,
					      const char *name)
{
	struct pt_inode *old = in->parent;
	char *copy = NULL;

	if (in->handle || in->id == ZCFUSE_ROOT_ID)
		return NULL;
	if (name) {
		copy = strdup(name);
		if (!copy)
			return NULL; /* keep the old name: stale at worst, never unsafe */
	}
	pthread_mutex_lock(&pt_fdc.lock);
	if (name)
		pt_by_name = true;
	if (!name && !in->pinned) {
		/* Losing its name: open it now, while the name still works. */
		int fd;

		caller_pause();
		fd = fdc_acquire_locked(in);
		caller_resume();

		if (fd >= 0) {
			in->fd_users--;
			pt_fdc.open--;
			in->pinned = true;
		}
	} else if (name && in->pinned) {
		/* A nameless inode got a name (a link to it): unpin it. */
		in->pinned = false;
		fdc_make_room_locked();
		pt_fdc.open++;
		lru_push(in);
	}
	free(in->name);
	in->name = copy;
	in->parent = name ? parent : NULL;
	pthread_mutex_unlock(&pt_fdc.lock);
	if (in->parent)
		in->parent->kids++;
	if (old && !--old->kids && !old->nlookup && old->id != ZCFUSE_ROOT_ID)
		return old;
	return NULL;
}

/*
 * An O_PATH descriptor of @in, which inode_put_fd() gives back: reopened
 * from its file handle, or from the descriptor cache. -ENOENT when the
 * object is gone. open_by_handle_at() needs CAP_DAC_READ_SEARCH, which a
 * switched fsuid drops, so reopening runs with the server's fsuid; it checks
 * no permission, as a held descriptor did not either (lookup checked the
 * path).
 */
static int handle_open(struct pt_inode *in)
{
	int fd = open_by_handle_at(in->mount_fd, in->handle, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	/* Removed behind the kernel's back: what a held descriptor's *at()
	 * calls would say then, not ESTALE, which callers do not expect. */
	if (fd < 0)
		fd = errno == ESTALE ? -ENOENT : -errno;
	return fd;
}

static int inode_open_fd(struct pt_inode *in)
{
	int fd;

	caller_pause();
	if (in->handle) {
		fd = handle_open(in);
	} else {
		pthread_mutex_lock(&pt_fdc.lock);
		fd = fdc_acquire_locked(in);
		pthread_mutex_unlock(&pt_fdc.lock);
	}
	caller_resume();
	return fd;
}

static void inode_put_fd(struct pt_inode *in, int fd)
{
	if (fd < 0)
		return;
	if (in->handle)
		close(fd);
	else
		fdc_release(in);
}

/* The O_PATH fd of a kernel id (see inode_open_fd), or -ESTALE for an id we
 * never gave out. Sets *inp for inode_put_fd(). */
static int inode_fd(struct pt_fs *fs, zcfuse_ino_t id, struct pt_inode **inp)
{
	struct pt_inode *in = inode_get(fs, id);

	*inp = in;
	return in ? inode_open_fd(in) : -ESTALE;
}

static void inode_free(struct pt_inode *in)
{
	pthread_mutex_lock(&pt_fdc.lock);
	if (in->fd >= 0) {
		lru_unlink(in);
		close(in->fd);
		if (!in->pinned)
			pt_fdc.open--;
	}
	pthread_mutex_unlock(&pt_fdc.lock);
	free(in->name);
	free(in->handle);
	free(in);
}

/*
 * A descriptor on the mount @mnt_id for open_by_handle_at(), kept for the
 * server's life: it must not be O_PATH, so the first directory met on each
 * mount (lookups go top down: its root) is opened for reading as the server.
 * -1 when none is known (@fd is not a directory) or the table is full.
 */
static int mount_fd_for(struct pt_fs *fs, int mnt_id, int fd, mode_t type)
{
	struct pt_mounts *m = &fs->mounts;
	int ret = -1;

	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->n; i++) {
		if (m->id[i] == mnt_id) {
			ret = m->fd[i];
			break;
		}
	}
	if (ret < 0 && m->n < PT_MAX_MOUNTS && type == S_IFDIR) {
		caller_pause();
		ret = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		caller_resume();
		if (ret >= 0) {
			m->id[m->n] = mnt_id;
			m->fd[m->n++] = ret;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/*
 * Makes @in refer to the object of the O_PATH descriptor @fd by its file
 * handle, so no descriptor stays open. Returns false (and @in keeps @fd)
 * when SOURCE gives no handle for it.
 */
static bool inode_take_handle(struct pt_fs *fs, struct pt_inode *in, int fd, mode_t type)
{
	struct file_handle *h;
	int mnt_id, mfd;

	if (!fs->use_handles || fs->no_handles)
		return false;
	h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	if (!h)
		return false;
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", h, &mnt_id, AT_EMPTY_PATH) < 0 ||
	    (mfd = mount_fd_for(fs, mnt_id, fd, type)) < 0) {
		free(h);
		return false;
	}
	in->handle = h;
	in->mount_fd = mfd;
	in->fd = -1;
	return true;
}

/*
 * Frees @in, known to nobody now, and then each parent that only it kept
 * (see inode_set_name_locked). Under the table lock.
 */
static void inode_drop_locked(struct pt_fs *fs, struct pt_inode *in)
{
	while (in) {
		struct pt_inode *up = in->parent;

		table_remove_locked(&fs->table, in);
		inode_free(in);
		in = up && !--up->kids && !up->nlookup && up->id != ZCFUSE_ROOT_ID ? up : NULL;
	}
}

static void inode_forget_locked(struct pt_fs *fs, zcfuse_ino_t id, uint64_t n)
{
	struct pt_inode *in;

	if (id == ZCFUSE_ROOT_ID)
		return;
	in = table_find_id_locked(&fs->table, id);
	if (!in)
		return;
	in->nlookup = n < in->nlookup ? in->nlookup - n : 0;
	/* Kept while a child without a handle is reached through it. */
	if (in->nlookup || in->kids)
		return;
	inode_drop_locked(fs, in);
}

static void inode_forget(struct pt_fs *fs, zcfuse_ino_t id, uint64_t n)
{
	pthread_mutex_lock(&fs->table.lock);
	inode_forget_locked(fs, id, n);
	pthread_mutex_unlock(&fs->table.lock);
}

static void proc_path(char buf[static 32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* Names come from the kernel; a server that mirrors a tree still checks them. */
static int check_name(const char *name)
{
	if (!name[0])
		return -ENOENT;
	if (strchr(name, '/'))
		return -EINVAL;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* For operations that create or remove a name: "." and ".." are never one. */
static int check_new_name(const char *name)
{
	int ret = check_name(name);

	if (ret)
		return ret;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

static void fill_entry(struct pt_fs *fs, struct zcfuse_entry_param *e, zcfuse_ino_t id,
		       const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = id;
	e->attr = *st;
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
}

/*
 * Looks @name up in the directory @dirfd and takes one lookup reference on
 * the result, which the caller hands to the kernel (or gives back with
 * inode_forget() if the reply fails). With @known_only, an object not in the
 * table already is refused with ENOENT. Returns 0 or -errno.
 */
static int lookup_at(struct pt_fs *fs, struct pt_inode *dir, int dirfd, const char *name,
		     bool known_only, struct zcfuse_entry_param *e)
{
	bool named = !is_dot_or_dotdot(name);
	struct pt_inode *in, *fresh;
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}

	fresh = calloc(1, sizeof(*fresh));
	/* A handle when SOURCE gives one, else the descriptor stays with it. */
	if (fresh && !known_only && !inode_take_handle(fs, fresh, fd, st.st_mode & S_IFMT))
		fresh->fd = -2; /* takes fd below */
	pthread_mutex_lock(&fs->table.lock);
	in = table_find_key_locked(&fs->table, st.st_dev, st.st_ino);
	if (in && in->handle && fresh && fresh->handle &&
	    (in->handle->handle_bytes != fresh->handle->handle_bytes ||
	     memcmp(in->handle->f_handle, fresh->handle->f_handle, in->handle->handle_bytes))) {
		/* The inode number was reused by a new object (a handle keeps no
		 * inode alive): the old entry leaves the key chain for good. */
		struct pt_inode **pp = &fs->table.by_key[hash_key(in->dev, in->ino,
								   fs->table.nbuckets)];

		while (*pp && *pp != in)
			pp = &(*pp)->next_by_key;
		if (*pp)
			*pp = in->next_by_key;
		in->next_by_key = NULL;
		in->ino = 0;
		in->dev = 0;
		in = NULL;
	}
	if (in) {
		/* Known already (another name, a hard link, or a race): reuse it. */
		in->nlookup++;
		if (!in->handle && named && dir &&
		    (in->parent != dir || !in->name || strcmp(in->name, name))) {
			/* Reached under this name now: reopen it by this one. */
			inode_drop_locked(fs, inode_set_name_locked(in, dir, name));
		}
		if (!in->handle && in->fd < 0 && fd >= 0) {
			pthread_mutex_lock(&pt_fdc.lock);
			fdc_insert_locked(in, fd);
			pthread_mutex_unlock(&pt_fdc.lock);
			fd = -1;
		}
	} else if (fresh && !known_only) {
		in = fresh;
		fresh = NULL;
		in->id = fs->table.next_id++;
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		in->type = st.st_mode & S_IFMT;
		in->nlookup = 1;
		table_insert_locked(&fs->table, in);
		if (in->fd == -2) {
			/* No handle: into the descriptor cache, with its name. */
			in->fd = -1;
			if (named && dir)
				inode_set_name_locked(in, dir, name);
			else
				in->pinned = true;
			pthread_mutex_lock(&pt_fdc.lock);
			fdc_insert_locked(in, fd);
			pthread_mutex_unlock(&pt_fdc.lock);
			fd = -1;
		}
	}
	pthread_mutex_unlock(&fs->table.lock);
	if (fresh)
		free(fresh->handle);
	free(fresh);
	if (fd >= 0)
		close(fd);
	if (!in)
		return known_only ? -ENOENT : -ENOMEM;
	fill_entry(fs, e, in->id, &st);
	return 0;
}

/*
 * lookup_at() under the kernel's id for the directory. ".." of the root is
 * the root. Any other ".." must be a directory the kernel already knows (it
 * looked up every ancestor of what it holds), so a directory moved out of
 * SOURCE behind our back cannot lead outside it.
 */
static int lookup_child(struct pt_fs *fs, zcfuse_ino_t parent, const char *name,
			struct zcfuse_entry_param *e)
{
	bool dotdot = !strcmp(name, "..");
	int dirfd, ret;

	ret = check_name(name);
	if (ret)
		return ret;
	struct pt_inode *dir;

	dirfd = inode_fd(fs, parent, &dir);
	if (dirfd < 0)
		return dirfd;
	if (dotdot && parent == ZCFUSE_ROOT_ID)
		ret = lookup_at(fs, dir, dirfd, ".", false, e);
	else
		ret = lookup_at(fs, dir, dirfd, name, dotdot, e);
	inode_put_fd(dir, dirfd);
	return ret;
}

/* Answers an entry; if the kernel never got it, gives the reference back. */
static void reply_entry_ref(struct zcfuse_req *req, const struct zcfuse_entry_param *e)
{
	struct pt_fs *fs = req_fs(req);

	if (zcfuse_reply_entry(req, e) < 0)
		inode_forget(fs, e->ino, 1);
}

static void reply_status(struct zcfuse_req *req, int ret)
{
	zcfuse_reply_err(req, ret < 0 ? -ret : 0);
}

/* ---- Lifetime and attributes ---- */

static void pt_init(void *userdata, struct zcfuse_conn_info *conn)
{
	struct pt_fs *fs = userdata;

	/* want comes with the -o options applied (-o writeback_cache among them). */
	pt_writeback = !!(conn->want & ZCFUSE_CAP_WRITEBACK_CACHE);
	if (!fs->use_handles || fs->no_handles)
		fprintf(stderr, "passthrough: no file handles (%s): inodes by name, "
				"at most %zu descriptors cached\n",
			fs->no_handles ? "handles=no" : "SOURCE or the server's rights",
			fdc_max());
	/*
	 * We clear setuid/setgid bits ourselves (kill_suidgid): without this the
	 * kernel would do it with a chmod that a writer who does not own the
	 * file may not make under its own credentials.
	 */
	conn->want |= ZCFUSE_CAP_HANDLE_KILLPRIV_V2;
	/* SOURCE applies the caller's umask (umask_enter), and so its default ACLs. */
	conn->want |= ZCFUSE_CAP_DONT_MASK;
	/* Parallel dirops, async direct I/O and readdirplus are the library's
	 * defaults: not forced here, so the -o options can turn them off. */
}

static void pt_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct zcfuse_entry_param e;
	int ret = lookup_child(req_fs(req), parent, name, &e);

	if (ret)
		zcfuse_reply_err(req, -ret);
	else
		reply_entry_ref(req, &e);
}

static void pt_forget(struct zcfuse_req *req, zcfuse_ino_t ino, uint64_t nlookup)
{
	inode_forget(req_fs(req), ino, nlookup);
	zcfuse_reply_none(req);
}

static void pt_forget_multi(struct zcfuse_req *req, size_t count, const zcfuse_ino_t *inos,
			    const uint64_t *nlookups)
{
	struct pt_fs *fs = req_fs(req);

	pthread_mutex_lock(&fs->table.lock);
	for (size_t i = 0; i < count; i++)
		inode_forget_locked(fs, inos[i], nlookups[i]);
	pthread_mutex_unlock(&fs->table.lock);
	zcfuse_reply_none(req);
}

static int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static void pt_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *in;
	int fd = inode_fd(fs, ino, &in);
	struct stat st;
	int ret;

	ret = fd < 0 ? fd : stat_fd(fd, &st);
	if (in)
		inode_put_fd(in, fd);
	if (ret)
		zcfuse_reply_err(req, -ret);
	else
		zcfuse_reply_attr(req, &st, fs->timeout);
}

static int set_mode(struct pt_inode *in, int pathfd, mode_t mode)
{
	char path[32];

	/* Linux has no mode on symlinks; fchmodat(AT_SYMLINK_NOFOLLOW) says the same. */
	if (in->type == S_IFLNK)
		return -EOPNOTSUPP;
	proc_path(path, pathfd);
	return chmod(path, mode) < 0 ? -errno : 0;
}

static int set_size(struct pt_inode *in, int pathfd, off_t size, struct zcfuse_file_info *fi)
{
	char path[32];
	int fd, ret;

	if (fi)
		return ftruncate(fh_fd(fi), size) < 0 ? -errno : 0;
	if (in->type != S_IFREG)
		return in->type == S_IFDIR ? -EISDIR : -EINVAL;
	proc_path(path, pathfd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, size) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int set_times(int pathfd, const struct stat *attr, int to_set)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ .tv_nsec = UTIME_OMIT },
	};
	char path[32];

	if (to_set & ZCFUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (to_set & ZCFUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (to_set & ZCFUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (to_set & ZCFUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;

	/* The magic link ends at the object itself, a symlink included. */
	proc_path(path, pathfd);
	return utimensat(AT_FDCWD, path, ts, 0) < 0 ? -errno : 0;
}

static void pt_setattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct stat *attr, int to_set,
		       struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *in;
	int fd = inode_fd(fs, ino, &in);
	struct stat st;
	int ret = 0;

	if (fd < 0) {
		zcfuse_reply_err(req, -fd);
		return;
	}
	if (to_set & ZCFUSE_SET_ATTR_MODE)
		ret = set_mode(in, fd, attr->st_mode);
	if (!ret && (to_set & (ZCFUSE_SET_ATTR_UID | ZCFUSE_SET_ATTR_GID))) {
		uid_t uid = (to_set & ZCFUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (to_set & ZCFUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			ret = -errno;
	}
	if (!ret && (to_set & ZCFUSE_SET_ATTR_SIZE))
		ret = set_size(in, fd, attr->st_size, fi);
	/*
	 * A truncate by a caller without CAP_FSETID, or a chown (HANDLE_KILLPRIV_V2
	 * leaves this to us). SOURCE did it already when the change ran as the
	 * caller; not when the caller is root without CAP_FSETID, or the server
	 * is not root. A chmod in the same request says the mode itself.
	 */
	if (!ret && (to_set & ZCFUSE_SET_ATTR_KILL_SUIDGID) && !(to_set & ZCFUSE_SET_ATTR_MODE) &&
	    (ret = kill_suidgid(fd)) > 0)
		ret = 0;
	if (!ret && (to_set & (ZCFUSE_SET_ATTR_ATIME | ZCFUSE_SET_ATTR_MTIME |
			       ZCFUSE_SET_ATTR_ATIME_NOW | ZCFUSE_SET_ATTR_MTIME_NOW)))
		ret = set_times(fd, attr, to_set);
	/* ZCFUSE_SET_ATTR_CTIME: the backing file system sets ctime itself. */
	if (!ret)
		ret = stat_fd(fd, &st);
	inode_put_fd(in, fd);
	if (ret)
		zcfuse_reply_err(req, -ret);
	else
		zcfuse_reply_attr(req, &st, fs->timeout);
}

static void pt_readlink(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct pt_inode *in;
	int fd = inode_fd(req_fs(req), ino, &in);
	char target[PATH_MAX + 1];
	ssize_t n;

	if (fd < 0) {
		zcfuse_reply_err(req, -fd);
		return;
	}
	n = readlinkat(fd, "", target, sizeof(target));
	inode_put_fd(in, fd);
	if (n < 0) {
		zcfuse_reply_err(req, errno);
		return;
	}
	if ((size_t)n >= sizeof(target)) {
		zcfuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	target[n] = '\0';
	zcfuse_reply_readlink(req, target);
}

/* ---- Names ---- */

/* The directory fd for creating or removing @name in @parent; inode_put_fd(*dirp, fd). */
static int parent_fd_for(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
			 struct pt_inode **dirp)
{
	int ret = check_new_name(name);

	*dirp = NULL;
	if (ret)
		return ret;
	return inode_fd(req_fs(req), parent, dirp);
}

/* After a successful create-like call: answer with the new name's entry. */
/*
 * Answers with @name's entry in @dir, giving back @dir's descriptor first:
 * once answered, the kernel may forget @dir (an rmdir right after) and
 * another thread free it, so nothing may touch @dir after the reply.
 */
static void reply_new_entry(struct zcfuse_req *req, struct pt_inode *dir, int dirfd,
			    const char *name)
{
	struct zcfuse_entry_param e;
	int ret = lookup_at(req_fs(req), dir, dirfd, name, false, &e);

	inode_put_fd(dir, dirfd);
	if (ret)
		zcfuse_reply_err(req, -ret);
	else
		reply_entry_ref(req, &e);
}

/* mknod, mkdir and symlink: make @name in @parent, answer with its entry. */
enum pt_make { PT_MKNOD, PT_MKDIR, PT_SYMLINK };

static void make_entry(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		       enum pt_make what, mode_t mode, dev_t rdev, const char *link)
{
	struct pt_inode *dir;
	int dirfd = parent_fd_for(req, parent, name, &dir);
	int ret;

	if (dirfd < 0) {
		zcfuse_reply_err(req, -dirfd);
		return;
	}
	if (what == PT_MKNOD)
		ret = mknodat(dirfd, name, mode, rdev);
	else if (what == PT_MKDIR)
		ret = mkdirat(dirfd, name, mode);
	else /* stored as given; only the kernel ever resolves it */
		ret = symlinkat(link, dirfd, name);
	if (ret < 0) {
		ret = errno;
		inode_put_fd(dir, dirfd);
		zcfuse_reply_err(req, ret);
	} else {
		reply_new_entry(req, dir, dirfd, name);
	}
}

static void pt_mknod(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	make_entry(req, parent, name, PT_MKNOD, mode, rdev, NULL);
}

static void pt_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	make_entry(req, parent, name, PT_MKDIR, mode, 0, NULL);
}

static void pt_symlink(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
		       const char *name)
{
	make_entry(req, parent, name, PT_SYMLINK, 0, 0, link);
}

/*
 * For removals and renames: the inode without a handle that the descriptor
 * cache reaches as @name in @dir, with a lookup reference of ours that
 * by_name_put() gives back; NULL if there is none.
 */
static struct pt_inode *by_name_get(struct pt_fs *fs, struct pt_inode *dir, int dirfd,
				    const char *name)
{
	struct pt_inode *in;
	struct stat st;

	if (!pt_by_name || !dir || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	pthread_mutex_lock(&fs->table.lock);
	in = table_find_key_locked(&fs->table, st.st_dev, st.st_ino);
	if (in && (in->handle || in->parent != dir || !in->name || strcmp(in->name, name)))
		in = NULL;
	if (in)
		in->nlookup++;
	pthread_mutex_unlock(&fs->table.lock);
	return in;
}

/* @in is now @name in @dir, or has no name (NULL: its descriptor is pinned). */
static void by_name_set(struct pt_fs *fs, struct pt_inode *in, struct pt_inode *dir,
			const char *name)
{
	pthread_mutex_lock(&fs->table.lock);
	inode_drop_locked(fs, inode_set_name_locked(in, dir, name));
	pthread_mutex_unlock(&fs->table.lock);
}

static void by_name_put(struct pt_fs *fs, struct pt_inode *in)
{
	if (in)
		inode_forget(fs, in->id, 1);
}

static void remove_entry(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, int flags)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *dir, *victim;
	int dirfd = parent_fd_for(req, parent, name, &dir);
	int ret;

	if (dirfd < 0) {
		reply_status(req, dirfd);
		return;
	}
	/* A known object losing its name keeps its descriptor until forgotten. */
	victim = by_name_get(fs, dir, dirfd, name);
	if (victim)
		by_name_set(fs, victim, NULL, NULL);
	ret = unlinkat(dirfd, name, flags) < 0 ? -errno : 0;
	if (victim && ret)
		by_name_set(fs, victim, dir, name);
	by_name_put(fs, victim);
	inode_put_fd(dir, dirfd); /* before the reply: see reply_new_entry */
	reply_status(req, ret);
}

static void pt_unlink(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, 0);
}

static void pt_rmdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, AT_REMOVEDIR);
}

static void pt_rename(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		      zcfuse_ino_t newparent, const char *newname, unsigned flags)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *olddir, *newdir, *moved = NULL, *target = NULL;
	int olddirfd = parent_fd_for(req, parent, name, &olddir);
	int newdirfd = parent_fd_for(req, newparent, newname, &newdir);
	bool exchange = flags & RENAME_EXCHANGE;
	int ret;

	if (olddirfd < 0 || newdirfd < 0) {
		ret = olddirfd < 0 ? olddirfd : newdirfd;
		goto out;
	}
	/* Keep the descriptor cache's names right (see by_name_get). */
	moved = by_name_get(fs, olddir, olddirfd, name);
	target = by_name_get(fs, newdir, newdirfd, newname);
	if (target && target == moved) {
		by_name_put(fs, target); /* two links of one object: nothing moves */
		target = NULL;
	}
	if (target && !exchange)
		by_name_set(fs, target, NULL, NULL);
	ret = renameat2(olddirfd, name, newdirfd, newname, flags) < 0 ? -errno : 0;
	if (!ret && moved)
		by_name_set(fs, moved, newdir, newname);
	if (target && (ret || exchange))
		by_name_set(fs, target, ret ? newdir : olddir, ret ? newname : name);
	by_name_put(fs, moved);
	by_name_put(fs, target);
out:
	if (olddir)
		inode_put_fd(olddir, olddirfd);
	if (newdir)
		inode_put_fd(newdir, newdirfd);
	reply_status(req, ret); /* after the puts: see reply_new_entry */
}

static void pt_link(struct zcfuse_req *req, zcfuse_ino_t ino, zcfuse_ino_t newparent,
		    const char *newname)
{
	struct pt_inode *in, *dir;
	int fd = inode_fd(req_fs(req), ino, &in);
	int dirfd = parent_fd_for(req, newparent, newname, &dir);
	struct zcfuse_entry_param e;
	char path[32];
	int ret = 0;

	if (fd < 0 || dirfd < 0) {
		ret = fd < 0 ? fd : dirfd;
		goto out;
	}
	/*
	 * AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT without it, and a
	 * caller's fsuid drops it); the magic link, followed, names the same
	 * object without it.
	 */
	if (linkat(fd, "", dirfd, newname, AT_EMPTY_PATH) < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -EPERM) {
			proc_path(path, fd);
			ret = linkat(AT_FDCWD, path, dirfd, newname, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
		}
	}
	if (!ret)
		ret = lookup_at(req_fs(req), dir, dirfd, newname, false, &e);
out:
	/* Both before the reply: see reply_new_entry. */
	if (in)
		inode_put_fd(in, fd);
	if (dir)
		inode_put_fd(dir, dirfd);
	if (ret)
		zcfuse_reply_err(req, -ret);
	else
		reply_entry_ref(req, &e);
}

/* ---- Open files ---- */

static void set_open_flags(struct pt_fs *fs, struct zcfuse_file_info *fi, int fd, int flags)
{
	fi->fh = fh_make(fd, flags);
	fi->direct_io = fs->cache == PT_CACHE_NEVER || (flags & O_DIRECT);
	fi->keep_cache = fs->cache == PT_CACHE_ALWAYS && !fi->direct_io;
	fi->parallel_direct_writes = fi->direct_io;
	/* Ignored except on the zero-copy transport; our data never needs the CPU. */
	fi->zero_copy = fs->zero_copy == PT_ZC_ALL ||
			(fs->zero_copy == PT_ZC_DIRECT && (flags & O_DIRECT));
}

/*
 * With -o passthrough (a library option, privileged), regular files are
 * handed to the kernel, which then serves READ and WRITE itself. Without
 * it zcfuse_passthrough_open() says -EOPNOTSUPP and the data path below
 * serves the file.
 */
static void attach_passthrough(struct zcfuse_req *req, struct pt_inode *in,
			       struct zcfuse_file_info *fi, int fd)
{
	struct pt_fs *fs = req_fs(req);

	if (in->type != S_IFREG)
		return;
	pthread_mutex_lock(&fs->table.lock);
	if (!in->backing_opens) {
		int id = zcfuse_passthrough_open(req, fd);

		if (id > 0)
			in->backing_id = id;
	}
	if (in->backing_id > 0) {
		in->backing_opens++;
		fi->backing_id = in->backing_id;
		fi->fh |= (uint64_t)in->backing_id << PT_FH_BACKING_SHIFT;
		/* The kernel lets FOPEN_DIRECT_IO override passthrough; the backing
		 * descriptor carries O_DIRECT itself when the client asked for it. */
		fi->direct_io = 0;
		fi->parallel_direct_writes = 0;
	}
	pthread_mutex_unlock(&fs->table.lock);
}

/*
 * At release (or a failed open reply): the last open of an inode gives its
 * backing id back. Takes the session, not the request, which may be gone.
 */
static void detach_passthrough(struct pt_fs *fs, struct zcfuse_session *se, zcfuse_ino_t ino,
			       const struct zcfuse_file_info *fi)
{
	struct pt_inode *in;
	int id = 0;

	if (fh_backing_id(fi) <= 0 || !(in = inode_get(fs, ino)))
		return;
	pthread_mutex_lock(&fs->table.lock);
	if (in->backing_opens && !--in->backing_opens) {
		id = in->backing_id;
		in->backing_id = 0;
	}
	pthread_mutex_unlock(&fs->table.lock);
	if (id > 0)
		zcfuse_passthrough_close(se, id);
}

/*
 * With -o writeback_cache the kernel writes cached pages back at their own
 * offsets, and reads pages in to fill partial writes, on any open of the
 * file: the backing descriptor must not append and must be readable. A
 * caller who may write but not read keeps a write-only descriptor
 * (pt_open retries), as on SOURCE.
 */
static int wb_open_flags(int flags)
{
	if (!pt_writeback)
		return flags;
	flags &= ~O_APPEND;
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags;
}

/*
 * Flags for the backing open: the kernel's, less those that would act on
 * the magic link or were already dealt with by the kernel.
 */
static int backing_open_flags(int flags)
{
	return wb_open_flags(flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

static void pt_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *in;
	int pathfd = inode_fd(fs, ino, &in);
	struct zcfuse_session *se;
	char path[32];
	int fd, ret;

	if (pathfd < 0) {
		zcfuse_reply_err(req, -pathfd);
		return;
	}
	if (in->type == S_IFLNK) {
		inode_put_fd(in, pathfd);
		zcfuse_reply_err(req, ELOOP);
		return;
	}
	proc_path(path, pathfd);
	fd = open(path, backing_open_flags(fi->flags));
	if (fd < 0 && errno == EACCES && pt_writeback && (fi->flags & O_ACCMODE) == O_WRONLY)
		fd = open(path, (backing_open_flags(fi->flags) & ~O_ACCMODE) | O_WRONLY);
	inode_put_fd(in, pathfd);
	if (fd < 0) {
		zcfuse_reply_err(req, errno);
		return;
	}
	/* O_TRUNC with HANDLE_KILLPRIV_V2 and ATOMIC_O_TRUNC: the kill is ours. */
	if (fi->kill_suidgid && (fi->flags & O_TRUNC) && (ret = kill_suidgid(fd)) != 0) {
		if (ret < 0) {
			close(fd);
			zcfuse_reply_err(req, -ret);
			return;
		}
		zcfuse_notify_inval_inode(zcfuse_req_session(req), ino, -1, 0);
	}
	set_open_flags(fs, fi, fd, fi->flags);
	attach_passthrough(req, in, fi, fd);
	se = zcfuse_req_session(req);
	if (zcfuse_reply_open(req, fi) < 0) {
		detach_passthrough(fs, se, ino, fi);
		close(fd);
	}
}

static void pt_create(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		      struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct zcfuse_session *se;
	struct pt_inode *in, *dir;
	int dirfd = parent_fd_for(req, parent, name, &dir);
	struct zcfuse_entry_param e;
	int fd, ret;

	if (dirfd < 0) {
		zcfuse_reply_err(req, -dirfd);
		return;
	}
	/* O_NOFOLLOW: a symlink raced into place is refused, not followed. */
	fd = openat(dirfd, name, wb_open_flags(fi->flags & ~O_NOCTTY) | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    mode);
	if (fd < 0) {
		inode_put_fd(dir, dirfd);
		zcfuse_reply_err(req, errno);
		return;
	}
	/* An existing file opened with O_TRUNC; before the entry's attributes are read. */
	ret = fi->kill_suidgid && (fi->flags & O_TRUNC) ? kill_suidgid(fd) : 0;
	if (ret >= 0)
		ret = lookup_at(fs, dir, dirfd, name, false, &e);
	inode_put_fd(dir, dirfd);
	if (ret) {
		close(fd);
		zcfuse_reply_err(req, -ret);
		return;
	}
	set_open_flags(fs, fi, fd, fi->flags);
	in = inode_get(fs, e.ino);
	if (in)
		attach_passthrough(req, in, fi, fd);
	se = zcfuse_req_session(req);
	if (zcfuse_reply_create(req, &e, fi) < 0) {
		detach_passthrough(fs, se, e.ino, fi);
		close(fd);
		inode_forget(fs, e.ino, 1);
	}
}

static void pt_unlock_on_flush(int fd);

static void pt_flush(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	/* What close(2) of one of several descriptors does: report write-back errors. */
	int fd = dup(fh_fd(fi));

	pt_unlock_on_flush(fh_fd(fi));
	if (fd < 0)
		reply_status(req, -errno);
	else
		reply_status(req, close(fd) < 0 ? -errno : 0);
}

static void pt_release(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	detach_passthrough(req_fs(req), zcfuse_req_session(req), ino, fi);
	close(fh_fd(fi));
	zcfuse_reply_err(req, 0);
}

static void pt_lseek(struct zcfuse_req *req, zcfuse_ino_t ino, off_t off, int whence,
		     struct zcfuse_file_info *fi)
{
	off_t res = lseek(fh_fd(fi), off, whence);

	if (res < 0)
		zcfuse_reply_err(req, errno);
	else
		zcfuse_reply_lseek(req, res);
}

static void pt_copy_file_range(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
			       struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out,
			       off_t off_out, struct zcfuse_file_info *fi_out, size_t len,
			       int flags)
{
	loff_t in_off = off_in, out_off = off_out;
	ssize_t n = copy_file_range(fh_fd(fi_in), &in_off, fh_fd(fi_out), &out_off, len,
				    (unsigned)flags);

	if (n < 0)
		zcfuse_reply_err(req, errno);
	else
		zcfuse_reply_write(req, (size_t)n);
}

/*
 * ==== DATA PATH =============================================================
 *
 * READ, WRITE, FSYNC and FALLOCATE: the requests the transports accelerate.
 * Each hands its backing I/O to zcfuse_req_*_fd(); on io_uring transports
 * that is submitted on the request's queue ring (READ_FIXED / WRITE_FIXED
 * into registered memory, or the client's own pages under zero copy) and the
 * callback answers later on the queue thread; on classic it runs before the
 * call returns. Either way the request belongs to the callback once the call
 * returned 0, so nothing here touches @req after that. If the call fails
 * (say -EOPNOTSUPP), the work is done here synchronously instead.
 */

static void read_done(struct zcfuse_req *req, int res, void *arg)
{
	if (res < 0)
		zcfuse_reply_err(req, -res);
	else
		zcfuse_reply_data(req, (size_t)res);
}

static void read_sync(struct zcfuse_req *req, int fd, size_t size, off_t off, int why)
{
	size_t cap = 0;
	void *buf = zcfuse_req_payload(req, &cap);
	ssize_t n;

	if (!buf) {
		/* Zero-copy request: only the ring could have moved its data. */
		zcfuse_reply_err(req, -why);
		return;
	}
	n = pread(fd, buf, size < cap ? size : cap, off);
	if (n < 0)
		zcfuse_reply_err(req, errno);
	else
		zcfuse_reply_data(req, (size_t)n);
}

static void pt_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		    struct zcfuse_file_info *fi)
{
	int fd = fh_fd(fi);
	int ret = zcfuse_req_read_fd(req, fd, off, size, read_done, NULL);

	if (ret < 0)
		read_sync(req, fd, size, off, ret);
}

static void write_done(struct zcfuse_req *req, int res, void *arg)
{
	if (res < 0)
		zcfuse_reply_err(req, -res);
	else
		zcfuse_reply_write(req, (size_t)res);
}

#define PT_DIRECT_ALIGN 4096

/*
 * An O_DIRECT backing file needs aligned memory; request data that follows
 * the headers in a /dev/fuse buffer is not. Copy it once into an aligned
 * buffer (only then: ring payloads are page aligned).
 */
static void write_bounce(struct zcfuse_req *req, int fd, const void *buf, size_t size, off_t off)
{
	void *aligned;
	ssize_t n;

	if (posix_memalign(&aligned, PT_DIRECT_ALIGN, size ? size : 1)) {
		zcfuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(aligned, buf, size);
	n = pwrite(fd, aligned, size, off);
	free(aligned);
	if (n < 0)
		zcfuse_reply_err(req, errno);
	else
		zcfuse_reply_write(req, (size_t)n);
}

static void pt_write(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
		     off_t off, struct zcfuse_file_info *fi)
{
	int fd = fh_fd(fi);
	ssize_t n;
	int ret;

	/*
	 * A writer without CAP_FSETID: the kernel leaves clearing setuid and
	 * setgid to us (always on direct writes). Before the data lands, as a
	 * local write does; the kernel sets this only where the bits may need it.
	 */
	if (fi->kill_suidgid && (ret = kill_suidgid(fd)) != 0) {
		if (ret < 0) {
			zcfuse_reply_err(req, -ret);
			return;
		}
		/* No reply carries the new mode, and exec trusts the cached one. */
		zcfuse_notify_inval_inode(zcfuse_req_session(req), ino, -1, 0);
	}
	/* buf is NULL for zero-copy writes: their data is only on the ring. */
	if (buf && fh_is_direct(fi) && ((uintptr_t)buf % PT_DIRECT_ALIGN)) {
		write_bounce(req, fd, buf, size, off);
		return;
	}
	ret = zcfuse_req_write_fd(req, fd, off, write_done, NULL);
	if (ret == 0)
		return;
	if (!buf) {
		zcfuse_reply_err(req, -ret);
		return;
	}
	n = pwrite(fd, buf, size, off);
	if (n < 0)
		zcfuse_reply_err(req, errno);
	else
		zcfuse_reply_write(req, (size_t)n);
}

static void status_done(struct zcfuse_req *req, int res, void *arg)
{
	zcfuse_reply_err(req, res < 0 ? -res : 0);
}

static void pt_fsync(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
		     struct zcfuse_file_info *fi)
{
	int fd, ret;

	if (!fi) {
		zcfuse_reply_err(req, EBADF);
		return;
	}
	fd = fh_fd(fi);
	ret = zcfuse_req_fsync_fd(req, fd, datasync, status_done, NULL);
	if (ret < 0)
		reply_status(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0);
}

static void pt_fallocate(struct zcfuse_req *req, zcfuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct zcfuse_file_info *fi)
{
	int fd = fh_fd(fi);
	int ret = zcfuse_req_fallocate_fd(req, fd, mode, offset, length, status_done, NULL);

	if (ret < 0)
		reply_status(req, fallocate(fd, mode, offset, length) < 0 ? -errno : 0);
}

/* ==== end of DATA PATH ==================================================== */

/* ---- Directories ---- */

static struct pt_dir *fh_dir(const struct zcfuse_file_info *fi)
{
	return (struct pt_dir *)(uintptr_t)fi->fh;
}

static void pt_opendir(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *in;
	int pathfd = inode_fd(fs, ino, &in);
	struct pt_dir *d;
	char path[32];
	int fd;

	if (pathfd < 0) {
		zcfuse_reply_err(req, -pathfd);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		inode_put_fd(in, pathfd);
		zcfuse_reply_err(req, ENOMEM);
		return;
	}
	/*
	 * An O_PATH fd cannot be read; open the directory itself through the
	 * magic link (openat(pathfd, ".") would also need search permission,
	 * which listing a folder on SOURCE does not).
	 */
	proc_path(path, pathfd);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	inode_put_fd(in, pathfd);
	if (fd < 0) {
		zcfuse_reply_err(req, errno);
		free(d);
		return;
	}
	d->dp = fdopendir(fd);
	if (!d->dp) {
		zcfuse_reply_err(req, errno);
		close(fd);
		free(d);
		return;
	}
	pthread_mutex_init(&d->lock, NULL);
	fi->fh = (uintptr_t)d;
	if (fs->cache == PT_CACHE_ALWAYS) {
		fi->keep_cache = 1;
		fi->cache_readdir = 1;
	}
	if (zcfuse_reply_open(req, fi) < 0) {
		closedir(d->dp);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
}

/*
 * READDIR and READDIRPLUS. Offsets are the stream's own telldir() cookies
 * (d_off: where the entry after this one starts). An entry that did not fit
 * stays in d->entry for the next call. For READDIRPLUS each entry but "."
 * and ".." is looked up, and those references are given back if the reply
 * never reaches the kernel.
 */
static void do_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       struct zcfuse_file_info *fi, bool plus)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *dir = inode_get(fs, ino);
	struct pt_dir *d = fh_dir(fi);
	zcfuse_ino_t *refs = NULL;
	size_t nrefs = 0, used = 0, cap = 0;
	char *buf, *heap = NULL;
	int err = 0;

	buf = zcfuse_req_payload(req, &cap);
	if (buf && cap < size)
		size = cap;
	if (!buf) {
		buf = heap = malloc(size);
		if (!buf) {
			zcfuse_reply_err(req, ENOMEM);
			return;
		}
	}
	if (plus) {
		/* A plus record is well over 64 bytes; this bounds how many fit. */
		refs = malloc((size / 64 + 1) * sizeof(*refs));
		if (!refs) {
			free(heap);
			zcfuse_reply_err(req, ENOMEM);
			return;
		}
	}

	pthread_mutex_lock(&d->lock);
	if (off != d->offset) {
		if (off == 0)
			rewinddir(d->dp);
		else
			seekdir(d->dp, off);
		d->entry = NULL;
		d->offset = off;
	}
	for (;;) {
		struct zcfuse_entry_param e;
		struct dirent *de;
		size_t len;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		de = d->entry;
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = de->d_ino;
		e.attr.st_mode = (mode_t)de->d_type << 12;

		if (!plus) {
			len = zcfuse_add_direntry(req, buf + used, size - used, de->d_name,
						  &e.attr, de->d_off);
		} else {
			if (!is_dot_or_dotdot(de->d_name)) {
				int ret = lookup_at(fs, dir, dirfd(d->dp), de->d_name, false,
						    &e);

				if (ret == -EACCES) {
					/* A directory we may list but not search: the
					 * name without attributes, as ls sees it on SOURCE. */
					memset(&e, 0, sizeof(e));
					e.attr.st_ino = de->d_ino;
					e.attr.st_mode = (mode_t)de->d_type << 12;
					ret = 0;
				}
				if (ret == -ENOENT) {
					/* Removed since it was listed: skip it. */
					d->entry = NULL;
					d->offset = de->d_off;
					continue;
				}
				if (ret) {
					err = -ret;
					break;
				}
			}
			len = zcfuse_add_direntry_plus(req, buf + used, size - used, de->d_name,
						       &e, de->d_off);
			if (len > size - used) {
				if (e.ino)
					inode_forget(fs, e.ino, 1);
			} else if (e.ino) {
				refs[nrefs++] = e.ino;
			}
		}
		if (len > size - used)
			break;
		used += len;
		d->entry = NULL;
		d->offset = de->d_off;
	}
	pthread_mutex_unlock(&d->lock);

	/* An error after some entries: send those, the next call meets it again. */
	if (err && used == 0) {
		zcfuse_reply_err(req, err);
	} else {
		int ret = heap ? zcfuse_reply_buf(req, buf, used) : zcfuse_reply_data(req, used);

		if (ret < 0) {
			for (size_t i = 0; i < nrefs; i++)
				inode_forget(fs, refs[i], 1);
		}
	}
	free(refs);
	free(heap);
}

static void pt_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       struct zcfuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void pt_readdirplus(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			   struct zcfuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void pt_releasedir(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct pt_dir *d = fh_dir(fi);

	closedir(d->dp);
	pthread_mutex_destroy(&d->lock);
	free(d);
	zcfuse_reply_err(req, 0);
}

static void pt_fsyncdir(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
			struct zcfuse_file_info *fi)
{
	int fd = dirfd(fh_dir(fi)->dp);

	reply_status(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0);
}

/* ---- File system wide, extended attributes, access ---- */

static void pt_statfs(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct pt_inode *in;
	int fd = inode_fd(req_fs(req), ino, &in);
	struct statvfs st;
	int ret;

	if (fd < 0) {
		zcfuse_reply_err(req, -fd);
		return;
	}
	ret = fstatvfs(fd, &st) < 0 ? errno : 0;
	inode_put_fd(in, fd);
	if (ret)
		zcfuse_reply_err(req, ret);
	else
		zcfuse_reply_statfs(req, &st);
}

/*
 * O_PATH descriptors refuse the f*xattr calls, so these go through the
 * magic link, which ends at the object itself (never at a symlink's target).
 */
struct pt_xattr_target {
	struct pt_inode *in;
	int fd;
	char path[32];
};

static int xattr_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct pt_xattr_target *t)
{
	t->fd = inode_fd(req_fs(req), ino, &t->in);
	if (t->fd < 0)
		return t->fd;
	proc_path(t->path, t->fd);
	return 0;
}

static void xattr_close(struct pt_xattr_target *t)
{
	if (t->in)
		inode_put_fd(t->in, t->fd);
}

static void pt_setxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			const void *value, size_t size, int flags)
{
	struct pt_xattr_target t;
	int ret = xattr_open(req, ino, &t);

	if (!ret && setxattr(t.path, name, value, size, flags) < 0)
		ret = -errno;
	/* An ACL set by a caller outside the file's group (with POSIX_ACL). */
	if (!ret && (zcfuse_req_kill_priv(req) & ZCFUSE_KILL_SGID)) {
		struct stat st;

		if (stat_fd(t.fd, &st) == 0 && (st.st_mode & S_ISGID)) {
			caller_pause();
			if (chmod(t.path, st.st_mode & 07777 & ~S_ISGID) < 0)
				ret = -errno;
			caller_resume();
		}
	}
	xattr_close(&t);
	reply_status(req, ret);
}

/* getxattr and listxattr share this: size 0 asks for the length only. */
static void reply_xattr_result(struct zcfuse_req *req, ssize_t n, const void *buf, size_t size)
{
	if (n < 0)
		zcfuse_reply_err(req, errno);
	else if (size == 0)
		zcfuse_reply_xattr(req, (size_t)n);
	else
		zcfuse_reply_buf(req, buf, (size_t)n);
}

/* GETXATTR of @name, or LISTXATTR when @name is NULL: same buffer rules. */
static void xattr_query(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name, size_t size)
{
	struct pt_xattr_target t;
	char *buf = NULL;
	int ret = xattr_open(req, ino, &t);
	ssize_t n;

	if (ret) {
		zcfuse_reply_err(req, -ret);
		return;
	}
	if (size && !(buf = malloc(size))) {
		xattr_close(&t);
		zcfuse_reply_err(req, ENOMEM);
		return;
	}
	n = name ? getxattr(t.path, name, buf, size) : listxattr(t.path, buf, size);
	if (n < 0)
		ret = errno;
	xattr_close(&t);
	errno = ret;
	reply_xattr_result(req, n, buf, size);
	free(buf);
}

static void pt_getxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name, size_t size)
{
	xattr_query(req, ino, name, size);
}

static void pt_listxattr(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size)
{
	xattr_query(req, ino, NULL, size);
}

static void pt_removexattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name)
{
	struct pt_xattr_target t;
	int ret = xattr_open(req, ino, &t);

	if (!ret && removexattr(t.path, name) < 0)
		ret = -errno;
	xattr_close(&t);
	reply_status(req, ret);
}

static void pt_access(struct zcfuse_req *req, zcfuse_ino_t ino, int mask)
{
	struct pt_inode *in;
	int fd = inode_fd(req_fs(req), ino, &in);
	char path[32];
	int ret;

	if (fd < 0) {
		reply_status(req, fd);
		return;
	}
	/* AT_EACCESS: the fsuid, fsgid and groups in force, the caller's. */
	ret = faccessat(fd, "", mask, AT_EMPTY_PATH | AT_EACCESS);
	if (ret < 0 && errno == EINVAL) {
		/* No faccessat2 (before Linux 5.8): the magic link does the same. */
		proc_path(path, fd);
		ret = faccessat(AT_FDCWD, path, mask, AT_EACCESS);
	}
	ret = ret < 0 ? -errno : 0;
	inode_put_fd(in, fd);
	reply_status(req, ret);
}

/*
 * Every request that names, creates, changes or opens something runs as its
 * caller (see "The caller's credentials"); the data path and requests on
 * what is already open or known (getattr, readlink, statfs, readdir) do not.
 */
static void as_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	AS_CALLER(req, pt_lookup(req, parent, name));
}

static void as_setattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct stat *attr, int to_set,
		       struct zcfuse_file_info *fi)
{
	AS_CALLER(req, pt_setattr(req, ino, attr, to_set, fi));
}

static void as_mknod(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	AS_CREATOR(req, mode, pt_mknod(req, parent, name, mode, rdev));
}

static void as_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	AS_CREATOR(req, mode, pt_mkdir(req, parent, name, mode));
}

static void as_symlink(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
		       const char *name)
{
	AS_CALLER(req, pt_symlink(req, link, parent, name));
}

static void as_unlink(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	AS_CALLER(req, pt_unlink(req, parent, name));
}

static void as_rmdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	AS_CALLER(req, pt_rmdir(req, parent, name));
}

static void as_rename(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
		      zcfuse_ino_t newparent, const char *newname, unsigned flags)
{
	AS_CALLER(req, pt_rename(req, parent, name, newparent, newname, flags));
}

static void as_link(struct zcfuse_req *req, zcfuse_ino_t ino, zcfuse_ino_t newparent,
		    const char *newname)
{
	AS_CALLER(req, pt_link(req, ino, newparent, newname));
}

static void as_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	AS_CALLER(req, pt_open(req, ino, fi));
}

static void as_create(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		      struct zcfuse_file_info *fi)
{
	AS_CREATOR(req, mode, pt_create(req, parent, name, mode, fi));
}

static void as_opendir(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	AS_CALLER(req, pt_opendir(req, ino, fi));
}

static void as_readdirplus(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			   struct zcfuse_file_info *fi)
{
	AS_CALLER(req, pt_readdirplus(req, ino, size, off, fi));
}

static void as_setxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			const void *value, size_t size, int flags)
{
	AS_CALLER(req, pt_setxattr(req, ino, name, value, size, flags));
}

static void as_getxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name, size_t size)
{
	AS_CALLER(req, pt_getxattr(req, ino, name, size));
}

static void as_listxattr(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size)
{
	AS_CALLER(req, pt_listxattr(req, ino, size));
}

static void as_removexattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name)
{
	AS_CALLER(req, pt_removexattr(req, ino, name));
}

static void as_access(struct zcfuse_req *req, zcfuse_ino_t ino, int mask)
{
	AS_CALLER(req, pt_access(req, ino, mask));
}

static void pt_tmpfile(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
		       struct zcfuse_file_info *fi);

static void as_tmpfile(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
		       struct zcfuse_file_info *fi)
{
	AS_CREATOR(req, mode, pt_tmpfile(req, parent, mode, fi));
}

/* ---- Locks: forwarded to SOURCE as open-file-description locks ---- */

/*
 * Each open of the mount has its own backing descriptor, so an OFD lock on
 * it belongs to exactly that open: two processes conflict as they would on
 * SOURCE. (Unlike POSIX locks, two opens of one process conflict too, and a
 * forked child shares its parent's locks on a shared descriptor.) A SETLKW
 * or a waiting flock() that must wait runs on a helper thread of its own,
 * never a queue thread; an interrupt signals that thread, whose fcntl then
 * fails with EINTR, which the caller gets.
 */
#define PT_LOCK_SIGNAL (SIGRTMIN + 2)

struct pt_waiter {
	struct zcfuse_req *req;
	int fd;
	bool is_flock;
	int op;             /* flock */
	struct flock fl;    /* fcntl */
	pthread_t thread;
	pthread_mutex_t lock;
	bool started, interrupted;
};

static void pt_lock_signal(int sig)
{
	(void)sig; /* only here to end a blocked fcntl or flock with EINTR */
}

/* No SA_RESTART: the signal must end the wait, not restart it. */
static void pt_signals_setup(void)
{
	struct sigaction sa = { .sa_handler = pt_lock_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(PT_LOCK_SIGNAL, &sa, NULL);
}

static void pt_waiter_interrupted(struct zcfuse_req *req, void *data)
{
	struct pt_waiter *w = data;

	pthread_mutex_lock(&w->lock);
	w->interrupted = true;
	if (w->started)
		pthread_kill(w->thread, PT_LOCK_SIGNAL);
	pthread_mutex_unlock(&w->lock);
}

static void *pt_waiter_main(void *arg)
{
	struct pt_waiter *w = arg;
	int ret;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		ret = w->interrupted ? -EINTR : 0;
		pthread_mutex_unlock(&w->lock);
		if (ret)
			break;
		ret = w->is_flock ? flock(w->fd, w->op) : fcntl(w->fd, F_OFD_SETLKW, &w->fl);
		ret = ret < 0 ? -errno : 0;
		if (ret != -EINTR)
			break;
	}
	zcfuse_req_interrupt_func(w->req, NULL, NULL);
	reply_status(w->req, ret);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

/* Tries without waiting; if it would block and @sleep, hands it to a helper. */
static void pt_lock_request(struct zcfuse_req *req, int fd, const struct flock *fl, int op,
			    bool is_flock, int sleep)
{
	struct flock l = fl ? *fl : (struct flock){ 0 };
	struct pt_waiter *w;
	pthread_attr_t attr;
	int ret;

	if (is_flock)
		ret = flock(fd, op | LOCK_NB) < 0 ? -errno : 0;
	else
		ret = fcntl(fd, F_OFD_SETLK, &l) < 0 ? -errno : 0;
	if (!sleep || (ret != -EAGAIN && ret != -EACCES && ret != -EWOULDBLOCK)) {
		reply_status(req, ret);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		zcfuse_reply_err(req, ENOLCK);
		return;
	}
	w->req = req;
	w->fd = fd;
	w->is_flock = is_flock;
	w->op = op & ~LOCK_NB;
	w->fl = l;
	pthread_mutex_init(&w->lock, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_mutex_lock(&w->lock);
	ret = pthread_create(&w->thread, &attr, pt_waiter_main, w);
	w->started = ret == 0;
	pthread_mutex_unlock(&w->lock);
	pthread_attr_destroy(&attr);
	if (ret) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		zcfuse_reply_err(req, ENOLCK);
		return;
	}
	zcfuse_req_interrupt_func(req, pt_waiter_interrupted, w);
}

static void pt_getlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     struct flock *lock)
{
	struct flock l = *lock;

	l.l_pid = 0; /* OFD locks need 0; the answer carries the holder's, or -1 */
	if (fcntl(fh_fd(fi), F_OFD_GETLK, &l) < 0) {
		zcfuse_reply_err(req, errno);
		return;
	}
	zcfuse_reply_lock(req, &l);
}

static void pt_setlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     struct flock *lock, int sleep)
{
	struct flock l = *lock;

	l.l_pid = 0;
	pt_lock_request(req, fh_fd(fi), &l, 0, false, sleep);
}

static void pt_flock(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		     int op)
{
	pt_lock_request(req, fh_fd(fi), NULL, op & ~LOCK_NB, true, !(op & LOCK_NB));
}

/* close(2) through the mount drops that caller's POSIX locks: ours are per open. */
static void pt_unlock_on_flush(int fd)
{
	struct flock l = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	fcntl(fd, F_OFD_SETLK, &l);
}

/* ---- O_TMPFILE, statx, syncfs ---- */

/* Enters the object behind @fd (no name) in the table; a lookup reference. */
static int inode_from_fd(struct pt_fs *fs, int fd, struct zcfuse_entry_param *e)
{
	char path[32];
	int pfd;

	proc_path(path, fd);
	pfd = open(path, O_PATH | O_CLOEXEC); /* follows the magic link to the file */
	if (pfd < 0)
		return -errno;
	{
		struct pt_inode *in, *fresh = calloc(1, sizeof(*fresh));
		struct stat st;

		if (fstat(pfd, &st) < 0 || !fresh) {
			int err = fresh ? -errno : -ENOMEM;

			free(fresh);
			close(pfd);
			return err;
		}
		pthread_mutex_lock(&fs->table.lock);
		in = fresh;
		in->id = fs->table.next_id++;
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		in->type = st.st_mode & S_IFMT;
		in->fd = pfd;
		in->pinned = true; /* no name to reopen it by, until linked */
		in->nlookup = 1;
		table_insert_locked(&fs->table, in);
		pthread_mutex_unlock(&fs->table.lock);
		fill_entry(fs, e, in->id, &st);
	}
	return 0;
}

static void pt_tmpfile(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
		       struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *dir;
	int dirfd = inode_fd(fs, parent, &dir);
	struct zcfuse_entry_param e;
	char path[32];
	int fd, ret;

	if (dirfd < 0) {
		zcfuse_reply_err(req, -dirfd);
		return;
	}
	/* O_PATH descriptors cannot be the directory of O_TMPFILE: go through /proc. */
	proc_path(path, dirfd);
	fd = open(path, (fi->flags & ~(O_NOCTTY | O_CREAT)) | O_TMPFILE | O_CLOEXEC,
		  mode & 07777);
	inode_put_fd(dir, dirfd);
	if (fd < 0) {
		zcfuse_reply_err(req, errno);
		return;
	}
	ret = inode_from_fd(fs, fd, &e);
	if (ret) {
		close(fd);
		zcfuse_reply_err(req, -ret);
		return;
	}
	set_open_flags(fs, fi, fd, fi->flags);
	if (zcfuse_reply_create(req, &e, fi) < 0) {
		close(fd);
		inode_forget(fs, e.ino, 1);
	}
}

/*
 * ioctl: only the inode attribute flags go through to SOURCE, the four
 * commands behind lsattr/chattr and xfs_io's chattr (FS_IOC_GETFLAGS,
 * FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR; the client's
 * kernel sends them for its own fileattr calls). Everything else is ENOTTY:
 * a root server's ioctl runs with the server's capabilities, and many
 * commands check capable() rather than the fsuid we switch to (FITRIM,
 * fscrypt policies, btrfs subvolumes, ...), or carry pointers no server can
 * follow. The flag commands run with the caller's credentials, so SOURCE
 * checks ownership as for the caller; and since setting or clearing the
 * immutable and append-only bits needs CAP_LINUX_IMMUTABLE, which a
 * switched fsuid keeps, only a caller with uid 0 may change those two.
 */
static int pt_ioctl_flags(int fd, unsigned int cmd, const void *in_buf, size_t in_bufsz,
			  void *out, size_t out_bufsz, bool privileged)
{
	struct fsxattr fx, cur_fx;
	unsigned int flags, cur;

	switch (cmd) {
	case FS_IOC_GETFLAGS:
		if (out_bufsz < sizeof(flags))
			return -EINVAL;
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
			return -errno;
		memcpy(out, &flags, sizeof(flags));
		return sizeof(flags);
	case FS_IOC_SETFLAGS:
		if (in_bufsz < sizeof(flags))
			return -EINVAL;
		memcpy(&flags, in_buf, sizeof(flags));
		if (!privileged) {
			if (ioctl(fd, FS_IOC_GETFLAGS, &cur) < 0)
				return -errno;
			if ((flags ^ cur) & (FS_IMMUTABLE_FL | FS_APPEND_FL))
				return -EPERM;
		}
		return ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 ? -errno : 0;
	case FS_IOC_FSGETXATTR:
		if (out_bufsz < sizeof(fx))
			return -EINVAL;
		if (ioctl(fd, FS_IOC_FSGETXATTR, &fx) < 0)
			return -errno;
		memcpy(out, &fx, sizeof(fx));
		return sizeof(fx);
	case FS_IOC_FSSETXATTR:
		if (in_bufsz < sizeof(fx))
			return -EINVAL;
		memcpy(&fx, in_buf, sizeof(fx));
		if (!privileged) {
			if (ioctl(fd, FS_IOC_FSGETXATTR, &cur_fx) < 0)
				return -errno;
			if ((fx.fsx_xflags ^ cur_fx.fsx_xflags) &
			    (FS_XFLAG_IMMUTABLE | FS_XFLAG_APPEND))
				return -EPERM;
		}
		return ioctl(fd, FS_IOC_FSSETXATTR, &fx) < 0 ? -errno : 0;
	default:
		return -ENOTTY;
	}
}

static void do_ioctl(struct zcfuse_req *req, unsigned int cmd, struct zcfuse_file_info *fi,
		     unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	bool privileged = zcfuse_req_ctx(req)->uid == 0;
	struct fsxattr out; /* the largest answer */
	int fd, ret;

	if (!fi || (flags & (ZCFUSE_IOCTL_COMPAT | ZCFUSE_IOCTL_32BIT))) {
		zcfuse_reply_err(req, ENOTTY);
		return;
	}
	fd = (flags & ZCFUSE_IOCTL_DIR) ? dirfd(fh_dir(fi)->dp) : fh_fd(fi);
	memset(&out, 0, sizeof(out));
	ret = pt_ioctl_flags(fd, cmd, in_buf, in_bufsz, &out, out_bufsz, privileged);
	if (ret < 0)
		zcfuse_reply_err(req, -ret);
	else
		zcfuse_reply_ioctl(req, 0, &out, (size_t)ret);
}

static void pt_ioctl(struct zcfuse_req *req, zcfuse_ino_t ino, unsigned int cmd, void *arg,
		     struct zcfuse_file_info *fi, unsigned flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	(void)ino;
	(void)arg;
	AS_CALLER(req, do_ioctl(req, cmd, fi, flags, in_buf, in_bufsz, out_bufsz));
}

static void pt_statx(struct zcfuse_req *req, zcfuse_ino_t ino, int flags, int mask,
		     struct zcfuse_file_info *fi)
{
	struct pt_fs *fs = req_fs(req);
	struct pt_inode *in = NULL;
	int fd = fi ? fh_fd(fi) : inode_fd(fs, ino, &in);
	struct statx x;
	int ret;

	if (fd < 0) {
		zcfuse_reply_err(req, -fd);
		return;
	}
	ret = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | (flags & AT_STATX_SYNC_TYPE),
		    (unsigned)mask | STATX_BASIC_STATS | STATX_BTIME, &x) < 0 ? errno : 0;
	if (in)
		inode_put_fd(in, fd);
	if (ret) {
		zcfuse_reply_err(req, ret);
		return;
	}
	zcfuse_reply_statx(req, 0, &x, fs->timeout);
}

static void pt_syncfs(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct pt_fs *fs = req_fs(req);
	/* syncfs(2) refuses O_PATH descriptors: open the root for real. */
	int rootfd = inode_open_fd(fs->root), fd, ret;

	if (rootfd < 0) {
		zcfuse_reply_err(req, -rootfd);
		return;
	}
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	inode_put_fd(fs->root, rootfd);
	if (fd < 0) {
		zcfuse_reply_err(req, errno);
		return;
	}
	ret = syncfs(fd) < 0 ? -errno : 0;
	close(fd);
	reply_status(req, ret);
}

static const struct zcfuse_ops pt_ops = {
	.init = pt_init,
	.lookup = as_lookup,
	.forget = pt_forget,
	.forget_multi = pt_forget_multi,
	.getattr = pt_getattr,
	.setattr = as_setattr,
	.readlink = pt_readlink,
	.mknod = as_mknod,
	.mkdir = as_mkdir,
	.symlink = as_symlink,
	.unlink = as_unlink,
	.rmdir = as_rmdir,
	.rename = as_rename,
	.link = as_link,
	.open = as_open,
	.create = as_create,
	.read = pt_read,
	.write = pt_write,
	.flush = pt_flush,
	.release = pt_release,
	.fsync = pt_fsync,
	.opendir = as_opendir,
	.readdir = pt_readdir,
	.readdirplus = as_readdirplus,
	.releasedir = pt_releasedir,
	.fsyncdir = pt_fsyncdir,
	.statfs = pt_statfs,
	.setxattr = as_setxattr,
	.getxattr = as_getxattr,
	.listxattr = as_listxattr,
	.removexattr = as_removexattr,
	.access = as_access,
	.fallocate = pt_fallocate,
	.lseek = pt_lseek,
	.copy_file_range = pt_copy_file_range,
	.getlk = pt_getlk,
	.setlk = pt_setlk,
	.flock = pt_flock,
	.tmpfile = as_tmpfile,
	.ioctl = pt_ioctl,
	.statx = pt_statx,
	.syncfs = pt_syncfs,
};

/*
 * Can inodes be file handles? open_by_handle_at() needs CAP_DAC_READ_SEARCH,
 * and SOURCE must export handles (most disk filesystems and tmpfs do).
 */
static bool handles_work(int rootfd)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	bool ok = false;
	int mnt_id, fd, mfd;

	if (!h)
		return false;
	h->handle_bytes = MAX_HANDLE_SZ;
	mfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd >= 0 && name_to_handle_at(rootfd, "", h, &mnt_id, AT_EMPTY_PATH) == 0) {
		fd = open_by_handle_at(mfd, h, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			ok = true;
			close(fd);
		}
	}
	if (mfd >= 0)
		close(mfd);
	free(h);
	return ok;
}

/* ---- Command line ---- */

static int pt_arg(void *userdata, int index, const char *arg)
{
	struct pt_fs *fs = userdata;
	struct pt_inode *root;
	struct stat st;
	int fd;

	if (index != 0)
		return -EINVAL;
	/* Errors are reported by zcfuse, naming the argument. */
	fd = open(arg, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	root = calloc(1, sizeof(*root));
	if (!root) {
		close(fd);
		return -ENOMEM;
	}
	root->id = ZCFUSE_ROOT_ID;
	root->dev = st.st_dev;
	root->ino = st.st_ino;
	root->type = S_IFDIR;
	root->fd = fd;
	root->pinned = true;
	root->nlookup = 1; /* the kernel never forgets the root */
	fs->use_handles = handles_work(fd);
	fs->source = arg;
	fs->root = root;
	pthread_mutex_lock(&fs->table.lock);
	table_insert_locked(&fs->table, root);
	pthread_mutex_unlock(&fs->table.lock);
	return 0;
}

static int pt_opt(void *userdata, const char *key, const char *value)
{
	struct pt_fs *fs = userdata;

	if (!strcmp(key, "timeout")) {
		char *end;
		double t;

		if (!value || !*value)
			return -EINVAL;
		errno = 0;
		t = strtod(value, &end);
		if (errno || *end || !(t >= 0))
			return -EINVAL;
		fs->timeout = t;
		return 0;
	}
	if (!strcmp(key, "cache")) {
		if (!value)
			return -EINVAL;
		if (!strcmp(value, "never"))
			fs->cache = PT_CACHE_NEVER;
		else if (!strcmp(value, "auto"))
			fs->cache = PT_CACHE_AUTO;
		else if (!strcmp(value, "always"))
			fs->cache = PT_CACHE_ALWAYS;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "direct_io")) {
		if (value)
			return -EINVAL;
		fs->cache = PT_CACHE_NEVER;
		return 0;
	}
	if (!strcmp(key, "handles")) {
		if (value && !strcmp(value, "no"))
			fs->no_handles = true;
		else if (value && !strcmp(value, "yes"))
			fs->no_handles = false;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "fd_cache")) {
		char *end;
		unsigned long n;

		if (!value || !*value)
			return -EINVAL;
		errno = 0;
		n = strtoul(value, &end, 10);
		if (errno || *end || n < 1 || n > (1UL << 20))
			return -EINVAL;
		pt_fdc.max = n;
		return 0;
	}
	if (!strcmp(key, "zero_copy")) { /* which opens ask for zero copy */
		if (value && !strcmp(value, "all"))
			fs->zero_copy = PT_ZC_ALL;
		else if (value && !strcmp(value, "direct"))
			fs->zero_copy = PT_ZC_DIRECT;
		else if (value && !strcmp(value, "none"))
			fs->zero_copy = PT_ZC_NONE;
		else
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/* Is -o OPT among the options of argv (-o a,b or -oa,b)? */
static bool has_opt(int argc, char *argv[], const char *opt)
{
	size_t len = strlen(opt);

	for (int i = 1; i < argc; i++) {
		const char *p;

		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			p = argv[++i];
		else if (!strncmp(argv[i], "-o", 2))
			p = argv[i] + 2;
		else
			continue;
		while (*p) {
			if (!strncmp(p, opt, len) && (p[len] == ',' || !p[len]))
				return true;
			p = strchr(p, ',');
			if (!p)
				break;
			p++;
		}
	}
	return false;
}

static void free_inodes(struct pt_fs *fs)
{
	struct pt_table *t = &fs->table;

	for (size_t b = 0; b < t->nbuckets; b++) {
		struct pt_inode *in, *next;

		for (in = t->by_id[b]; in; in = next) {
			next = in->next_by_id;
			inode_free(in);
		}
	}
	free(t->by_id);
	free(t->by_key);
	pthread_mutex_destroy(&t->lock);
}

int main(int argc, char *argv[])
{
	static const char opt_help[] =
		"    -o timeout=SECONDS     entry and attribute cache time (default 1.0)\n"
		"    -o cache=never|auto|always\n"
		"                           never: direct I/O on every open; auto: the default;\n"
		"                           always: keep cached data across opens\n"
		"    -o direct_io           same as cache=never\n"
		"    -o handles=yes|no      keep known inodes as file handles where SOURCE and\n"
		"                           the server's rights allow (yes, the default), or\n"
		"                           always by name through the descriptor cache\n"
		"    -o fd_cache=N          descriptors the cache keeps open (default: a quarter\n"
		"                           of the descriptor limit, 16 to 65536)\n"
		"    -o zero_copy=all|direct|none\n"
		"                           opens that move data by io_uring zero copy on the\n"
		"                           zerocopy transport (default all)\n";
	struct zcfuse_session_opts opts = {
		.sz = sizeof(opts),
		.args_usage = "SOURCE",
		.nr_args = 1,
		.arg = pt_arg,
		.opt = pt_opt,
		.opt_help = opt_help,
	};
	struct pt_fs fs = {
		.timeout = 1.0,
		.cache = PT_CACHE_AUTO,
	};
	char **args = NULL;
	int status;

	if (table_init(&fs.table) || creds_init()) {
		fprintf(stderr, "passthrough: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&fs.mounts.lock, NULL);
	/*
	 * Other users' requests are checked by SOURCE itself when we run them
	 * with the caller's credentials (root). A server that cannot switch
	 * would act for everyone with its own rights: let the kernel check
	 * modes instead.
	 */
	if (!pt_switch_creds && (has_opt(argc, argv, "allow_other") ||
				 has_opt(argc, argv, "allow_root")) &&
	    !has_opt(argc, argv, "default_permissions")) {
		args = calloc((size_t)argc + 3, sizeof(*args));
		if (!args) {
			fprintf(stderr, "passthrough: out of memory\n");
			return 1;
		}
		args[0] = argv[0];
		args[1] = "-o";
		args[2] = "default_permissions";
		memcpy(args + 3, argv + 1, (size_t)argc * sizeof(*args)); /* with the NULL */
		argv = args;
		argc += 2;
		fprintf(stderr, "passthrough: not root, so allow_other comes with "
				"default_permissions\n");
	}
	/* The server's own umask never applies: a create sets the caller's (umask_enter). */
	umask(0);
	pt_signals_setup();
	status = zcfuse_main(argc, argv, &pt_ops, sizeof(pt_ops), &opts, &fs);
	free_inodes(&fs);
	for (int i = 0; i < fs.mounts.n; i++)
		close(fs.mounts.fd[i]);
	free(args);
	free(pt_srv_groups);
	return status;
}
