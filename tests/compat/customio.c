/* SPDX-License-Identifier: MIT */
/*
 * customio: a libfuse low-level filesystem served through
 * fuse_session_custom_io(), written against libfuse's API only. The session
 * never sees /dev/fuse: a bridge in the same process plays the privileged
 * helper. It mounts MOUNTPOINT on a /dev/fuse descriptor of its own
 * (mount(2): run as root) and forwards, message by message, between that
 * descriptor and one end of a SOCK_SEQPACKET socketpair; the session gets
 * the other end with a read and a writev callback (and, with --loop=clone,
 * a clone_fd callback, which needs the 3.17 form of the call: built with
 * -DFUSE_USE_VERSION=317).
 *
 *   customio [--loop=plain|own|mt|clone] [FUSE options] MOUNTPOINT
 *
 * plain: fuse_session_loop(); own: the program's loop of
 * fuse_session_receive_buf() and fuse_session_process_buf();
 * mt: fuse_session_loop_mt() with 4 threads on
 * the one descriptor; clone: the same, each thread on a descriptor from
 * clone_fd (a dup of the socket). The session ends when the bridge sees
 * the unmount, or at SIGTERM (then the program unmounts).
 *
 * The root holds "hello" (read-only), "data" (4 MiB in memory, writable),
 * "disk" (256 KiB of HELLO lines in a memfd, answered with fuse_reply_data
 * from the descriptor: zcfuse splices those into a pipe, and the program's
 * splice_send takes them) and three files whose READ tests how the library
 * reports what the program's writev did:
 *   fail    writev answers the kernel itself with EIO (so the reader is not
 *           left waiting), then tells the library it failed (EPIPE);
 *   short   writev writes the reply but returns one byte less;
 *   notify  a notification through writev (must return 0), then one whose
 *           writev fails (EPIPE) before the reply.
 * At exit one line goes to stderr with what was counted on both sides:
 *   customio: loop L reads R writev W written M clones C spliced S; bridge
 *   requests Q replies P; fail F short S notify_ok N notify_fail X; loop
 *   result E
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>
#include <linux/fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "memdata.h"

#define HELLO "Hello from customio\n"
#define DISK_SIZE (256u << 10)
#define MSG_MAX ((8u << 20) + 4096)
enum { INO_ROOT = 1, INO_HELLO, INO_DATA, INO_DISK, INO_FAIL, INO_SHORT, INO_NOTIFY, INO_END };
static const char *const names[] = { NULL, NULL, "hello", "data", "disk", "fail", "short",
				     "notify" };

static struct fuse_session *the_se;
static int disk_fd = -1;

/* What the program's callbacks saw. */
static _Atomic unsigned long n_reads, n_writev, n_written, n_clones, n_spliced;
/* What the bridge forwarded: requests to the session, answers to the kernel. */
static _Atomic unsigned long n_requests, n_replies;
/* What the library answered the program in the three failure cases. */
static int res_fail = 1, res_short = 1, res_notify_ok = 1, res_notify_fail = 1;

/* Set by a handler on its own thread just before the call that writes. */
enum arm { ARM_NONE, ARM_FAIL, ARM_SHORT, ARM_FAIL_NOTIFY };
static __thread enum arm armed;

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);

	(void)userdata;
	if (n > 0)
		atomic_fetch_add(&n_reads, 1);
	return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fuse_out_header h = { 0 };
	size_t got = 0;
	ssize_t n;
	int i;

	(void)userdata;
	atomic_fetch_add(&n_writev, 1);
	for (i = 0; i < count && got < sizeof(h); i++) { /* the header may span iovecs */
		size_t k = iov[i].iov_len < sizeof(h) - got ? iov[i].iov_len : sizeof(h) - got;

		memcpy((char *)&h + got, iov[i].iov_base, k);
		got += k;
	}
	if (armed == ARM_FAIL_NOTIFY) {
		armed = ARM_NONE;
		errno = EPIPE;
		return -1;
	}
	if (armed == ARM_FAIL) {
		struct fuse_out_header e = { .len = sizeof(e), .error = -EIO, .unique = h.unique };

		armed = ARM_NONE;
		if (write(fd, &e, sizeof(e)) == (ssize_t)sizeof(e))
			atomic_fetch_add(&n_written, 1);
		errno = EPIPE;
		return -1;
	}
	n = writev(fd, iov, count);
	if (n < 0)
		return -1;
	atomic_fetch_add(&n_written, 1);
	if (armed == ARM_SHORT) {
		armed = ARM_NONE;
		return n - 1;
	}
	return n;
}

/* The pipe holds the whole message; a SOCK_SEQPACKET message must go in one write. */
static ssize_t io_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			      unsigned int flags, void *userdata)
{
	char *buf = malloc(len);
	size_t got = 0;
	ssize_t n = -1;

	(void)offin, (void)offout, (void)flags, (void)userdata;
	while (buf && got < len) {
		n = read(fdin, buf + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (buf && got == len) {
		n = write(fdout, buf, len);
		if (n == (ssize_t)len)
			atomic_fetch_add(&n_spliced, 1);
	} else {
		errno = EIO;
		n = -1;
	}
	free(buf);
	return n;
}

static __attribute__((unused)) int io_clone_fd(int master_fd)
{
	int fd = fcntl(master_fd, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		atomic_fetch_add(&n_clones, 1);
	return fd;
}

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == INO_ROOT) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return;
	}
	st->st_nlink = 1;
	st->st_mode = S_IFREG | (ino == INO_DATA ? 0644 : 0444);
	if (ino == INO_DATA) {
		st->st_size = memdata_size();
	} else {
		st->st_size = ino == INO_DISK ? DISK_SIZE : sizeof(HELLO) - 1;
	}
}

static void cio_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	fuse_ino_t i;

	memset(&e, 0, sizeof(e));
	for (i = INO_HELLO; i < INO_END; i++)
		if (parent == INO_ROOT && !strcmp(name, names[i]))
			break;
	if (i == INO_END) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = i;
	fill_stat(i, &e.attr);
	fuse_reply_entry(req, &e);
}

static void cio_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino < INO_ROOT || ino >= INO_END) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void cio_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
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

static void cio_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	char buf[1024];
	size_t used = 0, n;
	off_t i;

	(void)fi;
	if (ino != INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	for (i = off; i < INO_END; i++) {
		struct stat st = { .st_ino = i < 2 ? INO_ROOT : (ino_t)i,
				   .st_mode = i < 2 ? S_IFDIR : S_IFREG };
		const char *name = i == 0 ? "." : i == 1 ? ".." : names[i];

		n = fuse_add_direntry(req, buf + used, sizeof(buf) - used, name, &st, i + 1);
		if (used + n > size || used + n > sizeof(buf))
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static void cio_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != INO_DATA && (fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (ino == INO_DATA && (fi->flags & O_TRUNC)) {
		memdata_truncate(0);
	}
	fi->direct_io = ino > INO_DISK; /* one READ per read(2) there, no cache */
	fuse_reply_open(req, fi);
}

static void cio_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	size_t len = sizeof(HELLO) - 1;

	(void)fi;
	if (ino == INO_DATA) {
		memdata_reply_read(req, size, off);
		return;
	}
	if (ino == INO_DISK) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

		if ((size_t)off >= DISK_SIZE)
			bv.buf[0].size = 0;
		else if (size > DISK_SIZE - (size_t)off)
			bv.buf[0].size = DISK_SIZE - (size_t)off;
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = disk_fd;
		bv.buf[0].pos = off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		return;
	}
	if ((size_t)off >= len)
		size = 0;
	else if (size > len - (size_t)off)
		size = len - (size_t)off;
	if (ino == INO_FAIL && size) {
		armed = ARM_FAIL;
		res_fail = fuse_reply_buf(req, HELLO + off, size);
		armed = ARM_NONE;
		return;
	}
	if (ino == INO_SHORT && size) {
		armed = ARM_SHORT;
		res_short = fuse_reply_buf(req, HELLO + off, size);
		armed = ARM_NONE;
		return;
	}
	if (ino == INO_NOTIFY && size) {
		res_notify_ok = fuse_lowlevel_notify_inval_entry(the_se, INO_ROOT, "absent", 6);
		armed = ARM_FAIL_NOTIFY;
		res_notify_fail = fuse_lowlevel_notify_inval_inode(the_se, INO_ROOT, 0, 0);
		armed = ARM_NONE;
	}
	fuse_reply_buf(req, HELLO + off, size);
}

static void cio_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
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
	.lookup = cio_lookup,
	.getattr = cio_getattr,
	.setattr = cio_setattr,
	.readdir = cio_readdir,
	.open = cio_open,
	.read = cio_read,
	.write = cio_write,
};

/* ---- The bridge: the helper's side of the socket ---- */

struct bridge {
	int dev, sock;
};

/* /dev/fuse to the socket, one request per message, until unmounted. */
static void *to_session(void *p)
{
	struct bridge *b = p;
	char *buf = malloc(MSG_MAX);
	ssize_t n;

	while (buf) {
		n = read(b->dev, buf, MSG_MAX);
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n <= 0)
			break; /* ENODEV: unmounted */
		if (write(b->sock, buf, (size_t)n) != n) {
			perror("customio: bridge: writing the socket");
			break;
		}
		atomic_fetch_add(&n_requests, 1);
	}
	shutdown(b->sock, SHUT_WR); /* the session's read sees the end */
	free(buf);
	return NULL;
}

/* The socket to /dev/fuse: answers and notifications, until the session closes. */
static void *to_kernel(void *p)
{
	struct bridge *b = p;
	char *buf = malloc(MSG_MAX);
	ssize_t n;

	while (buf) {
		n = read(b->sock, buf, MSG_MAX);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		atomic_fetch_add(&n_replies, 1);
		/* ENOENT: an interrupted request or an uncached name; ENODEV: gone. */
		if (write(b->dev, buf, (size_t)n) < 0 && errno != ENOENT && errno != ENODEV)
			perror("customio: bridge: writing /dev/fuse");
	}
	free(buf);
	return NULL;
}

struct cio_opts {
	char *loop;
};

static const struct fuse_opt cio_opt_spec[] = {
	{ "--loop=%s", offsetof(struct cio_opts, loop), 0 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_custom_io io = { .read = io_read, .writev = io_writev,
				     .splice_send = io_splice_send };
	struct fuse_cmdline_opts opts;
	struct cio_opts o = { NULL };
	struct bridge b = { -1, -1 };
	pthread_t t_in, t_out;
	const char *loop;
	char mo[128];
	int sv[2], big = MSG_MAX * 2, i, res = 1;

	if (fuse_opt_parse(&args, &o, cio_opt_spec, NULL) == -1)
		return 1;
	loop = o.loop ? o.loop : "plain";
	if (strcmp(loop, "plain") && strcmp(loop, "own") && strcmp(loop, "mt") &&
	    strcmp(loop, "clone")) {
		fprintf(stderr, "customio: --loop=plain|own|mt|clone\n");
		return 1;
	}
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 17)
	if (!strcmp(loop, "clone")) {
		fprintf(stderr, "customio: --loop=clone needs a build with FUSE_USE_VERSION 317\n");
		return 1;
	}
#else
	if (!strcmp(loop, "clone"))
		io.clone_fd = io_clone_fd;
#endif
	if (fuse_parse_cmdline(&args, &opts) != 0 || !opts.mountpoint) {
		fprintf(stderr, "usage: %s [--loop=plain|own|mt|clone] [options] MOUNTPOINT\n",
			argv[0]);
		return 1;
	}
	memdata_init();
	disk_fd = memfd_create("customio-disk", MFD_CLOEXEC);
	if (!data || disk_fd < 0)
		return 1;
	for (i = 0; i < (int)(DISK_SIZE / (sizeof(HELLO) - 1)) + 1; i++)
		if (write(disk_fd, HELLO, sizeof(HELLO) - 1) != sizeof(HELLO) - 1)
			return 1;
	if (ftruncate(disk_fd, DISK_SIZE))
		return 1;

	/* The helper: mount, and a socket pair whose far end the session gets. */
	b.dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (b.dev < 0) {
		perror("customio: /dev/fuse");
		return 1;
	}
	snprintf(mo, sizeof(mo), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", b.dev);
	if (mount("customio", opts.mountpoint, "fuse.customio", MS_NOSUID | MS_NODEV, mo)) {
		perror("customio: mount");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("customio: socketpair");
		goto out_umount;
	}
	for (i = 0; i < 2; i++) { /* a message of max_write and more must fit */
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	}
	b.sock = sv[0];
	pthread_create(&t_in, NULL, to_session, &b);
	pthread_create(&t_out, NULL, to_kernel, &b);

	the_se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!the_se)
		goto out_umount;
	fuse_set_signal_handlers(the_se);
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 17)
	res = fuse_session_custom_io(the_se, &io, sv[1]);
#else
	res = fuse_session_custom_io(the_se, &io, sizeof(io), sv[1]);
#endif
	if (res) {
		fprintf(stderr, "customio: fuse_session_custom_io: %s\n", strerror(-res));
		close(sv[1]);
		fuse_remove_signal_handlers(the_se);
		fuse_session_destroy(the_se);
		goto out_umount;
	}
	if (!strcmp(loop, "plain")) {
		res = fuse_session_loop(the_se);
	} else if (!strcmp(loop, "own")) {
		struct fuse_buf buf = { .mem = NULL };

		while (!fuse_session_exited(the_se)) {
			res = fuse_session_receive_buf(the_se, &buf);
			if (res == -EINTR)
				continue;
			if (res <= 0)
				break;
			fuse_session_process_buf(the_se, &buf);
		}
		free(buf.mem);
	} else {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();

		fuse_loop_cfg_set_max_threads(cfg, 4);
		fuse_loop_cfg_set_clone_fd(cfg, !strcmp(loop, "clone"));
		res = fuse_session_loop_mt(the_se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	fuse_remove_signal_handlers(the_se);
	fuse_session_destroy(the_se); /* closes sv[1]: to_kernel sees the end */
	umount2(opts.mountpoint, MNT_DETACH); /* ended by a signal: to_session's turn */
	pthread_join(t_in, NULL);
	pthread_join(t_out, NULL);
	fprintf(stderr, "customio: loop %s reads %lu writev %lu written %lu clones %lu spliced "
		"%lu; bridge requests %lu replies %lu; fail %d short %d notify_ok %d "
		"notify_fail %d; loop result %d\n", loop, atomic_load(&n_reads),
		atomic_load(&n_writev), atomic_load(&n_written), atomic_load(&n_clones),
		atomic_load(&n_spliced), atomic_load(&n_requests),
		atomic_load(&n_replies), res_fail, res_short, res_notify_ok, res_notify_fail, res);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	memdata_free();
	free(o.loop);
	return 0;
out_umount:
	umount2(opts.mountpoint, MNT_DETACH);
	return 1;
}
