/* SPDX-License-Identifier: MIT */
/* Who sent a request beyond the header's uid/gid/pid: groups, privilege kills. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/proto.h"

ZCFUSE_API unsigned zcfuse_req_kill_priv(struct zcfuse_req *req)
{
	return req->kill_priv;
}

/*
 * The header's pid is the calling thread's id in the server's pid namespace
 * (0 when the caller is not visible there). Its status file holds a line
 * "Groups:\t1 2 3 \n".
 */
ZCFUSE_API int zcfuse_req_getgroups(struct zcfuse_req *req, int size, gid_t list[])
{
	char path[64], *buf, *line, *p;
	size_t cap = 4096, len = 0;
	int fd, count = 0;
	pid_t pid = (pid_t)req->in.pid;

	if (size < 0 || (size && !list))
		return -EINVAL;
	if (pid <= 0)
		return -ENOSYS;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			int err = errno == ESRCH ? -ESRCH : -errno;

			close(fd);
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			/* Thousands of groups make a long line: grow. */
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger) {
				close(fd);
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	line = strstr(buf, "\nGroups:");
	if (!line) {
		free(buf);
		return -EIO;
	}
	p = line + strlen("\nGroups:");
	for (;;) {
		char *end;
		unsigned long g;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		g = strtoul(p, &end, 10);
		if (count < size)
			list[count] = (gid_t)g;
		count++;
		p = end;
	}
	free(buf);
	return count;
}
