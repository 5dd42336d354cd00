/* SPDX-License-Identifier: MIT */
/*
 * compat-llext: a libfuse low-level filesystem (written to libfuse's API,
 * built against zcfuse's compat headers and linked with its libfuse3.so.3)
 * that uses the parts of the protocol the libfuse examples do not: POSIX
 * locks (getlk/setlk), statx, bmap, notify_retrieve with retrieve_reply,
 * and notify_increment_epoch. One file, "f", 8192 bytes.
 *
 *   llext MNT CMDFIFO OUTFILE [libfuse options]   (tests/mount/compat-llext.sh)
 *
 * A thread reads commands from CMDFIFO, one per line, and appends one
 * answer line per command to OUTFILE:
 *   retrieve  ask the kernel for f's cached pages; the answer comes when
 *             retrieve_reply has compared them: "retrieve N ok|bad"
 *   epoch     fuse_lowlevel_notify_increment_epoch(): "epoch R"
 *   counts    "lookups L setlk S getlk G statx X bmap B"
 */
#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define F_INO 2
#define F_SIZE 8192
#define BTIME 1234567890 /* what statx says f was born at */

static struct fuse_session *se;
static const char *out_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned n_lookup, n_setlk, n_getlk, n_statx, n_bmap;
/* One POSIX write lock at most: enough for a conflict and an owner. */
static struct { int held; uint64_t owner; struct flock fl; } the_lock;

static char content(off_t off)
{
	return (char)('a' + off % 26);
}

static void answer(const char *fmt, ...)
{
	FILE *f = fopen(out_path, "a");
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = F_SIZE;
		st->st_blocks = F_SIZE / 512;
	}
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, "f")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	pthread_mutex_lock(&lock);
	n_lookup++;
	pthread_mutex_unlock(&lock);
	memset(&e, 0, sizeof(e));
	e.ino = F_INO;
	e.attr_timeout = 3600;
	e.entry_timeout = 3600;
	fill_stat(F_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 3600);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != F_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char buf[F_SIZE];
	size_t n = 0;

	(void)ino;
	(void)fi;
	for (; off + (off_t)n < F_SIZE && n < size; n++)
		buf[n] = content(off + (off_t)n);
	fuse_reply_buf(req, buf, n);
}

static int overlaps(const struct flock *a, const struct flock *b)
{
	off_t a_end = a->l_len ? a->l_start + a->l_len : INT64_MAX;
	off_t b_end = b->l_len ? b->l_start + b->l_len : INT64_MAX;

	return a->l_start < b_end && b->l_start < a_end;
}

static void ll_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *fl)
{
	struct flock ans = *fl;

	(void)ino;
	pthread_mutex_lock(&lock);
	n_getlk++;
	if (the_lock.held && the_lock.owner != fi->lock_owner && overlaps(&the_lock.fl, fl))
		ans = the_lock.fl;
	else
		ans.l_type = F_UNLCK;
	pthread_mutex_unlock(&lock);
	fuse_reply_lock(req, &ans);
}

static void ll_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *fl, int sleep)
{
	int err = 0;

	(void)ino;
	(void)sleep; /* the test never waits */
	pthread_mutex_lock(&lock);
	n_setlk++;
	if (fl->l_type == F_UNLCK) {
		if (the_lock.held && the_lock.owner == fi->lock_owner)
			the_lock.held = 0;
	} else if (the_lock.held && the_lock.owner != fi->lock_owner) {
		err = overlaps(&the_lock.fl, fl) ? EAGAIN : EDEADLK;
	} else {
		the_lock.held = 1;
		the_lock.owner = fi->lock_owner;
		the_lock.fl = *fl;
		the_lock.fl.l_pid = fuse_req_ctx(req)->pid;
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, err);
}

static void ll_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	(void)ino;
	(void)blocksize;
	pthread_mutex_lock(&lock);
	n_bmap++;
	pthread_mutex_unlock(&lock);
	fuse_reply_bmap(req, idx + 1000);
}

static void ll_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct statx x;
	struct stat st;

	(void)flags;
	(void)mask;
	(void)fi;
	pthread_mutex_lock(&lock);
	n_statx++;
	pthread_mutex_unlock(&lock);
	fill_stat(ino, &st);
	memset(&x, 0, sizeof(x));
	x.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
	x.stx_blksize = 4096;
	x.stx_nlink = st.st_nlink;
	x.stx_mode = st.st_mode;
	x.stx_ino = ino;
	x.stx_size = st.st_size;
	x.stx_blocks = st.st_blocks;
	x.stx_btime.tv_sec = BTIME;
	fuse_reply_statx(req, 0, &x, 3600);
}

static void ll_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t off,
			      struct fuse_bufvec *bufv)
{
	size_t n = fuse_buf_size(bufv), good = 0;
	char *buf = malloc(n ? n : 1);
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(n);

	(void)cookie;
	(void)ino;
	dst.buf[0].mem = buf;
	if (buf && fuse_buf_copy(&dst, bufv, 0) == (ssize_t)n) {
		while (good < n && buf[good] == content(off + (off_t)good))
			good++;
	}
	answer("retrieve %zu %s", n, n && good == n ? "ok" : "bad");
	free(buf);
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = ll_lookup,
	.getattr = ll_getattr,
	.open = ll_open,
	.read = ll_read,
	.getlk = ll_getlk,
	.setlk = ll_setlk,
	.bmap = ll_bmap,
	.retrieve_reply = ll_retrieve_reply,
	.statx = ll_statx,
};

static void *commands(void *arg)
{
	FILE *cmd = fopen(arg, "r");
	char line[64];

	while (cmd && fgets(line, sizeof(line), cmd)) {
		if (!strncmp(line, "retrieve", 8)) {
			int r = fuse_lowlevel_notify_retrieve(se, F_INO, F_SIZE, 0, NULL);

			if (r)
				answer("retrieve failed %d", r);
		} else if (!strncmp(line, "epoch", 5)) {
			answer("epoch %d", fuse_lowlevel_notify_increment_epoch(se));
		} else if (!strncmp(line, "counts", 6)) {
			pthread_mutex_lock(&lock);
			answer("lookups %u setlk %u getlk %u statx %u bmap %u", n_lookup, n_setlk,
			       n_getlk, n_statx, n_bmap);
			pthread_mutex_unlock(&lock);
		}
	}
	if (cmd)
		fclose(cmd);
	return NULL;
}

int main(int argc, char *argv[])
{
	struct fuse_args args;
	pthread_t th;
	int ret = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s MNT CMDFIFO OUTFILE [options]\n", argv[0]);
		return 2;
	}
	out_path = argv[3];
	/* libfuse's arguments: argv[0] and the options after OUTFILE. */
	argv[3] = argv[0];
	args = (struct fuse_args)FUSE_ARGS_INIT(argc - 3, argv + 3);
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) == 0 && fuse_session_mount(se, argv[1]) == 0) {
		pthread_create(&th, NULL, commands, argv[2]);
		pthread_detach(th);
		ret = fuse_session_loop(se);
		fuse_session_unmount(se);
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
