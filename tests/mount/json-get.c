/* SPDX-License-Identifier: MIT */
/*
 * json-get FILE [PATH]: checks that FILE is one valid JSON value and prints
 * the value at PATH, a dotted list of object keys and array indexes
 * ("requests.via_ring", "jobs.0.error"). Strings print without quotes,
 * objects and arrays as their JSON text. Exit 0 found, 1 invalid JSON,
 * 2 no such path. Used by the shell tests because the test VM has no python.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t pos, len;
	const char *err;
};

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
}

static bool fail(struct parser *p, const char *why)
{
	if (!p->err)
		p->err = why;
	return false;
}

static bool value(struct parser *p, int depth);

static bool string(struct parser *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p, "expected a string");
	p->pos++;
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos++];

		if (c == '"')
			return true;
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c == '\\') {
			if (p->pos >= p->len)
				break;
			c = p->s[p->pos++];
			if (c == 'u') {
				for (int i = 0; i < 4; i++, p->pos++)
					if (p->pos >= p->len || !isxdigit((unsigned char)p->s[p->pos]))
						return fail(p, "bad \\u escape");
			} else if (!strchr("\"\\/bfnrt", c)) {
				return fail(p, "bad escape");
			}
		}
	}
	return fail(p, "unterminated string");
}

static bool number(struct parser *p)
{
	size_t start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !isdigit((unsigned char)p->s[p->pos]))
		return fail(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !isdigit((unsigned char)p->s[p->pos]))
			return fail(p, "bad fraction");
		while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !isdigit((unsigned char)p->s[p->pos]))
			return fail(p, "bad exponent");
		while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos]))
			p->pos++;
	}
	return p->pos > start;
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return fail(p, "unexpected token");
	p->pos += n;
	return true;
}

static bool container(struct parser *p, int depth, char close)
{
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (close == '}') {
			if (!string(p))
				return false;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
		}
		if (!value(p, depth + 1))
			return false;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		return fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool value(struct parser *p, int depth)
{
	if (depth > 64)
		return fail(p, "nested too deep");
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end");
	switch (p->s[p->pos]) {
	case '{':
		return container(p, depth, '}');
	case '[':
		return container(p, depth, ']');
	case '"':
		return string(p);
	case 't':
		return literal(p, "true");
	case 'f':
		return literal(p, "false");
	case 'n':
		return literal(p, "null");
	default:
		return number(p);
	}
}

/* Positions p at the member @key of the object (or index of the array) at p. */
static bool descend(struct parser *p, const char *key)
{
	char open = p->s[p->pos];
	long index = -1, i = 0;
	size_t klen = strlen(key);

	if (open == '[') {
		char *end;

		index = strtol(key, &end, 10);
		if (*end || index < 0)
			return false;
	} else if (open != '{') {
		return false;
	}
	p->pos++;
	for (;;) {
		skip_ws(p);
		if (p->s[p->pos] == '}' || p->s[p->pos] == ']')
			return false;
		if (open == '{') {
			size_t kstart = p->pos + 1;
			bool match;

			string(p);
			match = p->pos - kstart - 1 == klen && !memcmp(p->s + kstart, key, klen);
			skip_ws(p);
			p->pos++; /* ':' */
			skip_ws(p);
			if (match)
				return true;
		} else if (i++ == index) {
			skip_ws(p);
			return true;
		}
		value(p, 0);
		skip_ws(p);
		if (p->s[p->pos] == ',')
			p->pos++;
	}
}

int main(int argc, char *argv[])
{
	struct parser p = { 0 };
	char *text = NULL, *grown, *path, *key, *save = NULL;
	size_t cap = 0, n, start;
	int ret = 0;
	FILE *f;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s FILE [PATH]\n", argv[0]);
		return 1;
	}
	f = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	do {
		grown = realloc(text, cap + 65536 + 1);
		if (!grown) {
			free(text);
			return 1;
		}
		text = grown;
		n = fread(text + cap, 1, 65536, f);
		cap += n;
	} while (n > 0);
	text[cap] = 0;
	if (f != stdin)
		fclose(f);
	p.s = text;
	p.len = cap;
	if (!value(&p, 0) || (skip_ws(&p), p.pos != p.len)) {
		fprintf(stderr, "%s: invalid JSON at byte %zu: %s\n", argv[1], p.pos,
			p.err ? p.err : "trailing text");
		ret = 1;
		goto out;
	}
	p.pos = 0;
	skip_ws(&p);
	path = argc == 3 ? argv[2] : NULL;
	if (path && strcmp(path, ".")) {
		for (key = strtok_r(path, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
			if (!descend(&p, key)) {
				fprintf(stderr, "%s: no '%s' in the path\n", argv[1], key);
				ret = 2;
				goto out;
			}
		}
	}
	start = p.pos;
	value(&p, 0);
	if (p.s[start] == '"')
		printf("%.*s\n", (int)(p.pos - start - 2), p.s + start + 1);
	else
		printf("%.*s\n", (int)(p.pos - start), p.s + start);
out:
	free(text);
	return ret;
}
