#!/bin/bash
# SPDX-License-Identifier: MIT
# The manual: every exported function (src/libzcfuse.map) is named in the
# NAME line of a section-3 page and shown in that page's SYNOPSIS; every
# program make install puts in bin/ (tools/*.c, examples/*.c as zcfuse-NAME,
# compat/zcfuse-run) has a section-1 page; zcfuse(7) names every -o option
# src/core/opts.c and src/core/opts_conn.c parse; every page renders
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

# Every option name opts.c compares against, e.g. !strcmp(opt, "threads"),
# the mount options it passes on, and the INIT options of opts_conn.c
# (its cap_opts table and its own strcmp()s), as words of the rendered
# zcfuse(7).
groff -man -Tascii -P-cbou -rLL=200n man/zcfuse.7 >"$T/zcfuse.7.txt" 2>/dev/null
for o in $(grep -oE 'strcmp\((opt|a), "[a-z_]+"\)' src/core/opts.c | sed -E 's/.*"(.*)".*/\1/' | sort -u) \
	$(sed -n '/kernel_opts\[\] = {/,/};/p' src/core/opts.c | grep -oE '"[a-z_]+"' | tr -d '"') \
	$(sed -n '/cap_opts\[\] = {/,/};/p' src/core/opts_conn.c | grep -oE '\{ "[a-z0-9_]+"' | tr -d '{ "') \
	$(grep -oE 'strcmp\(opt, "[a-z0-9_]+"\)' src/core/opts_conn.c | sed -E 's/.*"(.*)".*/\1/'); do
	grep -qw -- "$o" "$T/zcfuse.7.txt" || missing="$missing $o"
done
[ -z "$missing" ] || t_fail "options parsed in src/core/opts*.c that zcfuse(7) does not name:$missing"

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
