#!/bin/bash
# The instruction counts of bench/vm-bench --cost repeat. Two boots of the
# Linux 7.3 guest under TCG with the zcfuse-cost plugin:
# - one vCPU: 4K randread, iodepth 1, zcfuse's classic transport, measured
#   twice in the boot;
# - two vCPUs: 4K read, iodepth 16, two jobs, zcfuse's uring transport with
#   its reads on io-wq workers (read_place=worker) and zerocopy, each measured
#   twice in the boot (inline reads, classic and libfuse vary more on two
#   vCPUs: doc/design.md).
# Both at run-bench's default I/O counts: over a difference of a few hundred
# I/Os the variation of fio's start and exit alone comes near the bound
# (doc/design.md, "Two vCPUs: placement fixed per column").
# Each cell's two repetitions must give guest instructions per I/O within 1%,
# and the counts must be plausible (kernel and user both counted).
# ZCFUSE_VM_COST_SMP2=0 leaves out the second boot. Boots take minutes under
# TCG, so it runs only when asked: ZCFUSE_VM_COST=1 (make vm-cost-check);
# skipped otherwise.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "vm-cost: SKIP: $*"; exit 77; }
fail() { echo "vm-cost: FAIL: $*"; [ -n "${log:-}" ] && [ -f "$log" ] && tail -30 "$log"; exit 1; }

[ "${ZCFUSE_VM:-0}" = 1 ] && skip "runs on the host: it boots the guest"
[ "${ZCFUSE_VM_COST:-0}" = 1 ] || skip "boots the Linux 7.3 guest under TCG; set ZCFUSE_VM_COST=1 (make vm-cost-check)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
command -v python3 >/dev/null || skip "python3 not installed"
[ -x "$repo/build/examples/passthrough" ] || skip "build/examples/passthrough not built (make)"

out=$(mktemp -d "${TMPDIR:-/tmp}/vm-cost.XXXXXX") || fail "mktemp"
trap 'rm -rf "$out"' EXIT

# check NAME: the two repetitions of every configuration in NAME's results
check() {
	python3 - "$out/$1/vm-out/bench/summary.json" "$1" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    sys.exit("no summary.json: %s" % e)
by = {}
for c in doc["cells"]:
    if c.get("status") == "ok":
        by.setdefault(c["config"], []).append(c)
if not by:
    sys.exit("no measured cell")
bad = []
for conf, cells in sorted(by.items()):
    if len(cells) != 2:
        sys.exit("%s: expected two measured repetitions, got %d" % (conf, len(cells)))
    for c in cells:
        print("%s %s rep %s: kernel %.0f user %.0f instructions per I/O; per try %s; calls %s" % (
            sys.argv[2], conf, c["rep"], c.get("kernel") or -1, c.get("user") or -1,
            "/".join("%.0f" % v for v in c.get("per_io_tries") or []), c.get("copy")))
        if not c.get("kernel") or not c.get("user") or c["kernel"] < 1000 or c["user"] < 100:
            sys.exit("%s: implausible counts" % conf)
    a, b = (c["insns"] for c in cells)
    s = abs(a - b) / ((a + b) / 2)
    print("%s %s: spread %.3f%%" % (sys.argv[2], conf, s * 100))
    if s > 0.01:
        bad.append(conf)
sys.exit("over 1%%: %s" % " ".join(bad) if bad else 0)
PY
}

log=$out/smp1.log
"$repo/bench/vm-bench" --cost --vm "--accel tcg --timeout 1500 -q" --out "$out/smp1" --rows 4k-randread-qd1-j1 \
	--configs zcfuse-classic --repeat 2 --size 32M > "$log" 2>&1 ||
	fail "bench/vm-bench --cost exited with status $?"
check smp1 || fail "one vCPU: instruction counts missing, implausible or not repeatable within 1%"

if [ "${ZCFUSE_VM_COST_SMP2:-1}" != 0 ]; then
	log=$out/smp2.log
	"$repo/bench/vm-bench" --cost --vm "--accel tcg --smp 2 --timeout 1500 -q" --out "$out/smp2" \
		--rows 4k-read-qd16-j2 --configs zcfuse-uring+read_place=worker,zcfuse-zerocopy --repeat 2 \
		--cost-ios 2000,10000 --size 64M > "$log" 2>&1 ||
		fail "bench/vm-bench --cost --vm '--smp 2' exited with status $?"
	check smp2 || fail "two vCPUs: instruction counts missing, implausible or not repeatable within 1%"
fi
echo "vm-cost: PASS"
