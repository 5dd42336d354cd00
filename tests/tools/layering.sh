#!/bin/bash
# SPDX-License-Identifier: MIT
# The floors hold: no src/ floor includes or calls one above it, and the
# examples and tools use only the public header (tools/layering says how).
# Seen failing with a session header included from core/log.c and with a
# proto object calling zcf_chan_report_end.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd nm
out=$("$T_REPO/tools/layering" "$ZCFUSE_BUILD" 2>&1) || { echo "$out"; t_fail "a floor uses one above it (above)"; }
t_log "$out"
exit 0
