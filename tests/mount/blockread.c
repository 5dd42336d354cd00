/* SPDX-License-Identifier: MIT */
/*
 * blockread FILE OFFSET LENGTH WARM READY GO [direct]: opens FILE (with
 * O_DIRECT if "direct" is given, so that the READ is the caller's own
 * request and not a page-cache fill a killed caller would still wait for),
 * reads 4 KiB at
 * offset 0 first if WARM is 1, creates the file READY, waits until a line
 * can be read from the FIFO GO, then preads LENGTH bytes at OFFSET and
 * writes them to stdout. Only open, pread and close touch FILE (no fstat,
 * unlike dd or cat), so the one request that may block is the READ.
 * Exit 0 if all LENGTH bytes arrived, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	static char buf[1 << 20] __attribute__((aligned(4096)));
	size_t len, done = 0;
	off_t off;
	char go[16];
	int fd, rfd, gfd;

	if (argc != 7 && !(argc == 8 && !strcmp(argv[7], "direct"))) {
		fprintf(stderr, "usage: %s FILE OFFSET LENGTH WARM READY GO [direct]\n", argv[0]);
		return 1;
	}
	off = (off_t)strtoll(argv[2], NULL, 0);
	len = strtoul(argv[3], NULL, 0);
	if (len > sizeof(buf))
		len = sizeof(buf);
	fd = open(argv[1], O_RDONLY | (argc == 8 ? O_DIRECT : 0));
	if (fd < 0) {
		fprintf(stderr, "blockread: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (atoi(argv[4]) && pread(fd, buf, 4096, 0) < 0) {
		fprintf(stderr, "blockread: warm-up read: %s\n", strerror(errno));
		return 1;
	}
	rfd = open(argv[5], O_CREAT | O_WRONLY, 0644);
	if (rfd < 0) {
		fprintf(stderr, "blockread: create %s: %s\n", argv[5], strerror(errno));
		return 1;
	}
	close(rfd);
	gfd = open(argv[6], O_RDONLY);
	if (gfd < 0 || read(gfd, go, sizeof(go)) < 0) {
		fprintf(stderr, "blockread: waiting on %s: %s\n", argv[6], strerror(errno));
		return 1;
	}
	close(gfd);
	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);

		if (n < 0) {
			fprintf(stderr, "blockread: read at %lld: %s\n", (long long)(off + (off_t)done),
				strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (fwrite(buf, 1, done, stdout) != done || fflush(stdout))
		return 1;
	close(fd);
	if (done != len) {
		fprintf(stderr, "blockread: got %zu of %zu bytes\n", done, len);
		return 1;
	}
	return 0;
}
