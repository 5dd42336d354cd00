#!/usr/bin/env bash
# zcfuse_session_run() failing after INIT was read (here: an explicit
# transport the kernel lacks) must free the classic transport's INIT
# buffer: it used to stay allocated past zcfuse_session_destroy(), which
# LeakSanitizer reports at exit (the same leak libfuse programs on the
# compat library hit when their loop ended before the readers started).
# Only the sanitizer build can see the leak; the plain build checks the
# failure itself. Needs a kernel without buffer pools (protocol < 7.46).
. "$(dirname "$0")/../lib/common.sh"
t_need_root
[ "$TR" = classic ] || t_skip "transport-independent (the failing transport is chosen here); runs under classic only"
m=$T/mnt
mkdir -p "$m"
log=$T/memfs.log
timeout 20 "$(t_example memfs)" -f -o transport=zerocopy "$m" >"$log" 2>&1
rc=$?
t_is_mounted "$m" && fusermount3 -u "$m"
if ! grep -q "transport zerocopy not available" "$log"; then
	cat "$log"
	[ $rc = 124 ] && t_fail "memfs with transport=zerocopy did not exit"
	t_skip "zerocopy is available on this kernel: nothing fails after INIT (for a <7.46 host)"
fi
[ $rc != 0 ] || t_fail "memfs exited 0 although its transport was not available"
t_sanitizer_check "$log"
t_log "failed run exited $rc without a sanitizer report"
