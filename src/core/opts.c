/* SPDX-License-Identifier: MIT */
/*
 * The command line, libfuse style: -f -d -s -h -V, -o opt[,opt...], the
 * filesystem's positional arguments, then the mountpoint.
 */
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

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
static const char *const read_place_names[] = { "auto", "inline", "worker" };
static const char *const splice_names[] = { "on", "off" };

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

/*
 * zcfuse's own -o options and the mount options it handles itself, one row
 * each: the name, what kind of value it takes, where it goes in struct
 * zcf_config, and its bounds. Options not here go to the INIT-flag options
 * (opts_conn.c), the kernel's mount options, then the filesystem's handler.
 */
enum opt_kind {
	OPT_TRUE,  /* a flag: sets the bool */
	OPT_FALSE, /* a flag: clears the bool (rw) */
	OPT_UINT,  /* unsigned in [min, max] */
	OPT_STR,   /* a string (replaces an earlier one) */
	OPT_PICK,  /* one of names[]: its index, into an int-sized enum */
	OPT_BOOL_PICK, /* one of names[]: index 1 sets the bool */
	OPT_TRANSPORT, /* -o transport=NAME, and io_uring (libfuse's spelling) */
};
/* Where -h lists a row (zcf_print_help, in this order). */
enum opt_section { SEC_GENERAL, SEC_MOUNT, SEC_ZCFUSE };
struct opt_row {
	const char *name;
	enum opt_kind kind;
	size_t off;        /* offsetof(struct zcf_config, field) */
	unsigned min, max; /* OPT_UINT */
	const char *const *names; /* OPT_PICK, OPT_BOOL_PICK */
	unsigned nnames;
	size_t also;       /* + 1: a bool set as well (max_write_set, debug's foreground) */
	enum opt_section sec;
	const char *arg;   /* -h's name for the value ("N"); NULL: a flag */
	const char *help;  /* -h's text; '\n' starts an indented line */
};
#define F(field) offsetof(struct zcf_config, field)
#define ALSO(field) (F(field) + 1)
#define M .sec = SEC_MOUNT
#define Z .sec = SEC_ZCFUSE
#define FLAG(n, f, s, h) { .name = n, .kind = OPT_TRUE, .off = F(f), s, .help = h }
#define STR(n, f, s, a, h) { .name = n, .kind = OPT_STR, .off = F(f), s, .arg = a, .help = h }
#define UINT(n, f, lo, hi, a, h) \
	{ .name = n, .kind = OPT_UINT, .off = F(f), .min = lo, .max = hi, Z, .arg = a, .help = h }
#define PICK(n, k, f, list, a, h) \
	{ .name = n, .kind = k, .off = F(f), .names = list, .nnames = NR(list), Z, .arg = a, \
	  .help = h }
static const struct opt_row opt_rows[] = {
	{ .name = "debug", .kind = OPT_TRUE, .off = F(debug), .also = ALSO(foreground),
	  .sec = SEC_GENERAL, .help = "trace every request (implies -f); also -d, --debug" },
	FLAG("allow_other", allow_other, M, "let other users reach the mount"),
	FLAG("allow_root", allow_root, M, "let root reach the mount"),
	FLAG("default_permissions", default_permissions, M, "let the kernel check permissions"),
	FLAG("ro", ro, M, "read-only"),
	{ .name = "rw", .kind = OPT_FALSE, .off = F(ro), M, .help = "read-write (the default)" },
	STR("fsname", fsname, M, "NAME", "source name shown in /proc/mounts"),
	STR("subtype", subtype, M, "NAME", "type shown as fuse.NAME"),
	FLAG("blkdev", blkdev, M, "mount as fuseblk on the block device fsname= names"),
	{ .name = "blksize", .kind = OPT_UINT, .off = F(blksize), .min = 512, .max = 65536,
	  M, .arg = "N", .help = "block size of a blkdev mount (default 512)" },
	{ .name = "max_read", .kind = OPT_UINT, .off = F(max_read), .min = 4096, .max = 16u << 20,
	  M, .arg = "N", .help = "largest read request" },
	FLAG("auto_unmount", auto_unmount, M, "unmount when the server dies (fusermount3)"),
	{ .name = "transport", .kind = OPT_TRANSPORT, Z, .arg = "NAME",
	  .help = "auto (default: best available), classic, uring,\n"
		  "bufpool, zerocopy; a named transport that is not\navailable is an error" },
	{ .name = "io_uring", .kind = OPT_TRANSPORT, Z,
	  .help = "same as transport=uring (libfuse's spelling)" },
	UINT("queue_depth", queue_depth, 1, 4096, "N", "ring entries per queue (default 16)"),
	UINT("io_uring_q_depth", queue_depth, 1, 4096, "N",
	     "same as queue_depth=N (libfuse's spelling)"),
	UINT("pool_bufs", pool_bufs, 1, 4096, "N",
	     "bufpool/zerocopy: payload buffers per queue\n(default: queue_depth, fewer when max_pinned\n"
	     "needs it; fewer makes requests wait)"),
	PICK("ring_setup", OPT_PICK, ring_setup, ring_setup_names, "MODE",
	     "how queue rings run task work: coop (default:\nSINGLE_ISSUER+COOP_TASKRUN), defer "
	     "(DEFER_TASKRUN),\nsingle (SINGLE_ISSUER only), plain (none)"),
	PICK("ring_fd", OPT_BOOL_PICK, ring_fd_plain, ring_fd_names, "MODE",
	     "registered (default) or plain ring descriptor"),
	PICK("read_place", OPT_PICK, read_place, read_place_names, "MODE",
	     "ring transports: memory-fs reads on a busy queue run\nwhere the session measures "
	     "them faster (auto,\ndefault), or always inline, or always on a worker"),
	UINT("threads", threads, 1, 1024, "N", "classic worker threads (default 4)"),
	PICK("splice", OPT_BOOL_PICK, splice_off, splice_names, "on|off",
	     "classic: READ replies from zcfuse_req_read_fd()\nsplice the backing file to "
	     "/dev/fuse (default on)"),
	UINT("meta_threads", meta_threads, 0, 64, "N",
	     "ring transports: threads that run non-data ops,\nso a slow lookup never stalls a "
	     "queue (default 2;\n0 runs everything on the queue thread)"),
	{ .name = "max_write", .kind = OPT_UINT, .off = F(max_write), .min = 4096,
	  .max = 16u << 20, .also = ALSO(max_write_set), Z, .arg = "N",
	  .help = "largest write request (default 1 MiB; the pools\nlower it on many CPUs to stay "
		  "within max_pinned)" },
	UINT("max_pinned", max_pinned_mib, 1, 1u << 20, "MIB",
	     "ring transports: memory io_uring may pin for one\nmount (default 64 for uring, "
	     "16 for the pools;\nwithout CAP_IPC_LOCK at most half of\nRLIMIT_MEMLOCK)"),
	UINT("max_background", max_background, 1, 65535, "N",
	     "kernel's limit of background requests"),
	FLAG("passthrough", passthrough, Z, "let the kernel serve files the fs hands over"),
	STR("stats", stats_path, Z, "PATH", "write request statistics as JSON at unmount"),
};
_Static_assert(sizeof(enum zcf_ring_setup) == sizeof(int), "OPT_PICK stores an int");

/* Applies one row. 0 or -errno (the error already printed). */
static int apply_row(struct zcf_config *cfg, const struct opt_row *r, const char *val)
{
	char *field = (char *)cfg + r->off;
	int i;

	if (r->also)
		*(bool *)((char *)cfg + r->also - 1) = true;
	switch (r->kind) {
	case OPT_TRUE:
	case OPT_FALSE:
		if (val) {
			fprintf(stderr, "zcfuse: option %s takes no value\n", r->name);
			return -EINVAL;
		}
		*(bool *)field = r->kind == OPT_TRUE;
		return 0;
	case OPT_UINT:
		return parse_uint(r->name, val, r->min, r->max, (unsigned *)field);
	case OPT_STR:
		return set_str((char **)field, r->name, val);
	case OPT_PICK:
	case OPT_BOOL_PICK:
		i = pick(r->name, val, r->names, r->nnames);
		if (i < 0)
			return i;
		if (r->kind == OPT_PICK)
			*(int *)field = i;
		else
			*(bool *)field = i == 1;
		return 0;
	case OPT_TRANSPORT:
		return parse_transport(cfg, strcmp(r->name, "io_uring") ? val : "uring");
	}
	return -EINVAL;
}

static int parse_one(struct zcf_config *cfg, char *opt, const struct zcfuse_session_opts *opts,
		     void *userdata)
{
	char *val = strchr(opt, '=');
	const char *const *k;
	size_t i;
	int err;

	if (val)
		*val++ = 0;
	for (i = 0; i < NR(opt_rows); i++)
		if (!strcmp(opt, opt_rows[i].name))
			return apply_row(cfg, &opt_rows[i], val);
	err = zcf_parse_conn_opt(cfg, opt, val);
	if (err != -ENOENT)
		return err;
	for (k = kernel_opts; *k; k++)
		if (!strcmp(opt, *k) && !val)
			return append_mount_opt(cfg, opt);
	if (opts && opts->opt)
		err = opts->opt(userdata, opt, val);
	if (err == -ENOENT)
		fprintf(stderr, "zcfuse: unknown option '%s' (see -h)\n", opt);
	else if (err)
		fprintf(stderr, "zcfuse: option '%s%s%s': %s\n", opt, val ? "=" : "",
			val ? val : "", strerror(-err));
	return err;
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

/*
 * One -h entry: HEAD in a column of 22, then TEXT, its lines indented under
 * it; at least two spaces between (tests/tools/man.sh reads the heads).
 */
static void print_entry(FILE *f, const char *head, const char *text)
{
	const char *nl;

	if (strlen(head) > 21)
		fprintf(f, "    %s\n%27s", head, "");
	else
		fprintf(f, "    %-22s ", head);
	for (; (nl = strchr(text, '\n')); text = nl + 1)
		fprintf(f, "%.*s\n%27s", (int)(nl - text), text, "");
	fprintf(f, "%s\n", text);
}

/* Every row of @sec, in table order. */
static void print_rows(FILE *f, enum opt_section sec)
{
	char head[64];
	size_t i;

	for (i = 0; i < NR(opt_rows); i++) {
		const struct opt_row *r = &opt_rows[i];

		if (r->sec != sec)
			continue;
		snprintf(head, sizeof(head), "-o %s%s%s", r->name, r->arg ? "=" : "",
			 r->arg ? r->arg : "");
		print_entry(f, head, r->help ? r->help : "");
	}
}

bool zcf_opt_row(unsigned i, const char **name, bool *has_help)
{
	if (i >= NR(opt_rows))
		return false;
	*name = opt_rows[i].name;
	*has_help = opt_rows[i].help && *opt_rows[i].help;
	return true;
}

void zcf_print_help(const char *prog, const struct zcfuse_session_opts *opts)
{
	const char *const *k;

	printf("usage: %s [options] %s%sMOUNTPOINT\n\n", prog,
	       opts && opts->args_usage ? opts->args_usage : "",
	       opts && opts->args_usage ? " " : "");
	/* The flags; the -o rows below come from opt_rows[], so -h cannot miss one. */
	printf("General options:\n"
	       "    -h, --help             print this help\n"
	       "    -V, --version          print the version\n"
	       "    -f                     stay in the foreground\n"
	       "    -s                     one classic worker thread\n");
	print_rows(stdout, SEC_GENERAL);
	printf("    -o opt,[opt...]        mount and zcfuse options:\n\nMount options:\n");
	print_rows(stdout, SEC_MOUNT);
	printf("    -o ");
	for (k = kernel_opts; *k; k++) {
		if (!k[1])
			printf("%s\n", *k);
		else
			printf("%s,%s", *k, (k - kernel_opts) % 8 == 7 ? "\n       " : " ");
	}
	printf("%27spassed to mount(2) as they are\n", "");
	printf("\nzcfuse options:\n");
	print_rows(stdout, SEC_ZCFUSE);
	printf("\nINIT options:\n%s", zcf_conn_opts_help);
	if (opts && opts->opt_help)
		printf("\nFilesystem options:\n%s", opts->opt_help);
}
