/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest zcfuse filesystem. A read-only root directory that
 * holds one file, "hello", whose content is a greeting.
 *
 * Mount:    build/examples/hello -f /tmp/hello
 * Try:      cat /tmp/hello/hello
 * Unmount:  fusermount3 -u /tmp/hello
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zcfuse/zcfuse.h>

#define HELLO_INO 2

static const char hello_name[] = "hello";
static const char hello_text[] = "Hello from zcfuse!\n";
static time_t start_time; /* every timestamp: when the server started */

/* Fills @st for one of our two inodes; returns -1 for any other number. */
static int hello_stat(zcfuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = start_time;

	switch (ino) {
	case ZCFUSE_ROOT_ID:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	case HELLO_INO:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = strlen(hello_text);
		return 0;
	}
	return -1;
}

static void hello_lookup(struct zcfuse_req *req, zcfuse_ino_t parent, const char *name)
{
	struct zcfuse_entry_param e = { .ino = HELLO_INO, .attr_timeout = 1.0,
					.entry_timeout = 1.0 };

	if (parent != ZCFUSE_ROOT_ID || strcmp(name, hello_name) != 0) {
		zcfuse_reply_err(req, ENOENT);
		return;
	}
	hello_stat(HELLO_INO, &e.attr);
	/* No lookup counting needed: our inodes live forever. */
	zcfuse_reply_entry(req, &e);
}

static void hello_getattr(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	struct stat st;

	if (hello_stat(ino, &st) < 0)
		zcfuse_reply_err(req, ENOENT);
	else
		zcfuse_reply_attr(req, &st, 1.0);
}

static void hello_readdir(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
			  struct zcfuse_file_info *fi)
{
	/* The whole listing; an entry's offset is its index + 1. */
	static const struct {
		const char *name;
		zcfuse_ino_t ino;
		mode_t mode;
	} ents[] = {
		{ ".", ZCFUSE_ROOT_ID, S_IFDIR },
		{ "..", ZCFUSE_ROOT_ID, S_IFDIR },
		{ hello_name, HELLO_INO, S_IFREG },
	};
	char buf[512];
	size_t used = 0;

	if (ino != ZCFUSE_ROOT_ID) {
		zcfuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (size_t i = off; i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct stat st = { .st_ino = ents[i].ino, .st_mode = ents[i].mode };
		size_t len = zcfuse_add_direntry(req, buf + used, size - used, ents[i].name,
						 &st, i + 1);

		if (len > size - used)
			break;
		used += len;
	}
	zcfuse_reply_buf(req, buf, used);
}

static void hello_open(struct zcfuse_req *req, zcfuse_ino_t ino, struct zcfuse_file_info *fi)
{
	if (ino != HELLO_INO)
		zcfuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		zcfuse_reply_err(req, EACCES);
	else
		zcfuse_reply_open(req, fi);
}

static void hello_read(struct zcfuse_req *req, zcfuse_ino_t ino, size_t size, off_t off,
		       struct zcfuse_file_info *fi)
{
	size_t len = strlen(hello_text);

	if (off >= (off_t)len)
		size = 0;
	else if (size > len - off)
		size = len - off;
	zcfuse_reply_buf(req, hello_text + (size ? off : 0), size);
}

static const struct zcfuse_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

int main(int argc, char *argv[])
{
	start_time = time(NULL);
	return zcfuse_main(argc, argv, &hello_ops, sizeof(hello_ops), NULL, NULL);
}
