/* SPDX-License-Identifier: MIT */
/*
 * The command line, libfuse style: -f -d -s -h -V, -o opt[,opt...], the
 * filesystem's positional arguments, then the mountpoint.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static const char *const transport_names[] = {
	[ZCF_TRANSPORT_AUTO] = "auto",
	[ZCF_TRANSPORT_CLASSIC] = "classic",
	[ZCF_TRANSPORT_URING] = "uring",
	[ZCF_TRANSPORT_BUFPOOL] = "bufpool",
	[ZCF_TRANSPORT_ZEROCOPY] = "zerocopy",
};

static const char *const ring_setup_names[] = {
	[ZCF_RING_DEFER] = "defer",
	[ZCF_RING_COOP] = "coop",
	[ZCF_RING_SINGLE] = "single",
	[ZCF_RING_PLAIN] = "plain",
};

static const char *const ring_fd_names[] = { "registered", "plain" };

const char *zcf_transport_name(enum zcf_transport_kind k)
{
	return (unsigned)k < NR(transport_names) ? transport_names[k] : "?";
}

const char *zcf_ring_setup_name(enum zcf_ring_setup s)
{
	return (unsigned)s < NR(ring_setup_names) ? ring_setup_names[s] : "?";
}

/* Index of @val among @names, or -EINVAL after one line saying what would do. */
static int pick(const char *key, const char *val, const char *const *names, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (val && !strcmp(val, names[k]))
			return (int)k;
	fprintf(stderr, "zcfuse: option %s=%s: expected", key, val ? val : "");
	for (k = 0; k < n; k++)
		fprintf(stderr, "%s %s", !k ? "" : k + 1 == n ? " or" : ",", names[k]);
	fputc('\n', stderr);
	return -EINVAL;
}

/* Mount options handed to the kernel (or fusermount3) as they are. */
static const char *const kernel_opts[] = {
	"dev", "nodev", "suid", "nosuid", "exec", "noexec", "atime", "noatime",
	"relatime", "norelatime", "strictatime", "sync", "async", "dirsync", "nonempty", NULL,
};

static int parse_uint(const char *key, const char *val, unsigned min, unsigned max,
		      unsigned *out)
{
	char *end;
	unsigned long v;

	if (!val || !*val) {
		fprintf(stderr, "zcfuse: option %s needs a value\n", key);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(val, &end, 0);
	if (errno || *end || val[0] == '-' || v < min || v > max) {
		fprintf(stderr, "zcfuse: option %s=%s: expected a number from %u to %u\n", key,
			val, min, max);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int set_str(char **dst, const char *key, const char *val)
{
	if (!val || !*val) {
		fprintf(stderr, "zcfuse: option %s needs a value\n", key);
		return -EINVAL;
	}
	free(*dst);
	*dst = strdup(val);
	return *dst ? 0 : -ENOMEM;
}

static int append_mount_opt(struct zcf_config *cfg, const char *opt)
{
	size_t old = cfg->extra_mount_opts ? strlen(cfg->extra_mount_opts) : 0;
	char *s = realloc(cfg->extra_mount_opts, old + strlen(opt) + 2);

	if (!s)
		return -ENOMEM;
	if (old)
		s[old++] = ',';
	strcpy(s + old, opt);
	cfg->extra_mount_opts = s;
	return 0;
}

static int parse_transport(struct zcf_config *cfg, const char *val)
{
	int k = pick("transport", val, transport_names, NR(transport_names));

	if (k < 0)
		return k;
	cfg->transport = k;
	cfg->transport_explicit = k != ZCF_TRANSPORT_AUTO;
	return 0;
}

static int parse_one(struct zcf_config *cfg, char *opt, const struct zcfuse_session_opts *opts,
		     void *userdata)
{
	char *val = strchr(opt, '=');
	const char *const *k;
	int err;

	if (val)
		*val++ = 0;
	if (!strcmp(opt, "allow_other"))
		cfg->allow_other = true;
	else if (!strcmp(opt, "allow_root"))
		cfg->allow_root = true;
	else if (!strcmp(opt, "default_permissions"))
		cfg->default_permissions = true;
	else if (!strcmp(opt, "ro"))
		cfg->ro = true;
	else if (!strcmp(opt, "rw"))
		cfg->ro = false;
	else if (!strcmp(opt, "auto_unmount"))
		cfg->auto_unmount = true;
	else if (!strcmp(opt, "debug"))
		cfg->debug = cfg->foreground = true;
	else if (!strcmp(opt, "fsname"))
		return set_str(&cfg->fsname, opt, val);
	else if (!strcmp(opt, "subtype"))
		return set_str(&cfg->subtype, opt, val);
	else if (!strcmp(opt, "max_read"))
		return parse_uint(opt, val, 4096, 16u << 20, &cfg->max_read);
	else if (!strcmp(opt, "transport"))
		return parse_transport(cfg, val);
	else if (!strcmp(opt, "io_uring")) /* libfuse's spelling */
		return parse_transport(cfg, "uring");
	else if (!strcmp(opt, "queue_depth") || !strcmp(opt, "io_uring_q_depth"))
		return parse_uint(opt, val, 1, 4096, &cfg->queue_depth);
	else if (!strcmp(opt, "ring_setup")) {
		int i = pick(opt, val, ring_setup_names, NR(ring_setup_names));

		if (i < 0)
			return i;
		cfg->ring_setup = i;
		return 0;
	} else if (!strcmp(opt, "ring_fd")) {
		int i = pick(opt, val, ring_fd_names, NR(ring_fd_names));

		if (i < 0)
			return i;
		cfg->ring_fd_plain = i == 1;
		return 0;
	}
	else if (!strcmp(opt, "read_place")) {
		static const char *const names[] = { "auto", "inline", "worker" };
		int i = pick(opt, val, names, NR(names));

		if (i < 0)
			return i;
		cfg->read_place = (unsigned)i;
		return 0;
	}
	else if (!strcmp(opt, "splice")) {
		static const char *const names[] = { "on", "off" };
		int i = pick(opt, val, names, NR(names));

		if (i < 0)
			return i;
		cfg->splice_off = i == 1;
		return 0;
	}
	else if (!strcmp(opt, "pool_bufs"))
		return parse_uint(opt, val, 1, 4096, &cfg->pool_bufs);
	else if (!strcmp(opt, "meta_threads"))
		return parse_uint(opt, val, 0, 64, &cfg->meta_threads);
	else if (!strcmp(opt, "threads"))
		return parse_uint(opt, val, 1, 1024, &cfg->threads);
	else if (!strcmp(opt, "max_write")) {
		cfg->max_write_set = true;
		return parse_uint(opt, val, 4096, 16u << 20, &cfg->max_write);
	} else if (!strcmp(opt, "max_pinned"))
		return parse_uint(opt, val, 1, 1u << 20, &cfg->max_pinned_mib);
	else if (!strcmp(opt, "max_background"))
		return parse_uint(opt, val, 1, 65535, &cfg->max_background);
	else if (!strcmp(opt, "stats"))
		return set_str(&cfg->stats_path, opt, val);
	else if (!strcmp(opt, "passthrough"))
		cfg->passthrough = true;
	else if ((err = zcf_parse_conn_opt(cfg, opt, val)) != -ENOENT)
		return err;
	else {
		for (k = kernel_opts; *k; k++)
			if (!strcmp(opt, *k) && !val)
				return append_mount_opt(cfg, opt);
		err = -ENOENT;
		if (opts && opts->opt)
			err = opts->opt(userdata, opt, val);
		if (err == -ENOENT)
			fprintf(stderr, "zcfuse: unknown option '%s' (see -h)\n", opt);
		else if (err)
			fprintf(stderr, "zcfuse: option '%s%s%s': %s\n", opt, val ? "=" : "",
				val ? val : "", strerror(-err));
		return err;
	}
	if (val) {
		fprintf(stderr, "zcfuse: option %s takes no value\n", opt);
		return -EINVAL;
	}
	return 0;
}

static int parse_o(struct zcf_config *cfg, const char *list,
		   const struct zcfuse_session_opts *opts, void *userdata)
{
	char *copy = strdup(list), *save = NULL, *opt;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (opt = strtok_r(copy, ",", &save); opt && !err; opt = strtok_r(NULL, ",", &save))
		err = parse_one(cfg, opt, opts, userdata);
	free(copy);
	return err;
}

int zcf_parse_cmdline(int argc, char *argv[], const struct zcfuse_session_opts *opts,
		      void *userdata, struct zcf_config *cfg)
{
	int nr_args = opts ? opts->nr_args : 0, pos = 0, i, err;
	bool no_more_flags = false;

	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_depth = 16;
	cfg->threads = 4;
	cfg->meta_threads = 2;
	cfg->ring_setup = ZCF_RING_COOP;
	cfg->max_write = ZCF_DEFAULT_MAX_WRITE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!no_more_flags && a[0] == '-' && a[1]) {
			if (!strcmp(a, "--")) {
				no_more_flags = true;
			} else if (!strcmp(a, "-f")) {
				cfg->foreground = true;
			} else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
				cfg->debug = cfg->foreground = true;
			} else if (!strcmp(a, "-s")) {
				cfg->single_thread = true;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				cfg->show_help = true;
			} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
				cfg->show_version = true;
			} else if (!strncmp(a, "-o", 2)) {
				const char *list = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);

				if (!list) {
					fprintf(stderr, "zcfuse: -o needs an option list\n");
					return -EINVAL;
				}
				err = parse_o(cfg, list, opts, userdata);
				if (err)
					return err;
			} else {
				fprintf(stderr, "zcfuse: unknown flag '%s' (see -h)\n", a);
				return -EINVAL;
			}
			continue;
		}
		if (pos < nr_args) {
			err = opts && opts->arg ? opts->arg(userdata, pos, a) : 0;
			if (err) {
				fprintf(stderr, "zcfuse: argument '%s': %s\n", a, strerror(-err));
				return err;
			}
			pos++;
		} else if (!cfg->mountpoint) {
			cfg->mountpoint = strdup(a);
			if (!cfg->mountpoint)
				return -ENOMEM;
		} else {
			fprintf(stderr, "zcfuse: unexpected argument '%s' (see -h)\n", a);
			return -EINVAL;
		}
	}
	if (cfg->show_help || cfg->show_version)
		return 0;
	if (pos < nr_args || !cfg->mountpoint) {
		fprintf(stderr, "zcfuse: missing %s%smountpoint (see -h)\n",
			pos < nr_args && opts->args_usage ? opts->args_usage : "",
			pos < nr_args && opts->args_usage ? " and " : "");
		return -EINVAL;
	}
	if (cfg->single_thread)
		cfg->threads = 1;
	if (cfg->max_read && cfg->max_read < cfg->max_write) {
		cfg->max_write = cfg->max_read;
		cfg->max_write_set = true;
	}
	return 0;
}

void zcf_config_free(struct zcf_config *cfg)
{
	free(cfg->mountpoint);
	free(cfg->fsname);
	free(cfg->subtype);
	free(cfg->extra_mount_opts);
	free(cfg->stats_path);
	memset(cfg, 0, sizeof(*cfg));
}

void zcf_print_help(const char *prog, const struct zcfuse_session_opts *opts)
{
	printf("usage: %s [options] %s%sMOUNTPOINT\n\n", prog,
	       opts && opts->args_usage ? opts->args_usage : "",
	       opts && opts->args_usage ? " " : "");
	printf("General options:\n"
	       "    -h, --help             print this help\n"
	       "    -V, --version          print the version\n"
	       "    -f                     stay in the foreground\n"
	       "    -d, -o debug           trace every request (implies -f)\n"
	       "    -s                     one classic worker thread\n"
	       "    -o opt,[opt...]        mount and zcfuse options:\n\n"
	       "Mount options:\n"
	       "    -o allow_other         let other users reach the mount\n"
	       "    -o allow_root          let root reach the mount\n"
	       "    -o default_permissions let the kernel check permissions\n"
	       "    -o ro                  read-only\n"
	       "    -o fsname=NAME         source name shown in /proc/mounts\n"
	       "    -o subtype=NAME        type shown as fuse.NAME\n"
	       "    -o max_read=N          largest read request\n"
	       "    -o auto_unmount        unmount when the server dies (fusermount3)\n\n"
	       "zcfuse options:\n"
	       "    -o transport=NAME      auto (default: best available), classic, uring,\n"
	       "                           bufpool, zerocopy; a named transport that is not\n"
	       "                           available is an error\n"
	       "    -o io_uring            same as transport=uring (libfuse's spelling)\n"
	       "    -o queue_depth=N       ring entries per queue (default 16);\n"
	       "                           also io_uring_q_depth=N\n"
	       "    -o pool_bufs=N         bufpool/zerocopy: payload buffers per queue\n"
	       "                           (default: queue_depth, fewer when max_pinned\n"
	       "                           needs it; fewer makes requests wait)\n"
	       "    -o ring_setup=MODE     how queue rings run task work: coop (default:\n"
	       "                           SINGLE_ISSUER+COOP_TASKRUN), defer (DEFER_TASKRUN),\n"
	       "                           single (SINGLE_ISSUER only), plain (none)\n"
	       "    -o ring_fd=MODE        registered (default) or plain ring descriptor\n"
	       "    -o read_place=MODE     ring transports: memory-fs reads on a busy queue run\n"
	       "                           where each queue measures them faster (auto,\n"
	       "                           default), or always inline, or always on a worker\n"
	       "    -o threads=N           classic worker threads (default 4)\n"
	       "    -o splice=on|off       classic: READ replies from zcfuse_req_read_fd()\n"
	       "                           splice the backing file to /dev/fuse (default on)\n"
	       "    -o meta_threads=N      ring transports: threads that run non-data ops,\n"
	       "                           so a slow lookup never stalls a queue (default 2;\n"
	       "                           0 runs everything on the queue thread)\n"
	       "    -o max_write=N         largest write request (default 1 MiB; the pools\n"
	       "                           lower it on many CPUs to stay within max_pinned)\n"
	       "    -o max_pinned=MIB      ring transports: memory io_uring may pin for one\n"
	       "                           mount (default 64 for uring, 16 for the pools)\n"
	       "    -o max_background=N    kernel's limit of background requests\n"
	       "    -o passthrough         let the kernel serve files the fs hands over\n"
	       "    -o stats=PATH          write request statistics as JSON at unmount\n");
	printf("\nINIT options:\n%s", zcf_conn_opts_help);
	if (opts && opts->opt_help)
		printf("\nFilesystem options:\n%s", opts->opt_help);
}
