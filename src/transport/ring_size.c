/* SPDX-License-Identifier: MIT */
/*
 * How much memory a ring transport pins, and how it is kept within a budget.
 *
 * The kernel wants a queue for every possible CPU, and a payload buffer must
 * hold the largest request (max(8192, max_write) rounded to pages). Pinned is
 * what io_uring registers: with "uring" the entries' own payloads (optional:
 * the kernel imports them per request; registration only lets backing I/O use
 * fixed buffers), with the pools the whole pool (the kernel reaches it as a
 * fixed buffer). On many CPUs the defaults would pin gigabytes, so:
 *
 *   uring    payloads stay as asked; queues are registered in order while
 *            the budget lasts, the rest run without fixed buffers.
 *   pools    max_write (unless given) halves down to 128 KiB, then (unless
 *            pool_bufs is given) the pool holds fewer buffers than entries,
 *            at least one: the kernel parks a request until one is free.
 */
#include "transport/transport.h"

#define MIB ((size_t)1 << 20)
#define MIN_POOL_PAYLOAD (128u << 10)

size_t zcf_ring_payload_size(unsigned max_write)
{
	size_t p = max_write > 8192 ? max_write : 8192;

	return (p + 4095) & ~(size_t)4095;
}

size_t zcf_ring_default_budget(enum zcf_payload payload)
{
	return payload == ZCF_PAYLOAD_OWN ? 64 * MIB : 16 * MIB;
}

/*
 * Without CAP_IPC_LOCK io_uring charges registered buffers to the user's
 * RLIMIT_MEMLOCK, which the user's other mounts and programs share: the
 * default then takes at most half of it, so that registration fits.
 */
size_t zcf_ring_pin_budget(enum zcf_payload payload, bool ipc_lock, unsigned long long memlock)
{
	size_t budget = zcf_ring_default_budget(payload);

	if (!ipc_lock && memlock / 2 < budget)
		budget = (size_t)(memlock / 2) & ~(size_t)4095;
	return budget ? budget : 1; /* 0 would mean the default */
}

void zcf_ring_size(enum zcf_payload mode, unsigned nq, unsigned depth, unsigned max_write,
		   bool max_write_fixed, unsigned pool_bufs, size_t budget, struct zcf_ring_size *out)
{
	size_t payload;
	unsigned bufs;

	if (!budget)
		budget = zcf_ring_default_budget(mode);
	if (!nq)
		nq = 1;
	out->max_write = max_write;
	if (mode == ZCF_PAYLOAD_OWN) {
		size_t per_q;

		payload = zcf_ring_payload_size(max_write);
		per_q = payload * depth;
		out->payload_size = payload;
		out->pool_bufs = 0;
		out->registered_queues = per_q ? (unsigned)(budget / per_q < nq ? budget / per_q : nq) : nq;
		out->pinned = out->registered_queues * per_q;
		return;
	}
	bufs = pool_bufs ? pool_bufs : depth;
	while (!max_write_fixed && out->max_write / 2 >= MIN_POOL_PAYLOAD &&
	       (size_t)nq * bufs * zcf_ring_payload_size(out->max_write) > budget)
		out->max_write /= 2;
	out->max_write &= ~4095u;
	payload = zcf_ring_payload_size(out->max_write);
	if (!pool_bufs && (size_t)nq * bufs * payload > budget) {
		size_t fit = budget / ((size_t)nq * payload);

		bufs = fit ? (unsigned)fit : 1;
	}
	out->payload_size = payload;
	out->pool_bufs = bufs;
	out->registered_queues = nq;
	out->pinned = (size_t)nq * bufs * payload;
}
