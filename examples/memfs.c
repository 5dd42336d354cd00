/* SPDX-License-Identifier: MIT */
/*
 * memfs: a read-write filesystem kept entirely in memory, in the style of
 * tmpfs. Directories, regular files, hard links, symlinks, device nodes,
 * FIFOs and sockets, extended attributes, rename with RENAME_NOREPLACE and
 * RENAME_EXCHANGE, fallocate, SEEK_DATA/SEEK_HOLE and copy_file_range,
 * POSIX record locks and flock() kept in memfs itself (a waiting F_SETLKW
 * holds no thread: memfs answers it when granted, or EINTR on a signal),
 * O_TMPFILE, statx with a birth time, poll with -o memfs_poll (an empty
 * file is not readable until something is written), and two ioctls (MEMFS_IOC_STORED: the size
 * memfs records for a file, _IOR('M', 1, uint64_t); MEMFS_IOC_REVERSE: its
 * 16-byte argument reversed, _IOWR('M', 2, char[16])).
 *
 * Mount:    build/examples/memfs -f /tmp/m [-o memfs_max_size=1G]
 * Unmount:  fusermount3 -u /tmp/m
 *
 * Space: everything memfs keeps counts against memfs_max_size (default:
 * half of the machine's RAM, as tmpfs does): file pages and the tables that
 * find them, a fixed charge per inode, names, symlink targets and extended
 * attributes. What would go past it fails with ENOSPC, and statfs reports
 * the same count. Files are sparse, like tmpfs's: data lives in 4 KiB pages
 * allocated on first write (or by fallocate), holes read as zeros, lseek's
 * SEEK_DATA and SEEK_HOLE find them, truncation and FALLOC_FL_PUNCH_HOLE
 * free pages.
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
 * INIT: memfs asks for readdirplus, parallel directory operations and
 * async direct I/O, and never for the writeback cache (writes must carry
 * their real offsets); locks and ioctls on directories are negotiated
 * because it has the ops.
 *
 * POLL only with -o memfs_poll: the kernel treats every file of a server
 * that answers POLL as pollable, and io_uring, before each non-blocking read
 * of one, polls it (a POLL request); while the page is not cached, it polls
 * again, up to 128 times. A buffered fio job through io_uring then sent
 * ~120 POLLs per READ and ran 36 times slower. Without the option memfs
 * answers POLL with ENOSYS once, and the kernel stops asking.
 *
 * Threads: requests arrive on several threads; one mutex guards all of
 * memfs. Replies are sent after it is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

#define MEMFS_BLOCK 4096       /* st_blksize, statfs block, and the size of a file page */
#define MEMFS_FANOUT 512       /* slots per page-table node (one 4 KiB node) */
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

	/*
	 * Regular files: MEMFS_BLOCK-sized pages in a radix tree of @height
	 * levels (page index i: 9 bits per level); a missing page reads as
	 * zeros. Bytes of a page at or past st_size are always zero.
	 */
	void *pages;
	unsigned height;
	uint64_t npages, ntables;      /* pages and tree nodes, all counted in memfs.used */

	char *target;                  /* symlinks */

	/* Directories */
	struct node *parent;           /* for ".."; the root is its own parent */
	struct dir_slot *slots;
	size_t nslots, slots_cap, nlive;
	uint64_t next_cookie;

	struct timespec btime;         /* birth, for statx */
	bool linkable;                 /* O_TMPFILE: may get its first name by link */
	bool slow;                     /* -o memfs_slow_file: reads wait for a signal */
	struct zcfuse_pollhandle *ph;  /* a poll(2) waiting for data */
};

static struct memfs {
	pthread_mutex_t lock;
	struct node **inodes;          /* by inode number */
	size_t inode_buckets, ninodes;
	struct dentry **names;         /* by (directory, name) */
	size_t name_buckets, nnames;
	zcfuse_ino_t next_ino;
	uint64_t max_size, used;       /* used: bytes charged (see "Space" above) */
	struct node *root;
	char *slow_name;               /* -o memfs_slow_file=NAME */
	int slow_pipe[2];              /* nobody ever writes: reads from it wait */
	bool poll;                     /* -o memfs_poll */
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

/* ---- Space: what each object is charged against memfs_max_size ---- */

/* An inode and its share of the inode table; a name with its hash and
 * directory slots; an xattr's record, besides the bytes each holds. */
#define INODE_COST (sizeof(struct node) + 64)
#define NAME_COST(len) (sizeof(struct dentry) + (len) + 1 + 2 * sizeof(struct dir_slot) + 16)
#define XATTR_COST(name, size) (sizeof(struct xattr) + strlen(name) + 1 + (size) + 32)
#define TARGET_COST(link) (strlen(link) + 1)

static bool room_for(uint64_t bytes)
{
	return memfs.used <= memfs.max_size && bytes <= memfs.max_size - memfs.used;
}

static void charge(uint64_t bytes)
{
	memfs.used += bytes;
}

static void uncharge(uint64_t bytes)
{
	memfs.used = bytes < memfs.used ? memfs.used - bytes : 0;
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
	n->btime = n->st.st_mtim;
	charge(INODE_COST); /* callers that may fail check room_for() first */

	b = n->st.st_ino & (memfs.inode_buckets - 1);
	n->hash_next = memfs.inodes[b];
	memfs.inodes[b] = n;
	memfs.ninodes++;
	inodes_grow();
	return n;
}

static void pages_free(struct node *n, uint64_t first);

static void node_free(struct node *n)
{
	struct xattr *x, *next;

	uncharge(INODE_COST);
	for (x = n->xattrs; x; x = next) {
		next = x->next;
		uncharge(XATTR_COST(x->name, x->size));
		free(x->name);
		free(x->value);
		free(x);
	}
	pages_free(n, 0);
	if (n->target)
		uncharge(TARGET_COST(n->target));
	free(n->target);
	free(n->slots);
	zcfuse_pollhandle_destroy(n->ph);
	free(n);
}

/* Frees @n once nothing names it, the kernel forgot it and nobody has it open. */
static void node_maybe_free(struct node *n)
{
	struct node **pp;

	if (!n || n == memfs.root || n->st.st_nlink || n->nopen)
		return;
	/* Unreachable now (no name, not open): its space is free at once, as in
	 * tmpfs, even while the kernel still caches the inode. */
	pages_free(n, 0);
	if (n->nlookup)
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
	charge(NAME_COST(nlen)); /* callers that may fail check room_for() first */

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
	uncharge(NAME_COST(strlen(de->name)));
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

/* ---- File data: sparse pages in a radix tree ---- */

#define TABLE_SHIFT 9 /* log2(MEMFS_FANOUT) */
#define PAGE_SHIFT_ 12 /* log2(MEMFS_BLOCK) */

struct table {
	void *slot[MEMFS_FANOUT];      /* level 1: pages; above: tables */
};
_Static_assert(sizeof(struct table) == MEMFS_BLOCK, "a table is one block");

/* Number of pages a tree of @height levels can index. */
static uint64_t tree_span(unsigned height)
{
	return height * TABLE_SHIFT >= 64 ? UINT64_MAX : 1ull << (height * TABLE_SHIFT);
}

static unsigned slot_of(uint64_t idx, unsigned level)
{
	return (unsigned)(idx >> ((level - 1) * TABLE_SHIFT)) & (MEMFS_FANOUT - 1);
}

/* The page holding page index @idx, or NULL (a hole). */
static char *page_get(const struct node *n, uint64_t idx)
{
	void *p = n->pages;
	unsigned level;

	if (idx >= tree_span(n->height))
		return NULL;
	for (level = n->height; p && level > 0; level--)
		p = ((struct table *)p)->slot[slot_of(idx, level)];
	return p;
}

/* Space a new page at @idx needs, tables included (an upper bound). */
static uint64_t page_cost(const struct node *n, uint64_t idx)
{
	unsigned h = n->height ? n->height : 1;

	while (idx >= tree_span(h))
		h++;
	return MEMFS_BLOCK * (uint64_t)(1 + h);
}

static void *table_new(struct node *n)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t) {
		n->ntables++;
		charge(sizeof(*t));
	}
	return t;
}

/* The page at @idx, made (zeroed) if missing. NULL: ENOSPC or no memory. */
static char *page_make(struct node *n, uint64_t idx)
{
	void **slotp;
	unsigned level;
	char *page;

	if ((page = page_get(n, idx)))
		return page;
	if (!room_for(page_cost(n, idx)))
		return NULL;
	if (!n->height) {
		if (!(n->pages = table_new(n)))
			return NULL;
		n->height = 1;
	}
	while (idx >= tree_span(n->height)) { /* grow at the top */
		struct table *t = table_new(n);

		if (!t)
			return NULL;
		t->slot[0] = n->pages;
		n->pages = t;
		n->height++;
	}
	slotp = &n->pages;
	for (level = n->height; level > 0; level--) {
		struct table *t = *slotp;

		slotp = &t->slot[slot_of(idx, level)];
		if (level > 1 && !*slotp && !(*slotp = table_new(n)))
			return NULL;
	}
	page = calloc(1, MEMFS_BLOCK);
	if (!page)
		return NULL;
	*slotp = page;
	n->npages++;
	charge(MEMFS_BLOCK);
	n->st.st_blocks = (blkcnt_t)(n->npages * (MEMFS_BLOCK / 512));
	return page;
}

/* Frees the pages of @t (a subtree of @level levels starting at page @base) from page @first. */
static bool table_free_from(struct node *n, struct table *t, unsigned level, uint64_t base,
			    uint64_t first)
{
	uint64_t per = level > 1 ? tree_span(level - 1) : 1;
	bool empty = true;
	unsigned i;

	for (i = 0; i < MEMFS_FANOUT; i++) {
		uint64_t lo = base + i * per;

		if (!t->slot[i])
			continue;
		if (lo + per - 1 < first) { /* wholly before the cut: kept */
			empty = false;
			continue;
		}
		if (level == 1) {
			free(t->slot[i]);
			n->npages--;
			uncharge(MEMFS_BLOCK);
			t->slot[i] = NULL;
		} else if (table_free_from(n, t->slot[i], level - 1, lo, first)) {
			t->slot[i] = NULL;
		} else {
			empty = false;
		}
	}
	if (empty) {
		free(t);
		n->ntables--;
		uncharge(sizeof(*t));
	}
	return empty;
}

/* Frees every page from page index @first on (0: all, and the tree). */
static void pages_free(struct node *n, uint64_t first)
{
	if (n->pages && table_free_from(n, n->pages, n->height, 0, first)) {
		n->pages = NULL;
		n->height = 0;
	}
	n->st.st_blocks = (blkcnt_t)(n->npages * (MEMFS_BLOCK / 512));
}

/* Frees one page (a punched hole). */
static void page_drop(struct node *n, uint64_t idx)
{
	void **slotp = &n->pages;
	unsigned level;

	if (idx >= tree_span(n->height))
		return;
	for (level = n->height; level > 0 && *slotp; level--)
		slotp = &((struct table *)*slotp)->slot[slot_of(idx, level)];
	if (level == 0 && *slotp) {
		free(*slotp);
		*slotp = NULL;
		n->npages--;
		uncharge(MEMFS_BLOCK);
		n->st.st_blocks = (blkcnt_t)(n->npages * (MEMFS_BLOCK / 512));
	}
	/* Empty tables stay until truncation; they are counted meanwhile. */
}

/*
 * The first page index >= @idx (and below @end) that is present
 * (@want_data) or missing; @end if none. Skips empty subtrees whole.
 */
static uint64_t page_find(const struct node *n, uint64_t idx, uint64_t end, bool want_data)
{
	while (idx < end) {
		const void *p = n->pages;
		unsigned level = n->height;
		uint64_t span;

		if (!p || idx >= tree_span(n->height)) /* past the tree: all hole */
			return want_data ? end : idx;
		while (level > 0 && (p = ((const struct table *)p)->slot[slot_of(idx, level)]))
			level--;
		if (p) { /* a page */
			if (want_data)
				return idx;
			idx++;
			continue;
		}
		if (!want_data)
			return idx;
		span = tree_span(level - 1); /* the missing slot's pages */
		if ((idx | (span - 1)) >= end - 1)
			return end;
		idx = (idx | (span - 1)) + 1;
	}
	return end;
}

/* Writes @size bytes at @off. Returns the count written (short when space
 * ran out part way) or -errno. */
static ssize_t file_write(struct node *n, const void *buf, size_t size, off_t off)
{
	const char *src = buf;
	size_t done = 0;

	if (off < 0)
		return -EINVAL;
	if (size == 0)
		return 0;
	if ((uint64_t)off > (uint64_t)SSIZE_MAX - size)
		return -EFBIG;
	while (done < size) {
		uint64_t pos = (uint64_t)off + done;
		size_t in = pos & (MEMFS_BLOCK - 1);
		size_t chunk = MEMFS_BLOCK - in < size - done ? MEMFS_BLOCK - in : size - done;
		char *page = page_make(n, pos >> PAGE_SHIFT_);

		if (!page)
			break;
		memcpy(page + in, src + done, chunk);
		done += chunk;
	}
	if (!done)
		return -ENOSPC;
	if ((off_t)(off + done) > n->st.st_size)
		n->st.st_size = off + done;
	stamp(n, T_MTIME | T_CTIME);
	return (ssize_t)done;
}

/* Copies up to @size bytes at @off into @dst (holes as zeros); returns the count. */
static size_t file_read(const struct node *n, char *dst, size_t size, off_t off)
{
	size_t done = 0;

	if (off < 0 || off >= n->st.st_size)
		return 0;
	if (size > (uint64_t)(n->st.st_size - off))
		size = n->st.st_size - off;
	while (done < size) {
		uint64_t pos = (uint64_t)off + done;
		size_t in = pos & (MEMFS_BLOCK - 1);
		size_t chunk = MEMFS_BLOCK - in < size - done ? MEMFS_BLOCK - in : size - done;
		const char *page = page_get(n, pos >> PAGE_SHIFT_);

		if (page)
			memcpy(dst + done, page + in, chunk);
		else
			memset(dst + done, 0, chunk);
		done += chunk;
	}
	return size;
}

/* Zeroes [from, to) inside one page, if that page exists. */
static void page_zero(struct node *n, uint64_t from, uint64_t to)
{
	char *page = page_get(n, from >> PAGE_SHIFT_);

	if (page && to > from)
		memset(page + (from & (MEMFS_BLOCK - 1)), 0, to - from);
}

static void file_truncate(struct node *n, off_t size)
{
	if (size < n->st.st_size) {
		uint64_t keep = round_up((uint64_t)size, MEMFS_BLOCK) >> PAGE_SHIFT_;

		/* Bytes past the end must read as zero if the file grows again. */
		if (size & (MEMFS_BLOCK - 1))
			page_zero(n, (uint64_t)size, round_up((uint64_t)size, MEMFS_BLOCK));
		/* Like a disk filesystem: truncation frees blocks past the end
		 * (fallocate(KEEP_SIZE) ones too). */
		pages_free(n, keep);
	}
	n->st.st_size = size;
	stamp(n, T_MTIME | T_CTIME);
}

/* Punches a hole: [off, end) reads as zeros and its whole pages are freed. */
static void file_punch(struct node *n, uint64_t off, uint64_t end)
{
	uint64_t first = round_up(off, MEMFS_BLOCK), last = end & ~(uint64_t)(MEMFS_BLOCK - 1);
	uint64_t idx;

	if (first > end || last < off) { /* inside one page */
		page_zero(n, off, end);
		return;
	}
	page_zero(n, off, first);
	page_zero(n, last, end);
	for (idx = page_find(n, first >> PAGE_SHIFT_, last >> PAGE_SHIFT_, true);
	     idx < last >> PAGE_SHIFT_; idx = page_find(n, idx + 1, last >> PAGE_SHIFT_, true))
		page_drop(n, idx);
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

static void poll_wake_locked(struct node *n);
static void slow_read(struct zcfuse_req *req, size_t size);
static void locks_drop(zcfuse_ino_t ino, uint64_t owner, bool flock);

/* ---- Operations ---- */

static void memfs_init(void *userdata, struct zcfuse_conn_info *conn)
{
	/*
	 * want arrives with the library's defaults (readdirplus, parallel
	 * dirops, async direct I/O) and the -o options applied; memfs adds only
	 * what it needs, so -o no_parallel_dirops and the like stay the user's.
	 * Writes must carry their real offsets (O_APPEND is resolved by the
	 * kernel), so no writeback cache, even when asked for.
	 */
	if (conn->want & ZCFUSE_CAP_WRITEBACK_CACHE)
		fprintf(stderr, "memfs: -o writeback_cache refused: writes must carry "
				"their own offsets\n");
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
	if (!room_for(INODE_COST + NAME_COST(strlen(name)) + (link ? TARGET_COST(link) : 0)))
		return ENOSPC;
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
		if (n->target)
			charge(TARGET_COST(link));
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
	n->slow = memfs.slow_name && !strcmp(name, memfs.slow_name);
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
	else if (!err && ((n->st.st_nlink == 0 && !n->linkable) || dir->st.st_nlink == 0))
		err = ENOENT;
	else if (!err && (is_dot_or_dotdot(newname) || dir_find(dir, newname)))
		err = EEXIST;
	else if (!err && !room_for(NAME_COST(strlen(newname))))
		err = ENOSPC;
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

	if (fi->flock_release) /* the last close of a file that took flock() locks */
		locks_drop(ino, fi->lock_owner, true);
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
	if (n->slow) {
		unlock();
		slow_read(req, size);
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
	ssize_t done = 0;
	int err = 0;

	/* Writes arrive with their real offset, O_APPEND included: the kernel resolves it. */
	lock();
	n = node_get(ino);
	if (!n)
		err = ESTALE;
	else if (!S_ISREG(n->st.st_mode))
		err = S_ISDIR(n->st.st_mode) ? EISDIR : EINVAL;
	else if (!buf)
		err = EIO; /* zero-copy data; memfs never asks for it */
	else if ((done = file_write(n, buf, size, off)) < 0)
		err = (int)-done;
	if (!err && fi->kill_suidgid && kill_suidgid(n))
		killed = true;
	if (!err)
		poll_wake_locked(n);
	unlock();
	if (killed)
		mode_changed(req, ino);
	if (err)
		zcfuse_reply_err(req, err);
	else
		zcfuse_reply_write(req, (size_t)done); /* short when space ran out */
}

static void memfs_flush(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	/* close(2): POSIX locks of this owner go (the kernel keeps none itself). */
	locks_drop(ino, fi->lock_owner, false);
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
	/* No inode limit but space: as many more as their charge allows. */
	st.f_ffree = st.f_favail = memfs.used < memfs.max_size
					   ? (memfs.max_size - memfs.used) / INODE_COST : 0;
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
	if (XATTR_COST(name, size) > (x ? XATTR_COST(name, x->size) : 0) &&
	    !room_for(XATTR_COST(name, size) - (x ? XATTR_COST(name, x->size) : 0))) {
		reply_err_unlock(req, ENOSPC);
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
	} else {
		uncharge(XATTR_COST(x->name, x->size));
	}
	free(x->value);
	x->value = copy;
	x->size = size;
	charge(XATTR_COST(x->name, x->size));
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
	uncharge(XATTR_COST(x->name, x->size));
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
	bool punch = mode & FALLOC_FL_PUNCH_HOLE;
	uint64_t end, idx, first, last, missing, have = 0;
	struct node *n;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) ||
	    (punch && !(mode & FALLOC_FL_KEEP_SIZE))) {
		zcfuse_reply_err(req, EOPNOTSUPP); /* zeroing, collapsing ranges: not here */
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
	if (punch) {
		file_punch(n, offset, end < (uint64_t)n->st.st_size ? end : (uint64_t)n->st.st_size);
		stamp(n, T_MTIME | T_CTIME);
		reply_err_unlock(req, 0);
		return;
	}
	/* All or nothing: the missing pages (and their tables) must fit first. */
	first = (uint64_t)offset >> PAGE_SHIFT_;
	last = (end - 1) >> PAGE_SHIFT_;
	missing = last - first + 1;
	if (missing <= memfs.max_size / MEMFS_BLOCK + n->npages) {
		for (idx = first; idx <= last; idx = page_find(n, idx + 1, last + 1, true))
			if ((idx = page_find(n, idx, last + 1, true)) <= last)
				have++;
		missing -= have;
	}
	if (!room_for(missing * MEMFS_BLOCK + (missing / MEMFS_FANOUT + 2) * page_cost(n, last))) {
		reply_err_unlock(req, ENOSPC);
		return;
	}
	for (idx = (uint64_t)offset >> PAGE_SHIFT_; idx <= (end - 1) >> PAGE_SHIFT_; idx++) {
		if (!page_make(n, idx)) {
			reply_err_unlock(req, ENOSPC);
			return;
		}
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && (off_t)end > n->st.st_size) {
		n->st.st_size = end;
		stamp(n, T_MTIME | T_CTIME);
	}
	reply_err_unlock(req, 0);
}

static void memfs_lseek(struct zcfuse_req *req, zcfuse_ino_t ino, off_t off, int whence,
			struct zcfuse_file_info *fi)
{
	struct node *n;
	uint64_t size, idx, end;
	off_t res;

	if (whence != SEEK_DATA && whence != SEEK_HOLE) {
		zcfuse_reply_err(req, EINVAL);
		return;
	}
	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	size = (uint64_t)n->st.st_size;
	if (off < 0 || (uint64_t)off >= size) {
		reply_err_unlock(req, ENXIO);
		return;
	}
	/* As tmpfs: a page present is data, a missing one a hole; EOF ends the last hole. */
	end = round_up(size, MEMFS_BLOCK) >> PAGE_SHIFT_;
	idx = page_find(n, (uint64_t)off >> PAGE_SHIFT_, end, whence == SEEK_DATA);
	unlock();
	if (idx >= end) {
		if (whence == SEEK_DATA)
			zcfuse_reply_err(req, ENXIO);
		else
			zcfuse_reply_lseek(req, (off_t)size);
		return;
	}
	res = (off_t)(idx << PAGE_SHIFT_) > off ? (off_t)(idx << PAGE_SHIFT_) : off;
	zcfuse_reply_lseek(req, res);
}

static void memfs_copy_file_range(struct zcfuse_req *req, zcfuse_ino_t ino_in, off_t off_in,
				  struct zcfuse_file_info *fi_in, zcfuse_ino_t ino_out,
				  off_t off_out, struct zcfuse_file_info *fi_out, size_t len,
				  int flags)
{
	struct node *in, *out;
	size_t count = 0, done = 0;
	char bounce[MEMFS_BLOCK];
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
	/* Page by page (the ranges do not overlap); holes in the source stay holes. */
	while (done < count) {
		uint64_t pos = (uint64_t)off_in + done;
		size_t chunk = MEMFS_BLOCK - (pos & (MEMFS_BLOCK - 1));
		ssize_t w;

		if (chunk > count - done)
			chunk = count - done;
		if (!page_get(in, pos >> PAGE_SHIFT_)) {
			uint64_t to = (uint64_t)off_out + done;

			/* A hole: nothing to store unless it covers data of @out. */
			if (page_find(out, to >> PAGE_SHIFT_, ((to + chunk - 1) >> PAGE_SHIFT_) + 1,
				      true) > (to + chunk - 1) >> PAGE_SHIFT_) {
				done += chunk;
				continue;
			}
		}
		file_read(in, bounce, chunk, (off_t)pos);
		w = file_write(out, bounce, chunk, off_out + (off_t)done);
		if (w < 0) {
			err = (int)-w;
			break;
		}
		done += (size_t)w;
		if ((size_t)w < chunk)
			break;
	}
	if (done && off_out + (off_t)done > out->st.st_size)
		out->st.st_size = off_out + done; /* a hole at the end of the range */
	if (done)
		stamp(out, T_MTIME | T_CTIME);
	unlock();
	if (!done && err)
		zcfuse_reply_err(req, err);
	else
		zcfuse_reply_write(req, done);
}

/* ---- Locks: POSIX record locks and flock(), kept here, not in the kernel ---- */

/* A granted lock; [start, end] inclusive, end OFF_MAX for "to the end". */
struct mlock {
	struct mlock *next;
	zcfuse_ino_t ino;
	uint64_t owner;
	bool flock;
	short type;
	off_t start, end;
	pid_t pid;
};

/*
 * A SETLKW (or waiting flock) that conflicts: its request is kept, no
 * thread waits. "pinned" while its thread registers the interrupt
 * callback: a grant or an interrupt then only marks it, and that thread
 * answers.
 */
struct waiter {
	struct waiter *next;
	struct zcfuse_req *req;
	struct mlock want;
	bool pinned, granted, interrupted;
};

static struct {
	struct mlock *locks;
	struct waiter *waiters;
} lk;

static off_t lock_end(const struct flock *fl)
{
	return fl->l_len ? fl->l_start + fl->l_len - 1 : (off_t)INT64_MAX;
}

/* The first lock that conflicts with @w, or NULL. */
static struct mlock *lock_conflict(const struct mlock *w)
{
	struct mlock *l;

	for (l = lk.locks; l; l = l->next)
		if (l->ino == w->ino && l->flock == w->flock && l->owner != w->owner &&
		    l->start <= w->end && w->start <= l->end &&
		    (l->type == F_WRLCK || w->type == F_WRLCK))
			return l;
	return NULL;
}

/*
 * Applies @w for its owner: takes the owner's old locks out of the range
 * (splitting one that sticks out on both sides), then adds @w unless it is
 * an unlock. 0 or ENOLCK.
 */
static int lock_apply(const struct mlock *w)
{
	struct mlock **pp = &lk.locks, *l, *n;

	while ((l = *pp)) {
		if (l->ino != w->ino || l->owner != w->owner || l->flock != w->flock ||
		    l->end < w->start || w->end < l->start) {
			pp = &l->next;
			continue;
		}
		if (l->start < w->start && l->end > w->end) { /* split: keep both ends */
			n = malloc(sizeof(*n));
			if (!n)
				return ENOLCK;
			*n = *l;
			n->start = w->end + 1;
			l->end = w->start - 1;
			n->next = l->next;
			l->next = n;
			pp = &n->next;
		} else if (l->start < w->start) {
			l->end = w->start - 1;
			pp = &l->next;
		} else if (l->end > w->end) {
			l->start = w->end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			free(l);
		}
	}
	if (w->type == F_UNLCK)
		return 0;
	n = malloc(sizeof(*n));
	if (!n)
		return ENOLCK;
	*n = *w;
	n->next = lk.locks;
	lk.locks = n;
	return 0;
}

/*
 * Grants what waiters can now have, in arrival order. Requests to answer
 * are put on @done (the reply comes after the lock is dropped).
 */
static void waiters_retry(struct waiter **done)
{
	struct waiter **pp = &lk.waiters, *w;

	while ((w = *pp)) {
		if (lock_conflict(&w->want) || lock_apply(&w->want)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->granted = true;
		if (w->pinned) /* its own thread answers */
			continue;
		w->next = *done;
		*done = w;
	}
}

static void waiters_answer(struct waiter *done)
{
	struct waiter *w;

	while ((w = done)) {
		done = w->next;
		zcfuse_reply_err(w->req, w->granted ? 0 : EINTR);
		free(w);
	}
}

static void locks_drop(zcfuse_ino_t ino, uint64_t owner, bool flock)
{
	struct mlock all = { .ino = ino, .owner = owner, .flock = flock, .type = F_UNLCK,
			     .start = 0, .end = (off_t)INT64_MAX };
	struct waiter *done = NULL;

	lock();
	lock_apply(&all);
	waiters_retry(&done);
	unlock();
	waiters_answer(done);
}

/* A waiter's caller got a signal: it stops waiting and gets EINTR. */
static void lock_interrupted(struct zcfuse_req *req, void *data)
{
	struct waiter **pp, *w, *done = NULL;

	lock();
	for (pp = &lk.waiters; (w = *pp); pp = &w->next)
		if (w->req == req)
			break;
	if (w) {
		if (w->pinned) {
			w->interrupted = true;
		} else {
			*pp = w->next;
			done = w;
			w->next = NULL;
		}
	}
	unlock();
	waiters_answer(done);
}

/* Takes @want now, fails with EAGAIN, or (@sleep) waits without a thread. */
static void lock_request(struct zcfuse_req *req, const struct mlock *want, int sleep)
{
	struct waiter *w, **pp, *done = NULL;
	int err;

	lock();
	if (!node_get(want->ino)) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (!lock_conflict(want)) {
		err = lock_apply(want);
		if (!err)
			waiters_retry(&done); /* an unlock or downgrade may free others */
		unlock();
		waiters_answer(done);
		zcfuse_reply_err(req, err);
		return;
	}
	if (!sleep) {
		reply_err_unlock(req, EAGAIN);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		reply_err_unlock(req, ENOLCK);
		return;
	}
	w->req = req;
	w->want = *want;
	w->pinned = true;
	for (pp = &lk.waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	unlock();
	/* May call lock_interrupted() at once: pinned makes it only mark. */
	zcfuse_req_interrupt_func(req, lock_interrupted, NULL);
	lock();
	w->pinned = false;
	if (w->granted || w->interrupted) {
		if (w->interrupted && !w->granted)
			for (pp = &lk.waiters; *pp; pp = &(*pp)->next)
				if (*pp == w) {
					*pp = w->next;
					break;
				}
		unlock();
		w->next = NULL;
		waiters_answer(w);
		return;
	}
	unlock(); /* answered later by whoever frees the range, or on a signal */
}

static void memfs_getlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			struct flock *fl)
{
	struct mlock want = { .ino = ino, .owner = fi->lock_owner, .type = fl->l_type,
			      .start = fl->l_start, .end = lock_end(fl) };
	struct flock out = { .l_type = F_UNLCK };
	struct mlock *l;

	lock();
	l = lock_conflict(&want);
	if (l) {
		out.l_type = l->type;
		out.l_whence = SEEK_SET;
		out.l_start = l->start;
		out.l_len = l->end == (off_t)INT64_MAX ? 0 : l->end - l->start + 1;
		out.l_pid = l->pid;
	}
	unlock();
	zcfuse_reply_lock(req, &out);
}

static void memfs_setlk(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			struct flock *fl, int sleep)
{
	struct mlock want = { .ino = ino, .owner = fi->lock_owner, .type = fl->l_type,
			      .start = fl->l_start, .end = lock_end(fl), .pid = fl->l_pid };

	if (fl->l_start < 0 || want.end < want.start) {
		zcfuse_reply_err(req, EINVAL);
		return;
	}
	lock_request(req, &want, sleep);
}

static void memfs_flock(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
			int op)
{
	struct mlock want = { .ino = ino, .owner = fi->lock_owner, .flock = true,
			      .start = 0, .end = (off_t)INT64_MAX };

	switch (op & ~LOCK_NB) {
	case LOCK_SH: want.type = F_RDLCK; break;
	case LOCK_EX: want.type = F_WRLCK; break;
	default: want.type = F_UNLCK; break;
	}
	lock_request(req, &want, !(op & LOCK_NB));
}

static void locks_teardown(void)
{
	struct mlock *l;
	struct waiter *w;

	while ((l = lk.locks)) {
		lk.locks = l->next;
		free(l);
	}
	while ((w = lk.waiters)) {
		lk.waiters = w->next;
		free(w);
	}
}

/* ---- The slow file (a test knob) ---- */

static void slow_read_done(struct zcfuse_req *req, int res, void *arg)
{
	if (res < 0)
		zcfuse_reply_err(req, -res); /* EINTR when the caller was interrupted */
	else
		zcfuse_reply_data(req, (size_t)res);
}

/*
 * -o memfs_slow_file=NAME: a file created with that name is read from a
 * pipe nobody writes, through zcfuse_req_read_fd(), so the read waits in
 * backing I/O (on the queue's ring, or in a blocked read(2) on classic)
 * until the kernel interrupts it. For tests of interrupts.
 */
static void slow_read(struct zcfuse_req *req, size_t size)
{
	int err = zcfuse_req_read_fd(req, memfs.slow_pipe[0], 0, size, slow_read_done, NULL);

	if (err)
		zcfuse_reply_err(req, -err);
}

/* ---- poll, ioctl, O_TMPFILE, statx ---- */

/* The poll waiting on @n learns that it has data now. Called locked. */
static void poll_wake_locked(struct node *n)
{
	if (n->ph && n->st.st_size) {
		zcfuse_notify_poll(n->ph);
		zcfuse_pollhandle_destroy(n->ph);
		n->ph = NULL;
	}
}

static void memfs_poll(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi,
		       struct zcfuse_pollhandle *ph)
{
	unsigned revents = POLLOUT;
	struct node *n;

	if (!memfs.poll) { /* the kernel remembers: no more POLL on this mount */
		zcfuse_pollhandle_destroy(ph);
		zcfuse_reply_err(req, ENOSYS);
		return;
	}
	lock();
	n = node_get(ino);
	if (!n) {
		zcfuse_pollhandle_destroy(ph);
		reply_err_unlock(req, ESTALE);
		return;
	}
	if (n->st.st_size || !S_ISREG(n->st.st_mode))
		revents |= POLLIN;
	if (ph && !(revents & POLLIN)) { /* keep it: a write will wake the caller */
		zcfuse_pollhandle_destroy(n->ph);
		n->ph = ph;
	} else {
		zcfuse_pollhandle_destroy(ph);
	}
	unlock();
	zcfuse_reply_poll(req, revents);
}

#define MEMFS_IOC_STORED _IOR('M', 1, uint64_t)
#define MEMFS_IOC_REVERSE _IOWR('M', 2, char[16])

static void memfs_ioctl(struct zcfuse_req *req, zcfuse_ino_t ino, unsigned int cmd, void *arg,
			struct zcfuse_file_info *fi, unsigned flags, const void *in_buf,
			size_t in_bufsz, size_t out_bufsz)
{
	struct node *n;
	uint64_t stored;
	char rev[16];

	if (cmd == MEMFS_IOC_REVERSE) {
		if (in_bufsz != sizeof(rev) || out_bufsz < sizeof(rev)) {
			zcfuse_reply_err(req, EINVAL);
			return;
		}
		for (size_t i = 0; i < sizeof(rev); i++)
			rev[i] = ((const char *)in_buf)[sizeof(rev) - 1 - i];
		zcfuse_reply_ioctl(req, 0, rev, sizeof(rev));
		return;
	}
	if (cmd != MEMFS_IOC_STORED || out_bufsz < sizeof(stored)) {
		zcfuse_reply_err(req, ENOTTY);
		return;
	}
	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	stored = (uint64_t)n->st.st_size;
	unlock();
	zcfuse_reply_ioctl(req, 0, &stored, sizeof(stored));
}

static void memfs_tmpfile(struct zcfuse_req *req, zcfuse_ino_t parent, mode_t mode,
			  struct zcfuse_file_info *fi)
{
	const struct zcfuse_ctx *ctx = zcfuse_req_ctx(req);
	struct node *dir, *n;

	lock();
	dir = node_get(parent);
	if (!dir || !S_ISDIR(dir->st.st_mode)) {
		reply_err_unlock(req, dir ? ENOTDIR : ESTALE);
		return;
	}
	n = node_new(S_IFREG | (mode & 07777 & ~ctx->umask), ctx->uid, ctx->gid);
	if (!n) {
		reply_err_unlock(req, ENOMEM);
		return;
	}
	n->st.st_nlink = 0; /* no name until linkat(2) gives it one */
	n->linkable = !(fi->flags & O_EXCL);
	fi->fh = 0;
	fi->keep_cache = 1;
	reply_entry_unlock(req, n, fi);
}

static void memfs_statx(struct zcfuse_req *req, zcfuse_ino_t ino, int flags, int mask,
			struct zcfuse_file_info *fi)
{
	struct statx x;
	struct node *n;

	memset(&x, 0, sizeof(x));
	lock();
	n = node_get(ino);
	if (!n) {
		reply_err_unlock(req, ESTALE);
		return;
	}
	x.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
	x.stx_blksize = MEMFS_BLOCK;
	x.stx_nlink = (uint32_t)n->st.st_nlink;
	x.stx_uid = n->st.st_uid;
	x.stx_gid = n->st.st_gid;
	x.stx_mode = (uint16_t)n->st.st_mode;
	x.stx_ino = n->st.st_ino;
	x.stx_size = (uint64_t)n->st.st_size;
	x.stx_blocks = (uint64_t)n->st.st_blocks;
	x.stx_atime = (struct statx_timestamp){ n->st.st_atim.tv_sec, (uint32_t)n->st.st_atim.tv_nsec, 0 };
	x.stx_mtime = (struct statx_timestamp){ n->st.st_mtim.tv_sec, (uint32_t)n->st.st_mtim.tv_nsec, 0 };
	x.stx_ctime = (struct statx_timestamp){ n->st.st_ctim.tv_sec, (uint32_t)n->st.st_ctim.tv_nsec, 0 };
	x.stx_btime = (struct statx_timestamp){ n->btime.tv_sec, (uint32_t)n->btime.tv_nsec, 0 };
	x.stx_rdev_major = major(n->st.st_rdev);
	x.stx_rdev_minor = minor(n->st.st_rdev);
	unlock();
	zcfuse_reply_statx(req, 0, &x, MEMFS_TIMEOUT);
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
	.getlk = memfs_getlk,
	.setlk = memfs_setlk,
	.flock = memfs_flock,
	.poll = memfs_poll,
	.ioctl = memfs_ioctl,
	.tmpfile = memfs_tmpfile,
	.statx = memfs_statx,
};

/* -o memfs_poll, -o memfs_slow_file=NAME, -o memfs_max_size=BYTES (k, m, g, t: powers of 1024). */
static int memfs_opt(void *userdata, const char *key, const char *value)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!strcmp(key, "memfs_poll")) {
		if (value)
			return -EINVAL;
		memfs.poll = true;
		return 0;
	}
	if (!strcmp(key, "memfs_slow_file")) {
		if (!value || !*value || pipe(memfs.slow_pipe))
			return -EINVAL;
		free(memfs.slow_name);
		memfs.slow_name = strdup(value);
		return memfs.slow_name ? 0 : -ENOMEM;
	}
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
	locks_teardown();
	free(memfs.slow_name);
}

int main(int argc, char *argv[])
{
	struct zcfuse_session_opts opts = {
		.sz = sizeof(opts),
		.opt = memfs_opt,
		.opt_help = "    -o memfs_max_size=BYTES  space for data, inodes, names and xattrs,\n"
			    "                             suffixes k m g t\n"
			    "                             (default: half of RAM)\n"
			    "    -o memfs_slow_file=NAME  a file created as NAME waits in every read\n"
			    "                             until interrupted (for tests)\n"
			    "    -o memfs_poll            answer POLL (costs io_uring clients a POLL\n"
			    "                             per non-blocking try, see the source)\n",
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
