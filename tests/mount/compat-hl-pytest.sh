#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-pytest: libfuse's own test suite (test/test_examples.py of
# Debian's fuse3 3.14 source, unmodified, run with python3-pytest) for
# libfuse's high-level examples built with zcfuse's high-level layer:
# hello, passthrough, passthrough --plus, passthrough_fh (each also with
# -d; test_syscalls runs inside the passthrough cases), null, ioctl, poll.
# Every case must pass; the ones libfuse's suite itself skips here are
# listed below with the reason.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

t_need_root
t_need_cmd fusermount3
# Debian's python3 with python3-pytest (not one earlier on PATH).
PY=/usr/bin/python3
[ -x "$PY" ] || t_skip "Debian's python3 is not installed"
"$PY" -c "import pytest" 2>/dev/null || t_skip "python3-pytest is not installed"
hl_need_examples
hl_setup_lib
SRC=${ZCFUSE_CACHE:-${HOME:-/root}/.cache/zcfuse}/peers/src/fuse3-3.14.0
[ -f "$SRC/test/test_examples.py" ] || t_skip "libfuse 3.14 source not in $SRC (bench/build-peers fetches it)"

# libfuse's layout: BASE/example, BASE/test (the .py files next to the
# test programs), BASE/util (fusermount3, mount.fuse3).
B=$T/libfuse
mkdir -p "$B/test" "$B/util"
ln -s "$HL_T314/example" "$B/example"
cp "$SRC"/test/*.py "$SRC/test/pytest.ini" "$B/test/"
for p in test_syscalls readdir_inode; do ln -s "$HL_T314/test/$p" "$B/test/$p"; done
ln -s "$(command -v fusermount3)" "$B/util/fusermount3"
ln -s "$(command -v mount.fuse3 || echo /sbin/mount.fuse3)" "$B/util/mount.fuse3"

# The high-level cases; the low-level ones (hello_ll, passthrough_ll,
# passthrough_hp, notify_*, cuse) belong to the low-level compat tests.
SEL='(test_hello and not hello_ll) or (test_passthrough and not passthrough_ll and not passthrough_hp) or test_null or test_ioctl or test_poll'
# Skipped by libfuse's suite itself, and why:
#   test_passthrough[...-True-...] (writeback) for every high-level
#     example: "example does not support writeback caching" (only
#     passthrough_ll takes -o writeback).
want=15
# Under the sanitizer the uninstrumented examples run with the ASan
# runtime preloaded; mount.fuse3 starts them through a shell that loses
# that order ("ASan runtime does not come first"), so the cases that go
# through mount.fuse3 (4) run in the plain build only.
if [ "${ZCFUSE_SANITIZER:-0}" = 1 ]; then
	SEL="($SEL) and not invoke_mount_fuse"
	want=11
fi
cd "$B/test" || exit 1
"$PY" -m pytest -p no:cacheprovider -q -rs -k "$SEL" test_examples.py >"$T/pytest.out" 2>&1
st=$?
grep -E "^(ERROR|FAILED)|Error|error:" "$T/pytest.out" | head -20
tail -25 "$T/pytest.out"
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$T/pytest.out" | tail -1)
[ "$st" = 0 ] || t_fail "libfuse's test_examples.py: $summary"
npass=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
[ "${npass:-0}" -ge $want ] || t_fail "only ${npass:-0} cases passed (expected $want: hello x6, passthrough, --plus, passthrough_fh x2 each, null, ioctl, poll): $summary"
# Not a skip: each skipped case must be a writeback one (reason above).
if grep -E '^SKIPPED' "$T/pytest.out" | grep -v 'does not support writeback' | grep -q .; then
	t_fail "unexpected skips: $(grep -E '^SKIPPED' "$T/pytest.out" | grep -v writeback | head -3)"
fi
t_log "libfuse's test_examples.py over $HL_LIB_NAME: $summary"
