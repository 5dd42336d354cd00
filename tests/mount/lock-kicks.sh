#!/usr/bin/env bash
# A lock request that may wait (SETLKW) lends its ring entry and, when the
# queue may have requests waiting in the kernel behind it, kicks the queue
# (a NOTIFY_REPLY of our own, so that an entry commits). On an idle queue
# nothing can wait in the kernel: the kernel hands new requests to a free
# entry at once. So uncontended F_SETLKW lock/unlock pairs cost no kick,
# and, one waiting at a time, no more than one spare entry per queue
# (a spare stays registered and serves the next waiter).
# The storm and the read queued behind waiters (locks-ops) keep the kick
# where it is needed.
. "$(dirname "$0")/../lib/common.sh"

case $TR in
classic) t_skip "transport classic has no ring entries to lend, spare or kick" ;;
esac
ops=$(t_prog protoops)
jg=$(t_prog json-get)
srv_start mem memfs
m=${SRV_MNT[mem]}
"$ops" setlkw-pairs "$m" 20 || t_fail "20 F_SETLKW lock/unlock pairs"
srv_stop_ok mem
f=${SRV_STATS[mem]}
setlkw=$("$jg" "$f" opcodes.SETLKW.count) || t_fail "stats have no SETLKW count"
kicks=$("$jg" "$f" opcodes.NOTIFY_REPLY.count 2>/dev/null) || kicks=0
t_log "$TR: $setlkw SETLKW, $kicks NOTIFY_REPLY"
[ "$setlkw" -ge 40 ] || t_fail "expected 40 SETLKW requests, the stats count $setlkw"
[ "$kicks" -eq 0 ] || t_fail "$kicks kicks (NOTIFY_REPLY) for $setlkw uncontended SETLKWs on an idle queue"
spares=$("$jg" "$f" requests.ring_spares) || t_fail "stats have no requests.ring_spares"
t_log "$TR: $spares spare entries registered"
# One per queue at most: the process may move between CPUs, so queues.
want=$("$jg" "$f" queues) || t_fail "stats have no queues"
[ "$spares" -le "$want" ] || t_fail "$spares spare entries for $setlkw SETLKWs one at a time (at most one per queue: $want)"
t_log "PASS"
