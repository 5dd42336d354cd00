/* SPDX-License-Identifier: MIT */
/*
 * Sessions: parse, mount, negotiate INIT, pick the transport, serve until
 * the connection ends, unmount.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/session.h"
#include "transport/read_policy.h"

ZCFUSE_API int zcfuse_session_new(int argc, char *argv[], const struct zcfuse_ops *ops,
				  size_t ops_size, const struct zcfuse_session_opts *opts,
				  void *userdata, struct zcfuse_session **out)
{
	struct zcfuse_session *se;
	struct zcf_roof *roof;
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
	roof = calloc(1, sizeof(*roof));
	if (!roof)
		return -ENOMEM;
	se = &roof->se;
	memcpy(&se->pc.ops, ops, ops_size < sizeof(se->pc.ops) ? ops_size : sizeof(se->pc.ops));
	se->pc.userdata = userdata;
	se->fd = -1;
	se->exit_efd = -1;
	zcf_roof(se)->ready_fd = -1;
	zcf_counters_init(&se->pc.counters);
	se->pc.owner_uid = getuid();
	pthread_mutex_init(&se->pc.lock, NULL);
	zcf_rp_init(se);
	err = zcf_parse_cmdline(argc, argv, &o, userdata, &se->pc.cfg);
	if (err)
		goto fail;
	if (se->pc.cfg.show_help || se->pc.cfg.show_version) {
		if (se->pc.cfg.show_help)
			zcf_print_help(argc ? argv[0] : "zcfuse", &o);
		else
			printf("zcfuse version %s, FUSE protocol 7.%d\n", zcfuse_version_string(),
			       FUSE_KERNEL_MINOR_VERSION);
		zcfuse_session_destroy(se);
		return 1;
	}
	zcf_debug = se->pc.cfg.debug;
	zcf_raise_nofile();
	{
		/* Absolute, as a daemon changes to / and unmounts later. */
		char *abs = zcf_passed_fd(se->pc.cfg.mountpoint) >= 0
				    ? NULL /* /dev/fd/N resolves to /dev/fuse */
				    : realpath(se->pc.cfg.mountpoint, NULL);

		if (abs) {
			free(se->pc.cfg.mountpoint);
			se->pc.cfg.mountpoint = abs;
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

	if (zcf_roof(se)->mounted)
		return -EBUSY;
	err = zcf_mount(&se->pc.cfg, &se->fd);
	if (err)
		return err;
	zcf_roof(se)->mounted = true;
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

/* The transport reason of a session on the program's own I/O (dev_io). */
static void custom_io_reason(struct zcfuse_session *se, const char *how)
{
	bool other = se->pc.cfg.transport_explicit && se->pc.cfg.transport != ZCF_TRANSPORT_CLASSIC;

	snprintf(zcf_roof(se)->transport_reason, sizeof(zcf_roof(se)->transport_reason),
		 "the program's own descriptor and I/O (fuse_session_custom_io%s): the ring "
		 "transports need /dev/fuse itself%s%s%s", how, other ? "; " : "",
		 other ? zcf_transport_name(se->pc.cfg.transport) : "", other ? " not taken" : "");
}

/*
 * INIT for a program that runs its own loop (zcf_classic_process): its
 * thread reads /dev/fuse (or its own descriptor), so the transport is
 * classic whatever was asked.
 */
int zcf_session_own_init(struct zcfuse_session *se, struct zcfuse_req *req)
{
	int err;

	zcf_init_parse(&se->pc, req);
	zcf_roof(se)->kind = ZCF_TRANSPORT_CLASSIC;
	if (se->dev_io) {
		custom_io_reason(se, ", read in its own loop");
	} else {
		if (se->pc.cfg.transport_explicit && se->pc.cfg.transport != ZCF_TRANSPORT_CLASSIC)
			zcf_warn("transport %s asked for, but the program reads /dev/fuse in its "
				 "own loop: classic", zcf_transport_name(se->pc.cfg.transport));
		snprintf(zcf_roof(se)->transport_reason, sizeof(zcf_roof(se)->transport_reason),
			 "the program runs its own loop (fuse_session_receive_buf)");
	}
	err = zcf_handle_init(&se->pc, req, 0);
	zcf_info("transport: classic (the program's threads, max_write %u); %s",
		 se->pc.conn.max_write, zcf_roof(se)->transport_reason);
	zcf_session_ready(se, !err);
	return err;
}

int zcf_session_custom_io(struct zcfuse_session *se, struct zcf_dev_io *io, int fd)
{
	if (zcf_roof(se)->mounted || se->dev_io || se->fd >= 0)
		return -EBUSY;
	sem_init(&io->rlock, 0, 1);
	pthread_mutex_init(&io->wlock, NULL);
	se->dev_io = io;
	se->fd = fd;
	return 0;
}

/* Reads INIT, picks and prepares the transport, answers INIT. */
static int negotiate(struct zcfuse_session *se)
{
	struct zcf_ladder_facts facts;
	const struct zcf_rung *rung;
	struct zcfuse_req *req;
	char why[256];
	int err;

	err = zcf_classic_read_init(se, &req);
	if (err)
		return err;
	zcf_init_parse(&se->pc, req);
	if (se->dev_io) {
		/* Rings are set up on /dev/fuse itself, past the program's callbacks. */
		custom_io_reason(se, "");
		zcf_roof(se)->kind = ZCF_TRANSPORT_CLASSIC;
		return zcf_handle_init(&se->pc, req, 0);
	}

	zcf_ladder_facts(&facts, se->pc.conn.proto_minor, se->pc.conn.kernel_flags);
	rung = zcf_rung(zcf_ladder_pick(se->pc.cfg.transport, se->pc.cfg.transport_explicit, &facts,
					zcf_roof(se)->transport_reason, sizeof(zcf_roof(se)->transport_reason)));
	if (se->pc.cfg.transport_explicit && !zcf_rung_at_least(rung->kind, se->pc.cfg.transport)) {
		zcf_err("transport %s not available: %s", zcf_transport_name(se->pc.cfg.transport),
			zcf_roof(se)->transport_reason);
		zcfuse_reply_err(req, EPROTO);
		return -EOPNOTSUPP;
	}
	/* Fall down the ladder while ring setup fails. */
	while (rung->ring) {
		err = rung->ring->prepare(se, rung->payload, why, sizeof(why));
		if (!err)
			break;
		if (se->pc.cfg.transport_explicit) {
			zcf_err("transport %s not available: %s", rung->name, why);
			zcfuse_reply_err(req, EPROTO);
			return -EOPNOTSUPP;
		}
		snprintf(zcf_roof(se)->transport_reason, sizeof(zcf_roof(se)->transport_reason), "%s not available: %s",
			 rung->name, why);
		rung = zcf_rung(rung->below);
	}
	zcf_roof(se)->kind = rung->kind;
	se->pc.conn.zero_copy = rung->ring && rung->payload == ZCF_PAYLOAD_ZERO_COPY;
	return zcf_handle_init(&se->pc, req, rung->ring ? FUSE_OVER_IO_URING : 0);
}

ZCFUSE_API int zcfuse_session_run(struct zcfuse_session *se)
{
	struct pollfd pfd = { .fd = se->exit_efd, .events = POLLIN };
	const struct zcf_transport *ring;
	unsigned readers;
	char why[256];
	int err;

	if (!zcf_roof(se)->mounted && !se->dev_io)
		return -ENOTCONN;
	err = negotiate(se);
	if (err)
		return err;
	/* With a ring, /dev/fuse carries only FORGET and INTERRUPT: one reader. */
	ring = zcf_rung(zcf_roof(se)->kind)->ring;
	readers = ring ? 1 : se->pc.cfg.threads;
	err = zcf_classic_transport.start(se, readers, why, sizeof(why));
	if (err) {
		zcf_err("cannot start /dev/fuse readers: %s", strerror(-err));
		return err;
	}
	if (ring) {
		err = ring->start(se, 0, why, sizeof(why));
		if (err) {
			/* The kernel stays on /dev/fuse until every queue registers. */
			zcf_err("ring registration failed (%s); staying on classic", why);
			ring->stop(se);
			snprintf(zcf_roof(se)->transport_reason, sizeof(zcf_roof(se)->transport_reason),
				 "%s registration failed: %s", zcf_transport_name(zcf_roof(se)->kind), why);
			zcf_roof(se)->kind = ZCF_TRANSPORT_CLASSIC;
			se->pc.conn.zero_copy = false;
			ring = NULL;
			if (se->pc.cfg.transport_explicit) {
				zcfuse_session_exit(se);
				err = -EOPNOTSUPP;
			} else {
				err = zcf_classic_transport.start(se, se->pc.cfg.threads, why,
								  sizeof(why));
			}
		}
	}
	if (ring) {
		char late[96] = "";

		if (se->pin_late_max)
			snprintf(late, sizeof(late), ", up to %zu KiB as queues are first used",
				 se->pin_late_max >> 10);
		zcf_info("transport: %s (%u queues x %u entries, ring_setup %s%s, %u meta threads, "
			 "max_write %u, pinned %zu KiB%s); %s", zcf_transport_name(zcf_roof(se)->kind),
			 se->nr_queues, se->pc.cfg.queue_depth, zcf_ring_setup_name(se->pc.cfg.ring_setup),
			 se->pc.cfg.ring_fd_plain ? " with a plain ring fd" : "", se->pc.cfg.meta_threads,
			 se->pc.conn.max_write, ring->pinned(se) >> 10, late, zcf_roof(se)->transport_reason);
	} else
		zcf_info("transport: classic (%u threads, max_write %u); %s", readers,
			 se->pc.conn.max_write, zcf_roof(se)->transport_reason);

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
	zcf_ring_transport.stop(se);
	zcf_classic_transport.stop(se);
	if (se->pc.got_init && !se->pc.got_destroy && se->pc.ops.destroy) {
		se->pc.got_destroy = true;
		se->pc.ops.destroy(se->pc.userdata);
	}
	return err;
}

ZCFUSE_API int zcfuse_session_unmount(struct zcfuse_session *se)
{
	int err;

	if (!zcf_roof(se)->mounted)
		return 0;
	zcf_roof(se)->mounted = false;
	err = zcf_unmount(&se->pc.cfg, se->fd);
	return err;
}

/* The end of a session, once no reader can touch it any more. */
static void session_free(struct zcfuse_session *se)
{
	if (se->fd >= 0)
		close(se->fd);
	if (se->exit_efd >= 0)
		close(se->exit_efd);
	if (se->dev_io) {
		sem_destroy(&se->dev_io->rlock);
		pthread_mutex_destroy(&se->dev_io->wlock);
	}
	zcf_counters_fini(&se->pc.counters);
	zcf_rp_free(se);
	zcf_retrieves_free(&se->pc);
	zcf_intrs_free(&se->pc);
	pthread_mutex_destroy(&se->pc.lock);
	zcf_config_free(&se->pc.cfg);
	if (zcf_roof(se)->free_hook)
		zcf_roof(se)->free_hook(zcf_roof(se)->free_hook_arg);
	free(zcf_roof(se));
}

/* Frees the session when the last of its holders (destroy, stuck threads) lets go. */
static void session_release(struct zcfuse_session *se)
{
	if (atomic_fetch_sub(&zcf_roof(se)->holders, 1) == 1)
		session_free(se);
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
	 * the last such reader frees it, or the last ring queue thread the
	 * ring's stop left there; with both, the later of the two.
	 */
	atomic_store(&zcf_roof(se)->holders, 1);
	if (zcf_classic_stop(se) == -EBUSY) {
		atomic_fetch_add(&zcf_roof(se)->holders, 1);
		if (!zcf_classic_orphan(se, session_release)) {
			zcf_classic_stop(se);
			atomic_fetch_sub(&zcf_roof(se)->holders, 1);
		}
	}
	atomic_fetch_add(&zcf_roof(se)->holders, 1);
	if (!zcf_ring_orphan(se, session_release))
		atomic_fetch_sub(&zcf_roof(se)->holders, 1);
	session_release(se);
}

/* Here, not with the other request accessors: only the roof hands out the handle. */
ZCFUSE_API struct zcfuse_session *zcfuse_req_session(struct zcfuse_req *req)
{
	return zcf_req_se(req);
}

ZCFUSE_API const char *zcfuse_session_transport(struct zcfuse_session *se)
{
	return se->pc.got_init ? zcf_transport_name(zcf_roof(se)->kind) : NULL;
}

ZCFUSE_API const char *zcfuse_session_mountpoint(struct zcfuse_session *se)
{
	return se->pc.cfg.mountpoint;
}
