/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing (zcf_parse_cmdline): libfuse's flags and mount
 * options, zcfuse's own options and their aliases, positional arguments,
 * the filesystem's option callback, and the refusal of bad values with
 * -EINVAL (or another -errno) and a one-line message on stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "test.h"

#define MAX_ARGS 32

/* What the filesystem callbacks saw. */
struct fs_seen {
	int nr_opt_calls;
	char key[64], value[64];
	bool value_null;
	int nr_arg_calls;
	char arg0[64];
	int opt_result; /* what the opt callback returns for "fsopt" */
};

static int fs_opt(void *userdata, const char *key, const char *value)
{
	struct fs_seen *s = userdata;

	s->nr_opt_calls++;
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->value, sizeof(s->value), "%s", value ? value : "");
	s->value_null = !value;
	if (!strcmp(key, "fsopt") || !strcmp(key, "fsflag"))
		return s->opt_result;
	return -ENOENT;
}

static int fs_arg(void *userdata, int index, const char *arg)
{
	struct fs_seen *s = userdata;

	s->nr_arg_calls++;
	if (index == 0)
		snprintf(s->arg0, sizeof(s->arg0), "%s", arg);
	return strcmp(arg, "bad-source") ? 0 : -ENOENT;
}

static FILE *err_capture;
static int saved_stderr = -1;

/* Sends stderr to a temporary file so messages can be checked. */
static void capture_start(void)
{
	fflush(stderr);
	err_capture = tmpfile();
	saved_stderr = dup(2);
	dup2(fileno(err_capture), 2);
}

/* Restores stderr; returns the number of lines written meanwhile. */
static int capture_end(char *text, size_t size)
{
	int lines = 0;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(err_capture);
	n = fread(text, 1, size - 1, err_capture);
	text[n] = 0;
	fclose(err_capture);
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	return lines;
}

/*
 * parse(cfg, opts, seen, "prog", args..., NULL): runs the parser with
 * stderr captured; returns its result and leaves the message in last_err.
 */
static char last_err[4096];
static int last_err_lines;

static int parse(struct zcf_config *cfg, const struct zcfuse_session_opts *opts,
		 struct fs_seen *seen, ...)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0, ret;
	va_list ap;
	const char *a;

	va_start(ap, seen);
	while ((a = va_arg(ap, const char *)) && argc < MAX_ARGS)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	capture_start();
	ret = zcf_parse_cmdline(argc, argv, opts, seen, cfg);
	last_err_lines = capture_end(last_err, sizeof(last_err));
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return ret;
}

static const struct zcfuse_session_opts no_opts = { .sz = sizeof(no_opts) };

/* A bad command line: -EINVAL (or @expect), exactly one line on stderr. */
#define BAD(expect, ...)                                                              \
	do {                                                                          \
		struct zcf_config c_;                                                 \
		int r_ = parse(&c_, &no_opts, NULL, "prog", __VA_ARGS__, NULL);       \
		T_EQ(r_, expect, "command line: %s", #__VA_ARGS__);                   \
		T_CHECK(r_ == 0 || last_err_lines == 1,                               \
			"%s: want a one-line error, got %d lines: '%s'", #__VA_ARGS__,  \
			last_err_lines, last_err);                                    \
		zcf_config_free(&c_);                                                 \
	} while (0)

static void test_flags(void)
{
	struct zcf_config c;
	int r;

	r = parse(&c, &no_opts, NULL, "prog", "/mnt/x", NULL);
	T_EQ(r, 0, "plain mountpoint: %s", last_err);
	T_CHECK(c.mountpoint && !strcmp(c.mountpoint, "/mnt/x"), "mountpoint is '%s'",
		c.mountpoint ? c.mountpoint : "(null)");
	T_CHECK(!c.foreground && !c.debug && !c.single_thread, "no flags set by default");
	T_EQ(c.transport, ZCF_TRANSPORT_AUTO, "default transport is auto");
	T_CHECK(!c.transport_explicit, "auto is not an explicit transport");
	T_EQ(c.queue_depth, 16, "default queue depth (documented in -h)");
	T_EQ(c.threads, 4, "default classic threads (documented in -h)");
	T_CHECK(!c.stats_path, "no stats path by default");
	T_EQ(last_err_lines, 0, "no message for a good command line: '%s'", last_err);
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-f", "/mnt/x", NULL);
	T_EQ(r, 0, "-f");
	T_CHECK(c.foreground && !c.debug, "-f sets foreground only");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "/mnt/x", "-d", NULL);
	T_EQ(r, 0, "-d after the mountpoint");
	T_CHECK(c.debug && c.foreground, "-d sets debug and foreground");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-s", "-f", "/mnt/x", NULL);
	T_EQ(r, 0, "-s");
	T_CHECK(c.single_thread, "-s sets single_thread");
	T_EQ(c.threads, 1, "-s means one classic thread");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-h", NULL);
	T_EQ(r, 0, "-h without a mountpoint is fine");
	T_CHECK(c.show_help, "-h sets show_help");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-V", NULL);
	T_EQ(r, 0, "-V without a mountpoint is fine");
	T_CHECK(c.show_version, "-V sets show_version");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "--", "-odd-name", NULL);
	T_EQ(r, 0, "-- ends the flags");
	T_CHECK(c.mountpoint && !strcmp(c.mountpoint, "-odd-name"), "mountpoint after --");
	zcf_config_free(&c);
}

static void test_mount_options(void)
{
	struct zcf_config c;
	int r;

	r = parse(&c, &no_opts, NULL, "prog", "-o", "allow_other,ro,fsname=x,subtype=y,max_read=8192",
		  "/m", NULL);
	T_EQ(r, 0, "mount options: %s", last_err);
	T_CHECK(c.allow_other, "allow_other");
	T_CHECK(c.ro, "ro");
	T_CHECK(c.fsname && !strcmp(c.fsname, "x"), "fsname=x");
	T_CHECK(c.subtype && !strcmp(c.subtype, "y"), "subtype=y");
	T_EQ(c.max_read, 8192, "max_read=8192");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-oallow_other", "-o", "fsname=a", "-o", "fsname=b",
		  "/m", NULL);
	T_EQ(r, 0, "joined -oOPT and repeated -o");
	T_CHECK(c.allow_other, "-oallow_other");
	T_CHECK(c.fsname && !strcmp(c.fsname, "b"), "the last fsname wins");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-o", "noatime,nosuid", "/m", NULL);
	T_EQ(r, 0, "kernel mount options");
	T_CHECK(c.extra_mount_opts && strstr(c.extra_mount_opts, "noatime") &&
			strstr(c.extra_mount_opts, "nosuid"),
		"noatime and nosuid reach the kernel's options: '%s'",
		c.extra_mount_opts ? c.extra_mount_opts : "(null)");
	zcf_config_free(&c);
}

static void test_zcfuse_options(void)
{
	static const struct {
		const char *opt;
		enum zcf_transport_kind kind;
		bool explicit_;
	} transports[] = {
		{ "transport=classic", ZCF_TRANSPORT_CLASSIC, true },
		{ "transport=uring", ZCF_TRANSPORT_URING, true },
		{ "transport=bufpool", ZCF_TRANSPORT_BUFPOOL, true },
		{ "transport=zerocopy", ZCF_TRANSPORT_ZEROCOPY, true },
		{ "transport=auto", ZCF_TRANSPORT_AUTO, false },
		{ "io_uring", ZCF_TRANSPORT_URING, true },
	};
	struct zcf_config c;
	int r;

	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		r = parse(&c, &no_opts, NULL, "prog", "-o", transports[i].opt, "/m", NULL);
		T_EQ(r, 0, "-o %s", transports[i].opt);
		T_EQ(c.transport, transports[i].kind, "-o %s", transports[i].opt);
		T_EQ(c.transport_explicit, transports[i].explicit_, "-o %s explicit", transports[i].opt);
		zcf_config_free(&c);
	}
	T_CHECK(!strcmp(zcf_transport_name(ZCF_TRANSPORT_URING), "uring"), "transport name");
	T_CHECK(!strcmp(zcf_transport_name(ZCF_TRANSPORT_CLASSIC), "classic"), "transport name");

	r = parse(&c, &no_opts, NULL, "prog", "-o", "queue_depth=64,threads=8,stats=/tmp/s.json", "/m",
		  NULL);
	T_EQ(r, 0, "queue_depth, threads, stats");
	T_EQ(c.queue_depth, 64, "queue_depth=64");
	T_EQ(c.threads, 8, "threads=8");
	T_CHECK(c.stats_path && !strcmp(c.stats_path, "/tmp/s.json"), "stats=PATH");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "-o", "io_uring,io_uring_q_depth=32", "/m", NULL);
	T_EQ(r, 0, "libfuse's io_uring spellings");
	T_EQ(c.transport, ZCF_TRANSPORT_URING, "-o io_uring");
	T_EQ(c.queue_depth, 32, "io_uring_q_depth=32 is queue_depth");
	zcf_config_free(&c);

	r = parse(&c, &no_opts, NULL, "prog", "/m", NULL);
	T_EQ(r, 0, "no ring options");
	T_EQ(c.ring_setup, ZCF_RING_COOP, "ring_setup defaults to coop");
	T_EQ(c.ring_fd_plain, false, "the ring fd is registered by default");
	zcf_config_free(&c);
	static const struct {
		const char *opt;
		enum zcf_ring_setup setup;
	} setups[] = {
		{ "ring_setup=defer", ZCF_RING_DEFER },
		{ "ring_setup=coop", ZCF_RING_COOP },
		{ "ring_setup=single", ZCF_RING_SINGLE },
		{ "ring_setup=plain", ZCF_RING_PLAIN },
	};
	for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]); i++) {
		r = parse(&c, &no_opts, NULL, "prog", "-o", setups[i].opt, "/m", NULL);
		T_EQ(r, 0, "-o %s", setups[i].opt);
		T_EQ(c.ring_setup, setups[i].setup, "-o %s", setups[i].opt);
		T_CHECK(!strcmp(zcf_ring_setup_name(c.ring_setup), strchr(setups[i].opt, '=') + 1),
			"name of -o %s", setups[i].opt);
		zcf_config_free(&c);
	}
	r = parse(&c, &no_opts, NULL, "prog", "-o", "ring_fd=plain", "/m", NULL);
	T_EQ(r, 0, "-o ring_fd=plain");
	T_EQ(c.ring_fd_plain, true, "-o ring_fd=plain");
	zcf_config_free(&c);
	r = parse(&c, &no_opts, NULL, "prog", "-o", "ring_fd=plain,ring_fd=registered", "/m", NULL);
	T_EQ(r, 0, "-o ring_fd=registered");
	T_EQ(c.ring_fd_plain, false, "the last ring_fd wins");
	zcf_config_free(&c);
	r = parse(&c, &no_opts, NULL, "prog", "/m", NULL);
	T_EQ(r, 0, "defaults");
	T_EQ(c.splice_off, false, "classic splices by default");
	T_EQ(c.read_place, 0, "reads are placed by measurement by default");
	zcf_config_free(&c);
	r = parse(&c, &no_opts, NULL, "prog", "-o", "splice=off,read_place=worker", "/m", NULL);
	T_EQ(r, 0, "-o splice=off,read_place=worker");
	T_EQ(c.splice_off, true, "-o splice=off");
	T_EQ(c.read_place, 2, "-o read_place=worker");
	zcf_config_free(&c);
	r = parse(&c, &no_opts, NULL, "prog", "-o", "splice=off,splice=on,read_place=inline", "/m",
		  NULL);
	T_EQ(r, 0, "-o splice=on");
	T_EQ(c.splice_off, false, "the last splice wins");
	T_EQ(c.read_place, 1, "-o read_place=inline");
	zcf_config_free(&c);
}

static void test_bad_values(void)
{
	BAD(-EINVAL, "-o", "transport=bogus", "/m");
	BAD(-EINVAL, "-o", "transport=", "/m");
	BAD(-EINVAL, "-o", "transport", "/m");
	BAD(-EINVAL, "-o", "queue_depth=0", "/m");
	BAD(-EINVAL, "-o", "queue_depth=-1", "/m");
	BAD(-EINVAL, "-o", "queue_depth=", "/m");
	BAD(-EINVAL, "-o", "queue_depth=12abc", "/m");
	BAD(-EINVAL, "-o", "queue_depth=99999999999999999999", "/m");
	BAD(-EINVAL, "-o", "io_uring_q_depth=0", "/m");
	BAD(-EINVAL, "-o", "ring_setup=sqpoll", "/m");
	BAD(-EINVAL, "-o", "ring_setup", "/m");
	BAD(-EINVAL, "-o", "ring_fd=yes", "/m");
	BAD(-EINVAL, "-o", "ring_fd", "/m");
	BAD(-EINVAL, "-o", "splice=yes", "/m");
	BAD(-EINVAL, "-o", "read_place=ring", "/m");
	BAD(-EINVAL, "-o", "threads=0", "/m");
	BAD(-EINVAL, "-o", "max_read=abc", "/m");
	BAD(-EINVAL, "-o", "fsname=", "/m");
	BAD(-EINVAL, "-o", "stats=", "/m");
	BAD(-EINVAL, "-o", "ro=1", "/m");
	BAD(-EINVAL, "-o", "allow_other=yes", "/m");
	BAD(-EINVAL, "-o");
	BAD(-EINVAL, "-x", "/m");
	BAD(-EINVAL, "/m", "/extra");
	BAD(-EINVAL, "-f");
	BAD(-EINVAL, "-o", "allow_other");
	/* an unknown option is an error even without a filesystem callback */
	{
		struct zcf_config c;
		int r = parse(&c, &no_opts, NULL, "prog", "-o", "nosuchopt", "/m", NULL);

		T_CHECK(r < 0, "-o nosuchopt must fail, got %d", r);
		T_EQ(last_err_lines, 1, "one line for -o nosuchopt: '%s'", last_err);
		T_CHECK(strstr(last_err, "nosuchopt"), "the message names the option: '%s'", last_err);
		zcf_config_free(&c);
		r = parse(&c, NULL, NULL, "prog", "-o", "nosuchopt", "/m", NULL);
		T_CHECK(r < 0, "-o nosuchopt with no session opts must fail, got %d", r);
		zcf_config_free(&c);
	}
}

static void test_fs_callbacks(void)
{
	struct fs_seen seen = { .opt_result = 0 };
	struct zcfuse_session_opts opts = {
		.sz = sizeof(opts),
		.args_usage = "SOURCE",
		.nr_args = 1,
		.arg = fs_arg,
		.opt = fs_opt,
	};
	struct zcf_config c;
	int r;

	r = parse(&c, &opts, &seen, "prog", "-o", "fsopt=5,allow_other", "/src", "/m", NULL);
	T_EQ(r, 0, "fs option and positional: %s", last_err);
	T_EQ(seen.nr_opt_calls, 1, "the fs callback sees only its own option");
	T_CHECK(!strcmp(seen.key, "fsopt") && !strcmp(seen.value, "5"), "callback got '%s'='%s'",
		seen.key, seen.value);
	T_EQ(seen.nr_arg_calls, 1, "one positional argument");
	T_CHECK(!strcmp(seen.arg0, "/src"), "positional is '%s'", seen.arg0);
	T_CHECK(c.mountpoint && !strcmp(c.mountpoint, "/m"), "mountpoint after the positional");
	T_CHECK(c.allow_other, "zcfuse options still parsed next to fs options");
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	r = parse(&c, &opts, &seen, "prog", "-o", "fsflag", "/src", "/m", NULL);
	T_EQ(r, 0, "fs flag without a value");
	T_CHECK(seen.value_null, "a flag without '=' reaches the callback with value NULL");
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	seen.opt_result = -EINVAL;
	r = parse(&c, &opts, &seen, "prog", "-o", "fsopt=bad", "/src", "/m", NULL);
	T_EQ(r, -EINVAL, "the callback's -EINVAL is the result");
	T_EQ(last_err_lines, 1, "one-line message for a bad fs option: '%s'", last_err);
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	r = parse(&c, &opts, &seen, "prog", "-o", "unknown_to_all", "/src", "/m", NULL);
	T_CHECK(r < 0, "an option neither zcfuse nor the fs knows fails, got %d", r);
	T_EQ(seen.nr_opt_calls, 1, "the fs was asked about it first");
	T_EQ(last_err_lines, 1, "one-line message: '%s'", last_err);
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	r = parse(&c, &opts, &seen, "prog", "/src", NULL);
	T_EQ(r, -EINVAL, "a positional but no mountpoint");
	T_EQ(last_err_lines, 1, "one-line message: '%s'", last_err);
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	r = parse(&c, &opts, &seen, "prog", NULL);
	T_EQ(r, -EINVAL, "neither SOURCE nor mountpoint");
	T_CHECK(strstr(last_err, "SOURCE"), "the message names SOURCE: '%s'", last_err);
	zcf_config_free(&c);

	memset(&seen, 0, sizeof(seen));
	r = parse(&c, &opts, &seen, "prog", "bad-source", "/m", NULL);
	T_CHECK(r < 0, "the arg callback's error fails the parse, got %d", r);
	zcf_config_free(&c);
}

/*
 * -h is made from the options table: every row has text, and the help
 * shows every row as "-o NAME" (then '=' or a space), once.
 */
static void test_help_from_table(void)
{
	char buf[16384], want[80];
	const char *name, *p;
	unsigned i, rows = 0;
	bool has_help;
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t n;

	T_CHECK(f && saved >= 0, "a temporary file for -h");
	if (!f || saved < 0)
		return;
	fflush(stdout);
	dup2(fileno(f), 1);
	zcf_print_help("prog", NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	for (i = 0; zcf_opt_row(i, &name, &has_help); i++, rows++) {
		unsigned seen = 0;

		T_CHECK(has_help, "option %s has no help text in the table", name);
		snprintf(want, sizeof(want), "-o %s", name);
		for (p = buf; (p = strstr(p, want)); p += strlen(want))
			if (p[strlen(want)] == '=' || p[strlen(want)] == ' ' || p[strlen(want)] == '\n')
				seen++;
		T_EQ(seen, 1, "-h lists \"%s\" once", want);
	}
	T_CHECK(rows > 20, "the table has %u rows", rows);
	T_CHECK(strstr(buf, "INIT options:") != NULL, "-h goes on to INIT's options");
}

int main(void)
{
	test_help_from_table();
	test_flags();
	test_mount_options();
	test_zcfuse_options();
	test_bad_values();
	test_fs_callbacks();
	return t_exit("opts");
}
