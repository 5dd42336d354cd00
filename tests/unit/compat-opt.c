/* SPDX-License-Identifier: MIT */
/*
 * fuse_opt_* and fuse_parse_cmdline of zcfuse's libfuse compatibility
 * library, one check group per rule of libfuse's option parser. Linked
 * with build/compat/libfuse3.so.3, as a libfuse program is.
 */
#define FUSE_USE_VERSION 314
#include "zcfuse/compat/fuse_lowlevel.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

struct cfg {
	int flag, flag2, nameset, both;
	char *str;
	unsigned u;
	unsigned long lu;
	int port;
	char *keys; /* "key:arg;" per proc call */
};

#define C(t, m, v) { t, offsetof(struct cfg, m), v }
enum { K_KEY = 10, K_FAIL = 11, K_DROP = 12 };
static const struct fuse_opt opts[] = {
	C("-x", flag, 1),
	C("--long", flag2, 7),
	C("str=%s", str, 0),
	C("u=%u", u, 0),
	C("lu=%lu", lu, 0),
	C("-p %d", port, 0),
	C("name=", nameset, 3),
	C("both", flag, 2),
	C("both", both, 1),
	FUSE_OPT_KEY("key", K_KEY),
	FUSE_OPT_KEY("fail", K_FAIL),
	FUSE_OPT_KEY("drop", K_DROP),
	FUSE_OPT_KEY("keepme", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("gone", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END
};

static int proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct cfg *c = data;
	char buf[256];

	snprintf(buf, sizeof(buf), "%d:%s;", key, arg);
	fuse_opt_add_opt(&c->keys, buf); /* comma separated log */
	if (key == K_FAIL)
		return -1;
	if (key == K_DROP || !strcmp(arg, "dropped"))
		return 0;
	return 1;
}

/* Parses a NULL-terminated list; returns the result, args and cfg filled. */
static int parse(struct fuse_args *a, struct cfg *c, const char **v)
{
	static char *vec[32];
	int n = 0;

	while (v[n]) {
		vec[n] = (char *)v[n];
		n++;
	}
	vec[n] = NULL;
	memset(c, 0, sizeof(*c));
	a->argc = n;
	a->argv = vec;
	a->allocated = 0;
	return fuse_opt_parse(a, c, opts, proc);
}

static char *joined(const struct fuse_args *a)
{
	static char s[1024];
	int i;

	s[0] = 0;
	for (i = 0; i < a->argc; i++) {
		strcat(s, i ? " " : "");
		strcat(s, a->argv[i]);
	}
	return s;
}

#define ARGS(...) ((const char *[]){ "prog", __VA_ARGS__, NULL })
#define T_STR(a, b) T_CHECK(!strcmp((a), (b)), "got '%s', expected '%s'", (a), (b))

int main(void)
{
	struct fuse_args a;
	struct cfg c;

	/* Rule: an exact template stores its value as an int. */
	T_EQ(parse(&a, &c, ARGS("-x", "--long")), 0, "exact");
	T_EQ(c.flag, 1, "-x");
	T_EQ(c.flag2, 7, "--long");
	T_STR(joined(&a), "prog");
	fuse_opt_free_args(&a);

	/* Rule: %s takes a copy; a later one replaces (and frees) the earlier. */
	T_EQ(parse(&a, &c, ARGS("-o", "str=one", "-ostr=two")), 0, "%%s");
	T_STR(c.str ? c.str : "", "two");
	free(c.str);
	fuse_opt_free_args(&a);

	/* Rule: other formats go through sscanf; a bad value is an error. */
	T_EQ(parse(&a, &c, ARGS("-ou=42,lu=123456789012")), 0, "%%u %%lu");
	T_EQ(c.u, 42, "u");
	T_EQ(c.lu, 123456789012UL, "lu");
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-ou=notanumber")), -1, "bad %%u");

	/* Rule: "-p %d" takes its value joined ("-p5") or as the next argument. */
	T_EQ(parse(&a, &c, ARGS("-p", "80")), 0, "-p 80");
	T_EQ(c.port, 80, "separate");
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-p81")), 0, "-p81");
	T_EQ(c.port, 81, "joined");
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-p")), -1, "-p without a value");

	/* Rule: "name=" without a format matches any value and stores value. */
	T_EQ(parse(&a, &c, ARGS("-oname=whatever")), 0, "name=");
	T_EQ(c.nameset, 3, "name=");
	fuse_opt_free_args(&a);

	/* Rule: every matching template acts. */
	T_EQ(parse(&a, &c, ARGS("-oboth")), 0, "both");
	T_EQ(c.flag, 2, "first template");
	T_EQ(c.both, 1, "second template");
	fuse_opt_free_args(&a);

	/* Rule: FUSE_OPT_KEY calls proc with the key; 1 keeps, 0 drops, -1 fails. */
	T_EQ(parse(&a, &c, ARGS("-okey,drop", "key")), 0, "keys");
	T_STR(c.keys ? c.keys : "", "10:key;,12:drop;,-2:key;");
	T_STR(joined(&a), "prog -o key key");
	free(c.keys);
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-ofail")), -1, "proc -1");
	free(c.keys);

	/* Rule: unknown options reach proc as KEY_OPT, positionals as KEY_NONOPT. */
	T_EQ(parse(&a, &c, ARGS("-q", "-ounk=1", "pos", "dropped")), 0, "unknown");
	T_STR(c.keys ? c.keys : "", "-1:-q;,-1:unk=1;,-2:pos;,-2:dropped;");
	T_STR(joined(&a), "prog -o unk=1 -q pos");
	free(c.keys);
	fuse_opt_free_args(&a);

	/* Rule: KEEP keeps without calling proc; DISCARD drops without it. */
	T_EQ(parse(&a, &c, ARGS("-okeepme,gone", "keepme", "gone")), 0, "keep/discard");
	/* (the positional "keepme" and "gone" are no options: proc sees them) */
	T_STR(c.keys ? c.keys : "", "-2:keepme;,-2:gone;");
	T_STR(joined(&a), "prog -o keepme keepme gone");
	free(c.keys);
	fuse_opt_free_args(&a);

	/* Rule: -o lists split at commas; kept ones gather into one -o at 1. */
	T_EQ(parse(&a, &c, ARGS("pos", "-oa,b", "-o", "c", "-x")), 0, "-o gather");
	T_STR(joined(&a), "prog -o a,b,c pos");
	free(c.keys);
	fuse_opt_free_args(&a);

	/* Rule: backslash escapes a comma or itself; \ooo is octal; kept
	 * options are escaped again when gathered. */
	T_EQ(parse(&a, &c, ARGS("-ostr=a\\,b\\\\c\\054d")), 0, "escapes");
	T_STR(c.str ? c.str : "", "a,b\\c,d");
	free(c.str);
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-ox\\,y")), 0, "escaped kept");
	T_STR(c.keys ? c.keys : "", "-1:x,y;");
	T_STR(joined(&a), "prog -o x\\,y");
	free(c.keys);
	fuse_opt_free_args(&a);

	/* Rule: after "--" everything is positional; a trailing "--" goes. */
	T_EQ(parse(&a, &c, ARGS("--", "-x", "-oa")), 0, "--");
	T_EQ(c.flag, 0, "-x after --");
	T_STR(joined(&a), "prog -- -x -oa");
	free(c.keys);
	fuse_opt_free_args(&a);
	T_EQ(parse(&a, &c, ARGS("-x", "--")), 0, "trailing --");
	T_STR(joined(&a), "prog");
	fuse_opt_free_args(&a);

	/* Rule: -o without a list is an error. */
	T_EQ(parse(&a, &c, ARGS("-o")), -1, "-o alone");

	/* fuse_opt_add_arg, insert_arg, free_args on a vector of our own. */
	{
		struct fuse_args b = FUSE_ARGS_INIT(0, NULL);

		T_EQ(fuse_opt_add_arg(&b, "one"), 0, "add");
		T_EQ(fuse_opt_add_arg(&b, "three"), 0, "add");
		T_EQ(fuse_opt_insert_arg(&b, 1, "two"), 0, "insert");
		T_EQ(fuse_opt_insert_arg(&b, 0, "zero"), 0, "insert at 0");
		T_STR(joined(&b), "zero one two three");
		T_CHECK(b.argv[b.argc] == NULL, "NULL-terminated");
		T_EQ(b.allocated, 1, "allocated");
		fuse_opt_free_args(&b);
		T_EQ(b.argc, 0, "freed");
		T_CHECK(b.argv == NULL, "freed");
	}
	/* fuse_opt_add_opt and _escaped. */
	{
		char *o = NULL;

		T_EQ(fuse_opt_add_opt(&o, "a"), 0, "add_opt");
		T_EQ(fuse_opt_add_opt(&o, "b,c"), 0, "add_opt");
		T_EQ(fuse_opt_add_opt_escaped(&o, "d,e\\f"), 0, "escaped");
		T_STR(o, "a,b,c,d\\,e\\\\f");
		free(o);
	}
	/* fuse_opt_match. */
	T_EQ(fuse_opt_match(opts, "str=x"), 1, "match %%s");
	T_EQ(fuse_opt_match(opts, "-x"), 1, "match exact");
	T_EQ(fuse_opt_match(opts, "-y"), 0, "no match");
	T_EQ(fuse_opt_match(NULL, "-x"), 0, "NULL table");

	/* fuse_parse_cmdline: flags, -o values, mountpoint, default subtype. */
	{
		static char *v[] = { "/usr/bin/myfs", "-f", "-s", "-d", "-o", "max_threads=3,clone_fd,allow_other",
				     "/tmp", NULL };
		struct fuse_args b = FUSE_ARGS_INIT(7, v);
		struct fuse_cmdline_opts o;

		T_EQ(fuse_parse_cmdline(&b, &o), 0, "parse_cmdline");
		T_EQ(o.foreground, 1, "-f");
		T_EQ(o.singlethread, 1, "-s");
		T_EQ(o.debug, 1, "-d");
		T_EQ(o.clone_fd, 1, "clone_fd");
		T_EQ(o.max_threads, 3, "max_threads");
		T_STR(o.mountpoint ? o.mountpoint : "", "/tmp");
		T_STR(joined(&b), "/usr/bin/myfs -o allow_other -d -osubtype=myfs");
		free(o.mountpoint);
		fuse_opt_free_args(&b);
	}
	{
		static char *v[] = { "prog", "/tmp", "/var", NULL };
		struct fuse_args b = FUSE_ARGS_INIT(3, v);
		struct fuse_cmdline_opts o;

		T_EQ(fuse_parse_cmdline(&b, &o), -1, "two mountpoints");
		free(o.mountpoint); /* the first one stays the caller's, as in libfuse */
	}
	return t_exit("compat-opt");
}
