/*
 * zcfuse-qemu-lockstep.so: an LD_PRELOAD library for qemu-system-* run with
 * -accel tcg,thread=single -icount ... and more than one vCPU. It makes the
 * order in which QEMU's main-loop thread and its vCPU thread (the one thread
 * that runs every vCPU in turn) take the big lock a function of the guest's
 * execution instead of the host's scheduler:
 *
 * - every time the vCPU thread is about to take the big lock, the main loop
 *   first runs one full pass (it is woken out of ppoll() for that through an
 *   eventfd of ours that is added to its poll set), and the vCPU thread goes
 *   on only when the main loop is back in ppoll();
 * - while the vCPU thread waits in a condition variable (every vCPU idle, or
 *   waiting for the main loop), the main loop runs freely;
 * - at any other time the main loop, woken for whatever reason, is held on
 *   its way out of ppoll() until one of the two happens.
 *
 * Why (doc/design.md, "Two-vCPU boots: the cause (session 11)"): under
 * -icount the vCPU thread runs the virtual-clock timers itself, and each
 * time it does it also wakes the main loop, which runs any virtual-clock
 * timer that has expired by the time it gets the lock. When a vCPU's slice
 * ends at a timer's deadline and the vCPU thread runs that timer itself, the
 * next vCPU gets a budget of zero instructions and the first vCPU runs
 * again; when the main loop got there first, the next vCPU gets a real
 * slice. So which vCPU runs, and when, depended on the host's scheduler, and
 * a vCPU that waits for another by spinning (SeaBIOS bringing up the second
 * CPU does) made progress only through the main loop. With this library the
 * main loop always gets there first, at points fixed by the guest.
 *
 * Experimental: every pass is a thread hand-off, and the 7.3 kernel's early
 * boot, which takes the big lock for every HPET and APIC access, did not get
 * past its timer check in minutes (1.7 million hand-offs in 100 s), so
 * nothing uses it by default.
 *
 * The vCPU thread is recognised by its name, which QEMU sets only with
 * -name debug-threads=on ("ALL CPUs/TCG" under thread=single); the big lock
 * is the mutex it passes to its first condition-variable wait (QEMU's vCPU
 * thread waits for the machine to start before anything else). Without the
 * name every call goes straight through.
 *
 * A safety valve: if either side waits for the other for two seconds while
 * the other is asleep outside the places described above (a nested poll, a
 * synchronous run_on_cpu at shutdown...), it goes on and counts that as
 * "released"; a boot with released > 0 may not repeat.
 *
 * ZCFUSE_LOCKSTEP_LOG=FILE: when a qemu-system process exits, append one line
 * with the counts: passes the vCPU thread asked for, times the main loop was
 * held, releases, the vCPU thread's waits and wake-ups.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*wait_fn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*timedwait_fn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
typedef int (*wake_fn)(pthread_cond_t *);
typedef int (*lock_fn)(pthread_mutex_t *);

static ppoll_fn real_ppoll;
static wait_fn real_wait;
static timedwait_fn real_timedwait;
static wake_fn real_signal, real_broadcast;
static lock_fn real_lock;

/* Our own state, guarded by st_lock (locked with the real function); st_cond
 * is waited on with the real functions, so our wrappers never see either. */
static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond = PTHREAD_COND_INITIALIZER;
static int vcpu_known;            /* the vCPU thread has been seen */
static pid_t vcpu_tid, main_tid;
static pthread_mutex_t *bql;      /* the big lock */
static int vcpu_waiting;          /* it waits, and nobody signalled it since */
static pthread_cond_t *vcpu_cond; /* what it waits on */
static int main_polling;          /* the main loop is in ppoll() (ours) */
static int pass_wanted;           /* the vCPU thread asked for a pass */
static unsigned long pass_seq;    /* main-loop entries into ppoll() */
static int wake_fd = -1;
static unsigned long passes, held, released, waits, wakes;
static int is_qemu;

static __thread int role; /* 0 unknown, 1 the vCPU thread, 2 another */

static void *next(const char *name, const char *ver)
{
	void *p = ver ? dlvsym(RTLD_NEXT, name, ver) : NULL;
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	if (!p) {
		fprintf(stderr, "zcfuse-qemu-lockstep: %s not found\n", name);
		abort();
	}
	return p;
}

static void report(void)
{
	const char *f = getenv("ZCFUSE_LOCKSTEP_LOG");
	FILE *o;

	if (!is_qemu || !f || !*f || !(o = fopen(f, "a")))
		return;
	fprintf(o, "zcfuse-qemu-lockstep: vcpu_thread=%s passes=%lu main_loop_held=%lu released=%lu vcpu_waits=%lu vcpu_wakes=%lu\n",
		vcpu_known ? "found" : "not-found", passes, held, released, waits, wakes);
	fclose(o);
}

/* The real functions; other libraries' constructors may lock mutexes
 * before ours runs, so every wrapper makes sure they are there. */
static void resolve(void)
{
	if (real_lock)
		return;
	real_ppoll = (ppoll_fn)next("ppoll", "GLIBC_2.4");
	real_wait = (wait_fn)next("pthread_cond_wait", "GLIBC_2.3.2");
	real_timedwait = (timedwait_fn)next("pthread_cond_timedwait", "GLIBC_2.3.2");
	real_signal = (wake_fn)next("pthread_cond_signal", "GLIBC_2.3.2");
	real_broadcast = (wake_fn)next("pthread_cond_broadcast", "GLIBC_2.3.2");
	real_lock = (lock_fn)next("pthread_mutex_lock", NULL);
}

__attribute__((constructor)) static void init(void)
{
	char exe[256];
	ssize_t n;

	resolve();
	main_tid = getpid();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	is_qemu = strstr(exe, "qemu-system") != NULL;
	if (is_qemu)
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	atexit(report);
}

static int is_vcpu_thread(void)
{
	if (role == 0) {
		char comm[32] = "";
		int fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, comm, sizeof(comm) - 1);
			comm[n > 0 ? n : 0] = 0;
			close(fd);
		}
		role = is_qemu && wake_fd >= 0 && strncmp(comm, "ALL CPUs/TCG", 12) == 0 ? 1 : 2;
	}
	return role == 1;
}

/* Is thread tid asleep (state S or D in /proc)? */
static int asleep(pid_t tid)
{
	char p[64], buf[512], *c;
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/task/%d/stat", (int)tid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	c = strrchr(buf, ')');
	return c && c[1] == ' ' && (c[2] == 'S' || c[2] == 'D');
}

/* Wait on st_cond (st_lock held) for at most a second; 1 if it timed out. */
static int wait_a_second(void)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 1;
	return real_timedwait(&st_cond, &st_lock, &dl) == ETIMEDOUT;
}

static void enter_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	real_lock(&st_lock);
	if (!vcpu_known) {
		vcpu_known = 1;
		vcpu_tid = (pid_t)syscall(SYS_gettid);
		bql = m;
	}
	vcpu_cond = c;
	vcpu_waiting = 1;
	waits++;
	real_broadcast(&st_cond);
	pthread_mutex_unlock(&st_lock);
}

static void leave_wait(void)
{
	real_lock(&st_lock);
	vcpu_waiting = 0;
	vcpu_cond = NULL;
	pthread_mutex_unlock(&st_lock);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	int r;
	resolve();

	if (!is_vcpu_thread())
		return real_wait(c, m);
	enter_wait(c, m);
	r = real_wait(c, m);
	leave_wait();
	return r;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	int r;
	resolve();

	if (!is_vcpu_thread())
		return real_timedwait(c, m, t);
	enter_wait(c, m);
	r = real_timedwait(c, m, t);
	leave_wait();
	return r;
}

/* A wake-up of what the vCPU thread waits on: from here until it waits
 * again, it may run. */
static void woken(pthread_cond_t *c)
{
	real_lock(&st_lock);
	if (vcpu_waiting && c == vcpu_cond) {
		vcpu_waiting = 0;
		wakes++;
	}
	pthread_mutex_unlock(&st_lock);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	resolve();
	woken(c);
	return real_signal(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	resolve();
	woken(c);
	return real_broadcast(c);
}

/* The vCPU thread takes the big lock: one main-loop pass first. */
int pthread_mutex_lock(pthread_mutex_t *m)
{
	resolve();
	if (m == bql && bql && role == 1) {
		uint64_t one = 1;
		unsigned long seq;
		int stuck = 0;

		real_lock(&st_lock);
		/* the main loop may still be on its way back into ppoll() */
		while (!main_polling && stuck < 2) {
			if (!wait_a_second())
				continue;
			stuck = asleep(main_tid) && !main_polling ? stuck + 1 : 0;
		}
		if (main_polling) {
			stuck = 0;
			seq = pass_seq;
			pass_wanted = 1;
			passes++;
			if (write(wake_fd, &one, sizeof(one)) < 0) {
				/* the counter is full: main is awake anyway */
			}
			real_broadcast(&st_cond);
			while (pass_seq == seq) {
				if (!wait_a_second())
					continue;
				stuck = asleep(main_tid) && !main_polling ? stuck + 1 : 0;
				if (stuck >= 2)
					break;
			}
		}
		if (stuck >= 2) {
			released++;
			pass_wanted = 0;
		}
		pthread_mutex_unlock(&st_lock);
	}
	return real_lock(m);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	struct pollfd *all = NULL;
	int r, e, stuck = 0;
	uint64_t v;

	resolve();
	if (!vcpu_known || syscall(SYS_gettid) != main_tid || n > 4096)
		return real_ppoll(fds, n, t, mask);

	/* the pass before this call is over */
	real_lock(&st_lock);
	main_polling = 1;
	pass_seq++;
	real_broadcast(&st_cond);
	pthread_mutex_unlock(&st_lock);

	all = malloc((n + 1) * sizeof(*all));
	if (!all)
		abort();
	memcpy(all, fds, n * sizeof(*fds));
	all[n].fd = wake_fd;
	all[n].events = POLLIN;
	all[n].revents = 0;
	r = real_ppoll(all, n + 1, t, mask);
	e = errno;
	if (r > 0) {
		memcpy(fds, all, n * sizeof(*fds));
		if (all[n].revents) {
			r--;
			if (read(wake_fd, &v, sizeof(v)) < 0) {
				/* already read */
			}
		}
	} else if (r == 0) {
		memcpy(fds, all, n * sizeof(*fds));
	}
	free(all);

	/* go on only for a pass the vCPU thread asked for, or while it waits */
	real_lock(&st_lock);
	if (!pass_wanted && !vcpu_waiting)
		held++;
	while (!pass_wanted && !vcpu_waiting) {
		if (!wait_a_second())
			continue;
		stuck = asleep(vcpu_tid) ? stuck + 1 : 0;
		if (stuck >= 2) {
			released++;
			break;
		}
	}
	pass_wanted = 0;
	main_polling = 0;
	pthread_mutex_unlock(&st_lock);
	errno = e;
	return r;
}
