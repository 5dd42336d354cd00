#!/usr/bin/env bash
# POSIX behaviour of passthrough: every fsops case, also checking that each
# change reached the SOURCE folder. SOURCE lives in the test's scratch
# folder, which must take user.* xattrs (ext4, or tmpfs on Linux 6.6+).
. "$(dirname "$0")/../lib/common.sh"

fsops=$(t_prog fsops)
src=$T/src
mkdir -p "$src"
if ! setfattr -n user.probe -v 1 "$src" 2>/dev/null; then
	command -v setfattr >/dev/null || t_skip "setfattr (package attr) is not installed"
	t_skip "$src ($(stat -f -c %T "$src")) does not take user xattrs"
fi
setfattr -x user.probe "$src"
srv_start fs passthrough "$src"
"$fsops" "${SRV_MNT[fs]}" --source "$src" || t_fail "fsops cases failed on passthrough (see above)"
srv_stop_ok fs
t_log "PASS"
