/* SPDX-License-Identifier: MIT */
/*
 * The machine's hand-off floor: how long one wake-up round trip between two
 * processes takes, with both on one CPU and on two CPUs. A FUSE request at
 * iodepth 1 is such a round trip (client to server and back) plus the work,
 * so no server can beat this; run-bench prints it beside its table.
 *
 * Usage: handoff [-n ROUNDS] [-j]
 * Prints "same_cpu_us X" and "cross_cpu_us Y" (or JSON with -j); a figure
 * that cannot be measured (one CPU only) is -1. Also prints what the CPU says
 * about itself ("cpu_vendor", and "cpu_hypervisor": the hypervisor's cpuid
 * signature, "none" when the hypervisor bit is clear), because the floor
 * depends on the machine kind: run-bench puts both beside every table.
 */
#include <errno.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Microseconds per round trip between a parent on @a and a child on @b; <0: -errno. */
static double round_trip_us(int a, int b, long rounds)
{
	int to_child[2], to_parent[2], status, err = 0;
	double t0 = 0, t1 = 0;
	char c = 0;
	pid_t pid;
	long i;

	if (pipe(to_child))
		return -errno;
	if (pipe(to_parent)) {
		err = -errno;
		close(to_child[0]);
		close(to_child[1]);
		return err;
	}
	pid = fork();
	if (pid == 0) {
		/* Only the parent writes to the child: EOF then ends the loop. */
		close(to_child[1]);
		close(to_parent[0]);
		if (pin(b))
			_exit(1);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	err = pin(a);
	/* A few rounds first, so both sides are settled on their CPUs. */
	for (i = -1000; !err && i < rounds; i++) {
		if (i == 0)
			t0 = now_us();
		if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
			err = -EIO;
	}
	t1 = now_us();
out:
	close(to_child[1]);
	close(to_parent[0]);
	close(to_child[0]);
	close(to_parent[1]);
	if (pid > 0) {
		if (err)
			kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) == pid && (!WIFEXITED(status) || WEXITSTATUS(status)))
			err = err ? err : -EIO;
	}
	return err ? err : (t1 - t0) / rounds;
}

/* Printable copy of @n cpuid register bytes; spaces and controls become '_'. */
static void reg_text(char *out, const unsigned *regs, int n)
{
	const unsigned char *b = (const unsigned char *)regs;
	int i, len = 0;

	for (i = 0; i < n * 4; i++)
		if (b[i])
			out[len++] = b[i] > ' ' && b[i] < 127 ? (char)b[i] : '_';
	while (len && out[len - 1] == '_') /* signatures are padded with spaces */
		len--;
	out[len] = '\0';
}

/* cpuid's vendor and hypervisor signature ("none", or "unknown" off x86). */
static void cpu_identity(char *vendor, char *hyper)
{
	strcpy(vendor, "unknown");
	strcpy(hyper, "unknown");
#if defined(__x86_64__) || defined(__i386__)
	{
		unsigned a, b, c, d, r[3];

		if (!__get_cpuid(0, &a, &b, &c, &d))
			return;
		r[0] = b, r[1] = d, r[2] = c;
		reg_text(vendor, r, 3);
		__get_cpuid(1, &a, &b, &c, &d);
		if (!(c & (1u << 31))) { /* the hypervisor-present bit */
			strcpy(hyper, "none");
			return;
		}
		__cpuid(0x40000000, a, b, c, d);
		r[0] = b, r[1] = c, r[2] = d;
		reg_text(hyper, r, 3);
		if (!*hyper)
			strcpy(hyper, "unnamed");
	}
#endif
}

int main(int argc, char *argv[])
{
	long rounds = 100000, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double same, cross = -1;
	char vendor[16], hyper[16];
	int opt, json = 0;

	while ((opt = getopt(argc, argv, "n:jh")) != -1) {
		switch (opt) {
		case 'n':
			rounds = strtol(optarg, NULL, 0);
			break;
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n ROUNDS] [-j]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (rounds < 1) {
		fprintf(stderr, "handoff: -n wants a positive number\n");
		return 2;
	}
	same = round_trip_us(0, 0, rounds);
	if (ncpu > 1)
		cross = round_trip_us(0, 1, rounds / 10 + 1);
	if (same < 0 || (ncpu > 1 && cross < 0)) {
		fprintf(stderr, "handoff: %s\n", strerror((int)-(same < 0 ? same : cross)));
		return 1;
	}
	cpu_identity(vendor, hyper);
	if (json)
		printf("{\"same_cpu_us\": %.2f, \"cross_cpu_us\": %.2f, \"cpu_vendor\": \"%s\", "
		       "\"cpu_hypervisor\": \"%s\"}\n", same, cross, vendor, hyper);
	else
		printf("same_cpu_us %.2f\ncross_cpu_us %.2f\ncpu_vendor %s\ncpu_hypervisor %s\n", same,
		       cross, vendor, hyper);
	return 0;
}
