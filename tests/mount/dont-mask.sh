#!/usr/bin/env bash
# FUSE_DONT_MASK (issue 11 item 6). With umask 027, a file made with 0666,
# a directory with 0777 and a fifo with 0666:
#   the kernel's side (holdfs logs what arrives): without dont_mask the
#     modes come masked (0640, 0750, 0640), with it unmasked (0666, 0777,
#     0666); the umask (027) comes either way
#   the examples' side: memfs without and with -o dont_mask, and passthrough
#     with -o dont_mask (its default now, since it asks for it; it used to
#     give 0666, 0777, 0666), all give 0640, 0750, 0640 on the mount and on
#     SOURCE, as the same calls do on a local directory
. "$(dirname "$0")/../lib/common.sh"
t_need_root
holdfs=$(t_prog holdfs)
umask 027

# make DIR: the three objects in DIR, as the caller with umask 027
make() { "$(t_prog initops)" make "$1"; }
modes() { stat -c %a "$1/f" "$1/d" "$1/p" | tr '\n' ' '; }

# holdfs LABEL [options]: what MKDIR, MKNOD and CREATE carried, in KSEEN
holdfs() {
	local label=$1 mnt=$T/$1.mnt log=$T/$1.log
	shift
	mkdir -p "$mnt" "$T/$label.ctl"
	HOLDFS_DIR=$T/$label.ctl "$holdfs" -f -o "transport=$TR" "$@" "$mnt" 2>"$log" &
	SRV_PID[$label]=$!
	# common.sh's cleanup reads them
	# shellcheck disable=SC2034
	SRV_MNT[$label]=$mnt SRV_LOG[$label]=$log
	t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" ||
		{ srv_unavailable "$label"; cat "$log"; t_fail "$label: holdfs did not mount"; }
	srv_unavailable "$label"
	make "$mnt"
	fusermount3 -u "$mnt" || t_fail "$label: cannot unmount"
	t_wait_until $((10 * T_SLOW)) eval "! t_pid_alive ${SRV_PID[$label]}" || t_fail "$label: holdfs still running"
	SRV_PID[$label]=""
	t_sanitizer_check "$log"
	KSEEN=$(for op in CREATE MKDIR MKNOD; do sed -n "s/^holdfs: $op [^ ]* //p" "$log"; done | tr '\n' ';')
	t_log "$label: the server got $KSEEN"
}

holdfs plain
[ "$KSEEN" = "mode 0100640 umask 0027;mode 0750 umask 0027;mode 010640 umask 0027;" ] ||
	t_fail "without dont_mask: the server got $KSEEN"
holdfs dont_mask -o dont_mask
[ "$KSEEN" = "mode 0100666 umask 0027;mode 0777 umask 0027;mode 010666 umask 0027;" ] ||
	t_fail "with dont_mask: the server got $KSEEN"

want="640 750 640 "
mkdir -p "$T/direct"
make "$T/direct"
[ "$(modes "$T/direct")" = "$want" ] || t_fail "on a local directory: $(modes "$T/direct")"

# example LABEL KIND [options]: the three objects through KIND's mount
example() {
	local label=$1 kind=$2 got
	shift 2
	srv_start_example "$kind" "$label" "$@"
	make "${SRV_MNT[$label]}"
	got=$(modes "${SRV_MNT[$label]}")
	[ "$got" = "$want" ] || t_fail "$label: modes $got on the mount, not $want"
	if [ "$kind" = passthrough ]; then
		got=$(modes "$T/$label.src")
		[ "$got" = "$want" ] || t_fail "$label: modes $got on SOURCE, not $want"
	fi
	srv_stop_ok "$label"
	t_log "$label: $want"
}
example memfs memfs
example memfs-dont-mask memfs -o dont_mask
example passthrough-dont-mask passthrough -o dont_mask
t_log "PASS"
