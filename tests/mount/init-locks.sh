#!/usr/bin/env bash
# -o no_remote_lock, no_remote_posix_lock, no_remote_flock (issue 11 item
# 6): which locks reach the filesystem and which the kernel keeps. memfs
# implements both kinds; one process holds a POSIX lock and a flock, a
# second one must see both conflicts (EAGAIN, F_GETLK naming the holder)
# wherever the locks live, and memfs's statistics show where they lived:
# every request with the default, none of the kind the option keeps local.
. "$(dirname "$0")/../lib/common.sh"

ops=$(t_prog initops)
count() { "$(t_prog json-get)" "${SRV_STATS[m]}" "opcodes.$1.count" 2>/dev/null || echo 0; }

run() {
	local label=$1 want_setlk=$2 want_getlk=$3 setlk getlk
	shift 3
	srv_start m memfs "$@"
	echo data >"${SRV_MNT[m]}/f"
	"$ops" locks "${SRV_MNT[m]}/f" || t_fail "$label: lock conflicts not enforced"
	srv_stop_ok m
	setlk=$(($(count SETLK) + $(count SETLKW)))
	getlk=$(count GETLK)
	t_log "$label: SETLK+SETLKW $setlk, GETLK $getlk"
	[ "$setlk" = "$want_setlk" ] && [ "$getlk" = "$want_getlk" ] ||
		t_fail "$label: SETLK $setlk, GETLK $getlk reached memfs; want $want_setlk, $want_getlk"
}

# POSIX: lock, refused try, unlock (SETLKW or SETLK each), one GETLK; flock: 3 more.
run default 6 1
run no_remote_lock 0 0 -o no_remote_lock
run no_remote_posix_lock 3 0 -o no_remote_posix_lock
run no_remote_flock 3 1 -o no_remote_flock
t_log "PASS"
