#!/usr/bin/env bash
# POSIX behaviour of memfs: every fsops case (create, read/write, append,
# truncate, rename, links, readdir of 10,000 entries, xattrs, statfs, mmap,
# O_DIRECT, fsync, fallocate, lseek, copy_file_range, chmod/utimens, FIFOs,
# ENOENT) on a fresh memfs mount over $ZCFUSE_TRANSPORT.
. "$(dirname "$0")/../lib/common.sh"

fsops=$(t_prog fsops)
srv_start fs memfs
"$fsops" "${SRV_MNT[fs]}" || t_fail "fsops cases failed on memfs (see above)"
srv_stop_ok fs
t_log "PASS"
