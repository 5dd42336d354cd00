#!/usr/bin/env bash
# SIGTERM, SIGINT and SIGHUP each make a foreground server unmount cleanly:
# the mountpoint goes away, the server exits 0 within a bound, and the stats
# file is written with the I/O done before the signal.
. "$(dirname "$0")/../lib/common.sh"

jg=$(t_prog json-get)
bound=$((30 * T_SLOW))

for sig in TERM INT HUP; do
	name=sig$sig
	srv_start $name memfs
	mnt=${SRV_MNT[$name]}
	pid=${SRV_PID[$name]}
	echo "before SIG$sig" >"$mnt/file" || t_fail "write before SIG$sig"
	dd if="$mnt/file" of=/dev/null iflag=direct status=none || t_fail "read before SIG$sig"
	kill -$sig "$pid"
	t_wait_until "$bound" eval "! t_pid_alive $pid" ||
		t_fail "server still running $bound s after SIG$sig (state $(t_pid_state "$pid"))"
	wait "$pid"
	st=$?
	SRV_PID[$name]=""
	[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "${SRV_LOG[$name]}"
	[ $st = 0 ] || { tail -5 "${SRV_LOG[$name]}"; t_fail "exit status $st after SIG$sig, want 0"; }
	t_in_mounts "$mnt" && t_fail "$mnt still mounted after SIG$sig"
	f=${SRV_STATS[$name]}
	[ -s "$f" ] || t_fail "no stats file after SIG$sig"
	"$jg" "$f" . >/dev/null || t_fail "stats after SIG$sig are not valid JSON"
	w=$("$jg" "$f" opcodes.WRITE.count) || t_fail "no WRITE count after SIG$sig"
	[ "$w" -gt 0 ] || t_fail "WRITE count $w after SIG$sig"
	t_log "SIG$sig: unmounted, exit 0, stats written (WRITE $w)"
done
t_log "PASS"
