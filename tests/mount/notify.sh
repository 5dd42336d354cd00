#!/usr/bin/env bash
# Every notification observed from the client side (tests/mount/notifyc.c):
# store (read back without a READ), retrieve (the cached bytes come back),
# inval_inode (next stat sends GETATTR), inval_entry and expire_entry and
# inc_epoch (next stat sends LOOKUP), prune and resend (accepted, or
# -ENOSYS on a kernel without them), delete (the name is gone at once).
# Notifications always go over /dev/fuse, on ring transports too.
. "$(dirname "$0")/../lib/common.sh"

srv=$ZCFUSE_BUILD/tests/mount/notifyfs
[ -x "$srv" ] || t_fail "notifyfs is not built"
mnt=$T/n.mnt
mkdir -p "$mnt"
"$srv" -f -o "transport=$TR" "$mnt" 2>"$T/n.log" &
pid=$!
t_on_exit "fusermount3 -u -z '$mnt'; kill $pid"
t_wait_until $((10 * T_SLOW)) t_is_mounted "$mnt" || t_fail "notifyfs did not mount: $(tail -3 "$T/n.log")"
"$(t_prog notifyc)" "$mnt" || { tail -5 "$T/n.log"; t_fail "notifications (see above)"; }
fusermount3 -u "$mnt" || t_fail "unmount"
wait $pid || t_fail "notifyfs exited with $?"
t_log "PASS"
