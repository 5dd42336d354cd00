/* SPDX-License-Identifier: MIT */
/*
 * initops: the client side of the init-* and dont-mask tests, as plain system
 * calls, so that they run where there is no python3 (the 7.3 guest).
 *
 *   initops locks FILE         one child holds a POSIX write lock (F_SETLKW)
 *                              and a flock on FILE; the parent's F_SETLK and
 *                              LOCK_NB tries must fail with EAGAIN/EACCES and
 *                              F_GETLK must name the child; then both unlock
 *   initops list DIR N         opendir/readdir of DIR (names only, nothing
 *                              stat'ed) finds N entries besides . and ..
 *   initops wbprobe MNT SRC    256 write(2)s of 4 KiB (byte i in the i-th) to
 *                              MNT (created, truncated); prints SRC's size
 *                              before and after fsync of MNT
 *   initops pattern            prints what wbprobe writes
 *   initops pwrite-wo FILE     write-only open (created): pwrite "hello" at 0,
 *                              then "J" at 1
 *   initops writes FILE N      write-only open (created): N writes of 4 KiB
 *   initops make DIR           creat DIR/f 0666, mkdir DIR/d 0777, mkfifo
 *                              DIR/p 0666 (the caller's umask applies)
 * Exits 0, or 1 with a reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL(...) do { printf("initops: " __VA_ARGS__); printf("\n"); exit(1); } while (0)

static int lk(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, cmd, &fl);
}

static int op_locks(const char *path)
{
	int ready[2], go[2], fd, st;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(go))
		FAIL("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(path, O_RDWR);
		if (fd < 0 || lk(fd, F_SETLKW, F_WRLCK) || flock(fd, LOCK_EX))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		if (lk(fd, F_SETLK, F_UNLCK) || flock(fd, LOCK_UN))
			_exit(4);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		FAIL("the holder did not get its locks");
	fd = open(path, O_RDWR);
	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	if (!lk(fd, F_SETLK, F_WRLCK))
		FAIL("posix lock granted although another process holds it");
	if (errno != EAGAIN && errno != EACCES)
		FAIL("posix: %s", strerror(errno));
	if (!flock(fd, LOCK_EX | LOCK_NB))
		FAIL("flock granted although another process holds it");
	if (errno != EWOULDBLOCK)
		FAIL("flock: %s", strerror(errno));
	if (fcntl(fd, F_GETLK, &fl))
		FAIL("F_GETLK: %s", strerror(errno));
	if (fl.l_type != F_WRLCK || fl.l_pid != pid)
		FAIL("F_GETLK: type %d pid %d, want the holder %d", fl.l_type, (int)fl.l_pid, (int)pid);
	if (write(go[1], "g", 1) != 1 || waitpid(pid, &st, 0) != pid)
		FAIL("the holder is gone");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("the holder failed (status %#x)", st);
	close(fd);
	return 0;
}

static int op_list(const char *path, long want)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;

	if (!d)
		FAIL("opendir %s: %s", path, strerror(errno));
	errno = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (errno)
		FAIL("readdir %s: %s", path, strerror(errno));
	closedir(d);
	if (n != want)
		FAIL("%s: %ld entries, want %ld", path, n, want);
	return 0;
}

static void pattern(int i, char *b)
{
	memset(b, i, 4096);
}

static long size_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		FAIL("stat %s: %s", path, strerror(errno));
	return (long)st.st_size;
}

static int op_wbprobe(const char *mnt, const char *src)
{
	char b[4096];
	int fd = open(mnt, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long before, after;

	if (fd < 0)
		FAIL("open %s: %s", mnt, strerror(errno));
	for (int i = 0; i < 256; i++) {
		pattern(i, b);
		if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			FAIL("write %d: %s", i, strerror(errno));
	}
	before = size_of(src);
	if (fsync(fd))
		FAIL("fsync: %s", strerror(errno));
	after = size_of(src);
	close(fd);
	printf("%ld %ld\n", before, after);
	return 0;
}

static int op_pattern(void)
{
	char b[4096];

	for (int i = 0; i < 256; i++) {
		pattern(i, b);
		if (fwrite(b, 1, sizeof(b), stdout) != sizeof(b))
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}

static int op_pwrite_wo(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	if (pwrite(fd, "hello", 5, 0) != 5 || pwrite(fd, "J", 1, 1) != 1)
		FAIL("pwrite: %s", strerror(errno));
	return close(fd) ? 1 : 0;
}

static int op_writes(const char *path, int n)
{
	char b[4096];
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	memset(b, 'x', sizeof(b));
	for (int i = 0; i < n; i++)
		if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			FAIL("write %d: %s", i, strerror(errno));
	return close(fd) ? 1 : 0;
}

static char pb[4096];
static const char *at(const char *dir, const char *name)
{
	snprintf(pb, sizeof(pb), "%s/%s", dir, name);
	return pb;
}

/* Each call may fail (holdfs refuses what follows a create): what reached
 * the server is what the test looks at. */
static int op_make(const char *dir)
{
	int fd = open(at(dir, "f"), O_CREAT | O_WRONLY, 0666);

	if (fd >= 0)
		close(fd);
	(void)!mkdir(at(dir, "d"), 0777);
	(void)!mkfifo(at(dir, "p"), 0666);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "locks"))
		return op_locks(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "list"))
		return op_list(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "wbprobe"))
		return op_wbprobe(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "pattern")) {
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
		return op_pattern();
	}
	if (argc == 3 && !strcmp(argv[1], "pwrite-wo"))
		return op_pwrite_wo(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "writes"))
		return op_writes(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "make"))
		return op_make(argv[2]);
	FAIL("usage: initops locks FILE | list DIR N | wbprobe MNT SRC | pattern | pwrite-wo FILE | writes FILE N | make DIR");
}
