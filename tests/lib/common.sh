# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034
# Shell helpers for zcfuse's mount tests; source it from a test script:
#   . "$(dirname "$0")/../lib/common.sh"
#
# A test exits 0 (pass), 1 (fail, after saying why) or 77 (skip, with the
# reason). tests/run.sh sets the environment below; without it a test runs
# standalone against build/ with the classic transport:
#   ZCFUSE_BUILD      build folder (absolute)           [REPO/build]
#   ZCFUSE_TRANSPORT  classic, uring, bufpool, zerocopy [classic]
#   ZCFUSE_TEST_TMP   scratch folder, removed by the runner [a new one]
#   ZCFUSE_SANITIZER  1 when the build has ASan/UBSan    [0]
#
# Servers: srv_start NAME memfs|passthrough [SOURCE] [-o opt...] mounts one
# under $T/NAME.mnt with its stderr in $T/NAME.log and statistics in
# $T/NAME.stats.json; srv_stop NAME unmounts it and waits for the server.
# An EXIT trap unmounts and kills whatever is left, even when a test fails.

set -u -o pipefail

T_NAME=$(basename "$0" .sh)
T_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
ZCFUSE_BUILD=${ZCFUSE_BUILD:-$T_REPO/build}
ZCFUSE_TRANSPORT=${ZCFUSE_TRANSPORT:-classic}
ZCFUSE_SANITIZER=${ZCFUSE_SANITIZER:-0}
if [ -n "${ZCFUSE_TEST_TMP:-}" ]; then
	T=$ZCFUSE_TEST_TMP
	T_OWN_TMP=0
	mkdir -p "$T"
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/zcfuse-$T_NAME.XXXXXX")
	T_OWN_TMP=1
fi
TR=$ZCFUSE_TRANSPORT
# Slow builds (sanitizers) get longer bounds; still bounds, never assertions on speed.
T_SLOW=1
[ "$ZCFUSE_SANITIZER" = 1 ] && T_SLOW=3
# How soon an interrupted request must end (tests/mount/protoops.c): 100 ms
# on hardware; under TCG emulation (the 7.3 guest) a wake-up alone took
# 144 ms on a loaded host, so 1 s there, still far from "never".
if [ -z "${ZCFUSE_INTR_MS:-}" ]; then
	ZCFUSE_INTR_MS=$((100 * T_SLOW))
	[ "${ZCFUSE_VM_ACCEL:-}" = tcg ] && ZCFUSE_INTR_MS=1000
fi
export ZCFUSE_INTR_MS

# Patterns that mean a sanitizer found something.
T_SAN_PATTERN='ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)'

declare -A SRV_PID SRV_MNT SRV_LOG SRV_STATS SRV_KIND SRV_STATUS SRV_SRC
T_CLEANUP_HOOKS=()

t_log() { echo "$T_NAME: $*"; }
t_fail() {
	echo "$T_NAME: FAIL [$TR]: $*"
	exit 1
}
t_skip() {
	echo "$T_NAME: SKIP: $*"
	exit 77
}

t_need_root() { [ "$(id -u)" = 0 ] || t_skip "needs root"; }
t_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_skip "$c is not installed"
	done
}

# t_as UID[:GID[:GROUPS]] CMD...: run CMD as that user (no /etc/passwd
# entry needed); GID defaults to UID, GROUPS (comma list) to none.
t_as() {
	local u=${1%%:*} rest g grp=""
	rest=${1#"$u"}
	rest=${rest#:}
	g=${rest%%:*}
	[ -n "$g" ] || g=$u
	case $rest in *:*) grp=${rest#*:} ;; esac
	shift
	if [ -n "$grp" ]; then
		setpriv --reuid="$u" --regid="$g" --groups="$grp" "$@"
	else
		setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
	fi
}

# t_open_for_others: let every user traverse to $T (o+x on our own scratch
# folders); skip when another ancestor is closed to them.
t_open_for_others() {
	local d
	t_need_cmd setpriv
	t_as 65534 true 2>/dev/null || t_skip "setpriv cannot switch users here"
	chmod 755 "$T"
	d=$(dirname "$T")
	while [ "$d" != / ]; do
		case $(basename "$d") in
		zcfuse-tests.* | zcfuse-*.*) chmod o+x "$d" ;;
		esac
		t_as 65534 test -x "$d" || t_skip "$d is not searchable by other users"
		d=$(dirname "$d")
	done
}

# t_fail_from_subshell MSG: t_fail for code run as $(...): the message goes
# to stderr and the test itself is stopped (its TERM trap exits 1).
t_fail_from_subshell() {
	echo "$T_NAME: FAIL [$TR]: $*" >&2
	kill -TERM $$
	exit 1
}

# t_prog NAME: path of a helper program from tests/mount/*.c
t_prog() {
	local p=$ZCFUSE_BUILD/tests/mount/$1
	[ -x "$p" ] || t_fail_from_subshell "helper $p is not built (make all)"
	echo "$p"
}

# t_example NAME: path of an example server
t_example() {
	local p=$ZCFUSE_BUILD/examples/$1
	[ -x "$p" ] || t_fail_from_subshell "example server $p is not built (make all)"
	echo "$p"
}

# t_wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
t_wait_until() {
	local limit=$1 i=0
	shift
	local n=$((limit * 20))
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $n ] && return 1
		sleep 0.05
	done
	return 0
}

t_pid_alive() { kill -0 "$1" 2>/dev/null && [ "$(t_pid_state "$1")" != Z ]; }

# t_pid_state PID: the state letter from /proc/PID/stat (R, S, D, Z, ...) or "gone".
t_pid_state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	s=${s##*) }
	echo "${s%% *}"
}

t_is_mounted() { mountpoint -q "$1" 2>/dev/null; }

# t_write_read_back NAME BLOB FILE: BLOB written to FILE through a mount,
# then read back by four readers at once (a threaded server's readers all
# busy); fails the test on any difference.
t_write_read_back() {
	local name=$1 blob=$2 file=$3 i
	timeout 60 cp "$blob" "$file" || t_fail "$name: writing $(stat -c %s "$blob") bytes failed"
	for i in 1 2 3 4; do
		timeout 60 cmp "$blob" "$file" >"$T/cmp$i" 2>&1 &
	done
	for i in 1 2 3 4; do
		wait -n || t_fail "$name: a reader of $(basename "$file") found a difference: $(cat "$T"/cmp*)"
	done
}

# t_all_stopped PID: every thread of PID is stopped (state T). SIGSTOP lands
# asynchronously, and a FUSE server thread woken by it still serves a
# request that is already queued, so tests wait for this after kill -STOP.
t_all_stopped() {
	local t s
	for t in /proc/$1/task/*; do
		s=$(cat "$t/stat" 2>/dev/null) || continue
		s=${s##*) }
		[ "${s%% *}" = T ] || return 1
	done
	return 0
}

# t_in_mounts PATH: is PATH a mountpoint in /proc/mounts (works when the
# server is dead and stat(2) fails with ENOTCONN)
t_in_mounts() {
	awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/self/mounts
}

# t_fuse_abort MNT: abort the FUSE connection behind MNT (fusectl), which
# fails every pending request; used only in cleanup.
t_fuse_abort() {
	local mnt=$1 majmin conn
	majmin=$(awk -v m="$mnt" '$5 == m { print $3 }' /proc/self/mountinfo | tail -1)
	[ -n "$majmin" ] || return 0
	conn=$(((${majmin%%:*} << 20) | ${majmin##*:}))
	if [ ! -d /sys/fs/fuse/connections ] || [ -z "$(ls -A /sys/fs/fuse/connections 2>/dev/null)" ]; then
		mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
	fi
	[ -w "/sys/fs/fuse/connections/$conn/abort" ] && echo 1 >"/sys/fs/fuse/connections/$conn/abort" 2>/dev/null
	return 0
}

# t_sanitizer_check FILE...: fail if a sanitizer reported into FILE.
t_sanitizer_check() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -Eq "$T_SAN_PATTERN" "$f"; then
			echo "$T_NAME: sanitizer report in $f:"
			grep -E -A30 "$T_SAN_PATTERN" "$f" | head -60
			t_fail "sanitizer report in $(basename "$f")"
		fi
	done
}

# srv_start NAME KIND [SOURCE] [server args...]: start example KIND in the
# foreground with the test's transport, wait until mounted. Skips the test
# if the server says the transport is not available. SRV_AT=DIR mounts at
# DIR instead of $T/NAME.mnt; SRV_TR=NAME overrides the transport;
# SRV_WRAP="CMD ARGS" runs the server under CMD (valgrind).
srv_start() {
	local name=$1 kind=$2
	shift 2
	local bin mnt log stats src="" tr=${SRV_TR:-$TR}
	bin=$(t_example "$kind")
	mnt=${SRV_AT:-$T/$name.mnt}
	log=$T/$name.log
	stats=$T/$name.stats.json
	if [ "$kind" = passthrough ]; then
		src=$1
		shift
	fi
	mkdir -p "$mnt"
	rm -f "$stats"
	SRV_MNT[$name]=$mnt
	SRV_LOG[$name]=$log
	SRV_STATS[$name]=$stats
	SRV_KIND[$name]=$kind
	SRV_SRC[$name]=$src
	local -a wrap=()
	[ -n "${SRV_WRAP:-}" ] && read -r -a wrap <<<"$SRV_WRAP"
	if [ -n "$src" ]; then
		"${wrap[@]}" "$bin" -f -o "transport=$tr" -o "stats=$stats" "$@" "$src" "$mnt" 2>"$log" &
	else
		"${wrap[@]}" "$bin" -f -o "transport=$tr" -o "stats=$stats" "$@" "$mnt" 2>"$log" &
	fi
	SRV_PID[$name]=$!
	srv_wait_mounted "$name"
}

# srv_start_example KIND [NAME [server args...]]: srv_start NAME (default
# KIND) of example memfs, or of passthrough over a SOURCE made if missing:
# $T/src for the default name, $T/NAME.src for a named one.
srv_start_example() {
	local kind=$1 name=${2:-$1} src=$T/src
	shift $(($# < 2 ? $# : 2))
	if [ "$kind" = passthrough ]; then
		[ "$name" = "$kind" ] || src=$T/$name.src
		mkdir -p "$src"
		srv_start "$name" passthrough "$src" "$@"
	else
		srv_start "$name" "$kind" "$@"
	fi
}

# srv_unavailable NAME: a transport this kernel lacks (the ladder's
# "transport T not available: FEATURE not available: CAUSE") skips the
# test; one the kernel offers but the server could not set up ("transport
# T not available: queue 0: registering ...") fails it: a bug must not
# pass as a skip of every test on that transport.
srv_unavailable() {
	local log=${SRV_LOG[$1]} line
	line=$(grep -m1 "not available" "$log") || return 0
	if grep -qE "transport [a-z]+ not available: (zero copy|buffer pools|io_uring) not available: " <<<"$line"; then
		t_skip "transport $TR: $line"
	fi
	echo "$T_NAME: server log:"
	tail -20 "$log"
	t_fail "$1: transport $TR could not be set up: $line"
}

# srv_wait_mounted NAME: wait for the mount or for the server to die.
srv_wait_mounted() {
	local name=$1 pid=${SRV_PID[$1]} mnt=${SRV_MNT[$1]} log=${SRV_LOG[$1]}
	local i=0 n=$((200 * T_SLOW)) st
	while ! t_is_mounted "$mnt"; do
		if ! t_pid_alive "$pid"; then
			wait "$pid" 2>/dev/null
			st=$?
			SRV_PID[$name]=""
			srv_unavailable "$name"
			echo "$T_NAME: server log:"
			tail -20 "$log"
			t_fail "$name (${SRV_KIND[$name]}) exited with status $st before mounting"
		fi
		i=$((i + 1))
		[ $i -ge $n ] && t_fail "$name: not mounted after $((n / 20)) s"
		sleep 0.05
	done
	# The first request waits for INIT; a stat proves the server answers.
	timeout $((20 * T_SLOW)) stat "$mnt" >/dev/null || t_fail "$name: stat of the fresh mount failed or hung"
	srv_unavailable "$name"
}

# srv_stop NAME [SECONDS]: unmount and wait for the server to exit; its exit
# status lands in SRV_STATUS[NAME]. Fails the test if it does not go.
srv_stop() {
	local name=$1 limit=${2:-$((30 * T_SLOW))} pid=${SRV_PID[$1]} mnt=${SRV_MNT[$1]}
	cd / || true
	if t_in_mounts "$mnt"; then
		if ! fusermount3 -u "$mnt" 2>"$T/$name.umount.err"; then
			umount "$mnt" 2>>"$T/$name.umount.err" ||
				t_fail "$name: cannot unmount $mnt: $(cat "$T/$name.umount.err")"
		fi
	fi
	srv_wait_exit "$name" "$limit"
}

# srv_wait_exit NAME SECONDS: wait for the server process to end.
srv_wait_exit() {
	local name=$1 limit=$2 pid=${SRV_PID[$1]}
	if [ -n "$pid" ]; then
		if ! t_wait_until "$limit" eval "! t_pid_alive $pid"; then
			t_fail "$name: server $pid still running $limit s after unmount (state $(t_pid_state "$pid"))"
		fi
		wait "$pid" 2>/dev/null
		SRV_STATUS[$name]=$?
		SRV_PID[$name]=""
	fi
	[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "${SRV_LOG[$name]}"
	return 0
}

# srv_stop_ok NAME: srv_stop and insist on exit status 0.
srv_stop_ok() {
	srv_stop "$1"
	[ "${SRV_STATUS[$1]}" = 0 ] || {
		tail -20 "${SRV_LOG[$1]}"
		t_fail "$1: server exited with status ${SRV_STATUS[$1]} after unmount"
	}
}

# The slow-backing tests' scenery. slow_source_start: SOURCE at $T/src with
# a 1 MiB file "other", a folder "plain" holding two files, and at
# SOURCE/slowfs an inner memfs (over classic: scenery, not under test) that
# SIGSTOP turns into a backing filesystem whose calls block; sets src and
# inner_pid, and SIGCONTs it at exit. The test puts its files in
# $src/slowfs, then slow_outer_start mounts passthrough over $src (the
# server under test) and sets mnt.
slow_source_start() {
	src=$T/src
	mkdir -p "$src/slowfs" "$src/plain"
	head -c 1048576 /dev/urandom >"$src/other"
	touch "$src/plain/a" "$src/plain/b"
	SRV_AT=$src/slowfs SRV_TR=classic srv_start inner memfs
	inner_pid=${SRV_PID[inner]}
	t_on_exit 'kill -CONT '"$inner_pid"
}
slow_outer_start() {
	srv_start outer passthrough "$src" -o timeout=600
	mnt=${SRV_MNT[outer]}
}

# t_probe WHAT CMD...: while something else is blocked, CMD (pinned to CPU
# $PROBE_CPU, so on ring transports it shares the blocked request's queue)
# must finish within $PROBE_BOUND seconds and succeed. A stall or a failure
# is added to the array "failures", prefixed with $PROBE_CONTEXT and ended
# with $PROBE_WHILE; an answer is logged.
t_probe() {
	local what=$1 st
	shift
	(timeout -k 2 "$PROBE_BOUND" taskset -c "$PROBE_CPU" "$@" >"$T/probe.out" 2>&1; exit $?) 2>/dev/null
	st=$?
	if [ $st = 124 ] || [ $st = 137 ]; then
		failures+=("${PROBE_CONTEXT:-}$what: no answer within $PROBE_BOUND s $PROBE_WHILE")
	elif [ $st != 0 ]; then
		failures+=("${PROBE_CONTEXT:-}$what: exit status $st: $(head -2 "$T/probe.out")")
	else
		t_log "${PROBE_CONTEXT:-}$what: answered"
	fi
}

# t_on_exit CMD: run CMD (a string) during cleanup, before servers are killed.
t_on_exit() { T_CLEANUP_HOOKS+=("$1"); }

# Locals here carry a _t_ prefix: a hook string may name the test's own
# variables (mnt, pid), which a local of the same name would hide.
t_cleanup() {
	local _t_rc=$? _t_name _t_pid _t_mnt _t_h
	set +e +u
	cd /
	for _t_h in "${T_CLEANUP_HOOKS[@]}"; do
		eval "$_t_h" >/dev/null 2>&1
	done
	for _t_name in "${!SRV_PID[@]}"; do
		_t_pid=${SRV_PID[$_t_name]}
		_t_mnt=${SRV_MNT[$_t_name]}
		[ -n "$_t_pid" ] && kill -CONT "$_t_pid" 2>/dev/null
		if t_in_mounts "$_t_mnt"; then
			t_fuse_abort "$_t_mnt"
			umount -l "$_t_mnt" 2>/dev/null || fusermount3 -u -z "$_t_mnt" 2>/dev/null
		fi
		if [ -n "$_t_pid" ] && t_pid_alive "$_t_pid"; then
			kill -TERM "$_t_pid" 2>/dev/null
			t_wait_until 5 eval "! t_pid_alive $_t_pid" || kill -KILL "$_t_pid" 2>/dev/null
			wait "$_t_pid" 2>/dev/null
		fi
	done
	# In sanitizer mode a report in any server log fails the test.
	if [ "$_t_rc" = 0 ] && [ "$ZCFUSE_SANITIZER" = 1 ]; then
		for _t_name in "${!SRV_LOG[@]}"; do
			if grep -Eq "$T_SAN_PATTERN" "${SRV_LOG[$_t_name]}" 2>/dev/null; then
				echo "$T_NAME: sanitizer report in ${SRV_LOG[$_t_name]}:"
				grep -E -A30 "$T_SAN_PATTERN" "${SRV_LOG[$_t_name]}" | head -60
				_t_rc=1
			fi
		done
	fi
	if [ "$T_OWN_TMP" = 1 ]; then
		if [ "$_t_rc" = 0 ]; then
			rm -rf "$T"
		else
			echo "$T_NAME: scratch files kept in $T"
		fi
	fi
	exit "$_t_rc"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM

# t_run_helper PROG ARGS...: run a helper, failing the test with its output.
t_run_helper() {
	local prog
	prog=$(t_prog "$1")
	shift
	"$prog" "$@"
}

# json_get FILE PATH: value at a dotted PATH (e.g. requests.via_ring) of a
# JSON file; non-zero exit if the file is not valid JSON or has no such key.
json_get() { "$(t_prog json-get)" "$@"; }

# t_server_transport_line NAME: the server's start line naming its transport.
t_server_transport_line() { grep -m1 -i "transport" "${SRV_LOG[$1]}"; }
