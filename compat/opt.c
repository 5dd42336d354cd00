/* SPDX-License-Identifier: MIT */
/*
 * fuse_opt_*: libfuse's option parser, written for zcfuse from its
 * documented behaviour. An argument vector is walked once; each argument is
 * a positional ("NONOPT", and everything after "--"), a "-o" list (split at
 * unescaped commas, backslash escapes and \ooo octal undone), or an option
 * matched against the templates. Arguments nobody consumes are rebuilt into
 * the output vector, "-o" options gathered into one "-o a,b" at position 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct opt_walk {
	void *data;
	const struct fuse_opt *opts;
	fuse_opt_proc_t proc;
	int argc, at;        /* input vector and the argument being read */
	char **argv;
	struct fuse_args out;
	char *olist;         /* gathered -o options, escaped */
	int nonopt;          /* out.argc just after "--", 0 before one */
};

static int no_memory(void)
{
	fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
	return -1;
}

ZCF_COMPAT_API int fuse_opt_add_arg(struct fuse_args *args, const char *arg)
{
	char **v;
	char *copy;

	if (args->argv && !args->allocated) {
		/* A caller's static vector: make it ours before growing it. */
		char **own = calloc((size_t)args->argc + 1, sizeof(*own));
		int i;

		if (!own)
			return no_memory();
		for (i = 0; i < args->argc; i++)
			if (!(own[i] = strdup(args->argv[i]))) {
				while (i--)
					free(own[i]);
				free(own);
				return no_memory();
			}
		args->argv = own;
		args->allocated = 1;
	}
	copy = strdup(arg);
	v = copy ? realloc(args->argv, ((size_t)args->argc + 2) * sizeof(*v)) : NULL;
	if (!v) {
		free(copy);
		return no_memory();
	}
	v[args->argc++] = copy;
	v[args->argc] = NULL;
	args->argv = v;
	args->allocated = 1;
	return 0;
}

ZCF_COMPAT_API int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg)
{
	char *moved;

	if (pos < 0 || pos > args->argc)
		return -1;
	if (fuse_opt_add_arg(args, arg))
		return -1;
	moved = args->argv[args->argc - 1];
	memmove(&args->argv[pos + 1], &args->argv[pos],
		(size_t)(args->argc - 1 - pos) * sizeof(char *));
	args->argv[pos] = moved;
	return 0;
}

ZCF_COMPAT_API void fuse_opt_free_args(struct fuse_args *args)
{
	int i;

	if (!args)
		return;
	if (args->argv && args->allocated) {
		for (i = 0; i < args->argc; i++)
			free(args->argv[i]);
		free(args->argv);
	}
	args->argc = 0;
	args->argv = NULL;
	args->allocated = 0;
}

/* Appends ",opt" (or "opt" to an empty list), escaping , and \ if asked. */
static int append_opt(char **list, const char *opt, int escape)
{
	size_t old = *list ? strlen(*list) : 0, i, n = 0;
	char *s;

	for (i = 0; opt[i]; i++)
		n += escape && (opt[i] == ',' || opt[i] == '\\') ? 2 : 1;
	s = realloc(*list, old + n + 2);
	if (!s)
		return no_memory();
	if (*list)
		s[old++] = ',';
	for (i = 0; opt[i]; i++) {
		if (escape && (opt[i] == ',' || opt[i] == '\\'))
			s[old++] = '\\';
		s[old++] = opt[i];
	}
	s[old] = 0;
	*list = s;
	return 0;
}

ZCF_COMPAT_API int fuse_opt_add_opt(char **opts, const char *opt)
{
	return append_opt(opts, opt, 0);
}

ZCF_COMPAT_API int fuse_opt_add_opt_escaped(char **opts, const char *opt)
{
	return append_opt(opts, opt, 1);
}

/*
 * Does template @t take @arg? A template ending in "=" or " ", or with
 * "=%"/" %" (a value format), matches any argument starting with its part
 * before the separator ("=" included); *sep is that part's length. Any
 * other template matches only itself (*sep = 0).
 */
static int template_takes(const char *t, const char *arg, unsigned *sep)
{
	const char *s = strchr(t, '=');
	size_t len;

	if (!s)
		s = strchr(t, ' ');
	if (s && (s[1] == 0 || s[1] == '%')) {
		len = (size_t)(s - t) + (*s == '=');
		if (strlen(arg) >= len && !strncmp(arg, t, len)) {
			*sep = (unsigned)(s - t);
			return 1;
		}
	}
	if (!strcmp(t, arg)) {
		*sep = 0;
		return 1;
	}
	return 0;
}

static const struct fuse_opt *next_match(const struct fuse_opt *o, const char *arg,
					 unsigned *sep)
{
	for (; o && o->templ; o++)
		if (template_takes(o->templ, arg, sep))
			return o;
	return NULL;
}

ZCF_COMPAT_API int fuse_opt_match(const struct fuse_opt opts[], const char *opt)
{
	unsigned sep;

	return next_match(opts, opt, &sep) ? 1 : 0;
}

/* Hands an argument to the program's function; keeps it if asked to. */
static int to_proc(struct opt_walk *w, const char *arg, int key, int in_olist)
{
	int res;

	if (key == FUSE_OPT_KEY_DISCARD)
		return 0;
	if (key != FUSE_OPT_KEY_KEEP && w->proc) {
		res = w->proc(w->data, arg, key, &w->out);
		if (res == -1 || res == 0)
			return res;
	}
	return in_olist ? fuse_opt_add_opt_escaped(&w->olist, arg)
			: fuse_opt_add_arg(&w->out, arg);
}

/* Stores a template's value: "%s" takes a copy, other formats go to sscanf. */
static int store_value(void *var, const char *fmt, const char *val, const char *arg)
{
	if (!strcmp(fmt, "%s")) {
		char **s = var, *copy = strdup(val);

		if (!copy)
			return no_memory();
		free(*s);
		*s = copy;
		return 0;
	}
	if (sscanf(val, fmt, var) != 1) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n", arg);
		return -1;
	}
	return 0;
}

static int apply(struct opt_walk *w, const struct fuse_opt *o, unsigned sep, const char *arg,
		 int in_olist)
{
	void *var;

	if (o->offset == -1UL || o->offset == -1U)
		return to_proc(w, arg, o->value, in_olist);
	var = (char *)w->data + o->offset;
	if (sep && o->templ[sep + 1]) {
		const char *val = arg + sep + (o->templ[sep] == '=');

		return store_value(var, o->templ + sep + 1, val, arg);
	}
	*(int *)var = o->value;
	return 0;
}

/* "-x VALUE" given as two arguments: join them and apply. */
static int apply_with_next(struct opt_walk *w, const struct fuse_opt *o, unsigned sep,
			   const char *arg, int in_olist)
{
	char *joined;
	int res;

	if (w->at + 1 >= w->argc) {
		fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
		return -1;
	}
	w->at++;
	if (asprintf(&joined, "%s%s", arg, w->argv[w->at]) < 0)
		return no_memory();
	res = apply(w, o, sep, joined, in_olist);
	free(joined);
	return res;
}

/* One option: every template that matches acts on it. */
static int one_option(struct opt_walk *w, const char *arg, int in_olist)
{
	unsigned sep;
	const struct fuse_opt *o = next_match(w->opts, arg, &sep);

	if (!o)
		return to_proc(w, arg, FUSE_OPT_KEY_OPT, in_olist);
	for (; o; o = next_match(o + 1, arg, &sep)) {
		int res = sep && o->templ[sep] == ' ' && !arg[sep]
				  ? apply_with_next(w, o, sep, arg, in_olist)
				  : apply(w, o, sep, arg, in_olist);

		if (res == -1)
			return -1;
	}
	return 0;
}

/* A -o list: split at commas not escaped, undo \X and \ooo escapes. */
static int option_list(struct opt_walk *w, const char *list)
{
	char *tok = malloc(strlen(list) + 1), *d = tok;
	const char *s;
	int res = 0;

	if (!tok)
		return no_memory();
	for (s = list;; s++) {
		if (*s == ',' || !*s) {
			*d = 0;
			res = one_option(w, tok, 1);
			if (res == -1 || !*s)
				break;
			d = tok;
		} else if (s[0] == '\\' && s[1]) {
			s++;
			if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' &&
			    s[2] >= '0' && s[2] <= '7') {
				*d++ = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
				s += 2;
			} else {
				*d++ = *s;
			}
		} else {
			*d++ = *s;
		}
	}
	free(tok);
	return res == -1 ? -1 : 0;
}

static int one_arg(struct opt_walk *w, const char *arg)
{
	if (w->nonopt || arg[0] != '-')
		return to_proc(w, arg, FUSE_OPT_KEY_NONOPT, 0);
	if (arg[1] == 'o') {
		if (arg[2])
			return option_list(w, arg + 2);
		if (w->at + 1 >= w->argc) {
			fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
			return -1;
		}
		return option_list(w, w->argv[++w->at]);
	}
	if (!strcmp(arg, "--")) {
		if (fuse_opt_add_arg(&w->out, arg))
			return -1;
		w->nonopt = w->out.argc;
		return 0;
	}
	return one_option(w, arg, 0);
}

ZCF_COMPAT_API int fuse_opt_parse(struct fuse_args *args, void *data,
				  const struct fuse_opt opts[], fuse_opt_proc_t proc)
{
	struct opt_walk w = { .data = data, .opts = opts, .proc = proc };
	int res = 0;

	if (!args || !args->argv || !args->argc)
		return 0;
	w.argc = args->argc;
	w.argv = args->argv;
	if (fuse_opt_add_arg(&w.out, w.argv[0]))
		return -1;
	for (w.at = 1; w.at < w.argc && res != -1; w.at++)
		res = one_arg(&w, w.argv[w.at]);
	if (res != -1 && w.olist &&
	    (fuse_opt_insert_arg(&w.out, 1, "-o") || fuse_opt_insert_arg(&w.out, 2, w.olist)))
		res = -1;
	free(w.olist);
	if (res == -1) {
		fuse_opt_free_args(&w.out);
		return -1;
	}
	/* A "--" left last separates nothing: drop it. */
	if (w.nonopt && w.nonopt == w.out.argc && !strcmp(w.out.argv[w.out.argc - 1], "--")) {
		free(w.out.argv[--w.out.argc]);
		w.out.argv[w.out.argc] = NULL;
	}
	fuse_opt_free_args(args);
	*args = w.out;
	return 0;
}
