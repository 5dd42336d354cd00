#!/usr/bin/env bash
# Bad command lines fail fast with one line on stderr, a non-zero exit and
# nothing mounted: a missing mountpoint folder, a file as mountpoint, an
# unknown transport, an unknown option, a bad number, no mountpoint at all,
# and (passthrough) a missing SOURCE.
. "$(dirname "$0")/../lib/common.sh"

memfs=$(t_example memfs)
passthrough=$(t_example passthrough)
bound=$((10 * T_SLOW))
mkdir -p "$T/mnt" "$T/src"
touch "$T/a-file"

# expect_error WHAT MNT CMD...: CMD must exit non-zero (not by timeout)
# within the bound, print exactly one line on stderr, and leave MNT unmounted.
expect_error() {
	local what=$1 mnt=$2 st lines
	shift 2
	timeout -k 5 "$bound" "$@" >"$T/out" 2>"$T/err"
	st=$?
	[ $st = 124 ] || [ $st = 137 ] && t_fail "$what: still running after $bound s"
	[ $st != 0 ] || t_fail "$what: exit status 0"
	[ -n "$mnt" ] && t_in_mounts "$mnt" && {
		umount -l "$mnt"
		t_fail "$what: left $mnt mounted"
	}
	lines=$(grep -c . "$T/err")
	if [ "$lines" != 1 ]; then
		sed 's/^/    stderr: /' "$T/err" | head -20
		t_fail "$what: $lines lines on stderr, want one"
	fi
	SRV_LOG[bad-input]=$T/err
	srv_unavailable bad-input
	t_log "$what: exit $st: $(cat "$T/err")"
}

expect_error "missing mountpoint folder" "$T/nonexistent" \
	"$memfs" -f -o "transport=$TR" "$T/nonexistent"
# A regular file is a valid mountpoint (as in libfuse); a device is not.
expect_error "mountpoint is a device" /dev/null \
	"$memfs" -f -o "transport=$TR" /dev/null
expect_error "-o transport=bogus" "$T/mnt" \
	"$memfs" -f -o transport=bogus "$T/mnt"
expect_error "-o nosuchopt" "$T/mnt" \
	"$memfs" -f -o "transport=$TR,nosuchopt" "$T/mnt"
expect_error "-o queue_depth=0" "$T/mnt" \
	"$memfs" -f -o "transport=$TR,queue_depth=0" "$T/mnt"
expect_error "no mountpoint" "" \
	"$memfs" -f -o "transport=$TR"
expect_error "passthrough: missing SOURCE" "$T/mnt" \
	"$passthrough" -f -o "transport=$TR" "$T/no-such-source" "$T/mnt"
expect_error "passthrough: -o nosuchopt" "$T/mnt" \
	"$passthrough" -f -o "transport=$TR,nosuchopt" "$T/src" "$T/mnt"
# The same without -f: the error still comes before any daemonizing.
expect_error "daemon mode: missing mountpoint folder" "$T/nonexistent" \
	"$memfs" -o "transport=$TR" "$T/nonexistent"
t_log "PASS"
