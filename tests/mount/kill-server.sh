#!/usr/bin/env bash
# SIGKILL the server in the middle of fio: fio and a second reader of the
# mount must end within a bound (no task stuck in D state), the mountpoint
# must answer ENOTCONN, fusermount3 -u must take it away, and a new server
# must mount on the same folder and serve I/O. Done for memfs and passthrough.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd fio
cd "$T" || t_fail "cd $T"
bound=$((30 * T_SLOW))

# describe PID: its state and where it sleeps in the kernel, for the failure message.
describe() {
	echo "pid $1 ($(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")): state $(t_pid_state "$1"), wchan $(cat "/proc/$1/wchan" 2>/dev/null)"
	cat "/proc/$1/stack" 2>/dev/null | head -20
}

# wait_gone PID WHAT: the process must end within the bound.
wait_gone() {
	local pid=$1 what=$2
	if ! t_wait_until "$bound" eval "! t_pid_alive $pid"; then
		describe "$pid"
		t_fail "$what still running $bound s after the server was killed (state $(t_pid_state "$pid"))"
	fi
	wait "$pid" 2>/dev/null
	return 0
}

kill_during_io() {
	local kind=$1 mnt pid fio_pid reader_pid out
	srv_start_example "$kind"
	mnt=${SRV_MNT[$kind]}
	pid=${SRV_PID[$kind]}
	head -c 8388608 /dev/urandom >"$mnt/steady" || t_fail "$kind: writing steady"

	fio --name=victim --directory="$mnt" --ioengine=io_uring --iodepth=16 --rw=randrw \
		--bs=4k --size=32M --direct=1 --time_based --runtime=120 \
		--output="$T/fio-$kind.out" >/dev/null 2>&1 &
	fio_pid=$!
	# A second client: a long O_DIRECT reader looping over another file.
	(while :; do dd if="$mnt/steady" of=/dev/null bs=4k iflag=direct status=none || exit 0; done) 2>"$T/reader-$kind.err" &
	reader_pid=$!

	# Let fio lay out its file and run for a moment.
	t_wait_until $((20 * T_SLOW)) test -s "$mnt/victim.0.0" || t_fail "$kind: fio never created its file"
	sleep 1
	t_pid_alive "$fio_pid" || { cat "$T/fio-$kind.out"; t_fail "$kind: fio ended before the kill"; }

	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	SRV_PID[$kind]=""
	t_log "$kind: server $pid killed during I/O"

	wait_gone "$fio_pid" "fio on $kind"
	wait_gone "$reader_pid" "the second reader on $kind"

	out=$(timeout 10 stat "$mnt" 2>&1)
	case $? in
	124) t_fail "$kind: stat of the dead mount hung" ;;
	0) t_fail "$kind: stat of the dead mount succeeded: $out" ;;
	esac
	echo "$out" | grep -q "Transport endpoint is not connected" ||
		t_fail "$kind: stat of the dead mount said '$out', want ENOTCONN"
	timeout 10 fusermount3 -u "$mnt" 2>"$T/umount.err" || timeout 10 umount -l "$mnt" ||
		t_fail "$kind: cannot unmount the dead mount: $(cat "$T/umount.err")"
	t_in_mounts "$mnt" && t_fail "$kind: $mnt still mounted after unmounting"

	# The same folder takes a new mount that works.
	srv_start_example "$kind"
	echo "alive again" >"$mnt/after" || t_fail "$kind: write after remount"
	[ "$(cat "$mnt/after")" = "alive again" ] || t_fail "$kind: read after remount"
	srv_stop_ok "$kind"
	t_log "$kind: remounted and served I/O after the kill"
}

kill_during_io memfs
kill_during_io passthrough
t_log "PASS"
