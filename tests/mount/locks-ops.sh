#!/usr/bin/env bash
# The protocol beyond basic file I/O, seen from clients of memfs and of
# passthrough over $ZCFUSE_TRANSPORT: fcntl locks across processes
# (conflict, F_GETLK owner pid, wait and grant on the holder's close, an
# interrupted waiter gets EINTR within 100 ms and the mount goes on
# serving), flock, the waiter storm (64 waiters on one CPU while reads go
# on there), a read queued in the kernel behind waiters that hold every
# entry, memfs's ioctl and poll, statx with btime, O_TMPFILE + linkat,
# syncfs. passthrough forwards locks to SOURCE, so a lock taken on SOURCE
# directly must conflict through the mount too.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd taskset
ops=$(t_prog protoops)
srv_start mem memfs -o memfs_poll
m=${SRV_MNT[mem]}
for t in locks flock ioctl poll statx tmpfile syncfs; do
	"$ops" "$t" "$m" || t_fail "memfs: $t (see above)"
done
# The storm: 64 waiters against a queue of 16 entries; reads on the same CPU.
timeout -k 2 $((60 * T_SLOW)) "$ops" storm "$m" 64 0 || t_fail "memfs: waiter storm"
srv_stop_ok mem

# A read that queued in the kernel behind waiters holding every entry of
# its CPU's queue (the kernel gives it only to an entry that commits, never
# to a spare registered later) is answered while they still wait.
srv_start pend memfs -o io_uring_q_depth=4
timeout -k 2 $((40 * T_SLOW)) "$ops" pending "${SRV_MNT[pend]}" "${SRV_PID[pend]}" 4 0 ||
	t_fail "memfs: a read queued behind 4 waiting SETLKWs"
srv_stop_ok pend

mkdir -p "$T/src"
srv_start pt passthrough "$T/src"
p=${SRV_MNT[pt]}
# OFD locks have no owning process: F_GETLK through passthrough names none.
"$ops" locks "$p" anypid || t_fail "passthrough: locks (see above)"
for t in flock tmpfile syncfs; do
	"$ops" "$t" "$p" || t_fail "passthrough: $t (see above)"
done
"$ops" statx "$p" "$T/src" || t_fail "passthrough: statx"
# A lock on SOURCE itself (another open file description) conflicts through the mount.
exec 7<>"$T/src/lockfile"
flock -x 7
if flock -xn "$p/lockfile" true; then
	t_fail "passthrough: flock through the mount ignored a lock held on SOURCE"
fi
exec 7>&-
flock -xn "$p/lockfile" true || t_fail "passthrough: flock through the mount after SOURCE's lock went"
srv_stop_ok pt
t_log "PASS"
