// SPDX-License-Identifier: MIT
/*
 * hl-iconv.c: the iconv module (-o modules=iconv[,from_code=CS][,to_code=CS]),
 * a path-mapping layer (hl-pmap.c) that shows the next filesystem's names,
 * stored in from_code (default UTF-8), in to_code (default: the locale's
 * character set). As in libfuse 3.14: paths and a new link's text go to
 * the filesystem converted back to from_code, readdir names and readlink
 * text come out in to_code, a readdir name that does not convert is left
 * out, and any other name that does not convert fails with EILSEQ.
 */
#include "hl-int.h"

#include <errno.h>
#include <iconv.h>
#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct hl_iconv {
	struct hl_pmap pm; /* first: the layer's private data is the module's */
	char *from_code;
	char *to_code;
	pthread_mutex_t lock; /* an iconv_t keeps state: one conversion at a time */
	iconv_t to_fs;	      /* to_code -> from_code */
	iconv_t from_fs;      /* from_code -> to_code */
};

static int ic_conv(struct hl_iconv *ic, iconv_t cd, const char *in, char **out)
{
	size_t inlen = strlen(in), cap = inlen * 4 + 4, left;
	char *buf = malloc(cap + 1), *p, *src = (char *)in;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	p = buf;
	left = cap;
	pthread_mutex_lock(&ic->lock);
	while (inlen > 0 && iconv(cd, &src, &inlen, &p, &left) == (size_t)-1) {
		size_t used = (size_t)(p - buf);
		char *nb;

		if (errno != E2BIG) {
			err = -EILSEQ;
			break;
		}
		cap = cap * 2 + inlen * 4;
		nb = realloc(buf, cap + 1);
		if (!nb) {
			err = -ENOMEM;
			break;
		}
		buf = nb;
		p = buf + used;
		left = cap - used;
	}
	/* Back to the initial shift state for the next caller. */
	iconv(cd, NULL, NULL, NULL, NULL);
	pthread_mutex_unlock(&ic->lock);
	if (err) {
		free(buf);
		return err;
	}
	*p = '\0';
	*out = buf;
	return 0;
}

static int ic_to_next(struct hl_pmap *pm, const char *path, char **out)
{
	struct hl_iconv *ic = (struct hl_iconv *)pm;

	return ic_conv(ic, ic->to_fs, path, out);
}

static int ic_from_next(struct hl_pmap *pm, const char *name, char **out)
{
	struct hl_iconv *ic = (struct hl_iconv *)pm;

	return ic_conv(ic, ic->from_fs, name, out);
}

/* A link's text comes back converted, cut to the buffer if longer. */
static void ic_link_fix(struct hl_pmap *pm, const char *path, char *buf, size_t size)
{
	char *nl;

	(void)path;
	if (size && ic_from_next(pm, buf, &nl) == 0) {
		strncpy(buf, nl, size - 1);
		buf[size - 1] = '\0';
		free(nl);
	}
}

static void ic_free(struct hl_pmap *pm)
{
	struct hl_iconv *ic = (struct hl_iconv *)pm;

	iconv_close(ic->to_fs);
	iconv_close(ic->from_fs);
	pthread_mutex_destroy(&ic->lock);
	free(ic->from_code);
	free(ic->to_code);
	free(ic);
}

static const struct fuse_opt ic_opts[] = {
	{ "from_code=%s", offsetof(struct hl_iconv, from_code), 0 },
	{ "to_code=%s", offsetof(struct hl_iconv, to_code), 0 },
	FUSE_OPT_END
};

/* Everything else is for the layers below and the session. */
static int ic_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)outargs;
	return 1;
}

struct fuse_fs *hl_iconv_new(struct fuse_args *args, struct fuse_fs *next)
{
	struct hl_iconv *ic = calloc(1, sizeof(*ic));
	const char *from, *to;
	char *saved = NULL;
	struct fuse_fs *fs;

	if (!ic) {
		fuse_log(FUSE_LOG_ERR, "fuse-iconv: out of memory\n");
		return NULL;
	}
	ic->to_fs = ic->from_fs = (iconv_t)-1;
	if (fuse_opt_parse(args, ic, ic_opts, ic_opt_proc) == -1)
		goto fail;
	from = ic->from_code ? ic->from_code : "UTF-8";
	to = ic->to_code ? ic->to_code : "";
	/* "" is the locale's character set, taken from the environment for
	 * the two opens only. */
	if (!to[0]) {
		const char *cur = setlocale(LC_CTYPE, NULL);

		saved = cur ? strdup(cur) : NULL;
		setlocale(LC_CTYPE, "");
	}
	ic->to_fs = iconv_open(from, to);
	ic->from_fs = iconv_open(to, from);
	if (saved) {
		setlocale(LC_CTYPE, saved);
		free(saved);
	}
	if (ic->to_fs == (iconv_t)-1 || ic->from_fs == (iconv_t)-1) {
		fuse_log(FUSE_LOG_ERR, "fuse-iconv: cannot convert between %s and %s\n", from,
			 to[0] ? to : "the locale's character set");
		goto fail;
	}
	pthread_mutex_init(&ic->lock, NULL);
	ic->pm.next = next;
	ic->pm.to_next = ic_to_next;
	ic->pm.from_next = ic_from_next;
	ic->pm.link_fix = ic_link_fix;
	ic->pm.map_link_target = 1;
	ic->pm.free = ic_free;
	fs = hl_pmap_new(&ic->pm);
	if (fs)
		return fs;
	pthread_mutex_destroy(&ic->lock);
fail:
	if (ic->to_fs != (iconv_t)-1)
		iconv_close(ic->to_fs);
	if (ic->from_fs != (iconv_t)-1)
		iconv_close(ic->from_fs);
	free(ic->from_code);
	free(ic->to_code);
	free(ic);
	return NULL;
}
