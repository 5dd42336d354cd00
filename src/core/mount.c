/* SPDX-License-Identifier: MIT */
/*
 * Mounting and unmounting: mount(2) straight away when privileged, else
 * fusermount3, which opens /dev/fuse, mounts, and hands the descriptor back
 * over a socketpair (SCM_RIGHTS).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"

#define FUSERMOUNT "fusermount3"
#define FUSE_DEV "/dev/fuse"
#define COMMFD_ENV "_FUSE_COMMFD"

extern char **environ;

/* A growing comma-separated option list; on allocation failure it goes NULL. */
struct optbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void opt_addn(struct optbuf *b, const char *s, size_t n)
{
	char *p;

	if (b->failed || !n)
		return;
	if (b->len + n + 2 > b->cap) {
		size_t cap = (b->len + n + 2) * 2;

		p = realloc(b->s, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	if (b->len)
		b->s[b->len++] = ',';
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void opt_add(struct optbuf *b, const char *s)
{
	opt_addn(b, s, strlen(s));
}

static void opt_addf(struct optbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void opt_addf(struct optbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = true;
	else
		opt_addn(b, tmp, (size_t)n);
}

/* "key=value" with ',' and '\' escaped, the way fusermount3 splits options. */
static void opt_add_escaped(struct optbuf *b, const char *key, const char *val)
{
	size_t n = strlen(key) + 2 * strlen(val) + 2;
	char *tmp = malloc(n), *p;

	if (!tmp) {
		b->failed = true;
		return;
	}
	p = tmp + sprintf(tmp, "%s=", key);
	for (; *val; val++) {
		if (*val == ',' || *val == '\\')
			*p++ = '\\';
		*p++ = *val;
	}
	*p = 0;
	opt_add(b, tmp);
	free(tmp);
}

static const char *default_fsname(const struct zcf_config *cfg)
{
	if (cfg->fsname && *cfg->fsname)
		return cfg->fsname;
	return program_invocation_short_name;
}

/* Root, or CAP_SYS_ADMIN in the effective set (e.g. a capable container). */
static bool privileged(void)
{
	return geteuid() == 0 || zcf_have_cap_sys_admin();
}

/* One clear line for the usual ways a mount goes wrong before it starts. */
static int check_mountpoint(const char *mnt, mode_t *mode)
{
	struct stat st;
	int err;

	if (!mnt || !*mnt) {
		zcf_err("no mountpoint given");
		return -EINVAL;
	}
	if (stat(mnt, &st) < 0) {
		err = errno;
		if (err == ENOTCONN)
			zcf_err("mountpoint %s: %s (a dead FUSE mount is still there: "
				"run 'fusermount3 -u %s')", mnt, strerror(err), mnt);
		else
			zcf_err("mountpoint %s: %s", mnt, strerror(err));
		return -err;
	}
	/* A regular file may be a mountpoint too (its root is then a file), as in libfuse. */
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		zcf_err("mountpoint %s: not a directory or a regular file", mnt);
		return -ENOTDIR;
	}
	*mode = st.st_mode;
	if (access(FUSE_DEV, F_OK) < 0) {
		err = errno;
		if (err == ENOENT)
			zcf_err("%s: %s (is the fuse module loaded?)", FUSE_DEV, strerror(err));
		else
			zcf_err("%s: %s", FUSE_DEV, strerror(err));
		return -err;
	}
	return 0;
}

/* ---- mount(2) ---- */

/* Options that are mount(2) flags, not FUSE data; they may come in -o. */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flag_opts[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "noatime", MS_NOATIME, 0 },
	{ "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
};

/*
 * Splits cfg->extra_mount_opts into mount(2) flags and kernel data. Options
 * that only mean something to fusermount3 or libfuse are dropped here.
 */
static void split_extra_opts(const char *extra, unsigned long *flags, struct optbuf *data)
{
	const char *p = extra, *end;
	size_t n, i;

	while (p && *p) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < sizeof(mount_flag_opts) / sizeof(mount_flag_opts[0]); i++) {
			if (strlen(mount_flag_opts[i].name) == n &&
			    !strncmp(p, mount_flag_opts[i].name, n)) {
				*flags = (*flags | mount_flag_opts[i].set) & ~mount_flag_opts[i].clear;
				break;
			}
		}
		if (i == sizeof(mount_flag_opts) / sizeof(mount_flag_opts[0]) &&
		    !(n == 8 && !strncmp(p, "nonempty", 8)) &&
		    !(n == 12 && !strncmp(p, "auto_unmount", 12)))
			opt_addn(data, p, n);
		p = end ? end + 1 : NULL;
	}
}

static int mount_direct(const struct zcf_config *cfg, mode_t root_mode, int *fdp)
{
	unsigned long flags = MS_NOSUID | MS_NODEV;
	struct optbuf data = { 0 };
	char fstype[256];
	const char *source = default_fsname(cfg);
	int fd, err;

	fd = open(FUSE_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			zcf_err("%s: %s (is the fuse module loaded?)", FUSE_DEV, strerror(err));
		else
			zcf_err("%s: %s", FUSE_DEV, strerror(err));
		return -err;
	}

	if (cfg->ro)
		flags |= MS_RDONLY;
	opt_addf(&data, "fd=%d", fd);
	opt_addf(&data, "rootmode=%o", (unsigned)(root_mode & S_IFMT));
	opt_addf(&data, "user_id=%u", (unsigned)getuid());
	opt_addf(&data, "group_id=%u", (unsigned)getgid());
	/* The kernel has no allow_root: it is allow_other checked by the session. */
	if (cfg->allow_other || cfg->allow_root)
		opt_add(&data, "allow_other");
	if (cfg->default_permissions)
		opt_add(&data, "default_permissions");
	if (cfg->max_read)
		opt_addf(&data, "max_read=%u", cfg->max_read);
	split_extra_opts(cfg->extra_mount_opts, &flags, &data);
	if (data.failed) {
		free(data.s);
		close(fd);
		return -ENOMEM;
	}

	if (cfg->blkdev && cfg->blksize)
		opt_addf(&data, "blksize=%u", cfg->blksize);
	/* fuseblk: the source is a block device the kernel opens (a file
	 * system on a disk image, as ntfs-3g mounts); the type is fuseblk. */
	snprintf(fstype, sizeof(fstype), "%s%s%s", cfg->blkdev ? "fuseblk" : "fuse",
		 cfg->subtype && *cfg->subtype ? "." : "", cfg->subtype ? cfg->subtype : "");

	if (mount(source, cfg->mountpoint, fstype, flags, data.s) < 0) {
		err = errno;
		if (err == EINVAL)
			zcf_err("mount %s on %s: %s (bad mount option in \"%s\"?)", fstype,
				cfg->mountpoint, strerror(err), data.s);
		else
			zcf_err("mount %s on %s: %s", fstype, cfg->mountpoint, strerror(err));
		free(data.s);
		close(fd);
		return -err;
	}
	zcf_dbg("mounted %s on %s (%s)", fstype, cfg->mountpoint, data.s);
	free(data.s);
	*fdp = fd;
	return 0;
}

/* ---- fusermount3 ---- */

/* Path of fusermount3 from PATH, then /usr/bin and /bin; malloc'd, or NULL. */
static char *find_fusermount(void)
{
	const char *path = getenv("PATH");
	const char *fallback[] = { "/usr/bin", "/bin" };
	char *copy, *dir, *save = NULL, *found = NULL;
	size_t i;

	if (path && *path) {
		copy = strdup(path);
		if (!copy)
			return NULL;
		for (dir = strtok_r(copy, ":", &save); dir && !found;
		     dir = strtok_r(NULL, ":", &save)) {
			if (*dir != '/')
				continue; /* relative PATH entries are a trap for a mount helper */
			if (asprintf(&found, "%s/" FUSERMOUNT, dir) < 0) {
				found = NULL;
				break;
			}
			if (access(found, X_OK) < 0) {
				free(found);
				found = NULL;
			}
		}
		free(copy);
		if (found)
			return found;
	}
	for (i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
		if (asprintf(&found, "%s/" FUSERMOUNT, fallback[i]) < 0)
			return NULL;
		if (access(found, X_OK) == 0)
			return found;
		free(found);
	}
	return NULL;
}

static void no_fusermount(void)
{
	zcf_err(FUSERMOUNT " not found in PATH, /usr/bin or /bin "
		"(install the Debian package fuse3, or run as root)");
}

/* The environment plus _FUSE_COMMFD=fd, built before fork(). */
static char **env_with_commfd(int fd)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], COMMFD_ENV "=", sizeof(COMMFD_ENV)))
			env[j++] = environ[i];
	if (asprintf(&env[j], COMMFD_ENV "=%d", fd) < 0) {
		free(env);
		return NULL;
	}
	return env;
}

static void free_env(char **env)
{
	size_t i = 0;

	while (env[i])
		i++;
	free(env[i - 1]); /* our _FUSE_COMMFD string, always last */
	free(env);
}

/*
 * Starts fusermount3 with argv; keep_fd (if >= 0) stays open in the child
 * and is announced in _FUSE_COMMFD. Returns the pid or -errno.
 */
static pid_t spawn_fusermount(const char *prog, char *const argv[], int keep_fd)
{
	char **env = keep_fd >= 0 ? env_with_commfd(keep_fd) : environ;
	pid_t pid;
	int err;

	if (!env)
		return -ENOMEM;
	pid = fork();
	err = errno;
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
			_exit(127);
		execve(prog, argv, env);
		_exit(127);
	}
	if (keep_fd >= 0)
		free_env(env);
	if (pid < 0) {
		zcf_err("fork: %s", strerror(err));
		return -err;
	}
	return pid;
}

/* Waits for pid; returns its exit status, 128+signal, or -errno. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Receives the /dev/fuse descriptor fusermount3 sends; fd or -errno. */
static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET; /* fusermount3 exited without sending one */
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* The -o list fusermount3 gets. 0 or -ENOMEM. */
static int fusermount_opts(const struct zcf_config *cfg, struct optbuf *opts)
{
	opt_add(opts, cfg->ro ? "ro" : "rw");
	opt_add(opts, "nosuid");
	opt_add(opts, "nodev");
	opt_add_escaped(opts, "fsname", default_fsname(cfg));
	if (cfg->subtype && *cfg->subtype)
		opt_add_escaped(opts, "subtype", cfg->subtype);
	if (cfg->blkdev)
		opt_add(opts, "blkdev");
	if (cfg->blkdev && cfg->blksize)
		opt_addf(opts, "blksize=%u", cfg->blksize);
	if (cfg->allow_other || cfg->allow_root)
		opt_add(opts, "allow_other");
	if (cfg->default_permissions)
		opt_add(opts, "default_permissions");
	if (cfg->max_read)
		opt_addf(opts, "max_read=%u", cfg->max_read);
	if (cfg->auto_unmount)
		opt_add(opts, "auto_unmount");
	if (cfg->extra_mount_opts && *cfg->extra_mount_opts)
		opt_add(opts, cfg->extra_mount_opts);
	return opts->failed ? -ENOMEM : 0;
}

static int mount_fusermount(const struct zcf_config *cfg, int *fdp)
{
	struct optbuf opts = { 0 };
	char *prog, *argv[6];
	int sv[2], fd, status, err;
	pid_t pid;

	prog = find_fusermount();
	if (!prog) {
		no_fusermount();
		return -ENOENT;
	}

	if (fusermount_opts(cfg, &opts)) {
		free(opts.s);
		free(prog);
		return -ENOMEM;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = errno;
		zcf_err("socketpair: %s", strerror(err));
		free(opts.s);
		free(prog);
		return -err;
	}

	argv[0] = (char *)FUSERMOUNT;
	argv[1] = (char *)"-o";
	argv[2] = opts.s;
	argv[3] = (char *)"--";
	argv[4] = cfg->mountpoint;
	argv[5] = NULL;
	zcf_dbg("%s -o %s -- %s", prog, opts.s, cfg->mountpoint);
	pid = spawn_fusermount(prog, argv, sv[1]);
	free(opts.s);
	free(prog);
	/* Close our copy of the child's end so a failed fusermount3 reads as EOF. */
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return (int)pid;
	}

	fd = recv_fd(sv[0]);
	if (cfg->auto_unmount && fd >= 0) {
		/*
		 * fusermount3 stays alive, blocked on this socket, and unmounts
		 * when it sees it close, i.e. when this process is gone. So the
		 * socket is leaked on purpose for the life of the process, and
		 * the helper is not waited for.
		 */
		*fdp = fd;
		return 0;
	}
	close(sv[0]);
	status = wait_child(pid);
	if (fd < 0) {
		/* fusermount3 has printed why on stderr. */
		if (status > 0)
			zcf_err(FUSERMOUNT " failed to mount %s (exit status %d)",
				cfg->mountpoint, status);
		else
			zcf_err(FUSERMOUNT " did not send a /dev/fuse descriptor for %s: %s",
				cfg->mountpoint, strerror(-fd));
		return status == 127 ? -ENOEXEC : -EIO;
	}
	/* ECHILD: SIGCHLD is ignored and the status is lost; the fd says it worked. */
	if (status != 0 && status != -ECHILD) {
		zcf_err(FUSERMOUNT " sent a descriptor for %s but exited with status %d",
			cfg->mountpoint, status);
		close(fd);
		return -EIO;
	}
	*fdp = fd;
	return 0;
}

int zcf_passed_fd(const char *mountpoint)
{
	unsigned fd;
	int len = 0;

	if (!mountpoint || sscanf(mountpoint, "/dev/fd/%u%n", &fd, &len) != 1 ||
	    mountpoint[len] || mountpoint[8] < '0' || mountpoint[8] > '9' || fd > INT_MAX)
		return -1;
	return (int)fd;
}

int zcf_mount(const struct zcf_config *cfg, int *fd)
{
	mode_t mode = S_IFDIR;
	int err, passed = zcf_passed_fd(cfg->mountpoint);

	if (passed >= 0) {
		if (fcntl(passed, F_GETFD) < 0) {
			err = -errno;
			zcf_err("mountpoint %s: not an open descriptor: %s", cfg->mountpoint,
				strerror(-err));
			return err;
		}
		*fd = passed;
		zcf_dbg("serving /dev/fuse descriptor %d, mounted by the parent", passed);
		return 0;
	}
	err = check_mountpoint(cfg->mountpoint, &mode);
	if (err)
		return err;
	/* Only fusermount3 provides auto_unmount (its helper outlives us). */
	if (privileged() && !cfg->auto_unmount)
		return mount_direct(cfg, mode, fd);
	return mount_fusermount(cfg, fd);
}

/*
 * POLLERR on the /dev/fuse descriptor means the connection is gone: the
 * filesystem was already unmounted (or aborted), and something else may be
 * mounted there by now, so leave the mountpoint alone.
 */
static bool connection_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };

	if (fd < 0)
		return false;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

int zcf_unmount(const struct zcf_config *cfg, int fd)
{
	const char *mnt = cfg->mountpoint;
	char *prog, *argv[7];
	int status, err;
	pid_t pid;

	if (!mnt)
		return -EINVAL;
	if (connection_gone(fd) || zcf_passed_fd(mnt) >= 0)
		return 0; /* gone, or the parent's mount to undo */

	if (privileged()) {
		if (umount2(mnt, MNT_DETACH) == 0)
			return 0;
		err = errno;
		if (err == EINVAL)
			return 0; /* not a mountpoint any more: already unmounted */
		zcf_err("unmount %s: %s", mnt, strerror(err));
		return -err;
	}

	prog = find_fusermount();
	if (!prog) {
		no_fusermount();
		return -ENOENT;
	}
	argv[0] = (char *)FUSERMOUNT;
	argv[1] = (char *)"-u";
	argv[2] = (char *)"-q";
	argv[3] = (char *)"-z";
	argv[4] = (char *)"--";
	argv[5] = (char *)mnt;
	argv[6] = NULL;
	pid = spawn_fusermount(prog, argv, -1);
	free(prog);
	if (pid < 0)
		return (int)pid;
	status = wait_child(pid);
	if (status == 0 || status == -ECHILD)
		return 0;
	if (status < 0) {
		zcf_err("waiting for " FUSERMOUNT " -u %s: %s", mnt, strerror(-status));
		return status;
	}
	zcf_err(FUSERMOUNT " -u %s failed (exit status %d)", mnt, status);
	return -EIO;
}
