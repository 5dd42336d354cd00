#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-hide: unlinking or replacing an open file through libfuse's
# high-level passthrough example (zcfuse's high-level layer) hides it as
# .fuse_hiddenNNN in the source folder while it is open (its data still
# readable through the descriptor, st_nlink 0 through it), and removes it
# at the last close; with -o hard_remove (passthrough_fh) nothing is
# hidden and the descriptors still read their files (nullpath_ok). The trace line
# shows the program runs zcfuse's layer, not Debian's.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

t_need_root
t_need_cmd python3
hl_need_examples
hl_setup_lib
SRC=$T/src
mkdir -p "$SRC"

# check MODE: MODE "hide" or "hard_remove"
check() {
	local mode=$1 mnt=$T/mnt.$1 pid n
	local -a opts=() prog=passthrough
	# hard_remove: passthrough_fh, whose operations take a NULL path
	# (nullpath_ok) for the unlinked file; passthrough's getattr cannot,
	# with libfuse as with us.
	[ "$mode" = hard_remove ] && opts=(-o hard_remove) prog=passthrough_fh
	mkdir -p "$mnt"
	ZCFUSE_HL_TRACE=1 "$HL_T314/example/$prog" -f "${opts[@]}" "$mnt" 2>"$T/server.$mode.log" &
	pid=$!
	t_on_exit "fusermount3 -u -z $mnt 2>/dev/null; kill $pid 2>/dev/null"
	hl_wait_mounted "$pid" "$mnt"
	grep -q 'zcfuse-hl: high-level layer' "$T/server.$mode.log" || t_fail "no trace line: not zcfuse's layer"
	rm -rf "${SRC:?}"/*
	echo one >"$SRC/a"
	echo two >"$SRC/b"
	# Python holds descriptors open across the unlink and the rename.
	n=$(/usr/bin/python3 - "$mnt$SRC" "$SRC" <<'PY'
import os, sys
m, s = sys.argv[1], sys.argv[2]
fa = os.open(m + "/a", os.O_RDONLY)
fb = os.open(m + "/b", os.O_RDONLY)
os.unlink(m + "/a")
open(m + "/c", "w").write("three\n")
os.rename(m + "/c", m + "/b")
hidden = sorted(x for x in os.listdir(s) if x.startswith(".fuse_hidden"))
assert os.pread(fa, 10, 0) == b"one\n", "unlinked file unreadable"
assert os.pread(fb, 10, 0) == b"two\n", "replaced file unreadable"
assert open(m + "/b").read() == "three\n", "new b"
try:
    nl = os.fstat(fa).st_nlink
except OSError:
    nl = -1 # hard_remove: the kernel's fstat names the inode, which is gone (ESTALE, as with libfuse)
os.close(fa)
os.close(fb)
print(len(hidden), nl)
PY
) || t_fail "$mode: descriptor checks failed"
	sleep 0.3 # release is asynchronous
	left=$(find "$SRC" -name '.fuse_hidden*' | wc -l)
	case $mode in
	hide)
		[ "${n% *}" = 2 ] || t_fail "hide: expected 2 hidden files while open, saw ${n% *}"
		[ "${n#* }" = 0 ] || t_fail "hide: st_nlink of the unlinked open file is ${n#* }, not 0"
		[ "$left" = 0 ] || t_fail "hide: $left hidden files left after close"
		;;
	hard_remove)
		[ "${n% *}" = 0 ] || t_fail "hard_remove: ${n% *} files hidden"
		;;
	esac
	hl_stop "$pid" "$mnt"
	t_log "$mode: ok"
}
check hide
check hard_remove
