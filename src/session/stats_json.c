/* SPDX-License-Identifier: MIT */
/*
 * -o stats=PATH: the session's counters as one JSON object, written at
 * unmount. Tests read it to prove which path requests took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "session/session.h"
#include "transport/read_policy.h"

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

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
	zcf_counters_sum(&se->pc.counters, st);
	/* Write beside the target and rename, so a reader never sees half. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		free(st);
		return err;
	}
	fprintf(f, "{\n  \"library\": \"zcfuse %s\",\n", zcfuse_version_string());
	fprintf(f, "  \"transport\": \"%s\",\n", zcf_transport_name(zcf_roof(se)->kind));
	fprintf(f, "  \"transport_reason\": \"");
	put_json_string(f, zcf_roof(se)->transport_reason);
	fprintf(f, "\",\n");
	fprintf(f, "  \"protocol\": \"7.%u\",\n", se->pc.conn.proto_minor);
	fprintf(f, "  \"queues\": %u,\n", se->nr_queues);
	fprintf(f, "  \"queue_depth\": %u,\n", se->nr_queues ? se->pc.cfg.queue_depth : 0);
	fprintf(f, "  \"ring_setup\": \"%s\",\n",
		se->nr_queues ? zcf_ring_setup_name(se->pc.cfg.ring_setup) : "");
	fprintf(f, "  \"ring_setup_flags\": %u,\n", se->nr_queues ? se->ring_flags : 0);
	fprintf(f, "  \"classic_threads\": %u,\n", se->nr_readers);
	fprintf(f, "  \"max_write\": %u,\n", se->pc.conn.max_write);
	fprintf(f, "  \"pinned_kib\": %zu,\n",
		(se->ring ? zcf_ring_transport.pinned(se) : se->pinned_at_stop) >> 10);
	fprintf(f, "  \"requests\": {\n");
	fprintf(f, "    \"via_dev\": %llu,\n", (unsigned long long)LOAD(st->via_dev));
	fprintf(f, "    \"via_ring\": %llu,\n", (unsigned long long)LOAD(st->via_ring));
	fprintf(f, "    \"errors\": %llu,\n", (unsigned long long)LOAD(st->errors));
	fprintf(f, "    \"malformed\": %llu,\n", (unsigned long long)LOAD(st->malformed));
	fprintf(f, "    \"queue_waits\": %llu,\n", (unsigned long long)LOAD(st->queue_waits));
	fprintf(f, "    \"ring_spares\": %llu\n  },\n", (unsigned long long)LOAD(st->ring_spares));
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
			zcf_path_name(i), (unsigned long long)LOAD(st->path[i].n),
			(unsigned long long)LOAD(st->path[i].bytes));
	/* Where each backing read ran and why, and each queue's measurements. */
	fprintf(f, "\n  },\n  \"read_placement\": {\n    \"reasons\": {");
	for (i = 0; i < ZCF_RPR_MAX; i++)
		fprintf(f, "%s\n      \"%s\": {\"count\": %llu, \"bytes\": %llu}", i ? "," : "",
			zcf_rp_reason_names[i], (unsigned long long)LOAD(st->read_reason[i].n),
			(unsigned long long)LOAD(st->read_reason[i].bytes));
	fprintf(f, "\n    },");
	zcf_rp_write_json(se, f);
	fprintf(f, "\n  }\n}\n");
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
