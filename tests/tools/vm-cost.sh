#!/bin/bash
# The instruction counts of bench/vm-bench --cost repeat: one cell (4K
# randread, iodepth 1, zcfuse's classic transport) measured twice in one boot
# of the Linux 7.3 guest under TCG with the zcfuse-cost plugin gives guest
# instructions per I/O within 1%, and the counts are plausible (kernel and user
# both counted). Boots a VM (a few minutes under TCG), so it runs only when
# asked: ZCFUSE_VM_COST=1 (make vm-cost-check); skipped otherwise.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "vm-cost: SKIP: $*"; exit 77; }
fail() { echo "vm-cost: FAIL: $*"; [ -n "${out:-}" ] && [ -f "$out/vm-bench.log" ] && tail -30 "$out/vm-bench.log"; exit 1; }

[ "${ZCFUSE_VM:-0}" = 1 ] && skip "runs on the host: it boots the guest"
[ "${ZCFUSE_VM_COST:-0}" = 1 ] || skip "boots the Linux 7.3 guest under TCG; set ZCFUSE_VM_COST=1 (make vm-cost-check)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x "$repo/build/examples/passthrough" ] || skip "build/examples/passthrough not built (make)"

out=$(mktemp -d "${TMPDIR:-/tmp}/vm-cost.XXXXXX") || fail "mktemp"
trap 'rm -rf "$out"' EXIT
"$repo/bench/vm-bench" --cost --vm "--accel tcg --timeout 1500 -q" --out "$out" --rows 4k-randread-qd1-j1 \
	--configs zcfuse-classic --repeat 2 --cost-ios 200,600 --size 32M > "$out/vm-bench.log" 2>&1 ||
	fail "bench/vm-bench --cost exited with status $?"
sum=$out/vm-out/bench/summary.json
[ -f "$sum" ] || fail "no summary.json"
python3 - "$sum" <<'PY' || fail "instruction counts missing, implausible or not repeatable within 1%"
import json, sys
doc = json.load(open(sys.argv[1]))
cells = [c for c in doc["cells"] if c.get("status") == "ok"]
if len(cells) != 2:
    sys.exit("expected two measured repetitions, got %d" % len(cells))
for c in cells:
    print("rep %s: kernel %.0f user %.0f instructions per I/O; calls %s" % (
        c["rep"], c.get("kernel") or -1, c.get("user") or -1, c.get("copy")))
    if not c.get("kernel") or not c.get("user") or c["kernel"] < 1000 or c["user"] < 100:
        sys.exit("implausible counts")
a, b = (c["insns"] for c in cells)
s = abs(a - b) / ((a + b) / 2)
print("spread %.3f%%" % (s * 100))
sys.exit(1 if s > 0.01 else 0)
PY
echo "vm-cost: PASS"
