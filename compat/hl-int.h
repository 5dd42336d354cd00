/* SPDX-License-Identifier: MIT */
/*
 * hl-int.h: internals of the high-level (path) layer. The layer is written
 * only against libfuse's public low-level API (fuse_lowlevel.h, fuse_opt.h,
 * fuse_common.h), so it links into zcfuse's libfuse3.so.3 and, for tests,
 * into a program over Debian's own libfuse3.
 */
#ifndef ZCFUSE_COMPAT_HL_INT_H
#define ZCFUSE_COMPAT_HL_INT_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif
#include "fuse.h"
#include "fuse_lowlevel.h"
#include "fuse_opt.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

/* Exported names. In the shared library (ZCFUSE_HL_SHARED) a symbol that
 * libfuse exports in several versions is defined once per version under
 * an internal name and bound with .symver; linked into a program (the test
 * harness over Debian's libfuse) only the default version exists, under its
 * plain name. */
#define HL_EXPORT __attribute__((visibility("default")))
#ifdef ZCFUSE_HL_SHARED
#define HL_SYMVER(impl, name, ver) __asm__(".symver " #impl "," #name "@" ver);
#define HL_SYMVER_DEFAULT(impl, name, ver) __asm__(".symver " #impl "," #name "@@" ver);
#else
#define HL_SYMVER(impl, name, ver)
#define HL_SYMVER_DEFAULT(impl, name, ver) \
	extern __typeof(impl) name __attribute__((alias(#impl), visibility("default")));
#endif

/* st_ino in directory entries when the inode number is not known. */
#define HL_UNKNOWN_INO 0xffffffffu

struct fuse_fs {
	struct fuse_operations op;
	void *user_data;
	int debug;
};

/*
 * One inode the kernel knows (or that has known children, or that an
 * operation is using). ino is the number the kernel sees; parent and name
 * place it in the tree until it is unlinked (name NULL). Everything here is
 * protected by fuse->lock.
 */
struct hl_node {
	uint64_t ino;
	uint64_t generation;
	struct hl_node *parent;
	char *name;
	struct hl_node *id_next;
	struct hl_node *name_next;
	uint64_t nlookup;  /* the kernel's lookup count */
	unsigned refs;	   /* hashed children, +1 while nlookup > 0 */
	int treelock;	   /* > 0: that many path readers; -1: one writer */
	int want_write;	   /* writers waiting for this node */
	unsigned open_count;
	unsigned hidden : 1;
	unsigned kref : 1;	  /* holds the +1 of refs for the kernel's lookups */
	unsigned cache_valid : 1; /* auto_cache: mtime and size below */
	struct timespec mtime;
	off_t size;
	struct timespec forgot; /* remember: when nlookup reached 0 */
	struct hl_plock *plocks; /* POSIX locks granted through us (hl-locks.c) */
};

struct hl_table {
	struct hl_node **slot;
	size_t size; /* power of two */
	size_t used;
};

struct fuse {
	struct fuse_session *se;
	struct fuse_fs *fs;
	struct fuse_config conf;
	pthread_mutex_t lock; /* the node tables and every hl_node field */
	pthread_cond_t unlocked; /* a treelock was released */
	struct hl_table ids;
	struct hl_table names;
	struct hl_node *root;
	uint64_t next_ino;
	uint64_t generation;
	unsigned hide_counter;
	int intr_installed;
	struct sigaction old_intr_action;
	int cleanup_started;
	int cleanup_stop;
	pthread_t cleanup_thread;
	pthread_mutex_t cleanup_lock;
	pthread_cond_t cleanup_cond;
	int inited; /* init() ran (destroy() is due) */
};

/* The locks one operation holds on paths: each chain is read-locked from
 * its start up to the root, each target write-locked. held lists the
 * nodes read-locked (nheld of them), so that the release undoes exactly
 * what was taken even if a node of a chain lost its name meanwhile. */
#define HL_LK_INLINE 8
struct hl_lk {
	struct hl_node *chain[2];
	struct hl_node *target[2];
	struct hl_node **held; /* inl, or allocated for deeper paths */
	unsigned nheld;
	struct hl_node *inl[HL_LK_INLINE];
};

/* hl-node.c */
int hl_table_init(struct fuse *f);
void hl_table_free(struct fuse *f);
struct hl_node *hl_node_get(struct fuse *f, uint64_t ino);
struct hl_node *hl_node_lookup_name(struct fuse *f, struct hl_node *parent, const char *name);
int hl_node_add_lookup(struct fuse *f, uint64_t parent, const char *name, struct stat *st,
		       uint64_t *ino, uint64_t *gen);
void hl_node_forget(struct fuse *f, uint64_t ino, uint64_t n);
void hl_node_remove_name(struct fuse *f, uint64_t parent, const char *name);
int hl_node_rename(struct fuse *f, uint64_t olddir, const char *oldname, uint64_t newdir,
		   const char *newname, int hide, unsigned int flags);
int hl_node_path(struct fuse *f, uint64_t ino, const char *name, char **path, int write,
		 struct hl_lk *lk, int slot);
int hl_path(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk);
int hl_path_nullok(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk);
int hl_path_name(struct fuse *f, uint64_t parent, const char *name, char **path, int write,
		 struct hl_lk *lk);
int hl_path2(struct fuse *f, uint64_t dir1, const char *name1, uint64_t dir2,
	     const char *name2, char **path1, char **path2, struct hl_lk *lk);
int hl_path_hidden(struct fuse *f, uint64_t ino, char **path, struct hl_lk *lk);
void hl_path_put(struct fuse *f, struct hl_lk *lk);
int hl_node_open_count(struct fuse *f, uint64_t ino, int delta, int *hidden);
uint64_t hl_node_readdir_ino(struct fuse *f, uint64_t dir, const char *name);
int hl_node_find_path(struct fuse *f, const char *path, uint64_t *ino);
int hl_node_clean(struct fuse *f);
int hl_node_cache_check(struct fuse *f, uint64_t ino, const struct stat *st, int opening);
void hl_node_drop_name(struct fuse *f, uint64_t ino);
int hl_node_is_hidden(struct fuse *f, uint64_t ino);
int hl_node_hidden_unused(struct fuse *f, uint64_t ino);
char **hl_node_hidden_paths(struct fuse *f);
int hl_lk_target_open(struct fuse *f, const struct hl_lk *lk, int slot);

/* hl-locks.c. conflict: 1 and @lock set to another owner's lock in its
 * way, else 0. note: records a granted F_SETLK (F_UNLCK removes); 0 or
 * -errno. Both under fuse->lock; free: the node is going. */
int hl_locks_conflict(struct fuse *f, uint64_t ino, uint64_t owner, struct flock *lock);
int hl_locks_note(struct fuse *f, uint64_t ino, uint64_t owner, const struct flock *lock);
void hl_locks_free(struct hl_node *n);

/* hl-pmap.c: the frame of a stacking module that rewrites paths. The
 * module's private data starts with this. */
struct hl_pmap {
	struct fuse_fs *next;
	/* a path from the caller's side to the next layer's (never NULL) */
	int (*to_next)(struct hl_pmap *pm, const char *path, char **out);
	/* a readdir name from the next layer back; NULL: names pass as they are */
	int (*from_next)(struct hl_pmap *pm, const char *name, char **out);
	/* readlink's text, given the link's mapped path; NULL: as it is */
	void (*link_fix)(struct hl_pmap *pm, const char *path, char *buf, size_t size);
	int map_link_target; /* symlink: its text is mapped too */
	void (*free)(struct hl_pmap *pm); /* at destroy, after the next layer's */
};
struct fuse_fs *hl_pmap_new(struct hl_pmap *pm);
struct fuse_fs *hl_pmap_bottom(struct fuse_fs *fs);

/* Modules (modules=NAME): consume their options from args. */
struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next);
struct fuse_fs *hl_iconv_new(struct fuse_args *args, struct fuse_fs *next);

/* hl-fs.c */
void hl_bufvec_free(struct fuse_bufvec *bv);

/* hl-main.c: the versions of fuse_loop_mt that API 3.0 to 3.11 call. */
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config);
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
/* libfuse 3.17+'s names for fuse_new and fuse_main_real (FUSE_3.17). */
struct fuse *_fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			  size_t op_size, struct libfuse_version *version, void *private_data);
struct fuse *_fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
			  size_t op_size, struct libfuse_version *version, void *private_data);
int fuse_main_real_versioned(int argc, char *argv[], const struct fuse_operations *op,
			     size_t op_size, struct libfuse_version *version, void *user_data);

/* hl-ops.c */
extern const struct fuse_lowlevel_ops hl_ll_ops;
void hl_ctx_enter(struct fuse *f, fuse_req_t req);
void hl_ctx_leave(void);
struct fuse_context *hl_ctx_get(void);
fuse_req_t hl_ctx_req(void);
int hl_intr_install(struct fuse *f);
void hl_intr_remove(struct fuse *f);

/* hl-main.c */
int hl_debug_enabled(const struct fuse *f);

#endif
