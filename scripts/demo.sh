#!/bin/bash
# SPDX-License-Identifier: MIT
# zcfuse demo: serve a 256 MiB file through the passthrough example over the
# best transport this kernel offers, measure 4k random reads with fio, and
# show what the server did. Run as root (it mounts a tmpfs and a FUSE fs):
#
#   scripts/demo.sh BUILD_DIR        (what `make demo` runs)
#
# Everything it sets up (mounts, the server, the enable_uring setting,
# temporary files) is undone on exit, also on failure or Ctrl-C.

set -u -o pipefail
export LC_ALL=C

PROG=demo
BUILD=${1:-}
FILE_MB=256
MOUNT_TIMEOUT=10
FIO_RUNTIME=5
URING_PARAM=/sys/module/fuse/parameters/enable_uring

say() { echo "$PROG: $*"; }
die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

[ -n "$BUILD" ] || die "usage: scripts/demo.sh BUILD_DIR (e.g. build)"
[ "$(id -u)" = 0 ] || die "run as root: the demo mounts a tmpfs and turns on FUSE over io_uring"
SERVER=$BUILD/examples/passthrough
[ -x "$SERVER" ] || die "$SERVER is not built (run make first)"
for cmd in fio mountpoint fusermount3; do
	command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (scripts/install-deps)"
done
SERVER=$(cd "$(dirname "$SERVER")" && pwd -P)/passthrough
JSON_GET=$BUILD/tests/mount/json-get

W=
SRC=
MNT=
SERVER_PID=
TMPFS_MOUNTED=0
URING_OLD=

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	if [ -n "$MNT" ] && mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	# A killed server can leave a dead mount behind; detach it.
	[ -n "$MNT" ] && umount -l "$MNT" 2>/dev/null
	[ "$TMPFS_MOUNTED" = 1 ] && umount -l "$SRC" 2>/dev/null
	if [ -n "$URING_OLD" ]; then
		echo "$URING_OLD" >"$URING_PARAM" 2>/dev/null ||
			echo "$PROG: warning: could not restore $URING_PARAM to $URING_OLD" >&2
	fi
	[ -n "$W" ] && rm -rf --one-file-system "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# json FILE PATH: the value at a dotted path (e.g. jobs.0.read.iops).
json() {
	if [ -x "$JSON_GET" ]; then
		"$JSON_GET" "$1" "$2" 2>/dev/null
	elif command -v python3 >/dev/null 2>&1; then
		python3 - "$1" "$2" <<'EOF' 2>/dev/null
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
EOF
	else
		return 1
	fi
}

W=$(mktemp -d /tmp/zcfuse-demo.XXXXXX) || die "cannot create a temporary directory"
SRC=$W/src
MNT=$W/mnt
mkdir -p "$SRC" "$MNT" || die "cannot create $SRC and $MNT"

# The source lives on its own small tmpfs, so the demo measures FUSE, not a disk.
mount -t tmpfs -o size=$((FILE_MB + 32))m,mode=0755 zcfuse-demo "$SRC" ||
	die "cannot mount a tmpfs on $SRC"
TMPFS_MOUNTED=1
say "writing a $FILE_MB MiB test file on tmpfs"
dd if=/dev/urandom of="$SRC/file" bs=1M count=$FILE_MB status=none ||
	die "cannot write $SRC/file"

if [ -e "$URING_PARAM" ]; then
	URING_OLD=$(cat "$URING_PARAM") || die "cannot read $URING_PARAM"
	if [ "$URING_OLD" != Y ]; then
		echo Y >"$URING_PARAM" || die "cannot turn on $URING_PARAM"
		say "turned on FUSE over io_uring (enable_uring=Y; restored to $URING_OLD at exit)"
	fi
else
	say "this kernel has no FUSE over io_uring ($URING_PARAM missing): the classic transport will be used"
fi

# start_server OPTS...: mount $SRC on $MNT with the passthrough example.
start_server() {
	say "mounting: $SERVER -f $* $SRC $MNT"
	"$SERVER" -f "$@" "$SRC" "$MNT" 2>"$W/server.log" &
	SERVER_PID=$!
	for ((i = 0; i < MOUNT_TIMEOUT * 10; i++)); do
		mountpoint -q "$MNT" && return 0
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID"
			st=$?
			SERVER_PID=
			echo "$PROG: the server exited with status $st before mounting; its log:" >&2
			sed 's/^/    /' "$W/server.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$PROG: error: $MNT is not mounted after ${MOUNT_TIMEOUT}s; server log:" >&2
	sed 's/^/    /' "$W/server.log" >&2
	return 1
}

# stop_server: unmount and wait for the server to exit by itself.
stop_server() {
	fusermount3 -u "$MNT" || die "fusermount3 -u $MNT failed"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		die "the server is still running 10s after the unmount"
	fi
	wait "$SERVER_PID"
	st=$?
	SERVER_PID=
	[ $st = 0 ] || say "warning: the server exited with status $st"
}

# run_fio FILE TAG: the demo's fio job on FILE; prints its read IOPS.
run_fio() {
	local out=$W/fio-$2.json st iops fio_err
	timeout $((FIO_RUNTIME + 60)) fio --name=demo --filename="$1" --rw=randread --bs=4k \
		--direct=1 --ioengine=io_uring --iodepth=16 --runtime=$FIO_RUNTIME --time_based \
		--output-format=json --output="$out" >"$W/fio-$2.out" 2>&1
	st=$?
	if [ $st != 0 ]; then
		echo "$PROG: error: fio on $1 failed (status $st):" >&2
		sed 's/^/    /' "$W/fio-$2.out" >&2
		[ -s "$out" ] && sed 's/^/    /' "$out" | head -20 >&2
		return 1
	fi
	iops=$(json "$out" jobs.0.read.iops) ||
		iops=$(grep -m1 '"iops"' "$out" | sed 's/[^0-9.]//g')
	[ -n "$iops" ] || { echo "$PROG: error: no IOPS in fio's output ($out)" >&2; return 1; }
	fio_err=$(json "$out" jobs.0.error)
	[ -z "$fio_err" ] || [ "$fio_err" = 0 ] || { echo "$PROG: error: fio reported error $fio_err" >&2; return 1; }
	printf '%.0f\n' "$iops"
}

# The same job on the backing file, over zcfuse and over kernel passthrough,
# in the same minute: the ratios, not the absolute figures, carry over to
# another machine.
say "fio: 4k random reads, O_DIRECT, io_uring, iodepth 16, ${FIO_RUNTIME}s each"
say "fio on the backing file itself (tmpfs, no FUSE)"
native=$(run_fio "$SRC/file" native) || exit 1

start_server -o transport=auto -o stats="$W/stats.json" || exit 1
# The server logs its transport once INIT is answered, just after the mount.
line=
for ((i = 0; i < 50; i++)); do
	line=$(grep -m1 -i 'transport' "$W/server.log") && break
	sleep 0.1
done
if [ -n "$line" ]; then
	say "server: $line"
else
	say "warning: the server has not logged its transport line"
fi
say "fio over zcfuse"
iops=$(run_fio "$MNT/file" zcfuse) || exit 1
say "unmounting"
stop_server

[ -s "$W/stats.json" ] || die "the server wrote no statistics to $W/stats.json; its log:
$(sed 's/^/    /' "$W/server.log")"
transport=$(json "$W/stats.json" transport)
reason=$(json "$W/stats.json" transport_reason)
via_dev=$(json "$W/stats.json" requests.via_dev)
via_ring=$(json "$W/stats.json" requests.via_ring)
reads=$(json "$W/stats.json" opcodes.READ.count)

# Kernel passthrough (Linux 6.9+): the kernel serves reads itself, the
# ceiling for any FUSE server.
kpt=
if start_server -o passthrough -o transport=classic 2>/dev/null; then
	if grep -qi 'passthrough.*\(not\|unavailable\|off\)' "$W/server.log"; then
		say "kernel passthrough not available here; skipped"
	else
		say "fio over kernel passthrough"
		kpt=$(run_fio "$MNT/file" passthrough) || kpt=
	fi
	stop_server
else
	say "kernel passthrough did not mount; skipped"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo
echo "summary (4k randread, iodepth 16, O_DIRECT, ${FIO_RUNTIME}s, $(nproc) CPUs, Linux $(uname -r)):"
echo "    transport: ${transport:-unknown}${reason:+ ($reason)}"
echo "    requests: $((${via_dev:-0} + ${via_ring:-0})) (${via_dev:-0} via /dev/fuse, ${via_ring:-0} via io_uring)"
echo "    READ requests: ${reads:-0}"
printf '    %-26s %10s IOPS\n' "backing file (no FUSE):" "$native"
printf '    %-26s %10s IOPS  %s of the backing file\n' "zcfuse ${transport:-}:" "$iops" "$(ratio "$iops" "$native")"
if [ -n "$kpt" ]; then
	printf '    %-26s %10s IOPS  %s of the backing file; zcfuse is %s of it\n' \
		"kernel passthrough:" "$kpt" "$(ratio "$kpt" "$native")" "$(ratio "$iops" "$kpt")"
fi
echo "    The absolute figures depend on the machine and its load; compare the ratios."
exit 0
