/* SPDX-License-Identifier: MIT */
/*
 * zcfuse's libfuse 3 compatibility: option parsing (fuse_opt_*).
 * Written for zcfuse from libfuse 3's documented ABI; layouts match 3.14.
 */
#ifndef FUSE_OPT_H_
#define FUSE_OPT_H_

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One option template. templ is matched against an argument ("-x",
 * "--name", "name=%s", "name=" , "-x %u" ...). offset says where in the
 * caller's data the value goes; -1U (FUSE_OPT_KEY) hands the argument to
 * the processing function with value as its key instead.
 */
struct fuse_opt {
	const char *templ;
	unsigned long offset;
	int value;
};

#define FUSE_OPT_KEY(templ, key) { templ, -1U, key }
#define FUSE_OPT_END { NULL, 0, 0 }

/* An argument vector; allocated is set once the vector is ours to free. */
struct fuse_args {
	int argc;
	char **argv;
	int allocated;
};

#define FUSE_ARGS_INIT(argc, argv) { argc, argv, 0 }

/* Keys handed to the processing function for arguments no template took. */
#define FUSE_OPT_KEY_OPT -1     /* an option (-x, or one of a -o list) */
#define FUSE_OPT_KEY_NONOPT -2  /* a positional argument */
/* Keys a template may carry: keep the argument, or drop it, unprocessed. */
#define FUSE_OPT_KEY_KEEP -3
#define FUSE_OPT_KEY_DISCARD -4

/* Returns -1 for an error, 0 to drop the argument, 1 to keep it. */
typedef int (*fuse_opt_proc_t)(void *data, const char *arg, int key,
			       struct fuse_args *outargs);

int fuse_opt_parse(struct fuse_args *args, void *data, const struct fuse_opt opts[],
		   fuse_opt_proc_t proc);
int fuse_opt_add_opt(char **opts, const char *opt);
int fuse_opt_add_opt_escaped(char **opts, const char *opt);
int fuse_opt_add_arg(struct fuse_args *args, const char *arg);
int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg);
void fuse_opt_free_args(struct fuse_args *args);
int fuse_opt_match(const struct fuse_opt opts[], const char *opt);

#ifdef __cplusplus
}
#endif
#endif
