/* SPDX-License-Identifier: MIT */
/*
 * -o stats=PATH: the session's counters as one JSON object, written at
 * unmount. Tests read it to prove which path requests took.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"

const char *zcf_opcode_name(uint32_t opcode)
{
	const struct zcf_opcode *d = zcf_opcode(opcode);

	return d ? d->name : "UNKNOWN";
}

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
};

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* This thread's shard, and the session it counts for (0: none yet). */
static __thread struct {
	uint64_t se_id;
	struct zcf_stats *s;
} tls_shard;

struct zcf_stats *zcf_stats_mine(struct zcfuse_session *se)
{
	struct zcf_stats_shard *sh;

	if (tls_shard.se_id == se->id && se->id)
		return tls_shard.s;
	if (!se->id) /* not from zcfuse_session_new() (unit tests): no shards */
		return &se->stats;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return &se->stats;
	pthread_mutex_lock(&se->lock);
	sh->next = se->stat_shards;
	se->stat_shards = sh;
	pthread_mutex_unlock(&se->lock);
	tls_shard.se_id = se->id;
	tls_shard.s = &sh->s;
	return &sh->s;
}

static void counter_add(struct zcf_counter *to, const struct zcf_counter *from)
{
	atomic_fetch_add_explicit(&to->n, LOAD(from->n), memory_order_relaxed);
	atomic_fetch_add_explicit(&to->bytes, LOAD(from->bytes), memory_order_relaxed);
}

/* Adds the session's shards up into @sum (zeroed by the caller). */
static void stats_sum(struct zcfuse_session *se, struct zcf_stats *sum)
{
	const struct zcf_stats_shard *sh;
	const struct zcf_stats *from = &se->stats;
	unsigned i;

	pthread_mutex_lock(&se->lock);
	for (sh = se->stat_shards;; sh = sh->next) {
		for (i = 0; i < FUSE_OPCODE_MAX; i++)
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
		if (!sh)
			break;
		from = &sh->s;
	}
	pthread_mutex_unlock(&se->lock);
}

void zcf_stats_free(struct zcfuse_session *se)
{
	struct zcf_stats_shard *sh, *next;

	for (sh = se->stat_shards; sh; sh = next) {
		next = sh->next;
		free(sh);
	}
	se->stat_shards = NULL;
	zcf_rp_free(se);
}

/* Writes s as a JSON string body: quotes, backslashes and controls escaped. */
static void put_json_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

int zcf_stats_write(struct zcfuse_session *se, const char *path)
{
	struct zcf_stats *st = calloc(1, sizeof(*st));
	char tmp[4096];
	FILE *f;
	unsigned i;
	bool first = true;
	int err = 0;

	if (!st)
		return -ENOMEM;
	stats_sum(se, st);
	/* Write beside the target and rename, so a reader never sees half. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		free(st);
		return err;
	}
	fprintf(f, "{\n  \"library\": \"zcfuse %s\",\n", zcfuse_version_string());
	fprintf(f, "  \"transport\": \"%s\",\n", zcf_transport_name(se->kind));
	fprintf(f, "  \"transport_reason\": \"");
	put_json_string(f, se->transport_reason);
	fprintf(f, "\",\n");
	fprintf(f, "  \"protocol\": \"7.%u\",\n", se->conn.proto_minor);
	fprintf(f, "  \"queues\": %u,\n", se->nr_queues);
	fprintf(f, "  \"queue_depth\": %u,\n", se->nr_queues ? se->cfg.queue_depth : 0);
	fprintf(f, "  \"ring_setup\": \"%s\",\n",
		se->nr_queues ? zcf_ring_setup_name(se->cfg.ring_setup) : "");
	fprintf(f, "  \"ring_setup_flags\": %u,\n", se->nr_queues ? se->ring_flags : 0);
	fprintf(f, "  \"classic_threads\": %u,\n", se->nr_readers);
	fprintf(f, "  \"max_write\": %u,\n", se->conn.max_write);
	fprintf(f, "  \"requests\": {\n");
	fprintf(f, "    \"via_dev\": %llu,\n", (unsigned long long)LOAD(st->via_dev));
	fprintf(f, "    \"via_ring\": %llu,\n", (unsigned long long)LOAD(st->via_ring));
	fprintf(f, "    \"errors\": %llu,\n", (unsigned long long)LOAD(st->errors));
	fprintf(f, "    \"malformed\": %llu,\n", (unsigned long long)LOAD(st->malformed));
	fprintf(f, "    \"queue_waits\": %llu\n  },\n", (unsigned long long)LOAD(st->queue_waits));
	fprintf(f, "  \"opcodes\": {");
	for (i = 0; i < FUSE_OPCODE_MAX; i++) {
		uint64_t n = LOAD(st->op[i].n);

		if (!n)
			continue;
		fprintf(f, "%s\n    \"%s\": {\"count\": %llu, \"bytes\": %llu}", first ? "" : ",",
			zcf_opcode_name(i), (unsigned long long)n,
			(unsigned long long)LOAD(st->op[i].bytes));
		first = false;
	}
	fprintf(f, "\n  },\n  \"data_path\": {");
	for (i = 0; i < ZCF_PATH_MAX; i++)
		fprintf(f, "%s\n    \"%s\": {\"count\": %llu, \"bytes\": %llu}", i ? "," : "",
			path_names[i], (unsigned long long)LOAD(st->path[i].n),
			(unsigned long long)LOAD(st->path[i].bytes));
	/* Where each backing read ran and why, and each queue's measurements. */
	fprintf(f, "\n  },\n  \"read_placement\": {\n    \"reasons\": {");
	for (i = 0; i < ZCF_RPR_MAX; i++)
		fprintf(f, "%s\n      \"%s\": {\"count\": %llu, \"bytes\": %llu}", i ? "," : "",
			zcf_rp_reason_names[i], (unsigned long long)LOAD(st->read_reason[i].n),
			(unsigned long long)LOAD(st->read_reason[i].bytes));
	fprintf(f, "\n    },\n    \"queues\": [");
	zcf_rp_write_json(se, f);
	fprintf(f, "\n    ]\n  }\n}\n");
	if (fflush(f) || ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(st);
	return err;
}
