#!/usr/bin/env bash
# Classic READ replies by splice (backing file -> pipe -> /dev/fuse): the
# passthrough example over a tmpfs source and over a disk-backed one, fio
# with --verify=crc32c (random reads and writes of 4K and 128K, direct and
# buffered), and a file whose size is not a multiple of the read size read
# back with dd and compared (the short read at its end takes the fallback).
# The stats must show data_path.read_splice; with -o splice=off they must
# not, and the data must be the same.
. "$(dirname "$0")/../lib/common.sh"

[ "$TR" = classic ] || t_skip "splice is the classic transport's; $TR replies on its ring"
t_need_root
t_need_cmd fio
jg=$(t_prog json-get)
cd "$T" || t_fail "cd $T"

mkdir -p "$T/mem" "$T/disk"
if [ "$(stat -f -c %T "$T/mem")" != tmpfs ]; then
	mount -t tmpfs -o size=96m zcfuse-splice "$T/mem" || t_fail "cannot mount a tmpfs source"
	t_on_exit "umount $T/mem"
fi

run_fio() { # LABEL DIR ARGS...
	local label=$1 dir=$2
	shift 2
	fio --name="$label" --directory="$dir" --ioengine=io_uring --iodepth=8 --size=24M \
		--verify=crc32c --verify_fatal=1 --output-format=json --output="$T/fio-$label.json" \
		"$@" >"$T/fio-$label.out" 2>&1 || { cat "$T/fio-$label.out"; t_fail "fio $label failed"; }
	[ "$("$jg" "$T/fio-$label.json" jobs.0.error)" = 0 ] || t_fail "fio $label reports an error"
}

# check SOURCE SPLICE(on|off): mount, verify, compare, unmount; echo read_splice count.
check() {
	local src=$1 mode=$2 name mnt f n
	name=$(basename "$src")-$mode
	srv_start "$name" passthrough "$src" -o "splice=$mode"
	mnt=${SRV_MNT[$name]}
	run_fio "$name-direct" "$mnt" --rw=randrw --bs=4k,128k --direct=1
	run_fio "$name-buffered" "$mnt" --rw=randrw --bs=128k --direct=0
	# 1 MiB + 5000 bytes: the last 128K read is short.
	head -c $((1048576 + 5000)) /dev/urandom >"$src/odd"
	dd if="$mnt/odd" of="$T/odd.back" bs=128k iflag=direct status=none || t_fail "$name: dd read"
	cmp "$src/odd" "$T/odd.back" || t_fail "$name: odd-sized file read back differs"
	dd if="$mnt/odd" of="$T/odd.back2" bs=128k status=none || t_fail "$name: buffered dd read"
	cmp "$src/odd" "$T/odd.back2" || t_fail "$name: odd-sized file read back (buffered) differs"
	srv_stop_ok "$name"
	rm -f "$src"/*
	f=${SRV_STATS[$name]}
	n=$("$jg" "$f" data_path.read_splice.count) || t_fail "$name: stats have no read_splice"
	SPLICED=$n
	t_log "$name: read_splice $n, READ $("$jg" "$f" opcodes.READ.count)"
}

for src in "$T/mem" "$T/disk"; do
	check "$src" on
	[ "$SPLICED" -gt 0 ] || t_fail "$(basename "$src"): splice on, but no READ was spliced"
	check "$src" off
	[ "$SPLICED" = 0 ] || t_fail "$(basename "$src"): -o splice=off, but $SPLICED READs were spliced"
done
t_log "PASS"
