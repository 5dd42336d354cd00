/* SPDX-License-Identifier: MIT */
/*
 * Shared parts of the fuzz harnesses in tests/fuzz/: a session with no
 * mount, a small in-memory filesystem whose ops answer with the real
 * zcfuse_reply_*() functions, and a transport that checks and records the
 * answers instead of writing them to /dev/fuse. Each harness defines
 * LLVMFuzzerTestOneInput(); built with clang it links libFuzzer, built with
 * the normal compiler it links replay.c, which feeds it the corpus files.
 */
#ifndef ZCFUSE_TESTS_FUZZ_HARNESS_H
#define ZCFUSE_TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The session every request belongs to; reset to "after INIT" by fz_reset(). */
extern struct zcf_proto_ctx *fz_se;

/* Answers seen for the current request. */
struct fz_answers {
	int sends, drops;
	int error;
	size_t bytes;
};
extern struct fz_answers fz_ans;

/* Makes fz_se once; then puts it back to a known state for a new input. */
void fz_reset(bool got_init);
/* The in-memory filesystem's ops. */
extern const struct zcfuse_ops fz_ops;
/* Reads every byte of the iovecs (so the sanitizer sees bad pointers), counts them. */
size_t fz_touch(const struct iovec *iov, int iovcnt);
/* Aborts with a message: an invariant of the library broke. */
__attribute__((noreturn)) void fz_fail(const char *what);

#endif
