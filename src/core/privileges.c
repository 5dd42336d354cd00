/* SPDX-License-Identifier: MIT */
/* What this process may do: the library's capability and io_uring checks. */
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/core.h"

bool zcf_have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (cap < 0 || cap >= 64)
		return false;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool zcf_have_cap_sys_admin(void)
{
	return zcf_have_cap(CAP_SYS_ADMIN);
}

static long read_proc_long(const char *path, long dflt)
{
	char buf[32];

	return zcf_read_text(path, buf, sizeof(buf)) > 0 ? strtol(buf, NULL, 10) : dflt;
}

static bool in_group(gid_t g)
{
	gid_t groups[256];
	int i, n;

	if (getegid() == g)
		return true;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

int zcf_io_uring_denied(void)
{
	long level = read_proc_long("/proc/sys/kernel/io_uring_disabled", 0);
	long group;

	if (level == 2)
		return 2;
	if (level != 1 || zcf_have_cap_sys_admin())
		return 0;
	group = read_proc_long("/proc/sys/kernel/io_uring_group", -1);
	return group >= 0 && in_group((gid_t)group) ? 0 : 1;
}
