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
t_on_exit "fusermount3 -u -z $MNT 2>/dev/null; kill $PID 2>/dev/null"
hl_wait_mounted "$PID" "$MNT"
mkdir -p "$MNT$SRC/race" || t_fail "mkdir through the mount"
"$RACE" "$MNT$SRC/race" $((3 * T_SLOW)) || t_fail "hl-race found a wrong read (see above)"
t_pid_alive "$PID" || t_fail "server died"
hl_stop "$PID" "$MNT"
hidden=$(find "$SRC" -name '.fuse_hidden*' | head -3)
[ -z "$hidden" ] || t_fail "hidden files left after every descriptor closed: $hidden"
[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "$T/server.log"
t_log "ok over $HL_LIB_NAME"
