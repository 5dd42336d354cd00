/* SPDX-License-Identifier: MIT */
/*
 * What zcfuse's compatibility library cannot do yet because zcfuse itself
 * lacks it. Every such answer comes from here, named by feature, so wiring
 * one up later is a matter of deleting its caller's call into this file:
 *   "cuse"              cuse_lowlevel_*
 * Each logs once, then answers -ENOSYS.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int compat_pending(const char *feature)
{
	static const char *said[16];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	bool first = true;
	unsigned i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < 16 && said[i]; i++)
		if (!strcmp(said[i], feature))
			first = false;
	if (first && i < 16)
		said[i] = feature;
	pthread_mutex_unlock(&lock);
	if (first)
		fuse_log(FUSE_LOG_ERR, "fuse: %s is not available in zcfuse's libfuse "
			 "compatibility library yet (answered ENOSYS)\n", feature);
	return -ENOSYS;
}
