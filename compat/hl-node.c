// SPDX-License-Identifier: MIT
/*
 * hl-node.c: the high-level layer's inode table. Each inode number the
 * kernel holds maps to a node with its parent and name, so an operation on
 * an inode becomes an operation on a path.
 *
 * Two hash tables (by number; by parent and name) under one mutex, held
 * only while the tables change or a path is built, never across a call
 * into the filesystem. What keeps a path valid while the filesystem works
 * on it is the tree lock: an operation read-locks every node from its
 * starting node up to the root; rename and unlink also write-lock the
 * nodes they move or remove. A writer waits until the readers of its
 * target are gone and blocks new ones, so after a rename no operation can
 * still be using the old path, and no operation gets a path built before
 * the rename. Operations on different files share only read locks on
 * common ancestors, so their I/O never waits for each other.
 */
#include "hl-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_ino(uint64_t ino, size_t size)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 32) & (size - 1);
}

static size_t hash_name(uint64_t parent, const char *name, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (parent * 0x9e3779b97f4a7c15ull);

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29)) & (size - 1);
}

static int table_alloc(struct hl_table *t, size_t size)
{
	t->slot = calloc(size, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->size = size;
	t->used = 0;
	return 0;
}

/* Doubles a table; on allocation failure it stays as it is (longer chains). */
static void ids_grow(struct fuse *f)
{
	struct hl_table nt;

	if (table_alloc(&nt, f->ids.size * 2))
		return;
	for (size_t i = 0; i < f->ids.size; i++) {
		struct hl_node *n = f->ids.slot[i], *next;

		for (; n; n = next) {
			size_t h = hash_ino(n->ino, nt.size);

			next = n->id_next;
			n->id_next = nt.slot[h];
			nt.slot[h] = n;
		}
	}
	nt.used = f->ids.used;
	free(f->ids.slot);
	f->ids = nt;
}

static void names_grow(struct fuse *f)
{
	struct hl_table nt;

	if (table_alloc(&nt, f->names.size * 2))
		return;
	for (size_t i = 0; i < f->names.size; i++) {
		struct hl_node *n = f->names.slot[i], *next;

		for (; n; n = next) {
			size_t h = hash_name(n->parent->ino, n->name, nt.size);

			next = n->name_next;
			n->name_next = nt.slot[h];
			nt.slot[h] = n;
		}
	}
	nt.used = f->names.used;
	free(f->names.slot);
	f->names = nt;
}

static void hash_id(struct fuse *f, struct hl_node *n)
{
	size_t h;

	if (f->ids.used >= f->ids.size)
		ids_grow(f);
	h = hash_ino(n->ino, f->ids.size);
	n->id_next = f->ids.slot[h];
	f->ids.slot[h] = n;
	f->ids.used++;
}

static void unhash_id(struct fuse *f, struct hl_node *n)
{
	struct hl_node **pp = &f->ids.slot[hash_ino(n->ino, f->ids.size)];

	for (; *pp; pp = &(*pp)->id_next) {
		if (*pp == n) {
			*pp = n->id_next;
			f->ids.used--;
			return;
		}
	}
}

struct hl_node *hl_node_get(struct fuse *f, uint64_t ino)
{
	struct hl_node *n = f->ids.slot[hash_ino(ino, f->ids.size)];

	while (n && n->ino != ino)
		n = n->id_next;
	return n;
}

struct hl_node *hl_node_lookup_name(struct fuse *f, struct hl_node *parent, const char *name)
{
	struct hl_node *n = f->names.slot[hash_name(parent->ino, name, f->names.size)];

	while (n && (n->parent != parent || strcmp(n->name, name) != 0))
		n = n->name_next;
	return n;
}

static void node_free(struct fuse *f, struct hl_node *n);

/* Drops one reference; frees the node (and, in turn, parents that only it
 * kept) when nothing holds it any more. */
static void node_unref(struct fuse *f, struct hl_node *n)
{
	while (n) {
		struct hl_node *parent;

		if (--n->refs > 0 || n->treelock != 0 || n->want_write != 0 || n == f->root)
			return;
		parent = n->parent;
		node_free(f, n);
		n = parent;
	}
}

/* Removes n's name (not its number); n's reference on its parent goes. */
static void unhash_name(struct fuse *f, struct hl_node *n)
{
	struct hl_node **pp, *parent = n->parent;

	if (!n->name)
		return;
	pp = &f->names.slot[hash_name(parent->ino, n->name, f->names.size)];
	for (; *pp; pp = &(*pp)->name_next) {
		if (*pp == n) {
			*pp = n->name_next;
			f->names.used--;
			break;
		}
	}
	free(n->name);
	n->name = NULL;
	n->parent = NULL;
	node_unref(f, parent);
}

static int hash_name_set(struct fuse *f, struct hl_node *n, struct hl_node *parent, const char *name)
{
	size_t h;
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	if (f->names.used >= f->names.size)
		names_grow(f);
	n->name = copy;
	n->parent = parent;
	parent->refs++;
	h = hash_name(parent->ino, name, f->names.size);
	n->name_next = f->names.slot[h];
	f->names.slot[h] = n;
	f->names.used++;
	return 0;
}

static void node_free(struct fuse *f, struct hl_node *n)
{
	struct hl_node **pp;

	if (n->name) {
		/* Like unhash_name() without releasing the parent: the caller
		 * (node_unref) continues with it. */
		pp = &f->names.slot[hash_name(n->parent->ino, n->name, f->names.size)];
		for (; *pp; pp = &(*pp)->name_next) {
			if (*pp == n) {
				*pp = n->name_next;
				f->names.used--;
				break;
			}
		}
		free(n->name);
	}
	unhash_id(f, n);
	hl_locks_free(n);
	free(n);
}

/* A node whose only holder was a tree lock or a waiting writer. */
static void node_maybe_free(struct fuse *f, struct hl_node *n)
{
	if (n->refs == 0 && n->treelock == 0 && n->want_write == 0 && n != f->root) {
		n->refs = 1;
		node_unref(f, n);
	}
}

int hl_table_init(struct fuse *f)
{
	if (table_alloc(&f->ids, 256) || table_alloc(&f->names, 256))
		return -ENOMEM;
	f->root = calloc(1, sizeof(*f->root));
	if (!f->root)
		return -ENOMEM;
	f->root->ino = FUSE_ROOT_ID;
	f->root->nlookup = 1;
	f->root->refs = 1;
	f->root->kref = 1;
	hash_id(f, f->root);
	f->next_ino = FUSE_ROOT_ID + 1;
	return 0;
}

void hl_table_free(struct fuse *f)
{
	if (f->ids.slot) {
		for (size_t i = 0; i < f->ids.size; i++) {
			struct hl_node *n = f->ids.slot[i], *next;

			for (; n; n = next) {
				next = n->id_next;
				free(n->name);
				hl_locks_free(n);
				free(n);
			}
		}
	}
	free(f->ids.slot);
	free(f->names.slot);
	f->ids.slot = f->names.slot = NULL;
	f->root = NULL;
}

static uint64_t next_ino(struct fuse *f)
{
	for (;;) {
		uint64_t ino = f->next_ino++;

		if (f->next_ino == 0) {
			f->next_ino = FUSE_ROOT_ID + 1;
			f->generation++;
		}
		if (ino <= FUSE_ROOT_ID || ino == HL_UNKNOWN_INO)
			continue;
		if (!hl_node_get(f, ino))
			return ino;
	}
}

int hl_node_add_lookup(struct fuse *f, uint64_t parent, const char *name, struct stat *st,
		       uint64_t *ino, uint64_t *gen)
{
	struct hl_node *p, *n;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	p = hl_node_get(f, parent);
	if (!p) {
		err = -ESTALE;
		goto out;
	}
	n = hl_node_lookup_name(f, p, name);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		n->ino = next_ino(f);
		n->generation = f->generation;
		if (hash_name_set(f, n, p, name)) {
			free(n);
			err = -ENOMEM;
			goto out;
		}
		hash_id(f, n);
	}
	if (!n->kref) {
		n->kref = 1;
		n->refs++;
	}
	n->nlookup++;
	*ino = n->ino;
	*gen = n->generation;
	if (st && !f->conf.use_ino)
		st->st_ino = n->ino;
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

void hl_node_forget(struct fuse *f, uint64_t ino, uint64_t count)
{
	struct hl_node *n;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	if (n && n != f->root) {
		n->nlookup = count > n->nlookup ? 0 : n->nlookup - count;
		if (n->nlookup == 0 && n->kref) {
			if (f->conf.remember < 0) {
				/* noforget: the number stays valid forever. */
			} else if (f->conf.remember > 0) {
				clock_gettime(CLOCK_MONOTONIC, &n->forgot);
			} else {
				n->kref = 0;
				node_unref(f, n);
			}
		}
	}
	pthread_mutex_unlock(&f->lock);
}

void hl_node_remove_name(struct fuse *f, uint64_t parent, const char *name)
{
	struct hl_node *p, *n;

	pthread_mutex_lock(&f->lock);
	p = hl_node_get(f, parent);
	n = p ? hl_node_lookup_name(f, p, name) : NULL;
	if (n) {
		n->refs++; /* keep it while its name goes */
		unhash_name(f, n);
		node_unref(f, n);
	}
	pthread_mutex_unlock(&f->lock);
}

int hl_node_rename(struct fuse *f, uint64_t olddir, const char *oldname, uint64_t newdir,
		   const char *newname, int hide, unsigned int flags)
{
	struct hl_node *od, *nd, *n, *t;
	char *save_name;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	od = hl_node_get(f, olddir);
	nd = hl_node_get(f, newdir);
	if (!od || !nd) {
		err = -ESTALE;
		goto out;
	}
	n = hl_node_lookup_name(f, od, oldname);
	t = hl_node_lookup_name(f, nd, newname);
	if (n == t && n)
		goto out;
	if (n)
		n->refs++;
	if (t)
		t->refs++;
	if (flags & RENAME_EXCHANGE) {
		/* Swap the two names; either side may be unknown to us. */
		if (n)
			unhash_name(f, n);
		if (t)
			unhash_name(f, t);
		if (n && hash_name_set(f, n, nd, newname))
			err = -ENOMEM;
		if (t && hash_name_set(f, t, od, oldname))
			err = -ENOMEM;
	} else {
		if (t)
			unhash_name(f, t);
		if (n) {
			save_name = strdup(newname);
			unhash_name(f, n);
			if (!save_name || hash_name_set(f, n, nd, save_name))
				err = -ENOMEM;
			free(save_name);
			if (hide) {
				n->hidden = 1;
				/* Its last release may have run since the
				 * caller saw it open: then nobody will remove
				 * it but the caller. */
				if (n->open_count == 0)
					err = 1;
			}
		}
	}
	if (n)
		node_unref(f, n);
	if (t)
		node_unref(f, t);
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

/* ---- paths and tree locks ------------------------------------------- */

/* The path of n (plus "/name" if name), or -ESTALE if n is unlinked. */
static int build_path(struct fuse *f, struct hl_node *n, const char *name, char **path)
{
	size_t len = name ? strlen(name) + 1 : 0;
	struct hl_node *x;
	char *buf, *p;

	for (x = n; x != f->root; x = x->parent) {
		if (!x->name || !x->parent)
			return -ESTALE;
		len += strlen(x->name) + 1;
	}
	buf = malloc(len + 2);
	if (!buf)
		return -ENOMEM;
	p = buf + len + 1;
	*p = '\0';
	if (name) {
		size_t l = strlen(name);

		p -= l;
		memcpy(p, name, l);
		*--p = '/';
	}
	for (x = n; x != f->root; x = x->parent) {
		size_t l = strlen(x->name);

		p -= l;
		memcpy(p, x->name, l);
		*--p = '/';
	}
	if (p == buf + len + 1)
		*--p = '/';
	if (p != buf)
		memmove(buf, p, strlen(p) + 1);
	*path = buf;
	return 0;
}

static int chain_has(struct hl_node *start, const struct hl_node *n)
{
	for (struct hl_node *x = start; x; x = x->parent)
		if (x == n)
			return 1;
	return 0;
}

/* Are the locks of lk free to take? -EINVAL if they would conflict with
 * each other (a target inside its own path). */
static int locks_free(const struct hl_lk *lk)
{
	for (int i = 0; i < 2; i++) {
		struct hl_node *t = lk->target[i];

		if (!t)
			continue;
		if (chain_has(lk->chain[0], t) || chain_has(lk->chain[1], t) ||
		    (lk->target[1 - i] == t && i == 1))
			return -EINVAL;
		if (t->treelock != 0)
			return 0;
	}
	for (int i = 0; i < 2; i++)
		for (struct hl_node *x = lk->chain[i]; x; x = x->parent)
			if (x->treelock < 0 || x->want_write)
				return 0;
	return 1;
}

/* Takes the locks of lk, recording each read-locked node in lk->held. */
static int locks_take(struct hl_lk *lk)
{
	unsigned n = 0;

	for (int i = 0; i < 2; i++)
		for (struct hl_node *x = lk->chain[i]; x; x = x->parent)
			n++;
	/* Most paths are a few levels deep: no allocation for those. */
	lk->held = n <= HL_LK_INLINE ? lk->inl : malloc(n * sizeof(*lk->held));
	if (!lk->held)
		return -ENOMEM;
	lk->nheld = 0;
	for (int i = 0; i < 2; i++) {
		if (lk->target[i])
			lk->target[i]->treelock = -1;
		for (struct hl_node *x = lk->chain[i]; x; x = x->parent) {
			x->treelock++;
			lk->held[lk->nheld++] = x;
		}
	}
	return 0;
}

/*
 * Resolves up to two (node, name) pairs into paths and takes their locks,
 * waiting while another operation holds a conflicting one. With write, the
 * named children (if the table knows them) are write-locked.
 */
static int path_get(struct fuse *f, int count, const uint64_t *ino, const char *const *name,
		    int write, char **path, struct hl_lk *lk)
{
	struct hl_node *waiting[2] = { NULL, NULL };
	int err;

	memset(lk, 0, sizeof(*lk));
	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct hl_lk want = { .nheld = 0 };
		int ok;

		err = 0;
		for (int i = 0; i < count && !err; i++) {
			struct hl_node *n = hl_node_get(f, ino[i]);

			if (!n) {
				err = -ESTALE;
				break;
			}
			want.chain[i] = n;
			if (write && name[i])
				want.target[i] = hl_node_lookup_name(f, n, name[i]);
		}
		if (err)
			break;
		ok = locks_free(&want);
		if (ok < 0) {
			err = ok;
			break;
		}
		if (ok) {
			for (int i = 0; i < count && !err; i++)
				err = build_path(f, want.chain[i], name[i], &path[i]);
			if (err) {
				for (int i = 0; i < count; i++) {
					free(path[i]);
					path[i] = NULL;
				}
				break;
			}
			/* Taken in place: lk->held may point into lk. */
			*lk = want;
			err = locks_take(lk);
			if (err) {
				memset(lk, 0, sizeof(*lk));
				for (int i = 0; i < count; i++) {
					free(path[i]);
					path[i] = NULL;
				}
			}
			break;
		}
		/* Block new readers of our targets, then wait. */
		for (int i = 0; i < 2; i++) {
			struct hl_node *t = want.target[i];

			if (t && t != waiting[0] && t != waiting[1] && !waiting[i]) {
				t->want_write++;
				waiting[i] = t;
			}
		}
		pthread_cond_wait(&f->unlocked, &f->lock);
	}
	{
		uint64_t wino[2] = { 0, 0 };

		for (int i = 0; i < 2; i++) {
			if (waiting[i]) {
				waiting[i]->want_write--;
				wino[i] = waiting[i]->ino;
			}
		}
		/* By number: freeing one may free the other. */
		for (int i = 0; i < 2; i++) {
			struct hl_node *n = wino[i] ? hl_node_get(f, wino[i]) : NULL;

			if (n)
				node_maybe_free(f, n);
		}
	}
	if (waiting[0] || waiting[1])
		pthread_cond_broadcast(&f->unlocked);
	pthread_mutex_unlock(&f->lock);
	return err;
}

int hl_path(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk)
{
	const char *name[1] = { NULL };

	*path = NULL;
	return path_get(f, 1, &ino, name, 0, path, lk);
}

int hl_path_nullok(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk)
{
	int err;

	if (f->conf.nullpath_ok) {
		memset(lk, 0, sizeof(*lk));
		*path = NULL;
		return 0;
	}
	err = hl_path(f, ino, path, lk);
	/* An unlinked file still open: the filesystem gets its fi only. */
	if (err == -ESTALE)
		err = 0;
	return err;
}

int hl_path_name(struct fuse *f, uint64_t parent, const char *name, char **path, int write,
		 struct hl_lk *lk)
{
	const char *names[1] = { name };

	*path = NULL;
	return path_get(f, 1, &parent, names, write, path, lk);
}

/*
 * A hidden file, write-locked under its own (hidden) name, for its removal
 * after its last release: an open that found it by that name meanwhile
 * finishes first (and is seen by hl_node_hidden_unused()), later ones wait.
 * -ESTALE if it has no name any more.
 */
int hl_path_hidden(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk)
{
	struct hl_node *n;
	uint64_t parent;
	char *name;
	int err;

	*path = NULL;
	memset(lk, 0, sizeof(*lk));
	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	if (!n || !n->name || !n->parent) {
		pthread_mutex_unlock(&f->lock);
		return -ESTALE;
	}
	parent = n->parent->ino;
	name = strdup(n->name);
	pthread_mutex_unlock(&f->lock);
	if (!name)
		return -ENOMEM;
	err = hl_path_name(f, parent, name, path, 1, lk);
	free(name);
	/* Our write lock keeps the target: its number is safe to read. */
	if (!err && (!lk->target[0] || lk->target[0]->ino != ino)) {
		hl_path_put(f, lk);
		free(*path);
		*path = NULL;
		err = -ESTALE;
	}
	return err;
}

int hl_path2(struct fuse *f, uint64_t dir1, const char *name1, uint64_t dir2, const char *name2,
	     char **path1, char **path2, struct hl_lk *lk)
{
	uint64_t ino[2] = { dir1, dir2 };
	const char *names[2] = { name1, name2 };
	char *path[2] = { NULL, NULL };
	int err = path_get(f, 2, ino, names, 1, path, lk);

	*path1 = path[0];
	*path2 = path[1];
	return err;
}

void hl_path_put(struct fuse *f, struct hl_lk *lk)
{
	uint64_t some[HL_LK_INLINE + 2], *freeable = some;
	unsigned nf = 0;

	if (!lk->chain[0] && !lk->chain[1])
		return;
	/* Each held node, and the targets, may be left without references
	 * (a chain cut by a name's removal keeps its upper part only
	 * through our lock). */
	if (lk->nheld > HL_LK_INLINE)
		freeable = malloc((lk->nheld + 2) * sizeof(*freeable));
	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < 2; i++) {
		struct hl_node *t = lk->target[i];

		if (t) {
			t->treelock = 0;
			if (freeable)
				freeable[nf++] = t->ino;
		}
	}
	/* Exactly the nodes locks_take() counted, not today's parents. */
	for (unsigned i = 0; i < lk->nheld; i++) {
		lk->held[i]->treelock--;
		if (freeable)
			freeable[nf++] = lk->held[i]->ino;
	}
	/* By number: freeing one may free another (its parent). Without
	 * the list (no memory) a node may stay allocated: a leak of memory,
	 * never of a lock. */
	for (unsigned i = 0; i < nf; i++) {
		struct hl_node *n = hl_node_get(f, freeable[i]);

		if (n)
			node_maybe_free(f, n);
	}
	pthread_cond_broadcast(&f->unlocked);
	pthread_mutex_unlock(&f->lock);
	if (freeable != some)
		free(freeable);
	if (lk->held != lk->inl)
		free(lk->held);
	memset(lk, 0, sizeof(*lk));
}

/* ---- other queries ----------------------------------------------------- */

int hl_node_open_count(struct fuse *f, uint64_t ino, int delta, int *hidden)
{
	struct hl_node *n;
	int count = 0;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	if (n) {
		if (delta < 0 && n->open_count == 0)
			delta = 0;
		n->open_count += delta;
		count = (int)n->open_count;
		if (hidden)
			*hidden = n->hidden;
	} else if (hidden) {
		*hidden = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return count;
}

uint64_t hl_node_readdir_ino(struct fuse *f, uint64_t dir, const char *name)
{
	struct hl_node *d, *n = NULL;
	uint64_t ino = HL_UNKNOWN_INO;

	pthread_mutex_lock(&f->lock);
	d = hl_node_get(f, dir);
	if (d) {
		if (strcmp(name, ".") == 0)
			n = d;
		else if (strcmp(name, "..") == 0)
			n = d->parent ? d->parent : d;
		else
			n = hl_node_lookup_name(f, d, name);
	}
	if (n)
		ino = n->ino;
	pthread_mutex_unlock(&f->lock);
	return ino;
}

int hl_node_find_path(struct fuse *f, const char *path, uint64_t *ino)
{
	char *copy = strdup(path), *save = NULL, *part;
	struct hl_node *n;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&f->lock);
	n = f->root;
	for (part = strtok_r(copy, "/", &save); part && n; part = strtok_r(NULL, "/", &save))
		n = hl_node_lookup_name(f, n, part);
	if (n)
		*ino = n->ino;
	else
		err = -ENOENT;
	pthread_mutex_unlock(&f->lock);
	free(copy);
	return err;
}

/*
 * auto_cache: at open (opening 1), 1 if the file's mtime and size are what
 * they were when its cache was last known valid, then remembers them; at
 * getattr (opening 0), a change only marks the cache stale.
 */
int hl_node_cache_check(struct fuse *f, uint64_t ino, const struct stat *st, int opening)
{
	struct hl_node *n;
	int same = 0;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	if (n) {
		same = n->cache_valid && n->size == st->st_size &&
		       n->mtime.tv_sec == st->st_mtim.tv_sec && n->mtime.tv_nsec == st->st_mtim.tv_nsec;
		if (!opening) {
			if (!same)
				n->cache_valid = 0;
		} else {
			n->cache_valid = 1;
			n->size = st->st_size;
			n->mtime = st->st_mtim;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return same;
}

/* Removes the name of inode ino (a hidden file the filesystem just
 * unlinked). */
void hl_node_drop_name(struct fuse *f, uint64_t ino)
{
	struct hl_node *n;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	if (n && n->name) {
		n->refs++;
		unhash_name(f, n);
		n->hidden = 0;
		node_unref(f, n);
	}
	pthread_mutex_unlock(&f->lock);
}

/* Paths of every hidden file, for removal at unmount; a NULL-terminated
 * array the caller frees. */
char **hl_node_hidden_paths(struct fuse *f)
{
	char **v = NULL;
	size_t n = 0;

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->ids.size; i++) {
		for (struct hl_node *x = f->ids.slot[i]; x; x = x->id_next) {
			char *p, **nv;

			if (!x->hidden || build_path(f, x, NULL, &p))
				continue;
			nv = realloc(v, (n + 2) * sizeof(*v));
			if (!nv) {
				free(p);
				continue;
			}
			v = nv;
			v[n++] = p;
			v[n] = NULL;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return v;
}

/* Is ino hidden and no longer open (its hidden name may go)? */
int hl_node_hidden_unused(struct fuse *f, uint64_t ino)
{
	struct hl_node *n;
	int unused;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	unused = n && n->hidden && n->open_count == 0;
	pthread_mutex_unlock(&f->lock);
	return unused;
}

int hl_node_is_hidden(struct fuse *f, uint64_t ino)
{
	struct hl_node *n;
	int hidden;

	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	hidden = n && n->hidden;
	pthread_mutex_unlock(&f->lock);
	return hidden;
}

/* Is the node the lock's first target open? */
int hl_lk_target_open(struct fuse *f, const struct hl_lk *lk, int slot)
{
	int open;

	pthread_mutex_lock(&f->lock);
	open = lk->target[slot] && lk->target[slot]->open_count > 0;
	pthread_mutex_unlock(&f->lock);
	return open;
}

/* remember=T: drops the numbers the kernel forgot more than T seconds ago;
 * returns the seconds until the next pass is useful. */
int hl_node_clean(struct fuse *f)
{
	struct timespec now;
	int period = f->conf.remember > 0 ? f->conf.remember : 3600;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&f->lock);
	for (int again = 1; again;) {
		again = 0;
		for (size_t i = 0; i < f->ids.size && !again; i++) {
			for (struct hl_node *n = f->ids.slot[i]; n; n = n->id_next) {
				if (n == f->root || n->nlookup || !n->kref || f->conf.remember <= 0)
					continue;
				if (now.tv_sec - n->forgot.tv_sec < f->conf.remember)
					continue;
				n->kref = 0;
				/* The chain may change under the unref: rescan. */
				node_unref(f, n);
				again = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&f->lock);
	return period / 2 > 0 ? period / 2 : 1;
}
