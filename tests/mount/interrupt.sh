#!/usr/bin/env bash
# Interrupts that cancel: memfs's slow file waits in backing I/O (a pipe
# read through zcfuse_req_read_fd: on the queue's ring, or a blocked read(2)
# on classic). A client's O_DIRECT read of it, interrupted by a signal,
# must fail with EINTR within 100 ms (the library cancels the ring I/O with
# ASYNC_CANCEL, or signals the blocked thread), and the next read, on the
# same CPU, must be served. Run three times: each must end the same way.
# -o no_async_dio: with FUSE_ASYNC_DIO the kernel sends an O_DIRECT read as
# background requests and waits for them uninterruptibly, so no signal
# could ever reach the server as INTERRUPT.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd taskset
ops=$(t_prog protoops)
srv_start mem memfs -o memfs_slow_file=slow -o no_async_dio
m=${SRV_MNT[mem]}
head -c 65536 /dev/urandom >"$m/slow" || t_fail "creating the slow file"
head -c 65536 /dev/urandom >"$m/other" || t_fail "creating another file"
for i in 1 2 3; do
	timeout -k 2 $((20 * T_SLOW)) taskset -c 0 "$ops" intr-read "$m/slow" "$m/other" ||
		t_fail "round $i: interrupted read (see above)"
done
# The same on a spare entry: a waiting flock on CPU 0 lends its entry, and
# the spare, registered last, is the one the kernel gives CPU 0's next
# requests.
t_need_cmd flock
exec 8>"$m/lockf"
flock -x 8 || t_fail "taking the flock"
taskset -c 0 flock -x "$m/lockf" true 8>&- &
waiter=$!
t_wait_until 10 grep -q request_wait_answer "/proc/$waiter/wchan" ||
	t_fail "the flock waiter never waited in the kernel (no spare to test)"
timeout -k 2 $((20 * T_SLOW)) taskset -c 0 "$ops" intr-read "$m/slow" "$m/other" ||
	t_fail "interrupted read beside a waiting flock (see above)"
exec 8>&-
wait $waiter || t_fail "the flock waiter failed once the lock went"
srv_stop_ok mem
t_log "PASS"
