/* SPDX-License-Identifier: MIT */
/* zcfuse's libfuse 3 compatibility: logging. */
#ifndef FUSE_LOG_H_
#define FUSE_LOG_H_

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* syslog(3)'s severities, in syslog's order. */
enum fuse_log_level {
	FUSE_LOG_EMERG,
	FUSE_LOG_ALERT,
	FUSE_LOG_CRIT,
	FUSE_LOG_ERR,
	FUSE_LOG_WARNING,
	FUSE_LOG_NOTICE,
	FUSE_LOG_INFO,
	FUSE_LOG_DEBUG
};

typedef void (*fuse_log_func_t)(enum fuse_log_level level, const char *fmt, va_list ap);

/* Route the library's messages to func (NULL: back to stderr). */
void fuse_set_log_func(fuse_log_func_t func);
/* 3.17+: send the library's messages to syslog(3), and stop doing so. */
void fuse_log_enable_syslog(const char *ident, int option, int facility);
void fuse_log_close_syslog(void);
void fuse_log(enum fuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
