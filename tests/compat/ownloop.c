/* SPDX-License-Identifier: MIT */
/*
 * ownloop: a libfuse low-level filesystem that drives its own loop with
 * fuse_session_receive_buf() and fuse_session_process_buf(), written only
 * against libfuse's API (it builds against Debian's libfuse3 as well as
 * zcfuse's compat library, and runs the same on both).
 *
 *   ownloop [--loop=plain|poll|threads] [FUSE options] MOUNTPOINT
 *
 * plain:   one thread, blocking reads, until fuse_session_exited().
 * poll:    the descriptor from fuse_session_fd() made non-blocking and
 *          polled (an event loop, as pyfuse3 has); EAGAIN is normal.
 * threads: four threads, each with its own buffer, as a threaded server.
 *
 * The root holds "hello" (read-only, "Hello from ownloop\n") and "data",
 * a file in memory of up to 4 MiB that can be written, truncated and read.
 * Every processed request is counted; at exit the count and the loop kind
 * go to stderr ("ownloop: N requests processed in the program's loop").
 */
#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memdata.h"

#define HELLO "Hello from ownloop\n"
enum { INO_ROOT = 1, INO_HELLO = 2, INO_DATA = 3 };

static _Atomic unsigned long processed;

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (ino == INO_ROOT) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == INO_HELLO) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(HELLO) - 1;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = memdata_size();
	}
}

static void ol_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent != INO_ROOT || (strcmp(name, "hello") && strcmp(name, "data"))) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = strcmp(name, "hello") ? INO_DATA : INO_HELLO;
	fill_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ol_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino < INO_ROOT || ino > INO_DATA) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void ol_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != INO_DATA) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		int err = memdata_truncate((size_t)attr->st_size);

		if (err) {
			fuse_reply_err(req, err);
			return;
		}
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void ol_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	static const char *const names[] = { ".", "..", "hello", "data" };
	static const fuse_ino_t inos[] = { INO_ROOT, INO_ROOT, INO_HELLO, INO_DATA };
	char buf[1024];
	size_t used = 0, n;
	off_t i;

	(void)fi;
	if (ino != INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	for (i = off; i < 4; i++) {
		struct stat st = { .st_ino = inos[i], .st_mode = i < 2 ? S_IFDIR : S_IFREG };

		n = fuse_add_direntry(req, buf + used, sizeof(buf) - used, names[i], &st, i + 1);
		if (used + n > size || used + n > sizeof(buf))
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static void ol_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == INO_HELLO && (fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (ino == INO_DATA && (fi->flags & O_TRUNC)) {
		memdata_truncate(0);
	}
	fuse_reply_open(req, fi);
}

static void ol_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	if (ino == INO_HELLO) {
		size_t len = sizeof(HELLO) - 1;

		if ((size_t)off >= len)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_buf(req, HELLO + off, size < len - (size_t)off ? size : len - (size_t)off);
		return;
	}
	memdata_reply_read(req, size, off);
}

static void ol_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)fi;
	if (ino != INO_DATA) {
		fuse_reply_err(req, EBADF);
		return;
	}
	memdata_reply_write(req, buf, size, off);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = ol_lookup,
	.getattr = ol_getattr,
	.setattr = ol_setattr,
	.readdir = ol_readdir,
	.open = ol_open,
	.read = ol_read,
	.write = ol_write,
};

/* One loop; returns 0 at the end of the session or a negative errno. */
static int serve(struct fuse_session *se, int use_poll)
{
	struct fuse_buf buf = { .mem = NULL };
	struct pollfd pfd = { .fd = fuse_session_fd(se), .events = POLLIN };
	int res = 0;

	while (!fuse_session_exited(se)) {
		if (use_poll && poll(&pfd, 1, 1000) < 0 && errno != EINTR) {
			res = -errno;
			break;
		}
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR || res == -EAGAIN) {
			res = 0;
			continue;
		}
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &buf);
		atomic_fetch_add(&processed, 1);
	}
	free(buf.mem);
	return res < 0 ? res : 0;
}

static void *serve_thread(void *se)
{
	return (void *)(intptr_t)serve(se, 0);
}

struct ol_opts {
	char *loop;
};

static const struct fuse_opt ol_opt_spec[] = {
	{ "--loop=%s", offsetof(struct ol_opts, loop), 0 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct ol_opts o = { NULL };
	struct fuse_session *se;
	const char *loop;
	int ret = 1, res = 0, i;

	if (fuse_opt_parse(&args, &o, ol_opt_spec, NULL) == -1)
		return 1;
	loop = o.loop ? o.loop : "plain";
	if (strcmp(loop, "plain") && strcmp(loop, "poll") && strcmp(loop, "threads")) {
		fprintf(stderr, "ownloop: --loop=plain|poll|threads\n");
		return 1;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [--loop=plain|poll|threads] [options] MOUNTPOINT\n", argv[0]);
		return 1;
	}
	memdata_init();
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!data || !se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_destroy;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);
	if (!strcmp(loop, "poll")) {
		int fd = fuse_session_fd(se);

		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		res = serve(se, 1);
	} else if (!strcmp(loop, "threads")) {
		pthread_t t[4];
		void *r;

		for (i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, serve_thread, se);
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], &r);
			if ((intptr_t)r)
				res = (int)(intptr_t)r;
		}
	} else {
		res = serve(se, 0);
	}
	fprintf(stderr, "ownloop: %lu requests processed in the program's loop (%s), result %d\n",
		atomic_load(&processed), loop, res);
	ret = res ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	memdata_free();
	free(o.loop);
	return ret;
}
