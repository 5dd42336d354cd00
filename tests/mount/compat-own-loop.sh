#!/usr/bin/env bash
# libfuse programs that run their own loop (fuse_session_fd,
# fuse_session_receive_buf, fuse_session_process_buf, fuse_session_exited)
# on zcfuse's compat library, with ZCFUSE_OPTIONS=transport=$ZCFUSE_TRANSPORT:
# - tests/compat/ownloop.c, written against libfuse's API only, in its three
#   loops: plain (blocking), poll (non-blocking descriptor in poll(2)) and
#   threads (four threads, each its own buffer), with four readers at once;
# - Debian's pyfuse3 (a binary extension linked to libfuse3.so.3, its loop
#   in trio) through zcfuse-run, with a small filesystem of ours.
# Each must serve reads, a 3 MiB write read back, a listing, and end with
# exit status 0 on unmount; the log must carry the own-loop transport line
# (such programs are served over classic whatever transport was asked; on a
# ring transport the log says so).
. "$(dirname "$0")/../lib/common.sh"
t_need_root
prog=$(t_prog ../compat/ownloop)
run=$ZCFUSE_BUILD/compat/zcfuse-run
[ -x "$run" ] || t_fail "$run not built (make compat)"
head -c 3145728 /dev/urandom >"$T/blob"

# check NAME PID MNT LOG GREETING: exercise the mount, unmount, judge.
check() {
	local name=$1 pid=$2 mnt=$3 log=$4 greeting=$5 i st
	SRV_PID[$name]=$pid
	SRV_MNT[$name]=$mnt
	SRV_LOG[$name]=$log
	t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" || { cat "$log"; t_fail "$name: not mounted"; }
	[ "$(timeout 20 cat "$mnt/hello")" = "$greeting" ] || { cat "$log"; t_fail "$name: hello reads '$(cat "$mnt/hello")'"; }
	[ "$(ls "$mnt" | sort | tr '\n' ' ')" = "data hello " ] || t_fail "$name: listing is '$(ls "$mnt" | tr '\n' ' ')'"
	t_write_read_back "$name" "$T/blob" "$mnt/data"
	truncate -s 1000 "$mnt/data" || t_fail "$name: truncate failed"
	[ "$(stat -c %s "$mnt/data")" = 1000 ] || t_fail "$name: size after truncate is $(stat -c %s "$mnt/data")"
	cmp -n 1000 "$T/blob" "$mnt/data" || t_fail "$name: data changed by truncate"
	fusermount3 -u "$mnt" || t_fail "$name: cannot unmount"
	t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "$name: still running after unmount"
	wait "$pid"
	st=$?
	SRV_PID[$name]=""
	t_sanitizer_check "$log"
	[ $st = 0 ] || { cat "$log"; t_fail "$name: exited with status $st"; }
	grep -q "transport: classic (the program's threads.*own loop" "$log" ||
		{ cat "$log"; t_fail "$name: no own-loop transport line (was zcfuse's library used?)"; }
	if [ "$TR" != classic ]; then
		grep -q "transport $TR asked for, but the program reads /dev/fuse in its own loop" "$log" ||
			{ cat "$log"; t_fail "$name: no word that $TR was not taken"; }
	fi
	t_log "$name: served and ended ($(grep -m1 -o "[0-9]* requests processed" "$log" || echo ok))"
}

for loop in plain poll threads; do
	mnt=$T/$loop.mnt
	mkdir -p "$mnt"
	ZCFUSE_OPTIONS=transport=$TR "$prog" --loop=$loop -f "$mnt" 2>"$T/$loop.log" &
	check "$loop" $! "$mnt" "$T/$loop.log" "Hello from ownloop"
done

if /usr/bin/python3 -c "import pyfuse3, trio" 2>/dev/null; then
	preload=()
	if [ "$ZCFUSE_SANITIZER" = 1 ]; then
		preload=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
			 "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0")
	fi
	mnt=$T/py.mnt
	mkdir -p "$mnt"
	"$run" --transport="$TR" "${preload[@]}" /usr/bin/python3 "$T_REPO/tests/compat/pyownloop.py" \
		"$mnt" 2>"$T/py.log" &
	check pyfuse3 $! "$mnt" "$T/py.log" "Hello from pyfuse3"
else
	t_log "pyfuse3 not installed (apt-get install python3-pyfuse3): its case left out"
fi
