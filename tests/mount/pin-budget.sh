#!/usr/bin/env bash
# uring under a pin budget that holds fewer queues than there are CPUs
# (-o max_pinned=16: one queue of 16 x 1 MiB on 2 CPUs): the queues that
# first get requests take the fixed buffers, not queues 0, 1, ... in order.
# fio pinned to the last CPU sends its requests to that CPU's queue: every
# backing read must use the registered payload (read_fixed, or
# read_fixed_inline when it runs on the queue thread), and the stats and the
# transport line must show 16 MiB at most. A second fio on CPU 0 then finds
# the budget spent: its reads run without fixed buffers, and nothing more
# is pinned. (Before, queue 0 registered at start and a client on the last
# CPU never had fixed buffers.)
. "$(dirname "$0")/../lib/common.sh"

[ "$TR" = uring ] || t_skip "transport $TR: the pools always register their pool; late registration is uring's"
t_need_cmd fio taskset
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || t_skip "one CPU: one queue, nothing to choose"
possible=$(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)
[ "$possible" = "$ncpu" ] || t_skip "$possible possible CPUs but $ncpu online: queues of offline CPUs"
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T"
mkdir -p "$T/src"
mount -t tmpfs -o size=64m pin-budget "$T/src" || t_fail "cannot mount a tmpfs"
t_on_exit "umount -l $T/src 2>/dev/null"
head -c $((16 << 20)) /dev/urandom > "$T/src/f"
last=$((ncpu - 1))

srv_start pb passthrough "$T/src" -o max_pinned=16
line=$(grep -m1 "transport: uring (" "${SRV_LOG[pb]}") || t_fail "no uring transport line"
grep -q "pinned 0 KiB, up to 16384 KiB as queues are first used" <<<"$line" ||
	t_fail "the transport line does not state the late budget: $line"
# run_fio SERVER CPU NAME: 2000 direct 4K random reads from CPU.
run_fio() {
	local srv=$1
	shift
	timeout $((60 * T_SLOW)) taskset -c "$1" fio --name="$2" --filename="${SRV_MNT[$srv]}/f" \
		--rw=randread --bs=4k --iodepth=4 --ioengine=io_uring --direct=1 --size=16M \
		--number_ios=2000 --norandommap >"$T/fio-$2.out" 2>&1 ||
		{ cat "$T/fio-$2.out"; t_fail "fio on CPU $1 failed"; }
}
run_fio pb "$last" last
srv_stop_ok pb
f=${SRV_STATS[pb]}
fixed=$(( $("$jg" "$f" data_path.read_fixed.count) + $("$jg" "$f" data_path.read_fixed_inline.count) ))
plain=$(( $("$jg" "$f" data_path.read_ring.count) + $("$jg" "$f" data_path.read_sync.count) ))
pinned=$("$jg" "$f" pinned_kib)
[ "$fixed" -ge 2000 ] && [ "$plain" = 0 ] ||
	t_fail "from CPU $last: $fixed reads with fixed buffers, $plain without (queue $last got none)"
[ "$pinned" = 16384 ] || t_fail "pinned $pinned KiB, not the one queue's 16384"
t_log "CPU $last's queue took the budget: $fixed fixed-buffer reads, pinned $pinned KiB"

srv_start pb2 passthrough "$T/src" -o max_pinned=16
run_fio pb2 "$last" last2
run_fio pb2 0 first
srv_stop_ok pb2
f=${SRV_STATS[pb2]}
plain=$(( $("$jg" "$f" data_path.read_ring.count) + $("$jg" "$f" data_path.read_sync.count) ))
pinned=$("$jg" "$f" pinned_kib)
[ "$plain" -ge 2000 ] || t_fail "CPU 0's reads after the budget was spent: only $plain without fixed buffers"
[ "$pinned" = 16384 ] || t_fail "pinned $pinned KiB after both CPUs read, not 16384"
