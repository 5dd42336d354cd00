#!/bin/bash
# SPDX-License-Identifier: MIT
# The manual: every exported function (src/libzcfuse.map) is named in the
# NAME line of a section-3 page and shown in that page's SYNOPSIS; every
# program make install puts in bin/ (tools/*.c, examples/*.c as zcfuse-NAME,
# compat/zcfuse-run) has a section-1 page; zcfuse(7)'s OPTIONS and -h (made
# from src/core/opts.c's table) name the same -o options; every page renders
# without a groff -ww warning and says the Makefile's VERSION in its title
# line; and scripts/man-links gives one link per extra name, none shadowing
# a real page.
. "$(dirname "$0")/../lib/common.sh"

R=$T_REPO
t_need_cmd groff
cd "$R" || t_fail "cd $R"
version=$(sed -n 's/^VERSION := //p' Makefile)
pages=$(ls man/*.[1-8] 2>/dev/null)
[ -n "$pages" ] || t_fail "no pages in man/"

syms=$(sed -e 's|/\*.*\*/||g' src/libzcfuse.map | awk '/^[ \t]*[a-z_][a-z0-9_]*;[ \t]*$/ { sub(/;/, "", $1); print $1 }')
links=$(scripts/man-links $pages)
# Each page's SYNOPSIS, once.
for p in $(ls man/*.3 2>/dev/null); do
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$p" >"$T/syn.${p##*/}"
done
missing=""
for s in $syms; do
	page=""
	while read -r l pg; do
		[ "$l" = "$s.3" ] && { page=$pg; break; }
	done <<<"$links"
	[ -z "$page" ] && [ -e "man/$s.3" ] && page=man/$s.3
	if [ -z "$page" ]; then
		missing="$missing $s(no page names it)"
	elif ! grep -q "[ \"*]$s(" "$T/syn.${page##*/}"; then
		missing="$missing $s(not in $page's SYNOPSIS)"
	fi
done
[ -z "$missing" ] || t_fail "undocumented symbols:$missing"

for src in tools/*.c examples/*.c compat/zcfuse-run; do
	n=$(basename "$src" .c)
	case $src in examples/*) n=zcfuse-$n ;; esac
	[ -e "$src" ] || continue
	[ -f "man/$n.1" ] || missing="$missing $n"
done
[ -z "$missing" ] || t_fail "installed programs without a man/NAME.1 page:$missing"

# The options: -h is made from src/core/opts.c's table (unit/opts checks
# it lists every row) plus INIT's list in opts_conn.c; zcfuse(7)'s OPTIONS
# must name every option -h names, and -h every option an OPTIONS tag
# names, so that neither drifts from the table. Also every INIT option of
# opts_conn.c's cap_opts table appears in -h.
help=$("$(t_example hello)" --help) || t_fail "hello --help failed"
# -h's heads: "    -o NAME[=ARG]  text", "       more, names" (INIT's
# continued lists); [no_]X stands for X and no_X.
help_opts=$(echo "$help" | awk '
	/^    -o / || /^       [a-z\[]/ {
		h = $0; sub(/^ *(-o )?/, "", h); sub(/  .*/, "", h)
		n = split(h, w, /[, ]+/)
		for (i = 1; i <= n; i++) {
			t = w[i]; sub(/=.*/, "", t)
			if (t ~ /^\[no_\]/) { sub(/^\[no_\]/, "", t); print "no_" t }
			if (t ~ /^[a-z][a-z0-9_]*$/ && t != "opt") print t
		}
	}' | sort -u)
# zcfuse(7)'s OPTIONS: the words of each .TP tag line (continued lines joined).
man_opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' man/zcfuse.7 | awk '
	join { line = line " " $0; if (line ~ /\\$/) { sub(/\\$/, "", line); next } join = 0; tag = 1 }
	tag { gsub(/\\f[RBIP]|\\c/, "", line); gsub(/\\-/, "-", line); gsub(/[",]/, " ", line)
	      n = split(line, w, / +/)
	      for (i = 1; i <= n; i++) { t = w[i]; sub(/=$/, "", t); if (t ~ /^[a-z][a-z0-9_]*$/ && t != "opt") print t }
	      tag = 0; next }
	/^\.TP/ { join = 1; line = ""; next }' | sort -u)
[ "$(echo "$help_opts" | wc -l)" -gt 40 ] || t_fail "-h names only $(echo "$help_opts" | wc -l) options: the parse is broken"
miss=$(comm -23 <(echo "$help_opts") <(echo "$man_opts") | tr '\n' ' ')
[ -z "$miss" ] || t_fail "options -h lists that zcfuse(7)'s OPTIONS does not: $miss"
miss=$(comm -13 <(echo "$help_opts") <(echo "$man_opts") | tr '\n' ' ')
[ -z "$miss" ] || t_fail "options zcfuse(7)'s OPTIONS names that -h does not list: $miss"
for o in $(sed -n '/cap_opts\[\] = {/,/};/p' src/core/opts_conn.c | grep -oE '\{ "[a-z0-9_]+"' | tr -d '{ "'); do
	grep -qx -- "$o" <<<"$help_opts" || missing="$missing $o"
done
[ -z "$missing" ] || t_fail "INIT options of opts_conn.c that -h does not list:$missing"

# groff -ww (every warning) is stricter than man --warnings (its default
# set); both were clean when the pages were written.
for p in $pages; do
	w=$(groff -man -ww -z "$p" 2>&1)
	[ -z "$w" ] || t_fail "$p: groff warns: $(echo "$w" | head -3)"
	head -5 "$p" | grep -q "^\.TH .* \"zcfuse $version\"" || t_fail "$p: .TH does not say \"zcfuse $version\""
done

echo "$links" | while read -r l page; do
	[ -z "$l" ] && continue
	[ ! -e "man/$l" ] || t_fail_from_subshell "link $l (from $page) would overwrite the page man/$l"
done
t_log "$(echo "$syms" | wc -w) symbols documented; $(echo "$pages" | wc -w) pages, $(echo "$links" | grep -c .) links, no warnings"
exit 0
