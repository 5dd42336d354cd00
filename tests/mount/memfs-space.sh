#!/usr/bin/env bash
# memfs's space limit and sparse files (issue 9, item 6): under a 64 MiB
# limit, empty files and 64 KiB xattrs run into ENOSPC near the limit, and
# statfs shows the space used and freed; under a 1 GiB limit one byte at
# 2 GiB works, reads back as zeros then the byte, and costs one page;
# SEEK_DATA/SEEK_HOLE give what tmpfs gives for the same layouts, and
# random writes, truncations, punched holes and copies leave the same bytes.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
prog=$(t_prog memfs-space)

srv_start small memfs -o memfs_max_size=64M
"$prog" fill "${SRV_MNT[small]}" $((64 << 20)) || t_fail "the 64 MiB limit does not hold (see above)"
srv_stop_ok small

srv_start big memfs -o memfs_max_size=1G
"$prog" sparse "${SRV_MNT[big]}" || t_fail "sparse files (see above)"
mkdir -p "$T/tmpfs"
mount -t tmpfs -o size=1G tmpfs "$T/tmpfs" || t_skip "cannot mount a tmpfs to compare with"
t_on_exit "umount '$T/tmpfs'"
"$prog" seek "${SRV_MNT[big]}" "$T/tmpfs" || t_fail "SEEK_DATA/SEEK_HOLE differ from tmpfs (see above)"
"$prog" random "${SRV_MNT[big]}" "$T/tmpfs" || t_fail "random operations differ from tmpfs (see above)"
srv_stop_ok big
t_log "PASS"
