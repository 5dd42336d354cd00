/*
 * zcfuse-vm-fuse-probe: the smallest FUSE server that proves a kernel can
 * mount FUSE at all, and says which protocol it speaks.
 *
 *   zcfuse-vm-fuse-probe MOUNTPOINT [EXPECTED_MINOR]
 *
 * Opens /dev/fuse, mounts it on MOUNTPOINT, prints the protocol version and
 * the io_uring related flags of the kernel's FUSE_INIT, answers it, has a
 * child stat() the root (one GETATTR), and unmounts.  Exit 0 when all of
 * that worked (and the minor version is at least EXPECTED_MINOR), 1 if not.
 * Part of vm/run-vm's guest smoke test; not part of the library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* flags2 bits (init flags 32..63) newer than the host's headers may know */
#define PROBE_OVER_IO_URING (1u << (41 - 32))
#define PROBE_HAS_IO_URING_BUFPOOL (1u << (43 - 32))

static char buf[1 << 20] __attribute__((aligned(8)));

static int reply(int fd, uint64_t unique, int error, const void *arg, size_t size)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh) + size,
		.error = error,
		.unique = unique,
	};
	char out[sizeof(oh) + 512];

	if (size > 512)
		return -1;
	memcpy(out, &oh, sizeof(oh));
	memcpy(out + sizeof(oh), arg, size);
	if (write(fd, out, oh.len) != (ssize_t)oh.len) {
		fprintf(stderr, "fuse-probe: reply to %llu: %s\n",
			(unsigned long long)unique, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mnt;
	unsigned int want_minor = 0;
	struct fuse_in_header *ih = (void *)buf;
	struct fuse_init_in *ii = (void *)(buf + sizeof(*ih));
	struct fuse_init_out io;
	char opts[128];
	int fd, status, ok = 1;
	ssize_t n;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MOUNTPOINT [EXPECTED_MINOR]\n", argv[0]);
		return 2;
	}
	mnt = argv[1];
	if (argc > 2)
		want_minor = strtoul(argv[2], NULL, 10);

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("fuse-probe: /dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("zcfuse-probe", mnt, "fuse.zcfuse-probe", MS_NOSUID | MS_NODEV, opts)) {
		perror("fuse-probe: mount");
		return 1;
	}

	n = read(fd, buf, sizeof(buf));
	if (n < (ssize_t)(sizeof(*ih) + sizeof(*ii) - sizeof(ii->unused)) || ih->opcode != FUSE_INIT) {
		fprintf(stderr, "fuse-probe: expected FUSE_INIT, read %zd bytes\n", n);
		umount2(mnt, MNT_DETACH);
		return 1;
	}
	printf("fuse-probe: kernel FUSE protocol %u.%u, flags 0x%08x flags2 0x%08x\n",
	       ii->major, ii->minor, ii->flags, ii->flags2);
	printf("fuse-probe: FUSE_OVER_IO_URING offered: %s, FUSE_HAS_IO_URING_BUFPOOL: %s\n",
	       (ii->flags2 & PROBE_OVER_IO_URING) ? "yes" : "no",
	       (ii->flags2 & PROBE_HAS_IO_URING_BUFPOOL) ? "yes" : "no");
	if (ii->major != 7 || ii->minor < want_minor) {
		fprintf(stderr, "fuse-probe: wanted protocol 7.%u or newer\n", want_minor);
		ok = 0;
	}

	memset(&io, 0, sizeof(io));
	io.major = FUSE_KERNEL_VERSION;
	io.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ? ii->minor : FUSE_KERNEL_MINOR_VERSION;
	io.max_readahead = ii->max_readahead;
	io.max_write = 4096;
	io.max_background = 1;
	io.congestion_threshold = 1;
	if (reply(fd, ih->unique, 0, &io, sizeof(io)))
		return 1;

	child = fork();
	if (child == 0) {
		struct stat st;

		if (stat(mnt, &st)) {
			perror("fuse-probe: stat");
			_exit(1);
		}
		_exit(S_ISDIR(st.st_mode) && st.st_ino == FUSE_ROOT_ID ? 0 : 1);
	}

	/* Serve until the child is done. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (waitpid(child, &status, WNOHANG) == child)
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < (ssize_t)sizeof(*ih))
			continue;
		if (ih->opcode == FUSE_GETATTR) {
			struct fuse_attr_out ao;

			memset(&ao, 0, sizeof(ao));
			ao.attr_valid = 1;
			ao.attr.ino = FUSE_ROOT_ID;
			ao.attr.mode = S_IFDIR | 0755;
			ao.attr.nlink = 2;
			ao.attr.blksize = 4096;
			reply(fd, ih->unique, 0, &ao, sizeof(ao));
		} else if (ih->opcode == FUSE_FORGET || ih->opcode == FUSE_BATCH_FORGET) {
			/* no reply */
		} else {
			reply(fd, ih->unique, -ENOSYS, NULL, 0);
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fuse-probe: stat of the mounted root failed\n");
		ok = 0;
	} else {
		printf("fuse-probe: mounted %s and stat() of its root answered: ok\n", mnt);
	}
	if (umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
		perror("fuse-probe: umount");
	close(fd);
	return ok ? 0 : 1;
}
