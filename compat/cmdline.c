/* SPDX-License-Identifier: MIT */
/*
 * The helpers libfuse programs call around their session: command line,
 * help and version texts, logging, daemonizing, signal handlers, and the
 * conn-info options.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "internal.h"

/* ---- Logging ---- */

static void log_stderr(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

static fuse_log_func_t log_func = log_stderr;

ZCF_COMPAT_API void fuse_set_log_func(fuse_log_func_t func)
{
	log_func = func ? func : log_stderr;
}

static void log_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog((int)level, fmt, ap);
}

ZCF_COMPAT_API void fuse_log_enable_syslog(const char *ident, int option, int facility)
{
	openlog(ident, option, facility);
	log_func = log_syslog;
}

ZCF_COMPAT_API void fuse_log_close_syslog(void)
{
	closelog();
	if (log_func == log_syslog)
		log_func = log_stderr;
}

ZCF_COMPAT_API void fuse_log(enum fuse_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_func(level, fmt, ap);
	va_end(ap);
}

/* ---- Versions and help ---- */

ZCF_COMPAT_API int fuse_version(void)
{
	return FUSE_VERSION;
}

ZCF_COMPAT_API const char *fuse_pkgversion(void)
{
	return "3.14.0";
}

ZCF_COMPAT_API void fuse_lowlevel_version(void)
{
	printf("using FUSE kernel interface version %d.%d (zcfuse %s libfuse compatibility)\n",
	       FUSE_KERNEL_VERSION, FUSE_KERNEL_MINOR_VERSION, zcfuse_version_string());
}

ZCF_COMPAT_API void fuse_cmdline_help(void)
{
	printf("    -h   --help            print this help\n"
	       "    -V   --version         print the version\n"
	       "    -d   -o debug          trace every request (implies -f)\n"
	       "    -f                     stay in the foreground\n"
	       "    -s                     one operation at a time\n"
	       "    -o clone_fd            one /dev/fuse descriptor per thread (always so)\n"
	       "    -o max_idle_threads    idle worker threads kept (taken, not needed)\n"
	       "    -o max_threads         classic worker threads (default 10)\n");
}

ZCF_COMPAT_API void fuse_lowlevel_help(void)
{
	/* zcfuse's mount and transport options are the low-level options here */
	zcf_print_help("", NULL);
}

/* ---- fuse_parse_cmdline ---- */

#define CMD(t, m, v) { t, offsetof(struct fuse_cmdline_opts, m), v }
static const struct fuse_opt cmdline_opts[] = {
	CMD("-h", show_help, 1),
	CMD("--help", show_help, 1),
	CMD("-V", show_version, 1),
	CMD("--version", show_version, 1),
	CMD("-d", debug, 1),
	CMD("debug", debug, 1),
	CMD("-d", foreground, 1),
	CMD("debug", foreground, 1),
	FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
	CMD("-f", foreground, 1),
	CMD("-s", singlethread, 1),
	CMD("fsname=", nodefault_subtype, 1),
	FUSE_OPT_KEY("fsname=", FUSE_OPT_KEY_KEEP),
	CMD("subtype=", nodefault_subtype, 1),
	FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_KEEP),
	CMD("clone_fd", clone_fd, 1),
	CMD("max_idle_threads=%u", max_idle_threads, 0),
	CMD("max_threads=%u", max_threads, 0),
	FUSE_OPT_END
};

static int cmdline_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct fuse_cmdline_opts *o = data;
	char *abs;

	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (o->mountpoint) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid argument `%s'\n", arg);
		return -1;
	}
	/* A descriptor passed by the parent stays as it is (see fuse_session_mount). */
	abs = zcf_passed_fd(arg) >= 0 ? strdup(arg) : realpath(arg, NULL);
	if (!abs) {
		fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", arg, strerror(errno));
		return -1;
	}
	o->mountpoint = abs;
	return 0;
}

ZCF_COMPAT_API int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_idle_threads = UINT_MAX;
	o->max_threads = 10;
	if (fuse_opt_parse(args, o, cmdline_opts, cmdline_proc) == -1)
		return -1;
	/* Mounts show as fuse.PROGRAM unless the program named itself. */
	if (!o->nodefault_subtype && args->argc) {
		const char *base = strrchr(args->argv[0], '/');
		char *opt;

		base = base ? base + 1 : args->argv[0];
		if (asprintf(&opt, "-osubtype=%s", base) < 0)
			return -1;
		if (fuse_opt_add_arg(args, opt)) {
			free(opt);
			return -1;
		}
		free(opt);
	}
	return 0;
}

/* API 3.0's struct ends before max_threads. */
ZCF_COMPAT_API int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *out)
{
	struct fuse_cmdline_opts o;
	int res = fuse_parse_cmdline_312(args, &o);

	memcpy(out, &o, offsetof(struct fuse_cmdline_opts, max_threads));
	return res;
}
__asm__(".symver fuse_parse_cmdline_30,fuse_parse_cmdline@FUSE_3.0");
__asm__(".symver fuse_parse_cmdline_312,fuse_parse_cmdline@@FUSE_3.12");

/* ---- Daemon and signals ---- */

ZCF_COMPAT_API int fuse_daemonize(int foreground)
{
	int fds[2];
	char c = 0;
	pid_t pid;

	if (foreground)
		return 0;
	if (pipe(fds)) {
		perror("fuse_daemonize: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fuse_daemonize: fork");
		return -1;
	}
	if (pid > 0) { /* the parent leaves once the child is set up */
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
	}
	close(fds[0]);
	if (setsid() < 0) {
		perror("fuse_daemonize: setsid");
		return -1;
	}
	if (chdir("/"))
		perror("fuse_daemonize: chdir");
	zcf_detach_stdio();
	if (write(fds[1], &c, 1) != 1)
		zcf_dbg("daemonize: parent gone");
	close(fds[1]);
	return 0;
}

static struct fuse_session *signal_se;

static void on_signal(int sig)
{
	if (signal_se)
		fuse_session_exit(signal_se);
}

static int set_one(int sig, void (*handler)(int), bool only_if_default)
{
	struct sigaction sa = { .sa_handler = handler }, old;

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, NULL, &old))
		return -1;
	if (only_if_default && old.sa_handler != SIG_DFL)
		return 0; /* the program set its own: leave it */
	return sigaction(sig, &sa, NULL);
}

ZCF_COMPAT_API int fuse_set_signal_handlers(struct fuse_session *se)
{
	signal_se = se;
	if (set_one(SIGHUP, on_signal, true) || set_one(SIGINT, on_signal, true) ||
	    set_one(SIGTERM, on_signal, true) || set_one(SIGPIPE, SIG_IGN, true)) {
		perror("fuse: cannot set signal handler");
		return -1;
	}
	return 0;
}

ZCF_COMPAT_API int fuse_set_fail_signal_handlers(struct fuse_session *se)
{
	return 0; /* the default action (a core dump) says more than a handler would */
}

static void reset_one(int sig, void (*handler)(int))
{
	struct sigaction old, dfl = { .sa_handler = SIG_DFL };

	if (!sigaction(sig, NULL, &old) && old.sa_handler == handler)
		sigaction(sig, &dfl, NULL);
}

ZCF_COMPAT_API void fuse_remove_signal_handlers(struct fuse_session *se)
{
	if (signal_se != se)
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_remove_signal_handlers: unknown session\n");
	else
		signal_se = NULL;
	reset_one(SIGHUP, on_signal);
	reset_one(SIGINT, on_signal);
	reset_one(SIGTERM, on_signal);
	reset_one(SIGPIPE, SIG_IGN);
}

/* ---- Conn-info options (-o max_write= ... for high-level style programs) ---- */

struct fuse_conn_info_opts {
	unsigned max_write, max_readahead, max_background, congestion_threshold, time_gran;
	int set_max_write, set_max_readahead, set_max_background, set_congestion, set_time_gran;
	int writeback, no_writeback, async_read, sync_read, splice_write, no_splice_write,
	    splice_move, no_splice_move, splice_read, no_splice_read, atomic_o_trunc,
	    no_remote_posix_lock, no_remote_flock, readdirplus_no, readdirplus_yes,
	    readdirplus_auto, async_dio, no_async_dio;
};

#define CI(t, m, v) { t, offsetof(struct fuse_conn_info_opts, m), v }
static const struct fuse_opt conn_opts[] = {
	CI("max_write=%u", max_write, 0), CI("max_write=", set_max_write, 1),
	CI("max_readahead=%u", max_readahead, 0), CI("max_readahead=", set_max_readahead, 1),
	CI("max_background=%u", max_background, 0), CI("max_background=", set_max_background, 1),
	CI("congestion_threshold=%u", congestion_threshold, 0),
	CI("congestion_threshold=", set_congestion, 1),
	CI("time_gran=%u", time_gran, 0), CI("time_gran=", set_time_gran, 1),
	CI("writeback_cache", writeback, 1), CI("no_writeback_cache", no_writeback, 1),
	CI("async_read", async_read, 1), CI("sync_read", sync_read, 1),
	CI("splice_write", splice_write, 1), CI("no_splice_write", no_splice_write, 1),
	CI("splice_move", splice_move, 1), CI("no_splice_move", no_splice_move, 1),
	CI("splice_read", splice_read, 1), CI("no_splice_read", no_splice_read, 1),
	CI("atomic_o_trunc", atomic_o_trunc, 1),
	CI("no_remote_lock", no_remote_posix_lock, 1), CI("no_remote_lock", no_remote_flock, 1),
	CI("no_remote_flock", no_remote_flock, 1),
	CI("no_remote_posix_lock", no_remote_posix_lock, 1),
	CI("readdirplus=no", readdirplus_no, 1), CI("readdirplus=yes", readdirplus_yes, 1),
	CI("readdirplus=auto", readdirplus_auto, 1),
	CI("async_dio", async_dio, 1), CI("no_async_dio", no_async_dio, 1),
	FUSE_OPT_END
};

ZCF_COMPAT_API struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args)
{
	struct fuse_conn_info_opts *o = calloc(1, sizeof(*o));

	if (!o) {
		fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		return NULL;
	}
	if (fuse_opt_parse(args, o, conn_opts, NULL) == -1) {
		free(o);
		return NULL;
	}
	return o;
}

static void flag(struct fuse_conn_info *c, int on, int off, unsigned cap)
{
	if (on)
		c->want |= cap;
	if (off)
		c->want &= ~cap;
}

ZCF_COMPAT_API void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *o,
					      struct fuse_conn_info *c)
{
	if (o->set_max_write)
		c->max_write = o->max_write;
	if (o->set_max_readahead)
		c->max_readahead = o->max_readahead;
	if (o->set_max_background)
		c->max_background = o->max_background;
	if (o->set_congestion)
		c->congestion_threshold = o->congestion_threshold;
	if (o->set_time_gran)
		c->time_gran = o->time_gran;
	flag(c, o->writeback, o->no_writeback, FUSE_CAP_WRITEBACK_CACHE);
	flag(c, o->async_read, o->sync_read, FUSE_CAP_ASYNC_READ);
	flag(c, o->splice_write, o->no_splice_write, FUSE_CAP_SPLICE_WRITE);
	flag(c, o->splice_move, o->no_splice_move, FUSE_CAP_SPLICE_MOVE);
	flag(c, o->splice_read, o->no_splice_read, FUSE_CAP_SPLICE_READ);
	flag(c, o->atomic_o_trunc, 0, FUSE_CAP_ATOMIC_O_TRUNC);
	flag(c, 0, o->no_remote_posix_lock, FUSE_CAP_POSIX_LOCKS);
	flag(c, 0, o->no_remote_flock, FUSE_CAP_FLOCK_LOCKS);
	flag(c, o->async_dio, o->no_async_dio, FUSE_CAP_ASYNC_DIO);
	if (o->readdirplus_no)
		c->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
	if (o->readdirplus_yes) {
		c->want |= FUSE_CAP_READDIRPLUS;
		c->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	}
	if (o->readdirplus_auto)
		c->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
}

/* ---- 3.17+ feature flags ---- */

ZCF_COMPAT_API bool fuse_set_feature_flag(struct fuse_conn_info *c, uint64_t f)
{
	if (!(c->capable_ext & f))
		return false;
	c->want_ext |= f;
	c->want |= (unsigned)f;
	return true;
}

ZCF_COMPAT_API void fuse_unset_feature_flag(struct fuse_conn_info *c, uint64_t f)
{
	c->want_ext &= ~f;
	c->want &= ~(unsigned)f;
}

ZCF_COMPAT_API bool fuse_get_feature_flag(struct fuse_conn_info *c, uint64_t f)
{
	return (c->capable_ext & f) != 0;
}
