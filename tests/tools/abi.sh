#!/bin/bash
# SPDX-License-Identifier: MIT
# The exported ABI is written down in three places that must agree, name by
# name and version node by version node:
#   include/zcfuse/zcfuse.h       every ZCFUSE_API function
#   src/libzcfuse.map             every symbol under the release that added it
#   debian/libzcfuse0.symbols     what dpkg-gensymbols holds packages to
# and the built library must export exactly the map's symbols at the map's
# versions, with the SONAME the Makefile's VERSION gives.
. "$(dirname "$0")/../lib/common.sh"

R=$T_REPO
map=$R/src/libzcfuse.map
hdr=$R/include/zcfuse/zcfuse.h
syms=$R/debian/libzcfuse0.symbols
lib=$ZCFUSE_BUILD/libzcfuse.so
t_need_cmd nm readelf

# NAME@NODE per line, sorted, from the map (block comments may span lines).
sed -e 's|/\*.*\*/||g' "$map" | awk '
	/\/\*/ { c = 1 } c { if (/\*\//) c = 0; next }
	/^[A-Z][A-Z0-9_.]*[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); next }
	/^[ \t]*[a-z_][a-z0-9_]*;[ \t]*$/ { s = $1; sub(/;/, "", s); print s "@" node }' | sort >"$T/map"
[ -s "$T/map" ] || t_fail "no symbols found in $map"
cut -d@ -f1 "$T/map" | sort >"$T/map.names"
dups=$(uniq -d "$T/map.names")
[ -z "$dups" ] || t_fail "listed twice in the map: $dups"

grep -E '^ZCFUSE_API ' "$hdr" | sed -E 's/\(.*//; s/.*[ *]//' | sort >"$T/hdr"
[ -s "$T/hdr" ] || t_fail "no ZCFUSE_API declarations found in $hdr"
if ! diff -u "$T/hdr" "$T/map.names" >"$T/d1"; then
	cat "$T/d1"
	t_fail "zcfuse.h (-) and src/libzcfuse.map (+) disagree: declare each exported function" \
		"with ZCFUSE_API and list it in the map"
fi

# The map's newest node is the one VERSION names (the Makefile checks it too).
version=$(sed -n 's/^VERSION := //p' "$R/Makefile")
major=${version%%.*} rest=${version#*.} minor=${rest%%.*}
newest=$(cut -d@ -f2 "$T/map" | sort -uV | tail -1)
[ "$newest" = "ZCFUSE_$major.$minor" ] || t_fail "newest map node $newest, VERSION $version needs ZCFUSE_$major.$minor"

if [ -f "$syms" ]; then
	head -1 "$syms" | grep -q "^libzcfuse\.so\.$major libzcfuse$major " ||
		t_fail "$syms: first line should name libzcfuse.so.$major libzcfuse$major"
	grep -E '^ [a-z_][a-z0-9_]*@' "$syms" | awk '{ print $1 }' | sort >"$T/deb"
	if ! diff -u "$T/map" "$T/deb" >"$T/d2"; then
		cat "$T/d2"
		t_fail "src/libzcfuse.map (-) and debian/libzcfuse0.symbols (+) disagree"
	fi
	for n in $(cut -d@ -f2 "$T/map" | sort -u); do
		grep -q "^ $n@$n " "$syms" || t_fail "$syms lacks the version node symbol $n@$n"
	done
fi

[ -e "$lib" ] || t_fail "$lib is not built (make all)"
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@@*/@/' | sort >"$T/lib"
if ! diff -u "$T/map" "$T/lib" >"$T/d3"; then
	cat "$T/d3"
	t_fail "src/libzcfuse.map (-) and the symbols $lib exports (+) disagree"
fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libzcfuse.so.$major" ] || t_fail "SONAME is '$soname', VERSION $version needs libzcfuse.so.$major"
real=$(readlink -f "$lib")
[ "${real##*/}" = "libzcfuse.so.$version" ] || t_fail "$lib resolves to ${real##*/}, not libzcfuse.so.$version"
t_log "$(wc -l <"$T/map") symbols agree in zcfuse.h, the map, $([ -f "$syms" ] && echo "the Debian symbols file, ")and $lib ($soname)"
exit 0
