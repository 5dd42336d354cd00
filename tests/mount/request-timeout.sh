#!/usr/bin/env bash
# -o request_timeout=SECONDS (FUSE_REQUEST_TIMEOUT, protocol 7.43, Linux
# 6.14): a request the filesystem never answers (a read of memfs's slow
# file, never interrupted) makes the kernel abort the connection, so the
# client fails instead of hanging: its read ends with ENOTCONN or
# ECONNABORTED within the timeout plus the kernel's check period (it looks
# at pending requests every 15 s on 6.18), and the mount is gone.
. "$(dirname "$0")/../lib/common.sh"

srv_start mem memfs -o memfs_slow_file=slow -o no_async_dio -o request_timeout=1
m=${SRV_MNT[mem]}
grep -q "request_timeout: kernel speaks" "${SRV_LOG[mem]}" &&
	t_skip "kernel has no request timeouts (needs protocol 7.43); for the 7.3 guest"
head -c 4096 /dev/urandom >"$m/slow" || t_fail "creating the slow file"
start=$(date +%s)
err=$(timeout -k 2 $((60 * T_SLOW)) dd if="$m/slow" of=/dev/null bs=4096 count=1 iflag=direct 2>&1)
st=$?
took=$(($(date +%s) - start))
[ $st = 124 ] || [ $st = 137 ] && t_fail "the read hung for 60 s: the kernel did not time the request out"
[ $st != 0 ] || t_fail "the read of a file whose reads never end succeeded"
case $err in
*"not connected"* | *"aborted"*) ;;
*) t_fail "the timed-out read failed with '$err', want ENOTCONN or ECONNABORTED" ;;
esac
t_log "the read failed after $took s: $err"
t_wait_until $((10 * T_SLOW)) eval "! t_pid_alive ${SRV_PID[mem]}" || t_fail "server still running after the abort"
t_log "PASS"
