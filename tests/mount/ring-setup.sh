#!/usr/bin/env bash
# -o ring_setup=defer|coop|single|plain and -o ring_fd=plain: every way of
# setting up the queue rings serves real I/O (fio verify at iodepth 16 over
# two jobs, so both queues and the backing-I/O path are used), and the stats
# show that the rings got the io_uring setup flags the mode asks for. Ring
# transports only; classic has no rings.
. "$(dirname "$0")/../lib/common.sh"

case $TR in
classic) t_skip "transport classic has no rings to set up" ;;
esac
t_need_cmd fio
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T" # fio leaves its verify state files in the cwd

# io_uring_setup flags (include/uapi/linux/io_uring.h)
COOP_TASKRUN=$((1 << 8)) TASKRUN_FLAG=$((1 << 9)) SQE128=$((1 << 10))
SINGLE_ISSUER=$((1 << 12)) DEFER_TASKRUN=$((1 << 13))

# check NAME MODE WANT_SET WANT_CLEAR: the stats name the mode, and the flags
# the rings got include every bit of WANT_SET and none of WANT_CLEAR.
check() {
	local name=$1 mode=$2 set=$3 clear=$4 f=${SRV_STATS[$1]} got flags reads
	got=$("$jg" "$f" ring_setup) || t_fail "$name: stats have no ring_setup"
	[ "$got" = "$mode" ] || t_fail "$name: stats say ring_setup '$got', asked for '$mode'"
	flags=$("$jg" "$f" ring_setup_flags) || t_fail "$name: stats have no ring_setup_flags"
	[ $((flags & set)) = "$set" ] || t_fail "$name: ring flags $flags lack $set"
	[ $((flags & clear)) = 0 ] || t_fail "$name: ring flags $flags include $((flags & clear))"
	reads=$("$jg" "$f" requests.via_ring) || t_fail "$name: stats have no requests.via_ring"
	[ "$reads" -gt 0 ] || t_fail "$name: nothing went over the ring"
	t_log "$name: ring_setup $got, flags $flags, via_ring $reads"
}

mkdir -p "$T/src"
# mode  flags it must have  flags it must not have
while read -r mode set clear; do
	srv_start "$mode" passthrough "$T/src" -o "ring_setup=$mode"
	fio --name="$mode" --directory="${SRV_MNT[$mode]}" --size=8M --numjobs=2 \
		--ioengine=io_uring --iodepth=16 --rw=randrw --bs=4k,64k --direct=1 \
		--verify=crc32c --verify_fatal=1 >"$T/fio-$mode.out" 2>&1 || {
		cat "$T/fio-$mode.out"
		t_fail "fio over ring_setup=$mode failed"
	}
	srv_stop_ok "$mode"
	check "$mode" "$mode" "$set" "$clear"
done <<EOF
defer  $((SQE128 | SINGLE_ISSUER | DEFER_TASKRUN))  $COOP_TASKRUN
coop   $((SQE128 | SINGLE_ISSUER | COOP_TASKRUN | TASKRUN_FLAG))  $DEFER_TASKRUN
single $((SQE128 | SINGLE_ISSUER))  $((DEFER_TASKRUN | COOP_TASKRUN))
plain  $SQE128  $((SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN))
EOF

# A plain ring descriptor changes how io_uring_enter finds the ring, not what
# the ring does: one more verify run.
srv_start regfd passthrough "$T/src" -o ring_fd=plain
grep -q "with a plain ring fd" "${SRV_LOG[regfd]}" ||
	t_fail "ring_fd=plain: the transport line does not say so: $(t_server_transport_line regfd)"
fio --name=regfd --filename="${SRV_MNT[regfd]}/regfd" --size=8M --ioengine=io_uring --iodepth=16 \
	--rw=randrw --bs=4k --direct=1 --verify=crc32c --verify_fatal=1 >"$T/fio-regfd.out" 2>&1 || {
	cat "$T/fio-regfd.out"
	t_fail "fio over ring_fd=plain failed"
}
srv_stop_ok regfd
t_log "PASS"
