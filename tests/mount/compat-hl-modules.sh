#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-modules: libfuse's stacking modules under libfuse's high-level
# passthrough example on zcfuse's high-level layer. subdir (-o
# modules=subdir,subdir=DIR, with and without rellinks): the mount shows
# DIR, names made through it land in DIR, absolute links inside DIR read as
# relative ones with rellinks. iconv (modules=subdir:iconv,
# from_code=ISO-8859-1,to_code=UTF-8): Latin-1 names in DIR show as UTF-8,
# names and link text made through the mount are stored as Latin-1, a name
# Latin-1 cannot hold fails. Each script of operations runs over the same
# example on Debian's libfuse 3.14 (its own high-level API and modules,
# /dev/fuse) and the transcripts must be equal; a missing subdir= fails in
# both.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

t_need_root
t_need_cmd fallocate
hl_need_examples
LF314=$HL_DIR/libfuse-3.14/passthrough
[ -x "$LF314" ] || t_skip "$LF314 not built (make, with libfuse3-dev and Debian's fuse3 source)"
hl_setup_lib
SRC=$T/src
BASE=$SRC/sub

# The tree the module is pointed at, made afresh for each mount.
make_tree() {
	rm -rf "$SRC"
	mkdir -p "$BASE/d/e" "$SRC/outside"
	echo alpha >"$BASE/a"
	echo beta >"$BASE/d/b"
	echo out >"$SRC/outside/o"
	ln -s "$BASE/d/b" "$BASE/abs"         # absolute, inside DIR
	ln -s "$BASE/a" "$BASE/d/e/deep"       # two levels down
	ln -s "$BASE/d" "$BASE/d/e/dir"        # to an ancestor directory
	ln -s "$BASE" "$BASE/base"            # DIR itself: stays absolute
	ln -s "$SRC/outside/o" "$BASE/out"     # outside DIR: stays absolute
	ln -s d/b "$BASE/rel"                 # relative already
}

# transcript MNT: what a user sees doing a fixed set of things in MNT.
# Times and inode numbers are left out; every error is printed.
transcript() {
	local m=$1
	(
		cd "$m" || exit 1
		run() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed "s|$m|MNT|g; s|$SRC|SRC|g"; printf '[%s]\n' "${PIPESTATUS[0]}"; }
		run ls -a .
		run ls -a d d/e
		run cat a d/b
		for l in abs d/e/deep d/e/dir base out rel; do run readlink "$l"; done
		run cat abs d/e/deep rel
		run ls d/e/dir
		run stat -c '%n %F %s %a' . a d abs
		run sh -c 'echo gamma > new'
		run mv new d/new2
		run ln d/new2 hard
		run stat -c '%n %h' hard
		run ln -s "$BASE/hard" d/sym
		run readlink d/sym
		run mkdir dir2
		run rmdir dir2
		run truncate -s 3 d/new2
		run cat hard
		run fallocate -l 4096 hard
		run rm hard d/new2 d/sym
		run cat nosuch
		run ls -a . d
	) >"$2"
	# And what the source holds afterwards.
	(cd "$SRC" && find . | LC_ALL=C sort) >>"$2"
}

# Latin-1 names for iconv: "café" and a directory "été" holding "à".
make_tree_latin1() {
	rm -rf "$SRC"
	mkdir -p "$BASE/$(printf '\351t\351')"
	echo latin >"$BASE/$(printf 'caf\351')"
	echo a >"$BASE/$(printf '\351t\351/\340')"
	ln -s "$(printf 'caf\351')" "$BASE/$(printf 'lien')"
}

transcript_iconv() {
	local m=$1
	(
		cd "$m" || exit 1
		run() { printf '$ %s\n' "$*" | sed "s|$SRC|SRC|g"; "$@" 2>&1 | sed "s|$m|MNT|g; s|$SRC|SRC|g"; printf '[%s]\n' "${PIPESTATUS[0]}"; }
		run ls -a . été
		run cat café été/à
		run readlink lien
		run sh -c 'echo new > naïve'
		run mv naïve été/naïf
		run ln -s été/naïf lien2
		run readlink lien2
		run cat lien2
		run mkdir 'ça'
		run touch '€uro'
		run ls -a . été
	) >"$2"
	(cd "$SRC" && find . | LC_ALL=C sort) >>"$2"
}

# mount_run NAME PROG OPTS [TREE TRANSCRIPT]: mount PROG with OPTS on a fresh
# tree, write $T/NAME.txt, unmount.
mount_run() {
	local name=$1 prog=$2 opts=$3 tree=${4:-make_tree} script=${5:-transcript} mnt=$T/mnt.$1 pid
	$tree
	mkdir -p "$mnt"
	"$prog" -f -o "$opts" "$mnt" 2>"$T/$name.log" &
	pid=$!
	t_on_exit "fusermount3 -u -z $mnt 2>/dev/null; kill $pid 2>/dev/null"
	hl_wait_mounted "$pid" "$mnt"
	$script "$mnt" "$T/$name.txt"
	hl_stop "$pid" "$mnt"
}

# The reference runs on Debian's library as it is; under the sanitizer
# build its own leak (the module's fuse_fs at exit) is not ours to report.
lf_env() {
	unset LD_LIBRARY_PATH ZCFUSE_OPTIONS
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

expect() {
	grep -qxF -- "$2" "$1" || t_fail "$(basename "$1"): expected a line '$2'"
}

for links in norellinks rellinks; do
	opts="modules=subdir,subdir=$BASE,$links"
	# Debian's libfuse3 3.14 alone: the reference (its /dev/fuse loop).
	(
		lf_env
		mount_run "libfuse.$links" "$LF314" "$opts"
	) || t_fail "libfuse 3.14 run ($links) failed"
	mount_run "zcfuse.$links" "$HL_T314/example/passthrough" "$opts"
	diff -u "$T/libfuse.$links.txt" "$T/zcfuse.$links.txt" >&2 ||
		t_fail "$links: zcfuse's subdir differs from libfuse 3.14's (diff above)"
done

# iconv, over subdir (the example serves all of /).
opts="modules=subdir:iconv,subdir=$BASE,from_code=ISO-8859-1,to_code=UTF-8"
(
	lf_env
	mount_run libfuse.iconv "$LF314" "$opts" make_tree_latin1 transcript_iconv
) || t_fail "libfuse 3.14 run (iconv) failed"
mount_run zcfuse.iconv "$HL_T314/example/passthrough" "$opts" make_tree_latin1 transcript_iconv
diff -u "$T/libfuse.iconv.txt" "$T/zcfuse.iconv.txt" >&2 ||
	t_fail "iconv: zcfuse's differs from libfuse 3.14's (diff above)"
i=$T/zcfuse.iconv.txt
expect "$i" "latin"                                # café, a Latin-1 name, opened by its UTF-8 one
expect "$i" "café"                                 # readlink: the link text converted
expect "$i" "$(printf './sub/\351t\351/na\357f')" # made through the mount: stored as Latin-1
expect "$i" "$(printf './sub/\347a')"
expect "$i" "new"                                  # read through the new link
grep -q 'Invalid or incomplete multibyte' "$i" || t_fail "iconv: '€uro' (not Latin-1) did not fail with EILSEQ"

# Not only equal to libfuse: what the module is for.
z=$T/zcfuse.rellinks.txt
expect "$z" "d/b"             # abs
expect "$z" "../../a"         # d/e/deep
expect "$z" "../"             # d/e/dir: to an ancestor, as libfuse writes it
expect "$z" "SRC/sub"         # base: DIR itself stays absolute
expect "$z" "SRC/outside/o"   # out
expect "$z" "../hard"         # a link made through the mount
expect "$z" "alpha"
expect "$z" "gam[0]"          # truncated through the mount, read by its hard link (no newline left)
expect "$z" "./sub/d/b"       # the source tree afterwards
! grep -q '^\./sub/new$' "$z" || t_fail "rename through the mount did not reach DIR"
grep -q '^\./sub/d/new2$' "$z" && t_fail "rm through the mount did not reach DIR"
expect "$T/zcfuse.norellinks.txt" "SRC/sub/d/b" # abs, untouched

# subdir= is mandatory, for both.
for prog in "$LF314" "$HL_T314/example/passthrough"; do
	mkdir -p "$T/mnt.bad"
	if [ "$prog" = "$LF314" ]; then
		(lf_env; exec "$prog" -f -o modules=subdir "$T/mnt.bad") >"$T/bad.log" 2>&1
	else
		"$prog" -f -o modules=subdir "$T/mnt.bad" >"$T/bad.log" 2>&1
	fi
	st=$?
	t_in_mounts "$T/mnt.bad" && { fusermount3 -u "$T/mnt.bad"; t_fail "$prog mounted without subdir="; }
	[ "$st" != 0 ] || t_fail "$prog: exit 0 without subdir="
	grep -q "missing 'subdir' option" "$T/bad.log" || t_fail "$prog: no message for the missing subdir= ($(head -2 "$T/bad.log"))"
done
t_log "ok over $HL_LIB_NAME, subdir and iconv transcripts equal to libfuse 3.14's"
