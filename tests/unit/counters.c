/* SPDX-License-Identifier: MIT */
/*
 * Counters (core/counters.c): a request's tally is counted once, into the
 * calling thread's shard, and the sum over shards is what was counted;
 * a slot noted twice (two backing I/Os for one request) loses neither;
 * a set without shards (no id) counts into its base.
 */
#include <pthread.h>
#include <string.h>

#include "core/core.h"
#include "test.h"

#define PER_THREAD 100000
#define THREADS 4

static struct zcf_counters set;

/* A READ over the ring: pread inline, answered in place, one of it an error. */
static void one_read(struct zcf_counters *c, unsigned i)
{
	struct zcf_tally t;

	memset(&t, 0, sizeof(t));
	t.via = ZCF_VIA_RING;
	zcf_tally_op(&t, 15, 4096);
	zcf_tally_note(c, &t, ZCF_TALLY_WHY, ZCF_RPR_IDLE, 4096);
	zcf_tally_note(c, &t, ZCF_TALLY_IO, ZCF_PATH_READ_FIXED_INLINE, 4096);
	zcf_tally_note(c, &t, ZCF_TALLY_OUT, ZCF_PATH_REPLY_INPLACE, 4096);
	zcf_counters_tally(c, &t, i % 1000 == 0 ? -5 : 0);
}

static void *reader(void *arg)
{
	for (unsigned i = 0; i < PER_THREAD; i++)
		one_read(&set, i);
	return arg;
}

static void check_reads(struct zcf_stats *s, uint64_t n, const char *what)
{
	T_EQ(atomic_load(&s->via_ring), n, "%s: via_ring", what);
	T_EQ(atomic_load(&s->via_dev), 0, "%s: via_dev", what);
	T_EQ(atomic_load(&s->op[15].n), n, "%s: READ count", what);
	T_EQ(atomic_load(&s->op[15].bytes), n * 4096, "%s: READ bytes", what);
	T_EQ(atomic_load(&s->read_reason[ZCF_RPR_IDLE].n), n, "%s: reason", what);
	T_EQ(atomic_load(&s->path[ZCF_PATH_READ_FIXED_INLINE].bytes), n * 4096, "%s: io", what);
	T_EQ(atomic_load(&s->path[ZCF_PATH_REPLY_INPLACE].n), n, "%s: reply", what);
	T_EQ(atomic_load(&s->errors), n / 1000, "%s: errors", what);
	T_EQ(atomic_load(&s->path[ZCF_PATH_REPLY_COPY].n), 0, "%s: nothing else", what);
}

int main(void)
{
	pthread_t th[THREADS];
	struct zcf_stats *sum = calloc(1, sizeof(*sum));
	struct zcf_counters plain;
	struct zcf_tally t;

	if (!sum)
		return 1;
	zcf_counters_init(&set);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	zcf_counters_sum(&set, sum);
	check_reads(sum, (uint64_t)THREADS * PER_THREAD, "4 threads' shards");
	T_EQ(atomic_load(&set.base.via_ring), 0, "the shards counted, not the base");

	/* Two backing I/Os of one request, on different paths: both count. */
	memset(&t, 0, sizeof(t));
	zcf_tally_note(&set, &t, ZCF_TALLY_IO, ZCF_PATH_READ_RING, 100);
	zcf_tally_note(&set, &t, ZCF_TALLY_IO, ZCF_PATH_READ_SYNC, 30);
	zcf_counters_tally(&set, &t, 0);
	memset(sum, 0, sizeof(*sum));
	zcf_counters_sum(&set, sum);
	T_EQ(atomic_load(&sum->path[ZCF_PATH_READ_RING].bytes), 100, "first I/O counted");
	T_EQ(atomic_load(&sum->path[ZCF_PATH_READ_SYNC].bytes), 30, "second I/O counted");
	T_EQ(atomic_load(&sum->via_ring), (uint64_t)THREADS * PER_THREAD,
	     "a tally with no via counts none");
	zcf_counters_fini(&set);

	/* A set never given an id (as in the protocol's unit tests): the base. */
	memset(&plain, 0, sizeof(plain));
	for (unsigned i = 0; i < 2000; i++)
		one_read(&plain, i);
	check_reads(&plain.base, 2000, "a set without shards");
	free(sum);
	return t_exit("counters");
}
