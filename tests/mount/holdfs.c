/* SPDX-License-Identifier: MIT */
/*
 * holdfs: a filesystem whose LOOKUP of a name starting with "hold" stays in
 * the server until the test lets it go, so a test can see whether a second
 * lookup in the same directory reaches the server meanwhile (parallel
 * dirops) or waits in the kernel.
 *
 *   HOLDFS_DIR=DIR [HOLDFS_MAX_MS=N] holdfs [zcfuse options] MOUNTPOINT
 *
 * The root is an empty directory. A LOOKUP of "holdNAME" creates DIR/in.NAME
 * (the test's sign that it is in the server), then waits until DIR/release
 * exists or SIGUSR1 came, at most HOLDFS_MAX_MS (default 10000) so that a
 * failing test cannot hang its clients, and answers ENOENT. Every other name
 * is ENOENT at once. At exit it prints the largest number of held lookups
 * that were in the server at one time ("holdfs: peak N").
 *
 * MKDIR, MKNOD and CREATE show what the kernel sends: each logs
 * "holdfs: OP NAME mode 0OOOO umask 0OOO" and fails with EROFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zcfuse/zcfuse.h>

static struct zcfuse_session *session;
static volatile sig_atomic_t released;
static _Atomic int in_flight, peak;
static const char *dir;
static long max_ms = 10000;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_released(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/release", dir);
	return released || !access(path, F_OK);
}

static void hold(const char *name)
{
	char path[4096];
	long end = now_ms() + max_ms;
	int n, p, fd;

	n = atomic_fetch_add(&in_flight, 1) + 1;
	p = atomic_load(&peak);
	while (n > p && !atomic_compare_exchange_weak(&peak, &p, n))
		;
	snprintf(path, sizeof(path), "%s/in.%s", dir, name + 4);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	fprintf(stderr, "holdfs: lookup %s held (%d in the server)\n", name, n);
	while (!is_released() && now_ms() < end)
		usleep(10 * 1000);
	atomic_fetch_sub(&in_flight, 1);
	fprintf(stderr, "holdfs: lookup %s answered%s\n", name,
		is_released() ? "" : " after the time limit");
}

static void h_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	if (parent == 1 && !strncmp(name, "hold", 4))
		hold(name);
	zcfuse_reply_err(req, ENOENT);
}

static void h_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st = { .st_ino = 1, .st_mode = S_IFDIR | 0755, .st_nlink = 2 };

	(void)fi;
	if (ino != 1) {
		zcfuse_reply_err(req, ENOENT);
		return;
	}
	zcfuse_reply_attr(req, &st, 0);
}

static void log_make(struct zcfuse_req *req, const char *op, const char *name, mode_t mode)
{
	fprintf(stderr, "holdfs: %s %s mode 0%o umask 0%03o\n", op, name, (unsigned)mode,
		(unsigned)zcfuse_req_ctx(req)->umask);
	zcfuse_reply_err(req, EROFS);
}

static void h_mkdir(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent;
	log_make(req, "MKDIR", name, mode);
}

static void h_mknod(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		    dev_t rdev)
{
	(void)parent, (void)rdev;
	log_make(req, "MKNOD", name, mode);
}

static void h_create(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name, mode_t mode,
		     struct zcfuse_file_info *fi)
{
	(void)parent, (void)fi;
	log_make(req, "CREATE", name, mode);
}

static const struct zcfuse_ops ops = {
	.lookup = h_lookup,
	.getattr = h_getattr,
	.mkdir = h_mkdir,
	.mknod = h_mknod,
	.create = h_create,
};

static void on_term(int sig)
{
	(void)sig;
	if (session)
		zcfuse_session_exit(session);
}

static void on_release(int sig)
{
	(void)sig;
	released = 1;
}

int main(int argc, char *argv[])
{
	struct zcfuse_session_opts opts = { .sz = sizeof(opts) };
	struct sigaction sa = { .sa_handler = on_term }, su = { .sa_handler = on_release };
	const char *m = getenv("HOLDFS_MAX_MS");
	int err;

	dir = getenv("HOLDFS_DIR");
	if (!dir) {
		fprintf(stderr, "holdfs: HOLDFS_DIR is not set\n");
		return 2;
	}
	if (m)
		max_ms = atol(m);
	err = zcfuse_session_new(argc, argv, &ops, sizeof(ops), &opts, NULL, &session);
	if (err)
		return err > 0 ? 0 : 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &su, NULL);
	err = zcfuse_session_mount(session);
	if (err) {
		fprintf(stderr, "holdfs: mount: %s\n", strerror(-err));
		zcfuse_session_destroy(session);
		return 1;
	}
	err = zcfuse_session_run(session);
	zcfuse_session_destroy(session);
	fprintf(stderr, "holdfs: peak %d\n", atomic_load(&peak));
	return err ? 1 : 0;
}
