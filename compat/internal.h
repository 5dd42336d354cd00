/* SPDX-License-Identifier: MIT */
/*
 * Internals of zcfuse's libfuse 3 compatibility library (libfuse3.so.3 built
 * from zcfuse). The library holds zcfuse itself (linked from libzcfuse.a)
 * and maps every libfuse call onto it: a fuse_session owns one
 * zcfuse_session, a fuse_req_t is the zcfuse request, libfuse's ops are
 * called from a zcfuse ops table of small adapters.
 */
#ifndef ZCFUSE_COMPAT_INTERNAL_H
#define ZCFUSE_COMPAT_INTERNAL_H

/* The newest API level: the ops table then has every member any program has. */
#define FUSE_USE_VERSION 318
#define ZCFUSE_COMPAT_LIBRARY /* the 3-argument fuse_session_custom_io is defined here */
#include "zcfuse/compat/fuse_lowlevel.h"

#include "session/session.h"

#define ZCF_COMPAT_API __attribute__((visibility("default")))

/* The loop configuration object of API 3.12 and later. */
struct fuse_loop_config {
	int clone_fd;
	unsigned max_idle_threads;
	unsigned max_threads;
	bool max_threads_set;
};

struct fuse_session {
	struct zcfuse_session *zs;
	struct fuse_lowlevel_ops op;
	void *userdata;
	struct fuse_conn_info conn;
	/* fuse_session_custom_io: the program's callbacks, and zcfuse's hook on them */
	struct fuse_custom_io io;
	struct zcf_dev_io dev_io;
	bool debug;
	/* fuse_session_loop(): libfuse calls ops one at a time there; zcfuse's
	 * queues run in parallel, so the adapters take this lock. */
	bool serial;
	pthread_mutex_t serial_lock;
};

/* The compat session a zcfuse request belongs to. */
static inline struct fuse_session *compat_se(struct zcfuse_req *zr)
{
	return zcfuse_req_userdata(zr);
}

#define ZREQ(req) ((struct zcfuse_req *)(req))
#define FREQ(zr) ((fuse_req_t)(zr))

/* ---- ops.c ---- */
/* Fills @zops with an adapter for every op @op has. */
void compat_fill_ops(const struct fuse_lowlevel_ops *op, struct zcfuse_ops *zops);
/* The program's fuse_file_info as zcfuse's, for replies. */
void compat_fi_out(const struct fuse_file_info *fi, struct zcfuse_file_info *zfi);
/* The same, with the 3.17+ backing_id where the session negotiated passthrough. */
void compat_fi_out_se(const struct fuse_session *se, const struct fuse_file_info *fi,
		      struct zcfuse_file_info *zfi);

/* ---- pending.c: features zcfuse does not offer yet, one place each ---- */
int compat_pending(const char *feature);

/* Exported by libfuse for its mount.fuse3 helper, declared in no public header. */
int fuse_open_channel(const char *mountpoint, const char *options);

/* ---- Versioned entry points (the map and .symver give them libfuse's names) ---- */
int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config);
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
/* libfuse 3.17+'s names (FUSE_3.17), which its headers make programs call. */
struct fuse_session *fuse_session_new_versioned(struct fuse_args *args,
						const struct fuse_lowlevel_ops *op, size_t op_size,
						struct libfuse_version *version, void *userdata);
int fuse_session_custom_io_30(struct fuse_session *se, const struct fuse_custom_io *io, int fd);
int fuse_session_custom_io_317(struct fuse_session *se, const struct fuse_custom_io *io,
			       size_t op_size, int fd);
/*
 * The WRITE being handed to the program's write/write_buf on this thread:
 * fuse_buf_copy() counts what it does with those bytes (write_sync: pwrite
 * straight from the request's payload; write_copy: copied in memory).
 */
struct compat_write {
	struct zcfuse_session *zs;
	const char *data;
	size_t size;
};
extern ZCF_TLS struct compat_write compat_cur_write;
/* Logs (debug) which libfuse headers the program was built with. */
void compat_note_version(const struct libfuse_version *v);

#endif
