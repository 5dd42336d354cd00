/* SPDX-License-Identifier: MIT */
/*
 * memfs: a read-write filesystem kept entirely in memory, in the style of
 * tmpfs. Directories, regular files, hard links, symlinks, device nodes,
 * FIFOs and sockets, extended attributes, rename with RENAME_NOREPLACE and
 * RENAME_EXCHANGE, fallocate, SEEK_DATA/SEEK_HOLE and copy_file_range.
 *
 * Mount:    build/examples/memfs -f /tmp/m [-o memfs_max_size=1G]
 * Unmount:  fusermount3 -u /tmp/m
 *
 * Space: file data counts against memfs_max_size (default: half of the
 * machine's RAM, as tmpfs does); a write beyond it fails with ENOSPC.
 * Files are stored as one buffer each, holding the bytes up to the last one
 * written; truncating up, or reading past that point, costs no memory.
 *
 * Permissions: memfs checks none itself except in access(2), which looks
 * at the owner/group/other bits (primary group only; root passes). Mount
 * with -o default_permissions to have the kernel enforce modes on every
 * operation, which you want whenever other users can reach the mount.
 *
 * Inode numbers count up from 1 and are never reused, so the generation is
 * always 0. An inode is freed when it has no names left, the kernel holds
 * no lookup references to it, and no handle has it open.
 *
 * Threads: requests arrive on several threads; one mutex guards all of
 * memfs. Replies are sent after it is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <zcfuse/zcfuse.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MEMFS_BLOCK 4096       /* st_blksize, statfs block and accounting unit */
#define MEMFS_NAME_MAX 255
#define MEMFS_TIMEOUT 1.0      /* entry and attribute cache time, seconds */
#define MEMFS_FIRST_COOKIE 3   /* readdir offsets 1 and 2 are "." and ".." */

struct xattr {
	struct xattr *next;
	char *name;
	void *value;
	size_t size;
};

struct node;

/* One name in a directory. */
struct dentry {
	struct dentry *hash_next;      /* chain in memfs.names */
	struct node *dir;
	struct node *child;
	uint64_t cookie;               /* readdir offset; unique in dir, never reused */
	char name[];
};

/*
 * A directory's names in the order they were added, so that a cookie
 * finds its place by binary search. Removing a name empties its slot;
 * empty slots are squeezed out now and then (cookies do not change).
 */
struct dir_slot {
	uint64_t cookie;
	struct dentry *de;             /* NULL: removed */
};

struct node {
	struct node *hash_next;        /* chain in memfs.inodes */
	struct stat st;                /* st_ino is the inode number */
	uint64_t nlookup;              /* references the kernel holds */
	unsigned nopen;                /* open files and directories */
	struct xattr *xattrs;

	/* Regular files: bytes [0, len) are stored, [len, st_size) read as zero. */
	char *data;
	size_t alloc;                  /* size of data's buffer */
	size_t len;
	size_t prealloc;               /* reserved by fallocate(KEEP_SIZE) */
	size_t accounted;              /* bytes counted in memfs.used */

	char *target;                  /* symlinks */

	/* Directories */
	struct node *parent;           /* for ".."; the root is its own parent */
	struct dir_slot *slots;
	size_t nslots, slots_cap, nlive;
	uint64_t next_cookie;
};

static struct memfs {
	pthread_mutex_t lock;
	struct node **inodes;          /* by inode number */
	size_t inode_buckets, ninodes;
	struct dentry **names;         /* by (directory, name) */
	size_t name_buckets, nnames;
	zcfuse_ino_t next_ino;
	uint64_t max_size, used;
	struct node *root;
} memfs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void lock(void)
{
	pthread_mutex_lock(&memfs.lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&memfs.lock);
}

enum { T_ATIME = 1, T_MTIME = 2, T_CTIME = 4 };

static void stamp(struct node *n, int which)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (which & T_ATIME)
		n->st.st_atim = now;
	if (which & T_MTIME)
		n->st.st_mtim = now;
	if (which & T_CTIME)
		n->st.st_ctim = now;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* ---- Hash tables: inodes by number, names by (directory, name) ---- */

static size_t name_hash(const struct node *dir, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ (dir->st.st_ino * 0x9e3779b97f4a7c15ull);

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* Doubles a table when it is fuller than one entry per bucket; on ENOMEM it stays. */
static void inodes_grow(void)
{
	size_t nb = memfs.inode_buckets * 2;
	struct node **t;

	if (memfs.ninodes <= memfs.inode_buckets || !(t = calloc(nb, sizeof(*t))))
		return;
	for (size_t i = 0; i < memfs.inode_buckets; i++) {
		while (memfs.inodes[i]) {
			struct node *n = memfs.inodes[i];

			memfs.inodes[i] = n->hash_next;
			n->hash_next = t[n->st.st_ino & (nb - 1)];
			t[n->st.st_ino & (nb - 1)] = n;
		}
	}
	free(memfs.inodes);
	memfs.inodes = t;
	memfs.inode_buckets = nb;
}

static void names_grow(void)
{
	size_t nb = memfs.name_buckets * 2;
	struct dentry **t;

	if (memfs.nnames <= memfs.name_buckets || !(t = calloc(nb, sizeof(*t))))
		return;
	for (size_t i = 0; i < memfs.name_buckets; i++) {
		while (memfs.names[i]) {
			struct dentry *de = memfs.names[i];
			size_t b = name_hash(de->dir, de->name) & (nb - 1);

			memfs.names[i] = de->hash_next;
			de->hash_next = t[b];
			t[b] = de;
		}
	}
	free(memfs.names);
	memfs.names = t;
	memfs.name_buckets = nb;
}

static struct node *node_get(zcfuse_ino_t ino)
{
	struct node *n = memfs.inodes[ino & (memfs.inode_buckets - 1)];

	while (n && n->st.st_ino != ino)
		n = n->hash_next;
	return n;
}

static struct dentry *dir_find(const struct node *dir, const char *name)
{
	struct dentry *de = memfs.names[name_hash(dir, name) & (memfs.name_buckets - 1)];

	while (de && (de->dir != dir || strcmp(de->name, name) != 0))
		de = de->hash_next;
	return de;
}

/* ---- Inodes ---- */

static struct node *node_new(mode_t mode, uid_t uid, gid_t gid)
{
	struct node *n = calloc(1, sizeof(*n));
	size_t b;

	if (!n)
		return NULL;
	n->st.st_ino = memfs.next_ino++;
	n->st.st_mode = mode;
	n->st.st_uid = uid;
	n->st.st_gid = gid;
	n->st.st_blksize = MEMFS_BLOCK;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	if (S_ISDIR(mode)) {
		n->st.st_size = MEMFS_BLOCK;
		n->next_cookie = MEMFS_FIRST_COOKIE;
	}
	stamp(n, T_ATIME | T_MTIME | T_CTIME);

	b = n->st.st_ino & (memfs.inode_buckets - 1);
	n->hash_next = memfs.inodes[b];
	memfs.inodes[b] = n;
	memfs.ninodes++;
	inodes_grow();
	return n;
}

static void node_free(struct node *n)
{
	struct xattr *x, *next;

	memfs.used -= n->accounted;
	for (x = n->xattrs; x; x = next) {
		next = x->next;
		free(x->name);
		free(x->value);
		free(x);
	}
	free(n->data);
	free(n->target);
	free(n->slots);
	free(n);
}

/* Frees @n once nothing names it, the kernel forgot it and nobody has it open. */
static void node_maybe_free(struct node *n)
{
	struct node **pp;

	if (!n || n == memfs.root || n->st.st_nlink || n->nlookup || n->nopen)
		return;
	pp = &memfs.inodes[n->st.st_ino & (memfs.inode_buckets - 1)];
	while (*pp != n)
		pp = &(*pp)->hash_next;
	*pp = n->hash_next;
	memfs.ninodes--;
	node_free(n);
}

static void node_forget(struct node *n, uint64_t count)
{
	if (count > n->nlookup) {
		zcfuse_log(ZCFUSE_LOG_WARNING, "memfs: forget %llu on inode %llu with %llu lookups",
			   (unsigned long long)count, (unsigned long long)n->st.st_ino,
			   (unsigned long long)n->nlookup);
		count = n->nlookup;
	}
	n->nlookup -= count;
	node_maybe_free(n);
}

/* ---- Directories ---- */

/* Index of the first slot whose cookie is >= @cookie. */
static size_t dir_seek(const struct node *dir, uint64_t cookie)
{
	size_t lo = 0, hi = dir->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dir->slots[mid].cookie < cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int dir_add(struct node *dir, const char *name, struct node *child)
{
	size_t nlen = strlen(name);
	struct dentry *de;
	size_t b;

	if (dir->nslots == dir->slots_cap) {
		size_t cap = dir->slots_cap ? dir->slots_cap * 2 : 16;
		struct dir_slot *s = realloc(dir->slots, cap * sizeof(*s));

		if (!s)
			return ENOMEM;
		dir->slots = s;
		dir->slots_cap = cap;
	}
	de = malloc(sizeof(*de) + nlen + 1);
	if (!de)
		return ENOMEM;
	de->dir = dir;
	de->child = child;
	de->cookie = dir->next_cookie++;
	memcpy(de->name, name, nlen + 1);
	dir->slots[dir->nslots++] = (struct dir_slot){ de->cookie, de };
	dir->nlive++;

	b = name_hash(dir, name) & (memfs.name_buckets - 1);
	de->hash_next = memfs.names[b];
	memfs.names[b] = de;
	memfs.nnames++;
	names_grow();
	return 0;
}

static void dir_remove(struct dentry *de)
{
	struct node *dir = de->dir;
	struct dentry **pp = &memfs.names[name_hash(dir, de->name) & (memfs.name_buckets - 1)];
	size_t dead, j = 0;

	while (*pp != de)
		pp = &(*pp)->hash_next;
	*pp = de->hash_next;
	memfs.nnames--;
	dir->slots[dir_seek(dir, de->cookie)].de = NULL;
	dir->nlive--;
	free(de);

	/* Squeeze out empty slots once they outnumber the live ones. */
	dead = dir->nslots - dir->nlive;
	if (dead < 64 || dead < dir->nlive)
		return;
	for (size_t i = 0; i < dir->nslots; i++)
		if (dir->slots[i].de)
			dir->slots[j++] = dir->slots[i];
	dir->nslots = j;
}

/* True if @dir is @ancestor or lies below it. */
static bool is_within(const struct node *dir, const struct node *ancestor)
{
	for (; dir; dir = dir->parent == dir ? NULL : dir->parent)
		if (dir == ancestor)
			return true;
	return false;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
}

/*
 * Resolves the directory a name is looked up, created or removed in.
 * Returns 0 or the errno to answer with.
 */
static int dir_for_name(zcfuse_ino_t ino, const char *name, struct node **dirp)
{
	struct node *dir = node_get(ino);

	if (!dir)
		return ESTALE;
	if (!S_ISDIR(dir->st.st_mode))
		return ENOTDIR;
	if (strnlen(name, MEMFS_NAME_MAX + 1) > MEMFS_NAME_MAX)
		return ENAMETOOLONG;
	*dirp = dir;
	return 0;
}

/* ---- File data ---- */

/*
 * Makes room for bytes up to @end (written data or a preallocation):
 * checks the space limit, then grows the buffer (by a quarter at least, so
 * that appending is not quadratic). 0 or ENOSPC.
 */
static int file_reserve(struct node *n, size_t end)
{
	size_t need = round_up(end, MEMFS_BLOCK);
	size_t have = n->len > n->prealloc ? n->len : n->prealloc;

	if (need > round_up(have, MEMFS_BLOCK) &&
	    memfs.used - n->accounted + need > memfs.max_size)
		return ENOSPC;
	if (end > n->alloc) {
		size_t want = n->alloc + n->alloc / 4;
		char *p = NULL;

		if (want > need)
			p = realloc(n->data, round_up(want, MEMFS_BLOCK));
		else
			want = need;
		if (!p)
			p = realloc(n->data, want = need);
		if (!p)
			return ENOSPC;
		n->data = p;
		n->alloc = round_up(want, MEMFS_BLOCK);
	}
	return 0;
}

/* Recounts the space @n uses after len or prealloc changed. */
static void file_account(struct node *n)
{
	size_t have = n->len > n->prealloc ? n->len : n->prealloc;
	size_t acc = round_up(have, MEMFS_BLOCK);

	memfs.used = memfs.used - n->accounted + acc;
	n->accounted = acc;
	n->st.st_blocks = acc / 512;
}

/* Sets the stored length to @end (>= len), zeroing what was never written. */
static void file_extend(struct node *n, size_t end)
{
	if (end > n->len) {
		memset(n->data + n->len, 0, end - n->len);
		n->len = end;
	}
}

static int file_write(struct node *n, const void *buf, size_t size, off_t off)
{
	size_t end;
	int err;

	if (off < 0)
		return EINVAL;
	if (size == 0)
		return 0;
	if ((uint64_t)off > (uint64_t)SSIZE_MAX - size)
		return EFBIG;
	end = off + size;
	err = file_reserve(n, end);
	if (err)
		return err;
	file_extend(n, off);
	memcpy(n->data + off, buf, size);
	if (end > n->len)
		n->len = end;
	if ((off_t)end > n->st.st_size)
		n->st.st_size = end;
	file_account(n);
	stamp(n, T_MTIME | T_CTIME);
	return 0;
}

/* Copies up to @size bytes at @off into @dst; returns the count. */
static size_t file_read(const struct node *n, char *dst, size_t size, off_t off)
{
	size_t stored = 0;

	if (off < 0 || off >= n->st.st_size)
		return 0;
	if (size > (uint64_t)(n->st.st_size - off))
		size = n->st.st_size - off;
	if ((size_t)off < n->len) {
		stored = n->len - off < size ? n->len - off : size;
		memcpy(dst, n->data + off, stored);
	}
	memset(dst + stored, 0, size - stored);
	return size;
}

static void file_truncate(struct node *n, off_t size)
{
	if (size < n->st.st_size) {
		size_t keep;

		if ((size_t)size < n->len)
			n->len = size;
		/* Like a disk filesystem: truncation frees blocks past the end. */
		if ((size_t)size < n->prealloc)
			n->prealloc = size;
		keep = round_up(n->len > n->prealloc ? n->len : n->prealloc, MEMFS_BLOCK);
		if (keep == 0) {
			free(n->data);
			n->data = NULL;
			n->alloc = 0;
		} else if (keep < n->alloc / 2) {
			char *p = realloc(n->data, keep);

			if (p) {
				n->data = p;
				n->alloc = keep;
			}
		}
		file_account(n);
	}
	n->st.st_size = size;
	stamp(n, T_MTIME | T_CTIME);
}

/* ---- Replies ---- */

static void fill_entry(struct zcfuse_entry_param *e, const struct node *n)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->st.st_ino;
	e->attr = n->st;
	e->attr_timeout = MEMFS_TIMEOUT;
	e->entry_timeout = MEMFS_TIMEOUT;
}

/*
 * Answers with @n's entry (and an open file if @fi), taking the lookup
 * reference (and open count) the reply gives the kernel. Called locked;
 * unlocks. If the kernel never got the reply, it will not forget either.
 */
static void reply_entry_unlock(struct zcfuse_req *req, struct node *n,
			       struct zcfuse_file_info *fi)
{
	struct zcfuse_entry_param e;
	int ret;

	fill_entry(&e, n);
	n->nlookup++;
	if (fi)
		n->nopen++;
	unlock();
	ret = fi ? zcfuse_reply_create(req, &e, fi) : zcfuse_reply_entry(req, &e);
	if (ret < 0) {
		lock();
		if (fi)
			n->nopen--;
		node_forget(n, 1);
		unlock();
	}
}

static void reply_err_unlock(struct zcfuse_req *req, int err)
{
	unlock();
	zcfuse_reply_err(req, err);
}

/* ---- Operations ---- */

static void memfs_init(void *userdata, struct zcfuse_conn_info *conn)
{
	conn->want |= conn->capable & (ZCFUSE_CAP_READDIRPLUS | ZCFUSE_CAP_PARALLEL_DIROPS |
				       ZCFUSE_CAP_ASYNC_DIO);
	/* Writes must carry their real offsets (O_APPEND is resolved by the kernel). */
	conn->want &= ~ZCFUSE_CAP_WRITEBACK_CACHE;
	/* memfs clears setuid/setgid bits itself, in the same step as the change. */
	conn->want |= ZCFUSE_CAP_HANDLE_KILLPRIV_V2;
}

/*
 * A write, truncate or chown by a caller without CAP_FSETID (the kernel says
 * so): as on a local filesystem, a regular file loses S_ISUID, and S_ISGID
 * when group execute is set. Under the lock.
 */
static bool kill_suidgid(struct node *n)
{
	mode_t mode = n->st.st_mode;

	if (!S_ISREG(mode))
		return false;
	mode &= ~S_ISUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		mode &= ~S_ISGID;
	if (mode == n->st.st_mode)
		return false;
	n->st.st_mode = mode;
	return true;
}

/*
 * After a kill that no reply carries attributes for (WRITE, OPEN): the
 * kernel's cached mode would still say setuid, and exec uses it.
 */
static void mode_changed(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	zcfuse_notify_inval_inode(zcfuse_req_session(req), ino, -1, 0);
}

static void memfs_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct node *dir, *n = NULL;
	struct dentry *de;
	int err;

	lock();
	err = dir_for_name(parent, name, &dir);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	if (strcmp(name, ".") == 0)
		n = dir;
	else if (strcmp(name, "..") == 0)
		n = dir->parent ? dir->parent : dir;
	else if ((de = dir_find(dir, name)))
		n = de->child;
	if (!n) {
		reply_err_unlock(req, ENOENT);
		return;
	}
	reply_entry_unlock(req, n, NULL);
}

static void memfs_forget(struct zcfuse_req *req, zcfuse_ino_t ino, uint64_t nlookup)
{
	struct node *n;

	lock();
	n = node_get(ino);
	if (n)
		node_forget(n, nlookup);
	unlock();
	zcfuse_reply_none(req);
}

static void memfs_forget_multi(struct zcfuse_req *req, size_t count, const zcfuse_ino_t *inos,
			       const uint64_t *nlookups)
{
	lock();
	for (size_t i = 0; i < count; i++) {
		struct node *n = node_get(inos[i]);

		if (n)
			node_forget(n, nlookups[i]);
	}
	unlock();
	zcfuse_reply_none(req);
}

static void memfs_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct node *n;
	struct stat st;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	st = n->st;
	unlock();
	zcfuse_reply_attr(req, &st, MEMFS_TIMEOUT);
}

static void memfs_setattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct stat *attr,
			  int to_set, struct zcfuse_file_info *fi)
{
	struct timespec now;
	struct node *n;
	struct stat st;

	clock_gettime(CLOCK_REALTIME, &now);
	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	/* The one change that can fail goes first, so a failure changes nothing. */
	if (to_set & ZCFUSE_SET_ATTR_SIZE) {
		if (S_ISDIR(n->st.st_mode)) {
			reply_err_unlock(req, EISDIR);
			return;
		}
		if (!S_ISREG(n->st.st_mode) || attr->st_size < 0) {
			reply_err_unlock(req, EINVAL);
			return;
		}
		file_truncate(n, attr->st_size);
	}
	/* A chmod in the same request sets the mode itself. */
	if ((to_set & ZCFUSE_SET_ATTR_KILL_SUIDGID) && !(to_set & ZCFUSE_SET_ATTR_MODE))
		kill_suidgid(n);
	if (to_set & ZCFUSE_SET_ATTR_MODE)
		n->st.st_mode = (n->st.st_mode & S_IFMT) | (attr->st_mode & 07777);
	if (to_set & ZCFUSE_SET_ATTR_UID)
		n->st.st_uid = attr->st_uid;
	if (to_set & ZCFUSE_SET_ATTR_GID)
		n->st.st_gid = attr->st_gid;
	if (to_set & ZCFUSE_SET_ATTR_ATIME_NOW)
		n->st.st_atim = now;
	else if (to_set & ZCFUSE_SET_ATTR_ATIME)
		n->st.st_atim = attr->st_atim;
	if (to_set & ZCFUSE_SET_ATTR_MTIME_NOW)
		n->st.st_mtim = now;
	else if (to_set & ZCFUSE_SET_ATTR_MTIME)
		n->st.st_mtim = attr->st_mtim;
	n->st.st_ctim = (to_set & ZCFUSE_SET_ATTR_CTIME) ? attr->st_ctim : now;
	st = n->st;
	unlock();
	zcfuse_reply_attr(req, &st, MEMFS_TIMEOUT);
}

static void memfs_readlink(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct node *n;
	char *target;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (!S_ISLNK(n->st.st_mode)) {
		reply_err_unlock(req, EINVAL);
		return;
	}
	target = strdup(n->target);
	unlock();
	if (!target) {
		zcfuse_reply_err(req, ENOMEM);
		return;
	}
	zcfuse_reply_readlink(req, target);
	free(target);
}

/*
 * Creates a node of type and mode @mode named @name in @parent: the work of
 * mknod, mkdir, symlink and create. Called locked. 0 or an errno.
 */
static int make_node(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev, const char *link, struct node **out)
{
	const struct zcfuse_ctx *ctx = zcfuse_req_ctx(req);
	struct node *dir, *n;
	int err;

	err = dir_for_name(parent, name, &dir);
	if (err)
		return err;
	if (dir->st.st_nlink == 0)
		return ENOENT; /* removed while someone was in it */
	if (is_dot_or_dotdot(name) || dir_find(dir, name))
		return EEXIST;
	if (!S_ISLNK(mode))
		mode = (mode & S_IFMT) | (mode & 07777 & ~ctx->umask);
	n = node_new(mode, ctx->uid, ctx->gid);
	if (!n)
		return ENOMEM;
	/* A set-group-ID directory hands its group down, and its flag to subdirectories. */
	if (dir->st.st_mode & S_ISGID) {
		n->st.st_gid = dir->st.st_gid;
		if (S_ISDIR(mode))
			n->st.st_mode |= S_ISGID;
	}
	n->st.st_rdev = rdev;
	if (link) {
		n->target = strdup(link);
		n->st.st_size = strlen(link);
	}
	err = (link && !n->target) ? ENOMEM : dir_add(dir, name, n);
	if (err) {
		n->st.st_nlink = 0;
		node_maybe_free(n);
		return err;
	}
	if (S_ISDIR(mode)) {
		n->parent = dir;
		dir->st.st_nlink++;
	}
	stamp(dir, T_MTIME | T_CTIME);
	*out = n;
	return 0;
}

static void memfs_mknod(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
			mode_t mode, dev_t rdev)
{
	struct node *n;
	int err;

	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFIFO: case S_IFSOCK: case S_IFCHR: case S_IFBLK:
		break;
	default:
		zcfuse_reply_err(req, EINVAL);
		return;
	}
	lock();
	err = make_node(req, parent, name, mode, rdev, NULL, &n);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	reply_entry_unlock(req, n, NULL);
}

static void memfs_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
			mode_t mode)
{
	struct node *n;
	int err;

	lock();
	err = make_node(req, parent, name, S_IFDIR | (mode & 07777), 0, NULL, &n);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	reply_entry_unlock(req, n, NULL);
}

static void memfs_symlink(struct zcfuse_req *req, const char *link, zcfuse_ino_t parent,
			  const char *name)
{
	struct node *n;
	int err;

	if (strnlen(link, PATH_MAX) >= PATH_MAX) {
		zcfuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	lock();
	err = make_node(req, parent, name, S_IFLNK | 0777, 0, link, &n);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	reply_entry_unlock(req, n, NULL);
}

static void memfs_create(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
			 mode_t mode, struct zcfuse_file_info *fi)
{
	struct node *n;
	int err;

	lock();
	err = make_node(req, parent, name, S_IFREG | (mode & 07777), 0, NULL, &n);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	fi->fh = 0;
	fi->keep_cache = 1;
	reply_entry_unlock(req, n, fi);
}

static void memfs_link(struct zcfuse_req *req, zcfuse_ino_t ino, zcfuse_ino_t newparent,
		       const char *newname)
{
	struct node *n, *dir;
	int err;

	lock();
	n = node_get(ino);
	err = dir_for_name(newparent, newname, &dir);
	if (!n)
		err = ESTALE;
	else if (!err && S_ISDIR(n->st.st_mode))
		err = EPERM;
	else if (!err && (n->st.st_nlink == 0 || dir->st.st_nlink == 0))
		err = ENOENT;
	else if (!err && (is_dot_or_dotdot(newname) || dir_find(dir, newname)))
		err = EEXIST;
	if (!err)
		err = dir_add(dir, newname, n);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	n->st.st_nlink++;
	stamp(n, T_CTIME);
	stamp(dir, T_MTIME | T_CTIME);
	reply_entry_unlock(req, n, NULL);
}

/* Drops one name of @n, which may free it. */
static void drop_name(struct node *dir, struct node *n)
{
	if (S_ISDIR(n->st.st_mode)) {
		n->st.st_nlink = 0;
		n->parent = NULL;
		dir->st.st_nlink--;
	} else {
		n->st.st_nlink--;
	}
	stamp(n, T_CTIME);
	node_maybe_free(n);
}

static void memfs_unlink(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct node *dir, *n;
	struct dentry *de = NULL;
	int err;

	lock();
	err = dir_for_name(parent, name, &dir);
	if (!err && is_dot_or_dotdot(name))
		err = EISDIR;
	else if (!err && !(de = dir_find(dir, name)))
		err = ENOENT;
	else if (!err && S_ISDIR(de->child->st.st_mode))
		err = EISDIR;
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	n = de->child;
	dir_remove(de);
	stamp(dir, T_MTIME | T_CTIME);
	drop_name(dir, n);
	reply_err_unlock(req, 0);
}

static void memfs_rmdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct node *dir, *n;
	struct dentry *de = NULL;
	int err;

	lock();
	err = dir_for_name(parent, name, &dir);
	if (!err && strcmp(name, ".") == 0)
		err = EINVAL;
	else if (!err && strcmp(name, "..") == 0)
		err = ENOTEMPTY;
	else if (!err && !(de = dir_find(dir, name)))
		err = ENOENT;
	else if (!err && !S_ISDIR(de->child->st.st_mode))
		err = ENOTDIR;
	else if (!err && de->child->nlive)
		err = ENOTEMPTY;
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	n = de->child;
	dir_remove(de);
	stamp(dir, T_MTIME | T_CTIME);
	drop_name(dir, n);
	reply_err_unlock(req, 0);
}

/* Moves the directory @n from @from to @to: ".." and the link counts follow. */
static void reparent(struct node *n, struct node *from, struct node *to)
{
	if (!S_ISDIR(n->st.st_mode) || from == to)
		return;
	n->parent = to;
	from->st.st_nlink--;
	to->st.st_nlink++;
}

static int do_rename(zcfuse_ino_t parent, const char *name, zcfuse_ino_t newparent,
		     const char *newname, unsigned flags)
{
	struct node *odir, *ndir, *src, *dst = NULL;
	struct dentry *ode, *nde;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL; /* RENAME_WHITEOUT is for overlay filesystems */
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return EINVAL;
	err = dir_for_name(parent, name, &odir);
	if (!err)
		err = dir_for_name(newparent, newname, &ndir);
	if (err)
		return err;
	if (is_dot_or_dotdot(name) || is_dot_or_dotdot(newname))
		return EINVAL;
	ode = dir_find(odir, name);
	if (!ode)
		return ENOENT;
	src = ode->child;
	nde = dir_find(ndir, newname);
	if (nde)
		dst = nde->child;

	if (flags & RENAME_EXCHANGE) {
		if (!nde)
			return ENOENT;
		if (src == dst)
			return 0;
		/* Neither directory may end up inside itself. */
		if ((S_ISDIR(src->st.st_mode) && is_within(ndir, src)) ||
		    (S_ISDIR(dst->st.st_mode) && is_within(odir, dst)))
			return EINVAL;
		ode->child = dst;
		nde->child = src;
		reparent(src, odir, ndir);
		reparent(dst, ndir, odir);
		stamp(src, T_CTIME);
		stamp(dst, T_CTIME);
		stamp(odir, T_MTIME | T_CTIME);
		stamp(ndir, T_MTIME | T_CTIME);
		return 0;
	}

	if (dst) {
		if (flags & RENAME_NOREPLACE)
			return EEXIST;
		if (src == dst)
			return 0; /* two names of one file: POSIX says do nothing */
		if (S_ISDIR(src->st.st_mode) && !S_ISDIR(dst->st.st_mode))
			return ENOTDIR;
		if (!S_ISDIR(src->st.st_mode) && S_ISDIR(dst->st.st_mode))
			return EISDIR;
		if (S_ISDIR(dst->st.st_mode) && dst->nlive)
			return ENOTEMPTY;
	}
	if (S_ISDIR(src->st.st_mode) && is_within(ndir, src))
		return EINVAL;

	if (dst) {
		/* Take over the existing name, which keeps its readdir place. */
		nde->child = src;
	} else {
		err = dir_add(ndir, newname, src);
		if (err)
			return err;
	}
	dir_remove(ode);
	reparent(src, odir, ndir);
	stamp(src, T_CTIME);
	stamp(odir, T_MTIME | T_CTIME);
	stamp(ndir, T_MTIME | T_CTIME);
	if (dst)
		drop_name(ndir, dst);
	return 0;
}

static void memfs_rename(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name,
			 zcfuse_ino_t newparent, const char *newname, unsigned flags)
{
	int err;

	lock();
	err = do_rename(parent, name, newparent, newname, flags);
	reply_err_unlock(req, err);
}

static void memfs_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	bool killed = false;
	struct node *n;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (S_ISDIR(n->st.st_mode)) {
		reply_err_unlock(req, EISDIR);
		return;
	}
	/* The kernel passes O_TRUNC only when it leaves truncation to us. */
	if ((fi->flags & O_TRUNC) && S_ISREG(n->st.st_mode)) {
		file_truncate(n, 0);
		if (fi->kill_suidgid && kill_suidgid(n))
			killed = true;
	}
	n->nopen++;
	unlock();
	if (killed)
		mode_changed(req, ino);
	fi->fh = 0;
	/* Data only changes through this mount, so cached pages stay valid. */
	fi->keep_cache = 1;
	if (zcfuse_reply_open(req, fi) < 0) {
		lock();
		n->nopen--;
		node_maybe_free(n);
		unlock();
	}
}

static void memfs_release(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct node *n;

	lock();
	n = node_get(ino);
	if (n && n->nopen) {
		n->nopen--;
		node_maybe_free(n);
	}
	reply_err_unlock(req, 0);
}

static void memfs_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       struct zcfuse_file_info *fi)
{
	size_t room = 0, got;
	struct node *n;
	char *payload, *buf;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (!S_ISREG(n->st.st_mode)) {
		reply_err_unlock(req, S_ISDIR(n->st.st_mode) ? EISDIR : EINVAL);
		return;
	}
	stamp(n, T_ATIME);

	/* Best case: build the reply right in the request's payload area. */
	payload = zcfuse_req_payload(req, &room);
	if (payload && room >= size) {
		got = file_read(n, payload, size, off);
		unlock();
		zcfuse_reply_data(req, got);
		return;
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		reply_err_unlock(req, ENOMEM);
		return;
	}
	got = file_read(n, buf, size, off);
	unlock();
	zcfuse_reply_buf(req, buf, got);
	free(buf);
}

static void memfs_write(struct zcfuse_req *req, zcfuse_ino_t ino, const void *buf, size_t size,
			off_t off, struct zcfuse_file_info *fi)
{
	bool killed = false;
	struct node *n;
	int err;

	/* Writes arrive with their real offset, O_APPEND included: the kernel resolves it. */
	lock();
	n = node_get(ino);
	if (!n)
		err = ESTALE;
	else if (!S_ISREG(n->st.st_mode))
		err = S_ISDIR(n->st.st_mode) ? EISDIR : EINVAL;
	else if (!buf)
		err = EIO; /* zero-copy data; memfs never asks for it */
	else
		err = file_write(n, buf, size, off);
	if (!err && fi->kill_suidgid && kill_suidgid(n))
		killed = true;
	unlock();
	if (killed)
		mode_changed(req, ino);
	if (err)
		zcfuse_reply_err(req, err);
	else
		zcfuse_reply_write(req, size);
}

static void memfs_flush(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, 0);
}

static void memfs_fsync(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
			struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, 0); /* nothing is more durable than memory gets */
}

static void memfs_opendir(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct node *n;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (!S_ISDIR(n->st.st_mode)) {
		reply_err_unlock(req, ENOTDIR);
		return;
	}
	n->nopen++;
	unlock();
	fi->fh = 0;
	if (zcfuse_reply_open(req, fi) < 0) {
		lock();
		n->nopen--;
		node_maybe_free(n);
		unlock();
	}
}

/*
 * READDIR and READDIRPLUS. An entry's offset is its cookie, which never
 * changes and is never reused in its directory, so a listing resumes at
 * the right place however the directory changed in between: every name
 * present for the whole listing is returned exactly once.
 */
static void do_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       bool plus)
{
	struct node *dir, **refs = NULL;
	size_t used = 0, nrefs = 0;
	char *buf;
	int ret;

	buf = malloc(size ? size : 1);
	/* Each record takes at least 32 bytes, so this bounds the references taken. */
	if (plus)
		refs = malloc((size / 32 + 1) * sizeof(*refs));
	if (!buf || (plus && !refs)) {
		free(buf);
		free(refs);
		zcfuse_reply_err(req, ENOMEM);
		return;
	}
	lock();
	dir = node_get(ino);
	if (!dir || !S_ISDIR(dir->st.st_mode)) {
		free(buf);
		free(refs);
		reply_err_unlock(req, dir ? ENOTDIR : ESTALE);
		return;
	}
	for (uint64_t pos = off < 0 ? 0 : off;;) {
		struct dentry *de = NULL;
		struct node *n;
		const char *name;
		size_t len;

		if (pos == 0) {
			name = ".";
			n = dir;
		} else if (pos == 1) {
			name = "..";
			n = dir->parent ? dir->parent : dir;
		} else {
			size_t i = dir_seek(dir, pos + 1);

			while (i < dir->nslots && !dir->slots[i].de)
				i++;
			if (i == dir->nslots)
				break;
			de = dir->slots[i].de;
			name = de->name;
			n = de->child;
		}
		if (plus) {
			struct zcfuse_entry_param e;

			fill_entry(&e, n);
			len = zcfuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						       de ? de->cookie : pos + 1);
		} else {
			len = zcfuse_add_direntry(req, buf + used, size - used, name, &n->st,
						  de ? de->cookie : pos + 1);
		}
		if (len > size - used)
			break;
		used += len;
		if (plus && de) {
			/* The kernel keeps an inode for this entry: one more lookup. */
			n->nlookup++;
			refs[nrefs++] = n;
		}
		pos = de ? de->cookie : pos + 1;
	}
	unlock();
	ret = zcfuse_reply_buf(req, buf, used);
	if (ret < 0 && nrefs) {
		lock();
		for (size_t i = 0; i < nrefs; i++)
			node_forget(refs[i], 1);
		unlock();
	}
	free(buf);
	free(refs);
}

static void memfs_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			  struct zcfuse_file_info *fi)
{
	do_readdir(req, ino, size, off, false);
}

static void memfs_readdirplus(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			      struct zcfuse_file_info *fi)
{
	do_readdir(req, ino, size, off, true);
}

static void memfs_releasedir(struct zcfuse_req *req, zcfuse_ino_t ino,
			     struct zcfuse_file_info *fi)
{
	memfs_release(req, ino, fi);
}

static void memfs_fsyncdir(struct zcfuse_req *req, zcfuse_ino_t ino, int datasync,
			   struct zcfuse_file_info *fi)
{
	zcfuse_reply_err(req, 0);
}

static void memfs_statfs(struct zcfuse_req *req, zcfuse_ino_t ino)
{
	struct statvfs st = {
		.f_bsize = MEMFS_BLOCK,
		.f_frsize = MEMFS_BLOCK,
		.f_namemax = MEMFS_NAME_MAX,
	};

	lock();
	st.f_blocks = memfs.max_size / MEMFS_BLOCK;
	st.f_bfree = memfs.used < memfs.max_size ? (memfs.max_size - memfs.used) / MEMFS_BLOCK : 0;
	st.f_bavail = st.f_bfree;
	/* No inode limit; say one more fits per free block. */
	st.f_ffree = st.f_favail = st.f_bfree;
	st.f_files = st.f_ffree + memfs.ninodes;
	unlock();
	zcfuse_reply_statfs(req, &st);
}

static struct xattr *xattr_find(struct node *n, const char *name, struct xattr ***link)
{
	struct xattr **pp = &n->xattrs;

	for (; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0)
			break;
	}
	if (link)
		*link = pp;
	return *pp;
}

static void memfs_setxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			   const void *value, size_t size, int flags)
{
	struct node *n;
	struct xattr *x;
	void *copy;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	x = xattr_find(n, name, NULL);
	if (x && (flags & XATTR_CREATE)) {
		reply_err_unlock(req, EEXIST);
		return;
	}
	if (!x && (flags & XATTR_REPLACE)) {
		reply_err_unlock(req, ENODATA);
		return;
	}
	copy = malloc(size ? size : 1);
	if (!copy) {
		reply_err_unlock(req, ENOMEM);
		return;
	}
	memcpy(copy, value, size);
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x || !(x->name = strdup(name))) {
			free(x);
			free(copy);
			reply_err_unlock(req, ENOMEM);
			return;
		}
		x->next = n->xattrs;
		n->xattrs = x;
	}
	free(x->value);
	x->value = copy;
	x->size = size;
	/* A POSIX ACL set by a caller outside the file's group (with POSIX_ACL). */
	if (zcfuse_req_kill_priv(req) & ZCFUSE_KILL_SGID)
		n->st.st_mode &= ~S_ISGID;
	stamp(n, T_CTIME);
	reply_err_unlock(req, 0);
}

/*
 * The common part of GETXATTR and LISTXATTR, called under the lock with the
 * answer's length: a size probe (@size 0) or a buffer too small is answered
 * here; otherwise a buffer of @len bytes comes back for the caller to fill,
 * the lock still held. NULL: answered, and unlocked.
 */
static char *xattr_out_buf(struct zcfuse_req *req, size_t size, size_t len)
{
	char *buf;

	if (size == 0) {
		unlock();
		zcfuse_reply_xattr(req, len);
		return NULL;
	}
	if (size < len) {
		reply_err_unlock(req, ERANGE);
		return NULL;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		reply_err_unlock(req, ENOMEM);
	return buf;
}

static void memfs_getxattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name,
			   size_t size)
{
	struct node *n;
	struct xattr *x;
	size_t len;
	void *copy;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	x = xattr_find(n, name, NULL);
	if (!x) {
		reply_err_unlock(req, ENODATA);
		return;
	}
	len = x->size;
	copy = xattr_out_buf(req, size, len);
	if (!copy)
		return;
	memcpy(copy, x->value, len);
	unlock();
	zcfuse_reply_buf(req, copy, len);
	free(copy);
}

static void memfs_listxattr(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size)
{
	size_t total = 0, pos = 0;
	struct node *n;
	struct xattr *x;
	char *list;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	for (x = n->xattrs; x; x = x->next)
		total += strlen(x->name) + 1;
	list = xattr_out_buf(req, size, total);
	if (!list)
		return;
	for (x = n->xattrs; x; x = x->next) {
		size_t len = strlen(x->name) + 1;

		memcpy(list + pos, x->name, len);
		pos += len;
	}
	unlock();
	zcfuse_reply_buf(req, list, total);
	free(list);
}

static void memfs_removexattr(struct zcfuse_req *req, zcfuse_ino_t ino, const char *name)
{
	struct xattr **link, *x;
	struct node *n;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	x = xattr_find(n, name, &link);
	if (!x) {
		reply_err_unlock(req, ENODATA);
		return;
	}
	*link = x->next;
	free(x->name);
	free(x->value);
	free(x);
	stamp(n, T_CTIME);
	reply_err_unlock(req, 0);
}

/* Only reached without -o default_permissions (then the kernel asks us). */
static void memfs_access(struct zcfuse_req *req, zcfuse_ino_t ino, int mask)
{
	const struct zcfuse_ctx *ctx = zcfuse_req_ctx(req);
	struct node *n;
	mode_t mode;
	int err = 0;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	mode = n->st.st_mode;
	mask &= R_OK | W_OK | X_OK;
	if (ctx->uid == 0) {
		/* root may do anything but run a file nobody may run */
		if ((mask & X_OK) && !S_ISDIR(mode) && !(mode & 0111))
			err = EACCES;
	} else {
		unsigned bits = ctx->uid == n->st.st_uid ? mode >> 6 :
				ctx->gid == n->st.st_gid ? mode >> 3 : mode;

		if ((bits & mask) != (unsigned)mask)
			err = EACCES;
	}
	reply_err_unlock(req, err);
}

static void memfs_fallocate(struct zcfuse_req *req, zcfuse_ino_t ino, int mode, off_t offset,
			    off_t length, struct zcfuse_file_info *fi)
{
	struct node *n;
	size_t end;
	int err;

	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		zcfuse_reply_err(req, EOPNOTSUPP); /* punching and zeroing ranges: not here */
		return;
	}
	if (offset < 0 || length <= 0) {
		zcfuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t)offset > (uint64_t)SSIZE_MAX - (uint64_t)length) {
		zcfuse_reply_err(req, EFBIG);
		return;
	}
	end = offset + length;
	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (!S_ISREG(n->st.st_mode)) {
		reply_err_unlock(req, S_ISDIR(n->st.st_mode) ? EISDIR : ENODEV);
		return;
	}
	err = file_reserve(n, end);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	if (mode & FALLOC_FL_KEEP_SIZE) {
		if (end > n->prealloc)
			n->prealloc = end;
	} else {
		/* The range becomes stored zeros (where nothing was written yet). */
		file_extend(n, end);
		if ((off_t)end > n->st.st_size) {
			n->st.st_size = end;
			stamp(n, T_MTIME | T_CTIME);
		}
	}
	file_account(n);
	reply_err_unlock(req, 0);
}

static void memfs_lseek(struct zcfuse_req *req, zcfuse_ino_t ino, off_t off, int whence,
			struct zcfuse_file_info *fi)
{
	struct node *n;
	off_t size;

	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	size = n->st.st_size;
	unlock();
	/* The whole file counts as data, with the one hole at its end. */
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		zcfuse_reply_err(req, EINVAL);
	else if (off < 0 || off >= size)
		zcfuse_reply_err(req, ENXIO);
	else
		zcfuse_reply_lseek(req, whence == SEEK_DATA ? off : size);
}

static void memfs_copy_file_range(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
				  struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out,
				  off_t off_out, struct zcfuse_file_info *fi_out, size_t len,
				  int flags)
{
	struct node *in, *out;
	size_t count = 0, stored = 0;
	int err = 0;

	if (flags) {
		zcfuse_reply_err(req, EINVAL);
		return;
	}
	lock();
	in = node_get(ino_in);
	out = node_get(ino_out);
	if (!in || !out) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (S_ISDIR(in->st.st_mode) || S_ISDIR(out->st.st_mode)) {
		reply_err_unlock(req, EISDIR);
		return;
	}
	if (!S_ISREG(in->st.st_mode) || !S_ISREG(out->st.st_mode) || off_in < 0 || off_out < 0) {
		reply_err_unlock(req, EINVAL);
		return;
	}
	if (off_in < in->st.st_size)
		count = (uint64_t)(in->st.st_size - off_in) < len ? (size_t)(in->st.st_size - off_in) : len;
	if (count == 0) {
		unlock();
		zcfuse_reply_write(req, 0);
		return;
	}
	if (in == out && off_in < off_out + (off_t)count && off_out < off_in + (off_t)count) {
		reply_err_unlock(req, EINVAL); /* overlapping ranges of one file */
		return;
	}
	if ((uint64_t)off_out > (uint64_t)SSIZE_MAX - count) {
		reply_err_unlock(req, EFBIG);
		return;
	}
	err = file_reserve(out, off_out + count);
	if (err) {
		reply_err_unlock(req, err);
		return;
	}
	/* Source pointers only after reserving: in may be out, and data may have moved. */
	if ((size_t)off_in < in->len)
		stored = in->len - off_in < count ? in->len - off_in : count;
	file_extend(out, off_out);
	if (stored)
		memmove(out->data + off_out, in->data + off_in, stored);
	memset(out->data + off_out + stored, 0, count - stored);
	if (off_out + count > out->len)
		out->len = off_out + count;
	if (off_out + (off_t)count > out->st.st_size)
		out->st.st_size = off_out + count;
	file_account(out);
	stamp(out, T_MTIME | T_CTIME);
	unlock();
	zcfuse_reply_write(req, count);
}

static const struct zcfuse_ops memfs_ops = {
	.init = memfs_init,
	.lookup = memfs_lookup,
	.forget = memfs_forget,
	.forget_multi = memfs_forget_multi,
	.getattr = memfs_getattr,
	.setattr = memfs_setattr,
	.readlink = memfs_readlink,
	.mknod = memfs_mknod,
	.mkdir = memfs_mkdir,
	.unlink = memfs_unlink,
	.rmdir = memfs_rmdir,
	.symlink = memfs_symlink,
	.rename = memfs_rename,
	.link = memfs_link,
	.open = memfs_open,
	.read = memfs_read,
	.write = memfs_write,
	.flush = memfs_flush,
	.release = memfs_release,
	.fsync = memfs_fsync,
	.opendir = memfs_opendir,
	.readdir = memfs_readdir,
	.releasedir = memfs_releasedir,
	.fsyncdir = memfs_fsyncdir,
	.statfs = memfs_statfs,
	.setxattr = memfs_setxattr,
	.getxattr = memfs_getxattr,
	.listxattr = memfs_listxattr,
	.removexattr = memfs_removexattr,
	.access = memfs_access,
	.create = memfs_create,
	.fallocate = memfs_fallocate,
	.readdirplus = memfs_readdirplus,
	.lseek = memfs_lseek,
	.copy_file_range = memfs_copy_file_range,
};

/* -o memfs_max_size=BYTES, with an optional k, m, g or t suffix (powers of 1024). */
static int memfs_opt(void *userdata, const char *key, const char *value)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (strcmp(key, "memfs_max_size") != 0)
		return -ENOENT;
	if (!value || !*value || *value == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	memfs.max_size = (uint64_t)v << shift;
	return 0;
}

static int memfs_setup(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);

	/* Like tmpfs: half of RAM unless told otherwise. */
	memfs.max_size = pages > 0 && page_size > 0 ? (uint64_t)pages * page_size / 2 : 1ull << 30;
	memfs.inode_buckets = memfs.name_buckets = 1024;
	memfs.inodes = calloc(memfs.inode_buckets, sizeof(*memfs.inodes));
	memfs.names = calloc(memfs.name_buckets, sizeof(*memfs.names));
	memfs.next_ino = ZCFUSE_ROOT_ID;
	if (!memfs.inodes || !memfs.names)
		return -ENOMEM;
	memfs.root = node_new(S_IFDIR | 0755, getuid(), getgid());
	if (!memfs.root)
		return -ENOMEM;
	memfs.root->parent = memfs.root;
	return 0;
}

static void memfs_teardown(void)
{
	for (size_t i = 0; i < memfs.name_buckets; i++) {
		while (memfs.names[i]) {
			struct dentry *de = memfs.names[i];

			memfs.names[i] = de->hash_next;
			free(de);
		}
	}
	for (size_t i = 0; i < memfs.inode_buckets; i++) {
		while (memfs.inodes[i]) {
			struct node *n = memfs.inodes[i];

			memfs.inodes[i] = n->hash_next;
			node_free(n);
		}
	}
	free(memfs.names);
	free(memfs.inodes);
}

int main(int argc, char *argv[])
{
	struct zcfuse_session_opts opts = {
		.sz = sizeof(opts),
		.opt = memfs_opt,
		.opt_help = "    -o memfs_max_size=BYTES  space for file data, suffixes k m g t\n"
			    "                             (default: half of RAM)\n",
	};
	int ret;

	if (memfs_setup() < 0) {
		fprintf(stderr, "memfs: out of memory\n");
		return 1;
	}
	ret = zcfuse_main(argc, argv, &memfs_ops, sizeof(memfs_ops), &opts, &memfs);
	memfs_teardown();
	return ret;
}
