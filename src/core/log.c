/* SPDX-License-Identifier: MIT */
/* Logging: stderr while in the foreground, syslog once daemonized. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "core/core.h"

int zcf_debug;
static int use_syslog;

void zcf_log_to_syslog(void)
{
	openlog("zcfuse", LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

ZCFUSE_API void zcfuse_log(enum zcfuse_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (use_syslog)
		syslog((int)level, "%s", line);
	else
		fprintf(stderr, "zcfuse: %s\n", line);
}
