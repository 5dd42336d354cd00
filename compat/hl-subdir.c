// SPDX-License-Identifier: MIT
/*
 * hl-subdir.c: the subdir module (-o modules=subdir,subdir=DIR[,rellinks]),
 * a path-mapping layer (hl-pmap.c) that puts DIR in front of every path,
 * so the mount shows DIR's contents. As in libfuse 3.14 a relative DIR
 * stays relative (to the server's working directory), the mount's root is
 * "DIR/" (or "." when DIR is empty), and with rellinks an absolute symlink
 * pointing inside DIR reads as a relative one.
 */
#include "hl-int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_subdir {
	struct hl_pmap pm; /* first: the layer's private data is the module's */
	char *base;	   /* DIR ending in '/', or "" */
	size_t baselen;
	int rellinks;
};

/* DIR + path (its leading '/' dropped). */
static int sd_path(struct hl_pmap *pm, const char *path, char **out)
{
	const struct hl_subdir *d = (const struct hl_subdir *)pm;
	size_t len;
	char *p;

	if (path[0] == '/')
		path++;
	len = strlen(path);
	p = malloc(d->baselen + len + 2);
	if (!p)
		return -ENOMEM;
	memcpy(p, d->base, d->baselen);
	memcpy(p + d->baselen, path, len + 1);
	if (!p[0])
		strcpy(p, ".");
	*out = p;
	return 0;
}

/* Start of the component after s's leading slashes. */
static const char *skip_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return s;
}

static size_t comp_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != '/')
		n++;
	return n;
}

/*
 * rellinks: an absolute target inside DIR becomes relative to the link's
 * directory: the components it shares with the link's own path go, one
 * "../" stands for each directory the link is deeper than that. Targets
 * outside DIR (or DIR itself), and results that do not fit, stay as they
 * are. link is the link's path under DIR (DIR + its mount path).
 */
static void sd_rel_link(struct hl_pmap *pm, const char *link, char *buf, size_t size)
{
	const struct hl_subdir *d = (const struct hl_subdir *)pm;
	const char *t = buf, *l = link;
	unsigned ups = 0;
	size_t rest;

	if (buf[0] != '/' || d->base[0] != '/')
		return;
	for (;;) {
		const char *nt = skip_slashes(t), *nl = skip_slashes(l);
		size_t n = comp_len(nt);

		t = nt;
		l = nl;
		if (!n || n != comp_len(nl) || memcmp(nt, nl, n) != 0)
			break;
		t += n;
		l += n;
	}
	/* The shared part must cover DIR. */
	if ((size_t)(t - buf) < d->baselen)
		return;
	for (const char *p = l; *p; ups++)
		p = skip_slashes(p + comp_len(p));
	if (ups == 0)
		return;
	ups--; /* the link's own name */
	rest = strlen(t);
	if (ups * 3 + rest + 2 > size)
		return;
	memmove(buf + ups * 3, t, rest + 1);
	for (unsigned i = 0; i < ups; i++)
		memcpy(buf + i * 3, "../", 3);
	if (!ups && !rest)
		strcpy(buf, ".");
}

static void sd_free(struct hl_pmap *pm)
{
	struct hl_subdir *d = (struct hl_subdir *)pm;

	free(d->base);
	free(d);
}

static const struct fuse_opt sd_opts[] = {
	{ "subdir=%s", offsetof(struct hl_subdir, base), 0 },
	{ "rellinks", offsetof(struct hl_subdir, rellinks), 1 },
	{ "norellinks", offsetof(struct hl_subdir, rellinks), 0 },
	FUSE_OPT_END
};

/* Everything else is for the layers below and the session. */
static int sd_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)key;
	(void)outargs;
	return 1;
}

/* Consumes subdir=, [no]rellinks from args; NULL (after a message) if
 * subdir= is missing. */
struct fuse_fs *hl_subdir_new(struct fuse_args *args, struct fuse_fs *next)
{
	struct hl_subdir *d = calloc(1, sizeof(*d));
	struct fuse_fs *fs;
	size_t len;

	if (!d) {
		fuse_log(FUSE_LOG_ERR, "fuse-subdir: out of memory\n");
		return NULL;
	}
	if (fuse_opt_parse(args, d, sd_opts, sd_opt_proc) == -1)
		goto fail;
	if (!d->base) {
		fuse_log(FUSE_LOG_ERR, "fuse-subdir: missing 'subdir' option\n");
		goto fail;
	}
	len = strlen(d->base);
	if (len && d->base[len - 1] != '/') {
		char *b = realloc(d->base, len + 2);

		if (!b) {
			fuse_log(FUSE_LOG_ERR, "fuse-subdir: out of memory\n");
			goto fail;
		}
		b[len++] = '/';
		b[len] = '\0';
		d->base = b;
	}
	d->baselen = len;
	d->pm.next = next;
	d->pm.to_next = sd_path;
	d->pm.link_fix = d->rellinks ? sd_rel_link : NULL;
	d->pm.free = sd_free;
	fs = hl_pmap_new(&d->pm);
	if (fs)
		return fs;
fail:
	free(d->base);
	free(d);
	return NULL;
}
