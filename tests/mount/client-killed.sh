#!/usr/bin/env bash
# A client killed while the server is still working on its request. Once a
# request has reached the server the kernel sends INTERRUPT and then waits
# for the answer whatever the signal (FUSE's rule), so the killed client must
# go as soon as the server answers; the server must handle the INTERRUPT
# for a request it is still serving (on ring transports the INTERRUPT comes
# over /dev/fuse, the request sits on the ring), keep answering, unmount
# and exit 0 (and, under --sanitizer, without a report).
# The request is held in the server by the stopped-inner-memfs trick of
# slow-backing.sh, once for an O_DIRECT READ and once for a LOOKUP.
. "$(dirname "$0")/../lib/common.sh"

t_need_root # a FUSE mount inside SOURCE
blockread=$(t_prog blockread)
bound=$((10 * T_SLOW))
src=$T/src
mkdir -p "$src/slowfs"
head -c 1048576 /dev/urandom >"$src/other"

SRV_AT=$src/slowfs SRV_TR=classic srv_start inner memfs
truncate -s 64M "$src/slowfs/big" || t_fail "creating slowfs/big"
echo x >"$src/slowfs/name" || t_fail "creating slowfs/name"
srv_start outer passthrough "$src" -o timeout=600
mnt=${SRV_MNT[outer]}
inner_pid=${SRV_PID[inner]}
t_on_exit 'kill -CONT '"$inner_pid"


stop_inner() {
	kill -STOP "$inner_pid"
	t_wait_until "$bound" t_all_stopped "$inner_pid" || t_fail "the inner server did not stop"
}

# kill_and_release WHAT PID: PID is blocked in the server; SIGKILL it, let
# the server finish, and check that PID goes and the server still serves.
kill_and_release() {
	local what=$1 pid=$2
	sleep 1
	t_pid_alive $pid || t_fail "$what: the client did not block (precondition)"
	kill -KILL $pid
	sleep 1
	kill -CONT "$inner_pid"
	t_wait_until "$bound" eval "! t_pid_alive $pid" ||
		t_fail "$what: the killed client is still there $bound s after the server could answer (state $(t_pid_state $pid))"
	wait $pid 2>/dev/null
	t_log "$what: the killed client went once the server answered"
	timeout "$bound" stat "$mnt/other" >/dev/null || t_fail "$what: stat afterwards"
	timeout "$bound" dd if="$mnt/other" of=/dev/null bs=64k iflag=direct status=none ||
		t_fail "$what: read afterwards"
	t_pid_alive "${SRV_PID[outer]}" || t_fail "$what: the server died"
}

mkfifo "$T/go"
("$blockread" "$mnt/slowfs/big" $((40 << 20)) 4096 0 "$T/ready" "$T/go" direct >/dev/null 2>"$T/blockread.err"; exit $?) 2>/dev/null &
reader=$!
t_on_exit 'kill -KILL '"$reader"
t_wait_until "$bound" test -e "$T/ready" || t_fail "blockread could not open: $(cat "$T/blockread.err")"
stop_inner
echo go >"$T/go"
kill_and_release "O_DIRECT READ" $reader

stop_inner
(stat "$mnt/slowfs/name" >/dev/null 2>&1; exit $?) 2>/dev/null &
looker=$!
t_on_exit 'kill -KILL '"$looker"
kill_and_release "LOOKUP" $looker

srv_stop_ok outer
srv_stop_ok inner
t_log "PASS"
