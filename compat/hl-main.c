// SPDX-License-Identifier: MIT
/*
 * hl-main.c: creating, mounting and running a high-level filesystem:
 * fuse_new() (its options), fuse_main_real(), the loops, the context calls
 * and the remember cleanup thread.
 */
#include "hl-int.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	KEY_KEEP_DEBUG,
	KEY_HELP,
	KEY_UMASK,
	KEY_FMASK,
	KEY_DMASK,
	KEY_UID,
	KEY_GID,
	KEY_AC_ATTR_TIMEOUT,
};

#define HL_OPT(t, member, v) { t, offsetof(struct fuse_config, member), v }

static const struct fuse_opt hl_opts[] = {
	FUSE_OPT_KEY("debug", KEY_KEEP_DEBUG),
	FUSE_OPT_KEY("-d", KEY_KEEP_DEBUG),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("umask=", KEY_UMASK),
	FUSE_OPT_KEY("fmask=", KEY_FMASK),
	FUSE_OPT_KEY("dmask=", KEY_DMASK),
	FUSE_OPT_KEY("uid=", KEY_UID),
	FUSE_OPT_KEY("gid=", KEY_GID),
	FUSE_OPT_KEY("ac_attr_timeout=", KEY_AC_ATTR_TIMEOUT),
	HL_OPT("kernel_cache", kernel_cache, 1),
	HL_OPT("auto_cache", auto_cache, 1),
	HL_OPT("noauto_cache", auto_cache, 0),
	HL_OPT("no_rofd_flush", no_rofd_flush, 1),
	HL_OPT("entry_timeout=%lf", entry_timeout, 0),
	HL_OPT("attr_timeout=%lf", attr_timeout, 0),
	HL_OPT("negative_timeout=%lf", negative_timeout, 0),
	HL_OPT("noforget", remember, -1),
	HL_OPT("remember=%u", remember, 0),
	HL_OPT("modules=%s", modules, 0),
	HL_OPT("hard_remove", hard_remove, 1),
	HL_OPT("use_ino", use_ino, 1),
	HL_OPT("readdir_ino", readdir_ino, 1),
	HL_OPT("direct_io", direct_io, 1),
	HL_OPT("parallel_direct_writes", parallel_direct_writes, 1),
	HL_OPT("intr", intr, 1),
	HL_OPT("intr_signal=%d", intr_signal, 0),
	FUSE_OPT_END
};

static int parse_num(const char *arg, int base, unsigned int *out)
{
	const char *v = strchr(arg, '=');
	char *end;
	unsigned long n;

	if (!v || !v[1])
		return -1;
	errno = 0;
	n = strtoul(v + 1, &end, base);
	if (errno || *end || n > 0xffffffffu)
		return -1;
	*out = (unsigned int)n;
	return 0;
}

static int hl_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct fuse_config *c = data;
	int bad = 0;

	(void)outargs;
	switch (key) {
	case KEY_KEEP_DEBUG:
		c->debug = 1;
		return 1; /* the session prints requests too */
	case KEY_HELP:
		c->show_help = 1;
		return 0;
	case KEY_UMASK:
		bad = parse_num(arg, 8, &c->umask);
		c->set_mode = 1;
		break;
	case KEY_FMASK:
		bad = parse_num(arg, 8, &c->fmask);
		c->set_mode = 1;
		break;
	case KEY_DMASK:
		bad = parse_num(arg, 8, &c->dmask);
		c->set_mode = 1;
		break;
	case KEY_UID:
		bad = parse_num(arg, 10, &c->uid);
		c->set_uid = 1;
		break;
	case KEY_GID:
		bad = parse_num(arg, 10, &c->gid);
		c->set_gid = 1;
		break;
	case KEY_AC_ATTR_TIMEOUT: {
		char *end;

		c->ac_attr_timeout = strtod(strchr(arg, '=') + 1, &end);
		bad = *end != '\0';
		c->ac_attr_timeout_set = 1;
		break;
	}
	default:
		return 1; /* for the session */
	}
	if (bad) {
		fuse_log(FUSE_LOG_ERR, "fuse: bad value in option %s\n", arg);
		return -1;
	}
	return 0;
}

HL_EXPORT void fuse_lib_help(struct fuse_args *args)
{
	printf("    -o hard_remove         unlink open files at once (no .fuse_hidden files)\n"
	       "    -o use_ino             the filesystem's st_ino is the inode number\n"
	       "    -o readdir_ino         readdir reports known inode numbers (without use_ino)\n"
	       "    -o direct_io           open every file with direct I/O\n"
	       "    -o kernel_cache        keep the page cache across opens\n"
	       "    -o [no]auto_cache      keep it while mtime and size stay the same\n"
	       "    -o no_rofd_flush       no flush for files opened read-only\n"
	       "    -o umask=M             clear bits M (octal) of every st_mode\n"
	       "    -o fmask=M, dmask=M    the same for files only, directories only\n"
	       "    -o uid=N, gid=N        report every file as owned by N\n"
	       "    -o entry_timeout=T     seconds to cache names (1.0)\n"
	       "    -o negative_timeout=T  seconds to cache missing names (0.0)\n"
	       "    -o attr_timeout=T      seconds to cache attributes (1.0)\n"
	       "    -o ac_attr_timeout=T   attribute timeout with auto_cache (attr_timeout)\n"
	       "    -o noforget            never forget inode numbers (for NFS export)\n"
	       "    -o remember=T          remember inode numbers T seconds after the kernel forgot\n"
	       "    -o modules=M1[:M2...]  stack modules (subdir, iconv)\n"
	       "    -o intr                let interrupts reach the filesystem (a signal)\n"
	       "    -o intr_signal=N       the signal for intr (%d)\n"
	       "\n",
	       SIGUSR1);
	fuse_lowlevel_help();
	for (int i = 0; args && i < args->argc; i++) {
		if (strstr(args->argv[i], "subdir") && strstr(args->argv[i], "modules=")) {
			printf("\nOptions of module subdir:\n"
			       "    -o subdir=DIR          prepend DIR to every path\n"
			       "    -o [no]rellinks        rewrite absolute symlinks as relative\n");
			break;
		}
	}
	for (int i = 0; args && i < args->argc; i++) {
		if (strstr(args->argv[i], "iconv") && strstr(args->argv[i], "modules=")) {
			printf("\nOptions of module iconv:\n"
			       "    -o from_code=CHARSET   the filesystem's encoding of names (UTF-8)\n"
			       "    -o to_code=CHARSET     the encoding shown (the locale's)\n");
			break;
		}
	}
}

static int push_modules(struct fuse *f, struct fuse_args *args)
{
	char *list = strdup(f->conf.modules), *save = NULL;
	int err = 0;

	if (!list)
		return -1;
	for (char *m = strtok_r(list, ":", &save); m && !err; m = strtok_r(NULL, ":", &save)) {
		struct fuse_fs *n = NULL;

		if (strcmp(m, "subdir") == 0)
			n = hl_subdir_new(args, f->fs);
		else if (strcmp(m, "iconv") == 0)
			n = hl_iconv_new(args, f->fs);
		else
			fuse_log(FUSE_LOG_ERR,
				 "fuse: unknown module %s (this library has: subdir, iconv)\n", m);
		if (n)
			f->fs = n;
		else
			err = -1;
	}
	free(list);
	return err;
}

static struct fuse *hl_new(struct fuse_args *args, const struct fuse_operations *op,
			   size_t op_size, void *user_data, int api30)
{
	struct fuse *f = calloc(1, sizeof(*f));

	if (!f) {
		fuse_log(FUSE_LOG_ERR, "fuse: out of memory\n");
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->unlocked, NULL);
	pthread_mutex_init(&f->cleanup_lock, NULL);
	pthread_cond_init(&f->cleanup_cond, NULL);
	f->conf.entry_timeout = 1.0;
	f->conf.attr_timeout = 1.0;
	f->conf.negative_timeout = 0.0;
	f->conf.intr_signal = SIGUSR1;
	if (fuse_opt_parse(args, &f->conf, hl_opts, hl_opt_proc) == -1)
		goto fail;
	if (api30 && f->conf.show_help) {
		/* API 3.0 printed the library's help from fuse_new(). */
		fuse_lib_help(args);
		goto fail;
	}
	if (getenv("ZCFUSE_HL_TRACE"))
		fprintf(stderr, "zcfuse-hl: high-level layer of zcfuse (compat/hl-*.c)\n");
	f->fs = fuse_fs_new(op, op_size, user_data);
	if (!f->fs)
		goto fail;
	f->fs->debug = f->conf.debug;
	if (f->conf.modules && push_modules(f, args))
		goto fail;
	if (hl_table_init(f))
		goto fail;
	hl_ctx_get()->fuse = f;
	f->se = fuse_session_new(args, &hl_ll_ops, sizeof(hl_ll_ops), f);
	if (!f->se)
		goto fail;
	if (f->conf.intr && hl_intr_install(f))
		goto fail;
	return f;
fail:
	if (f->se)
		fuse_session_destroy(f->se);
	free(f->fs);
	hl_table_free(f);
	free(f->conf.modules);
	free(f);
	return NULL;
}

HL_EXPORT struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
				   size_t op_size, void *user_data)
{
	return hl_new(args, op, op_size, user_data, 0);
}
HL_SYMVER_DEFAULT(fuse_new_31, fuse_new, "FUSE_3.1")

HL_EXPORT struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
				   size_t op_size, void *user_data)
{
	return hl_new(args, op, op_size, user_data, 1);
}
HL_SYMVER(fuse_new_30, fuse_new, "FUSE_3.0")

/* What libfuse 3.17+'s fuse_new() inline calls; the version is not needed. */
HL_EXPORT struct fuse *_fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
				    size_t op_size, struct libfuse_version *version,
				    void *user_data)
{
	(void)version;
	return hl_new(args, op, op_size, user_data, 0);
}

HL_EXPORT struct fuse *_fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
				    size_t op_size, struct libfuse_version *version,
				    void *user_data)
{
	(void)version;
	return hl_new(args, op, op_size, user_data, 1);
}

HL_EXPORT int fuse_mount(struct fuse *f, const char *mountpoint)
{
	return fuse_session_mount(f->se, mountpoint);
}

HL_EXPORT void fuse_unmount(struct fuse *f)
{
	fuse_session_unmount(f->se);
}

HL_EXPORT void fuse_destroy(struct fuse *f)
{
	char **hidden;

	if (!f)
		return;
	hl_intr_remove(f);
	/* Files hidden while open and still there: remove them now. */
	if (f->fs && (hidden = hl_node_hidden_paths(f))) {
		hl_ctx_get()->fuse = f;
		for (char **p = hidden; *p; p++) {
			fuse_fs_unlink(f->fs, *p);
			free(*p);
		}
		free(hidden);
	}
	fuse_session_destroy(f->se); /* runs destroy() if init() ran */
	free(f->fs); /* never initialized: nothing of the filesystem's to run */
	hl_table_free(f);
	free(f->conf.modules);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->unlocked);
	pthread_mutex_destroy(&f->cleanup_lock);
	pthread_cond_destroy(&f->cleanup_cond);
	if (hl_ctx_get()->fuse == f)
		hl_ctx_get()->fuse = NULL;
	free(f);
}

HL_EXPORT void fuse_exit(struct fuse *f)
{
	fuse_session_exit(f->se);
}

HL_EXPORT struct fuse_session *fuse_get_session(struct fuse *f)
{
	return f->se;
}

HL_EXPORT int fuse_loop(struct fuse *f)
{
	int res;

	if (!f)
		return -1;
	if (fuse_start_cleanup_thread(f))
		return -1;
	res = fuse_session_loop(f->se);
	fuse_stop_cleanup_thread(f);
	return res;
}

HL_EXPORT int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config)
{
	struct fuse_loop_config *own = NULL;
	int res;

	if (!f)
		return -1;
	if (!config)
		config = own = fuse_loop_cfg_create();
	if (!config)
		return -1;
	res = fuse_start_cleanup_thread(f);
	if (!res) {
		res = fuse_session_loop_mt(f->se, config);
		fuse_stop_cleanup_thread(f);
	}
	if (own)
		fuse_loop_cfg_destroy(own);
	return res;
}
HL_SYMVER_DEFAULT(fuse_loop_mt_312, fuse_loop_mt, "FUSE_3.12")

HL_EXPORT int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *v1)
{
	struct fuse_loop_config *config = fuse_loop_cfg_create();
	int res;

	if (!config)
		return -1;
	if (v1)
		fuse_loop_cfg_convert(config, v1);
	res = fuse_loop_mt_312(f, config);
	fuse_loop_cfg_destroy(config);
	return res;
}
HL_SYMVER(fuse_loop_mt_32, fuse_loop_mt, "FUSE_3.2")

HL_EXPORT int fuse_loop_mt_31(struct fuse *f, int clone_fd)
{
	struct fuse_loop_config *config = fuse_loop_cfg_create();
	int res;

	if (!config)
		return -1;
	fuse_loop_cfg_set_clone_fd(config, (unsigned int)clone_fd);
	res = fuse_loop_mt_312(f, config);
	fuse_loop_cfg_destroy(config);
	return res;
}
HL_SYMVER(fuse_loop_mt_31, fuse_loop_mt, "FUSE_3.0")

HL_EXPORT int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
			     size_t op_size, void *user_data)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse *f;
	int res;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		res = 0;
		goto out;
	}
	if (opts.show_help) {
		if (args.argv[0][0] != '\0')
			printf("usage: %s [options] <mountpoint>\n\n", args.argv[0]);
		printf("FUSE options:\n");
		fuse_cmdline_help();
		fuse_lib_help(&args);
		res = 0;
		goto out;
	}
	if (!opts.mountpoint) {
		fuse_log(FUSE_LOG_ERR, "error: no mountpoint specified\n");
		res = 2;
		goto out;
	}
	f = fuse_new_31(&args, op, op_size, user_data);
	if (!f) {
		res = 3;
		goto out;
	}
	if (fuse_mount(f, opts.mountpoint) != 0) {
		res = 4;
		goto out_destroy;
	}
	if (fuse_daemonize(opts.foreground) != 0) {
		res = 5;
		goto out_unmount;
	}
	if (fuse_set_signal_handlers(f->se) != 0) {
		res = 6;
		goto out_unmount;
	}
	if (opts.singlethread) {
		res = fuse_loop(f);
	} else {
		struct fuse_loop_config *config = fuse_loop_cfg_create();

		if (!config) {
			res = 7;
			fuse_remove_signal_handlers(f->se);
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(config, (unsigned int)opts.clone_fd);
		/* UINT_MAX: not given (the library's default stands). */
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(config, opts.max_idle_threads);
		if (opts.max_threads && opts.max_threads != UINT_MAX)
			fuse_loop_cfg_set_max_threads(config, opts.max_threads);
		res = fuse_loop_mt_312(f, config);
		fuse_loop_cfg_destroy(config);
	}
	if (res)
		res = 8;
	fuse_remove_signal_handlers(f->se);
out_unmount:
	fuse_unmount(f);
out_destroy:
	fuse_destroy(f);
out:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return res;
}

/* What libfuse 3.17+'s fuse_main() inline calls. */
HL_EXPORT int fuse_main_real_versioned(int argc, char *argv[], const struct fuse_operations *op,
				       size_t op_size, struct libfuse_version *version,
				       void *user_data)
{
	(void)version;
	return fuse_main_real(argc, argv, op, op_size, user_data);
}

HL_EXPORT struct fuse_context *fuse_get_context(void)
{
	return hl_ctx_get();
}

HL_EXPORT int fuse_getgroups(int size, gid_t list[])
{
	fuse_req_t req = hl_ctx_req();

	if (!req)
		return -EINVAL;
	return fuse_req_getgroups(req, size, list);
}

HL_EXPORT int fuse_interrupted(void)
{
	fuse_req_t req = hl_ctx_req();

	return req ? fuse_req_interrupted(req) : 0;
}

HL_EXPORT int fuse_invalidate_path(struct fuse *f, const char *path)
{
	uint64_t ino;
	int err = hl_node_find_path(f, path, &ino);

	if (err)
		return err;
	return fuse_lowlevel_notify_inval_inode(f->se, ino, 0, 0);
}

HL_EXPORT int fuse_notify_poll(struct fuse_pollhandle *ph)
{
	return fuse_lowlevel_notify_poll(ph);
}

HL_EXPORT int fuse_clean_cache(struct fuse *f)
{
	return hl_node_clean(f);
}

static void *cleanup_main(void *arg)
{
	struct fuse *f = arg;

	pthread_mutex_lock(&f->cleanup_lock);
	while (!f->cleanup_stop) {
		struct timespec until;
		int secs;

		pthread_mutex_unlock(&f->cleanup_lock);
		secs = fuse_clean_cache(f);
		pthread_mutex_lock(&f->cleanup_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += secs;
		while (!f->cleanup_stop &&
		       pthread_cond_timedwait(&f->cleanup_cond, &f->cleanup_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&f->cleanup_lock);
	return NULL;
}

HL_EXPORT int fuse_start_cleanup_thread(struct fuse *f)
{
	int err;

	if (f->conf.remember <= 0 || f->cleanup_started)
		return 0;
	f->cleanup_stop = 0;
	err = pthread_create(&f->cleanup_thread, NULL, cleanup_main, f);
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fuse: cannot start the cleanup thread: %s\n", strerror(err));
		return -1;
	}
	f->cleanup_started = 1;
	return 0;
}

HL_EXPORT void fuse_stop_cleanup_thread(struct fuse *f)
{
	if (!f->cleanup_started)
		return;
	pthread_mutex_lock(&f->cleanup_lock);
	f->cleanup_stop = 1;
	pthread_cond_broadcast(&f->cleanup_cond);
	pthread_mutex_unlock(&f->cleanup_lock);
	pthread_join(f->cleanup_thread, NULL);
	f->cleanup_started = 0;
}

int hl_debug_enabled(const struct fuse *f)
{
	return f->conf.debug;
}
