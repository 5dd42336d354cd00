/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include "core/internal.h"
#include "transport/transport.h"

int zcf_uring_prepare(struct zcfuse_session *se, enum zcf_transport_kind kind, char *why,
		      size_t whylen)
{
	snprintf(why, whylen, "not built yet");
	return -EOPNOTSUPP;
}
int zcf_uring_start(struct zcfuse_session *se, char *why, size_t whylen) { return -EOPNOTSUPP; }
void zcf_uring_stop(struct zcfuse_session *se) {}
unsigned zcf_uring_nr_queues(struct zcfuse_session *se) { return 0; }
