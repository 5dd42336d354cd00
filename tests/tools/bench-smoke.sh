#!/bin/bash
# Smoke test of the benchmark runner: one row, two configurations, a second or
# two each, then checks that results.md, summary.json, the raw fio JSON and the
# PNG chart exist and are well formed. No timing assertions.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "bench-smoke: SKIP: $*"; exit 77; }
fail() { echo "bench-smoke: FAIL: $*"; [ -n "${out:-}" ] && [ -f "$out/run.log" ] && tail -20 "$out/run.log"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (tmpfs and FUSE mounts)"
command -v fio >/dev/null || skip "fio not installed (apt-get install fio)"
py=""
for p in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
	[ -n "$p" ] && [ -x "$p" ] && { py=$p; break; }
done
[ -n "$py" ] || skip "python3 not installed (apt-get install python3)"
if ! command -v gnuplot >/dev/null && ! "$py" -c 'import matplotlib' 2>/dev/null; then
	skip "neither gnuplot (gnuplot-nox) nor python3-matplotlib installed: no chart"
fi
[ -x "$repo/bench/run-bench" ] || fail "bench/run-bench missing or not executable"

# The second configuration: zcfuse's classic transport when its server is built,
# otherwise the backing file through io_uring.
second=native-uring
[ -x "$repo/build/examples/passthrough" ] && second=zcfuse-classic

out=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX") || fail "mktemp"
trap 'rm -rf "$out"' EXIT

run() {
	rm -rf "$out/fio" "$out"/*.tsv
	"$repo/bench/run-bench" --quick --rows '4k-randread-qd1-j1' --configs "native-psync,$second" \
		--runtime 1 --ramp 1 --size 64M --no-build --out "$out" > "$out/run.log" 2>&1
	rc=$?
	[ $rc = 0 ] || fail "bench/run-bench exited with status $rc"
}
run
if [ $second = zcfuse-classic ] && grep -q '^zcfuse-classic	skipped' "$out/configs.tsv"; then
	# The runner's job is to record that; test the rest with a configuration that works.
	echo "bench-smoke: note: $(grep '^zcfuse-classic' "$out/configs.tsv" | cut -f3); using native-uring"
	second=native-uring
	run
fi

[ -s "$out/results.md" ] || fail "results.md missing or empty"
grep -q '^| fio |' "$out/results.md" || fail "results.md has no table header"
grep -q '^| 4K randread qd1 |' "$out/results.md" || fail "results.md has no 4K randread qd1 row"
grep -q 'native-psync' "$out/results.md" || fail "results.md has no native-psync column"
# The servers' stats: where zcfuse's reads ran (classic has no ring for them).
if [ $second = zcfuse-classic ]; then
	grep -q "^### Where zcfuse's backing reads ran" "$out/results.md" ||
		fail "results.md has no read placement section"
	grep -q '^| 4K randread qd1 | no ring 100% |$' "$out/results.md" ||
		fail "read placement of zcfuse-classic is not 'no ring 100%'"
fi

[ -s "$out/summary.json" ] || fail "summary.json missing or empty"
"$py" -c '
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("machine", "versions", "busy_loops", "date", "command", "results", "configs"):
    assert k in s, "summary.json lacks " + k
assert s["machine"]["kernel"], "no kernel in summary.json"
assert any(r["config"] == "native-psync" and r["median"]["iops"] > 0 for r in s["results"]), \
    "no native-psync result with IOPS > 0"
' "$out/summary.json" || fail "summary.json is not well formed"

n=0
for j in "$out"/fio/*.json; do
	[ -f "$j" ] || continue
	"$py" -c '
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.index("{"):])
assert d["jobs"][0]["read"]["total_ios"] > 0
' "$j" || fail "raw fio JSON $(basename "$j") is not well formed"
	n=$((n + 1))
done
[ $n -ge 2 ] || fail "expected 2 raw fio JSON files, found $n"

[ -s "$out/iops.png" ] || fail "iops.png missing or empty"
magic=$(head -c 8 "$out/iops.png" | od -An -tx1 | tr -d ' \n')
[ "$magic" = 89504e470d0a1a0a ] || fail "iops.png does not start with the PNG signature (got $magic)"

echo "bench-smoke: PASS (native-psync and $second, $n fio JSON files)"
exit 0
