#!/usr/bin/env bash
# Without -f the server daemonizes only once the mount works: the command
# returns 0, and at that moment the mount is already there and serves I/O.
# Unmounting ends the daemon, which writes its stats.
. "$(dirname "$0")/../lib/common.sh"

memfs=$(t_example memfs)
jg=$(t_prog json-get)
mnt=$T/daemon.mnt
stats=$T/daemon.stats.json
mkdir -p "$mnt"
# The daemon's stderr is gone; send sanitizer reports to files in $T.
[ "$ZCFUSE_SANITIZER" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$T/asan-daemon"

# daemon_pid: the process serving $mnt (its command line names the mountpoint).
daemon_pid() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" = "$memfs -o transport=$TR -o stats=$stats $mnt " ] &&
			echo "${p#/proc/}"
	done
}
t_on_exit 'umount -l "$mnt"; for p in $(daemon_pid); do kill -9 $p; done'

timeout -k 5 $((30 * T_SLOW)) "$memfs" -o "transport=$TR" -o "stats=$stats" "$mnt" 2>"$T/daemon.log"
st=$?
SRV_LOG[daemon]=$T/daemon.log
srv_unavailable daemon
[ $st = 0 ] || { cat "$T/daemon.log"; t_fail "the starting command exited with status $st"; }
# No waiting: the parent promised the mount is up.
t_in_mounts "$mnt" || t_fail "not mounted when the starting command returned"
echo "daemon data" >"$mnt/file" || t_fail "write right after start"
[ "$(cat "$mnt/file")" = "daemon data" ] || t_fail "read right after start"

pid=$(daemon_pid)
[ -n "$pid" ] || t_fail "no daemon process found for $mnt"
[ "$(echo "$pid" | wc -w)" = 1 ] || t_fail "more than one daemon process: $pid"
ppid=$(awk '{ print $4 }' "/proc/$pid/stat")
t_log "daemon pid $pid (parent $ppid), session $(awk '{ print $6 }' "/proc/$pid/stat")"
[ "$(readlink "/proc/$pid/cwd")" = / ] || t_log "note: the daemon's cwd is $(readlink "/proc/$pid/cwd"), not /"

fusermount3 -u "$mnt" || t_fail "fusermount3 -u"
t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" ||
	t_fail "daemon $pid still running after unmount (state $(t_pid_state "$pid"))"
t_wait_until 5 test -s "$stats" || t_fail "daemon wrote no stats at unmount"
[ "$("$jg" "$stats" transport)" = "$TR" ] || t_fail "stats name transport '$("$jg" "$stats" transport)'"
t_log "PASS"
