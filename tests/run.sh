#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: zcfuse's test runner.
#
#   tests/run.sh [--build DIR] [--sanitizer] [--transports "classic uring"]
#                [--only PATTERN] [--skip PATTERN] [-v]
#
# Runs, each under a timeout:
#   unit tests   BUILD/tests/unit/NAME (from tests/unit/*.c)        once
#   mount tests  tests/mount/*.sh, once per transport, with ZCFUSE_TRANSPORT set
#                (the C programs in tests/mount/ are their helpers)
#   tool tests   every executable tests/tools/*.sh                   once
# A test exits 0 (pass), 77 (skip; its last line says why) or anything else
# (fail). One line per test; the output of failures is saved under
# BUILD/test-logs/. After the mount tests the kernel log is checked for new
# warnings. Ends with "N passed, N failed, N skipped"; exit 1 if any failed.
#
# --transports defaults to $ZCFUSE_TRANSPORTS, else "classic uring" (bufpool
# and zerocopy need Linux 7.3). --only takes an extended regex matched against
# names like "unit/opts", "mount/posix-memfs", "tools/bench-smoke"; --skip
# leaves out the names its regex matches (e.g. "tools/(fallback|probe)", the
# two that switch enable_uring, while other checkouts run ring tests).
# --sanitizer: the build has ASan/UBSan; abort on the first report, detect
# leaks, and count any sanitizer report in a server log as a failure.

set -u -o pipefail
# Debian's tools first, as scripts/install-deps installs them: a python3
# shim earlier on PATH (pyenv's) costs a second per start-up, and the
# tests start python3 hundreds of times.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=build
SANITIZER=0
TRANSPORTS=${ZCFUSE_TRANSPORTS:-classic uring}
ONLY=""
SKIP=""
VERBOSE=0
UNIT_TIMEOUT=${ZCFUSE_UNIT_TIMEOUT:-60}
MOUNT_TIMEOUT=${ZCFUSE_MOUNT_TIMEOUT:-300}
TOOL_TIMEOUT=${ZCFUSE_TOOL_TIMEOUT:-600}

usage() {
	sed -n '3,24s/^# \{0,1\}//p' "$0"
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=${2:?--build needs a folder}; shift ;;
	--build=*) BUILD=${1#*=} ;;
	--sanitizer) SANITIZER=1 ;;
	--transports) TRANSPORTS=${2?--transports needs a list}; shift ;;
	--transports=*) TRANSPORTS=${1#*=} ;;
	--only) ONLY=${2:?--only needs a pattern}; shift ;;
	--only=*) ONLY=${1#*=} ;;
	--skip) SKIP=${2:?--skip needs a pattern}; shift ;;
	--skip=*) SKIP=${1#*=} ;;
	-v | --verbose) VERBOSE=1 ;;
	-h | --help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
	esac
	shift
done

case $BUILD in
/*) ;;
*) BUILD=$REPO/$BUILD ;;
esac
TRANSPORTS=$(echo $TRANSPORTS | tr ',' ' ')
for t in $TRANSPORTS; do
	case $t in
	classic | uring | bufpool | zerocopy) ;;
	*) echo "run.sh: unknown transport '$t' (classic, uring, bufpool, zerocopy)" >&2; exit 2 ;;
	esac
done
[ -d "$BUILD" ] || { echo "run.sh: build folder $BUILD does not exist (run make)" >&2; exit 2; }
command -v timeout >/dev/null || { echo "run.sh: needs timeout(1) (coreutils)" >&2; exit 2; }

if [ "$SANITIZER" = 1 ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-}
	MOUNT_TIMEOUT=$((MOUNT_TIMEOUT * 2))
fi
export ZCFUSE_BUILD=$BUILD ZCFUSE_REPO=$REPO ZCFUSE_SANITIZER=$SANITIZER
export ZCFUSE_TRANSPORTS="$TRANSPORTS"
SAN_PATTERN='ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)'
# "unique mismatch": fs/fuse/dev_uring.c refused a ring reply's header (a
# wrong unique, or an odd one, which it takes for an interrupt's).
KERNEL_PATTERN='WARNING:|BUG:|Oops|INFO: task .* blocked|general protection|blocked for more than|Kernel panic|UBSAN:|soft lockup|fuse: unique mismatch'

LOGDIR=$BUILD/test-logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/zcfuse-tests.XXXXXX") || exit 2
npass=0 nfail=0 nskip=0
FAILED=()

# ---- kernel log -------------------------------------------------------------

# The last timestamp in the kernel log ("0" if the log is empty), so later
# checks see only new lines even if the ring buffer wrapped.
DMESG_OK=0
DMESG_WHY=""
# Both read the live log, or the copy in FILE.
dmesg_read() { if [ -n "${1:-}" ]; then cat "$1"; else dmesg 2>/dev/null; fi; }
dmesg_last_ts() { # [FILE]
	dmesg_read "${1:-}" | awk -F'[][]' 'NF > 2 { t = $2 } END { gsub(/ /, "", t); print (t == "" ? 0 : t) }'
}
dmesg_since() { # T0 [FILE]
	dmesg_read "${2:-}" | awk -F'[][]' -v t0="$1" 'NF > 2 { t = $2; gsub(/ /, "", t); if (t + 0 > t0 + 0) print }'
}
if ! dmesg >/dev/null 2>&1; then
	DMESG_WHY="dmesg is not readable here ($(dmesg 2>&1 >/dev/null | head -1))"
elif [ -z "$(dmesg 2>/dev/null | head -1 | grep '^\[')" ] && [ -n "$(dmesg 2>/dev/null | head -1)" ]; then
	DMESG_WHY="kernel log lines carry no timestamps (printk.time=0)"
else
	DMESG_OK=1
	DMESG_T0=$(dmesg_last_ts)
	DMESG_LAST=$DMESG_T0
fi

# new_kernel_reports FILE: lines since the previous call that look like
# problems, into FILE. Not for $(...): DMESG_LAST must move on in this
# shell, or one report would fail every later test too. One copy of the
# log gives both the lines and the new mark, so no line falls between.
new_kernel_reports() {
	: >"$1"
	[ "$DMESG_OK" = 1 ] || return 0
	dmesg 2>/dev/null >"$1.log"
	dmesg_since "$DMESG_LAST" "$1.log" | grep -E "$KERNEL_PATTERN" >"$1"
	DMESG_LAST=$(dmesg_last_ts "$1.log")
	rm -f "$1.log"
}

# ---- FUSE io_uring switch ---------------------------------------------------

URING_PARAM=/sys/module/fuse/parameters/enable_uring
# Several runs may overlap (two checkouts, make check beside a manual run):
# the first one in saves the old value, the last one out restores it. Each
# run leaves a file named by its PID; dead runs' files are ignored.
URING_USERS=/run/zcfuse-tests-enable-uring
[ -w /run ] || URING_USERS=${TMPDIR:-/tmp}/zcfuse-tests-enable-uring
URING_HELD=0
uring_lock() {
	exec 9>"$URING_USERS.lock" || return 0
	command -v flock >/dev/null && flock 9
	mkdir -p "$URING_USERS"
	local f
	for f in "$URING_USERS"/[0-9]*; do
		[ -e "$f" ] && ! kill -0 "${f##*/}" 2>/dev/null && rm -f "$f"
	done
	return 0
}
uring_unlock() { exec 9>&-; }
# uring_others: is any run (PID file) registered besides "orig"?
uring_others() {
	local f
	for f in "$URING_USERS"/[0-9]*; do
		[ -e "$f" ] && return 0
	done
	return 1
}
uring_acquire() {
	uring_lock
	if ! uring_others; then
		cat "$URING_PARAM" >"$URING_USERS/orig"
	fi
	: >"$URING_USERS/$$"
	URING_HELD=1
	if [ "$(cat "$URING_PARAM")" != Y ] && ! echo Y >"$URING_PARAM" 2>/dev/null; then
		echo "run.sh: note: cannot turn on $URING_PARAM (not root?); ring transports will skip"
	fi
	uring_unlock
}
restore_uring() {
	[ "$URING_HELD" = 1 ] || return 0
	uring_lock
	rm -f "$URING_USERS/$$"
	if ! uring_others && [ -s "$URING_USERS/orig" ]; then
		cat "$URING_USERS/orig" >"$URING_PARAM" 2>/dev/null
		rm -f "$URING_USERS/orig"
	fi
	URING_HELD=0
	uring_unlock
}
case " $TRANSPORTS " in
*" uring "* | *" bufpool "* | *" zerocopy "*)
	if [ -e "$URING_PARAM" ]; then
		uring_acquire
	else
		echo "run.sh: note: $URING_PARAM is missing (kernel without FUSE over io_uring)"
	fi
	;;
esac

on_exit() {
	restore_uring
	rm -rf "$SCRATCH"
}
trap on_exit EXIT
trap 'echo "run.sh: interrupted"; cleanup_leftovers "$SCRATCH"; exit 130' INT TERM

# ---- leftovers --------------------------------------------------------------

# cleanup_leftovers DIR: abort and lazily unmount every mount under DIR and
# kill every process whose command line names DIR (servers, fio, helpers).
# DIR is a fresh scratch folder of this run, so nothing else matches.
cleanup_leftovers() {
	local dir=$1 m majmin conn p n=0
	[ -n "$dir" ] || return 0
	while read -r m majmin; do
		[ -n "$m" ] || continue
		conn=$(((${majmin%%:*} << 20) | ${majmin##*:}))
		if [ -w "/sys/fs/fuse/connections/$conn/abort" ]; then
			echo 1 >"/sys/fs/fuse/connections/$conn/abort" 2>/dev/null
		fi
		umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
		echo "run.sh: unmounted leftover $m"
		n=$((n + 1))
	done < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5, $3 }' /proc/self/mountinfo | sort -r)
	# One grep over every command line: a pipeline per process took
	# seconds per test on a loaded machine, minutes over the suite.
	for p in $(grep -laF -- "$dir/" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${p#/proc/}
		p=${p%/cmdline}
		[ "$p" = $$ ] && continue
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null && echo "run.sh: killed leftover process $p"
	done
	return 0
}

if [ ! -d /sys/fs/fuse/connections ] || [ -z "$(ls -A /sys/fs/fuse/connections 2>/dev/null)" ]; then
	mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
fi

# ---- running one test -------------------------------------------------------

# run_one NAME LABEL TIMEOUT CMD...: run, classify, print the line.
run_one() {
	local name=$1 label=$2 limit=$3
	shift 3
	local tmp out rc reason="" extra="" reports sanlogs f save
	tmp=$SCRATCH/$(echo "$name$label" | tr '/ []' '____')
	out=$tmp.out
	[ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]] && return 0
	[ -n "$SKIP" ] && [[ $name =~ $SKIP ]] && return 0
	mkdir -p "$tmp"
	local t0=$EPOCHREALTIME secs
	(
		cd "$REPO" || exit 1
		ZCFUSE_TEST_TMP=$tmp timeout -k 10 "$limit" "$@"
		exit $?
	) </dev/null >"$out" 2>&1
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	printf '%s\t%s\n' "$secs" "$name$label" >>"$LOGDIR/durations.tsv"
	cleanup_leftovers "$tmp" >>"$out" 2>&1

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		reason="timed out after ${limit} s"
		rc=1
	fi
	if [ "$SANITIZER" = 1 ] && [ "$rc" != 1 ]; then
		# Server logs, helper output and ASan log_path files; not the test data.
		sanlogs=$({
			echo "$out"
			find "$tmp" -maxdepth 2 -type f \( -name '*.log' -o -name '*.err' -o -name '*.out' -o -name 'asan*' \)
		} | xargs -r grep -lE "$SAN_PATTERN" 2>/dev/null | head -3)
		if [ -n "$sanlogs" ]; then
			reason="sanitizer report in: $(echo $sanlogs | sed "s|$SCRATCH/||g")"
			for f in $sanlogs; do
				[ "$f" = "$out" ] || { echo "--- $f"; grep -E -A40 "$SAN_PATTERN" "$f" | head -80; } >>"$out"
			done
			rc=1
		fi
	fi
	new_kernel_reports "$tmp.kernel"
	reports=$(cat "$tmp.kernel")
	rm -f "$tmp.kernel"
	if [ -n "$reports" ]; then
		{ echo "--- new kernel log reports:"; echo "$reports"; } >>"$out"
		reason="${reason:+$reason; }kernel log: $(echo "$reports" | head -1 | cut -c1-120)"
		rc=1
	fi

	case $rc in
	0)
		npass=$((npass + 1))
		echo "PASS $name$label ($secs s)"
		[ "$VERBOSE" = 1 ] && sed 's/^/    /' "$out"
		;;
	77)
		nskip=$((nskip + 1))
		extra=$(grep -v '^[[:space:]]*$' "$out" | tail -1)
		echo "SKIP $name$label (${extra:-no reason given})"
		;;
	*)
		nfail=$((nfail + 1))
		save=$LOGDIR/$(echo "$name$label" | tr '/ []' '____').log
		cp "$out" "$save"
		# Keep the server logs and statistics of a failure too.
		if [ -n "$(ls -A "$tmp" 2>/dev/null)" ]; then
			mkdir -p "${save%.log}.files"
			find "$tmp" -maxdepth 1 -type f \( -name '*.log' -o -name '*.json' -o -name '*.out' -o -name '*.err' \) \
				-exec cp {} "${save%.log}.files/" \; 2>/dev/null
		fi
		[ -z "$reason" ] && reason="exit status $rc"
		echo "FAIL $name$label ($reason; $secs s; output: ${save#$REPO/})"
		FAILED+=("$name$label")
		if [ "$VERBOSE" = 1 ]; then
			sed 's/^/    /' "$out"
		else
			# Short output whole; else what failed (lines that say so),
			# then how the output ended.
			if [ "$(wc -l <"$out")" -le 14 ]; then
				sed 's/^/    /' "$out"
			else {
				grep -E 'FAIL|check failed|Sanitizer|runtime error|timed out|no answer' "$out" | head -8
				echo "..."
				tail -6 "$out"
			} | sed 's/^/    /'
			fi
		fi
		;;
	esac
	# Scratch files go unless the test failed (then they were copied above).
	rm -rf "$tmp" "$out" 2>/dev/null
	return 0
}

echo "run.sh: build $BUILD, transports: $TRANSPORTS$([ "$SANITIZER" = 1 ] && echo ', sanitizers on'), kernel $(uname -r)"

# Unit tests: one per tests/unit/*.c.
for src in "$REPO"/tests/unit/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	bin=$BUILD/tests/unit/$name
	if [ -x "$bin" ]; then
		run_one "unit/$name" "" "$UNIT_TIMEOUT" "$bin"
	else
		run_one "unit/$name" "" 10 sh -c "echo 'not built: $bin (make all)'; exit 1"
	fi
done

# Mount tests: every tests/mount/*.sh over every transport.
for tr in $TRANSPORTS; do
	for script in "$REPO"/tests/mount/*.sh; do
		[ -e "$script" ] || continue
		name=mount/$(basename "$script" .sh)
		ZCFUSE_TRANSPORT=$tr run_one "$name" " [$tr]" "$MOUNT_TIMEOUT" env ZCFUSE_TRANSPORT="$tr" bash "$script"
	done
done

# Tool tests: every executable tests/tools/*.sh, once.
for script in "$REPO"/tests/tools/*.sh; do
	[ -x "$script" ] || continue
	run_one "tools/$(basename "$script" .sh)" "" "$TOOL_TIMEOUT" "$script"
done

# The whole run's kernel log, including reports that came late (hung tasks).
if [ -z "$ONLY" ] || [[ kernel-log =~ $ONLY ]]; then
	if [ "$DMESG_OK" = 1 ]; then
		sleep 1
		all=$(dmesg_since "$DMESG_T0" | grep -E "$KERNEL_PATTERN")
		if [ -n "$all" ]; then
			nfail=$((nfail + 1))
			echo "$all" >"$LOGDIR/kernel-log.log"
			echo "FAIL kernel-log (new kernel reports since the start; output: ${LOGDIR#$REPO/}/kernel-log.log)"
			echo "$all" | head -10 | sed 's/^/    /'
			FAILED+=(kernel-log)
		else
			npass=$((npass + 1))
			echo "PASS kernel-log"
		fi
	else
		nskip=$((nskip + 1))
		echo "SKIP kernel-log ($DMESG_WHY)"
	fi
fi

if [ -s "$LOGDIR/durations.tsv" ]; then
	echo "slowest: $(sort -rn "$LOGDIR/durations.tsv" | head -8 | awk -F'\t' '{ printf "%s%s %ss", sep, $2, $1; sep = ", " }')"
fi
[ ${#FAILED[@]} -gt 0 ] && echo "failed: ${FAILED[*]}"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
