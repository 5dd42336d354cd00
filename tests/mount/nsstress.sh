#!/usr/bin/env bash
# Races of namespace and data operations (nsstress: 4 processes, random
# create/rename/link/unlink/mkdir/rmdir/symlink/truncate/readdir over a few
# names) on memfs and passthrough: no unexpected errno, nothing left after
# cleaning, and the server unmounts and exits 0 (under --sanitizer: without
# a report, leaks included). For passthrough, SOURCE must end up empty too.
. "$(dirname "$0")/../lib/common.sh"

nsstress=$(t_prog nsstress)
iters=${ZCFUSE_NSSTRESS_ITERS:-3000}

srv_start memfs memfs
mkdir "${SRV_MNT[memfs]}/arena" || t_fail "mkdir arena"
"$nsstress" "${SRV_MNT[memfs]}/arena" 4 "$iters" || t_fail "nsstress on memfs"
srv_stop_ok memfs

mkdir -p "$T/src"
srv_start passthrough passthrough "$T/src"
mkdir "${SRV_MNT[passthrough]}/arena" || t_fail "mkdir arena"
"$nsstress" "${SRV_MNT[passthrough]}/arena" 4 "$iters" || t_fail "nsstress on passthrough"
[ -z "$(ls -A "$T/src/arena")" ] || t_fail "SOURCE/arena not empty: $(ls -A "$T/src/arena" | head -5)"
srv_stop_ok passthrough
t_log "PASS"
