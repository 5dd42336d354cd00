#!/usr/bin/env bash
# FUSE_PARALLEL_DIROPS (issue 11 item 6), seen from both sides: holdfs
# (tests/mount/holdfs.c) keeps a LOOKUP of "hold_a" in the server, and a
# second client looks up "hold_b" in the same directory meanwhile.
#   default, -o parallel_dirops: hold_b reaches the server while hold_a is
#     still there (two held lookups at once)
#   -o no_parallel_dirops: hold_b waits in the kernel, in fuse_lookup on the
#     directory's mutex (fuse_lock_inode in its kernel stack), and reaches
#     the server only after hold_a is answered
# holdfs answers a held lookup after 10 s at most, so nothing can hang.
. "$(dirname "$0")/../lib/common.sh"
t_need_root
prog=$(t_prog holdfs)

# stack_has PID WORD: WORD is in PID's kernel stack.
stack_has() { grep -q "$2" "/proc/$1/stack" 2>/dev/null; }

# run LABEL [options]: sets PEAK (held lookups in the server at once)
run() {
	local label=$1 ctl=$T/$1.ctl mnt=$T/$1.mnt log=$T/$1.log a b
	shift
	mkdir -p "$ctl" "$mnt"
	HOLDFS_DIR=$ctl HOLDFS_MAX_MS=$((10000 * T_SLOW)) "$prog" -f -o "transport=$TR" "$@" "$mnt" 2>"$log" &
	SRV_PID[$label]=$!
	# common.sh's cleanup reads them
	# shellcheck disable=SC2034
	SRV_MNT[$label]=$mnt SRV_LOG[$label]=$log
	t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" ||
		{ srv_unavailable "$label"; cat "$log"; t_fail "$label: holdfs did not mount"; }
	srv_unavailable "$label"
	timeout $((20 * T_SLOW)) stat "$mnt" >/dev/null || t_fail "$label: stat of the mount failed"
	# Two CPUs, so that over a ring the lookups come on two queues.
	taskset -c 0 stat "$mnt/hold_a" >/dev/null 2>&1 &
	a=$!
	t_wait_until $((10 * T_SLOW)) test -e "$ctl/in._a" || t_fail "$label: lookup of hold_a did not reach holdfs"
	taskset -c "$(($(nproc) > 1 ? 1 : 0))" stat "$mnt/hold_b" >/dev/null 2>&1 &
	b=$!
	t_wait_until $((5 * T_SLOW)) stack_has "$b" fuse_lookup ||
		t_fail "$label: the second stat is not in fuse_lookup: $(cat "/proc/$b/stack" 2>&1)"
	if [ "$label" = serial ]; then
		# It waits for the directory's mutex, not for the server...
		t_wait_until $((5 * T_SLOW)) stack_has "$b" fuse_lock_inode ||
			t_fail "$label: hold_b is not waiting in fuse_lock_inode: $(cat "/proc/$b/stack")"
		stack_has "$b" request_wait_answer && t_fail "$label: hold_b is waiting for the server"
		sleep 0.5
		[ -e "$ctl/in._b" ] && t_fail "$label: hold_b reached the server while hold_a was held"
	else
		t_wait_until $((5 * T_SLOW)) test -e "$ctl/in._b" ||
			t_fail "$label: hold_b did not reach the server while hold_a was held: $(cat "/proc/$b/stack")"
	fi
	touch "$ctl/release"
	wait "$a"
	wait "$b"
	# ...and reaches it once hold_a is answered.
	[ -e "$ctl/in._b" ] || t_fail "$label: hold_b never reached the server"
	grep -q "after the time limit" "$log" && t_fail "$label: a held lookup was answered by holdfs's time limit"
	fusermount3 -u "$mnt" || t_fail "$label: cannot unmount"
	t_wait_until $((10 * T_SLOW)) eval "! t_pid_alive ${SRV_PID[$label]}" || t_fail "$label: holdfs still running"
	wait "${SRV_PID[$label]}" || t_fail "$label: holdfs exited with status $?"
	SRV_PID[$label]=""
	t_sanitizer_check "$log"
	PEAK=$(sed -n 's/^holdfs: peak //p' "$log")
	t_log "$label ($*): $PEAK held lookups in the server at once"
}

run default
[ "$PEAK" = 2 ] || t_fail "default: peak $PEAK, expected 2"
run parallel -o parallel_dirops
[ "$PEAK" = 2 ] || t_fail "parallel_dirops: peak $PEAK, expected 2"
run serial -o no_parallel_dirops
[ "$PEAK" = 1 ] || t_fail "no_parallel_dirops: peak $PEAK, expected 1"
t_log "PASS"
