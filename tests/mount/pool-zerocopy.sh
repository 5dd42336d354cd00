#!/usr/bin/env bash
# Buffer pools and zero copy (Linux 7.3 transports bufpool and zerocopy; the
# test skips elsewhere):
#  1. a pool with fewer buffers than the queue has entries (-o pool_bufs=2,
#     queue_depth=16): requests wait for a buffer, none fails; fio at iodepth
#     16 verifies its data;
#  2. zerocopy only: in one mount, files opened with and without zero copy
#     (-o zero_copy=direct: O_DIRECT opens ask for it, buffered ones do not)
#     both verify, and the stats show both paths were taken.
. "$(dirname "$0")/../lib/common.sh"

case $TR in
bufpool | zerocopy) ;;
*) t_skip "transport $TR has no buffer pool (bufpool and zerocopy need Linux 7.3)" ;;
esac
t_need_cmd fio
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T" # fio leaves its verify state files in the cwd

verify() {
	local label=$1 file=$2
	shift 2
	fio --name="$label" --filename="$file" --size=32M --ioengine=io_uring --iodepth=16 \
		--rw=randrw --bs=4k,128k --verify=crc32c --verify_fatal=1 "$@" \
		>"$T/fio-$label.out" 2>&1 || {
		cat "$T/fio-$label.out"
		t_fail "fio $label failed"
	}
	t_log "fio $label: ok"
}

mkdir -p "$T/src"
srv_start small passthrough "$T/src" -o pool_bufs=2 -o queue_depth=16
verify small-pool-direct "${SRV_MNT[small]}/a" --direct=1
verify small-pool-buffered "${SRV_MNT[small]}/b" --direct=0
srv_stop_ok small
pool=$("$jg" "${SRV_STATS[small]}" data_path.pool.count) || t_fail "no data_path.pool in stats"
[ "$pool" -gt 0 ] || t_fail "pool_bufs=2: data_path.pool.count = $pool (no request data came through the pool)"

if [ "$TR" = zerocopy ]; then
	srv_start mixed passthrough "$T/src" -o zero_copy=direct
	verify zc-direct "${SRV_MNT[mixed]}/zc" --direct=1
	verify nozc-buffered "${SRV_MNT[mixed]}/nozc" --direct=0
	srv_stop_ok mixed
	f=${SRV_STATS[mixed]}
	zc=$("$jg" "$f" data_path.zero_copy_read.count) || t_fail "no zero_copy_read in stats"
	zw=$("$jg" "$f" data_path.zero_copy_write.count) || t_fail "no zero_copy_write in stats"
	inl=$("$jg" "$f" data_path.read_fixed_inline.count)
	fx=$("$jg" "$f" data_path.read_fixed.count)
	[ "$zc" -gt 0 ] && [ "$zw" -gt 0 ] || t_fail "O_DIRECT files: zero_copy_read $zc, zero_copy_write $zw"
	[ $((inl + fx)) -gt 0 ] || t_fail "buffered files: no registered-buffer reads (read_fixed $fx, inline $inl)"
	t_log "mixed: zero-copy reads $zc, writes $zw; copied reads $((inl + fx))"
fi
t_log PASS
