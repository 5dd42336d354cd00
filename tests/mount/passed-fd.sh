#!/usr/bin/env bash
# /dev/fd/N mountpoints: a parent opens /dev/fuse, mounts it and hands the
# descriptor to the filesystem as "/dev/fd/N" (libfuse's convention). Here
# the parent is Debian's mount.fuse3 with -o drop_privileges, which also
# drops every capability before running the program, as container and
# rootless setups use it. Served so:
# - zcfuse's own memfs (native API), transport $ZCFUSE_TRANSPORT;
# - tests/compat/ownloop.c (libfuse API) on zcfuse's libfuse3.so.3.
# Each must be handed /dev/fd/N, run without capabilities, serve a write and
# its read back, log its transport, and exit 0 once unmounted; nothing must
# be mounted or unmounted by the program itself. A /dev/fd/N that is not
# open must fail cleanly.
. "$(dirname "$0")/../lib/common.sh"
t_need_root
t_need_cmd mount.fuse3
memfs=$(t_example memfs)
ownloop=$(t_prog ../compat/ownloop)
head -c 1048576 /dev/urandom >"$T/blob"

# via NAME PROGRAM [ARGS...]: mount.fuse3 runs a wrapper (its "type") that
# execs PROGRAM ARGS "$@" -f (FILE=NAME: the file written, else f), in the foreground: mount.fuse3 becomes a
# shell ($!) whose child is the server.
via() {
	local name=$1 mnt=$T/$1.mnt log=$T/$1.log pid srv st caps args
	shift
	mkdir -p "$mnt"
	printf '#!/bin/sh\nexec %s "$@" -f 2>%s\n' "$*" "$log" >"$T/$name.wrap"
	chmod 755 "$T/$name.wrap"
	mount.fuse3 "$T/$name.wrap" "$mnt" -o drop_privileges >"$T/$name.mount.out" 2>&1 &
	pid=$!
	SRV_PID[$name]=$pid
	SRV_MNT[$name]=$mnt
	SRV_LOG[$name]=$log
	t_wait_until $((20 * T_SLOW)) t_is_mounted "$mnt" ||
		{ cat "$T/$name.mount.out" "$log" 2>/dev/null; t_fail "$name: not mounted by mount.fuse3"; }
	timeout 60 cp "$T/blob" "$mnt/${FILE:-f}" || { cat "$log"; t_fail "$name: write failed"; }
	timeout 60 cmp "$T/blob" "$mnt/${FILE:-f}" || t_fail "$name: read back differs"
	srv=$(pgrep -P "$pid" | head -1)
	[ -n "$srv" ] || srv=$pid
	args=$(tr '\0' ' ' <"/proc/$srv/cmdline")
	case $args in *" /dev/fd/"[0-9]*) ;; *) t_fail "$name: not handed a /dev/fd/N mountpoint: $args" ;; esac
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$srv/status")
	[ "$caps" = 0000000000000000 ] || t_fail "$name: runs with capabilities $caps, drop_privileges not in effect"
	fusermount3 -u "$mnt" || t_fail "$name: cannot unmount"
	t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "$name: still running after unmount"
	wait "$pid"
	st=$?
	SRV_PID[$name]=""
	t_sanitizer_check "$log"
	[ $st = 0 ] || { cat "$log"; t_fail "$name: exited with status $st"; }
	t_log "$name: served $(grep -o '/dev/fd/[0-9]*' <<<"$args") without capabilities ($(grep -m1 -o 'transport: [a-z]*' "$log"))"
}

via memfs "$memfs" -o "transport=$TR" -o "stats=$T/memfs.stats.json"
[ "$(json_get "$T/memfs.stats.json" transport)" = "$TR" ] ||
	{ cat "$T/memfs.log"; t_fail "memfs: stats name transport $(json_get "$T/memfs.stats.json" transport), not $TR"; }
# Its own loop: served over classic whatever was asked (compat-own-loop).
# libfuse's hello_ll through mount.fuse3 is in compat-libfuse-tests.
FILE=data via ownloop env "ZCFUSE_OPTIONS=transport=$TR" "$ownloop" --loop=plain
grep -q "transport: classic (the program's threads" "$T/ownloop.log" ||
	{ cat "$T/ownloop.log"; t_fail "ownloop: no transport line from zcfuse's library"; }

# A descriptor that is not open: a clear error, and "/" is left alone.
"$memfs" -f /dev/fd/987 >"$T/bad.log" 2>&1 && t_fail "memfs on a closed /dev/fd/987 exited 0"
grep -q "not an open descriptor" "$T/bad.log" || { cat "$T/bad.log"; t_fail "no clear error for a closed /dev/fd/987"; }
t_log "closed descriptor refused: $(head -1 "$T/bad.log")"
