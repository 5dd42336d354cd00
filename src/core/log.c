/* SPDX-License-Identifier: MIT */
/* Logging: stderr while in the foreground, syslog once daemonized. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "core/core.h"

int zcf_debug;
static int use_syslog;

void zcf_log_to_syslog(void)
{
	openlog("zcfuse", LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void zcf_detach_stdio(void)
{
	/* No O_CLOEXEC: if stdin was closed, /dev/null lands on 0 and stays. */
	int nul = open("/dev/null", O_RDWR);

	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
	zcf_log_to_syslog();
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
