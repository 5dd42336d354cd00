/* SPDX-License-Identifier: MIT */
/*
 * protoops: client-side checks of locks, flock, ioctl, poll, statx, tmpfile
 * and syncfs on a zcfuse mount, each as the kernel's users see them.
 *
 *   protoops locks DIR [anypid]  fcntl locks across processes: conflict, F_GETLK
 *                             owner pid, a waiter that waits and is granted on
 *                             the holder's close, an interrupted waiter (EINTR
 *                             within 100 ms of its signal), the mount still serves
 *   protoops flock DIR        flock: conflict, release on close
 *   protoops storm DIR N CPU  N waiters on one lock, all on CPU, while reads on
 *                             CPU go on; prints reads/s during the storm
 *   protoops pending DIR PID DEPTH CPU  a read that queued in the kernel behind
 *                             DEPTH waiting SETLKWs (every entry of CPU's queue;
 *                             the server PID is stopped meanwhile) is answered
 *                             while they still wait
 *   protoops ioctl DIR        memfs's MEMFS_IOC_REVERSE and MEMFS_IOC_STORED
 *   protoops poll DIR         poll on an empty memfs file wakes on a write
 *   protoops statx DIR [SRC]  statx with btime (equal to SOURCE's, if given)
 *   protoops tmpfile DIR      O_TMPFILE, write, linkat, read back by name
 *   protoops syncfs DIR       syncfs(2) succeeds
 *   protoops intr-read FILE OTHER [WINDOW_MS]  a read of FILE (blocked in the
 *                             server) is interrupted: EINTR within 100 ms; OTHER
 *                             then reads. WINDOW_MS: the server sleeps that long
 *                             between its interrupted check and its backing wait
 *                             (ZCFUSE_TEST_INTR_WINDOW_MS), so the signal lands in
 *                             that window: EINTR within 100 ms of the window's end,
 *                             and a lost interrupt fails at once instead of hanging
 * Exits 0, 1 with a reason, 77 with a reason to skip.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...) do { printf("protoops: " __VA_ARGS__); printf("\n"); exit(1); } while (0)

static char path_buf[4096];
static const char *at(const char *dir, const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How soon after its signal an interrupted request must end, in seconds:
 * 100 ms, or $ZCFUSE_INTR_MS (tests/lib/common.sh widens it for slow builds
 * and emulated guests, where one wake-up can take that long). */
static double intr_limit(void)
{
	const char *v = getenv("ZCFUSE_INTR_MS");
	int ms = v ? atoi(v) : 0;

	return (ms > 0 ? ms : 100) / 1e3;
}

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

/* fork(), with a child that dies with this process (a failed check leaves no lock holder behind). */
static pid_t fork_child(void)
{
	pid_t pid = fork();

	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

/* A child that opens @path, takes a write lock on [0,100), says so on @ready, then waits on @go. */
static pid_t holder(const char *path, int ready, int go, bool use_flock)
{
	pid_t pid = fork_child();
	char c;

	if (pid)
		return pid;
	int fd = open(path, O_RDWR);

	if (fd < 0 || (use_flock ? flock(fd, LOCK_EX) : setlk(fd, F_SETLK, F_WRLCK, 0, 100)))
		_exit(2);
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		_exit(3);
	close(fd); /* release on close */
	_exit(0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* OFD locks (passthrough) have no owning process: F_GETLK can name none. */
static bool any_pid;

static int test_locks(const char *dir)
{
	const char *p = at(dir, "lockfile");
	int ready[2], go[2], fd, st, w[2];
	struct flock fl;
	pid_t h, waiter;
	char c;
	double t0, t;

	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || pipe(ready) || pipe(go) || pipe(w))
		FAIL("setup: %s", strerror(errno));
	h = holder(p, ready[1], go[0], false);
	if (read(ready[0], &c, 1) != 1)
		FAIL("holder did not take its lock");
	/* conflict */
	if (setlk(fd, F_SETLK, F_WRLCK, 50, 10) != -EAGAIN && setlk(fd, F_SETLK, F_WRLCK, 50, 10) != -EACCES)
		FAIL("F_SETLK over the holder's range should fail with EAGAIN");
	if (setlk(fd, F_SETLK, F_WRLCK, 100, 10))
		FAIL("F_SETLK next to the holder's range should succeed");
	/* F_GETLK names the holder */
	fl = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	if (fcntl(fd, F_GETLK, &fl))
		FAIL("F_GETLK: %s", strerror(errno));
	if (fl.l_type != F_WRLCK || (fl.l_pid != h && !any_pid) || fl.l_start != 0 ||
	    fl.l_len != 100)
		FAIL("F_GETLK: type %d pid %d (holder %d) start %lld len %lld, want write lock of the holder on [0,100)",
		     fl.l_type, fl.l_pid, h, (long long)fl.l_start, (long long)fl.l_len);
	printf("protoops: conflict and F_GETLK owner ok\n");

	/*
	 * An interrupted waiter gets EINTR, quickly. A late EINTR is tried
	 * again, twice: one slow wake-up on a loaded machine is not the bug
	 * (an interrupt that cancels nothing waits for the holder every time).
	 */
	for (int tries = 1;; tries++) {
		waiter = fork_child();
		if (!waiter) {
			struct sigaction sa = { .sa_handler = on_alarm };
			struct itimerval it = { .it_value = { 0, 300000 } };
			int f = open(p, O_RDWR), r;
			double s, e;

			sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
			s = now();
			setitimer(ITIMER_REAL, &it, NULL);
			r = setlk(f, F_SETLKW, F_WRLCK, 0, 10);
			e = now() - s;
			if (r != -EINTR) {
				printf("protoops: interrupted waiter got %d, want -EINTR\n", r);
				_exit(1);
			}
			if (e - 0.3 > intr_limit() || e < 0.29) {
				printf("protoops: EINTR %.0f ms after the signal, want < %.0f\n",
				       (e - 0.3) * 1000, intr_limit() * 1000);
				_exit(2);
			}
			printf("protoops: interrupted waiter: EINTR %.1f ms after its signal\n",
			       (e - 0.3) * 1000);
			_exit(0);
		}
		if (waitpid(waiter, &st, 0) < 0 || !WIFEXITED(st))
			FAIL("interrupted waiter failed");
		if (WEXITSTATUS(st) == 2 && tries < 3)
			continue;
		if (WEXITSTATUS(st))
			FAIL("interrupted waiter failed");
		break;
	}

	/* A waiter waits, and is granted when the holder closes. */
	waiter = fork_child();
	if (!waiter) {
		int f = open(p, O_RDWR);

		if (setlk(f, F_SETLKW, F_WRLCK, 0, 10))
			_exit(1);
		if (write(w[1], "g", 1) != 1)
			_exit(2);
		_exit(0);
	}
	usleep(300000);
	{
		struct pollfd pfd = { .fd = w[0], .events = POLLIN };

		if (poll(&pfd, 1, 0) != 0)
			FAIL("the waiter got the lock while the holder still had it");
	}
	if (access(dir, F_OK)) /* the mount serves while a waiter waits */
		FAIL("mount stopped serving while a lock waiter waits");
	t0 = now();
	if (write(go[1], "g", 1) != 1)
		FAIL("releasing the holder");
	if (read(w[0], &c, 1) != 1)
		FAIL("the waiter never got the lock");
	t = now() - t0;
	if (waitpid(waiter, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("waiter failed");
	if (waitpid(h, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("holder failed");
	printf("protoops: waiter granted %.1f ms after the holder's close\n", t * 1000);
	/* The waiter exited: its lock is gone too. */
	if (setlk(fd, F_SETLK, F_WRLCK, 0, 0))
		FAIL("lock still held after every holder exited");
	close(fd);
	return 0;
}

static int test_flock(const char *dir)
{
	const char *p = at(dir, "flockfile");
	int ready[2], go[2], fd, st;
	pid_t h;
	char c;

	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || pipe(ready) || pipe(go))
		FAIL("setup: %s", strerror(errno));
	h = holder(p, ready[1], go[0], true);
	if (read(ready[0], &c, 1) != 1)
		FAIL("flock holder did not take its lock");
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		FAIL("flock LOCK_EX|LOCK_NB over a holder should fail with EWOULDBLOCK");
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		FAIL("flock LOCK_SH|LOCK_NB over an exclusive holder should fail");
	if (write(go[1], "g", 1) != 1 || waitpid(h, &st, 0) < 0)
		FAIL("releasing the holder");
	if (flock(fd, LOCK_EX | LOCK_NB))
		FAIL("flock after the holder's close: %s", strerror(errno));
	if (flock(fd, LOCK_UN))
		FAIL("flock LOCK_UN: %s", strerror(errno));
	printf("protoops: flock conflict and release on close ok\n");
	close(fd);
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Reaps @n waiters, each of which must have exited 0. */
static void reap_waiters(const pid_t *kids, int n, const char *what)
{
	int i, st;

	for (i = 0; i < n; i++)
		if (waitpid(kids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			FAIL("%s waiter %d failed", what, i);
}

static int test_storm(const char *dir, int n, int cpu)
{
	const char *p = at(dir, "stormlock");
	char other[4096], buf[4096];
	int ready[2], go[2], fd, i, st, ofd;
	pid_t h, *kids = calloc((size_t)n, sizeof(pid_t));
	long reads = 0, before = 0;
	double t0;
	char c;

	snprintf(other, sizeof(other), "%s/stormdata", dir);
	ofd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'x', sizeof(buf));
	if (ofd < 0 || write(ofd, buf, sizeof(buf)) != sizeof(buf))
		FAIL("storm data file");
	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || pipe(ready) || pipe(go) || !kids)
		FAIL("setup");
	close(fd);
	h = holder(p, ready[1], go[0], false);
	if (read(ready[0], &c, 1) != 1)
		FAIL("storm holder");
	pin(cpu);
	for (i = 0; i < n; i++) {
		kids[i] = fork_child();
		if (!kids[i]) {
			int f = open(p, O_RDWR);

			_exit(f < 0 || setlk(f, F_SETLKW, F_WRLCK, 0, 10) ? 1 : 0);
		}
	}
	usleep(500000); /* let them all block */
	/* Reads on the same CPU (same queue) during the storm: O_DIRECT to reach the server. */
	close(ofd);
	ofd = open(other, O_RDONLY | O_DIRECT);
	if (ofd < 0)
		ofd = open(other, O_RDONLY);
	t0 = now();
	while (now() - t0 < 1.0) {
		if (pread(ofd, buf, sizeof(buf), 0) < 0)
			FAIL("read during the storm: %s", strerror(errno));
		reads++;
	}
	before = reads;
	printf("protoops: storm: %d waiters on CPU %d, %ld reads/s on that CPU meanwhile\n", n, cpu,
	       before);
	t0 = now();
	if (write(go[1], "g", 1) != 1)
		FAIL("release");
	reap_waiters(kids, n, "storm");
	waitpid(h, &st, 0);
	printf("protoops: storm: all %d waiters granted in turn in %.0f ms\n", n, (now() - t0) * 1000);
	free(kids);
	return before > 0 ? 0 : 1;
}

/* Waits until @pid sleeps in the kernel on a FUSE request (its wchan). */
static int wait_in_fuse(pid_t pid, double limit)
{
	char path[64], w[64];
	double t0 = now();

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	while (now() - t0 < limit) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(w, 1, sizeof(w) - 1, f) : 0;

		if (f)
			fclose(f);
		w[n] = 0;
		if (strstr(w, "request_wait_answer") || strstr(w, "fuse_direct_IO"))
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Waits until every thread of @pid is stopped (SIGSTOP does not wait). */
static int wait_stopped(pid_t pid)
{
	char path[64];
	double t0 = now();

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	while (now() - t0 < 10) {
		DIR *d = opendir(path);
		struct dirent *de;
		bool all = d != NULL;

		while (d && (de = readdir(d))) {
			char st[512], line[512], *p;
			FILE *f;

			if (de->d_name[0] == '.')
				continue;
			snprintf(st, sizeof(st), "%s/%s/stat", path, de->d_name);
			f = fopen(st, "r");
			if (!f || !fgets(line, sizeof(line), f) || !(p = strrchr(line, ')')) ||
			    (p[2] != 'T' && p[2] != 't'))
				all = false;
			if (f)
				fclose(f);
		}
		if (d)
			closedir(d);
		if (all)
			return 0;
		usleep(5000);
	}
	return -1;
}

/*
 * Waits until the connection behind @dir has no request in flight (a
 * RELEASE of an earlier close, say), so that every entry is free; without
 * fusectl mounted, waits 300 ms instead.
 */
static void quiesce(const char *dir)
{
	char path[128];
	struct stat st;
	double t0 = now();

	if (stat(dir, &st))
		return;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/waiting", minor(st.st_dev));
	while (now() - t0 < 5) {
		FILE *f = fopen(path, "r");
		int n = -1;

		if (!f) {
			usleep(300000);
			return;
		}
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
		if (n == 0)
			return;
		usleep(10000);
	}
}

/* The server test_pending stopped: a failed check must not leave it stopped. */
static pid_t stopped_srv;

static void cont_stopped_srv(void)
{
	if (stopped_srv)
		kill(stopped_srv, SIGCONT);
}

/*
 * The kernel hands a request that finds every entry of its CPU's queue busy
 * to an entry only when one commits; an entry registered later never takes
 * it. With the server stopped, DEPTH waiters take every entry of CPU's queue
 * and a read queues behind them; once the server goes on, the read must be
 * answered while the waiters still wait (the holder keeps its lock).
 */
static int test_pending(const char *dir, pid_t srv, int depth, int cpu)
{
	char lockp[4096], datap[4096], buf[4096] __attribute__((aligned(4096)));
	int ready[2], go[2], kready[2], kgo[2], ofd, i, st;
	pid_t h, rd, *kids = calloc((size_t)depth, sizeof(pid_t));
	double t0;
	char c;

	snprintf(lockp, sizeof(lockp), "%s/pendinglock", dir);
	snprintf(datap, sizeof(datap), "%s/pendingdata", dir);
	ofd = open(datap, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'p', sizeof(buf));
	if (!kids || ofd < 0 || write(ofd, buf, sizeof(buf)) != sizeof(buf) || fsync(ofd))
		FAIL("pending: data file: %s", strerror(errno));
	close(ofd);
	i = open(lockp, O_RDWR | O_CREAT, 0644);
	if (i < 0 || pipe(ready) || pipe(go) || pipe(kready) || pipe(kgo))
		FAIL("pending: setup: %s", strerror(errno));
	close(i);
	h = holder(lockp, ready[1], go[0], false);
	if (read(ready[0], &c, 1) != 1)
		FAIL("pending: holder did not take its lock");
	pin(cpu);
	ofd = open(datap, O_RDONLY | O_DIRECT);
	if (ofd < 0)
		FAIL("pending: O_DIRECT open: %s", strerror(errno));
	for (i = 0; i < depth; i++) {
		kids[i] = fork_child();
		if (!kids[i]) {
			int f = open(lockp, O_RDWR);

			if (f < 0 || write(kready[1], "r", 1) != 1 || read(kgo[0], &c, 1) != 1)
				_exit(2);
			_exit(setlk(f, F_SETLKW, F_WRLCK, 0, 10) ? 1 : 0);
		}
	}
	for (i = 0; i < depth; i++)
		if (read(kready[0], &c, 1) != 1)
			FAIL("pending: waiter %d did not open", i);
	quiesce(dir);
	stopped_srv = srv;
	atexit(cont_stopped_srv);
	if (kill(srv, SIGSTOP) || wait_stopped(srv))
		FAIL("pending: stop the server: %s", strerror(errno));
	for (i = 0; i < depth; i++)
		if (write(kgo[1], "g", 1) != 1)
			FAIL("pending: start waiters");
	for (i = 0; i < depth; i++)
		if (wait_in_fuse(kids[i], 10))
			FAIL("pending: waiter %d never reached the kernel's wait", i);
	rd = fork_child();
	if (!rd)
		_exit(pread(ofd, buf, sizeof(buf), 0) == sizeof(buf) && buf[0] == 'p' ? 0 : 1);
	if (wait_in_fuse(rd, 10))
		FAIL("pending: the read never reached the kernel's wait");
	usleep(100000);
	t0 = now();
	kill(srv, SIGCONT);
	stopped_srv = 0;
	while (waitpid(rd, &st, WNOHANG) == 0) {
		if (now() - t0 > 10) {
			/* The waiters and the holder die with us (fork_child). */
			kill(rd, SIGKILL);
			FAIL("pending: a read queued behind %d waiting SETLKWs was not answered in 10 s",
			     depth);
		}
		usleep(10000);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("pending: the queued read failed");
	printf("protoops: pending: read behind %d waiters answered %.0f ms after the server went on\n",
	       depth, (now() - t0) * 1000);
	if (write(go[1], "g", 1) != 1)
		FAIL("pending: release");
	reap_waiters(kids, depth, "pending:");
	waitpid(h, &st, 0);
	close(ofd);
	free(kids);
	return 0;
}

/* N uncontended F_SETLKW lock/unlock pairs on one file (mount/lock-kicks). */
static int test_setlkw_pairs(const char *dir, int n)
{
	char path[4096];
	int fd, i, err;

	snprintf(path, sizeof(path), "%s/setlkwfile", dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		FAIL("setlkw-pairs: open %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		if ((err = setlk(fd, F_SETLKW, F_WRLCK, 0, 0)) ||
		    (err = setlk(fd, F_SETLKW, F_UNLCK, 0, 0)))
			FAIL("setlkw-pairs: pair %d: %s", i, strerror(-err));
	}
	close(fd);
	return 0;
}

#define MEMFS_IOC_STORED _IOR('M', 1, uint64_t)
#define MEMFS_IOC_REVERSE _IOWR('M', 2, char[16])

static int test_ioctl(const char *dir)
{
	char b[16] = "0123456789abcdef";
	uint64_t stored = 0;
	int fd = open(at(dir, "ioctlfile"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || pwrite(fd, "hello", 5, 0) != 5 || fsync(fd))
		FAIL("ioctl setup");
	if (ioctl(fd, MEMFS_IOC_REVERSE, b))
		FAIL("MEMFS_IOC_REVERSE: %s", strerror(errno));
	if (memcmp(b, "fedcba9876543210", 16))
		FAIL("MEMFS_IOC_REVERSE answered %.16s", b);
	if (ioctl(fd, MEMFS_IOC_STORED, &stored) || stored != 5)
		FAIL("MEMFS_IOC_STORED: %s, %llu bytes (want 5)", strerror(errno),
		     (unsigned long long)stored);
	if (ioctl(fd, _IO('M', 99)) == 0 || errno != ENOTTY)
		FAIL("an unknown ioctl should fail with ENOTTY");
	printf("protoops: ioctl round trip ok\n");
	close(fd);
	return 0;
}

static int test_poll(const char *dir)
{
	const char *p = at(dir, "pollfile");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644), st;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	pid_t writer;
	double t0;

	if (fd < 0)
		FAIL("poll setup");
	if (poll(&pfd, 1, 0) != 0)
		FAIL("an empty memfs file should not be readable (revents 0x%x)", pfd.revents);
	writer = fork_child();
	if (!writer) {
		int f = open(p, O_WRONLY);

		usleep(200000);
		_exit(f < 0 || write(f, "x", 1) != 1);
	}
	t0 = now();
	if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN))
		FAIL("poll did not wake on the write (revents 0x%x)", pfd.revents);
	printf("protoops: poll woke %.0f ms after start (write at 200 ms)\n", (now() - t0) * 1000);
	waitpid(writer, &st, 0);
	close(fd);
	return 0;
}

static int test_statx(const char *dir, const char *src)
{
	struct statx x, y;
	int fd = open(at(dir, "statxfile"), O_RDWR | O_CREAT, 0640);

	if (fd < 0)
		FAIL("statx setup");
	close(fd);
	if (statx(AT_FDCWD, at(dir, "statxfile"), AT_STATX_FORCE_SYNC, STATX_BASIC_STATS | STATX_BTIME, &x))
		FAIL("statx: %s", strerror(errno));
	if ((x.stx_mode & 07777) != 0640 || !S_ISREG(x.stx_mode))
		FAIL("statx mode 0%o", x.stx_mode);
	if (src) {
		if (statx(AT_FDCWD, at(src, "statxfile"), 0, STATX_BASIC_STATS | STATX_BTIME, &y))
			FAIL("statx of SOURCE: %s", strerror(errno));
		if (!(y.stx_mask & STATX_BTIME)) {
			printf("protoops: SOURCE has no btime; basic fields only\n");
		} else if (!(x.stx_mask & STATX_BTIME) || x.stx_btime.tv_sec != y.stx_btime.tv_sec ||
			   x.stx_btime.tv_nsec != y.stx_btime.tv_nsec) {
			FAIL("btime through the mount differs from SOURCE's (mask 0x%x)", x.stx_mask);
		}
		if (x.stx_ino != y.stx_ino)
			FAIL("statx ino %llu, SOURCE %llu", (unsigned long long)x.stx_ino,
			     (unsigned long long)y.stx_ino);
	} else if (!(x.stx_mask & STATX_BTIME) || x.stx_btime.tv_sec == 0 ||
		   x.stx_btime.tv_sec > x.stx_mtime.tv_sec + 1) {
		FAIL("statx: no plausible btime (mask 0x%x, btime %lld)", x.stx_mask,
		     (long long)x.stx_btime.tv_sec);
	}
	printf("protoops: statx with btime ok\n");
	return 0;
}

static int test_tmpfile(const char *dir)
{
	char proc[64], buf[16] = { 0 };
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600), f2;

	if (fd < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR)
			FAIL("O_TMPFILE refused: %s", strerror(errno));
		FAIL("O_TMPFILE: %s", strerror(errno));
	}
	if (write(fd, "tmpdata", 7) != 7)
		FAIL("write to the tmpfile: %s", strerror(errno));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	unlink(at(dir, "linked"));
	if (linkat(AT_FDCWD, proc, AT_FDCWD, at(dir, "linked"), AT_SYMLINK_FOLLOW))
		FAIL("linkat of the tmpfile: %s", strerror(errno));
	f2 = open(at(dir, "linked"), O_RDONLY);
	if (f2 < 0 || read(f2, buf, sizeof(buf)) != 7 || memcmp(buf, "tmpdata", 7))
		FAIL("reading the linked tmpfile back: %s", f2 < 0 ? strerror(errno) : buf);
	printf("protoops: O_TMPFILE + linkat ok\n");
	close(f2);
	close(fd);
	return 0;
}

/*
 * A read blocked in the server's backing I/O, interrupted by a signal 300 ms
 * in, must fail with EINTR within 100 ms of the signal; then another read
 * on the same CPU must be answered (the queue goes on serving).
 */
/* The interrupted read of intr-read; @late: seconds the server waits past the signal. */
static void intr_read_once(const char *file, double late)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 300000 } };
	static char buf[4096] __attribute__((aligned(4096)));
	int fd = open(file, O_RDONLY | O_DIRECT);
	double s, e;
	ssize_t n;

	if (fd < 0)
		FAIL("open %s: %s", file, strerror(errno));
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	s = now();
	setitimer(ITIMER_REAL, &it, NULL);
	n = pread(fd, buf, 4096, 0);
	e = now() - s;
	if (n >= 0 || errno != EINTR)
		FAIL("interrupted read: %zd (%s), want EINTR", n, n < 0 ? strerror(errno) : "data");
	if (e < 0.29 || e - 0.3 - late > intr_limit())
		FAIL("EINTR came %.0f ms after the signal, want < %.0f", (e - 0.3) * 1000,
		     (late + intr_limit()) * 1000);
	printf("protoops: blocked read: EINTR %.1f ms after its signal\n", (e - 0.3) * 1000);
	close(fd);
}

static int test_intr_read(const char *file, const char *other, int window_ms)
{
	static char buf[65536] __attribute__((aligned(4096)));
	double late = window_ms > 300 ? (window_ms - 300) / 1e3 : 0, deadline, s;
	int fo, st;
	pid_t pid;

	if (!window_ms) {
		intr_read_once(file, 0);
	} else {
		/* A lost interrupt leaves the read blocked for good: watch it from here. */
		pid = fork_child();
		if (pid < 0)
			FAIL("fork: %s", strerror(errno));
		if (!pid) {
			intr_read_once(file, late);
			exit(0);
		}
		deadline = now() + window_ms / 1e3 + intr_limit() + 1;
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (now() > deadline) {
				/* It ends only when the server answers: the test's cleanup aborts the mount. */
				kill(pid, SIGKILL);
				FAIL("read still blocked %.1f s after its signal: the interrupt was lost",
				     late + intr_limit() + 1);
			}
			usleep(10000);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			exit(1); /* the child said why */
	}
	fo = open(other, O_RDONLY | O_DIRECT);
	s = now();
	if (fo < 0 || pread(fo, buf, 4096, 0) != 4096)
		FAIL("a read after the interrupted one: %s", strerror(errno));
	printf("protoops: the next read answered in %.1f ms\n", (now() - s) * 1000);
	close(fo);
	return 0;
}

static int test_syncfs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || syncfs(fd))
		FAIL("syncfs: %s", strerror(errno));
	printf("protoops: syncfs ok\n");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		FAIL("usage: protoops locks|flock|storm|pending|ioctl|poll|statx|tmpfile|intr-read|syncfs|setlkw-pairs DIR ...");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "locks")) {
		any_pid = argc > 3 && !strcmp(argv[3], "anypid");
		return test_locks(argv[2]);
	}
	if (!strcmp(argv[1], "flock"))
		return test_flock(argv[2]);
	if (!strcmp(argv[1], "storm") && argc == 5)
		return test_storm(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "pending") && argc == 6)
		return test_pending(argv[2], (pid_t)atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (!strcmp(argv[1], "ioctl"))
		return test_ioctl(argv[2]);
	if (!strcmp(argv[1], "poll"))
		return test_poll(argv[2]);
	if (!strcmp(argv[1], "statx"))
		return test_statx(argv[2], argc > 3 ? argv[3] : NULL);
	if (!strcmp(argv[1], "tmpfile"))
		return test_tmpfile(argv[2]);
	if (!strcmp(argv[1], "intr-read") && (argc == 4 || argc == 5))
		return test_intr_read(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 0);
	if (!strcmp(argv[1], "syncfs"))
		return test_syncfs(argv[2]);
	if (!strcmp(argv[1], "setlkw-pairs") && argc == 4)
		return test_setlkw_pairs(argv[2], atoi(argv[3]));
	FAIL("unknown test %s", argv[1]);
}
