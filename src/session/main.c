/* SPDX-License-Identifier: MIT */
/*
 * zcfuse_main(): the whole life of a server process, as FUSE developers
 * expect it from libfuse: mount, daemonize only once the mount works,
 * unmount cleanly on SIGINT, SIGTERM and SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session/session.h"

static struct zcfuse_session *signal_session;

static void on_exit_signal(int sig)
{
	if (signal_session)
		zcfuse_session_exit(signal_session);
}

static int set_signal_handlers(struct zcfuse_session *se)
{
	struct sigaction sa = { .sa_handler = on_exit_signal };
	struct sigaction ign = { .sa_handler = SIG_IGN };

	signal_session = se;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL) || sigaction(SIGPIPE, &ign, NULL))
		return -errno;
	return 0;
}

/*
 * Detach from the terminal. The parent waits until the child says the
 * session is serving (INIT answered, transport up) and exits 0, or 1 if it
 * failed: "server && use the mount" works in scripts, and an error still
 * reaches the terminal because the child keeps stderr until then.
 */
static int daemonize(struct zcfuse_session *se)
{
	int fds[2];
	char c = 1;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 1 && c == 0 ? 0 : 1);
	}
	close(fds[0]);
	if (setsid() < 0)
		return -errno;
	if (chdir("/"))
		return -errno;
	zcf_roof(se)->ready_fd = fds[1];
	return 0;
}

/* Called by the session once it serves: release the waiting parent. */
void zcf_session_ready(struct zcfuse_session *se, bool ok)
{
	char c = ok ? 0 : 1;

	if (zcf_roof(se)->ready_fd < 0)
		return;
	if (write(zcf_roof(se)->ready_fd, &c, 1) != 1)
		zcf_dbg("parent gone before the daemon was ready");
	close(zcf_roof(se)->ready_fd);
	zcf_roof(se)->ready_fd = -1;
	if (!ok)
		return;
	zcf_detach_stdio();
}

ZCFUSE_API int zcfuse_main(int argc, char *argv[], const struct zcfuse_ops *ops,
			   size_t ops_size, const struct zcfuse_session_opts *opts,
			   void *userdata)
{
	struct zcfuse_session *se;
	int err;

	err = zcfuse_session_new(argc, argv, ops, ops_size, opts, userdata, &se);
	if (err)
		return err > 0 ? 0 : 1;
	err = set_signal_handlers(se);
	if (!err)
		err = zcfuse_session_mount(se);
	if (!err && !se->pc.cfg.foreground) {
		err = daemonize(se);
		if (err)
			zcf_err("cannot daemonize: %s", strerror(-err));
	}
	if (!err)
		err = zcfuse_session_run(se);
	zcf_session_ready(se, false); /* no-op once it said "serving" */
	if (se->pc.cfg.stats_path && se->pc.got_init) {
		int serr = zcf_stats_write(se, se->pc.cfg.stats_path);

		if (serr)
			zcf_err("cannot write statistics to %s: %s", se->pc.cfg.stats_path,
				strerror(-serr));
	}
	signal_session = NULL;
	zcfuse_session_destroy(se);
	return err ? 1 : 0;
}
