#!/usr/bin/env bash
# fuse_session_custom_io() on zcfuse's compat library: tests/compat/customio.c
# (libfuse API only) mounts through its own bridge, which forwards between
# /dev/fuse and one end of a SOCK_SEQPACKET socketpair; the session gets the
# other end and serves through the program's read and writev. Four runs:
# fuse_session_loop (3.0 form of the call), the program's own loop
# (fuse_session_receive_buf/process_buf), fuse_session_loop_mt with four
# threads on the one socket (3.0 form; ended by SIGTERM, which must stop
# every reader at once), and with a clone_fd callback (3.17 form, with the
# struct size). Each must serve a read, a listing, 3 MiB written and read
# back, and a file answered with fuse_reply_data from a descriptor (zcfuse
# splices it: those replies must go through the program's splice_send); the
# program's fail/short/notify files check that a writev that failed (-1) or
# came back short reaches the program as an error (EPIPE, EIO), a
# notification's too, and that its reader gets EIO. The counts must show
# that every request came through io->read and every answer through
# io->writev or io->splice_send, and the log that the session ran on classic
# (asked for $ZCFUSE_TRANSPORT: the rings need /dev/fuse itself), said once.
# The loops return what libfuse's would: -EIO when the socket's far end
# closes (a read of 0 bytes), 0 when ended by a signal.
. "$(dirname "$0")/../lib/common.sh"
t_need_root
prog=$ZCFUSE_BUILD/tests/compat/customio
[ -x "$prog" ] && [ -x "${prog}317" ] || t_fail "$prog(317) not built (make compat)"
head -c 3145728 /dev/urandom >"$T/blob"
head -c 262144 < <(yes "Hello from customio") >"$T/disk" # what customio's disk holds

# one NAME PROGRAM LOOP
one() {
	local name=$1 p=$2 loop=$3 mnt=$T/$1.mnt log=$T/$1.log pid i st line
	mkdir -p "$mnt"
	ZCFUSE_OPTIONS=transport=$TR "$p" --loop="$loop" "$mnt" 2>"$log" &
	pid=$!
	SRV_PID[$name]=$pid
	SRV_MNT[$name]=$mnt
	SRV_LOG[$name]=$log
	t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" || { cat "$log"; t_fail "$name: not mounted"; }
	[ "$(timeout 20 cat "$mnt/hello")" = "Hello from customio" ] ||
		{ cat "$log"; t_fail "$name: hello reads '$(timeout 5 cat "$mnt/hello")'"; }
	[ "$(ls "$mnt" | tr '\n' ' ')" = "data disk fail hello notify short " ] ||
		t_fail "$name: listing is '$(ls "$mnt" | tr '\n' ' ')'"
	# (Each open drops the file's cached pages: no keep_cache. The readers read the server.)
	t_write_read_back "$name" "$T/blob" "$mnt/data"
	timeout 20 cmp "$T/disk" "$mnt/disk" ||
		t_fail "$name: disk (fuse_reply_data from a descriptor) reads wrong"
	if timeout 20 cat "$mnt/fail" >"$T/fail.out" 2>&1; then
		t_fail "$name: reading fail succeeded"
	fi
	grep -q "Input/output error" "$T/fail.out" || t_fail "$name: reading fail: $(cat "$T/fail.out")"
	[ "$(timeout 20 cat "$mnt/short")" = "Hello from customio" ] || t_fail "$name: short reads wrong"
	[ "$(timeout 20 cat "$mnt/notify")" = "Hello from customio" ] || t_fail "$name: notify reads wrong"
	if [ "$name" = mt ]; then
		# Ended by a signal: four readers, one of them in io->read, the
		# others waiting for the shared socket, must all stop at once.
		kill -TERM "$pid"
		t_wait_until $((4 * T_SLOW)) eval "! t_pid_alive $pid" ||
			t_fail "$name: still running 4 s after SIGTERM"
		! grep -q "did not stop" "$log" || t_fail "$name: $(grep "did not stop" "$log")"
	else
		umount "$mnt" || t_fail "$name: cannot unmount"
		t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" ||
			t_fail "$name: still running after unmount"
	fi
	wait "$pid"
	st=$?
	SRV_PID[$name]=""
	t_sanitizer_check "$log"
	[ $st = 0 ] || { cat "$log"; t_fail "$name: exited with status $st"; }
	line=$(grep '^customio: loop ' "$log") || { cat "$log"; t_fail "$name: no summary line"; }
	# customio: loop L reads R writev W written M clones C spliced S; bridge
	# requests Q replies P; fail F short S notify_ok N notify_fail X; loop result E
	set -- $line
	local reads=$5 writev=$7 written=$9 clones=${11} spliced=${13%;} requests=${16}
	local replies=${18%;} fail=${20} short=${22} nok=${24} nfail=${26%;} result=${29}
	[ "$reads" -gt 100 ] && [ "$reads" = "$requests" ] ||
		t_fail "$name: $requests requests forwarded, $reads read through io->read: $line"
	[ "$spliced" -ge 2 ] || t_fail "$name: disk's READ replies never reached splice_send: $line"
	[ $((written + spliced)) = "$replies" ] ||
		t_fail "$name: $replies messages reached the bridge, io->writev and splice_send wrote $((written + spliced)): $line"
	# One writev wrote nothing (the failing notification); nothing else went past it.
	[ "$writev" = $((written + 1)) ] || t_fail "$name: writev called $writev times: $line"
	[ "$fail" = -32 ] || t_fail "$name: a failed writev reached fuse_reply_buf as $fail, not -EPIPE"
	[ "$short" = -5 ] || t_fail "$name: a short writev reached fuse_reply_buf as $short, not -EIO"
	[ "$nok" = 0 ] || t_fail "$name: a notification through writev returned $nok"
	[ "$nfail" = -32 ] || t_fail "$name: a failed notification returned $nfail, not -EPIPE"
	# The loop's result, as libfuse's: an unmount reaches the session as
	# the bridge closing the socket, a read of 0 bytes, which libfuse calls
	# a short read (EIO); a signal ends the loop with 0.
	if [ "$name" = mt ]; then
		[ "$result" = 0 ] || t_fail "$name: ended by SIGTERM, the loop returned $result, not 0"
	else
		[ "$result" = -5 ] || t_fail "$name: the far end closed, the loop returned $result, not -EIO"
		grep -q 'short read' "$log" || { cat "$log"; t_fail "$name: no short read in the log"; }
	fi
	if [ "$loop" = clone ]; then
		[ "$clones" -ge 1 ] || t_fail "$name: clone_fd never called: $line"
	else
		[ "$clones" = 0 ] || t_fail "$name: clone_fd called without one given: $line"
	fi
	[ "$(grep -c 'transport: classic .*fuse_session_custom_io' "$log")" = 1 ] ||
		{ cat "$log"; t_fail "$name: no single custom-io transport line"; }
	if [ "$TR" != classic ]; then
		grep -q "transport: classic .*$TR not taken" "$log" ||
			{ cat "$log"; t_fail "$name: the log does not say $TR was not taken"; }
	fi
	t_log "$name: $requests requests, $replies answers ($spliced spliced), all through the program's callbacks"
}

one plain "$prog" plain
one own "$prog" own
one mt "$prog" mt
one clone "${prog}317" clone
