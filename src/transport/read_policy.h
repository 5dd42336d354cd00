/* SPDX-License-Identifier: MIT */
/*
 * Where a backing read runs, decided per session at run time (read_policy.c).
 *
 * A read of a file that can be read inline (a memory filesystem: no
 * non-blocking I/O, so io_uring would always hand it to an io-wq worker) on
 * a queue that has other work in flight can go either way: inline on the
 * queue thread, or to a worker on another CPU so that the copy overlaps the
 * queue's own work. Which is faster depends on the machine (what a cross-CPU
 * wake-up costs), on whether the other CPUs are free, and on the read size,
 * so the session measures it: per size class it runs windows of reads in
 * the settled mode on every queue and, now and then, a probe window in the
 * other mode, compares the session's completed reads per second in that
 * class, and switches only when the other mode wins by a margin twice in a
 * row. One verdict for all queues: a queue judging alone would measure the
 * session's rate while another queue ran the other mode.
 *
 * The judging part (zcf_rp_judge) is a pure function of the observations,
 * so tests drive it with synthetic ones.
 */
#ifndef ZCFUSE_TRANSPORT_READ_POLICY_H
#define ZCFUSE_TRANSPORT_READ_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

struct zcfuse_session;

enum zcf_rp_mode { ZCF_RP_INLINE = 0, ZCF_RP_WORKER = 1 };

/* enum zcf_rp_reason is core/core.h's: the counters are indexed by it. */
extern const char *const zcf_rp_reason_names[ZCF_RPR_MAX];

/* Size classes: up to 4K, 8K, ..., 512K, and above. */
#define ZCF_RP_CLASSES 9
unsigned zcf_rp_class_of(uint64_t len);
const char *zcf_rp_class_name(unsigned cls);

/* The judge's state for one size class (zcf_rp_judge's). */
struct zcf_rp_class {
	uint8_t mode;          /* enum zcf_rp_mode: the settled mode */
	bool probing;          /* the current window runs the other mode */
	uint8_t confirm;       /* probes in a row that said "switch" */
	uint32_t windows;      /* windows since the last probe */
	uint32_t probe_every;  /* windows between probes (backs off to a maximum) */
	bool bracket;          /* a probe ended: the next settled window decides */
	double rate[2];        /* reads per second measured in each mode, 0: never */
	double cpu[2];         /* process CPU seconds per read in each mode, 0: unknown */
	double last_rate, last_cpu; /* the last settled window's, unsmoothed */
	double probe_rate, probe_cpu; /* the probe being judged */
	uint32_t switches, probes, judged;
};

/*
 * The session's verdict on one size class. Every queue reads its reads'
 * mode from @running; windows are the session's (one at a time, whichever
 * queue's completion finds it ended closes it), so a queue never judges a
 * window in which another queue ran the other mode.
 */
struct zcf_rp_verdict {
	_Atomic uint8_t running;  /* the mode reads start in, | ZCF_RP_PROBING */
	_Atomic bool judging;     /* held by the thread opening or closing a window */
	_Atomic uint64_t win_t0;  /* the window's start, 0: opens at the next check */
	uint64_t win_done0, win_cpu0; /* the session's reads and CPU then (judging's) */
	struct zcf_rp_class c;    /* changed only under judging */
};
#define ZCF_RP_PROBING 2u

/*
 * Judging thresholds (dimensionless, the same on every machine): the worker
 * must beat inline by ZCF_RP_TO_WORKER (it costs more CPU: a wake-up and a
 * second thread), and stays only while it beats inline by ZCF_RP_STAY_WORKER;
 * in between, the class keeps its mode. A probe is compared with the mean
 * of the settled windows on either side of it, so a rate that drifts on its
 * own (a ramp, load elsewhere) does not favour whichever mode ran later. A
 * switch needs ZCF_RP_CONFIRM probes in a row. Where both modes' CPU per read is known, the worker must also
 * pay for itself: its CPU per read may exceed inline's by at most
 * ZCF_RP_CPU_SHARE of its throughput gain (1.5x the reads for at most 1.25x
 * the CPU per read), with ZCF_RP_STAY_WORKER's slack once it runs.
 */
#define ZCF_RP_TO_WORKER 1.08
#define ZCF_RP_STAY_WORKER 1.03
#define ZCF_RP_CONFIRM 2
#define ZCF_RP_CPU_SHARE 0.5
#define ZCF_RP_PROBE_MIN 4   /* windows between probes after a change */
#define ZCF_RP_PROBE_MAX 64  /* ... backing off to this while nothing changes */
/* A window: at least this many reads of the class and this long. */
#define ZCF_RP_WIN_READS 32
#define ZCF_RP_WIN_NS 10000000ull
/*
 * The clock is read for one contested read in ZCF_RP_TIME_EVERY (its service
 * time, for the stats), at a window's first read, and then once every
 * ZCF_RP_TIME_EVERY reads to see whether the window is long enough: a
 * window of 10 ms holds hundreds of reads, so it ends at most that many
 * reads late, and a read pays no clock of its own.
 */
#define ZCF_RP_TIME_EVERY 16

void zcf_rp_class_init(struct zcf_rp_class *c);
/* The mode the next read of the class runs in, with its reason. */
enum zcf_rp_mode zcf_rp_current(const struct zcf_rp_class *c, enum zcf_rp_reason *why);
/*
 * A window ended having measured @rate reads per second and @cpu process
 * CPU seconds per read (0: not measured) in the mode it ran (zcf_rp_current's).
 * Updates the class and opens the next window.
 */
void zcf_rp_judge(struct zcf_rp_class *c, double rate, double cpu);
/* The process's CPU time so far, in ns (all threads: io-wq workers too). */
uint64_t zcf_rp_cpu_now(void);

/* ---- Per-queue state, kept by the queue thread (backing.c uses these) ---- */

struct zcf_rp_queue {
	_Atomic uint64_t done[ZCF_RP_CLASSES]; /* this queue's completed reads */
	_Atomic(struct zcf_rp_queue *) next;  /* the session's list */
	unsigned id;
	uint32_t started;                     /* contested reads begun (zcf_rp_start) */
	uint32_t seen[ZCF_RP_CLASSES];        /* contested completions in the running mode */
	/* service observations: inline pread time, worker completion latency */
	uint64_t svc_ns[ZCF_RP_CLASSES][2], svc_n[ZCF_RP_CLASSES][2]; /* timed reads only */
	uint64_t (*clock)(void);              /* zcf_rp_now; tests give their own */
	uint64_t (*cpu_clock)(void);          /* zcf_rp_cpu_now; likewise */
};

/* Every class starts inline, its first window opening at the first check
 * (@se zeroed: the verdicts' other fields start at zero). */
void zcf_rp_init(struct zcfuse_session *se);
/* The mode a contested read of class @cls runs in now, with its reason. */
enum zcf_rp_mode zcf_rp_mode_now(struct zcfuse_session *se, unsigned cls,
				 enum zcf_rp_reason *why);
/* The calling thread's queue state for @se (made on first use), or NULL. */
struct zcf_rp_queue *zcf_rp_mine(struct zcfuse_session *se);
/* A contested read begins: its start time if it is one of the timed ones, else 0. */
uint64_t zcf_rp_start(struct zcf_rp_queue *q);
/*
 * A read of class @cls completed in mode @m; @t0 is zcf_rp_start's answer
 * (0: not timed). Counts, and maybe judges.
 */
void zcf_rp_done(struct zcfuse_session *se, struct zcf_rp_queue *q, unsigned cls,
		 enum zcf_rp_mode m, bool contested, uint64_t t0);
uint64_t zcf_rp_now(void);
/* The stats JSON's "read_placement" members "classes" and "queues". */
void zcf_rp_write_json(struct zcfuse_session *se, FILE *f);
void zcf_rp_free(struct zcfuse_session *se);

#endif
