#!/usr/bin/env bash
# A backing read that blocks must not stall the rest of the mount.
#
# SOURCE holds, at SOURCE/slowfs, a second (inner) memfs mount that we
# SIGSTOP: a read of MNT/slowfs/FILE then blocks inside the passthrough
# server's backing read (a FIFO cannot do this: the kernel serves FIFOs on a
# FUSE mount itself). Meanwhile another client, pinned to the same CPU as
# the blocked reader (so on ring transports it lands on the same queue),
# must get stat, O_DIRECT read, create and readdir answered within a bound.
# SIGCONT then releases the reader, which must get its bytes. Two rounds:
#   warm: the reader read the file once before the stop (the server has
#         seen this file), then reads far away from that;
#   cold: the first read of a freshly opened file is the one that blocks.
# shellcheck disable=SC2154 # src, mnt, inner_pid: set by slow_source_start/slow_outer_start
. "$(dirname "$0")/../lib/common.sh"

t_need_root # a FUSE mount inside SOURCE
t_need_cmd taskset
blockread=$(t_prog blockread)
bound=$((5 * T_SLOW))
cpu=0
slow_source_start
for f in warm cold; do
	truncate -s 64M "$src/slowfs/$f" || t_fail "creating slowfs/$f"
done
slow_outer_start


failures=()
# shellcheck disable=SC2034 # read by t_probe (common.sh)
PROBE_CPU=$cpu PROBE_BOUND=$bound PROBE_WHILE="while a backing read blocks"

# The reader (blockread) opens the file before the stop (OPEN itself must
# not be what blocks), optionally reads it once, then waits for "go" and
# reads 4 KiB at 48 MiB with pread alone: no fstat, which after a read would
# send GETATTR (atime) and block in the server's stat, not its read. Only
# the reader holds the file open: a close elsewhere would send FLUSH, which
# also ends in the stopped fs.
round=
run_round() {
	round=$1
	# shellcheck disable=SC2034 # read by t_probe
	PROBE_CONTEXT="$round: "
	local first=$2 reader st
	rm -f "$T/go" "$T/ready"
	mkfifo "$T/go"
	taskset -c $cpu "$blockread" "$mnt/slowfs/$round" $((48 << 20)) 4096 "$first" "$T/ready" "$T/go" \
		>"$T/reader-$round.data" 2>"$T/reader-$round.err" &
	reader=$!
	t_on_exit 'kill -KILL '"$reader"
	t_wait_until $((10 * T_SLOW)) test -e "$T/ready" ||
		t_fail "$round: the reader could not open or read slowfs/$round: $(cat "$T/reader-$round.err")"
	kill -STOP "$inner_pid"
	# SIGSTOP lands asynchronously: a thread woken by it still serves a
	# request that is already queued. Wait until every thread is stopped.
	t_wait_until $((10 * T_SLOW)) t_all_stopped "$inner_pid" || t_fail "$round: the inner server did not stop"
	echo go >"$T/go"
	sleep 1
	if ! t_pid_alive $reader; then
		kill -CONT "$inner_pid"
		t_fail "$round: the reader did not block (precondition of this test): $(cat "$T/reader-$round.err")"
	fi
	t_log "$round: reader blocked in the backing read"

	t_probe "stat of another file" stat "$mnt/other"
	t_probe "O_DIRECT read of another file" dd if="$mnt/other" of=/dev/null bs=64k iflag=direct status=none
	t_probe "create and write a new file" sh -c "echo fresh > '$mnt/fresh-$round'"
	t_probe "listing of a folder" ls "$mnt/plain"
	t_pid_alive $reader || failures+=("$round: the reader finished while the inner server was stopped: the round proved nothing")

	kill -CONT "$inner_pid"
	t_wait_until $((20 * T_SLOW)) eval "! t_pid_alive $reader" || t_fail "$round: reader still blocked after SIGCONT"
	wait $reader
	st=$?
	[ $st = 0 ] || t_fail "$round: the released reader failed ($st): $(cat "$T/reader-$round.err")"
	[ "$(stat -c %s "$T/reader-$round.data")" = 4096 ] ||
		t_fail "$round: the released reader got $(stat -c %s "$T/reader-$round.data") bytes, want 4096"
	cmp -s "$T/reader-$round.data" <(head -c 4096 /dev/zero) || t_fail "$round: the released reader got wrong bytes"
}

run_round warm 1
run_round cold 0

if [ ${#failures[@]} -gt 0 ]; then
	printf '%s\n' "${failures[@]}"
	t_fail "${#failures[@]} request(s) stalled behind a blocked backing read; first: ${failures[0]}"
fi
srv_stop_ok outer
srv_stop_ok inner
t_log "PASS"
