/* SPDX-License-Identifier: MIT */
/*
 * The transport ladder: zerocopy, bufpool, uring, classic, best first. Each
 * rung needs what the one below needs and one thing more; the session takes
 * the best rung the kernel and the process allow, and falls one rung down
 * when a ring cannot be set up. zcfuse-probe asks the same questions with
 * the facts of a probe mount, so both give the same reasons.
 */
#include <stdio.h>
#include <string.h>

#include "session/session.h"

#define ENABLE_URING_PARAM "/sys/module/fuse/parameters/enable_uring"

static const struct zcf_rung rungs[] = {
	{ ZCF_TRANSPORT_ZEROCOPY, "zerocopy", "zero copy", &zcf_ring_transport,
	  ZCF_PAYLOAD_ZERO_COPY, ZCF_TRANSPORT_BUFPOOL },
	{ ZCF_TRANSPORT_BUFPOOL, "bufpool", "buffer pools", &zcf_ring_transport, ZCF_PAYLOAD_POOL,
	  ZCF_TRANSPORT_URING },
	{ ZCF_TRANSPORT_URING, "uring", "io_uring", &zcf_ring_transport, ZCF_PAYLOAD_OWN,
	  ZCF_TRANSPORT_CLASSIC },
	{ ZCF_TRANSPORT_CLASSIC, "classic", "/dev/fuse", NULL, ZCF_PAYLOAD_OWN,
	  ZCF_TRANSPORT_CLASSIC },
};
#define NR_RUNGS (sizeof(rungs) / sizeof(rungs[0]))

const struct zcf_rung *zcf_rung(enum zcf_transport_kind kind)
{
	size_t i;

	if (kind == ZCF_TRANSPORT_AUTO)
		return &rungs[0];
	for (i = 0; i < NR_RUNGS; i++)
		if (rungs[i].kind == kind)
			return &rungs[i];
	return &rungs[NR_RUNGS - 1];
}

bool zcf_rung_at_least(enum zcf_transport_kind a, enum zcf_transport_kind b)
{
	const struct zcf_rung *r = zcf_rung(b);

	/* a is at least b when a is b or reaches b by falling. */
	for (const struct zcf_rung *x = zcf_rung(a);; x = zcf_rung(x->below)) {
		if (x == r)
			return true;
		if (x->kind == x->below)
			return false;
	}
}

void zcf_ladder_facts(struct zcf_ladder_facts *f, uint32_t proto_minor, uint64_t kernel_flags)
{
	memset(f, 0, sizeof(*f));
	f->have_init = true;
	f->proto_minor = proto_minor;
	f->kernel_flags = kernel_flags;
	f->enable_uring = zcf_read_sysfs_bool(ENABLE_URING_PARAM);
	f->cap_sys_admin = zcf_have_cap_sys_admin();
	f->io_uring_denied = zcf_io_uring_denied();
}

static bool uring_allowed(const struct zcf_ladder_facts *f, char *why, size_t len)
{
	if (f->io_uring_denied) {
		snprintf(why, len, "kernel.io_uring_disabled is %d%s", f->io_uring_denied,
			 f->io_uring_denied == 1 ? " (CAP_SYS_ADMIN or kernel.io_uring_group needed)"
						 : " (no process may make a ring)");
		return false;
	}
	if (f->have_init && (f->kernel_flags & FUSE_OVER_IO_URING))
		return true;
	if (!f->have_init && f->enable_uring == 1)
		return true;
	if (f->enable_uring == 0)
		snprintf(why, len, "enable_uring is off: echo Y > " ENABLE_URING_PARAM);
	else if (f->enable_uring < 0 && f->have_init)
		snprintf(why, len, "kernel older than 6.14 or built without CONFIG_FUSE_IO_URING "
			 "(protocol 7.%u)", f->proto_minor);
	else if (f->enable_uring < 0)
		snprintf(why, len, "kernel older than 6.14 or built without CONFIG_FUSE_IO_URING");
	else
		snprintf(why, len, "the kernel did not offer FUSE_OVER_IO_URING");
	return false;
}

bool zcf_rung_allowed(enum zcf_transport_kind kind, const struct zcf_ladder_facts *f,
		      char *why, size_t len)
{
	switch (zcf_rung(kind)->kind) {
	case ZCF_TRANSPORT_URING:
		return uring_allowed(f, why, len);
	case ZCF_TRANSPORT_BUFPOOL:
		if (f->have_init && (f->kernel_flags & FUSE_HAS_IO_URING_BUFPOOL))
			return true;
		if (f->have_init && f->proto_minor < 46)
			snprintf(why, len, "kernel speaks protocol 7.%u, they need 7.46 (Linux 7.3)",
				 f->proto_minor);
		else if (f->have_init)
			snprintf(why, len, "the kernel did not offer FUSE_HAS_IO_URING_BUFPOOL");
		else
			snprintf(why, len, "unknown: needs root to mount a probe filesystem");
		return false;
	case ZCF_TRANSPORT_ZEROCOPY:
		if (f->cap_sys_admin)
			return true;
		snprintf(why, len, "needs CAP_SYS_ADMIN");
		return false;
	default:
		return true; /* classic: always */
	}
}

enum zcf_transport_kind zcf_ladder_pick(enum zcf_transport_kind want, bool explicit_want,
					const struct zcf_ladder_facts *f, char *why,
					size_t len)
{
	const struct zcf_rung *chain[NR_RUNGS], *top = zcf_rung(want);
	size_t n = 0;

	/* From @want down to classic, then checked bottom up: each rung's
	 * check assumes the ones below it passed. */
	for (const struct zcf_rung *r = top; n < NR_RUNGS; r = zcf_rung(r->below)) {
		chain[n++] = r;
		if (r->kind == r->below)
			break;
	}
	for (size_t i = n - 1; i-- > 0;) {
		char cause[200];

		if (!zcf_rung_allowed(chain[i]->kind, f, cause, sizeof(cause))) {
			snprintf(why, len, "%s not available: %s", chain[i]->feature, cause);
			return chain[i + 1]->kind;
		}
	}
	if (explicit_want || top->kind != rungs[0].kind)
		snprintf(why, len, "asked for with -o transport=%s", top->name);
	else
		snprintf(why, len, "best available");
	return top->kind;
}
