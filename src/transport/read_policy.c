/* SPDX-License-Identifier: MIT */
/*
 * Where a backing read runs, per session and size class, from measurement
 * (read_policy.h says what and why; doc/design.md, "Where a backing read
 * runs", says how it was chosen).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport/transport.h"
#include "transport/read_policy.h"

const char *const zcf_rp_reason_names[ZCF_RPR_MAX] = {
	[ZCF_RPR_NO_RING] = "sync_no_ring",
	[ZCF_RPR_MAY_BLOCK] = "ring_may_block",
	[ZCF_RPR_ZERO_COPY] = "ring_zero_copy",
	[ZCF_RPR_IDLE] = "inline_idle_queue",
	[ZCF_RPR_ONE_CPU] = "inline_one_cpu",
	[ZCF_RPR_MEASURED_INLINE] = "inline_measured",
	[ZCF_RPR_MEASURED_WORKER] = "worker_measured",
	[ZCF_RPR_PROBE_INLINE] = "inline_probe",
	[ZCF_RPR_PROBE_WORKER] = "worker_probe",
	[ZCF_RPR_FORCED_INLINE] = "inline_forced",
	[ZCF_RPR_FORCED_WORKER] = "worker_forced",
};

unsigned zcf_rp_class_of(uint64_t len)
{
	unsigned c = 0;

	while (c < ZCF_RP_CLASSES - 1 && len > (4096ull << c))
		c++;
	return c;
}

const char *zcf_rp_class_name(unsigned cls)
{
	static const char *const names[ZCF_RP_CLASSES] = {
		"4K", "8K", "16K", "32K", "64K", "128K", "256K", "512K", "over512K",
	};

	return cls < ZCF_RP_CLASSES ? names[cls] : "?";
}

void zcf_rp_class_init(struct zcf_rp_class *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = ZCF_RP_INLINE; /* the cheaper in CPU until measured otherwise */
	c->probe_every = 1;      /* learn the other mode after the first window */
}

static enum zcf_rp_mode running(const struct zcf_rp_class *c)
{
	return c->probing ? (enum zcf_rp_mode)!c->mode : (enum zcf_rp_mode)c->mode;
}

/* Why a read runs in mode @m: measured, or a probe of the other mode. */
static enum zcf_rp_reason reason_of(enum zcf_rp_mode m, bool probing)
{
	if (probing)
		return m == ZCF_RP_WORKER ? ZCF_RPR_PROBE_WORKER : ZCF_RPR_PROBE_INLINE;
	return m == ZCF_RP_WORKER ? ZCF_RPR_MEASURED_WORKER : ZCF_RPR_MEASURED_INLINE;
}

enum zcf_rp_mode zcf_rp_current(const struct zcf_rp_class *c, enum zcf_rp_reason *why)
{
	enum zcf_rp_mode m = running(c);

	if (why)
		*why = reason_of(m, c->probing);
	return m;
}

/*
 * Does the worker's extra CPU per read (@cw against @ci) stay within its
 * share of the throughput it gains (@rw against @ri; @slack: 1 to move
 * there, ZCF_RP_STAY_WORKER to stay)? Unknown CPU figures do not vote.
 */
static bool worker_pays(double ri, double rw, double ci, double cw, double slack)
{
	if (ci <= 0 || cw <= 0 || ri <= 0)
		return true;
	return cw <= ci * (1 + ZCF_RP_CPU_SHARE * (rw / ri - 1)) * slack;
}

static double smooth(double old, double now)
{
	return old > 0 ? (old + now) / 2 : now;
}

/* The mean of two figures, either of which may be unknown (0). */
static double mean_known(double a, double b)
{
	return a > 0 && b > 0 ? (a + b) / 2 : a > 0 ? a : b;
}

/*
 * The settled window after a probe ended with @rate and @cpu: the probe
 * against the mean of its two neighbours.
 */
static void decide(struct zcf_rp_class *c, double rate, double cpu)
{
	double ref = mean_known(c->last_rate, rate), ref_cpu = mean_known(c->last_cpu, cpu);
	double ri, rw, ci, cw;
	enum zcf_rp_mode want = c->mode;

	if (c->mode == ZCF_RP_INLINE) {
		ri = ref, ci = ref_cpu, rw = c->probe_rate, cw = c->probe_cpu;
		if (rw > ri * ZCF_RP_TO_WORKER && worker_pays(ri, rw, ci, cw, 1))
			want = ZCF_RP_WORKER;
	} else {
		rw = ref, cw = ref_cpu, ri = c->probe_rate, ci = c->probe_cpu;
		if (rw < ri * ZCF_RP_STAY_WORKER || !worker_pays(ri, rw, ci, cw, ZCF_RP_STAY_WORKER))
			want = ZCF_RP_INLINE;
	}
	if (want == c->mode) {
		c->confirm = 0;
		c->probe_every = c->probe_every * 2 > ZCF_RP_PROBE_MAX ? ZCF_RP_PROBE_MAX
									: c->probe_every * 2;
		if (c->probe_every < ZCF_RP_PROBE_MIN)
			c->probe_every = ZCF_RP_PROBE_MIN;
		return;
	}
	if (++c->confirm < ZCF_RP_CONFIRM) { /* once more, at once */
		c->probing = true;
		c->probes++;
		return;
	}
	c->mode = (uint8_t)want;
	c->confirm = 0;
	c->switches++;
	c->windows = 0;
	c->probe_every = ZCF_RP_PROBE_MIN;
}

void zcf_rp_judge(struct zcf_rp_class *c, double rate, double cpu)
{
	enum zcf_rp_mode m = running(c);

	c->judged++;
	if (c->probing) { /* the other mode, judged at the next settled window */
		c->rate[m] = c->probe_rate = rate;
		c->probe_cpu = cpu;
		if (cpu > 0)
			c->cpu[m] = cpu;
		c->probing = false;
		c->bracket = true;
		return;
	}
	/* The settled mode: smoothed, as it is measured again and again. */
	c->rate[m] = smooth(c->rate[m], rate);
	if (cpu > 0)
		c->cpu[m] = smooth(c->cpu[m], cpu);
	if (c->bracket) {
		c->bracket = false;
		decide(c, rate, cpu);
	} else if (++c->windows >= c->probe_every) {
		c->windows = 0;
		c->probing = true;
		c->probes++;
	}
	c->last_rate = rate;
	c->last_cpu = cpu;
}

/* ---- Per-queue state ---- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;

	if (clock_gettime(id, &t))
		return 0;
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t zcf_rp_now(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t zcf_rp_cpu_now(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

void zcf_rp_init(struct zcfuse_session *se)
{
	unsigned i;

	/* The rest starts at zero (the session is allocated zeroed): inline, no window. */
	for (i = 0; i < ZCF_RP_CLASSES; i++)
		zcf_rp_class_init(&se->rp_verdict[i].c);
}

static uint8_t published(const struct zcf_rp_class *c)
{
	return (uint8_t)(running(c) | (c->probing ? ZCF_RP_PROBING : 0));
}

enum zcf_rp_mode zcf_rp_mode_now(struct zcfuse_session *se, unsigned cls,
				 enum zcf_rp_reason *why)
{
	unsigned r = atomic_load_explicit(&se->rp_verdict[cls].running, memory_order_relaxed);
	enum zcf_rp_mode m = (enum zcf_rp_mode)(r & 1);

	if (why)
		*why = reason_of(m, r & ZCF_RP_PROBING);
	return m;
}

static ZCF_TLS struct {
	uint64_t se_id;
	struct zcf_rp_queue *q;
} tls_rp;

struct zcf_rp_queue *zcf_rp_mine(struct zcfuse_session *se)
{
	struct zcf_rp_queue *q;

	if (tls_rp.se_id == se->pc.counters.id && se->pc.counters.id)
		return tls_rp.q;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->clock = zcf_rp_now;
	q->cpu_clock = zcf_rp_cpu_now;
	pthread_mutex_lock(&se->pc.lock);
	q->id = se->rp_nqueues++;
	atomic_store(&q->next, atomic_load(&se->rp_queues));
	atomic_store(&se->rp_queues, q);
	pthread_mutex_unlock(&se->pc.lock);
	if (se->pc.counters.id) { /* unit tests' sessions have no id: no cache */
		tls_rp.se_id = se->pc.counters.id;
		tls_rp.q = q;
	}
	return q;
}

/* Completed reads of class @cls on every queue of the session. */
static uint64_t session_done(struct zcfuse_session *se, unsigned cls)
{
	struct zcf_rp_queue *q;
	uint64_t n = 0;

	for (q = atomic_load(&se->rp_queues); q; q = atomic_load(&q->next))
		n += atomic_load_explicit(&q->done[cls], memory_order_relaxed);
	return n;
}

uint64_t zcf_rp_start(struct zcf_rp_queue *q)
{
	return q->started++ % ZCF_RP_TIME_EVERY ? 0 : q->clock();
}

/*
 * The session's window of class @cls at @now (held: judging): open it, or
 * close it if it is long enough and judge it.
 */
static void window_check(struct zcfuse_session *se, struct zcf_rp_queue *q,
			 struct zcf_rp_verdict *v, unsigned cls, uint64_t now)
{
	uint64_t t0 = atomic_load_explicit(&v->win_t0, memory_order_relaxed);
	uint64_t got, cpu;
	double per;

	if (!t0) {
		v->win_done0 = session_done(se, cls);
		v->win_cpu0 = q->cpu_clock();
		atomic_store_explicit(&v->win_t0, now, memory_order_relaxed);
		return;
	}
	got = session_done(se, cls) - v->win_done0;
	if (now <= t0 || now - t0 < ZCF_RP_WIN_NS || got < ZCF_RP_WIN_READS)
		return;
	cpu = q->cpu_clock();
	per = v->win_cpu0 && cpu > v->win_cpu0 ? (double)(cpu - v->win_cpu0) / 1e9 / (double)got
					       : 0;
	zcf_rp_judge(&v->c, (double)got * 1e9 / (double)(now - t0), per);
	/* The next window opens at the first check in the new mode. */
	atomic_store_explicit(&v->win_t0, 0, memory_order_relaxed);
	atomic_store_explicit(&v->running, published(&v->c), memory_order_relaxed);
}

void zcf_rp_done(struct zcfuse_session *se, struct zcf_rp_queue *q, unsigned cls,
		 enum zcf_rp_mode m, bool contested, uint64_t t0)
{
	struct zcf_rp_verdict *v = &se->rp_verdict[cls];
	uint64_t now = 0, w0;

	/* One writer (the queue thread); others only read it. */
	atomic_store_explicit(&q->done[cls],
			      atomic_load_explicit(&q->done[cls], memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (!contested)
		return;
	if (t0) {
		now = q->clock();
		q->svc_ns[cls][m] += now - t0;
		q->svc_n[cls][m]++;
	}
	/* Reads started before the window changed mode belong to no window. */
	if (m != zcf_rp_mode_now(se, cls, NULL))
		return;
	/* The window is looked at every ZCF_RP_TIME_EVERY such reads of this queue. */
	if (++q->seen[cls] % ZCF_RP_TIME_EVERY && !now)
		return;
	if (!now)
		now = q->clock();
	w0 = atomic_load_explicit(&v->win_t0, memory_order_relaxed);
	if (w0 && (now <= w0 || now - w0 < ZCF_RP_WIN_NS))
		return;
	if (atomic_exchange_explicit(&v->judging, true, memory_order_acquire))
		return; /* another queue is at it */
	window_check(se, q, v, cls, now);
	atomic_store_explicit(&v->judging, false, memory_order_release);
}

void zcf_rp_write_json(struct zcfuse_session *se, FILE *f)
{
	struct zcf_rp_queue *q;
	bool first = true, firstq = true;
	unsigned i;

	fprintf(f, "\n    \"classes\": {");
	for (i = 0; i < ZCF_RP_CLASSES; i++) {
		const struct zcf_rp_class *c = &se->rp_verdict[i].c;

		if (!c->judged)
			continue;
		fprintf(f, "%s\n      \"%s\": {\"mode\": \"%s\", \"windows\": %u, \"probes\": %u, "
			"\"switches\": %u, \"reads_per_s_inline\": %.0f, \"reads_per_s_worker\": %.0f, "
			"\"cpu_us_per_read_inline\": %.2f, \"cpu_us_per_read_worker\": %.2f}",
			first ? "" : ",", zcf_rp_class_name(i),
			c->mode == ZCF_RP_WORKER ? "worker" : "inline", c->judged, c->probes,
			c->switches, c->rate[0], c->rate[1], c->cpu[0] * 1e6, c->cpu[1] * 1e6);
		first = false;
	}
	fprintf(f, "%s},\n    \"queues\": [", first ? "" : "\n    ");
	for (q = atomic_load(&se->rp_queues); q; q = atomic_load(&q->next)) {
		first = true;
		fprintf(f, "%s\n      {\"queue\": %u, \"classes\": {", firstq ? "" : ",", q->id);
		firstq = false;
		for (i = 0; i < ZCF_RP_CLASSES; i++) {
			const uint64_t *ns = q->svc_ns[i], *n = q->svc_n[i];

			if (!n[0] && !n[1])
				continue;
			fprintf(f, "%s\n        \"%s\": {\"reads\": %llu, \"timed_inline_reads\": %llu, "
				"\"inline_us\": %.2f, \"timed_worker_reads\": %llu, "
				"\"worker_latency_us\": %.2f}",
				first ? "" : ",", zcf_rp_class_name(i),
				(unsigned long long)atomic_load(&q->done[i]), (unsigned long long)n[0],
				n[0] ? (double)ns[0] / (double)n[0] / 1e3 : 0.0, (unsigned long long)n[1],
				n[1] ? (double)ns[1] / (double)n[1] / 1e3 : 0.0);
			first = false;
		}
		fprintf(f, "%s}}", first ? "" : "\n      ");
	}
	fprintf(f, "\n    ]");
}

void zcf_rp_free(struct zcfuse_session *se)
{
	struct zcf_rp_queue *q = atomic_exchange(&se->rp_queues, NULL), *next;

	for (; q; q = next) {
		next = atomic_load(&q->next);
		free(q);
	}
	se->rp_nqueues = 0;
}
