#!/usr/bin/env bash
# INIT options for names and opens (issue 11 item 6), each seen from the
# client by what reaches the server (memfs, counted in its statistics):
#   cache_symlinks   three readlinks of one symlink: 1 READLINK, not 3
#   atomic_o_trunc   opening an existing file with O_TRUNC: no SETATTR,
#                    the server truncates in OPEN (and the file is empty)
#   readdirplus=no   listings as READDIR only; =yes as READDIRPLUS only;
#                    =auto: READDIRPLUS for a listing's first buffer only,
#                    plain READDIR for the rest when nobody stats the names
. "$(dirname "$0")/../lib/common.sh"

count() { "$(t_prog json-get)" "${SRV_STATS[m]}" "opcodes.$1.count" 2>/dev/null || echo 0; }

# run LABEL [options]: a fresh memfs, the workload, the counts in C_*
run() {
	local label=$1 mnt
	shift
	srv_start m memfs "$@"
	mnt=${SRV_MNT[m]}
	ln -s target "$mnt/link"
	echo data >"$mnt/file"
	mkdir "$mnt/d"
	for i in $(seq 200); do : >"$mnt/d/n$i"; done
	# The kernel forgets nothing within the test: entries stay cached.
	sync
	for i in 1 2 3; do
		[ "$(readlink "$mnt/link")" = target ] || t_fail "$label: readlink wrong"
	done
	: >"$mnt/file"
	[ ! -s "$mnt/file" ] || t_fail "$label: O_TRUNC left data"
	# Names only, no stat: more than one buffer of entries.
	"$(t_prog initops)" list "$mnt/d" 200 || t_fail "$label: the listing is wrong"
	srv_stop_ok m
	C_READLINK=$(count READLINK)
	C_SETATTR=$(count SETATTR)
	C_READDIR=$(count READDIR)
	C_READDIRPLUS=$(count READDIRPLUS)
	t_log "$label: READLINK $C_READLINK, SETATTR $C_SETATTR, READDIR $C_READDIR, READDIRPLUS $C_READDIRPLUS"
}

run default
[ "$C_READLINK" -ge 3 ] || t_fail "default: $C_READLINK READLINKs for 3 readlinks"
[ "$C_SETATTR" -ge 1 ] || t_fail "default: O_TRUNC sent no SETATTR"
[ "$C_READDIRPLUS" -ge 1 ] || t_fail "default (readdirplus): no READDIRPLUS"
run cache_symlinks -o cache_symlinks
[ "$C_READLINK" = 1 ] || t_fail "cache_symlinks: $C_READLINK READLINKs for 3 readlinks"
run atomic_o_trunc -o atomic_o_trunc
[ "$C_SETATTR" = 0 ] || t_fail "atomic_o_trunc: O_TRUNC still sent $C_SETATTR SETATTR"
run readdirplus=no -o readdirplus=no
[ "$C_READDIRPLUS" = 0 ] && [ "$C_READDIR" -ge 2 ] || t_fail "readdirplus=no: READDIRPLUS $C_READDIRPLUS, READDIR $C_READDIR"
run readdirplus=yes -o readdirplus=yes
[ "$C_READDIR" = 0 ] && [ "$C_READDIRPLUS" -ge 2 ] || t_fail "readdirplus=yes: READDIRPLUS $C_READDIRPLUS, READDIR $C_READDIR"
run readdirplus=auto -o readdirplus=auto
[ "$C_READDIRPLUS" -ge 1 ] && [ "$C_READDIR" -ge 1 ] || t_fail "readdirplus=auto: READDIRPLUS $C_READDIRPLUS, READDIR $C_READDIR"
t_log "PASS"
