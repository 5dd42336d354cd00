/* SPDX-License-Identifier: MIT */
/* Small helpers with no better home: CPU counts, sysfs flags, limits, the version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/core.h"

/* The Makefile's VERSION is the one source; zcfuse.h must say the same. */
#if defined(ZCF_MAKE_VERSION_MAJOR) &&                                                    \
	(ZCF_MAKE_VERSION_MAJOR != ZCFUSE_VERSION_MAJOR ||                                 \
	 ZCF_MAKE_VERSION_MINOR != ZCFUSE_VERSION_MINOR ||                                 \
	 ZCF_MAKE_VERSION_PATCH != ZCFUSE_VERSION_PATCH)
#error "include/zcfuse/zcfuse.h's ZCFUSE_VERSION_* differ from the Makefile's VERSION"
#endif

ZCFUSE_API unsigned zcfuse_version(void)
{
	return ZCFUSE_VERSION;
}

#define ZCF_STR_(x) #x
#define ZCF_STR(x) ZCF_STR_(x)
ZCFUSE_API const char *zcfuse_version_string(void)
{
	return ZCF_STR(ZCFUSE_VERSION_MAJOR) "." ZCF_STR(ZCFUSE_VERSION_MINOR) "." ZCF_STR(
		ZCFUSE_VERSION_PATCH);
}

/*
 * Copy a caller's sized struct (its first member is its size) into ours:
 * an older caller's smaller struct leaves our newer fields zero; a newer
 * caller's larger one is taken only if every byte we do not know is zero.
 */
int zcf_sized_copy(void *dst, size_t dst_sz, const void *src, size_t src_sz)
{
	const unsigned char *extra = (const unsigned char *)src + dst_sz;
	size_t i;

	if (src_sz < sizeof(size_t))
		return -EINVAL;
	for (i = 0; src_sz > dst_sz && i < src_sz - dst_sz; i++)
		if (extra[i])
			return -EINVAL;
	memset(dst, 0, dst_sz);
	memcpy(dst, src, src_sz < dst_sz ? src_sz : dst_sz);
	return 0;
}

/*
 * The kernel makes one ring queue per *possible* CPU and switches to the
 * ring only when every one has an entry, so count possible, not online.
 */
ssize_t zcf_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

unsigned zcf_ncpus_possible(void)
{
	char buf[256];
	unsigned lo, hi, max = 0;
	char *p;

	if (zcf_read_text("/sys/devices/system/cpu/possible", buf, sizeof(buf)) <= 0)
		goto fallback;
	/* e.g. "0-1" or "0,2-3": the highest id + 1 */
	for (p = buf; *p;) {
		if (sscanf(p, "%u-%u", &lo, &hi) == 2)
			max = hi + 1 > max ? hi + 1 : max;
		else if (sscanf(p, "%u", &lo) == 1)
			max = lo + 1 > max ? lo + 1 : max;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	if (max)
		return max;
fallback:
	{
		long n = sysconf(_SC_NPROCESSORS_CONF);

		return n > 0 ? (unsigned)n : 1;
	}
}

void zcf_block_stop_signals(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, old);
}

int zcf_read_sysfs_bool(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = read(fd, &c, 1) == 1 ? 0 : -EIO;
	close(fd);
	if (err)
		return err;
	return c == 'Y' || c == 'y' || c == '1';
}

/*
 * A server holds descriptors for what its clients use (backing files, open
 * directories, rings): a soft limit of 1024 is soon reached by one user, and
 * then every later open fails for everyone. The hard limit is what we may use.
 */
void zcf_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ rl.rlim_max, rl.rlim_max }) < 0)
		zcf_dbg("descriptor limit stays %llu: %s", (unsigned long long)rl.rlim_cur,
			strerror(errno));
	else
		zcf_dbg("descriptor limit raised from %llu to %llu", (unsigned long long)rl.rlim_cur,
			(unsigned long long)rl.rlim_max);
}
