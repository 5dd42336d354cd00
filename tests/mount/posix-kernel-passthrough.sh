#!/usr/bin/env bash
# passthrough with -o passthrough: regular files are handed to the kernel's
# FUSE passthrough (Linux 6.9+, privileged), which then serves READ and
# WRITE itself. The fsops cases (except the 10,000-entry readdir, which
# passthrough-mode does not change) must behave exactly as without it, and
# the stats must show that opens really were handed over.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
fsops=$(t_prog fsops)
jg=$(t_prog json-get)
src=$T/src
mkdir -p "$src"
if ! setfattr -n user.probe -v 1 "$src" 2>/dev/null; then
	t_skip "$src ($(stat -f -c %T "$src")) does not take user xattrs"
fi
setfattr -x user.probe "$src"
srv_start fs passthrough "$src" -o passthrough
"$fsops" "${SRV_MNT[fs]}" --source "$src" create readwrite append truncate rename rename_dir \
	hardlink symlink unlink_rmdir xattr statfs mmap odirect fsync fallocate lseek \
	copy_file_range chmod_utimens mkfifo enoent ||
	t_fail "fsops cases failed on passthrough -o passthrough (see above)"
srv_stop_ok fs
n=$("$jg" "${SRV_STATS[fs]}" data_path.passthrough_open.count) || t_fail "no passthrough_open counter"
if [ "$n" = 0 ]; then
	major=$(uname -r | cut -d. -f1)
	minor=$(uname -r | cut -d. -f2)
	if [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 9 ]; }; then
		t_skip "kernel $(uname -r) has no FUSE passthrough (6.9+)"
	fi
	t_fail "no open was handed to kernel passthrough (data_path.passthrough_open.count = 0) on $(uname -r)"
fi
t_log "$n opens handed to kernel passthrough"
t_log "PASS"
