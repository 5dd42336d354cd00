/*
 * zcfuse-qemu-lockstep.so: an LD_PRELOAD library for qemu-system-* run with
 * -accel tcg,thread=single -icount ... and more than one vCPU. It holds QEMU's
 * main-loop thread back on its way out of ppoll() until the vCPU thread (the
 * one thread that runs every vCPU in turn) is blocked in a condition variable
 * and no thread has signalled that condition variable since.
 *
 * Why (doc/design.md, "Two-vCPU boots: the cause (session 11)"): under
 * -icount the vCPU thread runs the virtual-clock timers itself at the
 * instruction counts where they expire, and every time it does, it also wakes
 * the main loop (the AioContexts' timer lists are notified with the others).
 * The main loop then takes the big lock at whatever point of the vCPU
 * thread's round robin the host's scheduler lets it, runs any virtual-clock
 * timer that has expired by then and, when every vCPU is halted, moves the
 * clock to the next deadline. Most of the time it finds nothing to do; when
 * it lands between the end of one vCPU's slice at a timer's deadline and the
 * vCPU thread's own handling of that timer, it runs the timer first, and
 * which vCPU runs next, and for how long, changes. With one vCPU that does
 * not matter; with two the guest takes another path. Held back here, the main
 * loop only ever runs while the vCPU thread waits for it (all vCPUs idle, or
 * waiting for work the main loop does), which is a point in the guest's
 * execution, not in host time.
 *
 * The vCPU thread is recognised by its name, which QEMU sets only with
 * -name debug-threads=on ("ALL CPUs/TCG" under thread=single). Without it,
 * or in any other thread, every call goes straight through.
 *
 * A safety valve: should the main loop hold a lock the vCPU thread needs
 * (a nested poll with the big lock held; qemu does that only for block
 * devices, which these guests do not have), the vCPU thread would sleep
 * outside a condition variable. The held main loop checks the vCPU thread's
 * state every second and lets go after two checks in a row that found it
 * sleeping; it counts that as "released" (a boot with released > 0 may not
 * repeat).
 *
 * ZCFUSE_LOCKSTEP_LOG=FILE: at exit, append one line with the number of
 * times the main loop was held back and released, and the vCPU thread's
 * waits and wake-ups.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*wait_fn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*timedwait_fn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
typedef int (*wake_fn)(pthread_cond_t *);

static ppoll_fn real_ppoll;
static wait_fn real_wait;
static timedwait_fn real_timedwait;
static wake_fn real_signal, real_broadcast;

/* Our own state, guarded by st_lock; st_cond is waited on with the real
 * functions so that our wrappers never see it. */
static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond = PTHREAD_COND_INITIALIZER;
static int vcpu_known;                 /* a vCPU thread has been seen */
static int vcpu_waiting;               /* it waits and nobody signalled */
static pthread_cond_t *vcpu_cond;      /* what it waits on */
static pid_t vcpu_tid;
static unsigned long held, released, waits, wakes;

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

	if (!f || !*f || !(o = fopen(f, "a")))
		return;
	fprintf(o, "zcfuse-qemu-lockstep: vcpu_thread=%s main_loop_held=%lu released=%lu vcpu_waits=%lu vcpu_wakes=%lu\n",
		vcpu_known ? "found" : "not-found", held, released, waits, wakes);
	fclose(o);
}

__attribute__((constructor)) static void init(void)
{
	real_ppoll = (ppoll_fn)next("ppoll", "GLIBC_2.4");
	real_wait = (wait_fn)next("pthread_cond_wait", "GLIBC_2.3.2");
	real_timedwait = (timedwait_fn)next("pthread_cond_timedwait", "GLIBC_2.3.2");
	real_signal = (wake_fn)next("pthread_cond_signal", "GLIBC_2.3.2");
	real_broadcast = (wake_fn)next("pthread_cond_broadcast", "GLIBC_2.3.2");
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
		role = strncmp(comm, "ALL CPUs/TCG", 12) == 0 ? 1 : 2;
	}
	return role == 1;
}

static void enter_wait(pthread_cond_t *c)
{
	pthread_mutex_lock(&st_lock);
	vcpu_known = 1;
	vcpu_tid = (pid_t)syscall(SYS_gettid);
	vcpu_cond = c;
	vcpu_waiting = 1;
	waits++;
	real_broadcast(&st_cond);
	pthread_mutex_unlock(&st_lock);
}

static void leave_wait(void)
{
	pthread_mutex_lock(&st_lock);
	vcpu_waiting = 0;
	vcpu_cond = NULL;
	pthread_mutex_unlock(&st_lock);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	int r;

	if (!is_vcpu_thread())
		return real_wait(c, m);
	enter_wait(c);
	r = real_wait(c, m);
	leave_wait();
	return r;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	int r;

	if (!is_vcpu_thread())
		return real_timedwait(c, m, t);
	enter_wait(c);
	r = real_timedwait(c, m, t);
	leave_wait();
	return r;
}

/* A wake-up of what the vCPU thread waits on: from here until it waits
 * again, it may run, so the main loop must not. */
static void woken(pthread_cond_t *c)
{
	pthread_mutex_lock(&st_lock);
	if (vcpu_waiting && c == vcpu_cond) {
		vcpu_waiting = 0;
		wakes++;
	}
	pthread_mutex_unlock(&st_lock);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	woken(c);
	return real_signal(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	woken(c);
	return real_broadcast(c);
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

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	int r = real_ppoll(fds, n, t, mask), e = errno;

	if (syscall(SYS_gettid) != getpid())
		return r;
	pthread_mutex_lock(&st_lock);
	if (vcpu_known && !vcpu_waiting) {
		int sleeping = 0;

		held++;
		while (!vcpu_waiting) {
			struct timespec dl;

			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1;
			if (real_timedwait(&st_cond, &st_lock, &dl) == 0 || vcpu_waiting)
				continue;
			/* a second without a wait: is the vCPU thread stuck? */
			sleeping = asleep(vcpu_tid) ? sleeping + 1 : 0;
			if (sleeping >= 2) {
				released++;
				break;
			}
		}
	}
	pthread_mutex_unlock(&st_lock);
	errno = e;
	return r;
}
