/* SPDX-License-Identifier: MIT */
/*
 * zcfuse-probe: says which zcfuse transports the running kernel offers, and
 * why the missing ones are missing.
 *
 *   zcfuse-probe [-j|--json] [-h|--help]
 *
 * As root it mounts a throwaway FUSE filesystem on a temporary directory,
 * reads the kernel's INIT request to learn the protocol version and INIT
 * flags, and unmounts it again without ever answering. Without root it
 * falls back to what sysfs and uname can say.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Not only the public header: the probe asks the session floor's ladder
 * (session/ladder.c) the questions the library asks when it picks a
 * transport, and mounts with core's zcf_mount; it links the static library
 * (tools/layering lists this exception).
 */
#include "session/session.h"

#define ENABLE_URING_PARAM "/sys/module/fuse/parameters/enable_uring"
/* The kernel refuses reads smaller than a request could be (1 MiB + header). */
#define INIT_READ_BUF ((1u << 20) + 65536)
#define PROBE_TIMEOUT_SEC 5

struct feature {
	bool available;
	char reason[256];
};

/* What the INIT probe learned; passed from the probing child over a pipe. */
struct init_info {
	int err;         /* 0, or -errno of the step that failed */
	char step[64];   /* which step failed */
	uint32_t major, minor;
	uint64_t flags;  /* flags | flags2 << 32 */
};

struct probe {
	char kernel[128];
	unsigned kmajor, kminor;
	bool have_init;
	char protocol_reason[256];
	struct init_info init;
	bool cap_sys_admin;
	struct feature uring, bufpool, zerocopy, passthrough;
	const char *best;
};

static void set_feature(struct feature *f, bool available, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_feature(struct feature *f, bool available, const char *fmt, ...)
{
	va_list ap;

	f->available = available;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

/* ---- INIT probe ---- */

static void fail_step(struct init_info *info, const char *step, int err)
{
	info->err = err;
	snprintf(info->step, sizeof(info->step), "%s", step);
}

/* Runs in the child: mount, read INIT, unmount. Never answers the kernel. */
static void read_init(const char *dir, struct init_info *info)
{
	struct zcf_config cfg = {
		.mountpoint = (char *)dir,
		.fsname = (char *)"zcfuse-probe",
		.subtype = (char *)"zcfuse-probe",
	};
	const struct fuse_in_header *in;
	const struct fuse_init_in *init;
	struct pollfd pfd;
	char *buf;
	ssize_t n;
	int fd = -1, err;

	buf = malloc(INIT_READ_BUF);
	if (!buf) {
		fail_step(info, "malloc", -ENOMEM);
		return;
	}
	err = zcf_mount(&cfg, &fd);
	if (err) {
		fail_step(info, "mount", err);
		free(buf);
		return;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	err = poll(&pfd, 1, PROBE_TIMEOUT_SEC * 1000);
	if (err <= 0) {
		fail_step(info, "waiting for INIT", err < 0 ? -errno : -ETIMEDOUT);
		goto out;
	}
	n = read(fd, buf, INIT_READ_BUF);
	if (n < 0) {
		fail_step(info, "read /dev/fuse", -errno);
		goto out;
	}
	in = (const void *)buf;
	/* Protocols before 7.36 send a shorter fuse_init_in: 16 bytes minimum. */
	if ((size_t)n < sizeof(*in) + 16 || in->opcode != FUSE_INIT) {
		fail_step(info, "decode INIT", -EPROTO);
		goto out;
	}
	init = (const void *)(buf + sizeof(*in));
	info->major = init->major;
	info->minor = init->minor;
	info->flags = init->flags;
	if ((init->flags & FUSE_INIT_EXT) && (size_t)n >= sizeof(*in) + 20)
		info->flags |= (uint64_t)init->flags2 << 32;
out:
	err = zcf_unmount(&cfg, fd);
	if (err && !info->err)
		fail_step(info, "unmount", err);
	close(fd);
	free(buf);
}

/*
 * Mounts in a child with alarm() so nothing can hang the tool; the parent
 * made the directory and always unmounts and removes it afterwards.
 */
static void probe_init(struct probe *p)
{
	char dir[] = "/tmp/zcfuse-probe.XXXXXX";
	struct init_info info = { 0 };
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (!mkdtemp(dir)) {
		snprintf(p->protocol_reason, sizeof(p->protocol_reason),
			 "cannot make a temporary directory: %s", strerror(errno));
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(p->protocol_reason, sizeof(p->protocol_reason),
			 "pipe: %s", strerror(errno));
		rmdir(dir);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(p->protocol_reason, sizeof(p->protocol_reason),
			 "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		rmdir(dir);
		return;
	}
	if (pid == 0) {
		close(pipefd[0]);
		alarm(PROBE_TIMEOUT_SEC + 2);
		read_init(dir, &info);
		if (write(pipefd[1], &info, sizeof(info)) != sizeof(info))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	do {
		n = read(pipefd[0], &info, sizeof(info));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Backstop: the child may have died between mount and unmount. */
	if (umount2(dir, MNT_DETACH) == 0)
		fprintf(stderr, "zcfuse-probe: cleaned up a probe mount left on %s\n", dir);
	rmdir(dir);

	if (n != sizeof(info)) {
		if (WIFSIGNALED(status))
			snprintf(p->protocol_reason, sizeof(p->protocol_reason),
				 "probe process killed by signal %d%s", WTERMSIG(status),
				 WTERMSIG(status) == SIGALRM ? ": timed out" : "");
		else
			snprintf(p->protocol_reason, sizeof(p->protocol_reason),
				 "probe process failed");
		return;
	}
	if (info.err) {
		snprintf(p->protocol_reason, sizeof(p->protocol_reason), "%s: %s",
			 info.step, strerror(-info.err));
		return;
	}
	p->init = info;
	p->have_init = true;
}

/* ---- Features ---- */

/* Can this process make the SQE128 ring that FUSE commands need? */
static int ring_works(char *why, size_t size)
{
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(4, &ring, IORING_SETUP_SQE128);
	if (ret == 0) {
		io_uring_queue_exit(&ring);
		return 0;
	}
	if (ret == -ENOSYS || ret == -EPERM)
		snprintf(why, size, "io_uring disabled (kernel.io_uring_disabled sysctl?)");
	else if (ret == -ENOMEM)
		snprintf(why, size, "memlock limit too low (ulimit -l)");
	else if (ret == -EINVAL)
		snprintf(why, size, "kernel io_uring lacks IORING_SETUP_SQE128 (needs 5.19+)");
	else
		snprintf(why, size, "io_uring_queue_init: %s", strerror(-ret));
	return ret;
}

/* What the session's ladder decides from: the probe mount's INIT, or sysfs. */
static void ladder_facts(const struct probe *p, struct zcf_ladder_facts *f)
{
	if (p->have_init) {
		zcf_ladder_facts(f, p->init.minor, p->init.flags);
	} else {
		memset(f, 0, sizeof(*f));
		f->enable_uring = zcf_read_sysfs_bool(ENABLE_URING_PARAM);
		f->cap_sys_admin = p->cap_sys_admin;
		f->io_uring_denied = zcf_io_uring_denied();
	}
}

static void probe_uring(struct probe *p, const struct zcf_ladder_facts *f)
{
	char why[200];

	if (!zcf_rung_allowed(ZCF_TRANSPORT_URING, f, why, sizeof(why))) {
		set_feature(&p->uring, false, "%s", why);
		return;
	}
	if (ring_works(why, sizeof(why))) {
		set_feature(&p->uring, false, "%s", why);
		return;
	}
	if (p->have_init)
		set_feature(&p->uring, true, "kernel offers FUSE_OVER_IO_URING");
	else
		set_feature(&p->uring, true,
			    "enable_uring is on; INIT not checked: needs root to mount a probe filesystem");
}

static bool kernel_at_least(const struct probe *p, unsigned major, unsigned minor)
{
	return p->kmajor > major || (p->kmajor == major && p->kminor >= minor);
}

static void probe_bufpool(struct probe *p, const struct zcf_ladder_facts *f)
{
	char why[200];

	if (!p->uring.available)
		set_feature(&p->bufpool, false, "io_uring transport absent: %s", p->uring.reason);
	else if (!p->have_init && p->kmajor && !kernel_at_least(p, 7, 3))
		set_feature(&p->bufpool, false, "Linux %u.%u is older than 7.3, FUSE 7.46",
			    p->kmajor, p->kminor);
	else if (!zcf_rung_allowed(ZCF_TRANSPORT_BUFPOOL, f, why, sizeof(why)))
		set_feature(&p->bufpool, false, "%s", why);
	else
		set_feature(&p->bufpool, true, "kernel offers FUSE_HAS_IO_URING_BUFPOOL");
}

static void probe_zerocopy(struct probe *p, const struct zcf_ladder_facts *f)
{
	char why[200];

	if (!p->bufpool.available)
		set_feature(&p->zerocopy, false, "needs buffer pools: %s", p->bufpool.reason);
	else if (!zcf_rung_allowed(ZCF_TRANSPORT_ZEROCOPY, f, why, sizeof(why)))
		set_feature(&p->zerocopy, false, "%s: run as root", why);
	else
		set_feature(&p->zerocopy, true, "buffer pools and CAP_SYS_ADMIN");
}

static void probe_passthrough(struct probe *p)
{
	if (p->have_init) {
		if (p->init.minor < 40)
			set_feature(&p->passthrough, false,
				    "kernel speaks FUSE 7.%u; passthrough needs 7.40, Linux 6.9+",
				    p->init.minor);
		else if (!(p->init.flags & FUSE_PASSTHROUGH))
			set_feature(&p->passthrough, false,
				    "kernel built without CONFIG_FUSE_PASSTHROUGH");
		else if (!p->cap_sys_admin)
			set_feature(&p->passthrough, false, "needs CAP_SYS_ADMIN: run as root");
		else
			set_feature(&p->passthrough, true, "kernel offers FUSE_PASSTHROUGH");
		return;
	}
	if (!p->cap_sys_admin)
		set_feature(&p->passthrough, false, "needs CAP_SYS_ADMIN: run as root");
	else if (p->kmajor && !kernel_at_least(p, 6, 9))
		set_feature(&p->passthrough, false, "Linux %u.%u is older than 6.9, FUSE 7.40",
			    p->kmajor, p->kminor);
	else
		set_feature(&p->passthrough, false, "unknown: %s", p->protocol_reason);
}

static void run_probe(struct probe *p)
{
	struct zcf_ladder_facts f;
	const struct zcf_rung *r;
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0) {
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
		if (sscanf(u.release, "%u.%u", &p->kmajor, &p->kminor) != 2)
			p->kmajor = p->kminor = 0;
	} else {
		snprintf(p->kernel, sizeof(p->kernel), "unknown");
	}
	p->cap_sys_admin = zcf_have_cap_sys_admin();
	if (p->cap_sys_admin)
		probe_init(p);
	else
		snprintf(p->protocol_reason, sizeof(p->protocol_reason),
			 "needs root to mount a probe filesystem");
	ladder_facts(p, &f);
	probe_uring(p, &f);
	probe_bufpool(p, &f);
	probe_zerocopy(p, &f);
	probe_passthrough(p);
	/* The best rung whose feature is here, walking the session's ladder. */
	for (r = zcf_rung(ZCF_TRANSPORT_AUTO);; r = zcf_rung(r->below)) {
		const struct feature *ft = r->kind == ZCF_TRANSPORT_ZEROCOPY ? &p->zerocopy :
					   r->kind == ZCF_TRANSPORT_BUFPOOL  ? &p->bufpool :
					   r->kind == ZCF_TRANSPORT_URING    ? &p->uring : NULL;

		if (!ft || ft->available)
			break;
	}
	p->best = r->name;
}

/* ---- Output ---- */

static const struct {
	uint64_t bit;
	const char *name;
} init_flag_names[] = {
	{ FUSE_ASYNC_READ, "async_read" },
	{ FUSE_POSIX_LOCKS, "posix_locks" },
	{ FUSE_ATOMIC_O_TRUNC, "atomic_o_trunc" },
	{ FUSE_EXPORT_SUPPORT, "export_support" },
	{ FUSE_BIG_WRITES, "big_writes" },
	{ FUSE_DONT_MASK, "dont_mask" },
	{ FUSE_SPLICE_WRITE, "splice_write" },
	{ FUSE_SPLICE_MOVE, "splice_move" },
	{ FUSE_SPLICE_READ, "splice_read" },
	{ FUSE_FLOCK_LOCKS, "flock_locks" },
	{ FUSE_HAS_IOCTL_DIR, "ioctl_dir" },
	{ FUSE_AUTO_INVAL_DATA, "auto_inval_data" },
	{ FUSE_DO_READDIRPLUS, "readdirplus" },
	{ FUSE_READDIRPLUS_AUTO, "readdirplus_auto" },
	{ FUSE_ASYNC_DIO, "async_dio" },
	{ FUSE_WRITEBACK_CACHE, "writeback_cache" },
	{ FUSE_NO_OPEN_SUPPORT, "no_open_support" },
	{ FUSE_PARALLEL_DIROPS, "parallel_dirops" },
	{ FUSE_HANDLE_KILLPRIV, "handle_killpriv" },
	{ FUSE_POSIX_ACL, "posix_acl" },
	{ FUSE_ABORT_ERROR, "abort_error" },
	{ FUSE_MAX_PAGES, "max_pages" },
	{ FUSE_CACHE_SYMLINKS, "cache_symlinks" },
	{ FUSE_NO_OPENDIR_SUPPORT, "no_opendir_support" },
	{ FUSE_EXPLICIT_INVAL_DATA, "explicit_inval_data" },
	{ FUSE_MAP_ALIGNMENT, "map_alignment" },
	{ FUSE_SUBMOUNTS, "submounts" },
	{ FUSE_HANDLE_KILLPRIV_V2, "handle_killpriv_v2" },
	{ FUSE_SETXATTR_EXT, "setxattr_ext" },
	{ FUSE_INIT_EXT, "init_ext" },
	{ FUSE_INIT_RESERVED, "init_reserved" },
	{ FUSE_SECURITY_CTX, "security_ctx" },
	{ FUSE_HAS_INODE_DAX, "inode_dax" },
	{ FUSE_CREATE_SUPP_GROUP, "create_supp_group" },
	{ FUSE_HAS_EXPIRE_ONLY, "expire_only" },
	{ FUSE_DIRECT_IO_ALLOW_MMAP, "direct_io_allow_mmap" },
	{ FUSE_PASSTHROUGH, "passthrough" },
	{ FUSE_NO_EXPORT_SUPPORT, "no_export_support" },
	{ FUSE_HAS_RESEND, "resend" },
	{ FUSE_ALLOW_IDMAP, "allow_idmap" },
	{ FUSE_OVER_IO_URING, "over_io_uring" },
	{ FUSE_REQUEST_TIMEOUT, "request_timeout" },
	{ FUSE_HAS_IO_URING_BUFPOOL, "io_uring_bufpool" },
};

/* Space-separated names of the INIT flags; unknown bits as "bitN". */
static void flag_names(uint64_t flags, char *buf, size_t size)
{
	size_t len = 0, i;
	int bit;

	buf[0] = 0;
	for (i = 0; i < sizeof(init_flag_names) / sizeof(init_flag_names[0]); i++) {
		if (!(flags & init_flag_names[i].bit))
			continue;
		flags &= ~init_flag_names[i].bit;
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? " " : "",
				init_flag_names[i].name);
	}
	for (bit = 0; bit < 64; bit++)
		if (flags & (1ull << bit))
			len += snprintf(buf + len, len < size ? size - len : 0, "%sbit%d",
					len ? " " : "", bit);
}

static const char *yes_no(bool b)
{
	return b ? "available" : "absent";
}

static void print_text(const struct probe *p)
{
	char names[1024];

	printf("kernel: %s\n", p->kernel);
	if (p->have_init) {
		flag_names(p->init.flags, names, sizeof(names));
		printf("protocol: %u.%u\n", p->init.major, p->init.minor);
		printf("init flags: 0x%016llx (%s)\n", (unsigned long long)p->init.flags, names);
	} else {
		printf("protocol: unknown (%s)\n", p->protocol_reason);
	}
	printf("io_uring transport: %s (%s)\n", yes_no(p->uring.available), p->uring.reason);
	printf("buffer pools: %s (%s)\n", yes_no(p->bufpool.available), p->bufpool.reason);
	printf("zero copy: %s (%s)\n", yes_no(p->zerocopy.available), p->zerocopy.reason);
	printf("passthrough: %s (%s)\n", yes_no(p->passthrough.available), p->passthrough.reason);
	printf("best transport: %s\n", p->best);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_feature(const char *key, const struct feature *f)
{
	printf(",\"%s\":{\"available\":%s,\"reason\":", key, f->available ? "true" : "false");
	json_string(f->reason);
	putchar('}');
}

static void print_json(const struct probe *p)
{
	char ver[32];

	printf("{\"kernel\":");
	json_string(p->kernel);
	printf(",\"protocol\":");
	if (p->have_init) {
		snprintf(ver, sizeof(ver), "%u.%u", p->init.major, p->init.minor);
		json_string(ver);
		printf(",\"init_flags\":\"0x%016llx\"", (unsigned long long)p->init.flags);
	} else {
		json_string("unknown");
		printf(",\"protocol_reason\":");
		json_string(p->protocol_reason);
	}
	json_feature("io_uring", &p->uring);
	json_feature("bufpool", &p->bufpool);
	json_feature("zerocopy", &p->zerocopy);
	json_feature("passthrough", &p->passthrough);
	printf(",\"best\":");
	json_string(p->best);
	printf("}\n");
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: zcfuse-probe [-j|--json] [-h|--help]\n"
		"Says which zcfuse transports the running kernel offers and why others are\n"
		"absent. As root it mounts a throwaway FUSE filesystem under /tmp to read the\n"
		"kernel's INIT request (protocol version and flags), then unmounts it.\n"
		"  -j, --json   print one JSON object instead of lines\n"
		"  -h, --help   this text\n");
}

int main(int argc, char *argv[])
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "jh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	run_probe(&p);
	if (json)
		print_json(&p);
	else
		print_text(&p);
	return 0;
}
