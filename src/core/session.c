/* SPDX-License-Identifier: MIT */
/*
 * Sessions: parse, mount, negotiate INIT, pick the transport, serve until
 * the connection ends, unmount.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/internal.h"
#include "transport/transport.h"

static _Atomic uint64_t next_session_id;

ZCFUSE_API int zcfuse_session_new(int argc, char *argv[], const struct zcfuse_ops *ops,
				  size_t ops_size, const struct zcfuse_session_opts *opts,
				  void *userdata, struct zcfuse_session **out)
{
	struct zcfuse_session *se;
	struct zcfuse_session_opts o = { 0 };
	int err;

	*out = NULL;
	if (opts) {
		err = zcf_sized_copy(&o, sizeof(o), opts, opts->sz);
		if (err) {
			if (opts->sz < sizeof(opts->sz))
				zcfuse_log(ZCFUSE_LOG_ERR, "zcfuse_session_new: options struct "
					   "size %zu is too small (set .sz, or use ZCFUSE_OPTS())",
					   opts->sz);
			else
				zcfuse_log(ZCFUSE_LOG_ERR, "zcfuse_session_new: options struct of "
					   "%zu bytes sets fields this library (%zu bytes) does "
					   "not know", opts->sz, sizeof(o));
			return err;
		}
	}
	se = calloc(1, sizeof(*se));
	if (!se)
		return -ENOMEM;
	memcpy(&se->ops, ops, ops_size < sizeof(se->ops) ? ops_size : sizeof(se->ops));
	se->userdata = userdata;
	se->fd = -1;
	se->exit_efd = -1;
	se->ready_fd = -1;
	se->id = atomic_fetch_add_explicit(&next_session_id, 1, memory_order_relaxed) + 1;
	se->owner_uid = getuid();
	pthread_mutex_init(&se->lock, NULL);
	err = zcf_parse_cmdline(argc, argv, &o, userdata, &se->cfg);
	if (err)
		goto fail;
	if (se->cfg.show_help || se->cfg.show_version) {
		if (se->cfg.show_help)
			zcf_print_help(argc ? argv[0] : "zcfuse", &o);
		else
			printf("zcfuse version %s, FUSE protocol 7.%d\n", zcfuse_version_string(),
			       FUSE_KERNEL_MINOR_VERSION);
		zcfuse_session_destroy(se);
		return 1;
	}
	zcf_debug = se->cfg.debug;
	zcf_raise_nofile();
	{
		/* Absolute, as a daemon changes to / and unmounts later. */
		char *abs = zcf_passed_fd(se->cfg.mountpoint) >= 0
				    ? NULL /* /dev/fd/N resolves to /dev/fuse */
				    : realpath(se->cfg.mountpoint, NULL);

		if (abs) {
			free(se->cfg.mountpoint);
			se->cfg.mountpoint = abs;
		}
	}
	se->ncpus = zcf_ncpus_possible();
	se->exit_efd = eventfd(0, EFD_CLOEXEC);
	if (se->exit_efd < 0) {
		err = -errno;
		goto fail;
	}
	*out = se;
	return 0;
fail:
	zcfuse_session_destroy(se);
	return err;
}

ZCFUSE_API int zcfuse_session_mount(struct zcfuse_session *se)
{
	int err;

	if (se->mounted)
		return -EBUSY;
	err = zcf_mount(&se->cfg, &se->fd);
	if (err)
		return err;
	se->mounted = true;
	return 0;
}

ZCFUSE_API void zcfuse_session_exit(struct zcfuse_session *se)
{
	uint64_t one = 1;
	ssize_t n;

	se->exiting = 1;
	n = write(se->exit_efd, &one, sizeof(one)); /* async-signal-safe wake-up */
	(void)n;
}

void zcf_session_ended(struct zcfuse_session *se, const char *why)
{
	if (!se->exiting)
		zcf_dbg("connection ended: %s", why);
	zcfuse_session_exit(se);
}

int zcf_dev_send(int fd, uint64_t unique, int error, const struct iovec *iov, int iovcnt)
{
	struct fuse_out_header out = { .error = error, .unique = unique };
	struct iovec v[8];
	size_t len = sizeof(out);
	int i;

	if (iovcnt > 7)
		return -EINVAL;
	v[0].iov_base = &out;
	v[0].iov_len = sizeof(out);
	for (i = 0; i < iovcnt; i++) {
		v[i + 1] = iov[i];
		len += iov[i].iov_len;
	}
	out.len = (uint32_t)len;
	return writev(fd, v, iovcnt + 1) < 0 ? -errno : 0;
}

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[0].effective & (1u << CAP_SYS_ADMIN);
}

/*
 * The best transport both the kernel and the configuration allow. Fills
 * se->transport_reason with why nothing better was taken.
 */
static enum zcf_transport_kind choose_transport(struct zcfuse_session *se)
{
	uint64_t kf = se->conn.kernel_flags;
	enum zcf_transport_kind want = se->cfg.transport;
	char *why = se->transport_reason;
	size_t len = sizeof(se->transport_reason);
	int on;

	if (want == ZCF_TRANSPORT_AUTO)
		want = ZCF_TRANSPORT_ZEROCOPY;
	if (want == ZCF_TRANSPORT_CLASSIC) {
		snprintf(why, len, "asked for with -o transport=classic");
		return ZCF_TRANSPORT_CLASSIC;
	}
	if (!(kf & FUSE_OVER_IO_URING)) {
		on = zcf_read_sysfs_bool("/sys/module/fuse/parameters/enable_uring");
		if (on == 0)
			snprintf(why, len, "io_uring not available: the kernel has it off "
				 "(echo Y > /sys/module/fuse/parameters/enable_uring)");
		else if (on < 0)
			snprintf(why, len, "io_uring not available: kernel older than 6.14 or "
				 "built without CONFIG_FUSE_IO_URING (protocol 7.%u)",
				 se->conn.proto_minor);
		else
			snprintf(why, len, "io_uring not available: the kernel did not offer "
				 "FUSE_OVER_IO_URING");
		return ZCF_TRANSPORT_CLASSIC;
	}
	if (want == ZCF_TRANSPORT_URING) {
		snprintf(why, len, "asked for with -o transport=uring");
		return ZCF_TRANSPORT_URING;
	}
	if (!(kf & FUSE_HAS_IO_URING_BUFPOOL)) {
		snprintf(why, len, "buffer pools not available: kernel speaks protocol 7.%u, "
			 "they need 7.46 (Linux 7.3)", se->conn.proto_minor);
		return ZCF_TRANSPORT_URING;
	}
	if (want == ZCF_TRANSPORT_BUFPOOL) {
		snprintf(why, len, "asked for with -o transport=bufpool");
		return ZCF_TRANSPORT_BUFPOOL;
	}
	if (!have_cap_sys_admin()) {
		snprintf(why, len, "zero copy not available: needs CAP_SYS_ADMIN");
		return ZCF_TRANSPORT_BUFPOOL;
	}
	snprintf(why, len, se->cfg.transport_explicit ? "asked for with -o transport=zerocopy"
						     : "best available");
	return ZCF_TRANSPORT_ZEROCOPY;
}

/* What the kernel offers, from its INIT request. */
static void init_in(struct zcfuse_session *se, const struct zcfuse_req *req)
{
	struct fuse_init_in in = { 0 };

	/* Older kernels send a shorter INIT: read what came, zero the rest. */
	memcpy(&in, req->arg, req->arg_len < sizeof(in) ? req->arg_len : sizeof(in));
	se->conn.proto_minor = in.minor;
	se->conn.kernel_flags = in.flags;
	if (in.flags & FUSE_INIT_EXT)
		se->conn.kernel_flags |= (uint64_t)in.flags2 << 32;
}

/*
 * INIT for a program that runs its own loop (zcf_classic_process): its
 * thread reads /dev/fuse, so the transport is classic whatever was asked.
 */
int zcf_session_own_init(struct zcfuse_session *se, struct zcfuse_req *req)
{
	int err;

	init_in(se, req);
	se->kind = ZCF_TRANSPORT_CLASSIC;
	if (se->cfg.transport_explicit && se->cfg.transport != ZCF_TRANSPORT_CLASSIC)
		zcf_warn("transport %s asked for, but the program reads /dev/fuse in its own "
			 "loop: classic", zcf_transport_name(se->cfg.transport));
	snprintf(se->transport_reason, sizeof(se->transport_reason),
		 "the program runs its own loop (fuse_session_receive_buf)");
	err = zcf_handle_init(se, req, 0);
	zcf_info("transport: classic (the program's threads, max_write %u); %s",
		 se->conn.max_write, se->transport_reason);
	zcf_session_ready(se, !err);
	return err;
}

/* Reads INIT, picks and prepares the transport, answers INIT. */
static int negotiate(struct zcfuse_session *se)
{
	struct zcfuse_req *req;
	enum zcf_transport_kind kind;
	char why[256];
	int err;

	err = zcf_classic_read_init(se, &req);
	if (err)
		return err;
	init_in(se, req);

	kind = choose_transport(se);
	if (se->cfg.transport_explicit && kind < se->cfg.transport) {
		zcf_err("transport %s not available: %s", zcf_transport_name(se->cfg.transport),
			se->transport_reason);
		zcfuse_reply_err(req, EPROTO);
		return -EOPNOTSUPP;
	}
	/* Fall down the ladder while ring setup fails. */
	while (kind >= ZCF_TRANSPORT_URING) {
		err = zcf_uring_prepare(se, kind, why, sizeof(why));
		if (!err)
			break;
		if (se->cfg.transport_explicit) {
			zcf_err("transport %s not available: %s", zcf_transport_name(kind), why);
			zcfuse_reply_err(req, EPROTO);
			return -EOPNOTSUPP;
		}
		snprintf(se->transport_reason, sizeof(se->transport_reason), "%s not available: %s",
			 zcf_transport_name(kind), why);
		kind = kind == ZCF_TRANSPORT_URING ? ZCF_TRANSPORT_CLASSIC : kind - 1;
	}
	se->kind = kind;
	return zcf_handle_init(se, req, kind >= ZCF_TRANSPORT_URING ? FUSE_OVER_IO_URING : 0);
}

ZCFUSE_API int zcfuse_session_run(struct zcfuse_session *se)
{
	struct pollfd pfd = { .fd = se->exit_efd, .events = POLLIN };
	unsigned readers;
	char why[256];
	int err;

	if (!se->mounted)
		return -ENOTCONN;
	err = negotiate(se);
	if (err)
		return err;
	/* With a ring, /dev/fuse carries only FORGET and INTERRUPT: one reader. */
	readers = se->kind >= ZCF_TRANSPORT_URING ? 1 : se->cfg.threads;
	err = zcf_classic_start(se, readers);
	if (err) {
		zcf_err("cannot start /dev/fuse readers: %s", strerror(-err));
		return err;
	}
	if (se->kind >= ZCF_TRANSPORT_URING) {
		err = zcf_uring_start(se, why, sizeof(why));
		if (err) {
			/* The kernel stays on /dev/fuse until every queue registers. */
			zcf_err("ring registration failed (%s); staying on classic", why);
			zcf_uring_stop(se);
			snprintf(se->transport_reason, sizeof(se->transport_reason),
				 "%s registration failed: %s", zcf_transport_name(se->kind), why);
			se->kind = ZCF_TRANSPORT_CLASSIC;
			if (se->cfg.transport_explicit) {
				zcfuse_session_exit(se);
				err = -EOPNOTSUPP;
			} else {
				err = zcf_classic_start(se, se->cfg.threads);
			}
		}
	}
	if (se->kind >= ZCF_TRANSPORT_URING)
		zcf_info("transport: %s (%u queues x %u entries, ring_setup %s%s, %u meta threads, "
			 "max_write %u, pinned %zu KiB); %s", zcf_transport_name(se->kind), se->nr_queues,
			 se->cfg.queue_depth, zcf_ring_setup_name(se->cfg.ring_setup),
			 se->cfg.ring_fd_plain ? " with a plain ring fd" : "", se->cfg.meta_threads,
			 se->conn.max_write, zcf_uring_pinned(se) >> 10, se->transport_reason);
	else
		zcf_info("transport: classic (%u threads, max_write %u); %s", readers,
			 se->conn.max_write, se->transport_reason);

	zcf_session_ready(se, !err);
	while (!se->exiting && !err)
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;

	/*
	 * Stopping: unmount (a no-op when the kernel already ended the
	 * connection). Readers still blocked in read(2) are interrupted by the
	 * transports' stop calls; clients left holding files get ENOTCONN once
	 * the process closes /dev/fuse.
	 */
	zcfuse_session_unmount(se);
	zcf_uring_stop(se);
	zcf_classic_stop(se);
	if (se->got_init && !se->got_destroy && se->ops.destroy) {
		se->got_destroy = true;
		se->ops.destroy(se->userdata);
	}
	return err;
}

ZCFUSE_API int zcfuse_session_unmount(struct zcfuse_session *se)
{
	int err;

	if (!se->mounted)
		return 0;
	se->mounted = false;
	err = zcf_unmount(&se->cfg, se->fd);
	return err;
}

/* The end of a session, once no reader can touch it any more. */
static void session_free(struct zcfuse_session *se)
{
	if (se->fd >= 0)
		close(se->fd);
	if (se->exit_efd >= 0)
		close(se->exit_efd);
	zcf_stats_free(se);
	zcf_retrieves_free(se);
	zcf_intrs_free(se);
	pthread_mutex_destroy(&se->lock);
	zcf_config_free(&se->cfg);
	if (se->free_hook)
		se->free_hook(se->free_hook_arg);
	free(se);
}

ZCFUSE_API void zcfuse_session_destroy(struct zcfuse_session *se)
{
	if (!se)
		return;
	zcfuse_session_unmount(se);
	/*
	 * A run that failed before starting its readers (negotiation) still
	 * holds the buffer INIT was read into; after a normal stop this finds
	 * nothing to free. A reader that stayed in the filesystem's code past
	 * the run's stop still needs the session (its reply, then its loop):
	 * the last such reader frees it.
	 */
	if (zcf_classic_stop(se) == -EBUSY && zcf_classic_orphan(se, session_free))
		return;
	zcf_classic_stop(se);
	session_free(se);
}

ZCFUSE_API const char *zcfuse_session_transport(struct zcfuse_session *se)
{
	return se->got_init ? zcf_transport_name(se->kind) : NULL;
}

ZCFUSE_API const char *zcfuse_session_mountpoint(struct zcfuse_session *se)
{
	return se->cfg.mountpoint;
}
