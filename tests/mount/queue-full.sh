#!/usr/bin/env bash
# A request that arrives while its queue is full waits, it does not fail.
# The server gets one entry per ring queue (-o queue_depth=1; on classic one
# reader, -o threads=1) while fio keeps 32 requests in flight from each of
# two jobs: every request but one per queue waits in the kernel. fio verifies
# every byte, and nothing may come back as an error; a buffered pass adds
# background writeback and readahead to the queue.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd fio
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T" # fio leaves its verify state files in the cwd

mkdir -p "$T/src"
case $TR in
classic) srv_start one passthrough "$T/src" -o threads=1 ;;
*) srv_start one passthrough "$T/src" -o queue_depth=1 -o meta_threads=1 ;;
esac
mnt=${SRV_MNT[one]}

run_fio() {
	local label=$1
	shift
	timeout $((120 * T_SLOW)) fio --name="$label" --directory="$mnt" --size=16M --numjobs=2 \
		--ioengine=io_uring --iodepth=32 --rw=randrw --bs=4k,64k --verify=crc32c \
		--verify_fatal=1 "$@" >"$T/fio-$label.out" 2>&1 || {
		cat "$T/fio-$label.out"
		t_fail "fio $label over a one-entry queue failed or timed out"
	}
	grep -q "err= 0" "$T/fio-$label.out" || {
		cat "$T/fio-$label.out"
		t_fail "fio $label reports errors"
	}
	t_log "fio $label: ok"
}

run_fio direct --direct=1
run_fio buffered --direct=0 --fsync=16
srv_stop_ok one

f=${SRV_STATS[one]}
reads=$("$jg" "$f" opcodes.READ.count) || t_fail "stats have no READ count"
[ "$reads" -gt 0 ] || t_fail "no READ reached the server"
if [ "$TR" != classic ]; then
	depth=$("$jg" "$f" queue_depth) || t_fail "stats have no queue_depth"
	[ "$depth" = 1 ] || t_fail "stats say queue_depth $depth, asked for 1"
	ring=$("$jg" "$f" requests.via_ring) || t_fail "stats have no requests.via_ring"
	[ "$ring" -gt "$reads" ] || t_fail "only $ring requests came over the ring ($reads READs)"
fi
t_log "PASS (READ $reads)"
