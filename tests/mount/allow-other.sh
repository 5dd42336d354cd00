#!/usr/bin/env bash
# Who may use the mount: by default only the user who mounted it (root
# here); -o allow_other lets everyone in; -o allow_root lets only root and
# the mounting user in (zcfuse mounts with allow_other and turns the others
# away itself). The other user is nobody, reached with setpriv(1).
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd setpriv
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody true 2>/dev/null || t_skip "setpriv cannot switch to nobody here"
# nobody must be able to reach the mountpoints: open up our own scratch
# folders for traversal (o+x), and skip if another ancestor is closed.
chmod 755 "$T"
d=$(dirname "$T")
while [ "$d" != / ]; do
	case $(basename "$d") in
	zcfuse-tests.*) chmod o+x "$d" ;;
	esac
	as_nobody test -x "$d" || t_skip "$d is not searchable by nobody"
	d=$(dirname "$d")
done

# check NAME OPTS EXPECT: mount memfs with OPTS; nobody's listing of the
# root must succeed (EXPECT=ok) or fail with EACCES (EXPECT=denied).
check() {
	local name=$1 opts=$2 expect=$3 mnt out st
	# shellcheck disable=SC2086
	srv_start "$name" memfs $opts
	mnt=${SRV_MNT[$name]}
	chmod 755 "$mnt"
	touch "$mnt/visible" || t_fail "$name: root cannot create a file"
	ls "$mnt" >/dev/null || t_fail "$name: root cannot list the mount"
	out=$(as_nobody ls "$mnt" 2>&1)
	st=$?
	case $expect in
	ok) [ $st = 0 ] && [ "$out" = visible ] || t_fail "$name: nobody could not list the mount ($st): $out" ;;
	denied)
		[ $st != 0 ] || t_fail "$name: nobody listed the mount: $out"
		echo "$out" | grep -q "Permission denied" || t_fail "$name: nobody failed with '$out', want EACCES"
		;;
	esac
	t_log "$name ($opts): nobody $expect"
	srv_stop_ok "$name"
}

check default "" denied
check allow_other "-o allow_other" ok
check allow_root "-o allow_root" denied
t_log "PASS"
