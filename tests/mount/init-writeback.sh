#!/usr/bin/env bash
# -o writeback_cache, seen from the client (issue 11 item 6): a buffered
# write returns before the server has the data (SOURCE stays empty until
# fsync), small writes reach the server coalesced into few large WRITEs,
# O_APPEND and write-only opens still land right, and fio's crc32c verify
# passes on buffered random writes (and the data on SOURCE verifies again
# after unmount). Without the option: the server has every write at once,
# one WRITE per write(2). A filesystem's init op sees the option and may
# refuse it (memfs does).
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd fio
ops=$(t_prog initops)
jg=$(t_prog json-get)
src=$T/src
mkdir -p "$src"
cd "$T" || t_fail "cd $T"

# probe LABEL: 256 writes of 4 KiB; prints the size on SOURCE before and after fsync
probe() { "$ops" wbprobe "${SRV_MNT[pt]}/$1" "$src/$1"; }
writes() { "$jg" "${SRV_STATS[pt]}" opcodes.WRITE.count 2>/dev/null || echo 0; }

srv_start pt passthrough "$src"
read -r before after < <(probe plain) || t_fail "the write probe failed"
srv_stop_ok pt
n=$(writes)
t_log "default: SOURCE had $before bytes before fsync, $n WRITEs for 256 writes"
[ "$before" = 1048576 ] && [ "$after" = 1048576 ] || t_fail "without writeback the server did not have every write at once ($before, $after)"
[ "$n" -ge 256 ] || t_fail "without writeback only $n WRITEs for 256 writes"

# The same 256 sequential writes under the cache reach the server as a few
# large WRITEs, all at fsync. (fio's random writes below are not counted:
# how early the kernel writes scattered dirty pages back depends on the
# machine's memory, since FUSE gets a small share of the dirty limit; the
# 4 GiB 7.3 guest sent 2,566 WRITEs for them and the probe together.)
srv_start pt passthrough "$src" -o writeback_cache
read -r before after < <(probe wb) || t_fail "the write probe failed"
srv_stop_ok pt
n=$(writes)
t_log "writeback_cache: SOURCE had $before bytes before fsync, $n WRITEs for 256 writes"
[ "$before" -lt 1048576 ] || t_fail "under writeback_cache the server had all data before fsync: the write did not return first"
[ "$after" = 1048576 ] || t_fail "after fsync SOURCE has $after bytes, not 1048576"
[ "$n" -le 64 ] || t_fail "$n WRITEs for 256 sequential writes of 4 KiB under writeback_cache: they were not coalesced"
cmp -s <("$ops" pattern) "$src/wb" ||
	t_fail "the written-back file differs"

srv_start pt passthrough "$src" -o writeback_cache
mnt=${SRV_MNT[pt]}
# O_APPEND and a write-only open under the cache still land where they should.
printf 'abc' >"$src/app"
printf 'def' >>"$mnt/app" || t_fail "append through the mount failed"
printf 'XY' | dd of="$mnt/wo" bs=1 seek=5 conv=notrunc status=none 2>/dev/null
"$ops" pwrite-wo "$mnt/wo2" ||
	t_fail "write-only pwrite through the mount failed"
mkdir -p "$mnt/fio"
fio --name=wb --directory="$mnt/fio" --ioengine=psync --rw=randwrite --bs=4k --size=16M \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --direct=0 --output-format=json \
	--output="$T/fio-wb.json" >"$T/fio-wb.out" 2>&1 || {
	cat "$T/fio-wb.out"
	t_fail "fio verify of buffered random writes under writeback_cache failed"
}
[ "$("$jg" "$T/fio-wb.json" jobs.0.error)" = 0 ] || t_fail "fio reports an error under writeback_cache"
srv_stop_ok pt
n=$(writes)
bytes=$("$jg" "${SRV_STATS[pt]}" opcodes.WRITE.bytes)
t_log "writeback_cache: append, write-only opens and fio: $n WRITEs carried $bytes bytes"
[ "$(cat "$src/app")" = abcdef ] || t_fail "append under writeback_cache gave '$(cat "$src/app")'"
[ "$(cat "$src/wo2")" = hJllo ] || t_fail "write-only pwrites under writeback_cache gave '$(cat "$src/wo2")'"
# What was written back is on SOURCE: fio verifies it there, after unmount.
fio --name=wb --directory="$src/fio" --ioengine=psync --rw=randwrite --bs=4k --size=16M \
	--verify=crc32c --verify_fatal=1 --verify_only --output-format=json \
	--output="$T/fio-wb-src.json" >"$T/fio-wb-src.out" 2>&1 || {
	cat "$T/fio-wb-src.out"
	t_fail "the data written back to SOURCE does not verify"
}
# The init op sees -o writeback_cache and has the last word (libfuse's
# model): memfs's refuses it, and every write reaches memfs at once.
srv_start m memfs -o writeback_cache
"$ops" writes "${SRV_MNT[m]}/f" 64 || t_fail "memfs: the writes failed"
srv_stop_ok m
n=$("$jg" "${SRV_STATS[m]}" opcodes.WRITE.count 2>/dev/null || echo 0)
grep -q "writeback_cache refused" "${SRV_LOG[m]}" || t_fail "memfs's init op did not see -o writeback_cache"
[ "$n" -ge 64 ] || t_fail "memfs refused writeback_cache, yet its 64 writes came as $n WRITEs"
t_log "memfs -o writeback_cache: refused by its init op, $n WRITEs for 64 writes"
t_log "PASS"
