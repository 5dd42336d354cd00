/* SPDX-License-Identifier: MIT */
/*
 * hl-race MNT SECONDS: renames, unlinks and reads racing through a
 * high-level (path based) filesystem mounted at MNT, to catch a path layer
 * that builds a path from a stale name.
 *
 * Each owner thread T has a directory that it renames between T.a and T.b,
 * holding a file f whose content says "T version V"; it replaces f with a
 * new version by rename (the old one may be open: hidden, not removed) and
 * sometimes unlinks and recreates it (a second file keeps the directory
 * from ever being empty). It publishes where f is and which
 * version it holds under a sequence counter (odd while it changes
 * anything). Reader threads open T's f by the published name, read it and
 * check it against what was published, if the counter did not move
 * meanwhile; they keep the descriptor and read it again later: an open file
 * keeps its content however it is renamed or replaced. Churn threads move
 * junk directories holding a file f ("JUNK") to the names an owner
 * vacates, so a stale path finds a wrong file rather than nothing.
 * Exit 0 when no read ever saw a wrong file; 1 with the first wrong one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OWNERS 3
#define READERS_PER_OWNER 2
#define CHURNERS 2
#define FSIZE 8192

static const char *mnt;
static atomic_int stop, failed;
static atomic_long nreads, nchecked, nrenames, nreplaces;

struct owner {
	int id;
	atomic_uint seq;    /* odd while the owner changes names or content */
	atomic_int side;    /* 0: directory T.a, 1: T.b */
	atomic_int version; /* what f holds */
	atomic_int exists;  /* f is there */
};

static struct owner owners[OWNERS];

static void fail(const char *fmt, const char *a, const char *b)
{
	if (atomic_exchange(&failed, 1) == 0) {
		printf("hl-race: FAIL: ");
		printf(fmt, a, b);
		printf("\n");
		fflush(stdout);
	}
	atomic_store(&stop, 1);
}

static void dir_path(char *buf, size_t len, int id, int side)
{
	snprintf(buf, len, "%s/o%d.%c", mnt, id, side ? 'b' : 'a');
}

static void content(char *buf, int id, int version)
{
	int n = snprintf(buf, FSIZE, "owner %d version %d\n", id, version);

	/* The whole file repeats the tag, so a read of any part tells. */
	for (int i = n; i < FSIZE; i++)
		buf[i] = buf[i % n];
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pwrite(fd, data, FSIZE, 0);
	close(fd);
	return n == FSIZE ? 0 : -1;
}

static void *owner_main(void *arg)
{
	struct owner *o = arg;
	char d[512], nd[512], f[600], tmp[600], buf[FSIZE];
	unsigned r = (unsigned)o->id * 7919u + 1;

	while (!atomic_load(&stop)) {
		int side = atomic_load(&o->side), v = atomic_load(&o->version);

		r = r * 1103515245u + 12345u;
		dir_path(d, sizeof(d), o->id, side);
		dir_path(nd, sizeof(nd), o->id, !side);
		snprintf(f, sizeof(f), "%s/f", d);
		snprintf(tmp, sizeof(tmp), "%s/tmp", d);
		switch ((r >> 8) % 4) {
		case 0: /* move the directory (fails if junk is there) */
			atomic_fetch_add(&o->seq, 1);
			if (rename(d, nd) == 0) {
				atomic_store(&o->side, !side);
				atomic_fetch_add(&nrenames, 1);
			} else if (errno != ENOTEMPTY && errno != EEXIST) {
				fail("rename %s: %s", d, strerror(errno));
			}
			atomic_fetch_add(&o->seq, 1);
			break;
		case 1: /* a new version replaces f (readers may hold the old) */
		case 2:
			content(buf, o->id, v + 1);
			if (write_file(tmp, buf)) {
				fail("write %s: %s", tmp, strerror(errno));
				break;
			}
			atomic_fetch_add(&o->seq, 1);
			if (rename(tmp, f) == 0) {
				atomic_store(&o->version, v + 1);
				atomic_store(&o->exists, 1);
				atomic_fetch_add(&nreplaces, 1);
			} else {
				fail("rename %s: %s", tmp, strerror(errno));
			}
			atomic_fetch_add(&o->seq, 1);
			break;
		case 3: /* unlink, then create again */
			atomic_fetch_add(&o->seq, 1);
			if (unlink(f) != 0)
				fail("unlink %s: %s", f, strerror(errno));
			atomic_store(&o->exists, 0);
			atomic_fetch_add(&o->seq, 1);
			content(buf, o->id, v + 1);
			atomic_fetch_add(&o->seq, 1);
			if (write_file(f, buf) == 0) {
				atomic_store(&o->version, v + 1);
				atomic_store(&o->exists, 1);
			} else {
				fail("create %s: %s", f, strerror(errno));
			}
			atomic_fetch_add(&o->seq, 1);
			break;
		}
		/* Quiet moments, so that readers also get exact checks. */
		if ((r >> 4) % 2)
			usleep(300);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct owner *o = arg;
	char path[600], want[FSIZE], got[FSIZE], first[FSIZE];

	while (!atomic_load(&stop)) {
		unsigned s1 = atomic_load(&o->seq), s2;
		int side = atomic_load(&o->side), v = atomic_load(&o->version);
		int exists = atomic_load(&o->exists), fd, err = 0;
		ssize_t n;

		if (s1 & 1) {
			usleep(20);
			continue;
		}
		snprintf(path, sizeof(path), "%s/o%d.%c/f", mnt, o->id, side ? 'b' : 'a');
		fd = open(path, O_RDONLY);
		if (fd < 0)
			err = errno;
		n = fd >= 0 ? pread(fd, got, FSIZE, 0) : -1;
		s2 = atomic_load(&o->seq);
		atomic_fetch_add(&nreads, 1);
		if (s1 == s2 && exists) {
			/* Nothing changed while we opened and read: it must be
			 * exactly the published file. */
			atomic_fetch_add(&nchecked, 1);
			if (fd < 0) {
				fail("open %s: %s (the file is there)", path, strerror(err));
				break;
			}
			content(want, o->id, v);
			if (n != FSIZE || memcmp(got, want, FSIZE) != 0) {
				got[40] = '\0';
				fail("%s read a wrong file: \"%s\"", path, got);
				close(fd);
				break;
			}
		}
		if (fd < 0)
			continue;
		if (n == FSIZE) {
			/* Let renames and replacements happen, then the open
			 * file must still read the same. */
			memcpy(first, got, FSIZE);
			usleep(200);
			if (pread(fd, got, FSIZE, 0) != FSIZE || memcmp(first, got, FSIZE) != 0) {
				got[40] = '\0';
				fail("%s changed under an open descriptor: \"%s\"", path, got);
			}
		}
		close(fd);
	}
	return NULL;
}

static void *churn_main(void *arg)
{
	char d[512], stage[512], f[600], junk[FSIZE];
	unsigned id0 = (unsigned)(uintptr_t)arg, r = id0 * 31337u + 7;

	memset(junk, 'J', sizeof(junk));
	memcpy(junk, "JUNK\n", 5);
	/*
	 * The junk directory is built under a name of our own and only ever
	 * moved, whole and never empty, to a name an owner vacated and back.
	 * Creating or removing anything at an owner's names would race with
	 * the owner: its directory can replace an empty junk directory, and a
	 * junk file created there would land in the owner's directory (seen
	 * on tmpfs, without FUSE: a reader's ENOENT and JUNK reads).
	 */
	snprintf(stage, sizeof(stage), "%s/junk%u", mnt, id0);
	snprintf(f, sizeof(f), "%s/f", stage);
	if (mkdir(stage, 0755) != 0 || write_file(f, junk) != 0) {
		fail("junk %s: %s", stage, strerror(errno));
		return NULL;
	}
	while (!atomic_load(&stop)) {
		int id, side;

		r = r * 1103515245u + 12345u;
		id = (int)((r >> 8) % OWNERS);
		/* The name the owner is not at (it may move there meanwhile:
		 * then one of the two renames fails, the junk being full). */
		side = !atomic_load(&owners[id].side);
		dir_path(d, sizeof(d), id, side);
		if (rename(stage, d) != 0)
			continue;
		usleep(100);
		/* Nothing replaces a full directory: d is still our junk. */
		if (rename(d, stage) != 0) {
			fail("rename %s back: %s", d, strerror(errno));
			break;
		}
	}
	unlink(f);
	rmdir(stage);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[OWNERS * (1 + READERS_PER_OWNER) + CHURNERS];
	int nth = 0, secs;
	char d[512], f[600], buf[FSIZE];

	if (argc != 3) {
		fprintf(stderr, "usage: hl-race MNT SECONDS\n");
		return 2;
	}
	mnt = argv[1];
	secs = atoi(argv[2]);
	for (int i = 0; i < OWNERS; i++) {
		owners[i].id = i;
		dir_path(d, sizeof(d), i, 0);
		snprintf(f, sizeof(f), "%s/f", d);
		content(buf, i, 0);
		if (mkdir(d, 0755) != 0 || write_file(f, buf) != 0) {
			perror(d);
			return 1;
		}
		/* Never empty, so no directory rename can replace it. */
		snprintf(f, sizeof(f), "%s/keep", d);
		if (write_file(f, buf) != 0) {
			perror(f);
			return 1;
		}
		atomic_store(&owners[i].exists, 1);
	}
	for (int i = 0; i < OWNERS; i++) {
		pthread_create(&th[nth++], NULL, owner_main, &owners[i]);
		for (int j = 0; j < READERS_PER_OWNER; j++)
			pthread_create(&th[nth++], NULL, reader_main, &owners[i]);
	}
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&th[nth++], NULL, churn_main, (void *)(uintptr_t)i);
	for (int i = 0; i < secs * 10 && !atomic_load(&stop); i++)
		usleep(100000);
	atomic_store(&stop, 1);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	printf("hl-race: %ld reads (%ld checked exactly), %ld directory renames, %ld replacements%s\n",
	       atomic_load(&nreads), atomic_load(&nchecked), atomic_load(&nrenames),
	       atomic_load(&nreplaces), atomic_load(&failed) ? ", FAILED" : "");
	if (!atomic_load(&failed) && atomic_load(&nchecked) < 20) {
		printf("hl-race: FAIL: only %ld exact checks\n", atomic_load(&nchecked));
		return 1;
	}
	return atomic_load(&failed) ? 1 : 0;
}
