/* SPDX-License-Identifier: MIT */
/* What this process may do: the one CAP_SYS_ADMIN check of the library. */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/core.h"

bool zcf_have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}
