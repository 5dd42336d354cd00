#!/usr/bin/env bash
# A shared mmap of a file opened with O_DIRECT works through the mount as it
# does on SOURCE (issue 9, item 7): passthrough turns O_DIRECT opens (and,
# with -o cache=never, every open) into direct_io, and the kernel refuses a
# shared mapping of those without FUSE_DIRECT_IO_ALLOW_MMAP (ENODEV). The
# mapped write must reach the file. Over passthrough, passthrough -o
# cache=never and memfs.
. "$(dirname "$0")/../lib/common.sh"

pw=$(t_prog privwrite)
failures=()

check() {
	local name=$1 kind=$2 f
	shift 2
	srv_start_example "$kind" "$name" "$@"
	f=${SRV_MNT[$name]}/f
	head -c 8192 /dev/zero | tr '\0' x >"$f"
	out=$("$pw" "$f" mmap-direct 2>&1) || failures+=("$name: $out")
	if [ "$kind" = passthrough ]; then
		[ "$(head -c 2 "$T/$name.src/f")" = xM ] ||
			failures+=("$name: SOURCE does not have the mapped write")
	fi
	t_log "$name: done"
	srv_stop_ok "$name"
}

# SOURCE itself: the oracle (tmpfs or ext4 both allow it).
mkdir -p "$T/plain"
head -c 8192 /dev/zero | tr '\0' x >"$T/plain/f"
"$pw" "$T/plain/f" mmap-direct 2>/dev/null || t_skip "shared mmap of an O_DIRECT open fails on $(stat -f -c %T "$T") itself"

check pt passthrough
check pt-never passthrough -o cache=never
check memfs memfs
if [ ${#failures[@]} -gt 0 ]; then
	printf '  %s\n' "${failures[@]}"
	t_fail "${#failures[@]} mounts refused or lost a shared mmap of an O_DIRECT open"
fi
t_log "PASS"
