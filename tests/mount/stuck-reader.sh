#!/usr/bin/env bash
# A thread still inside the filesystem's code when the session stops (here
# a READ that waits for the test: a classic reader, or on the rings the
# queue's own thread) does not stop within zcfuse's 5 s: zcfuse_session_run()
# returns without it and the program destroys the session. When that READ
# later comes back, its reply and the thread's next look at the session
# must find them alive (they were freed: a use-after-free that ASan
# reports, and that MALLOC_PERTURB_ turns into a crash in the plain build),
# the client must get its data, and the server must exit 0. The lingering
# thread frees the session when it leaves. (The rings used to join their
# queue threads without a bound: SIGTERM never ended such a server.)
. "$(dirname "$0")/../lib/common.sh"
t_need_root
prog=$(t_prog stuckfs)
mnt=$T/mnt
log=$T/stuckfs.log
mkdir -p "$mnt"
# glibc fills freed memory with this byte: a freed session's pointers are garbage.
MALLOC_PERTURB_=165 STUCKFS_RELEASE=$T/release "$prog" -f -o "transport=$TR" -o threads=2 "$mnt" 2>"$log" &
pid=$!
SRV_PID[stuckfs]=$pid
SRV_MNT[stuckfs]=$mnt
SRV_LOG[stuckfs]=$log
t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" || { cat "$log"; t_fail "stuckfs did not mount"; }
# One read (direct_io: it reaches the server as is); what comes after it
# (the close's FLUSH) finds the session gone, ENOTCONN, rightly.
timeout 60 dd if="$mnt/f" bs=6 count=1 status=none >"$T/cat.out" 2>"$T/cat.err" &
cat_pid=$!
t_wait_until 20 grep -q "READ waits" "$log" || { cat "$log"; t_fail "the READ did not reach stuckfs"; }
kill -TERM "$pid"
t_wait_until $((30 * T_SLOW)) grep -q "session destroyed" "$log" || {
	cat "$log"
	t_fail "zcfuse_session_destroy() did not return while a reader was stuck"
}
grep -q "did not stop" "$log" || { cat "$log"; t_fail "no warning about the reader that did not stop"; }
touch "$T/release"
t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "stuckfs still running after the READ was released"
wait "$pid"
st=$?
SRV_PID[stuckfs]=""
wait "$cat_pid"
cst=$?
t_sanitizer_check "$log"
[ $st = 0 ] || { cat "$log"; t_fail "stuckfs exited with status $st after its stuck READ came back"; }
[ "$(cat "$T/cat.out")" = stuck ] ||
	t_fail "the client read '$(cat "$T/cat.out")', not 'stuck' (status $cst: $(cat "$T/cat.err"))"
t_log "stuck READ answered after the session was destroyed; the server exited 0"
