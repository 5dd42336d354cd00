/* SPDX-License-Identifier: MIT */
/*
 * Where a backing read runs (transport/read_policy.c), on synthetic
 * observations: a clearly faster mode is found and kept, a tie or noise
 * never makes a size class flap, one outlier probe does not switch, a
 * change of regime is followed within a bounded number of windows, probes
 * back off while nothing changes, and the window glue turns completions and
 * clock readings into the rates the judge sees.
 */
#include <string.h>

#include "transport/transport.h"
#include "transport/read_policy.h"
#include "test.h"

static uint64_t seed = 12345;

/* Deterministic noise in [-1, 1]. */
static double noise(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(seed >> 11) / (double)(1ull << 52) - 1.0;
}

/*
 * Runs @windows windows where inline measures @ri reads/s at @ci CPU seconds
 * per read and the worker @rw at @cw (rates +-@jit; CPU 0: not measured).
 */
static void sim_cpu(struct zcf_rp_class *c, double ri, double rw, double ci, double cw,
		    double jit, unsigned windows)
{
	unsigned i;

	for (i = 0; i < windows; i++) {
		enum zcf_rp_mode m = zcf_rp_current(c, NULL);
		double cpu = m == ZCF_RP_INLINE ? ci : cw;

		zcf_rp_judge(c, (m == ZCF_RP_INLINE ? ri : rw) * (1 + jit * noise()),
			     cpu * (1 + jit * noise()));
	}
}

static void sim(struct zcf_rp_class *c, double ri, double rw, double jit, unsigned windows)
{
	sim_cpu(c, ri, rw, 0, 0, jit, windows);
}

static void test_classes(void)
{
	T_EQ(zcf_rp_class_of(1), 0, "1 byte");
	T_EQ(zcf_rp_class_of(4096), 0, "4K");
	T_EQ(zcf_rp_class_of(4097), 1, "just over 4K");
	T_EQ(zcf_rp_class_of(32768), 3, "32K");
	T_EQ(zcf_rp_class_of(131072), 5, "128K");
	T_EQ(zcf_rp_class_of(1u << 20), 8, "1M");
	T_EQ(zcf_rp_class_of(1ull << 40), 8, "huge");
	T_CHECK(!strcmp(zcf_rp_class_name(5), "128K"), "name %s", zcf_rp_class_name(5));
}

static void test_worker_wins(void)
{
	struct zcf_rp_class c;
	enum zcf_rp_reason why;

	zcf_rp_class_init(&c);
	T_EQ(zcf_rp_current(&c, &why), ZCF_RP_INLINE, "starts inline (the cheaper)");
	T_EQ(why, ZCF_RPR_MEASURED_INLINE, "reason");
	sim(&c, 20000, 30000, 0.03, 6);
	T_EQ(c.mode, ZCF_RP_WORKER, "1.5x faster worker chosen within 6 windows");
	T_EQ(c.switches, 1, "one switch");
	sim(&c, 20000, 30000, 0.03, 2000);
	T_EQ(c.mode, ZCF_RP_WORKER, "kept");
	T_EQ(c.switches, 1, "no flapping over 2000 windows");
	T_CHECK(c.probes < 2000 / ZCF_RP_PROBE_MAX + 10, "probes back off: %u", c.probes);
	/* A probe window runs the other mode, and says so. */
	while (!c.probing)
		sim(&c, 20000, 30000, 0, 1);
	T_EQ(zcf_rp_current(&c, &why), ZCF_RP_INLINE, "probe runs inline");
	T_EQ(why, ZCF_RPR_PROBE_INLINE, "probe reason");
}

static void test_inline_wins(void)
{
	struct zcf_rp_class c;

	zcf_rp_class_init(&c);
	sim(&c, 30000, 22000, 0.03, 3000);
	T_EQ(c.mode, ZCF_RP_INLINE, "inline kept when faster");
	T_EQ(c.switches, 0, "never switched");
	T_CHECK(c.probes < 3000 / ZCF_RP_PROBE_MAX + 10, "probes back off: %u", c.probes);
}

static void test_tie_never_flaps(void)
{
	struct zcf_rp_class c;

	/* Equal, +-3% noise each: the ratio stays within the hysteresis band. */
	zcf_rp_class_init(&c);
	sim(&c, 25000, 25000, 0.03, 10000);
	T_EQ(c.switches, 0, "tie from inline: no switch");
	T_EQ(c.mode, ZCF_RP_INLINE, "stays inline");
	/* Worker only 5% better: inside the band, so inline (cheaper in CPU) stays. */
	zcf_rp_class_init(&c);
	sim(&c, 25000, 26250, 0.01, 10000);
	T_EQ(c.switches, 0, "worker 5%% better is not enough to move");
	/* Settled on worker, then only 5% better: inside the band, worker stays. */
	zcf_rp_class_init(&c);
	sim(&c, 20000, 30000, 0, 10);
	T_EQ(c.mode, ZCF_RP_WORKER, "settled on worker");
	sim(&c, 25000, 26250, 0.01, 10000);
	T_EQ(c.mode, ZCF_RP_WORKER, "worker 5%% better keeps worker");
	T_EQ(c.switches, 1, "no flapping inside the band");
	/* Settled on worker, then a tie: back to inline once, and no more. */
	sim(&c, 25000, 25000, 0.005, 10000);
	T_EQ(c.mode, ZCF_RP_INLINE, "a tie goes back to the cheaper mode");
	T_EQ(c.switches, 2, "exactly one switch back");
}

static void test_outlier_probe(void)
{
	struct zcf_rp_class c;
	unsigned i;

	zcf_rp_class_init(&c);
	sim(&c, 30000, 20000, 0, 500);
	T_EQ(c.mode, ZCF_RP_INLINE, "settled inline");
	/* One probe sees the worker twice as fast (a burst elsewhere), then normal. */
	while (!c.probing)
		sim(&c, 30000, 20000, 0, 1);
	zcf_rp_judge(&c, 60000, 0);
	zcf_rp_judge(&c, 30000, 0); /* the settled window it is judged against */
	T_EQ(c.switches, 0, "a single outlier does not switch");
	T_CHECK(c.probing, "it is confirmed by a second probe at once");
	for (i = 0; i < 500; i++)
		sim(&c, 30000, 20000, 0, 1);
	T_EQ(c.switches, 0, "and the confirmation failed");
	T_EQ(c.mode, ZCF_RP_INLINE, "still inline");
}

static void test_regime_change(void)
{
	struct zcf_rp_class c;
	unsigned i;

	zcf_rp_class_init(&c);
	sim(&c, 20000, 40000, 0.03, 1000);
	T_EQ(c.mode, ZCF_RP_WORKER, "worker while the other CPU is free");
	/* The other CPU becomes busy: the worker now loses. */
	for (i = 0; i < 4 * ZCF_RP_PROBE_MAX && c.mode == ZCF_RP_WORKER; i++)
		sim(&c, 20000, 14000, 0.03, 1);
	T_EQ(c.mode, ZCF_RP_INLINE, "back to inline");
	T_CHECK(i <= 2 * ZCF_RP_PROBE_MAX + ZCF_RP_CONFIRM + 1, "within %u windows", i);
	T_EQ(c.switches, 2, "two switches in all");
}

/*
 * A rate that rises on its own (fio ramping up, another program going
 * idle) favours whichever mode ran later: a probe right after a settled
 * window looks faster by the drift alone. Both modes equal, the rate
 * climbing 15% a window for 12 windows and then flat: no switch.
 */
static void test_rising_rate(void)
{
	struct zcf_rp_class c;
	double r = 10000;
	unsigned i;

	zcf_rp_class_init(&c);
	for (i = 0; i < 12; i++, r *= 1.15)
		zcf_rp_judge(&c, r, 0);
	sim(&c, r, r, 0.01, 3000);
	T_EQ(c.switches, 0, "a rising rate alone does not switch");
	T_EQ(c.mode, ZCF_RP_INLINE, "stays inline");
	/* Falling as fast: no switch either. */
	zcf_rp_class_init(&c);
	r = 40000;
	for (i = 0; i < 12; i++, r /= 1.15)
		zcf_rp_judge(&c, r, 0);
	T_EQ(c.switches, 0, "a falling rate alone does not switch");
	/* A real gain on a rising rate is still found. */
	zcf_rp_class_init(&c);
	r = 10000;
	for (i = 0; i < 12; i++, r *= 1.15)
		zcf_rp_judge(&c, zcf_rp_current(&c, NULL) == ZCF_RP_WORKER ? 1.5 * r : r, 0);
	T_EQ(c.mode, ZCF_RP_WORKER, "1.5x on a rising rate: worker chosen");
}

/* The worker must pay for its CPU with throughput (ZCF_RP_CPU_SHARE). */
static void test_cpu_cost(void)
{
	struct zcf_rp_class c;

	/* 1.2x the reads at twice the CPU per read (a cross-CPU wake-up each). */
	zcf_rp_class_init(&c);
	sim_cpu(&c, 20000, 24000, 50e-6, 100e-6, 0.03, 3000);
	T_EQ(c.mode, ZCF_RP_INLINE, "a worker that costs more than it gains is not chosen");
	T_EQ(c.switches, 0, "never switched");
	/* 1.5x the reads at 1.2x the CPU: within half the gain, chosen. */
	zcf_rp_class_init(&c);
	sim_cpu(&c, 20000, 30000, 50e-6, 60e-6, 0.01, 10);
	T_EQ(c.mode, ZCF_RP_WORKER, "a worker that pays for itself is chosen");
	/* Then its CPU per read doubles for the same gain: back to inline. */
	sim_cpu(&c, 20000, 30000, 50e-6, 100e-6, 0.01, 4 * ZCF_RP_PROBE_MAX);
	T_EQ(c.mode, ZCF_RP_INLINE, "back to inline when the worker's CPU outgrows its gain");
	T_EQ(c.switches, 2, "two switches");
	T_CHECK(c.cpu[ZCF_RP_WORKER] > 90e-6 && c.cpu[ZCF_RP_INLINE] < 55e-6,
		"CPU per read kept: inline %.1f us, worker %.1f us", c.cpu[ZCF_RP_INLINE] * 1e6,
		c.cpu[ZCF_RP_WORKER] * 1e6);
	/* Unmeasured CPU (0) does not vote: the rates alone decide. */
	zcf_rp_class_init(&c);
	sim_cpu(&c, 20000, 30000, 50e-6, 0, 0.01, 10);
	T_EQ(c.mode, ZCF_RP_WORKER, "unknown worker CPU: rates decide");
}

/* The process CPU clock the glue test's queue reads: set by the test. */
static uint64_t fake_cpu_ns;

static uint64_t fake_cpu(void)
{
	return fake_cpu_ns;
}

/* The wall clock the glue test's queue reads, and how often it was read. */
static uint64_t fake_now_ns = 1000000000ull;
static unsigned fake_now_reads;

static uint64_t fake_now(void)
{
	fake_now_reads++;
	return fake_now_ns;
}

/* A session for the glue tests: two queue states on the fake clocks. */
static void glue_session(struct zcfuse_session *se, struct zcf_rp_queue **q, unsigned nq)
{
	unsigned i;

	memset(se, 0, sizeof(*se));
	pthread_mutex_init(&se->pc.lock, NULL);
	zcf_rp_init(se);
	for (i = 0; i < nq; i++) {
		q[i] = zcf_rp_mine(se);
		T_CHECK(q[i] != NULL, "a queue state");
		if (q[i]) {
			q[i]->cpu_clock = fake_cpu;
			q[i]->clock = fake_now;
		}
	}
}

/* The glue: completions on a clock become window rates. */
static void test_windows(void)
{
	struct zcfuse_session se;
	struct zcf_rp_queue *q;
	struct zcf_rp_class *c;
	unsigned i, reads = 200000;

	glue_session(&se, &q, 1);
	if (!q)
		return;
	c = &se.rp_verdict[5].c;
	/*
	 * Inline: a 128K read every 100 us at 40 us of CPU; worker: every
	 * 50 us (both CPUs work) at 50 us (a wake-up more).
	 */
	fake_now_reads = 0;
	for (i = 0; i < reads; i++) {
		enum zcf_rp_mode m = zcf_rp_mode_now(&se, 5, NULL);
		uint64_t t0 = zcf_rp_start(q);

		fake_now_ns += m == ZCF_RP_INLINE ? 100000 : 50000;
		fake_cpu_ns += m == ZCF_RP_INLINE ? 40000 : 50000;
		zcf_rp_done(&se, q, 5, m, true, t0);
	}
	/*
	 * A read pays no clock of its own: the clock is read for one read in
	 * ZCF_RP_TIME_EVERY at each end, and at each window's ends.
	 */
	T_CHECK(fake_now_reads <= 3 * reads / ZCF_RP_TIME_EVERY + 2 * c->judged,
		"%u clock reads for %u reads in %u windows", fake_now_reads, reads, c->judged);
	T_EQ(q->svc_n[5][0] + q->svc_n[5][1], reads / ZCF_RP_TIME_EVERY, "one read in %d timed",
	     ZCF_RP_TIME_EVERY);
	T_CHECK(q->svc_ns[5][ZCF_RP_WORKER] == 50000 * q->svc_n[5][ZCF_RP_WORKER] &&
			q->svc_ns[5][ZCF_RP_INLINE] == 100000 * q->svc_n[5][ZCF_RP_INLINE],
		"service times of the timed reads");
	T_EQ(c->mode, ZCF_RP_WORKER, "measured faster mode chosen");
	T_EQ(c->switches, 1, "once");
	T_CHECK(c->rate[ZCF_RP_WORKER] > 19000 && c->rate[ZCF_RP_WORKER] < 21000,
		"worker rate %.0f/s", c->rate[ZCF_RP_WORKER]);
	T_CHECK(c->rate[ZCF_RP_INLINE] > 9500 && c->rate[ZCF_RP_INLINE] < 10500,
		"inline rate %.0f/s", c->rate[ZCF_RP_INLINE]);
	T_CHECK(c->cpu[ZCF_RP_INLINE] > 39e-6 && c->cpu[ZCF_RP_INLINE] < 41e-6 &&
			c->cpu[ZCF_RP_WORKER] > 49e-6 && c->cpu[ZCF_RP_WORKER] < 51e-6,
		"CPU per read from the clock: inline %.2f us, worker %.2f us",
		c->cpu[ZCF_RP_INLINE] * 1e6, c->cpu[ZCF_RP_WORKER] * 1e6);
	/* Reads that completed in a mode no longer running belong to no window. */
	i = q->seen[5];
	zcf_rp_done(&se, q, 5, (enum zcf_rp_mode)!zcf_rp_mode_now(&se, 5, NULL), true, 0);
	T_EQ(q->seen[5], i, "a stale-mode completion is not in the window");
	/* Uncontested reads count toward the session's rate only. */
	zcf_rp_done(&se, q, 5, ZCF_RP_INLINE, false, 0);
	T_EQ(q->seen[5], i, "uncontested reads are not judged");
	zcf_rp_free(&se);
	T_CHECK(atomic_load(&se.rp_queues) == NULL, "freed");
	pthread_mutex_destroy(&se.pc.lock);
}

/*
 * Two queues carrying one job's reads, interleaved (fio's job and its
 * workers on both CPUs). A read's time depends on what both queues run:
 * 100 us when both read inline, 50 us when both hand reads to workers,
 * 110 us when they differ (one queue's workers compete with the other's
 * inline copies on its CPU). A queue judging alone (the design before
 * session 12) probed the worker while the other queue ran inline, and so
 * measured mixtures: its rates came out 9.1K instead of 10K, and both
 * queues ran windows, twice as many as time allows. With one verdict every
 * window measures one mode, one window at a time.
 */
static void test_two_queues(void)
{
	struct zcfuse_session se;
	struct zcf_rp_queue *q[2];
	struct zcf_rp_class *c;
	uint64_t t_start = fake_now_ns;
	enum zcf_rp_mode last[2] = { ZCF_RP_INLINE, ZCF_RP_INLINE };
	unsigned i, reads = 400000, on;

	glue_session(&se, q, 2);
	if (!q[0] || !q[1])
		return;
	c = &se.rp_verdict[5].c;
	for (i = 0; i < reads; i++) {
		enum zcf_rp_mode m;
		uint64_t t0;

		on = noise() > 0;
		m = last[on] = zcf_rp_mode_now(&se, 5, NULL);
		t0 = zcf_rp_start(q[on]);
		fake_now_ns += last[0] != last[1] ? 110000 : m == ZCF_RP_INLINE ? 100000 : 50000;
		fake_cpu_ns += m == ZCF_RP_INLINE ? 40000 : 50000;
		zcf_rp_done(&se, q[on], 5, m, true, t0);
	}
	T_EQ(c->mode, ZCF_RP_WORKER, "the faster mode chosen for the session");
	T_EQ(c->switches, 1, "once");
	T_CHECK(c->rate[ZCF_RP_WORKER] > 19000 && c->rate[ZCF_RP_WORKER] < 21000 &&
			c->rate[ZCF_RP_INLINE] > 9500 && c->rate[ZCF_RP_INLINE] < 10500,
		"each mode's rate measured unmixed: inline %.0f/s, worker %.0f/s",
		c->rate[ZCF_RP_INLINE], c->rate[ZCF_RP_WORKER]);
	/* One window at a time for the session: at most one per 10 ms. */
	T_CHECK(c->judged <= (fake_now_ns - t_start) / ZCF_RP_WIN_NS + 1,
		"%u windows in %.1f s", c->judged, (double)(fake_now_ns - t_start) / 1e9);
	T_CHECK(c->judged * 2 > (fake_now_ns - t_start) / ZCF_RP_WIN_NS,
		"windows keep up: %u in %.1f s", c->judged, (double)(fake_now_ns - t_start) / 1e9);
	T_CHECK(q[0]->seen[5] > 1000 && q[1]->seen[5] > 1000, "both queues judged reads: %u, %u",
		q[0]->seen[5], q[1]->seen[5]);
	zcf_rp_free(&se);
	pthread_mutex_destroy(&se.pc.lock);
}

int main(void)
{
	test_classes();
	test_worker_wins();
	test_inline_wins();
	test_tie_never_flaps();
	test_outlier_probe();
	test_regime_change();
	test_rising_rate();
	test_cpu_cost();
	test_windows();
	test_two_queues();
	return t_exit("read-policy");
}
