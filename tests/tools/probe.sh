#!/usr/bin/env bash
# zcfuse-probe tells the running kernel's transports right, with enable_uring
# on and off: the io_uring line follows the switch (and says how to turn it
# on), buffer pools and zero copy follow the protocol the kernel really speaks
# (7.46 and later: available; older: absent with the reason), and -j agrees.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BUILD=${ZCFUSE_BUILD:-$REPO/build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
probe=$BUILD/tools/zcfuse-probe
jg=$BUILD/tests/mount/json-get
param=/sys/module/fuse/parameters/enable_uring
fail() { echo "probe: FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "probe: SKIP: needs root to mount a probe filesystem"; exit 77; }
[ -x "$probe" ] && [ -x "$jg" ] || fail "$probe or $jg not built (make all)"
[ -w "$param" ] || { echo "probe: SKIP: no $param (kernel without FUSE over io_uring)"; exit 77; }
old=$(cat "$param")
trap 'echo "$old" > "$param"' EXIT

check() { # check Y|N
	local out json minor
	echo "$1" > "$param"
	out=$("$probe") || fail "enable_uring=$1: exit status $?"
	json=$(mktemp) && "$probe" -j > "$json" || fail "enable_uring=$1: -j failed"
	minor=$(sed -n 's/^protocol: 7\.\([0-9]*\)$/\1/p' <<<"$out")
	[ -n "$minor" ] || fail "enable_uring=$1: no protocol line in: $out"
	if [ "$1" = Y ]; then
		grep -q '^io_uring transport: available' <<<"$out" || fail "enable_uring=Y but: $(grep io_uring <<<"$out")"
		[ "$("$jg" "$json" io_uring.available)" = true ] || fail "enable_uring=Y: -j says io_uring unavailable"
	else
		grep -q '^io_uring transport: absent (enable_uring is off: echo Y > ' <<<"$out" ||
			fail "enable_uring=N but: $(grep io_uring <<<"$out")"
		grep -q '^best transport: classic' <<<"$out" || fail "enable_uring=N but: $(grep best <<<"$out")"
		[ "$("$jg" "$json" io_uring.available)" = false ] || fail "enable_uring=N: -j says io_uring available"
	fi
	if [ "$1" = Y ] && [ "$minor" -ge 46 ]; then
		grep -q '^buffer pools: available' <<<"$out" || fail "protocol 7.$minor but: $(grep 'buffer pools' <<<"$out")"
		grep -q '^zero copy: available' <<<"$out" || fail "protocol 7.$minor, root, but: $(grep 'zero copy' <<<"$out")"
	else
		grep -q '^buffer pools: absent (.' <<<"$out" || fail "protocol 7.$minor, enable_uring=$1, but: $(grep 'buffer pools' <<<"$out")"
		[ "$("$jg" "$json" bufpool.available)" = false ] || fail "-j disagrees on buffer pools"
	fi
	rm -f "$json"
	echo "probe: enable_uring=$1, protocol 7.$minor: ok"
}
check Y
check N
echo "probe: PASS"
