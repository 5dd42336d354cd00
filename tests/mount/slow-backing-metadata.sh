#!/usr/bin/env bash
# A metadata call that blocks in the backing filesystem must not stall the
# rest of the mount either. Same scenery as slow-backing.sh (a SIGSTOPped
# memfs mounted inside passthrough's SOURCE), but the blocked client looks
# up a name inside it: passthrough's LOOKUP then sits in openat/fstatat on
# the stopped filesystem. Other clients pinned to the same CPU must still
# get answers within a bound. Classic serves each request on one of several
# threads; a ring transport that runs handlers inline on the queue thread
# stalls the whole queue here.
# shellcheck disable=SC2154 # src, mnt, inner_pid: set by slow_source_start/slow_outer_start
. "$(dirname "$0")/../lib/common.sh"

t_need_root # a FUSE mount inside SOURCE
t_need_cmd taskset
bound=$((5 * T_SLOW))
cpu=0
slow_source_start
echo data >"$src/slowfs/never-looked-up" || t_fail "creating slowfs/never-looked-up"
slow_outer_start
stat "$mnt/slowfs" >/dev/null || t_fail "stat $mnt/slowfs"


kill -STOP "$inner_pid"
t_wait_until $((10 * T_SLOW)) t_all_stopped "$inner_pid" || t_fail "the inner server did not stop"
taskset -c $cpu stat "$mnt/slowfs/never-looked-up" >"$T/blocked.out" 2>&1 &
blocked=$!
t_on_exit 'kill -KILL '"$blocked"
sleep 1
t_pid_alive $blocked || { kill -CONT "$inner_pid"; t_fail "the lookup did not block (precondition): $(cat "$T/blocked.out")"; }
t_log "lookup of slowfs/never-looked-up blocked in the server"

failures=()
# shellcheck disable=SC2034 # read by t_probe (common.sh)
PROBE_CPU=$cpu PROBE_BOUND=$bound PROBE_WHILE="while a lookup blocks in the backing fs"
t_probe "stat of another file" stat "$mnt/other"
t_probe "O_DIRECT read of another file" dd if="$mnt/other" of=/dev/null bs=64k iflag=direct status=none
t_probe "create and write a new file" sh -c "echo fresh > '$mnt/fresh'"
t_probe "listing of a folder" ls "$mnt/plain"
t_pid_alive $blocked || failures+=("the blocked lookup finished while the inner server was stopped: proved nothing")

kill -CONT "$inner_pid"
t_wait_until $((20 * T_SLOW)) eval "! t_pid_alive $blocked" || t_fail "lookup still blocked after SIGCONT"
wait $blocked || t_fail "the released lookup failed: $(cat "$T/blocked.out")"

if [ ${#failures[@]} -gt 0 ]; then
	printf '%s\n' "${failures[@]}"
	t_fail "${#failures[@]} request(s) stalled behind a lookup blocked in the backing fs; first: ${failures[0]}"
fi
srv_stop_ok outer
srv_stop_ok inner
t_log "PASS"
