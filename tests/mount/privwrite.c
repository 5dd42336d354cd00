/* SPDX-License-Identifier: MIT */
/*
 * privwrite PATH HOW [MODE]: one way of changing a file, for the setuid and
 * mmap tests. HOW:
 *   create-direct MODE  create PATH with MODE (umask 0), write 4 KiB O_DIRECT
 *   direct              write 4 KiB at 0 with O_DIRECT
 *   buffered            write 10 bytes at 0 through the page cache
 *   truncate            truncate(2) to 100 bytes
 *   open-trunc          open with O_TRUNC
 *   mmap-direct         open O_RDWR|O_DIRECT, map 4 KiB shared, change a byte,
 *                       msync, check it reads back through read(2)
 * Exits 0 on success, 1 (saying why) on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "privwrite: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int write_direct(int fd, const char *path)
{
	void *buf;

	if (posix_memalign(&buf, 4096, 4096))
		return fail("posix_memalign", path);
	memset(buf, 'd', 4096);
	if (pwrite(fd, buf, 4096, 0) != 4096)
		return fail("O_DIRECT write", path);
	free(buf);
	return 0;
}

static int mmap_direct(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT);
	char *p, c = 0;

	if (fd < 0)
		return fail("open O_DIRECT", path);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("shared mmap of an O_DIRECT open", path);
	p[1] = 'M';
	if (msync(p, 4096, MS_SYNC) < 0)
		return fail("msync", path);
	munmap(p, 4096);
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &c, 1, 1) != 1)
		return fail("read back", path);
	close(fd);
	if (c != 'M') {
		fprintf(stderr, "privwrite: %s: byte 1 is '%c' after the mapped write\n", path, c);
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	const char *path, *how;
	int fd, ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: privwrite PATH HOW [MODE]\n");
		return 2;
	}
	path = argv[1];
	how = argv[2];
	umask(0);
	if (!strcmp(how, "create-direct") && argc > 3) {
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_DIRECT, (mode_t)strtoul(argv[3], NULL, 8));
		if (fd < 0)
			return fail("create O_DIRECT", path);
		ret = write_direct(fd, path);
		close(fd);
	} else if (!strcmp(how, "direct")) {
		fd = open(path, O_WRONLY | O_DIRECT);
		if (fd < 0)
			return fail("open O_DIRECT", path);
		ret = write_direct(fd, path);
		close(fd);
	} else if (!strcmp(how, "buffered")) {
		fd = open(path, O_WRONLY);
		if (fd < 0)
			return fail("open", path);
		if (pwrite(fd, "buffered\n", 10, 0) != 10)
			ret = fail("write", path);
		close(fd);
	} else if (!strcmp(how, "truncate")) {
		if (truncate(path, 100) < 0)
			return fail("truncate", path);
	} else if (!strcmp(how, "open-trunc")) {
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd < 0)
			return fail("open O_TRUNC", path);
		close(fd);
	} else if (!strcmp(how, "mmap-direct")) {
		ret = mmap_direct(path);
	} else {
		fprintf(stderr, "privwrite: unknown HOW '%s'\n", how);
		return 2;
	}
	return ret;
}
