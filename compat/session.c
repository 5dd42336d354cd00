/* SPDX-License-Identifier: MIT */
/*
 * fuse_session_*: a libfuse session is a zcfuse session. The program's
 * options (minus libfuse's own) and $ZCFUSE_OPTIONS go through zcfuse's
 * command-line parser, so transport=, queue_depth=, stats= ... work for
 * unmodified programs; mounting, INIT, the transport and the worker
 * threads are zcfuse's.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "transport/transport.h"

/* libfuse options zcfuse has no use for; taken quietly, as libfuse takes them. */
static const char *const ignored_opts[] = {
	"context=", "fscontext=", "defcontext=", "rootcontext=",
	"no_remote_lock", "no_remote_flock", "no_remote_posix_lock", "splice_write",
	"no_splice_write", "splice_move", "no_splice_move", "splice_read", "no_splice_read",
	"sync_read", "async_read", "atomic_o_trunc", "big_writes", "intr", "intr_signal=",
	"kernel_cache", "auto_cache", "noauto_cache", "user=", "large_read",
	"max_readahead=", "congestion_threshold=", "clone_fd", "max_idle_threads=",
	"max_threads=", "rw", "nodev", "nosuid", NULL,
};

static int zc_opt(void *userdata, const char *key, const char *value)
{
	const char *const *p;
	size_t n;

	for (p = ignored_opts; *p; p++) {
		n = strlen(*p);
		if ((*p)[n - 1] == '=' ? (value && !strncmp(key, *p, n - 1) && !key[n - 1])
				       : (!value && !strcmp(key, *p)))
			return 0;
	}
	if (!strncmp(key, "x-", 2)) /* userspace mount options (fstab) */
		return 0;
	return -ENOENT;
}

struct new_ctx {
	char *olist;  /* options for zcfuse's parser, escaped */
	bool debug;
	bool bad;
};

static int new_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct new_ctx *c = data;

	if (key == FUSE_OPT_KEY_NONOPT)
		return 1;
	if (!strcmp(arg, "-d") || !strcmp(arg, "--debug") || !strcmp(arg, "debug")) {
		c->debug = true;
		return 0;
	}
	if (arg[0] == '-')
		return 1; /* a flag nobody knows: reported below */
	/* libfuse 3.18's ring: zcfuse takes one where the kernel offers it anyway
	 * (transport=auto), and libfuse falls back to /dev/fuse as zcfuse does. */
	if (!strcmp(arg, "io_uring"))
		return 0;
	if (!strncmp(arg, "io_uring_q_depth=", 17)) {
		char qd[48];

		snprintf(qd, sizeof(qd), "queue_depth=%s", arg + 17);
		return fuse_opt_add_opt(&c->olist, qd) ? -1 : 0;
	}
	return fuse_opt_add_opt(&c->olist, arg) ? -1 : 0;
}

static char *env_opts(void)
{
	const char *e = getenv("ZCFUSE_OPTIONS");

	return e && *e ? strdup(e) : NULL;
}

ZCF_COMPAT_API struct fuse_session *fuse_session_new(struct fuse_args *args,
						     const struct fuse_lowlevel_ops *op,
						     size_t op_size, void *userdata)
{
	static const struct fuse_opt none[] = { FUSE_OPT_END };
	struct new_ctx c = { 0 };
	struct fuse_session *se;
	struct zcfuse_ops zops;
	struct zcfuse_session_opts zo = { .sz = sizeof(zo), .opt = zc_opt };
	char *argv[12], *env = env_opts();
	int argc = 0, err;

	if (op_size > sizeof(struct fuse_lowlevel_ops)) {
		fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may "
			 "not work\n");
		op_size = sizeof(struct fuse_lowlevel_ops);
	}
	if (args && fuse_opt_parse(args, &c, none, new_proc) == -1)
		goto fail_early;
	if (args && args->argc > 1 && args->argv[1][0] == '-') {
		int i;

		fuse_log(FUSE_LOG_ERR, "fuse: unknown option(s): `");
		for (i = 1; i < args->argc; i++)
			fuse_log(FUSE_LOG_ERR, "%s%s", i > 1 ? " " : "", args->argv[i]);
		fuse_log(FUSE_LOG_ERR, "'\n");
		goto fail_early;
	}
	se = calloc(1, sizeof(*se));
	if (!se)
		goto fail_early;
	memcpy(&se->op, op, op_size);
	se->userdata = userdata;
	se->debug = c.debug;
	pthread_mutex_init(&se->serial_lock, NULL);
	compat_fill_ops(&se->op, &zops);

	argv[argc++] = (char *)(args && args->argc ? args->argv[0] : "fuse");
	argv[argc++] = "-f"; /* the program daemonizes itself (fuse_daemonize) */
	if (c.debug)
		argv[argc++] = "-d";
	if (c.olist) {
		argv[argc++] = "-o";
		argv[argc++] = c.olist;
	}
	if (env) { /* last: the environment has the final word */
		argv[argc++] = "-o";
		argv[argc++] = env;
	}
	argv[argc++] = "/"; /* the mountpoint comes with fuse_session_mount() */
	argv[argc] = NULL;
	err = zcfuse_session_new(argc, argv, &zops, sizeof(zops), &zo, se, &se->zs);
	free(c.olist);
	free(env);
	if (err) {
		pthread_mutex_destroy(&se->serial_lock);
		free(se);
		return NULL;
	}
	return se;
fail_early:
	free(c.olist);
	free(env);
	return NULL;
}

/*
 * fuse_session_custom_io: zcfuse's classic readers call the program's read
 * and writev through the session's dev_io hook (transport/transport.h);
 * each answers -1 with errno like the calls they replace, which the hook
 * wants as -errno. libfuse passes the session's userdata to both.
 */
static ssize_t neg_errno(ssize_t n)
{
	if (n >= 0)
		return n;
	if (n == -1)
		return errno > 0 ? -errno : -EIO;
	return n >= -4095 ? n : -EIO; /* a program that answered -errno itself */
}

static ssize_t cio_read(void *arg, int fd, void *buf, size_t len)
{
	struct fuse_session *se = arg;

	return neg_errno(se->io.read(fd, buf, len, se->userdata));
}

static ssize_t cio_writev(void *arg, int fd, struct iovec *iov, int iovcnt)
{
	struct fuse_session *se = arg;

	return neg_errno(se->io.writev(fd, iov, iovcnt, se->userdata));
}

static ssize_t cio_splice_send(void *arg, int pipe_rd, int fd, size_t len, unsigned int flags)
{
	struct fuse_session *se = arg;

	return neg_errno(se->io.splice_send(pipe_rd, NULL, fd, NULL, len, flags, se->userdata));
}

static int cio_clone_fd(void *arg, int fd)
{
	struct fuse_session *se = arg;
	int nfd = se->io.clone_fd(fd);

	return nfd >= 0 ? nfd : errno > 0 ? -errno : -EIO;
}

/* @size: how much of struct fuse_custom_io the program's build has. */
static int custom_io(struct fuse_session *se, const struct fuse_custom_io *io, size_t size, int fd)
{
	int err;

	if (size > sizeof(*io)) {
		fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may "
			 "not work\n");
		size = sizeof(*io);
	}
	if (fd < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_custom_io: bad descriptor %d\n", fd);
		return -EBADF;
	}
	if (!io || !io->read || !io->writev) {
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_custom_io needs both a read and a "
			 "writev\n");
		return -EINVAL;
	}
	memset(&se->io, 0, sizeof(se->io));
	memcpy(&se->io, io, size);
	se->dev_io = (struct zcf_dev_io){
		.read = cio_read,
		.writev = cio_writev,
		.splice_send = se->io.splice_send ? cio_splice_send : NULL,
		.clone_fd = se->io.clone_fd ? cio_clone_fd : NULL,
		.arg = se,
	};
	err = zcf_session_custom_io(se->zs, &se->dev_io, fd);
	if (err)
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_custom_io: %s\n", strerror(-err));
	return err;
}

/* Before 3.17 the struct ended with splice_send. */
ZCF_COMPAT_API int fuse_session_custom_io(struct fuse_session *se,
					  const struct fuse_custom_io *io, int fd)
{
	return custom_io(se, io, offsetof(struct fuse_custom_io, clone_fd), fd);
}

/*
 * libfuse 3.17+'s headers turn fuse_session_new(), fuse_new() and
 * fuse_main() into calls of these, with the version the program was built
 * against; the older names stay for older programs. Same behaviour here.
 */
void compat_note_version(const struct libfuse_version *v)
{
	if (v)
		zcf_dbg("program built against libfuse %u.%u.%u headers", v->major, v->minor,
			v->hotfix);
}

ZCF_COMPAT_API struct fuse_session *fuse_session_new_versioned(struct fuse_args *args,
							       const struct fuse_lowlevel_ops *op,
							       size_t op_size,
							       struct libfuse_version *version,
							       void *userdata)
{
	compat_note_version(version);
	return fuse_session_new(args, op, op_size, userdata);
}

/* 3.17 split custom_io by whether the program's struct has clone_fd. */
ZCF_COMPAT_API int fuse_session_custom_io_30(struct fuse_session *se,
					     const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io(se, io, fd);
}

ZCF_COMPAT_API int fuse_session_custom_io_317(struct fuse_session *se,
					      const struct fuse_custom_io *io, size_t op_size,
					      int fd)
{
	return custom_io(se, io, op_size, fd);
}

/*
 * "/dev/fd/N" is a /dev/fuse descriptor a parent opened and mounted (as
 * mount.fuse3 does with drop_privileges): zcfuse serves it and leaves the
 * mount to that parent.
 */
ZCF_COMPAT_API int fuse_session_mount(struct fuse_session *se, const char *mountpoint)
{
	char *abs;
	int err;

	if (zcf_passed_fd(mountpoint) >= 0) {
		abs = strdup(mountpoint);
		if (!abs)
			return -1;
		free(se->zs->pc.cfg.mountpoint);
		se->zs->pc.cfg.mountpoint = abs;
		if (zcfuse_session_mount(se->zs)) {
			fuse_log(FUSE_LOG_ERR, "fuse: Invalid file descriptor %s\n", mountpoint);
			return -1;
		}
		return 0;
	}
	abs = realpath(mountpoint, NULL);

	if (!abs) {
		fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", mountpoint,
			 strerror(errno));
		return -1;
	}
	free(se->zs->pc.cfg.mountpoint);
	se->zs->pc.cfg.mountpoint = abs;
	err = zcfuse_session_mount(se->zs);
	return err ? -1 : 0;
}

static int any_opt(void *userdata, const char *key, const char *value)
{
	return 0; /* mount.fuse3 hands over the filesystem's options too */
}

/*
 * Mounts and returns the /dev/fuse descriptor, which the caller hands on
 * (mount.fuse3 with drop_privileges passes it as /dev/fd/N): zcfuse's
 * mount, from a session that only mounts and then lets go of it.
 */
ZCF_COMPAT_API int fuse_open_channel(const char *mountpoint, const char *options)
{
	static const struct zcfuse_ops none;
	struct zcfuse_session_opts zo = { .sz = sizeof(zo), .opt = any_opt };
	struct zcfuse_session *zs;
	char *argv[5];
	int argc = 0, fd;

	argv[argc++] = "fuse";
	if (options && *options) {
		argv[argc++] = "-o";
		argv[argc++] = (char *)options;
	}
	argv[argc++] = (char *)mountpoint;
	argv[argc] = NULL;
	if (zcfuse_session_new(argc, argv, &none, sizeof(none), &zo, NULL, &zs))
		return -1;
	if (zcfuse_session_mount(zs)) {
		zcfuse_session_destroy(zs);
		return -1;
	}
	fd = zs->fd;
	zs->fd = -1;          /* the caller's now */
	zcf_roof(zs)->mounted = false;  /* and so is the mount */
	zcfuse_session_destroy(zs);
	return fd;
}

/* Runs the zcfuse session: INIT, transport, workers; returns at exit. */
static int run(struct fuse_session *se, bool serial, unsigned max_threads)
{
	int err;

	se->serial = serial;
	if (serial)
		se->zs->pc.cfg.threads = 1;
	else if (max_threads)
		se->zs->pc.cfg.threads = max_threads;
	err = zcfuse_session_run(se->zs);
	/* libfuse's loops return the read error that ended them (ENODEV is an unmount). */
	return err ? err : se->zs->end_err;
}

ZCF_COMPAT_API int fuse_session_loop(struct fuse_session *se)
{
	return run(se, true, 1);
}

ZCF_COMPAT_API int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd)
{
	return run(se, false, 0);
}

ZCF_COMPAT_API int fuse_session_loop_mt_32(struct fuse_session *se,
					   struct fuse_loop_config_v1 *config)
{
	return run(se, false, 0);
}

/*
 * max_threads sizes the classic reader pool (zcfuse's threads=, unless the
 * zcfuse options named one); on a ring the workers are the queues, one per
 * CPU. clone_fd: zcfuse's readers always clone the descriptor.
 */
ZCF_COMPAT_API int fuse_session_loop_mt_312(struct fuse_session *se,
					    struct fuse_loop_config *config)
{
	unsigned n = config && config->max_threads_set ? config->max_threads : 0;

	if (n > 1024)
		n = 1024;
	return run(se, false, n);
}
__asm__(".symver fuse_session_loop_mt_31,fuse_session_loop_mt@FUSE_3.0");
__asm__(".symver fuse_session_loop_mt_32,fuse_session_loop_mt@FUSE_3.2");
__asm__(".symver fuse_session_loop_mt_312,fuse_session_loop_mt@@FUSE_3.12");

ZCF_COMPAT_API void fuse_session_exit(struct fuse_session *se)
{
	zcfuse_session_exit(se->zs);
}

ZCF_COMPAT_API void fuse_session_reset(struct fuse_session *se)
{
	uint64_t v;

	/* zcfuse_session_exit() wrote the eventfd once: take that back. */
	if (se->zs->exiting && read(se->zs->exit_efd, &v, sizeof(v)) != sizeof(v))
		zcf_dbg("fuse_session_reset: exit eventfd was empty");
	se->zs->exiting = 0;
}

ZCF_COMPAT_API int fuse_session_exited(struct fuse_session *se)
{
	return se->zs->exiting ? 1 : 0;
}

ZCF_COMPAT_API void fuse_session_unmount(struct fuse_session *se)
{
	zcfuse_session_unmount(se->zs);
}

static void compat_session_free(void *arg)
{
	struct fuse_session *se = arg;

	pthread_mutex_destroy(&se->serial_lock);
	free(se);
}

ZCF_COMPAT_API void fuse_session_destroy(struct fuse_session *se)
{
	struct zcfuse_session *zs;

	if (!se)
		return;
	zs = se->zs;
	if (zs->pc.cfg.stats_path && zs->pc.got_init) {
		int err = zcf_stats_write(zs, zs->pc.cfg.stats_path);

		if (err)
			zcf_err("cannot write statistics to %s: %s", zs->pc.cfg.stats_path,
				strerror(-err));
	}
	if (zs->pc.got_init && !zs->pc.got_destroy && se->op.destroy) {
		zs->pc.got_destroy = true;
		se->op.destroy(se->userdata);
	}
	/* Freed with the zcfuse session: a reader still in one of the program's
	 * ops when the loop ended comes back through our adapters. */
	zcf_roof(zs)->free_hook = compat_session_free;
	zcf_roof(zs)->free_hook_arg = se;
	zcfuse_session_destroy(zs);
}

ZCF_COMPAT_API int fuse_session_fd(struct fuse_session *se)
{
	return se->zs->fd;
}

/*
 * Programs that run their own loop (pyfuse3, llfuse, event-loop servers):
 * the program's threads read /dev/fuse, so zcfuse serves them over classic
 * (INIT says so in the transport line). A request is read into the
 * program's buffer, as libfuse does, then copied into one of zcfuse's
 * classic requests and dispatched on the calling thread.
 */
ZCF_COMPAT_API int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf)
{
	struct zcfuse_session *zs = se->zs;
	size_t size = zcf_classic_bufsize(zs);
	ssize_t n;
	int err;

	if (!size)
		return -ENOMEM;
	if (!buf->mem) {
		buf->mem = malloc(size);
		if (!buf->mem) {
			fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
			return -ENOMEM;
		}
	}
	do {
		if (se->io.read) { /* fuse_session_custom_io */
			n = neg_errno(se->io.read(zs->fd, buf->mem, size, se->userdata));
			err = n < 0 ? (int)-n : 0;
			n = n < 0 ? -1 : n;
		} else {
			n = read(zs->fd, buf->mem, size);
			err = errno;
		}
		if (fuse_session_exited(se))
			return 0;
		/* ENOENT: the request was interrupted before we read it. */
	} while (n < 0 && err == ENOENT);
	if (n < 0) {
		if (err == ENODEV) { /* unmounted */
			fuse_session_exit(se);
			return 0;
		}
		if (err != EINTR && err != EAGAIN)
			fuse_log(FUSE_LOG_ERR, "fuse: reading device: %s\n", strerror(err));
		return -err;
	}
	if ((size_t)n < sizeof(struct fuse_in_header)) {
		fuse_log(FUSE_LOG_ERR, "short read on fuse device\n");
		return -EIO;
	}
	buf->size = (size_t)n;
	buf->flags = 0;
	return (int)n;
}

ZCF_COMPAT_API void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf)
{
	struct zcfuse_req *init;
	int err;

	if (buf->flags & FUSE_BUF_IS_FD) {
		/* Only a custom receive (fuse_session_custom_io) makes these. */
		fuse_log(FUSE_LOG_ERR, "fuse: a descriptor buffer cannot be processed: %s\n",
			 strerror(ENOTSUP));
		return;
	}
	err = zcf_classic_process(se->zs, buf->mem, buf->size, &init);
	if (!err && init)
		err = zcf_session_own_init(se->zs, init);
	if (err && err != -EPROTO)
		fuse_log(FUSE_LOG_ERR, "fuse: processing a request: %s\n", strerror(-err));
	if (err && !se->zs->pc.got_init)
		fuse_session_exit(se); /* no INIT: nothing can follow */
}

/* ---- Loop configuration ---- */

ZCF_COMPAT_API struct fuse_loop_config *fuse_loop_cfg_create(void)
{
	struct fuse_loop_config *c = calloc(1, sizeof(*c));

	if (c) {
		c->max_idle_threads = UINT_MAX;
		c->max_threads = 10;
	}
	return c;
}

ZCF_COMPAT_API void fuse_loop_cfg_destroy(struct fuse_loop_config *config)
{
	free(config);
}

ZCF_COMPAT_API void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
						   unsigned int value)
{
	config->max_idle_threads = value;
}

ZCF_COMPAT_API void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
						  unsigned int value)
{
	config->max_threads = value;
	config->max_threads_set = true;
}

ZCF_COMPAT_API void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config,
					       unsigned int value)
{
	config->clone_fd = (int)value;
}

ZCF_COMPAT_API void fuse_loop_cfg_convert(struct fuse_loop_config *config,
					  struct fuse_loop_config_v1 *v1)
{
	config->clone_fd = v1->clone_fd;
	config->max_idle_threads = v1->max_idle_threads;
}
