#!/usr/bin/env bash
# A server without CAP_IPC_LOCK under an RLIMIT_MEMLOCK of 8 MiB (Debian's
# default for users, and what rootless servers get): io_uring charges
# registered buffers to that limit, so the ring transports pin at most half
# of it by default and say so. No registration may fail (uring used to log
# one failure per queue; the pools, which must register, could not start),
# the transport asked for is the one that runs, and fio verifies every byte.
# A server with CAP_IPC_LOCK keeps the full default (no such line).
. "$(dirname "$0")/../lib/common.sh"

case $TR in
classic) t_skip "transport classic pins no memory" ;;
esac
t_need_root
t_need_cmd fio prlimit setpriv
cd "$T" || t_fail "cd $T" # fio leaves its verify state files in the cwd
lim=$((8 << 20))
mkdir -p "$T/src" "$T/src2"

# With the capability first: a transport this kernel lacks skips here
# (under the limit, a transport that cannot register fails the test:
# srv_unavailable).
srv_start cap passthrough "$T/src2"
srv_stop_ok cap
! grep "pinning at most" "${SRV_LOG[cap]}" || t_fail "a budget line with CAP_IPC_LOCK"

SRV_WRAP="prlimit --memlock=$lim:$lim setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock" \
	srv_start lim passthrough "$T/src"
timeout $((120 * T_SLOW)) fio --name=memlock --directory="${SRV_MNT[lim]}" --size=8M --numjobs=2 \
	--ioengine=io_uring --iodepth=16 --rw=randrw --bs=4k,128k --direct=1 --verify=crc32c \
	--verify_fatal=1 >"$T/fio.out" 2>&1 || { cat "$T/fio.out"; t_fail "fio under the memlock limit failed"; }
srv_stop_ok lim
log=${SRV_LOG[lim]}
grep -q "pinning at most 4096 KiB: half of RLIMIT_MEMLOCK (8192 KiB) without CAP_IPC_LOCK" "$log" ||
	{ cat "$log"; t_fail "no line on the memlock budget"; }
! grep -E "not registered|registering|Cannot allocate memory" "$log" ||
	t_fail "a registration failed under the memlock limit"
line=$(grep -m1 "transport: $TR (" "$log") || { cat "$log"; t_fail "did not run on $TR"; }
pinned=$(sed -n 's/.*pinned \([0-9]*\) KiB.*/\1/p' <<<"$line")
[ -n "$pinned" ] && [ "$pinned" -le 4096 ] || t_fail "pinned '$pinned' KiB over the 4096 KiB budget: $line"
case $TR in
bufpool | zerocopy) [ "$pinned" -gt 0 ] || t_fail "$TR registered no pool: $line" ;;
esac
t_log "without CAP_IPC_LOCK, memlock 8 MiB: $line"
