/* SPDX-License-Identifier: MIT */
/*
 * nsstress MNT NPROC ITERATIONS: NPROC processes race random namespace and
 * data operations (create, write, read, rename, link, unlink, mkdir, rmdir,
 * symlink, stat, readdir, truncate) over a small set of names in MNT, so
 * that lookups, forgets and renames of the same inodes interleave. Errors
 * the races explain (ENOENT, EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, ...) are
 * fine; any other errno (EIO above all) or a dead mount is a failure. At the
 * end everything is removed and MNT must be empty. Exit 0 or 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAMES 24

static const char *mnt;

static void name_of(char *buf, size_t size, unsigned r)
{
	unsigned a = r % NAMES, b = (r / NAMES) % 3;

	/* Three levels: MNT/nA, MNT/dK/nA (dK may or may not be a folder). */
	if (b == 0)
		snprintf(buf, size, "%s/n%u", mnt, a);
	else
		snprintf(buf, size, "%s/n%u/n%u", mnt, b + NAMES / 2, a);
}

static int expected(int err)
{
	switch (err) {
	case ENOENT: case EEXIST: case ENOTEMPTY: case ENOTDIR: case EISDIR:
	case EINVAL: case EPERM: case EBUSY: case ELOOP: case EXDEV: case EMLINK:
		return 1;
	}
	return 0;
}

static int one_op(unsigned *seed)
{
	char a[512], b[512], buf[8192];
	unsigned r = (unsigned)rand_r(seed);
	struct stat st;
	int fd, ret = 0;
	DIR *d;

	name_of(a, sizeof(a), (unsigned)rand_r(seed));
	name_of(b, sizeof(b), (unsigned)rand_r(seed));
	errno = 0;
	switch (r % 13) {
	case 0:
		fd = open(a, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			memset(buf, 'a' + (int)(r % 26), sizeof(buf));
			if (pwrite(fd, buf, (r >> 8) % sizeof(buf), (r >> 16) % 65536) < 0)
				ret = -1;
			close(fd);
		} else {
			ret = -1;
		}
		break;
	case 1:
		fd = open(a, O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				ret = -1;
			close(fd);
		} else {
			ret = -1;
		}
		break;
	case 2: ret = rename(a, b); break;
	case 3: ret = link(a, b); break;
	case 4: ret = unlink(a); break;
	case 5: ret = mkdir(a, 0755); break;
	case 6: ret = rmdir(a); break;
	case 7: ret = symlink("n1", a); break;
	case 8: ret = stat(a, &st); break;
	case 9: ret = lstat(a, &st); break;
	case 10: ret = truncate(a, (r >> 4) % 100000); break;
	case 11:
		d = opendir(mnt);
		if (d) {
			while (readdir(d))
				;
			closedir(d);
		} else {
			ret = -1;
		}
		break;
	case 12: ret = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE); break;
	}
	if (ret && !expected(errno)) {
		printf("nsstress: op %u on %s / %s: unexpected errno %d (%s)\n", r % 13, a, b, errno,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes everything under path (depth-first). */
static int clean(const char *path)
{
	struct dirent *de;
	char sub[1024];
	int bad = 0;
	DIR *d = opendir(path);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (unlink(sub) && errno == EISDIR) {
			bad |= clean(sub);
			if (rmdir(sub)) {
				printf("nsstress: rmdir %s: %s\n", sub, strerror(errno));
				bad = -1;
			}
		} else if (errno && errno != EISDIR && access(sub, F_OK) == 0) {
			printf("nsstress: unlink %s: %s\n", sub, strerror(errno));
			bad = -1;
		}
		errno = 0;
	}
	closedir(d);
	return bad;
}

int main(int argc, char *argv[])
{
	int nproc, iters, failed = 0, status, left = 0;
	struct dirent *de;
	DIR *d;

	if (argc != 4) {
		fprintf(stderr, "usage: %s MNT NPROC ITERATIONS\n", argv[0]);
		return 1;
	}
	mnt = argv[1];
	nproc = atoi(argv[2]);
	iters = atoi(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int p = 0; p < nproc; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			unsigned seed = (unsigned)(p * 7919 + 1);

			for (int i = 0; i < iters; i++)
				if (one_op(&seed))
					_exit(1);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	if (failed)
		printf("nsstress: %d of %d workers failed\n", failed, nproc);
	if (clean(mnt))
		failed++;
	d = opendir(mnt);
	if (!d) {
		printf("nsstress: opendir %s after the run: %s\n", mnt, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			printf("nsstress: '%s' left after cleaning\n", de->d_name);
			left++;
		}
	closedir(d);
	if (left)
		failed++;
	printf("nsstress: %d workers x %d operations, %s\n", nproc, iters, failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
