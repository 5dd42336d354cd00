/* SPDX-License-Identifier: MIT */
/*
 * Counters: request and data-path counts kept per thread (one shard per
 * thread and counter set) so the hot path never shares a cache line, and
 * added up when someone reads them. They know no opcode names or wire
 * format: a slot is a number.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/core.h"

static _Atomic uint64_t next_set_id;

static const char *const path_names[ZCF_PATH_MAX] = {
	[ZCF_PATH_REPLY_COPY] = "reply_copy",
	[ZCF_PATH_REPLY_INPLACE] = "reply_inplace",
	[ZCF_PATH_READ_FIXED] = "read_fixed",
	[ZCF_PATH_WRITE_FIXED] = "write_fixed",
	[ZCF_PATH_READ_SYNC] = "read_sync",
	[ZCF_PATH_READ_FIXED_INLINE] = "read_fixed_inline",
	[ZCF_PATH_WRITE_SYNC] = "write_sync",
	[ZCF_PATH_READ_RING] = "read_ring",
	[ZCF_PATH_WRITE_RING] = "write_ring",
	[ZCF_PATH_POOL] = "pool",
	[ZCF_PATH_ZC_READ] = "zero_copy_read",
	[ZCF_PATH_ZC_WRITE] = "zero_copy_write",
	[ZCF_PATH_PASSTHROUGH_OPEN] = "passthrough_open",
	[ZCF_PATH_READ_SPLICE] = "read_splice",
	[ZCF_PATH_WRITE_COPY] = "write_copy",
};

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

_Static_assert(ZCF_PATH_MAX < 255 && ZCF_RPR_MAX < 255 && ZCF_COUNTED_OPS <= 256,
	       "a tally's slots fit a byte");

const char *zcf_path_name(enum zcf_path p)
{
	return p < ZCF_PATH_MAX ? path_names[p] : "unknown";
}

void zcf_counters_init(struct zcf_counters *c)
{
	c->id = atomic_fetch_add_explicit(&next_set_id, 1, memory_order_relaxed) + 1;
	pthread_mutex_init(&c->lock, NULL);
	c->shards = NULL;
}

/* This thread's shard, and the set it counts for (0: none yet). */
static ZCF_TLS struct {
	uint64_t set_id;
	struct zcf_stats *s;
} tls_shard;

struct zcf_stats *zcf_counters_mine(struct zcf_counters *c)
{
	struct zcf_stats_shard *sh;

	if (tls_shard.set_id == c->id && c->id)
		return tls_shard.s;
	if (!c->id) /* never initialised (unit tests): no shards */
		return &c->base;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return &c->base;
	pthread_mutex_lock(&c->lock);
	sh->next = c->shards;
	c->shards = sh;
	pthread_mutex_unlock(&c->lock);
	tls_shard.set_id = c->id;
	tls_shard.s = &sh->s;
	return &sh->s;
}

/*
 * A shard has one writer, its thread, so a count there is a plain load and
 * store (no locked instruction); the shared base takes atomic adds.
 */
static inline void bump(_Atomic uint64_t *x, uint64_t v, bool shared)
{
	if (shared)
		atomic_fetch_add_explicit(x, v, memory_order_relaxed);
	else
		atomic_store_explicit(x, LOAD(*x) + v, memory_order_relaxed);
}

static struct zcf_counter *slot_counter(struct zcf_stats *s, enum zcf_tally_slot slot,
					unsigned what)
{
	return slot == ZCF_TALLY_WHY ? &s->read_reason[what] : &s->path[what];
}

void zcf_tally_spill(struct zcf_counters *c, struct zcf_tally *t, enum zcf_tally_slot s)
{
	zcf_count(slot_counter(zcf_counters_mine(c), s, t->what[s] - 1u), t->bytes[s]);
	t->what[s] = 0;
}

void zcf_counters_tally(struct zcf_counters *c, const struct zcf_tally *t, int error)
{
	struct zcf_stats *s = zcf_counters_mine(c);
	bool shared = s == &c->base;
	unsigned i;

	if (t->via)
		bump(t->via == ZCF_VIA_RING ? &s->via_ring : &s->via_dev, 1, shared);
	if (t->op) {
		bump(&s->op[t->op].n, 1, shared);
		bump(&s->op[t->op].bytes, t->op_bytes, shared);
	}
	for (i = 0; i < ZCF_TALLY_SLOTS; i++) {
		struct zcf_counter *k;

		if (!t->what[i])
			continue;
		k = slot_counter(s, i, t->what[i] - 1u);
		bump(&k->n, 1, shared);
		bump(&k->bytes, t->bytes[i], shared);
	}
	if (error)
		bump(&s->errors, 1, shared);
}

static void counter_add(struct zcf_counter *to, const struct zcf_counter *from)
{
	atomic_fetch_add_explicit(&to->n, LOAD(from->n), memory_order_relaxed);
	atomic_fetch_add_explicit(&to->bytes, LOAD(from->bytes), memory_order_relaxed);
}

void zcf_counters_sum(struct zcf_counters *c, struct zcf_stats *sum)
{
	const struct zcf_stats_shard *sh;
	const struct zcf_stats *from = &c->base;
	unsigned i;

	if (c->id)
		pthread_mutex_lock(&c->lock);
	for (sh = c->shards;; sh = sh->next) {
		for (i = 0; i < ZCF_COUNTED_OPS; i++)
			counter_add(&sum->op[i], &from->op[i]);
		for (i = 0; i < ZCF_PATH_MAX; i++)
			counter_add(&sum->path[i], &from->path[i]);
		for (i = 0; i < ZCF_RPR_MAX; i++)
			counter_add(&sum->read_reason[i], &from->read_reason[i]);
		sum->via_dev += LOAD(from->via_dev);
		sum->via_ring += LOAD(from->via_ring);
		sum->errors += LOAD(from->errors);
		sum->malformed += LOAD(from->malformed);
		sum->queue_waits += LOAD(from->queue_waits);
		sum->ring_spares += LOAD(from->ring_spares);
		if (!sh)
			break;
		from = &sh->s;
	}
	if (c->id)
		pthread_mutex_unlock(&c->lock);
}

void zcf_counters_fini(struct zcf_counters *c)
{
	struct zcf_stats_shard *sh, *next;

	for (sh = c->shards; sh; sh = next) {
		next = sh->next;
		free(sh);
	}
	c->shards = NULL;
	if (c->id)
		pthread_mutex_destroy(&c->lock);
	c->id = 0;
}

