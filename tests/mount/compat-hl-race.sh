#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-race: renames, unlinks and reads racing through libfuse's
# high-level passthrough example (zcfuse's high-level layer): no read ever
# finds a wrong file or loses an open one (tests/mount/hl-race.c); then
# the server exits cleanly, no .fuse_hidden file is left behind, and under
# the sanitizer build its log has no report. Runs the multi-threaded loop
# (libfuse's default), so the layer's locking is what keeps paths right.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

t_need_root
hl_need_examples
hl_setup_lib
RACE=$(t_prog hl-race)
SRC=$T/src
MNT=$T/mnt
mkdir -p "$SRC" "$MNT"
"$HL_T314/example/passthrough" -f "$MNT" 2>"$T/server.log" &
PID=$!
# A hung server leaves hl-race's tasks blocked in the kernel (some in
# uninterruptible directory locks) until the connection is aborted: the
# cleanup aborts it before killing anything.
t_on_exit "t_fuse_abort $MNT; fusermount3 -u -z $MNT 2>/dev/null; kill -KILL $PID 2>/dev/null"
hl_wait_mounted "$PID" "$MNT"

# hang_fail WHAT PID: called when PID (hl-race or the unmount) ran past
# its bound: the server's threads go to the log, the connection is
# aborted so that nothing stays blocked in the kernel, and the test fails.
hang_fail() {
	echo "$T_NAME: $1 still running after its bound: the server looks deadlocked;" \
		"its threads (gdb) in $T/gdb.txt" >&2
	if command -v gdb >/dev/null; then
		timeout 60 gdb -p "$PID" -batch -x "$(cd "$(dirname "$0")" && pwd)/compat-hl-race.gdb" >"$T/gdb.txt" 2>&1
		grep -E '^Thread|^#|^hl-nodes' "$T/gdb.txt" | head -200 >&2
	fi
	t_fuse_abort "$MNT"
	kill -KILL "$2" "$PID" 2>/dev/null
	t_fail "$1 hung (server deadlock), connection aborted"
}
# gone_within SECONDS PID: wait for PID to end, by the clock (a loaded
# machine stretches any count of polls).
gone_within() {
	local end=$((SECONDS + $1))
	while t_pid_alive "$2"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
	return 0
}
# bounded WHAT SECONDS CMD...: run CMD, failing through hang_fail past SECONDS.
bounded() {
	local what=$1 limit=$2 pid
	shift 2
	"$@" &
	pid=$!
	gone_within "$limit" "$pid" || hang_fail "$what" "$pid"
	wait "$pid"
}
mkdir -p "$MNT$SRC/race" || t_fail "mkdir through the mount"
# hl-race runs 3 s (x T_SLOW); 30 s (x T_SLOW) more is far beyond a slow run.
# It wants 20 exact checks: under TCG 3 s gave 40 reads and 15 checks, so
# there it runs 12 s.
secs=$((3 * T_SLOW))
[ "${ZCFUSE_VM_ACCEL:-}" = tcg ] && secs=$((12 * T_SLOW))
bounded hl-race $((secs + 30 * T_SLOW)) "$RACE" "$MNT$SRC/race" "$secs" ||
	t_fail "hl-race found a wrong read or too few checks (see above)"
t_pid_alive "$PID" || t_fail "server died"
cd /
bounded unmount $((30 * T_SLOW)) fusermount3 -u "$MNT" || t_fail "cannot unmount $MNT"
gone_within $((30 * T_SLOW)) "$PID" || hang_fail "server after unmount" "$PID"
wait "$PID"
st=$?
[ "$st" = 0 ] || t_fail "server $PID exited with status $st"
hidden=$(find "$SRC" -name '.fuse_hidden*' | head -3)
[ -z "$hidden" ] || t_fail "hidden files left after every descriptor closed: $hidden"
[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "$T/server.log"
t_log "ok over $HL_LIB_NAME"
