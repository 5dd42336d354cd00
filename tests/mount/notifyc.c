/* SPDX-License-Identifier: MIT */
/*
 * notifyc: the client side of notifyfs; each notification observed as a
 * client sees it. notifyc MNT: exits 0, or 1 saying which failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

struct nfs_ioc {
	int64_t ret;
	uint64_t reads, getattrs, lookups;
	char data[16];
};
#define NFS_IOC(n) _IOWR('N', n, struct nfs_ioc)

#define FAIL(...) do { printf("notifyc: " __VA_ARGS__); printf("\n"); return 1; } while (0)

static int root;

static struct nfs_ioc call(int n)
{
	struct nfs_ioc o = { .ret = -999 };

	if (ioctl(root, NFS_IOC(n), &o))
		o.ret = -errno;
	return o;
}

int main(int argc, char **argv)
{
	char f[4096], buf[16] = { 0 };
	struct nfs_ioc a, b;
	struct stat st;
	int fd, i;

	if (argc != 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(f, sizeof(f), "%s/f", argv[1]);
	root = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (root < 0)
		FAIL("open root: %s", strerror(errno));
	if (stat(f, &st))
		FAIL("stat f: %s", strerror(errno));

	/* store: the bytes come back without a READ reaching the server */
	fd = open(f, O_RDONLY);
	a = call(1);
	if (fd < 0 || a.ret)
		FAIL("store: %lld", (long long)a.ret);
	if (pread(fd, buf, 6, 0) != 6 || memcmp(buf, "STORED", 6))
		FAIL("store: read back '%.6s', want STORED", buf);
	b = call(0);
	if (b.reads != a.reads)
		FAIL("store: the read sent %llu READ(s) to the server, want none",
		     (unsigned long long)(b.reads - a.reads));
	printf("notifyc: store: read back without a READ\n");

	/* retrieve: the kernel's cached bytes come back */
	a = call(2);
	if (a.ret)
		FAIL("retrieve: %lld", (long long)a.ret);
	for (i = 0; i < 100 && (b = call(3)).ret < 0; i++)
		usleep(10000);
	if (b.ret != 6 || memcmp(b.data, "STORED", 6))
		FAIL("retrieve: got %lld bytes '%.6s', want 6 'STORED'", (long long)b.ret, b.data);
	printf("notifyc: retrieve: the cached bytes came back\n");

	/* inval_inode: the next stat sends GETATTR */
	a = call(4);
	if (a.ret || stat(f, &st))
		FAIL("inval_inode: %lld", (long long)a.ret);
	b = call(0);
	if (b.getattrs <= a.getattrs)
		FAIL("inval_inode: the next stat sent no GETATTR");
	printf("notifyc: inval_inode: next stat sent GETATTR\n");

	/* inval_entry: the next stat sends LOOKUP */
	a = call(10);
	if (a.ret || stat(f, &st))
		FAIL("inval_entry: %lld", (long long)a.ret);
	b = call(0);
	if (b.lookups <= a.lookups)
		FAIL("inval_entry: the next stat sent no LOOKUP");
	printf("notifyc: inval_entry: next stat sent LOOKUP\n");

	/* expire_entry (7.38) */
	a = call(6);
	if (a.ret == -ENOSYS) {
		printf("notifyc: expire_entry: -ENOSYS (kernel lacks FUSE_HAS_EXPIRE_ONLY)\n");
	} else {
		if (a.ret || stat(f, &st))
			FAIL("expire_entry: %lld", (long long)a.ret);
		b = call(0);
		if (b.lookups <= a.lookups)
			FAIL("expire_entry: the next stat sent no LOOKUP");
		printf("notifyc: expire_entry: next stat sent LOOKUP\n");
	}

	/* inc_epoch (7.44): every cached name from before is stale */
	a = call(7);
	if (a.ret == -ENOSYS) {
		printf("notifyc: inc_epoch: -ENOSYS (protocol before 7.44)\n");
	} else {
		if (a.ret || stat(f, &st))
			FAIL("inc_epoch: %lld", (long long)a.ret);
		b = call(0);
		if (b.lookups <= a.lookups)
			FAIL("inc_epoch: the next stat sent no LOOKUP");
		printf("notifyc: inc_epoch: next stat sent LOOKUP\n");
	}

	/* delete: the name is gone from the dcache at once (f is still open) */
	a = call(5);
	if (a.ret)
		FAIL("delete: %lld", (long long)a.ret);
	if (stat(f, &st) == 0 || errno != ENOENT)
		FAIL("delete: stat of f still succeeds");
	b = call(0);
	if (b.lookups <= a.lookups)
		FAIL("delete: the name was answered from the dcache, not by LOOKUP");
	printf("notifyc: delete: the name is gone\n");
	/* prune (7.45) and resend: accepted (or -ENOSYS where the kernel lacks them) */
	a = call(8);
	if (a.ret && a.ret != -ENOSYS)
		FAIL("prune: %lld", (long long)a.ret);
	printf("notifyc: prune: %s\n", a.ret ? "-ENOSYS" : "accepted");
	a = call(9);
	if (a.ret && a.ret != -ENOSYS)
		FAIL("resend: %lld", (long long)a.ret);
	printf("notifyc: resend: %s\n", a.ret ? "-ENOSYS" : "accepted");

	close(fd);
	close(root);
	return 0;
}
