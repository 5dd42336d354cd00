#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-abi: the high-level API's binary interface against Debian's
# libfuse 3.14:
#  - struct fuse_operations, fuse_context, fuse_config: every member at
#    libfuse's offset with libfuse's size (our fuse.h and Debian's compiled
#    side by side: build/compat-hl/hl-abi);
#  - symbols: the layer built as a shared library with
#    compat/libfuse3-hl.map.in exports every high-level symbol of Debian's
#    libfuse3.so.3 in the same versions (default and non-default), and
#    nothing else but libfuse 3.18's fuse_fs_statx;
#  - the harness programs carry the layer themselves (fuse_main_real and
#    fuse_new defined in the program, not taken from Debian's library).
# Transport-independent: runs once, under classic.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

[ "$TR" = classic ] || t_skip "transport-independent; runs under classic only"
t_need_cmd objdump nm
DEB=/lib/x86_64-linux-gnu/libfuse3.so.3
[ -e "$DEB" ] || t_skip "Debian's libfuse3 is not installed ($DEB)"
[ -x "$HL_DIR/hl-abi" ] || t_skip "$HL_DIR/hl-abi not built (needs libfuse3-dev)"

"$HL_DIR/hl-abi" || t_fail "struct layouts differ from libfuse 3.14's"

# Defined, versioned symbols: "VERSION NAME", a hidden (non-default)
# version in parentheses as objdump prints it.
HL_RE=' (fuse_fs_[a-z_]+|fuse_new(_3[01])?|fuse_main_real|fuse_loop|fuse_loop_mt(_3[12]|_312)?|fuse_mount|fuse_unmount|fuse_destroy|fuse_exit|fuse_get_context|fuse_getgroups|fuse_interrupted|fuse_invalidate_path|fuse_get_session|fuse_(start|stop)_cleanup_thread|fuse_clean_cache|fuse_lib_help|fuse_notify_poll)$'
syms() { objdump -T "$1" | grep -v '\*UND\*' | grep ' FUSE_\| (FUSE_' | awk '{print $(NF-1), $NF}' | grep -E "$HL_RE" | sort -k2; }
syms "$DEB" >"$T/debian.syms"
syms "$HL_DIR/symcheck/libhl-symcheck.so" >"$T/ours.syms"
n=$(wc -l <"$T/debian.syms")
[ "$n" -ge 69 ] || t_fail "only $n high-level symbols found in $DEB (pattern wrong?)"
if ! diff "$T/debian.syms" <(grep -v '^FUSE_3.18 fuse_fs_statx$' "$T/ours.syms") >"$T/syms.diff"; then
	cat "$T/syms.diff"
	t_fail "exported high-level symbols or versions differ from Debian's (< Debian, > ours)"
fi
grep -q '^FUSE_3.18 fuse_fs_statx$' "$T/ours.syms" || t_fail "fuse_fs_statx@FUSE_3.18 missing"
t_log "$n high-level symbols in libfuse's versions (+ fuse_fs_statx@FUSE_3.18)"

if [ -x "$HL_T314/example/hello" ]; then
	defined=$(nm "$HL_T314/example/hello")
	for s in fuse_main_real fuse_new fuse_loop_mt fuse_fs_getattr; do
		# Not echo | grep -q: echo writes a long list in 4 KiB pieces, grep -q
		# may match and leave before the last, and under pipefail echo's
		# SIGPIPE fails the check.
		grep -qE " T $s\$" <<<"$defined" ||
			t_fail "$s is not defined in the hello harness program"
	done
	t_log "the harness programs define the high-level API themselves"
fi
