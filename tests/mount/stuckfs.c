/* SPDX-License-Identifier: MIT */
/*
 * stuckfs: a filesystem whose READ does not come back until the test says
 * so, for what happens to a session whose reader is still inside the
 * filesystem's code when the session is stopped and destroyed.
 *
 *   STUCKFS_RELEASE=PATH stuckfs [zcfuse options] MOUNTPOINT
 *
 * The root holds "f" (6 bytes, "stuck\n"). A READ of it waits until PATH
 * exists (at most 120 s), then answers. SIGTERM stops the session; after
 * zcfuse_session_destroy() the program stays alive until that READ has
 * been answered and one more second has passed, so that whatever the
 * reader does after its reply (reading the session, taking the next
 * request) happens while the process still runs, and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcfuse/zcfuse.h>

#define CONTENT "stuck\n"

static struct zcfuse_session *session;
static _Atomic int in_read, answered;

static void st_stat(struct stat *st, zcfuse_ino_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	if (ino == 1) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_size = sizeof(CONTENT) - 1;
	}
}

static void st_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct zcfuse_entry_param e = { .ino = 2 };

	if (parent != 1 || strcmp(name, "f")) {
		zcfuse_reply_err(req, ENOENT);
		return;
	}
	st_stat(&e.attr, 2);
	zcfuse_reply_entry(req, &e);
}

static void st_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st;

	st_stat(&st, ino);
	zcfuse_reply_attr(req, &st, 0);
}

static void st_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	fi->direct_io = 1; /* every read reaches us */
	zcfuse_reply_open(req, fi);
}

static void st_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		    struct zcfuse_file_info *fi)
{
	const char *release = getenv("STUCKFS_RELEASE");
	size_t n = sizeof(CONTENT) - 1;
	int i;

	atomic_store(&in_read, 1);
	fprintf(stderr, "stuckfs: READ waits for %s\n", release ? release : "(unset)");
	for (i = 0; i < 1200 && release && access(release, F_OK); i++)
		usleep(100 * 1000);
	if (off >= (off_t)n)
		n = 0;
	else if (size < n - (size_t)off)
		n = size;
	else
		n -= (size_t)off;
	zcfuse_reply_buf(req, CONTENT + (off < 6 ? off : 0), n);
	fprintf(stderr, "stuckfs: READ answered\n");
	atomic_store(&answered, 1);
}

static const struct zcfuse_ops ops = {
	.lookup = st_lookup,
	.getattr = st_getattr,
	.open = st_open,
	.opendir = st_open,
	.read = st_read,
};

static void on_term(int sig)
{
	(void)sig;
	if (session)
		zcfuse_session_exit(session);
}

int main(int argc, char *argv[])
{
	struct zcfuse_session_opts opts = { .sz = sizeof(opts) };
	struct sigaction sa = { .sa_handler = on_term };
	int err, i;

	err = zcfuse_session_new(argc, argv, &ops, sizeof(ops), &opts, NULL, &session);
	if (err)
		return err > 0 ? 0 : 1;
	sigaction(SIGTERM, &sa, NULL);
	err = zcfuse_session_mount(session);
	if (err) {
		fprintf(stderr, "stuckfs: mount: %s\n", strerror(-err));
		return 1;
	}
	err = zcfuse_session_run(session);
	fprintf(stderr, "stuckfs: run returned %d\n", err);
	zcfuse_session_destroy(session);
	session = NULL;
	fprintf(stderr, "stuckfs: session destroyed\n");
	for (i = 0; i < 1300 && atomic_load(&in_read) && !atomic_load(&answered); i++)
		usleep(100 * 1000);
	sleep(1);
	fprintf(stderr, "stuckfs: exit\n");
	return 0;
}
