/* SPDX-License-Identifier: MIT */
/*
 * memfs-space: memfs's space limit and sparse files, seen through a mount.
 *
 *   memfs-space fill DIR LIMIT   data to 2 MiB short of LIMIT, then empty
 *                                files until ENOSPC; then 64 KiB xattrs
 *                                until ENOSPC: it must come near LIMIT, and
 *                                statfs must say what is used (and give it
 *                                back when they are removed)
 *   memfs-space sparse DIR       one byte at 2 GiB (run under a 1 GiB
 *                                limit): works, reads as zeros then the
 *                                byte, costs one page
 *   memfs-space seek DIR TMPFS   the same layouts in DIR and in a tmpfs
 *                                folder: SEEK_DATA and SEEK_HOLE must give
 *                                the same answers from every offset tried
 *   memfs-space random DIR TMPFS random writes, truncations, punched holes
 *                                and copy_file_range on both: the same
 *                                results and the same bytes
 * Exit status 0 pass, 1 fail (each failure says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("memfs-space: FAIL: " __VA_ARGS__);             \
			putchar('\n');                                         \
			failures++;                                            \
		}                                                              \
	} while (0)

static uint64_t used_bytes(const char *dir)
{
	struct statvfs st;

	if (statvfs(dir, &st)) {
		printf("memfs-space: statvfs %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	return (uint64_t)(st.f_blocks - st.f_bfree) * st.f_frsize;
}

/* Space comes back once the kernel forgets the inodes, which may lag a little. */
static uint64_t used_settled(const char *dir, uint64_t want)
{
	uint64_t used = used_bytes(dir);
	int i;

	for (i = 0; i < 100 && used > want; i++) {
		usleep(50 * 1000);
		used = used_bytes(dir);
	}
	return used;
}

static uint64_t total_bytes(const char *dir)
{
	struct statvfs st;

	if (statvfs(dir, &st))
		exit(1);
	return (uint64_t)st.f_blocks * st.f_frsize;
}

/* Long names: fewer files reach the limit (names count too). */
static void name_of(char *buf, size_t len, const char *dir, long i)
{
	snprintf(buf, len, "%s/%0240ld", dir, i);
}

static void fill(const char *dir, uint64_t limit)
{
	uint64_t base = used_bytes(dir), used, left = 2 << 20, bound = left / 128;
	char path[4096], val[65536], data[1 << 16];
	long n = 0, i, nx = 0;
	int err = 0, fd;
	uint64_t off;

	CHECK(total_bytes(dir) == limit, "statfs size %llu, limit %llu",
	      (unsigned long long)total_bytes(dir), (unsigned long long)limit);
	/* File data first, so that the empty files below need only fill the rest. */
	memset(data, 'd', sizeof(data));
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
	for (off = 0; fd >= 0 && off + sizeof(data) <= limit - left; off += sizeof(data))
		if (pwrite(fd, data, sizeof(data), (off_t)off) != (ssize_t)sizeof(data)) {
			CHECK(0, "writing %s at %llu: %s", path, (unsigned long long)off,
			      strerror(errno));
			break;
		}
	if (fd >= 0)
		close(fd);
	used = used_bytes(dir);
	CHECK(used >= limit - left && used < limit - left / 2,
	      "statfs shows %llu used after %llu bytes of data", (unsigned long long)used,
	      (unsigned long long)off);
	for (;;) {
		name_of(path, sizeof(path), dir, n);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			err = errno;
			break;
		}
		close(fd);
		if ((uint64_t)++n > bound)
			break;
	}
	used = used_bytes(dir);
	printf("memfs-space: %ld empty files filled the last 2 MiB until %s; statfs used %llu of "
	       "%llu\n", n, err ? strerror(err) : "the bound", (unsigned long long)used,
	       (unsigned long long)limit);
	CHECK(err == ENOSPC, "creating empty files ended with %s after %ld files, not ENOSPC",
	      err ? strerror(err) : "no error", n);
	CHECK(used >= limit - limit / 50, "statfs shows %llu used when ENOSPC came (limit %llu)",
	      (unsigned long long)used, (unsigned long long)limit);
	for (i = 0; i < n; i++) {
		name_of(path, sizeof(path), dir, i);
		if (unlink(path))
			CHECK(0, "unlink %ld: %s", i, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	CHECK(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
	used = used_settled(dir, base + 64 * 1024);
	CHECK(used <= base + 64 * 1024, "%llu used after removing every file (%llu before)",
	      (unsigned long long)used, (unsigned long long)base);

	/* Extended attributes of 64 KiB on one file. */
	snprintf(path, sizeof(path), "%s/xattrs", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	memset(val, 'v', sizeof(val));
	err = 0;
	for (nx = 0; (uint64_t)nx * sizeof(val) <= 2 * limit; nx++) {
		char name[64];

		snprintf(name, sizeof(name), "user.x%ld", nx);
		if (setxattr(path, name, val, sizeof(val), 0)) {
			err = errno;
			break;
		}
	}
	used = used_bytes(dir);
	printf("memfs-space: %ld xattrs of 64 KiB until %s; statfs used %llu\n", nx,
	       err ? strerror(err) : "twice the limit", (unsigned long long)used);
	CHECK(err == ENOSPC, "setting 64 KiB xattrs ended with %s after %ld, not ENOSPC",
	      err ? strerror(err) : "no error", nx);
	CHECK((uint64_t)nx * sizeof(val) <= limit, "%ld xattrs of 64 KiB fit a %llu-byte limit", nx,
	      (unsigned long long)limit);
	CHECK(used >= limit - limit / 50 && used <= limit,
	      "statfs shows %llu used after the xattrs (limit %llu)", (unsigned long long)used,
	      (unsigned long long)limit);
	CHECK(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
	used = used_settled(dir, base + 64 * 1024);
	CHECK(used <= base + 64 * 1024, "%llu used after removing the xattr file (%llu before)",
	      (unsigned long long)used, (unsigned long long)base);
}

static void sparse(const char *dir)
{
	const off_t at = 2ll << 30;
	uint64_t base = used_bytes(dir), used;
	char path[4096], buf[8192], zero[8192] = { 0 };
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/sparse", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0) {
		printf("memfs-space: FAIL: create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	CHECK(pwrite(fd, "x", 1, at) == 1, "one byte at 2 GiB under a 1 GiB limit: %s",
	      strerror(errno));
	CHECK(fstat(fd, &st) == 0 && st.st_size == at + 1, "size %lld after the write",
	      (long long)st.st_size);
	CHECK(st.st_blocks == 8, "%lld blocks of 512 for one page of data", (long long)st.st_blocks);
	used = used_bytes(dir);
	CHECK(used - base <= 64 * 1024, "statfs shows %llu more bytes used for one byte at 2 GiB",
	      (unsigned long long)(used - base));
	CHECK(pread(fd, buf, 4096, 0) == 4096 && !memcmp(buf, zero, 4096), "the start reads as zeros");
	CHECK(pread(fd, buf, 4096, at / 2 + 12345) == 4096 && !memcmp(buf, zero, 4096),
	      "the middle reads as zeros");
	CHECK(pread(fd, buf, sizeof(buf), at - 8191) == 8192 && !memcmp(buf, zero, 8191) &&
		      buf[8191] == 'x',
	      "the 8 KiB before the byte read as zeros, then the byte");
	CHECK(lseek(fd, 0, SEEK_DATA) == at, "SEEK_DATA from 0 gave %lld",
	      (long long)lseek(fd, 0, SEEK_DATA));
	CHECK(lseek(fd, 0, SEEK_HOLE) == 0, "SEEK_HOLE from 0 gave %lld",
	      (long long)lseek(fd, 0, SEEK_HOLE));
	CHECK(lseek(fd, at, SEEK_HOLE) == at + 1, "SEEK_HOLE from the byte gave %lld",
	      (long long)lseek(fd, at, SEEK_HOLE));
	/* Truncation frees it again. */
	CHECK(ftruncate(fd, 4096) == 0, "truncate: %s", strerror(errno));
	CHECK(fstat(fd, &st) == 0 && st.st_blocks == 0, "%lld blocks after truncating below the byte",
	      (long long)st.st_blocks);
	close(fd);
	CHECK(unlink(path) == 0, "unlink: %s", strerror(errno));
	used = used_settled(dir, base + 4096);
	CHECK(used <= base + 4096, "%llu used after unlink (%llu before)", (unsigned long long)used,
	      (unsigned long long)base);
}

/* A layout: writes (offset, length), an optional punched hole, a final size. */
struct layout {
	const char *name;
	struct { off_t off; size_t len; } w[4];
	off_t punch_off, punch_len;
	off_t size;
};

static const struct layout layouts[] = {
	{ "one byte at 2 MiB + 10", { { 2097162, 1 } }, 0, 0, 3 << 20 },
	{ "three islands", { { 0, 100 }, { 8192, 5000 }, { 1 << 20, 1 } }, 0, 0, 2 << 20 },
	{ "dense 64 KiB", { { 0, 65536 } }, 0, 0, 65536 },
	{ "dense with a punched hole", { { 0, 131072 } }, 20000, 50000, 131072 },
	{ "data ends mid-page", { { 4096, 6000 } }, 0, 0, 10096 },
	{ "island in a grown file", { { 300000, 7 } }, 0, 0, 1 << 20 },
};

static int make_layout(const char *dir, const struct layout *l)
{
	char path[4096], buf[131072];
	int fd;
	size_t i;

	memset(buf, 'd', sizeof(buf));
	snprintf(path, sizeof(path), "%s/layout", dir);
	unlink(path);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	if (fd < 0)
		return -1;
	for (i = 0; i < 4 && l->w[i].len; i++)
		if (pwrite(fd, buf, l->w[i].len, l->w[i].off) != (ssize_t)l->w[i].len)
			printf("memfs-space: %s: write: %s\n", dir, strerror(errno));
	if (l->punch_len &&
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, l->punch_off, l->punch_len))
		printf("memfs-space: %s: punch: %s\n", dir, strerror(errno));
	if (ftruncate(fd, l->size))
		printf("memfs-space: %s: truncate: %s\n", dir, strerror(errno));
	return fd;
}

static void seek(const char *dir, const char *ref)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		int a = make_layout(dir, l), b = make_layout(ref, l), tried = 0, bad = 0;
		off_t offs[400 + 64], off, step = (l->size / 400) | 1; /* odd: all over the pages */
		size_t no = 0, j, k;

		if (a < 0 || b < 0) {
			CHECK(0, "%s: cannot make the layout", l->name);
			continue;
		}
		/* Offsets all over the file, and at each edge of a write or hole, +-1. */
		for (off = 0; off <= l->size + 4096 && no < 400; off += step)
			offs[no++] = off;
		for (j = 0; j < 6; j++) {
			off_t e = j < 4 ? l->w[j].off + (off_t)l->w[j].len
					: j == 4 ? l->punch_off : l->punch_off + l->punch_len;

			for (k = 0; k < 4 && e; k++)
				offs[no++] = (k < 3 ? e : (e & ~4095)) + (off_t)(k % 3) - 1;
		}
		for (j = 0; j < no; j++) {
			int whence;

			off = offs[j] < 0 ? 0 : offs[j];

			for (whence = SEEK_DATA; whence <= SEEK_HOLE; whence++) {
				off_t ra, rb;
				int ea, eb;

				errno = 0;
				ra = lseek(a, off, whence);
				ea = errno;
				errno = 0;
				rb = lseek(b, off, whence);
				eb = errno;
				tried++;
				if (ra != rb || (ra < 0 && ea != eb)) {
					if (bad++ < 3)
						CHECK(0, "%s: %s from %lld: memfs %lld (%s), tmpfs %lld (%s)",
						      l->name, whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE",
						      (long long)off, (long long)ra, ea ? strerror(ea) : "ok",
						      (long long)rb, eb ? strerror(eb) : "ok");
					else
						failures++;
				}
			}
		}
		printf("memfs-space: %s: %d lseeks compared, %d differ\n", l->name, tried, bad);
		close(a);
		close(b);
	}
}


/* ---- random: the same random writes, truncations, punched holes and
 * copy_file_range calls on DIR and on a tmpfs folder; the results and the
 * bytes must agree. ---- */

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? rnd_state % n : 0;
}

static int open_pair(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
}

/* -errno or the result, so both sides compare as numbers. */
static long long res(long long r)
{
	return r < 0 ? -errno : r;
}

static void compare_files(int a, int b, const char *what, int round)
{
	static char ba[1 << 17], bb[1 << 17];
	struct stat sa, sb;
	off_t pos = 0;

	if (fstat(a, &sa) || fstat(b, &sb) || sa.st_size != sb.st_size) {
		CHECK(0, "round %d: %s: size %lld, tmpfs %lld", round, what, (long long)sa.st_size,
		      (long long)sb.st_size);
		return;
	}
	/* Every data extent tmpfs has, and the holes between, byte for byte. */
	while (pos < sb.st_size) {
		off_t d = lseek(b, pos, SEEK_DATA), h, o;

		if (d < 0)
			d = sb.st_size;
		for (o = pos; o < d; o += sizeof(ba)) { /* a hole in tmpfs: zeros in DIR */
			size_t n = d - o < (off_t)sizeof(ba) ? (size_t)(d - o) : sizeof(ba);
			static const char zero[1 << 17];

			if (o > pos && d - o > (off_t)sizeof(ba)) /* a big hole: its two ends */
				o = d - (off_t)sizeof(ba), n = sizeof(ba);
			if (pread(a, ba, n, o) != (ssize_t)n || memcmp(ba, zero, n)) {
				CHECK(0, "round %d: %s: bytes at %lld..%lld are not zeros", round, what,
				      (long long)o, (long long)(o + (off_t)n));
				return;
			}
		}
		if (d >= sb.st_size)
			break;
		h = lseek(b, d, SEEK_HOLE);
		for (o = d; o < h; o += sizeof(ba)) {
			size_t n = h - o < (off_t)sizeof(ba) ? (size_t)(h - o) : sizeof(ba);

			if (pread(a, ba, n, o) != (ssize_t)n || pread(b, bb, n, o) != (ssize_t)n ||
			    memcmp(ba, bb, n)) {
				CHECK(0, "round %d: %s: bytes at %lld..%lld differ", round, what,
				      (long long)o, (long long)(o + (off_t)n));
				return;
			}
		}
		pos = h;
	}
}

static void random_ops(const char *dir, const char *ref)
{
	static char buf[70000];
	static const size_t lens[] = { 1, 7, 4095, 4096, 4097, 10000, 70000 };
	static const off_t lims[] = { 1 << 16, 1 << 20, 1 << 24, 3ll << 30 };
	int round, op;

	for (round = 0; round < 24; round++) {
		int a = open_pair(dir, "r1"), b = open_pair(ref, "r1");
		int a2 = open_pair(dir, "r2"), b2 = open_pair(ref, "r2");
		off_t lim = lims[rnd(4)];

		if (a < 0 || b < 0 || a2 < 0 || b2 < 0) {
			CHECK(0, "cannot create the random files: %s", strerror(errno));
			return;
		}
		for (op = 0; op < 60; op++) {
			uint64_t k = rnd(100);
			off_t off = (off_t)rnd((uint64_t)lim), off2 = (off_t)rnd((uint64_t)lim);
			size_t len = lens[rnd(7)], i;
			long long ra, rb;
			const char *what;

			if (k < 50) {
				for (i = 0; i < len; i++)
					buf[i] = (char)rnd(256);
				what = "pwrite";
				ra = res(pwrite(a, buf, len, off));
				rb = res(pwrite(b, buf, len, off));
			} else if (k < 65) {
				what = "ftruncate";
				ra = res(ftruncate(a, off));
				rb = res(ftruncate(b, off));
			} else if (k < 85) {
				what = "punch hole";
				ra = res(fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
						   (off_t)len * 3));
				rb = res(fallocate(b, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
						   (off_t)len * 3));
			} else {
				loff_t ia = off, oa = off2, ib = off, ob = off2;

				what = "copy_file_range";
				ra = res(copy_file_range(a, &ia, a2, &oa, len * 5, 0));
				rb = res(copy_file_range(b, &ib, b2, &ob, len * 5, 0));
			}
			CHECK(ra == rb, "round %d op %d: %s at %lld: %lld, tmpfs %lld", round, op, what,
			      (long long)off, ra, rb);
		}
		compare_files(a, b, "r1", round);
		compare_files(a2, b2, "r2", round);
		close(a);
		close(b);
		close(a2);
		close(b2);
	}
	printf("memfs-space: 24 rounds of 60 random operations compared with tmpfs\n");
}

int main(int argc, char *argv[])
{
	if (argc == 4 && !strcmp(argv[1], "fill"))
		fill(argv[2], strtoull(argv[3], NULL, 0));
	else if (argc == 3 && !strcmp(argv[1], "sparse"))
		sparse(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "seek"))
		seek(argv[2], argv[3]);
	else if (argc == 4 && !strcmp(argv[1], "random"))
		random_ops(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: memfs-space fill DIR LIMIT | sparse DIR | seek|random DIR TMPFS\n");
		return 2;
	}
	return failures ? 1 : 0;
}
