/* SPDX-License-Identifier: MIT */
/*
 * The session floor (src/session/): the roof, and the only floor that names
 * the carriers. It owns a session's life (new, mount, run, unmount,
 * destroy), the transport ladder, zcfuse_main()'s daemon and signals, and
 * the statistics file.
 *
 *   session.c     lifecycle: negotiate INIT, start and stop the carriers
 *   ladder.c      the transport ladder and its reasons (also tools/zcfuse-probe)
 *   main.c        zcfuse_main(): signals, daemonizing
 *   stats_json.c  -o stats=PATH
 */
#ifndef ZCFUSE_SESSION_SESSION_H
#define ZCFUSE_SESSION_SESSION_H

#include "transport/transport.h"

/*
 * A session as the roof holds it: what the floors below see (se, first),
 * then what only this floor uses. zcfuse_session_new() allocates this;
 * the public handle is &roof->se.
 */
struct zcf_roof {
	struct zcfuse_session se;
	bool mounted;
	enum zcf_transport_kind kind;  /* in use after run */
	char transport_reason[512];    /* why not a better one */
	int ready_fd;                  /* tells a waiting parent we serve */
	/* Called as the session is freed, which a lingering reader may do after
	 * zcfuse_session_destroy() returned (the compat library's own session). */
	void (*free_hook)(void *arg);
	void *free_hook_arg;
	_Atomic int holders;           /* from destroy on: it and the stuck threads keeping it */
};
static inline struct zcf_roof *zcf_roof(struct zcfuse_session *se)
{
	return (struct zcf_roof *)((char *)se - offsetof(struct zcf_roof, se));
}

/* ---- The transport ladder (ladder.c) ---- */

/*
 * One rung: a transport the user can name, the carrier it runs on (NULL:
 * classic readers only), its payload mode, and the rung to fall to when it
 * cannot run. Rows are in preference order, best first; nothing depends on
 * the enum's numeric order.
 */
struct zcf_rung {
	enum zcf_transport_kind kind;
	const char *name;
	const char *feature;               /* what it needs, in reasons: "buffer pools" */
	const struct zcf_transport *ring;  /* NULL: /dev/fuse only */
	enum zcf_payload payload;
	enum zcf_transport_kind below;     /* fall back to this (classic falls nowhere) */
};
const struct zcf_rung *zcf_rung(enum zcf_transport_kind kind);

/*
 * What decides which rungs the kernel and the process allow. The session
 * fills it from the INIT request; zcfuse-probe from its probe mount, or
 * from sysfs alone when it cannot mount (have_init false).
 */
struct zcf_ladder_facts {
	bool have_init;
	uint32_t proto_minor;
	uint64_t kernel_flags;    /* INIT's flags | flags2 << 32 */
	int enable_uring;         /* /sys/module/fuse/parameters/enable_uring: 1, 0, -errno */
	int io_uring_denied;      /* zcf_io_uring_denied(): 0, or kernel.io_uring_disabled */
	bool cap_sys_admin;
};
/* The facts of this process and the INIT just read (flags as above). */
void zcf_ladder_facts(struct zcf_ladder_facts *f, uint32_t proto_minor, uint64_t kernel_flags);
/*
 * Can rung @kind run? true, or false with the cause in @why ("enable_uring
 * is off: ..."). Only what this rung adds to the one below is checked.
 */
bool zcf_rung_allowed(enum zcf_transport_kind kind, const struct zcf_ladder_facts *f,
		      char *why, size_t whylen);
/*
 * The best rung at or below @want (AUTO: the top) that @f allows, with in
 * @why either why the next better one was not taken ("buffer pools not
 * available: ...") or why this one was ("best available").
 */
enum zcf_transport_kind zcf_ladder_pick(enum zcf_transport_kind want, bool explicit_want,
					const struct zcf_ladder_facts *f, char *why,
					size_t whylen);
/* Is @a on a rung at or above @b? (Walks the ladder; no enum arithmetic.) */
bool zcf_rung_at_least(enum zcf_transport_kind a, enum zcf_transport_kind b);

/* ---- The rest of the roof ---- */

/* The session serves (ok) or gave up: releases a daemonizing parent (main.c). */
void zcf_session_ready(struct zcfuse_session *se, bool ok);
/*
 * Serve @fd through @io (struct zcf_dev_io: the caller fills read, writev,
 * splice_send, clone_fd and arg, and keeps @io until the session is
 * freed) instead of mounting: classic only. The session closes @fd. 0, or
 * -EBUSY when it already has a descriptor.
 */
int zcf_session_custom_io(struct zcfuse_session *se, struct zcf_dev_io *io, int fd);
/* zcf_handle_init() over classic for a program running its own loop. */
int zcf_session_own_init(struct zcfuse_session *se, struct zcfuse_req *req);
/* -o stats=PATH (stats_json.c). 0 or -errno. */
int zcf_stats_write(struct zcfuse_session *se, const char *path);

#endif
