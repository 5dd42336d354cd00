/* SPDX-License-Identifier: MIT */
/*
 * fsops MNT [--source SRC] [CASE...]: exercises a mounted filesystem with
 * ordinary system calls, one case per POSIX behaviour, each in its own
 * folder MNT/fsops.CASE. Prints "ok CASE" or "FAIL CASE: where: why" and
 * exits 1 if any case failed. With --source (a passthrough of SRC), cases
 * also check that the change reached SRC. Without CASE arguments, all run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static const char *mnt, *src;
static char dir[PATH_MAX / 2];     /* MNT/fsops.CASE */
static char src_dir[PATH_MAX / 2]; /* SRC/fsops.CASE when --source */
static const char *case_name;

#define FAIL(...)                                                                   \
	do {                                                                        \
		int e_ = errno;                                                     \
		printf("FAIL %s: %s:%d: ", case_name, __FILE__, __LINE__);          \
		printf(__VA_ARGS__);                                                \
		printf(" (errno %d: %s)\n", e_, strerror(e_));                      \
		return -1;                                                          \
	} while (0)

#define CHECK(cond, ...)                                                            \
	do {                                                                        \
		if (!(cond)) {                                                      \
			int e_ = errno;                                             \
			printf("FAIL %s: %s:%d: %s: ", case_name, __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                        \
			printf(" (errno %d: %s)\n", e_, strerror(e_));              \
			return -1;                                                  \
		}                                                                   \
	} while (0)

/* A check whose message says it all. */
#define EXPECT(cond, ...)                                                           \
	do {                                                                        \
		if (!(cond))                                                        \
			FAIL(__VA_ARGS__);                                          \
	} while (0)

#define EXPECT_ERRNO(call, err, ...)                                                \
	do {                                                                        \
		errno = 0;                                                          \
		if ((call) != -1 || errno != (err)) {                               \
			printf("FAIL %s: %s:%d: %s: want errno %d (%s), got errno %d (%s): ", \
			       case_name, __FILE__, __LINE__, #call, err, strerror(err),   \
			       errno, strerror(errno));                             \
			printf(__VA_ARGS__);                                        \
			printf("\n");                                               \
			return -1;                                                  \
		}                                                                   \
	} while (0)

static char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 8];
	int n = snprintf(p, PATH_MAX, "%s/", dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	return p;
}

static char *spath(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", src_dir, name);
	return p;
}

static void fill(unsigned char *buf, size_t len, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (off + i) * 2654435761u + seed;

		buf[i] = (unsigned char)(x ^ (x >> 13));
	}
}

/* Index of the first byte of buf that is not the pattern, or -1. */
static long check_pattern(const unsigned char *buf, size_t len, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (off + i) * 2654435761u + seed;

		if (buf[i] != (unsigned char)(x ^ (x >> 13)))
			return (long)i;
	}
	return -1;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Reads up to len bytes at off; returns the count (short only at EOF) or -1. */
static ssize_t read_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int make_file(const char *p, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len ? len : 1);
	int fd, ret = -1;

	if (!buf)
		return -1;
	fill(buf, len, 0, seed);
	fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd >= 0) {
		ret = write_all(fd, buf, len, 0);
		if (close(fd))
			ret = -1;
	}
	free(buf);
	return ret;
}

static int slurp(const char *p, char *buf, size_t size)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read_all(fd, buf, size - 1, 0);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

static int spit(const char *p, const char *text, int flags)
{
	int fd = open(p, O_CREAT | O_WRONLY | flags, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (close(fd) || n != (ssize_t)strlen(text))
		return -1;
	return 0;
}

/* ---- cases ---- */

static int case_create(void)
{
	struct stat st;
	int fd;

	fd = open(path("new"), O_CREAT | O_EXCL | O_WRONLY, 0640);
	EXPECT(fd >= 0, "create new");
	EXPECT(fstat(fd, &st) == 0, "fstat of the new file");
	CHECK(S_ISREG(st.st_mode), "mode %o", st.st_mode);
	CHECK((st.st_mode & 07777) == 0640, "mode %o, want 0640", st.st_mode & 07777);
	CHECK(st.st_size == 0, "size %lld", (long long)st.st_size);
	CHECK(st.st_nlink == 1, "nlink %lu", (unsigned long)st.st_nlink);
	close(fd);
	EXPECT_ERRNO(open(path("new"), O_CREAT | O_EXCL | O_WRONLY, 0640), EEXIST, "O_EXCL on an existing file");
	EXPECT(stat(path("new"), &st) == 0, "stat after close");
	CHECK(st.st_uid == getuid(), "owner %u, want %u", st.st_uid, getuid());
	fd = open(path("new"), O_CREAT | O_WRONLY, 0600);
	EXPECT(fd >= 0, "O_CREAT without O_EXCL opens the existing file");
	close(fd);
	EXPECT(mkdir(path("sub"), 0750) == 0, "mkdir");
	EXPECT(stat(path("sub"), &st) == 0 && S_ISDIR(st.st_mode), "the new folder is a folder");
	CHECK((st.st_mode & 07777) == 0750, "folder mode %o", st.st_mode & 07777);
	EXPECT_ERRNO(mkdir(path("sub"), 0750), EEXIST, "mkdir twice");
	fd = open(path("sub/inner"), O_CREAT | O_EXCL | O_RDWR, 0600);
	EXPECT(fd >= 0, "create in a subfolder");
	close(fd);
	if (src) {
		EXPECT(stat(spath("new"), &st) == 0, "the new file exists in SOURCE");
		EXPECT(stat(spath("sub/inner"), &st) == 0, "sub/inner exists in SOURCE");
	}
	return 0;
}

static int case_readwrite(void)
{
	const size_t len = (1 << 20) + 123;
	unsigned char *buf = malloc(len), *back = malloc(len + 10);
	ssize_t n;
	long bad;
	int fd;

	EXPECT(buf && back, "malloc");
	fill(buf, len, 0, 1);
	fd = open(path("data"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	EXPECT(fd >= 0, "create data");
	/* write in odd pieces, out of order */
	EXPECT(write_all(fd, buf + 5000, len - 5000, 5000) == 0, "pwrite tail");
	EXPECT(write_all(fd, buf, 5000, 0) == 0, "pwrite head");
	EXPECT(close(fd) == 0, "close after writing");
	fd = open(path("data"), O_RDONLY);
	EXPECT(fd >= 0, "reopen");
	n = read_all(fd, back, len + 10, 0);
	CHECK(n == (ssize_t)len, "read %zd bytes, want %zu", n, len);
	bad = check_pattern(back, len, 0, 1);
	CHECK(bad < 0, "byte %ld differs after reopen", bad);
	n = pread(fd, back, 100, (off_t)len);
	CHECK(n == 0, "read at EOF gave %zd", n);
	n = pread(fd, back, 100, (off_t)len - 10);
	CHECK(n == 10, "read across EOF gave %zd, want 10", n);
	n = pread(fd, back, 4096, 777777);
	CHECK(n == 4096 && check_pattern(back, 4096, 777777, 1) < 0, "pread in the middle");
	close(fd);
	/* overwrite a range, check the rest survived */
	fd = open(path("data"), O_WRONLY);
	EXPECT(fd >= 0, "open for overwrite");
	memset(buf + 100000, 'Z', 3000);
	EXPECT(write_all(fd, buf + 100000, 3000, 100000) == 0, "overwrite");
	close(fd);
	fd = open(path("data"), O_RDONLY);
	EXPECT(fd >= 0, "reopen");
	n = read_all(fd, back, len, 0);
	close(fd);
	CHECK(n == (ssize_t)len && !memcmp(buf, back, len), "content after overwrite differs");
	if (src) {
		fd = open(spath("data"), O_RDONLY);
		EXPECT(fd >= 0, "open in SOURCE");
		n = read_all(fd, back, len + 10, 0);
		close(fd);
		CHECK(n == (ssize_t)len && !memcmp(buf, back, len), "SOURCE content differs");
	}
	free(buf);
	free(back);
	return 0;
}

static int case_append(void)
{
	char text[64];
	int a, b;

	EXPECT(spit(path("log"), "abc", O_TRUNC) == 0, "write abc");
	a = open(path("log"), O_WRONLY | O_APPEND);
	EXPECT(a >= 0, "open O_APPEND");
	EXPECT(lseek(a, 0, SEEK_SET) == 0, "seek to 0");
	EXPECT(write(a, "def", 3) == 3, "append def");
	b = open(path("log"), O_WRONLY | O_APPEND);
	EXPECT(b >= 0, "second O_APPEND descriptor");
	EXPECT(write(b, "ghi", 3) == 3, "append ghi through b");
	EXPECT(write(a, "jkl", 3) == 3, "append jkl through a");
	close(a);
	close(b);
	EXPECT(slurp(path("log"), text, sizeof(text)) >= 0, "read back");
	CHECK(!strcmp(text, "abcdefghijkl"), "content '%s', want abcdefghijkl", text);
	return 0;
}

static int case_truncate(void)
{
	const size_t len = 100000;
	unsigned char *buf = calloc(1, 300000);
	struct stat st;
	ssize_t n;
	int fd;

	EXPECT(buf, "calloc");
	EXPECT(make_file(path("t"), len, 7) == 0, "make file");
	EXPECT(truncate(path("t"), 50000) == 0, "shrink to 50000");
	EXPECT(stat(path("t"), &st) == 0 && st.st_size == 50000, "size %lld after shrink",
	       (long long)st.st_size);
	EXPECT(truncate(path("t"), 200000) == 0, "grow to 200000");
	EXPECT(stat(path("t"), &st) == 0 && st.st_size == 200000, "size %lld after grow",
	       (long long)st.st_size);
	fd = open(path("t"), O_RDWR);
	EXPECT(fd >= 0, "open");
	n = read_all(fd, buf, 300000, 0);
	CHECK(n == 200000, "read %zd bytes", n);
	CHECK(check_pattern(buf, 50000, 0, 7) < 0, "the first 50000 bytes survived");
	for (size_t i = 50000; i < 200000; i++)
		if (buf[i])
			FAIL("byte %zu is %#x after grow, want 0 (old data came back?)", i, buf[i]);
	EXPECT(ftruncate(fd, 10) == 0, "ftruncate to 10");
	EXPECT(fstat(fd, &st) == 0 && st.st_size == 10, "fstat size %lld", (long long)st.st_size);
	n = read_all(fd, buf, 100, 0);
	CHECK(n == 10 && check_pattern(buf, 10, 0, 7) < 0, "10 bytes left, got %zd", n);
	close(fd);
	fd = open(path("t"), O_WRONLY | O_TRUNC);
	EXPECT(fd >= 0, "O_TRUNC");
	close(fd);
	EXPECT(stat(path("t"), &st) == 0 && st.st_size == 0, "size %lld after O_TRUNC",
	       (long long)st.st_size);
	if (src)
		EXPECT(stat(spath("t"), &st) == 0 && st.st_size == 0, "SOURCE size %lld",
		       (long long)st.st_size);
	free(buf);
	return 0;
}

static int case_rename(void)
{
	char text[64];
	struct stat st;
	int fd;

	EXPECT(spit(path("a"), "content-a", O_TRUNC) == 0, "write a");
	EXPECT(spit(path("b"), "content-b", O_TRUNC) == 0, "write b");
	fd = open(path("b"), O_RDONLY); /* an open file being replaced */
	EXPECT(fd >= 0, "open b");
	EXPECT(rename(path("a"), path("b")) == 0, "rename a over b");
	EXPECT_ERRNO(stat(path("a"), &st), ENOENT, "a is gone");
	EXPECT(slurp(path("b"), text, sizeof(text)) >= 0, "read b");
	CHECK(!strcmp(text, "content-a"), "b holds '%s'", text);
	memset(text, 0, sizeof(text));
	EXPECT(read(fd, text, sizeof(text) - 1) == 9, "the old b is still readable through its fd");
	CHECK(!strcmp(text, "content-b"), "old b holds '%s'", text);
	close(fd);
	EXPECT(mkdir(path("d"), 0755) == 0, "mkdir d");
	EXPECT(rename(path("b"), path("d/moved")) == 0, "rename into a folder");
	EXPECT(slurp(path("d/moved"), text, sizeof(text)) >= 0 && !strcmp(text, "content-a"),
	       "d/moved holds '%s'", text);
	EXPECT(rename(path("d/moved"), path("d/moved")) == 0, "rename onto itself");
	EXPECT_ERRNO(rename(path("nothere"), path("x")), ENOENT, "rename of a missing file");
	if (src) {
		EXPECT(slurp(spath("d/moved"), text, sizeof(text)) >= 0 && !strcmp(text, "content-a"),
		       "SOURCE d/moved holds '%s'", text);
		EXPECT_ERRNO(stat(spath("b"), &st), ENOENT, "b is gone from SOURCE");
	}
	return 0;
}

static int case_rename_dir(void)
{
	char text[64];
	struct stat st;

	EXPECT(mkdir(path("d1"), 0755) == 0, "mkdir d1");
	EXPECT(mkdir(path("d1/inner"), 0755) == 0, "mkdir d1/inner");
	EXPECT(spit(path("d1/inner/f"), "deep", O_TRUNC) == 0, "write d1/inner/f");
	EXPECT(rename(path("d1"), path("d2")) == 0, "rename d1 to d2");
	EXPECT_ERRNO(stat(path("d1"), &st), ENOENT, "d1 is gone");
	EXPECT(slurp(path("d2/inner/f"), text, sizeof(text)) >= 0 && !strcmp(text, "deep"),
	       "d2/inner/f holds '%s'", text);
	EXPECT(mkdir(path("empty"), 0755) == 0, "mkdir empty");
	EXPECT(rename(path("d2"), path("empty")) == 0, "rename a folder over an empty folder");
	EXPECT(slurp(path("empty/inner/f"), text, sizeof(text)) >= 0 && !strcmp(text, "deep"),
	       "empty/inner/f holds '%s'", text);
	EXPECT(mkdir(path("full"), 0755) == 0, "mkdir full");
	EXPECT(spit(path("full/x"), "x", O_TRUNC) == 0, "write full/x");
	errno = 0;
	EXPECT(rename(path("empty"), path("full")) == -1 && (errno == ENOTEMPTY || errno == EEXIST),
	       "rename over a non-empty folder must fail with ENOTEMPTY");
	EXPECT_ERRNO(rename(path("empty"), path("empty/inner/sub")), EINVAL, "rename into itself");
	EXPECT_ERRNO(rename(path("full/x"), path("empty")), EISDIR, "file over a folder");
	EXPECT_ERRNO(rename(path("empty"), path("full/x")), ENOTDIR, "folder over a file");
	return 0;
}

static int case_hardlink(void)
{
	struct stat a, b;
	char text[64];

	EXPECT(spit(path("orig"), "one", O_TRUNC) == 0, "write orig");
	EXPECT(link(path("orig"), path("alias")) == 0, "link");
	EXPECT(stat(path("orig"), &a) == 0 && stat(path("alias"), &b) == 0, "stat both");
	CHECK(a.st_ino == b.st_ino, "same inode: %llu vs %llu", (unsigned long long)a.st_ino,
	      (unsigned long long)b.st_ino);
	CHECK(a.st_nlink == 2 && b.st_nlink == 2, "nlink %lu and %lu, want 2",
	      (unsigned long)a.st_nlink, (unsigned long)b.st_nlink);
	EXPECT(spit(path("alias"), "two-two", O_TRUNC) == 0, "write through alias");
	EXPECT(slurp(path("orig"), text, sizeof(text)) >= 0, "read orig");
	CHECK(!strcmp(text, "two-two"), "orig holds '%s' after writing alias", text);
	EXPECT(link(path("orig"), path("third")) == 0, "a third name");
	EXPECT(stat(path("alias"), &b) == 0 && b.st_nlink == 3, "nlink %lu, want 3",
	       (unsigned long)b.st_nlink);
	EXPECT(unlink(path("orig")) == 0, "unlink orig");
	EXPECT(stat(path("alias"), &b) == 0, "alias survives");
	CHECK(b.st_nlink == 2, "nlink %lu after unlink, want 2", (unsigned long)b.st_nlink);
	EXPECT(slurp(path("alias"), text, sizeof(text)) >= 0 && !strcmp(text, "two-two"),
	       "alias holds '%s'", text);
	EXPECT_ERRNO(link(path("alias"), path("third")), EEXIST, "link onto an existing name");
	EXPECT(mkdir(path("dir"), 0755) == 0, "mkdir");
	EXPECT_ERRNO(link(path("dir"), path("dirlink")), EPERM, "hard link to a folder");
	if (src) {
		EXPECT(stat(spath("alias"), &a) == 0 && stat(spath("third"), &b) == 0, "SOURCE names");
		CHECK(a.st_ino == b.st_ino && a.st_nlink == 2, "SOURCE: a real hard link");
	}
	return 0;
}

static int case_symlink(void)
{
	char target[PATH_MAX], text[64];
	struct stat st;
	ssize_t n;

	EXPECT(spit(path("target"), "pointed-at", O_TRUNC) == 0, "write target");
	EXPECT(symlink("target", path("rel")) == 0, "symlink rel -> target");
	n = readlink(path("rel"), target, sizeof(target));
	EXPECT(n == 6 && !memcmp(target, "target", 6), "readlink gave %zd bytes '%.*s'", n,
	       (int)(n > 0 ? n : 0), target);
	EXPECT(lstat(path("rel"), &st) == 0, "lstat");
	CHECK(S_ISLNK(st.st_mode), "lstat mode %o", st.st_mode);
	CHECK(st.st_size == 6, "symlink size %lld, want 6", (long long)st.st_size);
	EXPECT(stat(path("rel"), &st) == 0 && S_ISREG(st.st_mode), "stat follows the link");
	EXPECT(slurp(path("rel"), text, sizeof(text)) >= 0 && !strcmp(text, "pointed-at"),
	       "open follows the link: '%s'", text);
	EXPECT(symlink("no-such-target", path("dangling")) == 0, "dangling symlink");
	EXPECT_ERRNO(open(path("dangling"), O_RDONLY), ENOENT, "open of a dangling link");
	EXPECT_ERRNO(open(path("rel"), O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a link");
	{
		char longt[1001];

		memset(longt, 'x', 1000);
		longt[1000] = 0;
		EXPECT(symlink(longt, path("long")) == 0, "symlink with a 1000-byte target");
		n = readlink(path("long"), target, sizeof(target));
		EXPECT(n == 1000 && !memcmp(target, longt, 1000), "readlink of the long link gave %zd", n);
	}
	EXPECT_ERRNO(symlink("target", path("rel")), EEXIST, "symlink onto an existing name");
	if (src) {
		n = readlink(spath("rel"), target, sizeof(target));
		EXPECT(n == 6 && !memcmp(target, "target", 6), "SOURCE holds the same link");
	}
	return 0;
}

static int case_unlink_rmdir(void)
{
	char text[64] = { 0 };
	struct stat st;
	int fd;

	EXPECT(spit(path("f"), "data", O_TRUNC) == 0, "write f");
	EXPECT(unlink(path("f")) == 0, "unlink");
	EXPECT_ERRNO(stat(path("f"), &st), ENOENT, "gone after unlink");
	EXPECT_ERRNO(unlink(path("f")), ENOENT, "unlink twice");
	EXPECT(mkdir(path("d"), 0755) == 0, "mkdir d");
	EXPECT(spit(path("d/x"), "x", O_TRUNC) == 0, "write d/x");
	EXPECT_ERRNO(rmdir(path("d")), ENOTEMPTY, "rmdir of a non-empty folder");
	errno = 0;
	EXPECT(unlink(path("d")) == -1 && (errno == EISDIR || errno == EPERM),
	       "unlink of a folder must fail with EISDIR");
	EXPECT_ERRNO(rmdir(path("d/x")), ENOTDIR, "rmdir of a file");
	EXPECT(unlink(path("d/x")) == 0, "unlink d/x");
	EXPECT(rmdir(path("d")) == 0, "rmdir of the now empty folder");
	EXPECT_ERRNO(stat(path("d"), &st), ENOENT, "folder gone");
	/* An open file outlives its name. */
	EXPECT(spit(path("open"), "still-here", O_TRUNC) == 0, "write open");
	fd = open(path("open"), O_RDWR);
	EXPECT(fd >= 0, "open");
	EXPECT(unlink(path("open")) == 0, "unlink while open");
	EXPECT(pread(fd, text, sizeof(text) - 1, 0) == 10, "read through the fd after unlink");
	CHECK(!strcmp(text, "still-here"), "read '%s'", text);
	EXPECT(pwrite(fd, "more", 4, 10) == 4, "write through the fd after unlink");
	EXPECT(fstat(fd, &st) == 0, "fstat after unlink");
	CHECK(st.st_size == 14, "size %lld", (long long)st.st_size);
	CHECK(st.st_nlink == 0, "nlink %lu after unlink, want 0", (unsigned long)st.st_nlink);
	close(fd);
	EXPECT_ERRNO(stat(path("open"), &st), ENOENT, "still gone after close");
	return 0;
}

static int case_readdir_big(void)
{
	enum { N = 10000 };
	unsigned char *seen = calloc(N, 1);
	int dots = 0, dotdots = 0, others = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	EXPECT(seen, "calloc");
	for (int i = 0; i < N; i++) {
		fd = open(path("entry-with-a-longish-name-%05d", i), O_CREAT | O_EXCL | O_WRONLY, 0644);
		EXPECT(fd >= 0, "create entry %d", i);
		close(fd);
	}
	d = opendir(dir);
	EXPECT(d, "opendir");
	while ((errno = 0, de = readdir(d))) {
		int i;
		char tail;

		if (!strcmp(de->d_name, ".")) {
			dots++;
		} else if (!strcmp(de->d_name, "..")) {
			dotdots++;
		} else if (sscanf(de->d_name, "entry-with-a-longish-name-%05d%c", &i, &tail) == 1 &&
			   i >= 0 && i < N) {
			if (seen[i]++)
				FAIL("entry %d listed twice", i);
			if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
				FAIL("entry %d has d_type %d", i, de->d_type);
		} else {
			others++;
			printf("unexpected name '%s'\n", de->d_name);
		}
	}
	EXPECT(errno == 0, "readdir ended with an error");
	closedir(d);
	for (int i = 0; i < N; i++)
		if (!seen[i])
			FAIL("entry %d never listed", i);
	CHECK(dots == 1 && dotdots == 1, ". seen %d times, .. %d times", dots, dotdots);
	CHECK(!others, "%d unexpected names", others);
	/* A second pass after removing every other entry. */
	for (int i = 0; i < N; i += 2)
		EXPECT(unlink(path("entry-with-a-longish-name-%05d", i)) == 0, "unlink %d", i);
	memset(seen, 0, N);
	d = opendir(dir);
	EXPECT(d, "opendir again");
	while ((de = readdir(d))) {
		int i;

		if (sscanf(de->d_name, "entry-with-a-longish-name-%05d", &i) == 1 && i >= 0 && i < N) {
			if (i % 2 == 0)
				FAIL("unlinked entry %d still listed", i);
			if (seen[i]++)
				FAIL("entry %d listed twice in the second pass", i);
		}
	}
	closedir(d);
	for (int i = 1; i < N; i += 2)
		if (!seen[i])
			FAIL("entry %d missing in the second pass", i);
	for (int i = 1; i < N; i += 2)
		unlink(path("entry-with-a-longish-name-%05d", i));
	free(seen);
	return 0;
}

static int case_xattr(void)
{
	char value[8192], list[4096], big[4000];
	ssize_t n;
	bool found = false;

	EXPECT(spit(path("x"), "x", O_TRUNC) == 0, "write x");
	if (setxattr(path("x"), "user.test", "value1", 6, 0) != 0) {
		if (errno == ENOTSUP)
			FAIL("user xattrs not supported by this filesystem");
		FAIL("setxattr user.test");
	}
	n = getxattr(path("x"), "user.test", NULL, 0);
	CHECK(n == 6, "size query gave %zd, want 6", n);
	n = getxattr(path("x"), "user.test", value, sizeof(value));
	CHECK(n == 6 && !memcmp(value, "value1", 6), "getxattr gave %zd bytes '%.*s'", n,
	      (int)(n > 0 ? n : 0), value);
	EXPECT_ERRNO(getxattr(path("x"), "user.test", value, 3), ERANGE, "buffer too small");
	EXPECT_ERRNO(getxattr(path("x"), "user.missing", value, sizeof(value)), ENODATA,
		     "missing attribute");
	EXPECT_ERRNO(setxattr(path("x"), "user.test", "v", 1, XATTR_CREATE), EEXIST,
		     "XATTR_CREATE on an existing attribute");
	EXPECT_ERRNO(setxattr(path("x"), "user.nope", "v", 1, XATTR_REPLACE), ENODATA,
		     "XATTR_REPLACE on a missing attribute");
	EXPECT(setxattr(path("x"), "user.test", "replaced", 8, XATTR_REPLACE) == 0, "XATTR_REPLACE");
	n = getxattr(path("x"), "user.test", value, sizeof(value));
	CHECK(n == 8 && !memcmp(value, "replaced", 8), "value after replace");
	memset(big, 'b', sizeof(big));
	EXPECT(setxattr(path("x"), "user.big", big, sizeof(big), 0) == 0, "a 4000-byte value");
	n = getxattr(path("x"), "user.big", value, sizeof(value));
	CHECK(n == (ssize_t)sizeof(big) && !memcmp(value, big, sizeof(big)), "big value gave %zd", n);
	EXPECT(setxattr(path("x"), "user.empty", "", 0, 0) == 0, "an empty value");
	n = getxattr(path("x"), "user.empty", value, sizeof(value));
	CHECK(n == 0, "empty value gave %zd", n);
	n = listxattr(path("x"), NULL, 0);
	EXPECT(n > 0, "listxattr size query gave %zd", n);
	EXPECT(listxattr(path("x"), list, sizeof(list)) == n, "listxattr");
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1)
		found |= !strcmp(list + off, "user.test");
	CHECK(found, "user.test not in the list");
	EXPECT_ERRNO(listxattr(path("x"), list, 1), ERANGE, "list buffer too small");
	EXPECT(removexattr(path("x"), "user.test") == 0, "removexattr");
	EXPECT_ERRNO(getxattr(path("x"), "user.test", value, sizeof(value)), ENODATA, "after remove");
	EXPECT_ERRNO(removexattr(path("x"), "user.test"), ENODATA, "remove twice");
	if (src) {
		n = getxattr(spath("x"), "user.big", value, sizeof(value));
		CHECK(n == (ssize_t)sizeof(big), "SOURCE has user.big (%zd)", n);
	}
	return 0;
}

static int case_statfs(void)
{
	struct statvfs a, b;

	EXPECT(statvfs(mnt, &a) == 0, "statvfs of the mount");
	CHECK(a.f_bsize > 0, "f_bsize %lu", a.f_bsize);
	CHECK(a.f_namemax > 0, "f_namemax %lu", a.f_namemax);
	CHECK(a.f_bfree <= a.f_blocks && a.f_bavail <= a.f_blocks, "free %llu avail %llu of %llu",
	      (unsigned long long)a.f_bfree, (unsigned long long)a.f_bavail,
	      (unsigned long long)a.f_blocks);
	EXPECT(statvfs(dir, &b) == 0, "statvfs of a folder inside");
	if (src) {
		EXPECT(statvfs(src, &b) == 0, "statvfs of SOURCE");
		CHECK(a.f_blocks * a.f_frsize == b.f_blocks * b.f_frsize,
		      "size %llu differs from SOURCE's %llu",
		      (unsigned long long)(a.f_blocks * a.f_frsize),
		      (unsigned long long)(b.f_blocks * b.f_frsize));
	}
	return 0;
}

static int case_mmap(void)
{
	const size_t len = 3 * 4096 + 100;
	unsigned char *buf = malloc(len), *m;
	ssize_t n;
	long bad;
	int fd;

	EXPECT(buf, "malloc");
	EXPECT(make_file(path("m"), len, 3) == 0, "make file");
	fd = open(path("m"), O_RDWR);
	EXPECT(fd >= 0, "open");
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap read-only");
	bad = check_pattern(m, len, 0, 3);
	CHECK(bad < 0, "mapped byte %ld differs", bad);
	munmap(m, len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap MAP_SHARED read-write");
	memset(m + 10, 'A', 50);
	memset(m + 4096 * 2 + 7, 'B', 4000);
	m[len - 1] = 'C';
	EXPECT(msync(m, len, MS_SYNC) == 0, "msync");
	EXPECT(munmap(m, len) == 0, "munmap");
	close(fd);
	fill(buf, len, 0, 3);
	memset(buf + 10, 'A', 50);
	memset(buf + 4096 * 2 + 7, 'B', 4000);
	buf[len - 1] = 'C';
	{
		unsigned char *back = malloc(len + 1);

		EXPECT(back, "malloc");
		fd = open(path("m"), O_RDONLY);
		EXPECT(fd >= 0, "reopen");
		n = read_all(fd, back, len + 1, 0);
		close(fd);
		CHECK(n == (ssize_t)len, "read %zd bytes after msync", n);
		for (size_t i = 0; i < len; i++)
			if (back[i] != buf[i])
				FAIL("byte %zu is %#x after mmap write, want %#x", i, back[i], buf[i]);
		if (src) {
			fd = open(spath("m"), O_RDONLY);
			EXPECT(fd >= 0, "open in SOURCE");
			n = read_all(fd, back, len + 1, 0);
			close(fd);
			CHECK(n == (ssize_t)len && !memcmp(back, buf, len),
			      "SOURCE does not hold the mmap writes");
		}
		free(back);
	}
	free(buf);
	return 0;
}

static int case_odirect(void)
{
	const size_t len = 1 << 20;
	unsigned char *wbuf, *rbuf;
	ssize_t n;
	long bad;
	int fd;

	EXPECT(posix_memalign((void **)&wbuf, 4096, len) == 0 &&
		       posix_memalign((void **)&rbuf, 4096, len) == 0,
	       "posix_memalign");
	fill(wbuf, len, 0, 9);
	fd = open(path("direct"), O_CREAT | O_RDWR | O_DIRECT | O_TRUNC, 0644);
	EXPECT(fd >= 0, "open O_DIRECT");
	n = pwrite(fd, wbuf, len, 0);
	EXPECT(n == (ssize_t)len, "O_DIRECT write of 1 MiB gave %zd", n);
	n = pwrite(fd, wbuf, 4096, (off_t)len); /* one more block, appended */
	EXPECT(n == 4096, "O_DIRECT write of 4 KiB at 1 MiB gave %zd", n);
	memset(rbuf, 0, len);
	n = pread(fd, rbuf, len, 0);
	EXPECT(n == (ssize_t)len, "O_DIRECT read gave %zd", n);
	bad = check_pattern(rbuf, len, 0, 9);
	CHECK(bad < 0, "O_DIRECT read: byte %ld differs", bad);
	n = pread(fd, rbuf, 8192, (off_t)len);
	CHECK(n == 4096 && check_pattern(rbuf, 4096, 0, 9) < 0, "O_DIRECT read at the tail gave %zd",
	      n);
	close(fd);
	/* and the page cache agrees */
	fd = open(path("direct"), O_RDONLY);
	EXPECT(fd >= 0, "buffered open");
	n = read_all(fd, rbuf, len, 0);
	close(fd);
	CHECK(n == (ssize_t)len && check_pattern(rbuf, len, 0, 9) < 0, "buffered read after O_DIRECT");
	free(wbuf);
	free(rbuf);
	return 0;
}

static int case_fsync(void)
{
	int fd, dfd;

	fd = open(path("s"), O_CREAT | O_RDWR, 0644);
	EXPECT(fd >= 0, "create");
	EXPECT(write(fd, "sync me", 7) == 7, "write");
	EXPECT(fsync(fd) == 0, "fsync");
	EXPECT(write(fd, "again", 5) == 5, "write");
	EXPECT(fdatasync(fd) == 0, "fdatasync");
	close(fd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	EXPECT(dfd >= 0, "open folder");
	EXPECT(fsync(dfd) == 0, "fsync of a folder");
	close(dfd);
	sync();
	EXPECT(syncfs(open(path("s"), O_RDONLY)) == 0 || errno == EBADF, "syncfs");
	return 0;
}

static int case_fallocate(void)
{
	unsigned char buf[8192];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path("fa"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	EXPECT(fd >= 0, "create");
	EXPECT(fallocate(fd, 0, 0, 1 << 20) == 0, "fallocate 1 MiB");
	EXPECT(fstat(fd, &st) == 0 && st.st_size == 1 << 20, "size %lld after fallocate",
	       (long long)st.st_size);
	n = pread(fd, buf, sizeof(buf), 500000);
	CHECK(n == (ssize_t)sizeof(buf), "read in the allocated range gave %zd", n);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			FAIL("allocated byte %zu is %#x, want 0", i, buf[i]);
	EXPECT(fallocate(fd, FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20) == 0, "FALLOC_FL_KEEP_SIZE");
	EXPECT(fstat(fd, &st) == 0 && st.st_size == 1 << 20, "size %lld after KEEP_SIZE",
	       (long long)st.st_size);
	memset(buf, 0x5a, sizeof(buf));
	EXPECT(pwrite(fd, buf, sizeof(buf), 65536) == (ssize_t)sizeof(buf), "write");
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 65536 + 4096, 4096) == 0) {
		n = pread(fd, buf, sizeof(buf), 65536);
		CHECK(n == (ssize_t)sizeof(buf), "read after punch");
		for (size_t i = 0; i < sizeof(buf); i++)
			if (buf[i] != (i < 4096 ? 0x5a : 0))
				FAIL("byte %zu is %#x after punching the second page", i, buf[i]);
	} else {
		EXPECT(errno == EOPNOTSUPP, "punch hole failed with something other than EOPNOTSUPP");
		printf("note %s: FALLOC_FL_PUNCH_HOLE not supported\n", case_name);
	}
	close(fd);
	return 0;
}

static int case_lseek(void)
{
	struct stat st;
	off_t o;
	int fd;

	EXPECT(make_file(path("l"), 10000, 4) == 0, "make file");
	fd = open(path("l"), O_RDONLY);
	EXPECT(fd >= 0, "open");
	EXPECT(lseek(fd, 100, SEEK_SET) == 100, "SEEK_SET");
	EXPECT(lseek(fd, 50, SEEK_CUR) == 150, "SEEK_CUR");
	EXPECT(lseek(fd, -10, SEEK_END) == 9990, "SEEK_END");
	{
		unsigned char b[10];

		EXPECT(read(fd, b, 10) == 10 && check_pattern(b, 10, 9990, 4) < 0, "read at 9990");
	}
	o = lseek(fd, 0, SEEK_DATA);
	EXPECT(o == 0, "SEEK_DATA from 0 gave %lld", (long long)o);
	o = lseek(fd, 0, SEEK_HOLE);
	EXPECT(fstat(fd, &st) == 0, "fstat");
	EXPECT(o > 0 && o <= st.st_size, "SEEK_HOLE from 0 gave %lld (size %lld)", (long long)o,
	       (long long)st.st_size);
	EXPECT_ERRNO(lseek(fd, 20000, SEEK_DATA), ENXIO, "SEEK_DATA past EOF");
	EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL, "negative offset");
	close(fd);
	return 0;
}

static int case_copy_file_range(void)
{
	const size_t len = 300 * 1024;
	unsigned char *buf = malloc(len);
	loff_t in_off = 1000, out_off = 0;
	size_t left = len - 1000;
	ssize_t n;
	long bad;
	int in, out;

	EXPECT(buf, "malloc");
	EXPECT(make_file(path("cfr-src"), len, 5) == 0, "make source");
	in = open(path("cfr-src"), O_RDONLY);
	out = open(path("cfr-dst"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	EXPECT(in >= 0 && out >= 0, "open");
	while (left) {
		n = copy_file_range(in, &in_off, out, &out_off, left, 0);
		EXPECT(n > 0, "copy_file_range gave %zd with %zu left", n, left);
		left -= (size_t)n;
	}
	n = read_all(out, buf, len, 0);
	CHECK(n == (ssize_t)(len - 1000), "copy holds %zd bytes", n);
	bad = check_pattern(buf, len - 1000, 1000, 5);
	CHECK(bad < 0, "copied byte %ld differs", bad);
	close(in);
	close(out);
	free(buf);
	return 0;
}

static int case_chmod_utimens(void)
{
	struct timespec ts[2] = { { 1000000000, 500000000 }, { 1234567890, 123456789 } };
	struct stat st;
	time_t before;
	int fd;

	EXPECT(spit(path("c"), "c", O_TRUNC) == 0, "write");
	EXPECT(chmod(path("c"), 0604) == 0, "chmod 0604");
	EXPECT(stat(path("c"), &st) == 0, "stat");
	CHECK((st.st_mode & 07777) == 0604, "mode %o after chmod", st.st_mode & 07777);
	fd = open(path("c"), O_RDONLY);
	EXPECT(fd >= 0, "open");
	EXPECT(fchmod(fd, 0711) == 0, "fchmod");
	EXPECT(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0711, "mode %o after fchmod",
	       st.st_mode & 07777);
	close(fd);
	EXPECT(utimensat(AT_FDCWD, path("c"), ts, 0) == 0, "utimensat");
	EXPECT(stat(path("c"), &st) == 0, "stat");
	CHECK(st.st_atim.tv_sec == ts[0].tv_sec && st.st_atim.tv_nsec == ts[0].tv_nsec,
	      "atime %lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
	CHECK(st.st_mtim.tv_sec == ts[1].tv_sec && st.st_mtim.tv_nsec == ts[1].tv_nsec,
	      "mtime %lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	before = time(NULL);
	EXPECT(utimensat(AT_FDCWD, path("c"), ts, 0) == 0, "utimensat UTIME_NOW/UTIME_OMIT");
	EXPECT(stat(path("c"), &st) == 0, "stat");
	CHECK(st.st_atim.tv_sec == 1000000000, "UTIME_OMIT kept atime: %lld",
	      (long long)st.st_atim.tv_sec);
	CHECK(st.st_mtim.tv_sec >= before - 1, "UTIME_NOW set mtime to %lld (before: %lld)",
	      (long long)st.st_mtim.tv_sec, (long long)before);
	EXPECT(chown(path("c"), getuid(), getgid()) == 0, "chown to the same owner");
	if (src) {
		EXPECT(stat(spath("c"), &st) == 0 && (st.st_mode & 07777) == 0711,
		       "SOURCE mode %o", st.st_mode & 07777);
	}
	return 0;
}

static int case_mkfifo(void)
{
	struct stat st;
	char c = 0;
	int fd;

	EXPECT(mkfifo(path("fifo"), 0600) == 0, "mkfifo");
	EXPECT(lstat(path("fifo"), &st) == 0, "lstat");
	CHECK(S_ISFIFO(st.st_mode), "mode %o is not a FIFO", st.st_mode);
	CHECK((st.st_mode & 07777) == 0600, "mode %o", st.st_mode & 07777);
	fd = open(path("fifo"), O_RDWR | O_NONBLOCK);
	EXPECT(fd >= 0, "open the FIFO");
	EXPECT(write(fd, "z", 1) == 1, "write into the FIFO");
	EXPECT(read(fd, &c, 1) == 1 && c == 'z', "read back from the FIFO");
	close(fd);
	EXPECT(unlink(path("fifo")) == 0, "unlink the FIFO");
	if (src) {
		EXPECT(mkfifo(path("fifo2"), 0600) == 0, "mkfifo");
		EXPECT(lstat(spath("fifo2"), &st) == 0 && S_ISFIFO(st.st_mode), "FIFO in SOURCE");
	}
	return 0;
}

static int case_enoent(void)
{
	char b[16];
	struct stat st;

	EXPECT_ERRNO(open(path("nonexistent"), O_RDONLY), ENOENT, "open");
	EXPECT_ERRNO(stat(path("nonexistent"), &st), ENOENT, "stat");
	EXPECT_ERRNO(open(path("no/such/dir"), O_CREAT | O_WRONLY, 0644), ENOENT, "create in a missing folder");
	EXPECT_ERRNO(unlink(path("nonexistent")), ENOENT, "unlink");
	EXPECT_ERRNO(rmdir(path("nonexistent")), ENOENT, "rmdir");
	EXPECT_ERRNO(readlink(path("nonexistent"), b, sizeof(b)), ENOENT, "readlink");
	EXPECT_ERRNO(chmod(path("nonexistent"), 0644), ENOENT, "chmod");
	EXPECT_ERRNO(getxattr(path("nonexistent"), "user.x", b, sizeof(b)), ENOENT, "getxattr");
	/* and again, now that the kernel may cache the negative answer */
	EXPECT_ERRNO(open(path("nonexistent"), O_RDONLY), ENOENT, "second open");
	EXPECT(spit(path("nonexistent"), "now", O_EXCL) == 0, "create after a negative lookup");
	EXPECT(stat(path("nonexistent"), &st) == 0 && st.st_size == 3,
	       "the new file is visible after a cached negative lookup");
	EXPECT_ERRNO(open(path("nonexistent/child"), O_RDONLY), ENOTDIR, "a file as a folder");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "create", case_create },
	{ "readwrite", case_readwrite },
	{ "append", case_append },
	{ "truncate", case_truncate },
	{ "rename", case_rename },
	{ "rename_dir", case_rename_dir },
	{ "hardlink", case_hardlink },
	{ "symlink", case_symlink },
	{ "unlink_rmdir", case_unlink_rmdir },
	{ "readdir_big", case_readdir_big },
	{ "xattr", case_xattr },
	{ "statfs", case_statfs },
	{ "mmap", case_mmap },
	{ "odirect", case_odirect },
	{ "fsync", case_fsync },
	{ "fallocate", case_fallocate },
	{ "lseek", case_lseek },
	{ "copy_file_range", case_copy_file_range },
	{ "chmod_utimens", case_chmod_utimens },
	{ "mkfifo", case_mkfifo },
	{ "enoent", case_enoent },
};

static bool wanted(const char *name, int argc, char **argv, int first)
{
	if (first >= argc)
		return true;
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char *argv[])
{
	int first = 2, failed = 0, ran = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MNT [--source SRC] [CASE...]\n", argv[0]);
		return 1;
	}
	mnt = argv[1];
	if (argc > 3 && !strcmp(argv[2], "--source")) {
		src = argv[3];
		first = 4;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!wanted(cases[i].name, argc, argv, first))
			continue;
		case_name = cases[i].name;
		snprintf(dir, sizeof(dir), "%s/fsops.%s", mnt, case_name);
		if (src)
			snprintf(src_dir, sizeof(src_dir), "%s/fsops.%s", src, case_name);
		ran++;
		if (mkdir(dir, 0755)) {
			printf("FAIL %s: mkdir %s: %s\n", case_name, dir, strerror(errno));
			failed++;
			continue;
		}
		if (cases[i].fn()) {
			failed++;
		} else {
			printf("ok %s\n", case_name);
		}
	}
	if (!ran) {
		fprintf(stderr, "%s: no such case\n", argv[0]);
		return 1;
	}
	printf("%d of %d cases failed\n", failed, ran);
	return failed ? 1 : 0;
}
