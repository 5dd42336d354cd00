/* SPDX-License-Identifier: MIT */
/*
 * Ring sizing within the pinned-memory budget (transport/ring_size.c): the
 * bounds the defaults promise at 64 CPUs (64 MiB for uring, 16 MiB for the
 * pools), what stays as it was on 2 CPUs, and that sizes given by the user
 * are kept even past the budget.
 */
#include "transport/transport.h"
#include "test.h"

#define MIB ((size_t)1 << 20)
#define KIB ((size_t)1 << 10)

static void test_uring(void)
{
	struct zcf_ring_size rs;

	/* 2 CPUs: 2 x 16 x 1 MiB fits 64 MiB: everything registered, as before. */
	zcf_ring_size(ZCF_PAYLOAD_OWN, 2, 16, 1u << 20, false, 0, 0, &rs);
	T_EQ(rs.registered_queues, 2, "2 CPUs");
	T_EQ(rs.payload_size, MIB, "payload");
	T_EQ(rs.max_write, 1u << 20, "max_write kept");
	T_EQ(rs.pinned, 32 * MIB, "pinned");
	/* 64 CPUs: only 4 queues of 16 MiB fit. */
	zcf_ring_size(ZCF_PAYLOAD_OWN, 64, 16, 1u << 20, false, 0, 0, &rs);
	T_EQ(rs.registered_queues, 4, "64 CPUs");
	T_CHECK(rs.pinned <= 64 * MIB, "pinned %zu", rs.pinned);
	T_EQ(rs.payload_size, MIB, "uring payloads are never shrunk");
	/* A budget below one queue: none registered, nothing pinned. */
	zcf_ring_size(ZCF_PAYLOAD_OWN, 8, 16, 1u << 20, false, 0, 8 * MIB, &rs);
	T_EQ(rs.registered_queues, 0, "budget below a queue");
	T_EQ(rs.pinned, 0, "pinned");
	/* Small max_write: 8192 is the least payload, rounded to pages. */
	zcf_ring_size(ZCF_PAYLOAD_OWN, 1, 4, 5000, true, 0, 0, &rs);
	T_EQ(rs.payload_size, 8192, "least payload");
}

static void test_pools(void)
{
	enum zcf_payload k[] = { ZCF_PAYLOAD_POOL, ZCF_PAYLOAD_ZERO_COPY };
	struct zcf_ring_size rs;
	unsigned i, cpus;

	for (i = 0; i < 2; i++) {
		/* 2 CPUs: 32 MiB asked; max_write halves once, every entry keeps a buffer. */
		zcf_ring_size(k[i], 2, 16, 1u << 20, false, 0, 0, &rs);
		T_EQ(rs.max_write, 512u << 10, "2 CPUs: max_write");
		T_EQ(rs.pool_bufs, 16, "2 CPUs: one buffer per entry");
		T_EQ(rs.pinned, 16 * MIB, "2 CPUs: pinned");
		/* Every CPU count up to 64 stays within 16 MiB with the defaults. */
		for (cpus = 1; cpus <= 64; cpus++) {
			zcf_ring_size(k[i], cpus, 16, 1u << 20, false, 0, 0, &rs);
			T_CHECK(rs.pinned <= 16 * MIB, "%u CPUs: pinned %zu", cpus, rs.pinned);
			T_CHECK(rs.pool_bufs >= 1, "%u CPUs: a buffer per queue at least", cpus);
			T_CHECK(rs.max_write >= 128u << 10, "%u CPUs: max_write %u", cpus, rs.max_write);
			T_EQ(rs.payload_size, zcf_ring_payload_size(rs.max_write), "payload follows max_write");
		}
		/* 64 CPUs: 128 KiB payloads, two per queue. */
		zcf_ring_size(k[i], 64, 16, 1u << 20, false, 0, 0, &rs);
		T_EQ(rs.max_write, 128u << 10, "64 CPUs: max_write");
		T_EQ(rs.pool_bufs, 2, "64 CPUs: buffers");
		/* A max_write that was given is kept; the pool shrinks instead. */
		zcf_ring_size(k[i], 64, 16, 1u << 20, true, 0, 0, &rs);
		T_EQ(rs.max_write, 1u << 20, "given max_write kept");
		T_EQ(rs.pool_bufs, 1, "one buffer per queue at least");
		T_EQ(rs.pinned, 64 * MIB, "over the budget only by what was asked");
		/* pool_bufs given: kept; max_write still fits what it can. */
		zcf_ring_size(k[i], 8, 16, 1u << 20, false, 32, 0, &rs);
		T_EQ(rs.pool_bufs, 32, "given pool_bufs kept");
		T_EQ(rs.max_write, 128u << 10, "max_write lowered as far as allowed");
		/* A larger budget changes nothing on 2 CPUs. */
		zcf_ring_size(k[i], 2, 16, 1u << 20, false, 0, 64 * MIB, &rs);
		T_EQ(rs.max_write, 1u << 20, "budget 64 MiB: max_write");
		T_EQ(rs.pinned, 32 * MIB, "budget 64 MiB: pinned");
	}
}

static void test_pin_budget(void)
{
	unsigned long long inf = ~0ULL;

	/* CAP_IPC_LOCK, or no limit: the defaults. */
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_OWN, true, 8 * MIB), 64 * MIB, "uring, capable");
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_POOL, false, inf), 16 * MIB, "pool, unlimited");
	/* Without it: half the limit, in pages, when that is less. */
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_OWN, false, 8 * MIB), 4 * MIB, "uring, 8 MiB");
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_ZERO_COPY, false, 8 * MIB + 5000), 4 * MIB, "pages");
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_POOL, false, 64 * MIB), 16 * MIB, "pool, 64 MiB");
	/* A limit below two pages: a budget nothing fits, never 0 (the default). */
	T_EQ(zcf_ring_pin_budget(ZCF_PAYLOAD_OWN, false, 4096), 1, "tiny limit");
	/* The pools fit 4 MiB on 2 CPUs: 128 KiB payloads, one per entry. */
	{
		struct zcf_ring_size rs;

		zcf_ring_size(ZCF_PAYLOAD_POOL, 2, 16, 1u << 20, false, 0,
			      zcf_ring_pin_budget(ZCF_PAYLOAD_POOL, false, 8 * MIB), &rs);
		T_EQ(rs.max_write, 128u << 10, "8 MiB limit: max_write");
		T_EQ(rs.pool_bufs, 16, "8 MiB limit: buffers");
		T_CHECK(rs.pinned <= 4 * MIB, "8 MiB limit: pinned %zu", rs.pinned);
	}
}

int main(void)
{
	test_uring();
	test_pin_budget();
	test_pools();
	return t_exit("ring-size");
}
