/* SPDX-License-Identifier: MIT */
/*
 * compat-hl-locks: a libfuse high-level filesystem whose lock operation
 * keeps no state: it grants every F_SETLK and F_SETLKW and answers every
 * F_GETLK with F_UNLCK. Whatever conflicts F_GETLK reports, and whatever
 * a close unlocks, is the high-level layer's own doing (as in libfuse's
 * fuse.c). Each lock call is appended to $HLLOCKS_LOG as
 * "CMD TYPE START LEN OWNER" (CMD GETLK, SETLK or SETLKW; TYPE RD, WR, UN).
 * One empty file, "f".
 *
 *   hllocks MNT [libfuse options]   (tests/mount/compat-hl-locks.sh)
 */
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static int hl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, "/f")) {
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int hl_open(const char *path, struct fuse_file_info *fi)
{
	(void)fi;
	return strcmp(path, "/f") ? -ENOENT : 0;
}

static int hl_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path, (void)buf, (void)size, (void)off, (void)fi;
	return 0;
}

static int hl_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)path, (void)buf, (void)off, (void)fi;
	return (int)size;
}

static int hl_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *l)
{
	const char *c = cmd == F_GETLK ? "GETLK" : cmd == F_SETLK ? "SETLK" : "SETLKW";
	const char *t = l->l_type == F_RDLCK ? "RD" : l->l_type == F_WRLCK ? "WR" : "UN";
	const char *p = getenv("HLLOCKS_LOG");
	FILE *f;

	(void)path;
	pthread_mutex_lock(&log_lock);
	f = p ? fopen(p, "a") : NULL;
	if (f) {
		fprintf(f, "%s %s %lld %lld %llx\n", c, t, (long long)l->l_start,
			(long long)l->l_len, (unsigned long long)fi->lock_owner);
		fclose(f);
	}
	pthread_mutex_unlock(&log_lock);
	if (cmd == F_GETLK)
		l->l_type = F_UNLCK; /* never a conflict of its own */
	return 0;
}

static const struct fuse_operations ops = {
	.getattr = hl_getattr,
	.open = hl_open,
	.read = hl_read,
	.write = hl_write,
	.lock = hl_lock,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &ops, NULL);
}
