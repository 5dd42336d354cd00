#!/usr/bin/env bash
# Detection and fallback with FUSE over io_uring switched off in the kernel
# (enable_uring=N, restored at exit):
#  - transport auto mounts over classic, serves I/O, and says why on stderr
#    and in the stats, with the command that turns io_uring on;
#  - -o transport=uring and libfuse's -o io_uring fail instead, exit
#    non-zero with that reason, and leave nothing mounted;
#  - with kernel.io_uring_disabled=2 (restored at once) the same refusal
#    names the sysctl.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BUILD=${ZCFUSE_BUILD:-$REPO/build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
memfs=$BUILD/examples/memfs
jg=$BUILD/tests/mount/json-get
param=/sys/module/fuse/parameters/enable_uring
fix="echo Y > $param"
fail() { echo "fallback: FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "fallback: SKIP: needs root to mount and to switch $param"; exit 77; }
[ -x "$memfs" ] && [ -x "$jg" ] || fail "$memfs or $jg not built (make all)"
[ -w "$param" ] || { echo "fallback: SKIP: no $param (kernel without FUSE over io_uring)"; exit 77; }
T=$(mktemp -d /tmp/zcfuse-fallback.XXXXXX) || fail "mktemp"
old=$(cat "$param")
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	mountpoint -q "$T/mnt" && { fusermount3 -u "$T/mnt" 2>/dev/null || umount -l "$T/mnt"; }
	echo "$old" >"$param"
	[ -n "${oldsys:-}" ] && echo "$oldsys" >/proc/sys/kernel/io_uring_disabled
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/mnt"
echo N >"$param"

# auto: classic, with the reason.
"$memfs" -f -o stats="$T/stats.json" "$T/mnt" 2>"$T/auto.log" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$T/mnt" && break; sleep 0.05; done
mountpoint -q "$T/mnt" || fail "auto: not mounted: $(cat "$T/auto.log")"
echo served >"$T/mnt/f" && [ "$(timeout 10 cat "$T/mnt/f")" = served ] || fail "auto: I/O over the fallback failed"
fusermount3 -u "$T/mnt" || fail "auto: unmount"
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done # busybox: no tail --pid
kill -0 "$pid" 2>/dev/null && fail "auto: server still running 20 s after unmount"
wait "$pid" || fail "auto: server exit status $?"
pid=""
grep -q "transport: classic" "$T/auto.log" || fail "auto: no 'transport: classic' line: $(cat "$T/auto.log")"
grep -qF "$fix" "$T/auto.log" || fail "auto: the log does not say how to turn io_uring on: $(cat "$T/auto.log")"
[ "$("$jg" "$T/stats.json" transport)" = classic ] || fail "auto: stats name transport $("$jg" "$T/stats.json" transport)"
"$jg" "$T/stats.json" transport_reason | grep -qF "$fix" || fail "auto: stats transport_reason lacks the fix"
echo "fallback: auto fell back to classic and said why"

# Asked for by name: an error, not a fallback.
for opt in transport=uring io_uring; do
	timeout 20 "$memfs" -f -o "$opt" "$T/mnt" 2>"$T/$opt.log"
	st=$?
	[ $st = 124 ] && fail "-o $opt: still running after 20 s (it fell back or hung)"
	[ $st != 0 ] || fail "-o $opt with io_uring off exited 0"
	grep -q "not available" "$T/$opt.log" && grep -qF "$fix" "$T/$opt.log" ||
		fail "-o $opt: the error does not give the reason and the fix: $(cat "$T/$opt.log")"
	mountpoint -q "$T/mnt" && fail "-o $opt: left $T/mnt mounted"
	echo "fallback: -o $opt refused with: $(head -1 "$T/$opt.log")"
done

# kernel.io_uring_disabled=2 (io_uring on, but no process may make a ring):
# the same fallback, with that reason instead of a ring setup error.
sysctl=/proc/sys/kernel/io_uring_disabled
if [ -w "$sysctl" ]; then
	echo Y >"$param"
	oldsys=$(cat "$sysctl")
	echo 2 >"$sysctl"
	timeout 20 "$memfs" -f -o transport=uring "$T/mnt" 2>"$T/disabled.log"
	st=$?
	echo "$oldsys" >"$sysctl"
	[ $st != 0 ] && [ $st != 124 ] || fail "io_uring_disabled=2: -o transport=uring exited $st"
	grep -q "io_uring not available: kernel.io_uring_disabled is 2" "$T/disabled.log" ||
		fail "io_uring_disabled=2: not refused by the ladder: $(cat "$T/disabled.log")"
	mountpoint -q "$T/mnt" && fail "io_uring_disabled=2: left $T/mnt mounted"
	echo "fallback: io_uring_disabled=2 refused with: $(head -1 "$T/disabled.log")"
fi
echo "fallback: PASS"
