#!/usr/bin/env bash
# memfs and passthrough under valgrind (memcheck, full leak check): every
# fsops case but the 10,000-entry readdir (minutes under valgrind; a few
# hundred entries are still read in the other cases), then unmount. Valgrind must report no error and no lost block
# (definitely or indirectly), and the server must exit 0. Classic transport
# only: valgrind 3.19 cannot follow the ring transports, whose memory the
# kernel fills behind its back (completions, request headers, payloads);
# tried: the mount comes up and then no request is ever answered. The ring
# transports are checked by the ASan+UBSan run instead. Skipped on a
# sanitizer build (ASan and valgrind do not mix).
. "$(dirname "$0")/../lib/common.sh"

[ "$TR" = classic ] || t_skip "valgrind cannot run the ring transports (transport $TR; see the header)"
[ "$ZCFUSE_SANITIZER" = 1 ] && t_skip "sanitizer build: ASan and valgrind do not mix"
t_need_cmd valgrind
fsops=$(t_prog fsops)
cases="create readwrite append truncate rename rename_dir hardlink symlink unlink_rmdir xattr
statfs mmap odirect fsync fallocate lseek copy_file_range chmod_utimens mkfifo enoent"

# check NAME: the valgrind log of server NAME is clean.
check() {
	local name=$1 vlog=$T/$1.vg
	[ -s "$vlog" ] || t_fail "$name: no valgrind log"
	grep -q "ERROR SUMMARY: 0 errors" "$vlog" || {
		grep -A12 -m3 "^==[0-9]*== [A-Z]" "$vlog" | head -60
		t_fail "$name: valgrind found errors: $(grep "ERROR SUMMARY" "$vlog")"
	}
	grep -qE "definitely lost: [1-9]|indirectly lost: [1-9]" "$vlog" && {
		grep -B2 -A14 "definitely lost in" "$vlog" | head -60
		t_fail "$name: valgrind found leaks: $(grep -E "definitely|indirectly" "$vlog" | tr -s ' ' | tr '\n' ';')"
	}
	[ "${SRV_STATUS[$name]}" = 0 ] || t_fail "$name: server exited with status ${SRV_STATUS[$name]}"
	t_log "$name: $(grep -m1 "ERROR SUMMARY" "$vlog" | sed 's/^==[0-9]*== //'); $(grep -m1 "in use at exit" "$vlog" | sed 's/^==[0-9]*== //')"
}

# Slow under valgrind: mounting and unmounting get the longer bounds.
T_SLOW=$((T_SLOW * 6))
vg() { echo "valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=no --log-file=$T/$1.vg"; }

SRV_WRAP=$(vg memfs) srv_start memfs memfs
# shellcheck disable=SC2086
"$fsops" "${SRV_MNT[memfs]}" $cases >"$T/fsops-memfs.out" 2>&1 || {
	tail -20 "$T/fsops-memfs.out"
	t_fail "fsops failed on memfs under valgrind"
}
srv_stop memfs
check memfs

mkdir -p "$T/src"
SRV_WRAP=$(vg passthrough) srv_start passthrough passthrough "$T/src"
# shellcheck disable=SC2086
"$fsops" "${SRV_MNT[passthrough]}" --source "$T/src" $cases >"$T/fsops-passthrough.out" 2>&1 || {
	tail -20 "$T/fsops-passthrough.out"
	t_fail "fsops failed on passthrough under valgrind"
}
srv_stop passthrough
check passthrough
t_log "PASS"
