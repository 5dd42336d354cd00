#!/bin/bash
# Replays the fuzz corpora (tests/fuzz/corpus/NAME: seeds and every crash
# found so far) through each harness built with the normal compiler
# (BUILD/tests/fuzz/NAME, with replay.c instead of libFuzzer). A crash, a
# sanitizer report or a broken invariant fails. Seconds; no mount.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${ZCFUSE_BUILD:-$repo/build}
fail() { echo "fuzz-replay: FAIL: $*"; exit 1; }

n=0
for dir in "$repo"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	prog=$build/tests/fuzz/$name
	[ -x "$prog" ] || fail "$prog not built (make)"
	log=$(mktemp "${TMPDIR:-/tmp}/fuzz-replay.XXXXXX") || fail "mktemp"
	if ! "$prog" "$dir" > "$log" 2>&1; then
		tail -30 "$log"
		rm -f "$log"
		fail "$name: the replay of $dir failed"
	fi
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|invariant broken' "$log"; then
		grep -E -A20 'ERROR: |runtime error:|invariant broken' "$log" | head -40
		rm -f "$log"
		fail "$name: a sanitizer or invariant report"
	fi
	echo "fuzz-replay: $name: $(tail -1 "$log")"
	rm -f "$log"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no corpus under tests/fuzz/corpus"
echo "fuzz-replay: $n harness(es) replayed"
