#!/usr/bin/env bash
# -o stats=FILE: after I/O and unmount the file is valid JSON, names the
# transport that was asked for, counts READ and WRITE requests, and shows
# the path they took: over the ring for ring transports (requests.via_ring),
# over /dev/fuse for classic; for passthrough on a ring transport the backing
# reads went into registered memory (data_path.read_fixed).
. "$(dirname "$0")/../lib/common.sh"

jg=$(t_prog json-get)

# get FILE PATH: a number from the stats, failing the test if absent.
get() {
	local v
	v=$("$jg" "$1" "$2") || t_fail_from_subshell "stats $(basename "$1") has no $2"
	echo "$v"
}

do_io() {
	local mnt=$1
	head -c 2097152 /dev/urandom >"$T/payload"
	dd if="$T/payload" of="$mnt/file" bs=64k oflag=direct status=none || t_fail "O_DIRECT write"
	cp "$T/payload" "$mnt/buffered" || t_fail "buffered write"
	# O_DIRECT reads reach the server whatever the page cache holds.
	dd if="$mnt/file" of="$T/back" bs=64k iflag=direct status=none || t_fail "O_DIRECT read"
	cmp "$T/payload" "$T/back" || t_fail "read back differs"
	ls -la "$mnt" >/dev/null
}

check_stats() {
	local name=$1 f=${SRV_STATS[$1]} tr reads writes via_ring via_dev
	[ -s "$f" ] || t_fail "$name: no stats file $f after unmount"
	"$jg" "$f" . >/dev/null || { cat "$f"; t_fail "$name: stats file is not valid JSON"; }
	tr=$(get "$f" transport)
	[ "$tr" = "$TR" ] || t_fail "$name: stats name transport '$tr', asked for '$TR'"
	reads=$(get "$f" opcodes.READ.count)
	writes=$(get "$f" opcodes.WRITE.count)
	[ "$reads" -gt 0 ] || t_fail "$name: READ count $reads"
	[ "$writes" -gt 0 ] || t_fail "$name: WRITE count $writes"
	via_ring=$(get "$f" requests.via_ring)
	via_dev=$(get "$f" requests.via_dev)
	case $TR in
	classic)
		[ "$via_dev" -gt 0 ] || t_fail "$name: classic but requests.via_dev = $via_dev"
		[ "$via_ring" = 0 ] || t_fail "$name: classic but requests.via_ring = $via_ring"
		;;
	*)
		[ "$via_ring" -gt 0 ] || t_fail "$name: transport $TR but requests.via_ring = $via_ring (nothing went over the ring)"
		# READ and WRITE are never carried on /dev/fuse once the ring is up;
		# the few via_dev requests are INIT, FORGET and INTERRUPT.
		[ "$via_ring" -ge "$((reads + writes))" ] ||
			t_fail "$name: via_ring $via_ring is less than READ+WRITE $((reads + writes))"
		;;
	esac
	if [ "${SRV_KIND[$name]}" = passthrough ]; then
		local fixed zc_read inl
		fixed=$(get "$f" data_path.read_fixed.count)
		zc_read=$(get "$f" data_path.zero_copy_read.count)
		case $TR in
		uring | bufpool)
			# Backing files on memory filesystems are read on the queue
			# thread, still into the registered payload (read_fixed_inline).
			case $(stat -f -c %T "$T/src") in
			tmpfs | ramfs)
				inl=$(get "$f" data_path.read_fixed_inline.count)
				[ $((fixed + inl)) -gt 0 ] ||
					t_fail "$name: $TR, SOURCE on $(stat -f -c %T "$T/src"), but data_path.read_fixed.count = $fixed and read_fixed_inline.count = $inl"
				;;
			*)
				[ "$fixed" -gt 0 ] || t_fail "$name: $TR but data_path.read_fixed.count = $fixed (SOURCE on $(stat -f -c %T "$T/src"))"
				;;
			esac
			;;
		zerocopy)
			[ "$zc_read" -gt 0 ] || t_fail "$name: zerocopy but data_path.zero_copy_read.count = $zc_read"
			;;
		esac
	fi
	t_log "$name: transport $tr, READ $reads, WRITE $writes, via_ring $via_ring, via_dev $via_dev"
}

srv_start memfs memfs
do_io "${SRV_MNT[memfs]}"
srv_stop_ok memfs
check_stats memfs

mkdir -p "$T/src"
srv_start passthrough passthrough "$T/src"
do_io "${SRV_MNT[passthrough]}"
srv_stop_ok passthrough
check_stats passthrough
t_log "PASS"
