#!/usr/bin/env bash
# The window between a synchronous backing I/O's "interrupted?" check and
# its blocking wait (classic; transport/backing.c). An INTERRUPT whose
# signal lands there must still end the request. The server sleeps
# ZCFUSE_TEST_INTR_WINDOW_MS (a test-only knob) between the check and the
# wait, and the client's signal comes in the middle of that sleep: a lost
# signal leaves the read of memfs's slow file (a pipe nobody writes) blocked
# for good, so protoops fails as soon as its bound passes. Rings cancel
# their backing I/O with ASYNC_CANCEL and have no such window.
. "$(dirname "$0")/../lib/common.sh"

[ "$TR" = classic ] || t_skip "transport $TR: the window is in classic's synchronous backing I/O"
t_need_cmd taskset
ops=$(t_prog protoops)
window=600 # ms; the client's signal comes at 300
ZCFUSE_TEST_INTR_WINDOW_MS=$window srv_start mem memfs -o memfs_slow_file=slow -o no_async_dio
m=${SRV_MNT[mem]}
head -c 65536 /dev/urandom >"$m/slow" || t_fail "creating the slow file"
head -c 65536 /dev/urandom >"$m/other" || t_fail "creating another file"
timeout -k 2 $((20 * T_SLOW)) taskset -c 0 "$ops" intr-read "$m/slow" "$m/other" $window ||
	t_fail "interrupt in the window (see above)"
srv_stop_ok mem
t_log "PASS"
